"""Fetchers: turn one entry of the batch sampler into one loader output (used in-process and in workers)."""
from .collate import default_collate
from .dataset import CollatedBatch

__all__ = ["MapFetcher", "IterableFetcher"]


class MapFetcher:
    """Map-style: a list of indices -> collate_fn(samples). A dataset's __getitems__ fetches the whole
    batch at once; with a custom collate_fn its result is materialised as a plain list of samples."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        getitems = getattr(dataset, "__getitems__", None)
        self.getitems = getitems if auto_collation and callable(getitems) else None
        self.passthrough = collate_fn is default_collate

    def fetch(self, index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self.getitems is not None:
            data = self.getitems(index)
            if isinstance(data, CollatedBatch) and not self.passthrough:
                data = list(data)
        else:
            dataset = self.dataset
            data = [dataset[i] for i in index]
        return self.collate_fn(data)


class IterableFetcher:
    """Iterable: pulls batch_size items (or one item) from the dataset's iterator; StopIteration ends it."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.iterator = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.iterator))
        data = []
        for _ in index:
            try:
                data.append(next(self.iterator))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)
