"""Matrix products with autograd. 2-D products go to the backend GEMM with transpose flags (no transpose is
ever materialised); batched products use numpy's matmul. Also addmm / addmv / baddbmm (a product scaled and
added to an input), kron and the cross product.

fastnn.linalg is this module, so its `cross` is torch.linalg.cross (dim=-1); fastnn.cross (torch.cross, dim=None)
is `cross_first_dim_of_3`."""
import warnings

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..backend import cpu as K
from ..tensor import Tensor
from .pointwise import _check_tensors, _finish, cpp_type_name, mul
from .shape import expand, reshape, squeeze, unsqueeze
from ._util import broadcast_shapes, sum_to, wrap_dim


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


def matmul_arrays(a, b, ta=False, tb=False):
    """op(a) @ op(b) of arrays, op transposing the last two dims where asked: the GEMM for two matrices, numpy's
    matmul for batches."""
    if a.ndim == 2 and b.ndim == 2:
        return _gemm(a, b, ta, tb)
    return np.matmul(np.swapaxes(a, -1, -2) if ta else a, np.swapaxes(b, -1, -2) if tb else b)


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
        raise RuntimeError("self must be a matrix" if input._data.ndim != 2 else "mat2 must be a matrix")
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
    for name, t in (("batch1", input), ("batch2", mat2)):
        if t._data.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
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


# ---------------------------------------------------------------- addmm / addmv / baddbmm
class _AddScaled(Function):
    """beta * input + alpha * product, input already expanded to the product's shape. beta == 0 ignores input's
    values, NaN included, as torch; input's gradient is then zero."""

    _internal = True

    @staticmethod
    def forward(ctx, input, product, beta, alpha, name):
        ctx.beta, ctx.alpha, ctx._node_name = beta, alpha, name
        out = product._data * alpha if alpha != 1 else product._data.copy()
        if beta != 0:
            out += input._data * beta if beta != 1 else input._data
        return out

    @staticmethod
    def backward(ctx, g):
        ni, np_ = ctx.needs_input_grad[:2]
        return (g * ctx.beta if ni else None), (g * ctx.alpha if np_ else None), None, None, None


def _add_scaled(name, kernel, input, product, beta, alpha):
    """The last step of addmm / addmv / baddbmm (name): input expanded to the product, then scaled and added."""
    if product.dtype is _dt.bool_:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
    if not product.dtype.is_floating_point:  # torch truncates the scalars for integer tensors
        beta, alpha = int(beta), int(alpha)
    if input._data.shape != product._data.shape:
        input = expand(input, product._data.shape)
    return _AddScaled.apply(input, product, beta, alpha, name)


def _size(t, d):
    """t.size(d), with torch's IndexError for a dim t does not have."""
    return t._data.shape[wrap_dim(d, t._data.ndim)]


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2), input broadcast to the product's shape (beta=0 ignores its values)."""
    for a, b, what in ((input, mat2, "self and mat2"), (mat1, mat2, "mat1 and mat2")):
        if a.dtype is not b.dtype:
            raise RuntimeError(f"{what} must have the same dtype, but got {_dt.torch_name(a.dtype)} and "
                               f"{_dt.torch_name(b.dtype)}")
    for what, m in (("mat1", mat1), ("mat2", mat2)):
        if m._data.ndim != 2:
            raise RuntimeError(f"{what} must be a matrix, got {m._data.ndim}-D tensor")
    return _finish(_add_scaled("Addmm", "addmm_impl_cpu_", input, mm(mat1, mat2), beta, alpha), out)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec), input a vector of the result's length or a single element."""
    nd = (input._data.ndim, mat._data.ndim, vec._data.ndim)
    if nd[1] != 2 or nd[2] != 1 or nd[0] > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {nd[0]}, {nd[1]}, {nd[2]}")
    (m, k), n = mat._data.shape, input._data.size
    if k != vec._data.shape[0] or n not in (m, 1):
        raise RuntimeError(f"size mismatch, got input ({n}), mat ({m}x{k}), vec ({vec._data.shape[0]})")
    if not (input.dtype is mat.dtype is vec.dtype):
        names = [_dt.torch_name(t.dtype) for t in (input, mat, vec)]
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {names[0]}, {names[1]}, and "
                           f"{names[2]}")
    return _finish(_add_scaled("Addmv", "addmv_impl_cpu", input, mv(mat, vec), beta, alpha), out)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (batch1 @ batch2) for batches of matrices, input broadcast to the result."""
    input_ = expand(input, (_size(batch1, 0), _size(batch1, 1), _size(batch2, 2)))
    if input.dtype is not batch1.dtype:
        raise RuntimeError(f"Input dtypes must be the same, got: input {cpp_type_name(input.dtype)}, batch1: "
                           f"{cpp_type_name(batch1.dtype)}, batch2: {cpp_type_name(batch2.dtype)}")
    product = bmm(batch1, batch2)  # its shape checks come before torch's dtype check of batch2
    if batch2.dtype is not batch1.dtype:
        raise RuntimeError(f"expected scalar type {_dt.torch_name(batch1.dtype)} but found "
                           f"{_dt.torch_name(batch2.dtype)}")
    return _finish(_add_scaled("Baddbmm", "baddbmm", input_, product, beta, alpha), out)


# ---------------------------------------------------------------- kron / cross
def kron(input, other, *, out=None):
    """The Kronecker product: input's elements each times the whole of other, block by block. The shapes are
    aligned on the right (missing leading dims count as 1); dtypes promote as in mul."""
    _check_tensors("kron", input, other)
    n = max(input._data.ndim, other._data.ndim)
    sa = (1,) * (n - input._data.ndim) + input._data.shape
    sb = (1,) * (n - other._data.ndim) + other._data.shape
    blocks = mul(reshape(input, tuple(v for s in sa for v in (s, 1))),
                 reshape(other, tuple(v for s in sb for v in (1, s))))
    return _finish(reshape(blocks, tuple(a * b for a, b in zip(sa, sb))), out)


class _Cross(Function):
    _internal = True
    _node_name = "LinalgCross"

    @staticmethod
    def forward(ctx, a, b, dim):
        ctx.save_for_backward(a, b)
        ctx.dim = dim
        return np.cross(a._data, b._data, axis=dim)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb, _ = ctx.needs_input_grad
        av, bv, d = a._data, b._data, ctx.dim
        return (sum_to(np.cross(bv, g, axis=d), av.shape) if na else None,
                sum_to(np.cross(g, av, axis=d), bv.shape) if nb else None, None)


def cross(input, other, *, dim=-1, out=None):
    """torch.linalg.cross: the cross product of 3-vectors along dim, the other dims broadcast; input and other
    share one dtype (torch does not promote them)."""
    _check_tensors("linalg_cross", input, other)
    sa, sb = input._data.shape, other._data.shape
    if len(sa) != len(sb):
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = wrap_dim(dim, len(sa))
    if sa[d] != 3 or sb[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {sa[d]} and {sb[d]}")
    broadcast_shapes(sa, sb)
    if input.dtype is not other.dtype:
        raise RuntimeError(f"expected scalar type {_dt.torch_name(input.dtype)} but found "
                           f"{_dt.torch_name(other.dtype)}")
    return _finish(_Cross.apply(input, other, d), out)


def cross_first_dim_of_3(input, other, dim=None, *, out=None):
    """torch.cross: dim=None takes input's first dim of size 3, with torch's warning that this default will
    become linalg.cross's dim=-1."""
    _check_tensors("cross", input, other)
    if dim is None:
        warnings.warn("Using fastnn.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                      "explicitly or simply use fastnn.linalg.cross.\nThe default value of dim will change to agree "
                      "with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        dim = next((i for i, s in enumerate(input._data.shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return cross(input, other, dim=dim, out=out)
