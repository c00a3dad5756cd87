/* Indexing kernels: gather / scatter through an int64 index, index checks and linearisation,
 * order-preserving compaction (nonzero, masked_select, masked_scatter), binary search
 * (searchsorted) and the repeat_interleave map. The host side is
 * ember/backends/opencl/index_kernels.py; the CPU reference is ember/backends/cpu/_index.pyx.
 *
 * One source, specialised by -D options into these programs:
 *   IDX_MOVE, W_BYTES      raw element moves of W_BYTES bytes (any dtype of that size): gather,
 *                          scatter-assign, masked_select / masked_scatter writes
 *   IDX_REDUCE, IN_CODE,   scatter with add / multiply / amax / amin in the dtype's arithmetic
 *   OUT_CODE (= IN_CODE)   (16-bit floats compute in float and round once per update)
 *   IDX_MASK, IN_CODE      nonzero tests of a dtype: per-chunk counts, nonzero coordinates
 *   IDX_MISC               int64 helpers: index_check, linearize, prefix sums, repeat map
 *   IDX_SEARCH, IN_CODE    searchsorted over boundaries / values of that dtype
 * and LWG, the work-group size of the chunked kernels: 1 on CPU runtimes (each work-item walks
 * a contiguous chunk with an odometer, no division per element; grid-stride loops measured 10x
 * slower on PoCL), 256 on GPUs (each work-group walks its chunk in tiles of LWG consecutive
 * elements with coalesced loads and local-memory scans).
 *
 * Gathers and scatters come in three shapes: *_c / *_s one work-item per element (GPUs: a 1-D or
 * 3-D launch as the elementwise kernels), and *_r (CPU runtimes) one work-item per run of the
 * innermost dim, looping over it: measured on PoCL, index_add_ of 64K rows of 128 floats takes
 * 15 ms this way against 220 ms with a work-item per inner element walking the serial dims.
 *
 * Scatter order. The CPU promises that colliding writes land in row-major order. Colliding
 * writes come only from the dims where the written operand has stride 0 ("serial" dims); the
 * others address distinct elements. scatter_*_s therefore runs one work-item per position of
 * the parallel dims (a 3-D launch, geom_t) and walks the serial dims (sgeom_t) in row-major order
 * inside it: bit-identical to the CPU for every op. Where that leaves a GPU with too little
 * parallelism the host picks the one-work-item-per-element kernels instead: scatter_*_a with
 * atomics (compare-and-swap loops on the containing 32- or 64-bit word, so every dtype works
 * with OpenCL 1.2's int32 atomics plus cl_khr_int64_base_atomics), and for assignment the
 * two-pass "last writer wins" scheme (scatter_win1 records the largest row-major position per
 * target with atomic_max, scatter_win2 lets only that one write): still exactly the CPU's result.
 */
#include "common.h"

#if defined(cl_khr_int64_base_atomics)
#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable
#define HAVE_ATOM64 1
#endif

#ifndef LWG
#define LWG 1
#endif

#define WRAP(v, size) ((v) < 0 ? (v) + (size) : (v))

/* ---- serial geometry: the dims whose positions may collide, walked in row-major order -------- */
#define SMAX 6
typedef struct {
    long nd;
    long shape[SMAX];
    long st[3][SMAX];
} sgeom_t;

/* Runs the body (the variadic argument) for every position of z, row-major, with z0, z1, z2 the
 * offsets of the three operands there. */
#define SERIAL_LOOP(z, ...)                                                                    \
    {                                                                                          \
        long zi_[SMAX];                                                                        \
        int zl_ = (int)(z).nd - 1;                                                             \
        long z0b_ = 0, z1b_ = 0, z2b_ = 0;                                                     \
        for (int d_ = 0; d_ < SMAX; d_++) zi_[d_] = 0;                                         \
        long zn_ = (z).shape[zl_], zs0_ = (z).st[0][zl_], zs1_ = (z).st[1][zl_],               \
             zs2_ = (z).st[2][zl_];                                                            \
        for (;;) {                                                                             \
            for (long k_ = 0; k_ < zn_; k_++) {                                                \
                long z0 = z0b_ + k_ * zs0_, z1 = z1b_ + k_ * zs1_, z2 = z2b_ + k_ * zs2_;      \
                __VA_ARGS__                                                                    \
            }                                                                                  \
            int d_ = zl_ - 1;                                                                  \
            while (d_ >= 0) {                                                                  \
                zi_[d_]++;                                                                     \
                z0b_ += (z).st[0][d_]; z1b_ += (z).st[1][d_]; z2b_ += (z).st[2][d_];           \
                if (zi_[d_] < (z).shape[d_]) break;                                            \
                z0b_ -= zi_[d_] * (z).st[0][d_]; z1b_ -= zi_[d_] * (z).st[1][d_];              \
                z2b_ -= zi_[d_] * (z).st[2][d_];                                               \
                zi_[d_] = 0;                                                                   \
                d_--;                                                                          \
            }                                                                                  \
            if (d_ < 0) break;                                                                 \
        }                                                                                      \
    }

/* ---- chunked geometry: up to NMAX coalesced dims, two operands (0: the mask / index) --------- */
#define NMAX 8
typedef struct {
    long nd;
    long shape[NMAX];
    long st[2][NMAX];
    long off[2];
} ngeom_t;

/* element offsets of operands 0 and 1 at row-major position p */
FN void ng_at(const ngeom_t* g, long p, long* o0, long* o1)
{
    long a = g->off[0], b = g->off[1];
    for (int d = (int)g->nd - 1; d > 0; d--) {
        long n = g->shape[d];
        long q = p / n, i = p - q * n;
        a += i * g->st[0][d];
        b += i * g->st[1][d];
        p = q;
    }
    *o0 = a + p * g->st[0][0];
    *o1 = b + p * g->st[1][0];
}

/* A cursor stepping through consecutive positions (CPU runtimes: no division per element). */
typedef struct {
    long idx[NMAX];
    long o0, o1;
} cursor_t;

FN void cur_start(const ngeom_t* g, cursor_t* c, long p)
{
    c->o0 = g->off[0];
    c->o1 = g->off[1];
    for (int d = (int)g->nd - 1; d >= 0; d--) {
        long n = g->shape[d];
        long q = d ? p / n : 0, i = d ? p - q * n : p;
        c->idx[d] = i;
        c->o0 += i * g->st[0][d];
        c->o1 += i * g->st[1][d];
        p = q;
    }
}

FN void cur_next(const ngeom_t* g, cursor_t* c)
{
    int d = (int)g->nd - 1;
    c->idx[d]++;
    c->o0 += g->st[0][d];
    c->o1 += g->st[1][d];
    while (d > 0 && c->idx[d] >= g->shape[d]) {
        c->o0 -= c->idx[d] * g->st[0][d];
        c->o1 -= c->idx[d] * g->st[1][d];
        c->idx[d] = 0;
        d--;
        c->idx[d]++;
        c->o0 += g->st[0][d];
        c->o1 += g->st[1][d];
    }
}

/* the run kernels (*_r, CPU runtimes): work-item j_ of dimension 0 handles elements
 * [j_ * run, min(n_in, (j_ + 1) * run)) of the innermost dim, whose operand strides s0, s1, s2
 * the kernel gets. PoCL vectorizes loops inside a work-item, not serial loops spanning
 * work-items. */
#define RUN_LEN                                                                                \
    long len = n_in - j_ * run;                                                                \
    if (len > run) len = run;

/* chunk c of `total` positions in chunks of `chunk` */
#define CHUNK_RANGE(c, lo, hi)                                                                 \
    long lo = (c) * chunk, hi = lo + chunk;                                                    \
    if (hi > total) hi = total;

#if LWG > 1
/* inclusive scan of one int per work-item over the work-group; returns this item's value */
FN int wg_scan(__local int* sc, int v)
{
    int lid = (int)get_local_id(0);
    sc[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int off = 1; off < LWG; off <<= 1) {
        int x = lid >= off ? sc[lid - off] : 0;
        barrier(CLK_LOCAL_MEM_FENCE);
        sc[lid] += x;
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    return sc[lid];
}

FN long wg_sum(__local long* sl, long v)
{
    int lid = (int)get_local_id(0);
    sl[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = LWG / 2; s > 0; s >>= 1) {
        if (lid < s) sl[lid] += sl[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    long r = sl[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}
#endif

/* ============================================================================================== */
#ifdef IDX_MOVE
#if W_BYTES == 1
typedef uchar W_T;
#elif W_BYTES == 2
typedef ushort W_T;
#elif W_BYTES == 4
typedef uint W_T;
#else
typedef ulong W_T;
#endif

/* out[i] = src[i + wrap(index[i]) * stride]; contiguous out, src / index contiguous or broadcast */
__kernel void gather_c(__global W_T* o, long oo, __global const W_T* s, long so, long ss,
                       __global const long* ix, long io, long is, long size, long stride)
{
    long i = get_global_id(0);
    long v = ix[io + i * is];
    o[oo + i] = s[so + i * ss + WRAP(v, size) * stride];
}

__kernel void gather_s(__global W_T* o, __global const W_T* s, __global const long* ix,
                       geom_t g, long size, long stride)
{
    GEOM_OFFSETS(g, 3)
    long v = ix[q2];
    o[q0] = s[q1 + WRAP(v, size) * stride];
}

/* dst[i + wrap(index[i]) * stride] = values[i]: parallel dims launched, serial dims walked */
__kernel void scatter_s(__global W_T* d, __global const W_T* s, __global const long* ix,
                        geom_t g, sgeom_t z, long size, long stride)
{
    GEOM_OFFSETS(g, 3)
    SERIAL_LOOP(z, {
        long v = ix[q2 + z2];
        d[q0 + z0 + WRAP(v, size) * stride] = s[q1 + z1];
    })
}

/* ---- CPU runtimes: one work-item per run of up to `run` consecutive elements of the innermost
 * dim (n_in long, operand strides s0 s1 s2 along it): dimension 0 of g counts runs ---- */
__kernel void gather_r(__global W_T* o, __global const W_T* s, __global const long* ix,
                       geom_t g, long n_in, long run, long s0, long s1, long s2, long size,
                       long stride)
{
    GEOM_OFFSETS(g, 3)
    RUN_LEN
    __global W_T* op = o + q0;
    if (s2 == 0) {                          /* one index for the run: a (strided) copy */
        long v = ix[q2];
        __global const W_T* sp = s + q1 + WRAP(v, size) * stride;
        if (s0 == 1 && s1 == 1) {
            for (long j = 0; j < len; j++) op[j] = sp[j];
        } else {
            for (long j = 0; j < len; j++) op[j * s0] = sp[j * s1];
        }
    } else {
        for (long j = 0; j < len; j++) {
            long v = ix[q2 + j * s2];
            op[j * s0] = s[q1 + j * s1 + WRAP(v, size) * stride];
        }
    }
}

__kernel void scatter_r(__global W_T* d, __global const W_T* s, __global const long* ix,
                        geom_t g, sgeom_t z, long n_in, long run, long s0, long s1, long s2,
                        long size, long stride)
{
    GEOM_OFFSETS(g, 3)
    RUN_LEN
    SERIAL_LOOP(z, {
        __global const W_T* sp = s + q1 + z1;
        if (s2 == 0) {
            long v = ix[q2 + z2];
            __global W_T* dp = d + q0 + z0 + WRAP(v, size) * stride;
            if (s0 == 1 && s1 == 1) {
                for (long j = 0; j < len; j++) dp[j] = sp[j];
            } else {
                for (long j = 0; j < len; j++) dp[j * s0] = sp[j * s1];
            }
        } else {
            for (long j = 0; j < len; j++) {
                long v = ix[q2 + z2 + j * s2];
                d[q0 + z0 + j * s0 + WRAP(v, size) * stride] = sp[j * s1];
            }
        }
    })
}

/* pass 1 of assignment by the last writer: operand 3 of g is the row-major position */
__kernel void scatter_win1(__global const long* ix, geom_t g, long size, long stride, long lo,
                           __global int* win)
{
    GEOM_OFFSETS(g, 4)
    long v = ix[q2];
    atomic_max(win + (q0 + WRAP(v, size) * stride - lo), (int)q3);
}

__kernel void scatter_win2(__global W_T* d, __global const W_T* s, __global const long* ix,
                           geom_t g, long size, long stride, long lo, __global const int* win)
{
    GEOM_OFFSETS(g, 4)
    long v = ix[q2];
    long t = q0 + WRAP(v, size) * stride;
    if (win[t - lo] == (int)q3)
        d[t] = s[q1];
}

/* ---- compaction writes (counts and their prefix sums come from the IDX_MASK / IDX_MISC
 * kernels; operand 0 of g is the bool mask, operand 1 the values) ---- */
#if LWG == 1
__kernel void msel_write(__global const uchar* m, __global const W_T* s, ngeom_t g, long total,
                         long chunk, __global const long* pre, __global W_T* o, long oo)
{
    long c = get_global_id(0);
    CHUNK_RANGE(c, lo, hi)
    if (lo >= hi) return;
    long k = oo + pre[c];
    cursor_t cu;
    cur_start(&g, &cu, lo);
    for (long p = lo; p < hi; p++) {
        if (m[cu.o0]) o[k++] = s[cu.o1];
        cur_next(&g, &cu);
    }
}

__kernel void mscat_write(__global const uchar* m, __global W_T* d, ngeom_t g, long total,
                          long chunk, __global const long* pre, __global const W_T* s, long so)
{
    long c = get_global_id(0);
    CHUNK_RANGE(c, lo, hi)
    if (lo >= hi) return;
    long k = so + pre[c];
    cursor_t cu;
    cur_start(&g, &cu, lo);
    for (long p = lo; p < hi; p++) {
        if (m[cu.o0]) d[cu.o1] = s[k++];
        cur_next(&g, &cu);
    }
}
#else
__kernel void msel_write(__global const uchar* m, __global const W_T* s, ngeom_t g, long total,
                         long chunk, __global const long* pre, __global W_T* o, long oo)
{
    __local int sc[LWG];
    long c = get_group_id(0);
    int lid = (int)get_local_id(0);
    CHUNK_RANGE(c, lo, hi)
    long k = oo + pre[c];
    for (long t0 = lo; t0 < hi; t0 += LWG) {
        long p = t0 + lid, a = 0, b = 0;
        int f = 0;
        if (p < hi) {
            ng_at(&g, p, &a, &b);
            f = m[a] != 0;
        }
        int inc = wg_scan(sc, f);
        if (f) o[k + inc - 1] = s[b];
        k += sc[LWG - 1];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

__kernel void mscat_write(__global const uchar* m, __global W_T* d, ngeom_t g, long total,
                          long chunk, __global const long* pre, __global const W_T* s, long so)
{
    __local int sc[LWG];
    long c = get_group_id(0);
    int lid = (int)get_local_id(0);
    CHUNK_RANGE(c, lo, hi)
    long k = so + pre[c];
    for (long t0 = lo; t0 < hi; t0 += LWG) {
        long p = t0 + lid, a = 0, b = 0;
        int f = 0;
        if (p < hi) {
            ng_at(&g, p, &a, &b);
            f = m[a] != 0;
        }
        int inc = wg_scan(sc, f);
        if (f) d[b] = s[k + inc - 1];
        k += sc[LWG - 1];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}
#endif
#endif /* IDX_MOVE */

/* ============================================================================================== */
#ifdef IDX_REDUCE
/* the dtype's update rules, as _scatter_num_run / _scatter_half_run of _index.pyx */
#if T_IS_FLOAT
#define UPD_MAX(x, s) ((s) > (x) || (s) != (s) ? (s) : (x))
#define UPD_MIN(x, s) ((s) < (x) || (s) != (s) ? (s) : (x))
#else
#define UPD_MAX(x, s) ((s) > (x) ? (s) : (x))
#define UPD_MIN(x, s) ((s) < (x) ? (s) : (x))
#endif
#define UPD_ADD(x, s) ((x) + (s))
#define UPD_MUL(x, s) ((x) * (s))

#define SCATTER_SERIAL(name, UPD)                                                              \
__kernel void name##_s(__global IN_T* d, __global const IN_T* s, __global const long* ix,      \
                       geom_t g, sgeom_t z, long size, long stride)                            \
{                                                                                              \
    GEOM_OFFSETS(g, 3)                                                                         \
    SERIAL_LOOP(z, {                                                                           \
        long v = ix[q2 + z2];                                                                  \
        long t = q0 + z0 + WRAP(v, size) * stride;                                             \
        T x = LOAD_IN(d, t), y = LOAD_IN(s, q1 + z1);                                          \
        STORE_OUT(d, t, UPD(x, y));                                                            \
    })                                                                                         \
}

#define SCATTER_RUN(name, UPD)                                                                 \
__kernel void name##_r(__global IN_T* d, __global const IN_T* s, __global const long* ix,      \
                       geom_t g, sgeom_t z, long n_in, long run, long s0, long s1, long s2,    \
                       long size, long stride)                                                 \
{                                                                                              \
    GEOM_OFFSETS(g, 3)                                                                         \
    RUN_LEN                                                                                    \
    SERIAL_LOOP(z, {                                                                           \
        __global const IN_T* sp = s + q1 + z1;                                                 \
        if (s2 == 0) {                                                                         \
            long v = ix[q2 + z2];                                                              \
            __global IN_T* dp = d + q0 + z0 + WRAP(v, size) * stride;                          \
            if (s0 == 1 && s1 == 1) {                                                          \
                for (long j = 0; j < len; j++) {                                               \
                    T x = LOAD_IN(dp, j), y = LOAD_IN(sp, j);                                  \
                    STORE_OUT(dp, j, UPD(x, y));                                               \
                }                                                                              \
            } else {                                                                           \
                for (long j = 0; j < len; j++) {                                               \
                    T x = LOAD_IN(dp, j * s0), y = LOAD_IN(sp, j * s1);                        \
                    STORE_OUT(dp, j * s0, UPD(x, y));                                          \
                }                                                                              \
            }                                                                                  \
        } else {                                                                               \
            for (long j = 0; j < len; j++) {                                                   \
                long v = ix[q2 + z2 + j * s2];                                                 \
                long t = q0 + z0 + j * s0 + WRAP(v, size) * stride;                           \
                T x = LOAD_IN(d, t), y = LOAD_IN(sp, j * s1);                                  \
                STORE_OUT(d, t, UPD(x, y));                                                    \
            }                                                                                  \
        }                                                                                      \
    })                                                                                         \
}

/* ---- atomics: a compare-and-swap loop on the word holding the element ---- */
#if IN_CODE == D_F16
FN float bits_to_t(ushort b) { return vload_half(0, (const half*)&b); }
FN ushort t_to_bits(float v) { ushort b; vstore_half_rte(v, 0, (half*)&b); return b; }
#elif IN_CODE == D_BF16
FN float bits_to_t(ushort b) { return bf16_to_float(b); }
FN ushort t_to_bits(float v) { return float_to_bf16(v); }
#elif IN_CODE == D_F32
FN float bits_to_t(uint b) { return as_float(b); }
FN uint t_to_bits(float v) { return as_uint(v); }
#elif IN_CODE == D_F64
FN double bits_to_t(ulong b) { return as_double(b); }
FN ulong t_to_bits(double v) { return as_ulong(v); }
#elif IN_CODE == D_BOOL || IN_CODE == D_U8
FN T bits_to_t(uchar b) { return b; }
FN uchar t_to_bits(T v) { return v; }
#elif IN_CODE == D_I8
FN T bits_to_t(uchar b) { return as_char(b); }
FN uchar t_to_bits(T v) { return as_uchar(v); }
#elif IN_CODE == D_I16
FN T bits_to_t(ushort b) { return as_short(b); }
FN ushort t_to_bits(T v) { return as_ushort(v); }
#elif IN_CODE == D_I32
FN T bits_to_t(uint b) { return as_int(b); }
FN uint t_to_bits(T v) { return as_uint(v); }
#else
FN T bits_to_t(ulong b) { return as_long(b); }
FN ulong t_to_bits(T v) { return as_ulong(v); }
#endif

#if defined(IN_CODE) && (IN_CODE == D_I64 || IN_CODE == D_F64)
#ifdef HAVE_ATOM64
#define ATOMIC_UPDATE(UPD)                                                                     \
    {                                                                                          \
        volatile __global ulong* w = (volatile __global ulong*)(d + t);                        \
        ulong old = *w, seen;                                                                  \
        do {                                                                                   \
            seen = old;                                                                        \
            ulong nb = t_to_bits(UPD(bits_to_t(seen), y));                                     \
            if (nb == seen) break;                                                             \
            old = atom_cmpxchg(w, seen, nb);                                                   \
        } while (old != seen);                                                                 \
    }
#else
#define ATOMIC_UPDATE(UPD) { }      /* not built: the host uses the serial kernels instead */
#endif
#elif IN_CODE == D_F32 || IN_CODE == D_I32
#define ATOMIC_UPDATE(UPD)                                                                     \
    {                                                                                          \
        volatile __global uint* w = (volatile __global uint*)(d + t);                          \
        uint old = *w, seen;                                                                   \
        do {                                                                                   \
            seen = old;                                                                        \
            uint nb = t_to_bits(UPD(bits_to_t(seen), y));                                      \
            if (nb == seen) break;                                                             \
            old = atomic_cmpxchg(w, seen, nb);                                                 \
        } while (old != seen);                                                                 \
    }
#else
/* 1- and 2-byte elements: the aligned 32-bit word around them (buffers are multiples of 4) */
#define ATOMIC_UPDATE(UPD)                                                                     \
    {                                                                                          \
        long byte = t * (long)sizeof(IN_T);                                                    \
        volatile __global uint* w = (volatile __global uint*)((__global uchar*)d + (byte & ~3L)); \
        uint sh = (uint)(byte & 3) * 8u, mask = (sizeof(IN_T) == 1 ? 0xFFu : 0xFFFFu) << sh;   \
        uint old = *w, seen;                                                                   \
        do {                                                                                   \
            seen = old;                                                                        \
            uint cur = (seen & mask) >> sh;                                                    \
            uint nb = (uint)t_to_bits(UPD(bits_to_t(cur), y));                                 \
            uint nw = (seen & ~mask) | ((nb << sh) & mask);                                    \
            if (nw == seen) break;                                                             \
            old = atomic_cmpxchg(w, seen, nw);                                                 \
        } while (old != seen);                                                                 \
    }
#endif

#define SCATTER_ATOMIC(name, UPD)                                                              \
__kernel void name##_a(__global IN_T* d, __global const IN_T* s, __global const long* ix,      \
                       geom_t g, long size, long stride)                                       \
{                                                                                              \
    GEOM_OFFSETS(g, 3)                                                                         \
    long v = ix[q2];                                                                           \
    long t = q0 + WRAP(v, size) * stride;                                                      \
    T y = LOAD_IN(s, q1);                                                                      \
    ATOMIC_UPDATE(UPD)                                                                         \
}

SCATTER_RUN(scatter_add, UPD_ADD)
SCATTER_RUN(scatter_mul, UPD_MUL)
SCATTER_RUN(scatter_max, UPD_MAX)
SCATTER_RUN(scatter_min, UPD_MIN)
SCATTER_SERIAL(scatter_add, UPD_ADD)
SCATTER_SERIAL(scatter_mul, UPD_MUL)
SCATTER_SERIAL(scatter_max, UPD_MAX)
SCATTER_SERIAL(scatter_min, UPD_MIN)
SCATTER_ATOMIC(scatter_add, UPD_ADD)
SCATTER_ATOMIC(scatter_mul, UPD_MUL)
SCATTER_ATOMIC(scatter_max, UPD_MAX)
SCATTER_ATOMIC(scatter_min, UPD_MIN)
#endif /* IDX_REDUCE */

/* ============================================================================================== */
#ifdef IDX_MASK
/* nonzero test of IN_CODE, as _is_nz of _index.pyx: +-0 is zero, NaN is not */
#if IN_CODE == D_F16 || IN_CODE == D_BF16
#define NZ(p, i) ((((__global const ushort*)(p))[i] & 0x7FFF) != 0)
#else
#define NZ(p, i) ((p)[i] != 0)
#endif

/* counts[c] = nonzeros of operand 0 in chunk c */
__kernel void nz_count(__global const IN_T* m, ngeom_t g, long total, long chunk,
                       __global long* counts)
{
#if LWG == 1
    long c = get_global_id(0);
    CHUNK_RANGE(c, lo, hi)
    long cnt = 0;
    if (lo < hi) {
        if (g.nd == 1 && g.st[0][0] == 1) {
            __global const IN_T* q = m + g.off[0];
            for (long p = lo; p < hi; p++) cnt += NZ(q, p);
        } else {
            cursor_t cu;
            cur_start(&g, &cu, lo);
            for (long p = lo; p < hi; p++) {
                cnt += NZ(m, cu.o0);
                cur_next(&g, &cu);
            }
        }
    }
    counts[c] = cnt;
#else
    __local long sl[LWG];
    long c = get_group_id(0);
    CHUNK_RANGE(c, lo, hi)
    long cnt = 0, a, b;
    for (long p = lo + (long)get_local_id(0); p < hi; p += LWG) {
        ng_at(&g, p, &a, &b);
        cnt += NZ(m, a);
    }
    cnt = wg_sum(sl, cnt);
    if (get_local_id(0) == 0) counts[c] = cnt;
#endif
}

/* out[k, :] = the coordinates (in the full shape fs) of the k-th nonzero, row-major */
#define FMAX 16
typedef struct {
    long nd;
    long shape[FMAX];
} fshape_t;

FN void nz_emit(__global long* o, long k, long os0, long os1, const fshape_t* fs, long p)
{
    for (int d = (int)fs->nd - 1; d >= 0; d--) {
        long n = fs->shape[d];
        long q = p / n;
        o[k * os0 + d * os1] = p - q * n;
        p = q;
    }
}

__kernel void nz_write(__global const IN_T* m, ngeom_t g, long total, long chunk,
                       __global const long* pre, __global long* o, long oo, long os0, long os1,
                       fshape_t fs)
{
    o += oo;
#if LWG == 1
    long c = get_global_id(0);
    CHUNK_RANGE(c, lo, hi)
    if (lo >= hi) return;
    long k = pre[c];
    cursor_t cu;
    cur_start(&g, &cu, lo);
    for (long p = lo; p < hi; p++) {
        if (NZ(m, cu.o0)) nz_emit(o, k++, os0, os1, &fs, p);
        cur_next(&g, &cu);
    }
#else
    __local int sc[LWG];
    long c = get_group_id(0);
    int lid = (int)get_local_id(0);
    CHUNK_RANGE(c, lo, hi)
    long k = pre[c];
    for (long t0 = lo; t0 < hi; t0 += LWG) {
        long p = t0 + lid, a = 0, b = 0;
        int f = 0;
        if (p < hi) {
            ng_at(&g, p, &a, &b);
            f = NZ(m, a);
        }
        int inc = wg_scan(sc, f);
        if (f) nz_emit(o, k + inc - 1, os0, os1, &fs, p);
        k += sc[LWG - 1];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
#endif
}
#endif /* IDX_MASK */

/* ============================================================================================== */
#ifdef IDX_MISC
/* res[2c] = 1 and res[2c+1] = the value when chunk c holds a value outside [low, high) (its
 * first), else res[2c] = 0. Operand 0 of g is the index. */
__kernel void index_check(__global const long* ix, ngeom_t g, long total, long chunk, long low,
                          long high, __global long* res)
{
#if LWG == 1
    long c = get_global_id(0);
    CHUNK_RANGE(c, lo, hi)
    long found = 0, val = 0;
    if (lo < hi) {
        cursor_t cu;
        cur_start(&g, &cu, lo);
        for (long p = lo; p < hi; p++) {
            long v = ix[cu.o0];
            if (v < low || v >= high) {
                found = 1;
                val = v;
                break;
            }
            cur_next(&g, &cu);
        }
    }
    res[2 * c] = found;
    res[2 * c + 1] = val;
#else
    __local long sl[LWG];
    long c = get_group_id(0);
    int lid = (int)get_local_id(0);
    CHUNK_RANGE(c, lo, hi)
    long first = LONG_MAX, a, b;
    for (long p = lo + lid; p < hi; p += LWG) {
        ng_at(&g, p, &a, &b);
        long v = ix[a];
        if (v < low || v >= high) {
            first = p;
            break;
        }
    }
    sl[lid] = first;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = LWG / 2; s > 0; s >>= 1) {
        if (lid < s && sl[lid + s] < sl[lid]) sl[lid] = sl[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        first = sl[0];
        res[2 * c] = first != LONG_MAX;
        if (first != LONG_MAX) {
            ng_at(&g, first, &a, &b);
            res[2 * c + 1] = ix[a];
        } else {
            res[2 * c + 1] = 0;
        }
    }
#endif
}

/* out (int64) = [out +] wrap(index) * stride */
__kernel void linearize_c(__global long* o, long oo, __global const long* ix, long io, long is,
                          long size, long stride, int acc)
{
    long i = get_global_id(0);
    long v = ix[io + i * is];
    long r = WRAP(v, size) * stride;
    o[oo + i] = acc ? o[oo + i] + r : r;
}

__kernel void linearize_s(__global long* o, __global const long* ix, geom_t g, long size,
                          long stride, int acc)
{
    GEOM_OFFSETS(g, 2)
    long v = ix[q1];
    long r = WRAP(v, size) * stride;
    o[q0] = acc ? o[q0] + r : r;
}

/* in place: a[0..n) -> exclusive prefix sums, a[n] = the total (one work-item; n is small) */
__kernel void prefix_sum(__global long* a, long n)
{
    long acc = 0;
    for (long i = 0; i < n; i++) {
        long x = a[i];
        a[i] = acc;
        acc += x;
    }
    a[n] = acc;
}

/* starts[0..n] = exclusive prefix of repeats (starts[n] the total), starts[n+1] = any negative */
__kernel void repeats_scan(__global const long* r, long ro, long n, __global long* starts)
{
    long acc = 0, neg = 0;
    for (long i = 0; i < n; i++) {
        long x = r[ro + i];
        starts[i] = acc;
        neg |= x < 0;
        acc += x;
    }
    starts[n] = acc;
    starts[n + 1] = neg;
}

/* map[p] = the slice j with starts[j] <= p < starts[j + 1] (the last j with starts[j] <= p) */
__kernel void repeat_map(__global const long* starts, long n, __global long* map)
{
    long p = get_global_id(0);
    long lo = 0, hi = n;              /* answer in [lo, hi) */
    while (hi - lo > 1) {
        long mid = lo + ((hi - lo) >> 1);
        if (starts[mid] <= p) lo = mid;
        else hi = mid;
    }
    map[p] = lo;
}
#endif /* IDX_MISC */

/* ============================================================================================== */
#ifdef IDX_SEARCH
/* _search.pyx's loop: insertion points of values in boundaries' rows (NaN sorts last) */
#define SEARCH_KERNEL(name, OT)                                                                \
__kernel void name(__global OT* o, long oo, __global const IN_T* bd, long bo,                  \
                   __global const IN_T* vals, long vo, __global const long* sorter, long so,   \
                   int has_sorter, long rows_b, long m, long n, int right)                     \
{                                                                                              \
    long k = get_global_id(0);                                                                 \
    bd += bo;                                                                                  \
    IN_T v = vals[vo + k];                                                                     \
    long row = rows_b > 1 ? k / n : 0;                                                         \
    long orig = row * m, start = orig, end = orig + m;                                         \
    while (start < end) {                                                                      \
        long mid = start + ((end - start) >> 1);                                               \
        IN_T x = has_sorter ? bd[sorter[so + mid] + orig] : bd[mid];                           \
        int go_right = right ? !(x > v) : !(x >= v);                                           \
        if (go_right) start = mid + 1;                                                         \
        else end = mid;                                                                        \
    }                                                                                          \
    o[oo + k] = (OT)(start - orig);                                                            \
}
SEARCH_KERNEL(searchsorted_l, long)
SEARCH_KERNEL(searchsorted_i, int)
#endif /* IDX_SEARCH */
