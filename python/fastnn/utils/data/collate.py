"""default_collate / default_convert as in torch, producing fastnn tensors.

As torch, the first element's type picks the rule. Tensors (fastnn, numpy arrays, torch tensors) are stacked
along a new first dimension, unequal dtypes promoted as torch.stack does; Python numbers become
fastnn.tensor(batch) (torch.tensor's inference over the whole batch: [1, 2.5] is float32, [True, 2] int64, all
bools bool), float64 when the first is a float; numpy scalars fastnn.tensor(batch) too (one numpy type keeps
its dtype); tuples/lists/dicts/namedtuples are collated field by field; strings are left as lists.
torch is never imported: an object is a torch tensor only if torch is already loaded.
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
    """torch.stack of the arrays: its error for unequal shapes, its promotion for unequal dtypes (int64 with
    float32 is float32, where numpy would give float64)."""
    try:
        out = np.stack(arrays)
    except ValueError:
        shape = arrays[0].shape
        for i, a in enumerate(arrays):
            if a.shape != shape:
                raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 "
                                   f"and {list(a.shape)} at entry {i}") from None
        raise
    # numpy's result is the first array's dtype only when that dtype is at least as wide as every other, in
    # which case torch's is the same; otherwise (mixed dtypes) promote as torch, by category first
    if out.dtype != arrays[0].dtype:
        dt = fastnn.dtypes.from_numpy_dtype(arrays[0].dtype)
        for a in arrays:
            dt = fastnn.promote_types(dt, fastnn.dtypes.from_numpy_dtype(a.dtype))
        if dt.numpy != out.dtype:
            out = np.stack(arrays, dtype=dt.numpy, casting="unsafe")
    return out


def _type_name(cls):
    """A type's name as torch's errors spell it: 'int', 'numpy.ndarray'."""
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


def _tensor_arrays(batch, torch_tensor):
    """The numpy data of a batch of tensors (fastnn's, or torch's when torch is loaded); anything else in it is
    torch.stack's TypeError."""
    try:  # the fast path: every item has .numpy(force=True) (fastnn and torch tensors)
        return [t.numpy(force=True) for t in batch]
    except (AttributeError, TypeError):
        pass
    arrays = []
    for i, t in enumerate(batch):
        if isinstance(t, fastnn.Tensor):
            arrays.append(t.numpy(force=True))
        elif torch_tensor is not None and isinstance(t, torch_tensor):
            arrays.append(t.detach().cpu().numpy())
        else:
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {_type_name(type(t))}")
    return arrays


def _ndarray_of(b):
    """torch.as_tensor(b) of one item of a batch of numpy arrays, as a numpy array."""
    if isinstance(b, np.ndarray):
        return b  # a dtype fastnn lacks (strings, objects) raises TypeError in _stack_arrays or from_numpy
    if fastnn.is_tensor(b):
        return _tensor_numpy(b)
    torch_tensor = _torch_tensor_type()
    if torch_tensor is not None and isinstance(b, torch_tensor):
        return b.detach().cpu().numpy()
    return fastnn.as_tensor(b).numpy()


_NP_SCALARS = (np.bool_, np.number)  # torch's numpy scalar types (string scalars are str / bytes)


def default_collate(batch):
    """Merge a list of samples into a batch (see the module docstring for the rules)."""
    if isinstance(batch, CollatedBatch):
        return batch.collated
    elem = batch[0]
    # the first element's type decides, in torch's order: tensor, ndarray, numpy scalar, float, int (bool
    # included), str / bytes, mapping, namedtuple, sequence
    elem_type = type(elem)
    if elem_type is int or elem_type is bool:  # the commonest labels
        # fast path: numpy's inference is int64 (or bool) exactly where torch.tensor's is, for the batches it
        # takes (Python ints and bools, 0-d integer arrays or tensors); anything else goes to fastnn.tensor
        try:
            out = np.array(batch)
            if out.ndim == 1 and (out.dtype == np.int64 or out.dtype == np.bool_):
                return fastnn.from_numpy(out)
        except (ValueError, TypeError, OverflowError, RuntimeError):
            pass  # fastnn.tensor raises torch's error
        return fastnn.tensor(batch)
    if fastnn.is_tensor(elem):
        return fastnn.from_numpy(_stack_arrays(_tensor_arrays(batch, _torch_tensor_type())))
    torch_tensor = _torch_tensor_type()
    if torch_tensor is not None and isinstance(elem, torch_tensor):
        return fastnn.from_numpy(_stack_arrays(_tensor_arrays(batch, torch_tensor)))
    if isinstance(elem, np.ndarray):
        if _np_str_obj.search(elem.dtype.str) is not None:
            raise TypeError(_ERR.format(elem.dtype))
        return fastnn.from_numpy(_stack_arrays([_ndarray_of(b) for b in batch]))
    if isinstance(elem, _NP_SCALARS):  # torch.as_tensor(batch): torch.tensor's dtype inference over the list
        if all(type(b) is elem_type for b in batch):
            return fastnn.from_numpy(np.array(batch, dtype=elem.dtype))
        return fastnn.tensor(batch)
    if isinstance(elem, float):  # torch.tensor(batch, dtype=torch.float64)
        try:  # fast path as for ints: no strings, None or complex (np.array(..., dtype=float64) would take them)
            out = np.array(batch)
            if out.ndim == 1 and out.dtype == np.float64:
                return fastnn.from_numpy(out)
        except (ValueError, TypeError, OverflowError, RuntimeError):
            pass
        return fastnn.tensor(batch, dtype=fastnn.float64)
    if isinstance(elem, int):  # int subclasses (IntEnum, ...): torch.tensor(batch)
        return fastnn.tensor(batch)
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
