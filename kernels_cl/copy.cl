/* Copies between dtypes and ramps, one program per (IN_CODE, OUT_CODE).
 *
 * Conversions are C casts, as the CPU backend's (NumPy's unsafe casting): bool is "nonzero",
 * floats reach narrow integers through int64 (negative values wrap), 16-bit floats round to
 * nearest even. A same-dtype copy is run by the host as a raw integer copy of that size, so bits
 * (NaN payloads, -0.0) move unchanged.
 *   copy_c  contiguous destination, source contiguous or one broadcast element (s = 1 or 0);
 *           on GPUs (-D C_UNROLL) C_UNROLL elements per work-item, as map.cl's *_c kernels
 *   copy_s  any strides, 2-D launch (see common.h); on GPUs, when launched narrower than the
 *           innermost dim, C_UNROLL columns per work-item (map.cl)
 *   ramp_f  out[i] = start + i * step below `split`, end - (n - 1 - i) * step from it (linspace)
 *   ramp_i  out[i] = start + i * step in exact (wrapping) int64 (integer arange)
 */
#include "common.h"

__kernel void copy_c(__global OUT_T* o, long oo, __global const IN_T* ap, long ao, long sa)
{
#ifdef C_UNROLL
    /* GPUs: C_UNROLL elements per work-item, loads first (see map.cl) */
    if (get_work_dim() == 1) {
        const long i0 = get_global_id(0), g = get_global_size(0);
        T v[C_UNROLL];
        for (int k = 0; k < C_UNROLL; k++)
            v[k] = LOAD_IN(ap + ao, (i0 + k * g) * sa);
        for (int k = 0; k < C_UNROLL; k++)
            STORE_OUT(o + oo, i0 + k * g, v[k]);
        return;
    }
#endif
    long i = get_global_id(0);
    STORE_OUT(o + oo, i, LOAD_IN(ap + ao, i * sa));
}

__kernel void copy_s(__global OUT_T* o, __global const IN_T* ap, geom_t g)
{
#ifdef C_UNROLL
    /* GPUs, launched narrower than the innermost dim: C_UNROLL columns per work-item (map.cl) */
    if (get_global_size(0) < g.shape[2]) {
        const long gs = get_global_size(0), j0 = get_global_id(0);
        const long m = get_global_id(1), r = get_global_id(2);
        if (m >= g.shape[1])
            return;
        const long b0 = g.off[0] + m * g.st[0][1] + r * g.st[0][0];
        const long b1 = g.off[1] + m * g.st[1][1] + r * g.st[1][0];
        T v[C_UNROLL];
        for (int k = 0; k < C_UNROLL; k++) {
            const long j = j0 + k * gs;
            v[k] = j < g.shape[2] ? (T)LOAD_IN(ap, b1 + j * g.st[1][2]) : (T)0;
        }
        for (int k = 0; k < C_UNROLL; k++) {
            const long j = j0 + k * gs;
            if (j < g.shape[2])
                STORE_OUT(o, b0 + j * g.st[0][2], v[k]);
        }
        return;
    }
#endif
    GEOM_OFFSETS(g, 2)
    STORE_OUT(o, q0, LOAD_IN(ap, q1));
}

__kernel void ramp_f(__global OUT_T* o, long oo, PT start, PT step, PT end, long split, long n)
{
    long i = get_global_id(0);
    PT v = i < split ? start + step * (PT)i : end - step * (PT)(n - 1 - i);
    STORE_OUT(o + oo, i, v);
}

__kernel void ramp_i(__global OUT_T* o, long oo, long start, long step)
{
    long i = get_global_id(0);
    long v = (long)((ulong)start + (ulong)step * (ulong)i);
    STORE_OUT(o + oo, i, v);
}
