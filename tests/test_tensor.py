"""fastnn.Tensor basics against torch: dtypes, Size, device, properties, repr, creation, views, indexing, in-place."""
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

import fastnn
from nn_torch_util import outcome

DTYPES = [("float32", np.float32), ("float64", np.float64), ("int64", np.int64), ("int32", np.int32),
          ("uint8", np.uint8), ("bool", np.bool_)]


def rand_np(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def f(a, dtype=np.float32):
    """A fastnn tensor and the matching torch tensor holding the same (copied) values."""
    a = np.asarray(a, dtype=dtype)
    return fastnn.tensor(a.copy()), torch.tensor(a.copy())


# ------------------------------------------------------------------ dtypes, Size, device
@pytest.mark.parametrize("name,npdt", DTYPES)
def test_dtype_names_and_numpy(name, npdt):
    d = getattr(fastnn, name)
    assert d.name == name and d.numpy == np.dtype(npdt)
    t = fastnn.zeros(3, dtype=d)
    assert t.dtype is d and t.numpy().dtype == np.dtype(npdt)
    assert repr(d) == repr(getattr(torch, name)).replace("torch.", "fastnn.")
    assert d.is_floating_point == getattr(torch, name).is_floating_point


def test_dtype_aliases_match_torch():
    for alias in ["float", "double", "long", "int", "half", "short", "bool"]:
        assert getattr(fastnn, alias).name == str(getattr(torch, alias)).replace("torch.", ""), alias
    assert fastnn.get_default_dtype() is fastnn.float32


@pytest.mark.parametrize("data", [[1, 2, 3], [1.5, 2.0], [True, False], 3, 2.5, True, [[1, 2], [3, 4]], [],
                                  np.arange(3, dtype=np.int32), np.ones(2, dtype=np.float64),
                                  np.ones(2, dtype=np.uint8), np.float32(3.0), np.int32(4)])
def test_tensor_infers_dtype_as_torch(data):
    ft, tt = fastnn.tensor(data), torch.tensor(data)
    assert ft.dtype.name == str(tt.dtype).replace("torch.", "")
    assert ft.tolist() == tt.tolist()


@pytest.mark.parametrize("build", [
    lambda m: [m.tensor(1.5), m.tensor(2.0)], lambda m: [m.tensor([[1.0]]), m.tensor([[2.0]])],
    lambda m: [[m.tensor([1.0])], [m.tensor([2.0])]], lambda m: [m.tensor([1.0]), 2.5], lambda m: [m.tensor(1), 2.5],
    lambda m: [2.5, m.tensor(1, dtype=m.int32)], lambda m: [m.tensor(1, dtype=m.int32), m.tensor(2, dtype=m.int32)],
    lambda m: [m.tensor(1.0, dtype=m.float64), 2], lambda m: [m.tensor(True), m.tensor(False)],
    lambda m: [m.tensor([1.0, 2.0])], lambda m: [m.tensor(3.0), m.tensor([1.0, 2.0])]])
def test_tensor_of_one_element_tensors_as_torch(build):
    """Tensors inside a list are scalars whose dtypes join the inference; more than one element raises."""
    outcomes = []
    for lib in (torch, fastnn):
        try:
            t = lib.tensor(build(lib))
            outcomes.append((str(t.dtype).split(".")[-1], list(t.shape), t.tolist()))
        except Exception as e:  # noqa: BLE001
            outcomes.append((type(e).__name__, str(e)))
    assert outcomes[1] == outcomes[0]


def test_size_is_tuple_subclass():
    t = fastnn.zeros(2, 3, 5)
    assert isinstance(t.shape, fastnn.Size) and isinstance(t.shape, tuple)
    assert t.size() == (2, 3, 5) and t.size() == t.shape
    assert repr(t.shape) == "fastnn.Size([2, 3, 5])" == repr(torch.zeros(2, 3, 5).shape).replace("torch", "fastnn")
    assert t.shape.numel() == 30
    assert t.size(0) == 2 and t.size(-1) == 5 and t.size(1) == 3
    with pytest.raises(IndexError):
        t.size(3)
    assert fastnn.zeros(fastnn.Size([4, 1])).shape == (4, 1)


def test_device():
    t = fastnn.ones(2)
    assert t.device == fastnn.device("cpu") and t.device == "cpu"
    assert str(t.device) == "cpu" and repr(t.device) == repr(torch.device("cpu"))
    assert t.to("cpu") is t and t.cpu() is t
    assert fastnn.device("cuda:1").index == 1
    with pytest.raises(RuntimeError):
        fastnn.device("tpu")
    with pytest.raises(RuntimeError):
        fastnn.zeros(2, device="cuda")


def test_properties_match_torch():
    a = rand_np(3, 4, 5)
    ft, tt = fastnn.tensor(a), torch.tensor(a)
    assert ft.dim() == tt.dim() == ft.ndim == 3
    assert ft.numel() == tt.numel() == 60
    assert ft.T.shape == (5, 4, 3)
    np.testing.assert_array_equal(ft.T.numpy(), np.transpose(a))
    m = fastnn.tensor(rand_np(7, 3))
    np.testing.assert_array_equal(m.T.numpy(), m.numpy().T)
    assert ft.stride() == tt.stride() and ft.transpose(0, 2).stride() == tt.transpose(0, 2).stride()
    assert fastnn.tensor(2.5).item() == 2.5 and isinstance(fastnn.tensor(3).item(), int)
    assert isinstance(fastnn.tensor(True).item(), bool)
    assert ft.tolist() == tt.tolist()
    assert fastnn.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    with pytest.raises(RuntimeError):
        ft.item()
    assert fastnn.tensor([[7.0]]).item() == 7.0
    assert len(ft) == 3
    assert float(fastnn.tensor([1.5])) == 1.5 and int(fastnn.tensor(4)) == 4
    with pytest.raises(RuntimeError):
        bool(fastnn.ones(2))


# ------------------------------------------------------------------ repr
def _reprs(a, requires_grad=False):
    tt = torch.from_numpy(np.array(a))
    ft = fastnn.from_numpy(np.array(a))
    if requires_grad:
        tt.requires_grad_()
        ft.requires_grad_()
    return repr(ft), repr(tt).replace("torch.", "fastnn.")


REPR_CASES = {
    "ints": np.array([1, -20, 300]),
    "int32": np.array([1, 2], dtype=np.int32),
    "uint8": np.array([[1, 2], [250, 7]], dtype=np.uint8),
    "floats": np.array([1.5, 2.25, -3.125], dtype=np.float32),
    "whole_floats": np.array([1.0, 2.0, -3.0], dtype=np.float32),
    "float64": np.array([0.1, 0.2]),
    "small": np.array([1e-5, 1.0], dtype=np.float32),
    "large": np.array([1e10, 1.0], dtype=np.float32),
    "ratio": np.array([0.5, 5000.5], dtype=np.float32),
    "tiny": np.array([1e-10, 2e-10], dtype=np.float32),
    "mixed_mag": np.array([123456.789, 0.001], dtype=np.float32),
    "nan_inf": np.array([np.nan, 1.0, np.inf, -np.inf], dtype=np.float32),
    "neg_zero": np.array([-0.0, 1.0], dtype=np.float32),
    "all_zero": np.zeros((2, 2), dtype=np.float32),
    "only_nan": np.array([np.nan, np.inf], dtype=np.float32),
    "sci_width": np.array([1e-6, -1.0, 1e3, 7.0], dtype=np.float32),
    "long_row": np.arange(30, dtype=np.float32) * 1.5,
    "long_int_row": np.arange(50) * 1234567,
    "empty_f64": np.zeros((0,)),
    "summarised_narrow": np.arange(1200, dtype=np.float32).reshape(600, 2) / 4,
    "bool": np.array([True, False, True]),
    "zero_d_float": np.array(3.5, dtype=np.float32),
    "zero_d_int": np.array(3),
    "zero_d_bool": np.array(True),
    "empty": np.zeros(0, dtype=np.float32),
    "empty_2d": np.zeros((0, 3), dtype=np.float32),
    "empty_int": np.zeros((2, 0), dtype=np.int64),
    "matrix": np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
    "cube": np.arange(24, dtype=np.float32).reshape(2, 3, 4),
    "wide": np.linspace(-1, 1, 40, dtype=np.float32),
    "big_1d_float": np.arange(2000, dtype=np.float32),
    "big_1d_int": np.arange(2000),
    "big_2d": np.arange(3000, dtype=np.float32).reshape(30, 100) / 3,
    "big_3d": np.arange(2400, dtype=np.float64).reshape(10, 12, 20),
    "big_bool": np.arange(1500) % 3 == 0,
    "randn": np.random.default_rng(1).standard_normal((4, 5)).astype(np.float32),
    "randn_scaled": np.random.default_rng(2).standard_normal((3, 3)).astype(np.float32) * 1000,
}


@pytest.mark.parametrize("name", sorted(REPR_CASES))
def test_repr_matches_torch(name):
    got, want = _reprs(REPR_CASES[name])
    assert got == want


def test_repr_requires_grad_and_grad_fn():
    got, want = _reprs(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    assert got == want == "tensor([1., 2.], requires_grad=True)"
    got, want = _reprs(np.array([1.0, 2.0]), requires_grad=True)
    assert got == want
    a, b = fastnn.tensor([[1.0, 2.0]], requires_grad=True), fastnn.tensor([[3.0], [4.0]])
    ta, tb = torch.tensor([[1.0, 2.0]], requires_grad=True), torch.tensor([[3.0], [4.0]])
    for fexpr, texpr in [(a + 1, ta + 1), (a.mm(b), ta.mm(tb)), (a * 2, ta * 2), (a.exp(), ta.exp()),
                         (a.mean(), ta.mean()), (a.sum(), ta.sum()), (a - 1, ta - 1), (a / 2, ta / 2),
                         (-a, -ta), (a.relu(), ta.relu()), (a.sigmoid(), ta.sigmoid()), (a.tanh(), ta.tanh())]:
        assert repr(fexpr) == repr(texpr).replace("torch.", "fastnn.")
    node_repr = re.compile(r"<(\w+) object at 0x[0-9a-f]+>")  # print(y.grad_fn), as torch
    for f_node, t_node in [(a.mm(b).grad_fn, ta.mm(tb).grad_fn),
                           (a.sum().grad_fn.next_functions[0][0], ta.sum().grad_fn.next_functions[0][0])]:
        fm, tm = node_repr.fullmatch(repr(f_node)), node_repr.fullmatch(repr(t_node))
        assert fm and tm and fm.group(1) == tm.group(1), (repr(f_node), repr(t_node))


# ------------------------------------------------------------------ creation
@pytest.mark.parametrize("fn", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("dtype", [None, "float64", "int64", "int32", "uint8", "bool"])
def test_filled_creation(fn, dtype):
    kw = {} if dtype is None else {"dtype": getattr(fastnn, dtype)}
    tkw = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    for shape in [(3,), (2, 7), ()]:
        ft, tt = getattr(fastnn, fn)(shape, **kw), getattr(torch, fn)(shape, **tkw)
        assert ft.shape == tuple(tt.shape) and ft.dtype.name == str(tt.dtype)[6:]
        if fn != "empty":
            np.testing.assert_array_equal(ft.numpy(), tt.numpy())
    assert getattr(fastnn, fn)(2, 3).shape == (2, 3) == getattr(fastnn, fn)([2, 3]).shape


def test_full_arange_linspace_eye():
    for args in [((2, 3), 1.5), ((4,), 7), ((2,), True)]:
        ft, tt = fastnn.full(*args), torch.full(*args)
        assert ft.dtype.name == str(tt.dtype)[6:]
        np.testing.assert_array_equal(ft.numpy(), tt.numpy())
    for args in [(5,), (2, 9), (1, 10, 3), (0, 1, 0.25), (0.5, 3), (10, 0, -3), (-1.0, 1.0, 0.1)]:
        ft, tt = fastnn.arange(*args), torch.arange(*args)
        assert ft.dtype.name == str(tt.dtype)[6:], args
        np.testing.assert_allclose(ft.numpy(), tt.numpy(), rtol=1e-6, atol=1e-7)
    assert fastnn.arange(5, dtype=fastnn.float64).dtype is fastnn.float64
    for args in [(0, 1, 5), (-3, 7, 11), (2, 2, 1), (0, 1, 0)]:
        ft, tt = fastnn.linspace(*args), torch.linspace(*args)
        assert ft.dtype.name == str(tt.dtype)[6:]
        np.testing.assert_allclose(ft.numpy(), tt.numpy(), rtol=1e-6)
    for args in [(3,), (3, 5), (4, 2)]:
        np.testing.assert_array_equal(fastnn.eye(*args).numpy(), torch.eye(*args).numpy())
    assert fastnn.eye(3, dtype=fastnn.int64).dtype is fastnn.int64
    with pytest.raises(RuntimeError):
        fastnn.arange(0, 5, 0)
    with pytest.raises(RuntimeError):
        fastnn.zeros(-1, 2)


def test_like_creation():
    x = fastnn.tensor(rand_np(3, 4))
    for fn in ["zeros_like", "ones_like", "randn_like", "rand_like"]:
        y = getattr(fastnn, fn)(x)
        assert y.shape == x.shape and y.dtype is fastnn.float64
    np.testing.assert_array_equal(fastnn.zeros_like(x).numpy(), 0)
    np.testing.assert_array_equal(fastnn.ones_like(x, dtype=fastnn.int32).numpy(), 1)
    assert fastnn.ones_like(x, dtype=fastnn.int32).dtype is fastnn.int32
    assert not np.shares_memory(fastnn.zeros_like(x).numpy(), x.numpy())
    i = fastnn.tensor([1, 2, 3])
    assert fastnn.zeros_like(i).dtype is fastnn.int64
    assert fastnn.randn_like(fastnn.ones(2, 2)).dtype is fastnn.float32


def test_random_creation_distributions():
    fastnn.manual_seed(0)
    r = fastnn.randn(20000)
    assert r.dtype is fastnn.float32 and abs(r.mean().item()) < 0.03 and abs(r.std().item() - 1) < 0.03
    u = fastnn.rand(20000, dtype=fastnn.float64)
    assert u.dtype is fastnn.float64 and 0 <= u.min().item() and u.max().item() < 1
    assert abs(u.mean().item() - 0.5) < 0.02
    k = fastnn.randint(3, 10, (5000,))
    assert k.dtype is fastnn.int64 and k.min().item() == 3 and k.max().item() == 9
    k2 = fastnn.randint(4, (2, 3))
    assert k2.shape == (2, 3) and 0 <= k2.min().item() and k2.max().item() < 4
    assert fastnn.randn(2, 3).shape == (2, 3) == fastnn.rand((2, 3)).shape
    with pytest.raises(RuntimeError):
        fastnn.randn(3, dtype=fastnn.int64)


def test_manual_seed_reproducible_and_generator():
    fastnn.manual_seed(123)
    a = (fastnn.randn(5), fastnn.rand(3), fastnn.randint(0, 100, (4,)))
    fastnn.manual_seed(123)
    b = (fastnn.randn(5), fastnn.rand(3), fastnn.randint(0, 100, (4,)))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    fastnn.manual_seed(124)
    assert not np.array_equal(fastnn.randn(5).numpy(), a[0].numpy())
    g1, g2 = fastnn.Generator().manual_seed(7), fastnn.Generator().manual_seed(7)
    fastnn.manual_seed(0)
    x = fastnn.randn(4, generator=g1)
    fastnn.randn(10)  # the default generator does not disturb g2
    np.testing.assert_array_equal(x.numpy(), fastnn.randn(4, generator=g2).numpy())
    assert g1.initial_seed() == 7
    state = fastnn.get_rng_state()
    y1 = fastnn.rand(3)
    fastnn.set_rng_state(state)
    np.testing.assert_array_equal(y1.numpy(), fastnn.rand(3).numpy())
    t = fastnn.empty(1000)
    fastnn.manual_seed(5)
    t.normal_(2.0, 0.5)
    assert abs(t.mean().item() - 2) < 0.1 and abs(t.std().item() - 0.5) < 0.1
    fastnn.manual_seed(5)
    np.testing.assert_array_equal(fastnn.empty(1000).normal_(2.0, 0.5).numpy(), t.numpy())
    t.uniform_(-2, -1)
    assert -2 <= t.min().item() and t.max().item() < -1


def test_manual_seed_same_numbers_across_processes():
    code = ("import fastnn; fastnn.manual_seed(42); "
            "print(fastnn.randn(4).tolist(), fastnn.randint(0, 1000, (3,)).tolist())")
    outs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            for _ in range(2)]
    assert outs[0] == outs[1] and outs[0].strip()
    fastnn.manual_seed(42)
    here = f"{fastnn.randn(4).tolist()} {fastnn.randint(0, 1000, (3,)).tolist()}"
    assert outs[0].strip() == here


# ------------------------------------------------------------------ views and shape
def test_view_and_errors():
    a = rand_np(2, 3, 4)
    ft, tt = fastnn.tensor(a), torch.tensor(a)
    for shape in [(6, 4), (-1, 4), (2, -1), (24,), (-1,), (4, 3, 2), (1, 24, 1)]:
        v = ft.view(*shape)
        assert v.shape == tuple(tt.view(*shape).shape)
        np.testing.assert_array_equal(v.numpy(), tt.view(*shape).numpy())
        assert np.shares_memory(v.numpy(), ft.numpy())
    assert ft.view((6, 4)).shape == (6, 4)
    with pytest.raises(RuntimeError, match=r"\[5, -1\].*24"):
        ft.view(5, -1)
    with pytest.raises(RuntimeError, match=r"\[7\].*24"):
        ft.view(7)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        ft.view(-1, -1)
    for bad in [(-2, -1, -1), (-1, -1, -2), (2, -3, 4)]:  # the first offending dimension decides, as in torch
        with pytest.raises(RuntimeError) as want:
            tt.view(*bad)
        with pytest.raises(RuntimeError, match=re.escape(str(want.value))):
            ft.view(*bad)
    with pytest.raises(RuntimeError, match=r"\[4, 3, 2\]"):  # names the source shape: a transposed view
        ft.transpose(0, 2).view(24)
    r = ft.transpose(0, 2).reshape(24)
    np.testing.assert_array_equal(r.numpy(), tt.transpose(0, 2).reshape(24).numpy())


def test_shape_ops_match_torch():
    a = rand_np(2, 1, 3, 1)
    ft, tt = fastnn.tensor(a), torch.tensor(a)
    checks = [
        (ft.flatten(), tt.flatten()), (ft.flatten(1), tt.flatten(1)), (ft.flatten(1, 2), tt.flatten(1, 2)),
        (ft.squeeze(), tt.squeeze()), (ft.squeeze(1), tt.squeeze(1)), (ft.squeeze(0), tt.squeeze(0)),
        (ft.squeeze(-1), tt.squeeze(-1)), (ft.unsqueeze(0), tt.unsqueeze(0)), (ft.unsqueeze(-1), tt.unsqueeze(-1)),
        (ft.unsqueeze(2), tt.unsqueeze(2)), (ft.transpose(0, 2), tt.transpose(0, 2)),
        (ft.permute(3, 2, 0, 1), tt.permute(3, 2, 0, 1)), (ft.permute((1, 0, 3, 2)), tt.permute((1, 0, 3, 2))),
        (ft.expand(2, 4, 3, 5), tt.expand(2, 4, 3, 5)), (ft.expand(3, -1, -1, -1, 2), tt.expand(3, -1, -1, -1, 2)),
        (ft.reshape(3, 2), tt.reshape(3, 2)), (ft.reshape(-1), tt.reshape(-1)), (ft.contiguous(), tt.contiguous()),
        (ft.clone(), tt.clone()), (ft.detach(), tt.detach()), (ft.repeat(2, 1, 1, 3), tt.repeat(2, 1, 1, 3)),
        (fastnn.tensor(2.0).flatten(), torch.tensor(2.0).flatten()),
    ]
    m = fastnn.tensor(rand_np(7, 3))
    checks.append((m.t(), torch.tensor(m.numpy()).t()))
    checks.append((fastnn.tensor([1.0, 2.0]).t(), torch.tensor([1.0, 2.0]).t()))
    for i, (x, y) in enumerate(checks):
        assert x.shape == tuple(y.shape), i
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    assert not ft.transpose(0, 2).is_contiguous() and ft.transpose(0, 2).contiguous().is_contiguous()
    with pytest.raises(RuntimeError):
        m.expand(3, 7, 2)
    with pytest.raises(RuntimeError):
        m.expand(5, 3)
    with pytest.raises(RuntimeError):
        fastnn.zeros(2, 3, 4).t()
    with pytest.raises(RuntimeError):
        ft.permute(0, 1)
    with pytest.raises(IndexError):
        ft.unsqueeze(5)


def test_views_share_memory_and_version_counter():
    x = fastnn.tensor(rand_np(4, 6))
    views = [x.view(24), x.view(-1, 3), x.reshape(6, 4), x[1], x[:, 2:5], x[None], x[..., 1], x.t(), x.T,
             x.transpose(0, 1), x.permute(1, 0), x.unsqueeze(0), x.squeeze(), x.flatten(), x.detach(),
             x.expand(2, 4, 6), x.narrow(1, 1, 2)]
    for v in views:
        assert np.shares_memory(v.numpy(), x.numpy())
    v0 = x.view(24)
    v0[3] = 100.0
    assert x[0, 3].item() == 100.0
    x[0, 0] = -5.0
    assert v0[0].item() == -5.0
    before = [v._version_value for v in views]
    x.add_(1)
    assert [v._version_value for v in views] == [b + 1 for b in before]
    views[3].mul_(2)  # a write through a view bumps the base's counter too
    assert x._version_value == before[0] + 2
    c = x.clone()
    assert not np.shares_memory(c.numpy(), x.numpy())
    c.add_(1)
    assert x._version_value == before[0] + 2
    # torch agrees that these are views with a shared counter
    tx = torch.tensor(x.numpy())
    tv = tx.view(24)
    tx.add_(1)
    assert tv._version == tx._version


def test_resize_():
    x = fastnn.arange(6.0)
    x.resize_(2, 3)
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0).reshape(2, 3))
    x.resize_(4)
    np.testing.assert_array_equal(x.numpy(), np.arange(4.0))
    y = torch.arange(6.0)
    y.resize_(2, 3)
    assert x.resize_(2, 3).shape == y.shape
    with pytest.raises(RuntimeError):
        fastnn.ones(3, requires_grad=True).resize_(2)


def test_clone_detach():
    x = fastnn.tensor(rand_np(3), requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.grad_fn is None and np.shares_memory(d.numpy(), x.detach().numpy())
    c = x.clone()
    assert c.requires_grad and c.grad_fn is not None
    assert not np.shares_memory(c.detach().numpy(), x.detach().numpy())


# ------------------------------------------------------------------ indexing
INDEX_KEYS = [
    lambda m: 2, lambda m: -1, lambda m: slice(1, 4), lambda m: slice(None, None, 2), lambda m: (1, 2),
    lambda m: (slice(None), 3), lambda m: (Ellipsis, 1), lambda m: None, lambda m: (None, 1, None),
    lambda m: (slice(1, None), None, slice(None, 2)), lambda m: (0, Ellipsis, None),
    lambda m: m.tensor([0, 2, 2]), lambda m: m.tensor([[0, 1], [3, 2]]), lambda m: (m.tensor([0, 1]), m.tensor([2, 3])),
    lambda m: (slice(None), m.tensor([4, 0])), lambda m: m.tensor([True, False, True, False, True]),
    lambda m: m.tensor(1), lambda m: [0, 3], lambda m: (m.tensor([1, 3]), slice(1, 3)),
    lambda m: m.tensor(np.arange(30).reshape(5, 6) % 4 == 0), lambda m: (1, m.tensor([True] * 3 + [False] * 3)),
]


@pytest.mark.parametrize("k", range(len(INDEX_KEYS)))
def test_getitem_matches_torch(k):
    a = rand_np(5, 6)
    ft, tt = fastnn.tensor(a), torch.tensor(a)
    fr, tr = ft[INDEX_KEYS[k](fastnn)], tt[INDEX_KEYS[k](torch)]
    assert fr.shape == tuple(tr.shape) and fr.dtype is fastnn.float64
    np.testing.assert_array_equal(fr.numpy(), tr.numpy())


@pytest.mark.parametrize("k", range(len(INDEX_KEYS)))
def test_setitem_matches_torch(k):
    a = rand_np(5, 6)
    ft, tt = fastnn.tensor(a), torch.tensor(a)
    ft[INDEX_KEYS[k](fastnn)] = 7.5
    tt[INDEX_KEYS[k](torch)] = 7.5
    np.testing.assert_array_equal(ft.numpy(), tt.numpy())
    shape = tuple(tt[INDEX_KEYS[k](torch)].shape)
    vals = rand_np(*shape, seed=3) if shape else np.float64(1.25)
    ft[INDEX_KEYS[k](fastnn)] = fastnn.tensor(vals)
    tt[INDEX_KEYS[k](torch)] = torch.tensor(vals)
    np.testing.assert_array_equal(ft.numpy(), tt.numpy())


def test_index_errors():
    x = fastnn.zeros(3, 4)
    with pytest.raises(IndexError):
        x[3]
    with pytest.raises(IndexError):
        x[0, 0, 0]
    with pytest.raises(IndexError):
        x[fastnn.tensor([0.5])]
    with pytest.raises(IndexError):
        x[fastnn.tensor([5])]


# ------------------------------------------------------------------ in-place and .data
def test_inplace_ops_match_torch():
    a, b = rand_np(4, 5), rand_np(5, seed=1)
    ft, tt = fastnn.tensor(a), torch.tensor(a)
    fb, tb = fastnn.tensor(b), torch.tensor(b)
    for name, args in [("add_", (fb,)), ("sub_", (2.0,)), ("mul_", (fb,)), ("div_", (3.0,)), ("clamp_", (-0.5, 0.5)),
                       ("add_", (1,)), ("mul_", (fastnn.tensor(2.0),)), ("div_", (fb,))]:
        targs = tuple(torch.tensor(x.numpy()) if isinstance(x, fastnn.Tensor) else x for x in args)
        r = getattr(ft, name)(*args)
        getattr(tt, name)(*targs)
        assert r is ft
        np.testing.assert_allclose(ft.numpy(), tt.numpy(), rtol=1e-14)
    ft.add_(fb, alpha=2)
    tt.add_(tb, alpha=2)
    ft.sub_(fb, alpha=0.5)
    tt.sub_(tb, alpha=0.5)
    np.testing.assert_allclose(ft.numpy(), tt.numpy(), rtol=1e-14)
    ft += 1
    ft *= fb
    ft -= fb
    ft /= 2
    tt += 1
    tt *= tb
    tt -= tb
    tt /= 2
    np.testing.assert_allclose(ft.numpy(), tt.numpy(), rtol=1e-14)
    assert ft.zero_() is ft and not ft.numpy().any()
    assert ft.fill_(2.5) is ft and (ft.numpy() == 2.5).all()
    ft.copy_(fb)  # broadcast copy
    np.testing.assert_array_equal(ft.numpy(), np.broadcast_to(b, (4, 5)))
    ft.copy_(fastnn.ones(4, 5, dtype=fastnn.int64))
    assert ft.dtype is fastnn.float64 and (ft.numpy() == 1).all()
    with pytest.raises(RuntimeError):
        ft.copy_(fastnn.ones(3))
    with pytest.raises(RuntimeError):
        fastnn.ones(3).add_(fastnn.ones(2, 3))
    i = fastnn.tensor([1, 2, 3])
    with pytest.raises(RuntimeError):
        i.add_(1.5)  # float result cannot be cast to int64 in place, as torch
    with pytest.raises(RuntimeError):
        i.div_(2)


def test_inplace_bumps_version():
    x = fastnn.ones(3)
    v = x._version_value
    for op in [lambda: x.add_(1), lambda: x.mul_(2), lambda: x.zero_(), lambda: x.fill_(1), lambda: x.copy_(x * 2),
               lambda: x.clamp_(0, 1), lambda: x.normal_(), lambda: x.uniform_(), lambda: x.sub_(1),
               lambda: x.div_(2), lambda: x.__setitem__(0, 3.0)]:
        op()
        assert x._version_value == v + 1
        v += 1


def test_data_attribute():
    w = fastnn.tensor([1.0, 2.0], requires_grad=True)
    d = w.data
    assert not d.requires_grad and d.grad_fn is None and np.shares_memory(d.numpy(), w.detach().numpy())
    d.mul_(3)  # allowed: .data is outside the graph
    np.testing.assert_array_equal(w.detach().numpy(), [3.0, 6.0])
    v = w._version_value
    w.data.add_(1)
    assert w._version_value == v  # .data has its own counter, as torch
    w.data = fastnn.tensor([5.0, 6.0])
    np.testing.assert_array_equal(w.detach().numpy(), [5.0, 6.0])
    assert w.requires_grad and w.is_leaf


@pytest.mark.parametrize("name,npdt", DTYPES)
def test_casts(name, npdt):
    a = np.array([0.0, 1.5, -2.7, 3.0])
    ft, tt = fastnn.tensor(a), torch.tensor(a)
    d, td = getattr(fastnn, name), getattr(torch, name)
    if name != "uint8":  # negative floats to uint8 are undefined in C
        np.testing.assert_array_equal(ft.to(d).numpy(), tt.to(td).numpy())
        np.testing.assert_array_equal(ft.type(d).numpy(), tt.type(td).numpy())
    assert ft.to(d).dtype is d and ft.to(dtype=d).dtype is d
    assert ft.type_as(fastnn.zeros(1, dtype=d)).dtype is d
    assert ft.to(fastnn.zeros(1, dtype=d)).dtype is d
    assert ft.to("cpu", d).dtype is d
    assert fastnn.ones(2, dtype=d).to(d) is not None
    x = fastnn.ones(2, dtype=d)
    assert x.to(d) is x and x.to(d, copy=True) is not x


def test_cast_methods():
    ft = fastnn.tensor([1.7, -2.2])
    assert ft.float().dtype is fastnn.float32 and ft.double().dtype is fastnn.float64
    assert ft.long().tolist() == [1, -2] and ft.long().dtype is fastnn.int64
    assert ft.int().dtype is fastnn.int32 and ft.bool().tolist() == [True, True]
    assert ft.type() == "fastnn.FloatTensor" and ft.long().type() == "fastnn.LongTensor"
    assert fastnn.tensor([1, 2]).float().tolist() == [1.0, 2.0]


def test_zero_dim_results_stay_tensors_and_elements_are_views():
    """numpy returns scalars for 0-d results; fastnn keeps 0-d arrays, and an element is a view, as in torch."""
    import torch
    s, ts = fastnn.tensor(0.5), torch.tensor(0.5)
    for f in (lambda v: (v + 1).relu(), lambda v: (v * 2).sigmoid(), lambda v: v.exp().tanh()):
        assert np.allclose(f(s).numpy(), f(ts).numpy()) and f(s).shape == ()
    acc, tacc = 0, 0
    for v in (1.0, 2.0):  # the notes' validation loop: test_loss += criterion(...)
        acc += fastnn.tensor(v).exp()
        tacc += torch.tensor(v).exp()
    assert np.isclose(acc.item(), tacc.item())
    b, tb = fastnn.tensor([1., 2., 3.]), torch.tensor([1., 2., 3.])
    for t in (b, tb):
        t[0] += 10
        t[1].fill_(9)
        t[-1].mul_(2)
    assert b.tolist() == tb.tolist() == [11., 9., 6.]
    assert np.asarray(b[0]).shape == () and fastnn.tensor([b[0], b[1]]).tolist() == [11., 9.]
    x = fastnn.tensor([1., 2.], requires_grad=True)
    (x[0] * 3 + x[1]).backward()
    assert x.grad.tolist() == [3., 1.]
    m = fastnn.arange(6.).view(2, 3)
    for e in m[1]:
        e += 1
    assert m.tolist() == [[0., 1., 2.], [4., 5., 6.]]


def test_legacy_tensor_types_and_constructor_match_torch():
    """fastnn.FloatTensor and friends are types (isinstance, .type(...)), and Tensor(...) is torch's legacy
    constructor: data goes to the default dtype, sizes give an uninitialised tensor, no argument an empty one."""
    import torch
    for name in ("FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ByteTensor", "BoolTensor"):
        f, t = getattr(fastnn, name), getattr(torch, name)
        assert f.dtype.name == str(t.dtype).replace("torch.", "")
        assert isinstance(f([1, 0]), f) and isinstance(fastnn.ones(2).type(f), f)
        assert fastnn.ones(2).type(f).tolist() == torch.ones(2).type(t).tolist()
        assert fastnn.ones(2).type("torch." + name).dtype is f.dtype
        assert f(3).shape == (3,) and f().shape == t().shape == (0,)
    assert not isinstance(fastnn.ones(2), fastnn.LongTensor)
    equals = fastnn.tensor([[1], [0], [1], [1]]) == 1  # the notes' accuracy line
    assert fastnn.mean(equals.type(fastnn.FloatTensor)).item() == 0.75
    for data in ([1, 2], np.array([1, 2]), np.array([1.5, 2.5]), [[1.0], [2.0]]):
        f, t = fastnn.Tensor(data), torch.Tensor(data)
        assert f.dtype is fastnn.float32 and f.tolist() == t.tolist()
    assert fastnn.Tensor(fastnn.tensor([1, 2])).dtype is fastnn.int64  # torch keeps an int tensor's dtype
    assert fastnn.Tensor(2, 3).shape == fastnn.Tensor(fastnn.Size([2, 3])).shape == (2, 3)
    for bad in (lambda m: m.Tensor(2.5), lambda m: m.FloatTensor(m.tensor([1, 2]))):
        with pytest.raises(TypeError):
            bad(torch)
        with pytest.raises(TypeError):
            bad(fastnn)


@pytest.mark.parametrize("expr", ["m.zeros(2.5)", "m.ones(2, 3.0)", "m.tensor([1, [2]])", "int(m.ones(3))",
                                  "float(m.ones(2))", "m.arange(5, 1)", "m.arange(0, 3, -1)",
                                  "m.ones(3)[::-1]", "m.ones(3)[::0]", "m.allclose(m.ones(2), m.ones(2).double())",
                                  "m.allclose(m.ones(2), m.ones(3))", "m.isclose(m.ones(2), m.ones(2).double())",
                                  "m.allclose(m.ones(2), 1.0)"])
def test_errors_match_torch(expr):
    """Creation, conversion, slicing and closeness: fastnn raises the exception type torch raises."""
    import torch
    with pytest.raises(Exception) as theirs:
        eval(expr, {"m": torch})
    with pytest.raises(theirs.type):
        eval(expr, {"m": fastnn})


def test_sizes_accept_integer_like_values():
    assert fastnn.zeros(np.int64(2), fastnn.tensor(3)).shape == (2, 3)
    assert fastnn.arange(5, 1, -2).tolist() == [5, 3]


def test_setup_boilerplate_of_torch_scripts_runs():
    """What scripts run before training: seeding every backend, cuDNN switches, device choice, size=, finfo."""
    import torch
    for m in (fastnn, torch):
        m.manual_seed(0)
        m.cuda.manual_seed(0)
        m.cuda.manual_seed_all(0)
        m.cuda.empty_cache()
        m.backends.cudnn.deterministic, m.backends.cudnn.benchmark = True, False
        m.use_deterministic_algorithms(True)
        assert m.are_deterministic_algorithms_enabled()
        m.use_deterministic_algorithms(False)
        dev = m.device("cuda" if m.cuda.is_available() else "mps" if m.backends.mps.is_available() else "cpu")
        assert str(dev) == "cpu" and str(m.device("mps")) == "mps"
        assert m.zeros(size=(2, 3)).shape == m.rand(size=(2, 3)).shape == (2, 3)
        assert m.ones(size=[4]).shape == m.randn(size=(4,)).shape == m.empty(size=(4,)).shape == (4,)
        assert not m.ones(2).is_pinned()
        with pytest.raises(RuntimeError):
            m.ones(2).pin_memory()
    for name in ("float32", "float64", "float16"):
        f, t = fastnn.finfo(getattr(fastnn, name)), torch.finfo(getattr(torch, name))
        assert [getattr(f, k) for k in ("bits", "eps", "max", "min", "tiny", "resolution")] == \
               [getattr(t, k) for k in ("bits", "eps", "max", "min", "tiny", "resolution")]
    for name in ("int64", "int32", "uint8"):
        f, t = fastnn.iinfo(getattr(fastnn, name)), torch.iinfo(getattr(torch, name))
        assert (f.bits, f.max, f.min) == (t.bits, t.max, t.min)
    with pytest.raises(TypeError):
        fastnn.finfo(fastnn.int64)


def test_grad_mode_decorators_without_parentheses():
    import torch
    for m in (fastnn, torch):
        x = m.ones(2, requires_grad=True)

        @m.no_grad
        def f(v):
            return v * 2

        @m.inference_mode
        def g(v):
            return v * 2

        with m.no_grad():
            @m.enable_grad
            def h(v):
                return v * 2
            assert h(x).requires_grad
        assert not f(x).requires_grad and not g(x).requires_grad and f.__name__ == "f"
        assert (x * 2).requires_grad


def test_assigned_grad_is_checked_as_torch():
    import torch
    for m in (fastnn, torch):
        a = m.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="same size"):
            a.grad = m.ones(3)
        with pytest.raises(RuntimeError, match="dtype"):
            a.grad = m.ones(2, dtype=m.float64)
        with pytest.raises(TypeError, match="Tensor or None"):
            a.grad = 3
        a.grad = m.full((2,), 5.0)
        (a * 2).sum().backward()
        assert a.grad.tolist() == [7.0, 7.0]
        a.grad = None
        assert a.grad is None


def test_view_without_autograd_shares_storage_version_and_base_as_torch():
    """A view of a tensor that needs no gradient (a batch reshaped every step) takes numpy's reshape directly:
    the same shapes, storage, version counter and _base as torch's view."""
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    f, t = fastnn.tensor(a), torch.tensor(a)
    for shape in [(2, -1), (-1,), (4, 3, 2), (-1, 2, 3, 2), (24, 1)]:
        fv, tv = f.view(*shape), t.view(*shape)
        assert fv.shape == tv.shape and not fv.requires_grad and fv.grad_fn is None
        assert fv._base is f and tv._base is t
    fv, tv = f.view(6, -1), t.view(6, -1)
    fv.mul_(2)
    tv.mul_(2)
    np.testing.assert_array_equal(f.numpy(), t.numpy())
    assert f._version[0] == t._version == 1


@pytest.mark.parametrize("call", [
    "m.tensor([1.0, 2.0]).view(m.int32)", "m.tensor([1.0, 2.0]).view(m.float64)", "m.tensor([1.0, 2.0]).view(m.uint8)",
    "m.tensor([1.0, 2, 3]).view(m.float64)", "m.tensor(1.0).view(m.int32)", "m.tensor(1.0).view(m.int16)",
    "m.ones(3, 2)[:, 0].view(m.int16)", "m.ones(3, 2)[:, 0].view(m.int32)", "m.ones(2, 3).t().view(m.int16)",
    "m.ones(2, requires_grad=True).view(m.int32)", "m.ones(2, requires_grad=True).view(m.float32)",
    "m.tensor([True, False]).view(m.uint8)", "m.ones(4, dtype=m.float16).view(m.float32)",
    "m.ones(4, 4)[:, :2].view(m.float64)", "m.ones(2).view(dtype=m.int32)", "m.tensor([-1], dtype=m.int64).view(m.float64)"])
def test_view_dtype_reinterprets_the_bits_as_torch(call):
    (fk, f), (tk, t) = outcome(lambda: eval(call, {"m": fastnn})), outcome(lambda: eval(call, {"m": torch}))
    assert fk == tk
    if tk != "ok":
        assert f == t  # the messages
    else:
        assert str(f.dtype) == str(t.dtype).replace("torch", "fastnn") and f.requires_grad == t.requires_grad
        assert np.array_equal(f.numpy(), t.numpy(), equal_nan=True)


def test_view_dtype_shares_memory_both_ways():
    a = fastnn.zeros(2)
    b = a.view(fastnn.int32)
    b[0] = 1065353216
    assert a.tolist() == [1.0, 0.0] and b._version is a._version
