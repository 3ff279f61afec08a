"""`a @ b`, matmul, mm and t (functions and methods) take a C fast path (csrc/cpu/bind_tensor.cpp) for float32
matrices when autograd records nothing, and the Python functions of fastnn.ops otherwise. Both ways must give the
same tensors: the same values bit for bit, the same autograd fields, views that share storage, version counter and
base, and torch's errors."""
import numpy as np
import pytest
import torch

import fastnn
from fastnn import nn, ops

RNG = np.random.default_rng(7)


def _array(rows, cols, layout):
    """A float32 [rows, cols] array: C-contiguous, a transposed view, a column slice of a wider array, or a
    transposed view of a row slice (what the GEMM reads without a copy)."""
    if layout == "contiguous":
        return RNG.standard_normal((rows, cols)).astype(np.float32)
    if layout == "transposed":
        return RNG.standard_normal((cols, rows)).astype(np.float32).T
    if layout == "column slice":
        return RNG.standard_normal((rows, cols + 5)).astype(np.float32)[:, 2:2 + cols]
    return RNG.standard_normal((cols + 3, rows)).astype(np.float32)[1:1 + cols].T


LAYOUTS = ["contiguous", "transposed", "column slice", "transposed row slice"]
PRODUCTS = {"@": lambda a, b: a @ b, "fastnn.matmul": fastnn.matmul, "fastnn.mm": fastnn.mm,
            "Tensor.matmul": lambda a, b: a.matmul(b), "Tensor.mm": lambda a, b: a.mm(b)}
SHAPES = [(64, 10, 64), (10, 64, 64), (64, 64, 10), (64, 128, 64), (1, 1, 1), (1, 7, 3), (7, 1, 3), (5, 3, 1),
          (0, 4, 3), (4, 0, 3), (4, 3, 0), (17, 33, 65)]


@pytest.mark.parametrize("M,N,K", SHAPES)
@pytest.mark.parametrize("la", LAYOUTS)
@pytest.mark.parametrize("lb", LAYOUTS)
@pytest.mark.parametrize("product", PRODUCTS)
def test_products_equal_the_python_path(M, N, K, la, lb, product):
    a, b = _array(M, K, la), _array(K, N, lb)
    A, B = fastnn.from_numpy(a), fastnn.from_numpy(b)
    got = PRODUCTS[product](A, B)
    want = ops.matmul(A, B)  # the Python implementation the operator falls back to
    assert got.dtype == fastnn.float32 and tuple(got.shape) == (M, N)
    assert np.array_equal(got.numpy(), want.numpy())
    exact = a.astype(np.float64) @ b.astype(np.float64)
    bound = 4 * K * np.finfo(np.float32).eps * (np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64))
    assert np.all(np.abs(got.numpy() - exact) <= bound + 1e-30)
    # A fresh leaf of its own storage, as the Python path makes.
    assert got.requires_grad is False and got.grad_fn is None and got.is_leaf and got._base is None
    assert got.numpy().flags.c_contiguous and got.numpy().flags.writeable
    assert not np.shares_memory(got.numpy(), a) and not np.shares_memory(got.numpy(), b)


def test_matmul_operator_on_transposed_tensor_views():
    """The MLP's products as users write them: x @ W.t(), dY.t() @ h, dY @ W; against torch."""
    x, w, dy = (RNG.standard_normal(s).astype(np.float32) for s in ((64, 64), (10, 64), (64, 10)))
    X, W, DY = (fastnn.from_numpy(v) for v in (x, w, dy))
    tX, tW, tDY = (torch.from_numpy(v) for v in (x, w, dy))
    for got, want in ((X @ W.t(), tX @ tW.t()), (DY.t() @ X, tDY.t() @ tX), (DY @ W, tDY @ tW)):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-5)


def test_matmul_operator_records_the_graph_when_an_operand_requires_grad():
    a = RNG.standard_normal((5, 4)).astype(np.float32)
    b = RNG.standard_normal((3, 4)).astype(np.float32)
    grads = []
    for T in (fastnn, torch):
        A, B = T.tensor(a, requires_grad=True), T.tensor(b, requires_grad=True)
        Bt = B.t()
        assert Bt.requires_grad and Bt.grad_fn is not None and Bt.grad_fn.name() == "TBackward0"
        y = A @ Bt
        assert y.requires_grad and y.grad_fn.name() == "MmBackward0"
        (y * y).sum().backward()
        grads.append((A.grad.numpy(), B.grad.numpy()))
    for g, w in zip(*grads):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def test_no_grad_products_and_views_of_tensors_that_require_grad():
    A = fastnn.randn(5, 4, requires_grad=True)
    B = nn.Parameter(fastnn.randn(3, 4))  # a Tensor subclass: the Python path
    with fastnn.no_grad():
        Bt, At = B.t(), A.t()
        y, z = A @ Bt, At.t() @ Bt
    for r in (Bt, At, y, z):
        assert r.requires_grad is False and r.grad_fn is None
    assert At._base is A and Bt._base is B
    np.testing.assert_array_equal(y.numpy(), A.detach().numpy() @ B.detach().numpy().T)
    np.testing.assert_array_equal(z.numpy(), y.numpy())


@pytest.mark.parametrize("grad_mode", [True, False])
@pytest.mark.parametrize("transpose", [fastnn.Tensor.t, fastnn.t])
def test_t_is_a_view_sharing_storage_version_and_base(grad_mode, transpose):
    with fastnn.set_grad_enabled(grad_mode):
        x = fastnn.from_numpy(RNG.standard_normal((3, 5)).astype(np.float32))
        v = transpose(x)
        vv = transpose(v)
    assert tuple(v.shape) == (5, 3) and v.stride() == (1, 5) and not v.is_contiguous()
    np.testing.assert_array_equal(v.numpy(), x.numpy().T)
    assert v._base is x and vv._base is x  # a view of a view has the first one's base, as in torch
    assert v.requires_grad is False and v.grad_fn is None
    v[1, 2] = 42.0
    assert x[2, 1].item() == 42.0
    before = x._version
    x.add_(1.0)  # the version counter is shared: the view sees the in-place change
    assert v._version is before and vv._version is before
    np.testing.assert_array_equal(vv.numpy(), x.numpy())


def test_t_of_other_dtypes_and_ranks_matches_torch():
    for data in ([[1, 2, 3], [4, 5, 6]], [[True, False]], [1.5, 2.5], 3.0):
        got, want = fastnn.tensor(data).t(), torch.tensor(data).t()
        assert tuple(got.shape) == tuple(want.shape) and str(got.dtype) == str(want.dtype).replace("torch", "fastnn")
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    with pytest.raises(RuntimeError, match="t\\(\\) expects a tensor with <= 2 dimensions, but self is 3D"):
        fastnn.zeros(2, 3, 4).t()
    x = fastnn.zeros(2, 3)
    assert fastnn.Tensor.t(x).shape == (3, 2) and fastnn.t(x).shape == (3, 2)
    assert fastnn.Tensor.__matmul__(x, x.t()).shape == (2, 2)


def test_a_stale_view_takes_its_base_history_before_the_product():
    """A grad-mode view of a base later changed in place by a tensor that requires grad: the product must see the
    view's synced autograd fields (as torch regenerates a view's grad_fn), not the stale ones."""
    results = []
    for T in (fastnn, torch):
        base = T.zeros(3, 4)
        v = base.t()
        w = T.ones(3, 4, requires_grad=True)
        base.add_(w)
        y = v @ T.ones(3, 2)
        assert v.requires_grad and y.requires_grad and y.grad_fn is not None
        y.sum().backward()
        results.append(w.grad.numpy())
    np.testing.assert_array_equal(*results)


def test_products_the_fast_path_refuses_behave_as_torch():
    f32, f64 = np.ones((2, 3), np.float32), np.ones((3, 2), np.float64)
    for T in (fastnn, torch):
        with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype"):
            T.from_numpy(f32) @ T.from_numpy(f64)
        with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)"):
            T.ones(2, 3) @ T.ones(2, 3)
        with pytest.raises(TypeError):
            T.ones(2, 3) @ 3
    for a, b in (((4,), (4,)), ((2, 3), (3,)), ((3,), (3, 2)), ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4))):
        x, y = RNG.standard_normal(a), RNG.standard_normal(b)
        got = fastnn.from_numpy(x.astype(np.float32)) @ fastnn.from_numpy(y.astype(np.float32))
        want = torch.from_numpy(x.astype(np.float32)) @ torch.from_numpy(y.astype(np.float32))
        assert tuple(got.shape) == tuple(want.shape)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
    for T in (fastnn, torch):
        with pytest.raises(RuntimeError, match="self must be a matrix"):
            T.mm(T.ones(3), T.ones(3, 2))
        with pytest.raises(RuntimeError, match="mat2 must be a matrix"):
            T.ones(2, 3).mm(T.ones(3))
    ints = fastnn.tensor([[1, 2], [3, 4]]) @ fastnn.tensor([[5], [6]])
    assert ints.dtype == fastnn.int64 and ints.tolist() == [[17], [39]]
    strided = fastnn.from_numpy(RNG.standard_normal((6, 8)).astype(np.float32))[::2, ::2]  # copied for the GEMM
    np.testing.assert_allclose((strided @ strided.t()).numpy(), strided.numpy() @ strided.numpy().T, rtol=1e-5)


def test_products_above_the_pool_floor_take_the_pooled_path():
    from fastnn.backend.cpu import buffers
    a = RNG.standard_normal((1024, 8)).astype(np.float32)
    A = fastnn.from_numpy(a)
    y = A @ A.t()  # 4 MB: at the buffer pool's floor
    assert y.numpy().nbytes >= buffers.MIN_BYTES
    np.testing.assert_array_equal(y.numpy(), ops.matmul(A, A.t()).numpy())
    np.testing.assert_allclose(y.numpy(), a @ a.T, rtol=1e-5, atol=1e-5)


def test_keyword_arguments_and_out_take_the_python_path():
    a = RNG.standard_normal((4, 3)).astype(np.float32)
    b = RNG.standard_normal((3, 2)).astype(np.float32)
    A, B = fastnn.from_numpy(a), fastnn.from_numpy(b)
    want = ops.matmul(A, B).numpy()
    for got in (fastnn.mm(input=A, mat2=B), fastnn.matmul(A, other=B), A.matmul(other=B), A.mm(mat2=B),
                fastnn.t(input=A).t()):
        np.testing.assert_array_equal(got.numpy(), want if got.shape == (4, 2) else a)
    for f in (fastnn.matmul, fastnn.mm):
        out = fastnn.full((4, 2), float("nan"))
        assert f(A, B, out=out) is out
        np.testing.assert_array_equal(out.numpy(), want)
    with pytest.raises(TypeError):
        fastnn.mm(A)
    with pytest.raises(TypeError):
        A.t(A)


@pytest.mark.parametrize("grad_mode", [True, False])
def test_T_and_mT_of_a_matrix_are_t_views_and_keep_torch_node_names(grad_mode):
    with fastnn.set_grad_enabled(grad_mode):
        x = fastnn.from_numpy(RNG.standard_normal((3, 5)).astype(np.float32))
        for v in (x.T, x.mT):
            assert type(v) is type(x.t()) and v._base is x and v._version is x._version
            np.testing.assert_array_equal(v.numpy(), x.numpy().T)
            assert v.requires_grad is False and v.grad_fn is None
    names = []
    for T in (fastnn, torch):
        w = T.ones(2, 3, requires_grad=True)
        names.append((w.T.grad_fn.name(), w.mT.grad_fn.name(), tuple(T.ones(2, 3, 4).mT.shape)))
    assert names[0] == names[1]


def test_fast_paths_leave_no_references_behind():
    """The C functions own the references they take: after many calls (fast and fallback paths, errors included)
    the operands, their arrays and version counters are referenced as before."""
    import sys
    A, B, W = fastnn.randn(64, 64), fastnn.randn(10, 64), fastnn.randn(10, 64, requires_grad=True)
    out = fastnn.empty(64, 10)
    held = [A, B, W, A._data, B._data, W._data, A._version, B._version]

    def calls():
        for _ in range(200):
            A @ B.t(), fastnn.mm(A, B.t()), A.mm(B.t()), A.matmul(B.t()), fastnn.t(A), B.T, A @ W.t()
            fastnn.matmul(A, B.t(), out=out), A.matmul(other=B.t()), fastnn.t(input=A)
            with fastnn.no_grad():
                A @ W.t(), W.t()
            with pytest.raises(RuntimeError):
                A @ B

    calls()
    before = [sys.getrefcount(x) for x in held]
    calls()
    assert [sys.getrefcount(x) for x in held] == before
