"""Row gather (index_select on dim 0) on fastnn's C++ kernel: the batch gather X[idx] of every training step."""
import numpy as np

from ... import _C
from . import buffers


def take_rows(arr, idx):
    """arr[idx] for a 1-D integer index into dim 0 of a C-contiguous numeric array of >= 2 dims; None when the
    kernel does not apply (the caller then lets numpy index). Raises IndexError for an index out of range."""
    if not (type(idx) is np.ndarray and idx.ndim == 1 and idx.dtype.kind == "i" and arr.ndim >= 2
            and arr.flags.c_contiguous and arr.dtype.kind in "biufc"):
        return None
    if idx.dtype != np.int64 or not idx.flags.c_contiguous:
        idx = np.ascontiguousarray(idx, dtype=np.int64)
    out = buffers.empty((idx.shape[0],) + arr.shape[1:], dtype=arr.dtype)
    _C.gather_rows(arr, idx, out)
    return out
