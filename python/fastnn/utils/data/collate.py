"""default_collate / default_convert as in torch, producing fastnn tensors.

Tensors (fastnn, numpy arrays, torch tensors) are stacked along a new first dimension; Python ints become
int64, floats float64, bools bool; tuples/lists/dicts/namedtuples are collated field by field; strings are
left as lists. torch is never imported: an object is a torch tensor only if torch is already loaded.
A CollatedBatch (a dataset's __getitems__ fast path) is passed through as it is.
"""
import collections.abc
import copy
import re
import sys

import numpy as np

import fastnn

from .dataset import CollatedBatch

__all__ = ["default_collate", "default_convert"]

_np_str_obj = re.compile(r"[SaUO]")
_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}")


def _torch_tensor_type():
    torch = sys.modules.get("torch")
    return getattr(torch, "Tensor", None) if torch is not None else None


def _tensor_numpy(t):
    return t.numpy(force=True)  # the data, even of a tensor that requires grad (a batch carries no graph)


def _stack_arrays(arrays):
    """np.stack with torch.stack's error for unequal shapes."""
    shape = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 "
                               f"and {list(a.shape)} at entry {i}")
    return np.stack(arrays)


def default_collate(batch):
    """Merge a list of samples into a batch (see the module docstring for the rules)."""
    if isinstance(batch, CollatedBatch):
        return batch.collated
    elem = batch[0]
    if fastnn.is_tensor(elem):
        return fastnn.from_numpy(_stack_arrays([_tensor_numpy(t) for t in batch]))
    torch_tensor = _torch_tensor_type()
    if torch_tensor is not None and isinstance(elem, torch_tensor):
        return fastnn.from_numpy(_stack_arrays([t.detach().cpu().numpy() for t in batch]))
    if isinstance(elem, np.ndarray) or isinstance(elem, np.generic) and not isinstance(elem, (np.str_,
                                                                                               np.bytes_)):
        if _np_str_obj.search(elem.dtype.str) is not None:
            raise TypeError(_ERR.format(elem.dtype))
        if isinstance(elem, np.ndarray) and elem.ndim > 0:
            return fastnn.from_numpy(_stack_arrays([np.asarray(b) for b in batch]))
        return fastnn.from_numpy(np.array([np.asarray(b) for b in batch]))
    if isinstance(elem, bool):
        return fastnn.from_numpy(np.array(batch, dtype=np.bool_))
    if isinstance(elem, int):
        return fastnn.from_numpy(np.array(batch, dtype=np.int64))
    if isinstance(elem, float):
        return fastnn.from_numpy(np.array(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({key: default_collate([d[key] for d in batch]) for key in elem})
                return clone
            return type(elem)({key: default_collate([d[key] for d in batch]) for key in elem})
        except TypeError:
            return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if not all(len(e) == size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(samples) for samples in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = default_collate(samples)
                return clone
            return type(elem)([default_collate(samples) for samples in transposed])
        except TypeError:
            return [default_collate(samples) for samples in transposed]
    raise TypeError(_ERR.format(type(elem)))


def default_convert(data):
    """Without batching: turn numpy arrays (and torch tensors) into fastnn tensors, recursively."""
    if fastnn.is_tensor(data):
        return data
    torch_tensor = _torch_tensor_type()
    if torch_tensor is not None and isinstance(data, torch_tensor):
        return fastnn.from_numpy(data.detach().cpu().numpy())
    if isinstance(data, np.ndarray):
        if _np_str_obj.search(data.dtype.str) is not None:
            return data
        return fastnn.from_numpy(data)
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_)):
        return fastnn.from_numpy(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return type(data)({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
