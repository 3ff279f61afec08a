"""Matrix products: forward and both backward products without materialised transposes.

float32 2-D arrays go to fastnn's SGEMM (C-contiguous operands, row slices of them, or transposed views of either:
the bindings read a Fortran-ordered operand as its C-ordered transpose with the flag flipped); anything else takes
the numpy path with the same semantics. These run several times per training step, so the fast-path checks are
kept minimal."""
import numpy as np

from ... import _C
from . import buffers
from .elementwise import relu_backward
from .softmax import log_softmax as _log_softmax, log_softmax_backward as _log_softmax_backward

_F32 = np.dtype(np.float32)


def _numpy_matmul(a, b, trans_a, trans_b, out, alpha, beta):
    A = a.T if trans_a else a
    B = b.T if trans_b else b
    if A.shape[1] != B.shape[0]:
        raise ValueError(f"matmul: op(a) has shape {list(A.shape)} but op(b) has shape {list(B.shape)}")
    prod = A @ B
    if alpha != 1.0:
        prod *= alpha
    if out is None:
        return prod
    if beta == 0.0:
        out[...] = prod
    else:
        out *= beta
        out += prod
    return out


# Outputs of the bindings this large come from the buffer pool (the binding calls back for them); -1: none do.
_POOL_MIN_BYTES = buffers.MIN_BYTES if buffers.pooled(buffers.MIN_BYTES) else -1


def _pool_alloc(shape):
    return buffers.empty(shape, _F32)


def matmul(a, b, trans_a=False, trans_b=False, out=None, alpha=1.0, beta=0.0):
    """out = alpha * op(a) @ op(b) + beta * out for 2-D arrays, op = transpose when its flag is set.

    With beta == 0, `out` is never read (it may hold NaN). Returns out (allocated when None)."""
    # Fast path first: the bindings validate dtypes, shapes and layout before touching anything and raise
    # TypeError / ValueError on what they do not take (float64, strided operands, errors): those go the slow way.
    try:
        if a.dtype is _F32 and b.dtype is _F32:
            if out is None:
                return _C.matmul(a, b, trans_a, trans_b, alpha, _pool_alloc, _POOL_MIN_BYTES)
            _C.sgemm(a, b, out, trans_a, trans_b, alpha, beta)
            return out
    except (TypeError, ValueError, IndexError, AttributeError):
        pass
    return _slow_matmul(a, b, trans_a, trans_b, out, alpha, beta)


def _slow_matmul(a, b, trans_a, trans_b, out, alpha, beta):
    """Strided float32 matrices (neither their rows nor their columns contiguous) are copied for a new output;
    everything else the bindings refused takes numpy."""
    if (out is None and isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == _F32
            and b.dtype == _F32 and a.ndim == 2 and b.ndim == 2):
        try:
            return _C.matmul(np.ascontiguousarray(a), np.ascontiguousarray(b), trans_a, trans_b, alpha, _pool_alloc,
                             _POOL_MIN_BYTES)
        except (TypeError, ValueError):
            pass  # shapes disagree: numpy raises below
    return _numpy_matmul(a, b, trans_a, trans_b, out, alpha, beta)


def linear(x, weight, bias=None, relu=False):
    """y = x @ weight.T (+ bias) (then max(y, 0) when relu): Linear's forward with a fused epilogue."""
    try:
        if x.dtype != _F32:
            pass
        elif x.ndim == 2:
            y = buffers.empty((x.shape[0], weight.shape[0]), _F32)
            _C.sgemm(x, weight, y, False, True, 1.0, 0.0, bias, relu)
            return y
        elif x.ndim > 2 and x.flags.c_contiguous:
            y = buffers.empty((x.size // x.shape[-1], weight.shape[0]), _F32)
            _C.sgemm(x.reshape(-1, x.shape[-1]), weight, y, False, True, 1.0, 0.0, bias, relu)
            return y.reshape(x.shape[:-1] + (weight.shape[0],))
    except (TypeError, ValueError, IndexError, AttributeError, ZeroDivisionError):
        pass
    y = x @ weight.T
    if bias is not None:
        y += bias
    if relu:
        np.maximum(y, 0, out=y)
    return y


def _layer_backward(grad, y, x, weight, need_x, need_w, need_b):
    """Gradients (gx, gw, gb) of y = x @ weight.T + b for 2-D arrays, None where not needed; with y (the forward
    output of a fused ReLU) the gradient is first masked by y > 0. The layer-by-layer path of
    linear_chain_backward, for the dtypes and layouts its binding does not take."""
    if y is not None:
        grad = relu_backward(grad, y)
    return (matmul(grad, weight) if need_x else None, matmul(grad, x, trans_a=True) if need_w else None,
            bias_grad(grad) if need_b else None)


def linear_chain(x, weights, biases, relus, log_softmax):
    """Linear layers in turn from a 2-D x: [h_1, ..., h_L] with h_{i+1} = h_i @ w_i.T + b_i (then max(., 0)
    where relus[i]), followed by log_softmax(h_L) when asked. float32 (every array, as the caller has checked)
    runs as one C++ call; other dtypes and layouts the binding refuses, layer by layer."""
    if x.dtype == _F32:
        try:
            return _C.linear_chain_forward(x, weights, biases, relus, log_softmax, _pool_alloc, _POOL_MIN_BYTES)
        except (TypeError, ValueError):
            pass  # a layout the binding does not take (a transposed weight): layer by layer, as numpy can
    hs = []
    for w, b, relu in zip(weights, biases, relus):
        x = linear(x, w, b, relu)
        hs.append(x)
    if log_softmax:
        hs.append(_log_softmax(x))
    return hs


def linear_chain_backward(grad, acts, weights, relus, lsm, need_x, need_w, need_b):
    """The backward of linear_chain given acts = [x, h_1, ..., h_L] and, when the chain ended in log_softmax, its
    output lsm: (gx, [gw_i], [gb_i]), None where not needed. Layer i's input gradient is computed where
    need_x[i]; the walk stops at the first layer (from the top) that needs none."""
    if grad.dtype == _F32:
        try:
            return _C.linear_chain_backward(grad, acts, weights, relus, lsm, need_x, need_w, need_b, _pool_alloc,
                                            _POOL_MIN_BYTES)
        except (TypeError, ValueError):
            pass
    if lsm is not None:
        grad = _log_softmax_backward(grad, lsm)
    gws, gbs = [None] * len(weights), [None] * len(weights)
    for i in range(len(weights) - 1, -1, -1):
        y = acts[i + 1] if relus[i] else None
        grad, gws[i], gbs[i] = _layer_backward(grad, y, acts[i], weights[i], need_x[i], need_w[i], need_b[i])
        if grad is None:
            break
    return grad, gws, gbs


def bias_grad(grad, out=None, beta=0.0):
    """out = grad.sum(axis=0) (+ beta * out): the gradient of a bias broadcast over rows."""
    try:
        if grad.dtype != _F32:
            pass
        elif out is None:
            o = buffers.empty(grad.shape[1], _F32)
            _C.bias_grad(grad, o, 0.0)
            return o
        else:
            _C.bias_grad(grad, out, beta)
            return out
    except (TypeError, ValueError, IndexError, AttributeError):
        pass
    s = grad.sum(axis=0)
    if out is None:
        return s
    if beta == 0.0:
        out[...] = s
    else:
        out *= beta
        out += s
    return out
