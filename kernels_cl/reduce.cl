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
 * The arg-reductions (same plans, same layouts) are in argreduce.cl.
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
