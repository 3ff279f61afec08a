"""Kernel backends. Each takes arrays (numpy on the CPU), never Tensors, and knows nothing above it.

`cpu` is always present; `cuda` has the same function names and signatures where it exists.
"""
from . import cpu

__all__ = ["cpu"]
