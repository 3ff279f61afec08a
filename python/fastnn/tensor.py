"""fastnn.Tensor: a numpy ndarray plus what autograd needs (requires_grad, grad, grad_fn, a version counter).

CPU storage is the ndarray itself, so from_numpy/.numpy()/__array__ share memory and views are numpy views.
Math lives in fastnn.ops; the methods here are thin entry points with torch's names and signatures.
"""
import numpy as np

from . import dtypes as _dt


_new = object.__new__


class Size(tuple):
    """The type of `tensor.shape` and `tensor.size()`: a tuple of ints."""

    def __repr__(self):
        return f"fastnn.Size([{', '.join(str(s) for s in self)}])"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


class device:
    """A device name: 'cpu' (and 'cuda[:n]' where fastnn was built with CUDA)."""

    __slots__ = ("type", "index")

    def __init__(self, spec="cpu", index=None):
        if isinstance(spec, device):
            spec, index = spec.type, spec.index
        spec = str(spec)
        if ":" in spec:
            spec, idx = spec.split(":", 1)
            index = int(idx)
        if spec not in ("cpu", "cuda", "mps", "meta"):  # a device name; _check_device refuses all but the CPU
            raise RuntimeError(f"Expected one of cpu, cuda, mps, meta device type at start of device string: {spec}")
        self.type = spec
        self.index = index

    def __eq__(self, other):
        try:
            other = device(other)
        except (RuntimeError, ValueError, TypeError):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __repr__(self):
        return f"device(type='{self.type}'" + (f", index={self.index})" if self.index is not None else ")")

    def __str__(self):
        return self.type + (f":{self.index}" if self.index is not None else "")


_CPU = device("cpu")


def _check_device(dev):
    if dev is not None and device(dev).type != "cpu":
        raise RuntimeError(f"fastnn tensors live on the CPU in this version; device '{dev}' is not available")


class Tensor:
    """A multi-dimensional array with autograd. Construct with fastnn.tensor(...) (or Tensor(data) / Tensor(*sizes)
    as torch allows)."""

    # _base: the tensor whose storage a view shares (never itself a view), else None.
    # _vbase and _vver are set on views made in grad mode only (class _View below).
    __slots__ = ("_data", "requires_grad", "_grad", "grad_fn", "_output_nr", "_version", "_base", "_vbase", "_vver",
                 "__weakref__", "__dict__")
    __array_priority__ = 1000  # numpy defers binary operators to us: ndarray + Tensor -> Tensor
    _grad_hooks = None  # a leaf's register_hook hooks (id -> hook), set on the instance when there are any

    def __init__(self, *args, dtype=None, device=None, requires_grad=False):
        """torch's legacy constructor: Tensor(sizes...) is uninitialised, Tensor(data) copies a sequence or array
        into the default dtype (FloatTensor(...) and friends pass their own), Tensor() is empty, and
        Tensor(tensor) keeps that tensor's dtype."""
        _check_device(device)
        dt = _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)
        if not args:
            arr = np.empty((0,), dtype=dt.numpy)
        elif len(args) == 1 and isinstance(args[0], Tensor):
            if dtype is not None and args[0].dtype is not dt:
                raise TypeError(f"expected {dt.name} tensor (got {args[0].dtype.name} tensor)")
            arr = args[0]._data.copy()
        elif len(args) == 1 and not isinstance(args[0], (int, np.integer, Size)):
            data = args[0]
            if isinstance(data, (float, bool, np.generic)):
                raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
            arr = np.array(data, dtype=dt.numpy)
        else:
            sizes = args[0] if len(args) == 1 and isinstance(args[0], Size) else args
            for s in sizes:
                if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
                    raise TypeError(f"new(): argument 'size' must be tuple of ints, but found element of type "
                                    f"{type(s).__name__}")
            arr = np.empty(tuple(int(s) for s in sizes), dtype=dt.numpy)
        _init(self, np.ascontiguousarray(arr) if arr.ndim else arr, bool(requires_grad))

    @staticmethod
    def _make(arr, requires_grad=False):
        """Wrap an ndarray without copying (the hot path of every op). numpy turns 0-d results into scalars
        (np.add of two 0-d arrays is an np.float32): those become 0-d arrays again, as a tensor's storage."""
        t = _new(Tensor)
        t._data = arr if type(arr) is np.ndarray else np.asarray(arr)
        t.requires_grad = requires_grad
        t._grad = None
        t.grad_fn = None
        t._output_nr = 0
        t._version = [0]
        t._base = None
        return t

    # ---- basic properties ----
    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, g):
        """Assigning a gradient checks it as torch does: a tensor (or None) of this tensor's shape and dtype."""
        if g is not None:
            if not isinstance(g, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(g).__name__}")
            if g._data.shape != self._data.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '{list(g._data.shape)}' to a tensor of "
                                   f"size '{list(self._data.shape)}'. Please ensure that the gradient and the tensor "
                                   "are the same size")
            if g._data.dtype != self._data.dtype:
                raise RuntimeError(f"attempting to assign a gradient with dtype '{g.dtype.name}' to a tensor with "
                                   f"dtype '{self.dtype.name}'. The gradient must match the tensor's dtype.")
        self._grad = g

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def dtype(self):
        return _dt.from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        return _CPU

    @property
    def is_cuda(self):
        return False

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def ndimension(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    def nelement(self):
        return self._data.size

    def element_size(self):
        return self._data.itemsize

    def stride(self, dim=None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim)]

    def is_contiguous(self, memory_format=None):
        return self._data.flags.c_contiguous

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def _version_value(self):
        return self._version[0]

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __hash__(self):
        return id(self)

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    # ---- conversion to Python / numpy ----
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def __float__(self):
        return float(self._scalar())

    def __int__(self):
        return int(self._scalar())

    def _scalar(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.reshape(()).item()

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()).item())

    def numpy(self, *, force=False):
        """The ndarray behind this tensor (shared memory). Raises for a tensor that requires grad, as torch."""
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        if dtype is not None and np.dtype(dtype) != arr.dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def __dlpack__(self, *args, **kwargs):
        if self.requires_grad:
            raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
        return self._data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data, self.requires_grad))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.")
        cls = Tensor if type(self) is _View else type(self)
        new = cls.__new__(cls)
        _init(new, self._data.copy(), self.requires_grad)
        if self.grad is not None:
            new.grad = Tensor._make(self.grad._data.copy())
        memo[id(self)] = new
        return new

    # ---- autograd ----
    def requires_grad_(self, requires_grad=True):
        if not requires_grad and not self.is_leaf:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                               "computed variable in a subgraph that doesn't require differentiation use "
                               "var_no_grad = var.detach().")
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        import weakref
        node = self.grad_fn
        if getattr(node, "_retained", None) is None:
            node._retained = {}
        node._retained[self._output_nr] = weakref.ref(self)

    def register_hook(self, hook):
        """hook(grad) runs when this tensor's gradient is computed and may return a replacement; returns a
        handle whose remove() unregisters it. On a leaf it sees the whole gradient before .grad accumulates it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        from .utils.hooks import RemovableHandle
        if self.grad_fn is None:
            if self._grad_hooks is None:
                self._grad_hooks = {}
            return RemovableHandle(self._grad_hooks, hook)
        node = self.grad_fn
        if node._hooks is None:
            node._hooks = {}
        return RemovableHandle(node._hooks.setdefault(self._output_nr, {}), hook)

    @property
    def retains_grad(self):
        r = getattr(self.grad_fn, "_retained", None) if self.grad_fn is not None else None
        return bool(r) and self._output_nr in r

    def detach(self):
        """A tensor sharing storage and version counter, outside the graph."""
        t = Tensor._make(self._data)
        t._version = self._version
        return t

    def detach_(self):
        if self._base is not None and self._base.requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self.requires_grad = False
        return self

    @property
    def data(self):
        """The same storage, outside the graph and with its own version counter (torch's .data)."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data = value._data

    @property
    def T(self):
        """The dimensions reversed, a view. A matrix that records no graph takes t()'s C fast path (the same view,
        ~0.15 us against permute's ~4); with a graph, the node is a permute, as torch names it."""
        if self._data.ndim == 2 and not self.requires_grad:
            return self.t()
        return self.permute(*reversed(range(self._data.ndim)))

    @property
    def mT(self):
        """The last two dimensions swapped, a view (for a matrix that records no graph, t()'s fast path)."""
        if self._data.ndim == 2 and not self.requires_grad:
            return self.t()
        return self.transpose(-2, -1)

    # ---- device / dtype movement ----
    def to(self, *args, **kwargs):
        """to(dtype), to(device), to(device, dtype), to(other): a new tensor only when something changes."""
        dtype = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (_dt.dtype, type)) and not isinstance(a, str):
                dtype = a
            else:
                dev = a
        _check_device(dev)
        out = self if dtype is None else self.type(_dt.to_dtype(dtype))
        return out.clone() if copy and out is self else out

    def is_pinned(self, device=None):
        return False

    def pin_memory(self, device=None):
        """Pinned memory serves copies to an accelerator, which fastnn tensors never make (torch raises the same
        without one)."""
        raise RuntimeError("Cannot access accelerator device when none is available.")

    def cpu(self):
        return self

    def cuda(self, device=None, non_blocking=False):
        raise RuntimeError("fastnn tensors live on the CPU in this version (CUDA kernels exist only as a "
                           "building block so far)")

    def type(self, dtype=None):
        """The legacy type name ('fastnn.FloatTensor'), or a copy cast to a dtype, a legacy type
        (fastnn.FloatTensor) or its name ('torch.FloatTensor' is accepted too)."""
        if dtype is None:
            return "fastnn." + _dt.LEGACY_NAMES.get(self.dtype, self.dtype.name)
        return _ops().to_dtype(self, _dt.to_dtype(dtype))

    def type_as(self, other):
        return self.type(other.dtype)

    def float(self):
        return self.type(_dt.float32)

    def double(self):
        return self.type(_dt.float64)

    def half(self):
        return self.type(_dt.float16)

    def long(self):
        return self.type(_dt.int64)

    def int(self):
        return self.type(_dt.int32)

    def short(self):
        return self.type(_dt.int16)

    def byte(self):
        return self.type(_dt.uint8)

    def char(self):
        return self.type(_dt.int8)

    def bool(self):
        return self.type(_dt.bool_)

    def new_tensor(self, data, dtype=None, requires_grad=False):
        from .creation import tensor
        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, requires_grad=False):
        from .creation import zeros
        return zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False):
        from .creation import ones
        return ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, requires_grad=False):
        from .creation import full
        return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, requires_grad=False):
        from .creation import empty
        return empty(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _init(t, arr, requires_grad):
    t._data = arr
    t.requires_grad = requires_grad
    t._grad = None
    t.grad_fn = None
    t._output_nr = 0
    t._version = [0]
    t._base = None


def _synced(slot):
    """A property over one of Tensor's slots that first points a stale view at its base's current history."""

    def get(self):
        if self._vver != self._version[0]:
            _sync_view(self)
        return slot.__get__(self, _View)

    return property(get, slot.__set__)


class _View(Tensor):
    """A view made while grad mode was on (ops.shape._mark_view turns it into one): _vbase is its base and _vver
    the version counter's value when its autograd fields were last synced with the base's history. After an
    in-place change of their shared storage, reading requires_grad or grad_fn points them at the base's current
    history, as torch regenerates a view's grad_fn. Other tensors keep plain attributes, read by every op."""

    __slots__ = ()
    requires_grad = _synced(Tensor.requires_grad)
    grad_fn = _synced(Tensor.grad_fn)


def _sync_view(v):
    """Point view v's autograd fields at its base's current history (a base that requires no grad leaves them)."""
    v._vver = v._version[0]
    if v._vbase.requires_grad:
        from .autograd.views import view_of_base
        view_of_base(v, v._vbase)


def _rebuild(arr, requires_grad):
    return Tensor._make(arr.copy(), requires_grad)


def _wrap_dim(dim, ndim):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n


_OPS = None


def _ops():
    global _OPS
    if _OPS is None:
        from . import ops
        _OPS = ops
    return _OPS


def is_tensor(obj):
    return isinstance(obj, Tensor)


class _LegacyTensorType(type):
    """The metaclass of fastnn.FloatTensor and friends (torch's legacy tensor types): calling one builds a tensor
    of its dtype, and isinstance(t, fastnn.FloatTensor) checks a tensor's dtype."""

    def __call__(cls, *args, device=None):
        return Tensor(*args, dtype=cls.dtype, device=device)

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype

    def __repr__(cls):
        return f"<class 'fastnn.{cls.__name__}'>"


LEGACY_TYPES = {name: _LegacyTensorType(name, (), {"dtype": d, "__module__": "fastnn"})
                for d, name in _dt.LEGACY_NAMES.items()}
