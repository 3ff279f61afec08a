"""Indexing and shape ops against torch: gather with a smaller index, the scatter family, tril/triu, diag,
diagonal, roll, argwhere, einsum (values and gradients), in-place writes to expanded tensors, error types."""
import numpy as np
import pytest
import torch

import fastnn
from fastnn.ops import indexing as I
from fastnn.ops import shape as S


def _pair(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    arrs = [rng.standard_normal(s) for s in shapes]
    return ([fastnn.tensor(a, requires_grad=True) for a in arrs],
            [torch.tensor(a, requires_grad=True) for a in arrs])


def _check(f_fn, t_fn, *shapes, seed=0):
    """Same op on fastnn and torch: equal values and equal gradients of (out * w).sum()."""
    fx, tx = _pair(*shapes, seed=seed)
    fo, to = f_fn(*fx), t_fn(*tx)
    np.testing.assert_allclose(fo.detach().numpy(), to.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = np.random.default_rng(seed + 1).standard_normal(tuple(to.shape))
    (fo * fastnn.tensor(w)).sum().backward()
    (to * torch.tensor(w)).sum().backward()
    for f, t in zip(fx, tx):
        if t.grad is None:
            assert f.grad is None
        else:
            np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


def _same_error(f_call, t_call):
    with pytest.raises(Exception) as te:
        t_call()
    with pytest.raises(Exception) as fe:
        f_call()
    assert fe.type is te.type, (fe.value, te.value)


# ---- gather ----

@pytest.mark.parametrize("dim,index", [
    (1, [[0, 1]]), (1, [[0], [1]]), (1, [[3, 0, 2, 2, 1]]), (0, [[2, 0, 1], [0, 0, 2]]), (-1, [[1], [1], [3]]),
])
@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_gather_smaller_index(dim, index, dtype):
    idx = np.array(index, dtype=dtype)
    _check(lambda a: a.gather(dim, fastnn.tensor(idx)), lambda a: a.gather(dim, torch.tensor(idx)), (3, 4))


def test_gather_0d_and_errors():
    for idx in (0, [0]):
        np.testing.assert_array_equal(fastnn.tensor(5.).gather(0, fastnn.tensor(idx)).numpy(),
                                      torch.tensor(5.).gather(0, torch.tensor(idx)).numpy())
    a, ta = fastnn.ones(3, 4), torch.ones(3, 4)
    for idx in ([[0, 1, 2, 0, 0]], [[[0]]], [0], [[4]], [[-1]]):
        _same_error(lambda: a.gather(0, fastnn.tensor(idx)), lambda: ta.gather(0, torch.tensor(idx)))
    for dt in ("int16", "uint8", "float32", "bool"):
        _same_error(lambda: a.gather(1, fastnn.tensor([[0]], dtype=getattr(fastnn, dt))),
                    lambda: ta.gather(1, torch.tensor([[0]], dtype=getattr(torch, dt))))


# ---- scatter, scatter_add, index_add ----

IDX = np.array([[0, 2], [1, 3]])


@pytest.mark.parametrize("name,f_fn,t_fn,shapes", [
    ("scatter_src", lambda a, s: I.scatter(a, 1, fastnn.tensor(IDX), s),
     lambda a, s: a.scatter(1, torch.tensor(IDX), s), [(3, 4), (2, 2)]),
    ("scatter_value", lambda a: I.scatter(a, 1, fastnn.tensor(IDX), 1.5),
     lambda a: a.scatter(1, torch.tensor(IDX), 1.5), [(3, 4)]),
    ("scatter_value_kw", lambda a: I.scatter(a, 0, fastnn.tensor(IDX[:, :1] % 3), value=-2.0),
     lambda a: a.scatter(0, torch.tensor(IDX[:, :1] % 3), value=-2.0), [(3, 4)]),
    ("scatter_add", lambda a, s: I.scatter_add(a, 1, fastnn.tensor(IDX), s),
     lambda a, s: a.scatter_add(1, torch.tensor(IDX), s), [(3, 4), (2, 2)]),
    ("scatter_add_dup", lambda a, s: I.scatter_add(a, 0, fastnn.tensor([[0, 0, 1], [0, 2, 1]]), s),
     lambda a, s: a.scatter_add(0, torch.tensor([[0, 0, 1], [0, 2, 1]]), s), [(3, 4), (2, 3)]),
    ("index_add", lambda a, s: I.index_add(a, 0, fastnn.tensor([2, 0, 2]), s),
     lambda a, s: a.index_add(0, torch.tensor([2, 0, 2]), s), [(3, 4), (3, 4)]),
    ("index_add_alpha_dim1", lambda a, s: I.index_add(a, 1, fastnn.tensor([3, 1], dtype=fastnn.int32), s, alpha=2.5),
     lambda a, s: a.index_add(1, torch.tensor([3, 1], dtype=torch.int32), s, alpha=2.5), [(3, 4), (3, 2)]),
])
def test_scatter_family(name, f_fn, t_fn, shapes):
    _check(f_fn, t_fn, *shapes)


@pytest.mark.parametrize("name", ["scatter", "scatter_add"])
def test_scatter_src_larger_than_index(name):
    # torch reads src over index's shape; its backward then fails on the src gradient's shape, so fastnn's
    # (the gathered gradient, zero where src is not read) is checked by hand
    fx, tx = _pair((3, 4), (3, 3))
    f = getattr(I, name)(fx[0], 1, fastnn.tensor(IDX), fx[1])
    t = getattr(torch, name)(tx[0], 1, torch.tensor(IDX), tx[1])
    np.testing.assert_allclose(f.detach().numpy(), t.detach().numpy())
    f.sum().backward()
    want = np.zeros((3, 3))
    want[:2, :2] = 1
    np.testing.assert_array_equal(fx[1].grad.numpy(), want)


@pytest.mark.filterwarnings("ignore:The reduce argument")
@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_reduce_forward(reduce):
    a = np.arange(12.).reshape(3, 4)
    idx = np.array([[0, 0], [1, 3]])
    for src in (2.5, np.full((2, 2), 3.0)):
        f = I.scatter(fastnn.tensor(a), 1, fastnn.tensor(idx),
                      fastnn.tensor(src) if isinstance(src, np.ndarray) else src, reduce=reduce)
        t = torch.tensor(a).scatter(1, torch.tensor(idx), torch.tensor(src) if isinstance(src, np.ndarray) else src,
                                    reduce=reduce)
        np.testing.assert_array_equal(f.numpy(), t.numpy())
    x = fastnn.ones(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match="not implemented"):  # as torch: no derivative for reduce=
        I.scatter(x, 1, fastnn.tensor(idx), 2.0, reduce=reduce).sum().backward()


def test_scatter_inplace():
    a, ta = fastnn.zeros(3, 4), torch.zeros(3, 4)
    src = np.arange(8.).reshape(2, 4).astype(np.float32)
    assert I.scatter_(a, 0, fastnn.tensor([[2, 0, 1, 1]]), fastnn.tensor(src)) is a
    ta.scatter_(0, torch.tensor([[2, 0, 1, 1]]), torch.tensor(src))
    I.scatter_add_(a, 1, fastnn.tensor([[0, 0]]), fastnn.tensor(src))
    ta.scatter_add_(1, torch.tensor([[0, 0]]), torch.tensor(src))
    I.index_add_(a, 0, fastnn.tensor([1]), fastnn.tensor(src[:1]), alpha=-1)
    ta.index_add_(0, torch.tensor([1]), torch.tensor(src[:1]), alpha=-1)
    I.scatter_(a, 1, fastnn.tensor([[3], [3]]), 9.0)
    ta.scatter_(1, torch.tensor([[3], [3]]), 9.0)
    np.testing.assert_array_equal(a.numpy(), ta.numpy())
    # on a non-leaf with a graph: the gradient flows through the in-place op
    fx, tx = _pair((3, 4), (1, 4))
    fy, ty = fx[0] * 2, tx[0] * 2
    I.scatter_(fy, 0, fastnn.tensor([[0, 1, 2, 0]]), fx[1] * 3)
    ty.scatter_(0, torch.tensor([[0, 1, 2, 0]]), tx[1] * 3)
    fy.sum().backward()
    ty.sum().backward()
    for f, t in zip(fx, tx):
        np.testing.assert_allclose(f.grad.numpy(), t.grad.numpy())


def test_scatter_errors():
    a, ta = fastnn.ones(3, 4), torch.ones(3, 4)
    cases = [
        (lambda m, x: x.scatter(1, m.tensor([[0, 1, 2, 3, 0]]), x)),
        (lambda m, x: x.scatter(1, m.tensor([[0, 1]]), m.ones(1, 1))),
        (lambda m, x: x.scatter(1, m.tensor([[0, 5]]), x)),
        (lambda m, x: x.scatter(1, m.tensor([[0, -1]]), x)),
        (lambda m, x: x.scatter(1, m.tensor([0]), 1.0)),
        (lambda m, x: x.scatter(1, m.tensor([[0]], dtype=m.int16), 1.0)),
        (lambda m, x: x.scatter(1, m.tensor([[0, 1]]), m.ones(1, 2, dtype=m.float64))),
        (lambda m, x: x.scatter(1, m.tensor([[0, 1]]), x, reduce="mean")),
        (lambda m, x: x.scatter_add(1, m.tensor([[0, 1]]), m.ones(1, 2, dtype=m.float64))),
        (lambda m, x: x.index_add(0, m.tensor([0]), m.ones(1, 4, dtype=m.float64))),
        (lambda m, x: x.index_add(0, m.tensor([0]), m.ones(1, 3))),
        (lambda m, x: x.index_add(0, m.tensor([5]), m.ones(1, 4))),
        (lambda m, x: x.index_add(0, m.tensor([0, 1]), m.ones(1, 4))),
        (lambda m, x: x.index_add(0, m.tensor([[0]]), m.ones(1, 4))),
        (lambda m, x: x.index_add(0, m.tensor([0], dtype=m.int16), m.ones(1, 4))),
        (lambda m, x: m.ones(3).index_add(0, m.tensor([0]), m.tensor(2.))),
    ]
    for case in cases:
        _same_error(lambda: case(fastnn, a), lambda: case(torch, ta))


@pytest.fixture(autouse=True)
def _bind_methods(monkeypatch):
    """The scatter family as Tensor methods for the tests above, until _tensor_methods binds them."""
    for name in ("scatter", "scatter_add", "index_add"):
        if not hasattr(fastnn.Tensor, name) and hasattr(I, name):
            monkeypatch.setattr(fastnn.Tensor, name, getattr(I, name), raising=False)


# ---- tril, triu, diag, diagonal, roll, argwhere, einsum ----

@pytest.mark.parametrize("k", [0, 1, -1, 5, -5])
def test_tril_triu(k):
    _check(lambda a: S.tril(a, k), lambda a: torch.tril(a, k), (3, 4))
    _check(lambda a: S.triu(a, k), lambda a: torch.triu(a, k), (2, 4, 3))
    _same_error(lambda: S.tril(fastnn.ones(3)), lambda: torch.tril(torch.ones(3)))


@pytest.mark.parametrize("k", [0, 1, -2])
def test_diag(k):
    _check(lambda a: S.diag(a, k), lambda a: torch.diag(a, k), (4,))
    _check(lambda a: S.diag(a, k), lambda a: torch.diag(a, k), (3, 5))
    for shape in ((), (2, 2, 2)):
        _same_error(lambda: S.diag(fastnn.ones(shape)), lambda: torch.diag(torch.ones(shape)))


@pytest.mark.parametrize("args", [(), (1,), (-1, 1, 0), (1, 0, 2), (2, 2, 0), (10,)])
def test_diagonal(args):
    _check(lambda a: S.diagonal(a, *args), lambda a: torch.diagonal(a, *args), (3, 4, 5))


def test_diagonal_is_a_view():
    a, ta = fastnn.zeros(3, 3), torch.zeros(3, 3)
    S.diagonal(a, 1).fill_(2)
    ta.diagonal(1).fill_(2)
    d = S.diagonal(a)
    d[1] = 5
    ta.diagonal()[1] = 5
    np.testing.assert_array_equal(a.numpy(), ta.numpy())
    _same_error(lambda: S.diagonal(fastnn.ones(2, 2), 0, 1, 1), lambda: torch.ones(2, 2).diagonal(0, 1, 1))


@pytest.mark.parametrize("shifts,dims", [(1, None), (-4, None), (1, 1), ((1, -1), (0, 1)), ((1, 1), (0, 0)),
                                         (5, -1)])
def test_roll(shifts, dims):
    _check(lambda a: S.roll(a, shifts, dims), lambda a: torch.roll(a, shifts, dims), (2, 3))


def test_roll_errors():
    for shifts, dims in (((1,), (0, 1)), ((1, 2), None), (1, 2)):
        _same_error(lambda: S.roll(fastnn.ones(2, 3), shifts, dims), lambda: torch.ones(2, 3).roll(shifts, dims))
    _same_error(lambda: S.roll(fastnn.tensor(1.), 1, 0), lambda: torch.tensor(1.).roll(1, 0))
    np.testing.assert_array_equal(S.roll(fastnn.tensor(3.), 1).numpy(), torch.tensor(3.).roll(1).numpy())


@pytest.mark.parametrize("x", [[[0, 1, 0], [2, 0, 3]], [0, 1, 1], 1.0, 0.0, [[True, False]]])
def test_argwhere_nonzero(x):
    for fn in ("argwhere", "nonzero"):
        f, t = getattr(I, fn)(fastnn.tensor(x)), getattr(torch, fn)(torch.tensor(x))
        assert tuple(f.shape) == tuple(t.shape) and f.dtype == fastnn.int64
        np.testing.assert_array_equal(f.numpy(), t.numpy())
    for f, t in zip(I.nonzero(fastnn.tensor(x), as_tuple=True), torch.nonzero(torch.tensor(x), as_tuple=True)):
        np.testing.assert_array_equal(f.numpy(), t.numpy())


@pytest.mark.parametrize("eq,shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ij->", [(3, 2)]),
    ("ij->ji", [(3, 2)]),
    ("ba", [(2, 3)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,j->i", [(3, 4), (4,)]),
    ("ijk,k->ij", [(2, 3, 4), (4,)]),
    ("ij,kj->", [(2, 3), (4, 3)]),
    ("iij,j->i", [(3, 3, 2), (2,)]),
    ("...i,i", [(2, 3), (3,)]),
    ("i...,i->...", [(3, 2, 2), (3,)]),
    ("bi,...i", [(3, 2), (1, 2)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),
    ("ij,ij->ij", [(1, 2), (3, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    (",i->i", [(), (3,)]),
])
def test_einsum(eq, shapes):
    _check(lambda *xs: S.einsum(eq, *xs), lambda *xs: torch.einsum(eq, *xs), *shapes)


def test_einsum_list_and_errors():
    a, b = fastnn.ones(2, 3), fastnn.ones(3, 4)
    np.testing.assert_array_equal(S.einsum("ij,jk->ik", [a, b]).numpy(),
                                  torch.einsum("ij,jk->ik", [torch.ones(2, 3), torch.ones(3, 4)]).numpy())
    _same_error(lambda: S.einsum("ij,jk->ik", a, fastnn.ones(3, 4, dtype=fastnn.float64)),
                lambda: torch.einsum("ij,jk->ik", torch.ones(2, 3), torch.ones(3, 4, dtype=torch.float64)))


# ---- in-place writes to an expanded tensor ----

@pytest.mark.parametrize("op", ["fill_", "zero_"])
def test_fill_expanded_writes_storage(op):
    a, ta = fastnn.full((3,), 2.0), torch.full((3,), 2.0)
    e, te = a.expand(2, 3), ta.expand(2, 3)
    args = (1.0,) if op == "fill_" else ()
    getattr(e, op)(*args)
    getattr(te, op)(*args)
    np.testing.assert_array_equal(a.numpy(), ta.numpy())
    np.testing.assert_array_equal(e.numpy(), te.numpy())
    assert a._version[0] == 1


def test_expanded_writes():
    def run(m, fn):
        a = m.zeros(3)
        fn(a.expand(2, 3))
        return a.numpy()

    ok = [lambda e: e.__setitem__(0, 5.0), lambda e: e.__setitem__((1, 2), 7.0)]
    for fn in ok:
        np.testing.assert_array_equal(run(fastnn, fn), run(torch, fn))
    bad = [lambda e: e.add_(1), lambda e: e.mul_(2), lambda e: e.__iadd__(1), lambda e: e.exp_(),
           lambda e: e.clamp_(1), lambda e: e.__setitem__((slice(None), 1), 5.0),
           lambda e: e.__setitem__(slice(None), 5.0)]
    for fn in bad:
        with pytest.raises(RuntimeError):
            run(torch, fn)
        with pytest.raises(RuntimeError, match="single memory location"):
            run(fastnn, fn)
    for name in ("scatter_", "scatter_add_", "index_add_"):
        with pytest.raises(RuntimeError, match="single memory location"):
            getattr(I, name)(fastnn.zeros(3).expand(2, 3), 1, fastnn.tensor([[0]]) if "scatter" in name
                             else fastnn.tensor([0]), fastnn.ones(2, 1))


# ---- error types ----

def test_setitem_error_types():
    a, ta = fastnn.zeros(3, 3), torch.zeros(3, 3)
    for value in ([1, 2, 3], (1, 2, 3), np.ones(3), None, "x"):
        def t_set():
            ta[0] = value
        def f_set():
            a[0] = value
        _same_error(f_set, t_set)
    for key, shape in ((0, (4,)), (0, (2, 3)), (fastnn.tensor([0, 1]), (3, 3)), (a >= 0, (3,))):
        tkey = torch.tensor(key.numpy()) if isinstance(key, fastnn.Tensor) else key

        def t_set():
            ta[tkey] = torch.ones(shape)

        def f_set():
            a[key] = fastnn.ones(shape)
        _same_error(f_set, t_set)
    a[0] = fastnn.ones(1, 1, 3)
    a[1] = np.int64(2)
    ta[0] = torch.ones(1, 1, 3)
    ta[1] = np.int64(2)
    np.testing.assert_array_equal(a.numpy(), ta.numpy())


def test_cat_split_error_types():
    for args in ([fastnn.tensor(1.), fastnn.tensor(2.)], [fastnn.ones(2), fastnn.tensor(2.)],
                 [fastnn.zeros(0), fastnn.tensor(1.)], [], ()):
        targs = type(args)(torch.tensor(t.numpy()) for t in args)
        _same_error(lambda: fastnn.cat(args), lambda: torch.cat(targs))
    for arg in (0, -1, [-1, 7]):
        _same_error(lambda: fastnn.arange(6).split(arg), lambda: torch.arange(6).split(arg))
    _same_error(lambda: fastnn.arange(6).chunk(0), lambda: torch.arange(6).chunk(0))
    assert len(fastnn.arange(0).split(0)) == len(torch.arange(0).split(0)) == 1
