"""Matrix products with autograd. 2-D products go to the backend GEMM with transpose flags (no transpose is
ever materialised); batched products use numpy's matmul."""
import numpy as np

from ..autograd.function import Function
from ..backend import cpu as K
from ..tensor import Tensor
from .pointwise import _finish
from .shape import squeeze, unsqueeze
from ._util import broadcast_shapes, sum_to


def _operand(arr):
    """(array, transposed) such that op(array) == arr, with array C-contiguous when possible without a copy."""
    if arr.flags.c_contiguous:
        return arr, False
    if arr.flags.f_contiguous:
        return arr.T, True
    return np.ascontiguousarray(arr), False


def _gemm(a, b, ta=False, tb=False):
    a2, fa = _operand(a)
    b2, fb = _operand(b)
    return K.matmul(a2, b2, trans_a=ta ^ fa, trans_b=tb ^ fb)


class Mm(Function):
    _internal = True

    @staticmethod
    def forward(ctx, a, b):
        na, nb = ctx.needs_input_grad
        ctx.save_for_backward(a if nb else None, b if na else None)
        return _gemm(a._data, b._data)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = _gemm(g, b._data, tb=True) if na else None
        gb = _gemm(a._data, g, ta=True) if nb else None
        return ga, gb


def _check_same_dtype(a, b, name):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype.name} != {b.dtype.name}")


def mm(input, mat2, *, out=None):
    if input._data.ndim != 2 or mat2._data.ndim != 2:
        raise RuntimeError(f"self must be a matrix" if input._data.ndim != 2 else "mat2 must be a matrix")
    if input._data.shape[1] != mat2._data.shape[0]:
        a, b = input._data.shape, mat2._data.shape
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a[0]}x{a[1]} and {b[0]}x{b[1]})")
    _check_same_dtype(input, mat2, "mm")
    return _finish(Mm.apply(input, mat2), out)


class BatchedMatmul(Function):
    _internal = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.matmul(a._data, b._data)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        av, bv = a._data, b._data
        ga = sum_to(np.matmul(g, np.swapaxes(bv, -1, -2)), av.shape) if na else None
        gb = sum_to(np.matmul(np.swapaxes(av, -1, -2), g), bv.shape) if nb else None
        return ga, gb


def matmul(input, other, *, out=None):
    """torch.matmul: 1-D x 1-D dot, 2-D x 2-D mm, 1-D promoted to a matrix and back, batched with broadcasting."""
    a, b = input, other
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"matmul(): argument must be Tensor, not {type(b if isinstance(a, Tensor) else a).__name__}")
    da, db = a._data.ndim, b._data.ndim
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    _check_same_dtype(a, b, "matmul")
    if da == 2 and db == 2:
        r = mm(a, b)
    elif da == 1 and db == 1:
        if a._data.shape[0] != b._data.shape[0]:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{a._data.shape[0]}] and src "
                               f"[{b._data.shape[0]}] to have the same number of elements, but got "
                               f"{a._data.shape[0]} and {b._data.shape[0]} elements respectively")
        r = squeeze(mm(unsqueeze(a, 0), unsqueeze(b, 1)))
    elif da == 2 and db == 1:
        r = squeeze(mm(a, unsqueeze(b, 1)), -1)
    elif da == 1 and db == 2:
        r = squeeze(mm(unsqueeze(a, 0), b), 0)
    else:
        a2 = unsqueeze(a, 0) if da == 1 else a
        b2 = unsqueeze(b, -1) if db == 1 else b
        if a2._data.shape[-1] != b2._data.shape[-2]:
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                               f"[{list(a2.shape)}] but got: [{list(b2.shape)}].")
        broadcast_shapes(a2._data.shape[:-2], b2._data.shape[:-2])
        r = BatchedMatmul.apply(a2, b2)
        if da == 1:
            r = squeeze(r, -2)
        if db == 1:
            r = squeeze(r, -1)
    return _finish(r, out)


def bmm(input, mat2):
    if input._data.ndim != 3 or mat2._data.ndim != 3:
        raise RuntimeError("batch1 and batch2 must be 3D tensors")
    if input._data.shape[0] != mat2._data.shape[0] or input._data.shape[2] != mat2._data.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input._data.shape[0]}, {input._data.shape[2]}] but got: "
                           f"[{mat2._data.shape[0]}, {mat2._data.shape[1]}].")
    return BatchedMatmul.apply(input, mat2)


def dot(input, other):
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors")
    return matmul(input, other)


def mv(input, vec):
    return matmul(input, vec)

