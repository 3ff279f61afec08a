"""fastnn.tensor / fastnn.as_tensor against torch 2.13 on Python data: the dtype inferred from numpy scalars,
numpy arrays and tensors inside lists, the error for ragged nesting, and the checks of Python values given an
integer dtype (out of range, nan, inf raise RuntimeError; floats truncate; uint8 wraps -255..-1)."""
import warnings

import numpy as np
import pytest
import torch

import fastnn

NAN, INF = float("nan"), float("inf")


def _outcome(fn, m):
    """("ok", dtype name, values) or ("raises", exception type, message) for fn(m), m being torch or fastnn;
    fastnn must not warn (numpy's RuntimeWarning for a nan cast to int is a bug)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error" if m is fastnn else "ignore")
        try:
            t = fn(m)
        except Exception as e:  # noqa: BLE001  (the outcome is compared, whatever it is)
            return "raises", type(e), str(e)
    return "ok", str(t.dtype).split(".")[-1], np.asarray(t.numpy())


def _check(fn):
    want, got = _outcome(fn, torch), _outcome(fn, fastnn)
    assert got[:2] == want[:2], (got, want)
    if want[0] == "ok":
        np.testing.assert_array_equal(got[2], want[2])
    return got


# ---------------------------------------------------------------- dtype inference

_a = np.array([1.0, 2.0, 4.0])
INFER = {
    "np.float64+float": lambda m: m.tensor([np.float64(1.5), 2.5]),
    "float+np.float64": lambda m: m.tensor([2.5, np.float64(1.5)]),
    "np.mean,np.std": lambda m: m.tensor([np.mean(_a), np.std(_a)]),
    "np.float32+float": lambda m: m.tensor([np.float32(1.5), 2.5]),
    "np.float16+float": lambda m: m.tensor([np.float16(1.5), 2.5]),
    "np.float16 only": lambda m: m.tensor([np.float16(1.5), np.float16(2)]),
    "np.float16+int": lambda m: m.tensor([np.float16(1.5), 2]),
    "np.int32": lambda m: m.tensor([np.int32(1)]),
    "np.int32 pair": lambda m: m.tensor([np.int32(1), np.int32(2)]),
    "np.int32+int": lambda m: m.tensor([np.int32(1), 2]),
    "np.int32+float": lambda m: m.tensor([np.int32(1), 2.5]),
    "np.int64+np.float32": lambda m: m.tensor([np.int64(1), np.float32(2)]),
    "np.int64+np.float16": lambda m: m.tensor([np.int64(1), np.float16(2)]),
    "np.int16+np.float16": lambda m: m.tensor([np.int16(1), np.float16(2)]),
    "np.int8+np.uint8": lambda m: m.tensor([np.int8(1), np.uint8(2)]),
    "np.uint8+bool": lambda m: m.tensor([np.uint8(3), True]),
    "np.uint8+int": lambda m: m.tensor([np.uint8(3), 300]),
    "np.int16+bool": lambda m: m.tensor([np.int16(3), True]),
    "np.bool+bool": lambda m: m.tensor([np.bool_(True), False]),
    "np.float64+bool": lambda m: m.tensor([np.float64(0.5), True]),
    "arrays float64": lambda m: m.tensor([np.array([1.0, 2.0]), np.array([3.0, 4.0])]),
    "arrays int32": lambda m: m.tensor([np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)]),
    "array float32+list": lambda m: m.tensor([np.array([1.0, 2.0], dtype=np.float32), [3.0, 4.0]]),
    "array int32+list float": lambda m: m.tensor([np.array([1, 2], dtype=np.int32), [3.0, 4.5]]),
    "array float64+list int": lambda m: m.tensor([np.array([1.0, 2.0]), [3, 4]]),
    "0-d array after float": lambda m: m.tensor([2.5, np.array(1.5)]),
    "0-d int32 after int": lambda m: m.tensor([2, np.array(1, dtype=np.int32)]),
    "nested np.float64": lambda m: m.tensor([[np.float64(1)], [2.0]]),
    "nested np.float64 late": lambda m: m.tensor([[1.0, 2.0], [3.0, np.float64(4)]]),
    "nested np.float32": lambda m: m.tensor([[1.0, 2.0], [3.0, np.float32(4)]]),
    "nested np.int32": lambda m: m.tensor([[np.int32(1), np.int32(2)], [np.int32(3), np.int32(4)]]),
    "nested np.int32+int": lambda m: m.tensor([[np.int32(1), 2], [3, 4]]),
    "tuple of np.int16": lambda m: m.tensor((np.int16(1), np.int16(2))),
    "deep np.float64": lambda m: m.tensor([[[1.0], [2.0]], [[3.0], [np.float64(4)]]]),
    "tensor float64+int": lambda m: m.tensor([m.tensor(1.5, dtype=m.float64), 2]),
    "tensor int32+int": lambda m: m.tensor([m.tensor(1, dtype=m.int32), 2]),
    "tensor int32+float": lambda m: m.tensor([m.tensor(1, dtype=m.int32), 2.5]),
    "tensor int32+np.int64": lambda m: m.tensor([m.tensor(1, dtype=m.int32), np.int64(2)]),
    "tensor int8 pair": lambda m: m.tensor([m.tensor(1, dtype=m.int8), m.tensor(-2, dtype=m.int8)]),
    "tensor float16+np.float32": lambda m: m.tensor([m.tensor(1, dtype=m.float16), np.float32(2)]),
    "nested tensors": lambda m: m.tensor([[m.tensor(1.5, dtype=m.float64)], [m.tensor(2.5)]]),
    "np.float64 scalar": lambda m: m.tensor(np.float64(1.5)),
    "np.int32 scalar": lambda m: m.tensor(np.int32(3)),
    "as_tensor np.float64": lambda m: m.as_tensor([np.float64(1.5), 2.5]),
    "as_tensor np.int32": lambda m: m.as_tensor([np.int32(1), np.int32(2)]),
    # guards: what already matched
    "floats": lambda m: m.tensor([[0.1, 0.2], [0.3, 0.4]]),
    "ints": lambda m: m.tensor(list(range(5))),
    "ints+floats": lambda m: m.tensor([[1, 2.5], [True, 4]]),
    "bools": lambda m: m.tensor([True, False]),
    "empty": lambda m: m.tensor([]),
    "empty rows": lambda m: m.tensor([[], []]),
    "np.float32 pair": lambda m: m.tensor([np.float32(1.5), np.float32(2)]),
    "float64 array": lambda m: m.tensor(np.array([1.5, 2.5])),
    "python float scalar": lambda m: m.tensor(1.5),
}


@pytest.mark.parametrize("name", list(INFER))
def test_inferred_dtype(name):
    _check(INFER[name])


def test_inferred_dtype_follows_default_dtype():
    fastnn.set_default_dtype(fastnn.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for fn in (lambda m: m.tensor([np.float32(1.5), 2.5]), lambda m: m.tensor([[1.0], [np.float16(2)]]),
                   lambda m: m.tensor([np.int32(1), 2.5])):
            _check(fn)
    finally:
        fastnn.set_default_dtype(fastnn.float32)
        torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("data", [[2 ** 63], [[1], [-2 ** 63 - 1]], 2 ** 64, [1, 2 ** 63], [[1], [2 ** 63]]],
                         ids=["2**63", "nested", "scalar", "after an int", "nested after an int"])
def test_python_int_beyond_int64(data):
    """torch: ValueError (Overflow when unpacking long long)."""
    _check(lambda m: m.tensor(data))


@pytest.mark.parametrize("data", [[None], [[1.0], [None]], [1, object()]], ids=["None", "nested None", "object"])
def test_uninferable_item(data):
    """torch: RuntimeError Could not infer dtype of NoneType."""
    got = _check(lambda m: m.tensor(data))
    assert "Could not infer dtype of" in got[2]


# ---------------------------------------------------------------- ragged nesting

@pytest.mark.parametrize("data", [[[1, 2], [3]], [[1.0], [2.0, 3.0]], [[[1, 2]], [[3]]], [[1, 2], [3, 4], [5]],
                                  [np.array([1.0, 2.0]), np.array([3.0])], [[1], 2], [1, [2]]],
                         ids=["ints", "floats", "deep", "last", "arrays", "number for list", "list for number"])
def test_ragged(data):
    """torch: ValueError 'expected sequence of length 2 at dim 1 (got 1)' for lengths that differ, TypeError
    where a number and a list meet at the same depth."""
    got = _check(lambda m: m.tensor(data))
    if got[1] is ValueError:
        assert "expected sequence of length" in got[2] and "at dim" in got[2]


# ---------------------------------------------------------------- Python values to an integer dtype

INT_DTYPES = ["uint8", "int8", "int16", "int32", "int64", "bool"]
VALUES = [300, 200, -1, -129, -255, -256, 40000, 2 ** 31, 2 ** 63, NAN, INF, -INF, 1e20, 2.7, -2.7, 255.9, -0.5,
          0.5, True]


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_value_to_int_dtype(value, dtype):
    got = _check(lambda m: m.tensor([value], dtype=getattr(m, dtype)))
    if got[1] is RuntimeError:
        assert dtype in got[2] and str(value) in got[2], got[2]


@pytest.mark.parametrize("case", [
    ("scalar", lambda m: m.tensor(300, dtype=m.uint8)),
    ("scalar nan", lambda m: m.tensor(NAN, dtype=m.int64)),
    ("scalar 2.7", lambda m: m.tensor(2.7, dtype=m.int32)),
    ("nested nan", lambda m: m.tensor([[1.0], [NAN]], dtype=m.int64)),
    ("nested 200", lambda m: m.tensor([[1, 2], [3, 200]], dtype=m.int8)),
    ("mixed", lambda m: m.tensor([1, 2.7, -3.5, True], dtype=m.int16)),
    ("2**53+1", lambda m: m.tensor([2 ** 53 + 1], dtype=m.int64)),
    ("np.int64 300", lambda m: m.tensor([np.int64(300)], dtype=m.uint8)),
    ("np.int32 -1", lambda m: m.tensor([np.int32(-1)], dtype=m.uint8)),
    ("np.float64 nan", lambda m: m.tensor([np.float64(NAN)], dtype=m.int32)),
    ("np.float64 scalar 300", lambda m: m.tensor(np.float64(300), dtype=m.uint8)),
    ("tensor item 300", lambda m: m.tensor([m.tensor(300)], dtype=m.uint8)),
    ("as_tensor 300", lambda m: m.as_tensor([300], dtype=m.uint8)),
    ("as_tensor nan", lambda m: m.as_tensor([NAN], dtype=m.int64)),
    ("new_tensor 200", lambda m: m.zeros(1, dtype=m.int8).new_tensor([200])),
    ("float32 big int", lambda m: m.tensor([2 ** 64], dtype=m.float32)),
    ("float16 values", lambda m: m.tensor([2.7, -0.5, 300], dtype=m.float16)),
    ("float64 2**63", lambda m: m.tensor([2 ** 63], dtype=m.float64)),
], ids=lambda c: c[0])
def test_python_data_to_dtype(case):
    _check(case[1])


@pytest.mark.parametrize("case", [
    ("uint8 300", lambda m: m.tensor(np.array([300]), dtype=m.uint8)),
    ("int8 200", lambda m: m.tensor(np.array([200, -1]), dtype=m.int8)),
    ("int64 2.7", lambda m: m.tensor(np.array([2.7, -2.7]), dtype=m.int64)),
    ("as_tensor uint8 300", lambda m: m.as_tensor(np.array([300, 256]), dtype=m.uint8)),
], ids=lambda c: c[0])
def test_numpy_array_is_cast_unchecked(case):
    """torch casts a numpy array as numpy does (300 -> uint8 44): no check, as for Python data."""
    _check(case[1])
