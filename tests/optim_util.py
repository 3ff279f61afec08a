"""A check the optimizer test files share."""
import numpy as np

import fastnn
from fastnn import optim


def _run(params, opt, grads, steps):
    for s in steps:
        for p, g in zip(params, grads[s]):
            p.grad = None if g is None else fastnn.tensor(g)
        opt.step()


def check_round_trip(name, kw, init, grads, split, path, before_save=None):
    """optim.`name`(**kw) on parameters `init` with gradients grads[step] (None: no gradient that step): `split`
    steps, state_dict -> fastnn.save/load into a fresh optimizer (whose options come from the state dict), then the
    remaining steps == all of them uninterrupted, bit for bit, for the fresh one and for the original, which keeps
    going too. before_save(optimizer) runs at the split. Returns the original optimizer."""
    ref = [fastnn.tensor(a.copy(), requires_grad=True) for a in init]
    _run(ref, getattr(optim, name)(ref, **kw), grads, range(len(grads)))

    a = [fastnn.tensor(x.copy(), requires_grad=True) for x in init]
    opt_a = getattr(optim, name)(a, **kw)
    _run(a, opt_a, grads, range(split))
    if before_save is not None:
        before_save(opt_a)
    fastnn.save({"params": a, "optim": opt_a.state_dict()}, path / "ckpt.safetensors")
    ck = fastnn.load(path / "ckpt.safetensors")
    b = [fastnn.tensor(p._data.copy(), requires_grad=True) for p in ck["params"]]
    opt_b = getattr(optim, name)(b, lr=123.0)  # options come from the state dict
    opt_b.load_state_dict(ck["optim"])
    assert opt_b.param_groups[0]["lr"] == opt_a.param_groups[0]["lr"]
    _run(b, opt_b, grads, range(split, len(grads)))
    _run(a, opt_a, grads, range(split, len(grads)))
    for x, y, r in zip(a, b, ref):
        assert np.array_equal(x._data, r._data) and np.array_equal(y._data, r._data)
    return opt_a
