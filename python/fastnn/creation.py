"""Tensor creation: tensor, zeros, ones, full, empty, arange, linspace, eye, rand*, *_like, from_numpy."""
import operator

import numpy as np

from . import dtypes as _dt
from .random import _rng, draw_categories
from .tensor import Size, Tensor, _check_device


def _sizes(size, size_kw=None):
    """The shape from zeros(2, 3), zeros((2, 3)) or zeros(size=(2, 3))."""
    if size_kw is not None:
        if size:
            raise TypeError("got the size both as positional arguments and as the keyword size")
        size = (size_kw,)
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    try:
        out = tuple(operator.index(s) for s in size)
    except TypeError:
        bad = next(s for s in size if not hasattr(s, "__index__"))
        raise TypeError(f"argument 'size' must be tuple of ints, but found element of type "
                        f"{type(bad).__name__}") from None
    for s in out:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(out)}")
    return out


def _finish(arr, requires_grad, device=None):
    _check_device(device)
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _np_dtype(dtype, default=None):
    if dtype is None:
        return (default or _dt.get_default_dtype()).numpy
    return _dt.to_dtype(dtype).numpy


def _infer_dtype(data, arr):
    """torch.tensor's inference for data (arr: numpy's array of it): Python floats -> default float, ints -> int64,
    bools -> bool."""
    if arr.dtype.kind == "f" and not isinstance(data, np.ndarray) and not (
            isinstance(data, np.generic)):
        return _dt.get_default_dtype().numpy
    if arr.dtype.kind == "i" and not isinstance(data, (np.ndarray, np.generic)):
        return np.int64
    return None


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data` (nested lists, numbers, numpy arrays or tensors)."""
    inferred = None
    if isinstance(data, Tensor):
        arr = data._data.copy()
    elif _holds_tensors(data):
        arr = _array_of_scalar_tensors(data)
    else:
        try:
            arr = np.array(data)
        except ValueError as e:  # ragged nesting: [1, [2]]
            raise TypeError(f"could not build a tensor from {type(data).__name__}: {e}") from None
        if arr.dtype == object:
            raise TypeError(f"Could not infer dtype of {type(data).__name__}")
        inferred = _infer_dtype(data, arr)
    if dtype is not None:
        arr = arr.astype(_np_dtype(dtype), copy=False)
    else:
        if inferred is not None:
            arr = arr.astype(inferred, copy=False)
        elif arr.dtype.kind == "U" or arr.dtype.kind == "S":
            raise TypeError("new(): invalid data type 'str'")
        _dt.from_numpy_dtype(arr.dtype)
    return _finish(np.ascontiguousarray(arr) if arr.ndim else arr, requires_grad, device)


def _holds_tensors(data):
    """Whether a list/tuple holds tensors: checked along its first elements and at its top level (a full walk
    would double the cost of building from a long list of numbers)."""
    if not isinstance(data, (list, tuple)) or not data:
        return False
    if any(issubclass(t, Tensor) for t in set(map(type, data))):
        return True
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
        if isinstance(data, Tensor):
            return True
    return False


def _array_of_scalar_tensors(data):
    """torch.tensor of a sequence holding tensors: each tensor is one scalar (it must have one element) whose
    dtype takes part in the inference with the numbers beside it (Python floats count as the default dtype)."""
    from .ops._util import promote_dtypes
    scalar_dtypes = {bool: _dt.bool_, int: _dt.int64, float: _dt.get_default_dtype()}
    dtype = None

    def convert(x):
        nonlocal dtype
        if isinstance(x, (list, tuple)):
            return [convert(y) for y in x]
        if isinstance(x, Tensor):
            if x._data.size != 1:
                raise ValueError("only one element tensors can be converted to Python scalars")
            d, x = x.dtype, x._data.item()
        else:
            d = scalar_dtypes.get(type(x)) or _dt.from_numpy_dtype(np.asarray(x).dtype)
        dtype = d if dtype is None else promote_dtypes(dtype, d)
        return x

    nested = convert(data)
    try:
        return np.array(nested, dtype=dtype.numpy)
    except ValueError as e:  # ragged nesting
        raise TypeError(f"could not build a tensor from {type(data).__name__}: {e}") from None


def as_tensor(data, dtype=None, device=None):
    """Share memory with a numpy array or tensor when possible, as torch.as_tensor."""
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype is _dt.to_dtype(dtype) else data.to(dtype)
    if isinstance(data, np.ndarray):
        t = from_numpy(data)
        return t if dtype is None else t.to(dtype)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray):
    """A tensor sharing memory with `ndarray` (writes through either are seen by the other)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dt.from_numpy_dtype(ndarray.dtype)
    return Tensor._make(ndarray)


def from_dlpack(ext_tensor):
    """A tensor sharing memory with any CPU DLPack producer (numpy, torch, JAX, ...)."""
    if isinstance(ext_tensor, Tensor):
        return ext_tensor
    return from_numpy(np.from_dlpack(ext_tensor))


def zeros(*sizes, size=None, dtype=None, device=None, requires_grad=False, out=None):
    return _finish(np.zeros(_sizes(sizes, size), dtype=_np_dtype(dtype)), requires_grad, device)


def ones(*sizes, size=None, dtype=None, device=None, requires_grad=False, out=None):
    return _finish(np.ones(_sizes(sizes, size), dtype=_np_dtype(dtype)), requires_grad, device)


def empty(*sizes, size=None, dtype=None, device=None, requires_grad=False, pin_memory=False, memory_format=None):
    return _finish(np.empty(_sizes(sizes, size), dtype=_np_dtype(dtype)), requires_grad, device)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = _dt.bool_
        elif isinstance(fill_value, int):
            dtype = _dt.int64
    return _finish(np.full(_sizes((size,)), fill_value, dtype=_np_dtype(dtype)), requires_grad, device)


def zeros_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.zeros(input._data.shape, dtype=_np_dtype(dtype, input.dtype)), requires_grad, device)


def ones_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.ones(input._data.shape, dtype=_np_dtype(dtype, input.dtype)), requires_grad, device)


def empty_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.empty(input._data.shape, dtype=_np_dtype(dtype, input.dtype)), requires_grad, device)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(np.full(input._data.shape, fill_value, dtype=_np_dtype(dtype, input.dtype)), requires_grad,
                   device)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if vals[2] == 0:
        raise RuntimeError("step must be nonzero")
    if (vals[1] - vals[0]) * vals[2] < 0:
        raise RuntimeError(f"upper bound and lower bound inconsistent with step sign (start {vals[0]}, end "
                           f"{vals[1]}, step {vals[2]})")
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in vals)
        dtype = _dt.int64 if is_int else _dt.get_default_dtype()
    return _finish(np.arange(*vals, dtype=np.float64 if _dt.to_dtype(dtype).is_floating_point else None)
                   .astype(_np_dtype(dtype)), requires_grad, device)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.linspace(start, end, int(steps)).astype(_np_dtype(dtype)), requires_grad, device)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.logspace(start, end, int(steps), base=base).astype(_np_dtype(dtype)), requires_grad, device)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.eye(n, m, dtype=_np_dtype(dtype)), requires_grad, device)


def _float_dtype(dtype):
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    if not d.is_floating_point:
        raise RuntimeError(f"\"normal_kernel_cpu\" not implemented for '{d.name}'")
    return d.numpy


def randn(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    d = _float_dtype(dtype)
    shape = _sizes(sizes, size)
    arr = _rng(generator).standard_normal(shape, dtype=d if d in (np.float32, np.float64) else np.float64)
    return _finish(arr.astype(d, copy=False), requires_grad, device)


def rand(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    d = _float_dtype(dtype)
    arr = _rng(generator).random(_sizes(sizes, size), dtype=d if d in (np.float32, np.float64) else np.float64)
    return _finish(arr.astype(d, copy=False), requires_grad, device)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    if size is None and isinstance(high, (tuple, list, Size)):  # randint(high, size), as torch
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    arr = _rng(generator).integers(low, high, size=_sizes((size,)), dtype=np.int64)
    return _finish(arr.astype(_np_dtype(dtype, _dt.int64), copy=False), requires_grad, device)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    arr = _rng(generator).permutation(int(n))
    return _finish(arr.astype(_np_dtype(dtype, _dt.int64), copy=False), requires_grad, device)


def normal(mean, std, size=None, *, generator=None):
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        dt = (mean if isinstance(mean, Tensor) else std)._data.dtype
        return Tensor._make((m + s * _rng(generator).standard_normal(shape)).astype(dt))
    return Tensor._make((mean + std * _rng(generator).standard_normal(_sizes((size,)))).astype(
        _dt.get_default_dtype().numpy))


def randn_like(input, dtype=None, device=None, requires_grad=False, generator=None):
    return randn(input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad, generator=generator)


def rand_like(input, dtype=None, device=None, requires_grad=False, generator=None):
    return rand(input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad, generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False):
    return randint(low, high, input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """num_samples category indices per row of input (1-D or 2-D weights), with torch's checks and its order for
    zero weights without replacement (drawn last)."""
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_dt.torch_name(input.dtype)}")
    if input._data.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    p = input._data.astype(np.float64)
    rows = p.reshape(-1, p.shape[-1])
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (rows.sum(axis=1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _rng(generator)
    out = np.stack([draw_categories(rng, r, num_samples, replacement) for r in rows])
    return Tensor._make(out.reshape(p.shape[:-1] + (num_samples,)))
