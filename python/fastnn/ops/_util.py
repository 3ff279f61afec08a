"""Helpers shared by the ops: dtype promotion as torch does it, broadcast reduction, dim handling."""
import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor, _wrap_dim

_SCALAR_CATEGORY = {bool: 0, int: 1, float: 2}


def c_contiguous(a):
    """a itself when it is C-contiguous, else a C-contiguous copy (what the kernels take)."""
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def named(t, name, version=0):
    """t, its grad_fn shown under torch's name for the op that made it (where fastnn reuses another op's node)."""
    fn = t.grad_fn
    if fn is not None:
        fn._node_name, fn._node_version = name, version
    return t


def scalar_category(x):
    if isinstance(x, bool) or isinstance(x, np.bool_):
        return 0
    if isinstance(x, (int, np.integer)):
        return 1
    if isinstance(x, (float, np.floating)):
        return 2
    raise TypeError(f"unsupported operand type: {type(x).__name__}")


def promote_dtypes(da, db):
    """torch's promotion of two tensors of equal standing: the higher category wins, else the wider type."""
    if da is db:
        return da
    if da._category != db._category:
        return da if da._category > db._category else db
    return _dt.promote(da, db)


def result_dtype(a, b):
    """torch's type promotion for two operands, each a Tensor or a Python number."""
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb:
        da, db = a.dtype, b.dtype
        a_dim, b_dim = a._data.ndim > 0, b._data.ndim > 0
        if da._category == db._category and a_dim != b_dim:  # a dimensioned tensor outranks a 0-d one
            return da if a_dim else db
        return promote_dtypes(da, db)
    if not ta and not tb:  # two Python numbers: the wider category, as torch.where(c, 1, 2.0)
        c = max(scalar_category(a), scalar_category(b))
        return (_dt.bool_, _dt.int64, _dt.get_default_dtype())[c]
    t, s = (a, b) if ta else (b, a)
    sc, tc = scalar_category(s), t.dtype._category
    if sc <= tc:
        return t.dtype
    return _dt.get_default_dtype() if sc == 2 else _dt.int64


def as_tensor_operand(x):
    """Tensors stay; numbers stay (they broadcast as scalars) and numpy scalars become Python numbers, as torch
    treats them (np.float64 does not make a float32 result float64); arrays and lists become tensors."""
    if isinstance(x, Tensor):
        return x
    t = type(x)
    if t is float or t is int or t is bool:
        return x
    if isinstance(x, (np.bool_, np.integer, np.floating)):
        return py_scalar(x)
    if isinstance(x, (bool, int, float)):
        return x
    if isinstance(x, np.ndarray):
        return Tensor._make(x)
    if isinstance(x, (list, tuple)):
        from ..creation import tensor
        return tensor(x)
    raise TypeError(f"unsupported operand type for a tensor operation: {type(x).__name__}")


def py_scalar(x):
    """A numpy scalar as the Python number torch takes it for (np.bool_ as a float, as torch does); anything else
    unchanged."""
    if isinstance(x, (np.integer, np.floating)):
        return x.item()
    return float(x) if isinstance(x, np.bool_) else x


def wrap_int(x, np_dtype):
    """A Python int cast to an integer dtype the way torch casts a scalar operand: modulo 2**bits."""
    if not -2 ** 63 <= x < 2 ** 64:
        raise OverflowError("int too big to convert")
    bits = 8 * np_dtype.itemsize
    x &= (1 << bits) - 1
    return x - (1 << bits) if np_dtype.kind == "i" and x >> (bits - 1) else x


def value(x):
    return x._data if isinstance(x, Tensor) else x


def sum_to(g, shape):
    """Reduce a broadcast gradient back to `shape`."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and g.shape[lead + i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def broadcast_shapes(a, b):
    """Broadcast two shapes, raising torch's RuntimeError when they do not match."""
    n = max(len(a), len(b))
    pa = (1,) * (n - len(a)) + tuple(a)
    pb = (1,) * (n - len(b)) + tuple(b)
    out = []
    for i in reversed(range(n)):  # torch reports the last mismatching dim
        x, y = pa[i], pb[i]
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {i} (shapes {list(a)} and {list(b)})")
        out.append(y if x == 1 else x)
    return tuple(reversed(out))


def normalize_dims(dim, ndim):
    """dim (int, tuple, list or None) -> sorted tuple of non-negative dims (None -> all)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (tuple, list)):
        dims = tuple(_wrap_dim(d, ndim) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"dim {dims} appears multiple times in the list of dims")
        return tuple(sorted(dims))
    return (_wrap_dim(dim, ndim),)


def wrap_dim(dim, ndim):
    return _wrap_dim(dim, ndim)


def float_dtype_for(t):
    """The dtype a float-valued op returns for t: its own when floating, else the default float."""
    return t.dtype if t.dtype.is_floating_point else _dt.get_default_dtype()
