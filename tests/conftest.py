"""Shared test setup: datasets come from the project's local copy (../shared/data), never the internet, and
every test starts from the same random state, so a test's inputs (and torch's module initialisations, which
several tests copy into fastnn models) are the same on every run and every machine."""
import os
import pathlib
import random

import numpy as np
import pytest

_SHARED_DATA = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "data"
os.environ.setdefault("FASTNN_DATASETS_MIRROR", str(_SHARED_DATA))


@pytest.fixture(autouse=True)
def _seeded():
    import torch

    import fastnn

    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    fastnn.manual_seed(0)


def pytest_terminal_summary(terminalreporter):
    """Names the kernels the run exercised (shown with -q too: CI machines differ from the dev machine)."""
    try:
        import fastnn
    except ImportError as e:  # the failures above say why; do not bury them under an INTERNALERROR
        terminalreporter.write_line(f"fastnn could not be imported: {e}")
        return
    terminalreporter.write_line(f"fastnn {fastnn.__version__}: kernels {fastnn.get_isa()} (this CPU runs "
                                f"{', '.join(fastnn.available_isas())}), {fastnn.get_num_threads()} threads")
