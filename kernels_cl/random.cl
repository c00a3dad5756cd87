/* Philox 4x32-10 random fills, element for element the numbers of the CPU backend.
 *
 * The specification is ember/random.py's docstring; ember/backends/cpu/_random.pyx transcribes it
 * for the CPU and this file for OpenCL devices. One program per output dtype (-D OUT_CODE) and
 * group width (-D VB), with a kernel per distribution. Every element is a pure function of (key,
 * offset, element index):
 *   rnd_<dist>     one work-item per group of VB consecutive Philox blocks; it writes their
 *                  elements: 4 per block for "narrow" distributions (one word each), 2 for "wide"
 *                  ones (two words each); Box-Muller pairs never straddle blocks. VB is 16 on CPU
 *                  runtimes, where the rounds then run on uint16 / ulong16 vectors (PoCL does not
 *                  vectorize them across work-items: measured 3x faster than one block per
 *                  work-item), and 1 on GPUs
 *   rnd_poisson    one work-item per element (its own counters (offset + i, round))
 *   perm_keys, bitonic_step, perm_out      randperm: a bitonic sort of (key, index) pairs; the
 *                  pairs are distinct, so any correct sort gives the CPU's stable-sort order
 *   mn_cdf, mn_draw, mn_keys, mn_take      multinomial with / without replacement
 *   check_elems, check_rows                random_check
 * Arithmetic is IEEE double with one rounding per operation (hence FP_CONTRACT OFF: no fused
 * multiply-add) and the device's double log / log1p / exp / sqrt / cos / sin / tan / lgamma, so
 * devices without cl_khr_fp64 only build the integer-valued kernels (the host computes the rest).
 */
#include "common.h"
#pragma OPENCL FP_CONTRACT OFF

#define M0 0xD2511F53u
#define M1 0xCD9E8D57u
#define W0 0x9E3779B9u
#define W1 0xBB67AE85u

/* Philox4x32-10 (Random123's round function and output order). The products are 64-bit
 * multiplications, not mul_hi: PoCL's mul_hi(uint) is ~3x slower, GPUs compile both alike. */
FN uint4 philox(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
{
    for (int r = 0; r < 10; r++) {
        ulong p0 = (ulong)M0 * c0, p1 = (ulong)M1 * c2;
        uint n0 = (uint)(p1 >> 32) ^ c1 ^ k0, n2 = (uint)(p0 >> 32) ^ c3 ^ k1;
        c0 = n0; c1 = (uint)p1; c2 = n2; c3 = (uint)p0;
        k0 += W0;           /* the key of round r + 1 */
        k1 += W1;
    }
    return (uint4)(c0, c1, c2, c3);
}

/* block b of a call starting at block offset `off`: counter (lo32, hi32 of off + b, 0, 0) */
FN uint4 block_at(ulong off, ulong b, uint k0, uint k1)
{
    ulong c = off + b;
    return philox((uint)c, (uint)(c >> 32), 0u, 0u, k0, k1);
}

FN ulong u64_of(uint lo, uint hi) { return ((ulong)hi << 32) | lo; }

/* ---- groups of VB blocks: t[j][l] = word j of block b0 + l --------------------------------- */
#ifndef VB
#define VB 1
#endif
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

#if VB == 1
FN void philox_group(ulong off, ulong b0, uint k0, uint k1, uint t[4][VB])
{
    uint4 w = block_at(off, b0, k0, k1);
    t[0][0] = w.s0; t[1][0] = w.s1; t[2][0] = w.s2; t[3][0] = w.s3;
}
#else
#if VB == 4
#define LANES ((ulong4)(0, 1, 2, 3))
#elif VB == 8
#define LANES ((ulong8)(0, 1, 2, 3, 4, 5, 6, 7))
#elif VB == 16
#define LANES ((ulong16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))
#endif
typedef CAT(uint, VB) VU;
typedef CAT(ulong, VB) VL;
#define TO_VU CAT(convert_uint, VB)
#define TO_VL CAT(convert_ulong, VB)
#define VSTORE CAT(vstore, VB)

/* the rounds of philox() on VB lanes at once */
FN void philox_group(ulong off, ulong b0, uint k0, uint k1, uint t[4][VB])
{
    VL c = (VL)(off + b0) + LANES;
    VU c0 = TO_VU(c), c1 = TO_VU(c >> 32), c2 = (VU)0, c3 = (VU)0;
    for (int r = 0; r < 10; r++) {
        VL p0 = TO_VL(c0) * (ulong)M0, p1 = TO_VL(c2) * (ulong)M1;
        VU n0 = TO_VU(p1 >> 32) ^ c1 ^ k0, n2 = TO_VU(p0 >> 32) ^ c3 ^ k1;
        c0 = n0; c1 = TO_VU(p1); c2 = n2; c3 = TO_VU(p0);
        k0 += W0;
        k1 += W1;
    }
    VSTORE(c0, 0, t[0]);
    VSTORE(c1, 0, t[1]);
    VSTORE(c2, 0, t[2]);
    VSTORE(c3, 0, t[3]);
}
#endif
/* word j of the group's stream (block j / 4, word j % 4) */
#define WORD(j) t[(j) & 3][(j) >> 2]

/* ---- the store side: output dtype OUT_CODE (_store_i / _store_d / _to_int of _random.pyx) ---- */
FN ushort f32_to_f16_bits(float f)
{
    ushort h;
    vstore_half_rte(f, 0, (half*)&h);
    return h;
}

FN ushort f32_to_bf16_bits(float f)
{
    uint x = as_uint(f);
    if ((x & 0x7fffffffu) > 0x7f800000u)
        return (ushort)(((x >> 16) & 0x8000u) | 0x7fc0u);
    return (ushort)((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

#if OUT_CODE == D_F16 || OUT_CODE == D_BF16
typedef ushort ST_T;              /* 16-bit floats are stored as their bits */
#else
typedef OUT_T ST_T;
#endif

FN void store_i(__global ST_T* o, long i, long v);

#ifdef EMBER_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define TWO_POW_M24 5.9604644775390625e-08
#define TWO_POW_M53 1.1102230246251565e-16
#define TWO_PI 6.283185307179586
#define PI_D 3.141592653589793

FN double u24(uint x) { return (double)(x >> 8) * TWO_POW_M24; }
FN double u53(uint lo, uint hi) { return (double)(u64_of(lo, hi) >> 11) * TWO_POW_M53; }

/* v rounded to the output dtype and back (the uniform's "reached `to`" test) */
FN double rounded(double v)
{
#if OUT_CODE == D_F32
    return (double)(float)v;
#elif OUT_CODE == D_F16
    ushort h = f32_to_f16_bits((float)v);
    return (double)vload_half(0, (const half*)&h);
#elif OUT_CODE == D_BF16
    return (double)bf16_to_float(f32_to_bf16_bits((float)v));
#else
    return v;
#endif
}

/* an integral double clamped into the integer dtype's range (NaN -> 0) */
FN long to_int(double v)
{
    if (isnan(v)) return 0;
#if OUT_CODE == D_I64
    double hi = 9.223372036854775807e18;
#elif OUT_CODE == D_I32
    double hi = 2147483647.0;
#elif OUT_CODE == D_I16
    double hi = 32767.0;
#elif OUT_CODE == D_I8
    double hi = 127.0;
#elif OUT_CODE == D_U8
    double hi = 255.0;
#else
    double hi = 1.0;
#endif
    if (v >= hi) return OUT_CODE == D_I64 ? LONG_MAX : (long)hi;
#if OUT_CODE == D_U8 || OUT_CODE == D_BOOL
    double lo = 0.0;
#else
    double lo = -hi - 1.0;
#endif
    if (v <= lo) return OUT_CODE == D_I64 ? LONG_MIN : (long)lo;
    return (long)v;
}

FN void store_d(__global ST_T* o, long i, double v)
{
#if OUT_CODE == D_F32
    o[i] = (float)v;
#elif OUT_CODE == D_F64
    o[i] = v;
#elif OUT_CODE == D_F16
    o[i] = f32_to_f16_bits((float)v);
#elif OUT_CODE == D_BF16
    o[i] = f32_to_bf16_bits((float)v);
#else
    store_i(o, i, to_int(v));
#endif
}
#endif /* EMBER_FP64 */

FN void store_i(__global ST_T* o, long i, long v)
{
#if OUT_CODE == D_BOOL
    o[i] = v != 0;
#elif OUT_CODE <= D_I64
    o[i] = (ST_T)v;
#elif defined(EMBER_FP64)
    store_d(o, i, (double)v);
#elif OUT_CODE == D_F32          /* without fp64 only randperm's exact small integers come here */
    o[i] = (float)v;
#elif OUT_CODE == D_F16
    o[i] = f32_to_f16_bits((float)v);
#else
    o[i] = f32_to_bf16_bits((float)v);
#endif
}

/* ---- rnd_<dist>: one group of VB Philox blocks per work-item --------------------------------- */
/* The element loops have a constant trip count (EPB * VB) so that compilers unroll them and keep
 * t[][] in registers (GPUs); hence a kernel per precision class: _n narrow, _w wide. */
#define GROUP_PROLOGUE(EPB)                                                                    \
    long b0 = get_global_id(0) * VB;                                                           \
    uint t[4][VB];                                                                             \
    philox_group(off, (ulong)b0, k0, k1, t);                                                   \
    o += oo;                                                                                   \
    long e0 = b0 * (EPB);                                                                      \
    int m = (int)min((long)((EPB) * VB), n - e0);
#define FOR_ELEMENTS(EPB, STEP)                                                                \
    for (int k = 0; k < (EPB) * VB; k += (STEP))                                               \
        if (k < m)
/* the uniform of element k: narrow U24 of word k, wide U53 of words 2k, 2k+1 */
#define U_N(k) u24(WORD(k))
#define U_W(k) u53(WORD(2 * (k)), WORD(2 * (k) + 1))

/* random_(from, to): v = base + (U64 mod rng) in two's complement (rng 0: 2**64) */
__kernel void rnd_random(__global ST_T* o, long oo, long n, uint k0, uint k1, ulong off,
                         ulong rng, long base)
{
    GROUP_PROLOGUE(2)
    FOR_ELEMENTS(2, 1) {
        ulong x = u64_of(WORD(2 * k), WORD(2 * k + 1));
        store_i(o, e0 + k, (long)((ulong)base + (rng ? x % rng : x)));
    }
}

#ifdef EMBER_FP64
/* uniform(lo, hi); `ubits` (16-bit floats, narrow): the top ubits bits of one word */
#define UNIFORM_KERNEL(name, EPB, U)                                                           \
__kernel void name(__global ST_T* o, long oo, long n, uint k0, uint k1, ulong off, int ubits,  \
                   double lo, double hi)                                                       \
{                                                                                              \
    GROUP_PROLOGUE(EPB)                                                                        \
    double span = hi - lo, scale = ubits ? 1.0 / (double)(1 << ubits) : 0.0;                   \
    FOR_ELEMENTS(EPB, 1) {                                                                     \
        double u = ubits ? (double)(WORD(k) >> (32 - ubits)) * scale : U(k);                   \
        double v = lo + u * span;                                                              \
        if (rounded(v) >= hi) v = lo;           /* only rounding can reach `to` */             \
        store_d(o, e0 + k, v);                                                                 \
    }                                                                                          \
}
UNIFORM_KERNEL(rnd_uniform_n, 4, U_N)
UNIFORM_KERNEL(rnd_uniform_w, 2, U_W)

/* Box-Muller on pairs: the pair of elements k, k+1 takes words k, k+1 (narrow) or 2k .. 2k+3
 * (wide) */
#define NORMAL_KERNEL(name, EPB, U)                                                            \
__kernel void name(__global ST_T* o, long oo, long n, uint k0, uint k1, ulong off,             \
                   double mean, double std, int logn)                                          \
{                                                                                              \
    GROUP_PROLOGUE(EPB)                                                                        \
    FOR_ELEMENTS(EPB, 2) {                                                                     \
        double u = U(k), th = TWO_PI * U(k + 1);                                               \
        double r = sqrt(-2.0 * log(1.0 - u)), c;                                               \
        double sn = sincos(th, &c);                                                            \
        double v0 = mean + std * (r * c);                                                      \
        if (logn) v0 = exp(v0);                                                                \
        store_d(o, e0 + k, v0);                                                                \
        if (k + 1 < m) {                                                                       \
            double v1 = mean + std * (r * sn);                                                 \
            if (logn) v1 = exp(v1);                                                            \
            store_d(o, e0 + k + 1, v1);                                                        \
        }                                                                                      \
    }                                                                                          \
}
NORMAL_KERNEL(rnd_normal_n, 4, U_N)
NORMAL_KERNEL(rnd_normal_w, 2, U_W)

#define DIST_EXPONENTIAL 0
#define DIST_CAUCHY 1
#define DIST_GEOMETRIC 2
/* exponential (p0 = lambd), cauchy (p0 = median, p1 = sigma), geometric (p0 = p) */
#define TRANSFORM_KERNEL(name, EPB, U)                                                         \
__kernel void name(__global ST_T* o, long oo, long n, uint k0, uint k1, ulong off, int dist,   \
                   double p0, double p1)                                                       \
{                                                                                              \
    GROUP_PROLOGUE(EPB)                                                                        \
    double lp = log1p(-p0);                                                                    \
    FOR_ELEMENTS(EPB, 1) {                                                                     \
        double u = U(k), v;                                                                    \
        if (dist == DIST_EXPONENTIAL) v = -log1p(-u) / p0;                                     \
        else if (dist == DIST_CAUCHY) v = p0 + p1 * tan(PI_D * (u - 0.5));                     \
        else v = 1.0 + floor(log(1.0 - u) / lp);                                               \
        store_d(o, e0 + k, v);                                                                 \
    }                                                                                          \
}
TRANSFORM_KERNEL(rnd_transform_n, 4, U_N)
TRANSFORM_KERNEL(rnd_transform_w, 2, U_W)

/* bernoulli: (U53 < p) as 1 / 0; p a scalar, or per element from src (float64, contiguous) */
__kernel void rnd_bernoulli(__global ST_T* o, long oo, long n, uint k0, uint k1, ulong off,
                            double p, __global const double* src, long so)
{
    GROUP_PROLOGUE(2)
    FOR_ELEMENTS(2, 1) {
        double pk = src ? src[so + e0 + k] : p;
        store_i(o, e0 + k, U_W(k) < pk);
    }
}

/* ---- Poisson: element i owns the counters (lo64, hi64) = (off + i, round) -------------------- */
FN void round_uv(ulong off, long i, ulong rnd, uint k0, uint k1, double* U, double* V)
{
    ulong c = off + (ulong)i;
    uint4 w = philox((uint)c, (uint)(c >> 32), (uint)rnd, (uint)(rnd >> 32), k0, k1);
    *U = u53(w.s0, w.s1);
    *V = u53(w.s2, w.s3);
}

FN double poisson_one(ulong off, long i, double lam, uint k0, uint k1)
{
    double U, V;
    if (lam == 0.0) return 0.0;
    if (isinf(lam)) return lam;
    if (lam < 10.0) {                   /* inversion with the round-0 U */
        round_uv(off, i, 0, k0, k1, &U, &V);
        long k = 0;
        double p = exp(-lam), F = p;
        while (U >= F && k < 1000) {
            k += 1;
            p = p * lam / (double)k;
            F = F + p;
        }
        return (double)k;
    }
    /* PTRS (Hoermann 1993), the constants of NumPy / PyTorch */
    double slam = sqrt(lam), loglam = log(lam);
    double b = 0.931 + 2.53 * slam;
    double a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    double vr = 0.9277 - 3.6224 / (b - 2.0);
    for (int rnd = 0; rnd < 256; rnd++) {
        round_uv(off, i, (ulong)rnd, k0, k1, &U, &V);
        U = U - 0.5;
        double us = 0.5 - fabs(U);
        if (us <= 0.0) continue;
        long k = (long)floor((2.0 * a / us + b) * U + lam + 0.43);
        if (us >= 0.07 && V <= vr) return (double)k;
        if (k < 0 || (us < 0.013 && V > us)) continue;
        if ((log(V) + log(invalpha) - log(a / (us * us) + b)) <=
                (-lam + (double)k * loglam - lgamma((double)k + 1.0)))
            return (double)k;
    }
    return floor(lam);
}

__kernel void rnd_poisson(__global ST_T* o, long oo, long n, uint k0, uint k1, ulong off,
                          __global const double* rates, long ro)
{
    long i = get_global_id(0);
    store_d(o + oo, i, poisson_one(off, i, rates[ro + i], k0, k1));
}

/* ---- multinomial ---------------------------------------------------------------------------- */
/* with replacement: cdf of each row, left-to-right sums divided by the total, last entry 1 */
__kernel void mn_cdf(__global const double* p, long R, long C, __global double* cdf)
{
    long r = get_global_id(0);
    __global const double* pr = p + r * C;
    __global double* cr = cdf + r * C;
    double s = 0.0;
    for (long c = 0; c < C; c++) {
        s = s + pr[c];
        cr[c] = s;
    }
    for (long c = 0; c < C; c++) cr[c] = cr[c] / s;
    cr[C - 1] = 1.0;
}

/* sample e = r * k + j: the first category whose cdf exceeds U53(W[2e], W[2e+1]) */
__kernel void mn_draw(__global const double* cdf, long C, long k, uint k0, uint k1, ulong off,
                      __global long* out)
{
    long e = get_global_id(0);
    uint4 w = block_at(off, (ulong)(e >> 1), k0, k1);
    double x = (e & 1) ? u53(w.s2, w.s3) : u53(w.s0, w.s1);
    __global const double* cr = cdf + (e / k) * C;
    long lo = 0, hi = C - 1;
    while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        if (cr[mid] > x) hi = mid;
        else lo = mid + 1;
    }
    out[e] = lo;
}

/* without replacement: row r's entry c gets score p / E, E = -log1p(-u) (0 when p is 0); the
 * sort key orders descending scores ascending (scores are >= 0, so their bits are monotonic);
 * rows are padded to P (a power of two) with keys that sort last */
__kernel void mn_keys(__global const double* p, long C, long P, uint k0, uint k1, ulong off,
                      __global ulong* keys, __global long* idx)
{
    long i = get_global_id(0);
    long r = i / P, c = i - r * P;
    if (c >= C) {
        keys[i] = ULONG_MAX;
        idx[i] = LONG_MAX;
        return;
    }
    long e = r * C + c;
    uint4 w = block_at(off, (ulong)(e >> 1), k0, k1);
    double u = (e & 1) ? u53(w.s2, w.s3) : u53(w.s0, w.s1);
    double E = -log1p(-u) / 1.0;
    double pc = p[e];
    double score = pc > 0.0 ? pc / E : 0.0;
    keys[i] = ~as_ulong(score);
    idx[i] = c;
}

__kernel void mn_take(__global const long* idx, long P, long k, __global long* out)
{
    long e = get_global_id(0);
    long r = e / k, j = e - r * k;
    out[e] = idx[r * P + j];
}

/* ---- random_check ---------------------------------------------------------------------------- */
#define CHK_PROB 0
#define CHK_NONNEG 1
#define CHK_MULTINOMIAL 2
__kernel void check_elems(__global const double* t, long to, int mode, __global int* flag)
{
    double v = t[to + get_global_id(0)];
    int bad = mode == CHK_PROB ? !(v >= 0.0 && v <= 1.0) : !(v >= 0.0);
    if (bad) *flag = 1;
}

/* code of row r, as _random.pyx's check: the first bad entry's code, then the row sum's */
__kernel void check_rows(__global const double* t, long to, long C, int mode,
                         __global int* codes)
{
    long r = get_global_id(0);
    __global const double* a = t + to + r * C;
    double s = 0.0;
    int code = 0;
    for (long c = 0; c < C; c++) {
        double v = a[c];
        if (mode == CHK_MULTINOMIAL) {
            if (!(v >= 0.0)) code = 1;
            else if (isinf(v)) code = 2;
        } else if (!(v >= 0.0) || isinf(v)) {
            code = 1;
        }
        if (code) break;
        s = s + v;
    }
    if (!code) {
        if (mode == CHK_MULTINOMIAL && !(s > 0.0)) code = 3;
        else if (mode != CHK_MULTINOMIAL && s == 0.0) code = 3;
    }
    codes[r] = code;
}
#endif /* EMBER_FP64 */

/* ---- randperm: keys U64(W[2i], W[2i+1]), padded with keys that sort last to P entries -------- */
__kernel void perm_keys(long n, long P, uint k0, uint k1, ulong off, __global ulong* keys,
                        __global long* idx)
{
    long b0 = get_global_id(0) * VB;
    uint t[4][VB];
    philox_group(off, (ulong)b0, k0, k1, t);
    for (int k = 0; k < 2 * VB; k++) {
        long i = 2 * b0 + k;
        if (i >= P) break;
        keys[i] = i < n ? u64_of(WORD(2 * k), WORD(2 * k + 1)) : ULONG_MAX;
        idx[i] = i < n ? i : LONG_MAX;
    }
}

/* one compare-exchange step of a bitonic sort by (key, idx) ascending, within segments of
 * seg + 1 (a power of two) elements */
__kernel void bitonic_step(__global ulong* keys, __global long* idx, long j, long k, long seg)
{
    long i = get_global_id(0);
    long l = i ^ j;
    if (l <= i) return;
    ulong ka = keys[i], kb = keys[l];
    long ia = idx[i], ib = idx[l];
    int a_gt_b = ka > kb || (ka == kb && ia > ib);
    int up = ((i & seg) & k) == 0;
    if (up ? a_gt_b : !a_gt_b) {
        keys[i] = kb; keys[l] = ka;
        idx[i] = ib; idx[l] = ia;
    }
}

/* CPU runtimes: the steps with j < B of stages kfirst .. klast (doubling) inside each block of B
 * elements, one work-item per block (cache-resident, one launch instead of log2(B) per stage) */
__kernel void bitonic_block(__global ulong* keys, __global long* idx, long B, long kfirst,
                            long klast, long seg)
{
    long base = get_global_id(0) * B;
    for (long k = kfirst; k <= klast; k <<= 1) {
        for (long j = min(k, B) >> 1; j > 0; j >>= 1) {
            for (long t = 0; t < B; t++) {
                long i = base + t, l = i ^ j;
                if (l <= i) continue;
                ulong ka = keys[i], kb = keys[l];
                long ia = idx[i], ib = idx[l];
                int a_gt_b = ka > kb || (ka == kb && ia > ib);
                int up = ((i & seg) & k) == 0;
                if (up ? a_gt_b : !a_gt_b) {
                    keys[i] = kb; keys[l] = ka;
                    idx[i] = ib; idx[l] = ia;
                }
            }
        }
    }
}

__kernel void perm_out(__global const long* idx, __global ST_T* o, long oo)
{
    long i = get_global_id(0);
    store_i(o + oo, i, idx[i]);
}
