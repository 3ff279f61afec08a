"""Matrix products: forward and both backward products without materialised transposes."""
import numpy as np


def matmul(a, b, trans_a=False, trans_b=False, out=None, alpha=1.0, beta=0.0):
    """out = alpha * op(a) @ op(b) + beta * out for 2-D arrays, op = transpose when its flag is set.

    With beta == 0, `out` is never read (it may hold NaN). Returns out (allocated when None)."""
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


def linear(x, weight, bias=None, relu=False):
    """y = x @ weight.T (+ bias) (then max(y, 0) when relu): Linear's forward with a fused epilogue."""
    y = x @ weight.T
    if bias is not None:
        y += bias
    if relu:
        np.maximum(y, 0, out=y)
    return y


def bias_grad(grad, out=None, beta=0.0):
    """out = grad.sum(axis=0) (+ beta * out): the gradient of a bias broadcast over rows."""
    s = grad.sum(axis=0)
    if out is None:
        return s
    if beta == 0.0:
        out[...] = s
    else:
        out *= beta
        out += s
    return out
