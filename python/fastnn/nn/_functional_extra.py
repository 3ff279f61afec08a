"""nn.functional's padding and distance functions: pad, cosine_similarity, pairwise_distance (re-exported by
functional.py, kept here to keep that file short)."""
import numpy as np

from ..autograd.function import Function
from ..ops.distance import cosine_similarity as _ops_cosine_similarity


# ---------------------------------------------------------------- pad
class _ConstantPad(Function):
    """Constant padding, pads[d] = (before, after) for every dim of x; a negative pad crops. Backward cuts the
    gradient of the input's region back out."""

    _internal = True
    _node_name = "ConstantPadNd"  # torch's grad_fn name

    @staticmethod
    def forward(ctx, x, pads, value):
        a = x._data
        shape = tuple(n + lo + hi for n, (lo, hi) in zip(a.shape, pads))
        ctx.src = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for n, (lo, hi) in zip(a.shape, pads))
        ctx.dst = tuple(slice(max(lo, 0), m - max(hi, 0)) for m, (lo, hi) in zip(shape, pads))
        ctx.shape = a.shape
        out = np.full(shape, value, dtype=a.dtype)
        out[ctx.dst] = a[ctx.src]
        return out

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        gx[ctx.src] = g[ctx.dst]
        return gx, None, None


class _GatherPad(Function):
    """Reflect / replicate padding of x's trailing dims: output index j of each padded dim reads input index
    index[k][j]. Backward sums the gradient back into each input index, one dim at a time."""

    _internal = True

    @staticmethod
    def forward(ctx, x, index, mode):
        ctx._node_name = f"{'Reflection' if mode == 'reflect' else 'Replication'}Pad{len(index)}D"
        a = x._data
        lead = a.ndim - len(index)
        for k, idx in enumerate(index):
            a = np.take(a, idx, axis=lead + k)
        ctx.shape, ctx.index = x._data.shape, index
        return a

    @staticmethod
    def backward(ctx, g):
        lead = len(ctx.shape) - len(ctx.index)
        for k in reversed(range(len(ctx.index))):
            axis = lead + k
            gx = np.zeros(g.shape[:axis] + (ctx.shape[axis],) + g.shape[axis + 1:], dtype=g.dtype)
            np.add.at(gx, (slice(None),) * axis + (ctx.index[k],), g)
            g = gx
        return g, None, None


def _source_index(n, lo, hi, mode):
    i = np.arange(-lo, n + hi)  # output position j reads input position j - lo, folded back into [0, n)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    return (n - 1) - np.abs((n - 1) - np.abs(i))  # reflect: -i below 0, 2(n-1) - i above n-1


_SUPPORTED = ("Supported combinations for non-constant padding:\n"
              "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
              "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
              "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _check_gather_pad(shape, pairs, mode):
    """torch's checks for reflect / replicate padding, in its order. pairs: (before, after), outermost dim first."""
    nd, k = len(shape), len(pairs)
    if not (1 <= k <= 3 and nd in (k + 1, k + 2)):
        raise NotImplementedError(f"Padding size {2 * k} is not supported for {nd}D input tensor.\n{_SUPPORTED}")
    if 0 in shape[nd - k - 1:]:
        raise RuntimeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 batch size and other "
                           f"non-zero dimensions for input, but got: {list(shape)}")
    sizes = shape[nd - k:]
    if mode == "reflect":
        for j in range(k):  # the last dim first, as torch reports it
            axis = nd - 1 - j
            lo, hi = pairs[k - 1 - j]
            if lo >= shape[axis] or hi >= shape[axis]:
                raise RuntimeError(f"Argument #{4 + 2 * j}: Padding size should be less than the corresponding input "
                                   f"dimension, but got: padding ({lo}, {hi}) at dimension {axis} of input "
                                   f"{list(shape)}")
    out = [n + lo + hi for n, (lo, hi) in zip(sizes, pairs)]
    if max(out) < 1:
        names = "DHW"[3 - k:]
        ins = [f"{c}: {n}" for c, n in zip(names, sizes)]
        ins = ins[0] if k == 1 else " ".join(ins[:-1]) + ", " + ins[-1]
        outs = " ".join(f"{c}: {m}" for c, m in zip(names, out))
        raise RuntimeError(f"input ({ins}) is too small. Calculated output {outs}")
    if min(out) < 0:
        full = list(shape[:nd - k]) + out
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(out)}: {full}")


def _pad_ints(pad):
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not {type(pad).__name__}")
    for i, p in enumerate(pad):
        if not isinstance(p, (int, np.integer)):
            raise TypeError("pad(): argument 'pad' (position 2) must be tuple of ints, but found element of type "
                            f"{type(p).__name__} at pos {i}")
    return [int(p) for p in pad]


def pad(input, pad, mode="constant", value=None):
    """Pad input's last len(pad) // 2 dims, pad = (last_before, last_after, second_last_before, ...), as torch.

    constant: any number of dims, a negative pad crops. reflect / replicate: the last 1, 2 or 3 dims of a
    (batched) input, as torch allows. fastnn does not implement mode='circular' (NotImplementedError). Where
    torch itself fails on a negative output size with an internal error (reflect of 2 or 3 dims), fastnn
    raises replicate's 'Trying to create tensor with negative dimension' instead."""
    pad = _pad_ints(pad)
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    nd = input._data.ndim
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) > 2 * nd:
        raise RuntimeError("Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {nd}")
    pairs = [(pad[i], pad[i + 1]) for i in range(len(pad) - 2, -1, -2)]  # outermost padded dim first
    if mode == "constant":
        pairs = [(0, 0)] * (nd - len(pairs)) + pairs
        if any(n + min(lo, 0) + min(hi, 0) < 0 for n, (lo, hi) in zip(input.shape, pairs)):
            raise RuntimeError("narrow(): length must be non-negative.")
        return _ConstantPad.apply(input, pairs, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if mode == "circular":
        raise NotImplementedError("fastnn's pad does not implement mode='circular'")
    _check_gather_pad(input._data.shape, pairs, mode)
    sizes = input._data.shape[nd - len(pairs):]
    return _GatherPad.apply(input, [_source_index(n, lo, hi, mode) for n, (lo, hi) in zip(sizes, pairs)], mode)


# ---------------------------------------------------------------- distances
cosine_similarity = _ops_cosine_similarity  # torch.nn.functional's is torch.cosine_similarity


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of x1 - x2 + eps over the last dim of their broadcast shape."""
    return (x1 - x2 + eps).norm(p, max(x1._data.ndim, x2._data.ndim) - 1, keepdim)
