"""Losses (modules and functional forms) against torch on random float32 data: values and input gradients for
every reduction, weights, ignore_index, label smoothing, pos_weight, odd batch sizes and K-dimensional inputs;
the errors torch raises for bad targets; float64 gradcheck."""
import numpy as np
import pytest
import torch

import fastnn
import fastnn.nn.functional as F
from fastnn import nn
from nn_torch_util import ODD_BATCHES, assert_close, check_fwd_bwd, isa_and_threads, isa_thread_params, np_of, \
    pair, randn, rng

# torch's own deprecation notices for the legacy arguments and KLDivLoss(reduction='mean') we compare against
pytestmark = [pytest.mark.filterwarnings("ignore:size_average and reduce args will be deprecated"),
              pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss")]

REDUCTIONS = ("mean", "sum", "none")
TF = torch.nn.functional


def _targets(r, shape, c, ignore=None, frac_ignored=0.3):
    t = r.integers(0, c, size=shape).astype(np.int64)
    if ignore is not None:
        t[r.random(shape) < frac_ignored] = ignore
    return t


def _both(name, *args, **kwargs):
    """The loss module `name` built with the same arguments in fastnn and torch (tensor args converted)."""
    fa = {k: (fastnn.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
    ta = {k: (torch.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
    fm, tm = getattr(nn, name)(*args, **fa), getattr(torch.nn, name)(*args, **ta)
    assert repr(fm) == repr(tm)
    return fm, tm


# ---------------------------------------------------------------- cross-entropy with class indices
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("n", ODD_BATCHES)
@pytest.mark.parametrize("c", [1, 3, 10, 65])
def test_cross_entropy_indices(reduction, n, c):
    r = rng(n * 100 + c)
    x, t = randn(r, n, c) * 3, _targets(r, (n,), c)
    fm, tm = _both("CrossEntropyLoss", reduction=reduction)
    check_fwd_bwd(fm, tm, [x, t])


@pytest.mark.parametrize("isa,threads", isa_thread_params())
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_indices_every_isa(isa, threads, reduction):
    r = rng(5)
    x, t = randn(r, 257, 17) * 4, _targets(r, (257,), 17)
    with isa_and_threads(isa, threads):
        check_fwd_bwd(lambda a, b: F.cross_entropy(a, b, reduction=reduction),
                      lambda a, b: TF.cross_entropy(a, b, reduction=reduction), [x, t])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [False, True])
@pytest.mark.parametrize("ignore_index", [None, -100, 2])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1, 1.0])
@pytest.mark.parametrize("shape", [(7,), (63,), (7, 5), (1, 3, 2)], ids=str)
def test_cross_entropy_options(reduction, weight, ignore_index, label_smoothing, shape):
    """weight x ignore_index x label_smoothing x reduction, on (N, C) and (N, C, d...) inputs."""
    c = 4
    r = rng(len(shape) * 7 + int(label_smoothing * 10))
    x = randn(r, shape[0], c, *shape[1:]) * 2
    t = _targets(r, shape, c, ignore_index)
    kw = {"reduction": reduction, "label_smoothing": label_smoothing}
    if weight:
        kw["weight"] = (r.random(c) + 0.5).astype(np.float32)
    if ignore_index is not None:
        kw["ignore_index"] = ignore_index
    fm, tm = _both("CrossEntropyLoss", **kw)
    check_fwd_bwd(fm, tm, [x, t])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_single_sample_1d(reduction, label_smoothing):
    r = rng(1)
    x = randn(r, 6)
    for tv in (0, 5):
        check_fwd_bwd(lambda a, b: F.cross_entropy(a, b, reduction=reduction, label_smoothing=label_smoothing),
                      lambda a, b: TF.cross_entropy(a, b, reduction=reduction, label_smoothing=label_smoothing),
                      [x, np.array(tv, dtype=np.int64)])


def test_cross_entropy_uint8_targets_accepted():
    r = rng(2)
    x, t = randn(r, 7, 5), _targets(r, (7,), 5).astype(np.uint8)
    check_fwd_bwd(F.cross_entropy, TF.cross_entropy, [x, t])


# ---------------------------------------------------------------- cross-entropy with class probabilities
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("shape", [(7, 5), (1, 5), (63, 3), (4, 5, 3), (5,)], ids=str)
def test_cross_entropy_probabilities(reduction, weight, label_smoothing, shape):
    r = rng(sum(shape))
    x = randn(r, *shape) * 2
    cdim = 1 if len(shape) > 1 else 0
    p = r.random(shape).astype(np.float32)
    p /= p.sum(axis=cdim, keepdims=True)
    kw = {"reduction": reduction, "label_smoothing": label_smoothing}
    if weight:
        kw["weight"] = (r.random(shape[cdim]) + 0.5).astype(np.float32)
    fm, tm = _both("CrossEntropyLoss", **kw)
    # the target probabilities require grad too: torch differentiates through them
    check_fwd_bwd(fm, tm, [x, p])


# ---------------------------------------------------------------- NLL
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [False, True])
@pytest.mark.parametrize("ignore_index", [None, -100, 1])
@pytest.mark.parametrize("shape", [(1,), (7,), (63,), (7, 3), (2, 3, 4)], ids=str)
def test_nll_loss(reduction, weight, ignore_index, shape):
    c = 5
    r = rng(len(shape) * 13 + shape[0])
    logp = TF.log_softmax(torch.tensor(randn(r, shape[0], c, *shape[1:])), 1).numpy()
    t = _targets(r, shape, c, ignore_index)
    kw = {"reduction": reduction}
    if weight:
        kw["weight"] = (r.random(c) + 0.5).astype(np.float32)
    if ignore_index is not None:
        kw["ignore_index"] = ignore_index
    fm, tm = _both("NLLLoss", **kw)
    check_fwd_bwd(fm, tm, [logp, t])


def test_nll_loss_1d_input():
    logp = TF.log_softmax(torch.randn(6), 0).numpy()
    for red in REDUCTIONS:
        check_fwd_bwd(lambda a, b: F.nll_loss(a, b, reduction=red), lambda a, b: TF.nll_loss(a, b, reduction=red),
                      [logp, np.array(3, np.int64)])


def test_logsoftmax_nll_equals_cross_entropy():
    r = rng(3)
    x, t = pair(randn(r, 63, 10))
    tt = pair(_targets(r, (63,), 10))
    a = F.nll_loss(F.log_softmax(x, dim=1), tt[0])
    b = F.cross_entropy(x, tt[0])
    np.testing.assert_allclose(np_of(a), np_of(b), rtol=1e-6)


def test_all_targets_ignored_gives_nan_like_torch():
    x = randn(rng(0), 3, 4)
    t = np.full(3, -100, np.int64)
    for fn, tfn in ((F.cross_entropy, TF.cross_entropy), (F.nll_loss, TF.nll_loss)):
        f, tt = fn(*pair(x)[:1], pair(t)[0]), tfn(torch.tensor(x), torch.tensor(t))
        assert np.isnan(np_of(f)) and np.isnan(tt.item())
        assert np_of(fn(pair(x)[0], pair(t)[0], reduction="sum")) == 0


# ---------------------------------------------------------------- class-target errors
def _raises_like_torch(fn, tfn, fargs, targs, exc, *parts, **kw):
    with pytest.raises(exc) as te:
        tfn(*targs, **kw)
    with pytest.raises(exc) as fe:
        fn(*fargs, **kw)
    for part in parts:
        assert part in str(te.value), (part, str(te.value))
        assert part in str(fe.value), (part, str(fe.value))


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_bad_class_targets_raise_like_torch(name):
    fn, tfn = getattr(F, name), getattr(TF, name)
    x = randn(rng(0), 3, 4)
    fx, tx = pair(x)

    def run(t, exc, *parts, **kw):
        ft, tt = pair(t)
        _raises_like_torch(fn, tfn, (fx, ft), (tx, tt), exc, *parts, **kw)

    run(np.array([0, 4, 1]), IndexError, "Target 4 is out of bounds")
    run(np.array([0, -1, 1]), IndexError, "Target -1 is out of bounds")
    run(np.array([0, 1]), ValueError, "input batch_size (3)", "target batch_size (2)")
    run(np.array([0, 1, 1], np.int32), RuntimeError, "Long", "Int")
    run(np.array([True, False, True]), RuntimeError, "Long", "Bool")
    # K-dimensional: wrong spatial size names both shapes
    f3, t3 = pair(randn(rng(1), 3, 4, 5))
    ft, tt = pair(np.zeros((3, 6), np.int64))
    _raises_like_torch(fn, tfn, (f3, ft), (t3, tt), RuntimeError, "[3, 5]", "[3, 6]")
    # a weight that is not one per class
    fw, tw = pair(np.ones(3, np.float32))
    ft, tt = pair(np.array([0, 1, 1]))
    _raises_like_torch(lambda *a: fn(*a, weight=fw), lambda *a: tfn(*a, weight=tw), (fx, ft), (tx, tt),
                       RuntimeError, "4 classes", "[3]")
    if name == "nll_loss":
        run(np.array([0.0, 1.0, 1.0], np.float32), RuntimeError, "Long", "Float")


def test_cross_entropy_bad_options_raise_like_torch():
    fx, tx = pair(randn(rng(0), 3, 4))
    ft, tt = pair(np.array([0, 1, 2]))
    _raises_like_torch(F.cross_entropy, TF.cross_entropy, (fx, ft), (tx, tt), RuntimeError,
                       "label_smoothing must be between 0.0 and 1.0", label_smoothing=1.5)
    _raises_like_torch(F.cross_entropy, TF.cross_entropy, (fx, ft), (tx, tt), ValueError,
                       "avg is not a valid value for reduction", reduction="avg")
    loss = nn.CrossEntropyLoss(reduction="avg")  # torch checks the reduction when the loss is called
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        loss(fx, ft)
    fp, tp = pair(np.full((3, 5), 0.2, np.float32))
    _raises_like_torch(F.cross_entropy, TF.cross_entropy, (fx, fp), (tx, tp), RuntimeError)


# ---------------------------------------------------------------- regression losses
@pytest.mark.parametrize("name,kwargs", [("MSELoss", {}), ("L1Loss", {}), ("SmoothL1Loss", {}),
                                         ("SmoothL1Loss", {"beta": 0.5}), ("SmoothL1Loss", {"beta": 0.0}),
                                         ("HuberLoss", {}), ("HuberLoss", {"delta": 0.3})], ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(1,), (7, 3), (63, 17), (2, 3, 5)], ids=str)
def test_regression_losses(name, kwargs, reduction, shape):
    r = rng(len(shape) + shape[0])
    x, y = randn(r, *shape), randn(r, *shape)
    fm, tm = _both(name, reduction=reduction, **kwargs)
    check_fwd_bwd(fm, tm, [x, y])


def test_mse_broadcast_warns_like_torch():
    x, y = randn(rng(0), 3, 4), randn(rng(1), 3, 1)
    with pytest.warns(UserWarning, match="different to the input size"):
        fo, to = check_fwd_bwd(F.mse_loss, TF.mse_loss, [x, y])


@pytest.mark.parametrize("reduction", REDUCTIONS + ("batchmean",))
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    r = rng(4)
    inp = TF.log_softmax(torch.tensor(randn(r, 7, 5)), 1).numpy()
    tgt = TF.softmax(torch.tensor(randn(r, 7, 5)), 1).numpy()
    if log_target:
        tgt = np.log(tgt)
    fm, tm = _both("KLDivLoss", reduction=reduction, log_target=log_target)
    check_fwd_bwd(fm, tm, [inp, tgt])


def test_kl_div_zero_targets_contribute_zero():
    inp = TF.log_softmax(torch.tensor(randn(rng(5), 4, 3)), 1).numpy()
    tgt = np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0], [0.2, 0.3, 0.5], [0.0, 0.0, 1.0]], np.float32)
    fo = F.kl_div(fastnn.tensor(inp, requires_grad=True), fastnn.tensor(tgt), reduction="sum")
    to = TF.kl_div(torch.tensor(inp, requires_grad=True), torch.tensor(tgt), reduction="sum")
    assert_close(fo, to)
    assert np.isfinite(np_of(fo))


# ---------------------------------------------------------------- binary losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [False, True])
@pytest.mark.parametrize("shape", [(1,), (7,), (63, 3), (2, 3, 4)], ids=str)
def test_bce_loss(reduction, weight, shape):
    r = rng(shape[0] + len(shape))
    p = (r.random(shape) * 0.98 + 0.01).astype(np.float32)
    t = r.random(shape).astype(np.float32)
    t[..., :1] = np.round(t[..., :1])  # some hard 0/1 labels too
    kw = {"reduction": reduction}
    if weight:
        kw["weight"] = (r.random(shape[-1:]) + 0.5).astype(np.float32)
    fm, tm = _both("BCELoss", **kw)
    check_fwd_bwd(fm, tm, [p, t])


def test_bce_loss_saturated_inputs_clamp_like_torch():
    p = np.array([0.0, 1.0, 0.5, 1e-30], np.float32)
    t = np.array([1.0, 0.0, 1.0, 1.0], np.float32)
    """Probabilities of exactly 0 or 1 (a saturated float32 sigmoid): finite loss and gradients, as torch."""
    for red in REDUCTIONS:
        fo, _ = check_fwd_bwd(lambda a, b: F.binary_cross_entropy(a, b, reduction=red),
                              lambda a, b: TF.binary_cross_entropy(a, b, reduction=red), [p, t])
    # the usual Sigmoid + BCELoss model with a confident output
    z = np.array([[30.0, -30.0, 20.0]], np.float32)
    y = np.array([[1.0, 0.0, 0.0]], np.float32)
    check_fwd_bwd(lambda a, b: nn.BCELoss()(nn.Sigmoid()(a), b), lambda a, b: torch.nn.BCELoss()(torch.sigmoid(a), b),
                  [z, y])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [False, True])
@pytest.mark.parametrize("pos_weight", [False, True])
@pytest.mark.parametrize("shape", [(1, 1), (7, 3), (63, 5), (2, 4, 5)], ids=str)
def test_bce_with_logits(reduction, weight, pos_weight, shape):
    r = rng(shape[0] * 3 + len(shape))
    x = randn(r, *shape) * 4
    t = r.random(shape).astype(np.float32)
    kw = {"reduction": reduction}
    if weight:
        kw["weight"] = (r.random(shape[-1:]) + 0.5).astype(np.float32)
    if pos_weight:
        kw["pos_weight"] = (r.random(shape[-1:]) * 3).astype(np.float32)
    fm, tm = _both("BCEWithLogitsLoss", **kw)
    check_fwd_bwd(fm, tm, [x, t])


def test_bce_with_logits_extreme_logits_stay_finite():
    x = np.array([[-200.0, -30.0, 0.0, 30.0, 200.0]], np.float32)
    t = np.array([[1.0, 0.0, 0.5, 1.0, 0.0]], np.float32)
    check_fwd_bwd(lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=fastnn.tensor([2.0] * 5)),
                  lambda a, b: TF.binary_cross_entropy_with_logits(a, b, pos_weight=torch.tensor([2.0] * 5)),
                  [x, t])


def test_binary_losses_errors_like_torch():
    fx, tx = pair(randn(rng(0), 3, 4))
    fy, ty = pair(np.ones((3, 1), np.float32))
    _raises_like_torch(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits, (fx, fy), (tx, ty),
                       ValueError, "must be the same as input size")
    fp, tp = pair(np.full((3, 4), 0.5, np.float32))
    _raises_like_torch(F.binary_cross_entropy, TF.binary_cross_entropy, (fp, fy), (tp, ty), ValueError,
                       "different to the input size")
    fo, to = pair(np.ones((3, 4), np.float32))
    _raises_like_torch(F.binary_cross_entropy, TF.binary_cross_entropy, (fx, fo), (tx, to), RuntimeError,
                       "between 0 and 1")


# ---------------------------------------------------------------- loss modules: attributes, legacy arguments
def test_loss_module_attributes_and_buffers():
    w = fastnn.tensor([1.0, 2.0, 3.0])
    ce = nn.CrossEntropyLoss(weight=w, ignore_index=1, label_smoothing=0.1)
    assert ce.reduction == "mean" and ce.ignore_index == 1 and ce.label_smoothing == 0.1
    assert ce.weight is w and list(ce.state_dict()) == ["weight"]
    assert list(torch.nn.CrossEntropyLoss(weight=torch.ones(3)).state_dict()) == ["weight"]
    assert nn.MSELoss(size_average=False).reduction == "sum"
    assert nn.MSELoss(reduce=False).reduction == "none"
    assert torch.nn.MSELoss(size_average=False).reduction == "sum"
    bl = nn.BCEWithLogitsLoss(pos_weight=fastnn.ones(3))
    assert list(bl.state_dict()) == list(torch.nn.BCEWithLogitsLoss(pos_weight=torch.ones(3)).state_dict())


def test_weighted_loss_follows_module_to_double():
    ce = nn.CrossEntropyLoss(weight=fastnn.tensor([1.0, 2.0, 3.0])).double()
    assert ce.weight.dtype is fastnn.float64
    x = fastnn.randn(4, 3, dtype=fastnn.float64, requires_grad=True)
    out = ce(x, fastnn.tensor([0, 1, 2, 1]))
    assert out.dtype is fastnn.float64
    out.backward()
    assert x.grad.dtype is fastnn.float64


# ---------------------------------------------------------------- float64 gradcheck
def _f64(r, *shape, requires_grad=True):
    return fastnn.tensor(r.standard_normal(shape), dtype=fastnn.float64, requires_grad=requires_grad)


GRADCHECK = [
    ("cross_entropy", {}), ("cross_entropy", {"reduction": "sum", "label_smoothing": 0.2}),
    ("cross_entropy", {"reduction": "none", "ignore_index": 1}), ("cross_entropy", {"weight": True}),
    ("cross_entropy", {"weight": True, "label_smoothing": 0.1, "ignore_index": 0}),
    ("nll_loss", {}), ("nll_loss", {"weight": True, "reduction": "none"}), ("nll_loss", {"ignore_index": 2}),
]


@pytest.mark.parametrize("name,kw", GRADCHECK, ids=str)
def test_gradcheck_class_losses(name, kw):
    r = rng(7)
    x = _f64(r, 5, 4)
    t = fastnn.tensor(np.array([0, 1, 2, 3, 1]))
    kw = dict(kw)
    if kw.pop("weight", False):
        kw["weight"] = fastnn.tensor(r.random(4) + 0.5, dtype=fastnn.float64)
    assert fastnn.autograd.gradcheck(lambda a: getattr(F, name)(a, t, **kw), (x,))
    x3 = _f64(r, 2, 4, 3)
    t3 = fastnn.tensor(np.array([[0, 1, 3], [2, 2, 1]]))
    assert fastnn.autograd.gradcheck(lambda a: getattr(F, name)(a, t3, **kw), (x3,))


def test_gradcheck_cross_entropy_probabilities():
    r = rng(8)
    x, p = _f64(r, 4, 3), fastnn.tensor(r.dirichlet(np.ones(3), size=4), dtype=fastnn.float64, requires_grad=True)
    w = fastnn.tensor(r.random(3) + 0.5, dtype=fastnn.float64)
    assert fastnn.autograd.gradcheck(lambda a, b: F.cross_entropy(a, b, weight=w, label_smoothing=0.1), (x, p))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_regression(name, reduction):
    r = rng(9)
    assert fastnn.autograd.gradcheck(lambda a, b: getattr(F, name)(a, b, reduction=reduction),
                                     (_f64(r, 3, 4), _f64(r, 3, 4)))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_binary(reduction):
    r = rng(10)
    p = fastnn.tensor(r.random((3, 4)) * 0.8 + 0.1, dtype=fastnn.float64, requires_grad=True)
    t = fastnn.tensor(r.random((3, 4)), dtype=fastnn.float64, requires_grad=True)
    w = fastnn.tensor(r.random(4) + 0.5, dtype=fastnn.float64)
    assert fastnn.autograd.gradcheck(
        lambda a, b: F.binary_cross_entropy(a, b, weight=w, reduction=reduction), (p, t))
    x = _f64(r, 3, 4)
    assert fastnn.autograd.gradcheck(
        lambda a, b: F.binary_cross_entropy_with_logits(a, b, weight=w, pos_weight=w * 2, reduction=reduction),
        (x, t))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_printed_loss_names_its_node_like_torch(reduction):
    """`print(loss)` shows grad_fn=<...>: the losses name the same node as torch, also where fastnn composes a
    loss that torch computes in one op (BCE, BCEWithLogits, SmoothL1, Huber)."""
    r = rng(11)
    x, t, y, p = randn(r, 5, 4), _targets(r, (5,), 4), randn(r, 5, 4), r.random((5, 4)).astype(np.float32)
    for name, args in (("CrossEntropyLoss", (x, t)), ("NLLLoss", (x, t)), ("MSELoss", (x, y)), ("L1Loss", (x, y)),
                       ("BCELoss", (p, p[::-1].copy())), ("BCEWithLogitsLoss", (x, p)), ("SmoothL1Loss", (x, y)),
                       ("HuberLoss", (x, y))):
        fm, tm = getattr(nn, name)(reduction=reduction), getattr(torch.nn, name)(reduction=reduction)
        fo = fm(fastnn.tensor(args[0], requires_grad=True), fastnn.tensor(args[1]))
        to = tm(torch.tensor(args[0], requires_grad=True), torch.tensor(args[1]))
        assert fo.grad_fn.name() == to.grad_fn.name(), name


@pytest.mark.parametrize("name", ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "HuberLoss", "KLDivLoss",
                                  "L1Loss", "MSELoss", "NLLLoss", "SmoothL1Loss"])
def test_unknown_reduction_raises_when_the_loss_is_called(name):
    """torch builds a loss with any reduction string and raises ValueError at the call."""
    for lib in (fastnn, torch):
        loss = getattr(lib.nn, name)(reduction="avg")
        x = lib.rand(3, 4)
        target = lib.tensor([0, 1, 2]) if name in ("CrossEntropyLoss", "NLLLoss") else lib.rand(3, 4)
        with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
            loss(x, target)
