"""repr(tensor) in torch's format: tensor([...], dtype=..., requires_grad=True / grad_fn=<...>)."""
import numpy as np

from . import dtypes as _dt

_THRESHOLD = 1000
_EDGEITEMS = 3
_PRECISION = 4


def _float_formatter(values):
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return lambda v: _special(v) or f"{v:.4f}"
    absv = np.abs(finite)
    nonzero = absv[absv != 0]
    int_mode = np.all(finite == np.round(finite))
    if int_mode:
        if absv.max() >= 1e8:
            fmt = lambda v: f"{v:.{_PRECISION}e}"
        else:
            fmt = lambda v: f"{v:.0f}."
    elif nonzero.size and (nonzero.max() / nonzero.min() > 1000 or nonzero.max() >= 1e8 or nonzero.min() < 1e-4):
        fmt = lambda v: f"{v:.{_PRECISION}e}"
    else:
        fmt = lambda v: f"{v:.{_PRECISION}f}"
    return lambda v: _special(v) or fmt(v)


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


def format_data(arr, indent):
    if arr.dtype == np.bool_:
        fmt = lambda v: "True" if v else "False"
        vals = _summary_values(arr)
    elif arr.dtype.kind == "f":
        vals = _summary_values(arr).astype(np.float64)
        fmt = _float_formatter(vals)
    else:
        vals = _summary_values(arr)
        fmt = lambda v: str(int(v))
    width = max((len(fmt(v)) for v in vals), default=1)
    formatter = lambda v: fmt(v).rjust(width)
    kind = "bool" if arr.dtype == np.bool_ else ("float" if arr.dtype.kind == "f" else "int")
    if arr.ndim == 0:
        return fmt(arr.item())
    summarize = arr.size > _THRESHOLD
    return np.array2string(arr, separator=", ", prefix=" " * indent, formatter={kind: formatter},
                           threshold=0 if summarize else _THRESHOLD + 1, edgeitems=_EDGEITEMS,
                           max_line_width=80)


def tensor_repr(t, prefix="tensor("):
    arr = t._data
    suffixes = []
    if arr.size == 0:
        body = "[]"
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
    else:
        body = format_data(arr, len(prefix))
    d = t.dtype
    if d not in (_dt.get_default_dtype(), _dt.int64, _dt.bool_):
        suffixes.append(f"dtype=fastnn.{d.name}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    if type(t).__name__ == "Parameter":
        prefix = "Parameter containing:\n" + prefix
    return prefix + body + "".join(", " + s for s in suffixes) + ")"
