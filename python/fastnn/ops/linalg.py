"""Matrix products with autograd. 2-D products go to the backend GEMM with transpose flags (no transpose is
ever materialised); batched products use numpy's matmul. Also addmm / addmv / baddbmm (a product scaled and
added to an input), kron and the cross product; and torch.linalg's vector_norm, matrix_norm, norm, det, slogdet,
inv, solve, matrix_power, multi_dot and vecdot (LAPACK through numpy, gradients by the standard formulas).

fastnn.linalg is this module, so its `cross` is torch.linalg.cross (dim=-1); fastnn.cross (torch.cross, dim=None)
is `cross_first_dim_of_3`."""
import math as _math
import warnings

import numpy as np

from .. import dtypes as _dt
from ..autograd import grad_mode as _grad_mode
from ..autograd.function import Function
from ..backend import cpu as K
from ..tensor import Tensor
from . import reduction as _red
from .pointwise import _check_tensors, _finish, cpp_type_name, mul
from .pointwise import abs as _abs, to_dtype as _to_dtype
from .shape import expand, reshape, squeeze, unsqueeze
from .shape import transpose as _transpose
from ._util import broadcast_shapes, sum_to, wrap_dim


_grad_state = _grad_mode.state
_make = Tensor._make


def matmul_arrays(a, b, ta=False, tb=False):
    """op(a) @ op(b) of arrays, op transposing the last two dims where asked: the GEMM for two matrices, numpy's
    matmul for batches."""
    if a.ndim == 2 and b.ndim == 2:
        return K.matmul(a, b, ta, tb)
    return np.matmul(np.swapaxes(a, -1, -2) if ta else a, np.swapaxes(b, -1, -2) if tb else b)


class Mm(Function):
    _internal = True

    @staticmethod
    def forward(ctx, a, b):
        na, nb = ctx.needs_input_grad
        ctx.save_for_backward(a if nb else None, b if na else None)
        return K.matmul(a._data, b._data)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = K.matmul(g, b._data, trans_b=True) if na else None
        gb = K.matmul(a._data, g, trans_a=True) if nb else None
        return ga, gb


def _check_same_dtype(a, b, name):
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype.name} != {b.dtype.name}")


def mm(input, mat2, *, out=None):
    """torch.mm. (fastnn.mm and Tensor.mm call this from C where their fast path does not apply:
    fastnn/_fast_paths.py; so do matmul and `@` for matmul below.)"""
    a, b = input._data, mat2._data
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError("self must be a matrix" if a.ndim != 2 else "mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                           f"{b.shape[0]}x{b.shape[1]})")
    if a.dtype is not b.dtype:
        _check_same_dtype(input, mat2, "mm")
    if not (_grad_state.enabled and (input.requires_grad or mat2.requires_grad)):
        return _finish(_make(K.matmul(a, b)), out)  # no node to record: skip apply's ~2 us
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
    if da == 2 and db == 2:
        return mm(a, b, out=out)
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    _check_same_dtype(a, b, "matmul")
    if da == 1 and db == 1:
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


# ---------------------------------------------------------------- torch.linalg: norms, det, inv, solve, ...


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: a RuntimeError for a matrix the operation cannot handle (singular)."""


slogdet_result = _red._return_type("linalg_slogdet", ["sign", "logabsdet"])


def _check_float(name, t):
    if not t.dtype.is_floating_point:
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{_dt.torch_name(t.dtype)}")


def _check_square(name, A, what="A"):
    s = A._data.shape
    if len(s) < 2:
        raise RuntimeError(f"{name}: The input tensor {what} must have at least 2 dimensions.")
    if s[-1] != s[-2]:
        raise RuntimeError(f"{name}: {what} must be batches of square matrices, but they are {s[-2]} by {s[-1]} "
                           "matrices")


def _check_square_float(name, A):
    _check_square(name, A)
    _check_float(name, A)


def _mT(a):
    return np.swapaxes(a, -1, -2)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """torch.linalg.vector_norm: the ord-norm of x over dim (None: all of it), as a vector."""
    _check_float("linalg.vector_norm", x)
    if dtype is not None:
        dtype = _dt.to_dtype(dtype)
        if not dtype.is_floating_point:
            raise RuntimeError(f"linalg.vector_norm: dtype should be floating point or complex, but got "
                               f"{_dt.torch_name(dtype)}")
        if np.dtype(dtype.numpy).itemsize < x._data.dtype.itemsize:
            raise RuntimeError(f"linalg.vector_norm: the dtype of the input ({_dt.torch_name(x.dtype)}) should be "
                               f"convertible without narrowing to the specified dtype ({_dt.torch_name(dtype)})")
        x = _to_dtype(x, dtype)
    if isinstance(ord, str):
        raise TypeError("linalg_vector_norm(): argument 'ord' must be Number, not str")
    return _finish(_red._Norm.apply(x, float(ord), _red._dims(dim, x._data.ndim), keepdim), out)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """torch.linalg.matrix_norm for ord 'fro', 'nuc', 1, -1, inf, -inf, 2, -2 over the two dims in dim."""
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    _check_float("linalg.matrix_norm", A)
    if dtype is not None:
        A = _to_dtype(A, _dt.to_dtype(dtype))
    if isinstance(dim, int) or len(dim) != 2:
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got " + str(dim))
    d0, d1 = (wrap_dim(d, A._data.ndim) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if isinstance(ord, str):
        if ord == "fro":
            return _finish(vector_norm(A, 2, (d0, d1), keepdim), out)
        if ord == "nuc":
            return _finish(_sv_norm(A, d0, d1, keepdim, "nuc"), out)
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if ord in (2, -2):
        return _finish(_sv_norm(A, d0, d1, keepdim, ord), out)
    if ord not in (1, -1, _math.inf, -_math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if abs(ord) == _math.inf:  # the largest (smallest) row sum: sum along the columns first
        d0, d1 = d1, d0
    r = (_red.amax if ord > 0 else _red.amin)(_red.sum(_abs(A), d0, keepdim=True), d1, keepdim=True)
    if not keepdim:
        r = squeeze(r, (d0, d1))
    return _finish(r, out)


class _SvNorm(Function):
    """The nuclear norm (sum of singular values) or the largest / smallest singular value of the last two dims."""

    _internal = True
    _node_name = "LinalgSvd"

    @staticmethod
    def forward(ctx, A, kind):
        u, s, vh = np.linalg.svd(A._data, full_matrices=False)
        ctx.u, ctx.s, ctx.vh, ctx.kind = u, s, vh, kind
        if kind == "nuc":
            return np.asarray(s.sum(axis=-1))
        return np.asarray(s[..., 0] if kind == 2 else s[..., -1])

    @staticmethod
    def backward(ctx, g):
        u, vh, g = ctx.u, ctx.vh, np.asarray(g)[..., None, None]
        if ctx.kind == "nuc":
            return (g * np.matmul(u, vh)).astype(u.dtype, copy=False), None
        col = slice(0, 1) if ctx.kind == 2 else slice(-1, None)
        return (g * (u[..., :, col] * vh[..., col, :])).astype(u.dtype, copy=False), None


def _sv_norm(A, d0, d1, keepdim, kind):
    from .shape import permute
    nd = A._data.ndim
    rest = [d for d in range(nd) if d not in (d0, d1)]
    r = _SvNorm.apply(permute(A, rest + [d0, d1]), kind)
    if keepdim:
        for d in sorted((d0, d1)):
            r = unsqueeze(r, d)
    return r


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """torch.linalg.norm: a vector norm over one dim (or all, ord None), a matrix norm over two."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        dim = tuple(dim)
    if ord is None:  # the 2-norm of the vector (over one dim or all), the Frobenius norm over two
        return vector_norm(A, 2, dim, keepdim, dtype=dtype, out=out)
    if dim is None:
        if A._data.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                               f"Got {A._data.ndim}D.")
        dim = tuple(range(A._data.ndim))
    if isinstance(ord, str) or len(dim) == 2:
        if len(dim) != 2:
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}"
                               if len(dim) > 2 else "linalg.matrix_norm: The input tensor A must have at least 2 "
                               "dimensions.")
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype, out=out)
    if len(dim) != 1:
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    return vector_norm(A, ord, dim, keepdim, dtype=dtype, out=out)


def _first_zero_pivot(a):
    """LAPACK getrf's info for matrix a: the 1-based index of the first zero pivot of LU with partial pivoting."""
    a = np.array(a, dtype=np.float64)
    n = a.shape[-1]
    for k in range(n):
        p = k + int(np.argmax(np.abs(a[k:, k])))
        if a[p, k] == 0:
            return k + 1
        a[[k, p]] = a[[p, k]]
        a[k + 1:] -= np.outer(a[k + 1:, k] / a[k, k], a[k])
    return n


def _singular_error(name, a):
    """torch's LinAlgError for the first singular matrix in the batch a."""
    flat = a.reshape((-1,) + a.shape[-2:])
    for i, m in enumerate(flat):
        try:
            np.linalg.inv(m)
        except np.linalg.LinAlgError:
            where = f"(Batch element {i}): " if a.ndim > 2 else ""
            if name == "linalg.solve":
                return LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular.")
            return LinAlgError(f"{name}: {where}The diagonal element {_first_zero_pivot(m)} is zero, the inversion "
                               "could not be completed because the input matrix is singular.")
    return LinAlgError(f"{name}: The input matrix is singular.")


def _inv_array(name, a):
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise _singular_error(name, a) from None


class _Det(Function):
    _internal = True
    _node_name = "LinalgDet"

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        ctx.det = np.asarray(np.linalg.det(A._data))
        return ctx.det

    @staticmethod
    def backward(ctx, g):
        (A,) = ctx.saved_tensors
        a = A._data
        try:
            ainv = np.linalg.inv(a)
        except np.linalg.LinAlgError:  # det is 0 for a singular matrix: torch's g * det * A^-T gives 0 there
            ainv = np.zeros_like(a)
            flat, out = a.reshape((-1,) + a.shape[-2:]), ainv.reshape((-1,) + a.shape[-2:])
            for i, m in enumerate(flat):
                try:
                    out[i] = np.linalg.inv(m)
                except np.linalg.LinAlgError:
                    pass
        cof = ctx.det[..., None, None] * _mT(ainv)
        return (np.asarray(g)[..., None, None] * cof).astype(a.dtype, copy=False)


def det(A, *, out=None):
    """torch.linalg.det: the determinant of each square matrix in the batch A."""
    _check_square_float("linalg.det", A)
    return _finish(_Det.apply(A), out)


class _Slogdet(Function):
    _internal = True
    _node_name = "LinalgSlogdet"

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        sign, logabs = np.linalg.slogdet(A._data)
        return np.asarray(sign), np.asarray(logabs)

    @staticmethod
    def backward(ctx, gsign, glog):
        (A,) = ctx.saved_tensors
        a = A._data
        if glog is None:
            return np.zeros_like(a)
        return (np.asarray(glog)[..., None, None] * _mT(_inv_array("linalg.slogdet", a))).astype(a.dtype,
                                                                                                   copy=False)


def slogdet(A, *, out=None):
    """torch.linalg.slogdet: (sign, logabsdet) of the determinant of each square matrix in A."""
    _check_square_float("linalg.slogdet", A)
    sign, logabs = _Slogdet.apply(A)
    return slogdet_result(sign, logabs)


class _Inv(Function):
    _internal = True
    _node_name = "LinalgInvEx"

    @staticmethod
    def forward(ctx, A):
        ctx.inv = _inv_array("linalg.inv", A._data)
        return ctx.inv

    @staticmethod
    def backward(ctx, g):
        it = _mT(ctx.inv)
        return -np.matmul(np.matmul(it, g), it)


def inv(A, *, out=None):
    """torch.linalg.inv: the inverse of each square matrix in A (LinAlgError when one is singular)."""
    _check_square_float("linalg.inv", A)
    return _finish(_Inv.apply(A), out)


class _Solve(Function):
    """X with A X = B, B a batch of matrices; batch dims broadcast."""

    _internal = True
    _node_name = "LinalgSolveEx"

    @staticmethod
    def forward(ctx, A, B):
        a, b = A._data, B._data
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a2, b2 = np.broadcast_to(a, batch + a.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:])
        try:
            x = np.linalg.solve(a2, b2)
        except np.linalg.LinAlgError:
            raise _singular_error("linalg.solve", a2) from None
        ctx.a, ctx.x, ctx.ashape, ctx.bshape = a2, x, a.shape, b.shape
        return x

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad
        gb = np.linalg.solve(_mT(ctx.a), g)
        ga = sum_to(-np.matmul(gb, _mT(ctx.x)), ctx.ashape) if na else None
        return ga, (sum_to(gb, ctx.bshape) if nb else None)


def solve(A, B, *, left=True, out=None):
    """torch.linalg.solve: X with A X = B (left) or X A = B; B a batch of vectors when B is 1-D or A's shape
    less its last dim."""
    _check_tensors("linalg.solve", A, B)
    _check_square_float("linalg.solve", A)
    if A.dtype is not B.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{_dt.torch_name(A.dtype)} and B of type {_dt.torch_name(B.dtype)} instead")
    sa, sb = A._data.shape, B._data.shape
    vector = B._data.ndim == 1 or (B._data.ndim == A._data.ndim - 1 and sb == sa[:-1])
    if B._data.ndim == 0:
        raise RuntimeError("linalg.solve: The input tensor B must have at least 1 dimensions.")
    B2 = unsqueeze(B, -1) if vector else B
    rows, cols = B2._data.shape[-2:]
    if (rows if left else cols) != sa[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({sa[-2]}x{sa[-1]} and {rows}x{cols})")
    if not left:  # X A = B is A^T X^T = B^T
        A, B2 = _transpose(A, -1, -2), _transpose(B2, -1, -2)
    broadcast_shapes(A._data.shape[:-2], B2._data.shape[:-2])
    X = _Solve.apply(A, B2)
    if not left:
        X = _transpose(X, -1, -2)
    if vector:
        X = squeeze(X, -1)
    return _finish(X, out)


def matrix_power(A, n, *, out=None):
    """torch.linalg.matrix_power: A to the integer power n (n < 0: of A's inverse), by repeated squaring."""
    _check_square("linalg.matrix_power", A)
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"linalg_matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if n == 0:
        eye = np.broadcast_to(np.eye(A._data.shape[-1], dtype=A._data.dtype), A._data.shape).copy()
        return _finish(Tensor._make(eye), out)
    if n < 0:
        A = inv(A)
        n = -n
    result, base = None, A
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    if result is A:
        from .shape import clone
        result = clone(A)
    return _finish(result, out)


def multi_dot(tensors, *, out=None):
    """torch.linalg.multi_dot: the product of a chain of matrices, the first and the last may be vectors."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first, last = tensors[0]._data.ndim, tensors[-1]._data.ndim
    if first not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {first}D")
    if last not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {last}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t._data.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t._data.ndim}D")
    dt = tensors[0].dtype
    for i, t in enumerate(tensors):
        if t.dtype is not dt:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{_dt.torch_name(dt)} and tensor {i} {_dt.torch_name(t.dtype)}")
    mats = [unsqueeze(tensors[0], 0) if first == 1 else tensors[0]] + tensors[1:-1] + \
        [unsqueeze(tensors[-1], 1) if last == 1 else tensors[-1]]
    for i in range(len(mats) - 1):
        a, b = mats[i]._data.shape, mats[i + 1]._data.shape
        if a[1] != b[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes [{a[0]}, {a[1]}] and "
                               f"[{b[0]}, {b[1]}] cannot be multiplied")
    r = mats[0]
    for m in mats[1:]:
        r = mm(r, m)
    if first == 1:
        r = squeeze(r, 0)
    if last == 1:
        r = squeeze(r, -1)
    return _finish(r, out)


def vecdot(x, y, *, dim=-1, out=None):
    """torch.linalg.vecdot: sum(x * y) along dim, x and y broadcast (real dtypes: no conjugation)."""
    _check_tensors("linalg.vecdot", x, y)
    if x.dtype is not y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{_dt.torch_name(x.dtype)} and y of type {_dt.torch_name(y.dtype)} instead")
    _check_float("linalg.vecdot", x)
    return _finish(_red.sum(mul(x, y), dim), out)
