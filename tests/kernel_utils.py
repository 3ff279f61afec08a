"""Helpers shared by the kernel tests: every ISA the machine has, thread counts, NaN-poisoned outputs."""
import contextlib

import numpy as np
import pytest
import torch

import fastnn

SIZES = [1, 7, 15, 16, 17, 63, 65, 255, 257, 1000]


@contextlib.contextmanager
def isa_and_threads(isa, n):
    before = fastnn.get_isa(), fastnn.get_num_threads()
    fastnn.set_isa(isa)
    fastnn.set_num_threads(n)
    try:
        yield
    finally:
        fastnn.set_isa(before[0])
        fastnn.set_num_threads(before[1])


def configs():
    """(isa, threads) pairs to run every kernel test under."""
    return [(isa, n) for isa in fastnn.available_isas() for n in (1, 2)]


def poisoned(shape, dtype=np.float32):
    return np.full(shape, np.nan, dtype)


@pytest.fixture(autouse=True)
def torch_one_thread():
    """torch on one thread for the comparison (an autouse fixture of the modules that import it)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
