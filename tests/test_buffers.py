"""Reuse of large kernel outputs (fastnn.backend.cpu.buffers): a buffer goes back into use only once no array
refers to it, its stale contents never show through a kernel's result, forked children cannot write into the
parent's arrays, and the idle pool stays under its cap."""
import multiprocessing
import os

import numpy as np
import pytest
import torch

import fastnn
from fastnn.backend.cpu import buffers

# A size no other test allocates, so that the pool's other buffers do not interfere: 4.4 MB of float32.
SHAPE = (1051, 1049)
F32 = np.dtype(np.float32)


def _address(a):
    return a.__array_interface__["data"][0]


def test_small_outputs_are_plain_numpy_arrays():
    a = buffers.empty((64, 128), F32)
    assert a.base is None and a.flags.owndata and not buffers.owns(a)
    b = buffers.empty_like(np.ones((3, 5), np.float64))
    assert b.shape == (3, 5) and b.dtype == np.float64 and b.base is None


def test_large_output_shape_dtype_and_layout():
    a = buffers.empty(SHAPE, F32)
    assert a.shape == SHAPE and a.dtype == np.float32 and a.flags.c_contiguous and a.flags.writeable
    assert buffers.owns(a) and not buffers.owns(a[1:]) and not buffers.owns(a.reshape(-1))
    f = np.asfortranarray(np.ones(SHAPE, np.float32))
    b = buffers.empty_like(f)
    assert b.shape == SHAPE and b.flags.c_contiguous
    assert buffers.empty(SHAPE[0] * SHAPE[1], F32).shape == (SHAPE[0] * SHAPE[1],)


def test_buffer_is_reused_only_when_no_array_refers_to_it():
    a = buffers.empty(SHAPE, F32)
    first = _address(a)
    view = a[5:].reshape(-1)  # views keep the owning array, and so the buffer, alive
    view[:] = 1.0
    del a
    b = buffers.empty(SHAPE, F32)
    assert _address(b) != first
    b[...] = 2.0
    assert np.all(view == 1.0)
    del view
    c = buffers.empty(SHAPE, F32)
    assert _address(c) == first  # handed out again, not mapped afresh
    del b, c


def test_tensor_keeps_its_buffer():
    t = fastnn.from_numpy(np.ones(SHAPE, np.float32)).relu()
    owner = _address(t.numpy())
    others = [buffers.empty(SHAPE, F32) for _ in range(3)]
    assert owner not in [_address(o) for o in others]
    assert float(t.sum()) == SHAPE[0] * SHAPE[1]


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_large_activations_match_torch_on_reused_buffers(name):
    # The second and third rounds write into buffers that hold the previous round's values.
    rng = np.random.default_rng(1)
    for _ in range(3):
        x_np = rng.standard_normal(SHAPE).astype(np.float32)
        g_np = rng.standard_normal(SHAPE).astype(np.float32)
        x = fastnn.from_numpy(x_np).requires_grad_(True)
        y = getattr(x, name)()
        y.backward(fastnn.from_numpy(g_np))
        xt = torch.from_numpy(x_np).requires_grad_(True)
        yt = getattr(xt, name)()
        yt.backward(torch.from_numpy(g_np))
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_leaf_grad_from_a_buffer_is_kept_and_accumulates():
    x = fastnn.from_numpy(np.random.default_rng(2).standard_normal(SHAPE).astype(np.float32)).requires_grad_(True)
    g = np.random.default_rng(3).standard_normal(SHAPE).astype(np.float32)
    x.relu().backward(fastnn.from_numpy(g))
    first = x.grad.numpy().copy()
    np.testing.assert_array_equal(first, g * (x.detach().numpy() > 0))
    x.relu().backward(fastnn.from_numpy(g))  # accumulates into the kept .grad
    np.testing.assert_array_equal(x.grad.numpy(), 2 * first)


def _child_writes(arr):
    arr[...] = 7.0
    spare = buffers.empty(SHAPE, F32)  # may reuse a mapping inherited from the parent
    spare[...] = 9.0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_cannot_write_into_parent_arrays():
    keep = buffers.empty(SHAPE, F32)
    keep[...] = 1.0
    idle = buffers.empty(SHAPE, F32)
    idle[...] = 3.0
    del idle  # now idle in the pool, inherited by the child
    p = multiprocessing.get_context("fork").Process(target=_child_writes, args=(keep,))
    p.start()
    p.join(60)
    assert p.exitcode == 0
    assert np.all(keep == 1.0)
    again = buffers.empty(SHAPE, F32)
    assert np.all(again == 3.0)  # the parent's idle buffer kept the parent's bytes


def test_idle_pool_stays_under_its_cap(monkeypatch):
    monkeypatch.setattr(buffers, "CAP_BYTES", buffers.idle_bytes() + 2 * buffers.MIN_BYTES)
    arrays = [buffers.empty((buffers.MIN_BYTES // 4 + 16 * i,), F32) for i in range(6)]
    del arrays
    assert buffers.idle_bytes() <= buffers.CAP_BYTES


def test_release_idle_empties_the_pool():
    a = buffers.empty(SHAPE, F32)
    del a
    assert buffers.idle_bytes() >= SHAPE[0] * SHAPE[1] * 4
    buffers.release_idle()
    assert buffers.idle_bytes() == 0
    b = buffers.empty(SHAPE, F32)  # maps afresh and still works
    b[...] = 5.0
    assert buffers.owns(b) and float(b.sum()) == 5.0 * b.size
