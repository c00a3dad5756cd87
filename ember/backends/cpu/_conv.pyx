"""im2col / col2im for 1-, 2- and 3-d convolutions (the data movement around the conv GEMMs).

Geometry (every spatial tuple is padded in front to three dims, so one loop nest serves all ranks):

    input   (N, C, ID, IH, IW)            any strides
    cols    (N, C*KD*KH*KW, OD*OH*OW)     any strides (conv passes a (C*K, N, L) buffer permuted)
    row  = ((c*KD + kd)*KH + kh)*KW + kw
    col  = (od*OH + oh)*OW + ow
    i_x  = o_x*stride_x - pad_x + k_x*dil_x       (zero where outside the input)

im2col only moves elements, so it switches on the element size and serves every dtype. col2im sums
overlapping contributions and is written for float and double (half types go through float32 in
conv_kernels.py). Work is split over (n, c) planes: each plane owns its rows of `cols` and its slice
of the image, so threads never write the same element.
"""
from cython.parallel cimport prange, threadid
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset
from ember.backends.cpu._storage cimport Storage

ctypedef fused word_t:
    uint8_t
    uint16_t
    uint32_t
    uint64_t

ctypedef fused flt_t:
    float
    double

cdef Py_ssize_t PAR_MIN = 1 << 14    # elements below which one thread does it all


cdef struct Geom:
    Py_ssize_t N, C
    Py_ssize_t isz[3]       # input spatial sizes
    Py_ssize_t osz[3]       # output spatial sizes
    Py_ssize_t k[3]
    Py_ssize_t s[3]
    Py_ssize_t p[3]
    Py_ssize_t d[3]
    Py_ssize_t xs[5]        # input strides (elements)
    Py_ssize_t cs[3]        # cols strides (elements)


cdef inline Py_ssize_t _cdiv_floor(Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    """floor(a / b) for b > 0 and any sign of a."""
    if a >= 0:
        return a // b
    return -((-a + b - 1) // b)


cdef inline void _valid_range(const Geom* g, int ax, Py_ssize_t kk, Py_ssize_t* lo,
                              Py_ssize_t* hi) noexcept nogil:
    """The output positions [lo, hi) along `ax` whose input index for tap kk lies in the input."""
    cdef Py_ssize_t off = kk * g.d[ax] - g.p[ax]      # i = o*s + off
    cdef Py_ssize_t a = _cdiv_floor(-off + g.s[ax] - 1, g.s[ax])       # ceil(-off / s)
    cdef Py_ssize_t b = _cdiv_floor(g.isz[ax] - 1 - off, g.s[ax]) + 1
    if a < 0:
        a = 0
    if b > g.osz[ax]:
        b = g.osz[ax]
    if b < a:
        b = a
    lo[0] = a
    hi[0] = b


cdef void _im2col_plane(word_t* cols, const word_t* x, const Geom* g, Py_ssize_t plane) noexcept nogil:
    cdef Py_ssize_t n = plane // g.C, c = plane % g.C
    cdef Py_ssize_t KD = g.k[0], KH = g.k[1], KW = g.k[2]
    cdef Py_ssize_t OD = g.osz[0], OH = g.osz[1], OW = g.osz[2]
    cdef Py_ssize_t kd, kh, kw, od, oh, ow, idd, ih, row, wlo, whi, dlo, dhi, hlo, hhi
    cdef Py_ssize_t cs2 = g.cs[2], xs4 = g.xs[4], sw = g.s[2], iw0
    cdef const word_t* xp = x + n * g.xs[0] + c * g.xs[1]
    cdef const word_t* src
    cdef word_t* rowp
    cdef word_t* dst
    for kd in range(KD):
        _valid_range(g, 0, kd, &dlo, &dhi)
        for kh in range(KH):
            _valid_range(g, 1, kh, &hlo, &hhi)
            for kw in range(KW):
                _valid_range(g, 2, kw, &wlo, &whi)
                iw0 = kw * g.d[2] - g.p[2]
                row = ((c * KD + kd) * KH + kh) * KW + kw
                rowp = cols + n * g.cs[0] + row * g.cs[1]
                for od in range(OD):
                    for oh in range(OH):
                        dst = rowp + ((od * OH + oh) * OW) * cs2
                        if od < dlo or od >= dhi or oh < hlo or oh >= hhi:
                            if cs2 == 1:
                                for ow in range(OW):
                                    dst[ow] = 0
                            else:
                                for ow in range(OW):
                                    dst[ow * cs2] = 0
                            continue
                        idd = od * g.s[0] - g.p[0] + kd * g.d[0]
                        ih = oh * g.s[1] - g.p[1] + kh * g.d[1]
                        src = xp + idd * g.xs[2] + ih * g.xs[3]
                        if cs2 == 1:
                            # plain loops, not memcpy: the runs are one output row (often < 64
                            # elements), where a library call costs more than the copy
                            for ow in range(wlo):
                                dst[ow] = 0
                            if sw == 1 and xs4 == 1:
                                src = src + iw0
                                for ow in range(wlo, whi):
                                    dst[ow] = src[ow]
                            else:
                                for ow in range(wlo, whi):
                                    dst[ow] = src[(ow * sw + iw0) * xs4]
                            for ow in range(whi, OW):
                                dst[ow] = 0
                        else:
                            for ow in range(OW):
                                if ow < wlo or ow >= whi:
                                    dst[ow * cs2] = 0
                                else:
                                    dst[ow * cs2] = src[(ow * sw + iw0) * xs4]


cdef void _im2col_plane_padded(word_t* cols, const word_t* x, const Geom* g, Py_ssize_t plane,
                               word_t* buf) noexcept nogil:
    """im2col of one plane through a zero-padded copy of it (`buf`, PD*PH*PW words): every output
    row is then one straight copy, with no bounds logic (cols' column stride must be 1)."""
    cdef Py_ssize_t n = plane // g.C, c = plane % g.C
    cdef Py_ssize_t ID = g.isz[0], IH = g.isz[1], IW = g.isz[2]
    cdef Py_ssize_t PH = IH + 2 * g.p[1], PW = IW + 2 * g.p[2], PD = ID + 2 * g.p[0]
    cdef Py_ssize_t KD = g.k[0], KH = g.k[1], KW = g.k[2]
    cdef Py_ssize_t OD = g.osz[0], OH = g.osz[1], OW = g.osz[2]
    cdef Py_ssize_t sw = g.s[2], xs4 = g.xs[4]
    cdef Py_ssize_t kd, kh, kw, od, oh, ow, i, j, q, row
    cdef const word_t* xp = x + n * g.xs[0] + c * g.xs[1]
    cdef const word_t* src
    cdef word_t* dst
    cdef word_t* rowp
    memset(buf, 0, PD * PH * PW * sizeof(word_t))
    for i in range(ID):
        for j in range(IH):
            dst = buf + ((i + g.p[0]) * PH + j + g.p[1]) * PW + g.p[2]
            src = xp + i * g.xs[2] + j * g.xs[3]
            if xs4 == 1:
                memcpy(dst, src, IW * sizeof(word_t))
            else:
                for q in range(IW):
                    dst[q] = src[q * xs4]
    for kd in range(KD):
        for kh in range(KH):
            for kw in range(KW):
                row = ((c * KD + kd) * KH + kh) * KW + kw
                rowp = cols + n * g.cs[0] + row * g.cs[1]
                for od in range(OD):
                    for oh in range(OH):
                        src = buf + ((od * g.s[0] + kd * g.d[0]) * PH + oh * g.s[1] + kh * g.d[1]) * PW \
                            + kw * g.d[2]
                        dst = rowp + (od * OH + oh) * OW
                        if sw == 1:
                            for ow in range(OW):
                                dst[ow] = src[ow]
                        else:
                            for ow in range(OW):
                                dst[ow] = src[ow * sw]


cdef void _col2im_plane(flt_t* x, const flt_t* cols, const Geom* g, Py_ssize_t plane) noexcept nogil:
    """x is contiguous (N, C, ID, IH, IW); this plane is zeroed, then receives its rows' sums."""
    cdef Py_ssize_t n = plane // g.C, c = plane % g.C
    cdef Py_ssize_t KD = g.k[0], KH = g.k[1], KW = g.k[2]
    cdef Py_ssize_t OD = g.osz[0], OH = g.osz[1], OW = g.osz[2]
    cdef Py_ssize_t IH = g.isz[1], IW = g.isz[2]
    cdef Py_ssize_t kd, kh, kw, od, oh, ow, idd, ih, row, wlo, whi, dlo, dhi, hlo, hhi
    cdef Py_ssize_t cs2 = g.cs[2], sw = g.s[2], iw0, psize = g.isz[0] * IH * IW
    cdef flt_t* xp = x + plane * psize
    cdef flt_t* dst
    cdef const flt_t* rowp
    cdef const flt_t* src
    memset(xp, 0, psize * sizeof(flt_t))
    for kd in range(KD):
        _valid_range(g, 0, kd, &dlo, &dhi)
        for kh in range(KH):
            _valid_range(g, 1, kh, &hlo, &hhi)
            for kw in range(KW):
                _valid_range(g, 2, kw, &wlo, &whi)
                iw0 = kw * g.d[2] - g.p[2]
                row = ((c * KD + kd) * KH + kh) * KW + kw
                rowp = cols + n * g.cs[0] + row * g.cs[1]
                for od in range(dlo, dhi):
                    idd = od * g.s[0] - g.p[0] + kd * g.d[0]
                    for oh in range(hlo, hhi):
                        ih = oh * g.s[1] - g.p[1] + kh * g.d[1]
                        src = rowp + ((od * OH + oh) * OW) * cs2
                        dst = xp + (idd * IH + ih) * IW + iw0
                        if cs2 == 1 and sw == 1:
                            for ow in range(wlo, whi):
                                dst[ow] += src[ow]
                        else:
                            for ow in range(wlo, whi):
                                dst[ow * sw] += src[ow * cs2]


cdef void _im2col_run(word_t* cols, const word_t* x, const Geom* g, int nt) noexcept nogil:
    cdef Py_ssize_t planes = g.N * g.C, pl
    cdef Py_ssize_t padded = (g.isz[0] + 2 * g.p[0]) * (g.isz[1] + 2 * g.p[1]) * (g.isz[2] + 2 * g.p[2])
    cdef word_t* buf = NULL
    cdef bint par = nt > 1 and planes > 1 and \
        planes * g.k[0] * g.k[1] * g.k[2] * g.osz[0] * g.osz[1] * g.osz[2] >= PAR_MIN
    if g.cs[2] == 1 and padded <= (1 << 20):
        # the padded-plane path: one scratch plane per thread, allocated up front
        buf = <word_t*>malloc((nt if par else 1) * padded * sizeof(word_t))
        if buf != NULL:
            if par:
                for pl in prange(planes, num_threads=nt, schedule="static"):
                    _im2col_plane_padded(cols, x, g, pl, buf + threadid() * padded)
            else:
                for pl in range(planes):
                    _im2col_plane_padded(cols, x, g, pl, buf)
            free(buf)
            return
    if nt > 1 and planes > 1 and planes * g.k[0] * g.k[1] * g.k[2] * g.osz[0] * g.osz[1] * g.osz[2] >= PAR_MIN:
        for pl in prange(planes, num_threads=nt, schedule="static"):
            _im2col_plane(cols, x, g, pl)
    else:
        for pl in range(planes):
            _im2col_plane(cols, x, g, pl)


cdef void _col2im_run(flt_t* x, const flt_t* cols, const Geom* g, int nt) noexcept nogil:
    cdef Py_ssize_t planes = g.N * g.C, pl
    if nt > 1 and planes > 1 and planes * g.k[0] * g.k[1] * g.k[2] * g.osz[0] * g.osz[1] * g.osz[2] >= PAR_MIN:
        for pl in prange(planes, num_threads=nt, schedule="static"):
            _col2im_plane(x, cols, g, pl)
    else:
        for pl in range(planes):
            _col2im_plane(x, cols, g, pl)


cdef int _geom(Geom* g, img, cols, tuple kernel, tuple stride, tuple padding, tuple dilation) except -1:
    cdef int nd = len(kernel), off = 3 - len(kernel), i
    cdef tuple ish = img._shape, ist = img._stride, cst = cols._stride
    if nd < 1 or nd > 3 or len(ish) != nd + 2:
        raise ValueError("im2col/col2im: expected 1 to 3 spatial dims")
    g.N = ish[0]
    g.C = ish[1]
    g.xs[0] = ist[0]
    g.xs[1] = ist[1]
    for i in range(3):
        g.isz[i] = 1
        g.osz[i] = 1
        g.k[i] = 1
        g.s[i] = 1
        g.p[i] = 0
        g.d[i] = 1
        g.xs[2 + i] = 0
    for i in range(nd):
        g.isz[off + i] = ish[2 + i]
        g.k[off + i] = kernel[i]
        g.s[off + i] = stride[i]
        g.p[off + i] = padding[i]
        g.d[off + i] = dilation[i]
        g.xs[2 + off + i] = ist[2 + i]
        g.osz[off + i] = (g.isz[off + i] + 2 * g.p[off + i] - g.d[off + i] * (g.k[off + i] - 1) - 1) \
            // g.s[off + i] + 1
        if g.osz[off + i] < 0:
            g.osz[off + i] = 0
    for i in range(3):
        g.cs[i] = cst[i]
    if cols._shape[0] != g.N or cols._shape[1] != g.C * g.k[0] * g.k[1] * g.k[2] or \
            cols._shape[2] != g.osz[0] * g.osz[1] * g.osz[2]:
        raise ValueError(f"im2col/col2im: cols shape {cols._shape} does not match the geometry")
    return 0


def im2col(cols, inp, tuple kernel, tuple stride, tuple padding, tuple dilation, int nthreads=1):
    """cols[n, row, col] = inp[n, c, i...] (0 outside); see the module docstring. Modifies `cols`."""
    cdef Geom g
    _geom(&g, inp, cols, kernel, stride, padding, dilation)
    if cols.numel() == 0:
        return
    cdef Storage so = cols._storage, si = inp._storage
    cdef Py_ssize_t isz = inp.dtype.itemsize
    cdef char* cp = so.data + <Py_ssize_t>cols._offset * isz
    cdef const char* xp = si.data + <Py_ssize_t>inp._offset * isz
    with nogil:
        if isz == 1:
            _im2col_run(<uint8_t*>cp, <const uint8_t*>xp, &g, nthreads)
        elif isz == 2:
            _im2col_run(<uint16_t*>cp, <const uint16_t*>xp, &g, nthreads)
        elif isz == 4:
            _im2col_run(<uint32_t*>cp, <const uint32_t*>xp, &g, nthreads)
        else:
            _im2col_run(<uint64_t*>cp, <const uint64_t*>xp, &g, nthreads)


def col2im(out, cols, tuple kernel, tuple stride, tuple padding, tuple dilation, int nthreads=1):
    """out[n, c, i...] = sum of the cols entries that im2col would read from there.

    `out` is contiguous float32/float64 (overwritten); `cols` has its dtype and any strides.
    """
    cdef Geom g
    _geom(&g, out, cols, kernel, stride, padding, dilation)
    if out.numel() == 0:
        return
    cdef Storage so = out._storage, sc = cols._storage
    cdef Py_ssize_t isz = out.dtype.itemsize
    cdef char* op = so.data + <Py_ssize_t>out._offset * isz
    cdef const char* cp = sc.data + <Py_ssize_t>cols._offset * isz
    if cols.numel() == 0:
        memset(op, 0, out.numel() * isz)
        return
    with nogil:
        if isz == 4:
            _col2im_run(<float*>op, <const float*>cp, &g, nthreads)
        else:
            _col2im_run(<double*>op, <const double*>cp, &g, nthreads)
