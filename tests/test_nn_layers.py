"""fastnn.nn layers and nn.functional against torch: values and gradients on random float32 data, on every
ISA and on 1 and 2 threads; Linear's initialisation statistics; Dropout's mask; the fused Linear+ReLU."""
import math

import numpy as np
import pytest
import torch

import fastnn
import fastnn.nn.functional as F
from fastnn import nn
from nn_torch_util import (ODD_BATCHES, assert_close, check_fwd_bwd, copy_params, isa_and_threads,
                           isa_thread_params, np_of, pair, randn, rng)

ISA_THREADS = isa_thread_params()


# ---------------------------------------------------------------- Linear
@pytest.mark.parametrize("isa,threads", ISA_THREADS)
@pytest.mark.parametrize("n,fin,fout", [(1, 1, 1), (7, 15, 16), (63, 17, 65), (7, 257, 63), (1, 255, 7)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(isa, threads, n, fin, fout, bias):
    tl = torch.nn.Linear(fin, fout, bias=bias)
    fl = nn.Linear(fin, fout, bias=bias)
    copy_params(fl, tl)
    x = randn(rng(n * fin + fout), n, fin)
    with isa_and_threads(isa, threads):
        check_fwd_bwd(fl, tl, [x], fparams=list(fl.named_parameters()), tparams=list(tl.named_parameters()),
                      rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape", [(5,), (2, 3, 5), (2, 1, 3, 5)])
def test_linear_any_leading_dims(shape):
    tl, fl = torch.nn.Linear(5, 4), nn.Linear(5, 4)
    copy_params(fl, tl)
    x = randn(rng(len(shape)), *shape)
    check_fwd_bwd(fl, tl, [x], fparams=list(fl.named_parameters()), tparams=list(tl.named_parameters()))


def test_linear_attributes_and_shapes():
    fl = nn.Linear(5, 3)
    assert fl.in_features == 5 and fl.out_features == 3
    assert isinstance(fl.weight, nn.Parameter) and isinstance(fl.bias, nn.Parameter)
    assert fl.weight.shape == (3, 5) and fl.bias.shape == (3,)
    assert fl.weight.requires_grad and fl.bias.requires_grad
    assert fl.weight.dtype is fastnn.float32
    nb = nn.Linear(5, 3, bias=False)
    assert nb.bias is None
    assert [k for k, _ in nb.named_parameters()] == ["weight"]
    assert nn.Linear(5, 3, dtype=fastnn.float64).weight.dtype is fastnn.float64


def test_linear_bad_input_raises():
    fl = nn.Linear(5, 3)
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        fl(fastnn.randn(4, 6))
    with pytest.raises(RuntimeError, match="dtype"):
        fl(fastnn.randn(4, 5, dtype=fastnn.float64))


def test_linear_init_distribution():
    """weight ~ U(-b, b) with b = 1/sqrt(fan_in) (kaiming_uniform_, a=sqrt(5)); bias ~ U(-b, b) too."""
    fastnn.manual_seed(0)
    fin = 300
    lin = nn.Linear(fin, 400)
    b = 1 / math.sqrt(fin)
    _check_uniform(np_of(lin.weight), -b, b)
    bias = np.concatenate([np_of(nn.Linear(fin, 400).bias) for _ in range(50)])
    _check_uniform(bias, -b, b)
    # the same formula as torch gives: its bound for the same shape
    t = torch.nn.Linear(fin, 400)
    assert abs(t.weight.detach().abs().max().item() - b) < 1e-3 * b


def _check_uniform(x, lo, hi, bins=10):
    """x looks like U(lo, hi): within bounds, reaches both ends, flat histogram (each bin within 5 sigma),
    mean and variance right."""
    x = np.asarray(x, dtype=np.float64).ravel()
    n = x.size
    assert x.min() >= lo and x.max() <= hi
    width = hi - lo
    assert x.min() < lo + width * 20 / n + 1e-12 and x.max() > hi - width * 20 / n - 1e-12
    counts, _ = np.histogram(x, bins=bins, range=(lo, hi))
    p = 1 / bins
    sigma = math.sqrt(n * p * (1 - p))
    assert np.all(np.abs(counts - n * p) < 5 * sigma), counts
    var = width ** 2 / 12
    assert abs(x.mean() - (lo + hi) / 2) < 5 * math.sqrt(var / n)
    assert abs(x.var() - var) < 5 * var * math.sqrt(0.8 / n)


def _check_normal(x, mean, std):
    x = np.asarray(x, dtype=np.float64).ravel()
    n = x.size
    assert abs(x.mean() - mean) < 5 * std / math.sqrt(n)
    assert abs(x.std() - std) < 5 * std * math.sqrt(0.5 / n)
    # the fraction within one sigma is 68.27%
    frac = np.mean(np.abs(x - mean) < std)
    assert abs(frac - 0.6827) < 5 * math.sqrt(0.6827 * 0.3173 / n)


def test_linear_reset_parameters_changes_values():
    fastnn.manual_seed(1)
    lin = nn.Linear(7, 7)
    w = np_of(lin.weight)
    lin.reset_parameters()
    assert not np.array_equal(w, np_of(lin.weight))


def test_manual_seed_makes_linear_reproducible():
    fastnn.manual_seed(123)
    a = nn.Linear(6, 5)
    fastnn.manual_seed(123)
    b = nn.Linear(6, 5)
    assert np.array_equal(np_of(a.weight), np_of(b.weight)) and np.array_equal(np_of(a.bias), np_of(b.bias))


# ---------------------------------------------------------------- activation layers
ACT_LAYERS = [
    ("ReLU", (), {}), ("Sigmoid", (), {}), ("Tanh", (), {}), ("Softmax", (), {"dim": 1}),
    ("Softmax", (), {"dim": 0}), ("Softmax", (), {"dim": -1}), ("LogSoftmax", (), {"dim": 1}),
    ("LogSoftmax", (), {"dim": 0}), ("Identity", (), {}), ("Flatten", (), {}), ("Flatten", (0, -1), {}),
    ("LeakyReLU", (0.2,), {}), ("ELU", (0.7,), {}), ("Softplus", (), {"beta": 2.0, "threshold": 3.0}),
    ("SiLU", (), {}), ("Hardtanh", (-0.5, 0.8), {}), ("LogSigmoid", (), {}), ("Softmin", (), {"dim": 1}),
]


@pytest.mark.parametrize("isa,threads", ISA_THREADS)
@pytest.mark.parametrize("name,args,kwargs", ACT_LAYERS, ids=lambda v: str(v))
@pytest.mark.parametrize("n", ODD_BATCHES)
def test_activation_layers_match_torch(isa, threads, name, args, kwargs, n):
    fm, tm = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(fm) == repr(tm)
    x = randn(rng(n), n, 17) * 3
    with isa_and_threads(isa, threads):
        check_fwd_bwd(fm, tm, [x])


@pytest.mark.parametrize("name,kwargs", [("Softmax", {"dim": 1}), ("LogSoftmax", {"dim": 1}),
                                         ("Softmax", {"dim": 2}), ("LogSoftmax", {"dim": 0}),
                                         ("Flatten", {}), ("ReLU", {}), ("Tanh", {}), ("Sigmoid", {})])
def test_activation_layers_3d(name, kwargs):
    fm, tm = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    x = randn(rng(3), 7, 5, 3) * 2
    check_fwd_bwd(fm, tm, [x])


def test_activation_extremes_stay_finite():
    x = np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]], dtype=np.float32)
    for name in ("Sigmoid", "Tanh", "LogSigmoid", "Softplus"):
        check_fwd_bwd(getattr(nn, name)(), getattr(torch.nn, name)(), [x])
    for name in ("Softmax", "LogSoftmax"):
        check_fwd_bwd(getattr(nn, name)(dim=1), getattr(torch.nn, name)(dim=1), [x])


def test_relu_inplace_layer():
    x = fastnn.randn(4, 5)
    before = np_of(x)
    out = nn.ReLU(inplace=True)(x)
    assert out is x or np.shares_memory(out.numpy(), x.numpy())
    assert np.array_equal(np_of(x), np.maximum(before, 0))


def test_functional_relu_inplace_argument():
    x = fastnn.randn(4, 5)
    before = np_of(x)
    y = F.relu(x, inplace=True)
    assert np.shares_memory(y.numpy(), x.numpy()) and np.array_equal(np_of(x), np.maximum(before, 0))
    z = fastnn.randn(4, 5)
    zb = np_of(z)
    F.relu(z, inplace=False)
    assert np.array_equal(np_of(z), zb)


def test_inplace_relu_after_saved_output_raises_like_torch():
    """Tanh saves its output; an in-place ReLU on it must make backward raise, not return wrong gradients."""
    for mod, lib in ((nn, fastnn), (torch.nn, torch)):
        x = lib.randn(4, 3, requires_grad=True)
        y = mod.Sequential(mod.Linear(3, 3), mod.Tanh(), mod.ReLU(inplace=True))(x)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
        with pytest.raises(RuntimeError, match="leaf Variable"):
            mod.ReLU(inplace=True)(lib.randn(3, requires_grad=True))


def test_unflatten_layer():
    fm, tm = nn.Unflatten(1, (2, 3)), torch.nn.Unflatten(1, (2, 3))
    assert repr(fm) == repr(tm)
    check_fwd_bwd(fm, tm, [randn(rng(0), 4, 6)])


# ---------------------------------------------------------------- Dropout
def test_dropout_statistics_and_scale():
    p = 0.3
    fastnn.manual_seed(5)
    layer = nn.Dropout(p)
    assert layer.training
    x = fastnn.tensor(np.abs(randn(rng(0), 400, 250)) + 0.5, requires_grad=True)
    y = layer(x)
    xv, yv = np_of(x), np_of(y)
    kept = yv != 0
    n = kept.size
    frac = kept.mean()
    assert abs(frac - (1 - p)) < 5 * math.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(yv[kept], xv[kept] / (1 - p), rtol=1e-6)
    g = randn(rng(1), 400, 250)
    y.backward(fastnn.tensor(g))
    np.testing.assert_allclose(np_of(x.grad), np.where(kept, g / (1 - p), 0), rtol=1e-6)


def test_dropout_same_seed_same_mask_and_eval_identity():
    x = fastnn.randn(50, 40)
    fastnn.manual_seed(9)
    a = np_of(F.dropout(x, 0.5))
    fastnn.manual_seed(9)
    b = np_of(F.dropout(x, 0.5))
    c = np_of(F.dropout(x, 0.5))
    assert np.array_equal(a, b) and not np.array_equal(b, c)
    layer = nn.Dropout(0.5).eval()
    assert np.array_equal(np_of(layer(x)), np_of(x))
    layer.train()
    assert not np.array_equal(np_of(layer(x)), np_of(x))
    assert np.array_equal(np_of(F.dropout(x, 0.5, training=False)), np_of(x))


def test_dropout_generator_and_edges():
    x = fastnn.randn(30, 30)
    g1, g2 = fastnn.Generator().manual_seed(3), fastnn.Generator().manual_seed(3)
    assert np.array_equal(np_of(F.dropout(x, 0.4, generator=g1)), np_of(F.dropout(x, 0.4, generator=g2)))
    assert np.array_equal(np_of(F.dropout(x, 0.0)), np_of(x))
    assert np.array_equal(np_of(F.dropout(x, 1.0)), np.zeros((30, 30), np.float32))
    for bad in (-0.1, 1.1):
        with pytest.raises(ValueError, match="dropout probability"):
            nn.Dropout(bad)
        with pytest.raises(ValueError, match="dropout probability"):
            F.dropout(x, bad)
    assert repr(nn.Dropout(0.2)) == repr(torch.nn.Dropout(0.2))


def test_dropout_inplace_and_float64():
    x = fastnn.randn(20, 20, dtype=fastnn.float64)
    y = F.dropout(x, 0.5)
    assert y.dtype is fastnn.float64
    z = x.clone()
    out = F.dropout(z, 0.5, inplace=True)
    assert np.array_equal(np_of(out), np_of(z))
    assert (np_of(z) == 0).any()


# ---------------------------------------------------------------- functional
FUNCS = [
    ("relu", {}), ("sigmoid", {}), ("tanh", {}), ("softmax", {"dim": 1}), ("softmax", {"dim": 0}),
    ("log_softmax", {"dim": 1}), ("log_softmax", {"dim": -1}), ("leaky_relu", {"negative_slope": 0.1}),
    ("elu", {"alpha": 1.3}), ("softplus", {}), ("softplus", {"beta": 3.0, "threshold": 2.0}), ("silu", {}),
    ("hardtanh", {}), ("logsigmoid", {}), ("softmin", {"dim": 1}), ("normalize", {}),
    ("normalize", {"p": 1.0, "dim": 0}),
]


@pytest.mark.parametrize("isa,threads", ISA_THREADS)
@pytest.mark.parametrize("name,kwargs", FUNCS, ids=lambda v: str(v))
@pytest.mark.parametrize("shape", [(1, 1), (7, 15), (63, 17), (3, 257)])
def test_functional_matches_torch(isa, threads, name, kwargs, shape):
    x = randn(rng(shape[0]), *shape) * 2
    with isa_and_threads(isa, threads):
        check_fwd_bwd(lambda a: getattr(F, name)(a, **kwargs),
                      lambda a: getattr(torch.nn.functional, name)(a, **kwargs), [x])


@pytest.mark.parametrize("isa,threads", ISA_THREADS)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("fn", ["linear", "linear_relu"])
def test_functional_linear(isa, threads, bias, fn):
    r = rng(4)
    x, w, b = randn(r, 7, 17), randn(r, 65, 17), randn(r, 65)
    tfn = torch.nn.functional.linear if fn == "linear" else \
        (lambda *a: torch.relu(torch.nn.functional.linear(*a)))
    inputs = [x, w] + ([b] if bias else [])
    with isa_and_threads(isa, threads):
        check_fwd_bwd(getattr(F, fn), tfn, inputs, atol=1e-5)
        # 1-D input (a single sample)
        check_fwd_bwd(getattr(F, fn), tfn, [x[0]] + inputs[1:], atol=1e-5)


def test_functional_one_hot():
    t = np.array([0, 3, 1, 2], dtype=np.int64)
    f, tt = pair(t)
    assert np.array_equal(np_of(F.one_hot(f)), torch.nn.functional.one_hot(tt).numpy())
    assert np.array_equal(np_of(F.one_hot(f, 6)), torch.nn.functional.one_hot(tt, 6).numpy())


def test_softmax_implicit_dim_warns_like_torch():
    x = fastnn.randn(3, 4)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        y = F.softmax(x)
    np.testing.assert_allclose(np_of(y), torch.softmax(torch.tensor(np_of(x)), 1).numpy(), rtol=1e-6)


@pytest.mark.parametrize("name,kwargs", [("relu", {}), ("sigmoid", {}), ("tanh", {}), ("softmax", {"dim": 1}),
                                         ("log_softmax", {"dim": 1}), ("dropout", {"p": 0.0})])
def test_functional_float64_gradcheck(name, kwargs):
    x = fastnn.tensor(rng(2).standard_normal((3, 4)), dtype=fastnn.float64, requires_grad=True)
    assert fastnn.autograd.gradcheck(lambda a: getattr(F, name)(a, **kwargs), (x,))


def test_linear_float64_gradcheck():
    r = rng(3)
    x = fastnn.tensor(r.standard_normal((4, 3)), dtype=fastnn.float64, requires_grad=True)
    w = fastnn.tensor(r.standard_normal((5, 3)), dtype=fastnn.float64, requires_grad=True)
    b = fastnn.tensor(r.standard_normal(5), dtype=fastnn.float64, requires_grad=True)
    assert fastnn.autograd.gradcheck(F.linear, (x, w, b))
    assert fastnn.autograd.gradcheck(F.linear, (x, w))
    assert fastnn.autograd.gradcheck(F.linear_relu, (x, w, b))
    lin = nn.Linear(3, 5).double()
    assert fastnn.autograd.gradcheck(lambda a: lin(a), (x,))


# ---------------------------------------------------------------- fused Linear+ReLU in Sequential
def _mlp(mod):
    return mod.Sequential(mod.Linear(17, 65), mod.ReLU(), mod.Linear(65, 15), mod.ReLU(), mod.Linear(15, 7))


@pytest.mark.parametrize("isa,threads", ISA_THREADS)
@pytest.mark.parametrize("n", ODD_BATCHES)
def test_sequential_fused_linear_relu_matches_unfused_and_torch(isa, threads, n):
    tm, fm, um = _mlp(torch.nn), _mlp(nn), _mlp(nn)
    copy_params(fm, tm)
    copy_params(um, tm)
    # a forward hook on every ReLU turns the fusion off in `um`
    for m in um:
        if isinstance(m, nn.ReLU):
            m.register_forward_hook(lambda mod, inp, out: None)
    x = randn(rng(n), n, 17)
    with isa_and_threads(isa, threads):
        fo, _ = check_fwd_bwd(fm, tm, [x], fparams=list(fm.named_parameters()),
                              tparams=list(tm.named_parameters()), atol=1e-5)
        tm.zero_grad()
        uo, _ = check_fwd_bwd(um, tm, [x], fparams=list(um.named_parameters()),
                              tparams=list(tm.named_parameters()), atol=1e-5)
    # the two paths really differ: the fused one ends in the GEMM node (named ReluBackward0, as torch's last op),
    # the hooked one in ReLU's own node
    assert type(fm[:2](fastnn.tensor(x, requires_grad=True)).grad_fn).__name__ == "_LinearChain"
    assert type(um[:2](fastnn.tensor(x, requires_grad=True)).grad_fn).__name__ != "_LinearChain"
    np.testing.assert_allclose(np_of(fo), np_of(uo), rtol=1e-6, atol=1e-6)
    for (k, a), (_, b) in zip(fm.named_parameters(), um.named_parameters()):
        np.testing.assert_allclose(np_of(a.grad), np_of(b.grad), rtol=1e-6, atol=1e-6, err_msg=k)


def test_sequential_fusion_is_used_and_hooks_still_fire():
    fm = _mlp(nn)
    x = fastnn.randn(3, 17)
    # fused: the first ReLU never runs as a module, so a hook on the Linear is what disables it
    calls = []
    h = fm[1].register_forward_hook(lambda mod, inp, out: calls.append(out.shape))
    fm(x)
    assert calls == [(3, 65)]
    h.remove()
    calls.clear()
    fm[0].register_forward_hook(lambda mod, inp, out: calls.append(("lin", out.shape)))
    out = fm(x)
    assert calls == [("lin", (3, 65))]
    assert out.shape == (3, 7)


def test_sequential_relu_subclass_not_fused_wrongly():
    class MyReLU(nn.ReLU):
        def forward(self, x):
            return super().forward(x) * 2

    fm = nn.Sequential(nn.Linear(4, 3), MyReLU())
    x = fastnn.randn(5, 4)
    ref = np.maximum(np_of(x) @ np_of(fm[0].weight).T + np_of(fm[0].bias), 0) * 2
    np.testing.assert_allclose(np_of(fm(x)), ref, rtol=1e-5, atol=1e-6)


def test_sequential_linear_relu_1d_input():
    tm, fm = _mlp(torch.nn), _mlp(nn)
    copy_params(fm, tm)
    x = randn(rng(0), 17)
    check_fwd_bwd(fm, tm, [x], fparams=list(fm.named_parameters()), tparams=list(tm.named_parameters()),
                  atol=1e-5)


def test_fused_relu_inplace_after_linear():
    """ReLU(inplace=True) after Linear (a common tutorial form) gives torch's values and gradients."""
    def build(mod):
        return mod.Sequential(mod.Linear(6, 5), mod.ReLU(inplace=True), mod.Linear(5, 2))
    tm, fm = build(torch.nn), build(nn)
    copy_params(fm, tm)
    check_fwd_bwd(fm, tm, [randn(rng(1), 7, 6)], fparams=list(fm.named_parameters()),
                  tparams=list(tm.named_parameters()))


# ---------------------------------------------------------------- determinism
def test_mlp_bit_identical_on_1_and_2_threads():
    fm = _mlp(nn)
    x = fastnn.tensor(randn(rng(0), 63, 17))
    target = fastnn.tensor(rng(1).integers(0, 7, 63))
    results = []
    for threads in (1, 2):
        with isa_and_threads(fastnn.get_isa(), threads):
            fm.zero_grad()
            out = fm(x)
            F.cross_entropy(out, target).backward()
            results.append([np_of(out)] + [np_of(p.grad) for p in fm.parameters()])
    for a, b in zip(*results):
        assert np.array_equal(a, b)


# ---------------------------------------------------------------- nn.init
def test_calculate_gain_matches_torch():
    for nl in ("linear", "conv1d", "conv2d", "sigmoid", "tanh", "relu", "selu", "leaky_relu"):
        assert nn.init.calculate_gain(nl) == pytest.approx(torch.nn.init.calculate_gain(nl), rel=1e-12)
    for slope in (0.0, 0.2, 1, math.sqrt(5)):
        assert nn.init.calculate_gain("leaky_relu", slope) == \
            pytest.approx(torch.nn.init.calculate_gain("leaky_relu", slope), rel=1e-12)
    with pytest.raises(ValueError):
        nn.init.calculate_gain("nope")
    with pytest.raises(ValueError):
        nn.init.calculate_gain("leaky_relu", "x")


def _param(*shape):
    return nn.Parameter(fastnn.empty(*shape))


def test_init_uniform_normal_constant_zeros_ones():
    fastnn.manual_seed(0)
    w = _param(300, 200)
    out = nn.init.uniform_(w, -0.3, 0.7)
    assert out is w and w.requires_grad and w.grad_fn is None
    _check_uniform(np_of(w), -0.3, 0.7)
    nn.init.uniform_(w)
    _check_uniform(np_of(w), 0.0, 1.0)
    nn.init.normal_(w, 0.5, 2.0)
    _check_normal(np_of(w), 0.5, 2.0)
    nn.init.normal_(w)
    _check_normal(np_of(w), 0.0, 1.0)
    nn.init.constant_(w, 0.25)
    assert np.all(np_of(w) == 0.25)
    nn.init.zeros_(w)
    assert np.all(np_of(w) == 0)
    nn.init.ones_(w)
    assert np.all(np_of(w) == 1)
    e = _param(3, 4)
    nn.init.eye_(e)
    assert np.array_equal(np_of(e), np.eye(3, 4, dtype=np.float32))


@pytest.mark.parametrize("shape", [(300, 200), (64, 20, 3, 3)])
def test_init_kaiming_and_xavier_formulas(shape):
    fastnn.manual_seed(1)
    w = _param(*shape)
    rf = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    fan_in, fan_out = shape[1] * rf, shape[0] * rf
    # kaiming_uniform_: bound = gain * sqrt(3 / fan)
    nn.init.kaiming_uniform_(w, a=0, mode="fan_in", nonlinearity="relu")
    b = math.sqrt(2) * math.sqrt(3 / fan_in)
    _check_uniform(np_of(w), -b, b)
    nn.init.kaiming_uniform_(w, a=0.1, mode="fan_out")
    b = math.sqrt(2 / (1 + 0.01)) * math.sqrt(3 / fan_out)
    _check_uniform(np_of(w), -b, b)
    nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    _check_normal(np_of(w), 0, math.sqrt(2) / math.sqrt(fan_out))
    nn.init.kaiming_normal_(w)
    _check_normal(np_of(w), 0, math.sqrt(2) / math.sqrt(fan_in))
    nn.init.xavier_uniform_(w, gain=1.5)
    b = 1.5 * math.sqrt(6 / (fan_in + fan_out))
    _check_uniform(np_of(w), -b, b)
    nn.init.xavier_normal_(w)
    _check_normal(np_of(w), 0, math.sqrt(2 / (fan_in + fan_out)))


def test_init_errors_like_torch():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_uniform_(_param(5))
    with pytest.raises(ValueError, match="fan_in, fan_out"):
        nn.init.kaiming_uniform_(_param(3, 3), mode="fan_avg")
    # initialisers record no graph even on a parameter that requires grad
    w = _param(3, 3)
    nn.init.normal_(w)
    assert w.grad_fn is None and w.is_leaf


def test_init_generator_and_trunc_normal():
    a, b = _param(40, 30), _param(40, 30)
    for fn, kw in ((nn.init.uniform_, {}), (nn.init.normal_, {}), (nn.init.xavier_uniform_, {}),
                   (nn.init.kaiming_normal_, {}), (nn.init.trunc_normal_, {"std": 2.0, "a": -1.0, "b": 3.0})):
        fn(a, generator=fastnn.Generator().manual_seed(4), **kw)
        fn(b, generator=fastnn.Generator().manual_seed(4), **kw)
        assert np.array_equal(np_of(a), np_of(b)), fn.__name__
    w = _param(200, 200)
    nn.init.trunc_normal_(w, mean=0.5, std=1.0, a=-0.5, b=1.0)
    v = np_of(w)
    assert v.min() >= -0.5 and v.max() <= 1.0 and v.dtype == np.float32
    # N(0.5, 1) cut to [-0.5, 1]: mean 0.2934, std 0.4157 (truncated-normal formulas)
    assert abs(v.mean() - 0.2934) < 0.01 and abs(v.std() - 0.4157) < 0.01


# ---------------------------------------------------------------- non-contiguous inputs
_T7 = np.random.default_rng(0).integers(0, 5, 7)
_W5 = randn(rng(1), 4, 5)
NONCONTIG = [
    ("cross_entropy", lambda m, x: m.cross_entropy(x.t(), _lib(m).tensor(_T7))),
    ("linear", lambda m, x: m.linear(x.t(), _lib(m).tensor(_W5))),
    ("softmax", lambda m, x: m.softmax(x.t(), dim=0)),
    ("log_softmax", lambda m, x: m.log_softmax(x[:, ::2], dim=1)),
    ("relu", lambda m, x: m.relu(x.t())),
    ("sigmoid", lambda m, x: m.sigmoid(x[::2])),
    ("mse_loss", lambda m, x: m.mse_loss(x.t(), x.t().detach() * 0.5)),
    ("bce_with_logits", lambda m, x: m.binary_cross_entropy_with_logits(x.t(), x.t().detach().sigmoid())),
]


def _lib(m):
    return torch if m is torch.nn.functional else fastnn


@pytest.mark.parametrize("isa,threads", ISA_THREADS)
@pytest.mark.parametrize("name,fn", NONCONTIG, ids=[n for n, _ in NONCONTIG])
def test_non_contiguous_inputs(isa, threads, name, fn):
    """Transposed and strided views go through the kernels' contiguous path correctly."""
    x = randn(rng(2), 5, 7)
    with isa_and_threads(isa, threads):
        check_fwd_bwd(lambda a: fn(F, a), lambda a: fn(torch.nn.functional, a), [x])
