# Shared by _reduce.pyx and _scan.pyx: the coalesced plan of a reduction / scan over strided data.
from ember.backends.cpu._storage cimport Storage

cdef enum:
    RED_MAXD = 64

cdef struct Plan:
    int nk, nr
    Py_ssize_t nout, nred
    Py_ssize_t ks[RED_MAXD]       # kept sizes, outer to inner
    Py_ssize_t kis[RED_MAXD]      # their input strides (elements)
    Py_ssize_t kos[RED_MAXD]      # their output strides (elements)
    Py_ssize_t rs[RED_MAXD]       # reduced sizes, largest stride first
    Py_ssize_t ris[RED_MAXD]      # their input strides
    int final                     # reduce only: all/any comparison applied on store
    double scale                  # reduce only: floating results are multiplied by it on store

cdef int make_plan(Plan* p, tuple shape, tuple istride, tuple ostride, rdims) except -1


cdef inline char* data_ptr(t):
    cdef Storage st = t._storage
    return st.data + <Py_ssize_t>t._offset * <Py_ssize_t>t.dtype.itemsize


cdef inline void kept_offsets(const Plan* p, int upto, Py_ssize_t o, Py_ssize_t* ioff,
                              Py_ssize_t* ooff) noexcept nogil:
    """Input/output offsets of flat index `o` over kept dims [0, upto)."""
    cdef int d
    cdef Py_ssize_t i
    ioff[0] = 0
    ooff[0] = 0
    for d in range(upto - 1, -1, -1):
        i = o % p.ks[d]
        o = o // p.ks[d]
        ioff[0] += i * p.kis[d]
        ooff[0] += i * p.kos[d]
