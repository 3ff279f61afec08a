"""Matrix products: forward and both backward products without materialised transposes.

float32 2-D arrays go to fastnn's SGEMM (C-contiguous operands, or transposed views of them: a Fortran-ordered
operand is passed as its C-ordered transpose with the flag flipped); anything else takes the numpy path with the
same semantics. These run several times per training step, so the fast-path checks are kept minimal."""
import numpy as np

from ... import _C

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


def matmul(a, b, trans_a=False, trans_b=False, out=None, alpha=1.0, beta=0.0):
    """out = alpha * op(a) @ op(b) + beta * out for 2-D arrays, op = transpose when its flag is set.

    With beta == 0, `out` is never read (it may hold NaN). Returns out (allocated when None)."""
    if a.dtype == _F32 and b.dtype == _F32 and a.ndim == 2 and b.ndim == 2:
        if not a.flags.c_contiguous and a.flags.f_contiguous:
            a, trans_a = a.T, not trans_a
        if not b.flags.c_contiguous and b.flags.f_contiguous:
            b, trans_b = b.T, not trans_b
        if a.flags.c_contiguous and b.flags.c_contiguous:
            if out is None:
                out = np.empty((a.shape[1] if trans_a else a.shape[0], b.shape[0] if trans_b else b.shape[1]), _F32)
                beta = 0.0
            if out.dtype == _F32 and out.flags.c_contiguous:
                try:
                    _C.sgemm(a, b, out, trans_a, trans_b, alpha, beta)
                    return out
                except ValueError:
                    pass  # shapes disagree or out overlaps an input: numpy raises / handles it below
    return _numpy_matmul(a, b, trans_a, trans_b, out, alpha, beta)


def linear(x, weight, bias=None, relu=False):
    """y = x @ weight.T (+ bias) (then max(y, 0) when relu): Linear's forward with a fused epilogue."""
    if (x.dtype == _F32 and weight.dtype == _F32 and x.ndim >= 2 and weight.ndim == 2 and x.flags.c_contiguous
            and weight.flags.c_contiguous and x.shape[-1] == weight.shape[1]
            and (bias is None or (bias.dtype == _F32 and bias.ndim == 1 and bias.flags.c_contiguous
                                  and bias.shape[0] == weight.shape[0]))):
        x2 = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])
        y = np.empty((x2.shape[0], weight.shape[0]), _F32)
        _C.sgemm(x2, weight, y, False, True, 1.0, 0.0, bias, relu)
        return y if x.ndim == 2 else y.reshape(x.shape[:-1] + (weight.shape[0],))
    y = x @ weight.T
    if bias is not None:
        y += bias
    if relu:
        np.maximum(y, 0, out=y)
    return y


def bias_grad(grad, out=None, beta=0.0):
    """out = grad.sum(axis=0) (+ beta * out): the gradient of a bias broadcast over rows."""
    if grad.dtype == _F32 and grad.ndim == 2 and grad.flags.c_contiguous:
        if out is None:
            out = np.empty(grad.shape[1], _F32)
            beta = 0.0
        if out.dtype == _F32 and out.ndim == 1 and out.flags.c_contiguous and out.shape[0] == grad.shape[1]:
            _C.bias_grad(grad, out, beta)
            return out
    s = grad.sum(axis=0)
    if out is None:
        return s
    if beta == 0.0:
        out[...] = s
    else:
        out *= beta
        out += s
    return out
