"""Distances between vectors with autograd: cdist (p-norm distances between two sets of rows) and
cosine_similarity."""
import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from .linalg import matmul_arrays
from .pointwise import _check_tensors, to_dtype
from .reduction import _vector_norm, _vector_norm_grad
from ._util import broadcast_shapes, result_dtype, sum_to, wrap_dim

_COMPUTE_MODES = {"use_mm_for_euclid_dist_if_necessary": 0, "use_mm_for_euclid_dist": 1,
                  "donot_use_mm_for_euclid_dist": 2}


class _Cdist(Function):
    """||x1_i - x2_j||_p for every pair of rows, batch dims broadcast. With use_mm (p == 2 only) the squared
    distances come from |x1_i|^2 + |x2_j|^2 - 2 x1_i . x2_j, a matrix product: torch's faster, less exact form for
    large inputs. The gradient is torch's _cdist_backward: 0 where a distance is 0, and each tie of an inf-norm
    gets the whole gradient."""

    _internal = True

    @staticmethod
    def forward(ctx, x1, x2, p, use_mm):
        a, b = x1._data, x2._data
        ctx.save_for_backward(x1, x2)
        ctx.p = p
        if use_mm:
            sq = (a * a).sum(-1)[..., :, None] + (b * b).sum(-1)[..., None, :] - 2 * matmul_arrays(a, b, tb=True)
            ctx.out = np.sqrt(np.maximum(sq, 0))
        else:  # with no coordinates every distance is 0 (the 1-norm's sum of nothing; an inf-norm would raise)
            ctx.out = _vector_norm(a[..., :, None, :] - b[..., None, :, :], p if a.shape[-1] else 1, (-1,), False)
        return ctx.out

    @staticmethod
    def backward(ctx, g):
        x1, x2 = ctx.saved_tensors
        a, b, out = x1._data, x2._data, ctx.out
        if ctx.p == 2:  # sum_j r_ij (x1_i - x2_j) with r = g / out, without forming the differences
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.where(out == 0, 0, g / out)
            ga = a * r.sum(-1, keepdims=True) - matmul_arrays(r, b)
            gb = b * r.sum(-2)[..., None] - matmul_arrays(r, a, ta=True)
        else:
            diff = a[..., :, None, :] - b[..., None, :, :]
            gd = _vector_norm_grad(diff, out[..., None], g[..., None], ctx.p, (-1,), split_ties=False)
            ga, gb = gd.sum(-2), -gd.sum(-3)
        ga, gb = sum_to(ga, a.shape), sum_to(gb, b.shape)
        return ga.astype(a.dtype, copy=False), gb.astype(b.dtype, copy=False), None, None


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distance between each row of x1 (..., P, M) and each row of x2 (..., R, M): shape (..., P, R),
    the batch dims broadcast. compute_mode as torch's: p == 2 goes through a matrix product when P or R is over
    25 (use_mm_for_euclid_dist_if_necessary), always (use_mm_for_euclid_dist) or never."""
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    _check_tensors("cdist", x1, x2, ("x1", "x2"))
    sa, sb = x1._data.shape, x2._data.shape
    for name, s in (("X1", sa), ("X2", sb)):
        if len(s) < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {len(s)}D")
    if sa[-1] != sb[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {sa[-1]} X2: {sb[-1]}")
    for name, t in (("X1", x1), ("X2", x2)):
        if not t.dtype.is_floating_point:
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {_dt.torch_name(t.dtype)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    broadcast_shapes(sa[:-2], sb[:-2])
    if x1.dtype is not x2.dtype:
        raise RuntimeError(f"expected scalar type {_dt.torch_name(x1.dtype)} but found {_dt.torch_name(x2.dtype)}")
    mode = _COMPUTE_MODES[compute_mode]
    use_mm = p == 2 and (mode == 1 or mode == 0 and (sa[-2] > 25 or sb[-2] > 25))
    return _Cdist.apply(x1, x2, float(p), use_mm)


def _unit(t, shape, dim, eps):
    """(array t broadcast to shape, its 2-norm along dim, that norm clamped to at least eps, t / the clamped norm)."""
    t = np.broadcast_to(t, shape)
    n = _vector_norm(t, 2, (dim,), True)
    c = np.maximum(n, eps)
    return t, n, c, t / c


class _CosineSimilarity(Function):
    """sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps)) along dim, the inputs broadcast to `shape` (at least 1-d).
    As torch, the clamp to eps has no gradient of its own: the norm's gradient (0 at a zero norm) flows through
    it."""

    _internal = True

    @staticmethod
    def forward(ctx, x1, x2, shape, dim, eps):
        ctx.save_for_backward(x1, x2)
        ctx.shape, ctx.dim, ctx.eps = shape, dim, eps
        ctx.out = (_unit(x1._data, shape, dim, eps)[3] * _unit(x2._data, shape, dim, eps)[3]).sum(dim)
        return ctx.out

    @staticmethod
    def backward(ctx, g):
        x1, x2 = ctx.saved_tensors
        parts = [_unit(x._data, ctx.shape, ctx.dim, ctx.eps) for x in (x1, x2)]
        g, out = np.expand_dims(g, ctx.dim), np.expand_dims(ctx.out, ctx.dim)
        grads = []
        for x, (t, n, c, _), (*_, other) in zip((x1, x2), parts, parts[::-1]):
            with np.errstate(divide="ignore", invalid="ignore"):
                gt = g * (other - out * np.where(n == 0, 0, t / n)) / c
            grads.append(sum_to(gt, x._data.shape).astype(x._data.dtype, copy=False))
        return grads[0], grads[1], None, None, None


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """The cosine of the angle between x1 and x2 along dim, after broadcasting them; each norm is clamped to at
    least eps, so a zero vector gives 0. Integer inputs are cast to the common dtype, which must be floating."""
    _check_tensors("cosine_similarity", x1, x2, ("x1", "x2"))
    common = result_dtype(x1, x2)
    if not common.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{_dt.torch_name(common)}")
    x1, x2 = (t if t.dtype.is_floating_point else to_dtype(t, common) for t in (x1, x2))
    shape = broadcast_shapes(x1._data.shape, x2._data.shape)
    d = wrap_dim(dim, len(shape))
    return _CosineSimilarity.apply(x1, x2, shape or (1,), d, eps)
