"""Indexing with autograd: t[key] (ints, slices, None, Ellipsis, integer and boolean index tensors), index
assignment, gather, scatter, scatter_add, index_add, index_select, masked_fill, nonzero."""
import warnings

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode
from ..autograd.function import Function
from ..backend import cpu as K
from ..tensor import Tensor
from ._util import sum_to, wrap_dim


def _np_key(key):
    """Translate an index into numpy's: tensors become arrays (0-d integer tensors become ints)."""
    if isinstance(key, tuple):
        return tuple(_np_key1(k) for k in key)
    return _np_key1(key)


def _np_key1(k):
    if type(k) is slice and k.step is not None and k.step <= 0:  # numpy reverses; torch has no negative strides
        raise ValueError("step must be greater than zero" if k.step else "slice step cannot be zero")
    if isinstance(k, Tensor):
        a = k._data
        kind = a.dtype.kind
        if kind in "fu":
            if a.dtype == np.uint8:  # torch: a uint8 index is a boolean mask (deprecated)
                warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool "
                              "instead.", UserWarning, stacklevel=4)
                return a.astype(np.bool_)
            if kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if a.ndim == 0 and kind in "iu":
            return int(a)
        return a
    if isinstance(k, (list,)):
        a = np.asarray(k)
        if a.size == 0:  # torch: an empty list is an empty int64 index (numpy makes it float)
            return a.astype(np.int64)
        if a.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return a
    return k


def _is_basic(key):
    if type(key) is np.ndarray:
        return False  # an index array (X[idx] of every training step)
    items = key if isinstance(key, tuple) else (key,)
    return all(k is None or k is Ellipsis or isinstance(k, (int, slice, np.integer)) and not isinstance(k, bool)
               for k in items)


_ADVANCED = frozenset((np.ndarray, bool, np.bool_))  # the types of index arrays and masks in a numpy key


def _torch_order(key, ndim):
    """(pos, n) where torch puts the n broadcast dims of the advanced indices at pos of the result and numpy
    puts them first; None where both agree.

    Both put those dims where the first advanced index stands when the advanced indices are adjacent, else
    first. numpy counts ints as advanced indices and any None or Ellipsis as a gap; torch applies ints first
    (a select: no dim, no gap) and judges adjacency on the dims left, where only the dims of slices, None and
    Ellipsis part them. So x[0, :, idx] is (len(idx), n) in numpy but (n, len(idx)) in torch."""
    dims, at, adv, n = 0, [], [], 0  # result dims so far, dims before each index array, numpy's advanced
    for i, k in enumerate(key):
        if type(k) in _ADVANCED:
            at.append(dims)
            adv.append(i)
            n = max(n, k.ndim if type(k) is np.ndarray and k.dtype != np.bool_ else 1)
        elif isinstance(k, (int, np.integer)):
            adv.append(i)
        elif k is Ellipsis:  # the dims it stands for
            dims += ndim - sum(0 if j is None or j is Ellipsis or type(j) in (bool, np.bool_) else
                               j.ndim if type(j) is np.ndarray and j.dtype == np.bool_ else 1 for j in key)
        else:
            dims += 1
    if not at or at[0] != at[-1] or at[0] == 0 or adv[-1] - adv[0] == len(adv) - 1:
        return None
    return at[0], n


def _move(a, move, back=False):
    """numpy's result (or gradient) in torch's order; back: torch's in numpy's."""
    pos, n = move
    src, dst = list(range(n)), list(range(pos, pos + n))
    return np.moveaxis(a, dst, src) if back else np.moveaxis(a, src, dst)


def _scatter_add_key(key):
    """numpy's add.at needs boolean masks as integer indices (a 0-d mask as a bool: nonzero refuses it)."""
    items = key if isinstance(key, tuple) else (key,)
    out = []
    for k in items:
        if isinstance(k, np.ndarray) and k.dtype == np.bool_:
            out.extend(np.nonzero(k) if k.ndim else (bool(k),))
        else:
            out.append(k)
    return tuple(out)


class GetItem(Function):
    _internal = True

    def name(self):
        """torch's node names: SelectBackward0 for an element index, SliceBackward0 for slices, IndexBackward0
        for index tensors (the last step of the key)."""
        if not self.basic:
            return "IndexBackward0"
        last = [k for k in (self.key if type(self.key) is tuple else (self.key,)) if k is not None and k is not ...]
        return "SliceBackward0" if last and isinstance(last[-1], slice) else "SelectBackward0"

    @staticmethod
    def forward(ctx, x, key, basic, move=None):
        ctx.shape, ctx.key, ctx.basic, ctx.dtype, ctx.move = x._data.shape, key, basic, x._data.dtype, move
        return _index(x._data, key, basic, move)

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        if ctx.basic:
            gx[ctx.key] = g
        else:
            np.add.at(gx, _scatter_add_key(ctx.key), g if ctx.move is None else _move(g, ctx.move, back=True))
        return gx, None, None, None


def _index(arr, key, basic, move=None):
    """arr[key] with torch's wording for errors; a row gather by a 1-D index runs on the C++ kernel; move: see
    _torch_order."""
    if not basic:
        out = K.take_rows(arr, key)
        if out is not None:
            return out
    try:
        out = arr[key]
        if move is not None:
            return _move(out, move)
        if basic and type(out) is not np.ndarray:  # an element: a 0-d view of it, as torch's (b[0] += 1 writes b)
            out = arr[(key if type(key) is tuple else (key,)) + (Ellipsis,)]
        return out
    except IndexError as e:
        raise IndexError(str(e).replace("axis", "dimension")) from None


def getitem(x, key):
    nkey = _np_key(key)
    basic = _is_basic(nkey)
    move = None if basic or type(nkey) is not tuple else _torch_order(nkey, x._data.ndim)
    if not basic and not (x.requires_grad and grad_mode.state.enabled):
        return Tensor._make(np.asarray(_index(x._data, nkey, False, move)))  # nothing to record: gather directly
    out = GetItem.apply(x, nkey, basic, move)
    if basic:
        from .shape import _mark_view
        _mark_view(out, x)
    elif not isinstance(out._data, np.ndarray):
        out._data = np.asarray(out._data)
    return out


class IndexPut(Function):
    """out = x with out[key] = value (the autograd form of index assignment)."""

    _internal = True

    @staticmethod
    def forward(ctx, x, value, key, move=None):
        ctx.key, ctx.move = key, move
        ctx.vshape = value._data.shape if isinstance(value, Tensor) else None
        out = x._data.copy()
        _assign(out, key, value._data if isinstance(value, Tensor) else value, move)
        return out

    @staticmethod
    def backward(ctx, g):
        nx, nv = ctx.needs_input_grad[:2]
        gx = gv = None
        if nx:
            gx = g.copy()
            gx[ctx.key] = 0
        if nv:
            gv = g[ctx.key]
            gv = sum_to(np.asarray(gv if ctx.move is None else _move(gv, ctx.move)), ctx.vshape)
        return gx, gv, None, None


def _assign(arr, key, v, move=None):
    """arr[key] = v, with torch's RuntimeError for a value that does not broadcast to the indexed shape; move
    (see _torch_order): v broadcasts to torch's order of the indexed shape, and is moved to numpy's."""
    try:
        if move is not None and np.ndim(v):
            shape = _move(np.broadcast_to(np.False_, arr.shape)[key], move).shape  # torch's result shape
            w = np.asarray(v)
            w = w.reshape(w.shape[max(0, w.ndim - len(shape)):])  # as torch: leading dims of size 1 drop
            v = _move(np.broadcast_to(w, shape), move, back=True)
        arr[key] = v
    except ValueError:
        if not arr.flags.writeable:
            raise
        out = arr[key] if move is None else _move(arr[key], move)
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(v))} cannot be broadcast to "
                           f"indexing result of shape {list(out.shape)}") from None


def setitem(x, key, value):
    from .inplace import apply_inplace, check_overlap, needs_graph
    if not isinstance(value, (Tensor, bool, int, float, np.integer)):  # torch takes no lists or arrays
        t = type(value)
        name = t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__name__}"
        raise TypeError(f"can't assign a {name} to a {x.type()}")
    nkey = _np_key(key)
    move = (_torch_order(nkey, x._data.ndim) if type(nkey) is tuple and not _ADVANCED.isdisjoint(map(type, nkey))
            else None)
    if not needs_graph(x, value):
        if 0 in x._data.strides and _is_basic(nkey):  # an expanded tensor: b[0] = 1 writes, b[:, 0] = 1 raises
            check_overlap(np.asarray(x._data[nkey]))
        _assign(x._data, nkey, value._data if isinstance(value, Tensor) else value, move)
        x._version[0] += 1
        return
    if isinstance(value, Tensor) and value.dtype is not x.dtype:
        value = value.to(x.dtype)
    apply_inplace(x, lambda s: IndexPut.apply(s, s if value is x else value, nkey, move))


def _along(index, dim):
    """The numpy key that picks, for each position of index, index[pos] along dim and pos's own coordinate
    along every other dim (torch's gather/scatter: index may be smaller than the input in those dims)."""
    key = list(np.indices(index.shape, sparse=True))
    key[dim] = index
    return tuple(key)


def _1d(a):
    """torch's gather/scatter treat a 0-d tensor as 1-d."""
    return a if a.ndim else a.reshape(1)


def _check_index(name, input, dim, index, src=None):
    """torch's checks of gather/scatter arguments: index dtype, dims, sizes and bounds."""
    if index._data.dtype.name not in ("int64", "int32"):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    xs, ix = _1d(input._data).shape, _1d(index._data)
    if ix.ndim != len(xs):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as "
                           f"{'input' if name == 'gather' else 'self'} tensor")
    ss = None
    if isinstance(src, Tensor):
        ss = _1d(src._data).shape
        if len(ss) != len(xs):
            raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
        if src.dtype is not input.dtype:
            raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
    for k, n in enumerate(ix.shape):
        if (k != dim and n > xs[k]) or (ss is not None and n > ss[k]):
            if name == "gather":
                raise RuntimeError(f"Size does not match at dimension {k} expected index {list(ix.shape)} to be no "
                                   f"larger than self {list(xs)} apart from dimension {dim}")
            raise RuntimeError(f"Expected index {list(ix.shape)} to be no larger than self {list(xs)} apart from "
                               f"dimension {dim}" + (f" and to be no larger size than src {list(ss)}" if ss else ""))
    _check_bounds(ix, dim, xs[dim])


def _check_bounds(ix, dim, n):
    if ix.size:
        lo, hi = int(ix.min()), int(ix.max())
        if lo < 0 or hi >= n:
            raise RuntimeError(f"index {hi if hi >= n else lo} is out of bounds for dimension {dim} with size {n}")


class Gather(Function):
    _internal = True

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim, ctx.key = x._data.shape, dim, _along(_1d(index._data), dim)
        return _1d(x._data)[ctx.key].reshape(index._data.shape)

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape or (1,), dtype=g.dtype)
        np.add.at(gx, ctx.key, _1d(g))
        return gx.reshape(ctx.shape), None, None


def gather(input, dim, index):
    d = wrap_dim(dim, input._data.ndim)
    _check_index("gather", input, d, index)
    return Gather.apply(input, d, index)


class Scatter(Function):
    """out = x with out[index[i][j]][j] = src[i][j] (dim 0); reduce "add"/"multiply" accumulates instead.
    src is a tensor (read over index's shape) or a number; differentiable is False for torch's reduce= form."""

    _internal = True

    @staticmethod
    def forward(ctx, x, dim, index, src, reduce, differentiable):
        ix = _1d(index._data)
        ctx.shape, ctx.key, ctx.reduce, ctx.diff = x._data.shape, _along(ix, dim), reduce, differentiable
        ctx.sshape = src._data.shape if isinstance(src, Tensor) else None
        ctx.part = tuple(slice(0, n) for n in ix.shape)  # the part of src that index reads
        out = _1d(x._data).copy()
        v = _1d(src._data)[ctx.part] if isinstance(src, Tensor) else np.array(src).astype(out.dtype)
        if reduce is None:
            out[ctx.key] = v
        else:
            (np.add if reduce == "add" else np.multiply).at(out, ctx.key, v)
        return out.reshape(ctx.shape)

    @staticmethod
    def backward(ctx, g):
        if not ctx.diff:
            raise RuntimeError("derivative for aten::scatter is not implemented")
        nx, _, _, ns, _, _ = ctx.needs_input_grad
        gx = gs = None
        g1 = _1d(g)
        if nx:
            gx = g if ctx.reduce == "add" else g1.copy()
            if ctx.reduce is None:
                gx[ctx.key] = 0
                gx = gx.reshape(ctx.shape)
        if ns:
            gs = np.zeros(ctx.sshape or (1,), dtype=g.dtype)
            gs[ctx.part] = g1[ctx.key]
            gs = gs.reshape(ctx.sshape)
        return gx, None, None, gs, None, None


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """torch.scatter: src a tensor or a number (or value=number); reduce "add" or "multiply"."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing required argument 'src' or 'value'")
    if reduce not in (None, "add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    d = wrap_dim(dim, input._data.ndim)
    _check_index("scatter", input, d, index, src)
    return Scatter.apply(input, d, index, src, reduce, reduce is None)


def scatter_add(input, dim, index, src):
    d = wrap_dim(dim, input._data.ndim)
    _check_index("scatter", input, d, index, src)
    return Scatter.apply(input, d, index, src, "add", True)


class IndexAdd(Function):
    _internal = True

    @staticmethod
    def forward(ctx, x, dim, index, src, alpha):
        ctx.key, ctx.alpha, ctx.sshape = (slice(None),) * dim + (_1d(index._data),), alpha, src._data.shape
        out = _1d(x._data).copy()
        s = _1d(src._data)
        np.add.at(out, ctx.key, s * alpha if alpha != 1 else s)
        return out.reshape(x._data.shape)

    @staticmethod
    def backward(ctx, g):
        gs = None
        if ctx.needs_input_grad[3]:
            gs = _1d(g)[ctx.key].reshape(ctx.sshape)
            if ctx.alpha != 1:
                gs = gs * ctx.alpha
        return g, None, None, gs, None


def index_add(input, dim, index, source, *, alpha=1):
    d = wrap_dim(dim, input._data.ndim)
    ix, xs, ss = index._data, _1d(input._data).shape, _1d(source._data).shape
    if ix.ndim > 1:
        raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: {ix.ndim} with type: "
                         f"{_dt.torch_name(index.dtype)} and size: {list(ix.shape)}")
    if ix.dtype.name not in ("int64", "int32"):
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: "
                           f"{_dt.torch_name(index.dtype)}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_add_(): self ({_dt.torch_name(input.dtype)}) and source "
                           f"({_dt.torch_name(source.dtype)}) must have the same scalar type")
    if source._data.ndim != input._data.ndim or any(a != b for k, (a, b) in enumerate(zip(xs, ss)) if k != d):
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {list(input.shape)} source.shape = {list(source.shape)}")
    if ix.size != ss[d]:
        raise RuntimeError(f"index_add_(): Number of indices ({ix.size}) should be equal to source.size(dim): "
                           f"({ss[d]}), for dim: {d}")
    _check_bounds(ix, d, xs[d])
    return IndexAdd.apply(input, d, index, source, alpha)


def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    from .inplace import rewrite
    return rewrite(self, lambda s, o: scatter(s, dim, index, o, value=value, reduce=reduce), src)


def scatter_add_(self, dim, index, src):
    from .inplace import rewrite
    return rewrite(self, lambda s, o: scatter_add(s, dim, index, o), src)


def index_add_(self, dim, index, source, *, alpha=1):
    from .inplace import rewrite
    return rewrite(self, lambda s, o: index_add(s, dim, index, o, alpha=alpha), source)


def index_select(input, dim, index):
    d = wrap_dim(dim, input._data.ndim)
    if index._data.dtype.name not in ("int64", "int32"):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    key = [slice(None)] * input._data.ndim
    key[d] = index._data.reshape(-1)
    return getitem(input, tuple(Tensor._make(k) if isinstance(k, np.ndarray) else k for k in key))


class MaskedFill(Function):
    """value (a number, or a 0-d tensor that gets the masked places' gradient) where mask, else x."""

    _internal = True

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.mask, ctx.shape = mask._data, x._data.shape
        v = value
        if isinstance(value, Tensor):
            v, ctx._node_version = value._data, 1  # torch's MaskedFillBackward1
        return np.where(mask._data, np.asarray(v, dtype=x._data.dtype), x._data)

    @staticmethod
    def backward(ctx, g):
        gx = sum_to(np.where(ctx.mask, 0, g).astype(g.dtype, copy=False), ctx.shape)
        gv = None
        if ctx.needs_input_grad[2]:
            gv = np.asarray(np.where(ctx.mask, g, 0).sum(), dtype=g.dtype)
        return gx, None, gv


def masked_fill(input, mask, value):
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        if not value.requires_grad:
            value = value.item()
    if mask.dtype.name != "bool":
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype.name}")
    return MaskedFill.apply(input, mask, value)


def nonzero(input, *, as_tuple=False):
    a = input._data
    if a.ndim == 0:  # torch: a 0-d tensor's one position has no coordinates (shape [1, 0] or [0, 0])
        n = int(bool(a))
        return (Tensor._make(np.zeros(n, np.int64)),) if as_tuple else Tensor._make(np.zeros((n, 0), np.int64))
    nz = np.nonzero(a)
    if as_tuple:
        return tuple(Tensor._make(i.astype(np.int64)) for i in nz)
    return Tensor._make(np.stack(nz, axis=1).astype(np.int64))


def argwhere(input):
    return nonzero(input)


def one_hot(tensor, num_classes=-1):
    t = tensor._data
    if t.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        num_classes = int(t.max()) + 1 if t.size else 0
    if t.size and (t.min() < 0 or t.max() >= num_classes):
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(t.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, t[..., None], 1, axis=-1)
    return Tensor._make(out)


class MaskedSelect(Function):
    """The elements of x where mask is True (both broadcast together), as a 1-D tensor."""

    _internal = True

    @staticmethod
    def forward(ctx, x, mask):
        shape = np.broadcast_shapes(x._data.shape, mask._data.shape)
        ctx.xshape, ctx.shape = x._data.shape, shape
        ctx.mask = np.broadcast_to(mask._data, shape)
        return np.broadcast_to(x._data, shape)[ctx.mask]

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        gx[ctx.mask] = g
        return sum_to(gx, ctx.xshape), None


def masked_select(input, mask):
    if mask._data.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    from ._util import broadcast_shapes
    broadcast_shapes(input._data.shape, mask._data.shape)
    return MaskedSelect.apply(input, mask)


def take(input, index):
    """input's elements at the flat (row-major) positions in index, shaped as index; a negative position counts
    from the end. index must be an int64 tensor."""
    if not isinstance(index, Tensor):
        raise TypeError(f"take(): argument 'index' (position 2) must be Tensor, not {type(index).__name__}")
    if index.dtype is not _dt.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {_dt.torch_name(index.dtype)}")
    from .shape import reshape
    n, ix = input._data.size, index._data
    if n == 0 and ix.size:
        raise IndexError("take(): tried to take from an empty tensor")
    bad = ix[(ix < -n) | (ix >= n)]
    if bad.size:
        raise IndexError(f"out of range: tried to access index {bad.flat[0]} on a tensor of {n} elements.")
    picked = getitem(reshape(input, (-1,)), Tensor._make(np.asarray(ix % max(n, 1)).reshape(-1)))
    from ._util import named
    return named(reshape(picked, ix.shape), "Take")


def take_along_dim(input, indices, dim=None):
    """gather along dim with input and indices broadcast against each other (but for dim), indices taken modulo
    the size of dim as torch 2.13 does (so -1 is the last); with dim None, a gather from the flattened input (the
    result 1-D)."""
    if not isinstance(indices, Tensor):
        raise TypeError(f"take_along_dim(): argument 'indices' (position 2) must be Tensor, not "
                        f"{type(indices).__name__}")
    from .shape import expand, reshape
    if dim is None:
        return gather(reshape(input, (-1,)), 0, reshape(indices, (-1,)))
    xs, ixs = input._data.shape, indices._data.shape
    if len(xs) != len(ixs):
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, but "
                           f"got {len(xs)} dimensions for input, and {len(ixs)} dimensions for indices")
    if indices.dtype is not _dt.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_dt.torch_name(indices.dtype)}")
    if not xs:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = wrap_dim(dim, len(xs))
    from ._util import broadcast_shapes
    ishape = broadcast_shapes(xs[:d] + ixs[d:d + 1] + xs[d + 1:], ixs)
    xshape = broadcast_shapes(ixs[:d] + xs[d:d + 1] + ixs[d + 1:], xs)
    if xs[d] == 0 and indices._data.size:
        raise RuntimeError("ZeroDivisionError")
    wrapped = np.broadcast_to(indices._data, ishape) % max(xs[d], 1)
    return gather(expand(input, xshape), d, Tensor._make(wrapped))


def _fill_value(v, dtype):
    """A number as index_fill_ converts it to the tensor's dtype (c10's checked_convert): truncated to an integer
    dtype, torch's RuntimeError when out of the dtype's range (a negative int within an unsigned dtype's width
    wraps, -1 -> 255)."""
    from .pointwise import _int_scalar, _overflow_error, cpp_type_name
    npdt = dtype.numpy
    if type(v) is int and not -2 ** 63 <= v < 2 ** 64:
        raise OverflowError("int too big to convert")
    if dtype is _dt.bool_:
        return bool(v)
    if npdt.kind in "iu":
        if isinstance(v, int):
            return _int_scalar(int(v), npdt)
        info = np.iinfo(npdt)
        if not info.min <= v <= info.max:  # False for nan
            raise _overflow_error(npdt)
        return int(v)
    if abs(v) > np.finfo(npdt).max and v == v and abs(v) != float("inf"):
        raise RuntimeError(f"value cannot be converted to type {cpp_type_name(dtype)} without overflow")
    return v


def index_fill(input, dim, index, value):
    """input with the slices at index (an int64 vector or scalar) along dim set to value: a number, or a 0-d
    tensor that gets the gradient of the filled elements."""
    if not isinstance(index, Tensor):
        raise TypeError(f"index_fill(): argument 'index' must be Tensor, not {type(index).__name__}")
    from ._util import py_scalar
    if not isinstance(value, Tensor):
        value = py_scalar(value)
        if not isinstance(value, (bool, int, float)):
            raise TypeError(f"index_fill(): argument 'value' must be Number or Tensor, not {type(value).__name__}")
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value._data.ndim} dimension(s).")
    if index.dtype is not _dt.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    xs = input._data.shape
    d = wrap_dim(dim, len(xs))
    if index._data.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    _fill_value(value.item() if isinstance(value, Tensor) else value, input.dtype)  # torch's range check
    n = xs[d] if xs else 1
    ix = index._data.reshape(-1)
    bad = ix[(ix < -n) | (ix >= n)]
    if bad.size:
        raise IndexError(f"index {bad[0]} is out of bounds for dimension {d} with size {n}")
    mask = np.zeros(n, dtype=np.bool_)
    mask[ix] = True
    mask = mask.reshape(tuple(n if k == d else 1 for k in range(len(xs))))
    from ._util import named
    fill = value if isinstance(value, Tensor) else _fill_value(value, input.dtype)
    return named(masked_fill(input, Tensor._make(mask), fill), "IndexFill", int(isinstance(value, Tensor)))


def index_fill_(self, dim, index, value):
    from .inplace import rewrite
    return rewrite(self, lambda s, o: index_fill(s, dim, index, o), value)
