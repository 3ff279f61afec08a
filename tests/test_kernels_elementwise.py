"""Element-wise activation kernels (relu, sigmoid, tanh; forward and backward from y; erf forward) against float64 numpy,
on every ISA and 1/2 threads, odd sizes, special values; bit-identical across thread counts; bad inputs raise."""
import math

import numpy as np
import pytest

import fastnn
from fastnn import _C
from fastnn.backend import cpu as B

from kernel_utils import SIZES, configs, isa_and_threads, poisoned

CONFIGS = configs()
CFG_IDS = [f"{i}-{n}t" for i, n in CONFIGS]
BIG = 300_007  # above the kernels' parallel threshold, not a multiple of any vector width


def ref_forward(name, x):
    x = x.astype(np.float64)
    if name == "erf":
        return np.vectorize(math.erf)(x)
    if name == "relu":
        return np.maximum(x, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    return np.tanh(x)


def ref_backward(name, g, y):
    g, y = g.astype(np.float64), y.astype(np.float64)
    if name == "relu":
        return g * (y > 0)
    if name == "sigmoid":
        return g * y * (1 - y)
    return g * (1 - y * y)


def inputs(n, seed=0):
    rng = np.random.default_rng(seed + n)
    x = rng.standard_normal(n) * rng.choice([0.01, 1.0, 4.0, 30.0], n)
    return x.astype(np.float32)


NAMES = ["relu", "sigmoid", "tanh"]
FORWARD_NAMES = NAMES + ["erf"]  # erf has no backward kernel (its derivative is an exp)


@pytest.mark.parametrize("isa,threads", CONFIGS, ids=CFG_IDS)
@pytest.mark.parametrize("name", FORWARD_NAMES)
def test_forward_matches_float64(isa, threads, name):
    kernel = getattr(_C, f"{name}_forward")
    with isa_and_threads(isa, threads):
        for n in SIZES + [BIG]:
            x = inputs(n)
            y = poisoned(n)
            kernel(x, y)
            ref = ref_forward(name, x)
            if name == "relu":
                np.testing.assert_array_equal(y, ref)
            else:
                np.testing.assert_allclose(y, ref, rtol=1e-6, atol=1e-30, err_msg=f"n={n}")


@pytest.mark.parametrize("isa,threads", CONFIGS, ids=CFG_IDS)
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "erf"])
def test_forward_dense_sweep_accuracy(isa, threads, name):
    # Every region of the approximations: tiny, polynomial/exp switch (0.625), saturation, exp clamps.
    x = np.concatenate([np.linspace(-100, 100, 400_001), np.linspace(-1, 1, 200_001),
                        np.geomspace(1e-30, 1, 1001), -np.geomspace(1e-30, 1, 1001)]).astype(np.float32)
    with isa_and_threads(isa, threads):
        y = getattr(B, name)(x)
    ref = ref_forward(name, x)
    ulp = np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    normal = np.abs(ref) >= np.finfo(np.float32).tiny
    assert np.max(np.abs(y - ref)[normal] / ulp[normal]) <= 3.0  # torch's sigmoid: ~2.4 ulp here
    assert np.all(np.abs(y - ref)[~normal] <= np.finfo(np.float32).tiny)


@pytest.mark.parametrize("isa,threads", CONFIGS, ids=CFG_IDS)
@pytest.mark.parametrize("name", NAMES)
def test_backward_matches_float64(isa, threads, name):
    kernel = getattr(_C, f"{name}_backward")
    with isa_and_threads(isa, threads):
        for n in SIZES + [BIG]:
            y = getattr(B, name)(inputs(n))
            g = inputs(n, seed=1)
            gx = poisoned(n)
            kernel(g, y, gx)
            np.testing.assert_allclose(gx, ref_backward(name, g, y), rtol=1e-6, atol=1e-30, err_msg=f"n={n}")


@pytest.mark.parametrize("isa", fastnn.available_isas())
def test_special_values(isa):
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 100.0, -100.0, 9.5, -9.5, 1e-30] * 3, np.float32)
    with isa_and_threads(isa, 1):
        s, t, r = B.sigmoid(x), B.tanh(x), B.relu(x)
    assert np.isnan(s[0]) and np.isnan(t[0]) and np.isnan(r[0])
    np.testing.assert_array_equal(s[1:9], [1, 0, 0.5, 0.5, 1, 0, ref_forward("sigmoid", x[7:8])[0].astype(np.float32),
                                           ref_forward("sigmoid", x[8:9])[0].astype(np.float32)])
    np.testing.assert_array_equal(t[1:9], [1, -1, 0, 0, 1, -1, 1, -1])
    assert t[9] == np.float32(1e-30)  # tanh(x) = x for tiny x, no flush


@pytest.mark.parametrize("name", NAMES)
def test_bit_identical_on_one_and_two_threads(name):
    x, g = inputs(BIG + 4096), inputs(BIG + 4096, seed=3)
    out = []
    for n in (1, 2):
        with isa_and_threads(fastnn.get_isa(), n):
            y = getattr(B, name)(x)
            out.append((y, getattr(B, f"{name}_backward")(g, y)))
    assert np.array_equal(out[0][0], out[1][0]) and np.array_equal(out[0][1], out[1][1])


@pytest.mark.parametrize("name", NAMES)
def test_in_place(name):
    x = inputs(1000)
    y_ref = getattr(B, name)(x)
    x2 = x.copy()
    assert getattr(B, name)(x2, out=x2) is x2
    np.testing.assert_array_equal(x2, y_ref)
    g = inputs(1000, seed=5)
    gx_ref = getattr(B, f"{name}_backward")(g, y_ref)
    getattr(B, f"{name}_backward")(g, y_ref, out=g)
    np.testing.assert_array_equal(g, gx_ref)


@pytest.mark.parametrize("name", NAMES)
def test_backend_numpy_path_float64_and_strided(name):
    x64 = inputs(257).astype(np.float64).reshape(1, 257)
    y = getattr(B, name)(x64)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, ref_forward(name, x64), rtol=1e-12, atol=1e-300)
    g64 = inputs(257, seed=2).astype(np.float64).reshape(1, 257)
    np.testing.assert_allclose(getattr(B, f"{name}_backward")(g64, y), ref_backward(name, g64, y), rtol=1e-12)
    xs = inputs(514)[::2]  # float32, not contiguous: numpy path, same answers
    np.testing.assert_allclose(getattr(B, name)(xs), ref_forward(name, xs), rtol=1e-6, atol=1e-30)
    out = poisoned((2, 257))[:, 0:257:1].T.copy().T  # Fortran-ordered output: numpy path writes it
    getattr(B, name)(inputs(514).reshape(2, 257), out=out)
    np.testing.assert_allclose(out, ref_forward(name, inputs(514).reshape(2, 257)), rtol=1e-6, atol=1e-30)


@pytest.mark.parametrize("name", FORWARD_NAMES)
def test_fast_path_is_taken_for_float32(name, monkeypatch):
    calls = []
    real = getattr(_C, f"{name}_forward")
    monkeypatch.setattr(_C, f"{name}_forward", lambda x, y: (calls.append(1), real(x, y)))
    getattr(B, name)(inputs(17).reshape(1, 17))
    assert calls


@pytest.mark.parametrize("name", NAMES)
def test_bad_inputs_raise(name):
    fwd, bwd = getattr(_C, f"{name}_forward"), getattr(_C, f"{name}_backward")
    x = inputs(24).reshape(4, 6)
    with pytest.raises(TypeError):
        fwd(x.astype(np.float64), np.empty((4, 6), np.float32))
    with pytest.raises(TypeError):
        fwd(x, np.empty((4, 6), np.float64))
    with pytest.raises(TypeError):
        fwd(x.tolist(), np.empty((4, 6), np.float32))
    with pytest.raises(ValueError, match="shape"):
        fwd(x, np.empty((6, 4), np.float32))
    with pytest.raises(ValueError, match="contiguous"):
        fwd(x.T, np.empty((6, 4), np.float32))
    with pytest.raises(ValueError, match="contiguous"):
        fwd(x, np.empty((6, 4), np.float32).T)
    ro = np.empty((4, 6), np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        fwd(x, ro)
    y = np.zeros((4, 6), np.float32)
    with pytest.raises(ValueError, match="shape"):
        bwd(x, y.reshape(6, 4), np.empty((4, 6), np.float32))
    with pytest.raises(ValueError, match="shape"):
        bwd(x, y, np.empty(24, np.float32))
    with pytest.raises(TypeError):
        bwd(x, y.astype(np.float16), np.empty((4, 6), np.float32))
    with pytest.raises(ValueError, match="read-only"):
        bwd(x, y, ro)
    e = np.empty((0, 3), np.float32)  # empty arrays are fine: nothing to do
    fwd(e, np.empty((0, 3), np.float32))
    bwd(e, e, np.empty((0, 3), np.float32))


def test_erf_bit_identical_threads_in_place_numpy_path_and_bad_inputs():
    x = inputs(BIG + 4096)
    ys = []
    for n in (1, 2):
        with isa_and_threads(fastnn.get_isa(), n):
            ys.append(B.erf(x))
    assert np.array_equal(ys[0], ys[1])
    x2 = x.copy()
    assert B.erf(x2, out=x2) is x2 and np.array_equal(x2, ys[0])
    x64 = inputs(257).astype(np.float64)
    np.testing.assert_allclose(B.erf(x64), ref_forward("erf", x64), rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(B.erf(inputs(514)[::2]), ref_forward("erf", inputs(514)[::2]), rtol=1e-6,
                               atol=1e-30)
    with pytest.raises(TypeError):
        _C.erf_forward(x64, np.empty(257, np.float32))
    with pytest.raises(ValueError, match="shape"):
        _C.erf_forward(inputs(24), np.empty(25, np.float32))
    with pytest.raises(ValueError, match="contiguous"):
        _C.erf_forward(inputs(48)[::2], np.empty(24, np.float32))
