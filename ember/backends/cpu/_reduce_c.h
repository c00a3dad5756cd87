/* Inner loops of Ember's reductions, scans and softmax (used by _reduce.pyx and _scan.pyx).

   Cython cannot emit `#pragma omp simd`, and without it gcc will not reassociate floating-point
   sums, so every reduction over a contiguous run lives here. Each loop has a contiguous branch
   (vectorized) and a strided one. Floating results accumulate in double (float32 sums add short
   float32 blocks first, see er_sum_f32), integers in int64. */
#ifndef EMBER_REDUCE_C_H
#define EMBER_REDUCE_C_H
#include "_ember_c.h"

/* Reduction op codes, shared with the Cython drivers. */
enum { ER_SUM, ER_PROD, ER_MAX, ER_MIN, ER_NANSUM, ER_SUMABS, ER_SUMSQ, ER_MAXABS, ER_MINABS,
       ER_COUNTNZ };

typedef double ember_v8d __attribute__((vector_size(64)));
typedef float ember_v8f __attribute__((vector_size(32)));

typedef float ember_v16f __attribute__((vector_size(64)));

/* float32 sum: blocks of 2048 are summed in float32 by 64 lanes (four independent accumulators:
   one would be bound by the add latency), each lane adding only 32 numbers; the block totals
   are added in double. As accurate as NumPy's pairwise sum, and as fast as the loads. */
static inline double er_sum_f32(const float* a, int64_t n) {
    double tot = 0;
    int64_t i = 0;
    while (i < n) {
        int64_t e = n - i > 2048 ? i + 2048 : n;
        ember_v16f s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
        for (; i + 64 <= e; i += 64) {
            ember_v16f t0, t1, t2, t3;
            memcpy(&t0, a + i, 64); memcpy(&t1, a + i + 16, 64);
            memcpy(&t2, a + i + 32, 64); memcpy(&t3, a + i + 48, 64);
            s0 += t0; s1 += t1; s2 += t2; s3 += t3;
        }
        s0 = (s0 + s1) + (s2 + s3);
        ember_v8f lo, hi;
        memcpy(&lo, &s0, 32);
        memcpy(&hi, (const char*)&s0 + 32, 32);
        ember_v8d d = __builtin_convertvector(lo, ember_v8d) + __builtin_convertvector(hi, ember_v8d);
        for (int j = 0; j < 8; j++) tot += d[j];
        for (; i < e; i++) tot += (double)a[i];
    }
    return tot;
}

static inline double er_sum_f64(const double* a, int64_t n) {
    ember_v8d s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        ember_v8d t0, t1, t2, t3;
        memcpy(&t0, a + i, 64); memcpy(&t1, a + i + 8, 64);
        memcpy(&t2, a + i + 16, 64); memcpy(&t3, a + i + 24, 64);
        s0 += t0; s1 += t1; s2 += t2; s3 += t3;
    }
    s0 = (s0 + s1) + (s2 + s3);
    double s = 0;
    for (int j = 0; j < 8; j++) s += s0[j];
    for (; i < n; i++) s += a[i];
    return s;
}

/* One loop over a run of n elements with stride st; STMT sees the element as `x` (type XT). */
#define ER_LOOP_T(XT, CLAUSE, STMT)                                                    \
    if (st == 1) {                                                                     \
        _Pragma(CLAUSE) for (i = 0; i < n; i++) { XT x = (XT)a[i]; STMT; }             \
    } else {                                                                           \
        for (i = 0; i < n; i++) { XT x = (XT)a[i * st]; STMT; }                        \
    }
#define ER_LOOP(CLAUSE, STMT) ER_LOOP_T(acc_t, CLAUSE, STMT)

/* Floating types: acc is double; max/min propagate NaN. */
#define ER_DEFINE_FLOAT(SFX, T, FASTSUM)                                                   \
static inline double ember_red_##SFX(int op, const T* a, int64_t n, int64_t st) {          \
    typedef double acc_t;                                                                  \
    int64_t i;                                                                             \
    acc_t s = 0, m;                                                                        \
    int nan = 0;                                                                           \
    switch (op) {                                                                          \
    case ER_SUM:                                                                           \
        if (st == 1) return FASTSUM(a, n);                                                 \
        for (i = 0; i < n; i++) s += (acc_t)a[i * st];                                     \
        return s;                                                                          \
    case ER_NANSUM: ER_LOOP("omp simd reduction(+:s)", s += (x == x) ? x : 0) return s;    \
    case ER_SUMABS: ER_LOOP("omp simd reduction(+:s)", s += fabs(x)) return s;             \
    case ER_SUMSQ: ER_LOOP("omp simd reduction(+:s)", s += x * x) return s;                \
    case ER_COUNTNZ: ER_LOOP("omp simd reduction(+:s)", s += (x != 0)) return s;           \
    case ER_PROD:                                                                          \
        s = 1;                                                                             \
        ER_LOOP("omp simd reduction(*:s)", s *= x) return s;                               \
    case ER_MAX: { /* compared in T: exact, and twice the lanes of double */          \
        T mt = -INFINITY;                                                                  \
        ER_LOOP_T(T, "omp simd reduction(max:mt) reduction(|:nan)", mt = x > mt ? x : mt; nan |= x != x) \
        return nan ? NAN : (acc_t)mt; }                                                    \
    case ER_MIN: {                                                                         \
        T mt = INFINITY;                                                                   \
        ER_LOOP_T(T, "omp simd reduction(min:mt) reduction(|:nan)", mt = x < mt ? x : mt; nan |= x != x) \
        return nan ? NAN : (acc_t)mt; }                                                    \
    case ER_MAXABS:                                                                        \
        m = 0;                                                                             \
        ER_LOOP("omp simd reduction(max:m) reduction(|:nan)", x = fabs(x); m = x > m ? x : m; nan |= x != x) \
        return nan ? NAN : m;                                                              \
    case ER_MINABS:                                                                        \
        m = INFINITY;                                                                      \
        ER_LOOP("omp simd reduction(min:m) reduction(|:nan)", x = fabs(x); m = x < m ? x : m; nan |= x != x) \
        return nan ? NAN : m;                                                              \
    }                                                                                      \
    return 0;                                                                              \
}

/* Integer types (and bool as uint8): acc is int64 (sums wrap like PyTorch's int64). */
#define ER_DEFINE_INT(SFX, T)                                                              \
static inline int64_t ember_red_##SFX(int op, const T* a, int64_t n, int64_t st) {         \
    typedef int64_t acc_t;                                                                 \
    int64_t i;                                                                             \
    acc_t s = 0, m;                                                                        \
    switch (op) {                                                                          \
    case ER_SUM: case ER_NANSUM: ER_LOOP("omp simd reduction(+:s)", s += x) return s;      \
    case ER_SUMABS: ER_LOOP("omp simd reduction(+:s)", s += x < 0 ? -x : x) return s;      \
    case ER_SUMSQ: ER_LOOP("omp simd reduction(+:s)", s += x * x) return s;                \
    case ER_COUNTNZ: ER_LOOP("omp simd reduction(+:s)", s += (x != 0)) return s;           \
    case ER_PROD:                                                                          \
        s = 1;                                                                             \
        ER_LOOP("omp simd reduction(*:s)", s *= x) return s;                               \
    case ER_MAX:                                                                           \
        m = INT64_MIN;                                                                     \
        ER_LOOP("omp simd reduction(max:m)", m = x > m ? x : m) return m;                  \
    case ER_MIN:                                                                           \
        m = INT64_MAX;                                                                     \
        ER_LOOP("omp simd reduction(min:m)", m = x < m ? x : m) return m;                  \
    case ER_MAXABS:                                                                        \
        m = 0;                                                                             \
        ER_LOOP("omp simd reduction(max:m)", x = x < 0 ? -x : x; m = x > m ? x : m) return m; \
    case ER_MINABS:                                                                        \
        m = INT64_MAX;                                                                     \
        ER_LOOP("omp simd reduction(min:m)", x = x < 0 ? -x : x; m = x < m ? x : m) return m; \
    }                                                                                      \
    return 0;                                                                              \
}

ER_DEFINE_FLOAT(f32, float, er_sum_f32)
ER_DEFINE_FLOAT(f64, double, er_sum_f64)
ER_DEFINE_INT(u8, uint8_t)
ER_DEFINE_INT(i8, int8_t)
ER_DEFINE_INT(i16, int16_t)
ER_DEFINE_INT(i32, int32_t)
ER_DEFINE_INT(i64, int64_t)

/* Index of the first maximum (is_min: minimum) of a run; a NaN wins over every number and the
   first NaN is returned, as PyTorch's argmax. One vectorized pass finds the first block holding
   the extreme value (blocks in order, strictly better only), then that block is searched. */
#define ER_ARGBLK 256
#define ER_DEFINE_ARG(SFX, T, ACC)                                                         \
static inline int64_t ember_arg_##SFX(const T* a, int64_t n, int64_t st, int is_min) {     \
    int64_t b0, bb = 0, i, len;                                                            \
    ACC best = 0, m;                                                                       \
    int nanb = 0;                                                                          \
    for (b0 = 0; b0 < n; b0 += ER_ARGBLK) {                                                \
        len = n - b0 < ER_ARGBLK ? n - b0 : ER_ARGBLK;                                     \
        m = ember_red_##SFX(is_min ? ER_MIN : ER_MAX, a + b0 * st, len, st);               \
        if (__builtin_isnan((double)m)) { bb = b0; nanb = 1; break; }                      \
        if (b0 == 0 || (is_min ? m < best : m > best)) { best = m; bb = b0; }              \
    }                                                                                      \
    len = n - bb < ER_ARGBLK ? n - bb : ER_ARGBLK;                                         \
    for (i = bb; i < bb + len; i++) {                                                      \
        ACC x = (ACC)a[i * st];                                                            \
        if (nanb ? __builtin_isnan((double)x) : x == best) return i;                       \
    }                                                                                      \
    return bb;                                                                             \
}
ER_DEFINE_ARG(f32, float, double)
ER_DEFINE_ARG(f64, double, double)
ER_DEFINE_ARG(u8, uint8_t, int64_t)
ER_DEFINE_ARG(i8, int8_t, int64_t)
ER_DEFINE_ARG(i16, int16_t, int64_t)
ER_DEFINE_ARG(i32, int32_t, int64_t)
ER_DEFINE_ARG(i64, int64_t, int64_t)

/* Fused, numerically stable softmax / log_softmax of one contiguous row (y may equal x). */
#define ER_DEFINE_SOFTMAX(SFX, T, EXP, LOG)                                                \
static inline void ember_softmax_##SFX(const T* x, T* y, int64_t n, int logsm) {           \
    int64_t i;                                                                             \
    T m = -INFINITY, s = 0;                                                                \
    int nan = 0;                                                                           \
    _Pragma("omp simd reduction(max:m) reduction(|:nan)")                                  \
    for (i = 0; i < n; i++) { m = x[i] > m ? x[i] : m; nan |= x[i] != x[i]; }              \
    if (nan) m = NAN;                                                                      \
    if (logsm) {                                                                           \
        _Pragma("omp simd reduction(+:s)")                                                 \
        for (i = 0; i < n; i++) s += EXP(x[i] - m);                                        \
        T c = LOG(s);  /* (x - m) - log s: adding m to log s first would round it away */  \
        _Pragma("omp simd")                                                                \
        for (i = 0; i < n; i++) y[i] = (x[i] - m) - c;                                     \
    } else {                                                                               \
        _Pragma("omp simd reduction(+:s)")                                                 \
        for (i = 0; i < n; i++) { T e = EXP(x[i] - m); y[i] = e; s += e; }                 \
        T r = 1 / s;                                                                       \
        _Pragma("omp simd")                                                                \
        for (i = 0; i < n; i++) y[i] *= r;                                                 \
    }                                                                                      \
}
ER_DEFINE_SOFTMAX(f32, float, expf, logf)
ER_DEFINE_SOFTMAX(f64, double, exp, log)

#endif
