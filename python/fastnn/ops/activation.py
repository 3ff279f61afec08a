"""Activations with autograd, on fastnn's C++ kernels for float32: relu, sigmoid, tanh, softmax, log_softmax."""
import warnings

import numpy as np

from ..autograd.function import Function
from ..backend import cpu as K
from ..tensor import Tensor
from ._util import float_dtype_for, wrap_dim


def _contig(a):
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


class _Activation(Function):
    """y = f(x) on a C++ kernel; the backward kernel takes the forward output y (relu, sigmoid, tanh)."""

    _internal = True

    @classmethod
    def forward(cls, ctx, x):
        y = cls.kernel(_contig(x._data))
        ctx.save_output(y)
        return y

    @classmethod
    def backward(cls, ctx, g):
        return cls.kernel_backward(_contig(g), ctx.saved_output)


def _activation(name):
    return type(name, (_Activation,), {"kernel": staticmethod(getattr(K, name.lower())),
                                      "kernel_backward": staticmethod(getattr(K, name.lower() + "_backward"))})


Relu = _activation("Relu")
Sigmoid = _activation("Sigmoid")
Tanh = _activation("Tanh")


def _to_float(x):
    if not x.dtype.is_floating_point:
        from .pointwise import to_dtype
        return to_dtype(x, float_dtype_for(x))
    return x


def relu(input):
    if not input.dtype.is_floating_point:
        return Tensor._make(np.maximum(input._data, 0))
    return Relu.apply(input)


def sigmoid(input):
    return Sigmoid.apply(_to_float(input))


def tanh(input):
    return Tanh.apply(_to_float(input))


def _rows(arr, dim):
    """View/copy arr as 2-D (rows, size along dim) C-contiguous, and a function restoring the layout."""
    nd = arr.ndim
    if nd == 2 and dim == 1 and arr.flags.c_contiguous:
        return arr, _as_is  # (N, C) over C, the classifier's case: no reshape either way
    if nd == 0:
        return arr.reshape(1, 1), lambda r: r.reshape(())
    if dim == nd - 1:
        shape = arr.shape
        return _contig(arr).reshape(-1, shape[-1]), lambda r: r.reshape(shape)
    moved = np.moveaxis(arr, dim, -1)
    mshape = moved.shape
    return np.ascontiguousarray(moved).reshape(-1, mshape[-1]), \
        lambda r: np.moveaxis(r.reshape(mshape), -1, dim)


def _as_is(r):
    return r


class _RowSoftmax(Function):
    _internal = True
    log = False

    @classmethod
    def forward(cls, ctx, x, dim):
        x2, restore = _rows(x._data, dim)
        y2 = K.log_softmax(x2) if cls.log else K.softmax(x2)
        ctx.save_output(y2)
        ctx.dim = dim
        return restore(y2)

    @classmethod
    def backward(cls, ctx, g):
        g2, restore = _rows(g, ctx.dim)
        fn = K.log_softmax_backward if cls.log else K.softmax_backward
        return restore(fn(g2, ctx.saved_output)), None


class Softmax(_RowSoftmax):
    log = False


class LogSoftmax(_RowSoftmax):
    log = True


def _softmax_dim(ndim, dim, name):
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                      "dim=X as an argument.", stacklevel=3)
        dim = 0 if ndim in (0, 1, 3) else 1
    return wrap_dim(dim, ndim)


def softmax(input, dim=None, dtype=None, _stacklevel=3):
    if dtype is not None:
        input = input.to(dtype)
    return Softmax.apply(_to_float(input), _softmax_dim(input._data.ndim, dim, "softmax"))


def log_softmax(input, dim=None, dtype=None, _stacklevel=3):
    if dtype is not None:
        input = input.to(dtype)
    return LogSoftmax.apply(_to_float(input), _softmax_dim(input._data.ndim, dim, "log_softmax"))
