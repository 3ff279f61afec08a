"""Indexing against torch where numpy's rules differ: torch applies integer indices first (a select), so the
dims of the advanced indices go where torch puts them, not numpy; an empty list is an empty int64 index; a
uint8 index tensor is a boolean mask (with a deprecation warning). Values, shapes, dtypes and gradients of
reads, writes and writes with autograd."""
import numpy as np
import pytest
import torch

import fastnn

S = slice(None)
pytestmark = pytest.mark.filterwarnings("ignore:indexing with dtype torch.uint8")  # checked in test_uint8_warns


def _k(m, key):
    """key for module m: ("t", data) is m.tensor(data), ("u8", data) a uint8 tensor; the rest stays as is."""
    def one(k):
        if type(k) is tuple and k and k[0] == "t":
            return m.tensor(k[1])
        if type(k) is tuple and k and k[0] == "u8":
            return m.tensor(k[1], dtype=m.uint8)
        return k
    return tuple(one(k) for k in key) if type(key) is tuple and not (key and key[0] in ("t", "u8")) else one(key)


def T(data):
    return ("t", data)


# keys on which torch and numpy put the advanced dims in different places
MOVED = [
    ((2, 3, 4), (0, S, T([1, 3]))),
    ((2, 3, 4), (0, S, [1, 3])),
    ((2, 3, 4, 5), (0, None, T([2, 0]))),
    ((2, 3, 4), (1, S, T([True, False, True, False]))),
    ((2, 3, 4), (-1, S, T([[2], [0]]))),
    ((2, 3, 4), (-1, S, None, T([[2], [0]]))),
    ((2, 3, 4, 5), (Ellipsis, 0, S, T([1, 2, 0]))),
    ((2, 3, 4, 5), (0, S, T([1, 0]), S)),
    ((2, 3, 4), (T(1), S, T([1, 2]))),
    ((2, 3, 4, 5), (0, T(-1), S, T([1, 2]))),
    ((2, 3, 4, 5), (0, S, T([0, 1]), T([1, 2]))),
    ((2, 3, 4, 5), (0, S, T([[True, False, True, False, True]] * 4))),
    ((2, 3, 4, 5), (S, S, T([0, 1, 2]), Ellipsis, T([1, 2, 0]))),  # an Ellipsis of no dims keeps torch's adjacent
    ((2, 3, 4), (0, S, True)),
    ((2, 3, 4), (1, S, T(True))),
]
# keys on which both agree (two advanced indices around an int, ...): these must stay as they are
SAME = [
    ((2, 3, 4), ([0, 1], 0, [1, 2])),
    ((2, 3, 4), (S, 0, [1, 2])),
    ((2, 3, 4), ([0, 1], S, 0)),
    ((2, 3, 4), (T([0, 1]), None, T([1, 2]))),
    ((2, 3, 4), T([1, 0, 1])),
    ((2, 3, 4), (T([1, 0]), S, S)),
]
EMPTY = [((2, 3), []), ((2, 3), ([],)), ((2, 3), (S, [])), ((2, 3), ([], [])), ((2, 3, 4), ([[]], S)),
         ((2, 3, 4), (0, []))]
UINT8 = [((2, 2), ("u8", [1, 0])), ((2, 3, 4), ("u8", 1)), ((2, 3, 4), (0, S, ("u8", [1, 0, 1, 0]))),
         ((2, 3, 4), (("u8", [[1, 0, 0], [0, 1, 1]]), S))]


def _ids(cases):
    return [f"{shape}-{key}" for shape, key in cases]


def _pair(shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape)
    return fastnn.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _same(f, t):
    assert tuple(f.shape) == tuple(t.shape)
    assert f.dtype == getattr(fastnn, str(t.dtype).split(".")[1])
    np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy(), rtol=1e-12, atol=0)


def _read(shape, key):
    fx, tx = _pair(shape)
    to = tx[_k(torch, key)]
    fo = fx[_k(fastnn, key)]
    _same(fo, to)
    _same(fx.detach()[_k(fastnn, key)], to)  # the gather without autograd
    ints = fastnn.tensor(np.arange(int(np.prod(shape))).reshape(shape))
    _same(ints[_k(fastnn, key)], torch.tensor(ints.numpy())[_k(torch, key)])
    w = np.random.default_rng(1).standard_normal(tuple(to.shape))
    (to * torch.tensor(w)).sum().backward()
    (fo * fastnn.tensor(w)).sum().backward()
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=0)


def _write(shape, key, vshape):
    """x[key] = value of vshape (no autograd), then a write with autograd: grads of x and of value."""
    fx, tx = _pair(shape)
    v = np.random.default_rng(2).standard_normal(vshape)
    fa, ta = fx.detach().clone(), tx.detach().clone()
    ta[_k(torch, key)] = torch.tensor(v)
    fa[_k(fastnn, key)] = fastnn.tensor(v)
    _same(fa, ta)
    fv, tv = fastnn.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    fy, ty = fx * 1, tx * 1
    ty[_k(torch, key)] = tv * 2
    fy[_k(fastnn, key)] = fv * 2
    _same(fy, ty)
    w = np.random.default_rng(3).standard_normal(shape)
    (ty * torch.tensor(w)).sum().backward()
    (fy * fastnn.tensor(w)).sum().backward()
    np.testing.assert_allclose(fx.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=0)
    np.testing.assert_allclose(fv.grad.numpy(), tv.grad.numpy(), rtol=1e-12, atol=0)


def _result_shape(shape, key):
    return tuple(torch.zeros(shape)[_k(torch, key)].shape)


@pytest.mark.parametrize("shape,key", MOVED + EMPTY + UINT8, ids=_ids(MOVED + EMPTY + UINT8))
def test_read(shape, key):
    _read(shape, key)


@pytest.mark.parametrize("shape,key", MOVED + UINT8, ids=_ids(MOVED + UINT8))
def test_write(shape, key):
    _write(shape, key, _result_shape(shape, key))


@pytest.mark.parametrize("shape,key", MOVED[:-2], ids=_ids(MOVED[:-2]))  # the last two: a block of size 1
def test_write_broadcast(shape, key):
    """A value of torch's result shape less its first dim (which broadcasts in torch's order only)."""
    _write(shape, key, _result_shape(shape, key)[1:])


@pytest.mark.parametrize("shape,key", EMPTY, ids=_ids(EMPTY))
def test_write_empty_list(shape, key):
    _write(shape, key, _result_shape(shape, key))
    fx = fastnn.tensor(np.random.default_rng(0).standard_normal(shape))
    before = fx.numpy().copy()
    fx[_k(fastnn, key)] = 5.0
    np.testing.assert_array_equal(fx.numpy(), before)


def test_agreeing_keys():
    """Keys on which numpy and torch already agree (ints between or beside advanced indices, a lone index
    tensor): read, written and differentiated as torch. Passes before the fix too: a guard for the change."""
    for shape, key in SAME:
        _read(shape, key)
        out = _result_shape(shape, key)
        _write(shape, key, out)
        _write(shape, key, out[1:])


@pytest.mark.parametrize("shape,key", UINT8, ids=_ids(UINT8))
def test_uint8_warns(shape, key):
    x = fastnn.tensor(np.random.default_rng(0).standard_normal(shape))
    with pytest.warns(UserWarning, match="uint8"):
        x[_k(fastnn, key)]
    with pytest.warns(UserWarning, match="uint8"):
        x[_k(fastnn, key)] = 1.0


def test_write_shape_mismatch():
    """A value that broadcasts to numpy's order but not torch's raises torch's RuntimeError."""
    for m in (torch, fastnn):
        x = m.zeros(2, 3, 4)
        with pytest.raises(RuntimeError, match=r"\[3, 2\]"):
            x[0, :, m.tensor([1, 3])] = m.ones(2, 3)
