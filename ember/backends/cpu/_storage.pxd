cdef class Storage:
    cdef char* data
    cdef readonly Py_ssize_t nbytes
    cdef size_t capacity
    cdef readonly object owner
    cdef public long long version
