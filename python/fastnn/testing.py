"""fastnn.testing: torch.testing's assert_close and make_tensor for fastnn tensors.

assert_close takes what torch's takes (tensors, numpy arrays, Python and numpy numbers, booleans, None, and
sequences / mappings of these), with torch's default tolerances per dtype and torch's error types and messages
(dtypes and sizes are spelled fastnn.float32, fastnn.Size). Every fastnn tensor is a strided CPU tensor, so
check_layout and check_device never find a difference.
"""
import cmath
import collections.abc
import contextlib
import math
import warnings

import numpy as np

from . import dtypes as _dt
from .ops._util import promote_dtypes
from .ops.pointwise import isclose_arrays
from .tensor import Tensor

__all__ = ["assert_close", "make_tensor"]

# {dtype: (rtol, atol)}; every other dtype compares exactly
_DTYPE_PRECISIONS = {_dt.float16: (1e-3, 1e-5), _dt.float32: (1.3e-6, 1e-5), _dt.float64: (1e-7, 1e-7)}
# Python numbers compare as torch's int64, float64 and complex128
_NUMBER_PRECISIONS = {int: (0.0, 0.0), float: (1e-7, 1e-7), complex: (1e-7, 1e-7)}


class _Failure(Exception):
    """A failed check: the exception type and message to raise, and where in the inputs it happened."""

    def __init__(self, type, msg, id=()):
        super().__init__(msg)
        self.type, self.msg, self.id = type, msg, id

    def to_error(self, msg=None):
        if isinstance(msg, str):
            return self.type(msg)
        text = self.msg
        if self.id:
            text += f"\n\nThe failure occurred for item {''.join(str([item]) for item in self.id)}"
        return self.type(msg(text) if callable(msg) else text)


class _Unsupported(Exception):
    """This kind of pair does not handle these inputs; the next kind is tried."""


def _tolerances(precisions, rtol, atol, id):
    if (rtol is None) ^ (atol is None):
        raise _Failure(ValueError, "Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                                   f"{'rtol' if rtol is None else 'atol'}.", id)
    if rtol is not None:
        return rtol, atol
    rtols, atols = zip(*precisions)
    return max(rtols), max(atols)


def _mismatch_msg(identifier, extra, abs_diff, abs_idx, atol, rel_diff, rel_idx, rtol):
    equality = rtol == 0 and atol == 0

    def line(kind, diff, idx, tol):
        text = f"{kind.title()} difference: {diff}" if idx is None else \
            f"Greatest {kind} difference: {diff} at index {idx}"
        return text + ("" if equality else f" (up to {tol} allowed)") + "\n"

    msg = f"{identifier} are not {'equal' if equality else 'close'}!\n\n{extra.strip()}\n"
    msg += line("absolute", abs_diff, abs_idx, atol) + line("relative", rel_diff, rel_idx, rtol)
    return msg.strip()


def _scalar_mismatch_msg(actual, expected, rtol, atol):
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch_msg("Scalars", f"Expected {expected} but got {actual}.", abs_diff, None, atol, rel_diff,
                         None, rtol)


class _NonePair:
    def __init__(self, actual, expected, id, **options):
        if not (actual is None or expected is None):
            raise _Unsupported
        self.actual, self.expected, self.id = actual, expected, id

    def compare(self):
        if not (self.actual is None and self.expected is None):
            raise _Failure(AssertionError, f"None mismatch: {self.actual} is not {self.expected}", self.id)


class _BooleanPair:
    def __init__(self, actual, expected, id, **options):
        if not all(isinstance(x, (bool, np.bool_)) for x in (actual, expected)):
            raise _Unsupported
        self.actual, self.expected, self.id = bool(actual), bool(expected), id

    def compare(self):
        if self.actual is not self.expected:
            raise _Failure(AssertionError, f"Booleans mismatch: {self.actual} is not {self.expected}", self.id)


class _NumberPair:
    def __init__(self, actual, expected, id, *, rtol, atol, equal_nan, check_dtype, **options):
        if not all(isinstance(x, (int, float, complex, np.number)) for x in (actual, expected)):
            raise _Unsupported
        self.actual, self.expected = (x.item() if isinstance(x, np.number) else x for x in (actual, expected))
        self.id, self.equal_nan, self.check_dtype = id, equal_nan, check_dtype
        self.rtol, self.atol = _tolerances([_NUMBER_PRECISIONS[type(x)] for x in (self.actual, self.expected)],
                                           rtol, atol, id)

    def compare(self):
        a, e = self.actual, self.expected
        if self.check_dtype and type(a) is not type(e):
            raise _Failure(AssertionError, f"The (d)types do not match: {type(a)} != {type(e)}.", self.id)
        if a == e or self.equal_nan and cmath.isnan(a) and cmath.isnan(e):
            return
        abs_diff = abs(a - e)
        if cmath.isfinite(abs_diff) and abs_diff <= self.atol + self.rtol * abs(e):
            return
        raise _Failure(AssertionError, _scalar_mismatch_msg(a, e, self.rtol, self.atol), self.id)


class _TensorPair:
    def __init__(self, actual, expected, id, *, allow_subclasses, rtol, atol, equal_nan, check_dtype,
                 check_stride, **options):
        if not (isinstance(actual, type(expected)) or isinstance(expected, type(actual))):
            raise _Unsupported
        if not allow_subclasses and type(actual) is not type(expected):
            raise _Unsupported
        self.actual, self.expected = (self._to_tensor(x) for x in (actual, expected))
        self.id, self.equal_nan, self.check_dtype, self.check_stride = id, equal_nan, check_dtype, check_stride
        self.rtol, self.atol = _tolerances([_DTYPE_PRECISIONS.get(t.dtype, (0.0, 0.0))
                                            for t in (self.actual, self.expected)], rtol, atol, id)

    @staticmethod
    def _to_tensor(x):
        if isinstance(x, Tensor):
            return x
        from .creation import as_tensor
        try:
            return as_tensor(x)
        except Exception:
            raise _Unsupported from None

    def _attribute(self, name, a, e):
        if a != e:
            raise _Failure(AssertionError, f"The values for attribute '{name}' do not match: {a} != {e}.", self.id)

    def compare(self):
        a, e = self.actual, self.expected
        self._attribute("shape", a.shape, e.shape)
        if self.check_stride:
            self._attribute("stride()", a.stride(), e.stride())
        if self.check_dtype:
            self._attribute("dtype", a.dtype, e.dtype)
        av, ev = a._data, e._data
        if a.dtype is not e.dtype:
            dt = promote_dtypes(a.dtype, e.dtype).numpy
            av, ev = av.astype(dt), ev.astype(dt)
        matches = isclose_arrays(av, ev, self.rtol, self.atol, self.equal_nan)
        if matches.all():
            return
        if av.ndim == 0:
            msg = _scalar_mismatch_msg(av.item(), ev.item(), self.rtol, self.atol)
        else:
            msg = self._mismatch_msg(av, ev, matches)
        raise _Failure(AssertionError, msg, self.id)

    def _mismatch_msg(self, av, ev, matches):
        """torch's statistics: the greatest absolute and relative differences among the mismatched elements,
        computed in the tensors' dtype (integers in int64, their ratio in the default float dtype)."""
        total = matches.size - int(matches.sum())
        extra = f"Mismatched elements: {total} / {matches.size} ({total / matches.size:.1%})"
        if av.dtype.kind != "f":
            av, ev = av.astype(np.int64), ev.astype(np.int64)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            abs_diff = np.abs(av - ev)
            abs_diff[matches] = 0
            if av.dtype.kind == "f":
                rel_diff = abs_diff / np.abs(ev)
            else:
                f = _dt.get_default_dtype().numpy
                rel_diff = abs_diff.astype(f) / np.abs(ev).astype(f)
            rel_diff[matches] = 0
        ai, ri = int(np.argmax(abs_diff.reshape(-1))), int(np.argmax(rel_diff.reshape(-1)))
        index = lambda i: tuple(int(k) for k in np.unravel_index(i, matches.shape))
        return _mismatch_msg("Tensor-likes", extra, abs_diff.reshape(-1)[ai].item(), index(ai), self.atol,
                             rel_diff.reshape(-1)[ri].item(), index(ri), self.rtol)


_PAIR_TYPES = (_NonePair, _BooleanPair, _NumberPair, _TensorPair)


def _originate(actual, expected, id, options):
    """The pairs to compare, recursing through sequences and mappings; structure errors raise here."""
    is_seq = lambda x: isinstance(x, collections.abc.Sequence) and not isinstance(x, str)
    if is_seq(actual) and is_seq(expected):
        if len(actual) != len(expected):
            raise _Failure(AssertionError, f"The length of the sequences mismatch: {len(actual)} != {len(expected)}",
                           id)
        return [p for i in range(len(actual)) for p in _originate(actual[i], expected[i], (*id, i), options)]
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected, collections.abc.Mapping):
        akeys, ekeys = set(actual.keys()), set(expected.keys())
        if akeys != ekeys:
            raise _Failure(AssertionError, f"The keys of the mappings do not match:\n"
                                           f"Missing keys in the actual mapping: {sorted(ekeys - akeys)}\n"
                                           f"Additional keys in the actual mapping: {sorted(akeys - ekeys)}", id)
        keys = akeys
        with contextlib.suppress(Exception):  # a deterministic order where the keys can be sorted
            keys = sorted(keys)
        return [p for k in keys for p in _originate(actual[k], expected[k], (*id, k), options)]
    for pair_type in _PAIR_TYPES:
        try:
            return [pair_type(actual, expected, id, **options)]
        except _Unsupported:
            continue
    raise _Failure(TypeError, f"No comparison pair was able to handle inputs of type {type(actual)} and "
                              f"{type(expected)}.", id)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Raises AssertionError unless actual and expected are close: |actual - expected| <= atol + rtol *
    |expected| elementwise (inf only equal to itself, nan only with equal_nan) with equal shape and dtype (stride
    with check_stride), as torch.testing.assert_close. rtol and atol default to the loosest of both dtypes'
    (float16 1e-3/1e-5, float32 1.3e-6/1e-5, float64 1e-7/1e-7, otherwise exact). msg replaces the message, or
    rewrites it when callable."""
    __tracebackhide__ = True
    options = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                   check_dtype=check_dtype, check_stride=check_stride)
    try:
        pairs = _originate(actual, expected, (), options)
    except _Failure as failure:
        raise failure.to_error() from None
    for pair in pairs:
        try:
            pair.compare()
        except _Failure as failure:
            raise failure.to_error(msg) from None


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False, noncontiguous=False,
                exclude_zero=False):
    """A tensor of values drawn uniformly from [low, high) (torch.testing.make_tensor): bool in [0, 2), unsigned
    integers in [0, 10), signed integers in [-9, 10), floats in [-9, 9) by default; low and high are clamped
    to the dtype's range. torch's memory_format argument is left out (fastnn tensors are row-major)."""
    from .creation import empty, randint
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    if requires_grad and not dtype.is_floating_point:
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral dtypes, but got "
                         f"dtype={dtype}")
    if noncontiguous and math.prod(shape) > 1:
        shape = (*shape[:-1], 2 * shape[-1])
    else:
        noncontiguous = False
    if dtype is _dt.bool_:
        lowest, highest, default = 0, 2, (0, 2)
    elif dtype.is_floating_point:
        info = _dt.finfo(dtype)
        lowest, highest, default = info.min, info.max, (-9, 9)
    else:
        info = _dt.iinfo(dtype)
        lowest, highest, default = info.min, info.max + (dtype is not _dt.int64), (-9, 10)
    low = default[0] if low is None else low
    high = default[1] if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and dtype.is_floating_point:
        warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or complex types is "
                      "deprecated since 2.1 and will be removed in 2.3. Use `torch.full(...)` instead.",
                      FutureWarning, stacklevel=2)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), but {dtype} only "
                         f"supports [{lowest}, {highest})")
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    if dtype.is_floating_point:
        result = empty(shape, dtype=dtype, device=device)
        if high - low >= _dt.finfo(dtype).max:  # uniform_ needs a finite range: draw half of it and double
            result.uniform_(low / 2, high / 2).mul_(2)
        else:
            result.uniform_(low, high)
    else:
        result = randint(math.ceil(low), math.ceil(high), shape, dtype=dtype, device=device)
    if noncontiguous:
        result = result[..., 1::2]
    if exclude_zero:
        result[result == 0] = _dt.finfo(dtype).tiny if dtype.is_floating_point else 1
    if dtype.is_floating_point:
        result.requires_grad = requires_grad
    return result
