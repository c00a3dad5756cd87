/* Fused, stable softmax / log_softmax along one dim: y = exp(x - m) / sum exp(x - m), or
 * (x - m) - log sum exp(x - m), with m the line's max (NaN if the line holds one). One pass for
 * the max, one for the sum (softmax also stores exp(x - m) there), one that writes.
 *
 * One program per floating input dtype (-D IN_CODE; the output has the same dtype); half types
 * compute in float and store once (the exponentials are recomputed in the last pass instead of
 * being stored in half, so results round once, as the CPU's float32 temporary).
 *   softmax_seq   one work-item per line (inner dim contiguous: 16 lanes wide); CPU runtimes
 *   softmax_wg    one work-group per line, trees in local memory; GPUs
 *   softmax_cols  the dim is not innermost in memory: RCOLS neighbouring lines per work-item
 */
#include "reduce_common.h"

#if IN_CODE == D_F32 || IN_CODE == D_F64
#define KEEP_EXP 1
#else
#define KEEP_EXP 0
#endif

FN T fold16_max(T16 v)
{
    T h[16];
    vstore16(v, 0, h);
    T m = h[0];
    for (int j = 1; j < 16; j++) {
        T b = h[j];
        m = GT_(m, b);
    }
    return m;
}

FN T fold16_sum(T16 v)
{
    T h[16];
    vstore16(v, 0, h);
    for (int k = 8; k > 0; k >>= 1)
        for (int j = 0; j < k; j++)
            h[j] += h[j + k];
    return h[0];
}

__kernel void softmax_seq(__global const IN_T* x, __global IN_T* y, rplan_t pl, int logsm)
{
    long o = get_global_id(0), io, oo;
    if (o >= pl.nout)
        return;
    kept_offsets(&pl, o, RMAXK, &io, &oo);
    long n = pl.rs[RMAXR - 1], si = pl.ris[RMAXR - 1], so = pl.los, i;
    __global const IN_T* p = x + io;
    __global IN_T* q = y + oo;
    T m = -INFINITY, s = 0;
    if (si == 1 && so == 1) {
        long nv = n & ~15L;
        T16 M = (T16)(-INFINITY);
        for (i = 0; i < nv; i += 16) {
            T16 v = LOAD16(p, i);
            M = GT_(M, v);
        }
        m = fold16_max(M);
        for (i = nv; i < n; i++) {
            T v = LOAD_IN(p, i);
            m = GT_(m, v);
        }
        T16 S = (T16)(0);
        for (i = 0; i < nv; i += 16) {
            T16 e = exp(LOAD16(p, i) - m);
            S += e;
            if (KEEP_EXP && !logsm)
                STORE16_T(q, i, e);
        }
        s = fold16_sum(S);
        for (i = nv; i < n; i++) {
            T e = exp(LOAD_IN(p, i) - m);
            s += e;
            if (KEEP_EXP && !logsm)
                STORE_T(q, i, e);
        }
        if (logsm) {
            T c = log(s);
            for (i = 0; i < nv; i += 16)
                STORE16_T(q, i, (LOAD16(p, i) - m) - c);
            for (i = nv; i < n; i++)
                STORE_T(q, i, (LOAD_IN(p, i) - m) - c);
        } else {
            T r = 1 / s;
#if KEEP_EXP
            for (i = 0; i < nv; i += 16)
                STORE16_T(q, i, vload16(0, q + i) * r);
            for (i = nv; i < n; i++)
                q[i] *= r;
#else
            for (i = 0; i < nv; i += 16)
                STORE16_T(q, i, exp(LOAD16(p, i) - m) * r);
            for (i = nv; i < n; i++)
                STORE_T(q, i, exp(LOAD_IN(p, i) - m) * r);
#endif
        }
        return;
    }
    for (i = 0; i < n; i++) {
        T v = LOAD_IN(p, i * si);
        m = GT_(m, v);
    }
    for (i = 0; i < n; i++)
        s += exp(LOAD_IN(p, i * si) - m);
    if (logsm) {
        T c = log(s);
        for (i = 0; i < n; i++)
            STORE_T(q, i * so, (LOAD_IN(p, i * si) - m) - c);
    } else {
        T r = 1 / s;
        for (i = 0; i < n; i++)
            STORE_T(q, i * so, exp(LOAD_IN(p, i * si) - m) * r);
    }
}

__kernel void softmax_wg(__global const IN_T* x, __global IN_T* y, rplan_t pl, int logsm)
{
    __local T sh[RWG];
    long o = get_group_id(0), io, oo;
    int l = get_local_id(0);
    kept_offsets(&pl, o, RMAXK, &io, &oo);
    long n = pl.rs[RMAXR - 1], si = pl.ris[RMAXR - 1], so = pl.los;
    T m = -INFINITY, s = 0;
    for (long i = l; i < n; i += RWG) {
        T v = LOAD_IN(x, io + i * si);
        m = GT_(m, v);
    }
    sh[l] = m;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int h = RWG / 2; h > 0; h >>= 1) {
        if (l < h) {
            T a = sh[l], b = sh[l + h];
            sh[l] = GT_(a, b);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    m = sh[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    for (long i = l; i < n; i += RWG)
        s += exp(LOAD_IN(x, io + i * si) - m);
    sh[l] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int h = RWG / 2; h > 0; h >>= 1) {
        if (l < h)
            sh[l] += sh[l + h];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    s = sh[0];
    if (logsm) {
        T c = log(s);
        for (long i = l; i < n; i += RWG)
            STORE_T(y, oo + i * so, (LOAD_IN(x, io + i * si) - m) - c);
    } else {
        T r = 1 / s;
        for (long i = l; i < n; i += RWG)
            STORE_T(y, oo + i * so, exp(LOAD_IN(x, io + i * si) - m) * r);
    }
}

__kernel void softmax_cols(__global const IN_T* x, __global IN_T* y, rplan_t pl, int logsm)
{
    long Lk = pl.ks[RMAXK - 1], nb = (Lk + RCOLS - 1) / RCOLS;
    long g = get_global_id(0);
    if (g >= pl.nout / Lk * nb)
        return;
    long outer = g / nb, j0 = (g - outer * nb) * RCOLS;
    long kin = pl.kis[RMAXK - 1], kon = pl.kos[RMAXK - 1], io, oo;
    long n = pl.rs[RMAXR - 1], si = pl.ris[RMAXR - 1], so = pl.los;
    int jn = (int)min((long)RCOLS, Lk - j0);
    kept_offsets(&pl, outer, RMAXK - 1, &io, &oo);
    io += j0 * kin;
    oo += j0 * kon;
#if RCOLS == 16
    if (jn == 16 && kin == 1 && kon == 1) {
        T16 M = (T16)(-INFINITY), S = (T16)(0);
        for (long i = 0; i < n; i++) {
            T16 v = LOAD16(x + io + i * si, 0);
            M = GT_(M, v);
        }
        for (long i = 0; i < n; i++)
            S += exp(LOAD16(x + io + i * si, 0) - M);
        if (logsm) {
            T16 C = log(S);
            for (long i = 0; i < n; i++)
                STORE16_T(y + oo + i * so, 0, (LOAD16(x + io + i * si, 0) - M) - C);
        } else {
            T16 R = 1 / S;
            for (long i = 0; i < n; i++)
                STORE16_T(y + oo + i * so, 0, exp(LOAD16(x + io + i * si, 0) - M) * R);
        }
        return;
    }
#endif
    T m[RCOLS], s[RCOLS];
    for (int j = 0; j < RCOLS && j < jn; j++) {
        m[j] = -INFINITY;
        s[j] = 0;
    }
    for (long i = 0; i < n; i++)
        for (int j = 0; j < RCOLS && j < jn; j++) {
            T v = LOAD_IN(x, io + i * si + j * kin), a = m[j];
            m[j] = GT_(a, v);
        }
    for (long i = 0; i < n; i++)
        for (int j = 0; j < RCOLS && j < jn; j++)
            s[j] += exp(LOAD_IN(x, io + i * si + j * kin) - m[j]);
    for (int j = 0; j < RCOLS && j < jn; j++)
        s[j] = logsm ? log(s[j]) : 1 / s[j];
    for (long i = 0; i < n; i++)
        for (int j = 0; j < RCOLS && j < jn; j++) {
            T v = LOAD_IN(x, io + i * si + j * kin);
            STORE_T(y, oo + i * so + j * kon, logsm ? (v - m[j]) - s[j] : exp(v - m[j]) * s[j]);
        }
}
