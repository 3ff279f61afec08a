"""repr(tensor) in torch's format: tensor([...], dtype=..., requires_grad=True / grad_fn=<...>), under the options
of set_printoptions (precision, threshold, edgeitems, linewidth, sci_mode) as torch applies them."""
import dataclasses
import math

import numpy as np

from . import dtypes as _dt


@dataclasses.dataclass
class _PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrinterOptions()
_PROFILES = {"default": _PrinterOptions(), "short": _PrinterOptions(precision=2, edgeitems=2),
             "full": _PrinterOptions(threshold=math.inf)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """torch.set_printoptions: a profile ('default', 'short', 'full'; others are ignored, as torch) sets
    precision, threshold, edgeitems and linewidth, the other arguments override it; sci_mode is always set
    (None: chosen from the values)."""
    if profile in _PROFILES:
        for name in ("precision", "threshold", "edgeitems", "linewidth"):
            setattr(PRINT_OPTS, name, getattr(_PROFILES[profile], name))
    for name, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                    ("linewidth", linewidth)):
        if v is not None:
            setattr(PRINT_OPTS, name, v)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current options, as a dict set_printoptions(**options) takes back (torch has it as
    torch._tensor_str.get_printoptions; fastnn exports it as fastnn.get_printoptions too)."""
    return dataclasses.asdict(PRINT_OPTS)


def _float_formatter(values):
    """torch's rules: the mode (integer, fixed, scientific) and the column width come from the nonzero finite
    values only, so nan/inf/-0. do not widen the columns."""
    nz = values[np.isfinite(values) & (values != 0)]
    if nz.size == 0:
        return (lambda v: _special(v) or f"{v:.0f}."), 1
    absv = np.abs(nz)
    lo, hi = absv.min(), absv.max()
    p, sci = PRINT_OPTS.precision, PRINT_OPTS.sci_mode
    if sci is None:
        sci = hi / lo > 1000 or hi > 1e8 or lo < 1e-4
    if sci:
        fmt = lambda v: f"{v:.{p}e}"
    elif np.all(nz == np.ceil(nz)):
        fmt = lambda v: f"{v:.0f}."
    else:
        fmt = lambda v: f"{v:.{p}f}"
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
    if arr.size <= PRINT_OPTS.threshold or arr.ndim == 0:
        return arr.reshape(-1)
    e = PRINT_OPTS.edgeitems
    idx = tuple(np.r_[0:min(e, s), max(s - e, e):s] for s in arr.shape)
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
    """One row, wrapped at linewidth with a fixed number of elements per line, as torch."""
    per_line = max(1, (PRINT_OPTS.linewidth - indent) // (width + 2))
    e = PRINT_OPTS.edgeitems
    if summarize and not e:
        items = ["..."]
    elif summarize and arr.shape[0] > 2 * e:
        items = [fmt(v) for v in arr[:e]] + [" ..."] + [fmt(v) for v in arr[-e:]]
    else:
        items = [fmt(v) for v in arr]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(arr, indent, summarize, fmt, width):
    if arr.ndim == 1:
        return _vector(arr, indent, summarize, fmt, width)
    n, e = arr.shape[0], PRINT_OPTS.edgeitems
    rows = list(range(e)) + [None] + list(range(n - e, n)) if summarize and n > 2 * e else range(n)
    parts = ["..." if i is None else _nested(arr[i], indent + 1, summarize, fmt, width) for i in rows]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def format_data(arr, indent):
    fmt, width = _formatter(arr)
    if arr.ndim == 0:
        return fmt(arr.item()).strip()
    return _nested(arr, indent, arr.size > PRINT_OPTS.threshold, fmt, width)


def _add_suffixes(text, suffixes, indent):
    """', suffix' after the data, or on a new line where it would pass linewidth, as torch. A suffix is measured
    as torch spells it (dtype=torch.float64), so lines break where torch's do: with a dtype suffix a line can
    pass linewidth by one character."""
    out = [text]
    line = len(text) - text.rfind("\n") + 1  # torch's count (one more than the last line's length)
    for s in suffixes:
        n = len(s.replace("fastnn.", "torch."))
        if line + n + 2 > PRINT_OPTS.linewidth:
            out.append(",\n" + " " * indent + s)
            line = indent + n
        else:
            out.append(", " + s)
            line += n + 2
    return "".join(out) + ")"


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
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(arr.shape)}")
    d = t.dtype
    if arr.size and d not in (_dt.get_default_dtype(), _dt.int64, _dt.bool_):
        suffixes.append(f"dtype=fastnn.{d.name}")
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    text = _add_suffixes(prefix + body, suffixes, len(prefix))
    return "Parameter containing:\n" + text if type(t).__name__ == "Parameter" else text
