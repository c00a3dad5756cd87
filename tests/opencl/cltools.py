"""Fixtures and helpers of the OpenCL device tests (import them: `from cltools import ocl, ...`).

Not a conftest.py: a second conftest module would replace tests/conftest.py under the module name
`conftest` that other test files import helpers from.

These tests reach into the OpenCL backend (kernel variants, program cache, allocator); every
op's behaviour is tested on OpenCL through the global `device` fixture. `ocl` skips when no OpenCL device exists, except under
EMBER_REQUIRE_OPENCL=1 (CI), where a missing device fails.
"""
import os

import numpy as np
import pytest

import ember


def _opencl_error():
    from ember.backends.opencl import runtime
    return runtime.discovery().error


@pytest.fixture(scope="session")
def ocl():
    """The 'opencl' device (skip, or fail under EMBER_REQUIRE_OPENCL=1, when there is none)."""
    err = _opencl_error()
    if err:
        if os.environ.get("EMBER_REQUIRE_OPENCL") == "1":
            pytest.fail(f"EMBER_REQUIRE_OPENCL=1 but OpenCL is not available: {err}")
        pytest.skip(f"no OpenCL device: {err}")
    return ember.device("opencl")


@pytest.fixture(scope="session")
def backend(ocl):
    return ocl.backend


def host(t):
    """A NumPy copy of an OpenCL (or CPU) tensor; bfloat16 as float32."""
    if t.dtype is ember.bfloat16:
        t = t.float()
    return np.array(t.cpu().numpy())


def cl_tensor(arr, dtype=None):
    """An OpenCL tensor holding `arr`."""
    return ember.tensor(np.asarray(arr), dtype=dtype, device="opencl")


@pytest.fixture(params=["cpu", "gpu"])
def variant(request, backend):
    """Run the reduction-shaped kernels (reductions, norms, losses) in their CPU-runtime or GPU
    layout: both work on PoCL, so both are tested here."""
    old = backend.__dict__.get("_reduce_variant")
    backend._reduce_variant = request.param
    yield request.param
    if old is None:
        del backend._reduce_variant
    else:
        backend._reduce_variant = old
