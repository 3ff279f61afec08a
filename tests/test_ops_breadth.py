"""Tensor ops PyTorch users expect, against torch: lerp, addmm/addmv/baddbmm, kron, cross, cdist,
cosine_similarity, nansum/nanmean, std_mean/var_mean, quantile/nanquantile, histc, aminmax, searchsorted and
bucketize. Values, dtypes and shapes (broadcasting, type promotion), gradients (against torch's for a random
upstream gradient, and float64 finite differences), in-place variants, and the errors of bad calls."""
import math
import re
import warnings

import numpy as np
import pytest
import torch

import fastnn
from fastnn.autograd import gradcheck
from nn_torch_util import same_as_torch, same_result, tensors_of

INF, NAN = math.inf, math.nan
MODULES = (fastnn, torch)


def _rand(seed, *shape, dtype="float32", low=None, high=None):
    """Random values (normal, or uniform in [low, high)), never all zero."""
    r = np.random.default_rng(seed)
    a = r.standard_normal(shape) if low is None else r.uniform(low, high, shape)
    return np.asarray(a).astype(dtype)


def _same(f, t, rtol=1e-05, atol=1e-06):
    same_result(f, t, rtol, atol)


def _check(fn, *arrays, grad=True, rtol=1e-5, atol=1e-6):
    """fn(module, *tensors) in fastnn and torch: the same results, and the same input gradients for one random
    upstream gradient per float output."""
    same_as_torch(fn, arrays, grad, rtol, atol, weight_seed=100)


def _gradcheck(fn, *arrays):
    """fastnn's gradient of fn(fastnn, *float64 tensors) against central differences."""
    ts = tensors_of(fastnn, [a.astype(np.float64) if a.dtype.kind == "f" else a for a in arrays], True)
    assert gradcheck(lambda *xs: fn(fastnn, *xs), tuple(ts), eps=1e-6, atol=1e-5, rtol=1e-4)


def _outcome(fn):
    """('ok', None) or (exception type name, message with 'torch' spelled 'fastnn'). fastnn's broadcast errors end
    with the two shapes, which torch's lack: that suffix is dropped."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        msg = re.sub(r" \(shapes \[.*\] and \[.*\]\)$", "", str(e))
        return type(e).__name__, msg.replace("torch", "fastnn")
    return "ok", None


def _same_error(fn, message=True):
    """fn(fastnn) and fn(torch) raise the same exception type (and message, when message)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f, t = _outcome(lambda: fn(fastnn)), _outcome(lambda: fn(torch))
    assert t[0] != "ok", "torch did not raise"
    assert f[0] == t[0] and (not message or f[1] == t[1]), f"fastnn {f} vs torch {t}"


def T(m, *shape, dtype="float32", seed=0):
    """A random tensor of module m (the same values for both modules)."""
    return m.tensor(_rand(seed, *shape, dtype=dtype))


# ------------------------------------------------------------------ lerp
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shapes", [[(3, 4), (3, 4), (3, 4)], [(3, 1, 4), (5, 4), (5, 1)], [(1,), (2, 3), ()]],
                         ids=["same", "broadcast", "scalar-tensor"])
def test_lerp_tensor_weight_matches_torch(shapes, dtype):
    a, b = _rand(1, *shapes[0], dtype=dtype), _rand(2, *shapes[1], dtype=dtype)
    w = _rand(3, *shapes[2], dtype=dtype, low=-0.5, high=1.5)  # both of torch's formulas
    _check(lambda m, a, b, w: m.lerp(a, b, w), a, b, w)
    _check(lambda m, a, b, w: a.lerp(b, w), a, b, w)


@pytest.mark.parametrize("weight", [0.2, 0.5, 0.7, 1.0, -1.5, 2])
def test_lerp_number_weight_matches_torch(weight):
    _check(lambda m, a, b: m.lerp(a, b, weight), _rand(1, 4, 5), _rand(2, 5))
    f, t = (m.lerp(T(m, 7, seed=1), T(m, 7, seed=2), 1.0) for m in MODULES)
    np.testing.assert_array_equal(f.numpy(), t.numpy())  # exactly end at weight 1


def test_lerp_gradcheck_and_inplace():
    _gradcheck(lambda m, a, b, w: m.lerp(a, b, w), _rand(1, 3, 4), _rand(2, 4), _rand(3, 3, 1, low=0, high=1))
    _check(lambda m, a, b: (a * 1).lerp_(b, 0.3), _rand(1, 3, 4), _rand(2, 4))
    _check(lambda m, a, b, w: m.zeros(3, 4).lerp_(b, w), _rand(1, 3, 4), _rand(2, 4), _rand(3, 3, 1))
    _check(lambda m, a, b: a.detach().lerp_(b, 0.6), _rand(1, 3, 4), _rand(2, 3, 4), grad=False)


@pytest.mark.parametrize("call", [
    lambda m: m.lerp(T(m, 3), T(m, 3, dtype="float64"), 0.5),
    lambda m: m.lerp(T(m, 3, dtype="float64"), T(m, 3), 0.5),
    lambda m: m.lerp(T(m, 3), T(m, 3), T(m, 3, dtype="float64")),
    lambda m: m.lerp(T(m, 3), T(m, 3), T(m, 3, dtype="int64")),
    lambda m: m.lerp(T(m, 3, dtype="int64"), T(m, 3, dtype="int64"), 0.5),
    lambda m: m.lerp(T(m, 3, dtype="int64"), T(m, 3, dtype="int64"), T(m, 3, dtype="int64")),
    lambda m: m.lerp(T(m, 3), T(m, 2), 0.5),
    lambda m: m.lerp(T(m, 3), T(m, 3), T(m, 2)),
    lambda m: m.lerp(T(m, 2), T(m, 3), T(m, 3)),
    lambda m: T(m, 3).lerp_(T(m, 2, 3), 0.5),
])
def test_lerp_errors_match_torch(call):
    _same_error(call)


@pytest.mark.parametrize("call", [lambda m: m.lerp(T(m, 3), 1.0, 0.5), lambda m: m.lerp(T(m, 3), T(m, 3), "a")])
def test_lerp_argument_type_errors_match_torch(call):
    _same_error(call, message=False)  # torch lists its overloads


# ------------------------------------------------------------------ addmm / addmv / baddbmm
SCALINGS = [{}, {"beta": 0.5, "alpha": -2.0}, {"beta": 0, "alpha": 1.5}, {"alpha": 0}]


@pytest.mark.parametrize("kw", SCALINGS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("ishape", [(5, 3), (3,), (1, 3), (5, 1), ()])
def test_addmm_matches_torch(ishape, dtype, kw):
    args = _rand(1, *ishape, dtype=dtype), _rand(2, 5, 7, dtype=dtype), _rand(3, 7, 3, dtype=dtype)
    _check(lambda m, i, a, b: m.addmm(i, a, b, **kw), *args)
    _check(lambda m, i, a, b: i.addmm(a, b, **kw), *args)


@pytest.mark.parametrize("kw", SCALINGS)
@pytest.mark.parametrize("ishape", [(6,), (1,), ()])
def test_addmv_matches_torch(ishape, kw):
    args = _rand(1, *ishape), _rand(2, 6, 5), _rand(3, 5)
    _check(lambda m, i, a, v: m.addmv(i, a, v, **kw), *args)
    _check(lambda m, i, a, v: i.addmv(a, v, **kw), *args)


@pytest.mark.parametrize("kw", SCALINGS)
@pytest.mark.parametrize("ishape", [(4, 2, 3), (2, 3), (3,), (4, 1, 1), ()])
def test_baddbmm_matches_torch(ishape, kw):
    args = _rand(1, *ishape), _rand(2, 4, 2, 5), _rand(3, 4, 5, 3)
    _check(lambda m, i, a, b: m.baddbmm(i, a, b, **kw), *args)
    _check(lambda m, i, a, b: i.baddbmm(a, b, **kw), *args)


def test_addmm_family_beta_zero_ignores_nan_input():
    nan_in = np.full((5, 3), NAN, dtype=np.float32)
    _check(lambda m, i, a, b: m.addmm(i, a, b, beta=0), nan_in, _rand(2, 5, 7), _rand(3, 7, 3))
    _check(lambda m, i, a, b: m.addmv(i, a, b, beta=0), nan_in[:, 0], _rand(2, 5, 7), _rand(3, 7))
    _check(lambda m, i, a, b: m.baddbmm(i, a, b, beta=0), nan_in[None], _rand(2, 2, 5, 7), _rand(3, 2, 7, 3))


def test_addmm_family_integers_truncate_the_scalars():
    i, a, b = (_rand(s, *shape, dtype="int64", low=-9, high=9) for s, shape in ((1, (3,)), (2, (2, 4)), (3, (4, 3))))
    kw = {"beta": -1.5, "alpha": 2.7}
    _check(lambda m, i, a, b: m.addmm(i, a, b, **kw), i, a, b, grad=False)
    _check(lambda m, i, a, b: m.addmv(i, a, b, **kw), i[:2], a, b[:, 0], grad=False)
    _check(lambda m, i, a, b: m.baddbmm(i, a, b, **kw), i, a[None], b[None], grad=False)


def test_addmm_family_gradcheck():
    _gradcheck(lambda m, i, a, b: m.addmm(i, a, b, beta=0.7, alpha=-1.3), _rand(1, 3), _rand(2, 2, 4), _rand(3, 4, 3))
    _gradcheck(lambda m, i, a, v: m.addmv(i, a, v, beta=2.0), _rand(1, 1), _rand(2, 3, 4), _rand(3, 4))
    _gradcheck(lambda m, i, a, b: m.baddbmm(i, a, b, alpha=0.5), _rand(1, 2, 1), _rand(2, 3, 2, 4),
               _rand(3, 3, 4, 2))


def test_addmm_family_inplace_matches_torch():
    _check(lambda m, i, a, b: (i * 1).addmm_(a, b, beta=0.5, alpha=2), _rand(1, 5, 3), _rand(2, 5, 7),
           _rand(3, 7, 3))
    _check(lambda m, i, a, v: m.zeros(6).addmv_(a, v), _rand(1, 6), _rand(2, 6, 5), _rand(3, 5))
    _check(lambda m, i, a, b: i.detach().baddbmm_(a, b, beta=2), _rand(1, 4, 2, 3), _rand(2, 4, 2, 5),
           _rand(3, 4, 5, 3), grad=False)


@pytest.mark.parametrize("call", [
    lambda m: m.addmm(T(m, 3), T(m, 2, 4, dtype="float64"), T(m, 4, 3)),
    lambda m: m.addmm(T(m, 3), T(m, 2, 4), T(m, 4, 3, dtype="float64")),
    lambda m: m.addmm(T(m, 3, dtype="float64"), T(m, 2, 4), T(m, 5, 3)),
    lambda m: m.addmm(T(m, 3), T(m, 4, dtype="float64"), T(m, 4, 3)),
    lambda m: m.addmm(T(m, 3), T(m, 4), T(m, 4, 3)),
    lambda m: m.addmm(T(m, 3), T(m, 2, 4), T(m, 4)),
    lambda m: m.addmm(T(m, 3), T(m, 2, 4), T(m, 5, 3)),
    lambda m: m.addmm(T(m, 2), T(m, 2, 4), T(m, 4, 3)),
    lambda m: m.addmm(T(m, 1, 1, 3), T(m, 2, 4), T(m, 4, 3)),
    lambda m: m.addmm(T(m, 3, dtype="bool"), T(m, 2, 4, dtype="bool"), T(m, 4, 3, dtype="bool")),
    lambda m: m.addmv(T(m, 3), T(m, 2, 4), T(m, 4)),
    lambda m: m.addmv(T(m, 2, 1), T(m, 2, 4), T(m, 4)),
    lambda m: m.addmv(T(m, 2), T(m, 4), T(m, 4)),
    lambda m: m.addmv(T(m, 2), T(m, 2, 4), T(m, 5)),
    lambda m: m.addmv(T(m, 7, dtype="float64"), T(m, 2, 4), T(m, 5)),
    lambda m: m.addmv(T(m, 2), T(m, 2, 4, dtype="int64"), T(m, 4, dtype="int64")),
    lambda m: m.addmv(T(m, 2), T(m, 2, 4), T(m, 4, dtype="float64")),
    lambda m: m.addmv(T(m, 2, dtype="bool"), T(m, 2, 4, dtype="bool"), T(m, 4, dtype="bool")),
    lambda m: m.baddbmm(T(m, 3), T(m, 2, 4), T(m, 5, 4, 3)),
    lambda m: m.baddbmm(T(m, 3), T(m, 5, 2, 4), T(m, 4, 3)),
    lambda m: m.baddbmm(T(m, 3), T(m, 5, 2, 4), T(m, 6, 4, 3)),
    lambda m: m.baddbmm(T(m, 3), T(m, 5, 2, 4), T(m, 5, 5, 3)),
    lambda m: m.baddbmm(T(m, 6, 2, 3), T(m, 5, 2, 4), T(m, 5, 4, 3)),
    lambda m: m.baddbmm(T(m, 7, dtype="float64"), T(m, 2, 4, 3), T(m, 5, 4, 4)),
    lambda m: m.baddbmm(T(m, 3), T(m, 5, 2, 4, dtype="float64"), T(m, 6, 4, 3)),
    lambda m: m.baddbmm(T(m, 3), T(m, 5, 2, 4), T(m, 5, 4, 3, dtype="float64")),
    lambda m: m.baddbmm(T(m, 3, dtype="bool"), T(m, 2, 4, 3, dtype="bool"), T(m, 2, 3, 3, dtype="bool")),
    lambda m: T(m, 3).addmm_(T(m, 2, 4), T(m, 4, 3)),
    lambda m: T(m, 1).addmv_(T(m, 2, 4), T(m, 4)),
    lambda m: T(m, 1).baddbmm_(T(m, 2, 2, 4), T(m, 2, 4, 3)),
])
def test_addmm_family_errors_match_torch(call):
    _same_error(call)


# ------------------------------------------------------------------ kron
@pytest.mark.parametrize("shapes", [[(2, 3), (4, 5)], [(3,), (2, 4, 1)], [(2, 1, 3), (5,)], [(), (3, 2)], [(), ()]])
def test_kron_matches_torch(shapes):
    a, b = _rand(1, *shapes[0]), _rand(2, *shapes[1])
    _check(lambda m, a, b: m.kron(a, b), a, b)
    _check(lambda m, a, b: a.kron(b), a, b)
    _gradcheck(lambda m, a, b: m.kron(a, b), a, b)


@pytest.mark.parametrize("dtypes", [("int64", "float32"), ("float32", "float64"), ("int64", "int64"),
                                    ("bool", "bool"), ("bool", "float32")])
def test_kron_promotes_as_torch(dtypes):
    a = _rand(1, 2, 3, dtype=dtypes[0], low=-3, high=3)
    _check(lambda m, a, b: m.kron(a, b), a, _rand(2, 3, 2, dtype=dtypes[1], low=-3, high=3), grad=False)
    _check(lambda m, a, b: m.kron(a, b), a, _rand(2, dtype=dtypes[1], low=-3, high=3), grad=False)  # 0-d other


def test_kron_argument_error_matches_torch():
    _same_error(lambda m: m.kron(T(m, 2, 3), 2))


# ------------------------------------------------------------------ cross
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("case", [((4, 3), (4, 3), None), ((4, 3), (1, 3), None), ((3, 4, 3), (3, 4, 3), None),
                                  ((3, 4, 3), (3, 1, 3), 2), ((2, 3, 5), (1, 3, 5), -2), ((3,), (3,), 0)])
def test_cross_matches_torch(case, dtype):
    sa, sb, dim = case
    a, b = _rand(1, *sa, dtype=dtype, low=-5, high=5), _rand(2, *sb, dtype=dtype, low=-5, high=5)
    grad = dtype != "int64"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's deprecation of dim=None
        _check(lambda m, a, b: m.cross(a, b, dim), a, b, grad=grad)
        _check(lambda m, a, b: a.cross(b, dim=dim), a, b, grad=grad)
    if dim is not None:
        _check(lambda m, a, b: m.linalg.cross(a, b, dim=dim), a, b, grad=grad)
    if grad:
        _gradcheck(lambda m, a, b: m.linalg.cross(a, b, dim=-1 if dim is None else dim), a, b)


def test_linalg_cross_defaults_to_the_last_dim_and_cross_to_the_first_of_size_3():
    a, b = _rand(1, 3, 4, 3), _rand(2, 3, 4, 3)
    _check(lambda m, a, b: m.linalg.cross(a, b), a, b)
    with pytest.warns(UserWarning, match="without specifying the dim"):
        f = fastnn.cross(fastnn.tensor(a), fastnn.tensor(b))
    np.testing.assert_allclose(f.numpy(), np.cross(a, b, axis=0), rtol=1e-6)


@pytest.mark.parametrize("call", [
    lambda m: m.cross(T(m, 4, 3), T(m, 3)),
    lambda m: m.cross(T(m, 4, 2), T(m, 4, 2)),
    lambda m: m.cross(T(m, 4), T(m, 3, 3)),
    lambda m: m.cross(T(m, 4, 3), T(m, 4, 3), dim=0),
    lambda m: m.cross(T(m, 4, 3), T(m, 4, 3), dim=2),
    lambda m: m.cross(T(m, 4, 3), T(m, 5, 3)),
    lambda m: m.cross(T(m, 3, 3), T(m, 3, 3, dtype="float64")),
    lambda m: m.cross(T(m, 3, 3), T(m, 3, dtype="float64")),
    lambda m: m.cross(T(m, 3, 4), T(m, 1, 4)),
    lambda m: m.cross(T(m, 2, 3, 4), T(m, 3, 1, 4)),
    lambda m: m.cross(T(m, 3, 3), 3),
    lambda m: m.linalg.cross(T(m, 3, 4), T(m, 3, 4)),
    lambda m: m.linalg.cross(T(m, 4, 3), T(m, 2, 3)),
    lambda m: m.linalg.cross(T(m, 4, 3), T(m, 3, dtype="float64")),
    lambda m: m.linalg.cross(T(m, 4, 3), 3),
])
def test_cross_errors_match_torch(call):
    _same_error(call)


# ------------------------------------------------------------------ cdist
@pytest.mark.parametrize("p", [0, 0.5, 1, 1.5, 2, 3, INF])
@pytest.mark.parametrize("shapes", [[(5, 3), (4, 3)], [(2, 1, 5, 3), (3, 4, 3)], [(30, 2), (7, 2)]],
                         ids=["2d", "batched", "large"])
def test_cdist_matches_torch(shapes, p):
    a, b = _rand(1, *shapes[0], dtype="float64"), _rand(2, *shapes[1], dtype="float64")
    _check(lambda m, a, b: m.cdist(a, b, p), a, b, rtol=1e-7)
    _check(lambda m, a, b: m.cdist(a, b, p), a.astype(np.float32), b.astype(np.float32), rtol=1e-4, atol=1e-5)
    if p >= 1:
        _gradcheck(lambda m, a, b: m.cdist(a, b, p), a[..., :6, :], b)


@pytest.mark.parametrize("mode", ["use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist",
                                  "use_mm_for_euclid_dist_if_necessary"])
def test_cdist_compute_modes_match_torch(mode):
    a, b = _rand(1, 2, 27, 4, dtype="float64"), _rand(2, 6, 4, dtype="float64")
    _check(lambda m, a, b: m.cdist(a, b, compute_mode=mode), a, b, rtol=1e-7)


@pytest.mark.parametrize("p", [0.5, 1, 2, 3, INF])
def test_cdist_gradient_at_coincident_points_matches_torch(p):
    a = _rand(1, 4, 3, dtype="float64")
    b = np.concatenate([a[1:2], _rand(2, 3, 3, dtype="float64")])  # a[1] == b[0]: distance 0
    _check(lambda m, a, b: m.cdist(a, b, p), a, b, rtol=1e-7)


def test_cdist_gives_inf_norm_ties_the_whole_gradient_as_torch():
    a, b = np.array([[1.0, -1.0, 0.5]]), np.array([[0.0, 0.0, 0.0], [2.0, 2.0, 2.0]])
    _check(lambda m, a, b: m.cdist(a, b, INF), a, b)


@pytest.mark.parametrize("shapes", [[(0, 3), (4, 3)], [(4, 0), (5, 0)], [(2, 0, 3), (1, 5, 3)]])
def test_cdist_empty_matches_torch(shapes):
    for p in (2, INF):
        _check(lambda m, a, b: m.cdist(a, b, p), _rand(1, *shapes[0]), _rand(2, *shapes[1]), grad=False)


@pytest.mark.parametrize("call", [
    lambda m: m.cdist(T(m, 3), T(m, 5, 3)),
    lambda m: m.cdist(T(m, 4, 3), T(m, 3)),
    lambda m: m.cdist(T(m, 4, 3), T(m, 5, 2)),
    lambda m: m.cdist(T(m, 4, 3, dtype="int64"), T(m, 5, 3)),
    lambda m: m.cdist(T(m, 4, 3), T(m, 5, 3, dtype="int64")),
    lambda m: m.cdist(T(m, 4, 3), T(m, 5, 3), p=-1),
    lambda m: m.cdist(T(m, 2, 4, 3), T(m, 3, 5, 3)),
    lambda m: m.cdist(T(m, 4, 3), T(m, 5, 3, dtype="float64")),
    lambda m: m.cdist(T(m, 4, 3), T(m, 5, 3), compute_mode="fast"),
    lambda m: m.cdist(T(m, 4, 3), 3),
])
def test_cdist_errors_match_torch(call):
    _same_error(call)


# ------------------------------------------------------------------ cosine_similarity
@pytest.mark.parametrize("case", [((4, 3), (4, 3), 1), ((4, 3), (3,), 1), ((4, 3), (3,), 0), ((4, 1, 3), (5, 1), -1),
                                  ((2, 5), (2, 1), 1), ((3,), (3,), 0), ((), (), -1)])
def test_cosine_similarity_matches_torch(case):
    sa, sb, dim = case
    a, b = _rand(1, *sa, dtype="float64"), _rand(2, *sb, dtype="float64")
    _check(lambda m, a, b: m.cosine_similarity(a, b, dim), a, b, rtol=1e-7)
    _check(lambda m, a, b: m.cosine_similarity(a, b, dim=dim, eps=0.5), a, b, rtol=1e-7)
    _gradcheck(lambda m, a, b: m.cosine_similarity(a, b, dim), a, b)


def test_cosine_similarity_of_a_zero_vector_matches_torch():
    a, b = _rand(1, 2, 3, dtype="float64"), np.zeros((2, 3))
    b[1] = 1e-9 * _rand(2, 3)  # under eps: clamped
    _check(lambda m, a, b: m.cosine_similarity(a, b), a, b, rtol=1e-7)


@pytest.mark.parametrize("dtypes", [("int64", "float32"), ("float32", "float64"), ("int64", "float64")])
def test_cosine_similarity_promotes_as_torch(dtypes):
    a = _rand(1, 4, 3, dtype=dtypes[0], low=-5, high=5)
    _check(lambda m, a, b: m.cosine_similarity(a, b), a, _rand(2, 4, 3, dtype=dtypes[1]))


@pytest.mark.parametrize("call", [
    lambda m: m.cosine_similarity(T(m, 3), T(m, 3)),
    lambda m: m.cosine_similarity(T(m, 4, 3), T(m, 5, 3)),
    lambda m: m.cosine_similarity(T(m, 4, 3), T(m, 4, 3), dim=2),
    lambda m: m.cosine_similarity(T(m, 4, 3, dtype="int64"), T(m, 4, 3, dtype="int64")),
    lambda m: m.cosine_similarity(T(m, 4, 3), 2),
])
def test_cosine_similarity_errors_match_torch(call):
    _same_error(call)


# ------------------------------------------------------------------ nansum / nanmean
def _with_nans(seed, *shape, dtype="float32"):
    a = _rand(seed, *shape, dtype=dtype)
    a[np.random.default_rng(seed).random(shape) < 0.3] = NAN
    return a


@pytest.mark.parametrize("name", ["nansum", "nanmean"])
@pytest.mark.parametrize("kw", [{}, {"dim": 1}, {"dim": (0, 2), "keepdim": True}, {"dim": -1, "keepdim": True},
                                {"dim": ()}, {"dtype": "float64"}, {"dim": 0, "dtype": "float64"}])
def test_nansum_nanmean_match_torch(name, kw):
    kw = {k: getattr(fastnn, v) if k == "dtype" else v for k, v in kw.items()}
    tkw = {k: getattr(torch, v.name) if k == "dtype" else v for k, v in kw.items()}
    x = _with_nans(1, 3, 5, 4)
    x[1, :, 2] = NAN  # a row of NaNs
    _check(lambda m, x: getattr(m, name)(x, **(kw if m is fastnn else tkw)), x)
    _check(lambda m, x: getattr(x, name)(**(kw if m is fastnn else tkw)), x)


def test_nansum_nanmean_gradcheck_and_edge_inputs():
    x = _with_nans(2, 4, 5)
    _gradcheck(lambda m, x: m.nansum(x, 1), x)
    _gradcheck(lambda m, x: m.nanmean(x, 0, keepdim=True), x)
    _check(lambda m, x: (m.nansum(x), m.nanmean(x, 0)), np.array(2.5, np.float32))  # 0-d
    _check(lambda m, x: (m.nansum(x, 0), m.nanmean(x, 0)), np.zeros((0, 3), np.float32))
    for dtype in ("int64", "int32", "uint8", "bool"):
        _check(lambda m, x: (m.nansum(x), m.nansum(x, 0)), _rand(3, 4, 2, dtype=dtype, low=0, high=9), grad=False)


@pytest.mark.parametrize("call", [
    lambda m: m.nanmean(T(m, 3, dtype="int64")),
    lambda m: m.nanmean(T(m, 3, dtype="int64"), dtype=m.float64),
    lambda m: m.nansum(T(m, 3, 4), dim=2),
])
def test_nansum_nanmean_errors_match_torch(call):
    _same_error(call)


# ------------------------------------------------------------------ std_mean / var_mean
@pytest.mark.parametrize("name", ["std_mean", "var_mean"])
@pytest.mark.parametrize("call", [
    lambda f, x: f(x), lambda f, x: f(x, 1), lambda f, x: f(x, (0, 2), keepdim=True), lambda f, x: f(x, False),
    lambda f, x: f(x, 1, True, True), lambda f, x: f(x, 1, correction=0), lambda f, x: f(x, dim=-1, correction=2),
    lambda f, x: f(x, keepdim=True), lambda f, x: f(x, None, unbiased=False),
])
def test_std_mean_var_mean_match_torch(name, call):
    x = _rand(1, 3, 5, 4, dtype="float64")
    _check(lambda m, x: call(getattr(m, name), x), x, rtol=1e-7)
    _check(lambda m, x: call(getattr(m, name), x), x.astype(np.float32))


@pytest.mark.filterwarnings("ignore:.*degrees of freedom")
def test_std_mean_var_mean_gradcheck_and_errors():
    x = _rand(1, 3, 4)
    _gradcheck(lambda m, x: m.std_mean(x, 1), x)
    _gradcheck(lambda m, x: m.var_mean(x, (0, 1), correction=0), x)
    _check(lambda m, x: m.var_mean(x), np.array(1.5, np.float32))  # 0-d: NaN variance
    for name in ("std_mean", "var_mean"):
        _same_error(lambda m: getattr(m, name)(T(m, 3, dtype="int64")))
        _same_error(lambda m: getattr(m, name)(T(m, 3, 4), 2))
        _same_error(lambda m: getattr(m, name)(T(m, 3, 4), 1, unbiased=False, correction=0), message=False)


# ------------------------------------------------------------------ quantile / nanquantile
MODES = ["linear", "lower", "higher", "midpoint", "nearest"]


def _quantile_cases():
    q1 = np.array([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0])
    return [(0.3, {}), (0.5, {"dim": 1}), (0.0, {"dim": -1, "keepdim": True}), (1.0, {"keepdim": True}),
            (q1, {}), (q1, {"dim": 0}), (q1, {"dim": 2, "keepdim": True}), (np.array(0.4), {"dim": 1})]


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_quantile_matches_torch(name, mode, dtype):
    x = _rand(1, 4, 5, 3, dtype=dtype)
    xn = x.copy()
    xn[0, 1, 0] = xn[2, :, 1] = NAN  # a NaN in some rows, a row of NaNs
    for q, kw in _quantile_cases():
        q = q.astype(dtype) if isinstance(q, np.ndarray) else q
        for data in (x, xn):
            # quantile's gradient for a row of NaNs goes to one of them: which one, torch's unstable sort decides
            grad = name == "nanquantile" or data is x
            _check(lambda m, x, q: getattr(m, name)(x, q, interpolation=mode, **kw), data, q, grad=grad)
            _check(lambda m, x, q: getattr(x, name)(q, interpolation=mode, **kw), data, q, grad=grad)


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_gradcheck(name):
    x = _rand(1, 4, 5)
    _gradcheck(lambda m, x: getattr(m, name)(x, 0.37, 1), x)
    _gradcheck(lambda m, x, q: getattr(m, name)(x, q, 0, keepdim=True), x, np.array([0.1, 0.62, 0.95]))
    _gradcheck(lambda m, x: getattr(m, name)(x, 0.8, interpolation="midpoint"), x)


def test_quantile_of_0d_and_exact_ranks_match_torch():
    _check(lambda m, x: (m.quantile(x, 0.3), m.quantile(x, 0.3, dim=0, keepdim=True)), np.array(2.5, np.float32))
    q = np.arange(21, dtype=np.float32) / 20
    for mode in MODES:  # ranks q * (n - 1) halfway between two (nearest rounds half to even) and integral
        _check(lambda m, x, q: m.quantile(x, q, interpolation=mode), _rand(1, 11), q)
        _check(lambda m, x, q: m.quantile(x, q, interpolation=mode), _rand(1, 21), q)


@pytest.mark.parametrize("call", [
    lambda m: m.quantile(T(m, 3, 4), 1.3),
    lambda m: m.quantile(T(m, 3, 4), -0.1),
    lambda m: m.nanquantile(T(m, 3, 4), NAN),
    lambda m: m.quantile(T(m, 3, 4), m.tensor([0.3, 1.3])),
    lambda m: m.quantile(T(m, 3, 4), m.tensor([[0.3]])),
    lambda m: m.quantile(T(m, 3, 4), m.tensor([0.3], dtype=m.float64)),
    lambda m: m.quantile(T(m, 3, 4, dtype="int64"), 0.3),
    lambda m: m.quantile(T(m, 3, 4), 0.3, interpolation="cubic"),
    lambda m: m.quantile(T(m, 3, 4), 0.3, dim=2),
    lambda m: m.quantile(T(m, 0, 3), 0.3),
    lambda m: m.quantile(T(m, 0, 3), 0.3, dim=5),
    lambda m: m.quantile(T(m, 3, 4), m.tensor([[1.3]]), dim=7),
    lambda m: m.nanquantile(T(m, 3, 4), 0.3, 1, interpolation="cubic"),
])
def test_quantile_errors_match_torch(call):
    _same_error(call)


# ------------------------------------------------------------------ histc
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("args", [(), (7,), (5, -1, 1), (4, 0, 3), (10, 0.5, 0.5), (3, 2, 2)])
def test_histc_matches_torch(args, dtype):
    x = _rand(1, 6, 17, dtype=dtype)
    grid = np.array([0, 0.75, 1.5, 2.25, 3, 3, 1], dtype=dtype)  # values on bin edges, the top edge included
    for data in (x, grid, np.full(3, 0.5, dtype=dtype), np.zeros(0, dtype=dtype)):
        _check(lambda m, x: m.histc(x, *args), data, grad=False)
        _check(lambda m, x: x.histc(*args), data, grad=False)


def test_histc_result_does_not_require_grad():
    for m in MODULES:
        assert not m.histc(m.tensor(_rand(1, 5), requires_grad=True), 4).requires_grad


@pytest.mark.parametrize("call", [
    lambda m: m.histc(T(m, 4, dtype="int64"), 5, -1, 1),
    lambda m: m.histc(T(m, 4, dtype="int64"), 0),
    lambda m: m.histc(T(m, 4), 0),
    lambda m: m.histc(T(m, 4), -2),
    lambda m: m.histc(T(m, 4), 5, 1, -1),
    lambda m: m.histc(m.tensor([1.0, INF]), 5),
    lambda m: m.histc(T(m, 4), 5, NAN, 1),
    lambda m: m.histc(T(m, 4), 3, 5, INF),
])
def test_histc_errors_match_torch(call):
    _same_error(call)


# ------------------------------------------------------------------ aminmax
@pytest.mark.parametrize("kw", [{}, {"dim": 1}, {"dim": -1, "keepdim": True}, {"keepdim": True}])
def test_aminmax_matches_torch(kw):
    x = _rand(1, 3, 4, low=-3, high=3).round()  # ties: the gradient is shared among them
    _check(lambda m, x: m.aminmax(x, **kw), x)
    _check(lambda m, x: x.aminmax(**kw), x)
    _check(lambda m, x: m.aminmax(x, **kw), x.astype(np.int64), grad=False)
    _gradcheck(lambda m, x: m.aminmax(x, **kw), _rand(2, 3, 4))


def test_aminmax_of_0d_bool_and_empty_matches_torch():
    _check(lambda m, x: (m.aminmax(x), m.aminmax(x, dim=0, keepdim=True)), np.array(3.0, np.float32))
    _check(lambda m, x: m.aminmax(x, dim=0), _rand(1, 4) > 0, grad=False)
    _check(lambda m, x: m.aminmax(x, dim=1), np.zeros((0, 3), np.float32), grad=False)
    for call in (lambda m: m.aminmax(m.zeros(0, 3)), lambda m: m.aminmax(m.zeros(0, 3), dim=0),
                 lambda m: m.aminmax(T(m, 3, 4), dim=2), lambda m: m.aminmax(T(m, 3, 4), dim=(0, 1))):
        _same_error(call)


# ------------------------------------------------------------------ searchsorted / bucketize
@pytest.mark.parametrize("kw", [{}, {"right": True}, {"side": "right"}, {"side": "left"}, {"out_int32": True},
                                {"right": True, "side": "right", "out_int32": True}])
def test_searchsorted_matches_torch(kw):
    seq1 = np.sort(_rand(1, 9)).astype(np.float32)
    seq1[3] = seq1[4]  # a repeated boundary: left and right differ
    vals = np.concatenate([_rand(2, 5), seq1[[0, 3, 8]], [NAN, -INF]]).astype(np.float32)
    seq2 = np.sort(_rand(3, 3, 6), axis=-1)
    for seq, v in ((seq1, vals), (seq1, vals.reshape(2, 5)), (seq2, _rand(4, 3, 4)), (seq2, seq2[:, ::2].copy())):
        _check(lambda m, s, v: m.searchsorted(s, v, **kw), seq, v, grad=False)
    _check(lambda m, s: m.searchsorted(s, 0.3, **kw), seq1, grad=False)
    _check(lambda m, s, v: m.searchsorted(s, v, **kw), seq1, np.array(0.3, np.float32), grad=False)
    _check(lambda m, s, v: m.searchsorted(s, input=v, **kw), seq1, vals, grad=False)


def test_searchsorted_with_sorter_and_mixed_dtypes_matches_torch():
    seq = _rand(1, 2, 7)
    _check(lambda m, s, v, o: m.searchsorted(s, v, sorter=o), seq, _rand(2, 2, 3), np.argsort(seq, -1), grad=False)
    ints = np.array([1, 2, 2, 3, 7])
    _check(lambda m, s, v: m.searchsorted(s, v), ints, np.array([1.5, 2.0, 6.9]), grad=False)
    _check(lambda m, s, v: m.searchsorted(s, v, right=True), ints.astype(np.float32), ints[:3], grad=False)
    _check(lambda m, s: (m.searchsorted(s, 2.5), m.searchsorted(s, 2)), ints, grad=False)


@pytest.mark.parametrize("kw", [{}, {"right": True}, {"out_int32": True}])
def test_bucketize_matches_torch(kw):
    bounds = np.array([-1.0, 0.0, 0.0, 0.5, 2.0], np.float32)
    x = np.concatenate([_rand(1, 7), bounds]).reshape(3, 4)
    _check(lambda m, x, b: m.bucketize(x, b, **kw), x, bounds, grad=False)
    _check(lambda m, b: m.bucketize(0.0, b, **kw), bounds, grad=False)
    _check(lambda m, x, b: m.bucketize(x, b, **kw), x.astype(np.int64), bounds, grad=False)


@pytest.mark.parametrize("call", [
    lambda m: m.searchsorted(T(m, 3, 5), 0.3),
    lambda m: m.searchsorted(T(m, 3, 5), T(m, 3, 4), right=True, side="left"),
    lambda m: m.searchsorted(T(m, 3, 5), T(m, 3, 4), side="middle"),
    lambda m: m.searchsorted(T(m, 3, 5), T(m, 2, 4)),
    lambda m: m.searchsorted(T(m, 3, 5), T(m, 3, 2, 4)),
    lambda m: m.searchsorted(T(m, 3, 5), T(m, 4)),
    lambda m: m.searchsorted(T(m), T(m, 3, 4)),
    lambda m: m.searchsorted(T(m, 3, 5), T(m, 3, 4), sorter=m.zeros(3, 4, dtype=m.int64)),
    lambda m: m.searchsorted(T(m, 3, 5), T(m, 3, 4), sorter=m.zeros(3, 5, dtype=m.int32)),
    lambda m: m.searchsorted(T(m, 3, 5), T(m, 3, 4), sorter=m.full((3, 5), 5, dtype=m.int64)),
    lambda m: m.searchsorted(T(m, 3, 5), T(m, 3, 4), sorter=m.full((3, 5), -1, dtype=m.int64)),
    lambda m: m.bucketize(T(m, 3, 4), T(m, 3, 5)),
])
def test_searchsorted_errors_match_torch(call):
    _same_error(call)


def test_new_tensor_methods_exist_where_torch_has_them():
    for name in ["lerp", "lerp_", "addmm", "addmm_", "addmv", "addmv_", "baddbmm", "baddbmm_", "kron", "cross",
                 "nansum", "nanmean", "quantile", "nanquantile", "histc", "aminmax", "count_nonzero"]:
        assert hasattr(torch.Tensor, name) and hasattr(fastnn.Tensor, name), name


@pytest.mark.parametrize("call", [
    lambda m, o: m.lerp(T(m, 3, 4, seed=1), T(m, 4, seed=2), 0.3, out=o),
    lambda m, o: m.addmm(T(m, 4), T(m, 3, 5, seed=1), T(m, 5, 4, seed=2), beta=0.5, out=o),
    lambda m, o: m.kron(T(m, 1, 2), T(m, 3, 2, seed=1), out=o),
    lambda m, o: m.linalg.cross(T(m, 3, 4), T(m, 3, 4, seed=1), dim=0, out=o),
    lambda m, o: m.nansum(T(m, 3, 4, 2), 2, out=o),
    lambda m, o: m.nanmean(T(m, 2, 3, 4), 0, out=o),
    lambda m, o: m.quantile(T(m, 3, 4, 5), 0.3, 2, out=o),
])
def test_out_arguments_match_torch(call):
    outs = [m.zeros(3, 4) for m in MODULES]
    assert call(fastnn, outs[0]) is outs[0]
    call(torch, outs[1])
    _same(outs[0], outs[1])
