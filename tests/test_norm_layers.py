"""BatchNorm1d and LayerNorm (modules and functional forms) against torch: outputs, running statistics over
several training steps (momentum including None), eval mode, the options, gradients of input, weight and bias in
train and eval mode, float64 gradcheck, state_dict round trips, repr, torch's errors, and a small MLP trained
with SGD."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import fastnn
import fastnn.nn.functional as F
from fastnn import nn
from nn_torch_util import ODD_BATCHES, assert_close, check_fwd_bwd, copy_params, np_of, pair, randn, rng

DTYPES = {"float32": (np.float32, fastnn.float32, torch.float32, 1e-5, 1e-6),
          "float64": (np.float64, fastnn.float64, torch.float64, 1e-12, 1e-12)}


def _pair_modules(name, *args, dtype="float32", seed=0, **kw):
    """The layer `name` built alike in fastnn and torch; torch's weight and bias set to random values and every
    parameter and buffer copied into fastnn through load_state_dict."""
    _, fdt, tdt, _, _ = DTYPES[dtype]
    fm, tm = getattr(nn, name)(*args, dtype=fdt, **kw), getattr(torch.nn, name)(*args, dtype=tdt, **kw)
    assert repr(fm) == repr(tm)
    r = rng(seed + 100)
    with torch.no_grad():
        for p in tm.parameters():
            p.copy_(torch.tensor(r.standard_normal(tuple(p.shape)) + 1.0))
    copy_params(fm, tm)
    return fm, tm


def _named(m):
    return list(m.named_parameters())


def _assert_state_equal(fm, tm, rtol, atol):
    fsd, tsd = fm.state_dict(), tm.state_dict()
    assert list(fsd) == list(tsd)
    for k in tsd:
        assert_close(fsd[k], tsd[k], rtol, atol, k)


def _same_error(ffn, tfn):
    """Both raise the same exception type with the same message (torch's names spelled fastnn's)."""
    with pytest.raises(Exception) as te:
        tfn()
    with pytest.raises(Exception) as fe:
        ffn()
    assert type(fe.value) is type(te.value), (fe.value, te.value)
    assert str(fe.value) == str(te.value).replace("torch.", "fastnn."), (str(fe.value), str(te.value))


# ---------------------------------------------------------------- BatchNorm1d: training and running stats
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("momentum", [0.1, 0.35, None])
@pytest.mark.parametrize("shape", [(7, 5), (63, 5), (7, 5, 3), (1, 6, 4), (2, 3)], ids=str)
def test_batchnorm_training_steps(shape, momentum, dtype):
    npdt, _, _, rtol, atol = DTYPES[dtype]
    fm, tm = _pair_modules("BatchNorm1d", shape[1], momentum=momentum, dtype=dtype)
    r = rng(len(shape) * 10 + shape[0])
    for step in range(4):
        x = (randn(r, *shape, dtype=npdt) * (step + 1) + step).astype(npdt)
        check_fwd_bwd(fm, tm, [x], seed=step, rtol=rtol, atol=atol, fparams=_named(fm), tparams=_named(tm))
        fm.zero_grad()
        tm.zero_grad()
        _assert_state_equal(fm, tm, rtol, atol)
    assert int(fm.num_batches_tracked) == 4 and fm.num_batches_tracked.dtype is fastnn.int64


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", ODD_BATCHES)
def test_batchnorm_eval_uses_running_stats(n, dtype):
    npdt, _, _, rtol, atol = DTYPES[dtype]
    fm, tm = _pair_modules("BatchNorm1d", 9, dtype=dtype)
    r = rng(n)
    for _ in range(3):
        x = randn(r, 11, 9, dtype=npdt) * 2 + 1
        fm(fastnn.tensor(x))
        tm(torch.tensor(x))
    fm.eval()
    tm.eval()
    before = {k: np_of(v) for k, v in fm.state_dict().items()}
    fo, to = check_fwd_bwd(fm, tm, [randn(r, n, 9, dtype=npdt)], rtol=rtol, atol=atol,
                           fparams=_named(fm), tparams=_named(tm))
    assert fo.grad_fn.name() == to.grad_fn.name() == "NativeBatchNormBackward0"
    for k, v in fm.state_dict().items():  # eval leaves the buffers alone
        np.testing.assert_array_equal(np_of(v), before[k], err_msg=k)
    _assert_state_equal(fm, tm, rtol, atol)


def test_batchnorm_eval_and_train_propagate_through_sequential():
    fm, tm = _pair_modules("BatchNorm1d", 4)
    fseq, tseq = nn.Sequential(nn.Identity(), fm), torch.nn.Sequential(torch.nn.Identity(), tm)
    x = randn(rng(1), 7, 4) + 3
    fseq.eval()
    tseq.eval()
    assert not fm.training
    assert_close(fseq(fastnn.tensor(x)), tseq(torch.tensor(x)))
    assert int(fm.num_batches_tracked) == 0
    fseq.train()
    tseq.train()
    assert fm.training
    assert_close(fseq(fastnn.tensor(x)), tseq(torch.tensor(x)))
    _assert_state_equal(fm, tm, 1e-5, 1e-6)


@pytest.mark.parametrize("shape", [(7, 5), (63, 5, 2)], ids=str)
@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm_without_running_stats(shape, affine):
    fm, tm = _pair_modules("BatchNorm1d", 5, track_running_stats=False, affine=affine)
    assert fm.running_mean is None and fm.running_var is None and fm.num_batches_tracked is None
    assert list(fm.state_dict()) == list(tm.state_dict())
    r = rng(2)
    for mode in (True, False):  # batch statistics in eval mode too
        fm.train(mode)
        tm.train(mode)
        check_fwd_bwd(fm, tm, [randn(r, *shape) * 3 - 1], fparams=_named(fm), tparams=_named(tm))


def test_batchnorm_tracking_switched_off_after_construction():
    """With the buffers kept but track_running_stats turned off, training leaves them alone and eval uses them."""
    fm, tm = _pair_modules("BatchNorm1d", 5)
    r = rng(18)
    x = randn(r, 7, 5) * 2 + 1
    fm(fastnn.tensor(x))
    tm(torch.tensor(x))
    fm.track_running_stats = tm.track_running_stats = False
    for mode in (True, False):
        fm.train(mode)
        tm.train(mode)
        check_fwd_bwd(fm, tm, [randn(r, 7, 5) - 1], fparams=_named(fm), tparams=_named(tm))
        _assert_state_equal(fm, tm, 1e-5, 1e-6)


def test_running_stats_update_is_not_an_inplace_op():
    """As torch's kernel, the update leaves the buffers' version counters alone: a graph that saved running_mean
    still back-propagates, and sees the updated values."""
    x = randn(rng(19), 7, 3)
    grads = []
    for lib, mod in ((fastnn, nn), (torch, torch.nn)):
        bn = mod.BatchNorm1d(3)
        w = lib.ones(3, requires_grad=True)
        y = (w * bn.running_mean).sum()
        bn(lib.tensor(x))
        y.backward()
        grads.append(w.grad)
    assert_close(*grads)
    assert float(grads[0].abs().sum()) > 0


@pytest.mark.parametrize("train", [True, False])
def test_batchnorm_affine_false_and_bias_false(train):
    r = rng(3)
    for kw in ({"affine": False}, {"bias": False}):
        fm, tm = _pair_modules("BatchNorm1d", 6, **kw)
        assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
        assert list(fm.state_dict()) == list(tm.state_dict())
        for _ in range(2):
            x = randn(r, 7, 6, 3) + 0.5
            fm(fastnn.tensor(x))
            tm(torch.tensor(x))
        fm.train(train)
        tm.train(train)
        check_fwd_bwd(fm, tm, [randn(r, 7, 6, 3)], fparams=_named(fm), tparams=_named(tm))
        _assert_state_equal(fm, tm, 1e-5, 1e-6)


def test_batchnorm_defaults_and_resets():
    fm, tm = nn.BatchNorm1d(8), torch.nn.BatchNorm1d(8)
    _assert_state_equal(fm, tm, 0, 0)
    assert [n for n, _ in fm.named_buffers()] == [n for n, _ in tm.named_buffers()]
    x = randn(rng(4), 7, 8) * 2
    fm(fastnn.tensor(x))
    tm(torch.tensor(x))
    assert int(fm.num_batches_tracked) == 1 and float(fm.running_var.sum()) != 8.0
    with fastnn.no_grad():
        fm.weight.mul_(3)
    fm.reset_running_stats()
    tm.reset_running_stats()
    assert int(fm.num_batches_tracked) == 0 and float(fm.weight.sum()) == 24.0
    np.testing.assert_array_equal(np_of(fm.running_var), np.ones(8, np.float32))
    fm.reset_parameters()
    _assert_state_equal(fm, tm, 0, 0)


def test_batchnorm_module_double_keeps_counter_int64():
    fm, tm = _pair_modules("BatchNorm1d", 5)
    fm.double()
    tm.double()
    assert fm.running_mean.dtype is fastnn.float64 and fm.num_batches_tracked.dtype is fastnn.int64
    check_fwd_bwd(fm, tm, [randn(rng(5), 7, 5, dtype=np.float64)], rtol=1e-12, atol=1e-12,
                  fparams=_named(fm), tparams=_named(tm))
    _assert_state_equal(fm, tm, 1e-12, 1e-12)


# ---------------------------------------------------------------- functional forms
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(63, 3), (7, 3, 5), (2, 3, 4, 5)], ids=str)
def test_functional_batch_norm(shape, training):
    r = rng(6)
    x, w, b = randn(r, *shape) * 2, randn(r, 3), randn(r, 3)
    stats = randn(r, 3), np.abs(randn(r, 3)) + 0.5
    frm, trm = pair(stats[0])
    frv, trv = pair(stats[1])
    check_fwd_bwd(lambda a, c, d: F.batch_norm(a, frm, frv, c, d, training, 0.2, 1e-3),
                  lambda a, c, d: TF.batch_norm(a, trm, trv, c, d, training, 0.2, 1e-3), [x, w, b])
    assert_close(frm, trm, what="running_mean")
    assert_close(frv, trv, what="running_var")
    # no running stats while training: only the batch statistics
    check_fwd_bwd(lambda a: F.batch_norm(a, None, None, training=True),
                  lambda a: TF.batch_norm(a, None, None, training=True), [x])


@pytest.mark.parametrize("n", ODD_BATCHES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_functional_layer_norm(n, dtype):
    npdt, _, _, rtol, atol = DTYPES[dtype]
    r = rng(n + 7)
    x, w, b = randn(r, n, 4, 6, dtype=npdt) * 3 + 1, randn(r, 4, 6, dtype=npdt), randn(r, 4, 6, dtype=npdt)
    check_fwd_bwd(lambda a, c, d: F.layer_norm(a, (4, 6), c, d, 1e-3),
                  lambda a, c, d: TF.layer_norm(a, (4, 6), c, d, 1e-3), [x, w, b], rtol=rtol, atol=atol)
    check_fwd_bwd(lambda a, c: F.layer_norm(a, [6], c), lambda a, c: TF.layer_norm(a, [6], c), [x, w[0]],
                  rtol=rtol, atol=atol)


# ---------------------------------------------------------------- LayerNorm
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", ODD_BATCHES)
@pytest.mark.parametrize("normalized_shape,extra", [(7, ()), ((7,), (3,)), ((3, 7), ()), ((3, 7), (2,))], ids=str)
def test_layernorm(normalized_shape, extra, n, dtype):
    npdt, _, _, rtol, atol = DTYPES[dtype]
    fm, tm = _pair_modules("LayerNorm", normalized_shape, dtype=dtype, seed=n)
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
    x = randn(rng(n), n, *extra, *ns, dtype=npdt) * 2 - 1
    fo, to = check_fwd_bwd(fm, tm, [x], rtol=rtol, atol=atol, fparams=_named(fm), tparams=_named(tm))
    assert fo.grad_fn.name() == to.grad_fn.name() == "NativeLayerNormBackward0"


@pytest.mark.parametrize("kw", [{"elementwise_affine": False}, {"bias": False}, {"eps": 0.5}], ids=str)
def test_layernorm_options(kw):
    fm, tm = _pair_modules("LayerNorm", [5, 3], **kw)
    assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert list(fm.state_dict()) == list(tm.state_dict())
    check_fwd_bwd(fm, tm, [randn(rng(8), 7, 5, 3) + 2], fparams=_named(fm), tparams=_named(tm))


def test_layernorm_input_equal_to_normalized_shape():
    fm, tm = _pair_modules("LayerNorm", 9)
    check_fwd_bwd(fm, tm, [randn(rng(9), 9)], fparams=_named(fm), tparams=_named(tm))


# ---------------------------------------------------------------- float64 gradcheck
def _f64(r, *shape, requires_grad=True, shift=0.0):
    return fastnn.tensor(r.standard_normal(shape) + shift, dtype=fastnn.float64, requires_grad=requires_grad)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (3, 2, 4)], ids=str)
def test_gradcheck_batch_norm(shape, training):
    r = rng(10)
    x, w, b = _f64(r, *shape), _f64(r, shape[1]), _f64(r, shape[1])
    rm = _f64(r, shape[1], requires_grad=False)
    rv = fastnn.tensor(r.random(shape[1]) + 0.5, dtype=fastnn.float64)
    stats = (None, None) if training else (rm, rv)
    assert fastnn.autograd.gradcheck(lambda a, c, d: F.batch_norm(a, *stats, c, d, training), (x, w, b))
    assert fastnn.autograd.gradcheck(lambda a: F.batch_norm(a, *stats, training=training), (x,))


@pytest.mark.parametrize("ns", [(4,), (3, 4)], ids=str)
def test_gradcheck_layer_norm(ns):
    r = rng(11)
    x, w, b = _f64(r, 2, 3, 4), _f64(r, *ns), _f64(r, *ns)
    assert fastnn.autograd.gradcheck(lambda a, c, d: F.layer_norm(a, ns, c, d), (x, w, b))
    assert fastnn.autograd.gradcheck(lambda a: F.layer_norm(a, ns), (x,))


# ---------------------------------------------------------------- state_dict and repr
def test_batchnorm_state_dict_matches_torch_and_loads_from_numpy():
    fm, tm = _pair_modules("BatchNorm1d", 6, momentum=None)
    r = rng(12)
    for _ in range(3):
        tm(torch.tensor(randn(r, 7, 6) * 2 + 1))
    fresh = nn.BatchNorm1d(6, momentum=None)
    fresh.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    _assert_state_equal(fresh, tm, 0, 0)
    assert int(fresh.num_batches_tracked) == 3
    x = randn(r, 7, 6)
    for mode in (False, True):
        fresh.train(mode)
        tm.train(mode)
        assert_close(fresh(fastnn.tensor(x)), tm(torch.tensor(x)))
        _assert_state_equal(fresh, tm, 1e-5, 1e-6)


def test_layernorm_state_dict_loads_from_numpy():
    fm, tm = _pair_modules("LayerNorm", (2, 5))
    fresh = nn.LayerNorm((2, 5))
    fresh.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    _assert_state_equal(fresh, tm, 0, 0)


@pytest.mark.parametrize("args,kw", [
    ((8,), {}), ((3,), {"eps": 1e-3, "momentum": None}), ((4,), {"affine": False, "track_running_stats": False}),
    ((5,), {"bias": False, "momentum": 0.01})], ids=str)
def test_batchnorm_repr(args, kw):
    assert repr(nn.BatchNorm1d(*args, **kw)) == repr(torch.nn.BatchNorm1d(*args, **kw))
    seq = nn.Sequential(nn.Linear(2, args[0]), nn.BatchNorm1d(*args, **kw))
    tseq = torch.nn.Sequential(torch.nn.Linear(2, args[0]), torch.nn.BatchNorm1d(*args, **kw))
    assert repr(seq) == repr(tseq)


@pytest.mark.parametrize("args,kw", [((5,), {}), (([3, 4],), {"eps": 1e-6}), ((2,), {"elementwise_affine": False}),
                                     ((7,), {"bias": False})], ids=str)
def test_layernorm_repr_and_defaults(args, kw):
    fm, tm = nn.LayerNorm(*args, **kw), torch.nn.LayerNorm(*args, **kw)
    assert repr(fm) == repr(tm)
    assert fm.normalized_shape == tm.normalized_shape
    _assert_state_equal(fm, tm, 0, 0)


# ---------------------------------------------------------------- errors as torch's
@pytest.mark.parametrize("kw,shape,train", [
    ({}, (4,), True), ({}, (2, 5, 3, 3), True), ({}, (4, 6), True), ({}, (4, 6, 3), False),
    ({"track_running_stats": False}, (4, 6), True), ({}, (1, 5), True), ({}, (1, 5, 1), True),
    ({"track_running_stats": False}, (1, 5), False)], ids=str)
def test_batchnorm_module_errors(kw, shape, train):
    fm, tm = nn.BatchNorm1d(5, **kw).train(train), torch.nn.BatchNorm1d(5, **kw).train(train)
    fx, tx = pair(randn(rng(13), *shape))
    _same_error(lambda: fm(fx), lambda: tm(tx))


def test_batchnorm_single_value_per_channel_is_fine_when_possible():
    for shape, train in (((1, 5), False), ((1, 5, 2), True)):
        fm, tm = nn.BatchNorm1d(5).train(train), torch.nn.BatchNorm1d(5).train(train)
        fx, tx = pair(randn(rng(14), *shape))
        assert_close(fm(fx), tm(tx))


def test_functional_batch_norm_errors():
    r = rng(15)

    def both(x, rm=None, rv=None, w=None, b=None, **kw):
        f = [None if a is None else pair(a)[0] for a in (x, rm, rv, w, b)]
        t = [None if a is None else pair(a)[1] for a in (x, rm, rv, w, b)]
        _same_error(lambda: F.batch_norm(*f, **kw), lambda: TF.batch_norm(*t, **kw))

    x, c5, c4 = randn(r, 4, 5), randn(r, 5), randn(r, 4)
    both(x, c4, c5, training=True)
    both(x, c5, c4)
    both(x, c5, None)
    both(x)
    both(x, c5, None, training=True)
    both(x, c5, c5, w=c4)
    both(x, c5, c5, b=c4)
    both(x, training=True, eps=0.0)
    both(x, c5, c5, eps=-1.0)
    both(x, training=True, momentum=None)
    both(randn(r, 4), training=True)
    both(randn(r, 4), c4, c4)
    both(np.arange(20).reshape(4, 5), c5, c5)
    both(x.astype(np.float64), c5, c5)
    both(x, c5.astype(np.float64), c5, training=True)
    both(x.astype(np.float64), c5.astype(np.float64), c5, training=True)
    both(x, c5, c5, w=c5.astype(np.float64))


def test_functional_layer_norm_errors():
    r = rng(16)

    def both(x, ns, w=None, b=None, **kw):
        f = [None if a is None else pair(a)[0] for a in (x, w, b)]
        t = [None if a is None else pair(a)[1] for a in (x, w, b)]
        _same_error(lambda: F.layer_norm(f[0], ns, f[1], f[2], **kw), lambda: TF.layer_norm(t[0], ns, t[1], t[2], **kw))

    x = randn(r, 3, 4)
    both(x, (5,))
    both(x, (3,))
    both(randn(r, 4), (3, 4))
    both(x, (4,), w=randn(r, 5))
    both(x, (4,), b=randn(r, 3))
    both(x, ())
    both(x, 4)
    both(x, (4.0,))
    both(x, (4,), w=randn(r, 4, dtype=np.float64))
    both(x.astype(np.float64), (4,), w=randn(r, 4))
    both(x, (4,), w=randn(r, 4), b=randn(r, 4, dtype=np.float64))
    both(np.arange(12).reshape(3, 4), (4,))
    fm, tm = nn.LayerNorm([2, 4]), torch.nn.LayerNorm([2, 4])
    fx, tx = pair(x)
    _same_error(lambda: fm(fx), lambda: tm(tx))


# ---------------------------------------------------------------- training an MLP with BatchNorm1d
@pytest.mark.parametrize("momentum", [0.1, None])
def test_mlp_with_batchnorm_trains_like_torch(momentum):
    r = rng(17)
    fnet = nn.Sequential(nn.Linear(10, 32), nn.BatchNorm1d(32, momentum=momentum), nn.ReLU(), nn.Linear(32, 3))
    tnet = torch.nn.Sequential(torch.nn.Linear(10, 32), torch.nn.BatchNorm1d(32, momentum=momentum),
                               torch.nn.ReLU(), torch.nn.Linear(32, 3))
    copy_params(fnet, tnet)
    fopt, topt = fastnn.optim.SGD(fnet.parameters(), lr=0.1), torch.optim.SGD(tnet.parameters(), lr=0.1)
    for step in range(6):
        x, y = randn(r, 63, 10) * 2, r.integers(0, 3, size=63)
        floss = F.cross_entropy(fnet(fastnn.tensor(x)), fastnn.tensor(y))
        tloss = TF.cross_entropy(tnet(torch.tensor(x)), torch.tensor(y))
        assert abs(floss.item() - tloss.item()) < 1e-5, (step, floss.item(), tloss.item())
        fopt.zero_grad()
        topt.zero_grad()
        floss.backward()
        tloss.backward()
        fopt.step()
        topt.step()
    _assert_state_equal(fnet, tnet, 1e-4, 1e-5)
    fnet.eval()
    tnet.eval()
    x = randn(r, 7, 10)
    assert_close(fnet(fastnn.tensor(x)), tnet(torch.tensor(x)), 1e-4, 1e-5)


def test_batchnorm_empty_batch_leaves_running_stats_as_torch():
    fm, tm = _pair_modules("BatchNorm1d", 3)
    fx, tx = pair(np.zeros((0, 3), np.float32), requires_grad=True)
    fy, ty = fm(fx), tm(tx)
    fy.sum().backward()
    ty.sum().backward()
    assert list(fy.shape) == list(ty.shape) == [0, 3]
    _assert_state_equal(fm, tm, 0, 0)
    assert_close(fm.weight.grad, tm.weight.grad)
    assert list(fx.grad.shape) == [0, 3]
