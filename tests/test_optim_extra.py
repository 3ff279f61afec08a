"""NAdam, RAdam and Adamax against torch.optim (single-tensor float32 / float64 CPU path) over 25 steps.

torch's float32 CPU sqrt comes from MKL and is not correctly rounded (+-1 ulp on ~17% of inputs); ours is. With
torch's sqrt replaced by a correctly rounded one (the `exact_sqrt` fixture) every parameter and state must be
bit-identical to torch's, on every ISA. With torch's own sqrt: state that does not depend on the parameters (all of
it unless weight decay is coupled) stays bit-identical, Adamax (no sqrt) too, and NAdam / RAdam parameters stay
within 2 ulp. Also: the numpy path (float64, non-contiguous float32), state_dict round trips, torch's validation
errors, 1 vs 2 threads, bad inputs straight into the _C bindings, lr schedulers and a small MLP's losses."""
import copy
import inspect
import itertools

import numpy as np
import pytest
import torch

import fastnn
from fastnn import _C, optim
from fastnn.backend.cpu import optim as B
from kernel_utils import torch_one_thread  # noqa: F401  (autouse: torch on one thread)
from optim_util import check_round_trip

SHAPES = [(1,), (7,), (63,), (1000,), (17, 15)]
STEPS = 25
SKIP = 2  # this parameter has no gradient on every third step: its step count lags (one more kernel call)


def _combos(**options):
    return [dict(zip(options, v)) for v in itertools.product(*options.values())]


CASES = (
    [("NAdam", kw) for kw in _combos(weight_decay=[0, 0.1], decoupled_weight_decay=[False, True],
                                     maximize=[False, True])]
    + [("NAdam", {"lr": 0.01, "betas": (0.5, 0.9), "momentum_decay": 0.1}), ("NAdam", {"momentum_decay": 0}),
       ("NAdam", {"lr": 0.05, "betas": (0.95, 0.99), "eps": 1e-4, "weight_decay": 0.05})]
    + [("RAdam", kw) for kw in _combos(weight_decay=[0, 0.1], decoupled_weight_decay=[False, True],
                                       maximize=[False, True])]
    + [("RAdam", {"lr": 0.01, "betas": (0.5, 0.9)}),  # rho_inf = 19: rectified from step 3
       ("RAdam", {"betas": (0.9, 0.5)}),  # rho_inf = 3: never rectified
       ("RAdam", {"lr": 0.05, "betas": (0.95, 0.99), "eps": 1e-4, "weight_decay": 0.05})]
    + [("Adamax", kw) for kw in _combos(weight_decay=[0, 0.1], maximize=[False, True])]
    + [("Adamax", {"lr": 0.01, "betas": (0.5, 0.9), "eps": 1e-3}),
       ("Adamax", {"lr": 0.05, "betas": (0.95, 0.99), "weight_decay": 0.05})]
)
IDS = [f"{n}-" + "-".join(f"{k}={v}" for k, v in kw.items()) for n, kw in CASES]
KERNELS = {"NAdam": "nadam_step", "RAdam": "radam_step", "Adamax": "adamax_step"}


@pytest.fixture
def exact_sqrt(monkeypatch):
    """torch.Tensor.sqrt of float32 tensors, correctly rounded (numpy's)."""
    real = torch.Tensor.sqrt

    def sqrt(self):
        return torch.from_numpy(np.sqrt(self.detach().numpy())) if self.dtype == torch.float32 else real(self)
    monkeypatch.setattr(torch.Tensor, "sqrt", sqrt)


def _problem(dtype, seed=0, shapes=SHAPES, steps=STEPS, skip=SKIP):
    """Initial weights and a gradient sequence of random values (signs and scales mixed; None: no gradient)."""
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[None if (i == skip and k % 3 == 2) else (rng.standard_normal(s) * rng.choice([1e-3, 1.0, 10.0]))
              .astype(dtype) for i, s in enumerate(shapes)] for k in range(steps)]
    return init, grads


def _ulps(a, b):
    """Elementwise distance in float32 units in the last place (ordered integers, sign-aware)."""
    ia, ib = (np.ascontiguousarray(x, np.float32).view(np.int32).astype(np.int64) for x in (a, b))
    ia, ib = (np.where(i < 0, -(i & 0x7FFFFFFF), i) for i in (ia, ib))
    return np.abs(ia - ib)


def _param_ok(a, b, scale):
    """Torch's MKL sqrt is off by up to 1 ulp, which moves an update by about that much: allow 2 ulp of the value,
    or 2 ulp of the group's largest parameter (a value near zero has no meaningful ulp)."""
    err = np.abs(a.astype(np.float64) - b)
    return bool(np.all((err <= 2 * np.spacing(np.abs(b))) | (err <= 2 * np.spacing(np.float32(scale)))))


def _param_independent(kw):
    return not kw.get("weight_decay") or kw.get("decoupled_weight_decay", False)


def _set_grads(fps, tps, grads):
    for f, t, g in zip(fps, tps, grads):
        if f is not None:
            f.grad = None if g is None else fastnn.tensor(g.copy())
        t.grad = None if g is None else torch.from_numpy(g.copy())


@pytest.mark.parametrize("sqrt", ["exact", "mkl"])
@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_float32_matches_torch(name, kw, sqrt, request):
    """The C++ kernels on every ISA, stepped beside torch; all ISAs give the same bits."""
    exact = sqrt == "exact" or name == "Adamax" or (name == "RAdam" and kw.get("betas", (0.9, 0.999))[1] == 0.5)
    if sqrt == "exact":
        request.getfixturevalue("exact_sqrt")
    init, grads = _problem(np.float32)
    tps = [torch.from_numpy(a.copy()).requires_grad_() for a in init]
    topt = getattr(torch.optim, name)(tps, foreach=False, **kw)
    isas = fastnn.available_isas()
    ours = []
    for _ in isas:
        fps = [fastnn.tensor(a.copy(), requires_grad=True) for a in init]
        ours.append((fps, getattr(optim, name)(fps, **kw)))
    before = fastnn.get_isa()
    try:
        for k in range(STEPS):
            for isa, (fps, fopt) in zip(isas, ours):
                fastnn.set_isa(isa)
                _set_grads(fps, tps, grads[k])
                fopt.step()
            topt.step()
            scale = max(np.abs(t.detach().numpy()).max() for t in tps)
            for i, t in enumerate(tps):
                tt = t.detach().numpy()
                ts = topt.state[t]
                for fps, fopt in ours:
                    a = fps[i]._data
                    assert np.array_equal(a, ours[0][0][i]._data), f"ISAs differ: step {k + 1}, param {i}"
                    fs = fopt.state[fps[i]]
                    assert list(fs) == list(ts)  # same keys, same order
                    for key, tv in ts.items():
                        fv, tv = fs[key]._data, tv.numpy()
                        assert fv.dtype == tv.dtype and fv.shape == tv.shape
                        if exact or key in ("step", "mu_product") or _param_independent(kw):
                            assert np.array_equal(fv, tv), f"state {key}: step {k + 1}, param {i}"
                        else:
                            assert np.all(_ulps(fv, tv) <= 8), f"state {key}: step {k + 1}, param {i}"
                    if exact:
                        assert np.array_equal(a, tt), f"step {k + 1}, param {i}: max ulp {_ulps(a, tt).max()}"
                    else:
                        assert _param_ok(a, tt, scale), f"step {k + 1}, param {i}: max ulp {_ulps(a, tt).max()}"
    finally:
        fastnn.set_isa(before)


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_float64_numpy_path_matches_torch(name, kw, monkeypatch):
    """float64 parameters take the numpy path (the C++ binding must not be called)."""
    monkeypatch.setattr(_C, KERNELS[name], lambda *a: pytest.fail("float64 went to the C++ kernel"))
    init, grads = _problem(np.float64, seed=1)
    tps = [torch.from_numpy(a.copy()).requires_grad_() for a in init]
    fps = [fastnn.tensor(a.copy(), requires_grad=True) for a in init]
    topt = getattr(torch.optim, name)(tps, foreach=False, **kw)
    fopt = getattr(optim, name)(fps, **kw)
    for k in range(STEPS):
        _set_grads(fps, tps, grads[k])
        fopt.step()
        topt.step()
        scale = max(np.abs(t.detach().numpy()).max() for t in tps)
        for f, t in zip(fps, tps):
            assert f._data.dtype == np.float64
            np.testing.assert_allclose(f._data, t.detach().numpy(), rtol=0, atol=1e-13 * scale)
            for key, tv in topt.state[t].items():
                fv = fopt.state[f][key]._data
                assert fv.dtype == tv.numpy().dtype  # step and mu_product stay float32, as in torch
                np.testing.assert_allclose(fv, tv.numpy(), rtol=0, atol=1e-13 * np.abs(tv.numpy()).max())


def _strided(a):
    big = np.zeros(a.shape + (2,), a.dtype)
    big[..., 0] = a
    return big[..., 0]


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_float32_numpy_path_matches_torch(name, kw, monkeypatch, exact_sqrt):
    """Non-contiguous float32 arrays straight into the backend take the numpy path: torch's bits (with a correctly
    rounded sqrt)."""
    monkeypatch.setattr(_C, KERNELS[name], lambda *a: pytest.fail("strided arrays went to the C++ kernel"))
    init, grads = _problem(np.float32, seed=2, skip=None)
    tps = [torch.from_numpy(a.copy()).requires_grad_() for a in init]
    topt = getattr(torch.optim, name)(tps, foreach=False, **kw)
    ps = [_strided(a) for a in init]
    s0, s1 = [_strided(np.zeros_like(a)) for a in init], [_strided(np.zeros_like(a)) for a in init]
    o = dict(topt.defaults)
    beta1, beta2 = o["betas"]
    mp = np.float32(1.0)
    for k in range(STEPS):
        _set_grads([None] * len(tps), tps, grads[k])
        topt.step()
        args = (o["lr"], beta1, beta2, o["eps"], o["weight_decay"])
        if name == "NAdam":
            mp = np.float32(B.nadam_step(ps, grads[k], s0, s1, mp, k + 1, *args, o["momentum_decay"], o["maximize"],
                                         o["decoupled_weight_decay"]))
        elif name == "RAdam":
            B.radam_step(ps, grads[k], s0, s1, k + 1, *args, o["maximize"], o["decoupled_weight_decay"])
        else:
            B.adamax_step(ps, grads[k], s0, s1, k + 1, *args, o["maximize"])
        for i, t in enumerate(tps):
            ts = list(topt.state[t].values())
            if name == "NAdam":
                assert mp == ts[1].item()
            for ours, theirs in zip((s0[i], s1[i]), ts[-2:]):
                assert np.array_equal(ours, theirs.numpy()), f"step {k + 1}, param {i}"
            assert np.array_equal(ps[i], t.detach().numpy()), f"step {k + 1}, param {i}"


@pytest.mark.parametrize("name", list(KERNELS))
def test_nan_and_inf_gradients_propagate_like_torch(name):
    """NaN / inf in a gradient poison the same elements as in torch (torch.maximum propagates NaN in Adamax)."""
    init, grads = _problem(np.float32, seed=9, steps=4, skip=None)
    grads[1][3][[5, 17]] = np.nan
    grads[1][3][40] = np.inf
    grads[2][3][41] = -np.inf
    tps = [torch.from_numpy(a.copy()).requires_grad_() for a in init]
    fps = [fastnn.tensor(a.copy(), requires_grad=True) for a in init]
    topt, fopt = getattr(torch.optim, name)(tps, foreach=False), getattr(optim, name)(fps)
    for k in range(4):
        _set_grads(fps, tps, grads[k])
        fopt.step()
        topt.step()
        for f, t in zip(fps, tps):
            a, b = f._data, t.detach().numpy()
            assert np.array_equal(np.isnan(a), np.isnan(b)) and np.array_equal(np.isinf(a), np.isinf(b))
            fin = np.isfinite(b)
            assert _param_ok(a[fin], b[fin], 1.0)
            for key, tv in topt.state[t].items():
                assert np.array_equal(np.isnan(fopt.state[f][key]._data), np.isnan(tv.numpy())), key
    assert np.isnan(fps[3]._data[[5, 17, 40, 41]]).all()


@pytest.mark.parametrize("name", list(KERNELS))
def test_float32_groups_take_the_cpp_path(name, monkeypatch):
    """One C++ call per group and step (two when a parameter's step count lags: torch's per-step arithmetic)."""
    calls = []
    real = getattr(_C, KERNELS[name])
    monkeypatch.setattr(_C, KERNELS[name], lambda *a: (calls.append(len(a[0])), real(*a))[1])
    init, grads = _problem(np.float32)
    ps = [fastnn.tensor(a.copy(), requires_grad=True) for a in init]
    o = getattr(optim, name)([{"params": ps[:2]}, {"params": ps[2:]}])
    for k in range(3):
        for p, g in zip(ps, grads[k]):
            p.grad = None if g is None else fastnn.tensor(g)
        o.step()
    assert calls == [2, 3, 2, 3, 2, 2]  # step 3: parameter 2 has no gradient


def test_nadam_mu_products_that_differ_in_one_bucket():
    """Parameters with the same step count but different mu_product (betas changed while one skipped a step) are
    updated with their own mu_product, as torch does."""
    rng = np.random.default_rng(3)
    init = [rng.standard_normal(5).astype(np.float32) for _ in range(2)]
    tps = [torch.from_numpy(a.copy()).requires_grad_() for a in init]
    fps = [fastnn.tensor(a.copy(), requires_grad=True) for a in init]
    topt, fopt = torch.optim.NAdam(tps, foreach=False), optim.NAdam(fps)
    for k, has in enumerate([(1, 1), (1, 0), (0, 1), (1, 1), (1, 1)]):
        if k == 2:
            topt.param_groups[0]["betas"] = fopt.param_groups[0]["betas"] = (0.8, 0.999)
        grads = [rng.standard_normal(5).astype(np.float32) if h else None for h in has]
        _set_grads(fps, tps, grads)
        fopt.step()
        topt.step()
        for f, t in zip(fps, tps):
            assert fopt.state[f]["mu_product"]._data == topt.state[t]["mu_product"].numpy()
            assert _param_ok(f._data, t.detach().numpy(), 1.0)
    mps = [fopt.state[f]["mu_product"].item() for f in fps]
    assert mps[0] != mps[1] and fopt.state[fps[0]]["step"].item() == fopt.state[fps[1]]["step"].item() == 4


@pytest.mark.parametrize("name,kw", [("NAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True}),
                                     ("RAdam", {"weight_decay": 0.1}), ("Adamax", {"maximize": True})])
def test_state_dict_round_trip(name, kw, tmp_path):
    """state_dict has torch's layout and values; 10 steps, save/load into a fresh optimizer, 10 more steps ==
    20 uninterrupted steps, bit for bit."""
    init, grads = _problem(np.float32, seed=4, steps=20)

    def same_as_torch(opt_a):
        tps = [torch.from_numpy(x.copy()).requires_grad_() for x in init]
        topt = getattr(torch.optim, name)(tps, foreach=False, **kw)
        for k in range(10):
            _set_grads([None] * len(tps), tps, grads[k])
            topt.step()
        sd, tsd = opt_a.state_dict(), topt.state_dict()
        drop = lambda groups: [{k: v for k, v in g.items() if k != "foreach"} for g in groups]  # noqa: E731
        assert drop(sd["param_groups"]) == drop(tsd["param_groups"])  # (torch's ran with foreach=False)
        assert list(sd["state"]) == list(tsd["state"])
        for i, ts in tsd["state"].items():
            assert list(sd["state"][i]) == list(ts)
            for key in ("step", "mu_product"):
                if key in ts:
                    assert sd["state"][i][key]._data == ts[key].numpy()

    opt_a = check_round_trip(name, kw, init, grads, 10, tmp_path, before_save=same_as_torch)
    opt_c = getattr(optim, name)([fastnn.tensor(x.copy(), requires_grad=True) for x in init])
    opt_c.load_state_dict(copy.deepcopy(opt_a.state_dict()))  # deepcopy'd state dicts load as well
    assert opt_c.state_dict()["state"][0]["step"].item() == 20


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 -- compared with torch's exception
        return type(e), str(e)
    return None


INVALID = [(name, kw) for name in KERNELS for kw in (
    {"lr": -1}, {"lr": -1e-3}, {"eps": -1.0}, {"betas": (1.0, 0.999)}, {"betas": (-0.1, 0.999)},
    {"betas": (0.9, 1.0)}, {"betas": (0.9, -0.5)}, {"weight_decay": -1}, {"lr": -1, "eps": -1})] + [
    ("NAdam", {"momentum_decay": -1}), ("NAdam", {"momentum_decay": -1e-3, "weight_decay": -1})]


@pytest.mark.parametrize("name,kw", INVALID, ids=[f"{n}-{kw}" for n, kw in INVALID])
def test_invalid_options_raise_torchs_errors(name, kw):
    ours = _error(lambda: getattr(optim, name)([fastnn.ones(2, requires_grad=True)], **kw))
    theirs = _error(lambda: getattr(torch.optim, name)([torch.ones(2, requires_grad=True)], **kw))
    assert theirs is not None and ours == theirs


@pytest.mark.parametrize("name", list(KERNELS))
def test_signature_and_defaults_match_torch(name):
    def params(cls):
        return [(p.name, p.kind, p.default) for p in inspect.signature(cls.__init__).parameters.values()]
    assert params(getattr(optim, name)) == params(getattr(torch.optim, name))
    p = fastnn.ones(2, requires_grad=True)
    defaults = getattr(torch.optim, name)([torch.ones(2, requires_grad=True)]).defaults
    assert getattr(optim, name)([p]).defaults == defaults
    with pytest.raises(NotImplementedError):
        getattr(optim, name)([p], differentiable=True)


@pytest.mark.parametrize("name,kw", [("NAdam", {"weight_decay": 0.1}), ("RAdam", {"weight_decay": 0.1,
                                     "decoupled_weight_decay": True}), ("Adamax", {"weight_decay": 0.1})])
def test_bit_identical_on_one_and_two_threads(name, kw):
    shapes = [(1,), (520, 1000), (17,), (300, 257)]  # crosses the kernels' parallel threshold (2^19 elements)
    init, grads = _problem(np.float32, seed=5, shapes=shapes, steps=4, skip=None)
    results = []
    before = fastnn.get_num_threads()
    try:
        for n in (1, 2):
            fastnn.set_num_threads(n)
            ps = [fastnn.tensor(a.copy(), requires_grad=True) for a in init]
            o = getattr(optim, name)(ps, **kw)
            for g in grads:
                for p, gi in zip(ps, g):
                    p.grad = fastnn.tensor(gi)
                o.step()
            results.append([p._data for p in ps] + [s._data for st in o.state.values() for s in st.values()])
    finally:
        fastnn.set_num_threads(before)
    assert len(results[0]) == len(results[1])
    for a, b in zip(*results):
        assert np.array_equal(a, b)
    assert not np.array_equal(results[0][1], init[1])


# ---- bad inputs straight into the bindings ----
def _call(name, p, g, s0, s1, step=1):
    if name == "nadam_step":
        return _C.nadam_step(p, g, s0, s1, 1.0, step, 2e-3, 0.9, 0.999, 1e-8, 0.0, 4e-3, False, False)
    if name == "radam_step":
        return _C.radam_step(p, g, s0, s1, step, 1e-3, 0.9, 0.999, 1e-8, 0.0, False, False)
    return _C.adamax_step(p, g, s0, s1, step, 2e-3, 0.9, 0.999, 1e-8, 0.0, False)


@pytest.mark.parametrize("name", list(KERNELS.values()))
def test_bad_inputs_raise(name):
    rng = np.random.default_rng(6)
    p = [rng.standard_normal((4, 5)).astype(np.float32) for _ in range(3)]
    g = [rng.standard_normal((4, 5)).astype(np.float32) for _ in range(3)]
    s = [np.abs(rng.standard_normal((4, 5))).astype(np.float32) + 0.1 for _ in range(3)]
    before = [a.copy() for a in p]
    f64 = [a.astype(np.float64) for a in p]
    ro = [a.copy() for a in p]
    ro[2].flags.writeable = False
    bad = [
        (TypeError, None, (f64, g, s, s)),
        (TypeError, None, (p, [a.astype(np.float64) for a in g], s, s)),
        (TypeError, None, (p, g, [a.astype(np.float16) for a in s], s)),
        (ValueError, "shape", (p, [np.ones((5, 4), np.float32)] * 3, s, s)),
        (ValueError, "shape", (p, g, s, s[:2] + [np.ones(20, np.float32)])),
        (ValueError, "contiguous", (p, g, s, [np.asfortranarray(a) for a in s])),
        (ValueError, "contiguous", (p, [a.T.copy().T for a in g], s, s)),
        (ValueError, "read-only", (ro, g, s, s)),
        (ValueError, "entries", (p, g[:2], s, s)),
        (ValueError, "entries", (p, g, s[:1], s)),
        (ValueError, "entries", (p, g, s, s + s)),
        (ValueError, "required", (p, g, None, s)),
        (ValueError, "required", (p, g, s, None)),
        (TypeError, None, (p, [a.tolist() for a in g], s, s)),
        (TypeError, None, (tuple(p), g, s, s)),
        (TypeError, None, (p, g, tuple(s), s)),
        (TypeError, None, (p, g, s, [None] * 3)),
        (TypeError, None, (p, g, s, 3.0)),
    ]
    for exc, match, args in bad:
        with pytest.raises(exc, match=match):
            _call(name, *args)
    with pytest.raises(ValueError, match="step"):
        _call(name, p, g, s, s, step=0)
    assert all(np.array_equal(a, b) for a, b in zip(p, before))  # a failed validation changes nothing
    _call(name, [], [], [], [])  # an empty group is a no-op
    e = [np.empty((0, 3), np.float32)]
    _call(name, e, [np.empty((0, 3), np.float32)], [np.empty((0, 3), np.float32)], [np.empty((0, 3), np.float32)])
    _call(name, p, g, s, [a.copy() for a in s])
    assert not any(np.array_equal(a, b) for a, b in zip(p, before))  # a valid call does update


# ---- lr schedulers and a training run ----
@pytest.mark.parametrize("name", list(KERNELS))
@pytest.mark.parametrize("sched,skw", [("StepLR", {"step_size": 3, "gamma": 0.5}),
                                       ("OneCycleLR", {"max_lr": 0.05, "total_steps": 12})])
def test_lr_schedulers_drive_them_like_torch(name, sched, skw):
    """StepLR writes group['lr']; OneCycleLR also cycles beta1 (group['betas'])."""
    init, grads = _problem(np.float32, seed=7, steps=12)
    tps = [torch.from_numpy(a.copy()).requires_grad_() for a in init]
    fps = [fastnn.tensor(a.copy(), requires_grad=True) for a in init]
    topt = getattr(torch.optim, name)(tps, foreach=False)
    fopt = getattr(optim, name)(fps)
    ts = getattr(torch.optim.lr_scheduler, sched)(topt, **skw)
    fs = getattr(optim.lr_scheduler, sched)(fopt, **skw)
    for k in range(12):
        _set_grads(fps, tps, grads[k])
        fopt.step()
        topt.step()
        fs.step()
        ts.step()
        assert fs.get_last_lr() == ts.get_last_lr()
        assert fopt.param_groups[0]["betas"] == tuple(topt.param_groups[0]["betas"])
        scale = max(np.abs(t.detach().numpy()).max() for t in tps)
        for f, t in zip(fps, tps):
            assert _param_ok(f._data, t.detach().numpy(), scale)
    assert fopt.param_groups[0]["lr"] != fopt.defaults["lr"]


@pytest.mark.parametrize("name,kw", [("NAdam", {"lr": 0.01}), ("NAdam", {"lr": 0.01, "weight_decay": 0.01,
                                     "decoupled_weight_decay": True}), ("RAdam", {"lr": 0.01}),
                                     ("RAdam", {"lr": 0.01, "weight_decay": 0.01}), ("Adamax", {"lr": 0.01})])
def test_mlp_training_losses_match_torch(name, kw):
    """A 10-32-3 MLP trained full-batch for 30 steps: fastnn's losses follow torch's and go down."""
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(10, 32), torch.nn.Tanh(), torch.nn.Linear(32, 3))
    fm = fastnn.nn.Sequential(fastnn.nn.Linear(10, 32), fastnn.nn.Tanh(), fastnn.nn.Linear(32, 3))
    fm.load_state_dict({k: fastnn.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(8)
    x = rng.standard_normal((64, 10)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    tx, ty, fx, fy = torch.from_numpy(x), torch.from_numpy(y), fastnn.tensor(x), fastnn.tensor(y)
    topt = getattr(torch.optim, name)(tm.parameters(), foreach=False, **kw)
    fopt = getattr(optim, name)(fm.parameters(), **kw)
    tl, fl = [], []
    for _ in range(30):
        topt.zero_grad()
        loss = torch.nn.functional.cross_entropy(tm(tx), ty)
        loss.backward()
        topt.step()
        tl.append(loss.item())
        fopt.zero_grad()
        loss = fastnn.nn.functional.cross_entropy(fm(fx), fy)
        loss.backward()
        fopt.step()
        fl.append(loss.item())
    np.testing.assert_allclose(fl, tl, rtol=2e-5)
    assert fl[-1] < 0.95 * fl[0]
