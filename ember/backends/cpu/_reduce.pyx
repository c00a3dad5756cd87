"""Reduction kernels for the CPU: a strided N-d reduce driver and the arg-reduce (argmax) driver.

A reduction is planned once: the kept dims and the reduced dims are each coalesced (size-1 dims
dropped, contiguous neighbours merged), then one of two loops runs:

* inner mode, when the reduced dims hold the smallest stride: every output reduces contiguous
  runs with a vectorized C loop (_reduce_c.h); outputs are split across threads, or, for few
  outputs (a full reduction), the reduced range itself is split and the partials combined;
* outer mode, when a kept dim is innermost (e.g. x.sum(0)): a block of outputs accumulates whole
  rows, which vectorizes along the kept dim; blocks are split across threads.

Floating inputs accumulate in double and integers in int64, whatever the output dtype.
"""
from cython.parallel cimport prange
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, INT64_MIN, INT64_MAX
from libc.math cimport INFINITY, NAN, fabs

cdef extern from "_reduce_c.h" nogil:
    enum:
        ER_SUM, ER_PROD, ER_MAX, ER_MIN, ER_NANSUM, ER_SUMABS, ER_SUMSQ, ER_MAXABS, ER_MINABS,
        ER_COUNTNZ
    double ember_red_f32(int op, const float* a, int64_t n, int64_t st)
    double ember_red_f64(int op, const double* a, int64_t n, int64_t st)
    int64_t ember_red_u8(int op, const uint8_t* a, int64_t n, int64_t st)
    int64_t ember_red_i8(int op, const int8_t* a, int64_t n, int64_t st)
    int64_t ember_red_i16(int op, const int16_t* a, int64_t n, int64_t st)
    int64_t ember_red_i32(int op, const int32_t* a, int64_t n, int64_t st)
    int64_t ember_red_i64(int op, const int64_t* a, int64_t n, int64_t st)
    int64_t ember_arg_f32(const float* a, int64_t n, int64_t st, int is_min)
    int64_t ember_arg_f64(const double* a, int64_t n, int64_t st, int is_min)
    int64_t ember_arg_u8(const uint8_t* a, int64_t n, int64_t st, int is_min)
    int64_t ember_arg_i8(const int8_t* a, int64_t n, int64_t st, int is_min)
    int64_t ember_arg_i16(const int16_t* a, int64_t n, int64_t st, int is_min)
    int64_t ember_arg_i32(const int32_t* a, int64_t n, int64_t st, int is_min)
    int64_t ember_arg_i64(const int64_t* a, int64_t n, int64_t st, int is_min)

# all/any reduce a count of non-zeros and compare it at the end
DEF OP_ALL = 100
DEF OP_ANY = 101
OPS = dict(sum=ER_SUM, prod=ER_PROD, max=ER_MAX, min=ER_MIN, nansum=ER_NANSUM, sumabs=ER_SUMABS,
           sumsq=ER_SUMSQ, maxabs=ER_MAXABS, minabs=ER_MINABS, count_nonzero=ER_COUNTNZ,
           all=OP_ALL, any=OP_ANY)

# dtype codes (ember/dtypes.py)
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

DEF MAXT = 256
DEF BLOCK = 512
cdef Py_ssize_t PAR_MIN = 1 << 15     # elements of work below which one thread does it all


cdef int make_plan(Plan* p, tuple shape, tuple istride, tuple ostride, rdims) except -1:
    """Coalesce kept and reduced dims of a reduction over `rdims` (ostride: keepdim output)."""
    cdef list kept = [], red = []
    cdef Py_ssize_t n
    cdef int d
    if len(shape) > RED_MAXD:
        raise RuntimeError(f"tensors with more than {RED_MAXD} dimensions are not supported")
    p.nout = 1
    p.nred = 1
    p.final = 0
    p.scale = 1.0
    for d in range(len(shape)):
        n = shape[d]
        if d in rdims:
            p.nred *= n
            if n != 1:
                red.append([n, istride[d]])
        else:
            p.nout *= n
            if n != 1:
                last = kept[len(kept) - 1] if kept else None
                if last is not None and last[1] == istride[d] * n and last[2] == ostride[d] * n:
                    last[0] *= n
                    last[1] = istride[d]
                    last[2] = ostride[d]
                else:
                    kept.append([n, istride[d], ostride[d]])
    red.sort(key=lambda r: -r[1])
    merged = []
    for r in red:
        last = merged[len(merged) - 1] if merged else None
        if last is not None and last[1] == r[1] * r[0]:
            last[0] *= r[0]
            last[1] = r[1]
        else:
            merged.append(r)
    if not merged:
        merged = [[1, 1]]
    p.nk = len(kept)
    p.nr = len(merged)
    for d in range(p.nk):
        p.ks[d], p.kis[d], p.kos[d] = kept[d]
    for d in range(p.nr):
        p.rs[d], p.ris[d] = merged[d]
    return 0


# ------------------------------------------------------------------------------------------------
# Scalar helpers
cdef inline void _kern(int op, const T* a, Py_ssize_t n, Py_ssize_t st, acc_t* r) noexcept nogil:
    if T is float:
        r[0] = <acc_t>ember_red_f32(op, a, n, st)
    elif T is double:
        r[0] = <acc_t>ember_red_f64(op, a, n, st)
    elif T is uint8_t:
        r[0] = <acc_t>ember_red_u8(op, a, n, st)
    elif T is int8_t:
        r[0] = <acc_t>ember_red_i8(op, a, n, st)
    elif T is int16_t:
        r[0] = <acc_t>ember_red_i16(op, a, n, st)
    elif T is int32_t:
        r[0] = <acc_t>ember_red_i32(op, a, n, st)
    else:
        r[0] = <acc_t>ember_red_i64(op, a, n, st)


cdef inline acc_t _ident(int op, acc_t dummy) noexcept nogil:
    if op == ER_PROD:
        return 1
    if op == ER_MAX:
        if acc_t is double:
            return -INFINITY
        else:
            return INT64_MIN
    if op == ER_MIN or op == ER_MINABS:
        if acc_t is double:
            return INFINITY
        else:
            return INT64_MAX
    return 0


cdef inline bint _nan(acc_t x) noexcept nogil:
    if acc_t is double:
        return x != x
    else:
        return False


cdef inline acc_t _combine(int op, acc_t a, acc_t b) noexcept nogil:
    if op == ER_PROD:
        return a * b
    if op == ER_MAX or op == ER_MAXABS:
        if acc_t is double:
            if a != a or b != b:
                return NAN
        return a if a > b else b
    if op == ER_MIN or op == ER_MINABS:
        if acc_t is double:
            if a != a or b != b:
                return NAN
        return a if a < b else b
    return a + b


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


cdef inline acc_t _final(const Plan* p, acc_t v) noexcept nogil:
    if p.final == OP_ALL:
        return v == p.nred
    if p.final == OP_ANY:
        return v != 0
    if acc_t is double:
        if p.scale != 1.0:
            return v * p.scale
    return v


# ------------------------------------------------------------------------------------------------
# Inner mode: each output reduces runs of its reduced elements
cdef void _red_range(int op, const T* base, const Plan* p, Py_ssize_t start, Py_ssize_t stop,
                     acc_t* res) noexcept nogil:
    """res = reduction of the reduced elements with flat indices [start, stop) under `base`."""
    cdef Py_ssize_t idx[RED_MAXD]
    cdef int nr = p.nr, d
    cdef Py_ssize_t L = p.rs[nr - 1], st = p.ris[nr - 1], rem = start, cnt, off
    cdef acc_t acc = _ident(op, res[0]), part = 0
    if start >= stop:
        res[0] = acc
        return
    for d in range(nr - 1, -1, -1):
        idx[d] = rem % p.rs[d]
        rem = rem // p.rs[d]
    while start < stop:
        cnt = L - idx[nr - 1]
        if cnt > stop - start:
            cnt = stop - start
        off = 0
        for d in range(nr):
            off += idx[d] * p.ris[d]
        _kern(op, base + off, cnt, st, &part)
        acc = _combine(op, acc, part)
        start += cnt
        idx[nr - 1] += cnt
        d = nr - 1
        while d > 0 and idx[d] >= p.rs[d]:
            idx[d] = 0
            idx[d - 1] += 1
            d -= 1
    res[0] = acc


cdef void _one_output(int op, const T* ib, char* ob, int ocode, Py_ssize_t osz,
                      const Plan* p, Py_ssize_t o, acc_t dummy) noexcept nogil:
    cdef Py_ssize_t ioff, ooff
    cdef acc_t v = dummy
    kept_offsets(p, p.nk, o, &ioff, &ooff)
    _red_range(op, ib + ioff, p, 0, p.nred, &v)
    _store(ob + ooff * osz, ocode, _final(p, v))


cdef void _inner_mode(int op, const T* ib, char* ob, int ocode, Py_ssize_t osz,
                      const Plan* p, int nt, acc_t dummy) noexcept nogil:
    cdef Py_ssize_t o, chunk, lo, hi, ioff, ooff
    cdef int t
    cdef acc_t parts[MAXT]
    cdef acc_t v
    if nt > 1 and p.nout >= nt and p.nout * p.nred >= PAR_MIN:
        for o in prange(p.nout, num_threads=nt, schedule="static"):
            _one_output(op, ib, ob, ocode, osz, p, o, dummy)
    elif nt > 1 and p.nred >= PAR_MIN:
        # few outputs, long reductions: split each reduction, then combine in a fixed order
        chunk = (p.nred + nt - 1) // nt
        chunk = (chunk + 63) // 64 * 64
        for o in range(p.nout):
            kept_offsets(p, p.nk, o, &ioff, &ooff)
            for t in prange(nt, num_threads=nt, schedule="static"):
                lo = t * chunk
                hi = lo + chunk
                if hi > p.nred:
                    hi = p.nred
                parts[t] = _ident(op, dummy)
                if lo < hi:
                    _red_range(op, ib + ioff, p, lo, hi, &parts[t])
            v = parts[0]
            for t in range(1, nt):
                v = _combine(op, v, parts[t])
            _store(ob + ooff * osz, ocode, _final(p, v))
    else:
        for o in range(p.nout):
            _one_output(op, ib, ob, ocode, osz, p, o, dummy)


# ------------------------------------------------------------------------------------------------
# Outer mode: a block of outputs along the innermost kept dim accumulates whole rows
cdef inline void _accum_row(int op, acc_t* acc, const T* q, Py_ssize_t n, Py_ssize_t s) noexcept nogil:
    cdef Py_ssize_t j
    cdef acc_t x
    if op == ER_SUM or (op == ER_NANSUM and acc_t is int64_t):
        if s == 1:
            for j in range(n):
                acc[j] += <acc_t>q[j]
        else:
            for j in range(n):
                acc[j] += <acc_t>q[j * s]
    elif op == ER_NANSUM:
        for j in range(n):
            x = <acc_t>q[j * s]
            acc[j] += 0 if _nan(x) else x
    elif op == ER_PROD:
        for j in range(n):
            acc[j] *= <acc_t>q[j * s]
    elif op == ER_MAX or op == ER_MAXABS:
        for j in range(n):
            x = <acc_t>q[j * s]
            if op == ER_MAXABS and x < 0:
                x = -x
            if x > acc[j] or _nan(x):
                acc[j] = x
    elif op == ER_MIN or op == ER_MINABS:
        for j in range(n):
            x = <acc_t>q[j * s]
            if op == ER_MINABS and x < 0:
                x = -x
            if x < acc[j] or _nan(x):
                acc[j] = x
    elif op == ER_SUMABS:
        for j in range(n):
            x = <acc_t>q[j * s]
            acc[j] += x if x >= 0 else -x
    elif op == ER_SUMSQ:
        for j in range(n):
            x = <acc_t>q[j * s]
            acc[j] += x * x
    elif op == ER_COUNTNZ:
        for j in range(n):
            acc[j] += q[j * s] != 0


cdef inline void _sum8_f32(double* acc, const float** r, Py_ssize_t n) noexcept nogil:
    """acc += eight float32 rows: summed in float32 first (a short, balanced sum), so the double
    accumulator is read and written once per eight rows."""
    cdef Py_ssize_t j
    cdef const float* r0 = r[0]
    cdef const float* r1 = r[1]
    cdef const float* r2 = r[2]
    cdef const float* r3 = r[3]
    cdef const float* r4 = r[4]
    cdef const float* r5 = r[5]
    cdef const float* r6 = r[6]
    cdef const float* r7 = r[7]
    for j in range(n):
        acc[j] += <double>(((r0[j] + r1[j]) + (r2[j] + r3[j])) + ((r4[j] + r5[j]) + (r6[j] + r7[j])))


cdef void _rows_job(int op, const T* ib, char* ob, int ocode, Py_ssize_t osz,
                    const Plan* p, Py_ssize_t outer, Py_ssize_t j0, Py_ssize_t B,
                    acc_t dummy) noexcept nogil:
    cdef acc_t acc[BLOCK]
    cdef Py_ssize_t idx[RED_MAXD]
    cdef const T* rows[8]
    cdef Py_ssize_t ioff, ooff, roff, j, r, jn
    cdef int nk = p.nk, nr = p.nr, d, nrows = 0
    cdef Py_ssize_t kin = p.kis[nk - 1], kon = p.kos[nk - 1]
    cdef bint group = False
    if T is float and acc_t is double:
        group = op == ER_SUM and kin == 1
    jn = p.ks[nk - 1] - j0
    if jn > B:
        jn = B
    kept_offsets(p, nk - 1, outer, &ioff, &ooff)
    for j in range(jn):
        acc[j] = _ident(op, dummy)
    for d in range(nr):
        idx[d] = 0
    roff = 0
    for r in range(p.nred):
        if group:
            rows[nrows] = ib + ioff + roff + j0
            nrows += 1
            if nrows == 8:
                if T is float and acc_t is double:
                    _sum8_f32(acc, rows, jn)
                nrows = 0
        else:
            _accum_row(op, acc, ib + ioff + roff + j0 * kin, jn, kin)
        d = nr - 1
        idx[d] += 1
        roff += p.ris[d]
        while d > 0 and idx[d] >= p.rs[d]:
            roff -= idx[d] * p.ris[d]
            idx[d] = 0
            d -= 1
            idx[d] += 1
            roff += p.ris[d]
    for r in range(nrows):
        _accum_row(op, acc, rows[r], jn, 1)
    for j in range(jn):
        _store(ob + (ooff + (j0 + j) * kon) * osz, ocode, _final(p, acc[j]))


cdef void _outer_mode(int op, const T* ib, char* ob, int ocode, Py_ssize_t osz,
                      const Plan* p, int nt, acc_t dummy) noexcept nogil:
    cdef Py_ssize_t Lk = p.ks[p.nk - 1], nouter = p.nout // Lk, B = BLOCK, nblk, jobs, job
    if B > Lk:
        B = Lk
    if nt > 1 and nouter * ((Lk + B - 1) // B) < nt and Lk >= 32:
        B = ((Lk + nt - 1) // nt + 15) // 16 * 16       # enough blocks for every thread
    nblk = (Lk + B - 1) // B
    jobs = nouter * nblk
    if nt > 1 and jobs > 1 and p.nout * p.nred >= PAR_MIN:
        for job in prange(jobs, num_threads=nt, schedule="static"):
            _rows_job(op, ib, ob, ocode, osz, p, job // nblk, (job % nblk) * B, B, dummy)
    else:
        for job in range(jobs):
            _rows_job(op, ib, ob, ocode, osz, p, job // nblk, (job % nblk) * B, B, dummy)


cdef void _reduce_t(int op, const T* ib, char* ob, int ocode, Py_ssize_t osz,
                    const Plan* p, int nt, acc_t dummy) noexcept nogil:
    if p.nk == 0 or p.ris[p.nr - 1] <= p.kis[p.nk - 1]:
        _inner_mode(op, ib, ob, ocode, osz, p, nt, dummy)
    else:
        _outer_mode(op, ib, ob, ocode, osz, p, nt, dummy)


def reduce(int op, out, inp, rdims, int nthreads=1, double scale=1.0):
    """out = op over dims `rdims` of inp (times `scale` for floating accumulators); out has
    inp's rank with the reduced dims of size 1.

    inp's dtype is one of bool, uint8, int8..int64, float32, float64; out may have any dtype
    except the half types (values are converted on store). This method modifies `out`.
    """
    cdef Plan p
    cdef int code = inp.dtype.code, ocode = out.dtype.code
    make_plan(&p, inp._shape, inp._stride, out._stride, rdims)
    p.scale = scale
    if op == OP_ALL or op == OP_ANY:
        p.final = op
        op = ER_COUNTNZ
    if p.nout == 0:
        return
    cdef char* ib = data_ptr(inp)
    cdef char* ob = data_ptr(out)
    cdef Py_ssize_t osz = out.dtype.itemsize
    if nthreads > MAXT:
        nthreads = MAXT
    with nogil:
        if code == D_F32:
            _reduce_t(op, <const float*>ib, ob, ocode, osz, &p, nthreads, <double>0)
        elif code == D_F64:
            _reduce_t(op, <const double*>ib, ob, ocode, osz, &p, nthreads, <double>0)
        elif code == D_I64:
            _reduce_t(op, <const int64_t*>ib, ob, ocode, osz, &p, nthreads, <int64_t>0)
        elif code == D_I32:
            _reduce_t(op, <const int32_t*>ib, ob, ocode, osz, &p, nthreads, <int64_t>0)
        elif code == D_I16:
            _reduce_t(op, <const int16_t*>ib, ob, ocode, osz, &p, nthreads, <int64_t>0)
        elif code == D_I8:
            _reduce_t(op, <const int8_t*>ib, ob, ocode, osz, &p, nthreads, <int64_t>0)
        else:
            _reduce_t(op, <const uint8_t*>ib, ob, ocode, osz, &p, nthreads, <int64_t>0)


# ------------------------------------------------------------------------------------------------
# Arg-reduction: value and index of the first max/min along one dim (NaN wins, first NaN)
cdef inline Py_ssize_t _argk(const T* a, Py_ssize_t n, Py_ssize_t st, int is_min) noexcept nogil:
    if T is float:
        return ember_arg_f32(a, n, st, is_min)
    elif T is double:
        return ember_arg_f64(a, n, st, is_min)
    elif T is uint8_t:
        return ember_arg_u8(a, n, st, is_min)
    elif T is int8_t:
        return ember_arg_i8(a, n, st, is_min)
    elif T is int16_t:
        return ember_arg_i16(a, n, st, is_min)
    elif T is int32_t:
        return ember_arg_i32(a, n, st, is_min)
    else:
        return ember_arg_i64(a, n, st, is_min)


cdef inline bint _better(T x, T best, int is_min) noexcept nogil:
    """x replaces the running best (strictly better, or the first NaN)."""
    if T is float or T is double:
        if best != best:
            return False
        if x != x:
            return True
    return x < best if is_min else x > best


cdef void _arg_line(const T* ib, T* vb, int64_t* xb, const Plan* p, int is_min,
                    Py_ssize_t o) noexcept nogil:
    cdef Py_ssize_t ioff, ooff, k
    kept_offsets(p, p.nk, o, &ioff, &ooff)
    k = _argk(ib + ioff, p.rs[0], p.ris[0], is_min)
    if vb != NULL:
        vb[ooff] = ib[ioff + k * p.ris[0]]
    if xb != NULL:
        xb[ooff] = k


cdef void _arg_split(const T* ib, T* vb, int64_t* xb, const Plan* p, int is_min, int nt) noexcept nogil:
    """One long line (a flattened argmax): split it across threads, keep the first best."""
    cdef Py_ssize_t n = p.rs[0], st = p.ris[0], chunk, lo, hi, best
    cdef Py_ssize_t ks[MAXT]
    cdef int t
    chunk = ((n + nt - 1) // nt + 63) // 64 * 64
    for t in prange(nt, num_threads=nt, schedule="static"):
        lo = t * chunk
        hi = lo + chunk
        if hi > n:
            hi = n
        ks[t] = -1
        if lo < hi:
            ks[t] = lo + _argk(ib + lo * st, hi - lo, st, is_min)
    best = ks[0]
    for t in range(1, nt):
        if ks[t] >= 0 and _better(ib[ks[t] * st], ib[best * st], is_min):
            best = ks[t]
    if vb != NULL:
        vb[0] = ib[best * st]
    if xb != NULL:
        xb[0] = best


cdef void _arg_rows(const T* ib, T* vb, int64_t* xb, const Plan* p, int is_min, Py_ssize_t outer,
                    Py_ssize_t j0, Py_ssize_t B) noexcept nogil:
    cdef T best[BLOCK]
    cdef int64_t bi[BLOCK]
    cdef Py_ssize_t ioff, ooff, j, r, jn, nk = p.nk
    cdef Py_ssize_t kin = p.kis[nk - 1], kon = p.kos[nk - 1], rst = p.ris[0]
    cdef const T* q
    cdef T x
    jn = p.ks[nk - 1] - j0
    if jn > B:
        jn = B
    kept_offsets(p, nk - 1, outer, &ioff, &ooff)
    q = ib + ioff + j0 * kin
    for j in range(jn):
        best[j] = q[j * kin]
        bi[j] = 0
    for r in range(1, p.rs[0]):
        q = ib + ioff + r * rst + j0 * kin
        for j in range(jn):
            x = q[j * kin]
            if _better(x, best[j], is_min):
                best[j] = x
                bi[j] = r
    for j in range(jn):
        if vb != NULL:
            vb[ooff + (j0 + j) * kon] = best[j]
        if xb != NULL:
            xb[ooff + (j0 + j) * kon] = bi[j]


cdef void _arg_t(const T* ib, T* vb, int64_t* xb, const Plan* p, int is_min, int nt) noexcept nogil:
    cdef Py_ssize_t o, Lk, nouter, B, nblk, jobs, job
    cdef bint par = nt > 1 and p.nout * p.rs[0] >= PAR_MIN
    if p.nk == 0 or p.ris[0] <= p.kis[p.nk - 1]:
        if p.nout == 1 and par:
            _arg_split(ib, vb, xb, p, is_min, nt)
        elif par and p.nout >= nt:
            for o in prange(p.nout, num_threads=nt, schedule="static"):
                _arg_line(ib, vb, xb, p, is_min, o)
        else:
            for o in range(p.nout):
                _arg_line(ib, vb, xb, p, is_min, o)
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
            _arg_rows(ib, vb, xb, p, is_min, job // nblk, (job % nblk) * B, B)
    else:
        for job in range(jobs):
            _arg_rows(ib, vb, xb, p, is_min, job // nblk, (job % nblk) * B, B)


def arg_reduce(bint is_min, values, indices, inp, int dim, int nthreads=1):
    """values/indices = first max (min) of inp along `dim` (size > 0) and its position.

    values (inp's dtype) or indices (int64) may be None; both, when given, are contiguous with
    inp's rank and a size-1 `dim`. This method modifies `values` and `indices`.
    """
    cdef Plan p
    cdef int code = inp.dtype.code
    ref = values if values is not None else indices
    if values is not None and indices is not None and values._stride != indices._stride:
        raise ValueError("values and indices must share strides")
    make_plan(&p, inp._shape, inp._stride, ref._stride, {dim})
    if p.nout == 0:
        return
    # the reduced dim stays a dim of its own (even of size 1) so indices count along it
    p.nr = 1
    p.rs[0] = inp._shape[dim]
    p.ris[0] = inp._stride[dim]
    cdef char* ib = data_ptr(inp)
    cdef char* vb = data_ptr(values) if values is not None else NULL
    cdef int64_t* xb = <int64_t*>data_ptr(indices) if indices is not None else NULL
    if nthreads > MAXT:
        nthreads = MAXT
    with nogil:
        if code == D_F32:
            _arg_t(<const float*>ib, <float*>vb, xb, &p, is_min, nthreads)
        elif code == D_F64:
            _arg_t(<const double*>ib, <double*>vb, xb, &p, is_min, nthreads)
        elif code == D_I64:
            _arg_t(<const int64_t*>ib, <int64_t*>vb, xb, &p, is_min, nthreads)
        elif code == D_I32:
            _arg_t(<const int32_t*>ib, <int32_t*>vb, xb, &p, is_min, nthreads)
        elif code == D_I16:
            _arg_t(<const int16_t*>ib, <int16_t*>vb, xb, &p, is_min, nthreads)
        elif code == D_I8:
            _arg_t(<const int8_t*>ib, <int8_t*>vb, xb, &p, is_min, nthreads)
        else:
            _arg_t(<const uint8_t*>ib, <uint8_t*>vb, xb, &p, is_min, nthreads)
