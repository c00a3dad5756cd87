"""A caching allocator for OpenCL buffers (the role of PyTorch's CUDA caching allocator).

Creating and releasing OpenCL buffers is slow (driver calls, page faults on first touch), and a
training step allocates the same sizes again and again. Freed blocks therefore go back to a pool
keyed by size class (4 classes per power of two, at most 25% slack) and are handed out again.
The queue is in-order, so a block freed while kernels still read it may be reused at once: every
later command runs after them.

Accounting follows torch.cuda: ``allocated`` counts the blocks held by live storages, ``reserved``
adds the cached ones, ``peak`` is the high-water mark of ``allocated``. A request that does not fit
(the device's memory, its largest single allocation, or ``EMBER_OPENCL_MEMORY_LIMIT`` bytes when
set) first empties the cache and retries, then raises :class:`OutOfMemoryError`.
"""
import os

from .storage import OutOfMemoryError

__all__ = ["Allocator", "Block", "size_class"]

_SMALL = 512


def size_class(n):
    """n rounded up to its pool class: 512 bytes at least, then 4 classes per power of two."""
    if n <= _SMALL:
        return _SMALL
    p = 1 << (n.bit_length() - 1)
    step = p >> 2
    return (n + step - 1) // step * step


def _fmt(n):
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n} bytes"


class Block:
    """One OpenCL buffer of `size` bytes, with a virtual address that names it in data_ptr()."""

    __slots__ = ("buffer", "size", "vaddr")

    def __init__(self, buffer, size, vaddr):
        self.buffer = buffer
        self.size = size
        self.vaddr = vaddr


class Allocator:
    """Pools OpenCL buffers of one device (see the module docstring)."""

    def __init__(self, cldev):
        self.dev = cldev
        self._pool = {}                       # size class -> [Block]
        self.allocated = 0
        self.cached = 0
        self.peak = 0
        self.peak_reserved = 0
        self.num_allocs = 0                   # buffers created
        self.num_reuses = 0                   # requests served from the pool
        # virtual addresses: a disjoint 1 TiB range per device, blocks never overlap
        self._next_vaddr = (cldev.index + 1) << 40

    @property
    def reserved(self):
        return self.allocated + self.cached

    @staticmethod
    def limit():
        """EMBER_OPENCL_MEMORY_LIMIT (bytes) when set, else None."""
        v = os.environ.get("EMBER_OPENCL_MEMORY_LIMIT")
        return int(float(v)) if v else None

    def malloc(self, nbytes):
        """A Block of at least `nbytes` (> 0), from the pool when one of its class is free."""
        c = size_class(nbytes)
        lst = self._pool.get(c)
        if lst:
            block = lst.pop()
            self.cached -= c
            self.num_reuses += 1
        else:
            block = self._create(c, nbytes)
        self.allocated += c
        if self.allocated > self.peak:
            self.peak = self.allocated
        if self.allocated + self.cached > self.peak_reserved:
            self.peak_reserved = self.allocated + self.cached
        return block

    def free(self, block):
        self.allocated -= block.size
        self._pool.setdefault(block.size, []).append(block)
        self.cached += block.size

    def empty_cache(self):
        """Release every cached block to the driver (blocks in use are untouched)."""
        pool, self._pool = self._pool, {}
        for lst in pool.values():
            for block in lst:
                try:
                    block.buffer.release()
                except Exception:
                    pass
        self.cached = 0

    def reset_peak(self):
        self.peak = self.allocated
        self.peak_reserved = self.reserved

    def stats(self):
        return {"allocated": self.allocated, "reserved": self.reserved, "cached": self.cached,
                "peak_allocated": self.peak, "peak_reserved": self.peak_reserved,
                "num_allocs": self.num_allocs,
                "num_reuses": self.num_reuses}

    # -- creation with the out-of-memory protocol ---------------------------------------------
    def _fits(self, c):
        limit = self.limit()
        cap = self.dev.total_memory if limit is None else min(limit, self.dev.total_memory)
        return self.reserved + c <= cap and c <= self.dev.max_alloc

    def _create(self, c, nbytes):
        import pyopencl as cl
        if not self._fits(c):
            self.empty_cache()
            if not self._fits(c):
                self._raise_oom(c, nbytes)
        try:
            buf = cl.Buffer(self.dev.context, cl.mem_flags.READ_WRITE, c)
        except cl.Error as e:
            self.empty_cache()
            try:
                buf = cl.Buffer(self.dev.context, cl.mem_flags.READ_WRITE, c)
            except cl.Error:
                self._raise_oom(c, nbytes, str(e))
        self.num_allocs += 1
        block = Block(buf, c, self._next_vaddr)
        self._next_vaddr += (c + 4095) // 4096 * 4096
        return block

    def _raise_oom(self, c, nbytes, driver_error=None):
        d = self.dev
        limit = self.limit()
        parts = [f"OpenCL out of memory. Tried to allocate {_fmt(nbytes)} (a {_fmt(c)} block). "
                 f"Device opencl:{d.index} ({d.name}) has a total capacity of "
                 f"{_fmt(d.total_memory)}"]
        if c > d.max_alloc:
            parts.append(f" and allows at most {_fmt(d.max_alloc)} in one buffer")
        parts.append(f"; {_fmt(self.allocated)} is allocated by tensors and {_fmt(self.reserved)} "
                     f"is reserved by Ember")
        if limit is not None:
            parts.append(f"; EMBER_OPENCL_MEMORY_LIMIT is {_fmt(limit)}")
        if driver_error:
            parts.append(f". The driver said: {driver_error}")
        raise OutOfMemoryError("".join(parts) + ".")
