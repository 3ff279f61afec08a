"""Binary search into sorted tensors: searchsorted and bucketize (integer results, no gradient)."""
import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor
from ._util import py_scalar, result_dtype, scalar_category
from .pointwise import _finish


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None, out=None):
    """For each value of input (a tensor or a number; torch's documentation calls it `values`, its keyword is
    `input`), the index where inserting it keeps its row of sorted_sequence sorted: before equal elements
    (right=False or side='left') or after them. sorted_sequence is 1-D, or has input's leading dims and its own
    last dim; sorter, when given, is the argsort of an unsorted sequence. The two promote to a common dtype
    for the comparison, as torch. A NaN value goes last; NaNs in sorted_sequence follow numpy's order, which may
    place values differently from torch."""
    values = input
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side != "right":
            raise RuntimeError(f"torch.searchsorted(): side and right can't be set to opposites, got side of {side} "
                               "while right was True")
        right = side == "right"
    if not isinstance(values, Tensor):
        values = py_scalar(values)
        scalar_category(values)  # TypeError for anything but a number
    seq = sorted_sequence._data
    vals = np.asarray(values._data if isinstance(values, Tensor) else values)
    if sorter is not None:
        if sorter._data.shape != seq.shape:
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same size, but got boundary "
                               f"tensor {list(seq.shape)}and got sorter tensor {list(sorter._data.shape)}")
        if sorter.dtype is not _dt.int64:
            raise RuntimeError(f"torch.searchsorted(): sorter must be a tensor of long dtype but got dtype "
                               f"{_dt.torch_name(sorter.dtype)}")
        if sorter._data.size and not (0 <= sorter._data.min() and sorter._data.max() < seq.shape[-1]):
            raise RuntimeError("torch.searchsorted(): sorter index out of range")
    if vals.ndim == 0 and seq.ndim != 1:
        raise RuntimeError(f"torch.searchsorted(): input value can be a scalar only when boundaries tensor dimension "
                           f"is 1, but we got boundaries tensor dim({seq.ndim}) and input value's dim(0) numel(1)")
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    if seq.ndim != 1 and (seq.ndim != vals.ndim or seq.shape[:-1] != vals.shape[:-1]):
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           f"dimensions of boundaries tensor and input value tensor must match, but we got boundaries "
                           f"tensor {list(seq.shape)} and input value tensor {list(vals.shape)}")
    if sorter is not None:
        seq = np.take_along_axis(seq, sorter._data, axis=-1)
    common = result_dtype(sorted_sequence, values).numpy
    seq, vals = seq.astype(common, copy=False), vals.astype(common, copy=False)
    how = "right" if right else "left"
    if seq.ndim == 1:
        idx = np.searchsorted(seq, vals, side=how)
    else:
        idx = np.empty(vals.shape, dtype=np.int64)
        for row in np.ndindex(seq.shape[:-1]):
            idx[row] = np.searchsorted(seq[row], vals[row], side=how)
    return _finish(Tensor._make(np.asarray(idx, dtype=np.int32 if out_int32 else np.int64)), out)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """The index of the bucket of 1-D sorted `boundaries` each element of input falls in: searchsorted with the
    arguments swapped (right=True puts a value equal to a boundary in the bucket above)."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)
