/* Inclusive scans along one dim: cumsum, cumprod, logcumsumexp, cummax, cummin (with indices).
 *
 * One program per input dtype (-D IN_CODE), kernels per op (the op in the name). The line is
 * rs[RMAXR-1] / ris[RMAXR-1] of the plan (reduce_common.h), its output stride `los`; the indices
 * (cummax / cummin, int64) share the output's strides. State: the accumulator (double for
 * floats, int64 for integers, as the CPU backend) and the index of the running extreme.
 *   scan_line_<op>   one work-item per (line, part) walks its elements in order. With parts > 1
 *                    each part starts from the carry of the parts before it (scan_tot then
 *                    scan_carry), so a few long lines still use every core; the carry is exact
 *                    for cummax / cummin and reassociates sums only at part boundaries.
 *   scan_tot_<op>    the aggregate state of each (line, part)
 *   scan_carry_<op>  per line: the exclusive prefix of the parts' aggregates, in place
 *   scan_cols_<op>   the scanned dim is not innermost in memory: RCOLS neighbouring lines per
 *                    work-item advance together one row at a time (contiguous loads; 16-wide
 *                    vectors on CPUs, except logcumsumexp)
 */
#include "reduce_common.h"

FN ACC logaddexp_(ACC x, ACC y)
{
#if T_IS_FLOAT
    /* as PyTorch's _log_add_exp_helper: equal infinities stay themselves */
    ACC mn = y < x ? y : x, mx = x < y ? y : x;
    if (mn != mx || isfinite(mn))
        return log1p(exp(mn - mx)) + mx;
#endif
    return x;
}

#if T_IS_FLOAT
#define LOGZERO (-INFINITY)
#else
#define LOGZERO 0
#endif

#define INIT_cumsum(first) 0
#define INIT_cumprod(first) 1
#define INIT_logcumsumexp(first) LOGZERO
#define INIT_cummax(first) (first)
#define INIT_cummin(first) (first)

/* advance the state (acc, ai) by element x at position i */
#define STEP_cumsum(acc, ai, x, i) acc += (x)
#define STEP_cumprod(acc, ai, x, i) acc *= (x)
#define STEP_logcumsumexp(acc, ai, x, i) acc = logaddexp_(acc, (x))
/* ties move to the later index, NaN sticks (PyTorch's cummax_cummin_helper) */
#define STEP_cummax(acc, ai, x, i)                                                             \
    if (ISNAN(x) || (!ISNAN(acc) && (x) >= acc)) {                                             \
        acc = (x);                                                                             \
        ai = (i);                                                                              \
    }
#define STEP_cummin(acc, ai, x, i)                                                             \
    if (ISNAN(x) || (!ISNAN(acc) && (x) <= acc)) {                                             \
        acc = (x);                                                                             \
        ai = (i);                                                                              \
    }

/* the same steps on 16 lines at once (cumsum, cumprod, cummax, cummin; AI: long16 indices) */
#define VEC_INIT_cumsum(A) ((ACC16)(0))
#define VEC_INIT_cumprod(A) ((ACC16)(1))
#define VEC_INIT_logcumsumexp(A) (A)
#define VEC_INIT_cummax(A) (A)
#define VEC_INIT_cummin(A) (A)
#define STEPV_cumsum(A, AI, V, i) A += (V)
#define STEPV_cumprod(A, AI, V, i) A *= (V)
#define STEPV_logcumsumexp(A, AI, V, i)
#define STEPV_cummax(A, AI, V, i)                                                              \
    {                                                                                          \
        AM16 t_ = ISNAN(V) | (NOTNAN(A) & ((V) >= A));                                         \
        A = select(A, (V), t_);                                                                \
        AI = select(AI, (long16)(i), convert_long16(t_));                                      \
    }
#define STEPV_cummin(A, AI, V, i)                                                              \
    {                                                                                          \
        AM16 t_ = ISNAN(V) | (NOTNAN(A) & ((V) <= A));                                         \
        A = select(A, (V), t_);                                                                \
        AI = select(AI, (long16)(i), convert_long16(t_));                                      \
    }
#define VEC_cumsum 1
#define VEC_cumprod 1
#define VEC_logcumsumexp 0
#define VEC_cummax 1
#define VEC_cummin 1

#define DEF_SCAN(op)                                                                           \
__kernel void scan_line_##op(__global const IN_T* x, __global void* out, __global long* inds,  \
                             __global const ACC* cv, __global const long* ci, rplan_t pl,      \
                             int ocode, int has_i)                                             \
{                                                                                              \
    long g = get_global_id(0);                                                                 \
    if (g >= pl.nout * pl.parts)                                                               \
        return;                                                                                \
    long o = g / pl.parts, k = g - o * pl.parts, io, oo;                                       \
    kept_offsets(&pl, o, RMAXK, &io, &oo);                                                     \
    long n = pl.rs[RMAXR - 1], si = pl.ris[RMAXR - 1], so = pl.los;                            \
    long lo = k * pl.chunk, hi = min(n, lo + pl.chunk);                                        \
    ACC acc = (ACC)INIT_##op((ACC)LOAD_IN(x, io));                                             \
    long ai = 0;                                                                               \
    if (k > 0) {                                                                               \
        acc = cv[g];                                                                           \
        ai = ci[g];                                                                            \
    }                                                                                          \
    for (long i = lo; i < hi; i++) {                                                           \
        ACC v = (ACC)LOAD_IN(x, io + i * si);                                                  \
        STEP_##op(acc, ai, v, i);                                                              \
        store_any(out, oo + i * so, ocode, acc);                                               \
        if (has_i)                                                                             \
            inds[oo + i * so] = ai;                                                            \
    }                                                                                          \
}                                                                                              \
__kernel void scan_tot_##op(__global const IN_T* x, __global ACC* cv, __global long* ci,       \
                            rplan_t pl)                                                        \
{                                                                                              \
    long g = get_global_id(0);                                                                 \
    if (g >= pl.nout * pl.parts)                                                               \
        return;                                                                                \
    long o = g / pl.parts, k = g - o * pl.parts, io, oo;                                       \
    kept_offsets(&pl, o, RMAXK, &io, &oo);                                                     \
    long n = pl.rs[RMAXR - 1], si = pl.ris[RMAXR - 1];                                         \
    long lo = k * pl.chunk, hi = min(n, lo + pl.chunk);                                        \
    ACC acc = (ACC)INIT_##op((ACC)LOAD_IN(x, io + lo * si));                                   \
    long ai = lo;                                                                              \
    for (long i = lo; i < hi; i++) {                                                           \
        ACC v = (ACC)LOAD_IN(x, io + i * si);                                                  \
        STEP_##op(acc, ai, v, i);                                                              \
    }                                                                                          \
    cv[g] = acc;                                                                               \
    ci[g] = ai;                                                                                \
}                                                                                              \
__kernel void scan_carry_##op(__global ACC* cv, __global long* ci, rplan_t pl)                 \
{                                                                                              \
    long o = get_global_id(0);                                                                 \
    if (o >= pl.nout)                                                                          \
        return;                                                                                \
    __global ACC* v = cv + o * pl.parts;                                                       \
    __global long* c = ci + o * pl.parts;                                                      \
    ACC acc = v[0];                                                                            \
    long ai = c[0];                                                                            \
    for (long k = 1; k < pl.parts; k++) {                                                      \
        ACC t = v[k];                                                                          \
        long ti = c[k];                                                                        \
        v[k] = acc;                                                                            \
        c[k] = ai;                                                                             \
        STEP_##op(acc, ai, t, ti);                                                             \
    }                                                                                          \
}                                                                                              \
__kernel void scan_cols_##op(__global const IN_T* x, __global void* out, __global long* inds,  \
                             rplan_t pl, int ocode, int has_i)                                 \
{                                                                                              \
    long Lk = pl.ks[RMAXK - 1], nb = (Lk + RCOLS - 1) / RCOLS;                                 \
    long g = get_global_id(0);                                                                 \
    if (g >= pl.nout / Lk * nb)                                                                \
        return;                                                                                \
    long outer = g / nb, j0 = (g - outer * nb) * RCOLS;                                        \
    long kin = pl.kis[RMAXK - 1], kon = pl.kos[RMAXK - 1], io, oo;                             \
    long n = pl.rs[RMAXR - 1], si = pl.ris[RMAXR - 1], so = pl.los;                            \
    int jn = (int)min((long)RCOLS, Lk - j0);                                                   \
    kept_offsets(&pl, outer, RMAXK - 1, &io, &oo);                                             \
    io += j0 * kin;                                                                            \
    oo += j0 * kon;                                                                            \
    if (RCOLS == 16 && VEC_##op && jn == 16 && kin == 1 && kon == 1) {                         \
        ACC16 A = CVT_ACC16(LOAD16(x + io, 0));                                                \
        A = VEC_INIT_##op(A);                                                                  \
        long16 AI = (long16)(0);                                                               \
        for (long i = 0; i < n; i++) {                                                         \
            ACC16 V = CVT_ACC16(LOAD16(x + io + i * si, 0));                                   \
            STEPV_##op(A, AI, V, i);                                                           \
            store16_any(out, oo + i * so, ocode, A);                                           \
            if (has_i)                                                                         \
                vstore16(AI, 0, inds + oo + i * so);                                           \
        }                                                                                      \
        return;                                                                                \
    }                                                                                          \
    ACC acc[RCOLS];                                                                            \
    long ai[RCOLS];                                                                            \
    for (int j = 0; j < RCOLS && j < jn; j++) {                                                \
        acc[j] = (ACC)INIT_##op((ACC)LOAD_IN(x, io + j * kin));                                \
        ai[j] = 0;                                                                             \
    }                                                                                          \
    for (long i = 0; i < n; i++) {                                                             \
        for (int j = 0; j < RCOLS && j < jn; j++) {                                            \
            ACC v = (ACC)LOAD_IN(x, io + i * si + j * kin), a = acc[j];                        \
            long b = ai[j];                                                                    \
            STEP_##op(a, b, v, i);                                                             \
            acc[j] = a;                                                                        \
            ai[j] = b;                                                                         \
            store_any(out, oo + i * so + j * kon, ocode, a);                                   \
            if (has_i)                                                                         \
                inds[oo + i * so + j * kon] = b;                                               \
        }                                                                                      \
    }                                                                                          \
}

DEF_SCAN(cumsum)
DEF_SCAN(cumprod)
DEF_SCAN(logcumsumexp)
DEF_SCAN(cummax)
DEF_SCAN(cummin)
