"""The extension builds, reports its configuration and picks instruction sets as promised."""
import subprocess
import sys

import numpy as np
import pytest

import fastnn
from fastnn import _C


def test_version_and_config():
    assert fastnn.__version__ == "0.1.0"
    text = fastnn.show_config()
    assert "ISAs built" in text and fastnn.get_isa() in text


def test_best_isa_is_default_and_supported():
    assert fastnn.get_isa() in fastnn.available_isas()
    assert "generic" in fastnn.available_isas()


def test_unknown_isa_raises_value_error():
    with pytest.raises(ValueError, match="unknown ISA"):
        fastnn.set_isa("sse9")


def test_unsupported_isa_raises_runtime_error():
    missing = [isa for isa in ("avx2", "avx512") if not _C.isa_supported(isa)]
    if not missing:
        pytest.skip("this CPU supports every ISA fastnn builds")
    current = fastnn.get_isa()
    with pytest.raises(RuntimeError, match="does not support"):
        fastnn.set_isa(missing[0])
    assert fastnn.get_isa() == current


def test_fastnn_isa_environment_variable_forces_a_path():
    code = "import fastnn; print(fastnn.get_isa())"
    out = subprocess.run([sys.executable, "-c", code], env={**__import__("os").environ, "FASTNN_ISA": "generic"},
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == "generic"


def test_num_threads_round_trip():
    before = fastnn.get_num_threads()
    try:
        fastnn.set_num_threads(1)
        assert fastnn.get_num_threads() == 1
        with pytest.raises(ValueError):
            fastnn.set_num_threads(0)
    finally:
        fastnn.set_num_threads(before)


@pytest.mark.skipif(not _C.cuda_built, reason="fastnn was built without CUDA")
def test_cuda_saxpy_trivial_kernel():
    if _C.cuda_device_count() == 0:
        pytest.skip("no CUDA device on this machine")
    x = np.arange(1000, dtype=np.float32)
    y = np.ones(1000, dtype=np.float32)
    _C.cuda_saxpy(2.0, x, y)
    np.testing.assert_array_equal(y, 2 * np.arange(1000, dtype=np.float32) + 1)


def test_cuda_entry_point_validates_without_a_device():
    x = np.zeros(3, dtype=np.float64)
    y = np.zeros(3, dtype=np.float32)
    with pytest.raises((TypeError, RuntimeError)):
        _C.cuda_saxpy(1.0, x, y)


def test_fastnn_cuda_reports_what_was_built():
    assert fastnn.cuda.is_available() is False  # no CUDA tensors yet: scripts choose the CPU
    assert fastnn.cuda.kernels_built() == bool(_C.cuda_built)
    assert fastnn.cuda.device_count() == _C.cuda_device_count()
