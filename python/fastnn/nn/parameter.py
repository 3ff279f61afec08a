"""nn.Parameter: a Tensor that a Module registers as one of its parameters."""
from ..tensor import Tensor, _init


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and is registered when assigned to a Module attribute.

    It shares storage with the tensor it is made from, as torch's."""

    def __new__(cls, data=None, requires_grad=True):
        import numpy as np
        if data is None:
            arr = np.empty((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            raise TypeError(f"Parameter expects a Tensor, got {type(data).__name__}")
        p = object.__new__(cls)
        _init(p, arr, False)
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __reduce_ex__(self, protocol):
        return (Parameter, (Tensor._make(self._data.copy()), self.requires_grad))
