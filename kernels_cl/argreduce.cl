/* Arg-reductions: first max / min and its index (NaN wins), over any axis, per input dtype
 * (-D IN_CODE; bool shares uint8's). The same plans (rplan_t, reduce_common.h) and the same
 * kernel layouts as the reductions of reduce.cl (see its header):
 *   arg_seq / arg_wg / arg_cols  a work-item / a work-group per output / a work-item per column
 *   arg_finish / arg_finish_wg   combine the parts of split outputs in order
 */
#include "reduce_common.h"

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
