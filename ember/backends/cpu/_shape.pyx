"""Layout-changing copies for the shape ops: flip (signed-stride copy) and repeat_interleave.

Both move whole elements without looking at their values, so they switch on the element size
(1, 2, 4 or 8 bytes) rather than the dtype: one loop serves bool, every integer and every float.

Flip is a copy whose source strides are negative along the flipped dims. Ember tensors never carry
negative strides (see docs/design.md), so the signed geometry exists only inside this kernel: the
source base is moved to the last element of each flipped dim and those strides are negated.
"""
from cython.parallel cimport prange
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int64_t
from libc.string cimport memcpy
from ember.backends.cpu._storage cimport Storage

from ember.backends.cpu import _map

ctypedef fused word_t:
    uint8_t
    uint16_t
    uint32_t
    uint64_t

DEF MAXDIM = 64
cdef Py_ssize_t PAR_MIN = 1 << 15    # elements below which one thread does it all


cdef struct Geom:
    int nd
    Py_ssize_t shape[MAXDIM]
    Py_ssize_t dstr[MAXDIM]     # destination strides, elements
    Py_ssize_t sstr[MAXDIM]     # source strides, elements, may be negative


cdef void _copy_rows(word_t* dst, const word_t* src, const Geom* g,
                     Py_ssize_t r0, Py_ssize_t r1) noexcept nogil:
    """Copy rows [r0, r1) of the geometry: a row is one run along the innermost dim."""
    cdef Py_ssize_t idx[MAXDIM]
    cdef int nd = g.nd, d
    cdef Py_ssize_t n = g.shape[nd - 1], ds = g.dstr[nd - 1], ss = g.sstr[nd - 1]
    cdef Py_ssize_t r = r0, i, doff = 0, soff = 0
    cdef word_t* dp
    cdef const word_t* sp
    for d in range(nd - 2, -1, -1):
        idx[d] = r % g.shape[d]
        r = r // g.shape[d]
        doff += idx[d] * g.dstr[d]
        soff += idx[d] * g.sstr[d]
    for r in range(r0, r1):
        dp = dst + doff
        sp = src + soff
        # the common layouts get their own loops so gcc can vectorize them
        if ds == 1 and ss == 1:
            memcpy(dp, sp, n * sizeof(word_t))
        elif ds == 1 and ss == -1:
            for i in range(n):
                dp[i] = sp[-i]
        else:
            for i in range(n):
                dp[i * ds] = sp[i * ss]
        # odometer step over the outer dims
        d = nd - 2
        while d >= 0:
            idx[d] += 1
            doff += g.dstr[d]
            soff += g.sstr[d]
            if idx[d] < g.shape[d]:
                break
            doff -= idx[d] * g.dstr[d]
            soff -= idx[d] * g.sstr[d]
            idx[d] = 0
            d -= 1


cdef void _run(word_t* dst, const word_t* src, const Geom* g, int nthreads) noexcept nogil:
    cdef Py_ssize_t rows = 1, total, chunk, lo, hi
    cdef int t, d, nt = nthreads
    for d in range(g.nd - 1):
        rows *= g.shape[d]
    total = rows * g.shape[g.nd - 1]
    if total < PAR_MIN or nt <= 1 or rows < 2:
        _copy_rows(dst, src, g, 0, rows)
        return
    if nt > rows:
        nt = <int>rows
    chunk = (rows + nt - 1) // nt
    for t in prange(nt, num_threads=nt, schedule="static"):
        lo = t * chunk
        hi = lo + chunk
        if hi > rows:
            hi = rows
        if lo < hi:
            _copy_rows(dst, src, g, lo, hi)


def flip(out, src, tuple dims):
    """out[...] = src reversed along `dims` (sorted, unique, in range); out and src same shape/dtype.

    This method modifies the `out` parameter.
    """
    cdef Geom g
    cdef Storage so = out._storage, ss = src._storage
    cdef tuple shape = src._shape
    cdef int nd = len(shape), d, w
    cdef Py_ssize_t isz = src.dtype.itemsize, total = 1
    cdef Py_ssize_t soff = src._offset, n
    cdef Py_ssize_t sh[MAXDIM]
    cdef Py_ssize_t dstr[MAXDIM]
    cdef Py_ssize_t sstr[MAXDIM]
    if nd > MAXDIM:
        raise RuntimeError(f"tensors with more than {MAXDIM} dimensions are not supported")
    for d in range(nd):
        sh[d] = shape[d]
        total *= sh[d]
        dstr[d] = out._stride[d]
        sstr[d] = src._stride[d]
    if total == 0:
        return
    for d in dims:
        soff += (sh[d] - 1) * sstr[d]
        sstr[d] = -sstr[d]
    # drop size-1 dims, merge dims that are contiguous with their inner neighbour in both operands
    w = 0
    for d in range(nd):
        if sh[d] == 1:
            continue
        if w > 0 and g.dstr[w - 1] == dstr[d] * sh[d] and g.sstr[w - 1] == sstr[d] * sh[d]:
            g.shape[w - 1] *= sh[d]
            g.dstr[w - 1] = dstr[d]
            g.sstr[w - 1] = sstr[d]
            continue
        g.shape[w] = sh[d]
        g.dstr[w] = dstr[d]
        g.sstr[w] = sstr[d]
        w += 1
    if w == 0:
        g.shape[0] = 1
        g.dstr[0] = 1
        g.sstr[0] = 1
        w = 1
    g.nd = w
    cdef char* dp = so.data + <Py_ssize_t>out._offset * isz
    cdef const char* sp = ss.data + soff * isz
    cdef int nt = _map.get_num_threads()
    with nogil:
        if isz == 1:
            _run(<uint8_t*>dp, <const uint8_t*>sp, &g, nt)
        elif isz == 2:
            _run(<uint16_t*>dp, <const uint16_t*>sp, &g, nt)
        elif isz == 4:
            _run(<uint32_t*>dp, <const uint32_t*>sp, &g, nt)
        else:
            _run(<uint64_t*>dp, <const uint64_t*>sp, &g, nt)


def repeat_interleave(out, src, Py_ssize_t outer, Py_ssize_t n, Py_ssize_t inner,
                      const int64_t[::1] repeats):
    """Contiguous src viewed as (outer, n, inner) -> contiguous out (outer, sum(repeats), inner).

    Slice j of src's middle dim is written repeats[j] times in a row. The caller checked that
    repeats are non-negative and sum to out's middle size. This method modifies `out`.
    """
    cdef Storage so = out._storage, ss = src._storage
    cdef Py_ssize_t isz = src.dtype.itemsize, m = 0, j, o, k, r, pos
    cdef Py_ssize_t row = inner * isz
    if repeats.shape[0] != n:
        raise ValueError("repeats must have one entry per slice")
    cdef Py_ssize_t[::1] start = _starts(repeats)
    m = start[n] if n else 0
    if outer == 0 or m == 0 or row == 0:
        return
    cdef char* dp = so.data + <Py_ssize_t>out._offset * isz
    cdef const char* sp = ss.data + <Py_ssize_t>src._offset * isz
    cdef int nt = _map.get_num_threads()
    if outer * m * inner < PAR_MIN:
        nt = 1
    with nogil:
        for k in prange(outer * n, num_threads=nt, schedule="static"):
            o = k // n
            j = k - o * n
            pos = start[j]
            for r in range(repeats[j]):
                memcpy(dp + ((o * m + pos + r) * row), sp + (o * n + j) * row, row)


cdef Py_ssize_t[::1] _starts(const int64_t[::1] repeats):
    """Exclusive prefix sum of repeats, with the total at the end."""
    import numpy as np
    cdef Py_ssize_t n = repeats.shape[0], j
    cdef Py_ssize_t[::1] s = np.empty(n + 1, dtype=np.intp)
    s[0] = 0
    for j in range(n):
        s[j + 1] = s[j] + repeats[j]
    return s


def repeats_total(const int64_t[::1] repeats):
    """(sum of repeats, whether any is negative): the host-side size of a repeat_interleave."""
    cdef Py_ssize_t j, n = repeats.shape[0]
    cdef int64_t total = 0
    cdef bint negative = False
    with nogil:
        for j in range(n):
            if repeats[j] < 0:
                negative = True
            total += repeats[j]
    return int(total), bool(negative)
