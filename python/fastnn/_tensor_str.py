"""repr(tensor) in torch's format: tensor([...], dtype=..., requires_grad=True / grad_fn=<...>)."""
import numpy as np

from . import dtypes as _dt

_THRESHOLD = 1000
_EDGEITEMS = 3
_PRECISION = 4
_LINEWIDTH = 80


def _float_formatter(values):
    """torch's rules: the mode (integer, fixed, scientific) and the column width come from the nonzero finite
    values only, so nan/inf/-0. do not widen the columns."""
    nz = values[np.isfinite(values) & (values != 0)]
    if nz.size == 0:
        return (lambda v: _special(v) or f"{v:.0f}."), 1
    absv = np.abs(nz)
    lo, hi = absv.min(), absv.max()
    if np.all(nz == np.ceil(nz)):
        if hi / lo > 1000 or hi > 1e8:
            fmt = lambda v: f"{v:.{_PRECISION}e}"
        else:
            fmt = lambda v: f"{v:.0f}."
    elif hi / lo > 1000 or hi > 1e8 or lo < 1e-4:
        fmt = lambda v: f"{v:.{_PRECISION}e}"
    else:
        fmt = lambda v: f"{v:.{_PRECISION}f}"
    width = max(len(fmt(v)) for v in nz)
    return (lambda v: _special(v) or fmt(v)), width


def _special(v):
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return None


def _summary_values(arr):
    """The elements that will be printed (edges only for large tensors)."""
    if arr.size <= _THRESHOLD or arr.ndim == 0:
        return arr.reshape(-1)
    idx = tuple(np.r_[0:min(_EDGEITEMS, s), max(s - _EDGEITEMS, _EDGEITEMS):s] for s in arr.shape)
    return arr[np.ix_(*idx)].reshape(-1)


def _formatter(arr):
    """A function value -> string padded to a common width, chosen from the printed elements."""
    vals = _summary_values(arr)
    if arr.dtype == np.bool_:
        fmt = lambda v: "True" if v else "False"
        width = max((len(fmt(v)) for v in vals), default=1)
    elif arr.dtype.kind == "f":
        fmt, width = _float_formatter(vals.astype(np.float64))
    else:
        fmt = lambda v: str(int(v))
        width = max((len(fmt(v)) for v in vals), default=1)
    return lambda v: fmt(v).rjust(width), width


def _vector(arr, indent, summarize, fmt, width):
    """One row, wrapped at 80 columns with a fixed number of elements per line, as torch."""
    per_line = max(1, (_LINEWIDTH - indent) // (width + 2))
    if summarize and arr.shape[0] > 2 * _EDGEITEMS:
        items = [fmt(v) for v in arr[:_EDGEITEMS]] + [" ..."] + [fmt(v) for v in arr[-_EDGEITEMS:]]
    else:
        items = [fmt(v) for v in arr]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(arr, indent, summarize, fmt, width):
    if arr.ndim == 1:
        return _vector(arr, indent, summarize, fmt, width)
    if summarize and arr.shape[0] > 2 * _EDGEITEMS:
        parts = [_nested(arr[i], indent + 1, summarize, fmt, width) for i in range(_EDGEITEMS)] + ["..."] + \
                [_nested(arr[i], indent + 1, summarize, fmt, width) for i in range(arr.shape[0] - _EDGEITEMS,
                                                                                 arr.shape[0])]
    else:
        parts = [_nested(arr[i], indent + 1, summarize, fmt, width) for i in range(arr.shape[0])]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def format_data(arr, indent):
    fmt, width = _formatter(arr)
    if arr.ndim == 0:
        return fmt(arr.item()).strip()
    return _nested(arr, indent, arr.size > _THRESHOLD, fmt, width)


def tensor_repr(t, prefix="tensor("):
    arr = t._data
    suffixes = []
    if arr.size == 0:
        body = "[]"
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
        if t.dtype is not _dt.get_default_dtype():  # torch names every non-default dtype of an empty tensor
            suffixes.append(f"dtype=fastnn.{t.dtype.name}")
    else:
        body = format_data(arr, len(prefix))
    d = t.dtype
    if arr.size and d not in (_dt.get_default_dtype(), _dt.int64, _dt.bool_):
        suffixes.append(f"dtype=fastnn.{d.name}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    if type(t).__name__ == "Parameter":
        prefix = "Parameter containing:\n" + prefix
    return prefix + body + "".join(", " + s for s in suffixes) + ")"
