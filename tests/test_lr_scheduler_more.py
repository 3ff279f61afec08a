"""CosineAnnealingWarmRestarts, SequentialLR, ChainedScheduler and CyclicLR against torch.optim.lr_scheduler: lrs
(and momentum / betas) after every step, state_dict round trips, warnings and argument errors."""
import copy
import warnings

import pytest
import torch

import fastnn
from fastnn import optim
from fastnn.optim import lr_scheduler as fsched

tsched = torch.optim.lr_scheduler
REL = 1e-12


def _pair(opt="SGD", lrs=(0.1, 0.03), **kw):
    """The same optimizer (one param group per lr) in fastnn and torch."""
    fo = getattr(optim, opt)([{"params": [fastnn.ones(3, requires_grad=True)], "lr": lr} for lr in lrs], **kw)
    to = getattr(torch.optim, opt)([{"params": [torch.ones(3, requires_grad=True)], "lr": lr} for lr in lrs], **kw)
    return fo, to


def _close(a, b):
    assert len(a) == len(b), (a, b)
    for x, y in zip(a, b):
        assert x == pytest.approx(y, rel=REL, abs=0.0), (a, b)


def _same_momentum(fo, to):
    for fg, tg in zip(fo.param_groups, to.param_groups):
        assert ("momentum" in fg) == ("momentum" in tg) and ("betas" in fg) == ("betas" in tg)
        if "momentum" in tg:
            _close([fg["momentum"]], [tg["momentum"]])
        if "betas" in tg:
            _close(list(fg["betas"]), list(tg["betas"]))


def _check(fo, to, fs, ts):
    _close(fs.get_last_lr(), ts.get_last_lr())
    _close([g["lr"] for g in fo.param_groups], [g["lr"] for g in to.param_groups])
    _same_momentum(fo, to)


def _step_both(fo, to, fs, ts, n, extra=None):
    """optimizer.step() then scheduler.step() in both, n times, checking after every step."""
    for i in range(n):
        fo.step()
        to.step()
        fs.step()
        ts.step()
        _check(fo, to, fs, ts)
        if extra is not None:
            extra(fs, ts)


def _round_trip(fo, to, fs, ts, make, n_after):
    """Save optimizer + scheduler state, load into a fresh pair (scheduler built first, as torch advises), then
    keep stepping the restored fastnn pair against the uninterrupted torch pair."""
    sd = fs.state_dict()
    assert set(sd) == set(ts.state_dict())
    fo2, _ = _pair(fo.__class__.__name__, lrs=[0.5] * len(fo.param_groups))
    fs2 = make(fo2)
    fo2.load_state_dict(copy.deepcopy(fo.state_dict()))
    fs2.load_state_dict(copy.deepcopy(sd))
    assert getattr(fs2, "last_epoch", None) == getattr(ts, "last_epoch", None)  # ChainedScheduler has none
    _check(fo2, to, fs2, ts)
    _step_both(fo2, to, fs2, ts, n_after)


def _both_raise(exc, make_f, make_t, same_message=True):
    with pytest.raises(exc) as ours:
        make_f()
    with pytest.raises(exc) as theirs:
        make_t()
    assert type(ours.value) is type(theirs.value)
    if same_message:
        assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------- CosineAnnealingWarmRestarts

CAWR = [("SGD", {"momentum": 0.9}, {"T_0": 5}),
        ("SGD", {}, {"T_0": 3, "T_mult": 2, "eta_min": 0.001}),
        ("Adam", {}, {"T_0": 4, "T_mult": 3, "eta_min": 1e-4}),
        ("SGD", {"momentum": 0.5}, {"T_0": 1, "eta_min": 0.02})]


@pytest.mark.parametrize("opt,okw,kw", CAWR, ids=[f"cawr-{i}" for i in range(len(CAWR))])
def test_cosine_warm_restarts_matches_torch(opt, okw, kw):
    fo, to = _pair(opt, **okw)
    fs, ts = fsched.CosineAnnealingWarmRestarts(fo, **kw), tsched.CosineAnnealingWarmRestarts(to, **kw)
    assert fs.last_epoch == ts.last_epoch == 0
    _check(fo, to, fs, ts)

    def same_t(fs, ts):
        assert (fs.T_cur, fs.T_i, fs.last_epoch) == (ts.T_cur, ts.T_i, ts.last_epoch)

    _step_both(fo, to, fs, ts, 45, extra=same_t)
    _round_trip(fo, to, fs, ts, lambda o: fsched.CosineAnnealingWarmRestarts(o, **kw), 20)


@pytest.mark.parametrize("kw", [{"T_0": 4}, {"T_0": 2, "T_mult": 2, "eta_min": 0.005}, {"T_0": 3, "T_mult": 3}])
def test_cosine_warm_restarts_fractional_epochs_as_documented(kw):
    """step(epoch + i / iters) after every batch, then the interleaved step(26); step() of the docs; neither
    library warns for step(epoch) here."""
    fo, to = _pair(momentum=0.9)
    fs, ts = fsched.CosineAnnealingWarmRestarts(fo, **kw), tsched.CosineAnnealingWarmRestarts(to, **kw)
    iters = 7
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for epoch in range(12):
            for i in range(iters):
                fo.step()
                to.step()
                fs.step(epoch + i / iters)
                ts.step(epoch + i / iters)
                _check(fo, to, fs, ts)
                assert fs.T_cur == pytest.approx(ts.T_cur, rel=REL) and fs.T_i == ts.T_i
                assert fs.last_epoch == ts.last_epoch == epoch
        fs.step(26)
        ts.step(26)
        _check(fo, to, fs, ts)
        for _ in range(10):  # continues from 27
            fs.step()
            ts.step()
            _check(fo, to, fs, ts)
            assert (fs.T_cur, fs.T_i, fs.last_epoch) == (ts.T_cur, ts.T_i, ts.last_epoch)
        fs.step(2.5)  # back before the first restart
        ts.step(2.5)
        _check(fo, to, fs, ts)
        assert (fs.T_cur, fs.T_i, fs.last_epoch) == (ts.T_cur, ts.T_i, ts.last_epoch)


def test_cosine_warm_restarts_errors():
    fo, to = _pair()
    for kw in ({"T_0": 0}, {"T_0": -2}, {"T_0": 2.0}, {"T_0": 3, "T_mult": 0}, {"T_0": 3, "T_mult": 1.5},
               {"T_0": 3, "eta_min": "0.1"}, {"T_0": 3, "eta_min": None}):
        _both_raise(ValueError, lambda: fsched.CosineAnnealingWarmRestarts(fo, **kw),
                    lambda: tsched.CosineAnnealingWarmRestarts(to, **kw))
    _both_raise(TypeError, lambda: fsched.CosineAnnealingWarmRestarts(fo, T_0="3"),
                lambda: tsched.CosineAnnealingWarmRestarts(to, T_0="3"))
    fs, ts = fsched.CosineAnnealingWarmRestarts(fo, T_0=3), tsched.CosineAnnealingWarmRestarts(to, T_0=3)
    _both_raise(ValueError, lambda: fs.step(-1), lambda: ts.step(-1))
    _both_raise(TypeError, lambda: fsched.CosineAnnealingWarmRestarts(object(), T_0=3),
                lambda: tsched.CosineAnnealingWarmRestarts(object(), T_0=3))
    fo2, to2 = _pair()
    _both_raise(KeyError, lambda: fsched.CosineAnnealingWarmRestarts(fo2, T_0=3, last_epoch=4),
                lambda: tsched.CosineAnnealingWarmRestarts(to2, T_0=3, last_epoch=4), same_message=False)


# ---------------------------------------------------------------- SequentialLR / ChainedScheduler

def _seq_parts(lib, o, case):
    if case == 0:
        return [lib.ConstantLR(o, factor=0.1, total_iters=20), lib.ExponentialLR(o, gamma=0.9)], [20]
    if case == 1:
        return [lib.LinearLR(o, start_factor=0.1, total_iters=5), lib.CosineAnnealingLR(o, T_max=8, eta_min=0.001),
                lib.StepLR(o, step_size=4, gamma=0.5)], [5, 25]
    if case == 2:
        return [lib.LinearLR(o, start_factor=0.25, total_iters=4),
                lib.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2)], [6]
    if case == 3:
        return [lib.ExponentialLR(o, gamma=0.8), lib.MultiStepLR(o, milestones=[3, 9], gamma=0.5),
                lib.PolynomialLR(o, total_iters=10, power=2.0)], [0, 12]
    return [lib.LambdaLR(o, lambda e: 1 / (e + 1)), lib.MultiplicativeLR(o, lambda e: 0.95)], [7]


@pytest.mark.parametrize("case,opt,okw", [(0, "SGD", {"momentum": 0.9}), (1, "SGD", {}), (2, "Adam", {}),
                                          (3, "SGD", {"momentum": 0.1}), (4, "Adam", {})])
def test_sequential_lr_matches_torch(case, opt, okw):
    fo, to = _pair(opt, **okw)
    fparts, ms = _seq_parts(fsched, fo, case)
    tparts, _ = _seq_parts(tsched, to, case)
    fs, ts = fsched.SequentialLR(fo, fparts, milestones=ms), tsched.SequentialLR(to, tparts, milestones=ms)
    _check(fo, to, fs, ts)
    assert [s.last_epoch for s in fparts] == [s.last_epoch for s in tparts]

    def inner(fs, ts):
        assert fs.last_epoch == ts.last_epoch
        assert [s.last_epoch for s in fs._schedulers] == [s.last_epoch for s in ts._schedulers]

    _step_both(fo, to, fs, ts, 40, extra=inner)

    def make(o):
        return fsched.SequentialLR(o, _seq_parts(fsched, o, case)[0], milestones=ms)

    sd = fs.state_dict()
    assert [set(s) for s in sd["_schedulers"]] == [set(s) for s in ts.state_dict()["_schedulers"]]
    _round_trip(fo, to, fs, ts, make, 15)


def _chain_parts(lib, o, case):
    if case == 0:
        return [lib.ConstantLR(o, factor=0.1, total_iters=20), lib.ExponentialLR(o, gamma=0.9)]
    if case == 1:
        return [lib.LinearLR(o, start_factor=0.2, total_iters=10), lib.CosineAnnealingLR(o, T_max=7),
                lib.MultiStepLR(o, milestones=[15, 30], gamma=0.3)]
    return [lib.StepLR(o, step_size=3, gamma=0.7), lib.PolynomialLR(o, total_iters=20, power=0.5)]


@pytest.mark.parametrize("case,opt,okw", [(0, "SGD", {"momentum": 0.9}), (1, "Adam", {}), (2, "SGD", {})])
def test_chained_scheduler_matches_torch(case, opt, okw):
    fo, to = _pair(opt, **okw)
    fs = fsched.ChainedScheduler(_chain_parts(fsched, fo, case))
    ts = tsched.ChainedScheduler(_chain_parts(tsched, to, case))
    _check(fo, to, fs, ts)
    _step_both(fo, to, fs, ts, 40)
    sd = fs.state_dict()
    assert [set(s) for s in sd["_schedulers"]] == [set(s) for s in ts.state_dict()["_schedulers"]]
    _round_trip(fo, to, fs, ts, lambda o: fsched.ChainedScheduler(_chain_parts(fsched, o, case), optimizer=o), 15)


def test_chained_inside_sequential_matches_torch():
    def build(lib, o):
        chain = lib.ChainedScheduler([lib.ExponentialLR(o, gamma=0.9), lib.StepLR(o, step_size=2, gamma=0.5)])
        return lib.SequentialLR(o, [lib.LinearLR(o, start_factor=0.5, total_iters=3), chain], milestones=[0])

    fo, to = _pair(momentum=0.9)
    holder = {}
    # milestone 0: the chain's initial step runs its schedulers' second step() before any optimizer.step(),
    # and both libraries warn about the order
    ours = _warning_texts(lambda: holder.update(f=build(fsched, fo)))
    theirs = _warning_texts(lambda: holder.update(t=build(tsched, to)))
    assert ours == theirs and len(ours) == 2 and all("before `optimizer.step()`" in w for w in ours)
    fs, ts = holder["f"], holder["t"]
    _check(fo, to, fs, ts)
    _step_both(fo, to, fs, ts, 20)


def test_sequential_and_chained_errors():
    fo, to = _pair()
    fo_other, to_other = _pair()
    fe, fp, fother = fsched.ExponentialLR(fo, gamma=0.9), fsched.ReduceLROnPlateau(fo), fsched.StepLR(fo_other, 2)
    te, tp, tother = tsched.ExponentialLR(to, gamma=0.9), tsched.ReduceLROnPlateau(to), tsched.StepLR(to_other, 2)

    _both_raise(ValueError, lambda: fsched.SequentialLR(fo, [], milestones=[]),
                lambda: tsched.SequentialLR(to, [], milestones=[]))
    _both_raise(ValueError, lambda: fsched.SequentialLR(fo, [fe, fe], milestones=[3, 5]),
                lambda: tsched.SequentialLR(to, [te, te], milestones=[3, 5]))
    _both_raise(ValueError, lambda: fsched.SequentialLR(fo, [fe, fp], milestones=[3]),
                lambda: tsched.SequentialLR(to, [te, tp], milestones=[3]))
    _both_raise(TypeError, lambda: fsched.SequentialLR(fo, [fe, object()], milestones=[3]),
                lambda: tsched.SequentialLR(to, [te, object()], milestones=[3]))
    # the message names the optimizer's repr, which differs between the libraries
    _both_raise(ValueError, lambda: fsched.SequentialLR(fo, [fe, fother], milestones=[3]),
                lambda: tsched.SequentialLR(to, [te, tother], milestones=[3]), same_message=False)

    _both_raise(ValueError, lambda: fsched.ChainedScheduler([]), lambda: tsched.ChainedScheduler([]))
    _both_raise(ValueError, lambda: fsched.ChainedScheduler([fe, fp]), lambda: tsched.ChainedScheduler([te, tp]))
    _both_raise(TypeError, lambda: fsched.ChainedScheduler([fe, object()]),
                lambda: tsched.ChainedScheduler([te, object()]))
    _both_raise(ValueError, lambda: fsched.ChainedScheduler([fe, fother]),
                lambda: tsched.ChainedScheduler([te, tother]), same_message=False)
    _both_raise(ValueError, lambda: fsched.ChainedScheduler([fe], optimizer=fo_other),
                lambda: tsched.ChainedScheduler([te], optimizer=to_other), same_message=False)
    # neither takes an epoch
    fs = fsched.ChainedScheduler([fe])
    ts = tsched.ChainedScheduler([te])
    _both_raise(TypeError, lambda: fs.step(3), lambda: ts.step(3), same_message=False)


# ---------------------------------------------------------------- CyclicLR

class _Halving:
    """A callable-object scale_fn: its __dict__ goes into the state_dict."""

    def __init__(self, base=0.5):
        self.base = base

    def __call__(self, x):
        return self.base ** (x - 1)


CYCLIC = [
    ("SGD", {"momentum": 0.9}, {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4}),
    ("SGD", {"momentum": 0.5}, {"base_lr": [0.01, 0.002], "max_lr": [0.1, 0.05], "step_size_up": 3,
                                "step_size_down": 5, "mode": "triangular2", "base_momentum": [0.7, 0.6],
                                "max_momentum": [0.95, 0.9]}),
    ("SGD", {}, {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 5, "mode": "exp_range", "gamma": 0.97}),
    ("Adam", {}, {"base_lr": 0.001, "max_lr": 0.006, "step_size_up": 3, "step_size_down": 2,
                  "base_momentum": 0.85, "max_momentum": 0.95}),
    ("Adam", {"betas": (0.8, 0.99)}, {"base_lr": [0.001, 0.002], "max_lr": 0.01, "step_size_up": 6,
                                      "mode": "exp_range", "gamma": 0.99}),
    ("SGD", {"momentum": 0.9}, {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4, "scale_fn": lambda x: 0.9 ** x,
                                "scale_mode": "iterations"}),
    ("SGD", {"momentum": 0.9}, {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2, "step_size_down": 3,
                                "scale_fn": lambda x: 1 / x, "mode": "nonsense"}),
    ("SGD", {"momentum": 0.9}, {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4, "cycle_momentum": False}),
    ("Adagrad", {}, {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "cycle_momentum": False}),
    ("RMSprop", {"momentum": 0.3}, {"base_lr": 0.001, "max_lr": 0.004, "step_size_up": 3}),
]


@pytest.mark.parametrize("opt,okw,kw", CYCLIC, ids=[f"cyclic-{i}" for i in range(len(CYCLIC))])
def test_cyclic_lr_matches_torch(opt, okw, kw):
    fo, to = _pair(opt, **okw)
    fs, ts = fsched.CyclicLR(fo, **kw), tsched.CyclicLR(to, **kw)
    assert fs.last_epoch == ts.last_epoch == 0
    _check(fo, to, fs, ts)
    for fg, tg in zip(fo.param_groups, to.param_groups):
        assert fg.get("max_momentum") == tg.get("max_momentum")
        assert fg.get("base_momentum") == tg.get("base_momentum")
        assert fg["initial_lr"] == tg["initial_lr"]
    assert fs.base_lrs == ts.base_lrs and fs.scale_mode == ts.scale_mode
    _step_both(fo, to, fs, ts, 50)
    _round_trip(fo, to, fs, ts, lambda o: fsched.CyclicLR(o, **kw), 20)


def test_cyclic_lr_callable_scale_fn_state_round_trip():
    fo, to = _pair(momentum=0.9)
    fs = fsched.CyclicLR(fo, 0.01, 0.1, step_size_up=3, scale_fn=_Halving(0.7))
    ts = tsched.CyclicLR(to, 0.01, 0.1, step_size_up=3, scale_fn=_Halving(0.7))
    _step_both(fo, to, fs, ts, 20)
    sd = fs.state_dict()
    assert sd["_scale_fn_custom"] == ts.state_dict()["_scale_fn_custom"] == {"base": 0.7}
    assert "_scale_fn_ref" not in sd
    _round_trip(fo, to, fs, ts, lambda o: fsched.CyclicLR(o, 0.01, 0.1, step_size_up=3, scale_fn=_Halving(0.2)),
                20)
    # built-in modes: state_dict has no function and load restores the scale function
    fo, to = _pair(momentum=0.9)
    fs = fsched.CyclicLR(fo, 0.01, 0.1, step_size_up=2, mode="exp_range", gamma=0.9)
    ts = tsched.CyclicLR(to, 0.01, 0.1, step_size_up=2, mode="exp_range", gamma=0.9)
    _step_both(fo, to, fs, ts, 7)
    sd = fs.state_dict()
    assert sd["_scale_fn_custom"] is None and "_scale_fn_ref" not in sd
    _round_trip(fo, to, fs, ts, lambda o: fsched.CyclicLR(o, 0.02, 0.2, step_size_up=5), 20)


def test_cyclic_lr_keeps_an_existing_initial_lr_for_its_first_step():
    """torch's first step uses group['initial_lr'] when an earlier scheduler set it; base_lr only afterwards."""
    fo, to = _pair(momentum=0.9)
    fsched.StepLR(fo, step_size=3)
    tsched.StepLR(to, step_size=3)
    fs = fsched.CyclicLR(fo, base_lr=0.01, max_lr=0.2, step_size_up=3)
    ts = tsched.CyclicLR(to, base_lr=0.01, max_lr=0.2, step_size_up=3)
    _check(fo, to, fs, ts)
    assert fs.get_last_lr() == [0.1, 0.03]
    _step_both(fo, to, fs, ts, 12)


def test_cyclic_lr_errors():
    fo, to = _pair("Adagrad")
    _both_raise(ValueError, lambda: fsched.CyclicLR(fo, 0.01, 0.1), lambda: tsched.CyclicLR(to, 0.01, 0.1))
    fo, to = _pair("Adadelta")
    _both_raise(ValueError, lambda: fsched.CyclicLR(fo, 0.01, 0.1), lambda: tsched.CyclicLR(to, 0.01, 0.1))
    fo, to = _pair(momentum=0.9)
    for args, kw in (((0.01, 0.1), {"mode": "triangle"}), (([0.01], 0.1), {}), ((0.01, [0.1, 0.2, 0.3]), {}),
                     ((0.01, 0.1), {"base_momentum": [0.8]}), ((0.01, 0.1), {"max_momentum": [0.9, 0.9, 0.9]})):
        _both_raise(ValueError, lambda: fsched.CyclicLR(fo, *args, **kw), lambda: tsched.CyclicLR(to, *args, **kw))
    _both_raise(TypeError, lambda: fsched.CyclicLR(object(), 0.01, 0.1),
                lambda: tsched.CyclicLR(object(), 0.01, 0.1))
    _both_raise(ZeroDivisionError, lambda: fsched.CyclicLR(fo, 0.01, 0.1, step_size_up=0, step_size_down=0),
                lambda: tsched.CyclicLR(to, 0.01, 0.1, step_size_up=0, step_size_down=0))
    fo, to = _pair(momentum=0.9)
    _both_raise(KeyError, lambda: fsched.CyclicLR(fo, 0.01, 0.1, last_epoch=5),
                lambda: tsched.CyclicLR(to, 0.01, 0.1, last_epoch=5), same_message=False)


# ---------------------------------------------------------------- warnings

def _warning_texts(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


@pytest.mark.parametrize("name,kw", [("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3}),
                                     ("CosineAnnealingWarmRestarts", {"T_0": 3})])
def test_warnings_match_torch(name, kw):
    fo, to = _pair(momentum=0.9)
    fs, ts = getattr(fsched, name)(fo, **kw), getattr(tsched, name)(to, **kw)
    # scheduler.step() before optimizer.step(): CyclicLR warns, CosineAnnealingWarmRestarts (own step) does not
    assert _warning_texts(fs.step) == _warning_texts(ts.step)
    # get_lr() outside step() points to get_last_lr()
    ours, theirs = _warning_texts(fs.get_lr), _warning_texts(ts.get_lr)
    assert ours == theirs and len(ours) == 1 and "get_last_lr()" in ours[0]
    # a stepped schedule is quiet
    fo.step()
    to.step()
    assert _warning_texts(fs.step) == _warning_texts(ts.step) == []
    _check(fo, to, fs, ts)


def test_step_with_epoch_warns_like_torch():
    fo, to = _pair(momentum=0.9)
    fs = fsched.CyclicLR(fo, 0.01, 0.1, step_size_up=3)
    ts = tsched.CyclicLR(to, 0.01, 0.1, step_size_up=3)
    fo.step()
    to.step()
    assert _warning_texts(lambda: fs.step(7)) == _warning_texts(lambda: ts.step(7))
    _check(fo, to, fs, ts)
    _step_both(fo, to, fs, ts, 5)
