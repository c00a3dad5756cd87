"""Scan, softmax and sorted-row kernels for the CPU.

* scan: cumsum / cumprod / logcumsumexp / cummax / cummin along one dim. When the dim is the
  innermost one each line is walked in order (lines split across threads); otherwise a block of
  lines advances together one row at a time, which vectorizes along the kept dim.
* softmax / log_softmax fused over one dim (max, exp-sum, scale in three passes over a row that
  stays in cache), stable for huge logits since the row max is subtracted first.
* row kernels over already sorted rows: median / nanmedian / mode selection, quantiles, and the
  gather of unique rows.
"""
from cython.parallel cimport prange
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t
from libc.math cimport INFINITY, NAN, exp, expf, log, logf, log1p, isfinite, floor, ceil, nearbyint
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memcpy
from ember.backends.cpu._reduce cimport Plan, make_plan, data_ptr, kept_offsets

cdef extern from "_reduce_c.h" nogil:
    void ember_softmax_f32(const float* x, float* y, int64_t n, int logsm)
    void ember_softmax_f64(const double* x, double* y, int64_t n, int logsm)

cdef enum:
    CUMSUM, CUMPROD, LOGCUMSUMEXP, CUMMAX, CUMMIN
SCANS = dict(cumsum=CUMSUM, cumprod=CUMPROD, logcumsumexp=LOGCUMSUMEXP, cummax=CUMMAX,
             cummin=CUMMIN)

cdef enum:
    D_BOOL, D_U8, D_I8, D_I16, D_I32, D_I64, D_F16, D_BF16, D_F32, D_F64

ctypedef fused T:
    uint8_t
    int8_t
    int16_t
    int32_t
    int64_t
    float
    double

ctypedef fused acc_t:
    int64_t
    double

ctypedef fused flt_t:
    float
    double

DEF BLOCK = 512
cdef Py_ssize_t PAR_MIN = 1 << 15


cdef inline void _store(char* o, int code, acc_t v) noexcept nogil:
    if code == D_F32:
        (<float*>o)[0] = <float>v
    elif code == D_F64:
        (<double*>o)[0] = <double>v
    elif code == D_I64:
        (<int64_t*>o)[0] = <int64_t>v
    elif code == D_I32:
        (<int32_t*>o)[0] = <int32_t>v
    elif code == D_I16:
        (<int16_t*>o)[0] = <int16_t>v
    elif code == D_I8:
        (<int8_t*>o)[0] = <int8_t>v
    elif code == D_BOOL:
        (<uint8_t*>o)[0] = v != 0
    else:
        (<uint8_t*>o)[0] = <uint8_t>v


cdef inline void _store_run(char* o, Py_ssize_t ostep, int code, const acc_t* v,
                            Py_ssize_t n) noexcept nogil:
    """Store n accumulator values with a byte step; the dtype switch stays outside the loop."""
    cdef Py_ssize_t k
    if code == D_F32:
        for k in range(n):
            (<float*>(o + k * ostep))[0] = <float>v[k]
    elif code == D_F64:
        for k in range(n):
            (<double*>(o + k * ostep))[0] = <double>v[k]
    elif code == D_I64:
        for k in range(n):
            (<int64_t*>(o + k * ostep))[0] = <int64_t>v[k]
    else:
        for k in range(n):
            _store(o + k * ostep, code, v[k])


cdef inline bint _nan(acc_t x) noexcept nogil:
    if acc_t is double:
        return x != x
    else:
        return False


cdef inline double _logaddexp(double x, double y) noexcept nogil:
    # as PyTorch's _log_add_exp_helper: equal infinities stay themselves
    cdef double mn = y if y < x else x, mx = y if x < y else x
    if mn != mx or isfinite(mn):
        return log1p(exp(mn - mx)) + mx
    return x


cdef inline void _step(int op, acc_t* acc, int64_t* ai, acc_t x, int64_t i) noexcept nogil:
    """Advance one scan state by element x at position i."""
    if op == CUMSUM:
        acc[0] += x
    elif op == CUMPROD:
        acc[0] *= x
    elif op == LOGCUMSUMEXP:
        acc[0] = <acc_t>_logaddexp(<double>acc[0], <double>x)
    elif op == CUMMAX:
        # ties move to the later index, NaN sticks (PyTorch's cummax_cummin_helper)
        if _nan(x) or (not _nan(acc[0]) and x >= acc[0]):
            acc[0] = x
            ai[0] = i
    else:
        if _nan(x) or (not _nan(acc[0]) and x <= acc[0]):
            acc[0] = x
            ai[0] = i


cdef inline acc_t _scan_init(int op, acc_t first) noexcept nogil:
    if op == CUMSUM:
        return 0
    if op == CUMPROD:
        return 1
    if op == LOGCUMSUMEXP:
        return <acc_t>(-INFINITY)
    return first


cdef void _scan_line(int op, const T* ib, char* ob, int64_t* xb, int ocode, Py_ssize_t osz,
                     const Plan* p, Py_ssize_t o, acc_t dummy) noexcept nogil:
    cdef Py_ssize_t ioff, ooff, n = p.rs[0], si = p.ris[0], so = p.kos[p.nk], i0, k, cnt
    cdef acc_t buf[BLOCK]
    cdef acc_t acc
    cdef int64_t ai = 0
    kept_offsets(p, p.nk, o, &ioff, &ooff)
    acc = _scan_init(op, <acc_t>ib[ioff])
    i0 = 0
    while i0 < n:
        cnt = n - i0
        if cnt > BLOCK:
            cnt = BLOCK
        for k in range(cnt):
            _step(op, &acc, &ai, <acc_t>ib[ioff + (i0 + k) * si], i0 + k)
            buf[k] = acc
            if xb != NULL:
                xb[ooff + (i0 + k) * so] = ai
        _store_run(ob + (ooff + i0 * so) * osz, so * osz, ocode, buf, cnt)
        i0 += cnt


cdef void _scan_rows(int op, const T* ib, char* ob, int64_t* xb, int ocode, Py_ssize_t osz,
                     const Plan* p, Py_ssize_t outer, Py_ssize_t j0, Py_ssize_t B,
                     acc_t dummy) noexcept nogil:
    cdef acc_t acc[BLOCK]
    cdef int64_t ai[BLOCK]
    cdef Py_ssize_t ioff, ooff, j, r, jn, nk = p.nk
    cdef Py_ssize_t kin = p.kis[nk - 1], kon = p.kos[nk - 1], si = p.ris[0], so = p.kos[nk]
    cdef const T* q
    jn = p.ks[nk - 1] - j0
    if jn > B:
        jn = B
    kept_offsets(p, nk - 1, outer, &ioff, &ooff)
    ioff += j0 * kin
    ooff += j0 * kon
    for j in range(jn):
        acc[j] = _scan_init(op, <acc_t>ib[ioff + j * kin])
        ai[j] = 0
    for r in range(p.rs[0]):
        q = ib + ioff + r * si
        if op == CUMSUM and kin == 1:
            for j in range(jn):
                acc[j] += <acc_t>q[j]
        else:
            for j in range(jn):
                _step(op, &acc[j], &ai[j], <acc_t>q[j * kin], r)
        _store_run(ob + (ooff + r * so) * osz, kon * osz, ocode, acc, jn)
        if xb != NULL:
            for j in range(jn):
                xb[ooff + r * so + j * kon] = ai[j]


cdef void _scan_t(int op, const T* ib, char* ob, int64_t* xb, int ocode, Py_ssize_t osz,
                  const Plan* p, int nt, acc_t dummy) noexcept nogil:
    cdef Py_ssize_t o, Lk, nouter, B, nblk, jobs, job
    cdef bint par = nt > 1 and p.nout * p.rs[0] >= PAR_MIN
    if p.nk == 0 or p.ris[0] <= p.kis[p.nk - 1]:
        if par and p.nout >= nt:
            for o in prange(p.nout, num_threads=nt, schedule="static"):
                _scan_line(op, ib, ob, xb, ocode, osz, p, o, dummy)
        else:
            for o in range(p.nout):
                _scan_line(op, ib, ob, xb, ocode, osz, p, o, dummy)
        return
    Lk = p.ks[p.nk - 1]
    nouter = p.nout // Lk
    B = BLOCK if Lk > BLOCK else Lk
    if nt > 1 and nouter * ((Lk + B - 1) // B) < nt and Lk >= 32:
        B = ((Lk + nt - 1) // nt + 15) // 16 * 16
    nblk = (Lk + B - 1) // B
    jobs = nouter * nblk
    if par and jobs > 1:
        for job in prange(jobs, num_threads=nt, schedule="static"):
            _scan_rows(op, ib, ob, xb, ocode, osz, p, job // nblk, (job % nblk) * B, B, dummy)
    else:
        for job in range(jobs):
            _scan_rows(op, ib, ob, xb, ocode, osz, p, job // nblk, (job % nblk) * B, B, dummy)


cdef int _line_plan(Plan* p, inp, out, int dim) except -1:
    """Plan over the kept dims; the scanned dim is rs[0]/ris[0], its output stride kos[nk]."""
    make_plan(p, inp._shape, inp._stride, out._stride, {dim})
    p.nr = 1
    p.rs[0] = inp._shape[dim]
    p.ris[0] = inp._stride[dim]
    p.kos[p.nk] = out._stride[dim]
    return 0


def scan(int op, out, indices, inp, int dim, int nthreads=1):
    """out[..., i, ...] = op over inp[..., :i+1, ...] along `dim`; indices (cummax/cummin) too.

    out and indices (int64, or None) share out's strides; out's dtype may differ from inp's (it
    is converted on store). This method modifies `out` and `indices`.
    """
    cdef Plan p
    cdef int code = inp.dtype.code, ocode = out.dtype.code
    if indices is not None and indices._stride != out._stride:
        raise ValueError("values and indices must share strides")
    _line_plan(&p, inp, out, dim)
    if p.nout == 0 or p.rs[0] == 0:
        return
    cdef char* ib = data_ptr(inp)
    cdef char* ob = data_ptr(out)
    cdef int64_t* xb = <int64_t*>data_ptr(indices) if indices is not None else NULL
    cdef Py_ssize_t osz = out.dtype.itemsize
    with nogil:
        if code == D_F32:
            _scan_t(op, <const float*>ib, ob, xb, ocode, osz, &p, nthreads, <double>0)
        elif code == D_F64:
            _scan_t(op, <const double*>ib, ob, xb, ocode, osz, &p, nthreads, <double>0)
        elif code == D_I64:
            _scan_t(op, <const int64_t*>ib, ob, xb, ocode, osz, &p, nthreads, <int64_t>0)
        elif code == D_I32:
            _scan_t(op, <const int32_t*>ib, ob, xb, ocode, osz, &p, nthreads, <int64_t>0)
        elif code == D_I16:
            _scan_t(op, <const int16_t*>ib, ob, xb, ocode, osz, &p, nthreads, <int64_t>0)
        elif code == D_I8:
            _scan_t(op, <const int8_t*>ib, ob, xb, ocode, osz, &p, nthreads, <int64_t>0)
        else:
            _scan_t(op, <const uint8_t*>ib, ob, xb, ocode, osz, &p, nthreads, <int64_t>0)


# ------------------------------------------------------------------------------------------------
# Softmax
cdef void _softmax_line(const flt_t* ib, flt_t* ob, const Plan* p, Py_ssize_t o, int logsm) noexcept nogil:
    cdef Py_ssize_t ioff, ooff, n = p.rs[0], si = p.ris[0], so = p.kos[p.nk], k
    cdef flt_t* buf
    kept_offsets(p, p.nk, o, &ioff, &ooff)
    if si == 1 and so == 1:
        buf = ob + ooff
        if flt_t is float:
            ember_softmax_f32(ib + ioff, buf, n, logsm)
        else:
            ember_softmax_f64(ib + ioff, buf, n, logsm)
        return
    buf = <flt_t*>calloc(n, sizeof(flt_t))
    if buf == NULL:
        return
    for k in range(n):
        buf[k] = ib[ioff + k * si]
    if flt_t is float:
        ember_softmax_f32(buf, buf, n, logsm)
    else:
        ember_softmax_f64(buf, buf, n, logsm)
    for k in range(n):
        ob[ooff + k * so] = buf[k]
    free(buf)


cdef void _softmax_rows(const flt_t* ib, flt_t* ob, const Plan* p, Py_ssize_t outer, Py_ssize_t j0,
                        Py_ssize_t B, int logsm) noexcept nogil:
    cdef flt_t m[BLOCK]
    cdef flt_t s[BLOCK]
    cdef Py_ssize_t ioff, ooff, j, r, jn, nk = p.nk, n = p.rs[0]
    cdef Py_ssize_t kin = p.kis[nk - 1], kon = p.kos[nk - 1], si = p.ris[0], so = p.kos[nk]
    cdef const flt_t* q
    cdef flt_t* y
    cdef flt_t x, e
    jn = p.ks[nk - 1] - j0
    if jn > B:
        jn = B
    kept_offsets(p, nk - 1, outer, &ioff, &ooff)
    ioff += j0 * kin
    ooff += j0 * kon
    for j in range(jn):
        m[j] = -INFINITY
        s[j] = 0
    for r in range(n):
        q = ib + ioff + r * si
        for j in range(jn):
            x = q[j * kin]
            if x > m[j] or x != x:
                m[j] = x
    for r in range(n):
        q = ib + ioff + r * si
        y = ob + ooff + r * so
        for j in range(jn):
            if flt_t is float:
                e = expf(q[j * kin] - m[j])
            else:
                e = exp(q[j * kin] - m[j])
            s[j] += e
            if not logsm:
                y[j * kon] = e
    for j in range(jn):
        if logsm:
            if flt_t is float:
                s[j] = logf(s[j])
            else:
                s[j] = log(s[j])
        else:
            s[j] = 1 / s[j]
    for r in range(n):
        q = ib + ioff + r * si
        y = ob + ooff + r * so
        for j in range(jn):
            if logsm:
                y[j * kon] = (q[j * kin] - m[j]) - s[j]
            else:
                y[j * kon] *= s[j]


cdef void _softmax_t(const flt_t* ib, flt_t* ob, const Plan* p, int logsm, int nt) noexcept nogil:
    cdef Py_ssize_t o, Lk, nouter, B, nblk, jobs, job
    cdef bint par = nt > 1 and p.nout * p.rs[0] >= PAR_MIN // 4
    if p.nk == 0 or p.ris[0] <= p.kis[p.nk - 1]:
        if par and p.nout > 1:
            for o in prange(p.nout, num_threads=nt, schedule="static"):
                _softmax_line(ib, ob, p, o, logsm)
        else:
            for o in range(p.nout):
                _softmax_line(ib, ob, p, o, logsm)
        return
    Lk = p.ks[p.nk - 1]
    nouter = p.nout // Lk
    B = BLOCK if Lk > BLOCK else Lk
    if nt > 1 and nouter * ((Lk + B - 1) // B) < nt and Lk >= 32:
        B = ((Lk + nt - 1) // nt + 15) // 16 * 16
    nblk = (Lk + B - 1) // B
    jobs = nouter * nblk
    if par and jobs > 1:
        for job in prange(jobs, num_threads=nt, schedule="static"):
            _softmax_rows(ib, ob, p, job // nblk, (job % nblk) * B, B, logsm)
    else:
        for job in range(jobs):
            _softmax_rows(ib, ob, p, job // nblk, (job % nblk) * B, B, logsm)


def softmax(out, inp, int dim, bint logsm, int nthreads=1):
    """out = softmax (log_softmax) of inp along `dim`; float32/float64, same dtype and shape.

    This method modifies `out`.
    """
    cdef Plan p
    _line_plan(&p, inp, out, dim)
    if p.nout == 0 or p.rs[0] == 0:
        return
    cdef char* ib = data_ptr(inp)
    cdef char* ob = data_ptr(out)
    cdef int code = inp.dtype.code
    with nogil:
        if code == D_F32:
            _softmax_t(<const float*>ib, <float*>ob, &p, logsm, nthreads)
        else:
            _softmax_t(<const double*>ib, <double*>ob, &p, logsm, nthreads)


# ------------------------------------------------------------------------------------------------
# Kernels over sorted rows (values ascending with NaN last, indices from a stable sort)
cdef enum:
    SEL_MEDIAN, SEL_NANMEDIAN, SEL_MODE
SELECT = dict(median=SEL_MEDIAN, nanmedian=SEL_NANMEDIAN, mode=SEL_MODE)


cdef inline bint _isnan_t(T x) noexcept nogil:
    if T is float or T is double:
        return x != x
    else:
        return False


cdef inline Py_ssize_t _nan_start(const T* v, Py_ssize_t n) noexcept nogil:
    """Position of the first NaN of a sorted row (n when there is none)."""
    cdef Py_ssize_t k = n
    while k > 0 and _isnan_t(v[k - 1]):
        k -= 1
    return k


cdef void _select_t(int op, const T* sv, const int64_t* si, T* vo, int64_t* xo, Py_ssize_t rows,
                    Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t r, k, c, run, best, i
    cdef const T* v
    for r in range(rows):
        v = sv + r * n
        c = _nan_start(v, n)
        if op == SEL_MEDIAN:
            k = c if c < n else (n - 1) // 2
        elif op == SEL_NANMEDIAN:
            k = (c - 1) // 2 if c > 0 else 0
        else:
            # mode: the longest run of equal values, the smallest value on ties; its last index
            k = 0
            best = 0
            run = 0
            for i in range(n):
                run += 1
                if i == n - 1 or v[i] != v[i + 1]:
                    if run > best:
                        best = run
                        k = i
                    run = 0
        vo[r] = v[k]
        xo[r] = si[r * n + k]


def select_sorted(int op, values, indices, sorted_values, sorted_indices):
    """Per row of sorted (rows, n) contiguous tensors: median / nanmedian / mode value + index.

    values/indices are contiguous (rows,). This method modifies `values` and `indices`.
    """
    cdef Py_ssize_t rows = values.numel()
    cdef Py_ssize_t n = sorted_values._shape[len(sorted_values._shape) - 1] if sorted_values._shape else 1
    cdef char* sv = data_ptr(sorted_values)
    cdef int64_t* si = <int64_t*>data_ptr(sorted_indices)
    cdef char* vo = data_ptr(values)
    cdef int64_t* xo = <int64_t*>data_ptr(indices)
    cdef int code = values.dtype.code
    if n == 0:
        return
    with nogil:
        if code == D_F32:
            _select_t(op, <const float*>sv, si, <float*>vo, xo, rows, n)
        elif code == D_F64:
            _select_t(op, <const double*>sv, si, <double*>vo, xo, rows, n)
        elif code == D_I64:
            _select_t(op, <const int64_t*>sv, si, <int64_t*>vo, xo, rows, n)
        elif code == D_I32:
            _select_t(op, <const int32_t*>sv, si, <int32_t*>vo, xo, rows, n)
        elif code == D_I16:
            _select_t(op, <const int16_t*>sv, si, <int16_t*>vo, xo, rows, n)
        elif code == D_I8:
            _select_t(op, <const int8_t*>sv, si, <int8_t*>vo, xo, rows, n)
        else:
            _select_t(op, <const uint8_t*>sv, si, <uint8_t*>vo, xo, rows, n)


cdef enum:
    Q_LINEAR, Q_LOWER, Q_HIGHER, Q_MIDPOINT, Q_NEAREST
INTERPOLATION = dict(linear=Q_LINEAR, lower=Q_LOWER, higher=Q_HIGHER, midpoint=Q_MIDPOINT,
                     nearest=Q_NEAREST)


cdef void _quantile_t(const flt_t* sv, flt_t* out, const double* qs, Py_ssize_t nq,
                      Py_ssize_t rows, Py_ssize_t n, int interp, bint ignore_nan) noexcept nogil:
    cdef Py_ssize_t r, j, c, lo, hi
    cdef double rank, w
    cdef flt_t a, b
    cdef const flt_t* v
    for r in range(rows):
        v = sv + r * n
        c = _nan_start(v, n)
        for j in range(nq):
            # PyTorch's ranks: a NaN row reads its last (NaN) slot; nanquantile counts non-NaNs
            if ignore_nan:
                rank = qs[j] * (c - 1)
                if rank < 0:
                    rank = 0
            elif c < n:
                rank = n - 1
            else:
                rank = qs[j] * (n - 1)
            if interp == Q_LOWER:
                rank = floor(rank)
            elif interp == Q_HIGHER:
                rank = ceil(rank)
            elif interp == Q_NEAREST:
                rank = nearbyint(rank)
            lo = <Py_ssize_t>rank
            hi = <Py_ssize_t>ceil(rank)
            a = v[lo]
            if interp == Q_LINEAR or interp == Q_MIDPOINT:
                w = 0.5 if interp == Q_MIDPOINT else rank - lo
                b = v[hi]
                # torch.lerp's two-sided formula
                if w < 0.5:
                    a = <flt_t>(a + w * (b - a))
                else:
                    a = <flt_t>(b - (b - a) * (1 - w))
            out[j * rows + r] = a


def quantile_sorted(out, sorted_values, q, str interpolation, bint ignore_nan):
    """out[j, r] = quantile q[j] of sorted row r; sorted (rows, n) and out (len(q), rows) are
    contiguous float32/float64; q is a sequence of floats in [0, 1]. This method modifies `out`.
    """
    cdef Py_ssize_t rows = out.numel() // max(len(q), 1)
    cdef Py_ssize_t n = sorted_values._shape[len(sorted_values._shape) - 1]
    cdef Py_ssize_t nq = len(q), j
    cdef int interp = INTERPOLATION[interpolation]
    cdef double* qs = <double*>malloc(max(nq, 1) * sizeof(double))
    if qs == NULL:
        raise MemoryError()
    for j in range(nq):
        qs[j] = q[j]
    cdef char* sv = data_ptr(sorted_values)
    cdef char* ob = data_ptr(out)
    cdef int code = out.dtype.code
    try:
        if n > 0 and rows > 0:
            with nogil:
                if code == D_F32:
                    _quantile_t(<const float*>sv, <float*>ob, qs, nq, rows, n, interp, ignore_nan)
                else:
                    _quantile_t(<const double*>sv, <double*>ob, qs, nq, rows, n, interp, ignore_nan)
    finally:
        free(qs)


def unique_fill(values, inverse, counts, sorted_rows, perm, mask):
    """Gather unique rows: a new group starts where mask (bool, n) is set.

    sorted_rows (n, w) and values (groups, w) are contiguous and of one dtype; perm (int64, n)
    holds each sorted row's original position; inverse (int64, n) and counts (int64, groups) may
    be None. This method modifies `values`, `inverse` and `counts`.
    """
    cdef Py_ssize_t n = mask.numel(), groups = values._shape[0] if values._shape else 0
    cdef Py_ssize_t row = sorted_rows.numel() // n * sorted_rows.dtype.itemsize if n else 0
    cdef Py_ssize_t i, g = -1, pi
    cdef char* src = data_ptr(sorted_rows)
    cdef char* dst = data_ptr(values)
    cdef const int64_t* pm = <int64_t*>data_ptr(perm)
    cdef const uint8_t* mk = <uint8_t*>data_ptr(mask)
    cdef int64_t* inv = <int64_t*>data_ptr(inverse) if inverse is not None else NULL
    cdef int64_t* cnt = <int64_t*>data_ptr(counts) if counts is not None else NULL
    with nogil:
        for i in range(n):
            if mk[i] or g < 0:
                g += 1
                if g >= groups:
                    break
                memcpy(dst + g * row, src + i * row, row)
                if cnt != NULL:
                    cnt[g] = 0
            if cnt != NULL:
                cnt[g] += 1
            if inv != NULL:
                pi = pm[i]
                if 0 <= pi < n:
                    inv[pi] = g
