"""Binary search for searchsorted / bucketize (PyTorch's bucketization loops: NaN sorts last)."""
from cython.parallel cimport prange
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t
from ember.backends.cpu._storage cimport Storage

# dtype codes (ember/dtypes.py)
cdef enum:
    D_BOOL, D_U8, D_I8, D_I16, D_I32, D_I64, D_F16, D_BF16, D_F32, D_F64

ctypedef fused num_t:
    uint8_t
    int8_t
    int16_t
    int32_t
    int64_t
    float
    double

cdef Py_ssize_t PAR_MIN = 1 << 12     # binary searches below which one thread does them all


cdef void _search_rows(num_t* _t, const char* bd, const char* vals, const int64_t* sorter,
                       char* out, bint out32, Py_ssize_t rows_b, Py_ssize_t m, Py_ssize_t n,
                       Py_ssize_t total, bint right, int nt) noexcept nogil:
    cdef Py_ssize_t k, row, start, end, mid, orig
    cdef num_t v, x
    cdef const num_t* b = <const num_t*>bd
    for k in prange(total, num_threads=nt, schedule="static"):
        v = (<const num_t*>vals)[k]
        row = (k // n) if rows_b > 1 else 0
        orig = row * m
        start = orig
        end = orig + m
        while start < end:
            mid = start + ((end - start) >> 1)
            x = b[sorter[mid] + orig] if sorter != NULL else b[mid]
            if right:
                if not (x > v):
                    start = mid + 1
                else:
                    end = mid
            else:
                if not (x >= v):
                    start = mid + 1
                else:
                    end = mid
        if out32:
            (<int32_t*>out)[k] = <int32_t>(start - orig)
        else:
            (<int64_t*>out)[k] = start - orig


def searchsorted(out, boundaries, values, sorter, bint right, int nthreads):
    """out[..., j] = insertion point of values[..., j] in boundaries' matching row (or its only
    row when boundaries is 1-D). All contiguous; boundaries and values share a dtype."""
    cdef Storage sb = boundaries._storage, sv = values._storage, so = out._storage
    cdef Storage ss
    cdef Py_ssize_t isz = values.dtype.itemsize
    cdef const char* bd = sb.data + <Py_ssize_t>boundaries._offset * isz
    cdef const char* vd = sv.data + <Py_ssize_t>values._offset * isz
    cdef Py_ssize_t osz = out.dtype.itemsize
    cdef char* od = so.data + <Py_ssize_t>out._offset * osz
    cdef const int64_t* srt = NULL
    cdef Py_ssize_t m = boundaries._shape[len(boundaries._shape) - 1], total = values.numel()
    cdef Py_ssize_t n = values._shape[len(values._shape) - 1] if len(values._shape) else 1
    cdef Py_ssize_t rows_b = boundaries.numel() // m if m else 1
    cdef bint out32 = osz == 4
    cdef int nt = 1 if total < PAR_MIN or nthreads < 1 else nthreads, dt = values.dtype.code
    if total == 0:
        return
    if sorter is not None:
        ss = sorter._storage
        srt = <const int64_t*>(ss.data + <Py_ssize_t>sorter._offset * 8)
    if dt not in (D_F32, D_F64, D_I64, D_I32, D_I16, D_I8, D_U8):
        raise TypeError(f"searchsorted: unsupported dtype code {dt}")
    with nogil:
        if dt == D_F32:
            _search_rows(<float*>NULL, bd, vd, srt, od, out32, rows_b, m, n, total, right, nt)
        elif dt == D_F64:
            _search_rows(<double*>NULL, bd, vd, srt, od, out32, rows_b, m, n, total, right, nt)
        elif dt == D_I64:
            _search_rows(<int64_t*>NULL, bd, vd, srt, od, out32, rows_b, m, n, total, right, nt)
        elif dt == D_I32:
            _search_rows(<int32_t*>NULL, bd, vd, srt, od, out32, rows_b, m, n, total, right, nt)
        elif dt == D_I16:
            _search_rows(<int16_t*>NULL, bd, vd, srt, od, out32, rows_b, m, n, total, right, nt)
        elif dt == D_I8:
            _search_rows(<int8_t*>NULL, bd, vd, srt, od, out32, rows_b, m, n, total, right, nt)
        elif dt == D_U8:
            _search_rows(<uint8_t*>NULL, bd, vd, srt, od, out32, rows_b, m, n, total, right, nt)
