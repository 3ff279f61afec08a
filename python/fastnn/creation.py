"""Tensor creation: tensor, zeros, ones, full, empty, arange, linspace, eye, rand*, *_like, from_numpy."""
import operator
from functools import reduce
from itertools import chain

import numpy as np

from . import dtypes as _dt
from .random import _gen, _rng, draw_categories
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


_PY_NUMBERS = {float, int, bool}
_LISTS = {list, tuple}
_PLAIN = _PY_NUMBERS | _LISTS


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data` (nested lists, numbers, numpy arrays or tensors). Python data gets
    torch's dtype (see _dtype_of) and, given an integer dtype, torch's checks (see _to_int); a numpy array is cast
    as numpy casts it (300 -> uint8 wraps to 44), as torch does."""
    target = None if dtype is None else _dt.to_dtype(dtype)
    if isinstance(data, (Tensor, np.ndarray)):
        arr = data._data.copy() if isinstance(data, Tensor) else np.array(data)
        if target is not None:
            arr = arr.astype(target.numpy, copy=False)
        elif arr.dtype.kind in "US":
            raise TypeError("new(): invalid data type 'str'")
        _dt.from_numpy_dtype(arr.dtype)
    else:
        arr, inferred = _python_array(data)
        target = target or inferred
        # Python ints beyond int64: numpy holds them as objects, uint64 or (mixed signs) floats
        if (arr.dtype == object or arr.dtype == np.uint64 or arr.dtype.kind == "f" and inferred._category == 1) \
                and not target.is_floating_point and target is not _dt.bool_:
            if any(not -2 ** 63 <= int(v) < 2 ** 63 for v in arr.flat):
                raise ValueError("Overflow when unpacking long long")
        if target._category == 1 and arr.dtype != target.numpy:
            arr = _to_int(arr, target)
        else:
            arr = arr.astype(target.numpy, copy=False)
    return _finish(np.ascontiguousarray(arr) if arr.ndim else arr, requires_grad, device)


def _python_array(data):
    """numpy's array of Python data in a dtype wide enough to cast from (float64, int64, ...), and the dtype
    torch gives it. Fast path: nested lists of Python numbers only, where numpy's dtype tells torch's (float64
    is the default dtype); numpy scalars or arrays, tensors and anything else go through _dtype_of."""
    first = data
    while type(first) in _LISTS and first:
        first = first[0]
    if type(data) in _LISTS:
        types = set(map(type, data))
        plain = types <= _PY_NUMBERS or (types <= _LISTS and type(first) in _PLAIN)
    else:
        plain = type(data) in _PY_NUMBERS
    arr = None
    if plain:
        try:
            if type(first) is float and data is not first:  # a list whose first number is a float
                return _python_floats(data), _dt.get_default_dtype()
            arr = np.array(data)
            if arr.dtype.kind in "ib":  # numpy's promotion of Python ints and bools is torch's
                return arr, _dt.from_numpy_dtype(arr.dtype)
            # floats after an int: check the items; a value from 2^63 may be ints beyond int64 (_dtype_of tells)
            if arr.dtype.kind == "f" and not (arr.size and np.abs(arr).max() >= 2.0 ** 63):
                return _python_floats(data, arr) if arr.ndim > 1 else arr, _dt.get_default_dtype()
        except (ValueError, TypeError, RuntimeError, OverflowError):  # not plain numbers after all, or ragged
            pass
    dtype, has_tensor = _dtype_of(data)
    if arr is None or has_tensor:
        try:
            arr = np.array(_untensor(data) if has_tensor else data)
        except ValueError as e:
            raise _nesting_error(data, e) from None
    return arr, dtype


def _python_floats(data, arr=None):
    """Nested lists of Python numbers as a float64 array (`arr`: numpy's array of them, then only checked);
    ValueError if ragged or an item is not a Python number. Many items are checked with sum(), 3x cheaper than
    by type: it stays a float only for Python floats and ints (a numpy scalar, array or tensor turns it into
    its own type). np.fromiter builds the array a third cheaper than np.array, so the check costs nothing."""
    if type(data[0]) not in _LISTS:  # a flat list: the caller checked its items' types
        return np.fromiter(data, np.float64, len(data)) if arr is None else arr
    shape, rows = [len(data)], data
    while True:
        n = len(rows[0])
        if set(map(len, rows)) != {n}:
            raise ValueError("ragged")
        shape.append(n)
        if not n or type(rows[0][0]) not in _LISTS:
            break
        rows = list(chain.from_iterable(rows))
    if len(rows) * n < 1000:
        if not set(map(type, chain.from_iterable(rows))) <= _PY_NUMBERS:
            raise ValueError("not Python numbers")
        return np.array(data) if arr is None else arr
    with np.errstate(all="ignore"):  # numpy scalars may overflow (they fail the check anyway)
        if type(sum(chain.from_iterable(rows), 0.0)) is not float:
            raise ValueError("not Python numbers")
    return np.fromiter(chain.from_iterable(rows), np.float64, len(rows) * n).reshape(shape) if arr is None else arr


def _type_dtype(t):
    """torch's dtype for every value of type t: a Python float is the default dtype, an int int64, a bool bool, a
    numpy scalar its own dtype; None for other types."""
    if t is float:
        return _dt.get_default_dtype()
    if t is int:
        return _dt.int64
    if t is bool:
        return _dt.bool_
    return _dt.from_numpy_dtype(np.dtype(t)) if issubclass(t, np.generic) else None


def _dtype_of(data):
    """torch.tensor's dtype for Python data, and whether it holds tensors. torch promotes the dtypes of all the
    items (promoteTypes: the higher category wins, then the wider type): numbers as _type_dtype says, numpy
    arrays and tensors as their own dtype; no items at all is the default dtype. Read level by level, once per
    type where the type tells the dtype."""
    dtypes, has_tensor, level = set(), False, [data]
    while level:
        nested = []
        for t in set(map(type, level)):
            d = _type_dtype(t)
            if d is not None:
                dtypes.add(d)
                continue
            items = [y for y in level if type(y) is t]
            if issubclass(t, (list, tuple)):
                nested.extend(chain.from_iterable(items))
            elif issubclass(t, Tensor):
                has_tensor = True
                if any(y._data.size != 1 for y in items):
                    raise ValueError("only one element tensors can be converted to Python scalars")
                dtypes.update(y.dtype for y in items)
            else:
                for a in map(np.asarray, items):  # numpy arrays, and what numpy reads (torch tensors, ranges)
                    if a.dtype.kind in "US":
                        raise TypeError("new(): invalid data type 'str'")
                    if a.dtype == object:
                        raise RuntimeError(f"Could not infer dtype of {t.__name__}")
                    dtypes.add(_dt.from_numpy_dtype(a.dtype))
        level = nested
    if not dtypes:
        return _dt.get_default_dtype(), has_tensor
    top = max(d._category for d in dtypes)
    return reduce(_dt.promote, [d for d in dtypes if d._category == top]), has_tensor


def _untensor(x):
    """x with each tensor replaced by its one value."""
    if isinstance(x, (list, tuple)):
        return [_untensor(y) for y in x]
    return x._data.reshape(()) if isinstance(x, Tensor) else x


def _nesting_error(data, numpy_error):
    """torch's error for nested lists that do not form an array. torch reads the shape along the first items,
    then checks every item against it: ValueError for a length that differs, TypeError for a number where a list
    belongs or the reverse."""
    def is_list(x):
        return isinstance(x, (list, tuple)) or (isinstance(x, np.ndarray) and x.ndim > 0)

    shape, x = [], data
    while is_list(x):
        shape.append(len(x))
        if not len(x):
            break
        x = x[0]

    def check(x, dim):
        if dim == len(shape):
            return TypeError(f"expected a number at dim {dim}, got a {type(x).__name__}") if is_list(x) else None
        if not is_list(x):
            return TypeError(f"expected a sequence at dim {dim}, got {type(x).__name__}")
        if len(x) != shape[dim]:
            return ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got {len(x)})")
        return next(filter(None, (check(y, dim + 1) for y in x)), None)

    return check(data, 0) or ValueError(str(numpy_error))


def _to_int(arr, dtype):
    """Python values cast to an integer dtype, with torch's checks: a float must be a number in the dtype's
    range, and is truncated (2.7 -> 2, -0.5 -> 0); an int must be in range, except that uint8 also takes
    -255..-1 and wraps them (-1 -> 255). Anything else raises RuntimeError, as torch."""
    info = np.iinfo(dtype.numpy)
    if arr.dtype.kind == "f":
        hi = float(info.max)
        if hi > info.max:  # int64: float(2**63 - 1) rounds up to 2**63, which does not fit
            hi = np.nextafter(hi, 0)
        ok = (arr >= np.float64(info.min)) & (arr <= np.float64(hi))  # nan compares False
    else:
        ok = (arr >= (-info.max if info.min == 0 else info.min)) & (arr <= info.max)
    if not ok.all():
        bad = arr[~ok].flat[0].item()
        raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow: {bad}")
    return arr.astype(dtype.numpy)


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


def float_dtype_for_draws(dtype, kernel):
    """The numpy dtype of a floating dtype (default: the default dtype); torch's NotImplementedError, naming its
    kernel, for any other."""
    d = _dt.to_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    if not d.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_dt.torch_name(d)}'")
    return d.numpy


def randn(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    arr = _gen(generator).normal(_sizes(sizes, size), 0.0, 1.0, float_dtype_for_draws(dtype, "normal_kernel_cpu"))
    return _finish(arr, requires_grad, device)


def rand(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    arr = _gen(generator).uniform(_sizes(sizes, size), 0.0, 1.0, float_dtype_for_draws(dtype, "check_uniform_bounds"))
    return _finish(arr, requires_grad, device)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    if size is None and isinstance(high, (tuple, list, Size)):  # randint(high, size), as torch
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    arr = _gen(generator).integers(low, high, _sizes((size,)))
    return _finish(arr.astype(_np_dtype(dtype, _dt.int64), copy=False), requires_grad, device)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    arr = _gen(generator).permutation(int(n))
    return _finish(arr.astype(_np_dtype(dtype, _dt.int64), copy=False), requires_grad, device)


def normal(mean, std, size=None, *, generator=None):
    """Normal values; with tensor means or stds, as torch: standard normal draws times std plus mean."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        dt = (mean if isinstance(mean, Tensor) else std)._data.dtype
        return Tensor._make((_gen(generator).normal(shape, 0.0, 1.0, dt) * s + m).astype(dt, copy=False))
    return Tensor._make(_gen(generator).normal(_sizes((size,)), mean, std, _dt.get_default_dtype().numpy))


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
