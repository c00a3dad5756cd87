/* Cross entropy with class indices over (N, C, S) logits (class stride S), fused: a stable
 * log-sum-exp per sample and the (weighted, label-smoothed) NLL in one kernel, the gradient
 * softmax - onehot elementwise in another.
 *
 * One program per floating input dtype (-D IN_CODE, RWG); half types compute in float, sums in
 * ACC (double with fp64), as the CPU backend. Per sample i (n = i / S, s = i % S), target t:
 *   loss = (1-ls) * w[t] * (lse - x_t) + ls/C * (lse * sum_c w[c] - sum_c w[c] * x_c),
 *   0 where t == ignore_index (lse too), NaN where t is outside [0, C) (lse not written).
 *   ce_fwd_seq   a work-item per sample (CPU runtimes; GPUs when the rows are short)
 *   ce_fwd_wg    a work-group per sample, class dim contiguous (GPUs, long rows)
 *   ce_total     per part, the sum of the losses, the sum of w[t] over valid samples and the
 *                first out-of-range sample, as raw 64-bit words
 *   ce_finish    combines ce_total's parts in order on the device (no host read): the reduced
 *                loss, the weight total, the backward's scale, and the first bad target
 *   ce_bwd_seq   gi[n, c, s] = A * exp(x - lse) - B * w[c] (- K at c == t), zero for ignored
 *                samples, with A = g * ((1-ls) * w[t] + ls/C * sum w), B = g * ls/C,
 *                K = g * (1-ls) * w[t]: a work-item per sample (CPU runtimes)
 *   ce_bwd_s     the same, a work-item per element (GPUs)
 *   vec_sum      sum_c w[c] into one ACC (the label-smoothing terms)
 * Buffers are addressed through nplan_t offsets (nn_common.h); flags bit 2: weight present,
 * bit 3: the weight sum buffer is valid.
 */
#include "nn_common.h"

__kernel void vec_sum(__global const IN_T* w, __global ACC* out, nplan_t pl)
{
    if (get_global_id(0) != 0)
        return;
    ACC s = 0;
    for (long c = 0; c < pl.C; c++)
        s += CVS(LOAD_IN(w, pl.off[0] + c));
    out[0] = s;
}

/* loss of sample i given its lse and (with smoothing) sum_c w[c] * x_c; buffers x, tgt, w,
 * loss, lse, wsum */
FN void ce_store(__global const IN_T* row, long t, __global const IN_T* w,
                 __global const ACC* wsum, __global IN_T* loss, __global IN_T* lse,
                 const nplan_t* pl, long i, ACC l, ACC wsx, PT ls)
{
    ACC wt = HAS(*pl, 2) ? CVS(LOAD_IN(w, pl->off[2] + t)) : (ACC)1;
    ACC nll = wt * (l - CVS(LOAD_IN(row, t * pl->S)));
    if (ls != 0) {
        ACC ws = HAS(*pl, 3) ? wsum[0] : (ACC)pl->C;
        nll = (1 - (ACC)ls) * nll + (ACC)ls / pl->C * (l * ws - wsx);
    }
    STORE_T(loss, pl->off[3] + i, nll);
    STORE_T(lse, pl->off[4] + i, l);
}

/* the sample's target, after writing the loss of an ignored or out-of-range one (then -1) */
FN long ce_target(__global const long* tgt, __global IN_T* loss, __global IN_T* lse,
                  const nplan_t* pl, long i, long ignore, int write)
{
    long t = tgt[pl->off[1] + i];
    if (t == ignore) {
        if (write) {
            STORE_T(loss, pl->off[3] + i, 0);
            STORE_T(lse, pl->off[4] + i, 0);
        }
        return -1;
    }
    if (t < 0 || t >= pl->C) {
        if (write)
            STORE_T(loss, pl->off[3] + i, NAN);
        return -1;
    }
    return t;
}

__kernel void ce_fwd_seq(__global const IN_T* x, __global const long* tgt,
                         __global const IN_T* w, __global IN_T* loss, __global IN_T* lse,
                         __global const ACC* wsum, nplan_t pl, long ignore, PT ls)
{
    long i = get_global_id(0);
    if (i >= pl.rows)
        return;
    long t = ce_target(tgt, loss, lse, &pl, i, ignore, 1);
    if (t < 0)
        return;
    long C = pl.C, S = pl.S, n = i / S, c;
    __global const IN_T* row = x + pl.off[0] + n * C * S + (i - n * S);
    __global const IN_T* wr = w + pl.off[2];
    int smooth = ls != 0, hw = HAS(pl, 2);
    T m = -INFINITY;
    ACC s = 0, wsx = 0;
    if (S == 1) {
        long cv = C & ~15L;
        T16 M = (T16)(-INFINITY);
        for (c = 0; c < cv; c += 16) {
            T16 v = LOAD16(row, c);
            M = GT_(M, v);
        }
        T h[16];
        vstore16(M, 0, h);
        for (int j = 0; j < 16; j++) {
            T b = h[j];
            m = GT_(m, b);
        }
        for (c = cv; c < C; c++) {
            T v = LOAD_IN(row, c);
            m = GT_(m, v);
        }
        if (m == m && !isinf(m)) {
            ACC16 E = (ACC16)(0);
            for (c = 0; c < cv; c += 16)
                E += CVT_ACC16(exp(LOAD16(row, c) - m));
            s = fold16(E);
            for (c = cv; c < C; c++)
                s += CVS(exp(LOAD_IN(row, c) - m));
        }
        if (smooth) {
            ACC16 X = (ACC16)(0);
            for (c = 0; c < cv; c += 16) {
                ACC16 v = CVT_ACC16(LOAD16(row, c));
                X += hw ? v * CVT_ACC16(LOAD16(wr, c)) : v;
            }
            wsx = fold16(X);
            for (c = cv; c < C; c++)
                wsx += CVS(LOAD_IN(row, c)) * (hw ? CVS(LOAD_IN(wr, c)) : (ACC)1);
        }
    } else {
        for (c = 0; c < C; c++) {
            T v = LOAD_IN(row, c * S);
            m = GT_(m, v);
        }
        if (m == m && !isinf(m))
            for (c = 0; c < C; c++)
                s += CVS(exp(LOAD_IN(row, c * S) - m));
        if (smooth)
            for (c = 0; c < C; c++)
                wsx += CVS(LOAD_IN(row, c * S)) * (hw ? CVS(LOAD_IN(wr, c)) : (ACC)1);
    }
    /* a NaN or an infinite max is the lse itself (as the CPU backend) */
    ACC l = (m == m && !isinf(m)) ? CVS(m) + log(s) : CVS(m);
    ce_store(row, t, w, wsum, loss, lse, &pl, i, l, wsx, ls);
}

__kernel void ce_fwd_wg(__global const IN_T* x, __global const long* tgt,
                        __global const IN_T* w, __global IN_T* loss, __global IN_T* lse,
                        __global const ACC* wsum, nplan_t pl, long ignore, PT ls)
{
    __local ACC sh[RWG];
    long i = get_group_id(0), l0 = get_local_id(0);
    long t = ce_target(tgt, loss, lse, &pl, i, ignore, l0 == 0);
    if (t < 0)
        return;                     /* uniform across the work-group */
    long C = pl.C, S = pl.S, n = i / S;
    __global const IN_T* row = x + pl.off[0] + n * C * S + (i - n * S);
    ACC m = -INFINITY, s = 0, wsx = 0;
    for (long c = l0; c < C; c += RWG) {
        ACC v = CVS(LOAD_IN(row, c * S));
        m = GT_(m, v);
    }
    T mt = (T)wg_max(m, sh);
    int finite = mt == mt && !isinf(mt);
    if (finite)
        for (long c = l0; c < C; c += RWG)
            s += CVS(exp(LOAD_IN(row, c * S) - mt));
    s = wg_sum(s, sh);
    if (ls != 0) {
        for (long c = l0; c < C; c += RWG)
            wsx += CVS(LOAD_IN(row, c * S)) *
                   (HAS(pl, 2) ? CVS(LOAD_IN(w, pl.off[2] + c)) : (ACC)1);
        wsx = wg_sum(wsx, sh);
    }
    if (l0 == 0)
        ce_store(row, t, w, wsum, loss, lse, &pl, i, finite ? CVS(mt) + log(s) : CVS(mt), wsx,
                 ls);
}

/* part k of pl.parts: samples k*chunk .. (contiguous, CPU runtimes) or k, k + parts, ...
 * (interleaved, flags bit 6: coalesced on GPUs). res[3k .. 3k+2] = the bits of the loss sum and
 * of the weight sum (ACC; a float's bits zero-extended without fp64), the first bad sample or -1.
 * buffers loss, tgt, w */
__kernel void ce_total(__global const IN_T* loss, __global const long* tgt,
                       __global const IN_T* w, __global long* res, nplan_t pl, long ignore)
{
    long k = get_global_id(0), M = pl.rows, C = pl.C;
    if (k >= pl.parts)
        return;
    int inter = HAS(pl, 6);
    long i0 = inter ? k : k * pl.chunk, step = inter ? pl.parts : 1;
    long i1 = inter ? M : min(M, i0 + pl.chunk), bad = -1;
    ACC tot = 0, wtot = 0;
    for (long i = i0; i < i1; i += step) {
        long t = tgt[pl.off[1] + i];
        tot += CVS(LOAD_IN(loss, pl.off[0] + i));
        if (t == ignore)
            continue;
        if (t < 0 || t >= C) {
            bad = bad < 0 ? i : bad;
            continue;
        }
        wtot += HAS(pl, 2) ? CVS(LOAD_IN(w, pl.off[2] + t)) : (ACC)1;
    }
#ifdef EMBER_FP64
    res[3 * k] = as_long(tot);
    res[3 * k + 1] = as_long(wtot);
#else
    res[3 * k] = (long)as_uint(tot);
    res[3 * k + 1] = (long)as_uint(wtot);
#endif
    res[3 * k + 2] = bad;
}

/* the gradient coefficients of sample i: a = g * ((1-ls) * w[t] + ls/C * sum w), b = g * ls/C,
 * k = g * (1-ls) * w[t] (the target's extra term), g = scale * go[i]; returns the target, or -1
 * for an ignored or out-of-range one (a zero gradient). nplan_t of the backward kernels: off[0..5]
 * of lse, tgt, go, w, gi, x; n = the stride of go (0: a broadcast scalar); C; S (class stride). */
FN long ce_coeffs(__global const long* tgt, __global const IN_T* go, __global const IN_T* w,
                  __global const ACC* wsum, const nplan_t* pl, long i, PT scale, long ignore,
                  PT ls, T* a, T* b, T* k)
{
    long t = tgt[pl->off[1] + i], C = pl->C;
    if (t == ignore || t < 0 || t >= C)
        return -1;
    ACC gv = (ACC)scale * CVS(LOAD_IN(go, pl->off[2] + i * pl->n));
    ACC wt = HAS(*pl, 2) ? CVS(LOAD_IN(w, pl->off[3] + t)) : (ACC)1;
    ACC ws = HAS(*pl, 3) ? wsum[0] : (ACC)C;
    ACC lsd = ls;
    *a = (T)(gv * ((1 - lsd) * wt + lsd / C * ws));
    *b = (T)(gv * lsd / C);
    *k = (T)(gv * (1 - lsd) * wt);
    return t;
}

/* gi = a * exp(x - lse) - b * w[c], minus k at the target (as the CPU backend, in T) */
#define CE_GRAD(xv, l, wv, a, b) \
    ((b) != 0 ? (a) * exp((xv) - (l)) - (b) * (wv) : (a) * exp((xv) - (l)))

/* a work-item per sample, the class dim 16 wide when contiguous (CPU runtimes) */
__kernel void ce_bwd_seq(__global IN_T* gi, __global const IN_T* x, __global const IN_T* lse,
                         __global const long* tgt, __global const IN_T* go,
                         __global const IN_T* w, __global const ACC* wsum, nplan_t pl,
                         PT scale, long ignore, PT ls)
{
    long i = get_global_id(0);
    if (i >= pl.rows)
        return;
    long C = pl.C, S = pl.S, n = i / S, c;
    long base = n * C * S + (i - n * S);
    __global IN_T* gr = gi + pl.off[4] + base;
    __global const IN_T* xr = x + pl.off[5] + base;
    __global const IN_T* wr = w + pl.off[3];
    T a, b, k;
    long t = ce_coeffs(tgt, go, w, wsum, &pl, i, scale, ignore, ls, &a, &b, &k);
    if (t < 0) {
        for (c = 0; c < C; c++)
            STORE_T(gr, c * S, 0);
        return;
    }
    T l = LOAD_IN(lse, pl.off[0] + i);
    int hw = HAS(pl, 2);
    long cv = S == 1 ? C & ~15L : 0;
    for (c = 0; c < cv; c += 16) {
        T16 wv = hw ? LOAD16(wr, c) : (T16)(1);
        STORE16_T(gr, c, CE_GRAD(LOAD16(xr, c), l, wv, a, b));
    }
    for (c = cv; c < C; c++)
        STORE_T(gr, c * S, CE_GRAD(LOAD_IN(xr, c * S), l, hw ? LOAD_IN(wr, c) : (T)1, a, b));
    T wt = hw ? LOAD_IN(wr, t) : (T)1;
    STORE_T(gr, t * S, CE_GRAD(LOAD_IN(xr, t * S), l, wt, a, b) - k);
}

/* an element per work-item (GPUs). Geometry operands: gi, x, the sample index (strides S / 0 /
 * 1 over n, c, s), the class index (0 / 1 / 0) */
__kernel void ce_bwd_s(__global IN_T* gi, __global const IN_T* x, __global const IN_T* lse,
                       __global const long* tgt, __global const IN_T* go,
                       __global const IN_T* w, __global const ACC* wsum, geom_t g, nplan_t pl,
                       PT scale, long ignore, PT ls)
{
    GEOM_OFFSETS(g, 4)
    T a, b, k;
    long t = ce_coeffs(tgt, go, w, wsum, &pl, q2, scale, ignore, ls, &a, &b, &k);
    if (t < 0) {
        STORE_T(gi, q0, 0);
        return;
    }
    T wc = HAS(pl, 2) ? LOAD_IN(w, pl.off[3] + q3) : (T)1;
    T v = CE_GRAD(LOAD_IN(x, q1), (T)LOAD_IN(lse, pl.off[0] + q2), wc, a, b);
    STORE_T(gi, q0, q3 == t ? v - k : v);
}

/* ce_total's parts combined in order (as the host would, in ACC): into out_loss the sum, or for
 * 'mean' (pl.n == 1) sum / wtot (IEEE: +-inf or NaN when wtot == 0, as the CPU backend); into
 * out_wtot the weight total; into out_scale the backward's scale (1 / wtot for 'mean', inf when
 * wtot == 0; else 1); into err the first out-of-range sample and its target (-1, 0 if none),
 * which the host reads at its next synchronization (a deferred error, like CUDA's device-side
 * asserts, but with the CPU's message). One work-item: parts are few. */
__kernel void ce_finish(__global const long* res, __global IN_T* out_loss, __global IN_T* out_wtot,
                        __global IN_T* out_scale, __global long* err, __global const long* tgt,
                        nplan_t pl)
{
    if (get_global_id(0) != 0)
        return;
    ACC tot = 0, wtot = 0;
    long bad = -1;
    for (long k = 0; k < pl.parts; k++) {
#ifdef EMBER_FP64
        tot += as_double(res[3 * k]);
        wtot += as_double(res[3 * k + 1]);
#else
        tot += as_float((uint)res[3 * k]);
        wtot += as_float((uint)res[3 * k + 1]);
#endif
        long b = res[3 * k + 2];
        if (b >= 0 && (bad < 0 || b < bad))
            bad = b;
    }
    int mean = pl.n == 1;
    STORE_T(out_loss, pl.off[0], mean ? tot / wtot : tot);
    STORE_T(out_wtot, pl.off[1], wtot);
    STORE_T(out_scale, pl.off[2], mean ? (wtot != 0 ? (ACC)1 / wtot : (ACC)INFINITY) : (ACC)1);
    err[0] = bad;
    err[1] = bad >= 0 ? tgt[pl.off[3] + bad] : 0;
}
