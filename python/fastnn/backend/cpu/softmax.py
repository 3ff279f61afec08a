"""Row-wise softmax / log-softmax over the last axis of a 2-D array, and the fused cross-entropy.

float32 C-contiguous 2-D arrays go to the C++ kernels; anything else takes the numpy path (same semantics).
`out` (optional) receives the result and may be an input (in place)."""
import numpy as np

from ... import _C
from . import buffers

_F32 = np.dtype(np.float32)
_I64 = np.dtype(np.int64)


def _fast2d(a):
    return a.dtype is _F32 and a.ndim == 2 and a.flags.c_contiguous


def _store(r, out):
    if out is None:
        return r
    out[...] = r
    return out


def softmax(x, out=None):
    if _fast2d(x) and (out is None or _fast2d(out)):
        if out is None:
            out = buffers.empty_like(x)
        _C.softmax_forward(x, out)
        return out
    m = x.max(axis=-1, keepdims=True)
    e = np.exp(x - m)
    e /= e.sum(axis=-1, keepdims=True)
    return _store(e, out)


def softmax_backward(grad, y, out=None):
    """dx = y * (grad - sum(grad * y, row))."""
    if _fast2d(grad) and _fast2d(y) and (out is None or _fast2d(out)):
        if out is None:
            out = buffers.empty_like(grad)
        _C.softmax_backward(grad, y, out)
        return out
    return _store(y * (grad - (grad * y).sum(axis=-1, keepdims=True)), out)


def log_softmax(x, out=None):
    if _fast2d(x) and (out is None or _fast2d(out)):
        if out is None:
            out = buffers.empty_like(x)
        _C.log_softmax_forward(x, out)
        return out
    m = x.max(axis=-1, keepdims=True)
    s = x - m
    s -= np.log(np.exp(s).sum(axis=-1, keepdims=True))
    return _store(s, out)


def log_softmax_backward(grad, y, out=None):
    """dx = grad - exp(y) * sum(grad, row), with y the forward output."""
    if _fast2d(grad) and _fast2d(y) and (out is None or _fast2d(out)):
        if out is None:
            out = buffers.empty_like(grad)
        _C.log_softmax_backward(grad, y, out)
        return out
    return _store(grad - np.exp(y) * grad.sum(axis=-1, keepdims=True), out)


def cross_entropy(logits, targets, scale=1.0):
    """Per-row loss -log softmax(logits)[i, t_i] and dlogits = scale * (softmax(logits) - onehot(t)) in one pass.

    logits: (N, C) float; targets: (N,) integers in [0, C) (IndexError naming the bad value otherwise).
    scale lets the caller fold in 1/N * grad_output (mean reduction) without another pass."""
    if _fast2d(logits):
        if targets.dtype is not _I64 or not targets.flags.c_contiguous:
            if targets.dtype.kind not in "iu":
                raise TypeError(f"cross_entropy: targets must be integers, got dtype {targets.dtype}")
            targets = np.ascontiguousarray(targets, dtype=np.int64)
        n = logits.shape[0]
        loss = buffers.empty(n, _F32)
        d = buffers.empty_like(logits)
        _C.cross_entropy(logits, targets, loss, d, scale)
        return loss, d
    n, c = logits.shape
    if targets.shape != (n,):
        raise ValueError(f"cross_entropy: targets of shape {list(targets.shape)} for logits of shape {[n, c]}")
    if n and (targets.min() < 0 or targets.max() >= c):
        bad = targets[(targets < 0) | (targets >= c)][0]
        raise IndexError(f"Target {int(bad)} is out of bounds for {c} classes.")
    logp = log_softmax(logits)
    rows = np.arange(n)
    loss = -logp[rows, targets]
    d = np.exp(logp)
    d[rows, targets] -= 1
    if scale != 1.0:
        d *= scale
    return loss, d


def nll_loss(x, targets, weight, ignore_index):
    """Per-row -weight[t_i] * x[i, t_i] (0 where t_i == ignore_index) for (N, C) log-probabilities.

    Returns (losses, total, weight_sum): the per-row losses, their sum and the sum of the weights used (the
    number of rows not ignored without weights). IndexError names a target outside [0, C)."""
    t = targets if targets.dtype is _I64 and targets.flags.c_contiguous else np.ascontiguousarray(targets, np.int64)
    if _fast2d(x) and (weight is None or weight.dtype is _F32 and weight.flags.c_contiguous):
        losses = buffers.empty(x.shape[0], _F32)
        total, wsum = _C.nll_forward(x, t, weight, ignore_index, losses)
        return losses, total, wsum
    n, c = x.shape
    bad = (t != ignore_index) & ((t < 0) | (t >= c))
    if bad.any():
        raise IndexError(f"Target {int(t[bad][0])} is out of bounds.")
    valid = t != ignore_index
    tc = np.where(valid, t, 0)
    w = (weight[tc] if weight is not None else np.ones(n, dtype=x.dtype)) * valid
    losses = (-x[np.arange(n), tc] * w).astype(x.dtype, copy=False)
    return losses, float(losses.sum(dtype=np.float64)), float(w.sum(dtype=np.float64))


def nll_loss_backward(targets, weight, ignore_index, scale, shape, dtype):
    """The gradient of nll_loss: zeros of `shape` except [i, t_i] = -weight[t_i] * scale (a number or one
    value per row)."""
    t = targets if targets.dtype is _I64 and targets.flags.c_contiguous else np.ascontiguousarray(targets, np.int64)
    if getattr(scale, "ndim", 0) == 0:
        scale = np.array([scale], dtype)
    else:
        scale = np.ascontiguousarray(scale, dtype=dtype).reshape(-1)
    if dtype == _F32 and (weight is None or weight.dtype is _F32 and weight.flags.c_contiguous):
        gx = buffers.empty(shape, _F32)
        _C.nll_backward(t, weight, ignore_index, scale, gx)
        return gx
    n = shape[0]
    valid = t != ignore_index
    tc = np.where(valid, t, 0)
    w = (weight[tc] if weight is not None else np.ones(n, dtype=dtype)) * valid
    gx = np.zeros(shape, dtype=dtype)
    gx[np.arange(n), tc] = -w * scale
    return gx
