"""The C++ gather + table kernel behind the MNIST batch path: every ISA, 1 and 2 threads, bad inputs."""
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


@pytest.mark.parametrize("row_len", [1, 7, 15, 16, 17, 63, 65, 255, 257, 1000])
@pytest.mark.parametrize("n_idx", [1, 64, 400])
def test_gather_lut_matches_numpy_on_every_isa_and_thread_count(isa, row_len, n_idx):
    rng = np.random.default_rng(row_len * 1000 + n_idx)
    src = rng.integers(0, 256, (500, row_len), dtype=np.uint8)
    src[0, : min(row_len, 256)] = np.arange(min(row_len, 256))
    idx = rng.integers(0, 500, n_idx).astype(np.int64)
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
        (dict(idx=np.array([-1, 0], np.int64)), IndexError, "index -1 is out of bounds"),
        (dict(idx=np.zeros((1, 2), np.int64)), ValueError, "dimensions"),
        (dict(src=np.zeros((), np.uint8)), ValueError, "dimension"),
    ]
    for change, exc, msg in cases:
        args = dict(good, **change)
        with pytest.raises(exc, match=msg):
            _C.gather_lut_u8(args["src"], args["idx"], args["table"], args["out"])
    ro = out.copy()
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        _C.gather_lut_u8(src, idx, table, ro)
    empty = np.zeros((0, 5), np.float32)
    _C.gather_lut_u8(src, np.zeros(0, np.int64), table, empty)  # an empty batch is fine
    with pytest.raises(IndexError):
        _C.gather_lut_u8(np.zeros((0, 5), np.uint8), idx, table, out)  # nothing to gather from
