"""Multi-tensor optimizer steps against torch.optim itself: same initial weights and gradient sequence, 200
steps, every option combination; max|p - p_torch| <= 1e-5 * max|p_torch| (over the group) after every step.
The C++ path runs on every ISA; the numpy path (float64, non-contiguous) is held to the same standard. 1 and 2
threads give bit-identical results on a group large enough to be split between threads. Bad inputs raise."""
import functools
import itertools

import numpy as np
import pytest
import torch

import fastnn
from fastnn import _C
from fastnn.backend import cpu as B
from kernel_utils import torch_one_thread  # noqa: F401  (autouse: torch on one thread)

SHAPES = [(1,), (7,), (17, 15), (257,), (63, 16), (33, 65)]
BIG_SHAPES = [(1,), (520, 1000), (17,), (300, 257)]  # crosses the kernels' parallel threshold (2^19 elements)
STEPS = 200


def threads(n):
    class _T:
        def __enter__(self):
            self.before = fastnn.get_num_threads()
            fastnn.set_num_threads(n)

        def __exit__(self, *exc):
            fastnn.set_num_threads(self.before)
    return _T()


class Ours:
    """Our optimizer state for one group + a step() that calls the backend like fastnn.optim will."""

    def __init__(self, name, params, opts):
        self.name, self.p, self.o, self.k = name, params, dict(opts), 0
        z = lambda: [np.zeros_like(p) for p in params]  # noqa: E731
        if name == "sgd":
            self.bufs = z()
        elif name in ("adam", "adamw"):
            self.m, self.v, self.vmax = z(), z(), z()
        elif name == "adagrad":
            self.s = [np.full_like(p, opts.get("initial_accumulator_value", 0.0)) for p in params]
        elif name == "rmsprop":
            self.v, self.buf, self.ga = z(), z(), z()
        elif name == "adadelta":
            self.v, self.u = z(), z()

    def step(self, grads):
        self.k += 1
        o, p, k = self.o, self.p, self.k
        if self.name == "sgd":
            B.sgd_step(p, grads, self.bufs, o["lr"], o.get("momentum", 0.0), o.get("dampening", 0.0),
                       o.get("nesterov", False), o.get("weight_decay", 0.0), o.get("maximize", False), k == 1)
        elif self.name in ("adam", "adamw"):
            b1, b2 = o.get("betas", (0.9, 0.999))
            wd = o.get("weight_decay", 0.0 if self.name == "adam" else 1e-2)
            B.adam_step(p, grads, self.m, self.v, self.vmax, k, o["lr"], b1, b2, o.get("eps", 1e-8), wd,
                        o.get("amsgrad", False), o.get("maximize", False), self.name == "adamw")
        elif self.name == "adagrad":
            B.adagrad_step(p, grads, self.s, k, o["lr"], o.get("lr_decay", 0.0), o.get("weight_decay", 0.0),
                           o.get("eps", 1e-10), o.get("maximize", False))
        elif self.name == "rmsprop":
            B.rmsprop_step(p, grads, self.v, self.buf, self.ga, o["lr"], o.get("alpha", 0.99), o.get("eps", 1e-8),
                           o.get("weight_decay", 0.0), o.get("momentum", 0.0), o.get("centered", False),
                           o.get("maximize", False))
        elif self.name == "adadelta":
            B.adadelta_step(p, grads, self.v, self.u, o.get("lr", 1.0), o.get("rho", 0.9), o.get("eps", 1e-6),
                            o.get("weight_decay", 0.0), o.get("maximize", False))


TORCH = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
         "adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop, "adadelta": torch.optim.Adadelta}


def combos():
    out = []
    for mom, damp, nest, wd, mx in itertools.product([0.0, 0.9], [0.0, 0.5], [False, True], [0.0, 0.01],
                                                     [False, True]):
        if nest and (mom == 0 or damp != 0) or (mom == 0 and damp != 0):
            continue
        out.append(("sgd", dict(lr=0.01, momentum=mom, dampening=damp, nesterov=nest, weight_decay=wd, maximize=mx)))
    for name in ("adam", "adamw"):
        for ams, wd, mx in itertools.product([False, True], [0.0, 0.1], [False, True]):
            out.append((name, dict(lr=1e-3, amsgrad=ams, weight_decay=wd, maximize=mx)))
        out.append((name, dict(lr=1e-2, betas=(0.3, 0.8), eps=1e-6, weight_decay=0.05, amsgrad=True)))
    for lrd, wd, acc, mx in itertools.product([0.0, 0.01], [0.0, 0.1], [0.0, 0.1], [False, True]):
        out.append(("adagrad", dict(lr=0.01, lr_decay=lrd, weight_decay=wd, initial_accumulator_value=acc,
                                    maximize=mx)))
    for mom, cen, wd, mx in itertools.product([0.0, 0.9], [False, True], [0.0, 0.1], [False, True]):
        out.append(("rmsprop", dict(lr=1e-3, momentum=mom, centered=cen, weight_decay=wd, maximize=mx)))
    out.append(("rmsprop", dict(lr=1e-3, alpha=0.3, eps=1e-5, momentum=0.5, centered=True)))
    for lr, wd, mx in itertools.product([1.0, 0.5], [0.0, 0.1], [False, True]):
        out.append(("adadelta", dict(lr=lr, rho=0.9, weight_decay=wd, maximize=mx)))
    out.append(("adadelta", dict(lr=1.0, rho=0.3, eps=1e-4)))
    return out


COMBOS = combos()
IDS = [f"{n}-" + "-".join(f"{k}={v}" for k, v in o.items()) for n, o in COMBOS]


@functools.lru_cache(maxsize=None)
def make_problem(dtype, seed=0, shapes=tuple(SHAPES), steps=STEPS):
    """Initial weights and a gradient sequence (cached: never modify them)."""
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    # Gradients of both signs and many scales, some exactly zero (denormal-prone state)
    grads = [[(rng.standard_normal(s) * rng.choice([1e-3, 1.0, 10.0])).astype(dtype) for s in shapes]
             for _ in range(steps)]
    for g in grads[::7]:
        g[0][...] = 0
    return init, grads


def run_against_torch(name, opts, dtype, isas=(None,), steps=STEPS):
    """Steps torch and one of our optimizers per ISA in `isas` (None: leave the ISA alone) side by side."""
    init, grads = make_problem(dtype)
    tp = [torch.from_numpy(a.copy()) for a in init]
    topt = TORCH[name](tp, foreach=False, **opts)
    mine = [(isa, Ours(name, [a.copy() for a in init], opts)) for isa in isas]
    before = fastnn.get_isa()
    try:
        for k in range(steps):
            for t, g in zip(tp, grads[k]):
                t.grad = torch.from_numpy(g.copy())
            topt.step()
            # The scale is the group's: a lone scalar weight crossing 0 has no meaningful relative error.
            scale = max(np.abs(t.numpy()).max() for t in tp)
            for isa, me in mine:
                if isa:
                    fastnn.set_isa(isa)
                me.step(grads[k])
                for i, (a, t) in enumerate(zip(me.p, tp)):
                    err = np.abs(a - t.numpy()).max()
                    assert err <= 1e-5 * scale, \
                        f"{isa}: step {k + 1}, param {i} {a.shape}: max err {err:.3g} vs scale {scale:.3g}"
    finally:
        fastnn.set_isa(before)


@pytest.mark.parametrize("name,opts", COMBOS, ids=IDS)
def test_matches_torch_float32_on_every_isa(name, opts):
    with threads(2):
        run_against_torch(name, opts, np.float32, isas=fastnn.available_isas())


@pytest.mark.parametrize("name,opts", COMBOS, ids=IDS)
def test_numpy_path_matches_torch_float64(name, opts):
    run_against_torch(name, opts, np.float64, steps=50)


@pytest.mark.parametrize("name,opts", [c for c in COMBOS if c[0] in ("sgd", "adam")][:6])
def test_noncontiguous_float32_takes_numpy_path(name, opts):
    def strided(a):
        big = np.empty(a.shape + (2,), a.dtype)
        big[..., 0] = a
        return big[..., 0]
    init, grads = make_problem(np.float32)
    ours = [strided(a.copy()) for a in init]
    assert not ours[1].flags.c_contiguous
    me = Ours(name, ours, opts)
    tp = [torch.from_numpy(a.copy()) for a in init]
    topt = TORCH[name](tp, foreach=False, **opts)
    for k in range(20):
        for t, g in zip(tp, grads[k]):
            t.grad = torch.from_numpy(g.copy())
        topt.step()
        me.step(grads[k])
    for a, t in zip(ours, tp):
        np.testing.assert_allclose(a, t.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,opts", COMBOS, ids=IDS)
def test_bit_identical_on_one_and_two_threads(name, opts):
    init, grads = make_problem(np.float32, seed=1, shapes=tuple(BIG_SHAPES), steps=10)
    results = []
    for n in (1, 2):
        with threads(n):
            ps = [a.copy() for a in init]
            me = Ours(name, ps, opts)
            for k in range(10):
                me.step(grads[k])
            results.append(ps)
    for a, b in zip(*results):
        assert np.array_equal(a, b)


def test_denormal_state_is_flushed_and_mxcsr_restored():
    # A denormal gradient squared underflows; the step must not leave FTZ/DAZ on for the caller's numpy.
    p = [np.ones(8, np.float32)]
    g = [np.full(8, 1e-39, np.float32)]  # denormal input
    m, v = [np.zeros(8, np.float32)], [np.zeros(8, np.float32)]
    B.adam_step(p, g, m, v, None, 1, 1e-3, 0.9, 0.999, 1e-8, 0.0, False, False, False)
    assert np.all(np.isfinite(p[0]))
    tiny = np.array([1e-39], np.float32)
    assert tiny[0] != 0 and (tiny * np.float32(1.0))[0] != 0  # numpy still sees denormals


# ---- bad inputs straight into the bindings ----
def _args(n=3, shape=(4, 5)):
    rng = np.random.default_rng(0)
    return ([rng.standard_normal(shape).astype(np.float32) for _ in range(n)],
            [rng.standard_normal(shape).astype(np.float32) for _ in range(n)])


def call_sgd(params, grads, bufs):
    _C.sgd_step(params, grads, bufs, 0.1, 0.9, 0.0, False, 0.0, False, False)


def test_bad_inputs_raise():
    p, g = _args()
    bufs = [np.zeros_like(a) for a in p]
    with pytest.raises(TypeError):
        call_sgd([a.astype(np.float64) for a in p], g, bufs)
    with pytest.raises(TypeError):
        call_sgd(p, [a.astype(np.float64) for a in g], bufs)
    with pytest.raises(ValueError, match="shape"):
        call_sgd(p, [np.ones((5, 4), np.float32)] * 3, bufs)
    with pytest.raises(ValueError, match="shape"):
        call_sgd(p, g, bufs[:2] + [np.zeros(20, np.float32)])
    with pytest.raises(ValueError, match="contiguous"):
        call_sgd([np.asfortranarray(a) for a in p], g, bufs)
    ro = [a.copy() for a in p]
    ro[1].flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        call_sgd(ro, g, bufs)
    with pytest.raises(ValueError, match="entries"):
        call_sgd(p, g[:2], bufs)
    with pytest.raises(ValueError, match="entries"):
        call_sgd(p, g, bufs[:1])
    with pytest.raises(TypeError):
        call_sgd(p, [a.tolist() for a in g], bufs)
    with pytest.raises(TypeError):
        call_sgd(tuple(p), g, bufs)
    with pytest.raises(ValueError, match="momentum"):
        call_sgd(p, g, None)
    with pytest.raises(ValueError, match="amsgrad"):
        _C.adam_step(p, g, bufs, bufs, None, 1, 1e-3, 0.9, 0.999, 1e-8, 0.0, True, False, False)
    with pytest.raises(ValueError, match="step"):
        _C.adam_step(p, g, bufs, bufs, None, 0, 1e-3, 0.9, 0.999, 1e-8, 0.0, False, False, False)
    with pytest.raises(ValueError, match="centered"):
        _C.rmsprop_step(p, g, bufs, None, None, 1e-2, 0.99, 1e-8, 0.0, 0.0, True, False)
    with pytest.raises(ValueError, match="momentum"):
        _C.rmsprop_step(p, g, bufs, None, None, 1e-2, 0.99, 1e-8, 0.0, 0.9, False, False)
    with pytest.raises(TypeError):
        _C.adagrad_step(p, g, [a.astype(np.float64) for a in bufs], 1, 0.1, 0.0, 0.0, 1e-10, False)
    with pytest.raises(ValueError, match="contiguous"):
        _C.adadelta_step(p, g, bufs, [a.T for a in bufs], 1.0, 0.9, 1e-6, 0.0, False)
    # A failed validation leaves every parameter untouched
    before = [a.copy() for a in p]
    with pytest.raises(ValueError):
        call_sgd(p, g, bufs[:2] + [np.zeros(20, np.float32)])
    assert all(np.array_equal(a, b) for a, b in zip(p, before))


def test_empty_group_and_empty_arrays_are_no_ops():
    call_sgd([], [], [])
    p = [np.empty((0, 3), np.float32)]
    _C.adam_step(p, [np.empty((0, 3), np.float32)], [np.empty((0, 3), np.float32)],
                 [np.empty((0, 3), np.float32)], None, 1, 1e-3, 0.9, 0.999, 1e-8, 0.0, False, False, False)
    assert p[0].shape == (0, 3)


@pytest.mark.parametrize("name", ["sgd", "adam", "adagrad", "rmsprop", "adadelta"])
def test_float32_groups_take_the_cpp_path(name, monkeypatch):
    calls = []
    real = getattr(_C, f"{name}_step")
    monkeypatch.setattr(_C, f"{name}_step", lambda *a: (calls.append(1), real(*a)))
    init, grads = make_problem(np.float32)
    Ours(name, [a.copy() for a in init], dict(lr=0.01, momentum=0.9)).step(grads[0])
    assert calls
