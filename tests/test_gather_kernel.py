"""The C++ gather kernels: rows of any numeric array (index_select on dim 0, behind t[idx]) and the gather + table
kernel behind the MNIST batch path: every ISA, 1 and 2 threads, bad inputs."""
import numpy as np
import pytest

import fastnn
from fastnn import _C


@pytest.fixture(params=fastnn.available_isas())
def isa(request):
    old = fastnn.get_isa()
    fastnn.set_isa(request.param)
    yield request.param
    fastnn.set_isa(old)


def expect_errors(call, good, cases, out_untouched=False):
    """call(args) raises `exc` matching `msg` for each (change, exc, msg): good arguments with `change` applied;
    with out_untouched, the "out" argument is also unchanged afterwards."""
    for change, exc, msg in cases:
        args = dict(good, **change)
        before = args["out"].copy()
        with pytest.raises(exc, match=msg):
            call(args)
        if out_untouched:
            np.testing.assert_array_equal(args["out"], before)  # nothing written on error


@pytest.mark.parametrize("row_len", [1, 7, 15, 16, 17, 63, 65, 255, 257, 1000])
@pytest.mark.parametrize("n_idx", [1, 64, 400])
def test_gather_lut_matches_numpy_on_every_isa_and_thread_count(isa, row_len, n_idx):
    rng = np.random.default_rng(row_len * 1000 + n_idx)
    src = rng.integers(0, 256, (500, row_len), dtype=np.uint8)
    src[0, : min(row_len, 256)] = np.arange(min(row_len, 256))
    # runs of zero bytes (an image's background) of every length at every offset, in half the rows
    for r in range(1, 500, 2):
        start, length = rng.integers(0, row_len + 1, 2)
        src[r, start:start + length] = 0
    idx = rng.integers(-500, 500, n_idx).astype(np.int64)  # negative rows count from the end
    idx[0] = 0
    table = rng.standard_normal(256).astype(np.float32)
    want = table[src[idx]]
    results = []
    old = fastnn.get_num_threads()
    try:
        for threads in (1, 2):
            fastnn.set_num_threads(threads)
            out = np.full((n_idx, row_len), np.nan, np.float32)
            _C.gather_lut_u8(src, idx, table, out)
            results.append(out)
    finally:
        fastnn.set_num_threads(old)
    np.testing.assert_array_equal(results[0], want)
    assert results[0].tobytes() == results[1].tobytes()


def test_gather_lut_keeps_trailing_shape():
    src = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    out = np.full((3, 3, 4), np.nan, np.float32)
    _C.gather_lut_u8(src, np.array([1, 0, 1], np.int64), np.arange(256, dtype=np.float32) * 2, out)
    np.testing.assert_array_equal(out, src[[1, 0, 1]].astype(np.float32) * 2)


def test_gather_lut_bad_inputs_raise():
    src = np.zeros((4, 5), np.uint8)
    idx = np.array([0, 3], np.int64)
    table = np.zeros(256, np.float32)
    out = np.zeros((2, 5), np.float32)
    good = dict(src=src, idx=idx, table=table, out=out)
    cases = [
        (dict(src=src.astype(np.int16)), TypeError, "uint8"),
        (dict(idx=idx.astype(np.int32)), TypeError, "int64"),
        (dict(table=table.astype(np.float64)), TypeError, "float32"),
        (dict(out=out.astype(np.float64)), TypeError, "float32"),
        (dict(table=np.zeros(255, np.float32)), ValueError, "256 entries"),
        (dict(out=np.zeros((3, 5), np.float32)), ValueError, "out has shape"),
        (dict(out=np.zeros((2, 6), np.float32)), ValueError, "out has shape"),
        (dict(src=np.zeros((5, 4), np.uint8).T), ValueError, "C-contiguous"),
        (dict(idx=np.array([0, 4], np.int64)), IndexError, "index 4 is out of bounds"),
        (dict(idx=np.array([-5, 0], np.int64)), IndexError, "index -5 is out of bounds"),
        (dict(idx=np.zeros((1, 2), np.int64)), ValueError, "dimensions"),
        (dict(src=np.zeros((), np.uint8)), ValueError, "dimension"),
    ]
    expect_errors(lambda a: _C.gather_lut_u8(a["src"], a["idx"], a["table"], a["out"]), good, cases)
    ro = out.copy()
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        _C.gather_lut_u8(src, idx, table, ro)
    empty = np.zeros((0, 5), np.float32)
    _C.gather_lut_u8(src, np.zeros(0, np.int64), table, empty)  # an empty batch is fine
    with pytest.raises(IndexError):
        _C.gather_lut_u8(np.zeros((0, 5), np.uint8), idx, table, out)  # nothing to gather from


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.uint8, np.bool_, np.complex64])
@pytest.mark.parametrize("shape", [(300, 1), (300, 7, 3), (50, 1000), (5000, 257)])
def test_gather_rows_matches_numpy_on_every_isa_and_thread_count(isa, dtype, shape):
    rng = np.random.default_rng(len(shape) * 100 + shape[-1])
    src = (rng.standard_normal(shape) * 100).astype(dtype)
    n_idx = 2 * shape[0] + 3  # repeats; with (5000, 257) over 2 MB, so 2 threads split it
    idx = rng.integers(-shape[0], shape[0], n_idx).astype(np.int64)
    idx[:2] = [-shape[0], shape[0] - 1]
    results = []
    old = fastnn.get_num_threads()
    try:
        for threads in (1, 2):
            fastnn.set_num_threads(threads)
            out = np.empty((n_idx,) + shape[1:], dtype)
            out.view(np.uint8)[...] = 0xFF  # poisoned: every byte must be written
            _C.gather_rows(src, idx, out)
            results.append(out)
    finally:
        fastnn.set_num_threads(old)
    np.testing.assert_array_equal(results[0], src[idx])
    assert results[0].tobytes() == results[1].tobytes()


def test_gather_rows_bad_inputs_raise():
    src = np.arange(20, dtype=np.float32).reshape(4, 5)
    idx = np.array([0, 3], np.int64)
    out = np.zeros((2, 5), np.float32)
    good = dict(src=src, idx=idx, out=out)
    cases = [
        (dict(src=src.astype(object)), TypeError, "bool, integer, float or complex"),
        (dict(out=out.astype(np.float64)), TypeError, "float32"),
        (dict(idx=idx.astype(np.int32)), TypeError, "int64"),
        (dict(out=np.zeros((3, 5), np.float32)), ValueError, "out has shape"),
        (dict(out=np.zeros((2, 4), np.float32)), ValueError, "out has shape"),
        (dict(src=np.zeros((5, 4), np.float32).T), ValueError, "C-contiguous"),
        (dict(out=np.zeros((5, 2), np.float32).T), ValueError, "C-contiguous"),
        (dict(out=src[:2]), ValueError, "overlaps"),
        (dict(idx=np.array([0, 4], np.int64)), IndexError, "index 4 is out of bounds for dimension 0 with size 4"),
        (dict(idx=np.array([-5, 0], np.int64)), IndexError, "index -5 is out of bounds"),
        (dict(idx=np.zeros((1, 2), np.int64)), ValueError, "dimensions"),
        (dict(src=np.zeros((), np.float32)), ValueError, "dimension"),
    ]
    expect_errors(lambda a: _C.gather_rows(a["src"], a["idx"], a["out"]), good, cases, out_untouched=True)
    ro = out.copy()
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="writable"):
        _C.gather_rows(src, idx, ro)
    _C.gather_rows(src, np.zeros(0, np.int64), np.zeros((0, 5), np.float32))  # an empty batch is fine
    with pytest.raises(IndexError):
        _C.gather_rows(np.zeros((0, 5), np.float32), idx, out)  # nothing to gather from


def test_tensor_row_indexing_by_an_index_tensor_matches_torch():
    import torch
    rng = np.random.default_rng(3)
    a = rng.standard_normal((40, 6, 2)).astype(np.float32)
    for idx in (rng.integers(-40, 40, 17), rng.integers(0, 40, 5).astype(np.int32), np.zeros(0, np.int64)):
        f, t = fastnn.from_numpy(a)[fastnn.from_numpy(idx)], torch.from_numpy(a)[torch.from_numpy(idx)]
        assert f.shape == tuple(t.shape) and f.dtype is fastnn.float32
        np.testing.assert_array_equal(f.numpy(), t.numpy())
    x = fastnn.from_numpy(a).requires_grad_(True)
    y = x[fastnn.tensor([1, -1, 1])]
    y.sum().backward()
    want = np.zeros_like(a)
    want[1] = 2
    want[-1] = 1
    np.testing.assert_array_equal(x.grad.numpy(), want)
    with pytest.raises(IndexError, match="index 40 is out of bounds for dimension 0 with size 40"):
        fastnn.from_numpy(a)[fastnn.tensor([0, 40])]
