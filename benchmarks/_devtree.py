"""Benchmarks use the development tree when it holds a built extension (cmake -DFASTNN_DEV_INPLACE=ON), else
the installed fastnn (pip install .); A/B tools export another revision's sources beside it (export_rev)."""
import glob
import os
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
PYTHON_DIR = os.path.join(REPO, "python")


def use_dev_tree():
    if glob.glob(os.path.join(PYTHON_DIR, "fastnn", "_C*.so")) and PYTHON_DIR not in sys.path:
        sys.path.insert(0, PYTHON_DIR)


def export_rev(rev, where, *paths):
    """REV's files (all, or only `paths`) into the existing folder `where`, with `git archive`."""
    got = subprocess.run(["git", "-C", REPO, "archive", rev, *paths], capture_output=True)
    if got.returncode != 0:
        raise RuntimeError(f"git archive {rev}: {got.stderr.decode(errors='replace').strip()}")
    subprocess.run(["tar", "-x", "-C", where], input=got.stdout, check=True)
