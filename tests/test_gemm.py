"""SGEMM, bias_grad and fma_peak against float64 numpy: odd shapes, every transpose mode, epilogues, every ISA
this CPU has, 1 and 2 threads (bit-identical), leading dimensions, bad inputs; and backend/cpu/gemm.py."""
import numpy as np
import pytest

import fastnn
from fastnn import _C
from fastnn.backend import cpu as B

ISAS = fastnn.available_isas()
EPS = np.finfo(np.float32).eps
MODES = [(False, False), (False, True), (True, False), (True, True)]
# (M, N, K): every odd size in every position, plus shapes that take the threaded paths (rows split, columns
# split), several K blocks, several NC column blocks, and the MLP's products.
SHAPES = [(d, 17, 65) for d in (1, 7, 15, 16, 17, 63, 65, 255, 257, 1000)] + \
         [(65, d, 17) for d in (1, 7, 15, 16, 17, 63, 65, 255, 257, 1000)] + \
         [(17, 65, d) for d in (1, 7, 15, 16, 17, 63, 65, 255, 257, 1000)] + \
         [(257, 255, 257), (1000, 63, 65), (7, 1000, 1000), (17, 1000, 257), (7, 4100, 17), (255, 1000, 63),
          (64, 128, 784), (784, 128, 64), (64, 784, 128), (64, 10, 64)] + \
         [(d, 33, 41) for d in (2, 3, 4, 5, 6, 14, 20, 22)] + \
         [(64, 1024, 300), (130, 1040, 70), (96, 2088, 520), (20, 8192, 40), (1024, 200, 64)] + \
         [(2048, 1, 4100), (1, 4100, 2048), (1, 1, 300)] + \
         [(65, 8, 17), (1000, 8, 300), (300, 24, 1000), (8, 1024, 300), (12, 2048, 100), (256, 100, 250)]
# (the last row: B [K, N] packed in groups of panels just before use, rows of a power-of-two length included,
# ragged last groups and several column blocks; A [K, M] with rows 4 KB apart packed instead of read in place,
# and with rows 1 KB apart (more than L1's sets hold) read in place;
# matrix-vector products large enough for two threads; one-vector-wide tiles, an operand used by a single
# panel of the other read in place whatever its size)


@pytest.fixture(params=ISAS)
def isa(request):
    before = fastnn.get_isa()
    fastnn.set_isa(request.param)
    yield request.param
    fastnn.set_isa(before)


@pytest.fixture
def threads():
    before = fastnn.get_num_threads()
    yield
    fastnn.set_num_threads(before)


def operands(rng, M, N, K, ta, tb):
    a = rng.standard_normal((K, M) if ta else (M, K)).astype(np.float32)
    b = rng.standard_normal((N, K) if tb else (K, N)).astype(np.float32)
    return a, b


def reference(a, b, ta, tb, alpha=1.0, beta=0.0, c=None, bias=None, relu=False):
    """float64 result and an error bound (K + 2) * eps * (|alpha| |A| |B| + |beta c| + |bias|) for each element."""
    A = (a.T if ta else a).astype(np.float64)
    Bm = (b.T if tb else b).astype(np.float64)
    ref = alpha * (A @ Bm)
    bound = abs(alpha) * (np.abs(A) @ np.abs(Bm))
    if beta != 0.0:
        ref += beta * c.astype(np.float64)
        bound += abs(beta) * np.abs(c.astype(np.float64))
    if bias is not None:
        ref += bias
        bound += np.abs(bias.astype(np.float64))
    if relu:
        ref = np.maximum(ref, 0.0)
    return ref, (A.shape[1] + 2) * EPS * bound + 1e-30


def check(out, ref, bound):
    assert out.shape == ref.shape
    assert np.all(np.isfinite(out)), "unwritten (NaN) or non-finite elements"
    err = np.abs(out.astype(np.float64) - ref)
    assert np.all(err <= bound), f"max error {err.max()} (bound there {bound.flat[err.argmax()]})"


def run(a, b, ta, tb, M, N, c0=None, **kw):
    c = np.full((M, N), np.nan, np.float32) if c0 is None else c0.copy()
    _C.sgemm(a, b, c, ta, tb, **kw)
    return c


@pytest.mark.parametrize("ta,tb", MODES)
def test_sgemm_beta0_all_shapes_threads_bit_identical(isa, threads, ta, tb):
    rng = np.random.default_rng(hash((isa, ta, tb)) % 2**32)
    for M, N, K in SHAPES:
        a, b = operands(rng, M, N, K, ta, tb)
        ref, bound = reference(a, b, ta, tb)
        fastnn.set_num_threads(1)
        c1 = run(a, b, ta, tb, M, N)  # C poisoned with NaN: beta == 0 must never read it
        check(c1, ref, bound)
        fastnn.set_num_threads(2)
        c2 = run(a, b, ta, tb, M, N)
        assert np.array_equal(c1, c2), f"1 and 2 threads differ at {(M, N, K)}"


@pytest.mark.parametrize("ta,tb", MODES)
def test_sgemm_alpha_beta_bias_relu(isa, threads, ta, tb):
    rng = np.random.default_rng(7 + ta + 2 * tb)
    cases = [(1, 1, 1), (7, 15, 16), (63, 65, 257), (255, 257, 63), (17, 1000, 257), (257, 255, 1000),
             (130, 1040, 70), (64, 1024, 300), (1, 300, 200), (300, 1, 200), (1, 1, 33)]
    for (M, N, K) in cases:
        a, b = operands(rng, M, N, K, ta, tb)
        c0 = rng.standard_normal((M, N)).astype(np.float32)
        bias = rng.standard_normal(N).astype(np.float32)
        for alpha, beta, use_bias, relu in [(1.0, 1.0, False, False), (0.5, 1.0, True, True), (-1.5, 0.25, True, False),
                                            (2.0, 0.0, True, True), (1.0, 0.0, False, True), (-1.5, 0.0, False, False)]:
            bb = bias if use_bias else None
            ref, bound = reference(a, b, ta, tb, alpha, beta, c0, bb, relu)
            outs = []
            for nt in (1, 2):
                fastnn.set_num_threads(nt)
                c = c0.copy() if beta != 0.0 else np.full((M, N), np.nan, np.float32)
                _C.sgemm(a, b, c, ta, tb, alpha=alpha, beta=beta, bias=bb, relu=relu)
                check(c, ref, bound)
                outs.append(c)
            assert np.array_equal(outs[0], outs[1])
            if relu:
                assert (outs[0] >= 0).all() and (M * N < 100 or (outs[0] == 0).any())


def test_sgemm_leading_dimensions_through_views(isa):
    """Row and column slices (row stride > row length) are read and written in place, nothing else touched."""
    rng = np.random.default_rng(3)
    for ta, tb in MODES:
        for M, N, K in [(7, 17, 65), (65, 33, 257), (300, 40, 300), (1, 40, 300), (300, 1, 40)]:
            a_big = rng.standard_normal((2 * K + 3, 2 * M + 5) if ta else (2 * M + 3, 2 * K + 5)).astype(np.float32)
            b_big = rng.standard_normal((2 * N + 3, 2 * K + 5) if tb else (2 * K + 3, 2 * N + 5)).astype(np.float32)
            a = a_big[1:1 + K, 2:2 + M] if ta else a_big[1:1 + M, 2:2 + K]
            b = b_big[::2, 1:1 + K][:N] if tb else b_big[::2, 1:1 + N][:K]  # row step 2: ld = 2 rows
            c_big = rng.standard_normal((M + 2, N + 9)).astype(np.float32)
            c_before = c_big.copy()
            c = c_big[1:1 + M, 3:3 + N]
            c0 = c.copy()
            _C.sgemm(a, b, c, ta, tb, alpha=0.75, beta=0.5)
            ref, bound = reference(np.ascontiguousarray(a), np.ascontiguousarray(b), ta, tb, 0.75, 0.5, c0)
            check(c, ref, bound)
            mask = np.ones_like(c_big, bool)
            mask[1:1 + M, 3:3 + N] = False
            assert np.array_equal(c_big[mask], c_before[mask]), "sgemm wrote outside its output view"


def transposed_view(rng, rows, cols, ld_extra=0):
    """A [rows, cols] float32 view whose columns are contiguous: the transpose of a C-ordered [cols, rows] array
    (of a row slice of a wider one when ld_extra > 0)."""
    base = rng.standard_normal((cols, rows + ld_extra)).astype(np.float32)
    return base[:, :rows].T


@pytest.mark.parametrize("ta,tb", MODES)
def test_sgemm_and_matmul_take_transposed_views(isa, ta, tb):
    """Operands with contiguous columns (x.T, x.t() of a tensor) are read as the matrices they transpose, with the
    flag flipped: the same bits as passing that matrix, and nothing copied."""
    rng = np.random.default_rng(21)
    for M, N, K, ld_extra in [(7, 17, 65, 0), (64, 10, 64, 3), (2, 2, 2, 0), (65, 33, 257, 5)]:
        a = transposed_view(rng, *((K, M) if ta else (M, K)), ld_extra)
        b = transposed_view(rng, *((N, K) if tb else (K, N)), ld_extra)
        assert not a.flags.c_contiguous and a.base is not None
        ref, bound = reference(a, b, ta, tb)
        out = _C.matmul(a, b, ta, tb)
        check(out, ref, bound)
        assert out.flags.c_contiguous and out.shape == (M, N)
        assert np.array_equal(out, _C.matmul(a.T, b.T, not ta, not tb))
        c = run(a, b, ta, tb, M, N)
        assert np.array_equal(c, out)
        # one operand flipped, the other as it is
        assert np.array_equal(_C.matmul(np.ascontiguousarray(a), b, ta, tb), out)


def test_matmul_binding_alpha_and_pool_outputs():
    rng = np.random.default_rng(22)
    a = rng.standard_normal((33, 20)).astype(np.float32)
    b = rng.standard_normal((20, 17)).astype(np.float32)
    ref, bound = reference(a, b, False, False, alpha=-0.5)
    check(_C.matmul(a, b, alpha=-0.5), ref, bound)
    shapes = []

    def alloc(shape):  # outputs of alloc_min_bytes or more come from here
        shapes.append(shape)
        return np.full(shape, np.nan, np.float32)

    out = _C.matmul(a, b, alloc=alloc, alloc_min_bytes=33 * 17 * 4)
    assert shapes == [(33, 17)]
    check(out, *reference(a, b, False, False))
    _C.matmul(a, b, alloc=alloc, alloc_min_bytes=33 * 17 * 4 + 1)
    assert len(shapes) == 1  # one byte short of the floor: a new array
    flat = a.reshape(-1)
    with pytest.raises(ValueError, match="matmul: an output overlaps an input"):
        _C.matmul(a, b, alloc=lambda shape: flat[:33 * 17].reshape(shape), alloc_min_bytes=0)
    with pytest.raises(ValueError, match=r"expected shape \[33, 17\]"):
        _C.matmul(a, b, alloc=lambda shape: np.empty((17, 33), np.float32), alloc_min_bytes=0)


def test_matmul_binding_bad_inputs_raise():
    a = np.ones((3, 4), np.float32)
    b = np.ones((4, 5), np.float32)
    with pytest.raises(TypeError, match="float32"):
        _C.matmul(a.astype(np.float64), b)
    with pytest.raises(TypeError, match="float32"):
        _C.matmul(a, np.ones((5, 4), np.int32).T)  # int32 with contiguous columns
    with pytest.raises(TypeError):
        _C.matmul([[1.0]], b)
    with pytest.raises(ValueError, match="2-D"):
        _C.matmul(np.ones(4, np.float32), b)
    with pytest.raises(ValueError, match=r"op\(a\) has shape \[3, 4\] but op\(b\) has shape \[5, 4\]"):
        _C.matmul(a, b, trans_b=True)
    with pytest.raises(ValueError, match=r"op\(a\) has shape \[3, 4\] but op\(b\) has shape \[3, 4\]"):
        _C.matmul(a, a.copy())
    with pytest.raises(ValueError, match="contiguous"):
        _C.matmul(np.ones((3, 8), np.float32)[:, ::2], b)
    with pytest.raises(ValueError, match="stride"):
        _C.matmul(np.ones((3, 4), np.float32)[::-1], b)
    assert _C.matmul(np.ones((0, 4), np.float32), b).shape == (0, 5)
    assert np.array_equal(_C.matmul(np.ones((3, 0), np.float32), np.ones((0, 5), np.float32)), np.zeros((3, 5)))


def test_sgemm_c_rows_4k_apart(isa, threads):
    """Large products whose C rows are a multiple of 4 KB apart accumulate in a padded copy of C (gemm.cpp): the
    result lands in place, with beta, bias and ReLU, identical on 1 and 2 threads, nothing outside C written."""
    rng = np.random.default_rng(11)
    # (ta, tb, M, N, K, row stride of C, first column of C in its rows)
    # (N = 1008: N + 16 is itself a multiple of 1024, so the copy's rows get twice the padding)
    for ta, tb, M, N, K, ld, col in [(False, False, 520, 1000, 300, 1024, 8), (True, True, 256, 1024, 520, 1024, 0),
                                     (False, True, 300, 1008, 520, 1024, 8)]:
        a, b = operands(rng, M, N, K, ta, tb)
        bias = rng.standard_normal(N).astype(np.float32)
        c_big = rng.standard_normal((M + 1, ld)).astype(np.float32)
        region = (slice(0, M), slice(col, col + N))
        outside = np.ones_like(c_big, bool)
        outside[region] = False
        for beta, bb, relu in [(0.5, None, False), (0.0, bias, True)]:
            ref, bound = reference(a, b, ta, tb, 1.0, beta, c_big[region], bb, relu)
            outs = []
            for nt in (1, 2):
                fastnn.set_num_threads(nt)
                big = c_big.copy()
                c = big[region]
                if beta == 0.0:
                    c[...] = np.nan
                _C.sgemm(a, b, c, ta, tb, beta=beta, bias=bb, relu=relu)
                check(c, ref, bound)
                assert np.array_equal(big[outside], c_big[outside]), "sgemm wrote outside C"
                outs.append(c.copy())
            assert np.array_equal(outs[0], outs[1])


def test_sgemm_zero_sizes():
    rng = np.random.default_rng(5)
    c = np.empty((0, 5), np.float32)
    _C.sgemm(np.ones((0, 3), np.float32), np.ones((3, 5), np.float32), c)
    c = np.empty((4, 0), np.float32)
    _C.sgemm(np.ones((4, 3), np.float32), np.ones((3, 0), np.float32), c)
    # K == 0: C = beta * C (+ bias), relu after.
    c0 = rng.standard_normal((4, 5)).astype(np.float32)
    bias = rng.standard_normal(5).astype(np.float32)
    c = c0.copy()
    _C.sgemm(np.ones((4, 0), np.float32), np.ones((0, 5), np.float32), c, beta=2.0, bias=bias, relu=True)
    np.testing.assert_allclose(c, np.maximum(2.0 * c0 + bias, 0), rtol=1e-6)
    c = np.full((4, 5), np.nan, np.float32)
    _C.sgemm(np.ones((4, 0), np.float32), np.ones((0, 5), np.float32), c)
    assert np.array_equal(c, np.zeros((4, 5), np.float32))


def test_sgemm_bad_inputs_raise():
    a = np.ones((3, 4), np.float32)
    b = np.ones((4, 5), np.float32)
    c = np.ones((3, 5), np.float32)
    with pytest.raises(TypeError, match="float32"):
        _C.sgemm(a.astype(np.float64), b, c)
    with pytest.raises(TypeError):
        _C.sgemm(a, b.astype(np.int32), c)
    with pytest.raises(TypeError):
        _C.sgemm(a, b, c.astype(np.float64))
    with pytest.raises(TypeError):
        _C.sgemm([[1.0]], b, c)
    with pytest.raises(ValueError, match="2-D"):
        _C.sgemm(np.ones(4, np.float32), b, c)
    with pytest.raises(ValueError, match="2-D"):
        _C.sgemm(np.ones((1, 3, 4), np.float32), b, c)
    with pytest.raises(ValueError, match=r"op\(a\) has shape \[3, 4\] but op\(b\) has shape \[5, 4\]"):
        _C.sgemm(a, b.T.copy(), c)
    with pytest.raises(ValueError, match=r"c has shape \[5, 3\]"):
        _C.sgemm(a, b, c.T.copy())
    with pytest.raises(ValueError, match="contiguous"):
        _C.sgemm(np.ones((3, 8), np.float32)[:, ::2], b, c)
    with pytest.raises(ValueError, match="contiguous"):  # neither rows nor columns contiguous
        _C.sgemm(np.ones((4, 6), np.float32)[:, ::2].T, b, c)
    with pytest.raises(ValueError, match="contiguous"):  # a transposed view is no output
        _C.sgemm(a, b, np.ones((5, 3), np.float32).T)
    with pytest.raises(ValueError, match="stride"):
        _C.sgemm(np.ones((3, 4), np.float32)[::-1], b, c)
    ro = c.copy()
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        _C.sgemm(a, b, ro)
    with pytest.raises(ValueError):  # empty but inconsistent
        _C.sgemm(np.ones((0,), np.float32), b, c)
    with pytest.raises(ValueError, match="shape"):
        _C.sgemm(np.ones((3, 0), np.float32), b, c)
    sq = np.ones((4, 4), np.float32)
    with pytest.raises(ValueError, match="overlap"):
        _C.sgemm(sq, sq.copy(), sq)
    with pytest.raises(ValueError, match="overlap"):  # a transposed view of the output
        _C.sgemm(sq.copy(), sq.T, sq)
    with pytest.raises(ValueError, match="bias"):
        _C.sgemm(a, b, c, bias=np.ones(4, np.float32))
    with pytest.raises(TypeError):
        _C.sgemm(a, b, c, bias=np.ones(5, np.float64))
    with pytest.raises(TypeError):
        _C.sgemm(a, b, c, bias=[1.0] * 5)
    assert np.array_equal(c, np.ones((3, 5), np.float32)), "a failed call must not write its output"


@pytest.mark.parametrize("M,N", [(1, 1), (7, 65), (64, 10), (256, 784), (1000, 1000), (63, 257)])
def test_bias_grad(isa, threads, M, N):
    rng = np.random.default_rng(M * 1000 + N)
    g = rng.standard_normal((M, N)).astype(np.float32)
    ref = g.astype(np.float64).sum(axis=0)
    bound = (M + 1) * EPS * np.abs(g.astype(np.float64)).sum(axis=0)
    outs = []
    for nt in (1, 2):
        fastnn.set_num_threads(nt)
        out = np.full(N, np.nan, np.float32)
        _C.bias_grad(g, out)
        assert np.all(np.abs(out - ref) <= bound)
        outs.append(out)
    assert np.array_equal(outs[0], outs[1])
    prev = rng.standard_normal(N).astype(np.float32)
    out = prev.copy()
    _C.bias_grad(g, out, beta=0.5)
    assert np.all(np.abs(out - (ref + 0.5 * prev)) <= bound + 1e-6 * np.abs(prev))


def test_bias_grad_bad_inputs_raise():
    g = np.ones((3, 4), np.float32)
    with pytest.raises(TypeError):
        _C.bias_grad(g.astype(np.float64), np.ones(4, np.float32))
    with pytest.raises(TypeError):
        _C.bias_grad(g, np.ones(4, np.float64))
    with pytest.raises(ValueError):
        _C.bias_grad(np.ones(4, np.float32), np.ones(4, np.float32))
    with pytest.raises(ValueError, match="shape"):
        _C.bias_grad(g, np.ones(3, np.float32))
    with pytest.raises(ValueError, match="contiguous"):
        _C.bias_grad(np.ones((4, 3), np.float32).T, np.ones(4, np.float32))
    out = np.ones(4, np.float32)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        _C.bias_grad(g, out)
    out = np.full(0, np.nan, np.float32)
    _C.bias_grad(np.ones((3, 0), np.float32), out)  # empty but consistent: nothing to do
    out = np.full(2, np.nan, np.float32)
    _C.bias_grad(np.ones((0, 2), np.float32), out)
    assert np.array_equal(out, np.zeros(2, np.float32))


def test_fma_peak(isa):
    one = _C.fma_peak(1, 0.01, 2)
    two = _C.fma_peak(2, 0.01, 2)
    assert np.isfinite(one) and one > 0.5 and np.isfinite(two) and two > 0.5
    with pytest.raises(ValueError):
        _C.fma_peak(0)


# ---- backend/cpu/gemm.py ----

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ta,tb", MODES)
def test_backend_matmul(dtype, ta, tb):
    rng = np.random.default_rng(11)
    tol = dict(rtol=2e-4, atol=2e-4) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    for M, N, K in [(1, 1, 1), (64, 128, 784), (17, 65, 63)]:
        a, b = operands(rng, M, N, K, ta, tb)
        a, b = a.astype(dtype), b.astype(dtype)
        A, Bm = (a.T if ta else a), (b.T if tb else b)
        expect = A.astype(np.float64) @ Bm.astype(np.float64)
        out = B.matmul(a, b, ta, tb)
        assert out.dtype == dtype and out.shape == (M, N)
        np.testing.assert_allclose(out, expect, **tol)
        # out given: alpha, beta accumulate; beta == 0 ignores a NaN-poisoned out.
        c0 = rng.standard_normal((M, N)).astype(dtype)
        out = c0.copy()
        assert B.matmul(a, b, ta, tb, out=out, alpha=0.5, beta=2.0) is out
        np.testing.assert_allclose(out, 0.5 * expect + 2.0 * c0, **tol)
        out = np.full((M, N), np.nan, dtype)
        B.matmul(a, b, ta, tb, out=out, alpha=-1.0)
        np.testing.assert_allclose(out, -expect, **tol)
        # Fortran-ordered operands (transposed views) are handled without copies and give the same result.
        out = B.matmul(np.asfortranarray(a), np.asfortranarray(b), ta, tb)
        np.testing.assert_allclose(out, expect, **tol)


def test_backend_matmul_fallbacks_and_errors():
    rng = np.random.default_rng(12)
    a = rng.standard_normal((5, 6)).astype(np.float32)
    b = rng.standard_normal((6, 7))  # float64 beside float32: numpy path, numpy's promotion
    np.testing.assert_allclose(B.matmul(a, b), a @ b, rtol=1e-6)
    with pytest.raises(ValueError, match="shape"):
        B.matmul(a, a)
    sq = rng.standard_normal((6, 6)).astype(np.float32)
    expect = sq.astype(np.float64) @ sq
    out = sq.copy()
    B.matmul(out, sq, out=out)  # out aliases an input: numpy path computes the product first
    np.testing.assert_allclose(out, expect, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(B.matmul(a[:, ::2], b[::2].astype(np.float32)), a[:, ::2] @ b[::2], rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backend_linear(dtype):
    rng = np.random.default_rng(13)
    tol = dict(rtol=2e-4, atol=2e-4) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    for M, N, K in [(1, 1, 1), (64, 128, 784), (256, 10, 64), (7, 65, 17)]:
        x = rng.standard_normal((M, K)).astype(dtype)
        w = rng.standard_normal((N, K)).astype(dtype)
        bias = rng.standard_normal(N).astype(dtype)
        lin = x.astype(np.float64) @ w.T.astype(np.float64)
        np.testing.assert_allclose(B.linear(x, w), lin, **tol)
        np.testing.assert_allclose(B.linear(x, w, bias), lin + bias, **tol)
        y = B.linear(x, w, bias, relu=True)
        assert y.dtype == dtype
        np.testing.assert_allclose(y, np.maximum(lin + bias, 0), **tol)
    x3 = rng.standard_normal((2, 3, 5)).astype(dtype)
    w = rng.standard_normal((4, 5)).astype(dtype)
    np.testing.assert_allclose(B.linear(x3, w), x3.astype(np.float64) @ w.T, **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backend_bias_grad(dtype):
    rng = np.random.default_rng(14)
    g = rng.standard_normal((64, 130)).astype(dtype)
    expect = g.astype(np.float64).sum(axis=0)
    np.testing.assert_allclose(B.bias_grad(g), expect, rtol=1e-5, atol=1e-5)
    out = np.ones(130, dtype)
    assert B.bias_grad(g, out=out, beta=1.0) is out
    np.testing.assert_allclose(out, expect + 1, rtol=1e-5, atol=1e-5)
    out = np.full(130, np.nan, dtype)
    B.bias_grad(g, out=out)
    np.testing.assert_allclose(out, expect, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(B.bias_grad(g[:, ::2]), expect[::2], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("ta,tb", MODES)
def test_sgemm_writes_nothing_past_c(isa, threads, ta, tb):
    """C is the front of a larger buffer whose tail holds sentinels: ragged edge tiles (rows and columns) must
    store only inside C, with and without beta, bias and relu."""
    rng = np.random.default_rng(11 + ta + 2 * tb)
    for M, N, K in [(1, 1, 3), (7, 10, 9), (64, 10, 64), (13, 17, 5), (5, 33, 70), (257, 255, 63)]:
        a, b = operands(rng, M, N, K, ta, tb)
        bias = rng.standard_normal(N).astype(np.float32)
        for nt in (1, 2):
            fastnn.set_num_threads(nt)
            for beta, use_bias, relu in [(0.0, False, False), (1.0, True, True)]:
                buf = np.full(M * N + 64, 12345.0, np.float32)
                c = buf[:M * N].reshape(M, N)
                c0 = rng.standard_normal((M, N)).astype(np.float32)
                c[...] = c0
                bb = bias if use_bias else None
                _C.sgemm(a, b, c, ta, tb, 1.0, beta, bb, relu)
                assert np.all(buf[M * N:] == 12345.0), f"wrote past C at {(M, N, K)}"
                ref, bound = reference(a, b, ta, tb, 1.0, beta, c0, bb, relu)
                check(c, ref, bound)
