/* Shared by the reduction family (reduce.cl, scan.cl, softmax.cl, sort.cl): accumulator types,
 * the line plan, stores of any dtype, and the op table.
 *
 * Defines (besides common.h's IN_CODE / EMBER_FP64):
 *   RWG    work-group size of the work-group (GPU) kernels, a power of two
 *   RCOLS  columns per work-item of the column kernels: 16 on CPU runtimes (vectorized by the
 *          compiler along the columns), 1 on GPUs (neighbouring work-items read neighbouring
 *          columns, coalesced)
 *
 * Accumulators follow the CPU backend: floating inputs accumulate in double (float where the
 * device lacks fp64), integers and bool in int64, half types are loaded as float.
 */
#include "common.h"

#ifndef RWG
#define RWG 256
#endif
#ifndef RCOLS
#define RCOLS 16
#endif

#if T_IS_FLOAT
#ifdef EMBER_FP64
typedef double ACC;
#else
typedef float ACC;
#endif
#else
typedef long ACC;
#endif

/* NaN test of scalars and vectors; a constant 0 for integer inputs (their accumulators are
 * integers too) */
#if T_IS_FLOAT
#define ISNAN(x) ((x) != (x))
#else
#define ISNAN(x) 0
#endif

/* max / min that keep the first NaN they meet (NaN propagates), scalars or vectors; a and b are
 * plain variables (evaluated twice) */
#define GT_(a, b) ((((b) > (a)) | ISNAN(b)) ? (b) : (a))
#define LT_(a, b) ((((b) < (a)) | ISNAN(b)) ? (b) : (a))

/* ---- the plan of a reduction over lines -----------------------------------------------------
 * Kept dims (coalesced, outermost first, left-padded with size 1 / stride 0) give each output
 * its input and output offsets; reduced dims (largest stride first, padded the same way) are
 * walked as runs along the innermost one. A scan, softmax or sort has one reduced dim (the
 * line) whose output stride is `los`. Each output's range [0, nred) may be split in `parts`
 * ranges of `chunk` elements. Element offsets, all of them; `aux` is reserved (0).
 */
#define RMAXK 4
#define RMAXR 4
typedef struct {
    long ks[RMAXK], kis[RMAXK], kos[RMAXK];
    long rs[RMAXR], ris[RMAXR];
    long nout, nred, ioff, ooff;
    long parts, chunk, los, aux;
} rplan_t;

/* input and output offsets of output o over the kept dims [0, upto) (upto = RMAXK: all) */
FN void kept_offsets(const rplan_t* p, long o, int upto, long* io, long* oo)
{
    long a = p->ioff, b = p->ooff;
    for (int d = upto - 1; d >= 0; d--) {
        long n = p->ks[d];
        long i = o % n;
        o /= n;
        a += i * p->kis[d];
        b += i * p->kos[d];
    }
    *io = a;
    *oo = b;
}

/* ---- stores ----------------------------------------------------------------------------------
 * v into element i of a buffer of dtype `code`: C casts as the CPU backend's _store (floats reach
 * integers through int64; half types round through float, as the CPU's float32 temporary).
 */
FN void store_any(__global void* ob, long i, int code, ACC v)
{
    switch (code) {
    case D_BOOL: ((__global uchar*)ob)[i] = (uchar)(v != 0); break;
    case D_U8: ((__global uchar*)ob)[i] = (uchar)(long)v; break;
    case D_I8: ((__global char*)ob)[i] = (char)(long)v; break;
    case D_I16: ((__global short*)ob)[i] = (short)(long)v; break;
    case D_I32: ((__global int*)ob)[i] = (int)(long)v; break;
    case D_I64: ((__global long*)ob)[i] = (long)v; break;
    case D_F16: vstore_half_rte((float)v, i, (__global half*)ob); break;
    case D_BF16: ((__global ushort*)ob)[i] = float_to_bf16((float)v); break;
    case D_F32: ((__global float*)ob)[i] = (float)v; break;
#ifdef EMBER_FP64
    case D_F64: ((__global double*)ob)[i] = (double)v; break;
#endif
    }
}


/* store a compute-type value into the input's own dtype (softmax) */
#if IN_CODE == D_F16
#define STORE_T(p, i, v) vstore_half_rte((float)(v), (i), (p))
#elif IN_CODE == D_BF16
#define STORE_T(p, i, v) ((p)[i] = float_to_bf16((float)(v)))
#else
#define STORE_T(p, i, v) ((p)[i] = (IN_T)(v))
#endif

/* ---- 16-wide loads of the input dtype as T16 (compute type) -------------------------------- */
/* T16 is the compute type's 16-vector; TM16 the mask type of its comparisons */
#if T_IS_FLOAT && IN_CODE != D_F64
typedef int16 TM16;
#else
typedef long16 TM16;
#endif
#if T_IS_FLOAT && IN_CODE != D_F64
#define CVT_T16 convert_float16
#elif IN_CODE == D_F64
#define CVT_T16 convert_double16
#else
#define CVT_T16 convert_long16
#endif
#if IN_CODE == D_F16
typedef float16 T16;
#define LOAD16(p, i) vload_half16(0, (p) + (i))
#elif IN_CODE == D_BF16
typedef float16 T16;
#define LOAD16(p, i) as_float16(convert_uint16(vload16(0, (p) + (i))) << 16)
#elif IN_CODE == D_F32
typedef float16 T16;
#define LOAD16(p, i) vload16(0, (p) + (i))
#elif IN_CODE == D_F64
typedef double16 T16;
#define LOAD16(p, i) vload16(0, (p) + (i))
#elif IN_CODE == D_I64
typedef long16 T16;
#define LOAD16(p, i) vload16(0, (p) + (i))
#else
typedef long16 T16;     /* narrow integers widen at once */
#define LOAD16(p, i) convert_long16(vload16(0, (p) + (i)))
#endif

#if T_IS_FLOAT
#ifdef EMBER_FP64
typedef double16 ACC16;
#define CVT_ACC16 convert_double16
#else
typedef float16 ACC16;
#define CVT_ACC16 convert_float16
#endif
#else
typedef long16 ACC16;
#define CVT_ACC16 convert_long16
#endif
/* mask type of ACC16 comparisons; NOTNAN is all-true for integers */
#if T_IS_FLOAT && !defined(EMBER_FP64)
typedef int16 AM16;
#else
typedef long16 AM16;
#endif
#if T_IS_FLOAT
#define NOTNAN(x) ((x) == (x))
#else
#define NOTNAN(x) (-1)
#endif


/* raw element type of the input's size (values outputs copy input elements bit for bit) */
#if IN_CODE == D_F16 || IN_CODE == D_BF16 || IN_CODE == D_I16
typedef ushort RAW_T;
#elif IN_CODE == D_F32 || IN_CODE == D_I32
typedef uint RAW_T;
#elif IN_CODE == D_F64 || IN_CODE == D_I64
typedef ulong RAW_T;
#else
typedef uchar RAW_T;
#endif
#define RAW(p) ((__global const RAW_T*)(p))

/* 16 compute-type values into the input's dtype (softmax), p[i .. i + 15] */
#if IN_CODE == D_F16
#define STORE16_T(p, i, v) vstore_half16_rte((v), 0, (p) + (i))
#elif IN_CODE == D_BF16
FN void store16_bf16(__global ushort* p, float16 v)
{
    uint16 u = as_uint16(v);
    uint16 r = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
    r = select(r, (uint16)0x7FC0u, as_uint16(isnan(v)));
    vstore16(convert_ushort16(r), 0, p);
}
#define STORE16_T(p, i, v) store16_bf16((p) + (i), (v))
#else
#define STORE16_T(p, i, v) vstore16((v), 0, (p) + (i))
#endif

/* 16 accumulator values into p[i .. i + 15] of dtype `code` (vector stores for the common ones) */
FN void store16_any(__global void* ob, long i, int code, ACC16 v)
{
    switch (code) {
    case D_F32: vstore16(convert_float16(v), 0, (__global float*)ob + i); return;
#ifdef EMBER_FP64
    case D_F64: vstore16(convert_double16(v), 0, (__global double*)ob + i); return;
#endif
    case D_I64: vstore16(convert_long16(v), 0, (__global long*)ob + i); return;
    }
    ACC h[16];
    vstore16(v, 0, h);
    for (int j = 0; j < 16; j++)
        store_any(ob, i + j, code, h[j]);
}

/* which (job, part) a work-item of a column kernel takes: on GPUs neighbouring work-items take
 * neighbouring columns of the same part (coalesced loads: one row segment per warp), on CPU
 * runtimes the parts of one job are neighbours (a work-item's columns stay contiguous anyway) */
#if RCOLS == 1
#define COLS_JOB(jobs) long k = g / (jobs), ob = g - k * (jobs);
#else
#define COLS_JOB(jobs) long k = g % pl.parts, ob = g / pl.parts;
#endif
