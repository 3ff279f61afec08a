"""Indexing with autograd: t[key] (ints, slices, None, Ellipsis, integer and boolean index tensors), index
assignment, gather, index_select, masked_fill, nonzero."""
import numpy as np

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
    if isinstance(k, Tensor):
        a = k._data
        if a.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if a.ndim == 0 and a.dtype.kind in "iu":
            return int(a)
        return a
    if isinstance(k, (list,)):
        a = np.asarray(k)
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


def _scatter_add_key(key):
    """numpy's add.at needs boolean masks as integer indices."""
    items = key if isinstance(key, tuple) else (key,)
    out = []
    for k in items:
        if isinstance(k, np.ndarray) and k.dtype == np.bool_:
            out.extend(np.nonzero(k))
        else:
            out.append(k)
    return tuple(out)


class GetItem(Function):
    _internal = True

    @staticmethod
    def forward(ctx, x, key, basic):
        ctx.shape, ctx.key, ctx.basic, ctx.dtype = x._data.shape, key, basic, x._data.dtype
        return _index(x._data, key, basic)

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        if ctx.basic:
            gx[ctx.key] = g
        else:
            np.add.at(gx, _scatter_add_key(ctx.key), g)
        return gx, None, None


def _index(arr, key, basic):
    """arr[key] with torch's wording for errors; a row gather by a 1-D index runs on the C++ kernel."""
    if not basic:
        out = K.take_rows(arr, key)
        if out is not None:
            return out
    try:
        out = arr[key]
        if basic and type(out) is not np.ndarray:  # an element: a 0-d view of it, as torch's (b[0] += 1 writes b)
            out = arr[(key if type(key) is tuple else (key,)) + (Ellipsis,)]
        return out
    except IndexError as e:
        raise IndexError(str(e).replace("axis", "dimension")) from None


def getitem(x, key):
    nkey = _np_key(key)
    basic = _is_basic(nkey)
    if not basic and not (x.requires_grad and grad_mode.state.enabled):
        return Tensor._make(np.asarray(_index(x._data, nkey, False)))  # nothing to record: gather directly
    out = GetItem.apply(x, nkey, basic)
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
    def forward(ctx, x, value, key):
        ctx.key = key
        ctx.vshape = value._data.shape if isinstance(value, Tensor) else None
        out = x._data.copy()
        out[key] = value._data if isinstance(value, Tensor) else value
        return out

    @staticmethod
    def backward(ctx, g):
        nx, nv, _ = ctx.needs_input_grad
        gx = gv = None
        if nx:
            gx = g.copy()
            gx[ctx.key] = 0
        if nv:
            gv = sum_to(np.asarray(g[ctx.key]), ctx.vshape)
        return gx, gv, None


def setitem(x, key, value):
    from .inplace import apply_inplace, needs_graph
    nkey = _np_key(key)
    if isinstance(value, (list, tuple)):
        from ..creation import tensor
        value = tensor(value, dtype=x.dtype)
    if isinstance(value, np.ndarray):
        value = Tensor._make(value)
    if not needs_graph(x, value):
        x._data[nkey] = value._data if isinstance(value, Tensor) else value
        x._version[0] += 1
        return
    if isinstance(value, Tensor) and value.dtype is not x.dtype:
        value = value.to(x.dtype)
    apply_inplace(x, lambda s: IndexPut.apply(s, s if value is x else value, nkey))


class Gather(Function):
    _internal = True

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim, ctx.index = x._data.shape, dim, index._data
        return np.take_along_axis(x._data, index._data, axis=dim)

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        idx = np.indices(ctx.index.shape, sparse=True)
        idx = list(idx)
        idx[ctx.dim] = ctx.index
        np.add.at(gx, tuple(idx), g)
        return gx, None, None


def gather(input, dim, index):
    d = wrap_dim(dim, input._data.ndim)
    if index.dtype.name != "int64":
        raise RuntimeError("gather(): Expected dtype int64 for index")
    n = input._data.shape[d]
    if index._data.size and (index._data.min() < -n or index._data.max() >= n):
        raise RuntimeError(f"index {int(index._data.max())} is out of bounds for dimension {d} with size {n}")
    return Gather.apply(input, d, index)


def index_select(input, dim, index):
    d = wrap_dim(dim, input._data.ndim)
    key = [slice(None)] * input._data.ndim
    key[d] = index._data.reshape(-1)
    return getitem(input, tuple(Tensor._make(k) if isinstance(k, np.ndarray) else k for k in key))


class MaskedFill(Function):
    _internal = True

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.mask, ctx.shape = mask._data, x._data.shape
        return np.where(mask._data, np.asarray(value, dtype=x._data.dtype), x._data)

    @staticmethod
    def backward(ctx, g):
        return sum_to(np.where(ctx.mask, 0, g).astype(g.dtype, copy=False), ctx.shape), None, None


def masked_fill(input, mask, value):
    if isinstance(value, Tensor):
        value = value.item()
    if mask.dtype.name != "bool":
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype.name}")
    return MaskedFill.apply(input, mask, value)


def nonzero(input, *, as_tuple=False):
    nz = np.nonzero(input._data)
    if as_tuple:
        return tuple(Tensor._make(a.astype(np.int64)) for a in nz)
    return Tensor._make(np.stack(nz, axis=1).astype(np.int64) if nz else np.zeros((0, 0), np.int64))


def scatter(input, dim, index, src):
    d = wrap_dim(dim, input._data.ndim)
    out = input._data.copy()
    sv = src._data if isinstance(src, Tensor) else np.full(index._data.shape, src, dtype=out.dtype)
    np.put_along_axis(out, index._data, sv[tuple(slice(0, s) for s in index._data.shape)], axis=d)
    return Tensor._make(out)


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
