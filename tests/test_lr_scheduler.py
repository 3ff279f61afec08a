"""fastnn.optim.lr_scheduler against torch.optim.lr_scheduler: the learning rates after every step are equal."""
import math

import numpy as np
import pytest
import torch

import fastnn
from fastnn import optim
from fastnn.optim import lr_scheduler as fsched

EPOCHS = 60


def _pair(opt="SGD", lrs=(0.1, 0.03), **kw):
    """The same optimizer (two param groups) in fastnn and torch."""
    fo = getattr(optim, opt)([{"params": [fastnn.ones(3, requires_grad=True)], "lr": lr} for lr in lrs], **kw)
    to = getattr(torch.optim, opt)([{"params": [torch.ones(3, requires_grad=True)], "lr": lr} for lr in lrs], **kw)
    return fo, to


SCHEDULERS = [
    ("StepLR", {"step_size": 7}), ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [5, 12, 12, 40], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.93}),
    ("CosineAnnealingLR", {"T_max": 10}), ("CosineAnnealingLR", {"T_max": 17, "eta_min": 0.001}),
    ("LambdaLR", {"lr_lambda": lambda e: 0.95 ** e}),
    ("LambdaLR", {"lr_lambda": [lambda e: 1 / (e + 1), lambda e: math.sin(e) + 2]}),
    ("MultiplicativeLR", {"lr_lambda": lambda e: 0.97}),
    ("ConstantLR", {"factor": 0.25, "total_iters": 8}),
    ("LinearLR", {"start_factor": 0.2, "end_factor": 0.9, "total_iters": 13}),
    ("PolynomialLR", {"total_iters": 25, "power": 2.0}),
    ("OneCycleLR", {"max_lr": 0.5, "total_steps": EPOCHS}),
    ("OneCycleLR", {"max_lr": [0.5, 0.2], "total_steps": EPOCHS, "anneal_strategy": "linear", "three_phase": True}),
    ("OneCycleLR", {"max_lr": 0.5, "epochs": 6, "steps_per_epoch": 10, "cycle_momentum": False}),
]


def _step_both(fo, to, fs, ts, n, check_momentum=False):
    for epoch in range(n):
        fo.step()
        to.step()
        fs.step()
        ts.step()
        assert fs.get_last_lr() == ts.get_last_lr(), f"epoch {epoch}"
        assert [g["lr"] for g in fo.param_groups] == [g["lr"] for g in to.param_groups]
        if check_momentum:
            for fg, tg in zip(fo.param_groups, to.param_groups):
                assert fg.get("momentum") == tg.get("momentum") and fg.get("betas") == tg.get("betas")


@pytest.mark.parametrize("name,kw", SCHEDULERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULERS)])
def test_matches_torch(name, kw):
    fo, to = _pair(momentum=0.9)
    fs, ts = getattr(fsched, name)(fo, **kw), getattr(torch.optim.lr_scheduler, name)(to, **kw)
    assert fs.get_last_lr() == ts.get_last_lr()
    assert fs.last_epoch == ts.last_epoch == 0
    assert [g["initial_lr"] for g in fo.param_groups] == [g["initial_lr"] for g in to.param_groups]
    _step_both(fo, to, fs, ts, EPOCHS, check_momentum=True)


def test_one_cycle_cycles_adam_beta1_and_refuses_extra_steps():
    fo, to = _pair("Adam")
    fs = fsched.OneCycleLR(fo, max_lr=0.1, total_steps=20)
    ts = torch.optim.lr_scheduler.OneCycleLR(to, max_lr=0.1, total_steps=20)
    _step_both(fo, to, fs, ts, 20, check_momentum=True)
    with pytest.raises(ValueError, match="Tried to step 21 times"):
        fs.step()


@pytest.mark.parametrize("kw", [{}, {"mode": "max", "factor": 0.5, "patience": 2, "threshold": 0.1},
                                {"threshold_mode": "abs", "threshold": 0.05, "cooldown": 3, "patience": 1},
                                {"mode": "max", "threshold_mode": "abs", "min_lr": [0.01, 0.02], "patience": 0},
                                {"factor": 0.5, "patience": 0, "eps": 0.02, "min_lr": 0.001}])
def test_reduce_on_plateau_matches_torch(kw):
    fo, to = _pair()
    fs = fsched.ReduceLROnPlateau(fo, **kw)
    ts = torch.optim.lr_scheduler.ReduceLROnPlateau(to, **kw)
    rng = np.random.default_rng(1)
    metric = 1.0
    for epoch in range(100):  # noisy, sometimes improving, often flat
        metric = metric * (0.97 if rng.random() < 0.3 else 1.0) + rng.normal(0, 0.01)
        fo.step()
        to.step()
        fs.step(metric)
        ts.step(metric)
        assert fs.get_last_lr() == ts.get_last_lr(), f"epoch {epoch}"
        assert (fs.num_bad_epochs, fs.cooldown_counter, fs.best) == (ts.num_bad_epochs, ts.cooldown_counter, ts.best)
    assert fs.get_last_lr() != [0.1, 0.03]  # the test did exercise reductions
    fs.step(fastnn.tensor(0.5))  # a 0-d tensor metric works


def test_reduce_on_plateau_errors():
    fo, to = _pair()
    for kw in ({"factor": 1.0}, {"mode": "avg"}, {"threshold_mode": "x"}, {"min_lr": [0.1]}):
        with pytest.raises(ValueError) as ours:
            fsched.ReduceLROnPlateau(fo, **kw)
        with pytest.raises(ValueError) as theirs:
            torch.optim.lr_scheduler.ReduceLROnPlateau(to, **kw)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name,kw", [("StepLR", {"step_size": 4}), ("CosineAnnealingLR", {"T_max": 9}),
                                     ("MultiStepLR", {"milestones": [3, 8]}), ("ExponentialLR", {"gamma": 0.9})])
def test_state_dict_round_trip_through_save(name, kw, tmp_path):
    """Interrupt after 20 epochs: optimizer + scheduler state saved and loaded, 30 more epochs match torch."""
    fo, to = _pair()
    fs, ts = getattr(fsched, name)(fo, **kw), getattr(torch.optim.lr_scheduler, name)(to, **kw)
    _step_both(fo, to, fs, ts, 20)
    fastnn.save({"opt": fo.state_dict(), "sched": fs.state_dict()}, tmp_path / "s.safetensors")
    ck = fastnn.load(tmp_path / "s.safetensors")
    fo2, _ = _pair()
    fs2 = getattr(fsched, name)(fo2, **kw)
    fo2.load_state_dict(ck["opt"])
    fs2.load_state_dict(ck["sched"])
    assert fs2.last_epoch == 20 and fs2.get_last_lr() == ts.get_last_lr()
    _step_both(fo2, to, fs2, ts, 30)


def test_step_with_epoch_uses_closed_form():
    fo, to = _pair()
    fs = fsched.StepLR(fo, step_size=5, gamma=0.5)
    ts = torch.optim.lr_scheduler.StepLR(to, step_size=5, gamma=0.5)
    with pytest.warns(UserWarning):
        fs.step(12)
    with pytest.warns(UserWarning):
        ts.step(12)
    assert fs.get_last_lr() == ts.get_last_lr()


def test_scheduler_errors_and_warnings():
    fo, _ = _pair()
    with pytest.raises(TypeError, match="is not an Optimizer"):
        fsched.StepLR(object(), step_size=1)
    with pytest.raises(KeyError, match="initial_lr"):
        fsched.StepLR(fo, step_size=1, last_epoch=3)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        fsched.LambdaLR(fo, [lambda e: 1.0])
    with pytest.raises(ValueError, match="You must define either total_steps"):
        fsched.OneCycleLR(fo, max_lr=0.1)
    s = fsched.ExponentialLR(fo, gamma=0.5)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()
