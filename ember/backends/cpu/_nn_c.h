/* Inner loops of Ember's normalization and loss kernels (driven by _nn.pyx).

   Cython cannot emit `#pragma omp simd`, and without it gcc will not reassociate floating-point
   sums, so every loop that reduces a contiguous run lives here. Each function is instantiated for
   float (suffix f32) and double (f64). Sums accumulate in double whatever T is: row statistics of
   float32 data then match a float64 reference to float32 rounding. */
#ifndef EMBER_NN_C_H
#define EMBER_NN_C_H
#include "_ember_c.h"

/* Reductions of a contiguous run: 4 independent 8-lane double accumulators, so the adds are not
   bound by their latency (one accumulator would be). LOAD8 converts 8 elements to doubles. */
typedef double en_v8d __attribute__((vector_size(64)));
typedef float en_v8f __attribute__((vector_size(32)));

static inline en_v8d en_load8_f32(const float* p) {
    en_v8f v;
    memcpy(&v, p, 32);
    return __builtin_convertvector(v, en_v8d);
}
static inline en_v8d en_load8_f64(const double* p) {
    en_v8d v;
    memcpy(&v, p, 64);
    return v;
}
static inline double en_hsum(en_v8d a, en_v8d b, en_v8d c, en_v8d d) {
    en_v8d v = (a + b) + (c + d);
    double s = 0;
    for (int j = 0; j < 8; j++) s += v[j];
    return s;
}

/* ACC(k) is the k-th 8-element block as doubles (x: X(i + 8k)); STEP one element's term. */
#define EN_RED4(T, SFX, n, TERM8, TERM1)                                                        \
    en_v8d a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};                                               \
    int64_t i = 0;                                                                               \
    for (; i + 32 <= n; i += 32) {                                                               \
        { int64_t o = i;      a0 += TERM8; }                                                     \
        { int64_t o = i + 8;  a1 += TERM8; }                                                     \
        { int64_t o = i + 16; a2 += TERM8; }                                                     \
        { int64_t o = i + 24; a3 += TERM8; }                                                     \
    }                                                                                            \
    double s = en_hsum(a0, a1, a2, a3);                                                          \
    for (; i < n; i++) s += TERM1;

#define EN_DEFINE(SFX, T, EXP, LOG)                                                              \
/* sum of a contiguous run */                                                                    \
static inline double en_sum_##SFX(const T* x, int64_t n) {                                       \
    EN_RED4(T, SFX, n, en_load8_##SFX(x + o), (double)x[i])                                      \
    return s;                                                                                    \
}                                                                                                \
/* sum of squared deviations from m (second pass of a two-pass variance) */                      \
static inline double en_sqdev_##SFX(const T* x, int64_t n, double m) {                           \
    EN_RED4(T, SFX, n, (en_load8_##SFX(x + o) - m) * (en_load8_##SFX(x + o) - m),               \
            ((double)x[i] - m) * ((double)x[i] - m))                                             \
    return s;                                                                                    \
}                                                                                                \
/* sum of g * (x - m) */                                                                         \
static inline double en_dotdev_##SFX(const T* g, const T* x, int64_t n, double m) {              \
    EN_RED4(T, SFX, n, en_load8_##SFX(g + o) * (en_load8_##SFX(x + o) - m),                     \
            (double)g[i] * ((double)x[i] - m))                                                   \
    return s;                                                                                    \
}                                                                                                \
/* y = (x - m) * r * w + b over a row (w, b may be NULL) */                                      \
static inline void en_norm_row_##SFX(const T* x, T* y, const T* w, const T* b, int64_t n,        \
                                     T m, T r) {                                                 \
    int64_t i;                                                                                   \
    if (w && b) {                                                                                \
        _Pragma("omp simd") for (i = 0; i < n; i++) y[i] = (x[i] - m) * r * w[i] + b[i];         \
    } else if (w) {                                                                              \
        _Pragma("omp simd") for (i = 0; i < n; i++) y[i] = (x[i] - m) * r * w[i];                \
    } else if (b) {                                                                              \
        _Pragma("omp simd") for (i = 0; i < n; i++) y[i] = (x[i] - m) * r + b[i];                \
    } else {                                                                                     \
        _Pragma("omp simd") for (i = 0; i < n; i++) y[i] = (x[i] - m) * r;                       \
    }                                                                                            \
}                                                                                                \
/* layer-norm backward of one row: gi = r * (g*w - mean(g*w) - xhat * mean(g*w*xhat));
   with gwa and gba both given, also gwa += g*xhat and gba += g */        \
static inline void en_ln_bwd_row_##SFX(const T* g, const T* x, const T* w, int64_t n, T m, T r,  \
                                       T* gi, double* gwa, double* gba) {                        \
    /* a = sum g*w, c = sum g*w*(x - m) (then times r: sum g*w*xhat), two accumulators each */   \
    en_v8d a0 = {0}, a1 = {0}, c0 = {0}, c1 = {0}, z = {0};                                      \
    int64_t i = 0;                                                                               \
    double md = m;                                                                               \
    for (; i + 16 <= n; i += 16) {                                                               \
        en_v8d g0 = en_load8_##SFX(g + i), g1 = en_load8_##SFX(g + i + 8);                       \
        if (w) { g0 *= en_load8_##SFX(w + i); g1 *= en_load8_##SFX(w + i + 8); }                 \
        a0 += g0; a1 += g1;                                                                      \
        c0 += g0 * (en_load8_##SFX(x + i) - md); c1 += g1 * (en_load8_##SFX(x + i + 8) - md);   \
    }                                                                                            \
    double a = en_hsum(a0, a1, z, z), c = en_hsum(c0, c1, z, z);                                 \
    for (; i < n; i++) {                                                                         \
        double gw = (double)g[i] * (w ? (double)w[i] : 1.0);                                     \
        a += gw; c += gw * ((double)x[i] - md);                                                  \
    }                                                                                            \
    c *= r;                                                                                      \
    T k1 = (T)(a / n), k2 = (T)(c / n);                                                          \
    if (gwa && gba) {                                                                            \
        /* the affine gradients ride along with the second sweep of the row */                   \
        _Pragma("omp simd")                                                                      \
        for (i = 0; i < n; i++) {                                                                \
            T xh = (x[i] - m) * r;                                                               \
            gi[i] = r * (g[i] * (w ? w[i] : (T)1) - k1 - xh * k2);                               \
            gwa[i] += (double)(g[i] * xh);                                                       \
            gba[i] += (double)g[i];                                                              \
        }                                                                                        \
    } else if (w) {                                                                              \
        _Pragma("omp simd")                                                                      \
        for (i = 0; i < n; i++) gi[i] = r * (g[i] * w[i] - k1 - (x[i] - m) * r * k2);            \
    } else {                                                                                     \
        _Pragma("omp simd")                                                                      \
        for (i = 0; i < n; i++) gi[i] = r * (g[i] - k1 - (x[i] - m) * r * k2);                   \
    }                                                                                            \
}                                                                                                \
/* accumulate the affine gradients of one row: gw[i] += g*xhat, gb[i] += g (either NULL) */      \
static inline void en_ln_acc_row_##SFX(const T* g, const T* x, int64_t n, T m, T r, double* gw,  \
                                       double* gb) {                                             \
    int64_t i;                                                                                   \
    if (gw) { _Pragma("omp simd") for (i = 0; i < n; i++) gw[i] += (double)(g[i] * ((x[i] - m) * r)); } \
    if (gb) { _Pragma("omp simd") for (i = 0; i < n; i++) gb[i] += (double)g[i]; }               \
}                                                                                                \
/* y = a * ka + b * kb + kc over a run (one channel; b may be NULL) */                           \
static inline void en_affine_run_##SFX(const T* a, const T* b, T* y, int64_t n, T ka, T kb,      \
                                       T kc) {                                                   \
    int64_t i;                                                                                   \
    if (b) { _Pragma("omp simd") for (i = 0; i < n; i++) y[i] = a[i] * ka + b[i] * kb + kc; }    \
    else { _Pragma("omp simd") for (i = 0; i < n; i++) y[i] = a[i] * ka + kc; }                  \
}                                                                                                \
/* the same over a row of channels (spatial size 1): per-channel coefficient vectors */          \
static inline void en_affine_row_##SFX(const T* a, const T* b, T* y, int64_t n, const T* ka,     \
                                       const T* kb, const T* kc) {                               \
    int64_t i;                                                                                   \
    if (b) { _Pragma("omp simd") for (i = 0; i < n; i++) y[i] = a[i] * ka[i] + b[i] * kb[i] + kc[i]; } \
    else { _Pragma("omp simd") for (i = 0; i < n; i++) y[i] = a[i] * ka[i] + kc[i]; }            \
}                                                                                                \
/* column accumulations over a row of channels (spatial size 1) */                               \
static inline void en_colsum_##SFX(const T* x, int64_t n, double* acc) {                         \
    _Pragma("omp simd") for (int64_t i = 0; i < n; i++) acc[i] += (double)x[i];                  \
}                                                                                                \
static inline void en_colsqdev_##SFX(const T* x, int64_t n, const double* m, double* acc) {      \
    _Pragma("omp simd")                                                                          \
    for (int64_t i = 0; i < n; i++) { double d = (double)x[i] - m[i]; acc[i] += d * d; }         \
}                                                                                                \
static inline void en_coldot_##SFX(const T* g, const T* x, int64_t n, const double* m,           \
                                   double* sg, double* sgx) {                                    \
    _Pragma("omp simd")                                                                          \
    for (int64_t i = 0; i < n; i++) { sg[i] += (double)g[i]; sgx[i] += (double)g[i] * ((double)x[i] - m[i]); } \
}                                                                                                \
/* log-sum-exp of C values with stride st (stable: the max is subtracted first) */               \
static inline double en_lse_##SFX(const T* x, int64_t C, int64_t st) {                           \
    int64_t i;                                                                                   \
    T m = -INFINITY;                                                                             \
    int nan = 0;                                                                                 \
    double s = 0;                                                                                \
    if (st == 1) {                                                                               \
        _Pragma("omp simd reduction(max:m) reduction(|:nan)")                                    \
        for (i = 0; i < C; i++) { m = x[i] > m ? x[i] : m; nan |= x[i] != x[i]; }                \
        if (nan) return NAN;                                                                     \
        if (m == INFINITY || m == -INFINITY) return (double)m;                                   \
        /* blocks of 512 summed in T across the vector lanes (each lane adds 32 terms <= 1),     \
           block totals in double: as accurate as a double sum, at the speed of T's exp */       \
        for (i = 0; i < C; i += 512) {                                                           \
            int64_t e = C - i < 512 ? C : i + 512;                                               \
            T bs = 0;                                                                            \
            _Pragma("omp simd reduction(+:bs)")                                                  \
            for (int64_t j = i; j < e; j++) bs += EXP(x[j] - m);                                 \
            s += (double)bs;                                                                     \
        }                                                                                        \
    } else {                                                                                     \
        for (i = 0; i < C; i++) { T v = x[i * st]; m = v > m ? v : m; nan |= v != v; }           \
        if (nan) return NAN;                                                                     \
        if (m == INFINITY || m == -INFINITY) return (double)m;                                   \
        for (i = 0; i < C; i++) s += (double)EXP(x[i * st] - m);                                 \
    }                                                                                            \
    return (double)m + log(s);                                                                   \
}                                                                                                \
/* sum of w[c] * x[c] (w may be NULL: plain sum) with stride st */                               \
static inline double en_wsum_##SFX(const T* x, const T* w, int64_t C, int64_t st) {              \
    int64_t i;                                                                                   \
    double s = 0;                                                                                \
    if (st == 1 && w) { _Pragma("omp simd reduction(+:s)") for (i = 0; i < C; i++) s += (double)x[i] * w[i]; } \
    else if (st == 1) { _Pragma("omp simd reduction(+:s)") for (i = 0; i < C; i++) s += (double)x[i]; } \
    else if (w) { for (i = 0; i < C; i++) s += (double)x[i * st] * w[i]; }                       \
    else { for (i = 0; i < C; i++) s += (double)x[i * st]; }                                     \
    return s;                                                                                    \
}                                                                                                \
/* cross-entropy gradient of one sample: gi[c] = go * (A * softmax(x)[c] - B * w[c]),            \
   with A = (1-ls)*wt + ls/C*wsum and B = ls/C; the target then gets -go*(1-ls)*wt */           \
static inline void en_ce_bwd_row_##SFX(const T* x, T* gi, const T* w, int64_t C, int64_t st,     \
                                       T lse, T a, T b) {                                        \
    int64_t i;                                                                                   \
    if (st == 1) {                                                                               \
        if (w && b != 0) { _Pragma("omp simd") for (i = 0; i < C; i++) gi[i] = a * EXP(x[i] - lse) - b * w[i]; } \
        else { _Pragma("omp simd") for (i = 0; i < C; i++) gi[i] = a * EXP(x[i] - lse) - b; }    \
    } else {                                                                                     \
        if (w && b != 0) { for (i = 0; i < C; i++) gi[i * st] = a * EXP(x[i * st] - lse) - b * w[i]; } \
        else { for (i = 0; i < C; i++) gi[i * st] = a * EXP(x[i * st] - lse) - b; }              \
    }                                                                                            \
}

EN_DEFINE(f32, float, expf, logf)
EN_DEFINE(f64, double, exp, log)

/* Mean and biased variance of a run. float32 data: one pass of sum and sum of squares in
   double (the cancellation in E[x^2] - E[x]^2 costs ~1e-16 (mean/std)^2, far below float32
   rounding); float64 data: two passes (sum, then squared deviations). */
static inline void en_moments_f32(const float* x, int64_t n, double* mean, double* var) {
    en_v8d s0 = {0}, s1 = {0}, q0 = {0}, q1 = {0};
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        en_v8d a = en_load8_f32(x + i), b = en_load8_f32(x + i + 8);
        s0 += a; s1 += b; q0 += a * a; q1 += b * b;
    }
    en_v8d z = {0};
    double s = en_hsum(s0, s1, z, z), q = en_hsum(q0, q1, z, z);
    for (; i < n; i++) { double v = x[i]; s += v; q += v * v; }
    double m = s / n, v = q / n - m * m;
    *mean = m;
    *var = v > 0 ? v : 0;
}
static inline void en_moments_f64(const double* x, int64_t n, double* mean, double* var) {
    double m = en_sum_f64(x, n) / n;
    *mean = m;
    *var = en_sqdev_f64(x, n, m) / n;
}

/* CTC, one batch element. lab[s] is the extended label sequence (blank, l1, blank, ..., blank) of
   length S, skip[s] = 1 where the s-2 -> s transition is allowed (s > 1, l'_s != l'_{s-2}).
   lp points at log_probs[0, b, 0] and advances by tst per frame. Rows of S states are updated
   with the three-way log-sum-exp vectorized across s (each row depends only on the previous). */
#define EN_CTC_DEFINE(SFX, T, EXP, LOG)                                                          \
static inline T en_lse3_##SFX(T a1, T a2, T a3) {                                                \
    T m = a1 > a2 ? a1 : a2;                                                                     \
    m = m > a3 ? m : a3;                                                                         \
    T mm = m == -INFINITY ? (T)0 : m;                                                            \
    return LOG(EXP(a1 - mm) + EXP(a2 - mm) + EXP(a3 - mm)) + mm;                                 \
}                                                                                                \
/* log alphas into la (Tb rows of stride Smax); returns -log p */                                \
static inline double en_ctc_alpha_##SFX(const T* lp, int64_t tst, const int64_t* lab,            \
                                        const unsigned char* skip, int64_t S, int64_t Tb,        \
                                        T* la, int64_t Smax) {                                   \
    la[0] = lp[lab[0]];                                                                          \
    if (S > 1) la[1] = lp[lab[1]];                                                               \
    for (int64_t t = 1; t < Tb; t++) {                                                           \
        const T* prev = la + (t - 1) * Smax;                                                     \
        T* cur = la + t * Smax;                                                                  \
        const T* lpt = lp + t * tst;                                                             \
        cur[0] = prev[0] + lpt[lab[0]];                                                          \
        if (S > 1) cur[1] = en_lse3_##SFX(prev[1], prev[0], -INFINITY) + lpt[lab[1]];            \
        _Pragma("omp simd")                                                                      \
        for (int64_t s = 2; s < S; s++)                                                          \
            cur[s] = en_lse3_##SFX(prev[s], prev[s - 1], skip[s] ? prev[s - 2] : (T)-INFINITY)   \
                     + lpt[lab[s]];                                                              \
    }                                                                                            \
    const T* last = la + (Tb - 1) * Smax;                                                        \
    if (S == 1) return -(double)last[0];                                                         \
    return -(double)en_lse3_##SFX(last[S - 1], last[S - 2], -INFINITY);                          \
}                                                                                                \
/* gradient rows gr[t * tst + c] (t < Tb) of g * nll w.r.t. lp, by the beta recursion;          \
   work: 3 * S + C elements of scratch */                                                        \
static inline void en_ctc_grad_##SFX(const T* lp, int64_t tst, const int64_t* lab,              \
                                     const unsigned char* skip, int64_t S, int64_t Tb, int64_t C,\
                                     const T* la, int64_t Smax, double nll, double g, T* gr,     \
                                     T* work) {                                                  \
    T* cur = work;                                                                               \
    T* next = work + S;                                                                          \
    T* ab = work + 2 * S;                                                                        \
    T* lin = work + 3 * S;                                                                       \
    for (int64_t t = Tb - 1; t >= 0; t--) {                                                      \
        const T* lpt = lp + t * tst;                                                             \
        if (t == Tb - 1) {                                                                       \
            for (int64_t s = 0; s < S; s++) cur[s] = s >= S - 2 ? lpt[lab[s]] : (T)-INFINITY;    \
        } else {                                                                                 \
            cur[S - 1] = next[S - 1] + lpt[lab[S - 1]];                                          \
            if (S > 1)                                                                           \
                cur[S - 2] = en_lse3_##SFX(next[S - 2], next[S - 1], -INFINITY) + lpt[lab[S - 2]]; \
            _Pragma("omp simd")                                                                  \
            for (int64_t s = 0; s < S - 2; s++)                                                  \
                cur[s] = en_lse3_##SFX(next[s], next[s + 1],                                     \
                                       skip[s + 2] ? next[s + 2] : (T)-INFINITY) + lpt[lab[s]];  \
        }                                                                                        \
        /* probability of the paths through (t, s), relative to the largest: then per class */  \
        const T* alt = la + t * Smax;                                                            \
        T M = -INFINITY;                                                                         \
        for (int64_t s = 0; s < S; s++) { ab[s] = alt[s] + cur[s]; M = ab[s] > M ? ab[s] : M; }  \
        T* grow = gr + t * tst;                                                                  \
        if (M == -INFINITY) {                                                                    \
            /* no path at all (an infinite loss): NaN gradients, as PyTorch */                   \
            for (int64_t c = 0; c < C; c++) grow[c] = (T)(-g * exp(-INFINITY + nll - lpt[c]));   \
        } else {                                                                                 \
            _Pragma("omp simd")                                                                  \
            for (int64_t s = 0; s < S; s++) ab[s] = EXP(ab[s] - M);                              \
            for (int64_t c = 0; c < C; c++) lin[c] = 0;                                          \
            for (int64_t s = 0; s < S; s++) lin[lab[s]] += ab[s];                                \
            double k = (double)M + nll;                                                          \
            for (int64_t c = 0; c < C; c++)                                                      \
                grow[c] = lin[c] != 0 ? (T)(-g * lin[c] * exp(k - (double)lpt[c])) : (T)0;       \
        }                                                                                        \
        T* tmp = next; next = cur; cur = tmp;                                                    \
    }                                                                                            \
}

EN_CTC_DEFINE(f32, float, expf, logf)
EN_CTC_DEFINE(f64, double, exp, log)


#endif
