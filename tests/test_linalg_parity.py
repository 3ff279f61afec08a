"""fastnn.linalg against torch.linalg: vector_norm, matrix_norm, norm, det, slogdet, inv, solve, matrix_power,
multi_dot and vecdot on random well-conditioned float32 / float64 inputs, batched too: values, dtypes, shapes,
the gradients of (out * w).sum() for a random w, and torch's exception types for bad input."""
import math

import numpy as np
import pytest
import torch

import fastnn

inf = math.inf
TOL = {"float32": 1e-4, "float64": 1e-10}


def _mat(shape, rng):
    """A random batch of well-conditioned square matrices (the diagonal dominates)."""
    n = shape[-1]
    return rng.standard_normal(shape) + n * np.eye(n)


def _run(m, arrays, fn, dtype):
    xs = [m.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    return xs, fn(m, *xs)


def _check(fn, arrays, dtype, grad=True, index=None):
    """fn(module, *tensors) gives the same value, dtype, shape and input gradients in fastnn and torch."""
    rtol = TOL[dtype]
    (fx, fy), (tx, ty) = _run(fastnn, arrays, fn, dtype), _run(torch, arrays, fn, dtype)
    if index is not None:
        fy, ty = fy[index], ty[index]
    assert str(fy.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1]
    assert tuple(fy.shape) == tuple(ty.shape)
    np.testing.assert_allclose(fy.detach().numpy(), ty.detach().numpy(), rtol=rtol, atol=rtol / 10)
    if not grad:
        return
    w = np.random.default_rng(1).standard_normal(tuple(ty.shape)).astype(dtype)
    (fy * fastnn.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    for a, b in zip(fx, tx):
        if b.grad is None:
            assert a.grad is None or not np.any(a.grad.numpy())
            continue
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=rtol / 10)


def _L(m):
    return m.linalg


DTYPES = ["float32", "float64"]
rng = np.random.default_rng(0)


# ------------------------------------------------------------------ vector_norm
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ord", [2, 1, inf, -inf, 0, 3, 1.5, 0.5, -1])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (-1, False), ((0, 2), True), (1, True)])
def test_vector_norm(dtype, ord, dim, keepdim):
    x = rng.standard_normal((3, 4, 5))
    _check(lambda m, t: _L(m).vector_norm(t, ord, dim, keepdim), [x], dtype)


@pytest.mark.parametrize("ord", [2, 1, inf, 3, 0.5])
def test_vector_norm_grad_at_zero(ord):
    x = np.zeros((2, 3))
    x[1] = [1.0, -2.0, 0.0]
    _check(lambda m, t: _L(m).vector_norm(t, ord, dim=1), [x], "float64")


def test_vector_norm_dtype_argument():
    x = rng.standard_normal((3, 4))
    _check(lambda m, t: _L(m).vector_norm(t, dtype=m.float64), [x], "float32")


# ------------------------------------------------------------------ matrix_norm / norm
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, inf, -inf, 2, -2])
@pytest.mark.parametrize("dim,keepdim", [((-2, -1), False), ((0, 2), True), ((2, 0), False)])
def test_matrix_norm(dtype, ord, dim, keepdim):
    x = rng.standard_normal((3, 4, 5))
    _check(lambda m, t: _L(m).matrix_norm(t, ord, dim, keepdim), [x], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,ord,dim", [
    ((3, 4), None, None), ((2, 3, 4), None, None), ((2, 3, 4), None, (1, 2)), ((5,), 3, None),
    ((3, 4), "fro", None), ((3, 4), inf, None), ((3, 4), 1, None), ((2, 3, 4), 1, 1), ((2, 3, 4), -inf, (0, 2)),
    ((2, 3, 4), 0.5, -1), ((3, 4), "nuc", None)])
def test_norm(dtype, shape, ord, dim):
    x = rng.standard_normal(shape)
    _check(lambda m, t: _L(m).norm(t, ord, dim), [x], dtype)


# ------------------------------------------------------------------ det / slogdet / inv / solve
SQUARE = [(4, 4), (3, 3, 3), (2, 1, 2, 2), (1, 1)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SQUARE)
@pytest.mark.parametrize("fn", ["det", "inv"])
def test_det_inv(dtype, shape, fn):
    _check(lambda m, t: getattr(_L(m), fn)(t), [_mat(shape, rng)], dtype)


def test_det_of_a_singular_matrix_and_its_gradient():
    a = np.array([[[1.0, 2, 3], [2, 4, 6], [1, 0, 1]], [[2.0, 1, 0], [1, 3, 1], [0, 1, 4]]])
    _check(lambda m, t: _L(m).det(t), [a], "float64")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SQUARE)
def test_slogdet(dtype, shape):
    a = _mat(shape, rng)
    a[..., 0, :] *= -1  # negative determinants too
    _check(lambda m, t: _L(m).slogdet(t).logabsdet, [a], dtype)
    _check(lambda m, t: _L(m).slogdet(t).sign, [a], dtype, grad=False)
    f, t = fastnn.linalg.slogdet(fastnn.tensor(a)), torch.linalg.slogdet(torch.tensor(a))
    assert type(f).__name__ == type(t).__name__ == "linalg_slogdet" and len(f) == len(t) == 2
    assert f.sign is f[0] and f.logabsdet is f[1]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ashape,bshape,left", [
    ((4, 4), (4, 2), True), ((4, 4), (4,), True), ((3, 4, 4), (4,), True), ((3, 4, 4), (3, 4), True),
    ((2, 1, 3, 3), (4, 3, 2), True), ((3, 3), (5, 3), False), ((2, 3, 3), (4, 3), False), ((3, 3), (2, 1, 3), False)])
def test_solve(dtype, ashape, bshape, left):
    a, b = _mat(ashape, rng), rng.standard_normal(bshape)
    _check(lambda m, x, y: _L(m).solve(x, y, left=left), [a, b], dtype)


# ------------------------------------------------------------------ matrix_power / multi_dot / vecdot
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, -1, -2])
@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
def test_matrix_power(dtype, n, shape):
    a = _mat(shape, rng) / shape[-1]
    _check(lambda m, t: _L(m).matrix_power(t, n), [a], dtype, grad=n != 0)


def test_matrix_power_integer():
    a = np.arange(9).reshape(3, 3)
    f, t = fastnn.linalg.matrix_power(fastnn.tensor(a), 3), torch.linalg.matrix_power(torch.tensor(a), 3)
    assert str(f.dtype) == "fastnn.int64" and np.array_equal(f.numpy(), t.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", [[(3, 4), (4, 5)], [(4,), (4, 5), (5, 2), (2,)], [(3, 4), (4, 2), (2,)],
                                    [(4,), (4,)], [(2, 3), (3, 4), (4, 5), (5, 1)]])
def test_multi_dot(dtype, shapes):
    arrays = [rng.standard_normal(s) for s in shapes]
    _check(lambda m, *ts: _L(m).multi_dot(list(ts)), arrays, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("xs,ys,dim", [((5,), (5,), -1), ((3, 5), (5,), -1), ((2, 3, 4), (1, 3, 4), 1),
                                       ((4, 1), (1, 3), 0)])
def test_vecdot(dtype, xs, ys, dim):
    x, y = rng.standard_normal(xs), rng.standard_normal(ys)
    _check(lambda m, a, b: _L(m).vecdot(a, b, dim=dim), [x, y], dtype)


# ------------------------------------------------------------------ bad input
def _ints(m, *shape):
    return m.ones(*shape, dtype=m.int64)


BAD = {
    "vector_norm_int": lambda m: _L(m).vector_norm(_ints(m, 3)),
    "vector_norm_int_dtype": lambda m: _L(m).vector_norm(_ints(m, 3), dtype=m.float64),
    "vector_norm_int_out_dtype": lambda m: _L(m).vector_norm(m.ones(3), dtype=m.int64),
    "vector_norm_narrowing": lambda m: _L(m).vector_norm(m.ones(3, dtype=m.float64), dtype=m.float32),
    "vector_norm_inf_empty": lambda m: _L(m).vector_norm(m.ones(0, 3), inf),
    "matrix_norm_1d": lambda m: _L(m).matrix_norm(m.ones(3)),
    "matrix_norm_int": lambda m: _L(m).matrix_norm(_ints(m, 3, 3)),
    "matrix_norm_bad_ord": lambda m: _L(m).matrix_norm(m.ones(3, 3), 3),
    "norm_3d_with_ord": lambda m: _L(m).norm(m.ones(2, 3, 3), 1),
    "norm_fro_1d": lambda m: _L(m).norm(m.ones(3), "fro"),
    "det_nonsquare": lambda m: _L(m).det(m.ones(2, 3)),
    "det_int": lambda m: _L(m).det(_ints(m, 3, 3)),
    "det_1d": lambda m: _L(m).det(m.ones(3)),
    "slogdet_int": lambda m: _L(m).slogdet(_ints(m, 3, 3)),
    "slogdet_nonsquare": lambda m: _L(m).slogdet(m.ones(2, 3, 4)),
    "inv_singular": lambda m: _L(m).inv(m.zeros(3, 3)),
    "inv_singular_batch": lambda m: _L(m).inv(m.stack([m.eye(3), m.tensor([[1., 2, 3], [2, 4, 6], [0, 0, 1]])])),
    "inv_int": lambda m: _L(m).inv(_ints(m, 3, 3)),
    "inv_nonsquare": lambda m: _L(m).inv(m.ones(3, 2)),
    "solve_singular": lambda m: _L(m).solve(m.zeros(3, 3), m.ones(3)),
    "solve_shapes": lambda m: _L(m).solve(m.eye(3), m.ones(4)),
    "solve_dtypes": lambda m: _L(m).solve(m.eye(3), m.ones(3, dtype=m.float64)),
    "solve_vector_right": lambda m: _L(m).solve(m.eye(3), m.ones(3), left=False),
    "solve_shapes_right": lambda m: _L(m).solve(m.eye(3), m.ones(3, 2), left=False),
    "solve_int": lambda m: _L(m).solve(_ints(m, 3, 3), _ints(m, 3)),
    "solve_nonsquare": lambda m: _L(m).solve(m.ones(3, 2), m.ones(3)),
    "matrix_power_nonsquare": lambda m: _L(m).matrix_power(m.ones(2, 3), 2),
    "matrix_power_int_inverse": lambda m: _L(m).matrix_power(_ints(m, 3, 3), -1),
    "multi_dot_one": lambda m: _L(m).multi_dot([m.ones(3, 3)]),
    "multi_dot_3d": lambda m: _L(m).multi_dot([m.ones(3, 3, 3), m.ones(3, 3)]),
    "multi_dot_shapes": lambda m: _L(m).multi_dot([m.ones(3, 4), m.ones(3, 3)]),
    "vecdot_dtypes": lambda m: _L(m).vecdot(m.ones(3), m.ones(3, dtype=m.float64)),
    "vecdot_int": lambda m: _L(m).vecdot(_ints(m, 3), _ints(m, 3)),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_raises_as_torch(case):
    with pytest.raises(Exception) as te:
        BAD[case](torch)
    with pytest.raises(Exception) as fe:
        BAD[case](fastnn)
    tname = type(te.value).__name__.lstrip("_")
    assert type(fe.value).__name__ == tname
    assert isinstance(fe.value, RuntimeError) == isinstance(te.value, RuntimeError)
    assert str(fe.value) == str(te.value)


def test_linalg_error_is_a_runtime_error():
    assert issubclass(fastnn.linalg.LinAlgError, RuntimeError)
