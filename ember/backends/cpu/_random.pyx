# distutils: extra_compile_args = -ffp-contract=off
"""Philox 4x32-10 fills for the CPU: a direct transcription of the spec in ember/random.py.

Every element is a pure function of (key, offset, element index), so a fill is split into block
ranges across OpenMP threads and gives the same numbers for any thread count. Each thread walks
its range in chunks of CH blocks: Philox lane-wise over the chunk (vectorizable), the transform
into a small double/int64 buffer, then one store loop per output dtype.

Reproducibility notes (why the build and the code look like this):
- compiled with -ffp-contract=off: a*b+c must be two roundings, as the spec (and an OpenCL kernel
  under `#pragma OPENCL FP_CONTRACT OFF`) computes it;
- the loops call scalar libm only (this module does not include _ember_c.h, whose `omp declare
  simd` declarations would let gcc swap in libmvec variants whose results differ in the last bit
  and would then depend on where a vector loop's remainder falls, i.e. on the thread split).
"""
from cython.parallel cimport prange
from libc.math cimport log, log1p, sqrt, cos, sin, tan, exp, floor, lgamma, fabs, isnan, isinf
from libc.string cimport memcpy
from libc.stdint cimport (int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t,
                          uint64_t, uintptr_t, INT64_MIN, INT64_MAX)

cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    #ifdef _OPENMP
    #include <omp.h>
    static int rnd_max_threads(void) { return omp_get_max_threads(); }
    #else
    static int rnd_max_threads(void) { return 1; }
    #endif

    /* Philox4x32-10 (Salmon et al., SC'11; Random123 philox4x32 with R = 10). */
    static inline void rnd_philox(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                                  uint32_t k0, uint32_t k1, uint32_t* o) {
        for (int r = 0; r < 10; r++) {
            if (r) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
            uint64_t p0 = (uint64_t)0xD2511F53u * c0;
            uint64_t p1 = (uint64_t)0xCD9E8D57u * c2;
            uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
            uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
            c0 = n0; c1 = (uint32_t)p1; c2 = n2; c3 = (uint32_t)p0;
        }
        o[0] = c0; o[1] = c1; o[2] = c2; o[3] = c3;
    }

    /* Blocks ctr0 .. ctr0+nb-1 (nb <= 64, counter high half 0) into w[4b + j]. The same rounds
       as rnd_philox, written lane-wise (structure of arrays) so gcc vectorizes them. */
    static inline void rnd_philox_blocks(uint64_t ctr0, int nb, uint32_t k0, uint32_t k1,
                                         uint32_t* w) {
        uint32_t c0[64], c1[64], c2[64], c3[64];
        for (int b = 0; b < nb; b++) {
            uint64_t c = ctr0 + (uint64_t)b;
            c0[b] = (uint32_t)c; c1[b] = (uint32_t)(c >> 32); c2[b] = 0; c3[b] = 0;
        }
        for (int r = 0; r < 10; r++) {
            uint32_t kk0 = k0 + (uint32_t)r * 0x9E3779B9u, kk1 = k1 + (uint32_t)r * 0xBB67AE85u;
            for (int b = 0; b < nb; b++) {
                uint64_t p0 = (uint64_t)0xD2511F53u * c0[b];
                uint64_t p1 = (uint64_t)0xCD9E8D57u * c2[b];
                uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1[b] ^ kk0;
                uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3[b] ^ kk1;
                c1[b] = (uint32_t)p1; c3[b] = (uint32_t)p0; c0[b] = n0; c2[b] = n2;
            }
        }
        for (int b = 0; b < nb; b++) {
            w[4 * b] = c0[b]; w[4 * b + 1] = c1[b]; w[4 * b + 2] = c2[b]; w[4 * b + 3] = c3[b];
        }
    }

    /* float32 -> IEEE half, round to nearest even (overflow -> inf, NaN stays NaN). */
    static inline uint16_t rnd_f32_to_f16(float f) {
        uint32_t x; memcpy(&x, &f, 4);
        uint32_t sign = (x >> 16) & 0x8000u, ax = x & 0x7fffffffu;
        if (ax >= 0x7f800000u) return (uint16_t)(sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u : 0u));
        if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);
        if (ax < 0x38800000u) {                         /* half subnormal or zero */
            if (ax < 0x33000000u) return (uint16_t)sign;
            uint32_t m = (ax & 0x7fffffu) | 0x800000u;
            int s = 126 - (int)(ax >> 23);
            uint32_t q = m >> s, rem = m & ((1u << s) - 1u), half = 1u << (s - 1);
            if (rem > half || (rem == half && (q & 1u))) q++;
            return (uint16_t)(sign | q);
        }
        uint32_t r = ax - 0x38000000u;
        r = r + 0xfffu + ((r >> 13) & 1u);
        return (uint16_t)(sign | (r >> 13));
    }

    static inline float rnd_f16_to_f32(uint16_t h) {
        uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu, x;
        if (e == 0x1f) x = sign | 0x7f800000u | (m << 13);
        else if (e) x = sign | ((e + 112u) << 23) | (m << 13);
        else if (!m) x = sign;
        else {
            e = 113u;
            while (!(m & 0x400u)) { m <<= 1; e--; }
            x = sign | (e << 23) | ((m & 0x3ffu) << 13);
        }
        float f; memcpy(&f, &x, 4); return f;
    }

    /* float32 -> bfloat16, round to nearest even (NaN -> quiet NaN). */
    static inline uint16_t rnd_f32_to_bf16(float f) {
        uint32_t x; memcpy(&x, &f, 4);
        if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)(((x >> 16) & 0x8000u) | 0x7fc0u);
        return (uint16_t)((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
    }

    static inline float rnd_bf16_to_f32(uint16_t b) {
        uint32_t x = (uint32_t)b << 16; float f; memcpy(&f, &x, 4); return f;
    }
    """
    int rnd_max_threads() nogil
    void rnd_philox(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1,
                    uint32_t* o) nogil
    void rnd_philox_blocks(uint64_t ctr0, int nb, uint32_t k0, uint32_t k1, uint32_t* w) nogil
    uint16_t rnd_f32_to_f16(float f) nogil
    float rnd_f16_to_f32(uint16_t h) nogil
    uint16_t rnd_f32_to_bf16(float f) nogil
    float rnd_bf16_to_f32(uint16_t b) nogil

# dtype codes (ember/dtypes.py)
cdef enum:
    D_BOOL, D_U8, D_I8, D_I16, D_I32, D_I64, D_F16, D_BF16, D_F32, D_F64

# distribution codes; the names are the spec's (ember/random.py, DIST)
cdef enum:
    UNIFORM, NORMAL, LOG_NORMAL, EXPONENTIAL, CAUCHY, GEOMETRIC, RANDOM, BERNOULLI, BERNOULLI_T, POISSON

DIST = dict(uniform=UNIFORM, normal=NORMAL, log_normal=LOG_NORMAL, exponential=EXPONENTIAL,
            cauchy=CAUCHY, geometric=GEOMETRIC, random=RANDOM, bernoulli=BERNOULLI,
            bernoulli_tensor=BERNOULLI_T, poisson=POISSON)

# random_check modes
cdef enum:
    CHK_PROB, CHK_NONNEG, CHK_MULTINOMIAL, CHK_MULTINOMIAL_NOREP

CHECK = dict(prob=CHK_PROB, nonneg=CHK_NONNEG, multinomial=CHK_MULTINOMIAL,
             multinomial_norep=CHK_MULTINOMIAL_NOREP)

DEF CH = 64                           # blocks per inner chunk (256 words on the stack)
cdef int64_t PAR_MIN = 1 << 13        # blocks below which one thread does it all
cdef double TWO_POW_M24 = 5.9604644775390625e-08     # 2^-24
cdef double TWO_POW_M53 = 1.1102230246251565e-16     # 2^-53
cdef double TWO_PI = 6.283185307179586               # the double nearest 2*pi
cdef double PI = 3.141592653589793
cdef int POISSON_MAX_ROUNDS = 256
cdef int POISSON_MAX_K = 1000


cdef struct Fill:
    int dist
    int dt
    int wide            # 1: two words per uniform (U53), 0: one word (U24)
    int ubits           # uniform into float16/bfloat16: keep the top ubits bits (11 / 8)
    char* out
    int64_t n
    uint32_t k0
    uint32_t k1
    uint64_t off
    double p0
    double p1
    uint64_t rng
    int64_t base
    const double* src


# ------------------------------------------------------------------------------------------------
# conversions (spec: "Words to uniforms", "Rounding to the output dtype")
cdef inline double _u24(uint32_t x) noexcept nogil:
    return <double>(x >> 8) * TWO_POW_M24


cdef inline uint64_t _u64(uint32_t lo, uint32_t hi) noexcept nogil:
    return (<uint64_t>hi << 32) | lo


cdef inline double _u53(uint32_t lo, uint32_t hi) noexcept nogil:
    return <double>(_u64(lo, hi) >> 11) * TWO_POW_M53


cdef inline double _rounded(int dt, double v) noexcept nogil:
    """v rounded to dtype `dt` and back to double."""
    if dt == D_F32:
        return <double><float>v
    if dt == D_F16:
        return <double>rnd_f16_to_f32(rnd_f32_to_f16(<float>v))
    if dt == D_BF16:
        return <double>rnd_bf16_to_f32(rnd_f32_to_bf16(<float>v))
    return v


cdef inline void _store_i(int dt, char* out, int64_t i, int64_t v) noexcept nogil:
    if dt == D_I64:
        (<int64_t*>out)[i] = v
    elif dt == D_I32:
        (<int32_t*>out)[i] = <int32_t>v
    elif dt == D_I16:
        (<int16_t*>out)[i] = <int16_t>v
    elif dt == D_I8:
        (<int8_t*>out)[i] = <int8_t>v
    elif dt == D_U8:
        (<uint8_t*>out)[i] = <uint8_t>v
    elif dt == D_BOOL:
        (<uint8_t*>out)[i] = v != 0
    else:
        _store_d(dt, out, i, <double>v)


cdef inline int64_t _to_int(int dt, double v) noexcept nogil:
    """An integral double clamped into dtype `dt`'s range (NaN -> 0)."""
    cdef double hi, lo
    if isnan(v):
        return 0
    if dt == D_I64:
        hi = 9.223372036854775807e18
    elif dt == D_I32:
        hi = 2147483647.0
    elif dt == D_I16:
        hi = 32767.0
    elif dt == D_I8:
        hi = 127.0
    elif dt == D_U8:
        hi = 255.0
    else:
        hi = 1.0
    if v >= hi:
        return INT64_MAX if dt == D_I64 else <int64_t>hi
    if dt == D_U8 or dt == D_BOOL:
        lo = 0.0
    else:
        lo = -hi - 1.0
    if v <= lo:
        return INT64_MIN if dt == D_I64 else <int64_t>lo
    return <int64_t>v


cdef inline void _store_d(int dt, char* out, int64_t i, double v) noexcept nogil:
    if dt == D_F32:
        (<float*>out)[i] = <float>v
    elif dt == D_F64:
        (<double*>out)[i] = v
    elif dt == D_F16:
        (<uint16_t*>out)[i] = rnd_f32_to_f16(<float>v)
    elif dt == D_BF16:
        (<uint16_t*>out)[i] = rnd_f32_to_bf16(<float>v)
    else:
        _store_i(dt, out, i, _to_int(dt, v))


# ------------------------------------------------------------------------------------------------
# stores: one loop per dtype (the switch is outside the loop, so the loops vectorize)
cdef void _store_doubles(int dt, char* out, int64_t e0, int64_t m, const double* v) noexcept nogil:
    cdef int64_t k
    cdef float* of
    cdef double* od
    cdef uint16_t* oh
    if dt == D_F32:
        of = <float*>out + e0
        for k in range(m):
            of[k] = <float>v[k]
    elif dt == D_F64:
        od = <double*>out + e0
        for k in range(m):
            od[k] = v[k]
    elif dt == D_F16:
        oh = <uint16_t*>out + e0
        for k in range(m):
            oh[k] = rnd_f32_to_f16(<float>v[k])
    elif dt == D_BF16:
        oh = <uint16_t*>out + e0
        for k in range(m):
            oh[k] = rnd_f32_to_bf16(<float>v[k])
    else:
        for k in range(m):
            _store_i(dt, out, e0 + k, _to_int(dt, v[k]))


cdef void _store_ints(int dt, char* out, int64_t e0, int64_t m, const int64_t* v) noexcept nogil:
    cdef int64_t k
    cdef double* od
    cdef float* of
    cdef int32_t* oi
    cdef uint8_t* ob
    if dt == D_I64:
        memcpy(<int64_t*>out + e0, v, m * sizeof(int64_t))
    elif dt == D_I32:
        oi = <int32_t*>out + e0
        for k in range(m):
            oi[k] = <int32_t>v[k]
    elif dt == D_BOOL:
        ob = <uint8_t*>out + e0
        for k in range(m):
            ob[k] = v[k] != 0
    elif dt == D_F32:
        of = <float*>out + e0
        for k in range(m):
            of[k] = <float><double>v[k]
    elif dt == D_F64:
        od = <double*>out + e0
        for k in range(m):
            od[k] = <double>v[k]
    else:
        for k in range(m):
            _store_i(dt, out, e0 + k, v[k])


# ------------------------------------------------------------------------------------------------
# the block-range worker
cdef void _transform(Fill* f, const uint32_t* w, int64_t e0, int64_t e1) noexcept nogil:
    """Elements e0 .. e1-1 from the words `w` (w[0] is word wpe*e0 of the call)."""
    cdef double vals[4 * CH]
    cdef int64_t ivals[4 * CH]
    cdef int64_t k, m = e1 - e0
    cdef double u, v, r, th, lp, lo = f.p0, span = f.p1 - f.p0, hi = f.p1
    cdef double scale
    cdef uint64_t x
    cdef int dist = f.dist, sh
    cdef bint logn
    if dist == UNIFORM:
        if f.ubits:
            sh = 32 - f.ubits
            scale = 1.0 / <double>(1 << f.ubits)
            for k in range(m):
                vals[k] = lo + (<double>(w[k] >> sh) * scale) * span
        elif f.wide:
            for k in range(m):
                vals[k] = lo + _u53(w[2 * k], w[2 * k + 1]) * span
        else:
            for k in range(m):
                vals[k] = lo + _u24(w[k]) * span
        # only rounding can reach `to`; such values become `from`
        if f.dt == D_F64:
            for k in range(m):
                if vals[k] >= hi:
                    vals[k] = lo
        elif f.dt == D_F32:
            for k in range(m):
                if <double><float>vals[k] >= hi:
                    vals[k] = lo
        else:
            for k in range(m):
                if _rounded(f.dt, vals[k]) >= hi:
                    vals[k] = lo
        _store_doubles(f.dt, f.out, e0, m, vals)
    elif dist == NORMAL or dist == LOG_NORMAL:
        logn = dist == LOG_NORMAL
        k = 0
        while k < m:                  # e0 is even: k, k+1 are a Box-Muller pair
            if f.wide:
                u = _u53(w[2 * k], w[2 * k + 1])
                th = TWO_PI * _u53(w[2 * k + 2], w[2 * k + 3])
            else:
                u = _u24(w[k])
                th = TWO_PI * _u24(w[k + 1])
            r = sqrt(-2.0 * log(1.0 - u))
            vals[k] = f.p0 + f.p1 * (r * cos(th))
            if k + 1 < m:
                vals[k + 1] = f.p0 + f.p1 * (r * sin(th))
            k += 2
        if logn:
            for k in range(m):
                vals[k] = exp(vals[k])
        _store_doubles(f.dt, f.out, e0, m, vals)
    elif dist == EXPONENTIAL or dist == CAUCHY or dist == GEOMETRIC:
        if f.wide:
            for k in range(m):
                vals[k] = _u53(w[2 * k], w[2 * k + 1])
        else:
            for k in range(m):
                vals[k] = _u24(w[k])
        if dist == EXPONENTIAL:
            for k in range(m):
                vals[k] = -log1p(-vals[k]) / f.p0
        elif dist == CAUCHY:
            for k in range(m):
                vals[k] = f.p0 + f.p1 * tan(PI * (vals[k] - 0.5))
        else:
            lp = log1p(-f.p0)
            for k in range(m):
                vals[k] = 1.0 + floor(log(1.0 - vals[k]) / lp)
        _store_doubles(f.dt, f.out, e0, m, vals)
    elif dist == RANDOM:
        if f.rng:
            for k in range(m):
                ivals[k] = <int64_t>(<uint64_t>f.base + _u64(w[2 * k], w[2 * k + 1]) % f.rng)
        else:
            for k in range(m):
                ivals[k] = <int64_t>(<uint64_t>f.base + _u64(w[2 * k], w[2 * k + 1]))
        _store_ints(f.dt, f.out, e0, m, ivals)
    elif dist == BERNOULLI:
        for k in range(m):
            ivals[k] = _u53(w[2 * k], w[2 * k + 1]) < f.p0
        _store_ints(f.dt, f.out, e0, m, ivals)
    elif dist == BERNOULLI_T:
        for k in range(m):
            ivals[k] = _u53(w[2 * k], w[2 * k + 1]) < f.src[e0 + k]
        _store_ints(f.dt, f.out, e0, m, ivals)


cdef int _epb(Fill* f) noexcept nogil:
    """Elements per Philox block."""
    return 2 if f.wide else 4


cdef void _fill_range(Fill* f, int64_t b0, int64_t b1) noexcept nogil:
    cdef uint32_t w[4 * CH]
    cdef int64_t cb = b0, ce, e1
    cdef int epb = _epb(f)
    while cb < b1:
        ce = cb + CH
        if ce > b1:
            ce = b1
        rnd_philox_blocks(f.off + <uint64_t>cb, <int>(ce - cb), f.k0, f.k1, w)
        e1 = ce * epb
        if e1 > f.n:
            e1 = f.n
        _transform(f, w, cb * epb, e1)
        cb = ce


# ------------------------------------------------------------------------------------------------
# Poisson: element i owns counters (lo64 = offset + i, hi64 = round)
cdef inline void _round_uv(Fill* f, int64_t i, uint64_t rnd, double* U, double* V) noexcept nogil:
    cdef uint32_t w[4]
    cdef uint64_t ctr = f.off + <uint64_t>i
    rnd_philox(<uint32_t>ctr, <uint32_t>(ctr >> 32), <uint32_t>rnd, <uint32_t>(rnd >> 32),
               f.k0, f.k1, w)
    U[0] = _u53(w[0], w[1])
    V[0] = _u53(w[2], w[3])


cdef double _poisson_one(Fill* f, int64_t i, double lam) noexcept nogil:
    cdef double U, V, p, F, slam, loglam, a, b, invalpha, vr, us
    cdef int64_t k
    cdef int rnd
    if lam == 0.0:
        return 0.0
    if isinf(lam):
        return lam
    if lam < 10.0:
        # inversion of the CDF with the round-0 U
        _round_uv(f, i, 0, &U, &V)
        k = 0
        p = exp(-lam)
        F = p
        while U >= F and k < POISSON_MAX_K:
            k += 1
            p = p * lam / <double>k
            F = F + p
        return <double>k
    # PTRS, transformed rejection with squeeze (Hoermann 1993); round r gives (U, V)
    slam = sqrt(lam)
    loglam = log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    for rnd in range(POISSON_MAX_ROUNDS):
        _round_uv(f, i, <uint64_t>rnd, &U, &V)
        U = U - 0.5
        us = 0.5 - fabs(U)
        if us <= 0.0:
            continue
        k = <int64_t>floor((2.0 * a / us + b) * U + lam + 0.43)
        if us >= 0.07 and V <= vr:
            return <double>k
        if k < 0 or (us < 0.013 and V > us):
            continue
        if (log(V) + log(invalpha) - log(a / (us * us) + b)) <= \
                (-lam + <double>k * loglam - lgamma(<double>k + 1.0)):
            return <double>k
    return floor(lam)


cdef void _poisson_range(Fill* f, int64_t e0, int64_t e1) noexcept nogil:
    cdef int64_t e
    for e in range(e0, e1):
        _store_d(f.dt, f.out, e, _poisson_one(f, e, f.src[e]))


# ------------------------------------------------------------------------------------------------
cdef void _run(Fill* f, int64_t nunits, int nt, bint poisson) noexcept nogil:
    """Split `nunits` (blocks, or elements for Poisson) into one contiguous range per thread."""
    cdef int t
    cdef int64_t chunk, lo, hi
    if nt < 1:
        nt = rnd_max_threads()
    if nunits < PAR_MIN or nt <= 1:
        if poisson:
            _poisson_range(f, 0, nunits)
        else:
            _fill_range(f, 0, nunits)
        return
    chunk = (nunits + nt - 1) // nt
    for t in prange(nt, num_threads=nt, schedule="static"):
        lo = t * chunk
        hi = lo + chunk
        if hi > nunits:
            hi = nunits
        if lo < hi:
            if poisson:
                _poisson_range(f, lo, hi)
            else:
                _fill_range(f, lo, hi)


def nblocks(int dist, bint wide, int64_t n):
    """Philox blocks a call of `dist` over `n` elements consumes (the generator's offset step)."""
    if n <= 0:
        return 0
    if dist == POISSON:
        return n
    if dist == NORMAL or dist == LOG_NORMAL:
        n = (n + 1) // 2 * 2
    return (n * (2 if wide else 1) + 3) // 4


def fill(int dist, int dt, uintptr_t addr, int64_t n, uint64_t seed, uint64_t offset, bint wide,
         double p0=0.0, double p1=0.0, uint64_t rng=0, int64_t base=0, int ubits=0,
         const double[::1] src=None, int nthreads=0):
    """Write `n` elements of distribution `dist` as dtype `dt` at address `addr` (contiguous).

    The caller guarantees `addr` holds n elements of dtype dt and `src` (bernoulli_tensor,
    poisson) holds n doubles.
    """
    cdef Fill f
    if n <= 0:
        return
    if (dist == BERNOULLI_T or dist == POISSON) and (src is None or src.shape[0] < n):
        raise ValueError("fill: this distribution needs `src` with n elements")
    f.dist = dist
    f.dt = dt
    f.wide = wide
    f.ubits = ubits
    f.out = <char*>addr
    f.n = n
    f.k0 = <uint32_t>seed
    f.k1 = <uint32_t>(seed >> 32)
    f.off = offset
    f.p0 = p0
    f.p1 = p1
    f.rng = rng
    f.base = base
    f.src = &src[0] if src is not None else NULL
    cdef int64_t nb = nblocks(dist, wide, n)
    with nogil:
        _run(&f, nb, nthreads, dist == POISSON)


def philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1):
    """One Philox4x32-10 block: the four output words for counter (c0..c3) and key (k0, k1)."""
    cdef uint32_t o[4]
    rnd_philox(c0, c1, c2, c3, k0, k1, o)
    return (o[0], o[1], o[2], o[3])


def f32_to_f16_bits(const float[::1] src, uint16_t[::1] dst):
    """The spec's float32 -> float16 rounding (exposed so tests can check it against NumPy)."""
    cdef Py_ssize_t i
    for i in range(src.shape[0]):
        dst[i] = rnd_f32_to_f16(src[i])


# ------------------------------------------------------------------------------------------------
def check(int mode, const double[:, ::1] p):
    """Validate probabilities/rates row by row; 0 when valid, else an error code.

    prob: 1 when some entry is outside [0, 1] or NaN. nonneg: 1 when some entry is < 0 or NaN.
    multinomial (with replacement, PyTorch's per-entry order): 1 entry < 0 or NaN, 2 entry
    infinite, 3 a row sums to <= 0. multinomial_norep: 1 entry inf/NaN/< 0, 3 a row sums to 0.
    """
    cdef Py_ssize_t r, c, R = p.shape[0], C = p.shape[1]
    cdef double v, s
    cdef int code = 0
    with nogil:
        for r in range(R):
            s = 0.0
            for c in range(C):
                v = p[r, c]
                if mode == CHK_PROB:
                    if not (v >= 0.0 and v <= 1.0):
                        code = 1
                elif mode == CHK_NONNEG:
                    if not (v >= 0.0):
                        code = 1
                elif mode == CHK_MULTINOMIAL:
                    if not (v >= 0.0):
                        code = 1
                    elif isinf(v):
                        code = 2
                else:
                    if not (v >= 0.0) or isinf(v):
                        code = 1
                if code:
                    break
                s = s + v
            if code:
                break
            if mode == CHK_MULTINOMIAL and not (s > 0.0):
                code = 3
            elif mode == CHK_MULTINOMIAL_NOREP and s == 0.0:
                code = 3
            if code:
                break
    return code


cdef void _mn_row(const double* p, const double* u, int64_t* out, double* cdf, Py_ssize_t C,
                  Py_ssize_t S) noexcept nogil:
    cdef Py_ssize_t c, j, lo, hi, mid
    cdef double s = 0.0, x
    for c in range(C):
        s = s + p[c]
        cdf[c] = s
    for c in range(C):
        cdf[c] = cdf[c] / s
    cdf[C - 1] = 1.0
    for j in range(S):
        x = u[j]
        lo = 0
        hi = C - 1
        while lo < hi:                 # first c with cdf[c] > x
            mid = lo + (hi - lo) // 2
            if cdf[mid] > x:
                hi = mid
            else:
                lo = mid + 1
        out[j] = lo


def multinomial_draw(const double[:, ::1] p, const double[:, ::1] u, int64_t[:, ::1] out,
                     int nthreads=0):
    """out[r, j] = the first category c whose normalised CDF of row r exceeds u[r, j]."""
    import numpy as np
    cdef Py_ssize_t R = p.shape[0], C = p.shape[1], S = u.shape[1], r
    if R == 0 or C == 0 or S == 0:
        return
    if u.shape[0] != R or out.shape[0] != R or out.shape[1] != S:
        raise ValueError("multinomial_draw: shape mismatch")
    cdef double[:, ::1] cdf = np.empty((R, C), dtype=np.float64)
    cdef const double* pp = &p[0, 0]
    cdef const double* up = &u[0, 0]
    cdef int64_t* op = &out[0, 0]
    cdef double* cp = &cdf[0, 0]
    cdef int nt = nthreads if nthreads > 0 else rnd_max_threads()
    if R * (C + S) < (1 << 15) or nt <= 1:
        nt = 1
    with nogil:
        for r in prange(R, num_threads=nt, schedule="static"):
            _mn_row(pp + r * C, up + r * S, op + r * S, cp + r * C, C, S)
