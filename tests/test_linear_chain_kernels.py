"""The chain bindings (_C.linear_chain_forward / linear_chain_backward, behind nn._linear_chain): bit for bit the
per-layer kernels they replace on one thread, on every ISA with 1 and 2 threads; which outputs they compute;
outputs from the caller's allocator; bad inputs raise."""
import numpy as np
import pytest

import fastnn
from fastnn import _C
from fastnn.backend import cpu as B
from kernel_utils import isa_and_threads

ISAS = fastnn.available_isas()
WIDTHS = (23, 17, 9, 5)  # x's features, then each layer's outputs


def network(rng, M, bias=True, widths=WIDTHS):
    x = rng.standard_normal((M, widths[0])).astype(np.float32)
    ws = [(rng.standard_normal((n, k)) / np.sqrt(k)).astype(np.float32) for k, n in zip(widths, widths[1:])]
    bs = [rng.standard_normal(n).astype(np.float32) if bias else None for n in widths[1:]]
    return x, ws, bs


def no_pool(shape):
    raise AssertionError("alloc must not be called below alloc_min_bytes")


def layer_by_layer(x, ws, bs, relus, log_softmax):
    """The forward through the separate kernels."""
    hs, h = [], x
    for w, b, relu in zip(ws, bs, relus):
        y = np.full((h.shape[0], w.shape[0]), np.nan, np.float32)
        _C.sgemm(h, w, y, False, True, 1.0, 0.0, b, relu)
        hs.append(y)
        h = y
    if log_softmax:
        out = np.full_like(h, np.nan)
        _C.log_softmax_forward(h, out)
        hs.append(out)
    return hs


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("M", [0, 1, 7, 64])
@pytest.mark.parametrize("relus,log_softmax", [((True, True, False), True), ((False, True, True), False),
                                               ((True, False, True), True), ((False, False, False), False)])
def test_forward_equals_the_layer_kernels(isa, M, relus, log_softmax):
    rng = np.random.default_rng(M + 10 * sum(relus) + log_softmax)
    for bias in (True, False):
        x, ws, bs = network(rng, M, bias)
        with isa_and_threads(isa, 1):
            want = layer_by_layer(x, ws, bs, relus, log_softmax)
        for nt in (1, 2):  # both equal to the separate kernels on one thread
            with isa_and_threads(isa, nt):
                got = _C.linear_chain_forward(x, ws, bs, relus, log_softmax, no_pool, 1 << 30)
            assert len(got) == 3 + log_softmax
            for g, w in zip(got, want):
                assert g.dtype == np.float32 and g.flags.c_contiguous and np.array_equal(g, w)
        if M:  # the values themselves: layer 1 against float64
            ref = x.astype(np.float64) @ ws[0].T.astype(np.float64) + (bs[0] if bias else 0)
            ref = np.maximum(ref, 0) if relus[0] else ref
            np.testing.assert_allclose(got[0], ref, rtol=1e-5, atol=1e-5)


def per_layer_backward(g, acts, ws, relus, lsm, need_x, need_w, need_b):
    """The backward through the separate kernels (log-softmax backward, ReLU mask, the two products, the bias
    gradient), walking down while input gradients are wanted."""
    if lsm is not None:
        d = np.empty_like(g)
        _C.log_softmax_backward(g, lsm, d)
        g = d
    gws, gbs = [None] * len(ws), [None] * len(ws)
    for i in range(len(ws) - 1, -1, -1):
        if relus[i]:
            masked = np.empty_like(g)
            _C.relu_backward(g, acts[i + 1], masked)
            g = masked
        (m, n), k = g.shape, ws[i].shape[1]
        if need_w[i]:
            gws[i] = np.full((n, k), np.nan, np.float32)
            _C.sgemm(g, acts[i], gws[i], True, False)
        if need_b[i]:
            gbs[i] = np.full(n, np.nan, np.float32)
            _C.bias_grad(g, gbs[i])
        if not need_x[i]:
            return None, gws, gbs
        gx = np.full((m, k), np.nan, np.float32)
        _C.sgemm(g, ws[i], gx, False, False)
        g = gx
    return g, gws, gbs


NEEDS = [  # (need_x, need_w, need_b) per layer
    ((True, True, True), (True, True, True), (True, True, True)),
    ((False, True, True), (True, True, True), (True, True, True)),    # x needs no gradient: no gx
    ((False, False, True), (False, True, True), (False, True, True)),  # layer 0 frozen: the walk stops at 1
    ((False, False, False), (False, False, True), (False, False, False)),  # only the last weight
    ((True, True, True), (False, True, False), (True, False, True)),
]


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("M,widths", [(0, WIDTHS), (1, WIDTHS), (7, WIDTHS), (64, WIDTHS), (64, (784, 128, 64, 10))])
@pytest.mark.parametrize("needs", NEEDS)
@pytest.mark.parametrize("relus,log_softmax", [((True, True, False), True), ((True, False, True), False),
                                               ((False, False, False), False)])
def test_backward_equals_the_layer_kernels(isa, M, widths, needs, relus, log_softmax):
    rng = np.random.default_rng(M + 100 * sum(relus))
    x, ws, bs = network(rng, M, widths=widths)
    acts = [x] + layer_by_layer(x, ws, bs, relus, log_softmax)
    lsm = acts.pop() if log_softmax else None
    g = rng.standard_normal((M, widths[-1])).astype(np.float32)
    g_before = g.copy()
    with isa_and_threads(isa, 1):
        want = per_layer_backward(g, acts, ws, relus, lsm, *needs)
    for nt in (1, 2):  # both equal to the separate kernels on one thread
        with isa_and_threads(isa, nt):
            gx, gws, gbs = _C.linear_chain_backward(g, acts, ws, relus, lsm, *needs, no_pool, 1 << 30)
        assert np.array_equal(g, g_before), "the caller's gradient must not be written (ReLU masks a copy)"
        for got, exp in zip([gx] + gws + gbs, [want[0]] + want[1] + want[2]):
            assert (got is None) == (exp is None)
            if got is not None:
                assert got.dtype == np.float32 and np.array_equal(got, exp)


def test_outputs_come_from_the_allocator_above_its_size():
    """Outputs of alloc_min_bytes or more are the arrays alloc returned (the buffer pool's); smaller ones are new."""
    rng = np.random.default_rng(3)
    x, ws, bs = network(rng, 64)
    given = []

    def alloc(shape):
        given.append(np.full(shape, np.nan, np.float32))
        return given[-1]

    relus = (True, True, False)
    want = layer_by_layer(x, ws, bs, relus, True)
    got = _C.linear_chain_forward(x, ws, bs, relus, True, alloc, 64 * 9 * 4)  # [64, 17] and [64, 9]: pooled
    assert [g.shape for g in given] == [(64, 17), (64, 9)]
    assert got[0] is given[0] and got[1] is given[1] and all(g is not given[0] for g in got[2:])
    assert all(np.array_equal(a, b) for a, b in zip(got, want))
    acts, lsm = [x] + got[:3], got[3]
    g = rng.standard_normal((64, 5)).astype(np.float32)
    need = ((True,) * 3,) * 3
    want_b = per_layer_backward(g, acts, ws, relus, lsm, *need)
    given.clear()
    gx, gws, gbs = _C.linear_chain_backward(g, acts, ws, relus, lsm, *need, alloc, 17 * 23 * 4)
    assert gx is given[0] and gws[0] is given[1]  # [64, 23] and [17, 23]; the rest are smaller
    assert np.array_equal(gx, want_b[0]) and all(np.array_equal(a, b) for a, b in zip(gws, want_b[1]))
    with pytest.raises(ValueError, match=r"expected shape \[64, 17\]"):
        _C.linear_chain_forward(x, ws, bs, relus, True, lambda shape: np.empty((17, 64), np.float32), 0)
    with pytest.raises(TypeError, match="float32"):
        _C.linear_chain_forward(x, ws, bs, relus, True, lambda shape: np.empty(shape), 0)

    def read_only(shape):
        a = np.empty(shape, np.float32)
        a.flags.writeable = False
        return a

    with pytest.raises(ValueError, match="read-only"):
        _C.linear_chain_backward(g, acts, ws, relus, lsm, *need, read_only, 0)
    with pytest.raises(ValueError, match="overlap"):
        _C.linear_chain_forward(x, ws, bs, relus, True, lambda shape: x.reshape(-1)[:np.prod(shape)].reshape(shape), 0)


def test_bad_inputs_raise():
    rng = np.random.default_rng(5)
    x, ws, bs = network(rng, 4)
    relus = (True, True, False)

    def fwd(x=x, ws=ws, bs=bs, relus=relus):
        return _C.linear_chain_forward(x, ws, bs, relus, True, no_pool, -1)

    with pytest.raises(TypeError, match="float32"):
        fwd(x=x.astype(np.float64))
    with pytest.raises(TypeError, match="float32"):
        fwd(ws=[ws[0], ws[1].astype(np.float16), ws[2]])
    with pytest.raises(TypeError, match="weights must be float32 arrays"):
        fwd(ws=[ws[0], ws[1].tolist(), ws[2]])
    with pytest.raises(ValueError, match=r"weight 1 has shape \[9, 16\] but its input has 17 features"):
        fwd(ws=[ws[0], ws[1][:, :16].copy(), ws[2]])
    with pytest.raises(ValueError, match=r"bias 2 has shape \[4\] but weight 2 has 5 rows"):
        fwd(bs=[bs[0], bs[1], bs[2][:4].copy()])
    with pytest.raises(ValueError, match="expected at least one weight"):
        fwd(ws=[], bs=[], relus=())
    with pytest.raises(ValueError, match="one bias"):
        fwd(bs=bs[:2])
    with pytest.raises(ValueError, match="expected 3 relu flags, got 2"):
        fwd(relus=(True, True))
    with pytest.raises(ValueError, match="contiguous"):
        fwd(x=np.ones((23, 4), np.float32).T)
    acts = [x] + fwd()
    lsm = acts.pop()
    g = np.ones((4, 5), np.float32)
    need = ((True,) * 3,) * 3

    def bwd(g=g, acts=acts, ws=ws, lsm=lsm, need=need):
        return _C.linear_chain_backward(g, acts, ws, relus, lsm, *need, no_pool, -1)

    with pytest.raises(ValueError, match=r"g has shape \[4, 4\] but the chain's output is \[4, 5\]"):
        bwd(g=np.ones((4, 4), np.float32))
    with pytest.raises(TypeError, match="float32"):
        bwd(g=g.astype(np.float64))
    with pytest.raises(ValueError, match="expected L \\+ 1 activations"):
        bwd(acts=acts[:3])
    with pytest.raises(ValueError, match=r"activation 2 is not a C-contiguous \[4, 9\] array"):
        bwd(acts=[acts[0], acts[1], np.ones((4, 10), np.float32)[:, :9], acts[3]])
    with pytest.raises(ValueError, match="shape"):
        bwd(lsm=np.ones((5, 4), np.float32))
    with pytest.raises(TypeError, match="activations must be arrays"):
        bwd(acts=[x, acts[1].tolist(), acts[2], acts[3]])
    with pytest.raises(ValueError, match="expected 3 need_w flags, got 2"):
        bwd(need=((True,) * 3, (True,) * 2, (True,) * 3))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backend_chain_float32_and_numpy_paths_agree(dtype):
    """backend linear_chain / linear_chain_backward: float32 through the bindings, float64 layer by layer through
    numpy; both match a float64 reference."""
    rng = np.random.default_rng(9)
    x, ws, bs = network(rng, 6)
    x, ws, bs = x.astype(dtype), [w.astype(dtype) for w in ws], [b.astype(dtype) for b in bs]
    relus = (True, False, True)
    hs = B.linear_chain(x, ws, bs, relus, True)
    X = x.astype(np.float64)
    ref = [X]
    for w, b, r in zip(ws, bs, relus):
        h = ref[-1] @ w.T.astype(np.float64) + b
        ref.append(np.maximum(h, 0) if r else h)
    z = ref[-1] - ref[-1].max(1, keepdims=True)
    lsm_ref = z - np.log(np.exp(z).sum(1, keepdims=True))
    assert all(h.dtype == dtype for h in hs)
    for h, r in zip(hs, ref[1:] + [lsm_ref]):
        np.testing.assert_allclose(h, r, rtol=1e-4, atol=1e-4)
    g = rng.standard_normal((6, 5)).astype(dtype)
    gx, gws, gbs = B.linear_chain_backward(g, [x] + hs[:3], ws, relus, hs[3], (True,) * 3, (True,) * 3,
                                           (True,) * 3)
    # float64 reference by the chain rule
    d = g.astype(np.float64)
    d = d - np.exp(lsm_ref) * d.sum(1, keepdims=True)
    want_w, want_b = [None] * 3, [None] * 3
    for i in range(2, -1, -1):
        if relus[i]:
            d = d * (ref[i + 1] > 0)
        want_w[i], want_b[i] = d.T @ ref[i], d.sum(0)
        d = d @ ws[i].astype(np.float64)
    np.testing.assert_allclose(gx, d, rtol=1e-4, atol=1e-4)
    for got, want in zip(gws + gbs, want_w + want_b):
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
