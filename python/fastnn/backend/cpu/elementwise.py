"""Element-wise activations and their derivatives (backward takes the forward output y, not x).

float32 C-contiguous arrays go to the C++ kernels; anything else takes the numpy path (same semantics).
`out` may be given (any array of the result's shape, even an input: in place); the result is returned."""
import math

import numpy as np

from ... import _C
from . import buffers

_F32 = np.dtype(np.float32)


def _fast(a):
    return a.dtype is _F32 and a.flags.c_contiguous


def _unary(kernel, x, out):
    """Runs kernel(x, out) when both are fast; returns None to ask for the numpy path."""
    if x.dtype is _F32 and x.flags.c_contiguous:
        if out is None:
            out = buffers.empty_like(x)
        elif not _fast(out):
            return None
        kernel(x, out)
        return out
    return None


def _binary(kernel, grad, y, out):
    if grad.dtype is _F32 and y.dtype is _F32 and grad.flags.c_contiguous and y.flags.c_contiguous \
            and grad.shape == y.shape:
        if out is None:
            out = buffers.empty_like(grad)
        elif not _fast(out):
            return None
        kernel(grad, y, out)
        return out
    return None


def _store(r, out):
    if out is None:
        return r
    out[...] = r
    return out


def relu(x, out=None):
    r = _unary(_C.relu_forward, x, out)
    if r is not None:
        return r
    if out is None:
        out = buffers.empty_like(x)
    np.maximum(x, 0, out=out)
    return out


def relu_backward(grad, y, out=None):
    r = _binary(_C.relu_backward, grad, y, out)
    if r is not None:
        return r
    if out is None:
        out = buffers.empty_like(grad)
    np.multiply(grad, y > 0, out=out)
    return out


def sigmoid(x, out=None):
    r = _unary(_C.sigmoid_forward, x, out)
    if r is not None:
        return r
    # Stable for large |x|: exp of a non-positive number only.
    e = np.exp(-np.abs(x))
    return _store(np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False), out)


def sigmoid_backward(grad, y, out=None):
    r = _binary(_C.sigmoid_backward, grad, y, out)
    if r is not None:
        return r
    return _store(grad * y * (1 - y), out)


def tanh(x, out=None):
    r = _unary(_C.tanh_forward, x, out)
    if r is not None:
        return r
    return np.tanh(x, out=out)


def tanh_backward(grad, y, out=None):
    r = _binary(_C.tanh_backward, grad, y, out)
    if r is not None:
        return r
    return _store(grad * (1 - y * y), out)


def erf(x, out=None):
    """erf(x): the C++ kernel for float32; other dtypes through math.erf element by element (numpy has none)."""
    r = _unary(_C.erf_forward, x, out)
    if r is not None:
        return r
    return _store(np.vectorize(math.erf, otypes=[x.dtype])(x), out)
