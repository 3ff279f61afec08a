"""Datasets as in torch.utils.data: map-style (Dataset), iterable (IterableDataset) and their combinators.

A map-style dataset may define __getitems__(indices) returning the samples of a whole batch at once; the
DataLoader then fetches a batch with one call instead of one __getitem__ per sample (torch's protocol).
It may return a CollatedBatch: a batch already in its collated form, which default_collate passes through.
"""
import bisect
import itertools
import math
import warnings
from collections.abc import Sequence

import numpy as np

import fastnn

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "ChainDataset",
           "StackDataset", "CollatedBatch", "random_split"]


class Dataset:
    """A map-style dataset: subclasses define __getitem__(index) and usually __len__."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is a stream: subclasses define __iter__. With workers each worker iterates its own copy
    (use get_worker_info() to split the stream)."""

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other):
        return ChainDataset([self, other])


class CollatedBatch(Sequence):
    """The samples of one batch held in collated form (e.g. a tuple of batch tensors).

    default_collate returns `collated` as it is; any other collate_fn sees an ordinary sequence of samples,
    built by `sample(i)` on demand, identical to what __getitem__ would give.
    """

    __slots__ = ("collated", "_sample", "_len")

    def __init__(self, collated, length, sample):
        self.collated = collated
        self._len = length
        self._sample = sample

    def __len__(self):
        return self._len

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._sample(j) for j in range(*i.indices(self._len))]
        if i < 0:
            i += self._len
        if not 0 <= i < self._len:
            raise IndexError("batch index out of range")
        return self._sample(i)


def in_range(idx, n):
    """idx (an int64 array) with negative entries counted from the end; IndexError (torch's words) for any outside
    [-n, n). Shared by the datasets that gather a whole batch at once."""
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < -n) | (idx >= n)]
        if bad.size:
            raise IndexError(f"index {int(bad[0])} is out of bounds for dimension 0 with size {n}")
        idx = np.where(idx < 0, idx + n, idx)
    return idx


def _as_index_array(indices):
    return np.asarray(indices, dtype=np.int64)


class TensorDataset(Dataset):
    """Samples are the rows of tensors sharing their first dimension: item i is (t[i] for t in tensors)."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        n = tensors[0].shape[0] if tensors[0].dim() > 0 else None
        if n is None or any(t.dim() == 0 or t.shape[0] != n for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __getitems__(self, indices):
        """One gather per tensor for the whole batch (numpy fancy indexing), already collated."""
        idx = in_range(_as_index_array(indices), self.tensors[0].shape[0])
        arrays = [t.numpy(force=True) for t in self.tensors]
        collated = [fastnn.from_numpy(np.ascontiguousarray(a[idx])) for a in arrays]
        return CollatedBatch(collated, len(idx), lambda i: self[int(idx[i])])

    def __len__(self):
        return self.tensors[0].shape[0]


class StackDataset(Dataset):
    """Zips datasets of equal length: item i is a tuple (or a dict, for keyword datasets) of their items."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                             "input/output, but both types are given.")
        datasets = args or tuple(kwargs.values())
        if not datasets:
            raise ValueError("At least one dataset should be passed")
        self._length = len(datasets[0])
        if any(self._length != len(d) for d in datasets):
            raise ValueError("Size mismatch between datasets")
        self.datasets = args if args else kwargs

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self):
        return self._length


class ConcatDataset(Dataset):
    """Several map-style datasets one after another."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        k = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[k - 1] if k > 0 else 0
        return self.datasets[k][idx - start]


class ChainDataset(IterableDataset):
    """Several iterable datasets chained one after another."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self):
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


class Subset(Dataset):
    """The items of `dataset` at `indices`, in that order. Keeps the dataset's batch fast path."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Split into non-overlapping Subsets of the given lengths, or fractions summing to 1, as torch does."""
    if generator is None:
        generator = fastnn.default_generator
    lengths = list(lengths)
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(int(math.floor(n * frac)))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.")
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    perm = fastnn.randperm(sum(lengths), generator=generator).numpy().tolist()
    return [Subset(dataset, perm[end - length:end])
            for end, length in zip(itertools.accumulate(lengths), lengths)]
