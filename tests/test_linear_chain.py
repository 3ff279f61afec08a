"""nn.Sequential's runs of Linear (+ ReLU) layers, optionally ending in LogSoftmax, as one autograd node: values
and gradients against torch and bit for bit against the same modules run one by one (a no-op forward hook on a
module keeps it out of the run), and torch's checks (in-place changes, shapes) where the node replaces its ops."""
import numpy as np
import pytest
import torch

import fastnn
from fastnn import nn
from nn_torch_util import check_fwd_bwd, copy_params, isa_and_threads, isa_thread_params, np_of, randn, rng

ISA_THREADS = isa_thread_params()


def _seed_net(mod, dims=(37, 19, 11, 5), bias=True, dim=1):
    a, b, c, d = dims
    return mod.Sequential(mod.Linear(a, b, bias=bias), mod.ReLU(), mod.Linear(b, c, bias=bias), mod.ReLU(),
                          mod.Linear(c, d, bias=bias), mod.LogSoftmax(dim=dim))


def _pair(build, **kw):
    tm, fm, um = build(torch.nn, **kw), build(nn, **kw), build(nn, **kw)
    copy_params(fm, tm)
    copy_params(um, tm)
    for m in um:  # module by module: a hook keeps every module out of the run
        m.register_forward_hook(lambda mod, inp, out: None)
    return tm, fm, um


def _grads(model):
    return [np_of(p.grad) if p.grad is not None else None for p in model.parameters()]


def _same_bits(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert (x is None) == (y is None)
        if x is not None:
            assert np.array_equal(x, y)


@pytest.mark.parametrize("isa,threads", ISA_THREADS)
@pytest.mark.parametrize("n", [1, 7, 64])
@pytest.mark.parametrize("bias", [True, False])
def test_seed_network_matches_torch_and_module_by_module(isa, threads, n, bias):
    tm, fm, um = _pair(_seed_net, bias=bias)
    x = randn(rng(n), n, 37)
    with isa_and_threads(isa, threads):
        fo, _ = check_fwd_bwd(fm, tm, [x], fparams=list(fm.named_parameters()),
                              tparams=list(tm.named_parameters()), atol=1e-5)
        xu = fastnn.tensor(x, requires_grad=True)
        uo = um(xu)
        uo.backward(fastnn.tensor(randn(rng(1), *uo.shape)))  # check_fwd_bwd's upstream gradient (seed 0 + 1)
    assert type(fo.grad_fn).__name__ == "_LinearChain" and fo.grad_fn.name() == "LogSoftmaxBackward0"
    assert type(uo.grad_fn).__name__ != "_LinearChain"
    assert np.array_equal(np_of(fo), np_of(uo))
    _same_bits(_grads(fm), _grads(um))


def test_nll_training_steps_bit_identical_to_module_by_module():
    tm, fm, um = _pair(_seed_net)
    results = []
    for model in (fm, um):
        opt = fastnn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for step in range(3):
            x = fastnn.tensor(randn(rng(step), 16, 37))
            y = fastnn.tensor(rng(10 + step).integers(0, 5, 16))
            opt.zero_grad()
            loss = nn.NLLLoss()(model(x), y)
            loss.backward()
            opt.step()
        results.append([np_of(p).copy() for p in model.parameters()])
    _same_bits(*results)


@pytest.mark.parametrize("last", ["linear", "relu", "log_softmax"])
def test_grad_fn_names_follow_the_last_op(last):
    mods = [nn.Linear(4, 3)] + ([nn.ReLU()] if last != "linear" else []) + \
        ([nn.LogSoftmax(dim=-1)] if last == "log_softmax" else [])
    out = nn.Sequential(*mods)(fastnn.randn(2, 4))
    assert out.grad_fn.name() == {"linear": "AddmmBackward0", "relu": "ReluBackward0",
                                  "log_softmax": "LogSoftmaxBackward0"}[last]
    out = nn.Sequential(nn.Linear(4, 3, bias=False))(fastnn.randn(2, 4))
    assert out.grad_fn.name() == "MmBackward0"


def test_frozen_first_layer_gets_no_gradient_and_the_rest_match():
    tm, fm, um = _pair(_seed_net)
    for model in (tm, fm, um):
        for p in model[0].parameters():
            p.requires_grad_(False)
    x = randn(rng(3), 9, 37)
    check_fwd_bwd(fm, tm, [x], fparams=list(fm.named_parameters())[2:], tparams=list(tm.named_parameters())[2:],
                  atol=1e-5)
    uo = um(fastnn.tensor(x, requires_grad=True))
    uo.backward(fastnn.tensor(randn(rng(1), *uo.shape)))
    assert fm[0].weight.grad is None and fm[0].bias.grad is None
    _same_bits(_grads(fm), _grads(um))


def test_input_without_grad_and_no_grad_mode():
    tm, fm, _ = _pair(_seed_net)
    x = randn(rng(4), 6, 37)
    fo = fm(fastnn.tensor(x))
    to = tm(torch.tensor(x))
    fo.sum().backward()
    to.sum().backward()
    for (k, fp), (_, tp) in zip(fm.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(np_of(fp.grad), tp.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=k)
    with fastnn.no_grad():
        out = fm(fastnn.tensor(x))
    assert out.grad_fn is None and not out.requires_grad
    np.testing.assert_array_equal(np_of(out), np_of(fo))


@pytest.mark.parametrize("dim", [-1, 2, 1])
def test_three_dim_input(dim):
    """Leading dims are flattened for the GEMMs; LogSoftmax joins the run only over the features (dim 1 of a 3-D
    input is another dim: it then runs as its own module)."""
    tm, fm, um = _pair(_seed_net, dims=(5, 4, 3, 6), dim=dim)
    x = randn(rng(5), 2, 3, 5)
    fo, _ = check_fwd_bwd(fm, tm, [x], fparams=list(fm.named_parameters()), tparams=list(tm.named_parameters()),
                          atol=1e-5)
    assert fo.grad_fn.name() == "LogSoftmaxBackward0"
    assert (type(fo.grad_fn).__name__ == "_LinearChain") == (dim != 1)


def test_one_dim_input_runs_module_by_module():
    tm, fm, _ = _pair(_seed_net, dim=0)
    check_fwd_bwd(fm, tm, [randn(rng(6), 37)], fparams=list(fm.named_parameters()),
                  tparams=list(tm.named_parameters()), atol=1e-5)


def test_inplace_change_of_a_saved_output_raises_as_torch():
    for build in (lambda m: m.Sequential(m.Linear(4, 3), m.LogSoftmax(dim=1)),
                  lambda m: m.Sequential(m.Linear(4, 3), m.ReLU())):
        tm, fm, _ = _pair(build)
        x = randn(rng(7), 2, 4)
        to, fo = tm(torch.tensor(x)), fm(fastnn.tensor(x))
        to.add_(1)
        fo.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            to.sum().backward()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            fo.sum().backward()


def test_inplace_change_of_the_output_of_a_final_linear_is_allowed_as_in_torch():
    tm, fm, _ = _pair(lambda m: m.Sequential(m.Linear(4, 3), m.ReLU(), m.Linear(3, 2)))
    x = randn(rng(8), 5, 4)
    to, fo = tm(torch.tensor(x)), fm(fastnn.tensor(x))
    to.mul_(2)
    fo.mul_(2)
    to.sum().backward()
    fo.sum().backward()
    for (k, fp), (_, tp) in zip(fm.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(np_of(fp.grad), tp.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


def test_inplace_change_of_a_weight_before_backward_raises():
    _, fm, _ = _pair(_seed_net)
    out = fm(fastnn.randn(3, 37))
    with fastnn.no_grad():
        fm[2].weight.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_a_bias_changed_in_place_before_backward_is_allowed_as_in_torch():
    tm, fm, _ = _pair(_seed_net)
    x = randn(rng(9), 3, 37)
    to, fo = tm(torch.tensor(x)), fm(fastnn.tensor(x))
    with torch.no_grad():
        tm[2].bias.add_(1)
    with fastnn.no_grad():
        fm[2].bias.add_(1)
    to.sum().backward()
    fo.sum().backward()
    np.testing.assert_allclose(np_of(fm[0].weight.grad), tm[0].weight.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("bad", ["features", "middle", "dtype"])
def test_mismatches_raise_torch_errors(bad):
    tm, fm = _seed_net(torch.nn), _seed_net(nn)
    x = randn(rng(10), 2, 37)
    if bad == "features":
        x = x[:, :36].copy()
    elif bad == "middle":
        tm[2], fm[2] = torch.nn.Linear(18, 11), nn.Linear(18, 11)
    tx, fx = torch.tensor(x), fastnn.tensor(x)
    if bad == "dtype":
        tx, fx = tx.double(), fx.double()
    with pytest.raises(RuntimeError) as te:
        tm(tx)
    with pytest.raises(RuntimeError) as fe:
        fm(fx)
    assert str(fe.value) == str(te.value)


def test_hooked_log_softmax_runs_as_its_own_module():
    tm, fm, _ = _pair(_seed_net)
    seen = []
    fm[5].register_forward_hook(lambda mod, inp, out: seen.append(inp[0].grad_fn.name()))
    fo, _ = check_fwd_bwd(fm, tm, [randn(rng(11), 4, 37)], fparams=list(fm.named_parameters()),
                          tparams=list(tm.named_parameters()), atol=1e-5)
    assert seen == ["AddmmBackward0"]
    assert type(fo.grad_fn).__name__ != "_LinearChain"


def test_float64_gradcheck_through_a_run():
    model = _seed_net(nn, dims=(4, 3, 3, 2)).double()
    x = fastnn.tensor(rng(12).standard_normal((3, 4)), dtype=fastnn.float64, requires_grad=True)
    assert fastnn.autograd.gradcheck(lambda a: model(a), (x,))


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_other_float_dtypes_bit_identical_to_module_by_module(dtype):
    dt = getattr(fastnn, dtype)
    _, fm, um = _pair(_seed_net, dims=(6, 5, 4, 3))
    fm, um = fm.to(dt), um.to(dt)
    x = fastnn.tensor(randn(rng(13), 7, 6)).to(dt)
    fo, uo = fm(x), um(x)
    assert type(fo.grad_fn).__name__ == "_LinearChain" and fo.dtype is dt
    fo.sum().backward()
    uo.sum().backward()
    assert np.array_equal(np_of(fo), np_of(uo))
    _same_bits(_grads(fm), _grads(um))


def test_transposed_weights_take_the_layer_by_layer_path_and_match_torch():
    """Weights the chain binding refuses (a transposed view: rows not contiguous) run layer by layer, as torch
    computes them, values and gradients alike."""
    tm, fm, _ = _pair(_seed_net)
    for t_lin, f_lin in ((tm[0], fm[0]), (tm[2], fm[2])):
        w = rng(14).standard_normal(tuple(reversed(t_lin.weight.shape))).astype(np.float32)
        t_lin.weight = torch.nn.Parameter(torch.from_numpy(w.copy()).t())
        f_lin.weight = nn.Parameter(fastnn.tensor(w).t())
        assert not f_lin.weight.is_contiguous()
    fo, _ = check_fwd_bwd(fm, tm, [randn(rng(15), 9, 37)], fparams=list(fm.named_parameters()),
                          tparams=list(tm.named_parameters()), atol=1e-5)
    assert type(fo.grad_fn).__name__ == "_LinearChain"
