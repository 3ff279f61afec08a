"""nn.Module API against torch: registration, traversal, modes, zero_grad, to(), state_dict round trips and
errors, repr strings, containers (Sequential, ModuleList, ModuleDict), apply, buffers, deepcopy, hooks and
clip_grad_norm_."""
import collections
import copy
import pickle

import numpy as np
import pytest
import torch

import fastnn
from fastnn import nn
from nn_torch_util import assert_close, copy_params, np_of, randn, rng


def _lib(mod):
    return fastnn if mod is nn else torch


def _net_class(mod):
    lib = _lib(mod)

    class Net(mod.Module):
        def __init__(self):
            super().__init__()
            self.hidden = mod.Linear(5, 4)
            self.output = mod.Linear(4, 3)
            self.sigmoid = mod.Sigmoid()
            self.softmax = mod.Softmax(dim=1)
            self.register_buffer("running", lib.ones(3))
            self.register_buffer("scratch", lib.zeros(2), persistent=False)
            self.scale = mod.Parameter(lib.ones(1) * 2)
            self.not_a_param = lib.ones(2)  # a plain tensor attribute: not registered

        def forward(self, x):
            return self.softmax(self.output(self.sigmoid(self.hidden(x))) * self.scale) + self.running * 0

    return Net


def _nets():
    tn = _net_class(torch.nn)()
    fn = _net_class(nn)()
    copy_params(fn, tn)
    return fn, tn


# ---------------------------------------------------------------- registration and traversal
def test_registration_and_traversal_match_torch():
    fn, tn = _nets()
    assert [k for k, _ in fn.named_parameters()] == [k for k, _ in tn.named_parameters()]
    assert [k for k, _ in fn.named_buffers()] == [k for k, _ in tn.named_buffers()]
    assert [k for k, _ in fn.named_modules()] == [k for k, _ in tn.named_modules()]
    assert [k for k, _ in fn.named_children()] == [k for k, _ in tn.named_children()]
    assert [type(m).__name__ for m in fn.modules()] == [type(m).__name__ for m in tn.modules()]
    assert [type(m).__name__ for m in fn.children()] == [type(m).__name__ for m in tn.children()]
    assert len(list(fn.parameters())) == 5
    assert all(isinstance(p, nn.Parameter) for p in fn.parameters())
    assert fn.hidden.weight is dict(fn.named_parameters())["hidden.weight"]
    assert [k for k, _ in fn.named_parameters(recurse=False)] == ["scale"]
    assert "not_a_param" not in dict(fn.named_parameters()) and "not_a_param" not in dict(fn.named_buffers())


def test_shared_module_and_parameter_listed_once():
    for mod in (nn, torch.nn):
        lin = mod.Linear(3, 3)
        seq = mod.Sequential(lin, mod.ReLU(), lin)
        assert len(list(seq.parameters())) == 2
        assert len(list(seq.modules())) == 3


def test_attribute_reassignment_and_deletion():
    m = nn.Module()
    m.a = nn.Linear(2, 2)
    m.a = None
    assert m.a is None and list(m.parameters()) == []
    m.p = nn.Parameter(fastnn.ones(2))
    with pytest.raises(TypeError, match="parameter 'p'"):
        m.p = fastnn.ones(2)
    del m.p
    with pytest.raises(AttributeError, match="has no attribute 'p'"):
        m.p
    m.lin = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="child module 'lin'"):
        m.lin = 3
    # a plain attribute becomes a module when a module is assigned to it
    m.x = 3
    m.x = nn.ReLU()
    assert "x" in dict(m.named_children())
    with pytest.raises(KeyError, match="attribute 'lin' already exists"):
        m.register_buffer("lin", fastnn.ones(1))
    with pytest.raises(TypeError):
        m.register_buffer("buf", np.ones(2))


def test_reassignment_keeps_registration_order():
    """Reassigning a parameter or submodule keeps its place (state_dict order, repr), as torch."""
    for mod, lib in ((nn, fastnn), (torch.nn, torch)):
        lin = mod.Linear(3, 2)
        lin.weight = mod.Parameter(lib.zeros(2, 3))
        assert [k for k, _ in lin.named_parameters()] == ["weight", "bias"]
        seq = mod.Sequential(mod.Linear(2, 2), mod.ReLU())
        seq.__setattr__("0", mod.Tanh())
        assert [type(m).__name__ for m in seq] == ["Tanh", "ReLU"]


def test_assign_before_super_init_raises():
    class Bad(nn.Module):
        def __init__(self):
            self.lin = nn.Linear(2, 2)
            super().__init__()

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Bad()


def test_call_runs_forward_and_missing_forward_raises():
    class Twice(nn.Module):
        def forward(self, x, scale=1):
            return x * 2 * scale

    x = fastnn.randn(3)
    assert np.allclose(np_of(Twice()(x, scale=3)), np_of(x) * 6)
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(x)


def test_train_eval_propagate():
    fn, tn = _nets()
    assert fn.training and all(m.training for m in fn.modules())
    assert fn.eval() is fn
    assert not fn.training and not any(m.training for m in fn.modules())
    fn.train()
    assert all(m.training for m in fn.modules())
    fn.train(False)
    assert not any(m.training for m in fn.modules())
    with pytest.raises(ValueError):
        fn.train("yes")


def test_zero_grad_and_requires_grad():
    fn, _ = _nets()
    fn(fastnn.randn(4, 5)).sum().backward()
    assert all(p.grad is not None for p in fn.parameters())
    fn.zero_grad(set_to_none=False)
    assert all(p.grad is not None and np.all(np_of(p.grad) == 0) for p in fn.parameters())
    fn(fastnn.randn(4, 5)).sum().backward()
    fn.zero_grad()
    assert all(p.grad is None for p in fn.parameters())
    fn.requires_grad_(False)
    assert not any(p.requires_grad for p in fn.parameters())


def test_to_dtype_converts_params_and_buffers():
    fn, tn = _nets()
    fn(fastnn.randn(2, 5)).sum().backward()
    grad_before = np_of(fn.hidden.weight.grad)
    out = fn.to(fastnn.float64)
    assert out is fn
    for name, p in fn.named_parameters():
        assert isinstance(p, nn.Parameter) and p.dtype is fastnn.float64 and p.requires_grad, name
    assert fn.running.dtype is fastnn.float64
    assert fn.hidden.weight.grad.dtype is fastnn.float64
    np.testing.assert_allclose(np_of(fn.hidden.weight.grad), grad_before)
    x = randn(rng(0), 3, 5).astype(np.float64)
    tn.double()
    np.testing.assert_allclose(np_of(fn(fastnn.tensor(x))), np_of(tn(torch.tensor(x))), rtol=1e-12)
    # the Parameter objects survive the conversion (an optimizer built earlier still holds them), as torch
    assert fn.hidden.weight is dict(fn.named_parameters())["hidden.weight"]
    w, tw = fn.output.weight, tn.output.weight
    fn.float()
    tn.float()
    assert fn.output.weight is w and tn.output.weight is tw and w.dtype is fastnn.float32
    fn.double()
    assert fn.float().hidden.weight.dtype is fastnn.float32
    assert fn.half().hidden.weight.dtype is fastnn.float16
    assert fn.to(dtype=fastnn.float64).output.bias.dtype is fastnn.float64
    assert fn.to("cpu") is fn
    with pytest.raises(TypeError, match="floating point"):
        fn.to(fastnn.int64)


# ---------------------------------------------------------------- state_dict
def test_state_dict_keys_values_and_round_trip():
    fn, tn = _nets()
    fsd, tsd = fn.state_dict(), tn.state_dict()
    assert list(fsd) == list(tsd)
    assert "scratch" not in fsd  # non-persistent buffer
    for k in fsd:
        assert_close(fsd[k], tsd[k], what=k)
        assert not fsd[k].requires_grad
    # the state dict shares storage with the parameters, as torch's
    assert np.shares_memory(fsd["hidden.weight"].numpy(), fn.hidden.weight.detach().numpy())
    other = _net_class(nn)()
    res = other.load_state_dict({k: v.clone() for k, v in fsd.items()})
    assert list(res.missing_keys) == [] and list(res.unexpected_keys) == []
    for k in fsd:
        assert np.array_equal(np_of(other.state_dict()[k]), np_of(fsd[k]))
    # loading copies values (does not alias the source) and keeps the Parameter objects
    w = other.hidden.weight
    src = {k: v.clone() for k, v in fsd.items()}
    other.load_state_dict(src)
    assert other.hidden.weight is w
    src["hidden.weight"].fill_(7.0)
    assert not np.any(np_of(other.hidden.weight) == 7.0)
    assert list(fn.state_dict(prefix="m.")) == list(tn.state_dict(prefix="m."))
    assert all(v.requires_grad for v in fn.state_dict(keep_vars=True).values() if isinstance(v, nn.Parameter))


def test_load_state_dict_errors_name_keys_like_torch():
    fn, tn = _nets()
    fsd = {k: v.clone() for k, v in fn.state_dict().items()}
    tsd = {k: v.clone() for k, v in tn.state_dict().items()}
    for sd, lib in ((fsd, fastnn), (tsd, torch)):
        del sd["hidden.bias"]
        sd["extra.weight"] = lib.ones(2)
        sd["output.weight"] = lib.ones(2, 2)
    with pytest.raises(RuntimeError) as fe:
        fn.load_state_dict(fsd)
    with pytest.raises(RuntimeError) as te:
        tn.load_state_dict(tsd)
    assert str(fe.value).replace("fastnn.Size", "torch.Size") == str(te.value)
    for part in ('Missing key(s) in state_dict: "hidden.bias"', 'Unexpected key(s) in state_dict: "extra.weight"',
                 "size mismatch for output.weight", "[2, 2]", "[3, 4]"):
        assert part in str(fe.value)
    # strict=False: a shape mismatch still raises, missing/unexpected are returned
    with pytest.raises(RuntimeError, match="size mismatch for output.weight"):
        fn.load_state_dict(fsd, strict=False)
    del fsd["output.weight"], tsd["output.weight"]
    fr, tr = fn.load_state_dict(fsd, strict=False), tn.load_state_dict(tsd, strict=False)
    assert fr.missing_keys == tr.missing_keys == ["hidden.bias", "output.weight"]
    assert fr.unexpected_keys == tr.unexpected_keys == ["extra.weight"]
    # a failed strict load changes nothing
    before = np_of(fn.output.bias)
    bad = {k: v + 1 for k, v in fn.state_dict().items()}
    bad["nope"] = fastnn.ones(1)
    with pytest.raises(RuntimeError):
        fn.load_state_dict(bad)
    assert np.array_equal(np_of(fn.output.bias), before)
    with pytest.raises(TypeError):
        fn.load_state_dict([1, 2])


def test_load_state_dict_result_repr_like_torch():
    fn, tn = _nets()
    fr = fn.load_state_dict(fn.state_dict())
    tr = tn.load_state_dict(tn.state_dict())
    assert repr(fr) == repr(tr)
    fsd = fn.state_dict()
    del fsd["hidden.bias"]
    tsd = tn.state_dict()
    del tsd["hidden.bias"]
    assert repr(fn.load_state_dict(fsd, strict=False)) == repr(tn.load_state_dict(tsd, strict=False))


def test_state_dict_from_torch_model_loads_via_numpy():
    """A state dict of numpy arrays (e.g. converted from torch) loads, and outputs then match torch."""
    fn, tn = _nets()
    tn2 = _net_class(torch.nn)()
    fn.load_state_dict({k: v.numpy() for k, v in tn2.state_dict().items()})
    x = randn(rng(0), 3, 5)
    assert_close(fn(fastnn.tensor(x)), tn2(torch.tensor(x)))


def test_pickle_state_dict_round_trip():
    fn, _ = _nets()
    sd = pickle.loads(pickle.dumps(fn.state_dict()))
    other = _net_class(nn)()
    other.load_state_dict(sd)
    for k, v in fn.state_dict().items():
        assert np.array_equal(np_of(other.state_dict()[k]), np_of(v))


# ---------------------------------------------------------------- repr
def _archs():
    return [
        lambda n: n.Sequential(n.Linear(784, 128), n.ReLU(), n.Linear(128, 64), n.ReLU(), n.Linear(64, 10),
                               n.Softmax(dim=1)),
        lambda n: n.Sequential(collections.OrderedDict([
            ("fc1", n.Linear(3, 4)), ("relu1", n.ReLU()), ("drop", n.Dropout(0.2)), ("flat", n.Flatten()),
            ("id", n.Identity()), ("ls", n.LogSoftmax(dim=1))])),
        lambda n: n.ModuleList([n.Linear(2, 3), n.Sequential(n.Linear(3, 3, bias=False), n.ReLU(inplace=True))]),
        lambda n: n.ModuleDict({"a": n.Linear(2, 3), "b": n.Tanh()}),
        lambda n: n.ModuleList([n.Linear(2, 2) for _ in range(3)] + [n.ReLU(), n.ModuleList([n.Tanh(), n.Tanh()]),
                                                                      n.ReLU(), n.ReLU()]),
        lambda n: n.ModuleList([n.Sequential(n.Linear(1, 1), n.ReLU()) for _ in range(2)]),
        lambda n: n.ModuleList(), lambda n: n.ModuleList([n.Sigmoid()]),
        lambda n: n.Sequential(),
        lambda n: n.Sequential(n.Sequential(n.Sequential(n.Linear(1, 1)))),
        lambda n: n.CrossEntropyLoss(), lambda n: n.MSELoss(), lambda n: n.NLLLoss(), lambda n: n.L1Loss(),
        lambda n: n.BCELoss(), lambda n: n.BCEWithLogitsLoss(), lambda n: n.LeakyReLU(0.2), lambda n: n.ELU(),
        lambda n: n.Softplus(), lambda n: n.Hardtanh(), lambda n: n.Unflatten(1, (2, 3)), lambda n: n.SiLU(),
        lambda n: n.Sigmoid(), lambda n: n.Tanh(), lambda n: n.Softmin(1), lambda n: n.Flatten(0, 2),
        lambda n: n.Dropout(p=0.5, inplace=True), lambda n: n.Linear(3, 2, bias=False), lambda n: n.Identity(),
        lambda n: _net_class(n)(),
    ]


@pytest.mark.parametrize("i", range(len(_archs())))
def test_repr_matches_torch(i):
    build = _archs()[i]
    assert repr(build(nn)) == repr(build(torch.nn))


def test_custom_extra_repr():
    def build(mod):
        class Scaled(mod.Module):
            def __init__(self):
                super().__init__()
                self.lin = mod.Linear(2, 2)

            def extra_repr(self):
                return "factor=3\nmode=fast"

            def forward(self, x):
                return x

        return mod.Sequential(Scaled(), mod.ReLU())

    assert repr(build(nn)) == repr(build(torch.nn))


# ---------------------------------------------------------------- Sequential
def _seq(mod, named=False):
    mods = [mod.Linear(6, 5), mod.ReLU(), mod.Linear(5, 4), mod.Tanh(), mod.Linear(4, 3)]
    if named:
        return mod.Sequential(collections.OrderedDict(zip(["fc1", "relu1", "fc2", "tanh", "out"], mods)))
    return mod.Sequential(*mods)


@pytest.mark.parametrize("named", [False, True])
def test_sequential_forward_and_indexing(named):
    tm, fm = _seq(torch.nn, named), _seq(nn, named)
    copy_params(fm, tm)
    x = randn(rng(0), 7, 6)
    assert_close(fm(fastnn.tensor(x)), tm(torch.tensor(x)))
    assert len(fm) == 5
    assert isinstance(fm[0], nn.Linear) and isinstance(fm[-1], nn.Linear) and fm[-1] is fm[4]
    assert [type(m).__name__ for m in fm] == [type(m).__name__ for m in tm]
    sub, tsub = fm[1:4], tm[1:4]
    assert isinstance(sub, nn.Sequential) and repr(sub) == repr(tsub)
    assert sub[0] is fm[1]
    assert repr(fm[::2]) == repr(tm[::2])
    with pytest.raises(IndexError):
        fm[5]
    with pytest.raises(IndexError):
        fm[-6]
    if named:
        assert fm.fc1 is fm[0] and fm.fc1.weight is fm[0].weight
        assert [k for k, _ in fm.named_parameters()] == [k for k, _ in tm.named_parameters()]


def test_sequential_mutation_matches_torch():
    def ops(mod):
        s = _seq(mod)
        s.append(mod.Sigmoid())
        s.insert(1, mod.Identity())
        s.extend([mod.Tanh()])
        s[0] = mod.Linear(6, 5, bias=False)
        del s[2]
        popped = s.pop(1)
        s2 = s + mod.Sequential(mod.ReLU())
        return repr(s), type(popped).__name__, repr(s2), len(s2)

    assert ops(nn) == ops(torch.nn)


def test_sequential_model_0_weight_and_bias_data_fill():
    model = _seq(nn, named=True)
    model.fc1.bias.data.fill_(0)
    assert np.all(np_of(model.fc1.bias) == 0)
    model.fc1.weight.data.normal_(std=0.01)
    w = np_of(model.fc1.weight)
    assert 0.001 < w.std() < 0.05 and model.fc1.weight.requires_grad
    assert model[0].weight is model.fc1.weight


# ---------------------------------------------------------------- ModuleList / ModuleDict
def test_modulelist():
    def build(mod):
        ml = mod.ModuleList([mod.Linear(3, 3) for _ in range(3)])
        ml.append(mod.ReLU())
        ml.extend([mod.Tanh()])
        ml.insert(0, mod.Sigmoid())
        ml += [mod.Identity()]
        del ml[1]
        ml[0] = mod.Softmax(dim=0)
        return ml

    fl, tl = build(nn), build(torch.nn)
    assert repr(fl) == repr(tl) and len(fl) == len(tl) == 6
    assert [k for k, _ in fl.named_parameters()] == [k for k, _ in tl.named_parameters()]
    assert isinstance(fl[1:3], nn.ModuleList) and fl[-1] is fl[5]
    with pytest.raises(IndexError):
        fl[6]

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(2)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    net = Net()
    assert len(list(net.parameters())) == 4
    net(fastnn.randn(2, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())


def test_moduledict():
    def build(mod):
        md = mod.ModuleDict({"lin": mod.Linear(2, 3), "act": mod.ReLU()})
        md["out"] = mod.Linear(3, 1)
        md.update([("extra", mod.Tanh())])
        md.pop("act")
        return md

    fd, td = build(nn), build(torch.nn)
    assert repr(fd) == repr(td)
    assert list(fd.keys()) == list(td.keys()) == ["lin", "out", "extra"]
    assert "lin" in fd and "act" not in fd and len(fd) == 3
    assert [k for k, _ in fd.named_parameters()] == [k for k, _ in td.named_parameters()]
    assert list(fd) == list(fd.keys())
    assert fd["lin"] is fd.lin


# ---------------------------------------------------------------- apply / buffers / deepcopy / hooks
def test_apply_visits_children_first_and_returns_self():
    fn, tn = _nets()
    seen_f, seen_t = [], []
    assert fn.apply(lambda m: seen_f.append(type(m).__name__)) is fn
    tn.apply(lambda m: seen_t.append(type(m).__name__))
    assert seen_f == seen_t

    def init(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.bias)
            nn.init.ones_(m.weight)

    fn.apply(init)
    assert np.all(np_of(fn.hidden.bias) == 0) and np.all(np_of(fn.output.weight) == 1)


def test_register_buffer():
    fn, _ = _nets()
    assert isinstance(fn.running, fastnn.Tensor) and not fn.running.requires_grad
    assert "running" in fn.state_dict()
    fn.running = fastnn.full((3,), 5.0)  # reassignment stays a buffer
    assert np.all(np_of(fn.state_dict()["running"]) == 5)
    with pytest.raises(TypeError):
        fn.running = 3
    with pytest.raises(KeyError):
        fn.register_buffer("a.b", fastnn.ones(1))
    fn.register_buffer("maybe", None)
    assert fn.maybe is None and "maybe" not in fn.state_dict()


def test_deepcopy_is_independent_with_same_values():
    fn, _ = _nets()
    fn(fastnn.randn(2, 5)).sum().backward()
    c = copy.deepcopy(fn)
    assert type(c) is type(fn)
    for (k, a), (_, b) in zip(fn.state_dict(keep_vars=True).items(), c.state_dict(keep_vars=True).items()):
        assert a is not b and type(a) is type(b), k
        assert np.array_equal(np_of(a), np_of(b)) and not np.shares_memory(a.detach().numpy(), b.detach().numpy())
        assert a.requires_grad == b.requires_grad
    assert c.hidden.weight.grad is not None
    x = fastnn.randn(3, 5)
    assert np.array_equal(np_of(c(x)), np_of(fn(x)))
    with fastnn.no_grad():
        c.hidden.weight.add_(1.0)
    assert not np.array_equal(np_of(c.hidden.weight), np_of(fn.hidden.weight))
    # shared modules stay shared inside the copy
    lin = nn.Linear(2, 2)
    s = copy.deepcopy(nn.Sequential(lin, lin))
    assert s[0] is s[1] and s[0] is not lin


def test_forward_hooks_and_pre_hooks():
    lin = nn.Linear(3, 2)
    x = fastnn.randn(4, 3)
    h = lin.register_forward_pre_hook(lambda m, inp: (inp[0] * 0,))
    out = lin(x)
    np.testing.assert_allclose(np_of(out), np.broadcast_to(np_of(lin.bias), (4, 2)), rtol=1e-6)
    h.remove()
    with lin.register_forward_hook(lambda m, inp, out: out + 1):
        np.testing.assert_allclose(np_of(lin(x)), np_of(nn.functional.linear(x, lin.weight, lin.bias)) + 1,
                                   rtol=1e-6)
    np.testing.assert_allclose(np_of(lin(x)), np_of(nn.functional.linear(x, lin.weight, lin.bias)), rtol=1e-6)


def test_get_submodule_and_parameter():
    m = _seq(nn, named=True)
    assert m.get_submodule("fc2") is m.fc2
    assert m.get_parameter("fc2.bias") is m.fc2.bias
    with pytest.raises(AttributeError):
        m.get_submodule("nope")


# ---------------------------------------------------------------- parameters
def test_parameter():
    t = fastnn.randn(3, 2)
    p = nn.Parameter(t)
    assert isinstance(p, fastnn.Tensor) and p.requires_grad and p.is_leaf
    assert np.shares_memory(p.detach().numpy(), t.numpy())
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    assert repr(nn.Parameter(fastnn.tensor([1.0, 2.0]))) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    q = pickle.loads(pickle.dumps(p))
    assert isinstance(q, nn.Parameter) and q.requires_grad and np.array_equal(np_of(q), np_of(p))
    assert nn.Parameter().shape == (0,)
    with pytest.raises(TypeError):
        nn.Parameter([1.0, 2.0])


# ---------------------------------------------------------------- clip_grad_norm_
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.1, 1e6])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    tm, fm = _seq(torch.nn), _seq(nn)
    copy_params(fm, tm)
    x = randn(rng(1), 7, 6)
    fm(fastnn.tensor(x)).pow(2).sum().backward()
    tm(torch.tensor(x)).pow(2).sum().backward()
    fnorm = nn.utils.clip_grad_norm_(fm.parameters(), max_norm, norm_type)
    tnorm = torch.nn.utils.clip_grad_norm_(tm.parameters(), max_norm, norm_type)
    assert_close(fnorm, tnorm, rtol=1e-5)
    for (k, a), (_, b) in zip(fm.named_parameters(), tm.named_parameters()):
        assert_close(a.grad, b.grad, rtol=1e-5, atol=1e-6, what=k)


def test_clip_grad_norm_edges():
    p = nn.Parameter(fastnn.ones(3))
    assert float(nn.utils.clip_grad_norm_([p], 1.0)) == 0.0  # no grads at all
    p.grad = fastnn.tensor([3.0, 4.0, 0.0])
    n = nn.utils.clip_grad_norm_(p, 1.0)  # a single tensor is accepted
    assert float(n) == pytest.approx(5.0)
    np.testing.assert_allclose(np_of(p.grad), [0.6, 0.8, 0.0], rtol=1e-5)
    p.grad = fastnn.tensor([float("nan"), 1.0, 0.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    q = nn.Parameter(fastnn.ones(2))
    q.grad = fastnn.tensor([-3.0, 0.5])
    nn.utils.clip_grad_value_([q], 1.0)
    assert np.array_equal(np_of(q.grad), np.array([-1.0, 0.5], np.float32))


def test_load_state_dict_assign_takes_the_tensors_themselves_as_torch():
    res = []
    for m in (fastnn, torch):
        net = m.nn.Sequential(m.nn.Linear(2, 2), m.nn.BatchNorm1d(2))
        old_weight = net[0].weight
        net[0].bias.requires_grad_(False)
        sd = {"0.weight": m.ones(2, 2, dtype=m.float64), "0.bias": m.zeros(2, dtype=m.float64),
              "1.weight": m.ones(2), "1.bias": m.zeros(2), "1.running_mean": m.ones(2) * 3,
              "1.running_var": m.ones(2), "1.num_batches_tracked": m.tensor(5)}
        net.load_state_dict(sd, assign=True)
        w = net[0].weight
        res.append((w is old_weight, str(w.dtype).split(".")[1], type(w).__name__, w.requires_grad,
                    net[0].bias.requires_grad, net[1].running_mean is sd["1.running_mean"],
                    w.data_ptr() == sd["0.weight"].data_ptr(), [k for k, _ in net.named_parameters()]))
    assert res[0] == res[1]
