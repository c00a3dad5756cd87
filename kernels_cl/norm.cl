/* Normalization kernels: layer norm (forward, input gradient), group norm (forward), and the
 * batch-norm building blocks (per-channel reductions over (N, C, S), per-channel affine).
 *
 * One program per floating input dtype (-D IN_CODE, RWG, RCOLS as reduce_common.h). Half types
 * load and store as such and compute in float, as the CPU backend's float32 temporaries. Sums
 * accumulate in ACC (double where the device has fp64, as the CPU backend); statistics are stored
 * as S_T (float32 for half inputs, the ops layer's statistics dtype). Every buffer comes with an
 * element offset in the nplan_t record (nn_common.h); an absent optional one (weight, bias, ...)
 * is a placeholder never read, its flags bit clear.
 *
 * Rows (layer norm, group norm) by device class, as softmax.cl:
 *   *_seq   one work-item per row, contiguous runs read 16 lanes wide (CPU runtimes: PoCL
 *           vectorizes nothing across a loop inside a kernel otherwise);
 *   *_wg    one work-group of RWG lanes per row, sums by trees in local memory (GPUs); layer
 *           norm keeps rows of up to LN_REG * RWG elements in registers between its passes
 *           (one read of global memory instead of three), longer rows stream NU loads at a time.
 * Statistics are two-pass (mean, then the squared deviations from it): exact enough without fp64.
 *
 * Channel reductions chan_<kind>_<mode> over (N, C, S), split in `parts` ranges of `chunk` rows
 * (chan_wg: of `chunk` elements of the channel's N * S) whose partial sums (two per channel, ACC)
 * chan_finish adds in order and stores:
 *   chan_runs_*   S > 1, a work-item per (part, channel) walking runs of S (CPU runtimes)
 *   chan_wg_*     S > 1, a work-group per (part, channel) (GPUs): ranges of elements, not rows,
 *                 so a GPU gets >= 4 work-groups per CU whatever N (nn_kernels._chan_split);
 *                 lanes step through the channel's runs without a division per element, NU
 *                 loads in flight; modes with two sums fold both in one tree (wg_sum2)
 *   chan_cols_*   S == 1 ((N, C) rows), a work-item per (part, RCOLS neighbouring channels):
 *                 16 lanes wide on CPUs, coalesced across work-items on GPUs (RCOLS 1), NU rows
 *                 loaded at a time there
 * Modes: sum (x), sqdev ((x - mean[c])^2), gdot (g and g * (x - mean[c])), lnaff (layer norm's
 * affine gradients: g * xhat and g, xhat from the row statistics mean[n], rstd[n]).
 *
 * Per-channel affine: chan_affine_seq (a work-item per run or row, CPU runtimes) and
 * chan_affine_s (a work-item per element, GPUs). Batch norm in training is five launches forward
 * (sum + chan_finish: the means; sqdev + bn_fwd_finish: the variances, the affine coefficients
 * and the running statistics; chan_affine) and three backward (gdot, bn_bwd_finish,
 * chan_affine) instead of a dozen small elementwise ops between them.
 */
#include "nn_common.h"

/* mean and biased variance of p[0 .. n) (n > 0), two passes */
FN void row_moments(__global const IN_T* p, long n, ACC* mean, ACC* var)
{
    long i, nv = n & ~15L;
    ACC16 S = (ACC16)(0);
    for (i = 0; i < nv; i += 16)
        S += CVT_ACC16(LOAD16(p, i));
    ACC s = fold16(S);
    for (i = nv; i < n; i++)
        s += CVS(LOAD_IN(p, i));
    ACC m = s / n;
    ACC16 Q = (ACC16)(0);
    for (i = 0; i < nv; i += 16) {
        ACC16 d = CVT_ACC16(LOAD16(p, i)) - m;
        Q += d * d;
    }
    ACC q = fold16(Q);
    for (i = nv; i < n; i++) {
        ACC d = CVS(LOAD_IN(p, i)) - m;
        q += d * d;
    }
    *mean = m;
    *var = q / n;
}

/* The GPU kernels' loads. A lane with one load in flight is latency-bound on a GPU: HBM needs
 * ~20 KB in flight per SM (Little's law: ~4.8 TB/s x ~600 ns over 132 SMs), one 4-byte load per
 * lane of 2048 is 8 KB. So the strided loops of the *_wg and chan_* GPU kernels issue NU loads
 * (independent addresses, REP_NU slots: scalars, never a private array the compiler might spill)
 * before folding them in in element order: the same sums, in the same order, as a loop loading
 * one element at a time. */
#define NN_GPU (RCOLS == 1)          /* the GPU program (RCOLS 1: see _nn_defines) */
#define NU 4
#define REP_NU(X, a) X(0, a) X(1, a) X(2, a) X(3, a)
#define REP8(X, a) X(0, a) X(1, a) X(2, a) X(3, a) X(4, a) X(5, a) X(6, a) X(7, a)
/* values a lane of ln_fwd_wg / ln_bwd_wg holds in registers: rows of up to LN_REG * RWG elements
 * (2048: layer norm widths up to 2048 take it) are read from global memory once, not once per
 * pass (stats, then output); longer rows stream NU loads at a time */
#define LN_REG 8
#define REP_LN REP8

FN void row_moments_wg(__global const IN_T* p, long n, __local ACC* sh, ACC* mean, ACC* var)
{
    long l = get_local_id(0), i;
    ACC s = 0, q = 0;
#define RM_LOAD(k, a) T v_##k = LOAD_IN(p, i + k * RWG);
#define RM_SUM(k, a) s += CVS(v_##k);
#define RM_SQ(k, a) { ACC d = CVS(v_##k) - m; q += d * d; }
    for (i = l; i + (NU - 1) * RWG < n; i += NU * RWG) {
        REP_NU(RM_LOAD, 0)
        REP_NU(RM_SUM, 0)
    }
    for (; i < n; i += RWG)
        s += CVS(LOAD_IN(p, i));
    ACC m = wg_sum(s, sh) / n;
    for (i = l; i + (NU - 1) * RWG < n; i += NU * RWG) {
        REP_NU(RM_LOAD, 0)
        REP_NU(RM_SQ, 0)
    }
    for (; i < n; i += RWG) {
        ACC d = CVS(LOAD_IN(p, i)) - m;
        q += d * d;
    }
    *mean = m;
    *var = wg_sum(q, sh) / n;
}

/* ---- layer norm ---------------------------------------------------------------------------
 * buffers x, y, mean, rstd, w, b (w, b optional: flags bits 4, 5); rows of n elements:
 * y = (x - mean) * rstd * w + b in T, mean / rstd in ACC, stored as S_T */
/* stores the row's statistics; returns rstd as the output sweep uses it (rounded to S_T) */
FN T ln_stats(__global S_T* mean, __global S_T* rstd, const nplan_t* pl, long r, ACC m, ACC v,
              PT eps, int store)
{
    S_T rs = (S_T)(1 / sqrt(v + (ACC)eps));
    if (store) {
        mean[pl->off[2] + r] = (S_T)m;
        rstd[pl->off[3] + r] = rs;
    }
    return (T)rs;
}

__kernel void ln_fwd_seq(__global const IN_T* x, __global IN_T* y, __global S_T* mean,
                         __global S_T* rstd, __global const IN_T* w, __global const IN_T* b,
                         nplan_t pl, PT eps)
{
    long r = get_global_id(0);
    if (r >= pl.rows)
        return;
    long n = pl.n, nv = n & ~15L, i;
    __global const IN_T* xr = x + pl.off[0] + r * n;
    __global IN_T* yr = y + pl.off[1] + r * n;
    __global const IN_T* wr = w + pl.off[4];
    __global const IN_T* br = b + pl.off[5];
    ACC m, v;
    row_moments(xr, n, &m, &v);
    T mt = (T)m, rt = ln_stats(mean, rstd, &pl, r, m, v, eps, 1);
    int hw = HAS(pl, 4), hb = HAS(pl, 5);
    for (i = 0; i < nv; i += 16) {
        T16 o = (LOAD16(xr, i) - mt) * rt;
        if (hw)
            o = o * LOAD16(wr, i);
        if (hb)
            o = o + LOAD16(br, i);
        STORE16_T(yr, i, o);
    }
    for (i = nv; i < n; i++) {
        T o = (LOAD_IN(xr, i) - mt) * rt;
        if (hw)
            o = o * LOAD_IN(wr, i);
        if (hb)
            o = o + LOAD_IN(br, i);
        STORE_T(yr, i, o);
    }
}

/* one output element of layer norm */
#define LN_OUT(yr, i, xv, wv, bv)                                                              \
    {                                                                                          \
        T o_ = ((xv) - mt) * rt;                                                               \
        if (hw)                                                                                \
            o_ = o_ * (wv);                                                                    \
        if (hb)                                                                                \
            o_ = o_ + (bv);                                                                    \
        STORE_T(yr, i, o_);                                                                    \
    }

/* GPUs: a row per work-group; rows up to LN_REG * RWG held in registers (slot k: element
 * l + k * RWG), longer ones re-read per pass with NU loads in flight. Same sums in the same order
 * either way. */
__kernel void ln_fwd_wg(__global const IN_T* x, __global IN_T* y, __global S_T* mean,
                        __global S_T* rstd, __global const IN_T* w, __global const IN_T* b,
                        nplan_t pl, PT eps)
{
    __local ACC sh[RWG];
    long r = get_group_id(0), n = pl.n, l = get_local_id(0), i;
    __global const IN_T* xr = x + pl.off[0] + r * n;
    __global IN_T* yr = y + pl.off[1] + r * n;
    __global const IN_T* wr = w + pl.off[4];
    __global const IN_T* br = b + pl.off[5];
    int hw = HAS(pl, 4), hb = HAS(pl, 5);
    ACC m, v;
    if (n <= LN_REG * RWG) {
#define LF_LOAD(k, a) T v_##k = l + k * RWG < n ? LOAD_IN(xr, l + k * RWG) : (T)0;
#define LF_SUM(k, a) if (l + k * RWG < n) s += CVS(v_##k);
#define LF_SQ(k, a) if (l + k * RWG < n) { ACC d = CVS(v_##k) - m; q += d * d; }
#define LF_AFF(k, a)                                                                           \
        T w_##k = hw && l + k * RWG < n ? LOAD_IN(wr, l + k * RWG) : (T)0;                     \
        T b_##k = hb && l + k * RWG < n ? LOAD_IN(br, l + k * RWG) : (T)0;
#define LF_OUT(k, a) if (l + k * RWG < n) LN_OUT(yr, l + k * RWG, v_##k, w_##k, b_##k)
        ACC s = 0, q = 0;
        REP_LN(LF_LOAD, 0)
        REP_LN(LF_SUM, 0)
        m = wg_sum(s, sh) / n;
        REP_LN(LF_SQ, 0)
        v = wg_sum(q, sh) / n;
        T mt = (T)m, rt = ln_stats(mean, rstd, &pl, r, m, v, eps, l == 0);
        REP_LN(LF_AFF, 0)
        REP_LN(LF_OUT, 0)
        return;
    }
    row_moments_wg(xr, n, sh, &m, &v);
    T mt = (T)m, rt = ln_stats(mean, rstd, &pl, r, m, v, eps, l == 0);
#define LS_LOAD(k, a)                                                                          \
    T v_##k = LOAD_IN(xr, i + k * RWG);                                                        \
    T w_##k = hw ? LOAD_IN(wr, i + k * RWG) : (T)0;                                            \
    T b_##k = hb ? LOAD_IN(br, i + k * RWG) : (T)0;
#define LS_OUT(k, a) LN_OUT(yr, i + k * RWG, v_##k, w_##k, b_##k)
    for (i = l; i + (NU - 1) * RWG < n; i += NU * RWG) {
        REP_NU(LS_LOAD, 0)
        REP_NU(LS_OUT, 0)
    }
    for (; i < n; i += RWG)
        LN_OUT(yr, i, LOAD_IN(xr, i), hw ? LOAD_IN(wr, i) : (T)0, hb ? LOAD_IN(br, i) : (T)0)
}

/* input gradient of a row: gi = r * (g*w - mean(g*w) - xhat * mean(g*w*xhat)), with the two
 * means accumulated in ACC and rounded to T (as the CPU backend).
 * buffers gi, g, x, mean, rstd, w (w optional: flags bit 5) */
__kernel void ln_bwd_seq(__global IN_T* gi, __global const IN_T* g, __global const IN_T* x,
                         __global const S_T* mean, __global const S_T* rstd,
                         __global const IN_T* w, nplan_t pl)
{
    long r = get_global_id(0);
    if (r >= pl.rows)
        return;
    long n = pl.n, nv = n & ~15L, i;
    __global const IN_T* gr = g + pl.off[1] + r * n;
    __global const IN_T* xr = x + pl.off[2] + r * n;
    __global const IN_T* wr = w + pl.off[5];
    __global IN_T* out = gi + pl.off[0] + r * n;
    T m = (T)mean[pl.off[3] + r], rs = (T)rstd[pl.off[4] + r];
    ACC md = m;
    int hw = HAS(pl, 5);
    ACC16 A = (ACC16)(0), Cs = (ACC16)(0);
    for (i = 0; i < nv; i += 16) {
        ACC16 gw = CVT_ACC16(LOAD16(gr, i));
        if (hw)
            gw = gw * CVT_ACC16(LOAD16(wr, i));
        A += gw;
        Cs += gw * (CVT_ACC16(LOAD16(xr, i)) - md);
    }
    ACC a = fold16(A), c = fold16(Cs);
    for (i = nv; i < n; i++) {
        ACC gw = CVS(LOAD_IN(gr, i)) * (hw ? CVS(LOAD_IN(wr, i)) : (ACC)1);
        a += gw;
        c += gw * (CVS(LOAD_IN(xr, i)) - md);
    }
    c *= (ACC)rs;
    T k1 = (T)(a / n), k2 = (T)(c / n);
    for (i = 0; i < nv; i += 16) {
        T16 gw = LOAD16(gr, i);
        if (hw)
            gw = gw * LOAD16(wr, i);
        STORE16_T(out, i, rs * (gw - k1 - (LOAD16(xr, i) - m) * rs * k2));
    }
    for (i = nv; i < n; i++) {
        T gw = LOAD_IN(gr, i);
        if (hw)
            gw = gw * LOAD_IN(wr, i);
        STORE_T(out, i, rs * (gw - k1 - (LOAD_IN(xr, i) - m) * rs * k2));
    }
}

/* one row element's contributions to the two sums, and its input gradient */
#define LNB_ACC(gv, xv, wv)                                                                    \
    {                                                                                          \
        ACC gw_ = CVS(gv) * (hw ? CVS(wv) : (ACC)1);                                           \
        a += gw_;                                                                              \
        c += gw_ * (CVS(xv) - md);                                                             \
    }
#define LNB_OUT(i, gv, xv, wv)                                                                 \
    {                                                                                          \
        T gw_ = (gv);                                                                          \
        if (hw)                                                                                \
            gw_ = gw_ * (wv);                                                                  \
        STORE_T(out, i, rs * (gw_ - k1 - ((xv) - m) * rs * k2));                               \
    }

/* GPUs: as ln_fwd_wg, g, x (and w) of rows up to LN_REG * RWG held in registers between the
 * two passes; both sums folded by one tree (wg_sum2) */
__kernel void ln_bwd_wg(__global IN_T* gi, __global const IN_T* g, __global const IN_T* x,
                        __global const S_T* mean, __global const S_T* rstd,
                        __global const IN_T* w, nplan_t pl)
{
    __local ACC sh[2 * RWG];
    long r = get_group_id(0), n = pl.n, l = get_local_id(0), i;
    __global const IN_T* gr = g + pl.off[1] + r * n;
    __global const IN_T* xr = x + pl.off[2] + r * n;
    __global const IN_T* wr = w + pl.off[5];
    __global IN_T* out = gi + pl.off[0] + r * n;
    T m = (T)mean[pl.off[3] + r], rs = (T)rstd[pl.off[4] + r];
    ACC md = m, a = 0, c = 0;
    int hw = HAS(pl, 5);
    if (n <= LN_REG * RWG) {
#define LB_LOAD(k, a_)                                                                         \
        int in_##k = l + k * RWG < n;                                                          \
        T g_##k = in_##k ? LOAD_IN(gr, l + k * RWG) : (T)0;                                    \
        T x_##k = in_##k ? LOAD_IN(xr, l + k * RWG) : (T)0;                                    \
        T w_##k = hw && in_##k ? LOAD_IN(wr, l + k * RWG) : (T)0;
#define LB_ACC(k, a_) if (in_##k) LNB_ACC(g_##k, x_##k, w_##k)
#define LB_OUT(k, a_) if (in_##k) LNB_OUT(l + k * RWG, g_##k, x_##k, w_##k)
        REP_LN(LB_LOAD, 0)
        REP_LN(LB_ACC, 0)
        wg_sum2(&a, &c, sh);
        c *= (ACC)rs;
        T k1 = (T)(a / n), k2 = (T)(c / n);
        REP_LN(LB_OUT, 0)
        return;
    }
#define LBS_LOAD(k, a_)                                                                        \
    T g_##k = LOAD_IN(gr, i + k * RWG);                                                        \
    T x_##k = LOAD_IN(xr, i + k * RWG);                                                        \
    T w_##k = hw ? LOAD_IN(wr, i + k * RWG) : (T)0;
#define LBS_ACC(k, a_) LNB_ACC(g_##k, x_##k, w_##k)
#define LBS_OUT(k, a_) LNB_OUT(i + k * RWG, g_##k, x_##k, w_##k)
    for (i = l; i + (NU - 1) * RWG < n; i += NU * RWG) {
        REP_NU(LBS_LOAD, 0)
        REP_NU(LBS_ACC, 0)
    }
    for (; i < n; i += RWG)
        LNB_ACC(LOAD_IN(gr, i), LOAD_IN(xr, i), hw ? LOAD_IN(wr, i) : (T)0)
    wg_sum2(&a, &c, sh);
    c *= (ACC)rs;
    T k1 = (T)(a / n), k2 = (T)(c / n);
    for (i = l; i + (NU - 1) * RWG < n; i += NU * RWG) {
        REP_NU(LBS_LOAD, 0)
        REP_NU(LBS_OUT, 0)
    }
    for (; i < n; i += RWG)
        LNB_OUT(i, LOAD_IN(gr, i), LOAD_IN(xr, i), hw ? LOAD_IN(wr, i) : (T)0)
}

/* ---- group norm: rows of C/G channels of S elements; buffers x, y, mean, rstd, w, b ---------
 * per channel: y = x * sc + sh with sc = rstd * w[c], sh = b[c] - mean * sc (as the CPU) */
FN void gn_coeffs(__global const IN_T* w, __global const IN_T* b, const nplan_t* pl, long c,
                  ACC m, ACC rs, T* sc, T* sh)
{
    T s = (T)(rs * (HAS(*pl, 4) ? CVS(LOAD_IN(w, pl->off[4] + c)) : (ACC)1));
    *sc = s;
    *sh = (T)((HAS(*pl, 5) ? CVS(LOAD_IN(b, pl->off[5] + c)) : (ACC)0) - m * s);
}

__kernel void gn_fwd_seq(__global const IN_T* x, __global IN_T* y, __global S_T* mean,
                         __global S_T* rstd, __global const IN_T* w, __global const IN_T* b,
                         nplan_t pl, PT eps)
{
    long r = get_global_id(0);
    if (r >= pl.rows)
        return;
    long n = pl.n, S = pl.S, cg = pl.C / pl.G, sv = S & ~15L;
    __global const IN_T* xr = x + pl.off[0] + r * n;
    __global IN_T* yr = y + pl.off[1] + r * n;
    ACC m, v;
    row_moments(xr, n, &m, &v);
    ACC rs = 1 / sqrt(v + (ACC)eps);
    mean[pl.off[2] + r] = (S_T)m;
    rstd[pl.off[3] + r] = (S_T)rs;
    long c0 = (r % pl.G) * cg;
    for (long c = 0; c < cg; c++) {
        T sc, sh;
        gn_coeffs(w, b, &pl, c0 + c, m, rs, &sc, &sh);
        __global const IN_T* xc = xr + c * S;
        __global IN_T* yc = yr + c * S;
        long i;
        for (i = 0; i < sv; i += 16)
            STORE16_T(yc, i, LOAD16(xc, i) * sc + sh);
        for (i = sv; i < S; i++)
            STORE_T(yc, i, LOAD_IN(xc, i) * sc + sh);
    }
}

__kernel void gn_fwd_wg(__global const IN_T* x, __global IN_T* y, __global S_T* mean,
                        __global S_T* rstd, __global const IN_T* w, __global const IN_T* b,
                        nplan_t pl, PT eps)
{
    __local ACC sh_[RWG];
    long r = get_group_id(0), n = pl.n, S = pl.S, cg = pl.C / pl.G;
    __global const IN_T* xr = x + pl.off[0] + r * n;
    __global IN_T* yr = y + pl.off[1] + r * n;
    ACC m, v;
    row_moments_wg(xr, n, sh_, &m, &v);
    ACC rs = 1 / sqrt(v + (ACC)eps);
    if (get_local_id(0) == 0) {
        mean[pl.off[2] + r] = (S_T)m;
        rstd[pl.off[3] + r] = (S_T)rs;
    }
    long c0 = (r % pl.G) * cg;
    for (long i = get_local_id(0); i < n; i += RWG) {
        T sc, sh;
        gn_coeffs(w, b, &pl, c0 + i / S, m, rs, &sc, &sh);
        STORE_T(yr, i, LOAD_IN(xr, i) * sc + sh);
    }
}

/* ---- per-channel reductions over (N, C, S) ---------------------------------------------------
 * buffers x, g (gdot, lnaff), s0, s1 (S_T statistics: the channel means of sqdev and gdot, the row
 * means and rstds of lnaff), part (ACC partials: part[(p * C + c) * 2 + k]).
 * ACCUM_<mode>(A0, A1, X, G, CM, RM, RR, CV): fold element X (gradient G) of a channel with mean
 * CM, in a row with statistics RM / RR; CV converts T (or T16) to the accumulator type. */
#define ACCUM_sum(A0, A1, X, G, CM, RM, RR, CV) A0 += CV(X)
#define ACCUM_sqdev(A0, A1, X, G, CM, RM, RR, CV) A0 += (CV(X) - (CM)) * (CV(X) - (CM))
#define ACCUM_gdot(A0, A1, X, G, CM, RM, RR, CV) A0 += CV(G); A1 += CV(G) * (CV(X) - (CM))
#define ACCUM_lnaff(A0, A1, X, G, CM, RM, RR, CV) A0 += CV((G) * (((X) - (RM)) * (RR))); A1 += CV(G)
#define USES_G_sum 0
#define USES_G_sqdev 0
#define USES_G_gdot 1
#define USES_G_lnaff 1
#define USES_CM_sum 0
#define USES_CM_sqdev 1
#define USES_CM_gdot 1
#define USES_CM_lnaff 0
#define USES_ROW_sum 0
#define USES_ROW_sqdev 0
#define USES_ROW_gdot 0
#define USES_ROW_lnaff 1
#define USES_A1_sum 0
#define USES_A1_sqdev 0
#define USES_A1_gdot 1
#define USES_A1_lnaff 1

/* the row statistics of row n (lnaff), as T */
#define ROW_STATS(mode, n)                                                                     \
    T rm = USES_ROW_##mode ? (T)s0[pl.off[2] + (n)] : (T)0;                                    \
    T rr = USES_ROW_##mode ? (T)s1[pl.off[3] + (n)] : (T)0;

/* GPU slots (REP_NU): slot k loads the element at offset o_k (from xc, gc) of row nr_k, and its
 * row statistics, then folds it in; CW_POS gives a chan_wg lane's slot the lane's position and
 * steps that by RWG elements (CW_STEP: within a channel's run of S, then to the next row's run,
 * no division) */
#define CH_LOAD(k, mode)                                                                       \
    T x_##k = LOAD_IN(xc, o_##k);                                                              \
    T g_##k = USES_G_##mode ? LOAD_IN(gc, o_##k) : (T)0;                                       \
    T rm_##k = USES_ROW_##mode ? (T)s0[pl.off[2] + nr_##k] : (T)0;                             \
    T rr_##k = USES_ROW_##mode ? (T)s1[pl.off[3] + nr_##k] : (T)0;
#define CH_ACC(k, mode) ACCUM_##mode(a0, a1, x_##k, g_##k, cm, rm_##k, rr_##k, CVS);
#define CW_STEP                                                                                \
    s += r1;                                                                                   \
    n += q1;                                                                                   \
    o += d1;                                                                                   \
    if (s >= S) {                                                                              \
        s -= S;                                                                                \
        n++;                                                                                   \
        o += CS - S;                                                                           \
    }
#define CW_POS(k, mode) long o_##k = o, nr_##k = n; CW_STEP
#define CC_POS(k, mode) long nr_##k = n + k, o_##k = nr_##k * C;

#define DEF_CHAN(mode)                                                                         \
__kernel void chan_runs_##mode(__global const IN_T* x, __global const IN_T* g,                 \
                               __global const S_T* s0, __global const S_T* s1,                 \
                               __global ACC* part, nplan_t pl)                                 \
{                                                                                              \
    long j = get_global_id(0), C = pl.C, S = pl.S, sv = S & ~15L;                              \
    if (j >= C * pl.parts)                                                                     \
        return;                                                                                \
    long p = j / C, c = j - p * C, n0 = p * pl.chunk, n1 = min(pl.rows, n0 + pl.chunk);       \
    ACC cm = USES_CM_##mode ? CVS(s0[pl.off[2] + c]) : (ACC)0;                                 \
    ACC16 V0 = (ACC16)(0), V1 = (ACC16)(0);                                                    \
    ACC a0 = 0, a1 = 0;                                                                        \
    for (long n = n0; n < n1; n++) {                                                           \
        ROW_STATS(mode, n)                                                                     \
        __global const IN_T* xr = x + pl.off[0] + (n * C + c) * S;                            \
        __global const IN_T* gr = g + pl.off[1] + (n * C + c) * S;                            \
        long i;                                                                                \
        for (i = 0; i < sv; i += 16) {                                                         \
            T16 xv = LOAD16(xr, i);                                                            \
            T16 gv = USES_G_##mode ? LOAD16(gr, i) : (T16)(0);                                 \
            ACCUM_##mode(V0, V1, xv, gv, cm, rm, rr, CVT_ACC16);                               \
        }                                                                                      \
        for (i = sv; i < S; i++) {                                                             \
            T xs = LOAD_IN(xr, i);                                                             \
            T gs = USES_G_##mode ? LOAD_IN(gr, i) : (T)0;                                      \
            ACCUM_##mode(a0, a1, xs, gs, cm, rm, rr, CVS);                                     \
        }                                                                                      \
    }                                                                                          \
    part[(p * C + c) * 2] = a0 + fold16(V0);                                                   \
    part[(p * C + c) * 2 + 1] = a1 + fold16(V1);                                               \
}                                                                                              \
                                                                                               \
__kernel void chan_wg_##mode(__global const IN_T* x, __global const IN_T* g,                   \
                             __global const S_T* s0, __global const S_T* s1,                   \
                             __global ACC* part, nplan_t pl)                                   \
{                                                                                              \
    __local ACC sh[2 * RWG];                                                                   \
    long j = get_group_id(0), C = pl.C, S = pl.S, CS = C * S;                                  \
    long p = j / C, c = j - p * C, e1 = min(pl.rows * S, (p + 1) * pl.chunk);                 \
    long e = p * pl.chunk + get_local_id(0), n = e / S, s = e - n * S, o = n * CS + s;         \
    long q1 = RWG / S, r1 = RWG - q1 * S, d1 = q1 * CS + r1;                                   \
    __global const IN_T* xc = x + pl.off[0] + c * S;                                           \
    __global const IN_T* gc = g + pl.off[1] + c * S;                                           \
    ACC cm = USES_CM_##mode ? CVS(s0[pl.off[2] + c]) : (ACC)0;                                 \
    ACC a0 = 0, a1 = 0;                                                                        \
    for (; e + (NU - 1) * RWG < e1; e += NU * RWG) {                                           \
        REP_NU(CW_POS, mode)                                                                   \
        REP_NU(CH_LOAD, mode)                                                                  \
        REP_NU(CH_ACC, mode)                                                                   \
    }                                                                                          \
    for (; e < e1; e += RWG) {                                                                 \
        CW_POS(0, mode)                                                                        \
        CH_LOAD(0, mode)                                                                       \
        CH_ACC(0, mode)                                                                        \
    }                                                                                          \
    if (USES_A1_##mode)                                                                        \
        wg_sum2(&a0, &a1, sh);                                                                 \
    else                                                                                       \
        a0 = wg_sum(a0, sh);                                                                   \
    if (get_local_id(0) == 0) {                                                                \
        part[(p * C + c) * 2] = a0;                                                            \
        part[(p * C + c) * 2 + 1] = a1;                                                        \
    }                                                                                          \
}                                                                                              \
                                                                                               \
__kernel void chan_cols_##mode(__global const IN_T* x, __global const IN_T* g,                 \
                               __global const S_T* s0, __global const S_T* s1,                 \
                               __global ACC* part, nplan_t pl)                                 \
{                                                                                              \
    long C = pl.C, nb = (C + RCOLS - 1) / RCOLS, j = get_global_id(0);                         \
    if (j >= nb * pl.parts)                                                                    \
        return;                                                                                \
    long p = j / nb, c0 = (j - p * nb) * RCOLS;                                                \
    long n0 = p * pl.chunk, n1 = min(pl.rows, n0 + pl.chunk);                                  \
    int jn = (int)min((long)RCOLS, C - c0);                                                    \
    __global ACC* out = part + (p * C + c0) * 2;                                               \
    if (RCOLS == 16 && jn == 16) {                                                             \
        ACC16 cm = USES_CM_##mode ? LOAD_S16(s0 + pl.off[2] + c0) : (ACC16)(0);                \
        ACC16 V0 = (ACC16)(0), V1 = (ACC16)(0);                                                \
        for (long n = n0; n < n1; n++) {                                                       \
            ROW_STATS(mode, n)                                                                 \
            T16 xv = LOAD16(x, pl.off[0] + n * C + c0);                                        \
            T16 gv = USES_G_##mode ? LOAD16(g, pl.off[1] + n * C + c0) : (T16)(0);             \
            ACCUM_##mode(V0, V1, xv, gv, cm, rm, rr, CVT_ACC16);                               \
        }                                                                                      \
        ACC h0[16], h1[16];                                                                    \
        vstore16(V0, 0, h0);                                                                   \
        vstore16(V1, 0, h1);                                                                   \
        for (int k = 0; k < 16; k++) {                                                         \
            out[2 * k] = h0[k];                                                                \
            out[2 * k + 1] = h1[k];                                                            \
        }                                                                                      \
        return;                                                                                \
    }                                                                                          \
    if (RCOLS == 1) {                                                                          \
        ACC cm = USES_CM_##mode ? CVS(s0[pl.off[2] + c0]) : (ACC)0;                            \
        ACC a0 = 0, a1 = 0;                                                                    \
        __global const IN_T* xc = x + pl.off[0] + c0;                                          \
        __global const IN_T* gc = g + pl.off[1] + c0;                                          \
        long n = n0;                                                                           \
        for (; n + NU <= n1; n += NU) {                                                        \
            REP_NU(CC_POS, mode)                                                               \
            REP_NU(CH_LOAD, mode)                                                              \
            REP_NU(CH_ACC, mode)                                                               \
        }                                                                                      \
        for (; n < n1; n++) {                                                                  \
            CC_POS(0, mode)                                                                    \
            CH_LOAD(0, mode)                                                                   \
            CH_ACC(0, mode)                                                                    \
        }                                                                                      \
        out[0] = a0;                                                                           \
        out[1] = a1;                                                                           \
        return;                                                                                \
    }                                                                                          \
    for (int k = 0; k < jn; k++) {                                                             \
        ACC cm = USES_CM_##mode ? CVS(s0[pl.off[2] + c0 + k]) : (ACC)0;                        \
        ACC a0 = 0, a1 = 0;                                                                    \
        for (long n = n0; n < n1; n++) {                                                       \
            ROW_STATS(mode, n)                                                                 \
            T xs = LOAD_IN(x, pl.off[0] + n * C + c0 + k);                                     \
            T gs = USES_G_##mode ? LOAD_IN(g, pl.off[1] + n * C + c0 + k) : (T)0;              \
            ACCUM_##mode(a0, a1, xs, gs, cm, rm, rr, CVS);                                     \
        }                                                                                      \
        out[2 * k] = a0;                                                                       \
        out[2 * k + 1] = a1;                                                                   \
    }                                                                                          \
}

DEF_CHAN(sum)
DEF_CHAN(sqdev)
DEF_CHAN(gdot)
DEF_CHAN(lnaff)

/* the sums over parts, in part order, of channel c's two partials. GPUs run a work-item per
 * channel, few lanes each walking up to a few hundred partials (from L2): they load 8 at once
 * before adding them in order (the same sums) */
FN void part_sums(__global const ACC* part, long C, long parts, long c, ACC* s0, ACC* s1)
{
    ACC a0 = 0, a1 = 0;
    long p = 0;
#if NN_GPU
#define PS_LOAD(k, a)                                                                          \
    ACC u_##k = part[((p + k) * C + c) * 2], v_##k = part[((p + k) * C + c) * 2 + 1];
#define PS_ADD(k, a) a0 += u_##k; a1 += v_##k;
    for (; p + 8 <= parts; p += 8) {
        REP8(PS_LOAD, 0)
        REP8(PS_ADD, 0)
    }
#endif
    for (; p < parts; p++) {
        a0 += part[(p * C + c) * 2];
        a1 += part[(p * C + c) * 2 + 1];
    }
    *s0 = a0;
    *s1 = a1;
}

/* out0[c] = (sum over parts of partial 0) / div, out1[c] = sum of partial 1, in their dtypes
 * (codes); either output optional (flags bits 0, 1; offsets off[0], off[1]) */
__kernel void chan_finish(__global const ACC* part, __global void* out0, __global void* out1,
                          nplan_t pl, int code0, int code1, PT div)
{
    long c = get_global_id(0), C = pl.C;
    if (c >= C)
        return;
    ACC a0, a1;
    part_sums(part, C, pl.parts, c, &a0, &a1);
    if (HAS(pl, 0))
        store_any(out0, pl.off[0] + c, code0, a0 / (ACC)div);
    if (HAS(pl, 1))
        store_any(out1, pl.off[1] + c, code1, a1);
}

/* ---- batch norm in training: the per-channel finishing steps, a work-item per channel --------
 * Each adds the `parts` partials of a channel reduction (as chan_finish), then computes what the
 * CPU path computes with ember ops (the same operations in S_T, so results agree to rounding) and
 * stores the coefficients chan_affine applies, as IN_T (the CPU path's conversion to the input
 * dtype). pl.n = N * S (the count per channel); pl.off[k] / flags bit k: the k-th buffer after
 * `part`. */

/* after the sqdev partials: var = sum / n; ka = rsqrt(var + eps) * w, kc = b - mean * ka (w, b
 * optional: bits 2, 3); the running statistics (optional: bits 6, 7) updated in place as
 * r = r * keep + momentum * mean, r = r * keep + vfac * var */
__kernel void bn_fwd_finish(__global const ACC* part, __global const S_T* mean, __global S_T* var,
                            __global const S_T* w, __global const S_T* b, __global IN_T* ka,
                            __global IN_T* kc, __global S_T* rm, __global S_T* rv, nplan_t pl,
                            PT eps, PT keep, PT momentum, PT vfac)
{
    long c = get_global_id(0), C = pl.C;
    if (c >= C)
        return;
    ACC q, unused;
    part_sums(part, C, pl.parts, c, &q, &unused);
    S_T m = mean[pl.off[0] + c], v = (S_T)(q / (ACC)pl.n);
    var[pl.off[1] + c] = v;
    S_T k = (S_T)1 / sqrt(v + (S_T)eps);
    if (HAS(pl, 2))
        k = k * w[pl.off[2] + c];
    S_T sh = -m * k;
    if (HAS(pl, 3))
        sh = sh + b[pl.off[3] + c];
    STORE_T(ka + pl.off[4], c, k);
    STORE_T(kc + pl.off[5], c, sh);
    if (HAS(pl, 6))
        rm[pl.off[6] + c] = rm[pl.off[6] + c] * (S_T)keep + (S_T)momentum * m;
    if (HAS(pl, 7))
        rv[pl.off[7] + c] = rv[pl.off[7] + c] * (S_T)keep + (S_T)vfac * v;
}

/* after the gdot partials (sums of g and g * (x - mean)): with invstd = rsqrt(var + eps) and
 * k1 = invstd * w (w optional: bit 2), the input gradient's coefficients (bits 3-5, all or none)
 * k2 = -k1 * invstd^2 * sum(g (x - mean)) / n, k3 = -k1 * sum(g) / n - k2 * mean; and the affine
 * gradients (optional: bits 6, 7) gw = sum(g (x - mean)) * invstd, gb = sum(g) */
__kernel void bn_bwd_finish(__global const ACC* part, __global const S_T* mean,
                            __global const S_T* var, __global const S_T* w, __global IN_T* k1o,
                            __global IN_T* k2o, __global IN_T* k3o, __global S_T* gw,
                            __global S_T* gb, nplan_t pl, PT eps)
{
    long c = get_global_id(0), C = pl.C;
    if (c >= C)
        return;
    ACC a0, a1;
    part_sums(part, C, pl.parts, c, &a0, &a1);
    S_T sg = (S_T)a0, sgx = (S_T)a1, n = (S_T)pl.n;
    S_T is = (S_T)1 / sqrt(var[pl.off[1] + c] + (S_T)eps);
    if (HAS(pl, 3)) {
        S_T k1 = HAS(pl, 2) ? is * w[pl.off[2] + c] : is;
        S_T k2 = -k1 * is * is * (sgx / n);
        S_T k3 = -k1 * (sg / n) - k2 * mean[pl.off[0] + c];
        STORE_T(k1o + pl.off[3], c, k1);
        STORE_T(k2o + pl.off[4], c, k2);
        STORE_T(k3o + pl.off[5], c, k3);
    }
    if (HAS(pl, 6))
        gw[pl.off[6] + c] = sgx * is;
    if (HAS(pl, 7))
        gb[pl.off[7] + c] = sg;
}

/* ---- per-channel affine: out = a * ka[c] + b * kb[c] + kc[c] over (N, C, S) -----------------
 * nplan_t: off[0..5] of ka, kb, kc, out, a, b; flags bit 1: b and kb present (else the b
 * argument is a placeholder). out may alias a or b (each element is read before it is written).
 *   chan_affine_seq  a work-item per run of S (S > 1) or per row of C channels (S == 1), 16 wide
 *                    (CPU runtimes)
 *   chan_affine_s    a work-item per element, geometry operands out, a, b (a again when absent),
 *                    the channel index (strides 0 / 1 / 0) (GPUs) */
#define AFFINE(av, k1, bv, k2, k3) (hb ? (av) * (k1) + (bv) * (k2) + (k3) : (av) * (k1) + (k3))

__kernel void chan_affine_seq(__global IN_T* out, __global const IN_T* a, __global const IN_T* b,
                              __global const IN_T* ka, __global const IN_T* kb,
                              __global const IN_T* kc, nplan_t pl)
{
    long j = get_global_id(0), C = pl.C, S = pl.S, i;
    int hb = HAS(pl, 1);
    __global const IN_T* ka0 = ka + pl.off[0];
    __global const IN_T* kb0 = kb + pl.off[1];
    __global const IN_T* kc0 = kc + pl.off[2];
    if (S == 1) {
        if (j >= pl.rows)
            return;
        __global IN_T* o = out + pl.off[3] + j * C;
        __global const IN_T* ar = a + pl.off[4] + j * C;
        __global const IN_T* br = b + pl.off[5] + j * C;
        long cv = C & ~15L;
        for (i = 0; i < cv; i += 16) {
            T16 bv = hb ? LOAD16(br, i) : (T16)(0), k2 = hb ? LOAD16(kb0, i) : (T16)(0);
            STORE16_T(o, i, AFFINE(LOAD16(ar, i), LOAD16(ka0, i), bv, k2, LOAD16(kc0, i)));
        }
        for (i = cv; i < C; i++) {
            T bv = hb ? LOAD_IN(br, i) : (T)0, k2 = hb ? LOAD_IN(kb0, i) : (T)0;
            STORE_T(o, i, AFFINE(LOAD_IN(ar, i), LOAD_IN(ka0, i), bv, k2, LOAD_IN(kc0, i)));
        }
        return;
    }
    if (j >= pl.rows * C)
        return;
    long c = j % C, sv = S & ~15L;
    T k1 = LOAD_IN(ka0, c), k2 = hb ? LOAD_IN(kb0, c) : (T)0, k3 = LOAD_IN(kc0, c);
    __global IN_T* o = out + pl.off[3] + j * S;
    __global const IN_T* ar = a + pl.off[4] + j * S;
    __global const IN_T* br = b + pl.off[5] + j * S;
    for (i = 0; i < sv; i += 16) {
        T16 bv = hb ? LOAD16(br, i) : (T16)(0);
        STORE16_T(o, i, AFFINE(LOAD16(ar, i), k1, bv, k2, k3));
    }
    for (i = sv; i < S; i++) {
        T bv = hb ? LOAD_IN(br, i) : (T)0;
        STORE_T(o, i, AFFINE(LOAD_IN(ar, i), k1, bv, k2, k3));
    }
}

__kernel void chan_affine_s(__global IN_T* out, __global const IN_T* a, __global const IN_T* b,
                            __global const IN_T* ka, __global const IN_T* kb,
                            __global const IN_T* kc, geom_t g, nplan_t pl)
{
    GEOM_OFFSETS(g, 4)
    int hb = HAS(pl, 1);
    long c = q3;
    T k2 = hb ? LOAD_IN(kb, pl.off[1] + c) : (T)0;
    STORE_T(out, q0, AFFINE(LOAD_IN(a, q1), LOAD_IN(ka, pl.off[0] + c), LOAD_IN(b, q2), k2,
                            LOAD_IN(kc, pl.off[2] + c)));
}
