/* Sorting along one dim (stable, NaN the largest value, ascending or descending) and the row
 * kernels over sorted rows: median / nanmedian / mode selection and quantiles.
 *
 * One program per input dtype (-D IN_CODE, SLB the local block size, a power of two).
 *
 * Sort keys: each element becomes an unsigned integer whose order is the wanted order (floats:
 * sign-flipped bits, -0.0 as +0.0 and every NaN as the largest key; integers: offset binary;
 * descending: the complement), paired with its index along the line. Pairs are compared by
 * (key, index), a strict total order, so the unstable networks below give the stable order:
 * equal values keep their original order in both directions, and NaN comes last ascending and
 * first descending, as the CPU backend (NumPy's stable argsort).
 *   sort_local   one work-group per block of SLB elements of a line (a whole line when it fits):
 *                a bitonic network in local memory, padded to a power of two with keys that
 *                sort last. A line that fits is written straight to the outputs (values gathered
 *                from the input by index, so -0.0 and NaN payloads survive); otherwise the
 *                sorted blocks go to scratch.
 *   sort_merge   one merge pass over scratch: runs of w become runs of 2w. Each element's place is
 *                its rank in its own run plus the count of smaller pairs in the partner run (a
 *                binary search): every element moves in parallel, on GPUs and CPUs alike.
 *   sort_write   the sorted (key, index) scratch to the outputs
 *   sort_seq     CPU runtimes, many lines: a work-item sorts a line by itself (merge sort)
 */
#include "reduce_common.h"

#ifndef SLB
#define SLB 2048
#endif

#if IN_CODE == D_F64 || IN_CODE == D_I64
typedef ulong KT;
#define KMAX ULONG_MAX
#else
typedef uint KT;
#define KMAX UINT_MAX
#endif

FN KT sort_key(T v, int desc)
{
#if IN_CODE == D_F64
    double f = v == 0 ? 0.0 : v;
    ulong u = as_ulong(f);
    u = f != f ? ULONG_MAX : (u & 0x8000000000000000UL) ? ~u : (u | 0x8000000000000000UL);
#elif T_IS_FLOAT
    float f = v == 0 ? 0.0f : (float)v;
    uint u = as_uint(f);
    u = f != f ? UINT_MAX : (u & 0x80000000u) ? ~u : (u | 0x80000000u);
#elif IN_CODE == D_I64
    ulong u = (ulong)v ^ 0x8000000000000000UL;
#elif T_SIGNED
    uint u = (uint)(int)v ^ 0x80000000u;
#else
    uint u = (uint)v;
#endif
    return desc ? ~u : u;
}

/* (ka, ia) after (kb, ib) */
#define PAIR_GT(ka, ia, kb, ib) ((ka) > (kb) || ((ka) == (kb) && (ia) > (ib)))

__kernel void sort_local(__global const IN_T* x, __global RAW_T* vals, __global long* inds,
                         __global KT* skey, __global uint* sidx, rplan_t pl, long B, int desc,
                         int direct, int has_v, int has_i)
{
    __local KT lk[SLB];
    __local uint li[SLB];
    long n = pl.rs[RMAXR - 1], si = pl.ris[RMAXR - 1], so = pl.los;
    long nblk = (n + B - 1) / B;
    long g = get_group_id(0), o = g / nblk, b0 = (g - o * nblk) * B, io, oo;
    int l = get_local_id(0), W = get_local_size(0), nh = (int)(B >> 1);
    kept_offsets(&pl, o, RMAXK, &io, &oo);
    for (int t = l; t < B; t += W) {
        long e = b0 + t;
        if (e < n) {
            lk[t] = sort_key(LOAD_IN(x, io + e * si), desc);
            li[t] = (uint)e;
        } else {
            lk[t] = KMAX;
            li[t] = UINT_MAX;
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int k = 2; k <= B; k <<= 1) {
        for (int j = k >> 1; j > 0; j >>= 1) {
            for (int t = l; t < nh; t += W) {
                int i = ((t & ~(j - 1)) << 1) | (t & (j - 1)), m = i + j;
                KT ka = lk[i], kb = lk[m];
                uint ia = li[i], ib = li[m];
                int up = (i & k) == 0;
                if (up ? PAIR_GT(ka, ia, kb, ib) : PAIR_GT(kb, ib, ka, ia)) {
                    lk[i] = kb;
                    lk[m] = ka;
                    li[i] = ib;
                    li[m] = ia;
                }
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
    }
    for (int t = l; t < B; t += W) {
        long e = b0 + t;
        if (e >= n)
            break;
        if (direct) {
            uint i = li[t];
            if (has_v)
                vals[oo + e * so] = RAW(x)[io + i * si];
            if (has_i)
                inds[oo + e * so] = i;
        } else {
            skey[o * n + e] = lk[t];
            sidx[o * n + e] = li[t];
        }
    }
}

__kernel void sort_merge(__global const KT* ka, __global const uint* ia, __global KT* kb,
                         __global uint* ib, long n, long total, long w)
{
    long g = get_global_id(0);
    if (g >= total)
        return;
    long o = g / n, p = g - o * n;
    long base = p / (2 * w) * (2 * w), mid = min(base + w, n), end = min(base + 2 * w, n);
    __global const KT* rk = ka + o * n;
    __global const uint* ri = ia + o * n;
    KT key = rk[p];
    uint id = ri[p];
    /* in the left run: count the right run's pairs below (key, id); in the right: the left's */
    long lo = p < mid ? mid : base, hi = p < mid ? end : mid, start = lo;
    while (lo < hi) {
        long c = (lo + hi) >> 1;
        if (PAIR_GT(key, id, rk[c], ri[c]))
            lo = c + 1;
        else
            hi = c;
    }
    long pos = base + (p < mid ? p - base : p - mid) + (lo - start);
    kb[o * n + pos] = key;
    ib[o * n + pos] = id;
}

__kernel void sort_write(__global const IN_T* x, __global RAW_T* vals, __global long* inds,
                         __global const uint* sidx, rplan_t pl, int has_v, int has_i)
{
    long n = pl.rs[RMAXR - 1], si = pl.ris[RMAXR - 1], so = pl.los;
    long g = get_global_id(0);
    if (g >= pl.nout * n)
        return;
    long o = g / n, e = g - o * n, io, oo;
    kept_offsets(&pl, o, RMAXK, &io, &oo);
    uint i = sidx[g];
    if (has_v)
        vals[oo + e * so] = RAW(x)[io + i * si];
    if (has_i)
        inds[oo + e * so] = i;
}

/* sort_seq: one work-item sorts a whole line (CPU runtimes with enough lines to keep every core
 * busy; a barrier-bound network costs PoCL several times more): insertion sort of runs of 16,
 * then bottom-up merges between the two scratch rows, then the outputs. */
#define SEQ_RUN 16
__kernel void sort_seq(__global const IN_T* x, __global RAW_T* vals, __global long* inds,
                       __global KT* ka, __global uint* ia, __global KT* kb, __global uint* ib,
                       rplan_t pl, int desc, int has_v, int has_i)
{
    long o = get_global_id(0), io, oo;
    if (o >= pl.nout)
        return;
    long n = pl.rs[RMAXR - 1], si = pl.ris[RMAXR - 1], so = pl.los;
    kept_offsets(&pl, o, RMAXK, &io, &oo);
    __global KT* k0 = ka + o * n;
    __global uint* i0 = ia + o * n;
    __global KT* k1 = kb + o * n;
    __global uint* i1 = ib + o * n;
    for (long b = 0; b < n; b += SEQ_RUN) {
        long e = min(n, b + SEQ_RUN);
        for (long i = b; i < e; i++) {
            KT k = sort_key(LOAD_IN(x, io + i * si), desc);
            long j = i;
            while (j > b && k0[j - 1] > k) {       /* indices rise: ties stay in order */
                k0[j] = k0[j - 1];
                i0[j] = i0[j - 1];
                j--;
            }
            k0[j] = k;
            i0[j] = (uint)i;
        }
    }
    for (long w = SEQ_RUN; w < n; w *= 2) {
        for (long b = 0; b < n; b += 2 * w) {
            long m = min(n, b + w), e = min(n, b + 2 * w), p = b, q = m, t = b;
            while (p < m && q < e) {
                KT kp = k0[p], kq = k0[q];
                if (kq < kp || (kq == kp && i0[q] < i0[p])) {
                    k1[t] = kq;
                    i1[t++] = i0[q++];
                } else {
                    k1[t] = kp;
                    i1[t++] = i0[p++];
                }
            }
            for (; p < m; p++, t++) {
                k1[t] = k0[p];
                i1[t] = i0[p];
            }
            for (; q < e; q++, t++) {
                k1[t] = k0[q];
                i1[t] = i0[q];
            }
        }
        __global KT* tk = k0;
        k0 = k1;
        k1 = tk;
        __global uint* ti = i0;
        i0 = i1;
        i1 = ti;
    }
    for (long e = 0; e < n; e++) {
        uint i = i0[e];
        if (has_v)
            vals[oo + e * so] = RAW(x)[io + i * si];
        if (has_i)
            inds[oo + e * so] = i;
    }
}

/* ---- rows already sorted (ascending, NaN last) ------------------------------------------------
 * select_sorted: per row of the contiguous (rows, n) sorted values / indices, the median
 * (op 0: NaN if the row holds one), nanmedian (1: lower median of the non-NaN values) or mode
 * (2: the longest run of equal values, the smallest on ties, and the last index of that run).
 */
__kernel void select_sorted(__global const IN_T* sv, __global const long* sx, __global RAW_T* vo,
                            __global long* xo, long rows, long n, long svo, long sxo, long voo,
                            long xoo, int op)
{
    long r = get_global_id(0);
    if (r >= rows)
        return;
    __global const IN_T* v = sv + svo + r * n;
    long c = n, k;
    while (c > 0 && ISNAN(LOAD_IN(v, c - 1)))
        c--;
    if (op == 0) {
        k = c < n ? c : (n - 1) / 2;
    } else if (op == 1) {
        k = c > 0 ? (c - 1) / 2 : 0;
    } else {
        long run = 0, best = 0;
        k = 0;
        T cur = LOAD_IN(v, 0);
        for (long i = 0; i < n; i++) {
            T nxt = i + 1 < n ? LOAD_IN(v, i + 1) : cur;
            run++;
            if (i == n - 1 || cur != nxt) {
                if (run > best) {
                    best = run;
                    k = i;
                }
                run = 0;
            }
            cur = nxt;
        }
    }
    vo[voo + r] = RAW(sv)[svo + r * n + k];
    xo[xoo + r] = sx[sxo + r * n + k];
}

/* quantile_sorted: out[j, r] = quantile qs[j] of sorted row r (float / double rows); interp
 * 0 linear, 1 lower, 2 higher, 3 midpoint, 4 nearest; ranks and the two-sided lerp as the CPU */
__kernel void quantile_sorted(__global const IN_T* sv, __global IN_T* out, __global const PT* qs,
                              long rows, long n, long nq, long svo, long oo, int interp,
                              int ignore_nan)
{
    long g = get_global_id(0);
    if (g >= rows * nq)
        return;
    long j = g / rows, r = g - j * rows;
    __global const IN_T* v = sv + svo + r * n;
    long c = n;
    while (c > 0 && ISNAN(LOAD_IN(v, c - 1)))
        c--;
    PT rank;
    if (ignore_nan) {
        rank = qs[j] * (PT)(c - 1);
        if (rank < 0)
            rank = 0;
    } else if (c < n) {
        rank = (PT)(n - 1);
    } else {
        rank = qs[j] * (PT)(n - 1);
    }
    if (interp == 1)
        rank = floor(rank);
    else if (interp == 2)
        rank = ceil(rank);
    else if (interp == 4)
        rank = rint(rank);
    long lo = (long)rank, hi = (long)ceil(rank);
    T a = LOAD_IN(v, lo);
    if (interp == 0 || interp == 3) {
        PT w = interp == 3 ? (PT)0.5 : rank - (PT)lo;
        T b = LOAD_IN(v, hi), d = b - a;
        a = w < 0.5 ? (T)((PT)a + w * (PT)d) : (T)((PT)b - (PT)d * (1 - w));
    }
    STORE_T(out, oo + j * rows + r, a);
}
