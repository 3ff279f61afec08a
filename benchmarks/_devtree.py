"""Benchmarks use the development tree when it holds a built extension (cmake -DFASTNN_DEV_INPLACE=ON), else
the installed fastnn (pip install .)."""
import glob
import os
import sys

PYTHON_DIR = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))


def use_dev_tree():
    if glob.glob(os.path.join(PYTHON_DIR, "fastnn", "_C*.so")) and PYTHON_DIR not in sys.path:
        sys.path.insert(0, PYTHON_DIR)
