"""The worker process side of DataLoader(num_workers > 0), as in torch.

Each worker receives (task id, batch indices) on its own queue, fetches and collates the batch, and puts
(task id, batch) on the shared result queue; the main process puts batches back in order. Tensors travel as
numpy arrays (pickled), rebuilt as fastnn tensors in the main process. Exceptions travel as ExceptionWrapper
and are re-raised in the main process with the worker's traceback.
"""
import multiprocessing
import queue
import random
import sys
import traceback
from collections import namedtuple

import numpy as np

import fastnn

__all__ = ["WorkerInfo", "get_worker_info", "ExceptionWrapper"]

_POLL_S = 1.0


class WorkerInfo(namedtuple("WorkerInfo", ["id", "num_workers", "seed", "dataset"])):
    """What a worker knows about itself: id, num_workers, seed, and its copy of the dataset."""
    __slots__ = ()


_worker_info = None


def get_worker_info():
    """In a DataLoader worker: its WorkerInfo; in the main process: None."""
    return _worker_info


class ExceptionWrapper:
    """An exception caught in a worker, with its formatted traceback, re-raised in the main process."""

    def __init__(self, where):
        exc_type, exc, _ = sys.exc_info()
        self.exc_type = exc_type
        self.where = where
        self.msg = "".join(traceback.format_exception(exc_type, exc, exc.__traceback__))

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exc


class KeyErrorMessage(str):
    """KeyError quotes its message with repr(); this keeps the traceback readable."""

    def __repr__(self):
        return self


class IterableEnd:
    """A worker's iterable dataset is exhausted."""

    def __init__(self, worker_id):
        self.worker_id = worker_id


class ResumeIteration:
    """Persistent workers: start a new epoch (recreate the fetcher)."""


class _Packed:
    """A fastnn tensor in transit: its numpy array."""
    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array


def pack(obj):
    """Replace fastnn tensors by picklable numpy wrappers, recursively through tuples, lists and dicts."""
    if fastnn.is_tensor(obj):
        return _Packed(obj.numpy(force=True))
    if type(obj) in (list, tuple):
        return type(obj)(pack(o) for o in obj)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(pack(o) for o in obj))
    if type(obj) is dict:
        return {k: pack(v) for k, v in obj.items()}
    return obj


def unpack(obj):
    if type(obj) is _Packed:
        return fastnn.from_numpy(obj.array)
    if type(obj) in (list, tuple):
        return type(obj)(unpack(o) for o in obj)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(unpack(o) for o in obj))
    if type(obj) is dict:
        return {k: unpack(v) for k, v in obj.items()}
    return obj


def numpy_seed(base_seed, worker_id):
    """The seed torch's workers give numpy's global generator: torch's _generate_state is numpy's SeedSequence
    over (worker_id, base_seed), four words."""
    return np.random.SeedSequence([worker_id, base_seed]).generate_state(4)


def worker_loop(make_fetcher, dataset, index_queue, result_queue, base_seed, init_fn, worker_id,
                num_workers, done):
    """Body of one worker process; ends on None, or when the main process is gone."""
    global _worker_info
    try:
        seed = base_seed + worker_id
        random.seed(seed)
        fastnn.manual_seed(seed)
        np.random.seed(numpy_seed(base_seed, worker_id))
        fastnn.set_num_threads(1)
        _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
        init_error = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(dataset)
        except Exception:
            init_error = ExceptionWrapper(f"in DataLoader worker process {worker_id}")
        parent = multiprocessing.parent_process()
        while True:
            try:
                task = index_queue.get(timeout=_POLL_S)
            except queue.Empty:
                if done.is_set() or (parent is not None and not parent.is_alive()):
                    break
                continue
            if task is None or done.is_set():
                break
            if isinstance(task, ResumeIteration):
                try:
                    fetcher = make_fetcher(dataset)
                except Exception:
                    init_error = ExceptionWrapper(f"in DataLoader worker process {worker_id}")
                result_queue.put((task, None))
                continue
            idx, index = task
            if init_error is not None:
                data, init_error = init_error, None
            else:
                try:
                    data = pack(fetcher.fetch(index))
                except StopIteration:
                    data = IterableEnd(worker_id)
                except Exception:
                    data = ExceptionWrapper(f"in DataLoader worker process {worker_id}")
            result_queue.put((idx, data))
            del data
    except KeyboardInterrupt:
        pass
    # Results nobody will read must not keep this process alive (its queue thread flushing a full pipe).
    result_queue.cancel_join_thread()
    result_queue.close()
