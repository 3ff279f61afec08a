"""Samplers as in torch.utils.data: they yield dataset indices (or, BatchSampler, lists of indices).

Randomness follows torch, draw for draw: RandomSampler without a generator seeds a fresh Generator from the
default one at each __iter__ (SubsetRandomSampler draws from the default one itself), so fastnn.manual_seed gives
torch's order and each epoch draws a new permutation.
The built-in samplers also expose _epoch_indices(): the whole epoch as one int64 array drawn from the same
random numbers as __iter__, which BatchSampler slices instead of looping over Python ints.
"""
import numpy as np

import fastnn
from fastnn.random import draw_categories

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
           "BatchSampler"]


class Sampler:
    """Base class: subclasses define __iter__ (and __len__ when they can)."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


def _fresh_generator(generator):
    """The generator to draw from: the given one, else a new one seeded from the default generator."""
    if generator is not None:
        return generator
    return fastnn.Generator().manual_seed(fastnn.default_generator.seed_draw())


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def _epoch_indices(self):
        return np.arange(len(self.data_source), dtype=np.int64)

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation each epoch, or num_samples draws with replacement."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or isinstance(self.num_samples, bool) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _epoch_indices(self):
        n = len(self.data_source)
        gen = _fresh_generator(self.generator)
        k = self.num_samples
        if self.replacement:
            return fastnn.randint(0, n, (k,), generator=gen).numpy().astype(np.int64, copy=False)
        parts = [fastnn.randperm(n, generator=gen).numpy() for _ in range(k // n)]
        if k % n:
            parts.append(fastnn.randperm(n, generator=gen).numpy()[:k % n])
        return np.concatenate(parts) if len(parts) != 1 else parts[0]

    def __iter__(self):
        return iter(self._epoch_indices().tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order (a fresh permutation each epoch)."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def _epoch_indices(self):
        perm = fastnn.randperm(len(self.indices), generator=self.generator).numpy()
        return np.asarray(self.indices, dtype=np.int64)[perm]

    def __iter__(self):
        perm = fastnn.randperm(len(self.indices), generator=self.generator).numpy()  # the default one if None
        for i in perm.tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """num_samples indices in [0, len(weights)) drawn with probability proportional to weights."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w = np.asarray(weights.numpy() if fastnn.is_tensor(weights) else weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}")
        if w.size == 0 or (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
            raise RuntimeError("invalid multinomial distribution (weights must be finite, non-negative and "
                               "sum to more than 0)")
        if not replacement and num_samples > w.size:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _epoch_indices(self):
        return draw_categories(_fresh_generator(self.generator)._rng, self.weights, self.num_samples, self.replacement)

    def __iter__(self):
        return iter(self._epoch_indices().tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of `sampler` into lists of batch_size (the last one shorter unless drop_last)."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        bs = self.batch_size
        epoch = getattr(self.sampler, "_epoch_indices", None)
        if epoch is not None and type(self.sampler) in _BUILTIN:
            idx = epoch()
            stop = len(idx) - len(idx) % bs if self.drop_last else len(idx)
            for start in range(0, stop, bs):
                yield idx[start:start + bs].tolist()
            return
        batch = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == bs:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


# Exact types whose _epoch_indices() matches their __iter__ (a subclass may override __iter__).
_BUILTIN = (SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler)
