/* Shared by every Ember kernel: dtype codes, storage <-> compute conversions, strided geometry.
 *
 * A program is specialised by -D options, never by pasting source per dtype:
 *   IN_CODE / OUT_CODE   ember dtype codes (ember/dtypes.py) of the inputs and of the output
 *   EMBER_FP64           the device has cl_khr_fp64 (double math and double parameters)
 * Storage types differ from compute types only for the 16-bit floats, which OpenCL C 1.2 may only
 * load and store (vload_half / vstore_half; bfloat16 by bit shifts): they compute in float.
 */
#ifdef EMBER_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double PT;              /* scalar parameters (clamp bounds, alpha, ...) */
#else
typedef float PT;
#endif

#define D_BOOL 0
#define D_U8 1
#define D_I8 2
#define D_I16 3
#define D_I32 4
#define D_I64 5
#define D_F16 6
#define D_BF16 7
#define D_F32 8
#define D_F64 9

#define FN static inline

FN float bf16_to_float(ushort b) { return as_float(((uint)b) << 16); }

/* round to nearest even, NaN -> the canonical quiet NaN (as the CPU backend) */
FN ushort float_to_bf16(float f)
{
    uint u = as_uint(f);
    if (f != f)
        return (ushort)0x7FC0;
    return (ushort)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

/* ---- input slot: storage type IN_T, compute type T (unsigned twin UT for wrapping math) ---- */
#ifdef IN_CODE
#if IN_CODE == D_BOOL || IN_CODE == D_U8
typedef uchar IN_T; typedef uchar T; typedef uchar UT;
#define T_SIGNED 0
#elif IN_CODE == D_I8
typedef char IN_T; typedef char T; typedef uchar UT;
#define T_SIGNED 1
#elif IN_CODE == D_I16
typedef short IN_T; typedef short T; typedef ushort UT;
#define T_SIGNED 1
#elif IN_CODE == D_I32
typedef int IN_T; typedef int T; typedef uint UT;
#define T_SIGNED 1
#elif IN_CODE == D_I64
typedef long IN_T; typedef long T; typedef ulong UT;
#define T_SIGNED 1
#elif IN_CODE == D_F16
typedef half IN_T; typedef float T;
#elif IN_CODE == D_BF16
typedef ushort IN_T; typedef float T;
#elif IN_CODE == D_F32
typedef float IN_T; typedef float T;
#elif IN_CODE == D_F64
typedef double IN_T; typedef double T;
#endif
#define T_IS_FLOAT (IN_CODE >= D_F16)
#define T_BITS (8 * (int)sizeof(T))
/* a scalar parameter (PT) as T: bool as p != 0, integers through long (a double outside the
 * type's range wraps, as on the CPU backend, instead of C's undefined float-to-int conversion,
 * which NVIDIA's compiler and PoCL resolve differently), floats as they are */
#if IN_CODE == D_BOOL
#define TPARAM(p) ((T)((p) != 0))
#elif IN_CODE >= D_F16
#define TPARAM(p) ((T)(p))
#else
#define TPARAM(p) ((T)(long)(p))
#endif

#if IN_CODE == D_F16
#define LOAD_IN(p, i) vload_half((i), (p))
#elif IN_CODE == D_BF16
#define LOAD_IN(p, i) bf16_to_float((p)[i])
#else
#define LOAD_IN(p, i) ((p)[i])
#endif
#endif /* IN_CODE */

/* ---- output slot: conversion from the computed value, C-cast semantics as the CPU backend --- */
#ifdef OUT_CODE
#if OUT_CODE == D_BOOL || OUT_CODE == D_U8
typedef uchar OUT_T;
#elif OUT_CODE == D_I8
typedef char OUT_T;
#elif OUT_CODE == D_I16
typedef short OUT_T;
#elif OUT_CODE == D_I32
typedef int OUT_T;
#elif OUT_CODE == D_I64
typedef long OUT_T;
#elif OUT_CODE == D_F16
typedef half OUT_T;
#elif OUT_CODE == D_BF16
typedef ushort OUT_T;
#elif OUT_CODE == D_F32
typedef float OUT_T;
#elif OUT_CODE == D_F64
typedef double OUT_T;
#endif

#if OUT_CODE == D_BOOL
#define CVT_OUT(v) ((uchar)((v) != 0))
#elif OUT_CODE <= D_I64 && defined(IN_CODE) && IN_CODE >= D_F16
/* float -> narrow integer through int64, so negative values wrap as NumPy/PyTorch do */
#define CVT_OUT(v) ((OUT_T)(long)(v))
#else
#define CVT_OUT(v) ((OUT_T)(v))
#endif

#if defined(IN_CODE) && IN_CODE == D_F64
#define HALF_SRC(v) ((double)(v))   /* double -> half rounds once, as NumPy */
#else
#define HALF_SRC(v) ((float)(v))
#endif

#if OUT_CODE == D_F16
#define STORE_OUT(p, i, v) vstore_half_rte(HALF_SRC(v), (i), (p))
#elif OUT_CODE == D_BF16
#define STORE_OUT(p, i, v) ((p)[i] = float_to_bf16((float)(v)))
#else
#define STORE_OUT(p, i, v) ((p)[i] = CVT_OUT(v))
#endif
#endif /* OUT_CODE */

/* ---- strided geometry --------------------------------------------------------------------------
 * The host coalesces dimensions (drops size-1 dims, merges dims contiguous for every operand) and
 * passes at most 3 of them, outermost first: shape, per-operand strides and offsets (elements), by
 * value; more dimensions are looped on the host. The launch is 3-D, innermost dimension first,
 * so every work-item finds its offsets with multiply-adds only: a division per dimension, or any
 * loop in the kernel, stops PoCL's vectorization across work-items (measured 7x slower).
 * Dimensions 0 and 1 are rounded up to the work-group shape, hence their bounds check.
 */
#define MAXD 3
typedef struct {
    long shape[MAXD];
    long st[4][MAXD];
    long off[4];
} geom_t;

/* element offsets q0..q3 of operands 0..NOPS-1 for this work-item */
#define GEOM_Q(g, k) ((g).off[k] + j_ * (g).st[k][2] + m_ * (g).st[k][1] + r_ * (g).st[k][0])
#define GEOM_OFFSETS(g, NOPS)                                                              \
    long j_ = get_global_id(0), m_ = get_global_id(1), r_ = get_global_id(2);              \
    if (j_ >= (g).shape[2] || m_ >= (g).shape[1]) return;                                  \
    long q0 = GEOM_Q(g, 0), q1 = GEOM_Q(g, 1);                                             \
    long q2 = NOPS > 2 ? GEOM_Q(g, 2) : 0, q3 = NOPS > 3 ? GEOM_Q(g, 3) : 0;
