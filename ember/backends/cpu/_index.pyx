"""Indexing kernels for the CPU: gather/scatter through an index, index checks, nonzero, masked
select/scatter (binary search is in _search.pyx).

The core is one strided engine over three operands of the same shape: W (written), R (read) and I
(int64 index). In gather mode ``W[i] = R[i + I[i] * stride]``; in scatter mode
``W[i + I[i] * stride] (op)= R[i]``. The ops layer reaches every indexing op through it by
"restriding": the indexed dimension of the source/destination gets stride 0 and the index supplies
the offset (PyTorch's AdvancedIndex scheme), so gather, scatter, index_select, index_add, index_put,
take and put all share these loops.

Scatter mode must stay deterministic with duplicate indices: dims where W has stride 0 are exactly
the dims whose positions may collide, so those run serially in row-major order while the others
(each of which writes distinct elements) run in parallel.

None of these loops checks bounds: callers run ``index_check`` first (the ops layer does).
"""
from cython.parallel cimport prange
from libc.stdint cimport (int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t,
                          INT64_MAX, INT64_MIN)
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy
from ember.backends.cpu._storage cimport Storage

cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    /* IEEE half <-> float, round to nearest even (as NumPy and PyTorch do). */
    static inline float ember_h2f(uint16_t h) {
        uint32_t sign = ((uint32_t)h & 0x8000u) << 16;
        uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu, x;
        if (e == 0) {
            if (m == 0) {
                x = sign;
            } else {
                e = 113;
                while (!(m & 0x400u)) { m <<= 1; e--; }
                x = sign | (e << 23) | ((m & 0x3ffu) << 13);
            }
        } else if (e == 31) {
            x = sign | 0x7f800000u | (m << 13);
        } else {
            x = sign | ((e + 112) << 23) | (m << 13);
        }
        float f; memcpy(&f, &x, 4); return f;
    }
    static inline uint16_t ember_f2h(float f) {
        uint32_t x; memcpy(&x, &f, 4);
        uint32_t sign = (x >> 16) & 0x8000u, a = x & 0x7fffffffu, q, rem;
        if (a >= 0x7f800000u) return (uint16_t)(sign | 0x7c00u | (a > 0x7f800000u ? 0x200u : 0u));
        if (a >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);
        if (a < 0x38800000u) {
            if (a < 0x33000000u) return (uint16_t)sign;
            uint32_t e = a >> 23, m = (a & 0x7fffffu) | 0x800000u, s = 126 - e;
            q = m >> s; rem = m & ((1u << s) - 1u);
            uint32_t half = 1u << (s - 1);
            if (rem > half || (rem == half && (q & 1u))) q++;
            return (uint16_t)(sign | q);
        }
        a -= 0x38000000u;
        q = a >> 13; rem = a & 0x1fffu;
        if (rem > 0x1000u || (rem == 0x1000u && (q & 1u))) q++;
        return (uint16_t)(sign | q);
    }
    static inline float ember_bf2f(uint16_t b) {
        uint32_t u = (uint32_t)b << 16; float f; memcpy(&f, &u, 4); return f;
    }
    static inline uint16_t ember_f2bf(float f) {
        uint32_t u; memcpy(&u, &f, 4);
        if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fc0u;
        u += 0x7fffu + ((u >> 16) & 1u);
        return (uint16_t)(u >> 16);
    }
    """
    float ember_h2f(uint16_t h) noexcept nogil
    uint16_t ember_f2h(float f) noexcept nogil
    float ember_bf2f(uint16_t b) noexcept nogil
    uint16_t ember_f2bf(float f) noexcept nogil

DEF MAXDIM = 64
DEF CH = 2048                         # elements of one parallel work unit along the inner dim
cdef Py_ssize_t PAR_MIN = 1 << 15     # below this many elements one thread does it all

# reduce ops of the scatter mode
cdef enum:
    OP_COPY, OP_ADD, OP_MUL, OP_MAX, OP_MIN
OPS = {None: OP_COPY, "add": OP_ADD, "multiply": OP_MUL, "amax": OP_MAX, "amin": OP_MIN}

# dtype codes (ember/dtypes.py)
cdef enum:
    D_BOOL, D_U8, D_I8, D_I16, D_I32, D_I64, D_F16, D_BF16, D_F32, D_F64

ctypedef fused cpy_t:
    uint8_t
    uint16_t
    uint32_t
    uint64_t

ctypedef fused num_t:
    uint8_t
    int8_t
    int16_t
    int32_t
    int64_t
    float
    double


# ------------------------------------------------------------------------------------------------
# Geometry: up to three operands iterated over one shape (strides in bytes, broadcast -> 0)
cdef struct Geo:
    int nd
    int nops
    Py_ssize_t shape[MAXDIM]
    Py_ssize_t st[3][MAXDIM]
    char* base[3]


cdef Py_ssize_t _geo(Geo* g, tuple shape, list ops, bint coalesce,
                     bint drop_broadcast=False) except -1:
    """Fill `g` for `ops` broadcast to `shape`; return the element count.

    coalesce: drop size-1 dims and merge dims contiguous for every operand. drop_broadcast (one
    operand only): also drop dims of stride 0, so each distinct element is visited once.
    """
    cdef int nd = len(shape), k, d, e, od, w = 0
    cdef Py_ssize_t total = 1, isz
    cdef Storage s
    cdef tuple osh, ost
    cdef bint merge
    if nd > MAXDIM:
        raise RuntimeError(f"tensors with more than {MAXDIM} dimensions are not supported")
    g.nops = len(ops)
    for d in range(nd):
        g.shape[d] = shape[d]
        total *= g.shape[d]
    for k in range(g.nops):
        t = ops[k]
        s = t._storage
        isz = t.dtype.itemsize
        g.base[k] = s.data + <Py_ssize_t>t._offset * isz
        osh = t._shape
        ost = t._stride
        od = len(osh)
        for d in range(nd):
            e = d - (nd - od)
            if e < 0 or <Py_ssize_t>osh[e] == 1:
                g.st[k][d] = 0
            else:
                g.st[k][d] = <Py_ssize_t>ost[e] * isz
    if drop_broadcast:
        for d in range(nd):
            if g.st[0][d] == 0:
                g.shape[d] = 1
    if coalesce:
        for d in range(nd):
            if g.shape[d] == 1:
                continue
            if w > 0:
                merge = True
                for k in range(g.nops):
                    if g.st[k][w - 1] != g.st[k][d] * g.shape[d]:
                        merge = False
                        break
                if merge:
                    g.shape[w - 1] *= g.shape[d]
                    for k in range(g.nops):
                        g.st[k][w - 1] = g.st[k][d]
                    continue
            g.shape[w] = g.shape[d]
            for k in range(g.nops):
                g.st[k][w] = g.st[k][d]
            w += 1
        nd = w
    if nd == 0:
        nd = 1
        g.shape[0] = 1
        for k in range(g.nops):
            g.st[k][0] = 0
    g.nd = nd
    if drop_broadcast:
        total = 1
        for d in range(nd):
            total *= g.shape[d]
    return total


# A cursor over a flat row-major range of a Geo, advanced one inner row at a time.
cdef struct Walk:
    Py_ssize_t idx[MAXDIM]
    char* p[3]


cdef void _walk_start(const Geo* g, Walk* w, Py_ssize_t start) noexcept nogil:
    cdef int d, k
    cdef Py_ssize_t rem = start
    for d in range(g.nd - 1, -1, -1):
        w.idx[d] = rem % g.shape[d]
        rem = rem // g.shape[d]
    for k in range(g.nops):
        w.p[k] = g.base[k]
        for d in range(g.nd):
            w.p[k] += w.idx[d] * g.st[k][d]


cdef inline Py_ssize_t _walk_row(const Geo* g, const Walk* w, Py_ssize_t left) noexcept nogil:
    """Elements left in the current inner row, capped at `left`."""
    cdef Py_ssize_t n = g.shape[g.nd - 1] - w.idx[g.nd - 1]
    return n if n < left else left


cdef void _walk_advance(const Geo* g, Walk* w, Py_ssize_t n) noexcept nogil:
    cdef int d = g.nd - 1, k
    w.idx[d] += n
    for k in range(g.nops):
        w.p[k] += n * g.st[k][d]
    while d > 0 and w.idx[d] >= g.shape[d]:
        for k in range(g.nops):
            w.p[k] -= w.idx[d] * g.st[k][d]
        w.idx[d] = 0
        d -= 1
        w.idx[d] += 1
        for k in range(g.nops):
            w.p[k] += g.st[k][d]


cdef int _threads(Py_ssize_t work, int nthreads, Py_ssize_t units) noexcept nogil:
    if work < PAR_MIN or nthreads < 1:
        return 1
    if nthreads > units:
        return <int>units if units > 0 else 1
    return nthreads


# ------------------------------------------------------------------------------------------------
# The gather/scatter engine
cdef struct Eng:
    Geo g
    int mode                  # 0 gather (offset on R), 1 scatter (offset on W)
    int op
    int kind                  # itemsize (copies) or dtype code (arithmetic)
    int64_t size              # negative indices wrap by this
    Py_ssize_t stride         # bytes per index step
    int npd                   # outer dims iterated in parallel
    int pd[MAXDIM]
    int nzd                   # outer dims iterated serially (W stride 0)
    int zd[MAXDIM]
    Py_ssize_t runlen
    Py_ssize_t nchunks
    Py_ssize_t nunits
    Py_ssize_t zcount


cdef inline int64_t _ld_idx(const char* ip, int64_t size) noexcept nogil:
    cdef int64_t v = (<const int64_t*>ip)[0]
    return v + size if v < 0 else v


cdef void _gather_run(cpy_t* _t, char* w, Py_ssize_t ws, const char* r, Py_ssize_t rs,
                      const char* ip, Py_ssize_t ist, Py_ssize_t n, int64_t size,
                      Py_ssize_t stride) noexcept nogil:
    cdef Py_ssize_t i
    if ist == 0:              # one index for the whole run: a (strided) copy
        r = r + _ld_idx(ip, size) * stride
        if ws == sizeof(cpy_t) and rs == sizeof(cpy_t):
            memcpy(w, r, n * sizeof(cpy_t))
        else:
            for i in range(n):
                (<cpy_t*>(w + i * ws))[0] = (<const cpy_t*>(r + i * rs))[0]
    else:
        for i in range(n):
            (<cpy_t*>(w + i * ws))[0] = \
                (<const cpy_t*>(r + i * rs + _ld_idx(ip + i * ist, size) * stride))[0]


cdef void _scatter_copy_run(cpy_t* _t, char* w, Py_ssize_t ws, const char* r, Py_ssize_t rs,
                            const char* ip, Py_ssize_t ist, Py_ssize_t n, int64_t size,
                            Py_ssize_t stride) noexcept nogil:
    cdef Py_ssize_t i
    if ist == 0 and ws == sizeof(cpy_t) and rs == sizeof(cpy_t):
        memcpy(w + _ld_idx(ip, size) * stride, r, n * sizeof(cpy_t))
        return
    for i in range(n):
        (<cpy_t*>(w + i * ws + _ld_idx(ip + i * ist, size) * stride))[0] = \
            (<const cpy_t*>(r + i * rs))[0]


cdef void _scatter_num_run(num_t* _t, int op, char* w, Py_ssize_t ws, const char* r, Py_ssize_t rs,
                           const char* ip, Py_ssize_t ist, Py_ssize_t n, int64_t size,
                           Py_ssize_t stride) noexcept nogil:
    cdef Py_ssize_t i
    cdef num_t* d
    cdef num_t s
    cdef const num_t* src
    if op == OP_ADD and ist == 0 and ws == sizeof(num_t) and rs == sizeof(num_t):
        d = <num_t*>(w + _ld_idx(ip, size) * stride)       # one target row: a vector add
        src = <const num_t*>r
        for i in range(n):
            d[i] = d[i] + src[i]
    elif op == OP_ADD:
        for i in range(n):
            d = <num_t*>(w + i * ws + _ld_idx(ip + i * ist, size) * stride)
            d[0] = d[0] + (<const num_t*>(r + i * rs))[0]
    elif op == OP_MUL:
        for i in range(n):
            d = <num_t*>(w + i * ws + _ld_idx(ip + i * ist, size) * stride)
            d[0] = d[0] * (<const num_t*>(r + i * rs))[0]
    elif op == OP_MAX:        # a NaN source wins; a NaN already there stays (PyTorch's rule)
        for i in range(n):
            d = <num_t*>(w + i * ws + _ld_idx(ip + i * ist, size) * stride)
            s = (<const num_t*>(r + i * rs))[0]
            if num_t is float or num_t is double:
                if s > d[0] or s != s:
                    d[0] = s
            elif s > d[0]:
                d[0] = s
    elif op == OP_MIN:
        for i in range(n):
            d = <num_t*>(w + i * ws + _ld_idx(ip + i * ist, size) * stride)
            s = (<const num_t*>(r + i * rs))[0]
            if num_t is float or num_t is double:
                if s < d[0] or s != s:
                    d[0] = s
            elif s < d[0]:
                d[0] = s


cdef inline float _ldh(bint bf, uint16_t v) noexcept nogil:
    return ember_bf2f(v) if bf else ember_h2f(v)


cdef inline uint16_t _sth(bint bf, float v) noexcept nogil:
    return ember_f2bf(v) if bf else ember_f2h(v)


cdef void _scatter_half_run(bint bf, int op, char* w, Py_ssize_t ws, const char* r, Py_ssize_t rs,
                            const char* ip, Py_ssize_t ist, Py_ssize_t n, int64_t size,
                            Py_ssize_t stride) noexcept nogil:
    """Half types compute in float32 and round once per update, as PyTorch does."""
    cdef Py_ssize_t i
    cdef uint16_t* d
    cdef float s, x
    for i in range(n):
        d = <uint16_t*>(w + i * ws + _ld_idx(ip + i * ist, size) * stride)
        s = _ldh(bf, (<const uint16_t*>(r + i * rs))[0])
        x = _ldh(bf, d[0])
        if op == OP_ADD:
            x = x + s
        elif op == OP_MUL:
            x = x * s
        elif op == OP_MAX:
            if s > x or s != s:
                x = s
        elif op == OP_MIN:
            if s < x or s != s:
                x = s
        d[0] = _sth(bf, x)


cdef void _eng_run(const Eng* e, char* w, const char* r, const char* ip,
                   Py_ssize_t n) noexcept nogil:
    cdef int last = e.g.nd - 1, kd = e.kind
    cdef Py_ssize_t ws = e.g.st[0][last], rs = e.g.st[1][last], ist = e.g.st[2][last]
    cdef int64_t sz = e.size
    cdef Py_ssize_t sd = e.stride
    if e.mode == 0:
        if kd == 1: _gather_run(<uint8_t*>NULL, w, ws, r, rs, ip, ist, n, sz, sd)
        elif kd == 2: _gather_run(<uint16_t*>NULL, w, ws, r, rs, ip, ist, n, sz, sd)
        elif kd == 4: _gather_run(<uint32_t*>NULL, w, ws, r, rs, ip, ist, n, sz, sd)
        else: _gather_run(<uint64_t*>NULL, w, ws, r, rs, ip, ist, n, sz, sd)
    elif e.op == OP_COPY:
        if kd == 1: _scatter_copy_run(<uint8_t*>NULL, w, ws, r, rs, ip, ist, n, sz, sd)
        elif kd == 2: _scatter_copy_run(<uint16_t*>NULL, w, ws, r, rs, ip, ist, n, sz, sd)
        elif kd == 4: _scatter_copy_run(<uint32_t*>NULL, w, ws, r, rs, ip, ist, n, sz, sd)
        else: _scatter_copy_run(<uint64_t*>NULL, w, ws, r, rs, ip, ist, n, sz, sd)
    else:
        if kd == D_BOOL or kd == D_U8:
            _scatter_num_run(<uint8_t*>NULL, e.op, w, ws, r, rs, ip, ist, n, sz, sd)
        elif kd == D_I8: _scatter_num_run(<int8_t*>NULL, e.op, w, ws, r, rs, ip, ist, n, sz, sd)
        elif kd == D_I16: _scatter_num_run(<int16_t*>NULL, e.op, w, ws, r, rs, ip, ist, n, sz, sd)
        elif kd == D_I32: _scatter_num_run(<int32_t*>NULL, e.op, w, ws, r, rs, ip, ist, n, sz, sd)
        elif kd == D_I64: _scatter_num_run(<int64_t*>NULL, e.op, w, ws, r, rs, ip, ist, n, sz, sd)
        elif kd == D_F32: _scatter_num_run(<float*>NULL, e.op, w, ws, r, rs, ip, ist, n, sz, sd)
        elif kd == D_F64: _scatter_num_run(<double*>NULL, e.op, w, ws, r, rs, ip, ist, n, sz, sd)
        elif kd == D_F16: _scatter_half_run(False, e.op, w, ws, r, rs, ip, ist, n, sz, sd)
        elif kd == D_BF16: _scatter_half_run(True, e.op, w, ws, r, rs, ip, ist, n, sz, sd)


cdef void _eng_unit(const Eng* e, Py_ssize_t u) noexcept nogil:
    """One work unit: a chunk of the inner dim at one position of the parallel outer dims, swept
    over every position of the serial (W-stride-0) dims in row-major order."""
    cdef int last = e.g.nd - 1, j, k, d
    cdef Py_ssize_t pu = u // e.nchunks, l0 = (u - pu * e.nchunks) * e.runlen
    cdef Py_ssize_t n = e.g.shape[last] - l0, rem, c, t
    cdef char* p[3]
    cdef Py_ssize_t zi[MAXDIM]
    if n > e.runlen:
        n = e.runlen
    for k in range(3):
        p[k] = e.g.base[k] + l0 * e.g.st[k][last]
    rem = pu
    for j in range(e.npd - 1, -1, -1):
        d = e.pd[j]
        c = rem % e.g.shape[d]
        rem = rem // e.g.shape[d]
        for k in range(3):
            p[k] += c * e.g.st[k][d]
    for j in range(e.nzd):
        zi[j] = 0
    for t in range(e.zcount):
        _eng_run(e, p[0], p[1], p[2], n)
        j = e.nzd - 1
        while j >= 0:
            d = e.zd[j]
            zi[j] += 1
            for k in range(3):
                p[k] += e.g.st[k][d]
            if zi[j] < e.g.shape[d]:
                break
            for k in range(3):
                p[k] -= zi[j] * e.g.st[k][d]
            zi[j] = 0
            j -= 1


def engine(int mode, int op, int kind, w, r, index, int64_t size, Py_ssize_t stride, int nthreads):
    """Gather (mode 0: w[i] = r[i + index[i]*stride]) or scatter (mode 1: w[i + index[i]*stride]
    op= r[i]) over w's shape; r and index broadcast to it. `stride` is in elements; negative
    index values wrap by `size`. Indices must have been checked (index_check)."""
    cdef Eng e
    cdef Py_ssize_t total = _geo(&e.g, w._shape, [w, r, index], True), u, prod = 1
    cdef int d, last, nt
    if total == 0:
        return
    e.mode = mode
    e.op = op
    e.kind = kind
    e.size = size
    e.stride = stride * (r.dtype.itemsize if mode == 0 else w.dtype.itemsize)
    last = e.g.nd - 1
    e.npd = 0
    e.nzd = 0
    for d in range(last):
        if mode == 1 and e.g.st[0][d] == 0:
            e.zd[e.nzd] = d
            e.nzd += 1
        else:
            e.pd[e.npd] = d
            e.npd += 1
            prod *= e.g.shape[d]
    e.zcount = 1
    for d in range(e.nzd):
        e.zcount *= e.g.shape[e.zd[d]]
    if mode == 1 and e.g.st[0][last] == 0:      # the inner dim collides too: keep it whole
        e.runlen = e.g.shape[last]
        e.nchunks = 1
    else:
        e.runlen = CH if e.g.shape[last] > CH else e.g.shape[last]
        e.nchunks = (e.g.shape[last] + e.runlen - 1) // e.runlen
    e.nunits = prod * e.nchunks
    nt = _threads(total, nthreads, e.nunits)
    with nogil:
        if nt <= 1:
            for u in range(e.nunits):
                _eng_unit(&e, u)
        else:
            for u in prange(e.nunits, num_threads=nt, schedule="static"):
                _eng_unit(&e, u)


# ------------------------------------------------------------------------------------------------
# Index checks and linearisation
cdef void _minmax_range(const Geo* g, Py_ssize_t lo, Py_ssize_t hi, int64_t* mn,
                        int64_t* mx) noexcept nogil:
    cdef Walk w
    cdef Py_ssize_t n, i, s = g.st[0][g.nd - 1]
    cdef int64_t v, a = mn[0], b = mx[0]
    _walk_start(g, &w, lo)
    while lo < hi:
        n = _walk_row(g, &w, hi - lo)
        for i in range(n):
            v = (<const int64_t*>(w.p[0] + i * s))[0]
            if v < a:
                a = v
            if v > b:
                b = v
        lo += n
        _walk_advance(g, &w, n)
    mn[0] = a
    mx[0] = b


def index_check(index, int64_t low, int64_t high, int nthreads):
    """None when every value of the int64 `index` lies in [low, high), else the first that does
    not (row-major order)."""
    cdef Geo g
    cdef Py_ssize_t total = _geo(&g, index._shape, [index], True, True), nch, chunk, c, lo, hi, i, n
    cdef int nt
    cdef int64_t* mins
    cdef int64_t* maxs
    cdef int64_t a = 0, b = -1, v
    cdef Walk w
    if index.numel() == 0:
        return None
    nt = _threads(total, nthreads, total)
    nch = nt * 4 if nt > 1 else 1
    chunk = (total + nch - 1) // nch
    mins = <int64_t*>malloc(nch * sizeof(int64_t))
    maxs = <int64_t*>malloc(nch * sizeof(int64_t))
    if mins == NULL or maxs == NULL:
        free(mins)
        free(maxs)
        raise MemoryError()
    with nogil:
        for c in prange(nch, num_threads=nt, schedule="static"):
            mins[c] = INT64_MAX
            maxs[c] = INT64_MIN
            lo = c * chunk
            hi = lo + chunk
            if hi > total:
                hi = total
            if lo < hi:
                _minmax_range(&g, lo, hi, &mins[c], &maxs[c])
        a = mins[0]
        b = maxs[0]
        for c in range(1, nch):
            if mins[c] < a:
                a = mins[c]
            if maxs[c] > b:
                b = maxs[c]
    free(mins)
    free(maxs)
    if a >= low and b < high:
        return None
    lo = 0                                  # out of range somewhere: find the first one
    _walk_start(&g, &w, 0)
    while lo < total:
        n = _walk_row(&g, &w, total - lo)
        for i in range(n):
            v = (<const int64_t*>(w.p[0] + i * g.st[0][g.nd - 1]))[0]
            if v < low or v >= high:
                return v
        lo += n
        _walk_advance(&g, &w, n)
    return None


cdef void _linearize_range(const Geo* g, Py_ssize_t lo, Py_ssize_t hi, int64_t size,
                           int64_t stride, bint accumulate) noexcept nogil:
    cdef Walk w
    cdef Py_ssize_t n, i, so = g.st[0][g.nd - 1], si = g.st[1][g.nd - 1]
    cdef int64_t v
    cdef int64_t* o
    _walk_start(g, &w, lo)
    while lo < hi:
        n = _walk_row(g, &w, hi - lo)
        for i in range(n):
            v = (<const int64_t*>(w.p[1] + i * si))[0]
            if v < 0:
                v += size
            o = <int64_t*>(w.p[0] + i * so)
            o[0] = o[0] + v * stride if accumulate else v * stride
        lo += n
        _walk_advance(g, &w, n)


def linearize(out, index, int64_t size, int64_t stride, bint accumulate, int nthreads):
    """out (int64) = [out +] wrap(index) * stride, index broadcast to out's shape."""
    cdef Geo g
    cdef Py_ssize_t total = _geo(&g, out._shape, [out, index], True), c, chunk, lo, hi
    cdef int nt = _threads(total, nthreads, total)
    if total == 0:
        return
    chunk = (total + nt - 1) // nt
    with nogil:
        for c in prange(nt, num_threads=nt, schedule="static"):
            lo = c * chunk
            hi = lo + chunk
            if hi > total:
                hi = total
            if lo < hi:
                _linearize_range(&g, lo, hi, size, stride, accumulate)


# ------------------------------------------------------------------------------------------------
# Counting nonzeros, nonzero coordinates, masked select / scatter (order-preserving compaction:
# per-chunk counts, a prefix sum, then each chunk writes its own slice of the output)
cdef enum:
    NZ_U8, NZ_U16, NZ_HALF, NZ_U32, NZ_F32, NZ_U64, NZ_F64


cdef int _nz_kind(int dt) noexcept nogil:
    if dt == D_BOOL or dt == D_U8 or dt == D_I8:
        return NZ_U8
    if dt == D_I16:
        return NZ_U16
    if dt == D_F16 or dt == D_BF16:
        return NZ_HALF
    if dt == D_I32:
        return NZ_U32
    if dt == D_F32:
        return NZ_F32
    if dt == D_I64:
        return NZ_U64
    return NZ_F64


cdef inline bint _is_nz(int kind, const char* p) noexcept nogil:
    if kind == NZ_U8:
        return (<const uint8_t*>p)[0] != 0
    if kind == NZ_U16:
        return (<const uint16_t*>p)[0] != 0
    if kind == NZ_HALF:                     # +-0 is zero, everything else (NaN too) is not
        return ((<const uint16_t*>p)[0] & 0x7fff) != 0
    if kind == NZ_U32:
        return (<const uint32_t*>p)[0] != 0
    if kind == NZ_F32:
        return (<const float*>p)[0] != 0
    if kind == NZ_U64:
        return (<const uint64_t*>p)[0] != 0
    return (<const double*>p)[0] != 0


cdef Py_ssize_t _count_range(const Geo* g, int op, int kind, Py_ssize_t lo,
                             Py_ssize_t hi) noexcept nogil:
    """Nonzeros of operand `op` in [lo, hi)."""
    cdef Walk w
    cdef Py_ssize_t n, i, s = g.st[op][g.nd - 1], cnt = 0
    _walk_start(g, &w, lo)
    while lo < hi:
        n = _walk_row(g, &w, hi - lo)
        if kind == NZ_U8:                   # the common case (bool masks): a tight loop
            for i in range(n):
                cnt += (<const uint8_t*>(w.p[op] + i * s))[0] != 0
        else:
            for i in range(n):
                cnt += _is_nz(kind, w.p[op] + i * s)
        lo += n
        _walk_advance(g, &w, n)
    return cnt


cdef Py_ssize_t* _chunk_counts(const Geo* g, int op, int kind, Py_ssize_t total, int nt,
                               Py_ssize_t nch, Py_ssize_t chunk) except NULL:
    """Exclusive prefix sums of per-chunk nonzero counts (nch + 1 entries, the last the total)."""
    cdef Py_ssize_t* cnt = <Py_ssize_t*>malloc((nch + 1) * sizeof(Py_ssize_t))
    cdef Py_ssize_t c, lo, hi, acc = 0, x
    if cnt == NULL:
        raise MemoryError()
    with nogil:
        for c in prange(nch, num_threads=nt, schedule="static"):
            lo = c * chunk
            hi = lo + chunk
            if hi > total:
                hi = total
            cnt[c] = _count_range(g, op, kind, lo, hi) if lo < hi else 0
        for c in range(nch):
            x = cnt[c]
            cnt[c] = acc
            acc += x
        cnt[nch] = acc
    return cnt


def count_nonzero(t, int nthreads):
    """The number of nonzero elements of `t` (any shape, strides, dtype)."""
    cdef Geo g
    cdef Py_ssize_t total = _geo(&g, t._shape, [t], True), nch, chunk, r
    cdef int nt = _threads(total, nthreads, total)
    cdef Py_ssize_t* cnt
    if t.numel() == 0:
        return 0
    nch = nt
    chunk = (total + nch - 1) // nch
    cnt = _chunk_counts(&g, 0, _nz_kind(t.dtype.code), total, nt, nch, chunk)
    r = cnt[nch]
    free(cnt)
    return r


cdef void _nonzero_range(const Geo* g, int kind, Py_ssize_t lo, Py_ssize_t hi, char* out,
                         Py_ssize_t os0, Py_ssize_t os1) noexcept nogil:
    cdef Walk w
    cdef Py_ssize_t n, i, s = g.st[0][g.nd - 1]
    cdef int d, last = g.nd - 1
    _walk_start(g, &w, lo)
    while lo < hi:
        n = _walk_row(g, &w, hi - lo)
        for i in range(n):
            if _is_nz(kind, w.p[0] + i * s):
                for d in range(last):
                    (<int64_t*>(out + d * os1))[0] = w.idx[d]
                (<int64_t*>(out + last * os1))[0] = w.idx[last] + i
                out += os0
        lo += n
        _walk_advance(g, &w, n)


def nonzero(out, t, int nthreads):
    """Fill out (n, t.dim()) int64 with the coordinates of t's nonzeros in row-major order."""
    cdef Geo g
    cdef Py_ssize_t total = _geo(&g, t._shape, [t], False), nch, chunk, c, lo, hi
    cdef int nt = _threads(total, nthreads, total), kind = _nz_kind(t.dtype.code)
    cdef Py_ssize_t* cnt
    cdef Storage s = out._storage
    cdef char* ob = s.data + <Py_ssize_t>out._offset * 8
    cdef Py_ssize_t os0 = <Py_ssize_t>out._stride[0] * 8, os1 = <Py_ssize_t>out._stride[1] * 8
    if t.numel() == 0 or len(t._shape) == 0:
        return
    nch = nt
    chunk = (total + nch - 1) // nch
    cnt = _chunk_counts(&g, 0, kind, total, nt, nch, chunk)
    with nogil:
        for c in prange(nch, num_threads=nt, schedule="static"):
            lo = c * chunk
            hi = lo + chunk
            if hi > total:
                hi = total
            if lo < hi:
                _nonzero_range(&g, kind, lo, hi, ob + cnt[c] * os0, os0, os1)
    free(cnt)


cdef void _mselect_range(const Geo* g, Py_ssize_t isz, Py_ssize_t lo, Py_ssize_t hi,
                         char* out) noexcept nogil:
    cdef Walk w
    cdef Py_ssize_t n, i, ss = g.st[0][g.nd - 1], ms = g.st[1][g.nd - 1]
    _walk_start(g, &w, lo)
    while lo < hi:
        n = _walk_row(g, &w, hi - lo)
        for i in range(n):
            if (<const uint8_t*>(w.p[1] + i * ms))[0]:
                if isz == 4:
                    (<uint32_t*>out)[0] = (<const uint32_t*>(w.p[0] + i * ss))[0]
                elif isz == 8:
                    (<uint64_t*>out)[0] = (<const uint64_t*>(w.p[0] + i * ss))[0]
                elif isz == 2:
                    (<uint16_t*>out)[0] = (<const uint16_t*>(w.p[0] + i * ss))[0]
                else:
                    out[0] = w.p[0][i * ss]
                out += isz
        lo += n
        _walk_advance(g, &w, n)


def masked_select(out, src, mask, int nthreads):
    """out (contiguous 1-D) = src's elements where mask (same shape) is true, in row-major order."""
    cdef Geo g
    cdef Py_ssize_t total = _geo(&g, src._shape, [src, mask], True), nch, chunk, c, lo, hi
    cdef int nt = _threads(total, nthreads, total)
    cdef Py_ssize_t isz = src.dtype.itemsize
    cdef Py_ssize_t* cnt
    cdef Storage s = out._storage
    cdef char* ob = s.data + <Py_ssize_t>out._offset * isz
    if total == 0 or out.numel() == 0:
        return
    nch = nt
    chunk = (total + nch - 1) // nch
    cnt = _chunk_counts(&g, 1, NZ_U8, total, nt, nch, chunk)
    with nogil:
        for c in prange(nch, num_threads=nt, schedule="static"):
            lo = c * chunk
            hi = lo + chunk
            if hi > total:
                hi = total
            if lo < hi:
                _mselect_range(&g, isz, lo, hi, ob + cnt[c] * isz)
    free(cnt)


cdef void _mscatter_range(const Geo* g, Py_ssize_t isz, Py_ssize_t lo, Py_ssize_t hi,
                          const char* src) noexcept nogil:
    cdef Walk w
    cdef Py_ssize_t n, i, ds = g.st[0][g.nd - 1], ms = g.st[1][g.nd - 1]
    _walk_start(g, &w, lo)
    while lo < hi:
        n = _walk_row(g, &w, hi - lo)
        for i in range(n):
            if (<const uint8_t*>(w.p[1] + i * ms))[0]:
                if isz == 4:
                    (<uint32_t*>(w.p[0] + i * ds))[0] = (<const uint32_t*>src)[0]
                elif isz == 8:
                    (<uint64_t*>(w.p[0] + i * ds))[0] = (<const uint64_t*>src)[0]
                elif isz == 2:
                    (<uint16_t*>(w.p[0] + i * ds))[0] = (<const uint16_t*>src)[0]
                else:
                    w.p[0][i * ds] = src[0]
                src += isz
        lo += n
        _walk_advance(g, &w, n)


def masked_scatter(dst, mask, source, int nthreads):
    """dst's elements where mask (same shape) is true get source's (contiguous) elements in order;
    source must hold at least as many elements as mask has true values."""
    cdef Geo g
    cdef Py_ssize_t total = _geo(&g, dst._shape, [dst, mask], True), nch, chunk, c, lo, hi
    cdef int nt = _threads(total, nthreads, total)
    cdef Py_ssize_t isz = dst.dtype.itemsize
    cdef Py_ssize_t* cnt
    cdef Storage s = source._storage
    cdef char* sb = s.data + <Py_ssize_t>source._offset * isz
    if total == 0:
        return
    nch = nt
    chunk = (total + nch - 1) // nch
    cnt = _chunk_counts(&g, 1, NZ_U8, total, nt, nch, chunk)
    with nogil:
        for c in prange(nch, num_threads=nt, schedule="static"):
            lo = c * chunk
            hi = lo + chunk
            if hi > total:
                hi = total
            if lo < hi:
                _mscatter_range(&g, isz, lo, hi, sb + cnt[c] * isz)
    free(cnt)
