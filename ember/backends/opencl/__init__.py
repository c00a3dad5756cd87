"""The OpenCL device backend (issue #4): runtime, caching allocator, program cache, kernels.

Nothing here touches OpenCL at import: ``get_backend(index)`` discovers devices on first use
(runtime.py) and builds the backend of ``opencl:index`` (backend.py).
"""
from .storage import ClStorage, OutOfMemoryError

__all__ = ["get_backend", "ClStorage", "OutOfMemoryError"]


def get_backend(index=None):
    """The OpenCLBackend of opencl:index (None: the current device)."""
    from .backend import get_backend as _get
    return _get(index)
