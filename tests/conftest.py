"""Shared test setup: datasets come from the project's local copy (../shared/data), never the internet."""
import os
import pathlib

_SHARED_DATA = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "data"
os.environ.setdefault("FASTNN_DATASETS_MIRROR", str(_SHARED_DATA))
