"""nn.ParameterList / nn.ParameterDict against torch's: construction, list / dict methods, registration
(parameters(), state_dict() keys), tensors becoming Parameters, reprs (torch's, with fastnn's type names) and
errors."""
import collections
import copy

import numpy as np
import pytest
import torch

import fastnn
from fastnn import nn


def _fastnn_repr(text):
    return text.replace("torch.", "fastnn.")


def _raises_as_torch(ours, theirs, same_message=True):
    with pytest.raises(Exception) as want:
        theirs()
    with pytest.raises(want.type) as got:
        ours()
    if same_message:
        assert str(got.value) == str(want.value)


# ---------------------------------------------------------------- ParameterList
def test_parameter_list_construction_and_repr():
    t_pl = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2, 3))])
    f_pl = nn.ParameterList([nn.Parameter(fastnn.ones(2, 3))])
    assert repr(f_pl) == "ParameterList(  (0): Parameter containing: [fastnn.float32 of size 2x3])"
    assert repr(f_pl) == _fastnn_repr(repr(t_pl))
    for pl, lib in ((t_pl, torch), (f_pl, fastnn)):
        pl.append(lib.zeros(4))
        pl.append(5)
        pl.extend([lib.ones(1, dtype=lib.float64)])
        pl += (lib.ones(2, 2),)
    assert repr(f_pl) == _fastnn_repr(repr(t_pl))
    assert len(f_pl) == len(t_pl) == 5
    assert [type(p).__name__ for p in f_pl] == [type(p).__name__ for p in t_pl]
    assert repr(nn.ParameterList()) == repr(torch.nn.ParameterList()) == "ParameterList()"


def test_parameter_list_tensors_become_parameters_sharing_storage():
    t = fastnn.zeros(3)
    pl = nn.ParameterList([t])
    p = pl[0]
    assert isinstance(p, nn.Parameter) and p.requires_grad
    p.data.fill_(2.0)
    assert t.tolist() == [2.0, 2.0, 2.0]  # torch's Parameter(t) shares t's storage
    ready = nn.Parameter(fastnn.ones(1))
    pl.append(ready)
    assert pl[1] is ready
    pl[0] = fastnn.ones(5)
    assert isinstance(pl[0], nn.Parameter) and pl[0].shape == (5,)


def test_parameter_list_indexing_and_iteration():
    tv = [torch.randn(i + 1) for i in range(4)]
    t_pl = torch.nn.ParameterList(tv)
    f_pl = nn.ParameterList([fastnn.from_numpy(x.numpy().copy()) for x in tv])
    for idx in (0, 3, -1, -4):
        np.testing.assert_array_equal(f_pl[idx].detach().numpy(), t_pl[idx].detach().numpy())
    for sl in (slice(1, 3), slice(None, None, 2), slice(None, None, -1)):
        assert type(f_pl[sl]) is nn.ParameterList
        assert [p.shape[0] for p in f_pl[sl]] == [p.shape[0] for p in t_pl[sl]]
        assert all(a is b for a, b in zip(f_pl[sl], list(f_pl)[sl]))
    assert [tuple(p.shape) for p in f_pl] == [tuple(p.shape) for p in t_pl]
    _raises_as_torch(lambda: f_pl[4], lambda: t_pl[4])
    _raises_as_torch(lambda: f_pl[-5], lambda: t_pl[-5])
    _raises_as_torch(lambda: f_pl.__setitem__(4, fastnn.ones(1)), lambda: t_pl.__setitem__(4, torch.ones(1)))
    assert "0" not in dir(f_pl) and "append" in dir(f_pl)


def test_parameter_list_registration_and_state_dict():
    def build(lib, ns):
        class M(ns.Module):
            def __init__(self):
                super().__init__()
                self.pl = ns.ParameterList([lib.ones(2), "not a tensor", lib.ones(3), ns.Linear(2, 1)])
        return M()

    t, f = build(torch, torch.nn), build(fastnn, nn)
    assert list(f.state_dict()) == list(t.state_dict()) == ["pl.0", "pl.2", "pl.3.weight", "pl.3.bias"]
    assert [n for n, _ in f.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert len(list(f.parameters())) == 4
    assert repr(f) == _fastnn_repr(repr(t))
    f.pl[0].data.fill_(3.0)
    g = build(fastnn, nn)
    g.load_state_dict(f.state_dict())
    assert g.pl[0].tolist() == [3.0, 3.0]
    f.double()
    assert f.pl[0].dtype == fastnn.float64 and isinstance(f.pl[0], nn.Parameter)
    h = copy.deepcopy(f)
    assert list(h.state_dict()) == list(f.state_dict()) and len(h.pl) == 4


def test_parameter_list_trains():
    pl = nn.ParameterList([fastnn.ones(2), fastnn.full((2,), 2.0)])
    opt = fastnn.optim.SGD(pl.parameters(), lr=0.5)
    (pl[0] * pl[1]).sum().backward()
    opt.step()
    assert pl[0].tolist() == [0.0, 0.0] and pl[1].tolist() == [1.5, 1.5]


def test_parameter_list_errors_as_torch():
    t_pl, f_pl = torch.nn.ParameterList([torch.ones(1)]), nn.ParameterList([fastnn.ones(1)])
    _raises_as_torch(lambda: f_pl.extend(fastnn.ones(2)), lambda: t_pl.extend(torch.ones(2)))
    _raises_as_torch(lambda: nn.ParameterList(fastnn.ones(2)), lambda: torch.nn.ParameterList(torch.ones(2)))
    _raises_as_torch(lambda: f_pl.extend(3), lambda: t_pl.extend(3))
    _raises_as_torch(lambda: f_pl(), lambda: t_pl())
    _raises_as_torch(lambda: f_pl.__setitem__(0, 7), lambda: t_pl.__setitem__(0, 7))
    _raises_as_torch(lambda: f_pl.insert, lambda: t_pl.insert, same_message=False)  # torch has no insert
    # an integer tensor cannot require grad; torch's list then counts an entry it does not hold, fastnn's not
    _raises_as_torch(lambda: f_pl.append(fastnn.tensor([1, 2])), lambda: t_pl.append(torch.tensor([1, 2])),
                     same_message=False)
    assert len(f_pl) == 1 and list(f_pl)[0].shape == (1,)


# ---------------------------------------------------------------- ParameterDict
def test_parameter_dict_construction_order_and_repr():
    t_pd = torch.nn.ParameterDict({"z": torch.ones(2), "a": torch.nn.Parameter(torch.ones(3, dtype=torch.float64)),
                                   "m": "str"})
    f_pd = nn.ParameterDict({"z": fastnn.ones(2), "a": nn.Parameter(fastnn.ones(3, dtype=fastnn.float64)),
                             "m": "str"})
    assert list(f_pd) == list(t_pd) == ["a", "m", "z"]  # a plain dict is taken in sorted key order
    assert repr(f_pd) == _fastnn_repr(repr(t_pd))
    assert "(a): Parameter containing: [fastnn.DoubleTensor of size 3]" in repr(f_pd)
    pairs = [("z", 1), ("a", 2)]
    assert list(nn.ParameterDict(collections.OrderedDict(pairs))) == ["z", "a"]
    assert list(nn.ParameterDict(pairs)) == list(torch.nn.ParameterDict(pairs)) == ["z", "a"]
    assert repr(nn.ParameterDict()) == "ParameterDict()"
    assert (repr(nn.ParameterDict({"w": fastnn.ones(2, 3)}))
            == _fastnn_repr(repr(torch.nn.ParameterDict({"w": torch.ones(2, 3)}))))


def test_parameter_dict_methods_as_torch():
    def run(lib, ns):
        pd = ns.ParameterDict([("z", lib.ones(1)), ("a", lib.ones(2))])
        out = [list(pd), type(pd.keys()).__name__, [tuple(v.shape) for v in pd.values()],
               [(k, tuple(v.shape)) for k, v in pd.items()]]
        out.append(tuple(pd.pop("z").shape))
        pd["x"] = lib.ones(3)
        pd["y"] = lib.ones(4)
        k, v = pd.popitem()
        out += [k, tuple(v.shape), list(pd), len(pd), "x" in pd, "y" in pd, list(reversed(pd))]
        out += [pd.get("nope"), pd.get("nope", 3), tuple(pd.get("x").shape)]
        out += [tuple(pd.setdefault("w", lib.ones(5)).shape), tuple(pd.setdefault("x", lib.ones(5)).shape)]
        c = pd.copy()
        out += [type(c).__name__, list(c), c["x"] is pd["x"]]
        f = pd.fromkeys(["p", "q"], lib.ones(1))
        out += [list(f), isinstance(f["p"], ns.Parameter)]
        u = pd | ns.ParameterDict({"n": lib.ones(1)})
        out.append(list(u))
        pd |= {"o": lib.ones(1)}
        out.append(list(pd))
        del pd["x"]
        out.append(list(pd))
        pd.update({"b": lib.ones(1)})
        out += [list(pd), list(pd.state_dict())]
        pd.clear()
        out += [len(pd), list(pd.state_dict())]
        return out

    assert run(fastnn, nn) == run(torch, torch.nn)


def test_parameter_dict_registration_and_state_dict():
    def build(lib, ns):
        class M(ns.Module):
            def __init__(self):
                super().__init__()
                self.pd = ns.ParameterDict({"b": lib.ones(1), "a": lib.ones(2), "note": 3})
                self.pl = ns.ParameterList([lib.ones(3)])
        return M()

    t, f = build(torch, torch.nn), build(fastnn, nn)
    assert list(f.state_dict()) == list(t.state_dict()) == ["pd.a", "pd.b", "pl.0"]
    assert [n for n, _ in f.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert repr(f) == _fastnn_repr(repr(t))
    assert isinstance(f.pd["a"], nn.Parameter) and f.pd["a"].requires_grad and f.pd["note"] == 3
    f.pd["a"] = fastnn.zeros(2)  # reassigning keeps the key's place
    assert list(f.state_dict()) == ["pd.a", "pd.b", "pl.0"] and isinstance(f.pd["a"], nn.Parameter)
    f.pd["a"] = None
    t.pd["a"] = None
    assert list(f.state_dict()) == list(t.state_dict()) and list(f.pd) == list(t.pd)
    assert repr(f.pd) == _fastnn_repr(repr(t.pd))


def test_parameter_dict_errors_as_torch():
    def both(fn):
        return lambda: fn(fastnn, nn), lambda: fn(torch, torch.nn)

    _raises_as_torch(*both(lambda lib, ns: ns.ParameterDict({"a": lib.ones(1)})[1]))
    _raises_as_torch(*both(lambda lib, ns: ns.ParameterDict({"a": lib.ones(1)})["q"]))
    _raises_as_torch(*both(lambda lib, ns: ns.ParameterDict().update(3)))
    _raises_as_torch(*both(lambda lib, ns: ns.ParameterDict().update([1])))
    _raises_as_torch(*both(lambda lib, ns: ns.ParameterDict().update([("a", 1, 2)])))
    _raises_as_torch(*both(lambda lib, ns: ns.ParameterDict().__setitem__(1, lib.ones(1))))
    _raises_as_torch(*both(lambda lib, ns: ns.ParameterDict({"a.b": lib.ones(1)})))
    _raises_as_torch(*both(lambda lib, ns: ns.ParameterDict({"": lib.ones(1)})))
    _raises_as_torch(*both(lambda lib, ns: ns.ParameterDict({"a": lib.ones(1)}).__setitem__("a", 3)))
    _raises_as_torch(*both(lambda lib, ns: ns.ParameterDict().__delitem__("nope")))
    _raises_as_torch(*both(lambda lib, ns: ns.ParameterDict()()))
    _raises_as_torch(*both(lambda lib, ns: ns.ParameterDict()(1)))
    pd = nn.ParameterDict()
    with pytest.raises(TypeError):
        pd[1] = fastnn.ones(1)
    assert list(pd) == []  # a refused key is not recorded (torch's stays in keys())
