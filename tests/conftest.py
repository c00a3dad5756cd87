"""Shared test fixtures: the device list and NumPy-oracle comparison helpers.

Every op test takes the `device` fixture, so the same test runs on each available device.
`EMBER_REQUIRE_OPENCL=1` (set by CI) turns a missing OpenCL device into a failure, not a skip.
"""
import os

import numpy as np
import pytest

import ember


def _opencl_available():
    try:
        from ember import opencl
    except ImportError:
        return False
    try:
        return opencl.is_available()
    except Exception:
        return False


# every device-parametrized test runs on the CPU and, when a device exists, on OpenCL;
# EMBER_TEST_DEVICES=cpu narrows the list (development)
_WANTED = os.environ.get("EMBER_TEST_DEVICES", "cpu,opencl").split(",")
DEVICES = ["cpu"]
if "opencl" in _WANTED:
    if _opencl_available():
        DEVICES.append("opencl")
    elif os.environ.get("EMBER_REQUIRE_OPENCL") == "1":
        raise RuntimeError("EMBER_REQUIRE_OPENCL=1 but no OpenCL device was found")


_GPU_LAYOUTS = os.environ.get("EMBER_TEST_GPU_LAYOUTS") == "1"
if _GPU_LAYOUTS:
    os.environ["EMBER_OPENCL_GEMM"] = "gpu"


@pytest.fixture(autouse=True)
def _gpu_layouts():
    """EMBER_TEST_GPU_LAYOUTS=1: the OpenCL backend runs its GPU code paths on any device
    (unrolled map/copy kernels, GPU reductions, element-wise conv/pool kernels, the GPU GEMM with
    split-K), so a CPU runtime (PoCL) checks them. Run it over tests/ except tests/opencl (whose
    tests pick layouts themselves and check launch shapes):
    EMBER_TEST_GPU_LAYOUTS=1 python -m pytest tests --deselect tests/opencl"""
    if _GPU_LAYOUTS and _opencl_available():
        be = ember.device("opencl").backend
        be._map_unroll, be._reduce_variant, be.conv_variant = 4, "gpu", "gpu"
    yield


@pytest.fixture(autouse=True)
def _fixed_seed():
    """Every test starts from the same random state (ember's generators on every device, NumPy's
    legacy global one): statistical checks give the same verdict on every run."""
    ember.manual_seed(0)
    np.random.seed(0)
    yield


@pytest.fixture(params=DEVICES)
def device(request):
    return request.param


def to_np(t):
    """A NumPy copy of a tensor (any device)."""
    return np.array(t.detach().cpu().numpy()) if isinstance(t, ember.Tensor) else np.asarray(t)


def assert_close(actual, expected, rtol=None, atol=None, check_dtype=True, equal_nan=True):
    """Compare an ember tensor with a NumPy oracle: shape, dtype and values."""
    assert isinstance(actual, ember.Tensor), f"expected a Tensor, got {type(actual)}"
    exp = np.asarray(expected)
    got = to_np(actual)
    assert got.shape == exp.shape, f"shape {got.shape} != expected {exp.shape}"
    if check_dtype:
        assert got.dtype == exp.dtype, f"dtype {got.dtype} != expected {exp.dtype}"
    if got.dtype.kind in "biu" and exp.dtype.kind in "biu":
        np.testing.assert_array_equal(got, exp)
        return
    if rtol is None:
        rtol = {np.float16: 1e-3, np.float32: 1e-5}.get(got.dtype.type, 1e-7)
    if atol is None:
        atol = {np.float16: 1e-3, np.float32: 1e-6}.get(got.dtype.type, 1e-9)
    np.testing.assert_allclose(got.astype(np.float64), exp.astype(np.float64), rtol=rtol, atol=atol,
                               equal_nan=equal_nan)


def noncontig(arr):
    """The same values as `arr` laid out non-contiguously (a strided view of a bigger array)."""
    arr = np.asarray(arr)
    if arr.ndim == 0:
        return arr
    big = np.zeros(arr.shape[:-1] + (arr.shape[-1] * 2,), dtype=arr.dtype)
    big[..., ::2] = arr
    return big[..., ::2]


def make(arr, device, requires_grad=False):
    """An ember tensor holding `arr` on `device`; a strided view `arr` (non-negative strides)
    gives a tensor with the same strides on every device."""
    arr = np.asarray(arr)
    if arr.flags.c_contiguous or not arr.ndim:
        t = ember.tensor(arr, device=device)
    elif device == "cpu":
        t = ember.from_numpy(arr)             # a view of the same strided memory
    else:
        t = _strided_copy(arr, device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _strided_copy(arr, device):
    """A tensor on `device` with arr's values and element strides: the memory span arr covers,
    moved to the device, then viewed with arr's geometry (a detached view, as from_numpy's)."""
    item = arr.itemsize
    if any(s < 0 or s % item for s in arr.strides) or arr.size == 0:
        return ember.tensor(arr, device=device)       # no non-negative element strides to keep
    strides = tuple(s // item for s in arr.strides)
    span = 1 + sum((n - 1) * s for n, s in zip(arr.shape, strides))
    flat = np.lib.stride_tricks.as_strided(arr, (span,), (item,))   # inside arr's buffer
    return ember.tensor(flat.copy(), device=device).as_strided(arr.shape, strides).detach()
