"""`a @ b`, matmul, mm and t in C for float32 matrices when autograd records nothing (csrc/cpu/bind_tensor.cpp).

Through Python these ops cost ~2 us over the GEMM, where numpy's cost ~0.4 us over theirs: for the small products
of an MLP (64x64 @ 64x10) that is most of the time. The C versions read the Tensor's slots directly, and call the
Python implementations in fastnn.ops for everything else (autograd, other dtypes and ranks, out=, the errors),
which stay what fastnn.ops.linalg.matmul / mm and fastnn.ops.shape.t are."""
from . import _C, ops
from .autograd import grad_mode
from .backend.cpu import gemm
from .tensor import Tensor, _View

(Tensor.matmul, Tensor.mm, Tensor.t, matmul, mm, t) = _C.tensor_fast_paths(
    Tensor, _View, grad_mode.state, {s: Tensor.__dict__[s] for s in Tensor.__slots__ if not s.startswith("__")},
    gemm._POOL_MIN_BYTES, matmul=ops.matmul, mm=ops.mm, t=ops.t)
Tensor.__matmul__ = Tensor.matmul
