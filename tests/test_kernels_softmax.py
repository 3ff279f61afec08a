"""Row-wise softmax / log-softmax (forward, backward from y) and the fused cross-entropy against float64 numpy,
on every ISA and 1/2 threads, odd shapes; bit-identical across thread counts; bad inputs raise."""
import numpy as np
import pytest

import fastnn
from fastnn import _C
from fastnn.backend import cpu as B

from kernel_utils import SIZES, configs, isa_and_threads, poisoned

CONFIGS = configs()
CFG_IDS = [f"{i}-{n}t" for i, n in CONFIGS]
SHAPES = [(r, c) for r in (1, 7, 64) for c in SIZES] + [(1000, 17), (257, 1000), (2100, 65), (9001, 15)]
# (1000, 17) spans several row blocks of the short-row path; the last three run threaded at 2 threads


def logits(shape, seed=0, scale=3.0):
    rng = np.random.default_rng(seed + shape[0] * 1000 + shape[1])
    return (rng.standard_normal(shape) * scale + rng.standard_normal((shape[0], 1)) * 10).astype(np.float32)


def ref_log_softmax(x):
    x = x.astype(np.float64)
    s = x - x.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


@pytest.mark.parametrize("isa,threads", CONFIGS, ids=CFG_IDS)
def test_forward_matches_float64(isa, threads):
    with isa_and_threads(isa, threads):
        for shape in SHAPES:
            x = logits(shape)
            lp = ref_log_softmax(x)
            y = poisoned(shape)
            _C.softmax_forward(x, y)
            np.testing.assert_allclose(y, np.exp(lp), rtol=1e-5, atol=1e-7, err_msg=str(shape))
            np.testing.assert_allclose(y.sum(axis=1, dtype=np.float64), 1, rtol=1e-5)
            _C.log_softmax_forward(x, y)
            np.testing.assert_allclose(y, lp, rtol=1e-6, atol=2e-6, err_msg=str(shape))


@pytest.mark.parametrize("isa,threads", CONFIGS, ids=CFG_IDS)
def test_backward_matches_float64(isa, threads):
    with isa_and_threads(isa, threads):
        for shape in SHAPES:
            x, g = logits(shape), logits(shape, seed=7, scale=1.0)
            g64 = g.astype(np.float64)
            y = B.softmax(x)
            gx = poisoned(shape)
            _C.softmax_backward(g, y, gx)
            y64 = y.astype(np.float64)
            ref = y64 * (g64 - (g64 * y64).sum(axis=1, keepdims=True))
            np.testing.assert_allclose(gx, ref, rtol=1e-5, atol=1e-6 * np.abs(g).max(), err_msg=str(shape))
            ly = B.log_softmax(x)
            _C.log_softmax_backward(g, ly, gx)
            s = g64.sum(axis=1, keepdims=True)
            ref = g64 - np.exp(ly.astype(np.float64)) * s
            tol = 1e-6 * (np.abs(ref) + np.abs(s) + np.abs(g64))
            assert np.all(np.abs(gx - ref) <= tol), str(shape)


@pytest.mark.parametrize("isa,threads", CONFIGS, ids=CFG_IDS)
def test_cross_entropy_matches_float64(isa, threads):
    rng = np.random.default_rng(3)
    with isa_and_threads(isa, threads):
        for shape in SHAPES:
            x = logits(shape)
            t = rng.integers(0, shape[1], shape[0])
            lp = ref_log_softmax(x)
            rows = np.arange(shape[0])
            for scale in (1.0, 1.0 / shape[0]):
                loss, d = poisoned(shape[0]), poisoned(shape)
                _C.cross_entropy(x, t, loss, d, scale)
                np.testing.assert_allclose(loss, -lp[rows, t], rtol=1e-5, atol=2e-6, err_msg=str(shape))
                ref = np.exp(lp)
                ref[rows, t] -= 1
                # p - 1 at the target cancels when p is near 1: a few float32 ulps of 1, times scale
                np.testing.assert_allclose(d, scale * ref, rtol=1e-5, atol=2.5e-7 * scale, err_msg=str(shape))


def test_cross_entropy_matches_torch():
    torch = pytest.importorskip("torch")
    x = logits((64, 10))
    t = np.random.default_rng(0).integers(0, 10, 64)
    xt = torch.from_numpy(x).requires_grad_()
    lt = torch.nn.functional.cross_entropy(xt, torch.from_numpy(t))
    lt.backward()
    loss, d = B.cross_entropy(x, t, scale=1 / 64)
    np.testing.assert_allclose(loss.mean(dtype=np.float64), lt.item(), rtol=1e-6)
    np.testing.assert_allclose(d, xt.grad.numpy(), rtol=1e-5, atol=1e-8)


def test_large_logits_are_stable():
    x = logits((7, 65))
    for f in (B.softmax, B.log_softmax):
        a, b = f(x), f(x + np.float32(1e4))
        assert np.all(np.isfinite(b))
        if f is B.softmax:
            np.testing.assert_allclose(a, b, rtol=1e-2, atol=1e-6)  # x + 1e4 itself rounds to ~1e-3
    loss, _ = B.cross_entropy(x * 1000, np.zeros(7, np.int64))
    assert np.all(np.isfinite(loss)) and np.all(loss >= 0)


@pytest.mark.parametrize("shape", [(513, 1000), (15001, 9)])
def test_bit_identical_on_one_and_two_threads(shape):
    x, g = logits(shape), logits(shape, seed=2)
    t = np.random.default_rng(0).integers(0, shape[1], shape[0])
    res = []
    for n in (1, 2):
        with isa_and_threads(fastnn.get_isa(), n):
            y, ly = B.softmax(x), B.log_softmax(x)
            res.append([y, ly, B.softmax_backward(g, y), B.log_softmax_backward(g, ly), *B.cross_entropy(x, t, 0.5)])
    for a, b in zip(*res):
        assert np.array_equal(a, b)


def test_in_place_and_out():
    x = logits((7, 65))
    ref, lref = B.softmax(x), B.log_softmax(x)
    x2 = x.copy()
    assert B.softmax(x2, out=x2) is x2
    np.testing.assert_array_equal(x2, ref)
    x2 = x.copy()
    B.log_softmax(x2, out=x2)
    np.testing.assert_array_equal(x2, lref)
    # cross-entropy straight into the logits buffer
    t = np.arange(7) % 65
    loss_ref, d_ref = B.cross_entropy(x, t)
    x2, loss = x.copy(), poisoned(7)
    _C.cross_entropy(x2, t, loss, x2)
    np.testing.assert_array_equal(loss, loss_ref)
    np.testing.assert_array_equal(x2, d_ref)


def test_backend_numpy_path_float64_3d_and_int32_targets():
    x = logits((7, 17)).astype(np.float64)
    lp = ref_log_softmax(x)
    np.testing.assert_allclose(B.softmax(x), np.exp(lp), rtol=1e-12)
    np.testing.assert_allclose(B.log_softmax(x), lp, rtol=1e-12, atol=1e-12)
    x3 = logits((6, 17)).reshape(2, 3, 17)  # not 2-D: numpy path over the last axis
    np.testing.assert_allclose(B.softmax(x3).reshape(6, 17), np.exp(ref_log_softmax(x3.reshape(6, 17))),
                               rtol=1e-5, atol=1e-7)
    t = np.array([0, 16, 3, 4, 5, 6, 7], np.int32)
    loss, d = B.cross_entropy(logits((7, 17)), t)
    loss64, _ = B.cross_entropy(logits((7, 17)).astype(np.float64), t)
    np.testing.assert_allclose(loss, loss64, rtol=1e-5)
    with pytest.raises(IndexError, match="Target 17 is out of bounds for 17 classes"):
        B.cross_entropy(x, np.array([0, 17, 0, 0, 0, 0, 0]))
    with pytest.raises(TypeError):
        B.cross_entropy(logits((7, 17)), t.astype(np.float32))


def test_fast_path_is_taken_for_float32(monkeypatch):
    calls = []
    real = _C.cross_entropy
    monkeypatch.setattr(_C, "cross_entropy", lambda *a: (calls.append(1), real(*a)))
    B.cross_entropy(logits((4, 10)), np.arange(4))
    assert calls


@pytest.mark.parametrize("bad", [-1, 10, 12, 2**40])
def test_cross_entropy_target_out_of_range_raises_and_writes_nothing(bad):
    x = logits((5, 10))
    t = np.array([1, 2, bad, 3, 4])
    loss, d = poisoned(5), poisoned((5, 10))
    with pytest.raises(IndexError, match=f"Target {bad} is out of bounds for 10 classes"):
        _C.cross_entropy(x, t, loss, d)
    assert np.all(np.isnan(loss)) and np.all(np.isnan(d))
    with pytest.raises(IndexError, match=f"Target {bad}"):
        B.cross_entropy(x, t)


def test_bad_inputs_raise():
    x = logits((4, 6))
    out = np.empty((4, 6), np.float32)
    for fwd in (_C.softmax_forward, _C.log_softmax_forward):
        with pytest.raises(TypeError):
            fwd(x.astype(np.float64), out)
        with pytest.raises(ValueError, match="dimensions"):
            fwd(x.reshape(24), out.reshape(24))
        with pytest.raises(ValueError, match="shape"):
            fwd(x, np.empty((6, 4), np.float32))
        with pytest.raises(ValueError, match="contiguous"):
            fwd(np.asfortranarray(x), out)
        ro = out.copy()
        ro.flags.writeable = False
        with pytest.raises(ValueError, match="read-only"):
            fwd(x, ro)
    for bwd in (_C.softmax_backward, _C.log_softmax_backward):
        with pytest.raises(ValueError, match="shape"):
            bwd(x, x[:3].copy(), out)
        with pytest.raises(TypeError):
            bwd(x, x.astype(np.float64), out)
        with pytest.raises(ValueError, match="contiguous"):
            bwd(x, x, np.empty((4, 12), np.float32)[:, ::2])
    loss, t = np.empty(4, np.float32), np.arange(4)
    with pytest.raises(TypeError):
        _C.cross_entropy(x, t.astype(np.int32), loss, out)
    with pytest.raises(ValueError, match="targets"):
        _C.cross_entropy(x, np.arange(3), loss, out)
    with pytest.raises(ValueError, match="loss"):
        _C.cross_entropy(x, t, np.empty(5, np.float32), out)
    with pytest.raises(ValueError, match="dimensions"):
        _C.cross_entropy(x, t.reshape(4, 1), loss, out)
    with pytest.raises(ValueError, match="shape"):
        _C.cross_entropy(x, t, loss, np.empty((4, 5), np.float32))
    with pytest.raises(TypeError):
        _C.cross_entropy(x.tolist(), t, loss, out)
    # Empty inputs: no rows is a no-op; rows of no classes cannot hold a valid target
    _C.softmax_forward(np.empty((0, 5), np.float32), np.empty((0, 5), np.float32))
    _C.log_softmax_forward(np.empty((3, 0), np.float32), np.empty((3, 0), np.float32))
    _C.cross_entropy(np.empty((0, 5), np.float32), np.empty(0, np.int64), np.empty(0, np.float32),
                     np.empty((0, 5), np.float32))
    with pytest.raises(IndexError, match="out of bounds for 0 classes"):
        _C.cross_entropy(np.empty((2, 0), np.float32), np.zeros(2, np.int64), np.empty(2, np.float32),
                         np.empty((2, 0), np.float32))
