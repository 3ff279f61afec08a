"""fastnn with numpy and torch: shared memory both ways (from_numpy/.numpy()/__array__, DLPack), pickling,
and `import fastnn` alone reaching the subpackages."""
import copy
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

import fastnn


def test_from_numpy_shares_memory_both_ways():
    for dt in [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_]:
        a = (np.arange(12) % 5).astype(dt).reshape(3, 4)
        t = fastnn.from_numpy(a)
        assert t.dtype.numpy == np.dtype(dt) and t.shape == (3, 4)
        a[1, 2] = 1
        assert t[1, 2].item() == 1
        t[0, 0] = 0
        assert a[0, 0] == 0
        assert t.numpy() is a or np.shares_memory(t.numpy(), a)
    s = np.arange(10.0)[::2]  # a strided array keeps its layout and still shares memory
    t = fastnn.from_numpy(s)
    t.mul_(2)
    np.testing.assert_array_equal(s, np.arange(0.0, 20.0, 4.0))
    with pytest.raises(TypeError):
        fastnn.from_numpy([1, 2])


def test_numpy_method_and_asarray_share_memory():
    t = fastnn.tensor(np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32))
    n = t.numpy()
    n[0, 0] = 42.0
    assert t[0, 0].item() == 42.0
    t.add_(1)
    assert n[0, 0] == 43.0
    a = np.asarray(t)
    assert np.shares_memory(a, n) and a.dtype == np.float32
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert np.array(t).tolist() == t.tolist()
    assert not np.shares_memory(np.array(t), n)
    r = np.ones((2, 3), np.float32) + t  # numpy defers the operator to the tensor
    assert isinstance(r, fastnn.Tensor)
    np.testing.assert_array_equal(r.numpy(), n + 1)


def test_numpy_on_requires_grad_raises_as_torch():
    x = fastnn.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad"):
        x.numpy()
    with pytest.raises(RuntimeError):
        np.asarray(x)
    with pytest.raises(RuntimeError, match="requires grad"):
        torch.ones(2, requires_grad=True).numpy()
    assert x.detach().numpy().tolist() == [1.0, 1.0]
    y = x * 2
    with pytest.raises(RuntimeError):
        y.numpy()


def test_tensor_copies_but_as_tensor_shares():
    a = np.arange(4.0)
    t = fastnn.tensor(a)
    a[0] = 9
    assert t[0].item() == 0
    s = fastnn.as_tensor(a)
    a[1] = 7
    assert s[1].item() == 7
    assert fastnn.tensor(t).numpy() is not t.numpy()


def test_dlpack_numpy_roundtrip():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = fastnn.from_dlpack(a)
    a[0, 1] = -1
    assert t[0, 1].item() == -1
    back = np.from_dlpack(t)
    back[1, 1] = 100
    assert t[1, 1].item() == 100 and a[1, 1] == 100


@pytest.mark.parametrize("dt", ["float32", "float64", "int64", "int32", "uint8", "bool"])
def test_dlpack_with_torch_both_ways_without_copies(dt):
    ft = fastnn.tensor((np.arange(12) % 3).reshape(3, 4), dtype=getattr(fastnn, dt))
    tt = torch.from_dlpack(ft)
    assert tt.dtype == getattr(torch, dt) and tuple(tt.shape) == (3, 4)
    assert tt.data_ptr() == ft.data_ptr()
    tt[0, 0] = 1
    assert ft[0, 0].item() == 1
    ft[2, 3] = 0
    assert tt[2, 3].item() == 0
    src = torch.zeros(2, 5, dtype=getattr(torch, dt))
    f2 = fastnn.from_dlpack(src)
    assert f2.dtype is getattr(fastnn, dt) and f2.shape == (2, 5) and f2.data_ptr() == src.data_ptr()
    src[1, 4] = 1
    assert f2[1, 4].item() == 1
    f2[0, 0] = 1
    assert src[0, 0].item() == 1


def test_dlpack_strided_torch_view_and_requires_grad():
    base = torch.arange(12.0).reshape(3, 4)
    f = fastnn.from_dlpack(base.t())
    np.testing.assert_array_equal(f.numpy(), base.t().numpy())
    base[0, 1] = -5
    assert f[1, 0].item() == -5
    with pytest.raises(RuntimeError):
        torch.from_dlpack(fastnn.ones(2, requires_grad=True))
    assert fastnn.from_dlpack(fastnn.ones(2)).shape == (2,)


def test_pickle_and_deepcopy():
    x = fastnn.tensor([[1.0, 2.0]], requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.requires_grad and y.tolist() == x.tolist() and y.dtype is x.dtype
    assert pickle.loads(pickle.dumps(fastnn.float64)) is fastnn.float64
    x.sum().backward()
    z = copy.deepcopy(x)
    assert z.grad.tolist() == x.grad.tolist() and not np.shares_memory(z.detach().numpy(), x.detach().numpy())
    with pytest.raises(RuntimeError):
        copy.deepcopy(x * 2)


SUBPACKAGES = ["nn", "optim", "utils.data", "vision"]


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_import_fastnn_reaches_subpackages(name):
    """`import fastnn` alone, then fastnn.nn / fastnn.optim / fastnn.utils.data / fastnn.vision (a fresh process,
    so no other test has imported them first)."""
    code = f"import fastnn\nobj = fastnn\nfor part in {name!r}.split('.'):\n    obj = getattr(obj, part)\n" \
           "print(obj.__name__)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "fastnn." + name
