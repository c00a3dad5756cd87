/* Convolution data movement: im2col and its adjoint col2im. The host side is
 * ember/backends/opencl/conv_kernels.py; the CPU reference is ember/backends/cpu/_conv.pyx, whose
 * geometry this follows (spatial dims padded in front to three, so one body serves 1-3 dims):
 *
 *     image  (N, C, ID, IH, IW)            any strides (xs), element offset xoff
 *     cols   (N, C*KD*KH*KW, OD*OH*OW)     any strides (cs), element offset coff
 *     row = ((c*KD + kd)*KH + kh)*KW + kw     col = (od*OH + oh)*OW + ow
 *     i_x = o_x*s_x - p_x + k_x*d_x           (zero where outside the image)
 *
 * Programs: -D IN_CODE, OUT_CODE. im2col moves raw bits, so the host builds it with the integer
 * code of the element size for both (any dtype of that size shares it); col2im with the floating
 * dtype of cols and OUT_CODE the dtype of the image it writes: col2im_rows accumulates in the
 * image, so for the 16-bit floats the host gives it a float32 image (sums in float, rounded once
 * by the host's copy, as the CPU backend); col2im_elems sums in T and rounds once on store.
 *
 * Two layouts, chosen by the host per device class:
 *   *_rows   CPU runtimes. im2col: a work-item per (n, row) writes that row's L columns, in runs
 *            of OW with the padding bounds hoisted (PoCL vectorizes loops inside a work-item,
 *            not across work-items that loop). col2im: a work-item per image row (n, c, id, ih)
 *            zeroes it and adds each tap's contributions in (kd, kh, kw) order.
 *   *_elems  GPUs. im2col: a work-item per (n, c, col) writes its column's K taps, consecutive
 *            work-items on consecutive columns, so each tap's stores (and, at stride 1, loads)
 *            are coalesced and the index decoding is paid once per K elements. col2im: a
 *            work-item per image element gathers the taps covering it, in (kd, kh, kw) order.
 *            Index decoding runs in 32 bits when every flat index fits (`small`; 64-bit
 *            divisions cost several times more on GPUs).
 * In both layouts each image element of col2im is written by one work-item only, which adds its
 * contributions in the CPU backend's order: bit-identical results, no atomics.
 */
#include "common.h"

typedef struct {
    long n, c;
    long isz[3], osz[3], k[3], s[3], p[3], d[3];
    long xs[5];
    long cs[3];
    long xoff, coff;
    long small;             /* every flat index of the launch fits in 31 bits */
} cgeom_t;

/* a / b for non-negative a, b: in 32 bits when `small` */
FN long udiv(long a, long b, long small)
{
    return small ? (long)((uint)a / (uint)b) : a / b;
}

/* floor(a / b) for b > 0 and any sign of a */
FN long floor_div(long a, long b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* [lo, hi): the output positions along axis `ax` whose image index for tap kk is inside */
FN void valid_range(const cgeom_t* g, int ax, long kk, long* lo, long* hi)
{
    long off = kk * g->d[ax] - g->p[ax];
    long a = floor_div(-off + g->s[ax] - 1, g->s[ax]);
    long b = floor_div(g->isz[ax] - 1 - off, g->s[ax]) + 1;
    a = a < 0 ? 0 : a;
    b = b > g->osz[ax] ? g->osz[ax] : b;
    *lo = a;
    *hi = b < a ? a : b;
}

/* row -> (c, kd, kh, kw) */
FN void split_row(const cgeom_t* g, long row, long* c, long* kd, long* kh, long* kw)
{
    long t = row / g->k[2];
    *kw = row - t * g->k[2];
    long u = t / g->k[1];
    *kh = t - u * g->k[1];
    *c = u / g->k[0];
    *kd = u - *c * g->k[0];
}

/* ---- im2col (IN_T: the raw integer type of the element size) -------------------------------- */
#if !T_IS_FLOAT
__kernel void im2col_rows(__global IN_T* cols, __global const IN_T* x, cgeom_t g)
{
    long e = get_global_id(0);
    long ck = g.c * g.k[0] * g.k[1] * g.k[2];
    long n = e / ck, row = e - n * ck, c, kd, kh, kw;
    split_row(&g, row, &c, &kd, &kh, &kw);
    long dlo, dhi, hlo, hhi, wlo, whi;
    valid_range(&g, 0, kd, &dlo, &dhi);
    valid_range(&g, 1, kh, &hlo, &hhi);
    valid_range(&g, 2, kw, &wlo, &whi);
    long OH = g.osz[1], OW = g.osz[2], cs2 = g.cs[2], sw = g.s[2], xs4 = g.xs[4];
    long iw0 = kw * g.d[2] - g.p[2];
    __global IN_T* rowp = cols + g.coff + n * g.cs[0] + row * g.cs[1];
    __global const IN_T* xp = x + g.xoff + n * g.xs[0] + c * g.xs[1];
    for (long od = 0; od < g.osz[0]; od++) {
        long idd = od * g.s[0] - g.p[0] + kd * g.d[0];
        for (long oh = 0; oh < OH; oh++) {
            __global IN_T* dst = rowp + (od * OH + oh) * OW * cs2;
            long a = wlo, b = whi;
            if (od < dlo || od >= dhi || oh < hlo || oh >= hhi)
                a = b = OW;                         /* the whole run is padding */
            long ih = oh * g.s[1] - g.p[1] + kh * g.d[1];
            __global const IN_T* src = xp + idd * g.xs[2] + ih * g.xs[3];
            if (cs2 == 1) {
                for (long ow = 0; ow < a; ow++)
                    dst[ow] = 0;
                if (sw * xs4 == 1) {
                    for (long ow = a; ow < b; ow++)
                        dst[ow] = src[ow + iw0];
                } else {
                    for (long ow = a; ow < b; ow++)
                        dst[ow] = src[(ow * sw + iw0) * xs4];
                }
                for (long ow = b; ow < OW; ow++)
                    dst[ow] = 0;
            } else {
                for (long ow = 0; ow < OW; ow++)
                    dst[ow * cs2] = (ow >= a && ow < b) ? src[(ow * sw + iw0) * xs4] : (IN_T)0;
            }
        }
    }
}

__kernel void im2col_elems(__global IN_T* cols, __global const IN_T* x, cgeom_t g)
{
    long e = get_global_id(0);
    long OH = g.osz[1], OW = g.osz[2], L = g.osz[0] * OH * OW;
    long t = udiv(e, L, g.small), col = e - t * L;
    long n = udiv(t, g.c, g.small), c = t - n * g.c;
    long u = udiv(col, OW, g.small), ow = col - u * OW;
    long od = udiv(u, OH, g.small), oh = u - od * OH;
    long id0 = od * g.s[0] - g.p[0], ih0 = oh * g.s[1] - g.p[1], iw0 = ow * g.s[2] - g.p[2];
    __global const IN_T* xp = x + g.xoff + n * g.xs[0] + c * g.xs[1];
    __global IN_T* cp = cols + g.coff + n * g.cs[0] + c * g.k[0] * g.k[1] * g.k[2] * g.cs[1] +
                        col * g.cs[2];
    for (long kd = 0; kd < g.k[0]; kd++) {
        long idd = id0 + kd * g.d[0];
        bool vd = idd >= 0 && idd < g.isz[0];
        for (long kh = 0; kh < g.k[1]; kh++) {
            long ih = ih0 + kh * g.d[1];
            bool vh = vd && ih >= 0 && ih < g.isz[1];
            for (long kw = 0; kw < g.k[2]; kw++) {
                long iw = iw0 + kw * g.d[2];
                *cp = vh && iw >= 0 && iw < g.isz[2]
                          ? xp[idd * g.xs[2] + ih * g.xs[3] + iw * g.xs[4]] : (IN_T)0;
                cp += g.cs[1];
            }
        }
    }
}
#endif

/* ---- col2im (IN_T: cols' floating type, computing in T; OUT_T: the contiguous image) --------- */
#if T_IS_FLOAT
#if OUT_CODE == D_F32 || OUT_CODE == D_F64
__kernel void col2im_rows(__global OUT_T* out, __global const IN_T* cols, cgeom_t g, long ooff)
{
    long e = get_global_id(0);
    long ID = g.isz[0], IH = g.isz[1], IW = g.isz[2];
    long t = e / IH, ih = e - t * IH;
    long u = t / ID, id = t - u * ID;
    long n = u / g.c, c = u - n * g.c;
    __global OUT_T* dst = out + ooff + e * IW;
    for (long iw = 0; iw < IW; iw++)
        dst[iw] = 0;
    long OH = g.osz[1], OW = g.osz[2], cs2 = g.cs[2], sw = g.s[2];
    __global const IN_T* cp = cols + g.coff + n * g.cs[0];
    for (long kd = 0; kd < g.k[0]; kd++) {
        long td = id + g.p[0] - kd * g.d[0];
        long od = td / g.s[0];
        if (td < 0 || od * g.s[0] != td || od >= g.osz[0])
            continue;
        for (long kh = 0; kh < g.k[1]; kh++) {
            long th = ih + g.p[1] - kh * g.d[1];
            long oh = th / g.s[1];
            if (th < 0 || oh * g.s[1] != th || oh >= OH)
                continue;
            for (long kw = 0; kw < g.k[2]; kw++) {
                long wlo, whi;
                valid_range(&g, 2, kw, &wlo, &whi);
                long iw0 = kw * g.d[2] - g.p[2];
                long row = ((c * g.k[0] + kd) * g.k[1] + kh) * g.k[2] + kw;
                __global const IN_T* src = cp + row * g.cs[1] + (od * OH + oh) * OW * cs2;
                if (cs2 == 1 && sw == 1) {
                    for (long ow = wlo; ow < whi; ow++)
                        dst[ow + iw0] += LOAD_IN(src, ow);
                } else {
                    for (long ow = wlo; ow < whi; ow++)
                        dst[ow * sw + iw0] += LOAD_IN(src, ow * cs2);
                }
            }
        }
    }
}
#endif

__kernel void col2im_elems(__global OUT_T* out, __global const IN_T* cols, cgeom_t g, long ooff)
{
    long e = get_global_id(0);
    long ID = g.isz[0], IH = g.isz[1], IW = g.isz[2];
    long t = udiv(e, IW, g.small), iw = e - t * IW;
    long u = udiv(t, IH, g.small), ih = t - u * IH;
    long v = udiv(u, ID, g.small), id = u - v * ID;
    long n = udiv(v, g.c, g.small), c = v - n * g.c;
    /* the tap arithmetic stays inside one image dim: 32 bits */
    int OD = (int)g.osz[0], OH = (int)g.osz[1], OW = (int)g.osz[2];
    __global const IN_T* cp = cols + g.coff + n * g.cs[0] + c * g.k[0] * g.k[1] * g.k[2] * g.cs[1];
    T acc = 0;
    long row = 0;
    for (int kd = 0; kd < (int)g.k[0]; kd++) {
        int td = (int)id + (int)g.p[0] - kd * (int)g.d[0];
        int od = td / (int)g.s[0];
        bool vd = td >= 0 && od * (int)g.s[0] == td && od < OD;
        for (int kh = 0; kh < (int)g.k[1]; kh++) {
            int th = (int)ih + (int)g.p[1] - kh * (int)g.d[1];
            int oh = th / (int)g.s[1];
            bool vh = vd && th >= 0 && oh * (int)g.s[1] == th && oh < OH;
            for (int kw = 0; kw < (int)g.k[2]; kw++, row++) {
                int tw = (int)iw + (int)g.p[2] - kw * (int)g.d[2];
                int ow = tw / (int)g.s[2];
                if (vh && tw >= 0 && ow * (int)g.s[2] == tw && ow < OW)
                    acc += LOAD_IN(cp, row * g.cs[1] + (((long)od * OH + oh) * OW + ow) * g.cs[2]);
            }
        }
    }
    STORE_OUT(out + ooff, e, acc);
}
#endif
