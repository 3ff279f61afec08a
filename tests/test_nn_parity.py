"""PyTorch-parity regressions in fastnn.nn, utils.data and serialization, each checked against torch: state_dict of
aliased modules, Sequential/ModuleList editing and operators, the fused Linear+ReLU path and instance forwards,
in-place activations, dtype and shape errors of losses and softmax, WeightedRandomSampler with zero weights,
forward-hook keywords, Parameters through fastnn.save, and HuberLoss's reduction check."""
import collections
import io

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import fastnn
import fastnn.nn.functional as F
from fastnn import nn
from nn_torch_util import assert_close, copy_params, np_of, outcome, pair, randn, rng, same_error


def _keys(mod):
    return list(mod._modules)


# ---------------------------------------------------------------- 1. state_dict of aliased modules
def _aliased(mod):
    class Net(mod.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = mod.Linear(3, 3)
            self.shared = self.fc1
            self.fc2 = mod.Linear(3, 2)
    lin = mod.Linear(2, 2)
    return [mod.Sequential(lin, mod.ReLU(), lin), Net()]


def test_state_dict_keeps_aliased_modules():
    for fm, tm in zip(_aliased(nn), _aliased(torch.nn)):
        assert list(fm.state_dict()) == list(tm.state_dict())
        assert list(fm.state_dict(keep_vars=True)) == list(tm.state_dict(keep_vars=True))
        assert [n for n, _ in fm.named_parameters()] == [n for n, _ in tm.named_parameters()]
        assert ([n for n, _ in fm.named_parameters(remove_duplicate=False)]
                == [n for n, _ in tm.named_parameters(remove_duplicate=False)])
        assert [n for n, _ in fm.named_modules()] == [n for n, _ in tm.named_modules()]
        copy_params(fm, tm)  # strict load of torch's full key set
        for k, v in tm.state_dict().items():
            assert_close(fm.state_dict()[k], v, what=k)
        partial = {k: fastnn.tensor(np_of(v)) for k, v in list(tm.state_dict().items())[:2]}
        tpartial = {k: v.clone() for k, v in list(tm.state_dict().items())[:2]}
        fr, tr = fm.load_state_dict(partial, strict=False), tm.load_state_dict(tpartial, strict=False)
        assert (fr.missing_keys, fr.unexpected_keys) == (tr.missing_keys, tr.unexpected_keys)
        same_error(lambda: fm.load_state_dict(partial), lambda: tm.load_state_dict(tpartial))


# ---------------------------------------------------------------- 2. Sequential.insert
def _seq(mod, od=False):
    ms = [mod.ReLU(), mod.Tanh(), mod.Sigmoid()]
    return mod.Sequential(collections.OrderedDict(zip("abc", ms))) if od else mod.Sequential(*ms)


@pytest.mark.parametrize("od", [False, True], ids=["numbered", "ordereddict"])
@pytest.mark.parametrize("index", [-4, -3, -1, 0, 1, 3, 4])
def test_sequential_insert_like_torch(index, od):
    fs, ts = _seq(nn, od), _seq(torch.nn, od)
    f, t = outcome(lambda: fs.insert(index, nn.ELU())), outcome(lambda: ts.insert(index, torch.nn.ELU()))
    assert f[0] == t[0] and (f[0] == "ok" or f[1] == t[1]), (f, t)
    assert _keys(fs) == _keys(ts)
    assert [type(m).__name__ for m in fs] == [type(m).__name__ for m in ts]


def test_sequential_insert_non_module_raises_assertion():
    same_error(lambda: _seq(nn).insert(0, 5), lambda: _seq(torch.nn).insert(0, 5))


# ---------------------------------------------------------------- 3. fused Linear+ReLU and instance forwards
@pytest.mark.parametrize("which", [0, 1])
def test_sequential_fusion_respects_instance_forward(which):
    x = randn(rng(0), 4, 3)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2))
    fm = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
    copy_params(fm, tm)
    for m in (fm, tm):
        orig = m[which].forward
        m[which].forward = lambda inp, orig=orig: orig(inp) * 2 - 1
    fx, tx = pair(x)
    assert_close(fm(fx), tm(tx), what="forward with an instance forward")
    del fm[which].forward, tm[which].forward
    assert_close(fm(fx), tm(tx), what="forward after deleting it")


# ---------------------------------------------------------------- 4. in-place activations
_ACTS = [("leaky_relu", (0.1,)), ("elu", (0.7,)), ("hardtanh", (-0.5, 0.5)), ("relu6", ()), ("silu", ()),
         ("mish", ()), ("hardswish", ()), ("hardsigmoid", ()), ("threshold", (0.1, -2.0)), ("celu", (0.6,)),
         ("selu", ())]


@pytest.mark.parametrize("name,args", _ACTS, ids=[a[0] for a in _ACTS])
def test_inplace_functional_activations(name, args):
    x = randn(rng(0), 3, 4) * 8
    fx, tx = pair(x)
    address = fx._data.ctypes.data
    fy, ty = getattr(F, name)(fx, *args, inplace=True), getattr(TF, name)(tx, *args, inplace=True)
    assert fy is fx and ty is tx
    assert fx._data.ctypes.data == address, "the result is not in the input's storage"
    assert_close(fx, tx, what="input overwritten")
    assert fx._version[0] == tx._version == 1
    # a non-leaf: the in-place result carries the gradient
    fl, tl = pair(x, requires_grad=True)
    fh, th = fl * 2, tl * 2
    getattr(F, name)(fh, *args, inplace=True)
    getattr(TF, name)(th, *args, inplace=True)
    assert_close(fh, th, what="non-leaf forward")
    g = randn(rng(1), 3, 4)
    fh.backward(fastnn.tensor(g))
    th.backward(torch.tensor(g))
    assert_close(fl.grad, tl.grad, what="grad through the in-place activation")
    # a leaf that requires grad cannot be modified in place
    same_error(lambda: getattr(F, name)(fl, *args, inplace=True), lambda: getattr(TF, name)(tl, *args, inplace=True))


@pytest.mark.parametrize("ctor", ["LeakyReLU(0.2, True)", "LeakyReLU()", "ELU(0.5, True)", "ELU()",
                                  "Hardtanh(-2.0, 2.0, True)", "Hardtanh()", "ReLU6(True)", "ReLU6()",
                                  "SiLU(True)", "SiLU()", "ReLU(True)"])
def test_inplace_activation_modules(ctor):
    fm, tm = eval("nn." + ctor), eval("torch.nn." + ctor)
    assert repr(fm) == repr(tm)
    fx, tx = pair(randn(rng(0), 2, 5) * 4)
    fy, ty = fm(fx), tm(tx)
    assert (fy is fx) == (ty is tx)
    assert_close(fy, ty)
    assert_close(fx, tx, what="input after the call")


def test_activation_integer_inputs_like_torch():
    for name, args in _ACTS:
        f, t = outcome(lambda: getattr(F, name)(fastnn.tensor([-3, 1, 7]), *args)), \
            outcome(lambda: getattr(TF, name)(torch.tensor([-3, 1, 7]), *args))
        if t[0] == "ok":
            assert f[0] == "ok", (name, f)
            assert_close(f[1], t[1], what=name)
        else:
            assert f == t, (name, f, t)
    same_error(lambda: F.hardtanh(fastnn.ones(2), 2.0, 1.0), lambda: TF.hardtanh(torch.ones(2), 2.0, 1.0))
    same_error(lambda: nn.Hardtanh(2.0, 1.0), lambda: torch.nn.Hardtanh(2.0, 1.0))


# ---------------------------------------------------------------- 5. ModuleList / Sequential operators
@pytest.mark.parametrize("n,idx", [(1, 5), (1, -2), (0, 0), (2, -1), (2, 1)])
def test_modulelist_setitem_bounds(n, idx):
    fl = nn.ModuleList([nn.ReLU() for _ in range(n)])
    tl = torch.nn.ModuleList([torch.nn.ReLU() for _ in range(n)])
    f = outcome(lambda: fl.__setitem__(idx, nn.Tanh()))
    t = outcome(lambda: tl.__setitem__(idx, torch.nn.Tanh()))
    assert f[0] == t[0] and (f[0] == "ok" or f[1] == t[1]), (f, t)
    assert repr(fl) == repr(tl)
    if n:
        same_error(lambda: fl.__setitem__(0, 5), lambda: tl.__setitem__(0, 5))


def test_container_operators_like_torch():
    def build(mod):
        return mod.Sequential(mod.ReLU(), mod.Tanh())
    fs, ts = build(nn), build(torch.nn)
    assert repr(fs * 2) == repr(ts * 2) and repr(3 * fs) == repr(3 * ts)
    assert [m is fs[i % 2] for i, m in enumerate(fs * 2)] == [True] * 4
    for bad in (0, -1, 1.5):
        same_error(lambda: fs * bad, lambda: ts * bad)
    f2, t2 = fs, ts
    f2 *= 2
    t2 *= 2
    assert f2 is fs and repr(fs) == repr(ts)
    fs, ts = build(nn), build(torch.nn)
    f3, t3 = fs, ts
    f3 += nn.Sequential(nn.ELU())
    t3 += torch.nn.Sequential(torch.nn.ELU())
    assert f3 is fs and repr(fs) == repr(ts) and _keys(fs) == _keys(ts)
    assert repr(fs + build(nn)) == repr(ts + build(torch.nn))
    same_error(lambda: fs.__iadd__([nn.ReLU()]), lambda: ts.__iadd__([torch.nn.ReLU()]))
    same_error(lambda: fs + [nn.ReLU()], lambda: ts + [torch.nn.ReLU()])

    fl, tl = nn.ModuleList([nn.ReLU()]), torch.nn.ModuleList([torch.nn.ReLU()])
    assert repr(fl + [nn.Tanh()]) == repr(tl + [torch.nn.Tanh()])
    assert repr(fl + nn.Sequential(nn.ELU())) == repr(tl + torch.nn.Sequential(torch.nn.ELU()))
    assert type(fl + [nn.Tanh()]) is nn.ModuleList
    f4, t4 = fl, tl
    f4 += (nn.Tanh(),)
    t4 += (torch.nn.Tanh(),)
    assert f4 is fl and repr(fl) == repr(tl)
    for bad in (5, nn.ReLU()):
        tbad = 5 if bad == 5 else torch.nn.ReLU()
        same_error(lambda: fl.extend(bad), lambda: tl.extend(tbad))
    same_error(lambda: fl + 5, lambda: tl + 5)
    same_error(lambda: fl.__iadd__(5), lambda: tl.__iadd__(5))


# ---------------------------------------------------------------- 6. dtype checks
def _bce_cases(lib):
    x = lib.tensor([0.2, 0.5, 0.9])
    f, b = lib.nn.functional.binary_cross_entropy, lib.nn.functional.binary_cross_entropy_with_logits
    t = [0.0, 1.0, 1.0]
    return [lambda: f(x, lib.tensor([0, 1, 1])), lambda: f(x, lib.tensor(t, dtype=lib.float64)),
            lambda: f(x.double(), lib.tensor(t)), lambda: f(x, lib.tensor([0, 1, 1], dtype=lib.int32)),
            lambda: f(x, lib.tensor([False, True, True])), lambda: f(lib.tensor([0, 1, 1]), lib.tensor([0, 1, 1])),
            lambda: b(x, lib.tensor([0, 1, 1])), lambda: b(x, lib.tensor([0, 1, 1], dtype=lib.int32)),
            lambda: b(x, lib.tensor([False, True, True])), lambda: b(lib.tensor([0, 1, 1]), lib.tensor(t))]


def _softmax_cases(lib):
    fn = lib.nn.functional
    i = lib.tensor([[1, 2], [3, 4]])
    cases = [lambda: fn.cross_entropy(i, lib.tensor([0, 1])), lambda: fn.nll_loss(i, lib.tensor([0, 1])),
             lambda: fn.softmax(lib.ones(2, 3, 1, dtype=lib.int64), 1), lambda: fn.softmin(i, 1),
             lambda: fn.softmax(lib.tensor([1.0, 2.0]), 0, dtype=lib.int64),
             lambda: fn.cross_entropy(lib.ones(2, 3, 4, dtype=lib.int64), lib.zeros(2, 4, dtype=lib.int64)),
             lambda: fn.nll_loss(lib.ones(2, 3, 4, dtype=lib.int64), lib.zeros(2, 4, dtype=lib.int64)),
             lambda: fn.cross_entropy(lib.tensor([1, 2]), lib.tensor([0.0, 1.0]))]
    for d in (0, 1, -1):
        cases += [lambda d=d: fn.softmax(i, d), lambda d=d: fn.log_softmax(i, d)]
    return cases


def _dropout_cases(lib):
    fn = lib.nn.functional
    i = lib.tensor([[1, 2], [3, 4]])
    return [lambda: fn.dropout(i), lambda: fn.dropout(i.int()), lambda: fn.dropout(i.bool()),
            lambda: fn.dropout(i, inplace=True), lambda: lib.nn.Dropout()(i)]


@pytest.mark.parametrize("cases", [_bce_cases, _softmax_cases, _dropout_cases], ids=["bce", "softmax", "dropout"])
def test_dtype_errors_like_torch(cases):
    for k, (f, t) in enumerate(zip(cases(fastnn), cases(torch))):
        ft, tt = outcome(f), outcome(t)
        assert tt[0] != "ok", f"case {k}: torch did not raise"
        assert ft == tt, f"case {k}: fastnn {ft} vs torch {tt}"


def test_dtype_results_like_torch():
    """The cases torch allows keep torch's result dtype and values."""
    for lib_cases in [lambda lib: [
            lambda: lib.nn.functional.binary_cross_entropy(lib.tensor([0.2, 0.5]), lib.tensor([0.0, 1.0]),
                                                           weight=lib.ones(2, dtype=lib.float64)),
            lambda: lib.nn.functional.binary_cross_entropy_with_logits(lib.tensor([0.2, 0.5]),
                                                                       lib.tensor([0.0, 1.0], dtype=lib.float64)),
            lambda: lib.nn.functional.binary_cross_entropy_with_logits(lib.tensor([0.2, 0.5]).double(),
                                                                       lib.tensor([0.0, 1.0])),
            lambda: lib.nn.functional.dropout(lib.tensor([[1, 2]]), p=1.0),
            lambda: lib.nn.functional.dropout(lib.tensor([[1, 2]]), p=0.0),
            lambda: lib.nn.functional.softmax(lib.tensor([[1, 2]]), 1, dtype=lib.float32)]]:
        for f, t in zip(lib_cases(fastnn), lib_cases(torch)):
            assert_close(f(), t())


def test_dropout_p1_inplace_like_torch():
    fx, tx = pair(np.array([[1.0, 2.0]], np.float32))
    assert F.dropout(fx, p=1.0, inplace=True) is fx
    TF.dropout(tx, p=1.0, inplace=True)
    assert_close(fx, tx)


# ---------------------------------------------------------------- 7. 1-D / 0-d inputs of nll_loss and cross_entropy
def _class_target_cases(lib):
    fn, T = lib.nn.functional, lib.tensor
    x = T([1.0, 2.0, 0.5])
    cases = []
    for red in ("mean", "sum", "none"):
        for t in ([0], [-100], 2, -100):
            for kw in ({}, {"weight": T([2.0, 1.0, 1.0])}, {"label_smoothing": 0.2}):
                cases.append(lambda t=t, kw=kw, red=red: fn.cross_entropy(x, T(t), reduction=red, **kw))
            cases.append(lambda t=t, red=red: fn.nll_loss(x, T(t), reduction=red))
    cases += [lambda: fn.nll_loss(x, T([0, 1])), lambda: fn.nll_loss(x, T([5])), lambda: fn.nll_loss(x, T([[0]])),
              lambda: fn.nll_loss(T([1.0]), T([0])), lambda: fn.nll_loss(T([[1.0, 2.0]]), T([[0]])),
              lambda: fn.cross_entropy(T(1.0), T(0)), lambda: fn.cross_entropy(T(1.0), T([0])),
              lambda: fn.cross_entropy(T(1.0), T(0.0)), lambda: fn.nll_loss(T(1.0), T(0)),
              lambda: fn.nll_loss(T(1.0), T([0])), lambda: fn.cross_entropy(T([[1.0, 2.0]]), T(0)),
              lambda: fn.nll_loss(T([[1.0, 2.0]]), T(0)), lambda: fn.cross_entropy(T([1.0, 2.0]), T([0, 1])),
              lambda: fn.cross_entropy(T([1.0, 2.0]), T([[0]])),
              lambda: fn.nll_loss(lib.ones(2, 3, 4), lib.zeros(2, 5, dtype=lib.int64)),
              lambda: fn.nll_loss(lib.ones(2, 3, 4, 5), lib.zeros(2, 4, dtype=lib.int64)),
              lambda: fn.nll_loss(lib.ones(2, 3, 4, 5), lib.zeros(2, 4, 6, dtype=lib.int64)),
              lambda: fn.cross_entropy(lib.ones(2, 3), lib.zeros(2)),
              lambda: fn.cross_entropy(lib.ones(2, 3), lib.zeros(2, 3, dtype=lib.int32)),
              lambda: fn.cross_entropy(lib.ones(2, 3), lib.zeros(2, 3), ignore_index=1),
              lambda: fn.cross_entropy(lib.ones(2, 3), lib.zeros(3), label_smoothing=0.1),
              lambda: fn.cross_entropy(lib.ones(2, 3), lib.zeros(2, 4)),
              lambda: fn.nll_loss(lib.ones(2, 3), lib.zeros(2, dtype=lib.int64), weight=lib.ones(3).double())]
    return cases


def test_class_target_shapes_like_torch():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for k, (f, t) in enumerate(zip(_class_target_cases(fastnn), _class_target_cases(torch))):
            ft, tt = outcome(f), outcome(t)
            assert ft[0] == tt[0], f"case {k}: fastnn {ft} vs torch {tt}"
            if tt[0] == "ok":
                assert_close(ft[1], tt[1], what=f"case {k}")
            else:
                assert ft[1] == tt[1], f"case {k}: fastnn {ft} vs torch {tt}"


def test_cross_entropy_1d_target_of_shape_1_backward():
    """torch's forward takes a (1,) target for a (C,) input (its backward then raises); fastnn's backward gives
    the gradient of the equivalent 0-d target."""
    fx, tx = pair(randn(rng(0), 4), requires_grad=True)
    F.cross_entropy(fx, fastnn.tensor([2])).backward()
    TF.cross_entropy(tx, torch.tensor(2)).backward()
    assert_close(fx.grad, tx.grad)


# ---------------------------------------------------------------- 8. WeightedRandomSampler with zero weights
@pytest.mark.parametrize("weights,n", [([0.0, 1, 2, 0, 3], 5), ([0.0, 1, 2, 0, 3], 4), ([0.0, 1, 0], 3)])
def test_weighted_sampler_zero_weights_without_replacement(weights, n):
    from fastnn.utils.data import WeightedRandomSampler
    from torch.utils.data import WeightedRandomSampler as TW
    pos = {i for i, w in enumerate(weights) if w > 0}
    for _ in range(5):
        got, ref = list(WeightedRandomSampler(weights, n, replacement=False)), list(TW(weights, n, replacement=False))
        assert len(got) == len(ref) == len(set(got)) == n
        if n == len(weights):
            assert sorted(got) == sorted(ref)
        assert set(got[:len(pos)]) == set(ref[:len(pos)]) == pos  # positive weights drawn first
    same_error(lambda: list(WeightedRandomSampler(weights, len(weights) + 1, replacement=False)),
                lambda: list(TW(weights, len(weights) + 1, replacement=False)))


# ---------------------------------------------------------------- 9. forward-hook keywords
def _hook_log(mod, lib):
    log = []
    m = mod.Linear(2, 2)
    m.register_forward_hook(lambda s, a, o: log.append("post"))
    m.register_forward_hook(lambda s, a, o: log.append("post-first"), prepend=True)
    m.register_forward_hook(lambda s, a, kw, o: log.append(("post-kw", sorted(kw))), with_kwargs=True)
    m.register_forward_pre_hook(lambda s, a: log.append("pre"))
    m.register_forward_pre_hook(lambda s, a: log.append("pre-first"), prepend=True)

    def pre_kw(s, args, kwargs):
        log.append(("pre-kw", sorted(kwargs)))
        return (args[0] * 2,), kwargs
    h = m.register_forward_pre_hook(pre_kw, with_kwargs=True)
    doubled = np_of(m(lib.ones(1, 2)))
    h.remove()
    plain = np_of(m(lib.ones(1, 2)))
    assert np.allclose(doubled - plain, plain - np_of(m.bias)[None], atol=1e-6)  # the pre-hook doubled the input
    return log


def test_forward_hook_keywords_like_torch():
    assert _hook_log(nn, fastnn) == _hook_log(torch.nn, torch)


def _always_call_log(mod, lib):
    log = []

    class Boom(mod.Module):
        def forward(self, x):
            raise ValueError("boom")
    m = Boom()
    m.register_forward_hook(lambda s, a, o: log.append(("always", o)), always_call=True)
    m.register_forward_hook(lambda s, a, o: log.append("normal"))
    with pytest.raises(ValueError, match="boom"):
        m(lib.ones(1))
    bad = mod.Linear(2, 2)
    bad.register_forward_pre_hook(lambda s, a, kw: 5, with_kwargs=True)
    err = outcome(lambda: bad(lib.ones(2)))
    return log, err


def test_forward_hook_always_call_like_torch():
    assert _always_call_log(nn, fastnn) == _always_call_log(torch.nn, torch)


def test_forward_pre_hook_with_kwargs_changes_the_call():
    for mod, lib in ((nn, fastnn), (torch.nn, torch)):
        m = mod.Linear(2, 3)
        m.register_forward_pre_hook(lambda s, a, kw: ((a[0] * 0,), kw), with_kwargs=True)
        assert np.allclose(np_of(m(lib.ones(1, 2))), np_of(m.bias)[None])


# ---------------------------------------------------------------- 10. Parameters through fastnn.save
def test_save_load_keeps_parameters():
    p = nn.Parameter(fastnn.ones(2, 3))
    q = nn.Parameter(fastnn.zeros(2), requires_grad=False)
    b = io.BytesIO()
    fastnn.save({"p": p, "alias": p, "q": q, "t": fastnn.ones(1), "g": fastnn.ones(1, requires_grad=True)}, b)
    b.seek(0)
    d = fastnn.load(b)
    tb = io.BytesIO()
    torch.save({"p": torch.nn.Parameter(torch.ones(2, 3)), "q": torch.nn.Parameter(torch.zeros(2), False),
                "t": torch.ones(1), "g": torch.ones(1, requires_grad=True)}, tb)
    tb.seek(0)
    td = torch.load(tb)
    for k in ("p", "q", "t", "g"):
        assert isinstance(d[k], nn.Parameter) == isinstance(td[k], torch.nn.Parameter), k
        assert d[k].requires_grad == td[k].requires_grad, k
        assert_close(d[k], td[k], what=k)
    assert d["alias"] is d["p"]


# ---------------------------------------------------------------- 11. HuberLoss reduction check at call time
def test_huber_loss_invalid_reduction_raises_when_called():
    fm, tm = nn.HuberLoss(reduction="foo"), torch.nn.HuberLoss(reduction="foo")
    assert fm.reduction == tm.reduction == "foo"
    x = np.ones(3, np.float32)
    same_error(lambda: fm(fastnn.tensor(x), fastnn.tensor(x)), lambda: tm(torch.tensor(x), torch.tensor(x)))
    same_error(lambda: F.huber_loss(fastnn.ones(3), fastnn.ones(3), reduction="foo"),
                lambda: TF.huber_loss(torch.ones(3), torch.ones(3), reduction="foo"))
