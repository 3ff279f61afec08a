"""default_collate against torch's: the dtype of a batch of numbers comes from the whole batch (torch.tensor's
inference), tensors are stacked with torch.stack's promotion, and mixed batches fail as torch's do."""
import enum

import numpy as np
import pytest
import torch
from torch.utils.data import default_collate as torch_collate

import fastnn
from fastnn.utils.data import default_collate


class Color(enum.IntEnum):
    RED = 1
    GREEN = 2


def _same(ours, theirs):
    assert fastnn.is_tensor(ours), type(ours)
    assert ours.numpy().dtype == theirs.numpy().dtype, (ours.numpy().dtype, theirs.numpy().dtype)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def _both(make):
    """The batch for torch and the same batch for fastnn (torch tensors in it become fastnn tensors)."""
    batch = make(torch)
    return batch, [fastnn.from_numpy(b.numpy().copy()) if isinstance(b, torch.Tensor) else b for b in batch]


NUMBERS = {
    "int_then_float": [1, 2.5],
    "float_then_int": [2.5, 1],
    "bool_then_int": [True, 2],
    "int_then_bool": [2, True],
    "bool_then_float": [True, 2.5],
    "float_then_bool": [1.5, True],
    "bools": [True, False],
    "ints": [1, 2, 3],
    "floats": [1.0, 2.0],
    "int_min": [-(2 ** 63), 1],
    "big_int_with_float": [1, 2.5, 2 ** 63],
    "big_float_with_int": [1.5, 2 ** 63],
    "intenum": [Color.RED, Color.GREEN],
    "np_float32_float64": [np.float32(1), np.float64(2)],
    "np_int32_float32": [np.int32(1), np.float32(2.5)],
    "np_int32_pyint": [np.int32(1), 2],
    "np_int32s": [np.int32(1), np.int32(2)],
    "np_float32_pyfloat": [np.float32(1), 2.5],
    "np_float64_pyint": [np.float64(1.5), 2],
    "np_uint8_int8": [np.uint8(1), np.int8(-1)],
    "np_float16s": [np.float16(1), np.float16(2)],
    "pyint_np_int8": [1, np.int8(3)],
    "pyint_np_float32": [1, np.float32(2.5)],
    "pyfloat_np_float32": [1.5, np.float32(2.5)],
    "pybool_np_int8": [True, np.int8(3)],
}


def _check_all(cases, check):
    """Every case of a table (fixed and already right alike), all mismatches reported at once."""
    bad = []
    for name, case in cases:
        try:
            check(case)
        except AssertionError as e:
            bad.append(f"{name}: {e}")
    assert not bad, "\n".join(bad)


def test_numbers_dtype_from_whole_batch():
    # [1, 2.5] was tensor([1, 2]) and [True, 2] tensor([True, True]): the first element's type decided
    _check_all(NUMBERS.items(), lambda b: _same(default_collate(b), torch_collate(b)))


TENSORS = dict(zip(["0d_int_float", "f32_f64", "f32_i64", "i64_f16", "f16_i64", "bool_int", "bool_f16", "u8_i8",
                    "pyint_tensor_float", "pyint_tensor_uint8", "pyfloat_tensor_int"], [
    lambda t: [t.tensor(1), t.tensor(2.)],
    lambda t: [t.ones(2), t.ones(2, dtype=t.float64)],
    lambda t: [t.tensor([1.5]), t.tensor([3])],
    lambda t: [t.tensor([1]), t.tensor([2.], dtype=t.float16)],
    lambda t: [t.tensor([2.], dtype=t.float16), t.tensor([1])],
    lambda t: [t.tensor(True), t.tensor(3)],
    lambda t: [t.tensor([True]), t.tensor([2.], dtype=t.float16)],
    lambda t: [t.tensor(1, dtype=t.uint8), t.tensor(-1, dtype=t.int8)],
    lambda t: [1, t.tensor(2.)],
    lambda t: [1, t.tensor(2, dtype=t.uint8)],
    lambda t: [1.5, t.tensor(2)],
]))


def test_tensors_promote_as_torch_stack():
    # [tensor(1), tensor(2.)] was float64 (numpy's promotion), torch.stack's is float32

    def check(make):
        theirs, ours = _both(make)
        _same(default_collate(ours), torch_collate(theirs))

    _check_all(TENSORS.items(), check)


ARRAYS = {
    "f32_f64": [np.ones(2, np.float32), np.ones(2)],
    "i32_f32": [np.ones(2, np.int32), np.ones(2, np.float32)],
    "i64_f16": [np.ones(2, np.int64), np.ones(2, np.float16)],
    "0d_i64_f32": [np.array(1, np.int64), np.array(2.5, np.float32)],
    "0d_f64_i64": [np.array(1.5), np.array(2)],
    "array_then_list": [np.ones(2), [1, 2]],
    "array_then_torch": [np.ones(2), torch.ones(2)],
}


def test_numpy_arrays_promote_as_torch_stack():
    # int32 with float32 arrays was float64 (numpy's promotion), torch's is float32
    _check_all(ARRAYS.items(), lambda b: _same(default_collate(b), torch_collate(b)))


def test_nested_mixed_numbers():
    batch = [(1, 2.5, {"a": True}), (2.5, 1, {"a": 2})]
    ours, theirs = default_collate(batch), torch_collate(batch)
    assert isinstance(ours, list) and len(ours) == 3
    _same(ours[0], theirs[0])
    _same(ours[1], theirs[1])
    _same(ours[2]["a"], theirs[2]["a"])


def _raises_as_torch(ours, theirs):
    with pytest.raises(Exception) as want:
        torch_collate(theirs)
    with pytest.raises(want.type) as got:
        default_collate(ours)
    return str(want.value), str(got.value)


@pytest.mark.parametrize("make", [
    lambda t: [t.ones(2), np.ones(2)],
    lambda t: [t.tensor(1), 2],
    lambda t: [t.ones(1), "a"],
    lambda t: [t.ones(1), None],
], ids=["tensor_ndarray", "tensor_int", "tensor_str", "tensor_none"])
def test_tensor_then_non_tensor_is_typeerror(make):
    theirs, ours = _both(make)
    want, got = _raises_as_torch(ours, theirs)
    assert got == want  # "expected Tensor as element 1 in argument 0, but got numpy.ndarray"


@pytest.mark.parametrize("batch", [
    [1, 2 ** 63],
    [True, 2 ** 64],
    [1, -(2 ** 63) - 1],
    [1, "a"],
    [1, None],
    [1, [2]],
    [1.0, "a"],
], ids=["int_overflow", "bool_int_overflow", "int_underflow", "int_str", "int_none", "int_list", "float_str"])
def test_bad_number_batches_raise_as_torch(batch):
    # these made a wrong tensor (or numpy's exception) instead of torch's exception
    want, got = _raises_as_torch(batch, batch)
    if "Overflow" in want:
        assert got == want
