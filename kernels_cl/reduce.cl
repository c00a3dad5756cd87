/* Reductions (sum, prod, max, min, nansum, sumabs, sumsq, maxabs, minabs, count_nonzero; all/any
 * as a count of non-zeros compared on store) and arg-reductions (first max / min, NaN wins).
 *
 * One program per input dtype (-D IN_CODE; bool shares uint8's), a kernel set per op: the op is
 * part of the kernel name (max / min are maxv / minv: OpenCL headers define max and min as
 * macros), so a kernel is specialised for it and PoCL compiles only the kernels a run launches.
 * The output dtype is a run-time code (store_any), one switch per output.
 *
 * The host plans each reduction (see rplan_t in reduce_common.h) and picks a variant:
 *   red_seq_<op>     one work-item per (output, part): walks its range as runs along the
 *                    innermost reduced dim. Contiguous runs go 16 lanes wide in two accumulators
 *                    (explicit vectors: PoCL vectorizes nothing across a loop otherwise); float
 *                    sums add blocks of 256 in float lanes (8 numbers per lane) and fold each
 *                    block into 16 double lanes (measured on PoCL: as fast as float lanes, and
 *                    within ~2 ulp where float lanes over 512 were ~4). CPU runtimes; on GPUs when
 *                    each output reduces few elements.
 *   red_wg_<op>      one work-group per (output, part): lanes stride through the range (coalesced
 *                    when runs are contiguous), 4 loads per lane issued before they are combined,
 *                    then a tree in local memory. GPUs.
 *   red_cols_<op>    the innermost kept dim is innermost in memory (x.sum(0)): a work-item takes
 *                    RCW neighbouring outputs and walks the reduced elements, so the loads of one
 *                    row are contiguous (128 columns, vectorized, on CPUs; 1 on GPUs, coalesced
 *                    across work-items, 4 rows' loads in flight, the rows split in parts when
 *                    the columns are too few to fill the device).
 *   red_finish_<op>  outputs whose range was split in parts: combine the partials in order.
 *   red_finish_wg_<op>  the same with a work-group per output, lanes strided over the parts and a
 *                    tree (GPUs, many parts: one work-item's chain of L2 loads would be slower
 *                    than the reduction itself).
 * GPUs: HBM needs many bytes in flight (Little's law: ~4.8 TB/s x ~600 ns ~ 3 MB, ~22 KB per SM
 * of an H200, where one 4-byte load per lane of 2048 lanes is 8 KB), hence the 4 independent
 * loads per lane and enough work-groups / work-items (parts) to fill every compute unit. The
 * unrolled loops combine in the order of the one-at-a-time loop (same bits), so every kernel
 * stays deterministic: fixed trees, partials combined in a fixed order, no atomics.
 * Floating accumulators are double (float without fp64), integer ones int64.
 */
#include "reduce_common.h"

#define RBLK 256

#define FINAL_ALL 1
#define FINAL_ANY 2

/* ---- op table: identity, map of an element (lane type; Z is a zero of that type), combine ---- */
#if T_IS_FLOAT
#define ID_maxv (-INFINITY)
#define ID_minv INFINITY
#define ID_minabs INFINITY
#else
#define ID_maxv LONG_MIN
#define ID_minv LONG_MAX
#define ID_minabs LONG_MAX
#endif
#define ID_sum 0
#define ID_prod 1
#define ID_nansum 0
#define ID_sumabs 0
#define ID_sumsq 0
#define ID_maxabs 0
#define ID_countnz 0

#define ABS_(x, Z) ((x) < (Z) ? -(x) : (x))
#define MAP_sum(x, Z) (x)
#define MAP_prod(x, Z) (x)
#define MAP_maxv(x, Z) (x)
#define MAP_minv(x, Z) (x)
#define MAP_nansum(x, Z) (ISNAN(x) ? (Z) : (x))
#define MAP_sumabs(x, Z) ABS_(x, Z)
#define MAP_sumsq(x, Z) ((x) * (x))
#define MAP_maxabs(x, Z) ABS_(x, Z)
#define MAP_minabs(x, Z) ABS_(x, Z)
#define MAP_countnz(x, Z) ((x) != (Z) ? (Z) + 1 : (Z))

#define COMB_sum(a, b) ((a) + (b))
#define COMB_prod(a, b) ((a) * (b))
#define COMB_maxv GT_
#define COMB_minv LT_
#define COMB_nansum COMB_sum
#define COMB_sumabs COMB_sum
#define COMB_sumsq COMB_sum
#define COMB_maxabs GT_
#define COMB_minabs LT_
#define COMB_countnz COMB_sum

FN ACC finalize(ACC v, long nred, int final, PT scale)
{
    if (final == FINAL_ALL)
        return (ACC)(v == (ACC)nred);
    if (final == FINAL_ANY)
        return (ACC)(v != 0);
#if T_IS_FLOAT
    if (scale != 1)
        v = v * (ACC)scale;
#endif
    return v;
}

/* run_<op>: the reduction of n elements p[0], p[st], ...; range_<op>: of the reduced elements with
 * flat indices [lo, hi) under `base` (runs along the innermost reduced dim). LT / LV / CV: the
 * lane type, its 16-vector and the conversion of a loaded T16 to it. */
#define DEF_RUN(op, LT, LV, CV)                                                                \
FN ACC run_##op(__global const IN_T* p, long n, long st)                                       \
{                                                                                              \
    ACC tot = (ACC)(ID_##op);                                                                  \
    long i = 0;                                                                                \
    if (st == 1 && n >= 32) {                                                                  \
        const LV z = (LV)(0);                                                                  \
        ACC16 D = (ACC16)(ID_##op);                                                            \
        while (i + 32 <= n) {                                                                  \
            long e = min(n, i + RBLK);                                                         \
            LV s0 = (LV)(ID_##op), s1 = s0;                                                    \
            for (; i + 32 <= e; i += 32) {                                                     \
                LV x0 = CV(LOAD16(p, i)), x1 = CV(LOAD16(p, i + 16));                          \
                LV m0 = MAP_##op(x0, z), m1 = MAP_##op(x1, z);                                 \
                s0 = COMB_##op(s0, m0);                                                        \
                s1 = COMB_##op(s1, m1);                                                        \
            }                                                                                  \
            ACC16 d0 = CVT_ACC16(s0), d1 = CVT_ACC16(s1);                                      \
            D = COMB_##op(D, d0);                                                              \
            D = COMB_##op(D, d1);                                                              \
        }                                                                                      \
        ACC h[16];                                                                             \
        vstore16(D, 0, h);                                                                     \
        for (int k = 8; k > 0; k >>= 1)                                                        \
            for (int j = 0; j < k; j++) {                                                      \
                ACC a_ = h[j], b_ = h[j + k];                                                  \
                h[j] = COMB_##op(a_, b_);                                                      \
            }                                                                                  \
        tot = h[0];                                                                            \
    }                                                                                          \
    for (; i < n; i++) {                                                                       \
        LT x = (LT)LOAD_IN(p, i * st);                                                         \
        ACC b = (ACC)MAP_##op(x, (LT)0);                                                       \
        tot = COMB_##op(tot, b);                                                               \
    }                                                                                          \
    return tot;                                                                                \
}                                                                                              \
FN ACC range_##op(__global const IN_T* x, const rplan_t* p, long base, long lo, long hi)      \
{                                                                                              \
    ACC acc = (ACC)(ID_##op);                                                                  \
    long idx[RMAXR], rem = lo;                                                                 \
    for (int d = RMAXR - 1; d >= 0; d--) {                                                     \
        idx[d] = rem % p->rs[d];                                                               \
        rem /= p->rs[d];                                                                       \
    }                                                                                          \
    long L = p->rs[RMAXR - 1], st = p->ris[RMAXR - 1];                                         \
    while (lo < hi) {                                                                          \
        long cnt = min(L - idx[RMAXR - 1], hi - lo);                                           \
        long off = base;                                                                       \
        for (int d = 0; d < RMAXR; d++)                                                        \
            off += idx[d] * p->ris[d];                                                         \
        ACC part = run_##op(x + off, cnt, st);                                                 \
        acc = COMB_##op(acc, part);                                                            \
        lo += cnt;                                                                             \
        idx[RMAXR - 1] += cnt;                                                                 \
        for (int d = RMAXR - 1; d > 0 && idx[d] >= p->rs[d]; d--) {                            \
            idx[d] = 0;                                                                        \
            idx[d - 1]++;                                                                      \
        }                                                                                      \
    }                                                                                          \
    return acc;                                                                                \
}

/* walk the reduced elements [lo, hi) in order: roff is the current one's offset */
#define RWALK_INIT                                                                             \
    long idx[RMAXR], rem = lo, roff = 0;                                                       \
    for (int d = RMAXR - 1; d >= 0; d--) {                                                     \
        idx[d] = rem % pl.rs[d];                                                               \
        rem /= pl.rs[d];                                                                       \
        roff += idx[d] * pl.ris[d];                                                            \
    }

/* ops whose float lanes work in the input's float type (sums fold short float sums into double,
 * compares and |x| are exact in it) */
#if T_IS_FLOAT
#define LANE_T_sum 1
#define LANE_T_maxv 1
#define LANE_T_minv 1
#define LANE_T_maxabs 1
#define LANE_T_minabs 1
#else
#define LANE_T_sum 0
#define LANE_T_maxv 0
#define LANE_T_minv 0
#define LANE_T_maxabs 0
#define LANE_T_minabs 0
#endif
#define LANE_T_prod 0
#define LANE_T_nansum 0
#define LANE_T_sumabs 0
#define LANE_T_sumsq 0
#define LANE_T_countnz 0

/* move the walk on by cnt elements (within the current innermost run or to its end) */
#define RWALK_ADVANCE(cnt)                                                                     \
    {                                                                                          \
        int d = RMAXR - 1;                                                                     \
        idx[d] += (cnt);                                                                       \
        roff += (cnt) * pl.ris[d];                                                             \
        while (d > 0 && idx[d] >= pl.rs[d]) {                                                  \
            roff -= idx[d] * pl.ris[d];                                                        \
            idx[d] = 0;                                                                        \
            d--;                                                                               \
            idx[d]++;                                                                          \
            roff += pl.ris[d];                                                                 \
        }                                                                                      \
    }

/* acc combined with the mapped v0 .. v3 in that order (the order of a one-at-a-time loop, so
 * unrolling changes no bit); the loads are issued before, so a GPU lane has 4 in flight */
#define COMB4_(op, acc, v0, v1, v2, v3)                                                        \
    {                                                                                          \
        ACC m0 = MAP_##op(v0, (ACC)0), m1 = MAP_##op(v1, (ACC)0);                              \
        ACC m2 = MAP_##op(v2, (ACC)0), m3 = MAP_##op(v3, (ACC)0);                              \
        acc = COMB_##op(acc, m0);                                                              \
        acc = COMB_##op(acc, m1);                                                              \
        acc = COMB_##op(acc, m2);                                                              \
        acc = COMB_##op(acc, m3);                                                              \
    }

/* the work-group's lanes' acc combined by a tree in local memory sh[RWG]; the result in sh[0] */
#define WG_TREE(op, sh, l, acc)                                                                \
    sh[l] = acc;                                                                               \
    barrier(CLK_LOCAL_MEM_FENCE);                                                              \
    for (int s = RWG / 2; s > 0; s >>= 1) {                                                    \
        if (l < s) {                                                                           \
            ACC a_ = sh[l], b_ = sh[l + s];                                                    \
            sh[l] = COMB_##op(a_, b_);                                                         \
        }                                                                                      \
        barrier(CLK_LOCAL_MEM_FENCE);                                                          \
    }

/* which (job, part) a work-item of a column kernel takes: on GPUs neighbouring work-items take
 * neighbouring columns of the same part (coalesced loads: one row segment per warp), on CPU
 * runtimes the parts of one job are neighbours (a work-item's columns stay contiguous anyway) */
#if RCOLS == 1
#define COLS_JOB(jobs) long k = g / (jobs), ob = g - k * (jobs);
#else
#define COLS_JOB(jobs) long k = g % pl.parts, ob = g / pl.parts;
#endif

/* acc[j] of the column kernel. CPUs: RCW = 128 neighbouring columns per work-item, as RCV
 * vectors of 16 where they are contiguous (a work-item then reads 512 contiguous bytes of each
 * float row: measured 4x faster on PoCL than 16 columns, whose 64-byte reads 4 KiB apart missed
 * the prefetchers); GPUs: one column per work-item. */
#if RCOLS == 16
#define RCV 8
#define RCW 128
#define COLS_ACC(op)                                                                           \
    ACC acc[RCW];                                                                              \
    ACC16 A[RCV];                                                                              \
    const ACC16 z = (ACC16)(0);                                                                \
    const T16 zt = (T16)(0);                                                                   \
    int nv = kin == 1 ? jn / 16 : 0;                                                           \
    for (int v = 0; v < RCV; v++)                                                              \
        A[v] = (ACC16)(ID_##op);                                                               \
    for (int j = nv * 16; j < jn; j++)                                                         \
        acc[j] = (ACC)(ID_##op);                                                               \
    long L = pl.rs[RMAXR - 1], st = pl.ris[RMAXR - 1];                                         \
    for (long r = lo; r < hi;) {        /* runs of rows along the innermost reduced dim */     \
        long cnt = min(L - idx[RMAXR - 1], hi - r);                                            \
        __global const IN_T* q = x + io + roff;                                                \
        if (nv == RCV) {                 /* a fixed count: the accumulators stay in registers */ \
            long i = 0;                                                                        \
            if (LANE_T_##op)             /* 8 rows combined in float first, then widened */    \
                for (; i + 8 <= cnt; i += 8, q += 8 * st)                                      \
                    for (int v = 0; v < RCV; v++) {                                            \
                        T16 r0 = LOAD16(q, 16 * v), r1 = LOAD16(q + st, 16 * v);               \
                        T16 r2 = LOAD16(q + 2 * st, 16 * v), r3 = LOAD16(q + 3 * st, 16 * v);  \
                        T16 r4 = LOAD16(q + 4 * st, 16 * v), r5 = LOAD16(q + 5 * st, 16 * v);  \
                        T16 r6 = LOAD16(q + 6 * st, 16 * v), r7 = LOAD16(q + 7 * st, 16 * v);  \
                        r0 = MAP_##op(r0, zt); r1 = MAP_##op(r1, zt);                          \
                        r2 = MAP_##op(r2, zt); r3 = MAP_##op(r3, zt);                          \
                        r4 = MAP_##op(r4, zt); r5 = MAP_##op(r5, zt);                          \
                        r6 = MAP_##op(r6, zt); r7 = MAP_##op(r7, zt);                          \
                        r0 = COMB_##op(r0, r1); r2 = COMB_##op(r2, r3);                        \
                        r4 = COMB_##op(r4, r5); r6 = COMB_##op(r6, r7);                        \
                        r0 = COMB_##op(r0, r2); r4 = COMB_##op(r4, r6);                        \
                        r0 = COMB_##op(r0, r4);                                                \
                        ACC16 t = CVT_ACC16(r0);                                               \
                        A[v] = COMB_##op(A[v], t);                                             \
                    }                                                                          \
            for (; i < cnt; i++, q += st)                                                      \
                for (int v = 0; v < RCV; v++) {                                                \
                    ACC16 t = CVT_ACC16(LOAD16(q, 16 * v)), m = MAP_##op(t, z);                \
                    A[v] = COMB_##op(A[v], m);                                                 \
                }                                                                              \
        } else {                                                                               \
            for (long i = 0; i < cnt; i++, q += st) {                                          \
                for (int v = 0; v < nv; v++) {                                                 \
                    ACC16 t = CVT_ACC16(LOAD16(q, 16 * v)), m = MAP_##op(t, z);                \
                    A[v] = COMB_##op(A[v], m);                                                 \
                }                                                                              \
                for (int j = nv * 16; j < jn; j++) {                                           \
                    ACC t = (ACC)LOAD_IN(q, j * kin);                                          \
                    ACC m = MAP_##op(t, (ACC)0), a_ = acc[j];                                  \
                    acc[j] = COMB_##op(a_, m);                                                 \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
        r += cnt;                                                                              \
        RWALK_ADVANCE(cnt)                                                                     \
    }                                                                                          \
    for (int v = 0; v < nv; v++)                                                               \
        vstore16(A[v], 0, acc + 16 * v);
#else
#define RCW 1
#define COLS_ACC(op)                                                                           \
    ACC acc[1];                                                                                \
    ACC a_ = (ACC)(ID_##op);                                                                   \
    long L = pl.rs[RMAXR - 1], st = pl.ris[RMAXR - 1];                                         \
    for (long r = lo; r < hi;) {        /* runs of rows along the innermost reduced dim */     \
        long cnt = min(L - idx[RMAXR - 1], hi - r), i = 0;                                     \
        __global const IN_T* q = x + io + roff;                                                \
        for (; i + 4 <= cnt; i += 4) {  /* 4 rows' loads in flight, combined in row order */   \
            ACC v0 = (ACC)LOAD_IN(q, i * st), v1 = (ACC)LOAD_IN(q, (i + 1) * st);              \
            ACC v2 = (ACC)LOAD_IN(q, (i + 2) * st), v3 = (ACC)LOAD_IN(q, (i + 3) * st);        \
            COMB4_(op, a_, v0, v1, v2, v3)                                                     \
        }                                                                                      \
        for (; i < cnt; i++) {                                                                 \
            ACC v = (ACC)LOAD_IN(q, i * st);                                                   \
            ACC m = MAP_##op(v, (ACC)0);                                                       \
            a_ = COMB_##op(a_, m);                                                             \
        }                                                                                      \
        r += cnt;                                                                              \
        RWALK_ADVANCE(cnt)                                                                     \
    }                                                                                          \
    acc[0] = a_;
#endif

/* the kernels of one op (see the header comment) */
#define DEF_KERNELS(op)                                                                        \
__kernel void red_seq_##op(__global const IN_T* x, __global void* out, __global ACC* part,     \
                           rplan_t pl, int ocode, int final, PT scale)                         \
{                                                                                              \
    long g = get_global_id(0);                                                                 \
    if (g >= pl.nout * pl.parts)                                                               \
        return;                                                                                \
    long o = g / pl.parts, k = g - o * pl.parts, io, oo;                                       \
    kept_offsets(&pl, o, RMAXK, &io, &oo);                                                     \
    long lo = k * pl.chunk;                                                                    \
    ACC v = range_##op(x, &pl, io, lo, min(pl.nred, lo + pl.chunk));                           \
    if (pl.parts > 1)                                                                          \
        part[g] = v;                                                                           \
    else                                                                                       \
        store_any(out, oo, ocode, finalize(v, pl.nred, final, scale));                         \
}                                                                                              \
__kernel void red_wg_##op(__global const IN_T* x, __global void* out, __global ACC* part,      \
                          rplan_t pl, int ocode, int final, PT scale)                          \
{                                                                                              \
    __local ACC sh[RWG];                                                                       \
    long g = get_group_id(0);                                                                  \
    int l = get_local_id(0);                                                                   \
    long o = g / pl.parts, k = g - o * pl.parts, io, oo;                                       \
    kept_offsets(&pl, o, RMAXK, &io, &oo);                                                     \
    long lo = k * pl.chunk, hi = min(pl.nred, lo + pl.chunk);                                  \
    ACC acc = (ACC)(ID_##op);                                                                  \
    long idx[RMAXR], rem = lo;                                                                 \
    for (int d = RMAXR - 1; d >= 0; d--) {                                                     \
        idx[d] = rem % pl.rs[d];                                                               \
        rem /= pl.rs[d];                                                                       \
    }                                                                                          \
    long L = pl.rs[RMAXR - 1], st = pl.ris[RMAXR - 1];                                         \
    while (lo < hi) {                                                                          \
        long cnt = min(L - idx[RMAXR - 1], hi - lo);                                           \
        long off = io;                                                                         \
        for (int d = 0; d < RMAXR; d++)                                                        \
            off += idx[d] * pl.ris[d];                                                         \
        long j = l;                                                                            \
        for (; j + 3 * RWG < cnt; j += 4 * RWG) {     /* 4 loads in flight, then combined */   \
            ACC v0 = (ACC)LOAD_IN(x, off + j * st);                                            \
            ACC v1 = (ACC)LOAD_IN(x, off + (j + RWG) * st);                                    \
            ACC v2 = (ACC)LOAD_IN(x, off + (j + 2 * RWG) * st);                                \
            ACC v3 = (ACC)LOAD_IN(x, off + (j + 3 * RWG) * st);                                \
            COMB4_(op, acc, v0, v1, v2, v3)                                                    \
        }                                                                                      \
        for (; j < cnt; j += RWG) {                                                            \
            ACC v = (ACC)LOAD_IN(x, off + j * st);                                             \
            ACC m = MAP_##op(v, (ACC)0);                                                       \
            acc = COMB_##op(acc, m);                                                           \
        }                                                                                      \
        lo += cnt;                                                                             \
        idx[RMAXR - 1] += cnt;                                                                 \
        for (int d = RMAXR - 1; d > 0 && idx[d] >= pl.rs[d]; d--) {                            \
            idx[d] = 0;                                                                        \
            idx[d - 1]++;                                                                      \
        }                                                                                      \
    }                                                                                          \
    WG_TREE(op, sh, l, acc)                                                                    \
    if (l == 0) {                                                                              \
        if (pl.parts > 1)                                                                      \
            part[g] = sh[0];                                                                   \
        else                                                                                   \
            store_any(out, oo, ocode, finalize(sh[0], pl.nred, final, scale));                 \
    }                                                                                          \
}                                                                                              \
__kernel void red_cols_##op(__global const IN_T* x, __global void* out, __global ACC* part,    \
                            rplan_t pl, int ocode, int final, PT scale)                        \
{                                                                                              \
    long Lk = pl.ks[RMAXK - 1], nb = (Lk + RCW - 1) / RCW, jobs = pl.nout / Lk * nb;           \
    long g = get_global_id(0);                                                                 \
    if (g >= jobs * pl.parts)                                                                  \
        return;                                                                                \
    COLS_JOB(jobs)                                                                             \
    long outer = ob / nb, j0 = (ob - outer * nb) * RCW;                                        \
    long kin = pl.kis[RMAXK - 1], kon = pl.kos[RMAXK - 1], io, oo;                             \
    int jn = (int)min((long)RCW, Lk - j0);                                                     \
    kept_offsets(&pl, outer, RMAXK - 1, &io, &oo);                                             \
    io += j0 * kin;                                                                            \
    oo += j0 * kon;                                                                            \
    long lo = k * pl.chunk, hi = min(pl.nred, lo + pl.chunk);                                  \
    RWALK_INIT                                                                                 \
    COLS_ACC(op)                                                                               \
    long o0 = outer * Lk + j0;                                                                 \
    for (int j = 0; j < RCW && j < jn; j++) {                                                  \
        if (pl.parts > 1)                                                                      \
            part[(o0 + j) * pl.parts + k] = acc[j];                                            \
        else                                                                                   \
            store_any(out, oo + j * kon, ocode, finalize(acc[j], pl.nred, final, scale));      \
    }                                                                                          \
}                                                                                              \
__kernel void red_finish_##op(__global const ACC* part, __global void* out, rplan_t pl,        \
                              int ocode, int final, PT scale)                                  \
{                                                                                              \
    long o = get_global_id(0), io, oo;                                                         \
    if (o >= pl.nout)                                                                          \
        return;                                                                                \
    kept_offsets(&pl, o, RMAXK, &io, &oo);                                                     \
    __global const ACC* q = part + o * pl.parts;                                               \
    ACC v = q[0];                                                                              \
    for (long k = 1; k < pl.parts; k++) {                                                      \
        ACC b = q[k];                                                                          \
        v = COMB_##op(v, b);                                                                   \
    }                                                                                          \
    store_any(out, oo, ocode, finalize(v, pl.nred, final, scale));                             \
}                                                                                              \
__kernel void red_finish_wg_##op(__global const ACC* part, __global void* out, rplan_t pl,     \
                                 int ocode, int final, PT scale)                               \
{                                                                                              \
    __local ACC sh[RWG];                                                                       \
    long o = get_group_id(0), io, oo;                                                          \
    int l = get_local_id(0);                                                                   \
    kept_offsets(&pl, o, RMAXK, &io, &oo);                                                     \
    __global const ACC* q = part + o * pl.parts;                                               \
    ACC acc = (ACC)(ID_##op);                                                                  \
    long k = l;                                                                                \
    for (; k + 3 * RWG < pl.parts; k += 4 * RWG) {                                             \
        ACC v0 = q[k], v1 = q[k + RWG], v2 = q[k + 2 * RWG], v3 = q[k + 3 * RWG];              \
        acc = COMB_##op(acc, v0);                                                              \
        acc = COMB_##op(acc, v1);                                                              \
        acc = COMB_##op(acc, v2);                                                              \
        acc = COMB_##op(acc, v3);                                                              \
    }                                                                                          \
    for (; k < pl.parts; k += RWG) {                                                           \
        ACC b = q[k];                                                                          \
        acc = COMB_##op(acc, b);                                                               \
    }                                                                                          \
    WG_TREE(op, sh, l, acc)                                                                    \
    if (l == 0)                                                                                \
        store_any(out, oo, ocode, finalize(sh[0], pl.nred, final, scale));                     \
}

/* lanes: float inputs add, compare and take |x| in float (exact for the compares; sums fold
 * blocks into the double accumulator); products, squares, NaN-free sums and counts work in the
 * accumulator type, as the CPU backend's loops. */
#if T_IS_FLOAT
DEF_RUN(sum, T, T16, CVT_T16)
DEF_RUN(maxv, T, T16, CVT_T16)
DEF_RUN(minv, T, T16, CVT_T16)
DEF_RUN(maxabs, T, T16, CVT_T16)
DEF_RUN(minabs, T, T16, CVT_T16)
#else
DEF_RUN(sum, ACC, ACC16, CVT_ACC16)
DEF_RUN(maxv, ACC, ACC16, CVT_ACC16)
DEF_RUN(minv, ACC, ACC16, CVT_ACC16)
DEF_RUN(maxabs, ACC, ACC16, CVT_ACC16)
DEF_RUN(minabs, ACC, ACC16, CVT_ACC16)
#endif
DEF_RUN(prod, ACC, ACC16, CVT_ACC16)
DEF_RUN(nansum, ACC, ACC16, CVT_ACC16)
DEF_RUN(sumabs, ACC, ACC16, CVT_ACC16)
DEF_RUN(sumsq, ACC, ACC16, CVT_ACC16)
DEF_RUN(countnz, ACC, ACC16, CVT_ACC16)

DEF_KERNELS(sum)
DEF_KERNELS(prod)
DEF_KERNELS(maxv)
DEF_KERNELS(minv)
DEF_KERNELS(nansum)
DEF_KERNELS(sumabs)
DEF_KERNELS(sumsq)
DEF_KERNELS(maxabs)
DEF_KERNELS(minabs)
DEF_KERNELS(countnz)

/* ---- arg-reductions --------------------------------------------------------------------------
 * The first maximum (is_min: minimum) along the line rs[RMAXR-1] / ris[RMAXR-1]; a NaN beats every
 * number and the first NaN wins. values (the input's dtype, copied bit for bit) or indices
 * (int64) may be absent (has_v / has_i = 0). Partials hold the index of each part's winner.
 *   arg_seq     one work-item per (output, part)
 *   arg_wg      one work-group per (output, part), lanes strided (4 loads in flight), a tree
 *               that keeps the lower index on ties (GPUs)
 *   arg_cols    RCOLS neighbouring outputs per work-item, rows walked in order (GPUs: 4 rows'
 *               loads in flight, neighbouring work-items on neighbouring columns)
 *   arg_finish  the winner among the parts' winners (parts in order, strictly better only)
 *   arg_finish_wg  the same by a work-group per output (GPUs, many parts): lanes take parts in
 *               order, the tree keeps the lower index on ties, so the same winner
 */
FN int better(T x, T best, int is_min)
{
    if (ISNAN(best))
        return 0;
    if (ISNAN(x))
        return 1;
    return is_min ? x < best : x > best;
}

FN void arg_store(__global const IN_T* x, __global RAW_T* vals, __global long* inds, long io,
                  long oo, long st, long k, int has_v, int has_i)
{
    if (has_v)
        vals[oo] = RAW(x)[io + k * st];
    if (has_i)
        inds[oo] = k;
}

#if T_IS_FLOAT
typedef T TC;          /* compare type */
#else
typedef long TC;
#endif
#define ARGBLK 256

/* the largest (is_min: smallest) of len >= 1 contiguous elements; NaN if there is one */
FN TC blk_ext(__global const IN_T* p, long len, int is_min)
{
    long i = 1;
    TC m = (TC)LOAD_IN(p, 0);
    if (len >= 16) {
        T16 M = LOAD16(p, 0);
        if (is_min)
            for (i = 16; i + 16 <= len; i += 16) {
                T16 v = LOAD16(p, i);
                M = LT_(M, v);
            }
        else
            for (i = 16; i + 16 <= len; i += 16) {
                T16 v = LOAD16(p, i);
                M = GT_(M, v);
            }
        TC h[16];
        vstore16(M, 0, h);
        m = h[0];
        for (int j = 1; j < 16; j++) {
            TC v = h[j];
            m = is_min ? LT_(m, v) : GT_(m, v);
        }
    }
    for (; i < len; i++) {
        TC v = (TC)LOAD_IN(p, i);
        m = is_min ? LT_(m, v) : GT_(m, v);
    }
    return m;
}

/* index in [lo, hi) of the first extreme of p[i * st] (hi > lo) */
FN long arg_run(__global const IN_T* p, long lo, long hi, long st, int is_min)
{
    if (st == 1 && hi - lo >= 64) {
        /* as the CPU backend: the first block holding the extreme, then that block searched */
        long bb = lo;
        TC best = 0;
        int nanb = 0;
        for (long b0 = lo; b0 < hi; b0 += ARGBLK) {
            TC m = blk_ext(p + b0, min((long)ARGBLK, hi - b0), is_min);
            if (ISNAN(m)) {
                bb = b0;
                nanb = 1;
                break;
            }
            if (b0 == lo || (is_min ? m < best : m > best)) {
                best = m;
                bb = b0;
            }
        }
        long e = min(hi, bb + ARGBLK), i = bb;
        for (; i + 16 <= e; i += 16) {      /* the first 16 holding it, then one by one */
            T16 v = LOAD16(p, i);
#if T_IS_FLOAT
            TM16 hit = nanb ? ISNAN(v) : v == (T16)(best);
#else
            TM16 hit = v == (T16)(best);
#endif
            if (any(hit))
                break;
        }
        for (; i < e; i++) {
            TC v = (TC)LOAD_IN(p, i);
            if (nanb ? ISNAN(v) : v == best)
                return i;
        }
        return bb;
    }
    long bi = lo;
    T best = LOAD_IN(p, lo * st);
    if (ISNAN(best))
        return lo;
    for (long i = lo + 1; i < hi; i++) {
        T v = LOAD_IN(p, i * st);
        if (ISNAN(v))
            return i;
        if (is_min ? v < best : v > best) {
            best = v;
            bi = i;
        }
    }
    return bi;
}

__kernel void arg_seq(__global const IN_T* x, __global RAW_T* vals, __global long* inds,
                      __global long* part, rplan_t pl, int is_min, int has_v, int has_i)
{
    long g = get_global_id(0);
    if (g >= pl.nout * pl.parts)
        return;
    long o = g / pl.parts, k = g - o * pl.parts, io, oo;
    kept_offsets(&pl, o, RMAXK, &io, &oo);
    long st = pl.ris[RMAXR - 1], lo = k * pl.chunk, hi = min(pl.nred, lo + pl.chunk);
    long bi = arg_run(x + io, lo, hi, st, is_min);
    if (pl.parts > 1)
        part[g] = bi;
    else
        arg_store(x, vals, inds, io, oo, st, bi, has_v, has_i);
}

/* best / bi (the first strictly better wins; bi < 0: none yet) updated with element v at i */
#define ARG_TAKE(v, i)                                                                         \
    if (bi < 0 || better((v), best, is_min)) {                                                 \
        best = (v);                                                                            \
        bi = (i);                                                                              \
    }

/* the work-group's (best, bi) pairs combined by a tree in local memory: the better value wins,
 * the lower index on ties (so the first extreme, the first NaN); the winner in shv[0], shi[0] */
FN void arg_tree(__local T* shv, __local long* shi, T best, long bi, int l, int is_min)
{
    shv[l] = best;
    shi[l] = bi;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = RWG / 2; s > 0; s >>= 1) {
        if (l < s) {
            long bj = shi[l + s], bl = shi[l];
            T vj = shv[l + s], vl = shv[l];
            if (bj >= 0 && (bl < 0 || better(vj, vl, is_min) ||
                            (bj < bl && !better(vl, vj, is_min)))) {
                shv[l] = vj;
                shi[l] = bj;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

__kernel void arg_wg(__global const IN_T* x, __global RAW_T* vals, __global long* inds,
                     __global long* part, rplan_t pl, int is_min, int has_v, int has_i)
{
    __local T shv[RWG];
    __local long shi[RWG];
    long g = get_group_id(0);
    int l = get_local_id(0);
    long o = g / pl.parts, k = g - o * pl.parts, io, oo;
    kept_offsets(&pl, o, RMAXK, &io, &oo);
    long st = pl.ris[RMAXR - 1], lo = k * pl.chunk, hi = min(pl.nred, lo + pl.chunk);
    long bi = -1;
    T best = 0;
    long i = lo + l;
    for (; i + 3 * RWG < hi; i += 4 * RWG) {     /* 4 loads in flight, then taken in order */
        T v0 = LOAD_IN(x, io + i * st), v1 = LOAD_IN(x, io + (i + RWG) * st);
        T v2 = LOAD_IN(x, io + (i + 2 * RWG) * st), v3 = LOAD_IN(x, io + (i + 3 * RWG) * st);
        ARG_TAKE(v0, i)
        ARG_TAKE(v1, i + RWG)
        ARG_TAKE(v2, i + 2 * RWG)
        ARG_TAKE(v3, i + 3 * RWG)
    }
    for (; i < hi; i += RWG) {
        T v = LOAD_IN(x, io + i * st);
        ARG_TAKE(v, i)
    }
    arg_tree(shv, shi, best, bi, l, is_min);
    if (l == 0) {
        if (pl.parts > 1)
            part[g] = shi[0];
        else
            arg_store(x, vals, inds, io, oo, st, shi[0], has_v, has_i);
    }
}

/* arg_cols' take of element v at row r: strictly better, or the first NaN */
#define COL_TAKE(v, r)                                                                         \
    {                                                                                          \
        int take = !ISNAN(best) && ((is_min ? (v) < best : (v) > best) || ISNAN(v));           \
        best = take ? (v) : best;                                                              \
        b = take ? (r) : b;                                                                    \
    }

__kernel void arg_cols(__global const IN_T* x, __global RAW_T* vals, __global long* inds,
                       __global long* part, rplan_t pl, int is_min, int has_v, int has_i)
{
    long Lk = pl.ks[RMAXK - 1], nb = (Lk + RCOLS - 1) / RCOLS, jobs = pl.nout / Lk * nb;
    long g = get_global_id(0);
    if (g >= jobs * pl.parts)
        return;
    COLS_JOB(jobs)
    long outer = ob / nb, j0 = (ob - outer * nb) * RCOLS;
    long kin = pl.kis[RMAXK - 1], kon = pl.kos[RMAXK - 1], st = pl.ris[RMAXR - 1], io, oo;
    int jn = (int)min((long)RCOLS, Lk - j0);
    kept_offsets(&pl, outer, RMAXK - 1, &io, &oo);
    io += j0 * kin;
    oo += j0 * kon;
    long lo = k * pl.chunk, hi = min(pl.nred, lo + pl.chunk);
    long bi[RCOLS];
#if RCOLS == 16
    if (jn == 16 && kin == 1) {
        T16 B = LOAD16(x + io + lo * st, 0);
        long16 BI = (long16)(lo);
        for (long r = lo + 1; r < hi; r++) {
            T16 v = LOAD16(x + io + r * st, 0);
#if T_IS_FLOAT
            TM16 take = (B == B) & ((is_min ? v < B : v > B) | ISNAN(v));
#else
            TM16 take = is_min ? v < B : v > B;
#endif
            B = select(B, v, take);
            BI = select(BI, (long16)(r), convert_long16(take));

        }
        vstore16(BI, 0, bi);
    } else
#endif
#if RCOLS == 1
    {                                   /* GPUs: 4 rows' loads in flight, taken in row order */
        T best = LOAD_IN(x, io + lo * st);
        long b = lo, r = lo + 1;
        for (; r + 4 <= hi; r += 4) {
            T v0 = LOAD_IN(x, io + r * st), v1 = LOAD_IN(x, io + (r + 1) * st);
            T v2 = LOAD_IN(x, io + (r + 2) * st), v3 = LOAD_IN(x, io + (r + 3) * st);
            COL_TAKE(v0, r)
            COL_TAKE(v1, r + 1)
            COL_TAKE(v2, r + 2)
            COL_TAKE(v3, r + 3)
        }
        for (; r < hi; r++) {
            T v = LOAD_IN(x, io + r * st);
            COL_TAKE(v, r)
        }
        bi[0] = b;
    }
#else
    {
        T best[RCOLS];
        for (int j = 0; j < RCOLS && j < jn; j++) {
            best[j] = LOAD_IN(x, io + lo * st + j * kin);
            bi[j] = lo;
        }
        for (long r = lo + 1; r < hi; r++) {
            __global const IN_T* q = x + io + r * st;
            for (int j = 0; j < RCOLS && j < jn; j++) {
                T v = LOAD_IN(q, j * kin), b = best[j];
                int take = !ISNAN(b) && ((is_min ? v < b : v > b) || ISNAN(v));
                best[j] = take ? v : b;
                bi[j] = take ? r : bi[j];
            }
        }
    }
#endif
    long o0 = outer * Lk + j0;
    for (int j = 0; j < RCOLS && j < jn; j++) {
        if (pl.parts > 1)
            part[(o0 + j) * pl.parts + k] = bi[j];
        else
            arg_store(x, vals, inds, io + j * kin, oo + j * kon, st, bi[j], has_v, has_i);
    }
}

__kernel void arg_finish(__global const IN_T* x, __global RAW_T* vals, __global long* inds,
                         __global const long* part, rplan_t pl, int is_min, int has_v, int has_i)
{
    long o = get_global_id(0), io, oo;
    if (o >= pl.nout)
        return;
    kept_offsets(&pl, o, RMAXK, &io, &oo);
    long st = pl.ris[RMAXR - 1];
    __global const long* q = part + o * pl.parts;
    long bi = q[0];
    T best = LOAD_IN(x, io + bi * st);
    for (long k = 1; k < pl.parts; k++) {
        T v = LOAD_IN(x, io + q[k] * st);
        if (better(v, best, is_min)) {
            best = v;
            bi = q[k];
        }
    }
    arg_store(x, vals, inds, io, oo, st, bi, has_v, has_i);
}

/* arg_finish for many parts (GPUs, few outputs): a work-group per output, lanes take the parts
 * l, l + RWG, ... in order, then the tree; the same winner as arg_finish (ties: lower index) */
__kernel void arg_finish_wg(__global const IN_T* x, __global RAW_T* vals, __global long* inds,
                            __global const long* part, rplan_t pl, int is_min, int has_v,
                            int has_i)
{
    __local T shv[RWG];
    __local long shi[RWG];
    long o = get_group_id(0), io, oo;
    int l = get_local_id(0);
    kept_offsets(&pl, o, RMAXK, &io, &oo);
    long st = pl.ris[RMAXR - 1];
    __global const long* q = part + o * pl.parts;
    long bi = -1;
    T best = 0;
    for (long k = l; k < pl.parts; k += RWG) {
        long i = q[k];
        T v = LOAD_IN(x, io + i * st);
        ARG_TAKE(v, i)
    }
    arg_tree(shv, shi, best, bi, l, is_min);
    if (l == 0)
        arg_store(x, vals, inds, io, oo, st, shi[0], has_v, has_i);
}
