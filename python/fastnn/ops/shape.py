"""Shape and view ops with autograd: view/reshape, transpose/permute, squeeze/unsqueeze, expand, cat/stack,
split/chunk, clone/contiguous, tril/triu, diag/diagonal, roll, flip, einsum. Ops that return numpy views return
tensors that share storage and version counter."""
import math
import warnings

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..autograd import grad_mode as _grad_mode
from ..autograd.views import _AsStrided, view_index
from ..tensor import Size, Tensor, _View
from .pointwise import _finish
from ._util import named, sum_to, wrap_dim

_grad_state = _grad_mode.state


def _mark_view(out, src):
    """out shares src's storage: the same version counter and base; made while grad mode is on, out later
    takes its gradient from the base's history whenever their storage is changed in place (Tensor.grad_fn)."""
    out._version = src._version
    base = out._base = src._base if src._base is not None else src
    if _grad_state.enabled:
        out._vbase = base
        out._vver = src._version[0]
        out.__class__ = _View
    return out


def _keyword_sizes(args, keyword, name, arg):
    """Sizes given as varargs, one sequence, or by keyword as torch's methods also take them
    (x.reshape(shape=(2, 3)), x.permute(dims=(1, 0)))."""
    if keyword is None:
        return args
    if args:
        raise TypeError(f"{name}() got multiple values for argument '{arg}'")
    return (keyword,)


def _parse_shape(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list, Size)):
        args = args[0]
    return tuple([int(a) for a in args])


def infer_shape(shape, numel, src=None):
    """Resolve one -1 and check the element count, with torch's error message (plus the source shape)."""
    known = 1
    inferred = False
    for s in shape:
        if s == -1:
            if inferred:
                raise RuntimeError("only one dimension can be inferred")
            inferred = True
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s} at index {shape.index(s)} of shape {list(shape)}")
        else:
            known *= s
    if inferred:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}{_of(src)}")
        return tuple([numel // known if s == -1 else s for s in shape])
    if known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}{_of(src)}")
    return shape


def _of(src):
    return f" (a tensor of shape {list(src)})" if src is not None else ""


class Reshape(Function):
    _internal = True
    _node_name = "View"  # torch's name for view, reshape and flatten of a contiguous tensor

    @staticmethod
    def forward(ctx, x, shape, view_only):
        d = x._data
        ctx.src_shape = d.shape
        if d.flags.c_contiguous:  # always a view (and ndarray.reshape costs a fifth of np.reshape)
            return d.reshape(shape)
        try:
            return np.reshape(d, shape, copy=False)
        except ValueError:
            if view_only:
                raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                                   "dimension spans across two contiguous subspaces). Use .reshape(...) instead. "
                                   f"(view {list(shape)} of a tensor of shape {list(x.shape)} and stride "
                                   f"{list(x.stride())})") from None
            return np.reshape(x._data, shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.src_shape), None, None


def view(x, *shape, size=None, dtype=None):
    if dtype is not None and not shape:
        return _view_dtype(x, _dt.to_dtype(dtype))
    if size is not None:
        shape = _keyword_sizes(shape, size, "view", "size")
    d = x._data
    if not (x.requires_grad and _grad_state.enabled) and d.flags.c_contiguous and all(type(s) is int and s >= -1 for s in shape):
        # a batch reshaped every step (images.view(64, -1)): numpy's reshape resolves one -1 alike (it would
        # take any negative size as -1, hence s >= -1); a shape it refuses takes the general path for torch's error
        try:
            return _mark_view(Tensor._make(d.reshape(shape)), x)
        except ValueError:
            pass
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, Size, int)):
        return _view_dtype(x, _dt.to_dtype(shape[0]))
    shape = infer_shape(_parse_shape(shape), x._data.size, x._data.shape)
    return _mark_view(Reshape.apply(x, shape, True), x)


def _view_dtype(x, dtype):
    """view(dtype): x's memory read as another dtype, as torch. With a different element size the last dim must
    be contiguous and is rescaled (its size divisible when the new elements are larger). Not differentiable."""
    d = x._data
    new = np.dtype(dtype.numpy)
    if new.itemsize != d.itemsize:
        what = f"to view {_dt.torch_name(d.dtype)} as {_dt.torch_name(new)} (different element sizes)"
        if d.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        if d.strides[-1] != d.itemsize and d.shape[-1] != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {d.strides[-1] // d.itemsize}")
        ratio = new.itemsize // d.itemsize
        if ratio > 1 and d.shape[-1] % ratio:
            raise RuntimeError(f"self.size(-1) must be divisible by {ratio} {what}, but got {d.shape[-1]}")
    return _mark_view(Tensor._make(d.view(new)), x)


def reshape(x, *args, shape=None):
    shape = infer_shape(_parse_shape(_keyword_sizes(args, shape, "reshape", "shape")), x._data.size, x._data.shape)
    if shape == x._data.shape:
        return view(x, shape)
    out = Reshape.apply(x, shape, False)
    if np.shares_memory(out._data, x._data):
        _mark_view(out, x)
    return out


def view_as(x, other):
    return view(x, other.shape)


def reshape_as(x, other):
    return reshape(x, other.shape)


def flatten(x, start_dim=0, end_dim=-1):
    nd = x._data.ndim
    if nd == 0:
        return reshape(x, (1,))
    s, e = wrap_dim(start_dim, nd), wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return x  # nothing to flatten: torch returns the tensor itself
    shp = x._data.shape
    return reshape(x, shp[:s] + (math.prod(shp[s:e + 1]),) + shp[e + 1:])


def unflatten(x, dim, sizes):
    d = wrap_dim(dim, x._data.ndim)
    shp = x._data.shape
    sizes = infer_shape(tuple(sizes), shp[d])
    return reshape(x, shp[:d] + sizes + shp[d + 1:])


def squeeze(x, dim=None):
    shp = x._data.shape
    if dim is None:
        new = tuple(s for s in shp if s != 1)
    else:
        dims = {wrap_dim(d, len(shp)) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))} if shp else set()
        new = tuple(s for i, s in enumerate(shp) if not (i in dims and s == 1))
    return named(view(x, new), "Squeeze", 0 if dim is None else 2 if isinstance(dim, (tuple, list)) else 1)


def unsqueeze(x, dim):
    nd = x._data.ndim
    if not -(nd + 1) <= dim <= nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-(nd + 1)}, {nd}], but got {dim})")
    d = dim % (nd + 1)
    shp = x._data.shape
    return named(view(x, shp[:d] + (1,) + shp[d:]), "Unsqueeze")


class Permute(Function):
    _internal = True

    @staticmethod
    def forward(ctx, x, perm):
        ctx.perm = perm
        return np.transpose(x._data, perm)

    @staticmethod
    def backward(ctx, g):
        inv = [0] * len(ctx.perm)
        for i, p in enumerate(ctx.perm):
            inv[p] = i
        return np.transpose(g, inv), None


def permute(x, *args, dims=None):
    dims = _parse_shape(_keyword_sizes(args, dims, "permute", "dims"))
    nd = x._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal to "
                           f"len(dims) = {len(dims)}")
    perm = tuple(wrap_dim(d, nd) for d in dims)
    if len(set(perm)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _mark_view(Permute.apply(x, perm), x)


def transpose(x, dim0, dim1):
    nd = x._data.ndim
    if nd == 0:
        return view(x, ())
    perm = list(range(nd))
    a, b = wrap_dim(dim0, nd), wrap_dim(dim1, nd)
    perm[a], perm[b] = perm[b], perm[a]
    return named(_mark_view(Permute.apply(x, tuple(perm)), x), "Transpose")


def t(input):
    """torch.t: the transpose of a tensor of <= 2 dimensions, a view. (fastnn.t and Tensor.t call this from C
    where their fast path does not apply: fastnn/_fast_paths.py.)"""
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    if nd < 2:
        return view(input, input._data.shape)
    if not (input.requires_grad and _grad_state.enabled):  # no node to record (a weight's x @ w.t() at inference)
        return _mark_view(Tensor._make(input._data.T), input)
    return named(_mark_view(Permute.apply(input, (1, 0)), input), "T")


class Expand(Function):
    _internal = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.src_shape = x._data.shape
        b = np.broadcast_to(x._data, shape)  # read-only; torch's expanded view is writable (fill_ writes x)
        return np.lib.stride_tricks.as_strided(x._data, b.shape, b.strides)

    @staticmethod
    def backward(ctx, g):
        return sum_to(g, ctx.src_shape), None


def expand(x, *args, size=None):
    sizes = _parse_shape(_keyword_sizes(args, size, "expand", "size"))
    shp = x._data.shape
    if len(sizes) < len(shp):
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(shp)}}}, size={list(sizes)}): the number of sizes "
                           f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
                           f"tensor ({len(shp)})")
    lead = len(sizes) - len(shp)
    target = []
    for i, s in enumerate(sizes):
        cur = shp[i - lead] if i >= lead else None
        if s == -1:
            if cur is None:
                raise RuntimeError("The expanded size of the tensor (-1) isn't allowed in a leading, "
                                   "non-existing dimension 0")
            s = cur
        elif cur is not None and cur != s and cur != 1:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                               f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(shp)}")
        target.append(s)
    return _mark_view(Expand.apply(x, tuple(target)), x)


def expand_as(x, other):
    return expand(x, other.shape)


def broadcast_to(x, shape):
    return expand(x, shape)


def repeat(x, *args, repeats=None):
    sizes = _parse_shape(_keyword_sizes(args, repeats, "repeat", "repeats"))
    if len(sizes) < x._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                           "tensor")
    lead = len(sizes) - x._data.ndim
    xs = reshape(x, (1,) * lead + x._data.shape)
    # repeat = expand over new interleaved axes, then merge
    shp = xs._data.shape
    inter = []
    for r, s in zip(sizes, shp):
        inter += [r, s]
    ex = expand(reshape(xs, tuple(v for s in shp for v in (1, s))), tuple(inter))
    return named(reshape(ex, tuple(r * s for r, s in zip(sizes, shp))), "Repeat")


class Clone(Function):
    _internal = True

    @staticmethod
    def forward(ctx, x):
        return np.array(x._data, order="C", copy=True)

    @staticmethod
    def backward(ctx, g):
        return g


def clone(x, *, memory_format=None):
    return Clone.apply(x)


def contiguous(x, memory_format=None):
    if x._data.flags.c_contiguous:
        return x
    return Clone.apply(x)


class Cat(Function):
    _internal = True

    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        ctx.sizes = [x._data.shape[dim] for x in xs]
        return np.concatenate([x._data for x in xs], axis=dim)

    @staticmethod
    def backward(ctx, g):
        splits = np.cumsum(ctx.sizes)[:-1]
        return (None,) + tuple(np.split(g, splits, axis=ctx.dim))


def cat(tensors, dim=0, *, out=None):
    tensors = [t for t in tensors]
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    # torch skips 1-D empty tensors (legacy behaviour)
    nonempty = [t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)] or tensors[:1]
    ref = nonempty[0]
    d = wrap_dim(dim, ref._data.ndim)
    for i, t in enumerate(nonempty):
        if t._data.ndim != ref._data.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref._data.ndim} and "
                               f"{t._data.ndim}")
        for k in range(ref._data.ndim):
            if k != d and t._data.shape[k] != ref._data.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{ref._data.shape[k]} but got size {t._data.shape[k]} for tensor number {i} in "
                                   "the list.")
    nonempty = _promote_all(nonempty)
    return _finish(Cat.apply(d, *nonempty), out)


def _promote_all(tensors):
    d0 = tensors[0]._data.dtype
    if all(t._data.dtype == d0 for t in tensors):  # the usual case: nothing to promote
        return tensors
    from ._util import promote_dtypes
    from .pointwise import to_dtype
    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = promote_dtypes(dt, t.dtype)
    return [to_dtype(t, dt) for t in tensors]


def stack(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shp = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shp:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shp)} at entry 0 and "
                               f"{list(t._data.shape)} at entry {i}")
    nd = len(shp) + 1
    if not -nd <= dim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {dim})")
    d = dim % nd
    r = cat([unsqueeze(t, d) for t in tensors], d, out=out)
    return r if out is not None else named(r, "Stack")


def hstack(tensors):
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors):
    return cat([t if t._data.ndim > 1 else unsqueeze(t, 0) for t in tensors], 0)


class _Narrow(Function):
    _internal = True
    _node_name = "Slice"

    @staticmethod
    def forward(ctx, x, dim, start, length):
        ctx.shape, ctx.dim, ctx.start, ctx.length = x._data.shape, dim, start, length
        idx = [slice(None)] * x._data.ndim
        idx[dim] = slice(start, start + length)
        ctx.idx = tuple(idx)
        return x._data[ctx.idx]

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        gx[ctx.idx] = g
        return gx, None, None, None


def narrow(x, dim, start, length):
    """The view of x's positions start .. start + length - 1 along dim; a negative start counts from the end."""
    d = wrap_dim(dim, x._data.ndim)
    n, start, length = x._data.shape[d], int(start), int(length)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    start = start + n if start < 0 else start
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _mark_view(_Narrow.apply(x, d, start, length), x)


def split(x, split_size_or_sections, dim=0):
    d = wrap_dim(dim, x._data.ndim)
    n = x._data.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
        if step == 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [min(step, n - i) for i in range(0, n, step or 1)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, but got "
                               f"split_sizes={sizes}")
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {d}), but got split_sizes={sizes}")
    node = "Split" if isinstance(split_size_or_sections, int) else "SplitWithSizes"
    out, start = [], 0
    for s in sizes:
        out.append(named(narrow(x, d, start, s), node))
        start += s
    return tuple(out)


def chunk(x, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = x._data.shape[wrap_dim(dim, x._data.ndim)]
    return split(x, max(1, -(-n // chunks)), dim)


def unbind(x, dim=0):
    d = wrap_dim(dim, x._data.ndim)
    return tuple(named(squeeze(p, d), "Unbind") for p in split(x, 1, d))


class _Flip(Function):
    _internal = True
    _node_name = "Flip"

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x._data, dims).copy()

    @staticmethod
    def backward(ctx, g):
        return np.flip(g, ctx.dims), None


def flip(x, *args, dims=None):
    """flip(dims), flip(*dims) (Tensor.flip(0, 1)) or flip(dims=...)."""
    if dims is None:
        if not args:
            raise TypeError('flip() missing 1 required positional arguments: "dims"')
        dims = args[0] if len(args) == 1 else args
    elif args:
        raise TypeError("flip() got multiple values for argument 'dims'")
    dims = tuple(wrap_dim(d, x._data.ndim) for d in (dims if isinstance(dims, (tuple, list)) else (dims,)))
    if len(set(dims)) != len(dims):
        repeated = next(d for d in dims if dims.count(d) > 1)
        raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims")
    return _Flip.apply(x, dims if x._data.ndim else ())  # a 0-d tensor has nothing to flip


def movedim(x, source, destination):
    nd = x._data.ndim
    src = [wrap_dim(d, nd) for d in (source if isinstance(source, (tuple, list)) else (source,))]
    dst = [wrap_dim(d, nd) for d in (destination if isinstance(destination, (tuple, list)) else (destination,))]
    order = [d for d in range(nd) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(x, *order)


class _Tri(Function):
    _internal = True

    @staticmethod
    def forward(ctx, x, k, fn):
        ctx.k, ctx.fn = k, fn
        return fn(x._data, k)

    @staticmethod
    def backward(ctx, g):
        return ctx.fn(g, ctx.k), None, None


def tril(input, diagonal=0):
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return _Tri.apply(input, int(diagonal), np.tril)


def triu(input, diagonal=0):
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return _Tri.apply(input, int(diagonal), np.triu)


def _diag_view(a, offset, d1, d2):
    """A diagonal of a as a view, writable when a is (numpy's is read-only; torch's is not)."""
    v = np.diagonal(a, offset, d1, d2)
    v.flags.writeable = a.flags.writeable
    return v


class _Diagonal(Function):
    _internal = True

    @staticmethod
    def forward(ctx, x, offset, d1, d2):
        ctx.shape, ctx.args = x._data.shape, (offset, d1, d2)
        return _diag_view(x._data, offset, d1, d2)

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        _diag_view(gx, *ctx.args)[...] = g
        return gx, None, None, None


def diagonal(input, offset=0, dim1=0, dim2=1):
    nd = input._data.ndim
    a, b = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return _mark_view(_Diagonal.apply(input, int(offset), a, b), input)


class _DiagEmbed(Function):
    """A 1-D tensor as the offset diagonal of a square matrix."""

    _internal = True

    @staticmethod
    def forward(ctx, x, offset):
        ctx.offset = offset
        return np.diag(x._data, offset)

    @staticmethod
    def backward(ctx, g):
        return np.diagonal(g, ctx.offset).copy(), None


def diag(input, diagonal=0):
    nd = input._data.ndim
    if nd == 1:
        return _DiagEmbed.apply(input, int(diagonal))
    if nd != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")
    return clone(_Diagonal.apply(input, int(diagonal), 0, 1))


class _Roll(Function):
    _internal = True
    _node_name = "Roll"

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(x._data, shifts, dims)

    @staticmethod
    def backward(ctx, g):
        return np.roll(g, tuple(-s for s in ctx.shifts), ctx.dims), None, None


def roll(input, shifts, dims=None):
    shifts = tuple(shifts) if isinstance(shifts, (tuple, list)) else (int(shifts),)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return _Roll.apply(input, shifts, None)  # numpy rolls the flattened tensor, as torch
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    if input._data.ndim == 0:
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    return _Roll.apply(input, shifts, tuple(wrap_dim(d, input._data.ndim) for d in dims))


class _Einsum(Function):
    """Forward is numpy's einsum on an equation with explicit output and no ellipsis; the gradient of an operand
    is the einsum of the output gradient with the other operands, spread over the operand's repeated and
    summed-away subscripts."""

    _internal = True

    @staticmethod
    def forward(ctx, eq, *xs):
        ctx.eq, ctx.arrs = eq, [x._data for x in xs]
        return np.asarray(np.einsum(eq, *ctx.arrs, optimize=len(xs) > 1))

    @staticmethod
    def backward(ctx, g):
        ins, out = ctx.eq.split("->")
        ins = ins.split(",")
        grads = [None]
        for i, (sub, a) in enumerate(zip(ins, ctx.arrs)):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            others = ins[:i] + ins[i + 1:]
            arrs = ctx.arrs[:i] + ctx.arrs[i + 1:]
            uniq = "".join(dict.fromkeys(sub))
            keep = "".join(c for c in uniq if c in out or any(c in o for o in others))
            r = np.einsum(",".join([out] + others) + "->" + keep, g, *arrs, optimize=bool(arrs))
            size = dict(zip(sub, a.shape))
            # a subscript of size 1 here, broadcast against another operand: sum the gradient over it
            r = r.sum(axis=tuple(k for k, c in enumerate(keep) if size[c] == 1 and r.shape[k] != 1), keepdims=True)
            r = r.reshape([size[c] if c in keep else 1 for c in uniq])
            gx = np.zeros(a.shape, dtype=g.dtype)
            (np.einsum(sub + "->" + uniq, gx) if sub else gx)[...] = r  # a view of gx (its diagonal for "ii")
            grads.append(gx)
        return tuple(grads)


def einsum(equation, *operands):
    """torch.einsum(equation, *operands) (or a list of operands), with autograd."""
    import string
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for t in operands[1:]:
        if t.dtype is not operands[0].dtype:
            raise RuntimeError(f"expected scalar type {_dt.torch_name(operands[0].dtype)} but found "
                               f"{_dt.torch_name(t.dtype)}")
    eq = equation.replace(" ", "")
    ins, arrow, out = eq.partition("->")
    ins = ins.split(",")
    if len(ins) != len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation"
                           if len(operands) > len(ins) else
                           "einsum(): fewer operands were provided than specified in the equation")
    # spell out the ellipsis with unused letters, right-aligned across operands, as numpy broadcasts it
    free = [c for c in string.ascii_letters if c not in eq]
    ell = max([t._data.ndim - len(s) + 3 for s, t in zip(ins, operands) if "..." in s], default=0)
    ell_sub = "".join(free[:ell])
    ins = [s.replace("...", ell_sub[ell - (t._data.ndim - len(s) + 3):]) if "..." in s else s
           for s, t in zip(ins, operands)]
    if arrow:
        out = out.replace("...", ell_sub)
    else:  # implicit output: the ellipsis, then the subscripts seen once, sorted
        letters = "".join(ins)
        out = ell_sub + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell_sub))
    return _Einsum.apply(",".join(ins) + "->" + out, *operands)


moveaxis = movedim


def swapdims(x, dim0, dim1):
    return transpose(x, dim0, dim1)


def tile(x, *dims):
    """repeat with torch.tile's padding: fewer dims than the tensor's are filled with leading ones."""
    dims = _parse_shape(dims)
    nd = x._data.ndim
    if len(dims) < nd:
        dims = (1,) * (nd - len(dims)) + dims
    return repeat(x, dims)


def select(x, dim, index):
    """x[..., index, ...] along dim: a view with that dim removed."""
    nd = x._data.ndim
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, nd)
    n = x._data.shape[d]
    i = int(index)
    if not -n <= i < n:
        raise IndexError(f"select(): index {i} out of range for tensor of size {list(x._data.shape)} at "
                         f"dimension {d}")
    from .indexing import getitem
    return getitem(x, (slice(None),) * d + (i % n,))


def tensor_split(x, indices_or_sections, dim=0):
    """Split into n near-equal parts (the first ones one larger), or at the given indices, as torch."""
    from ..tensor import Tensor
    d = wrap_dim(dim, x._data.ndim)
    n = x._data.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        ios = ios.tolist()
    if isinstance(ios, int):
        if ios <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {ios}")
        q, r = divmod(n, ios)
        bounds = [0]
        for k in range(ios):
            bounds.append(bounds[-1] + q + (1 if k < r else 0))
    else:
        bounds = [0] + [min(max(int(i) if i >= 0 else n + int(i), 0), n) for i in ios] + [n]
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        lo = min(lo, n)
        out.append(narrow(x, d, lo, max(hi - lo, 0)))
    return tuple(out)


def trace(input):
    """The sum of the main diagonal of a matrix (integer inputs give int64, as sum)."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    from .reduction import sum as _sum
    return _sum(diagonal(input))


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along dim (logical xor for bool tensors), with optional prepend/append."""
    from .pointwise import logical_xor, sub
    if prepend is not None or append is not None:
        parts = ([prepend] if prepend is not None else []) + [input] + ([append] if append is not None else [])
        input = cat(parts, dim)
    d = wrap_dim(dim, input._data.ndim)
    for _ in range(n):
        m = input._data.shape[d]
        if m == 0:
            break
        hi, lo = narrow(input, d, 1, m - 1), narrow(input, d, 0, m - 1)
        input = logical_xor(hi, lo) if input._data.dtype.kind == "b" else sub(hi, lo)
    return input


class _RepeatInterleave(Function):
    _internal = True

    @staticmethod
    def forward(ctx, x, repeats, dim):
        ctx.shape, ctx.repeats, ctx.dim = x._data.shape, repeats, dim
        return np.repeat(x._data, repeats, axis=dim)

    @staticmethod
    def backward(ctx, g):
        d, n = ctx.dim, ctx.shape[ctx.dim]
        idx = np.repeat(np.arange(n), ctx.repeats)
        gx = np.zeros((n,) + np.moveaxis(g, d, 0).shape[1:], dtype=g.dtype)
        np.add.at(gx, idx, np.moveaxis(g, d, 0))
        return np.moveaxis(gx, 0, d), None, None


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (each slice along dim) repeated; repeats an int or a 1-D tensor. repeat_interleave(t) of a
    1-D integer tensor t repeats arange(len(t)) t times each."""
    from ..tensor import Tensor
    if repeats is None:
        rv = input._data
        if rv.ndim != 1 or rv.dtype.kind not in "iu":
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if rv.size and rv.min() < 0:
            raise RuntimeError("repeats can not be negative")
        return Tensor._make(np.repeat(np.arange(rv.size, dtype=np.int64), rv))
    if dim is None:
        input = flatten(input)
        d = 0
    else:
        d = wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        input = reshape(input, (1,))
    n = input._data.shape[d]
    if isinstance(repeats, Tensor):
        rv = repeats._data
        if rv.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        rv = rv.reshape(-1)
        if rv.size == 1:
            rv = np.full(n, int(rv[0]), dtype=np.int64)
        elif rv.size != n:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                               f"{rv.size} and input.size({d}) = {n}")
    else:
        rv = np.full(n, int(repeats), dtype=np.int64)
    if rv.size and rv.min() < 0:
        raise RuntimeError("repeats can not be negative")
    return _RepeatInterleave.apply(input, rv, d)


def _inplace_view(self, fn, *args):
    """squeeze_ / unsqueeze_ / t_ / transpose_: self takes fn(self)'s shape and strides (same storage). With
    autograd recording, self becomes the view op's output (its grad_fn), as torch rebases it."""
    from .inplace import check_leaf, needs_graph
    check_leaf(self)
    out = fn(self, *args)
    self._data = out._data
    if needs_graph(self):
        self.grad_fn, self._output_nr = out.grad_fn, out._output_nr
    return self


def squeeze_(self, dim=None):
    return _inplace_view(self, squeeze, dim)


def unsqueeze_(self, dim):
    return _inplace_view(self, unsqueeze, dim)


def t_(self):
    return _inplace_view(self, t)


def transpose_(self, dim0, dim1):
    return _inplace_view(self, transpose, dim0, dim1)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids of 0-d or 1-D tensors of one dtype (given as arguments or one list): with indexing 'ij'
    output k varies along dim k; 'xy' swaps the first two dims (Cartesian). indexing None means 'ij' with torch's
    UserWarning. Each output is an expanded view of its input."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a tensor of "
                               f"shape {list(t._data.shape)}")
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(tensors)
    for t, a in zip(tensors, axes):
        shape[a] = t._data.size
    grids = []
    for t, a in zip(tensors, axes):
        lifted = reshape(t, tuple(-1 if k == a else 1 for k in range(len(tensors))))
        grids.append(expand(lifted, shape))
    return tuple(grids)


class _Rot90(Function):
    _internal = True
    _node_name = "Rot90"

    @staticmethod
    def forward(ctx, x, k, dims):
        ctx.k, ctx.dims = k, dims
        return np.rot90(x._data, k, dims).copy()

    @staticmethod
    def backward(ctx, g):
        return np.rot90(g, -ctx.k, ctx.dims), None, None


def rot90(input, k=1, dims=(0, 1)):
    """input rotated by 90 degrees k times in the plane of dims, from the first dim towards the second (a copy)."""
    if not isinstance(k, int) or isinstance(k, bool):
        raise TypeError(f"rot90(): argument 'k' (position 2) must be int, not {type(k).__name__}")
    dims = list(dims)
    nd = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = wrap_dim(dims[0], nd), wrap_dim(dims[1], nd)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}")
    return _Rot90.apply(input, k % 4, (d0, d1))


def _atleast(name, n, tensors):
    """atleast_1d/2d/3d: one tensor -> a tensor; several, or one list or tuple -> a tuple."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    elif len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return _lift(tensors[0], n)
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument 'tensors' must be tuple of Tensors, not {type(t).__name__}")
    return tuple(_lift(t, n) for t in tensors)


def _lift(t, n):
    """t with at least n dims, as torch: a 0-d tensor becomes (1,) * n, a vector (1, m) or (1, m, 1), a matrix
    (a, b, 1); a tensor with enough dims is returned itself."""
    nd = t._data.ndim
    if nd >= n:
        return t
    if nd == 0:
        return reshape(t, (1,) * n)
    if nd == 1 and n == 3:
        return unsqueeze(unsqueeze(t, 0), -1)
    return unsqueeze(t, 0 if n == 2 else -1)


def atleast_1d(*tensors):
    return _atleast("atleast_1d", 1, tensors)


def atleast_2d(*tensors):
    return _atleast("atleast_2d", 2, tensors)


def atleast_3d(*tensors):
    return _atleast("atleast_3d", 3, tensors)


def ravel(x):
    """x flattened to 1-D: a view when x's layout allows, else a copy (torch.ravel)."""
    return reshape(x, -1)


def _split_along(x, indices_or_sections, dim, name, min_dims):
    """torch's hsplit / vsplit / dsplit: tensor_split along dim, whose section count must divide the dim."""
    nd = x._data.ndim
    if nd < min_dims:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a tensor "
                           f"with {nd} dimensions!")
    if isinstance(indices_or_sections, int):
        n = x._data.shape[dim]
        if indices_or_sections == 0 or n % indices_or_sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the "
                               f"dimension {n} is not divisible by the split_size {indices_or_sections}!")
    return tensor_split(x, indices_or_sections, dim)


def hsplit(x, indices_or_sections):
    return _split_along(x, indices_or_sections, 1 if x._data.ndim > 1 else 0, "hsplit", 1)


def vsplit(x, indices_or_sections):
    return _split_along(x, indices_or_sections, 0, "vsplit", 2)


def dsplit(x, indices_or_sections):
    return _split_along(x, indices_or_sections, 2, "dsplit", 3)


def _strided_view(x, arr, name):
    """arr, a strided view of x's memory, as a view of x whose gradient adds each element's back into x's (an
    element may appear several times)."""
    return _mark_view(named(_AsStrided.apply(x, view_index(arr, x._data), arr), name), x)


def unfold(x, dimension, size, step):
    """The windows of `size` elements every `step` along `dimension`, in a new last dim (a view, as torch)."""
    nd = x._data.ndim
    d = wrap_dim(dimension, max(nd, 1))
    n = x._data.shape[d] if nd else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if nd == 0:  # a 0-d tensor's one window: shape (size,) = (1,)
        arr = x._data.reshape(1)
    else:
        a = x._data
        shape = a.shape[:d] + ((n - size) // step + 1,) + a.shape[d + 1:] + (size,)
        strides = a.strides[:d] + (a.strides[d] * step,) + a.strides[d + 1:] + (a.strides[d],)
        arr = np.lib.stride_tricks.as_strided(a, shape, strides, writeable=a.flags.writeable)
    return _strided_view(x, arr, "Unfold")


def as_strided(x, size, stride, storage_offset=None):
    """The view of x's storage with these sizes and strides (in elements), from storage_offset (default: x's own
    offset). fastnn's storage is x's base tensor, which must be contiguous; with autograd recording, the view's
    elements must be elements of x, whose gradient they pass back (torch also reaches the rest of the storage)."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(stride)}")
    root = x._base if x._base is not None else x
    storage = root._data
    if not storage.flags.c_contiguous:
        raise RuntimeError("fastnn's as_strided needs a tensor whose base is contiguous; clone() it first")
    isz = storage.itemsize
    if storage_offset is None:
        storage_offset = (x._data.__array_interface__["data"][0] - storage.__array_interface__["data"][0]) // isz
    need = storage_offset + 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    if storage_offset < 0 or need > storage.size:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {storage_offset}, "
                           f"and itemsize {isz} requiring a storage size of {need * isz} are out of bounds for "
                           f"storage of size {storage.size * isz}")
    flat = storage.reshape(-1)[storage_offset:] if storage.size else storage.reshape(-1)
    arr = np.lib.stride_tricks.as_strided(flat, size, tuple(s * isz for s in stride),
                                          writeable=storage.flags.writeable)
    if not (x.requires_grad and _grad_state.enabled):
        return _mark_view(Tensor._make(arr), x)
    inside = view_index(arr, x._data) if x._data.flags.c_contiguous else None
    if inside is None or (inside.size and (inside.min() < 0 or inside.max() >= x._data.size)):
        raise RuntimeError("fastnn's as_strided with autograd recording can only address the elements of its input "
                           "(a contiguous tensor); take it of the base tensor instead")
    return _strided_view(x, arr, "AsStrided")
