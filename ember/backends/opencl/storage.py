"""OpenCL storage and the out-of-memory error (no pyopencl import: ``import ember`` stays light)."""

__all__ = ["ClStorage", "OutOfMemoryError"]


class OutOfMemoryError(RuntimeError):
    """An OpenCL allocation failed even after the allocator emptied its cache (torch's
    ``OutOfMemoryError``); the message names the sizes involved."""


class ClStorage:
    """A block of device memory that tensors view: an OpenCL buffer from the caching allocator.

    ``buffer`` is the pyopencl Buffer (None for 0 bytes), ``nbytes`` the requested size, ``ptr``
    a stable, unique address-like int (a virtual address: OpenCL 1.2 has no device pointers),
    ``version`` the in-place version counter shared by every view. The block goes back to the
    allocator's pool when the last reference to the storage goes.
    """

    __slots__ = ("buffer", "nbytes", "version", "ptr", "device", "backend", "_block", "__weakref__")

    def __init__(self, backend, block, nbytes):
        self.backend = backend
        self.device = backend.device
        self._block = block
        self.buffer = block.buffer if block is not None else None
        self.ptr = block.vaddr if block is not None else 0
        self.nbytes = nbytes
        self.version = 0

    def __del__(self):
        block = self._block
        if block is not None:
            self._block = None
            try:
                self.backend.allocator.free(block)
            except Exception:       # interpreter shutdown: the pool may already be gone
                pass

    def __len__(self):
        return self.nbytes

    def __repr__(self):
        return f"<ember OpenCL storage of {self.nbytes} bytes on {self.device} at {hex(self.ptr)}>"
