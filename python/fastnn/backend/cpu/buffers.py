"""Large kernel outputs in memory that is kept and reused instead of handed back to the OS at every free.

numpy allocates through malloc, and glibc's malloc maps large blocks (always above 32 MB) straight from the
kernel and unmaps them when they are freed. A kernel writing a fresh 64 MB output then pays a page fault and a
page clear per 4 KB (per 2 MB under numpy's huge-page advice): a 4096x4096 relu forward + backward spent 33 of
its 54 ms in the OS that way here. Outputs of MIN_BYTES or more
come from here instead: private anonymous mappings, faulted in once, handed out again once no array uses them
(weakref.finalize on the array that owns the mapping; numpy's views all refer to that array). At most CAP_BYTES
wait idle; beyond that a freed buffer is unmapped, and release_idle() unmaps them all. Private mappings are
copy-on-write across fork (DataLoader workers), so a child never writes into its parent's arrays. fastnn differs
from torch here: torch's CPU allocator returns every block to the OS.
"""
import math
import mmap
import threading
import weakref

import numpy as np

MIN_BYTES = 4 << 20
CAP_BYTES = 256 << 20

_idle = {}           # size in bytes -> mappings ready for reuse
_ours = set()        # ids of the live mappings made here (for owns())
_lock = threading.RLock()  # re-entrant: a garbage collection inside empty() may run _release
_PRIVATE = getattr(mmap, "MAP_PRIVATE", None)  # None on Windows: plain numpy arrays there


def pooled(nbytes):
    """Whether an output of nbytes comes from here (else it is a plain numpy array)."""
    return nbytes >= MIN_BYTES and _PRIVATE is not None


def empty(shape, dtype):
    """np.empty(shape, dtype) for a tuple or int shape and a numpy dtype, C-contiguous; from a reused mapping
    when it is MIN_BYTES or larger."""
    nbytes = (shape if type(shape) is int else math.prod(shape)) * dtype.itemsize
    if nbytes < MIN_BYTES or _PRIVATE is None:  # pooled(nbytes), inline: every kernel output passes here
        return np.empty(shape, dtype)
    with _lock:
        free = _idle.get(nbytes)
        mapping = free.pop() if free else None
    if mapping is None:
        try:
            mapping = mmap.mmap(-1, nbytes, flags=_PRIVATE)
        except OSError:  # out of address space or memory: numpy's own allocation raises its usual MemoryError
            return np.empty(shape, dtype)
        _ours.add(id(mapping))
    out = np.ndarray(shape, dtype, buffer=mapping)
    weakref.finalize(out, _release, mapping, nbytes).atexit = False
    return out


def empty_like(a):
    """empty(a.shape, a.dtype); np.empty_like's own path below MIN_BYTES."""
    return np.empty_like(a, order="C") if a.nbytes < MIN_BYTES else empty(a.shape, a.dtype)


def owns(a):
    """Whether `a` is the whole of one of these buffers (the array empty() returned), not a view of one."""
    return type(a.base) is mmap.mmap and id(a.base) in _ours


def idle_bytes():
    """Bytes held for reuse right now."""
    with _lock:
        return sum(nbytes * len(free) for nbytes, free in _idle.items())


def release_idle():
    """Unmaps every idle buffer (returns their memory to the OS); later outputs map afresh."""
    with _lock:
        for free in _idle.values():
            for mapping in free:
                _ours.discard(id(mapping))
        _idle.clear()


def _release(mapping, nbytes):
    with _lock:
        if idle_bytes() + nbytes <= CAP_BYTES:
            _idle.setdefault(nbytes, []).append(mapping)
            return
        _ours.discard(id(mapping))
    # dropped here: the mapping is unmapped when the last reference (this call's) goes
