# cython: freethreading_compatible = False
"""CPU storage: an aligned, reference-counted byte buffer shared by all views of it.

Large blocks come from a caching allocator: a freed block goes back to a free list keyed by its
size class and the next allocation of that class reuses it, so a fresh output does not pay a
page-fault storm on every call (the pages are already mapped). Blocks of 2 MiB and more are
2 MiB-aligned and advised for transparent huge pages, so even their first touch faults 512x less.
"""
from cpython.buffer cimport PyBUF_WRITABLE
from libc.stdlib cimport free
from libc.string cimport memset
from libc.stdint cimport uintptr_t

cdef extern from "stdlib.h" nogil:
    int posix_memalign(void **memptr, size_t alignment, size_t size)

cdef extern from "sys/mman.h" nogil:
    int madvise(void *addr, size_t length, int advice)
    int MADV_HUGEPAGE

cdef size_t SMALL = 1 << 16          # below this, plain aligned malloc/free (glibc caches those)
cdef size_t HUGE = 1 << 21           # at and above this, 2 MiB alignment + MADV_HUGEPAGE
cdef size_t _cache_limit = 2 << 30   # bytes kept in free lists at most
cdef size_t _cached = 0              # bytes now in free lists
cdef size_t _in_use = 0              # bytes handed out to live storages
cdef size_t _peak = 0
cdef dict _free = {}                 # size class -> list of addresses


cdef inline size_t _size_class(size_t n):
    """Round n up to one of 4 classes per power of two (at most 25% slack)."""
    if n <= SMALL:
        return (n + 63) & ~(<size_t>63)
    cdef size_t p = 1
    while p * 2 <= n:
        p <<= 1
    cdef size_t step = p >> 2
    return (n + step - 1) // step * step


cdef char* _raw_alloc(size_t n) except NULL:
    cdef void* p = NULL
    cdef size_t align = HUGE if n >= HUGE else 64
    if posix_memalign(&p, align, n if n else 64) != 0 or p == NULL:
        raise MemoryError(f"CPU out of memory: tried to allocate {n} bytes")
    if n >= HUGE:
        madvise(p, n, MADV_HUGEPAGE)
    return <char*>p


cdef char* _alloc(size_t nbytes, size_t* cap) except NULL:
    global _cached, _in_use, _peak
    cdef size_t c = _size_class(nbytes)
    cdef list lst
    cap[0] = c
    _in_use += c
    if _in_use > _peak:
        _peak = _in_use
    if c > SMALL:
        lst = _free.get(c)
        if lst:
            _cached -= c
            return <char*><uintptr_t>lst.pop()
    return _raw_alloc(c)


cdef void _release(char* p, size_t c):
    global _cached, _in_use
    _in_use -= c
    if c > SMALL and _cached + c <= _cache_limit:
        lst = _free.get(c)
        if lst is None:
            lst = _free[c] = []
        lst.append(<uintptr_t>p)
        _cached += c
    else:
        free(p)


def empty_cache():
    """Return every cached free block to the operating system."""
    global _cached
    for lst in _free.values():
        for addr in lst:
            free(<void*><uintptr_t>addr)
    _free.clear()
    _cached = 0


def memory_stats():
    """Bytes in live storages, bytes cached for reuse, and the peak of the first."""
    return {"allocated": _in_use, "cached": _cached, "peak_allocated": _peak}


def set_cache_limit(size_t nbytes):
    """Cap the bytes the allocator keeps for reuse (EMBER_CPU_CACHE_LIMIT sets it at import)."""
    global _cache_limit
    _cache_limit = nbytes


cdef class Storage:
    """A contiguous block of bytes on the CPU.

    Either owned (allocated here, returned to the caching allocator when the last reference goes)
    or borrowed from an exporter (a NumPy array, a DLPack capsule) that it keeps alive.
    ``version`` is the in-place version counter shared by every tensor viewing this storage.
    """

    def __cinit__(self, Py_ssize_t nbytes=0, bint zero=False):
        if nbytes < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension: {nbytes} bytes")
        self.nbytes = nbytes
        self.owner = None
        self.version = 0
        self.data = _alloc(<size_t>nbytes, &self.capacity)
        if zero and nbytes:
            with nogil:
                memset(self.data, 0, <size_t>nbytes)

    def __dealloc__(self):
        if self.owner is None and self.data != NULL:
            _release(self.data, self.capacity)
        self.data = NULL

    @staticmethod
    def from_address(uintptr_t address, Py_ssize_t nbytes, owner):
        """Borrow `nbytes` at `address`, keeping `owner` alive as long as this storage lives."""
        cdef Storage s = Storage.__new__(Storage, 0)
        _release(s.data, s.capacity)
        s.data = <char*>address
        s.nbytes = nbytes
        s.capacity = 0
        s.owner = owner
        return s

    @property
    def ptr(self):
        """The address of the first byte."""
        return <uintptr_t>self.data

    @property
    def device(self):
        return "cpu"

    def zero_(self):
        with nogil:
            memset(self.data, 0, <size_t>self.nbytes)

    def __len__(self):
        return self.nbytes

    def __getbuffer__(self, Py_buffer *buffer, int flags):
        buffer.buf = self.data
        buffer.obj = self
        buffer.len = self.nbytes
        buffer.readonly = 0
        buffer.itemsize = 1
        buffer.format = "B"
        buffer.ndim = 1
        buffer.shape = &self.nbytes
        buffer.strides = NULL
        buffer.suboffsets = NULL
        buffer.internal = NULL

    def __releasebuffer__(self, Py_buffer *buffer):
        pass

    def __repr__(self):
        return f"<ember CPU storage of {self.nbytes} bytes at {hex(<uintptr_t>self.data)}>"
