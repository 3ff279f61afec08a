"""Reductions with autograd: sum, mean, prod, var/std, norm, max/min (with indices), argmax/argmin, median, mode,
logsumexp, topk/sort, cumsum/cumprod, nansum/nanmean, quantile/nanquantile; and histc."""
import builtins
import collections
import math

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..tensor import Tensor
from .pointwise import _finish, lerp_arrays
from ._util import named, normalize_dims, value, wrap_dim

def _return_type(name, fields):
    """A named tuple as torch.return_types.<name>: it prints one field a line, under fastnn.return_types."""
    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"fastnn.return_types.{name}(\n{body})"
    return type(name, (collections.namedtuple(name, fields),),
                {"__slots__": (), "__repr__": __repr__, "__module__": "fastnn.return_types"})


# named tuples returned by max(dim), min(dim), median(dim), mode, topk, sort, aminmax
max_result = _return_type("max", ["values", "indices"])
min_result = _return_type("min", ["values", "indices"])
topk_result = _return_type("topk", ["values", "indices"])
sort_result = _return_type("sort", ["values", "indices"])
median_result = _return_type("median", ["values", "indices"])
mode_result = _return_type("mode", ["values", "indices"])
aminmax_result = _return_type("aminmax", ["min", "max"])
kthvalue_result = _return_type("kthvalue", ["values", "indices"])
cummax_result = _return_type("cummax", ["values", "indices"])
cummin_result = _return_type("cummin", ["values", "indices"])


def _alias(name, dim, keepdim, axis, keepdims):
    """torch's numpy-style aliases: axis= for dim, keepdims= for keepdim."""
    if axis is not None:
        if dim is not None and dim != ():
            raise TypeError(f"{name}() got multiple values for argument 'dim' (passed as dim and axis)")
        dim = axis
    return dim, keepdim if keepdims is None else keepdims


def _dims(dim, ndim):
    """A sorted tuple of wrapped dims, or None for all of them (dim None or empty, as torch, or a 0-d input)."""
    if dim is None or (isinstance(dim, (tuple, list)) and not dim):
        return None
    dims = normalize_dims(dim, ndim)
    return dims if ndim else None


def _sum_dims(dim, ndim):
    """The dims a sum-like reduction reduces: a sorted tuple, all of them for None or (); none for a 0-d input
    (whose dim 0 or -1 is still accepted)."""
    if isinstance(dim, (tuple, list)) and not dim:
        dim = None
    dims = normalize_dims(dim, ndim)
    return dims if ndim else ()


def _check_nonempty(name, shape, dims):
    """torch's errors for a max-like reduction over a dim of size 0 (no identity)."""
    if dims is None:
        if 0 in shape:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                               "the reduction dim with the 'dim' argument.")
        return
    for d in dims:
        if shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


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
        xv = x._data
        if n == 0 or xv.dtype == np.float16:  # numpy's own: NaN for an empty mean, a float32 sum for float16
            return np.asarray(xv.mean(axis=dims, keepdims=keepdim))
        # what ndarray.mean computes (the sum, then a division by the count), without its ~5 us of Python
        return np.asarray(np.add.reduce(xv, axis=dims, keepdims=keepdim) / n)

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g / ctx.n, ctx.shape, ctx.dims, ctx.keepdim).astype(g.dtype, copy=False), None, None


def _sum_dtype(x, dtype):
    if dtype is not None:
        return _dt.to_dtype(dtype).numpy
    if x.dtype._category < 2:
        return np.int64
    return None


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _alias("sum", dim, keepdim, axis, keepdims)
    r = Sum.apply(input, _sum_dims(dim, input._data.ndim), keepdim, _sum_dtype(input, dtype))
    return r if dim is None else named(r, "Sum", 1)  # torch's SumBackward1: a sum over dims


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _alias("mean", dim, keepdim, axis, keepdims)
    if dtype is not None:
        from .pointwise import to_dtype
        input = to_dtype(input, _dt.to_dtype(dtype))
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {input.dtype.name.capitalize()}")
    r = Mean.apply(input, _sum_dims(dim, input._data.ndim), keepdim)
    return r if dim is None else named(r, "Mean", 1)


class _NanSum(Function):
    """nansum, or nanmean when mean: NaNs count as absent and get no gradient. The gradient is torch's
    g * ~isnan(x), so an all-NaN row of nanmean gets NaN (inf * 0)."""

    _internal = True

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype, mean):
        xv = x._data
        ctx.shape, ctx.dtype, ctx.dims, ctx.keepdim = xv.shape, xv.dtype, dims, keepdim
        ctx._node_name = "Nanmean" if mean else "Nansum"
        ctx.kept = ~np.isnan(xv)
        out = np.asarray(np.nansum(xv, axis=dims, keepdims=keepdim, dtype=dtype))
        ctx.n = None
        if mean:
            ctx.n = np.asarray(ctx.kept.sum(axis=dims, keepdims=keepdim), dtype=out.dtype)
            with np.errstate(divide="ignore", invalid="ignore"):
                out = out / ctx.n
        return out

    @staticmethod
    def backward(ctx, g):
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.n is not None:
                g = g / ctx.n
            gx = _expand_back(g, ctx.shape, ctx.dims, ctx.keepdim) * ctx.kept
        return gx.astype(ctx.dtype, copy=False), None, None, None, None


def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """sum with NaNs counted as zero."""
    return _finish(_NanSum.apply(input, _sum_dims(dim, input._data.ndim), keepdim, _sum_dtype(input, dtype),
                                 False), out)


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """mean of the non-NaN elements (NaN where there are none)."""
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{_dt.torch_name(input.dtype)}")
    return _finish(_NanSum.apply(input, _sum_dims(dim, input._data.ndim), keepdim, _sum_dtype(input, dtype),
                                 True), out)


def _product_of_others(v):
    """For each element along the last axis, the product of all the other elements (no division: zeros ok)."""
    ones = np.ones(v.shape[:-1] + (1,), dtype=v.dtype)
    left = np.concatenate([ones, np.cumprod(v[..., :-1], axis=-1)], axis=-1)
    right = np.concatenate([np.cumprod(v[..., :0:-1], axis=-1)[..., ::-1], ones], axis=-1)
    return left * right


def _accumulator(x, dtype):
    """The numpy dtype prod / cumsum / cumprod compute in: the dtype asked for, else int64 for integers and bool
    (numpy's own default would keep int32 for cumsum but not for prod), else x's."""
    if dtype is not None:
        return _dt.to_dtype(dtype).numpy
    return np.int64 if x.dtype._category < 2 else x._data.dtype


class Prod(Function):
    _internal = True

    @staticmethod
    def forward(ctx, x, dim, keepdim, acc):
        ctx.save_for_backward(x)
        ctx.dim, ctx.keepdim = dim, keepdim
        return np.asarray(x._data.prod(axis=dim, keepdims=keepdim, dtype=acc))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        xv = x._data
        if ctx.dim is None:
            return (_product_of_others(xv.reshape(-1)).reshape(xv.shape) * g).astype(xv.dtype), None, None, None
        others = np.moveaxis(_product_of_others(np.moveaxis(xv, ctx.dim, -1)), -1, ctx.dim)
        gx = others * _expand_back(g, xv.shape, (ctx.dim,), ctx.keepdim)
        return gx.astype(xv.dtype, copy=False), None, None, None


def prod(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _alias("prod", dim, keepdim, axis, keepdims)
    if dtype is not None:
        from .pointwise import to_dtype
        input = to_dtype(input, _dt.to_dtype(dtype))
    acc = _accumulator(input, dtype)
    if dim is None:
        return Prod.apply(input, None, False, acc)
    return Prod.apply(input, wrap_dim(dim, input._data.ndim), keepdim, acc)


# ---------------------------------------------------------------- var / std / norm
class _Var(Function):
    """var, or std when take_sqrt: backward as torch's var_backward / std_backward (0 where std == 0)."""

    _internal = True

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim, take_sqrt):
        xv = x._data
        n = xv.size if dims is None else math.prod(xv.shape[d] for d in dims)
        with np.errstate(divide="ignore", invalid="ignore"):
            d = xv - xv.sum(axis=dims, keepdims=True) / n
            out = np.asarray((d * d).sum(axis=dims, keepdims=keepdim) / builtins.max(n - correction, 0))
            if take_sqrt:
                out = np.sqrt(out)
        ctx.save_for_backward(x)
        ctx.dims, ctx.n, ctx.correction, ctx.keepdim, ctx.take_sqrt = dims, n, correction, keepdim, take_sqrt
        ctx.out = out
        ctx._node_name = "Std" if take_sqrt else "Var"
        return out

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        xv, dims, dof = x._data, ctx.dims, ctx.n - ctx.correction
        with np.errstate(divide="ignore", invalid="ignore"):
            if ctx.take_sqrt:
                g = np.where(ctx.out == 0, 0, g / (2 * ctx.out))
            g = _expand_back(g, xv.shape, dims or (), ctx.keepdim)
            d = xv - xv.sum(axis=dims, keepdims=True) / ctx.n
            if dims is None and dof <= 0:  # torch: nan where x == mean, else inf
                gx = g * np.where(d == 0, np.nan, np.inf)
            else:
                gx = (2.0 / dof if dof else math.inf) * g * d
        return gx.astype(xv.dtype, copy=False), None, None, None, None


def _var_std(name, input, dim, unbiased, keepdim, correction, axis=None, keepdims=None):
    """var, std, var_mean or std_mean (name) with torch's argument handling."""
    if axis is not None or keepdims is not None:
        dim, keepdim = _alias(name, dim, keepdim, axis, keepdims)
    if isinstance(dim, bool):  # var(unbiased)
        if unbiased is not None:
            raise TypeError(f"{name}() got multiple values for argument 'unbiased'")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() takes either unbiased or correction, not both")
    if correction is None:
        correction = 0 if unbiased is False else 1
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{'std and var' if name in ('std', 'var') else name} only support floating point and "
                           "complex dtypes")
    dims = _dims(dim, input._data.ndim)
    spread = _Var.apply(input, dims, correction, keepdim, name.startswith("std"))
    return (spread, mean(input, dims, keepdim)) if name.endswith("_mean") else spread


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """torch.var: var(dim=None, unbiased=True, keepdim=False), var(unbiased), var(dim, *, correction, keepdim)."""
    return _var_std("var", input, dim, unbiased, keepdim, correction, axis, keepdims)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """torch.std: the same signatures as var."""
    return _var_std("std", input, dim, unbiased, keepdim, correction, axis, keepdims)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) with var's signatures; a plain tuple, as torch's."""
    return _var_std("var_mean", input, dim, unbiased, keepdim, correction)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) with std's signatures; a plain tuple, as torch's."""
    return _var_std("std_mean", input, dim, unbiased, keepdim, correction)


def _vector_norm(x, p, dims, keepdim):
    """The p-norm of array x over dims (None: all), as torch's linalg.vector_norm."""
    a = np.abs(x)
    with np.errstate(divide="ignore", over="ignore"):
        if p == 0:
            return np.asarray((a != 0).sum(axis=dims, keepdims=keepdim, dtype=a.dtype))
        if math.isinf(p):
            if 0 in (a.shape if dims is None else [a.shape[d] for d in dims]):
                raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty tensor because "
                                   "the operation does not have an identity")
            return np.asarray((np.max if p > 0 else np.min)(a, axis=dims, keepdims=keepdim))
        if p == 1:
            return np.asarray(a.sum(axis=dims, keepdims=keepdim))
        if p == 2:
            return np.asarray(np.sqrt((a * a).sum(axis=dims, keepdims=keepdim)))
        return np.asarray((a ** p).sum(axis=dims, keepdims=keepdim) ** (1.0 / p))


def _vector_norm_grad(x, out, g, p, dims, split_ties=True):
    """The gradient of _vector_norm at array x, with out and g broadcastable to x: 0 where the norm is 0, as
    torch's norm_backward. An inf-norm's gradient goes to the extremal elements, shared among ties (norm) or
    whole to each (split_ties=False: torch's cdist)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if p == 0:
            return np.zeros(np.broadcast_shapes(x.shape, g.shape), dtype=x.dtype)
        if p == 1:
            return np.sign(x) * g
        if p == 2:
            return g * np.where(out == 0, 0, x / out)
        if math.isinf(p):
            a = np.abs(x)
            mask = (a == out) | np.isnan(a)
            return np.sign(x) * (g / mask.sum(axis=dims, keepdims=True) * mask if split_ties else g * mask)
        if p < 1:
            return np.sign(x) * np.where(x == 0, 0, np.abs(x) ** (p - 1)) * g * out ** (1 - p)
        scaled = np.sign(x) * np.abs(x) ** (p - 1) if p < 2 else x * np.abs(x) ** (p - 2)
        return scaled * np.where(out == 0, 0, g / out ** (p - 1))


class _Norm(Function):
    """Vector p-norm; backward as torch's norm_backward (0 where the norm is 0)."""

    _internal = True
    _node_name = "LinalgVectorNorm"

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        ctx.save_for_backward(x)
        ctx.p, ctx.dims, ctx.keepdim = p, dims, keepdim
        ctx.out = _vector_norm(x._data, p, dims, keepdim)
        return ctx.out

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        xv, dims = x._data, ctx.dims
        if ctx.p == 0:  # piecewise constant: no gradient (x.grad stays None, as torch)
            return None, None, None, None
        g = _expand_back(g, xv.shape, dims or (), ctx.keepdim)
        out = _expand_back(ctx.out, xv.shape, dims or (), ctx.keepdim)
        return _vector_norm_grad(xv, out, g, ctx.p, dims).astype(xv.dtype, copy=False), None, None, None


def norm(input, p="fro", dim=None, keepdim=False):
    """torch.norm for vector norms: p a number (0, 1, 2, inf, -inf, any other), or "fro" (the 2-norm)."""
    if p in ("fro", None):
        p = 2
    elif p == "inf":
        p = math.inf
    elif isinstance(p, str):
        raise RuntimeError(f"fastnn supports vector norms only, not p={p!r}")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{input.dtype.name.capitalize()}")
    return _Norm.apply(input, float(p), _dims(dim, input._data.ndim), keepdim)


# ---------------------------------------------------------------- max / min
class _ExtremumAll(Function):
    """max() / min() / amax / amin over dims: the gradient is shared evenly among tied extrema."""

    _internal = True

    @staticmethod
    def forward(ctx, x, dims, keepdim, name):
        _check_nonempty(name, x._data.shape, dims)
        fn = np.max if name.endswith("max") else np.min
        out = np.asarray(fn(x._data, axis=dims, keepdims=keepdim))
        # torch's names: MaxBackward1 / MinBackward1 for max() / min(), AmaxBackward0 / AminBackward0
        ctx._node_name, ctx._node_version = name.capitalize(), 1 if name in ("max", "min") else 0
        ctx.save_for_backward(x, Tensor._make(out))
        ctx.dims, ctx.keepdim = dims, keepdim
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        xv = x._data
        ov = _expand_back(out._data, xv.shape, ctx.dims or (), ctx.keepdim)
        mask = xv == ov
        count = mask.sum(axis=ctx.dims, keepdims=True)
        gx = _expand_back(g, xv.shape, ctx.dims or (), ctx.keepdim) * mask / count
        return gx.astype(xv.dtype, copy=False), None, None, None


class _SelectAlong(Function):
    """The values at idx (keepdims-shaped) along dim: max/min/median/mode with a dim; the gradient goes to idx."""

    _internal = True

    @staticmethod
    def forward(ctx, x, idx, dim, keepdim):
        ctx.shape, ctx.idx, ctx.dim, ctx.keepdim = x._data.shape, idx, dim, keepdim
        vals = np.take_along_axis(x._data, idx, axis=dim)
        return vals if keepdim else vals.squeeze(dim)

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, dtype=g.dtype)
        np.put_along_axis(gx, ctx.idx, g if ctx.keepdim else np.expand_dims(g, ctx.dim), axis=ctx.dim)
        return gx, None, None, None


def _select(result, input, idx, d, keepdim):
    """(values, indices) of a selecting reduction, from the keepdims-shaped indices idx along d."""
    idx = idx.astype(np.int64, copy=False)
    return result(_SelectAlong.apply(input, idx, d, keepdim), Tensor._make(idx if keepdim else idx.squeeze(d)))


def _scalar_select(result, input):
    """A 0-d input reduced along its dim 0: itself, at index 0."""
    return result(input.clone(), Tensor._make(np.asarray(0, dtype=np.int64)))


def _extremum(input, dim, keepdim, is_max, axis=None, keepdims=None):
    name = "max" if is_max else "min"
    if isinstance(dim, Tensor):
        from .pointwise import maximum, minimum
        return (maximum if is_max else minimum)(input, dim)
    if axis is not None or keepdims is not None:
        dim, keepdim = _alias(name, dim, keepdim, axis, keepdims)
    if dim is None:
        return _ExtremumAll.apply(input, None, False, name)
    xv = input._data
    d = wrap_dim(dim, xv.ndim)
    result = max_result if is_max else min_result
    if xv.ndim == 0:
        return _scalar_select(result, input)
    _check_nonempty(name, xv.shape, (d,))
    r = _select(result, input, (np.argmax if is_max else np.argmin)(xv, axis=d, keepdims=True), d, keepdim)
    named(r.values, name.capitalize())
    return r


def max(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=None):
    """max(), max(dim, keepdim) -> (values, indices), or max(other) / max(other=...): the elementwise maximum."""
    return _extremum(input, _dim_or_other("max", dim, other), keepdim, True, axis, keepdims)


def min(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=None):
    """min(), min(dim, keepdim) -> (values, indices), or min(other) / min(other=...): the elementwise minimum."""
    return _extremum(input, _dim_or_other("min", dim, other), keepdim, False, axis, keepdims)


def _dim_or_other(name, dim, other):
    if other is None:
        return dim
    if dim is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments: dim and other")
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' must be Tensor, not {type(other).__name__}")
    return other


def amax(input, dim=(), keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _alias("amax", dim, keepdim, axis, keepdims)
    return _ExtremumAll.apply(input, _dims(dim, input._data.ndim), keepdim, "amax")


def amin(input, dim=(), keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _alias("amin", dim, keepdim, axis, keepdims)
    return _ExtremumAll.apply(input, _dims(dim, input._data.ndim), keepdim, "amin")


def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over all elements or one dim, as amin and amax (the gradient shared among tied extrema)."""
    if dim is not None and not isinstance(dim, int):
        raise TypeError(f"aminmax(): argument 'dim' must be int, not {type(dim).__name__}")
    shape = input._data.shape
    if dim is None and 0 in shape:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                           "identity.")
    dims = _dims(dim, len(shape))
    if dims and shape[dims[0]] == 0:
        raise IndexError(f"aminmax: Expected reduction dim {dims[0]} to have non-zero size.")
    return aminmax_result(_ExtremumAll.apply(input, dims, keepdim, "amin"),
                          _ExtremumAll.apply(input, dims, keepdim, "amax"))


def _arg_extremum(name, input, dim, keepdim, axis, keepdims):
    if axis is not None or keepdims is not None:
        dim, keepdim = _alias(name, dim, keepdim, axis, keepdims)
    xv = input._data
    fn = np.argmax if name == "argmax" else np.argmin
    if dim is None:
        if xv.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        r = np.asarray(fn(xv), dtype=np.int64)
        return Tensor._make(r.reshape((1,) * xv.ndim) if keepdim else r)
    d = wrap_dim(dim, xv.ndim)
    if xv.ndim == 0:
        return Tensor._make(np.asarray(0, dtype=np.int64))
    if xv.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    return Tensor._make(np.asarray(fn(xv, axis=d, keepdims=keepdim), dtype=np.int64))


def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _arg_extremum("argmax", input, dim, keepdim, axis, keepdims)


def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _arg_extremum("argmin", input, dim, keepdim, axis, keepdims)


# ---------------------------------------------------------------- median / mode / logsumexp
class _MedianAll(Function):
    """median() of all elements: the gradient is shared evenly among the elements equal to it (torch)."""

    _internal = True
    _node_name = "Median"

    @staticmethod
    def forward(ctx, x):
        flat = x._data.reshape(-1)
        if flat.size == 0:
            out = np.asarray(np.nan, dtype=flat.dtype)
        else:
            out = np.asarray(flat[_median_index(flat[None], 1)[0, 0]])
        ctx.save_for_backward(x)
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        xv = x._data
        mask = np.isnan(xv) if np.isnan(ctx.out) else xv == ctx.out
        return np.where(mask, g / mask.sum(), 0).astype(xv.dtype), None


def _median_index(xv, d):
    """torch's median index along d (keepdims): the lower middle of a stable sort, or the first NaN."""
    n = xv.shape[d]
    order = np.argsort(xv, axis=d, kind="stable")  # NaNs last, in their original order
    pos = np.full(order.shape[:d] + (1,) + order.shape[d + 1:], (n - 1) // 2)
    if xv.dtype.kind == "f":
        nans = np.isnan(xv).sum(axis=d, keepdims=True)
        pos = np.where(nans > 0, n - nans, pos)
    return np.take_along_axis(order, pos, axis=d)


def median(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """median() -> the lower median of all elements; median(dim) -> (values, indices)."""
    if axis is not None or keepdims is not None:
        dim, keepdim = _alias("median", dim, keepdim, axis, keepdims)
    if dim is None:
        return _MedianAll.apply(input)
    xv = input._data
    d = wrap_dim(dim, xv.ndim)
    if xv.ndim == 0:
        return _scalar_select(median_result, input)
    _check_nonempty("median", xv.shape, (d,))
    return _select(median_result, input, _median_index(xv, d), d, keepdim)


def mode(input, dim=-1, keepdim=False):
    """The most frequent value along dim (the smallest of equally frequent ones) and its last index (torch)."""
    xv = input._data
    d = wrap_dim(dim, xv.ndim)
    if xv.ndim == 0:
        return _scalar_select(mode_result, input)
    _check_nonempty("mode", xv.shape, (d,))
    rows = np.moveaxis(xv, d, -1)
    idx = np.empty(rows.shape[:-1] + (1,), dtype=np.int64)
    for i in np.ndindex(rows.shape[:-1]):
        vals, counts = np.unique(rows[i], return_counts=True)
        v = vals[np.argmax(counts)]
        idx[i] = np.flatnonzero(rows[i] == v if v == v else np.isnan(rows[i]))[-1]
    return _select(mode_result, input, np.moveaxis(idx, -1, d), d, keepdim)


class _LogSumExp(Function):
    _internal = True
    _node_name = "Logsumexp"

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        xv = x._data
        m = np.max(xv, axis=dims, keepdims=True, initial=-np.inf)
        m = np.where(np.isinf(m), 0, m)
        with np.errstate(divide="ignore"):
            out = np.log(np.exp(xv - m).sum(axis=dims, keepdims=True)) + m
        ctx.save_for_backward(x)
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx.out = out  # keepdims-shaped
        return out if keepdim else out.reshape(()) if dims is None else out.squeeze(dims)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        g = _expand_back(g, x._data.shape, ctx.dims or (), ctx.keepdim)
        with np.errstate(invalid="ignore"):
            return g * np.exp(x._data - ctx.out), None, None


def logsumexp(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """log(sum(exp(input), dim)), computed stably; integer inputs give the default float dtype."""
    if axis is not None or keepdims is not None:
        dim, keepdim = _alias("logsumexp", dim, keepdim, axis, keepdims)
    if dim is None:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    if not input.dtype.is_floating_point:
        from .pointwise import to_dtype
        input = to_dtype(input, _dt.get_default_dtype())
    return _LogSumExp.apply(input, _dims(dim, input._data.ndim), keepdim)


def kthvalue(input, k, dim=-1, keepdim=False):
    """The k-th smallest value (k from 1) along dim and its index, NaN counting as largest; the gradient goes to that
    index. Among equal values fastnn picks the k-th in a stable sort, where torch's choice is unspecified."""
    if not isinstance(k, int) or isinstance(k, bool):
        raise TypeError(f"kthvalue(): argument 'k' (position 2) must be int, not {type(k).__name__}")
    xv = input._data
    d = wrap_dim(dim, xv.ndim)
    if xv.dtype.kind == "b":
        raise NotImplementedError("\"kthvalue_cpu\" not implemented for 'Bool'")
    if xv.ndim and xv.shape[d] == 0:
        _check_nonempty("kthvalue", xv.shape, (d,))
    if not 1 <= k <= (xv.shape[d] if xv.ndim else 1):
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if xv.ndim == 0:
        return _scalar_select(kthvalue_result, input)
    idx = np.take(np.argsort(xv, axis=d, kind="stable"), [k - 1], axis=d)
    r = _select(kthvalue_result, input, idx, d, keepdim)
    named(r.values, "Kthvalue")
    return r


def _cumulative_extremum(result, input, dim, is_max):
    """cummax / cummin: the running extremum along dim and the index it was last found at (torch's kernel takes
    the latest of equal values, and a NaN sticks at the latest NaN); the gradient goes to those indices."""
    name = "cummax" if is_max else "cummin"
    if dim is None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    xv = input._data
    if xv.ndim == 0:
        if dim not in (0, -1):
            raise IndexError(f"{name}(): Expected reduction dim -1 or 0 for scalar but got {dim}")
        return _scalar_select(result, input)
    d = wrap_dim(dim, xv.ndim)
    running = (np.maximum if is_max else np.minimum).accumulate(xv, axis=d)
    found = xv == running
    if xv.dtype.kind == "f":
        found |= np.isnan(xv)
    pos = np.arange(xv.shape[d]).reshape((-1,) + (1,) * (xv.ndim - d - 1))
    idx = np.maximum.accumulate(np.where(found, pos, 0), axis=d).astype(np.int64, copy=False)
    from .indexing import Gather
    return result(named(Gather.apply(input, d, Tensor._make(idx)), name.capitalize()), Tensor._make(idx))


def cummax(input, dim=None):
    """(values, indices): the running maximum along dim (required) and where it was found."""
    return _cumulative_extremum(cummax_result, input, dim, True)


def cummin(input, dim=None):
    """(values, indices): the running minimum along dim (required) and where it was found."""
    return _cumulative_extremum(cummin_result, input, dim, False)


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


def _argsort(xv, d, descending):
    """A stable argsort along d (NaN largest, as torch); descending keeps equal values in their original order."""
    if not descending:
        return np.argsort(xv, axis=d, kind="stable")
    # Stable-sort the reversed array, reverse the order, map indices back: ties stay first-come first.
    return (xv.shape[d] - 1) - np.flip(np.argsort(np.flip(xv, d), axis=d, kind="stable"), d)


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The k largest (smallest) values along dim and their indices; equal values in index order (torch's
    order for ties may differ)."""
    xv = input._data
    d = wrap_dim(dim, xv.ndim)
    n = xv.shape[d] if xv.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"selected index k out of range (k={k}, size of dim {d} is {n})")
    if xv.ndim == 0:
        return _scalar_select(topk_result, input)
    idx = np.take(_argsort(xv, d, largest), np.arange(k), axis=d)
    return topk_result(_Gather.apply(input, idx, d), Tensor._make(idx.astype(np.int64, copy=False)))


def sort(input, dim=-1, descending=False, stable=False):
    """Sorted values and indices along dim; always stable (equal values keep their order, as torch's CPU)."""
    xv = input._data
    d = wrap_dim(dim, xv.ndim)
    if xv.ndim == 0:
        return _scalar_select(sort_result, input)
    idx = _argsort(xv, d, descending)
    return sort_result(_Gather.apply(input, idx, d), Tensor._make(idx.astype(np.int64, copy=False)))


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable).indices


# ---------------------------------------------------------------- quantile / histc
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


class _Quantile(Function):
    """Quantiles along the last dim of `rows` (input with the reduced dim moved last, or flattened): each is read
    at rank q * (n - 1) of the sorted row (n counting non-NaN values for nanquantile), between the values at the
    floor and the ceil of the rank as the interpolation mode says, computed as torch does. The gradient goes to
    those two elements, and to q under linear interpolation (the only mode where torch gives q one)."""

    _internal = True

    @staticmethod
    def forward(ctx, x, q, dim, out_shape, mode, ignore_nan):
        xv = x._data
        rows = xv.reshape(-1) if dim is None else np.moveaxis(xv, dim, -1)
        order = np.argsort(rows, axis=-1, kind="stable")  # NaNs last
        srt = np.take_along_axis(rows, order, axis=-1)
        qv = np.asarray(q._data if isinstance(q, Tensor) else q, dtype=xv.dtype).reshape((-1,) + (1,) * rows.ndim)
        if ignore_nan:  # rank among the non-NaN values; an all-NaN row reads its first (NaN) value
            scale = ((~np.isnan(srt)).sum(axis=-1, keepdims=True) - 1).astype(xv.dtype)
            ranks = qv * scale
            masked = ranks < 0
            ranks = np.where(masked, 0, ranks)
        else:  # a row with a NaN reads its last value: NaN
            scale = rows.shape[-1] - 1
            masked = np.isnan(srt).any(axis=-1, keepdims=True)
            ranks = np.where(masked, scale, qv * scale).astype(xv.dtype, copy=False)
        if mode in ("lower", "higher", "nearest"):
            ranks = {"lower": np.floor, "higher": np.ceil, "nearest": np.round}[mode](ranks)
        below, above = ranks.astype(np.int64), np.ceil(ranks).astype(np.int64)
        vb = np.take_along_axis(srt[None], below, axis=-1)
        w = ranks - np.floor(ranks) if mode == "linear" else 0.5 if mode == "midpoint" else 0
        ctx.pos = (np.take_along_axis(order[None], below, axis=-1), np.take_along_axis(order[None], above, axis=-1))
        ctx.rows_shape, ctx.dim, ctx.shape, ctx.dtype, ctx.w = rows.shape, dim, xv.shape, xv.dtype, w
        ctx.q_shape, ctx.dq = np.shape(value(q)), None
        if mode in ("linear", "midpoint"):
            va = np.take_along_axis(srt[None], above, axis=-1)
            if mode == "linear" and ctx.needs_input_grad[1]:  # d(result)/dq = (va - vb) * scale
                with np.errstate(invalid="ignore"):
                    ctx.dq = np.where(masked, 0, (va - vb) * scale)
            vb = lerp_arrays(vb, va, w)
        return vb.reshape(out_shape)

    @staticmethod
    def backward(ctx, g):
        g = g.reshape(ctx.pos[0].shape)
        gx = gq = None
        if ctx.needs_input_grad[0]:
            *lead, n = ctx.rows_shape
            start = np.arange(math.prod(lead)).reshape(tuple(lead) + (1,)) * n  # each row's offset when flat
            flat = np.bincount(np.concatenate([(start + ctx.pos[0]).ravel(), (start + ctx.pos[1]).ravel()]),
                               np.concatenate([(g * (1 - ctx.w)).ravel(), (g * ctx.w).ravel()]),
                               minlength=math.prod(ctx.rows_shape)).astype(ctx.dtype)
            gx = flat.reshape(ctx.shape) if ctx.dim is None else np.moveaxis(flat.reshape(ctx.rows_shape), -1,
                                                                             ctx.dim)
        if ctx.dq is not None:
            gq = (g * ctx.dq).reshape(len(g), -1).sum(axis=1).reshape(ctx.q_shape)
        return gx, gq, None, None, None, None


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan, out):
    """quantile and nanquantile, with torch's checks in torch's order."""
    qt = isinstance(q, Tensor)
    if not qt:
        if not isinstance(q, (int, float)):
            raise TypeError(f"quantile(): argument 'q' must be Tensor or float, not {type(q).__name__}")
        if not 0 <= q <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q:g}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, but "
                           f"got {interpolation}")
    xv = input._data
    if xv.size == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if qt and q._data.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if input.dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if qt and q.dtype is not input.dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
    d = None if dim is None else wrap_dim(dim, xv.ndim)
    if qt and not ((q._data >= 0) & (q._data <= 1)).all():
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    if d is not None and xv.ndim:
        shape = list(xv.shape)
        shape[d:d + 1] = [1] if keepdim else []
    else:
        d, shape = None, [1] * xv.ndim if keepdim else []
    if (xv.size if d is None else xv.shape[d]) > 2 ** 24:
        raise RuntimeError("quantile() input tensor is too large")
    if qt and q._data.ndim:
        shape.insert(0, q._data.size)
    return _finish(_Quantile.apply(input, q, d, tuple(shape), interpolation, ignore_nan), out)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """The q-th quantiles (q a number or a 1-D tensor, a leading dim of the result) of all elements or along dim;
    a row with a NaN gives NaN (its gradient goes to the row's last NaN, where torch's unstable sort may pick
    another). interpolation: linear, lower, higher, midpoint or nearest (half to even)."""
    return _quantile(input, q, dim, keepdim, interpolation, False, out)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """quantile ignoring NaNs (NaN only for a row of NaNs)."""
    return _quantile(input, q, dim, keepdim, interpolation, True, out)


def histc(input, bins=100, min=0, max=0, *, out=None):
    """Counts of input's elements in `bins` equal bins over [min, max] (the data's range when min == max), in
    input's dtype; elements outside are ignored, the top edge belongs to the last bin. No gradient (torch has
    none)."""
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    xv = input._data
    if xv.dtype.kind != "f":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{_dt.torch_name(input.dtype)}'")
    lo, hi = float(min), float(max)
    if lo == hi and xv.size:
        lo, hi = float(xv.min()), float(xv.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo:g}, {hi:g}] is not finite")
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    lo, hi = xv.dtype.type(lo), xv.dtype.type(hi)  # torch bins in input's dtype
    inside = xv[(xv >= lo) & (xv <= hi)]
    pos = ((inside - lo) * bins / (hi - lo)).astype(np.int64)
    return _finish(Tensor._make(np.bincount(np.minimum(pos, bins - 1), minlength=bins).astype(xv.dtype)), out)


# ---------------------------------------------------------------- cumsum / cumprod
def _cumulative(cls, name, input, dim, dtype, axis):
    """cumsum / cumprod: dim (or axis=) required, input cast to dtype first, a 0-d input treated as 1-d."""
    if axis is not None:
        dim, _ = _alias(name, dim, False, axis, None)
    if dim is None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    if dtype is not None:
        from .pointwise import to_dtype
        input = to_dtype(input, _dt.to_dtype(dtype))
    acc = _accumulator(input, dtype)
    if input._data.ndim == 0:
        return cls.apply(input.reshape(1), 0, acc).reshape(())
    return cls.apply(input, wrap_dim(dim, input._data.ndim), acc)


def cumsum(input, dim=None, *, dtype=None, axis=None):
    return _cumulative(_CumSum, "cumsum", input, dim, dtype, axis)


class _CumSum(Function):
    _internal = True
    _node_name = "Cumsum"

    @staticmethod
    def forward(ctx, x, dim, acc):
        ctx.dim = dim
        return np.cumsum(x._data, axis=dim, dtype=acc)

    @staticmethod
    def backward(ctx, g):
        return _rcumsum(g, ctx.dim), None, None


def _rcumsum(a, axis=-1):
    """Sums from the end: out[k] = sum of a[j] for j >= k along axis."""
    return np.flip(np.cumsum(np.flip(a, axis), axis=axis), axis)


class _CumProd(Function):
    _internal = True
    _node_name = "Cumprod"

    @staticmethod
    def forward(ctx, x, dim, acc):
        ctx.save_for_backward(x)
        ctx.dim = dim
        return np.cumprod(x._data, axis=dim, dtype=acc)

    @staticmethod
    def backward(ctx, g):
        # Before a row's first zero z: sum_{j>=k} g_j out_j / x_k. At z: the same sum with x_z taken as 1.
        # After z every product holds x_z = 0: no gradient.
        (x,) = ctx.saved_tensors
        xv, gv = np.moveaxis(x._data, ctx.dim, -1), np.moveaxis(g, ctx.dim, -1)
        k = np.arange(xv.shape[-1])
        zero = xv == 0
        first = np.where(zero.any(-1), zero.argmax(-1), xv.shape[-1])[..., None]
        with np.errstate(divide="ignore", invalid="ignore"):
            before = _rcumsum(gv * np.cumprod(xv, axis=-1)) / xv
        at = _rcumsum(gv * np.cumprod(np.where(k == first, 1, xv), axis=-1))
        gx = np.where(k < first, before, np.where(k == first, at, 0))
        return np.moveaxis(gx, -1, ctx.dim).astype(xv.dtype, copy=False), None, None


def cumprod(input, dim=None, *, dtype=None, axis=None):
    """Cumulative product along dim; the gradient is exact with zeros in the input too (as torch)."""
    return _cumulative(_CumProd, "cumprod", input, dim, dtype, axis)


def _all_or_any(fn, name, input, dim, keepdim, axis, keepdims):
    """bool results, except uint8 for a uint8 input (torch keeps that legacy)."""
    if axis is not None or keepdims is not None:
        dim, keepdim = _alias(name, dim, keepdim, axis, keepdims)
    dims = None if dim is None or not input._data.ndim else normalize_dims(dim, input._data.ndim)
    out = np.asarray(fn(input._data, axis=dims, keepdims=keepdim))
    return Tensor._make(out.astype(np.uint8) if input._data.dtype == np.uint8 else out)


def all(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _all_or_any(np.all, "all", input, dim, keepdim, axis, keepdims)


def any(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _all_or_any(np.any, "any", input, dim, keepdim, axis, keepdims)


def count_nonzero(input, dim=None, *, axis=None):
    if axis is not None:
        dim, _ = _alias("count_nonzero", dim, False, axis, None)
    return Tensor._make(np.asarray(np.count_nonzero(input._data, axis=_dims(dim, input._data.ndim)),
                                   dtype=np.int64))


# ---------------------------------------------------------------- unique / bincount
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (sorted; fastnn sorts for sorted=False too), with the inverse indices and counts on
    request. No derivative: a result of an input that requires grad raises on backward, as torch's."""
    xv = input._data
    if dim is None:
        vals, inv, counts = _np_unique(xv.reshape(-1), None)
        inv = inv.reshape(xv.shape)
    else:
        vals, inv, counts = _np_unique(xv, wrap_dim(dim, xv.ndim))
        inv = inv.reshape(-1)
    out = Tensor._make(np.ascontiguousarray(vals))
    if input.requires_grad:
        from .pointwise import NoDerivative
        out = NoDerivative.apply(out._data, "_unique2", input)
    if not return_inverse and not return_counts:
        return out
    res = (out,)
    if return_inverse:
        res += (Tensor._make(inv.astype(np.int64, copy=False)),)
    if return_counts:
        res += (Tensor._make(counts.astype(np.int64, copy=False)),)
    return res


def _np_unique(a, axis):
    """np.unique with inverse and counts; NaNs stay distinct, as torch's (numpy >= 1.24 merges them by default)."""
    try:
        return np.unique(a, return_inverse=True, return_counts=True, axis=axis, equal_nan=False)
    except TypeError:  # an older numpy: no equal_nan, NaNs already distinct
        return np.unique(a, return_inverse=True, return_counts=True, axis=axis)


def bincount(input, weights=None, minlength=0):
    """The count of each value of a 1-D non-negative integer tensor (the sum of weights, with weights)."""
    xv = input._data
    if xv.dtype.kind not in "iu":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{_dt.torch_name(input.dtype)}'")
    if xv.ndim != 1 or (xv.size and xv.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return Tensor._make(np.bincount(xv, minlength=minlength).astype(np.int64, copy=False))
    wv = weights._data
    if wv.ndim != 1 or wv.shape[0] != xv.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out_dt = np.float32 if wv.dtype == np.float32 else np.float64  # torch: float weights keep float, others double
    return Tensor._make(np.bincount(xv, weights=wv, minlength=minlength).astype(out_dt, copy=False))
