"""Pooling over 1-, 2- and 3-d windows: max (with argmax indices), average, and their backwards.

One window description serves max_pool, avg_pool and the adaptive pools. Spatial dims are padded in
front to three (D, H, W); along each dim d and output position o the window is

    i = start_d[o], start_d[o] + step_d, ...  while i < end_d[o]        (all inside [0, size_d))

`start`/`end` are int64 tables computed by the caller (padding, ceil_mode, dilation and adaptive
bin edges are all folded into them). Average pools divide by div_d[od] * div_h[oh] * div_w[ow]
(float64 tables: the per-dim window extents with or without padding) unless `override`
!= 0 (PyTorch divides by a negative override too).

Tensors are contiguous: input / grad_input (P, D, H, W), output / grad_output / indices
(P, OD, OH, OW), P = batch * channels. Indices are flat positions in the input plane
(id * H + ih) * W + iw, as PyTorch returns them. Threads split the planes.
"""
from cython.parallel cimport prange
from libc.stdint cimport int64_t
from libc.math cimport INFINITY
from libc.string cimport memset
from ember.backends.cpu._storage cimport Storage

ctypedef fused flt_t:
    float
    double

cdef Py_ssize_t PAR_MIN = 1 << 14


cdef struct Win:
    Py_ssize_t isz[3]
    Py_ssize_t osz[3]
    Py_ssize_t step[3]
    const int64_t* start[3]
    const int64_t* end[3]
    const double* div[3]
    double override


# The window loops read the tables into locals first: the output stores could alias them as far as
# the compiler knows, and reloading every bound after every store costs more than the pooling.
cdef void _max_plane(const flt_t* x, flt_t* out, int64_t* idx, const Win* w, Py_ssize_t p) noexcept nogil:
    cdef Py_ssize_t IH = w.isz[1], IW = w.isz[2], OD = w.osz[0], OH = w.osz[1], OW = w.osz[2]
    cdef Py_ssize_t st0 = w.step[0], st1 = w.step[1], st2 = w.step[2]
    cdef const int64_t* s0 = w.start[0]
    cdef const int64_t* s1 = w.start[1]
    cdef const int64_t* s2 = w.start[2]
    cdef const int64_t* e0 = w.end[0]
    cdef const int64_t* e1 = w.end[1]
    cdef const int64_t* e2 = w.end[2]
    cdef const flt_t* xp = x + p * w.isz[0] * IH * IW
    cdef flt_t* op = out + p * OD * OH * OW
    cdef int64_t* ip = idx + p * OD * OH * OW if idx != NULL else NULL
    cdef Py_ssize_t od, oh, ow, i, j, k, i0, i1, j0, j1, k0, k1, pos, best, o = 0
    cdef flt_t v, m
    cdef bint c
    for od in range(OD):
        i0 = s0[od]
        i1 = e0[od]
        for oh in range(OH):
            j0 = s1[oh]
            j1 = e1[oh]
            for ow in range(OW):
                k0 = s2[ow]
                k1 = e2[ow]
                best = (i0 * IH + j0) * IW + k0
                m = -INFINITY
                i = i0
                while i < i1:
                    j = j0
                    while j < j1:
                        pos = (i * IH + j) * IW
                        k = k0
                        while k < k1:
                            # select, not branch: window values come in random order, and a
                            # mispredicted branch per element costs more than the compare
                            v = xp[pos + k]
                            c = (v > m) | (v != v)
                            m = v if c else m
                            best = (pos + k) if c else best
                            k = k + st2
                        j = j + st1
                    i = i + st0
                op[o] = m
                if ip != NULL:
                    ip[o] = best
                o = o + 1


cdef bint _arith(const int64_t* t, Py_ssize_t n, Py_ssize_t* step) noexcept nogil:
    """Whether t[o] = t[0] + o * step for all o < n (then stores step)."""
    cdef Py_ssize_t o, st = t[1] - t[0] if n > 1 else 1
    for o in range(n):
        if t[o] != t[0] + o * st:
            return False
    step[0] = st
    return True


cdef bint _all_2x2(const Win* w, Py_ssize_t* sh, Py_ssize_t* sw) noexcept nogil:
    """Whether every window is a full, undilated 2x2 in a 2-d plane at regular strides (the
    classic MaxPool2d(2)); the strides go to sh, sw."""
    cdef Py_ssize_t o
    if w.isz[0] != 1 or w.step[1] != 1 or w.step[2] != 1:
        return False
    for o in range(w.osz[1]):
        if w.end[1][o] - w.start[1][o] != 2:
            return False
    for o in range(w.osz[2]):
        if w.end[2][o] - w.start[2][o] != 2:
            return False
    return _arith(w.start[1], w.osz[1], sh) and _arith(w.start[2], w.osz[2], sw)


cdef void _max_plane_2x2(const flt_t* x, flt_t* out, int64_t* idx, const Win* w, Py_ssize_t sh,
                         Py_ssize_t sw, Py_ssize_t p) noexcept nogil:
    """_max_plane for regular 2x2 windows: the four taps unrolled and positions computed, not
    looked up, one output row at a time from two input row pointers (no aliasing through the
    index store), so the compiler keeps the row in registers; same scan order and NaN rule."""
    cdef Py_ssize_t IH = w.isz[1], IW = w.isz[2], OH = w.osz[1], OW = w.osz[2]
    cdef Py_ssize_t b = w.start[1][0] * IW + w.start[2][0]
    cdef const flt_t* xp = x + p * IH * IW
    cdef flt_t* op = out + p * OH * OW
    cdef int64_t* ip = idx + p * OH * OW if idx != NULL else NULL
    cdef const flt_t* top
    cdef const flt_t* bot
    cdef flt_t* orow
    cdef int64_t* irow
    cdef Py_ssize_t oh, ow, r0, c0, best
    cdef flt_t m, v
    cdef bint c
    for oh in range(OH):
        r0 = b + oh * sh * IW
        top = xp + r0
        bot = top + IW
        orow = op + oh * OW
        if ip == NULL:
            for ow in range(OW):
                c0 = ow * sw
                m = top[c0]     # = the generic start (-inf, first tap) after its first step
                v = top[c0 + 1]
                m = v if (v > m) | (v != v) else m
                v = bot[c0]
                m = v if (v > m) | (v != v) else m
                v = bot[c0 + 1]
                m = v if (v > m) | (v != v) else m
                orow[ow] = m
            continue
        irow = ip + oh * OW
        for ow in range(OW):
            c0 = ow * sw
            m = top[c0]
            best = 0
            v = top[c0 + 1]
            c = (v > m) | (v != v)
            m = v if c else m
            best = 1 if c else best
            v = bot[c0]
            c = (v > m) | (v != v)
            m = v if c else m
            best = IW if c else best
            v = bot[c0 + 1]
            c = (v > m) | (v != v)
            m = v if c else m
            best = IW + 1 if c else best
            orow[ow] = m
            irow[ow] = r0 + c0 + best


cdef inline double _divisor(const Win* w, Py_ssize_t od, Py_ssize_t oh, Py_ssize_t ow) noexcept nogil:
    return w.override if w.override != 0 else w.div[0][od] * w.div[1][oh] * w.div[2][ow]


cdef void _avg_plane(const flt_t* x, flt_t* out, const Win* w, Py_ssize_t p) noexcept nogil:
    cdef Py_ssize_t IH = w.isz[1], IW = w.isz[2], OD = w.osz[0], OH = w.osz[1], OW = w.osz[2]
    cdef const int64_t* s0 = w.start[0]
    cdef const int64_t* s1 = w.start[1]
    cdef const int64_t* s2 = w.start[2]
    cdef const int64_t* e0 = w.end[0]
    cdef const int64_t* e1 = w.end[1]
    cdef const int64_t* e2 = w.end[2]
    cdef const flt_t* xp = x + p * w.isz[0] * IH * IW
    cdef flt_t* op = out + p * OD * OH * OW
    cdef Py_ssize_t od, oh, ow, i, j, k, i0, i1, j0, j1, k0, k1, pos, o = 0
    cdef double acc
    for od in range(OD):
        i0 = s0[od]
        i1 = e0[od]
        for oh in range(OH):
            j0 = s1[oh]
            j1 = e1[oh]
            for ow in range(OW):
                k0 = s2[ow]
                k1 = e2[ow]
                acc = 0
                for i in range(i0, i1):
                    for j in range(j0, j1):
                        pos = (i * IH + j) * IW
                        for k in range(k0, k1):
                            acc += xp[pos + k]
                op[o] = <flt_t>(acc / _divisor(w, od, oh, ow))
                o = o + 1


cdef void _avg_back_plane(flt_t* gx, const flt_t* go, const Win* w, Py_ssize_t p) noexcept nogil:
    cdef Py_ssize_t IH = w.isz[1], IW = w.isz[2], OD = w.osz[0], OH = w.osz[1], OW = w.osz[2]
    cdef const int64_t* s0 = w.start[0]
    cdef const int64_t* s1 = w.start[1]
    cdef const int64_t* s2 = w.start[2]
    cdef const int64_t* e0 = w.end[0]
    cdef const int64_t* e1 = w.end[1]
    cdef const int64_t* e2 = w.end[2]
    cdef Py_ssize_t plane = w.isz[0] * IH * IW
    cdef flt_t* xp = gx + p * plane
    cdef const flt_t* gp = go + p * OD * OH * OW
    cdef Py_ssize_t od, oh, ow, i, j, k, i0, i1, j0, j1, k0, k1, pos, o = 0
    cdef flt_t g
    memset(xp, 0, plane * sizeof(flt_t))
    for od in range(OD):
        i0 = s0[od]
        i1 = e0[od]
        for oh in range(OH):
            j0 = s1[oh]
            j1 = e1[oh]
            for ow in range(OW):
                k0 = s2[ow]
                k1 = e2[ow]
                g = <flt_t>(gp[o] / _divisor(w, od, oh, ow))
                o = o + 1
                for i in range(i0, i1):
                    for j in range(j0, j1):
                        pos = (i * IH + j) * IW
                        for k in range(k0, k1):
                            xp[pos + k] += g


cdef void _scatter_plane(flt_t* gx, const flt_t* go, const int64_t* idx, Py_ssize_t plane,
                         Py_ssize_t nout, Py_ssize_t p) noexcept nogil:
    cdef flt_t* xp = gx + p * plane
    cdef Py_ssize_t o, b = p * nout
    memset(xp, 0, plane * sizeof(flt_t))
    for o in range(nout):
        xp[idx[b + o]] += go[b + o]


cdef bint _par(Py_ssize_t planes, Py_ssize_t work, int nt) noexcept nogil:
    return nt > 1 and planes > 1 and work >= PAR_MIN


cdef void _max_run(const flt_t* x, flt_t* out, int64_t* idx, const Win* w, Py_ssize_t P, int nt) noexcept nogil:
    cdef Py_ssize_t p, sh = 0, sw = 0
    if _all_2x2(w, &sh, &sw):
        if _par(P, P * w.isz[1] * w.isz[2], nt):
            for p in prange(P, num_threads=nt, schedule="static"):
                _max_plane_2x2(x, out, idx, w, sh, sw, p)
        else:
            for p in range(P):
                _max_plane_2x2(x, out, idx, w, sh, sw, p)
        return
    if _par(P, P * w.isz[0] * w.isz[1] * w.isz[2], nt):
        for p in prange(P, num_threads=nt, schedule="static"):
            _max_plane(x, out, idx, w, p)
    else:
        for p in range(P):
            _max_plane(x, out, idx, w, p)


cdef void _avg_run(const flt_t* x, flt_t* out, const Win* w, Py_ssize_t P, int nt) noexcept nogil:
    cdef Py_ssize_t p
    if _par(P, P * w.isz[0] * w.isz[1] * w.isz[2], nt):
        for p in prange(P, num_threads=nt, schedule="static"):
            _avg_plane(x, out, w, p)
    else:
        for p in range(P):
            _avg_plane(x, out, w, p)


cdef void _avg_back_run(flt_t* gx, const flt_t* go, const Win* w, Py_ssize_t P, int nt) noexcept nogil:
    cdef Py_ssize_t p
    if _par(P, P * w.isz[0] * w.isz[1] * w.isz[2], nt):
        for p in prange(P, num_threads=nt, schedule="static"):
            _avg_back_plane(gx, go, w, p)
    else:
        for p in range(P):
            _avg_back_plane(gx, go, w, p)


cdef void _scatter_run(flt_t* gx, const flt_t* go, const int64_t* idx, Py_ssize_t plane,
                       Py_ssize_t nout, Py_ssize_t P, int nt) noexcept nogil:
    cdef Py_ssize_t p
    if _par(P, P * plane, nt):
        for p in prange(P, num_threads=nt, schedule="static"):
            _scatter_plane(gx, go, idx, plane, nout, p)
    else:
        for p in range(P):
            _scatter_plane(gx, go, idx, plane, nout, p)


cdef class _Tables:
    """Keeps the window tables alive (and typed) while a kernel runs."""
    cdef const int64_t[::1] s0, s1, s2, e0, e1, e2
    cdef const double[::1] d0, d1, d2


cdef int _win(Win* w, _Tables keep, tuple isz, tuple windows, tuple divisors, double override) except -1:
    """Fill `w` from per-dim (start, end, step) windows (and divisors), padded in front to 3 dims."""
    import numpy as np
    cdef int nd = len(windows), off = 3 - nd, i
    one = np.zeros(1, dtype=np.int64)
    onee = np.ones(1, dtype=np.int64)
    oned = np.ones(1, dtype=np.float64)
    starts = [one] * off + [np.ascontiguousarray(wd[0], dtype=np.int64) for wd in windows]
    ends = [onee] * off + [np.ascontiguousarray(wd[1], dtype=np.int64) for wd in windows]
    steps = [1] * off + [int(wd[2]) for wd in windows]
    if divisors is None:
        divs = [oned] * 3
    else:
        divs = [oned] * off + [np.ascontiguousarray(dv, dtype=np.float64) for dv in divisors]
    keep.s0, keep.s1, keep.s2 = starts
    keep.e0, keep.e1, keep.e2 = ends
    keep.d0, keep.d1, keep.d2 = divs
    for i in range(3):
        w.isz[i] = 1 if i < off else isz[i - off]
        w.osz[i] = len(starts[i])
        w.step[i] = steps[i]
        if len(ends[i]) != w.osz[i]:
            raise ValueError("pool: start and end tables differ in length")
    w.start[0] = &keep.s0[0] if w.osz[0] else NULL
    w.start[1] = &keep.s1[0] if w.osz[1] else NULL
    w.start[2] = &keep.s2[0] if w.osz[2] else NULL
    w.end[0] = &keep.e0[0] if w.osz[0] else NULL
    w.end[1] = &keep.e1[0] if w.osz[1] else NULL
    w.end[2] = &keep.e2[0] if w.osz[2] else NULL
    w.div[0] = &keep.d0[0] if keep.d0.shape[0] else NULL
    w.div[1] = &keep.d1[0] if keep.d1.shape[0] else NULL
    w.div[2] = &keep.d2[0] if keep.d2.shape[0] else NULL
    w.override = override
    return 0


cdef char* _ptr(t) except? NULL:
    cdef Storage s = t._storage
    cdef Py_ssize_t off = t._offset, isz = t.dtype.itemsize
    return s.data + off * isz


def max_pool(out, indices, inp, tuple windows, int nthreads=1):
    """out[p, o] = max of inp[p] over window o (NaN wins), indices[p, o] = its flat position.

    inp (P, *S), out and indices (P, *O) contiguous; indices may be None. Modifies out, indices.
    """
    cdef Win w
    cdef _Tables keep = _Tables()
    _win(&w, keep, tuple(inp._shape[1:]), windows, None, 0.0)
    if out.numel() == 0:
        return
    cdef Py_ssize_t P = inp._shape[0]
    cdef char* xp = _ptr(inp)
    cdef char* op = _ptr(out)
    cdef int64_t* ip = <int64_t*>_ptr(indices) if indices is not None else NULL
    cdef bint f32 = inp.dtype.itemsize == 4
    with nogil:
        if f32:
            _max_run(<const float*>xp, <float*>op, ip, &w, P, nthreads)
        else:
            _max_run(<const double*>xp, <double*>op, ip, &w, P, nthreads)


def scatter_planes(grad_input, grad_output, indices, int nthreads=1):
    """grad_input[p] = 0, then grad_input[p, indices[p, o]] += grad_output[p, o].

    grad_input (P, *S), grad_output and indices (P, *O), contiguous. Modifies grad_input.
    """
    cdef Py_ssize_t P = grad_input._shape[0] if grad_input._shape else 1
    cdef Py_ssize_t plane = grad_input.numel() // P if P else 0
    cdef Py_ssize_t nout = grad_output.numel() // P if P else 0
    if grad_input.numel() == 0:
        return
    cdef char* gx = _ptr(grad_input)
    cdef char* go = _ptr(grad_output)
    cdef const int64_t* ip = <const int64_t*>_ptr(indices) if nout else NULL
    cdef bint f32 = grad_input.dtype.itemsize == 4
    with nogil:
        if f32:
            _scatter_run(<float*>gx, <const float*>go, ip, plane, nout, P, nthreads)
        else:
            _scatter_run(<double*>gx, <const double*>go, ip, plane, nout, P, nthreads)


def avg_pool(out, inp, tuple windows, tuple divisors, double override=0.0, int nthreads=1):
    """out[p, o] = sum of inp[p] over window o / divisor(o). Modifies `out`."""
    cdef Win w
    cdef _Tables keep = _Tables()
    _win(&w, keep, tuple(inp._shape[1:]), windows, divisors, override)
    if out.numel() == 0:
        return
    cdef Py_ssize_t P = inp._shape[0]
    cdef char* xp = _ptr(inp)
    cdef char* op = _ptr(out)
    cdef bint f32 = inp.dtype.itemsize == 4
    with nogil:
        if f32:
            _avg_run(<const float*>xp, <float*>op, &w, P, nthreads)
        else:
            _avg_run(<const double*>xp, <double*>op, &w, P, nthreads)


def avg_pool_backward(grad_input, grad_output, tuple windows, tuple divisors, double override=0.0,
                      int nthreads=1):
    """grad_input[p] = sum over windows o of grad_output[p, o] / divisor(o) spread on window o."""
    cdef Win w
    cdef _Tables keep = _Tables()
    _win(&w, keep, tuple(grad_input._shape[1:]), windows, divisors, override)
    if grad_input.numel() == 0:
        return
    cdef Py_ssize_t P = grad_input._shape[0]
    cdef char* gx = _ptr(grad_input)
    cdef char* go = _ptr(grad_output)
    if grad_output.numel() == 0:
        memset(gx, 0, grad_input.numel() * grad_input.dtype.itemsize)
        return
    cdef bint f32 = grad_input.dtype.itemsize == 4
    with nogil:
        if f32:
            _avg_back_run(<float*>gx, <const float*>go, &w, P, nthreads)
        else:
            _avg_back_run(<double*>gx, <const double*>go, &w, P, nthreads)
