/* Pooling over 1-3 spatial dims: max (with argmax indices), average, and their backwards. The
 * host side is ember/backends/opencl/conv_kernels.py; the CPU reference is
 * ember/backends/cpu/_pool.pyx, whose window description this takes over (spatial dims padded in
 * front to three, planes P = batch * channels, every tensor contiguous):
 *
 *     window o along dim d: i = start_d[o], start_d[o] + step_d, ... < end_d[o]
 *
 * with the int64 tables in one buffer `tb` (offsets in pgeom_t) and the average pools' divisor
 * tables in `dv` (PT: double with fp64). Programs: -D IN_CODE (the input's floating dtype, T its
 * compute type) and OUT_CODE (the output's: the same dtype, except float32 for max_pool_backward
 * of the 16-bit floats, which accumulates in its output as the CPU backend's float32 scratch).
 *
 * The first three kernels give each work-item a run of `run` consecutive elements along the
 * innermost dim of one row: 1 on GPUs (a work-item per element, neighbours on neighbouring
 * elements), the whole row on CPU runtimes (the row's decoding and table loads once: max_pool2d
 * measured 3x faster on PoCL than with a work-item per element).
 *   max_pool           outputs: the window max, NaN wins (the last NaN, as the CPU's
 *                      `v > m || v != v` scan), and its flat position in the plane
 *   avg_pool           outputs: window sum in ACC (double with fp64, as the CPU) over the divisor
 *   avg_pool_backward  a gather over input elements: each visits the outputs whose window covers
 *                      it (ranges per dim from the host, each window checked), in increasing
 *                      output order, summing in T: the CPU's scatter order, so results are
 *                      bit-identical and no atomics are needed
 *   max_pool_backward_gather  (GPUs, given the windows) a gather over input elements: each
 *                      scans the outputs whose window ranges cover it in increasing output order
 *                      and sums, in T, the gradients whose index points to it (every index lies in
 *                      its window): the CPU's scatter order, bit-identical, no atomics
 * and, for CPU runtimes or when the host has no windows:
 *   max_pool_backward  a work-item per plane adds its gradients at their indices in output order
 *                      (deterministic, the CPU's order) into a plane the host zeroed
 */
#include "common.h"

#ifdef EMBER_FP64
typedef double ACC;
#else
typedef float ACC;
#endif

typedef struct {
    long isz[3], osz[3], step[3];
    long so[3], eo[3];      /* start / end tables of dim d in tb */
    long lo[3], hi[3];      /* per input index: the outputs [lo, hi) whose windows may cover it */
    long dv[3];             /* divisor tables in dv */
    long xoff, ooff, ioff;  /* element offsets: input (grad_input), output (grad_output), indices */
    long small;             /* every flat index of the launch fits in 31 bits */
} pgeom_t;

/* a / b for non-negative a, b: in 32 bits when `small` (64-bit divisions cost several times
 * more on GPUs) */
FN long udiv(long a, long b, long small)
{
    return small ? (long)((uint)a / (uint)b) : a / b;
}

/* work-item e -> row r (of rows of n elements) and its run [a, b) of that row */
#define RUN_OF(g, e, n, run)                                                                   \
    long nch_ = (run) == 1 ? (n) : ((n) + (run) - 1) / (run);                                  \
    long r = udiv((e), nch_, (g).small), a = ((e) - r * nch_) * (run);                         \
    long b = a + (run) < (n) ? a + (run) : (n);

/* output row r -> (plane p, od, oh) */
#define SPLIT_OUT_ROW(g, r)                                                                    \
    long OD = (g).osz[0], OH = (g).osz[1], OW = (g).osz[2];                                    \
    long u_ = udiv((r), OH, (g).small), oh = (r) - u_ * OH;                                    \
    long p = udiv(u_, OD, (g).small), od = u_ - p * OD;

#if OUT_CODE == IN_CODE
__kernel void max_pool(__global OUT_T* out, __global long* idx, __global const IN_T* x,
                       __global const long* tb, pgeom_t g, long run, int want_idx)
{
    RUN_OF(g, get_global_id(0), g.osz[2], run)
    SPLIT_OUT_ROW(g, r)
    long IH = g.isz[1], IW = g.isz[2];
    long i0 = tb[g.so[0] + od], i1 = tb[g.eo[0] + od];
    long j0 = tb[g.so[1] + oh], j1 = tb[g.eo[1] + oh];
    long st0 = g.step[0], st1 = g.step[1], st2 = g.step[2];
    __global const IN_T* xp = x + g.xoff + p * g.isz[0] * IH * IW;
    for (long ow = a; ow < b; ow++) {
        long k0 = tb[g.so[2] + ow], k1 = tb[g.eo[2] + ow];
        T m = -INFINITY;
        long best = (i0 * IH + j0) * IW + k0;
        for (long i = i0; i < i1; i += st0) {
            for (long j = j0; j < j1; j += st1) {
                long pos = (i * IH + j) * IW;
                for (long k = k0; k < k1; k += st2) {
                    T v = LOAD_IN(xp, pos + k);
                    bool c = (v > m) || (v != v);
                    m = c ? v : m;
                    best = c ? pos + k : best;
                }
            }
        }
        STORE_OUT(out + g.ooff, r * OW + ow, m);
        if (want_idx)
            idx[g.ioff + r * OW + ow] = best;
    }
}

__kernel void avg_pool(__global OUT_T* out, __global const IN_T* x, __global const long* tb,
                       __global const PT* dv, pgeom_t g, long run, PT override)
{
    RUN_OF(g, get_global_id(0), g.osz[2], run)
    SPLIT_OUT_ROW(g, r)
    long IH = g.isz[1], IW = g.isz[2];
    long i0 = tb[g.so[0] + od], i1 = tb[g.eo[0] + od];
    long j0 = tb[g.so[1] + oh], j1 = tb[g.eo[1] + oh];
    ACC d01 = (ACC)dv[g.dv[0] + od] * (ACC)dv[g.dv[1] + oh];
    __global const IN_T* xp = x + g.xoff + p * g.isz[0] * IH * IW;
    for (long ow = a; ow < b; ow++) {
        long k0 = tb[g.so[2] + ow], k1 = tb[g.eo[2] + ow];
        ACC acc = 0;
        for (long i = i0; i < i1; i++) {
            for (long j = j0; j < j1; j++) {
                long pos = (i * IH + j) * IW;
                for (long k = k0; k < k1; k++)
                    acc += (ACC)LOAD_IN(xp, pos + k);
            }
        }
        ACC div = override != 0 ? (ACC)override : d01 * (ACC)dv[g.dv[2] + ow];
        STORE_OUT(out + g.ooff, r * OW + ow, (T)(acc / div));
    }
}

__kernel void avg_pool_backward(__global OUT_T* gx, __global const IN_T* go,
                                __global const long* tb, __global const PT* dv, pgeom_t g,
                                long run, PT override)
{
    long ID = g.isz[0], IH = g.isz[1], IW = g.isz[2];
    RUN_OF(g, get_global_id(0), IW, run)
    long u = udiv(r, IH, g.small), ih = r - u * IH;
    long p = udiv(u, ID, g.small), id = u - p * ID;
    long OH = g.osz[1], OW = g.osz[2];
    __global const IN_T* gp = go + g.ooff + p * g.osz[0] * OH * OW;
    long a0 = tb[g.lo[0] + id], b0 = tb[g.hi[0] + id];
    long a1 = tb[g.lo[1] + ih], b1 = tb[g.hi[1] + ih];
    for (long iw = a; iw < b; iw++) {
        long a2 = tb[g.lo[2] + iw], b2 = tb[g.hi[2] + iw];
        T acc = 0;
        for (long od = a0; od < b0; od++) {
            if (id < tb[g.so[0] + od] || id >= tb[g.eo[0] + od])
                continue;
            ACC d0 = (ACC)dv[g.dv[0] + od];
            for (long oh = a1; oh < b1; oh++) {
                if (ih < tb[g.so[1] + oh] || ih >= tb[g.eo[1] + oh])
                    continue;
                ACC d01 = d0 * (ACC)dv[g.dv[1] + oh];
                for (long ow = a2; ow < b2; ow++) {
                    if (iw < tb[g.so[2] + ow] || iw >= tb[g.eo[2] + ow])
                        continue;
                    ACC div = override != 0 ? (ACC)override : d01 * (ACC)dv[g.dv[2] + ow];
                    acc += (T)((ACC)LOAD_IN(gp, (od * OH + oh) * OW + ow) / div);
                }
            }
        }
        STORE_OUT(gx + g.xoff, r * IW + iw, acc);
    }
}

__kernel void max_pool_backward_gather(__global OUT_T* gx, __global const IN_T* go,
                                       __global const long* idx, __global const long* tb,
                                       long run, pgeom_t g)
{
    long ID = g.isz[0], IH = g.isz[1], IW = g.isz[2];
    RUN_OF(g, get_global_id(0), IW, run)
    long u = udiv(r, IH, g.small), ih = r - u * IH;
    long p = udiv(u, ID, g.small), id = u - p * ID;
    long OH = g.osz[1], OW = g.osz[2], base = p * g.osz[0] * OH * OW;
    __global const IN_T* gp = go + g.ooff + base;
    __global const long* ip = idx + g.ioff + base;
    long a0 = tb[g.lo[0] + id], b0 = tb[g.hi[0] + id];
    long a1 = tb[g.lo[1] + ih], b1 = tb[g.hi[1] + ih];
    for (long iw = a; iw < b; iw++) {
        long a2 = tb[g.lo[2] + iw], b2 = tb[g.hi[2] + iw];
        long me = (id * IH + ih) * IW + iw;
        T acc = 0;
        for (long od = a0; od < b0; od++)
            for (long oh = a1; oh < b1; oh++)
                for (long ow = a2; ow < b2; ow++) {
                    /* both loads issued before the compare: the gradient load does not wait
                     * for the index load (two HBM latencies in a row otherwise) */
                    long o = (od * OH + oh) * OW + ow;
                    long w = ip[o];
                    T v = LOAD_IN(gp, o);
                    if (w == me)
                        acc += v;
                }
        STORE_OUT(gx + g.xoff, r * IW + iw, acc);
    }
}
#endif

#if OUT_CODE == D_F32 || OUT_CODE == D_F64
__kernel void max_pool_backward(__global OUT_T* gx, __global const IN_T* go,
                                __global const long* idx, long plane, long nout, long xoff,
                                long ooff, long ioff)
{
    long p = get_global_id(0);
    __global OUT_T* xp = gx + xoff + p * plane;
    __global const IN_T* gp = go + ooff + p * nout;
    __global const long* ip = idx + ioff + p * nout;
    for (long o = 0; o < nout; o++) {
        long k = ip[o];
        if ((ulong)k < (ulong)plane)        /* indices come from max_pool; never write outside */
            xp[k] += LOAD_IN(gp, o);
    }
}
#endif
