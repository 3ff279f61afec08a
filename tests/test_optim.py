"""fastnn.optim against torch.optim: same initial weights, same numpy gradient sequence, every step compared."""
import copy
import itertools
import zlib

import numpy as np
import pytest
import torch

import fastnn
from fastnn import optim
from optim_util import check_round_trip

STEPS = 200
SHAPES = [(7,), (15, 16), (1,), (17, 3), (65,)]
SKIP_PARAM = 2  # this parameter has no gradient on every third step (its step count lags behind)


def _combos(**options):
    names = list(options)
    return [dict(zip(names, values)) for values in itertools.product(*options.values())]


def _valid_sgd(kw):
    return not kw["nesterov"] or (kw["momentum"] > 0 and kw["dampening"] == 0)


# every combination of the boolean / on-off options (float32: the C++ kernels), plus a few other values
CASES = (
    [("SGD", kw) for kw in _combos(lr=[0.01], momentum=[0, 0.9], dampening=[0, 0.1], weight_decay=[0, 0.01],
                                   nesterov=[False, True], maximize=[False, True]) if _valid_sgd(kw)]
    + [("Adam", kw) for kw in _combos(lr=[1e-2], weight_decay=[0, 0.1], amsgrad=[False, True], maximize=[False, True],
                                      decoupled_weight_decay=[False, True])]
    + [("AdamW", kw) for kw in _combos(lr=[1e-2], amsgrad=[False, True], maximize=[False, True])]
    + [("Adagrad", kw) for kw in _combos(lr_decay=[0, 0.01], weight_decay=[0, 0.1], initial_accumulator_value=[0, 0.1],
                                         maximize=[False, True])]
    + [("RMSprop", kw) for kw in _combos(lr=[1e-3], weight_decay=[0, 0.1], momentum=[0, 0.9], centered=[False, True],
                                         maximize=[False, True])]
    + [("Adadelta", kw) for kw in _combos(weight_decay=[0, 0.1], maximize=[False, True])]
    + [("Adam", {"lr": 1e-2, "betas": (0.8, 0.99), "eps": 1e-3}), ("AdamW", {"lr": 1e-2, "weight_decay": 0.5}),
       ("Adagrad", {"eps": 1e-3, "lr": 0.1}), ("RMSprop", {"alpha": 0.9, "eps": 1e-3, "momentum": 0.5}),
       ("Adadelta", {"lr": 0.5, "rho": 0.5, "eps": 1e-3})]
)
DEFAULT_CASES = [(name, {}) for name in ("SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta")]
FULL_CASES = [("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01, "maximize": True}),
              ("SGD", {"lr": 0.01, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
              ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
              ("AdamW", {"lr": 0.01, "amsgrad": True, "maximize": True}),
              ("Adagrad", {"lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.1, "maximize": True}),
              ("RMSprop", {"momentum": 0.9, "centered": True, "weight_decay": 0.1, "maximize": True}),
              ("Adadelta", {"weight_decay": 0.1, "maximize": True})]
RUNS = ([(n, kw, np.float32) for n, kw in CASES + DEFAULT_CASES]
        + [(n, kw, np.float64) for n, kw in FULL_CASES + DEFAULT_CASES])  # float64: the numpy path


def _initial(rng, dtype):
    # offset the 1-element parameter so that it does not cross zero, where a relative check means nothing
    return [(rng.standard_normal(s) + (4.0 if s == (1,) else 0.0)).astype(dtype) for s in SHAPES]


def _grads(rng, step, dtype):
    return [None if (i == SKIP_PARAM and step % 3 == 0) else rng.standard_normal(s).astype(dtype)
            for i, s in enumerate(SHAPES)]


def _set_grads(fps, tps, grads):
    for f, t, g in zip(fps, tps, grads):
        f.grad = None if g is None else fastnn.tensor(g.copy())
        t.grad = None if g is None else torch.from_numpy(g.copy())


def _check(fps, tps, step, what):
    for i, (f, t) in enumerate(zip(fps, tps)):
        tt = t.detach().numpy()
        assert f._data.dtype == tt.dtype
        err = np.abs(f._data.astype(np.float64) - tt).max()
        assert err <= 1e-5 * np.abs(tt).max(), f"{what}: step {step}, param {i}: max err {err}"


def _build(name, groups_f, groups_t, kw):
    return getattr(optim, name)(groups_f, **kw), getattr(torch.optim, name)(groups_t, **kw)


@pytest.mark.parametrize("name,kw,dtype", RUNS, ids=[f"{n}-{kw}-{np.dtype(d).name}" for n, kw, d in RUNS])
def test_matches_torch(name, kw, dtype):
    rng = np.random.default_rng(zlib.crc32(f"{name}{kw}".encode()))
    init = _initial(rng, dtype)
    fps = [fastnn.tensor(a.copy(), requires_grad=True) for a in init]
    tps = [torch.tensor(a.copy(), requires_grad=True) for a in init]
    fo, to = _build(name, fps, tps, kw)
    assert repr(fo) == repr(to)
    for step in range(STEPS):
        _set_grads(fps, tps, _grads(rng, step, dtype))
        fo.step()
        to.step()
        _check(fps, tps, step, name)
    # same state layout as torch: keys per parameter, step counts, group options
    fsd, tsd = fo.state_dict(), to.state_dict()
    assert {k: sorted(v) for k, v in fsd["state"].items()} == {k: sorted(v) for k, v in tsd["state"].items()}
    for k, st in tsd["state"].items():
        if "step" in st:
            assert float(fsd["state"][k]["step"]) == float(st["step"])
    assert fsd["param_groups"] == tsd["param_groups"]


@pytest.mark.parametrize("isa", fastnn.available_isas())
def test_matches_torch_on_every_isa(isa):
    old = fastnn.get_isa()
    try:
        fastnn.set_isa(isa)
        for name, kw in FULL_CASES:
            test_matches_torch(name, kw, np.float32)
    finally:
        fastnn.set_isa(old)


GROUP_CASES = [
    ("SGD", [{"lr": 0.05, "momentum": 0.9, "nesterov": True}, {"weight_decay": 0.1, "maximize": True}], {"lr": 0.01}),
    ("Adam", [{"amsgrad": True}, {"lr": 0.05, "betas": (0.5, 0.9), "weight_decay": 0.1}], {"lr": 0.01}),
    ("AdamW", [{"weight_decay": 0.5}, {"maximize": True}], {"lr": 0.01}),
    ("Adagrad", [{"lr_decay": 0.1}, {"initial_accumulator_value": 1.0, "lr": 0.1}], {}),
    ("RMSprop", [{"centered": True, "momentum": 0.5}, {"alpha": 0.5}], {"lr": 1e-3}),
    ("Adadelta", [{"rho": 0.5}, {"lr": 0.1, "weight_decay": 0.1}], {}),
]


@pytest.mark.parametrize("name,opts,kw", GROUP_CASES, ids=[c[0] for c in GROUP_CASES])
def test_param_groups_with_different_options(name, opts, kw):
    """Two groups with their own options; a third group mixing float32 and float64 parameters."""
    rng = np.random.default_rng(7)
    init32, init64 = _initial(rng, np.float32), _initial(rng, np.float64)
    fps = [fastnn.tensor(a.copy(), requires_grad=True) for a in init32 + init64]
    tps = [torch.tensor(a.copy(), requires_grad=True) for a in init32 + init64]
    split = [slice(0, 3), slice(3, 6), slice(6, 10)]
    fo, to = _build(name, [dict(o, params=fps[s]) for o, s in zip(opts + [{}], split)],
                    [dict(o, params=tps[s]) for o, s in zip(opts + [{}], split)], kw)
    assert repr(fo) == repr(to)
    for step in range(STEPS):
        grads = _grads(rng, step, np.float32) + _grads(rng, step, np.float64)
        _set_grads(fps, tps, grads)
        fo.step()
        to.step()
        _check(fps, tps, step, name)


def test_params_without_grad_are_untouched_and_get_no_state():
    p, q = fastnn.tensor([1.0, 2.0], requires_grad=True), fastnn.tensor([3.0], requires_grad=True)
    o = optim.Adam([p, q], lr=0.1)
    p.grad = fastnn.tensor([0.5, -0.5])
    o.step()
    assert q._data.tolist() == [3.0] and q not in o.state
    assert float(o.state[p]["step"]) == 1.0


def test_grad_non_contiguous_and_other_dtype():
    """A transposed (non-contiguous) gradient of a float32 parameter gives torch's result; a float64 one is
    refused when assigned, as torch refuses it."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((5, 7)).astype(np.float32)
    g = rng.standard_normal((7, 5)).astype(np.float32)
    f, t = fastnn.tensor(a.copy(), requires_grad=True), torch.tensor(a.copy(), requires_grad=True)
    fo, to = optim.Adam([f], lr=0.1), torch.optim.Adam([t], lr=0.1)
    f.grad = fastnn.Tensor._make(g.T)
    t.grad = torch.from_numpy(g.T.copy())
    fo.step()
    to.step()
    np.testing.assert_allclose(f._data, t.detach().numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="dtype"):
        f.grad = fastnn.tensor(g.T.astype(np.float64))
    with pytest.raises(RuntimeError, match="dtype"):
        t.grad = torch.from_numpy(g.T.astype(np.float64))


def test_non_contiguous_parameter_is_updated_in_place():
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    p = fastnn.Tensor._make(base.T)  # a strided leaf
    p.requires_grad = True
    p.grad = fastnn.tensor(np.ones((4, 3), np.float32))
    optim.SGD([p], lr=0.5).step()
    np.testing.assert_array_equal(base, np.arange(12, dtype=np.float32).reshape(3, 4) - 0.5)


@pytest.mark.parametrize("name,kw", [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"amsgrad": True}),
                                     ("AdamW", {}), ("Adagrad", {"lr_decay": 0.01}),
                                     ("RMSprop", {"momentum": 0.9, "centered": True}), ("Adadelta", {})])
def test_state_dict_round_trip_is_bit_identical(name, kw, tmp_path):
    """50 steps, state_dict -> fastnn.save/load -> fresh optimizer, 50 more steps == 100 uninterrupted steps."""
    rng = np.random.default_rng(11)
    init = _initial(rng, np.float32)
    grads = [_grads(rng, s, np.float32) for s in range(100)]
    check_round_trip(name, kw, init, grads, 50, tmp_path)


def test_load_state_dict_copies_and_casts():
    p = fastnn.tensor(np.ones(3, np.float64), requires_grad=True)
    o = optim.Adam([p])
    p.grad = fastnn.tensor(np.ones(3, np.float64))
    o.step()
    sd = o.state_dict()
    q = fastnn.tensor(np.ones(3, np.float32), requires_grad=True)
    o2 = optim.Adam([q])
    o2.load_state_dict(sd)
    assert o2.state[q]["exp_avg"]._data.dtype == np.float32
    assert o2.state[q]["step"]._data.dtype == np.float32 and o2.state[q]["step"]._data.shape == ()
    sd["state"][0]["exp_avg"]._data[:] = 99  # no aliasing with the source
    assert o2.state[q]["exp_avg"]._data[0] != 99
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.Adam([{"params": [q]}, {"params": [fastnn.ones(1, requires_grad=True)]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.Adam([q, fastnn.ones(1, requires_grad=True)]).load_state_dict(sd)


def test_zero_grad_and_closure_and_add_param_group():
    p = fastnn.tensor([1.0, 2.0], requires_grad=True)
    o = optim.SGD([p], lr=0.1)
    p.grad = fastnn.tensor([1.0, 1.0])
    o.zero_grad(set_to_none=False)
    assert p.grad is not None and p.grad._data.tolist() == [0.0, 0.0]
    o.zero_grad()
    assert p.grad is None

    def closure():
        o.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = o.step(closure)
    assert float(loss) == 5.0
    np.testing.assert_allclose(p._data, [0.8, 1.6], rtol=1e-6)
    q = fastnn.tensor([1.0], requires_grad=True)
    o.add_param_group({"params": q, "lr": 0.5})
    assert o.param_groups[1]["lr"] == 0.5 and o.param_groups[1]["momentum"] == 0
    with pytest.raises(ValueError, match="more than one parameter group"):
        o.add_param_group({"params": [p]})


def test_optimizer_deepcopy_is_independent():
    p = fastnn.tensor([1.0, 2.0], requires_grad=True)
    o = optim.Adam([p])
    p.grad = fastnn.tensor([1.0, 1.0])
    o.step()
    o2 = copy.deepcopy(o)
    assert o2.state_dict()["state"][0]["exp_avg"]._data.tolist() == o.state[p]["exp_avg"]._data.tolist()


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 -- we compare the exception with torch's
        return type(e), str(e)
    return None


INVALID = [
    ("SGD", {"lr": -1}), ("SGD", {"momentum": -0.5}), ("SGD", {"weight_decay": -1e-3}),
    ("SGD", {"nesterov": True}), ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}),
    ("Adam", {"lr": -1}), ("Adam", {"eps": -1.0}), ("Adam", {"betas": (1.0, 0.999)}), ("Adam", {"betas": (0.9, -0.1)}),
    ("Adam", {"weight_decay": -1}), ("Adam", {"betas": (1, 0.999)}), ("AdamW", {"lr": -0.1}),
    ("AdamW", {"betas": (0.9, 1.5)}),
    ("Adagrad", {"lr": -1}), ("Adagrad", {"lr_decay": -1}), ("Adagrad", {"weight_decay": -1}),
    ("Adagrad", {"initial_accumulator_value": -1}), ("Adagrad", {"eps": -1}),
    ("RMSprop", {"lr": -1}), ("RMSprop", {"eps": -1}), ("RMSprop", {"momentum": -1}),
    ("RMSprop", {"weight_decay": -1}), ("RMSprop", {"alpha": -1}),
    ("Adadelta", {"lr": -1}), ("Adadelta", {"rho": 1.5}), ("Adadelta", {"eps": -1}), ("Adadelta", {"weight_decay": -1}),
]


@pytest.mark.parametrize("name,kw", INVALID, ids=[f"{n}-{kw}" for n, kw in INVALID])
def test_invalid_options_raise_torchs_errors(name, kw):
    ours = _error(lambda: getattr(optim, name)([fastnn.ones(2, requires_grad=True)], **kw))
    theirs = _error(lambda: getattr(torch.optim, name)([torch.ones(2, requires_grad=True)], **kw))
    assert theirs is not None and ours == theirs


def test_invalid_params_raise_torchs_errors():
    assert _error(lambda: optim.SGD([], lr=0.1)) == _error(lambda: torch.optim.SGD([], lr=0.1))
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(fastnn.ones(2, requires_grad=True))
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([1.0])
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {fastnn.ones(2, requires_grad=True)}}])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([fastnn.ones(2, requires_grad=True) * 2])
    p = fastnn.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}])
    with pytest.raises(NotImplementedError):
        optim.SGD([p], differentiable=True)


def test_lr_can_be_changed_between_steps():
    """Schedulers write group['lr']; the next step must use it (no stale cache)."""
    p = fastnn.tensor([1.0], requires_grad=True)
    o = optim.SGD([p], lr=0.1)
    p.grad = fastnn.tensor([1.0])
    o.step()
    o.param_groups[0]["lr"] = 0.5
    o.step()
    np.testing.assert_allclose(p._data, [0.4], rtol=1e-6)


@pytest.mark.parametrize("threads", [1, 2])
def test_threads_give_identical_results(threads):
    rng = np.random.default_rng(5)
    a = rng.standard_normal(100_003).astype(np.float32)
    grads = [rng.standard_normal(a.shape).astype(np.float32) for _ in range(5)]
    results = []
    old = fastnn.get_num_threads()
    try:
        for n in (1, threads):
            fastnn.set_num_threads(n)
            p = fastnn.tensor(a.copy(), requires_grad=True)
            o = optim.Adam([p], lr=0.1, amsgrad=True)
            for g in grads:
                p.grad = fastnn.tensor(g)
                o.step()
            results.append(p._data.copy())
    finally:
        fastnn.set_num_threads(old)
    assert np.array_equal(results[0], results[1])


@pytest.mark.parametrize("name,kernel", [("SGD", "sgd_step"), ("Adam", "adam_step"), ("AdamW", "adam_step"),
                                         ("Adagrad", "adagrad_step"), ("RMSprop", "rmsprop_step"),
                                         ("Adadelta", "adadelta_step")])
def test_one_kernel_call_per_group_with_contiguous_arrays(name, kernel, monkeypatch):
    """Each step is one backend call per param group, on lists of C-contiguous arrays of one dtype."""
    from fastnn.backend.cpu import optim as backend
    calls = []
    real = getattr(backend, kernel)

    def spy(params, grads, *rest):
        arrays = list(params) + list(grads) + [a for r in rest if isinstance(r, list) for a in r if a is not None]
        assert all(a.flags.c_contiguous and a.dtype is arrays[0].dtype for a in arrays)
        calls.append(len(params))
        return real(params, grads, *rest)

    monkeypatch.setattr(backend, kernel, spy)
    ps = [fastnn.tensor(np.full(s, 0.5, np.float32), requires_grad=True) for s in SHAPES]
    o = getattr(optim, name)([{"params": ps[:2]}, {"params": ps[2:]}], momentum=0.9) if name == "SGD" else \
        getattr(optim, name)([{"params": ps[:2]}, {"params": ps[2:]}])
    for step in range(3):
        for p in ps:
            p.grad = fastnn.Tensor._make(np.ones(p.shape[::-1], np.float32).T)  # non-contiguous grads
        ps[4].grad = None
        o.step()
    assert calls == [2, 2] * 3
