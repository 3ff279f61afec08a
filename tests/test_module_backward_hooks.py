"""Module full backward hooks (register_full_backward_hook / register_full_backward_pre_hook) against torch: what
the hooks see, what their return values change, their errors and warnings, and Sequential's fused path."""
import warnings

import numpy as np
import pytest
import torch

import fastnn


def _params(lib, module, seed=1):
    r = np.random.default_rng(seed)
    for p in module.parameters():
        p.data = lib.tensor(r.standard_normal(tuple(p.shape)).astype(np.float32))
    return module


def _arr(g):
    return None if g is None else np.array(g.detach().numpy() if hasattr(g, "detach") else g)


def _both(scenario):
    """Runs scenario(lib, log) for torch and fastnn; returns the two logs (lists of arrays / values)."""
    logs = []
    for lib in (torch, fastnn):
        log = []
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            scenario(lib, log)
        log.append([str(x.message) for x in w if x.category is UserWarning])
        logs.append(log)
    return logs


def _assert_same(t_log, f_log):
    assert len(t_log) == len(f_log)
    for t, f in zip(t_log, f_log):
        if isinstance(t, np.ndarray):
            np.testing.assert_allclose(f, t, rtol=1e-5, atol=1e-6)
        elif isinstance(t, (list, tuple)) and t and isinstance(t[0], (np.ndarray, type(None))):
            assert len(t) == len(f)
            for a, b in zip(t, f):
                assert (a is None) == (b is None)
                if a is not None:
                    np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
        else:
            assert f == t


def _x(lib, requires_grad=True, shape=(5, 3), seed=2):
    return lib.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32),
                      requires_grad=requires_grad)


def test_hook_sees_grad_input_and_grad_output():
    def scenario(lib, log):
        m = _params(lib, lib.nn.Linear(3, 4))
        m.register_full_backward_hook(lambda mod, gi, go: log.extend([mod is m, [_arr(g) for g in gi],
                                                                      [_arr(g) for g in go]]))
        x = _x(lib)
        y = m(x)
        log.append(y.grad_fn.name())
        (y * y).sum().backward()
        log.append(_arr(x.grad))
    _assert_same(*_both(scenario))


def test_hook_return_replaces_grad_input_and_pre_hook_replaces_grad_output():
    def scenario(lib, log):
        m = _params(lib, lib.nn.Linear(3, 4))
        m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 3,))
        m.register_full_backward_hook(lambda mod, gi, go: (gi[0] + 1,))
        x = _x(lib)
        m(x).tanh().sum().backward()
        log.extend([_arr(x.grad), _arr(m.weight.grad), _arr(m.bias.grad)])
    t, f = _both(scenario)
    _assert_same(t, f)
    plain = _both(lambda lib, log: (lambda m, x: (m(x).tanh().sum().backward(), log.append(_arr(x.grad))))(
        _params(lib, lib.nn.Linear(3, 4)), _x(lib)))
    assert not np.allclose(plain[1][0], f[0])  # the hooks did change the gradients


def test_hooks_chain_in_order_and_prepend_and_remove():
    def scenario(lib, log):
        m = _params(lib, lib.nn.Linear(3, 2))
        h1 = m.register_full_backward_hook(lambda mod, gi, go: log.append("first"))
        m.register_full_backward_hook(lambda mod, gi, go: log.append("second"))
        m.register_full_backward_hook(lambda mod, gi, go: log.append("prepended"), prepend=True)
        m(_x(lib)).sum().backward()
        h1.remove()
        m(_x(lib)).sum().backward()
    _assert_same(*_both(scenario))


def test_no_input_requires_grad_fires_at_output_with_warning():
    def scenario(lib, log):
        m = _params(lib, lib.nn.Linear(3, 2))
        m.register_full_backward_hook(lambda mod, gi, go: log.extend([list(gi), [_arr(g) for g in go]]))
        m(_x(lib, requires_grad=False)).sum().backward()
        log.append(_arr(m.weight.grad))
    t, f = _both(scenario)
    assert t[-1] and "Full backward hook is firing" in t[-1][0]
    _assert_same(t, f)


@pytest.mark.parametrize("case", ["no_input_grad_returns", "too_many_grad_input", "too_many_grad_output",
                                  "wrong_shape"])
def test_hook_errors_match_torch(case):
    def scenario(lib, log):
        m = _params(lib, lib.nn.Linear(3, 2))
        needs = case != "no_input_grad_returns"
        if case == "too_many_grad_output":
            m.register_full_backward_pre_hook(lambda mod, go: (go[0], go[0]))
        elif case == "wrong_shape":
            m.register_full_backward_hook(lambda mod, gi, go: (lib.ones(7),))
        else:
            m.register_full_backward_hook(lambda mod, gi, go: (lib.ones(5, 3), lib.ones(1)))
        try:
            m(_x(lib, requires_grad=needs)).sum().backward()
            log.append("no error")
        except RuntimeError as e:
            log.append(str(e))
    t, f = _both(scenario)
    assert t[0] != "no error"
    _assert_same(t, f)


class _TwoInputs:
    """A module whose forward takes a tensor, a number and a second tensor."""

    @staticmethod
    def make(lib):
        class M(lib.nn.Module):
            def forward(self, a, scale, b):
                return a * scale + b.exp(), a - b
        return M()


def test_non_tensor_and_non_grad_inputs_are_none_and_tuple_outputs():
    def scenario(lib, log):
        m = _TwoInputs.make(lib)
        m.register_full_backward_hook(lambda mod, gi, go: log.extend([[_arr(g) for g in gi], [_arr(g) for g in go]]))
        a, b = _x(lib, seed=3), _x(lib, requires_grad=False, seed=4)
        u, v = m(a, 2.0, b)
        log.append([u.grad_fn.name(), v.grad_fn.name()])
        (u.sum() + (v * v).sum()).backward()
        log.append(_arr(a.grad))
        u, v = m(a, 2.0, b)
        u.sum().backward()  # v gets no gradient: None in grad_output
    _assert_same(*_both(scenario))


def test_sequential_with_hooked_linear_and_relu_still_reports_each_module():
    def scenario(lib, log):
        model = _params(lib, lib.nn.Sequential(lib.nn.Linear(3, 6), lib.nn.ReLU(), lib.nn.Linear(6, 2)))
        model[1].register_full_backward_hook(lambda mod, gi, go: log.extend([_arr(gi[0]), _arr(go[0])]))
        model[0].register_full_backward_pre_hook(lambda mod, go: log.append(_arr(go[0])))
        x = _x(lib)
        model(x).pow(2).sum().backward()
        log.extend([_arr(x.grad), _arr(model[0].weight.grad)])
    t, f = _both(scenario)
    assert len(t) == 6
    _assert_same(t, f)


def test_no_wrapping_without_grad_mode():
    def scenario(lib, log):
        m = _params(lib, lib.nn.Linear(3, 2))
        m.register_full_backward_hook(lambda mod, gi, go: log.append("called"))
        with lib.no_grad():
            y = m(_x(lib))
        log.append([y.requires_grad, y.grad_fn is None])
    _assert_same(*_both(scenario))


def test_hooked_output_shares_storage_and_version_with_forward_result():
    m = fastnn.nn.Identity()
    m.register_full_backward_hook(lambda mod, gi, go: None)
    x = _x(fastnn)
    y = m(x)
    assert y is not x and np.shares_memory(y.detach().numpy(), x.detach().numpy())
    before = x._version[0]
    with fastnn.no_grad():
        y.add_(1)
    assert x._version[0] == before + 1
