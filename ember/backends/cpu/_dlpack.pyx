# cython: freethreading_compatible = False
"""DLPack capsules for CPU memory: export (tensor -> capsule) and import (capsule -> owner + layout).

The struct layouts below are those of dlpack.h (DLPack 1.0; unchanged in 1.1). A capsule named
"dltensor" holds a DLManagedTensor, one named "dltensor_versioned" a DLManagedTensorVersioned.
Ownership follows the protocol: the capsule's destructor calls the managed tensor's deleter only
while the capsule is unconsumed; a consumer renames it "used_dltensor[_versioned]" and from then
on calls the deleter itself, exactly once, when it no longer needs the memory.
"""
from cpython.pycapsule cimport (PyCapsule_New, PyCapsule_IsValid, PyCapsule_GetPointer,
                                PyCapsule_SetName, PyCapsule_Destructor)
from cpython.ref cimport PyObject, Py_INCREF, Py_XDECREF
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t, uintptr_t
from libc.stdlib cimport malloc, free

# -- dlpack.h ------------------------------------------------------------------------------------
cdef extern from *:
    """
    typedef struct { uint32_t major; uint32_t minor; } EmDLPackVersion;
    typedef struct { int32_t device_type; int32_t device_id; } EmDLDevice;
    typedef struct { uint8_t code; uint8_t bits; uint16_t lanes; } EmDLDataType;
    typedef struct {
        void* data;
        EmDLDevice device;
        int32_t ndim;
        EmDLDataType dtype;
        int64_t* shape;
        int64_t* strides;
        uint64_t byte_offset;
    } EmDLTensor;
    typedef struct EmDLManagedTensor {
        EmDLTensor dl_tensor;
        void* manager_ctx;
        void (*deleter)(struct EmDLManagedTensor*);
    } EmDLManagedTensor;
    typedef struct EmDLManagedTensorVersioned {
        EmDLPackVersion version;
        void* manager_ctx;
        void (*deleter)(struct EmDLManagedTensorVersioned*);
        uint64_t flags;
        EmDLTensor dl_tensor;
    } EmDLManagedTensorVersioned;
    """
    ctypedef struct DLPackVersion "EmDLPackVersion":
        uint32_t major
        uint32_t minor
    ctypedef struct DLDevice "EmDLDevice":
        int32_t device_type
        int32_t device_id
    ctypedef struct DLDataType "EmDLDataType":
        uint8_t code
        uint8_t bits
        uint16_t lanes
    ctypedef struct DLTensor "EmDLTensor":
        void* data
        DLDevice device
        int32_t ndim
        DLDataType dtype
        int64_t* shape
        int64_t* strides
        uint64_t byte_offset
    ctypedef struct DLManagedTensor "EmDLManagedTensor":
        DLTensor dl_tensor
        void* manager_ctx
        void (*deleter)(DLManagedTensor*) noexcept
    ctypedef struct DLManagedTensorVersioned "EmDLManagedTensorVersioned":
        DLPackVersion version
        void* manager_ctx
        void (*deleter)(DLManagedTensorVersioned*) noexcept
        uint64_t flags
        DLTensor dl_tensor

# DLDeviceType / DLDataTypeCode values (kDLCPU, kDLInt ...), for the Python side
kDLCPU, kDLCUDA, kDLCUDAHost, kDLOpenCL, kDLROCMHost = 1, 2, 3, 4, 11
kDLInt, kDLUInt, kDLFloat, kDLBfloat, kDLComplex, kDLBool = 0, 1, 2, 4, 5, 6
FLAG_READ_ONLY = 1
FLAG_IS_COPIED = 2
VERSION = (1, 0)        # what we produce; both structs are unchanged in 1.1

cdef const char* NAME = "dltensor"
cdef const char* USED_NAME = "used_dltensor"
cdef const char* NAME_V = "dltensor_versioned"
cdef const char* USED_NAME_V = "used_dltensor_versioned"

# Managed tensors we exported and whose deleter has not run yet (tests check lifetimes with it).
cdef Py_ssize_t _live = 0


def live_exports():
    """How many exported DLPack tensors are still alive (their deleter has not run)."""
    return _live


# -- export --------------------------------------------------------------------------------------
# Deleters may be called by a consumer from any thread, with or without the GIL: take it, since
# dropping the reference to the storage can free it (and run Python-level deallocation).
cdef void _release_ctx(void* ctx) noexcept with gil:
    global _live
    _live -= 1
    Py_XDECREF(<PyObject*>ctx)


cdef void _delete(DLManagedTensor* self) noexcept nogil:
    if self == NULL:
        return
    _release_ctx(self.manager_ctx)
    free(self)                    # shape and strides live in the same block


cdef void _delete_v(DLManagedTensorVersioned* self) noexcept nogil:
    if self == NULL:
        return
    _release_ctx(self.manager_ctx)
    free(self)


# An unconsumed capsule still owns its managed tensor; a consumed ("used_...") one does not.
cdef void _capsule_destructor(object capsule) noexcept:
    cdef DLManagedTensor* m
    if PyCapsule_IsValid(capsule, NAME):
        m = <DLManagedTensor*>PyCapsule_GetPointer(capsule, NAME)
        m.deleter(m)


cdef void _capsule_destructor_v(object capsule) noexcept:
    cdef DLManagedTensorVersioned* m
    if PyCapsule_IsValid(capsule, NAME_V):
        m = <DLManagedTensorVersioned*>PyCapsule_GetPointer(capsule, NAME_V)
        m.deleter(m)


cdef void _fill(DLTensor* t, int64_t* dims, uintptr_t data, tuple shape, tuple strides,
                int code, int bits):
    cdef Py_ssize_t i, nd = len(shape)
    t.data = <void*>data
    t.device.device_type = kDLCPU
    t.device.device_id = 0
    t.ndim = <int32_t>nd
    t.dtype.code = <uint8_t>code
    t.dtype.bits = <uint8_t>bits
    t.dtype.lanes = 1
    t.shape = dims
    t.strides = dims + nd
    t.byte_offset = 0
    for i in range(nd):
        dims[i] = shape[i]
        dims[nd + i] = strides[i]


def to_capsule(owner, uintptr_t data, tuple shape, tuple strides, int code, int bits,
               bint versioned=False, bint copied=False):
    """A DLPack capsule over `data` (CPU), keeping `owner` (the storage) alive until deleted.

    `shape` and `strides` (in elements) must have equal lengths; `data` is the first element.
    """
    global _live
    cdef Py_ssize_t nd = len(shape)
    cdef DLManagedTensor* m
    cdef DLManagedTensorVersioned* mv
    cdef size_t head = sizeof(DLManagedTensorVersioned) if versioned else sizeof(DLManagedTensor)
    head = (head + 7) & ~(<size_t>7)
    if len(strides) != nd:
        raise ValueError("shape and strides differ in length")
    cdef void* block = malloc(head + 2 * <size_t>nd * sizeof(int64_t) + sizeof(int64_t))
    if block == NULL:
        raise MemoryError("DLPack export: out of memory")
    cdef int64_t* dims = <int64_t*>(<char*>block + head)
    Py_INCREF(owner)
    _live += 1
    if versioned:
        mv = <DLManagedTensorVersioned*>block
        mv.version.major = VERSION[0]
        mv.version.minor = VERSION[1]
        mv.manager_ctx = <void*>owner
        mv.deleter = _delete_v
        mv.flags = FLAG_IS_COPIED if copied else 0
        _fill(&mv.dl_tensor, dims, data, shape, strides, code, bits)
        return PyCapsule_New(<void*>mv, NAME_V, <PyCapsule_Destructor>_capsule_destructor_v)
    m = <DLManagedTensor*>block
    m.manager_ctx = <void*>owner
    m.deleter = _delete
    _fill(&m.dl_tensor, dims, data, shape, strides, code, bits)
    return PyCapsule_New(<void*>m, NAME, <PyCapsule_Destructor>_capsule_destructor)


# -- import --------------------------------------------------------------------------------------
cdef class DLPackOwner:
    """Holds a consumed managed tensor; runs its deleter exactly once, when this object dies.

    A Storage borrowing the memory keeps this object as its owner, so the producer's memory lives
    exactly as long as the last tensor viewing it.
    """
    cdef void* managed
    cdef bint versioned

    def __dealloc__(self):
        cdef DLManagedTensor* m
        cdef DLManagedTensorVersioned* mv
        if self.managed == NULL:
            return
        if self.versioned:
            mv = <DLManagedTensorVersioned*>self.managed
            self.managed = NULL
            if mv.deleter != NULL:
                mv.deleter(mv)
        else:
            m = <DLManagedTensor*>self.managed
            self.managed = NULL
            if m.deleter != NULL:
                m.deleter(m)


def consume(capsule):
    """Take ownership of a "dltensor[_versioned]" capsule's managed tensor.

    Returns (owner, info): `owner` runs the producer's deleter when it is collected; `info` is a
    dict with data (address incl. byte_offset), device (type, id), dtype (code, bits, lanes),
    shape, strides (in elements, or None for compact row-major), flags and version.
    """
    cdef DLManagedTensor* m = NULL
    cdef DLManagedTensorVersioned* mv = NULL
    cdef DLTensor* t
    cdef DLPackOwner owner = DLPackOwner.__new__(DLPackOwner)
    cdef Py_ssize_t i
    flags = 0
    version = (0, 0)
    if PyCapsule_IsValid(capsule, NAME_V):
        mv = <DLManagedTensorVersioned*>PyCapsule_GetPointer(capsule, NAME_V)
        PyCapsule_SetName(capsule, USED_NAME_V)
        owner.managed = <void*>mv
        owner.versioned = True
        t = &mv.dl_tensor
        flags = mv.flags
        version = (mv.version.major, mv.version.minor)
        if mv.version.major > VERSION[0]:
            # the layout after `version` may differ: release it without reading further
            raise BufferError(f"from_dlpack: unsupported DLPack version {version[0]}.{version[1]} "
                              f"(Ember reads version {VERSION[0]}.x)")
    elif PyCapsule_IsValid(capsule, NAME):
        m = <DLManagedTensor*>PyCapsule_GetPointer(capsule, NAME)
        PyCapsule_SetName(capsule, USED_NAME)
        owner.managed = <void*>m
        owner.versioned = False
        t = &m.dl_tensor
    else:
        raise RuntimeError("from_dlpack received an invalid capsule. Note that DLTensor capsules "
                           "can be consumed only once, so you might have already constructed a "
                           "tensor from it once.")
    if t.ndim < 0:
        raise BufferError(f"from_dlpack: invalid number of dimensions {t.ndim}")
    shape = tuple(t.shape[i] for i in range(t.ndim))
    strides = None if t.strides == NULL else tuple(t.strides[i] for i in range(t.ndim))
    info = dict(data=<uintptr_t>t.data + <uintptr_t>t.byte_offset,
                device=(t.device.device_type, t.device.device_id),
                dtype=(t.dtype.code, t.dtype.bits, t.dtype.lanes),
                shape=shape, strides=strides, flags=flags, version=version)
    return owner, info
