"""fastnn dtypes: thin named wrappers over numpy dtypes, with torch's names and aliases."""
import numpy as np


class dtype:
    """A tensor element type (fastnn.float32, ...); `numpy` is the matching numpy dtype."""

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "itemsize", "_category")

    def __init__(self, name, np_dtype, category):
        self.name = name
        self.numpy = np.dtype(np_dtype)
        self.is_floating_point = category == 2
        self.is_signed = category == 2 or self.numpy.kind == "i"
        self.itemsize = self.numpy.itemsize
        self._category = category  # 0 bool, 1 integer, 2 floating: torch's promotion categories

    def __repr__(self):
        return f"fastnn.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    @property
    def is_complex(self):
        return False


bool_ = dtype("bool", np.bool_, 0)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_FROM_NUMPY = {d.numpy: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_NP_DTYPE_TYPE = type(np.dtype(np.float32))


# torch's legacy tensor type names (fastnn.FloatTensor, ...; tensor.type() returns them).
LEGACY_NAMES = {float32: "FloatTensor", float64: "DoubleTensor", float16: "HalfTensor", int64: "LongTensor",
                int32: "IntTensor", int16: "ShortTensor", int8: "CharTensor", uint8: "ByteTensor",
                bool_: "BoolTensor"}
_BY_LEGACY_NAME = {prefix + n: d for d, n in LEGACY_NAMES.items() for prefix in ("", "torch.", "fastnn.")}


_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def torch_name(d):
    """torch's scalar type name of a fastnn or numpy dtype, as its error messages spell it ('Float', 'Long')."""
    name = d.name if isinstance(d, dtype) else np.dtype(d).name
    return _TORCH_NAMES.get(name, name)


def _by_name(name):
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype):
    """The fastnn dtype of a numpy dtype; TypeError for dtypes fastnn does not support."""
    d = _FROM_NUMPY.get(np_dtype) if type(np_dtype) is _NP_DTYPE_TYPE else None
    if d is not None:
        return d  # an array's own dtype: one dict lookup (its hash is cached), without np.dtype()
    try:
        return _FROM_NUMPY[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        supported = ", ".join(d.name for d in ALL)
        raise TypeError(f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
                        f"{supported}.") from None


_default_float = float32


def get_default_dtype():
    return _default_float


def set_default_dtype(d):
    global _default_float
    if d not in (float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d


def to_dtype(d):
    """Accept a fastnn dtype, a numpy dtype/type, or a Python type (float, int, bool) as torch does."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return float64
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str) and (d in _BY_NAME or d in _BY_LEGACY_NAME):
        return _BY_NAME.get(d) or _BY_LEGACY_NAME[d]
    if isinstance(getattr(d, "dtype", None), dtype):  # a legacy type: fastnn.FloatTensor
        return d.dtype
    return from_numpy_dtype(d)


def promote(a, b):
    """Result dtype of two fastnn dtypes (same category rules as torch for tensors of equal standing)."""
    if a is b:
        return a
    return from_numpy_dtype(np.promote_types(a.numpy, b.numpy))


class finfo:
    """Machine limits of a floating dtype (torch.finfo): bits, eps, max, min, tiny (smallest_normal), resolution."""

    def __init__(self, type=None):
        d = get_default_dtype() if type is None else to_dtype(type)
        if not d.is_floating_point:
            raise TypeError(f"finfo expects a floating point dtype, got {d}")
        info = np.finfo(d.numpy)
        self.dtype, self.bits = d.name, info.bits
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype (torch.iinfo): bits, max, min."""

    def __init__(self, type):
        d = to_dtype(type)
        if d.is_floating_point or d is bool_:
            raise TypeError(f"iinfo expects an integer dtype, got {d}")
        info = np.iinfo(d.numpy)
        self.dtype, self.bits, self.max, self.min = d.name, info.bits, int(info.max), int(info.min)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
