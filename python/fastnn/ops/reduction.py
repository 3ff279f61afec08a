"""Reductions with autograd: sum, mean, prod, var/std, max/min (with indices), argmax/argmin, topk, norm."""
import builtins
import collections

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..tensor import Tensor
from ._util import normalize_dims, wrap_dim

# torch.return_types: named tuples returned by max(dim), min(dim), topk, sort.
max_result = collections.namedtuple("max", ["values", "indices"])
min_result = collections.namedtuple("min", ["values", "indices"])
topk_result = collections.namedtuple("topk", ["values", "indices"])
sort_result = collections.namedtuple("sort", ["values", "indices"])


def _expand_back(g, shape, dims, keepdim):
    """A fresh array of `shape` holding the reduced gradient broadcast back over the reduced dims."""
    out = np.empty(shape, dtype=g.dtype)
    if g.ndim == 0:
        out.fill(g)
        return out
    if not keepdim and dims:
        kept = list(shape)
        for d in dims:
            kept[d] = 1
        g = g.reshape(kept)
    np.copyto(out, g)
    return out


class Sum(Function):
    _internal = True

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.shape, ctx.dims, ctx.keepdim = x._data.shape, dims, keepdim
        return np.asarray(x._data.sum(axis=dims, keepdims=keepdim, dtype=dtype))

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g, ctx.shape, ctx.dims, ctx.keepdim), None, None, None


class Mean(Function):
    _internal = True

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x._data.shape, dims, keepdim
        n = 1
        for d in dims:
            n *= x._data.shape[d]
        ctx.n = n
        return np.asarray(x._data.mean(axis=dims, keepdims=keepdim))

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g / ctx.n, ctx.shape, ctx.dims, ctx.keepdim).astype(g.dtype, copy=False), None, None


def _sum_dtype(x, dtype):
    if dtype is not None:
        return _dt.to_dtype(dtype).numpy
    if x.dtype._category < 2:
        return np.int64
    return None


def sum(input, dim=None, keepdim=False, *, dtype=None):
    dims = normalize_dims(dim, input._data.ndim) if input._data.ndim else None
    if input._data.ndim == 0:
        dims = ()
    return Sum.apply(input, dims, keepdim, _sum_dtype(input, dtype))


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        from .pointwise import to_dtype
        input = to_dtype(input, _dt.to_dtype(dtype))
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {input.dtype.name.capitalize()}")
    dims = normalize_dims(dim, input._data.ndim) if input._data.ndim else ()
    return Mean.apply(input, dims, keepdim)


def _product_of_others(v):
    """For each element along the last axis, the product of all the other elements (no division: zeros ok)."""
    ones = np.ones(v.shape[:-1] + (1,), dtype=v.dtype)
    left = np.concatenate([ones, np.cumprod(v[..., :-1], axis=-1)], axis=-1)
    right = np.concatenate([np.cumprod(v[..., :0:-1], axis=-1)[..., ::-1], ones], axis=-1)
    return left * right


class Prod(Function):
    _internal = True

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.save_for_backward(x)
        ctx.dim, ctx.keepdim = dim, keepdim
        return np.asarray(x._data.prod(axis=dim, keepdims=keepdim))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        xv = x._data
        if ctx.dim is None:
            return (_product_of_others(xv.reshape(-1)).reshape(xv.shape) * g).astype(xv.dtype), None, None
        others = np.moveaxis(_product_of_others(np.moveaxis(xv, ctx.dim, -1)), -1, ctx.dim)
        gx = others * _expand_back(g, xv.shape, (ctx.dim,), ctx.keepdim)
        return gx.astype(xv.dtype, copy=False), None, None


def prod(input, dim=None, keepdim=False, *, dtype=None):
    if dim is None:
        return Prod.apply(input, None, False)
    return Prod.apply(input, wrap_dim(dim, input._data.ndim), keepdim)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    dims = normalize_dims(dim, input._data.ndim)
    n = 1
    for d in dims:
        n *= input._data.shape[d]
    mu = mean(input, dims, keepdim=True)
    d = input - mu
    return sum(d * d, dims, keepdim=keepdim) / builtins.max(n - correction, 0)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction).sqrt()


def norm(input, p="fro", dim=None, keepdim=False):
    if p in ("fro", 2, 2.0):
        return (input * input).sum(dim, keepdim=keepdim).sqrt()
    if p in (1, 1.0):
        return input.abs().sum(dim, keepdim=keepdim)
    if p in (float("inf"), "inf"):
        return input.abs().amax(dim, keepdim=keepdim)
    return input.abs().pow(p).sum(dim, keepdim=keepdim).pow(1.0 / p)


# ---------------------------------------------------------------- max / min
class _ExtremumAll(Function):
    """max() / min() / amax / amin over dims: the gradient is shared evenly among tied extrema."""

    _internal = True

    @staticmethod
    def forward(ctx, x, dims, keepdim, is_max):
        if x._data.size == 0:
            raise RuntimeError("max(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                               "the reduction dim with the 'dim' argument.")
        fn = np.max if is_max else np.min
        out = np.asarray(fn(x._data, axis=dims, keepdims=keepdim))
        ctx.save_for_backward(x, Tensor._make(out))
        ctx.dims, ctx.keepdim = dims, keepdim
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        xv = x._data
        ov = _expand_back(out._data, xv.shape, ctx.dims, ctx.keepdim)
        mask = xv == ov
        count = mask.sum(axis=ctx.dims, keepdims=True)
        gx = _expand_back(g, xv.shape, ctx.dims, ctx.keepdim) * mask / count
        return gx.astype(xv.dtype, copy=False), None, None, None


class _ExtremumDim(Function):
    """max(dim) / min(dim): values and indices; the gradient goes to the returned index."""

    _internal = True

    @staticmethod
    def forward(ctx, x, dim, keepdim, is_max):
        xv = x._data
        if xv.ndim and xv.shape[dim] == 0:
            raise IndexError(f"max(): Expected reduction dim {dim} to have non-zero size.")
        idx = (np.argmax if is_max else np.argmin)(xv, axis=dim, keepdims=True)
        vals = np.take_along_axis(xv, idx, axis=dim)
        if not keepdim:
            vals, idx = vals.squeeze(dim), idx.squeeze(dim)
        ctx.dim, ctx.keepdim, ctx.shape = dim, keepdim, xv.shape
        ctx.idx = idx
        return np.asarray(vals), np.asarray(idx.astype(np.int64, copy=False))

    @staticmethod
    def backward(ctx, g, g_idx):
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        idx = ctx.idx if ctx.keepdim else np.expand_dims(ctx.idx, ctx.dim)
        gg = g if ctx.keepdim else np.expand_dims(g, ctx.dim)
        np.put_along_axis(gx, idx, gg, axis=ctx.dim)
        return gx, None, None, None


def _extremum(input, dim, keepdim, is_max, other=None):
    if isinstance(dim, Tensor):
        from .pointwise import maximum, minimum
        return (maximum if is_max else minimum)(input, dim)
    if dim is None:
        return _ExtremumAll.apply(input, None, False, is_max)
    d = wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        return (max_result if is_max else min_result)(input.clone(), Tensor._make(np.asarray(0, dtype=np.int64)))
    vals, idx = _ExtremumDim.apply(input, d, keepdim, is_max)
    return (max_result if is_max else min_result)(vals, idx)


def max(input, dim=None, keepdim=False):
    return _extremum(input, dim, keepdim, True)


def min(input, dim=None, keepdim=False):
    return _extremum(input, dim, keepdim, False)


def amax(input, dim=(), keepdim=False):
    dims = normalize_dims(dim if dim != () else None, input._data.ndim)
    return _ExtremumAll.apply(input, dims, keepdim, True)


def amin(input, dim=(), keepdim=False):
    dims = normalize_dims(dim if dim != () else None, input._data.ndim)
    return _ExtremumAll.apply(input, dims, keepdim, False)


def argmax(input, dim=None, keepdim=False):
    xv = input._data
    if dim is None:
        r = np.asarray(np.argmax(xv))
        return Tensor._make(r.reshape((1,) * xv.ndim) if keepdim else r.astype(np.int64))
    return Tensor._make(np.asarray(np.argmax(xv, axis=wrap_dim(dim, xv.ndim), keepdims=keepdim), dtype=np.int64))


def argmin(input, dim=None, keepdim=False):
    xv = input._data
    if dim is None:
        r = np.asarray(np.argmin(xv))
        return Tensor._make(r.reshape((1,) * xv.ndim) if keepdim else r.astype(np.int64))
    return Tensor._make(np.asarray(np.argmin(xv, axis=wrap_dim(dim, xv.ndim), keepdims=keepdim), dtype=np.int64))


# ---------------------------------------------------------------- topk / sort
class _Gather(Function):
    """Values picked along `dim` at `idx` (topk, sort); the gradient scatters back."""

    _internal = True

    @staticmethod
    def forward(ctx, x, idx, dim):
        ctx.shape, ctx.idx, ctx.dim = x._data.shape, idx, dim
        return np.take_along_axis(x._data, idx, axis=dim)

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        np.put_along_axis(gx, ctx.idx, g, axis=ctx.dim)
        return gx, None, None


def topk(input, k, dim=-1, largest=True, sorted=True):
    xv = input._data
    d = wrap_dim(dim, xv.ndim)
    n = xv.shape[d] if xv.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"selected index k out of range (k={k}, size of dim {d} is {n})")
    key = -xv if largest else xv
    idx = np.argsort(key, axis=d, kind="stable")
    idx = np.take(idx, np.arange(k), axis=d)
    vals = _Gather.apply(input, idx, d)
    return topk_result(vals, Tensor._make(idx.astype(np.int64, copy=False)))


def sort(input, dim=-1, descending=False, stable=False):
    xv = input._data
    d = wrap_dim(dim, xv.ndim)
    idx = np.argsort(-xv if descending else xv, axis=d, kind="stable")
    return sort_result(_Gather.apply(input, idx, d), Tensor._make(idx.astype(np.int64, copy=False)))


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending).indices


def cumsum(input, dim, *, dtype=None):
    return _CumSum.apply(input, wrap_dim(dim, input._data.ndim))


class _CumSum(Function):
    _internal = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return np.cumsum(x._data, axis=dim, dtype=np.int64 if x.dtype._category < 2 else None)

    @staticmethod
    def backward(ctx, g):
        return np.flip(np.cumsum(np.flip(g, ctx.dim), axis=ctx.dim), ctx.dim), None


def all(input, dim=None, keepdim=False):
    return Tensor._make(np.asarray(np.all(input._data, axis=dim, keepdims=keepdim)))


def any(input, dim=None, keepdim=False):
    return Tensor._make(np.asarray(np.any(input._data, axis=dim, keepdims=keepdim)))


def count_nonzero(input, dim=None):
    return Tensor._make(np.asarray(np.count_nonzero(input._data, axis=dim), dtype=np.int64))
