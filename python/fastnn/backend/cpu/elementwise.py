"""Element-wise activations and their derivatives (backward takes the forward output y, not x)."""
import numpy as np

from ... import _C


def _is_fast(*arrays):
    return all(a.dtype == np.float32 and a.flags.c_contiguous for a in arrays)


def relu(x, out=None):
    if out is None:
        out = np.empty_like(x, order="C")
    if _is_fast(x, out):
        _C.relu_forward(x, out)
    else:
        np.maximum(x, 0, out=out)
    return out


def relu_backward(grad, y, out=None):
    if out is None:
        out = np.empty_like(grad, order="C")
    if _is_fast(grad, y, out) and grad.shape == y.shape:
        _C.relu_backward(grad, y, out)
    else:
        np.multiply(grad, y > 0, out=out)
    return out


def sigmoid(x, out=None):
    # Stable for large |x|: exp of a non-positive number only.
    e = np.exp(-np.abs(x))
    r = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)
    if out is None:
        return r
    out[...] = r
    return out


def sigmoid_backward(grad, y, out=None):
    r = grad * y * (1 - y)
    if out is None:
        return r
    out[...] = r
    return out


def tanh(x, out=None):
    return np.tanh(x, out=out)


def tanh_backward(grad, y, out=None):
    r = grad * (1 - y * y)
    if out is None:
        return r
    out[...] = r
    return out
