"""Ops added to match torch 2.13: meshgrid, isin, kthvalue, cummax/cummin, take, take_along_dim, rot90,
atleast_1d/2d/3d, signbit, sgn, relu_, promote_types, result_type, addcmul/addcdiv, index_fill, and the
nbytes/itemsize properties. Each is compared with torch on random data: values, dtypes, shapes, gradients (for a
random upstream gradient), edge cases (0-d, empty, negative dims, keepdim) and the exception type of bad calls.
Where torch does not document which index it picks among equal values (kthvalue, cummax/cummin), the data has no
ties."""
import warnings

import numpy as np
import pytest
import torch

import fastnn
from nn_torch_util import outcome, same_as_torch, same_result

MODULES = (fastnn, torch)


def _rand(seed, *shape, dtype="float32"):
    """Distinct random values (normal; integers drawn without repeats), never all zero."""
    r = np.random.default_rng(seed)
    if dtype.startswith("int") or dtype.startswith("uint"):
        n = int(np.prod(shape))
        return (r.permutation(max(n, 1) * 3)[:n] - (0 if dtype.startswith("uint") else n)).reshape(shape).astype(dtype)
    return np.asarray(r.standard_normal(shape)).astype(dtype)


def _check(fn, *arrays, grad=True, rtol=1e-5, atol=1e-6):
    """fn(module, *tensors) in fastnn and torch give the same results, and (grad) the same input gradients of
    sum(out * w) for random w."""
    same_as_torch(fn, arrays, grad, rtol, atol, weight_seed=50)


def _same_error(fn):
    """fn(fastnn) and fn(torch) raise the same exception type."""
    outcome = []
    for m in MODULES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fn(m)
            except Exception as e:  # noqa: BLE001
                outcome.append(type(e).__name__)
            else:
                outcome.append("ok")
    assert outcome[1] != "ok", "torch did not raise"
    assert outcome[0] == outcome[1], f"fastnn {outcome[0]} vs torch {outcome[1]}"


def T(m, *shape, dtype="float32", seed=0):
    return m.tensor(_rand(seed, *shape, dtype=dtype))


def L(m, values, dtype="int64"):
    """A tensor of the given values and dtype name in module m."""
    return m.tensor(values, dtype=getattr(m, dtype))


# ------------------------------------------------------------------ meshgrid
@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("shapes", [[(3,)], [(3,), (4,)], [(3,), (), (2,)], [(2,), (0,), (3,)], [()]])
def test_meshgrid_matches_torch(indexing, shapes):
    arrays = [_rand(i, *s) for i, s in enumerate(shapes)]
    _check(lambda m, *ts: m.meshgrid(*ts, indexing=indexing), *arrays, grad=0 not in sum(shapes, ()))
    _check(lambda m, *ts: m.meshgrid(list(ts), indexing=indexing), *arrays, grad=False)
    _check(lambda m, *ts: m.meshgrid(*ts, indexing=indexing), *[a.astype("int64") for a in arrays], grad=False)


def test_meshgrid_without_indexing_warns_and_is_ij():
    with pytest.warns(UserWarning, match="indexing argument"):
        f = fastnn.meshgrid(T(fastnn, 3), T(fastnn, 2, seed=1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns once per process
        t = torch.meshgrid(T(torch, 3), T(torch, 2, seed=1))
    same_result(f, t, 0, 0)
    assert tuple(f[0].shape) == (3, 2)


@pytest.mark.parametrize("call", [
    lambda m: m.meshgrid(T(m, 3), T(m, 2, dtype="float64"), indexing="ij"),
    lambda m: m.meshgrid(T(m, 3, 2), T(m, 2), indexing="ij"),
    lambda m: m.meshgrid(T(m, 3), T(m, 2), indexing="yx"),
    lambda m: m.meshgrid([], indexing="ij"),
    lambda m: m.meshgrid(T(m, 3), [1, 2], indexing="ij"),
])
def test_meshgrid_errors_match_torch(call):
    _same_error(call)


# ------------------------------------------------------------------ isin
@pytest.mark.parametrize("invert", [False, True])
@pytest.mark.parametrize("make", [
    lambda m: (L(m, [[1, 2, 3], [4, 5, 6]]), L(m, [2, 6, 9])),
    lambda m: (L(m, [1, 2, 3, 4]), L(m, [2.0, 4.5], "float32")),
    lambda m: (L(m, [1.5, 2.0, -3.0], "float32"), 2),
    lambda m: (3, L(m, [1, 3])),
    lambda m: (3.0, L(m, [1, 3])),
    lambda m: (L(m, 2), L(m, [2, 4])),
    lambda m: (L(m, [], "float32"), L(m, [2, 4])),
    lambda m: (L(m, [1, 2]), L(m, [])),
    lambda m: (L(m, [255, 1], "uint8"), -1),  # a number wraps into uint8: 255
    lambda m: (L(m, [255, 1], "uint8"), L(m, [-1])),  # a 1-D tensor promotes to int64
    lambda m: (L(m, [255, 1], "uint8"), L(m, -1)),  # a 0-d one does not
    lambda m: (L(m, [0.1, 0.2], "float32"), L(m, [0.1], "float64")),
    lambda m: (L(m, [0.1, 0.2], "float32"), L(m, 0.1, "float64")),
    lambda m: (L(m, [1.0, float("nan")], "float32"), L(m, [float("nan"), 1.0], "float32")),
])
def test_isin_matches_torch(make, invert):
    f, t = (m.isin(*make(m), invert=invert) for m in MODULES)
    same_result(f, t, 0, 0)
    f, t = (m.isin(*make(m), assume_unique=True) for m in MODULES)
    same_result(f, t, 0, 0)


def test_isin_on_random_data():
    e, s = _rand(1, 5, 7, dtype="int64") % 10, _rand(2, 6, dtype="int64") % 10
    _check(lambda m, e, s: m.isin(e, s), e, s, grad=False)
    x = _rand(3, 4, 5)
    _check(lambda m, x, s: m.isin(x, s), x, x[1:3, ::2].copy(), grad=False)


@pytest.mark.parametrize("call", [
    lambda m: m.isin(L(m, [True, False], "bool"), L(m, [1])),
    lambda m: m.isin(L(m, [1, 0]), L(m, [True], "bool")),
    lambda m: m.isin(L(m, [1, 0]), True),
    lambda m: m.isin(3, 3),
    lambda m: m.isin(L(m, [1, 0]), [1]),
])
def test_isin_errors_match_torch(call):
    _same_error(call)


def test_isin_is_a_function_not_a_tensor_method():
    assert callable(fastnn.isin)
    assert not hasattr(torch.Tensor, "isin") and not hasattr(fastnn.Tensor, "isin")


# ------------------------------------------------------------------ kthvalue
@pytest.mark.parametrize("dim", [0, 1, -1, -3])
@pytest.mark.parametrize("keepdim", [False, True])
def test_kthvalue_matches_torch(dim, keepdim):
    x = _rand(1, 4, 5, 6)
    for k in (1, 3, x.shape[dim]):
        _check(lambda m, x: m.kthvalue(x, k, dim, keepdim), x)
        _check(lambda m, x: x.kthvalue(k, dim=dim, keepdim=keepdim), x)
    _check(lambda m, x: m.kthvalue(x, 2, dim, keepdim), _rand(2, 4, 5, 6, dtype="int64"), grad=False)


def test_kthvalue_defaults_edges_and_nan():
    _check(lambda m, x: m.kthvalue(x, 2), _rand(1, 3, 5))  # dim=-1
    _check(lambda m, x: m.kthvalue(x, 1), np.asarray(1.5, np.float32))  # 0-d
    _check(lambda m, x: m.kthvalue(x, 1, 0, True), np.asarray(1.5, np.float32))
    _check(lambda m, x: m.kthvalue(x, 2, 1), np.zeros((0, 3), np.float32), grad=False)  # empty, non-empty dim
    _check(lambda m, x: m.kthvalue(x, 3), np.array([1.0, np.nan, 0.0], np.float32), grad=False)  # NaN largest
    _check(lambda m, x: m.kthvalue(x, 2), np.array([1.0, np.nan, 0.0], np.float32))


@pytest.mark.parametrize("call", [
    lambda m: m.kthvalue(T(m, 2, 4), 5),
    lambda m: m.kthvalue(T(m, 2, 4), 0),
    lambda m: m.kthvalue(T(m, 2, 4), -1),
    lambda m: m.kthvalue(T(m), 2),
    lambda m: m.kthvalue(m.zeros(3, 0), 1),
    lambda m: m.kthvalue(T(m, 2, 4), 1, 2),
    lambda m: m.kthvalue(T(m, 2, 4), 1.0),
    lambda m: m.kthvalue(L(m, [True, False], "bool"), 1),
])
def test_kthvalue_errors_match_torch(call):
    _same_error(call)


# ------------------------------------------------------------------ cummax / cummin
@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2])
def test_cummax_cummin_match_torch(name, dim):
    x = _rand(1, 4, 5, 6)
    _check(lambda m, x: getattr(m, name)(x, dim), x)
    _check(lambda m, x: getattr(x, name)(dim=dim), x)
    _check(lambda m, x: getattr(m, name)(x, dim), x.astype("float64"))
    _check(lambda m, x: getattr(m, name)(x, dim), _rand(2, 4, 5, 6, dtype="int64"), grad=False)


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cummax_cummin_edges(name):
    _check(lambda m, x: getattr(m, name)(x, 0), np.asarray(-0.7, np.float32))
    _check(lambda m, x: getattr(m, name)(x, -1), np.asarray(-0.7, np.float32))
    _check(lambda m, x: getattr(m, name)(x, 1), np.zeros((2, 0), np.float32), grad=False)
    _check(lambda m, x: getattr(m, name)(x, 1), np.zeros((0, 3), np.float32), grad=False)
    _check(lambda m, x: getattr(m, name)(x, 0), np.array([0.5, -1.0, np.nan, 2.0, -3.0], np.float32))  # NaN sticks


@pytest.mark.parametrize("call", [
    lambda m: m.cummax(T(m, 3)),
    lambda m: m.cummin(T(m, 3, 4), 2),
    lambda m: m.cummax(T(m), 1),
    lambda m: m.cummin(T(m), -2),
])
def test_cummax_cummin_errors_match_torch(call):
    _same_error(call)


# ------------------------------------------------------------------ take / take_along_dim
@pytest.mark.parametrize("index", [[[0, 5], [-1, 11]], [3, 3, 7, -12], 4, []])
def test_take_matches_torch(index):
    ix = np.array(index, dtype=np.int64)
    _check(lambda m, x, i: m.take(x, i), _rand(1, 3, 4), ix, grad=ix.size > 0)
    _check(lambda m, x, i: x.take(i), _rand(1, 3, 4), ix, grad=ix.size > 0)
    _check(lambda m, x, i: m.take(x.t(), i), _rand(2, 4, 3), ix, grad=ix.size > 0)  # logical (row-major) order
    _check(lambda m, x, i: m.take(x, i), _rand(3, 3, 4, dtype="int64"), ix, grad=False)


def test_take_edges():
    _check(lambda m, x, i: m.take(x, i), np.asarray(2.5, np.float32), np.array([0, -1, 0]))
    _check(lambda m, x, i: m.take(x, i), np.zeros(0, np.float32), np.zeros((0, 2), np.int64), grad=False)


@pytest.mark.parametrize("call", [
    lambda m: m.take(T(m, 3, 4), L(m, [12])),
    lambda m: m.take(T(m, 3, 4), L(m, [-13])),
    lambda m: m.take(T(m, 3, 4), L(m, [1], "int32")),
    lambda m: m.take(T(m, 3, 4), L(m, [1.0], "float32")),
    lambda m: m.take(T(m, 3, 4), [1]),
    lambda m: m.take(m.zeros(0), L(m, [0])),
])
def test_take_errors_match_torch(call):
    _same_error(call)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_take_along_dim_matches_torch(dim):
    x = _rand(1, 3, 4)
    order = np.argsort(x, axis=dim)
    _check(lambda m, x, i: m.take_along_dim(x, i, dim), x, order)
    _check(lambda m, x, i: x.take_along_dim(i, dim=dim), x, order)
    r = np.random.default_rng(2)
    idx = r.integers(-x.shape[dim], x.shape[dim], (3, 4)).astype(np.int64)  # negative indices count from the end
    _check(lambda m, x, i: m.take_along_dim(x, i, dim), x, idx)
    _check(lambda m, x, i: m.take_along_dim(x, i, dim), x, np.zeros((1, 1), np.int64) + 2)  # broadcast both
    _check(lambda m, x, i: m.take_along_dim(x, i, dim), _rand(3, 1, 4), np.zeros((3, 1), np.int64))


def test_take_along_dim_without_dim_and_edges():
    x = _rand(1, 3, 4)
    _check(lambda m, x, i: m.take_along_dim(x, i), x, np.array([[0, 11, 5], [5, 5, 1]], np.int64))
    _check(lambda m, x, i: m.take_along_dim(x, m.argmax(x)), x, None)
    _check(lambda m, x, i: m.take_along_dim(x, i, 1), x, np.zeros((3, 0), np.int64), grad=False)
    _check(lambda m, x, i: m.take_along_dim(x, i), np.asarray(1.5, np.float32), np.asarray(0))


@pytest.mark.parametrize("call", [
    lambda m: m.take_along_dim(T(m, 3, 4), L(m, [0, 1]), 0),
    lambda m: m.take_along_dim(T(m, 3, 4), L(m, [[0.0]], "float32"), 0),
    lambda m: m.take_along_dim(T(m, 3, 4), L(m, [[0]], "int32"), 0),
    lambda m: m.take_along_dim(T(m, 3, 4), L(m, [[0]]), 2),
    lambda m: m.take_along_dim(T(m, 3, 4), L(m, [[0], [1]]), 1),
    lambda m: m.take_along_dim(T(m, 3, 4), L(m, [12])),
    lambda m: m.take_along_dim(T(m, 3, 4), L(m, [-1])),
    lambda m: m.take_along_dim(T(m), L(m, 0), 0),
    lambda m: m.take_along_dim(T(m, 3, 4), [0], 0),
])
def test_take_along_dim_errors_match_torch(call):
    _same_error(call)


# ------------------------------------------------------------------ rot90
@pytest.mark.parametrize("k", [-5, -1, 0, 1, 2, 3, 4, 6])
@pytest.mark.parametrize("dims", [(0, 1), (1, 0), (-1, -2), (0, 2), (2, -2)])
def test_rot90_matches_torch(k, dims):
    _check(lambda m, x: m.rot90(x, k, dims), _rand(1, 2, 3, 4))
    _check(lambda m, x: x.rot90(k, dims), _rand(1, 2, 3, 4))
    _check(lambda m, x: m.rot90(x, k, list(dims)), _rand(1, 2, 3, 4, dtype="int64"), grad=False)


def test_rot90_defaults_copy_and_empty():
    _check(lambda m, x: m.rot90(x), _rand(1, 3, 5))
    _check(lambda m, x: m.rot90(x, 1), np.zeros((0, 3), np.float32), grad=False)
    x = fastnn.ones(2, 2)
    for k in (0, 4):
        r = fastnn.rot90(x, k)
        r.add_(1)
        assert x.sum().item() == 4  # a copy, as torch's


@pytest.mark.parametrize("call", [
    lambda m: m.rot90(T(m, 3), 1),
    lambda m: m.rot90(T(m), 1),
    lambda m: m.rot90(T(m, 2, 3), 1, (0, 0)),
    lambda m: m.rot90(T(m, 2, 3), 1, (0, -2)),
    lambda m: m.rot90(T(m, 2, 3), 1, (0,)),
    lambda m: m.rot90(T(m, 2, 3), 1, (0, 1, 2)),
    lambda m: m.rot90(T(m, 2, 3), 1, (0, 2)),
    lambda m: m.rot90(T(m, 2, 3), 1.0),
])
def test_rot90_errors_match_torch(call):
    _same_error(call)


# ------------------------------------------------------------------ atleast_1d / 2d / 3d
@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4), (2, 1, 3, 2), (0,)])
def test_atleast_matches_torch(name, shape):
    x = _rand(1, *shape)
    _check(lambda m, x: getattr(m, name)(x), x, grad=0 not in shape)
    _check(lambda m, x: getattr(m, name)(x, x * 2), x, grad=0 not in shape)
    _check(lambda m, x: getattr(m, name)([x]), x, grad=0 not in shape)
    _check(lambda m, x: getattr(m, name)((x,)), x.astype("int64"), grad=False)
    if len(shape) >= int(name[8]):  # already has the dims: the tensor itself
        t = fastnn.tensor(x)
        assert getattr(fastnn, name)(t) is t


@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
def test_atleast_no_arguments_and_errors(name):
    assert getattr(fastnn, name)() == getattr(torch, name)() == ()
    _same_error(lambda m: getattr(m, name)(3))


# ------------------------------------------------------------------ signbit / sgn / relu_
@pytest.mark.parametrize("values,dtype", [
    ([-0.0, 0.0, -1.5, 2.0, float("nan"), -float("nan"), -float("inf"), float("inf")], "float32"),
    ([-0.0, 1e-300, -1e-300], "float64"),
    ([-3, 0, 2], "int64"), ([-3, 0, 2], "int8"), ([3, 0, 200], "uint8"), ([True, False], "bool"),
])
def test_signbit_matches_torch(values, dtype):
    f, t = (m.signbit(L(m, values, dtype)) for m in MODULES)
    same_result(f, t, 0, 0)
    f, t = (L(m, values, dtype).signbit() for m in MODULES)
    same_result(f, t, 0, 0)


def test_signbit_random_0d_empty_and_errors():
    _check(lambda m, x: m.signbit(x), _rand(1, 4, 5), grad=False)
    _check(lambda m, x: m.signbit(x), np.asarray(-2.0, np.float32), grad=False)
    _check(lambda m, x: m.signbit(x), np.zeros((0, 2), np.float32), grad=False)
    _same_error(lambda m: m.signbit(-2.0))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
def test_sgn_matches_torch(dtype):
    x = _rand(1, 4, 5, dtype=dtype)
    x.flat[0] = 0
    _check(lambda m, x: m.sgn(x), x, grad=False)
    _check(lambda m, x: x.sgn(), x, grad=False)
    _check(lambda m, x: m.sgn(x), np.asarray(x[0, 1]), grad=False)
    _check(lambda m, x: x.detach().clone().sgn_(), x, grad=False)
    if dtype.startswith("float"):  # a zero gradient (torch's is a ZeroTensor, not readable as numpy)
        w = _rand(2, 4, 5, dtype=dtype)
        grads = []
        for m in MODULES:
            t = m.tensor(x, requires_grad=True)
            (m.sgn(t) * m.tensor(w)).sum().backward()
            grads.append(t.grad)
        assert np.array_equal(grads[0].numpy(), np.zeros_like(x)) and torch.equal(grads[1], torch.zeros(4, 5))


def test_sgn_special_values():
    for values, dtype in (([float("nan"), -float("inf"), 0.0], "float32"), ([True, False], "bool")):
        same_result(*(m.sgn(L(m, values, dtype)) for m in MODULES), 0, 0)


def test_relu_inplace_matches_torch():
    x = _rand(1, 4, 5)
    for m in MODULES:
        t = m.tensor(x.copy())
        assert m.relu_(t) is t
        np.testing.assert_array_equal(t.numpy(), np.maximum(x, 0))
    _check(lambda m, x: m.relu_(x * 1), x)  # a non-leaf: the gradient flows
    _check(lambda m, x: m.relu_(x.clone()), _rand(2, 3, dtype="int64"), grad=False)
    _check(lambda m, x: m.relu_(x.clone()), np.asarray(-1.0, np.float32), grad=False)


@pytest.mark.parametrize("call", [
    lambda m: m.relu_(m.tensor([1.0, -1.0], requires_grad=True)),
    lambda m: m.relu_(L(m, [True, False], "bool")),
])
def test_relu_inplace_errors_match_torch(call):
    _same_error(call)


# ------------------------------------------------------------------ promote_types / result_type
_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def test_promote_types_matches_torch():
    for a in _DTYPES:
        for b in _DTYPES:
            f = fastnn.promote_types(getattr(fastnn, a), getattr(fastnn, b))
            t = torch.promote_types(getattr(torch, a), getattr(torch, b))
            assert f.name == str(t)[6:], (a, b, f, t)
    assert fastnn.promote_types(float, fastnn.int32) is fastnn.float64


@pytest.mark.parametrize("call", [
    lambda m: m.promote_types(m.float32, "float64"),
    lambda m: m.promote_types(m.float32, None),
    lambda m: m.promote_types(m.float32),
])
def test_promote_types_errors_match_torch(call):
    _same_error(call)


@pytest.mark.parametrize("make", [
    lambda m: (L(m, [1, 2], "int32"), 1.0),
    lambda m: (L(m, [1, 2], "int32"), 1),
    lambda m: (L(m, [1, 2], "int32"), True),
    lambda m: (1.0, L(m, [1, 2], "int32")),
    lambda m: (L(m, [1, 2], "int32"), L(m, 1.0, "float64")),
    lambda m: (L(m, [1.0], "float16"), L(m, 1.0, "float64")),
    lambda m: (L(m, [1, 2], "int32"), L(m, 5)),
    lambda m: (L(m, True, "bool"), 5),
    lambda m: (L(m, [True], "bool"), 5.0),
    lambda m: (L(m, 1, "uint8"), L(m, -1, "int8")),
    lambda m: (L(m, [1], "uint8"), L(m, 1000)),
    lambda m: (1, 2), lambda m: (1, 2.0), lambda m: (True, False),
    lambda m: (L(m, [1, 2], "int32"), np.float64(1.0)),
    lambda m: (np.float64(1.0), np.int64(1)),
])
def test_result_type_matches_torch(make):
    f, t = (m.result_type(*make(m)) for m in MODULES)
    assert f.name == str(t)[6:]


def test_result_type_on_random_tensors():
    for a in _DTYPES[1:]:
        for b in _DTYPES[1:]:
            for shapes in (((3,), (3,)), ((), (3,)), ((), ())):
                f, t = (m.result_type(T(m, *shapes[0], dtype=a), T(m, *shapes[1], dtype=b, seed=1))
                        for m in MODULES)
                assert f.name == str(t)[6:], (a, b, shapes)


@pytest.mark.parametrize("call", [
    lambda m: m.result_type(L(m, [1]), [1]),
    lambda m: m.result_type(L(m, [1]), "a"),
    lambda m: m.result_type(L(m, [1]), None),
])
def test_result_type_errors_match_torch(call):
    _same_error(call)


# ------------------------------------------------------------------ addcmul / addcdiv
@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("value", [None, 0.5, 2, -1.25])
@pytest.mark.parametrize("shapes", [[(3, 4)] * 3, [(4,), (3, 1), (3, 4)], [(), (2, 3), (3,)], [(2, 1, 3), (1,), ()]])
def test_addcmul_addcdiv_match_torch(name, value, shapes):
    kw = {} if value is None else {"value": value}
    arrays = [_rand(i, *s) for i, s in enumerate(shapes)]
    _check(lambda m, a, b, c: getattr(m, name)(a, b, c, **kw), *arrays)
    _check(lambda m, a, b, c: getattr(a, name)(b, c, **kw), *arrays)
    _check(lambda m, a, b, c: getattr(m, name)(a, b, c, **kw), *[a.astype("float64") for a in arrays])


@pytest.mark.parametrize("make", [
    lambda m: (L(m, [1, 2]), L(m, [3, 4]), L(m, [5, 6])),
    lambda m: (L(m, [1, 2]), T(m, 2), L(m, [5, 6])),
    lambda m: (T(m, 2), L(m, [3, 4]), L(m, [5, 6])),
    lambda m: (T(m, 2, dtype="float64"), T(m, 2), T(m, 2)),
    lambda m: (L(m, 1.0, "float64"), T(m, 2), T(m, 2)),
    lambda m: (T(m, 2), T(m, 2), L(m, 2.0, "float64")),
    lambda m: (L(m, [1]), L(m, [1]), L(m, [True], "bool")),
])
@pytest.mark.parametrize("value", [1, 2, 0.5, True])
def test_addcmul_dtypes_match_torch(make, value):
    f, t = (m.addcmul(*make(m), value=value) for m in MODULES)
    same_result(f, t, 1e-6, 1e-6)


@pytest.mark.parametrize("make", [
    lambda m: (L(m, [1, 2]), T(m, 2), L(m, [5, 6])),
    lambda m: (L(m, [1, 2]), L(m, [3, 4]), T(m, 2)),
    lambda m: (T(m, 2, dtype="float64"), T(m, 2), T(m, 2)),
    lambda m: (T(m, 2), L(m, [1, 2]), L(m, 2.0, "float64")),
])
def test_addcdiv_dtypes_match_torch(make):
    f, t = (m.addcdiv(*make(m), value=3) for m in MODULES)
    same_result(f, t, 1e-6, 1e-6)


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
def test_addcmul_addcdiv_inplace_match_torch(name):
    arrays = [_rand(1, 3, 4), _rand(2, 4), _rand(3, 3, 1)]
    _check(lambda m, a, b, c: getattr(a * 1, name + "_")(b, c, value=0.3), *arrays)
    _check(lambda m, a, b, c: getattr(a.detach(), name + "_")(b, c), *arrays, grad=False)
    for m in MODULES:
        a = m.tensor(arrays[0])
        assert getattr(a, name + "_")(m.tensor(arrays[1]), m.tensor(arrays[2])) is a


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("call", [
    lambda m, f: f(T(m, 2), T(m, 2), 2.0),
    lambda m, f: f(T(m, 2), T(m, 2), T(m, 3)),
    lambda m, f: f(T(m, 2), T(m, 2), T(m, 2), value="a"),
    lambda m, f: f(T(m, 2), T(m, 2), T(m, 2), value=None),
    lambda m, f: f(L(m, [True], "bool"), L(m, [True], "bool"), L(m, [True], "bool")),
    lambda m, f: getattr(T(m, 2), f.__name__ + "_")(T(m, 2, 1), T(m, 2)),
    lambda m, f: getattr(L(m, [1, 2]), f.__name__ + "_")(T(m, 2), T(m, 2)),
    lambda m, f: getattr(m.tensor([1.0, 2.0], requires_grad=True), f.__name__ + "_")(T(m, 2), T(m, 2)),
])
def test_addcmul_addcdiv_errors_match_torch(name, call):
    _same_error(lambda m: call(m, getattr(m, name)))


@pytest.mark.parametrize("make", [
    lambda m: (L(m, [1, 2]), L(m, [3, 4]), L(m, [5, 6])),
    lambda m: (T(m, 2), L(m, [3, 4]), L(m, [5, 6])),
    lambda m: (T(m, 2), L(m, [3, 4]), L(m, [True, True], "bool")),
])
def test_addcdiv_integer_division_error_matches_torch(make):
    _same_error(lambda m: m.addcdiv(*make(m)))


# ------------------------------------------------------------------ nbytes / itemsize
@pytest.mark.parametrize("dtype", _DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (3, 4), (2, 1, 5)])
def test_nbytes_itemsize_match_torch(dtype, shape):
    f, t = (m.zeros(shape, dtype=getattr(m, dtype)) for m in MODULES)
    assert (f.nbytes, f.itemsize) == (t.nbytes, t.itemsize)


def test_nbytes_of_views():
    for make in (lambda m: T(m, 3, 4).t(), lambda m: T(m, 3, 4)[:, :2], lambda m: T(m, 1, 4).expand(5, 4)):
        f, t = (make(m) for m in MODULES)
        assert (f.nbytes, f.itemsize) == (t.nbytes, t.itemsize)


# ------------------------------------------------------------------ index_fill / index_fill_
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
@pytest.mark.parametrize("index", [[0, 2], [1], [-1, 0, 0], 1, []])
def test_index_fill_matches_torch(dim, index):
    x = _rand(1, 3, 4, 5)
    ix = np.array(index, dtype=np.int64)
    _check(lambda m, x, i: x.index_fill(dim, i, -1.5), x, ix)
    _check(lambda m, x, i: m.index_fill(x, dim, i, 2), x, ix)
    # a 0-d tensor value gets the gradient of the filled elements (torch's backward fails on a negative index)
    vgrad = not (ix < 0).any()
    _check(lambda m, x, i, v: x.index_fill(dim, i, v), x, ix, _rand(2), grad=vgrad)
    _check(lambda m, x, i: x.index_fill(dim, i, 7.9), _rand(3, 3, 4, 5, dtype="int64"), ix, grad=False)
    _check(lambda m, x, i: (x * 1).index_fill_(dim, i, 0.25), x, ix)
    _check(lambda m, x, i, v: (x * 1).index_fill_(dim, i, v), x, ix, _rand(2), grad=vgrad)


@pytest.mark.parametrize("make", [
    lambda m: (L(m, [1, 2], "uint8"), -1),  # an int within the width wraps
    lambda m: (L(m, [1, 2], "uint8"), 3.9),
    lambda m: (L(m, [1, 2]), -2.7),
    lambda m: (L(m, [True, False], "bool"), 0.5),
    lambda m: (T(m, 2), True),
    lambda m: (T(m, 2), float("inf")),
    lambda m: (L(m, [1, 2]), L(m, 2.7, "float32")),
    lambda m: (T(m, 2), L(m, 7)),
])
def test_index_fill_value_conversion_matches_torch(make):
    f, t = (m.index_fill(make(m)[0], 0, L(m, [0]), make(m)[1]) for m in MODULES)
    same_result(f, t, 0, 0)


def test_index_fill_0d_and_inplace():
    _check(lambda m, x, i: x.index_fill(0, i, 2.0), np.asarray(5.0, np.float32), np.array([0, -1]))
    _check(lambda m, x, i: x.index_fill(-1, i, 2.0), np.asarray(5.0, np.float32), np.asarray(0))
    _check(lambda m, x, i: x.index_fill(0, i, 2.0), np.zeros((0, 3), np.float32), np.zeros(0, np.int64), grad=False)
    for m in MODULES:
        x = m.ones(3, 4)
        assert x.index_fill_(1, L(m, [1]), 0) is x
        assert x.sum().item() == 9


@pytest.mark.parametrize("call", [
    lambda m: T(m, 3, 4).index_fill(0, L(m, [[1]]), 7),
    lambda m: T(m, 3, 4).index_fill(0, L(m, [1.0], "float32"), 7),
    lambda m: T(m, 3, 4).index_fill(0, L(m, [1], "int32"), 7),
    lambda m: T(m, 3, 4).index_fill(0, L(m, [3]), 7),
    lambda m: T(m, 3, 4).index_fill(0, L(m, [-4]), 7),
    lambda m: T(m, 3, 4).index_fill(2, L(m, [0]), 7),
    lambda m: T(m, 3, 4).index_fill(0, L(m, [0]), T(m, 1)),
    lambda m: T(m, 3, 4).index_fill(0, [0], 7),
    lambda m: T(m, 3, 4).index_fill(0, L(m, [0]), "a"),
    lambda m: L(m, [1, 2], "uint8").index_fill(0, L(m, [0]), 300),
    lambda m: L(m, [1, 2], "uint8").index_fill(0, L(m, [0]), -3.9),
    lambda m: L(m, [1, 2]).index_fill(0, L(m, [0]), 2 ** 63),
    lambda m: L(m, [1, 2]).index_fill(0, L(m, [0]), float("nan")),
    lambda m: L(m, [1, 2], "int32").index_fill(0, L(m, [0]), L(m, 2 ** 40)),
    lambda m: T(m, 2).index_fill(0, L(m, [0]), 2 ** 70),
    lambda m: T(m, 2).index_fill(0, L(m, [0]), 1e300),
    lambda m: m.tensor([1.0, 2.0], requires_grad=True).index_fill_(0, L(m, [0]), 1.0),
])
def test_index_fill_errors_match_torch(call):
    _same_error(call)


def test_methods_match_torchs():
    """The new ops are Tensor methods exactly where torch has them."""
    for name in ("kthvalue", "cummax", "cummin", "take", "take_along_dim", "rot90", "signbit", "sgn", "sgn_",
                 "index_fill", "index_fill_", "addcmul", "addcmul_", "addcdiv", "addcdiv_", "nbytes", "itemsize"):
        assert hasattr(torch.Tensor, name) and hasattr(fastnn.Tensor, name), name
    for name in ("meshgrid", "isin", "atleast_1d", "atleast_2d", "atleast_3d", "promote_types", "result_type"):
        assert not hasattr(torch.Tensor, name) and not hasattr(fastnn.Tensor, name), name
        assert hasattr(fastnn, name), name


def test_masked_fill_with_a_0d_tensor_value_passes_it_the_masked_gradient():
    res = []
    for m in MODULES:
        x = m.tensor(_rand(1, 2, 3), requires_grad=True)
        v = m.tensor(3.5, requires_grad=True)
        y = x.masked_fill(m.tensor([True, False, True]), v)
        (y * m.tensor(_rand(2, 2, 3))).sum().backward()
        res.append((y.detach().numpy(), x.grad.numpy(), v.grad.numpy(), y.grad_fn.name(),
                    outcome(lambda: x.masked_fill(m.tensor([True, False, True]), m.ones(1)))[0]))
    (fy, fx, fv, fn, fe), (ty, tx, tv, tn, te) = res
    np.testing.assert_allclose(fy, ty, rtol=1e-6)
    np.testing.assert_allclose(fx, tx, rtol=1e-6)
    np.testing.assert_allclose(fv, tv, rtol=1e-5)
    assert fn == tn and fe == te == "RuntimeError"
