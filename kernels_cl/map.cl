/* Elementwise kernels: unary / binary / compare / predicate / ternary / where.
 *
 * One program per (family, input dtype, output dtype), chosen by -D FAMILY_<name>, IN_CODE,
 * OUT_CODE (where: W_BYTES), holds a kernel pair per op row of map_ops.h:
 *   <op>_c  every operand contiguous or a single broadcast element: operand k is read at
 *           i * s_k (s_k = 1 or 0); one element per work-item, no bounds check (the host launches
 *           the largest multiple of the work-group size, then the tail with a global offset):
 *           PoCL vectorizes such kernels across work-items, and a bounds check costs it ~35%.
 *   <op>_s  any strides (geometry passed by value, see common.h), a 2-D launch over
 *           (innermost dimension, rows).
 * Why a program per family and not per op: measured on PoCL (cold caches), the unary float32
 * program (59 kernel pairs) builds in 0.3-0.4 s while the smallest program costs ~0.1 s, so 59
 * single-op programs would take ~6 s; a test run touches most ops of a family anyway. PoCL then
 * compiles each kernel at its first launch (~50 ms per work-group shape, see launch.py) however
 * the kernels are grouped; both steps are cached on disk.
 */
#include "common.h"

#define C_INDEX long i = get_global_id(0)

#ifdef FAMILY_UNARY
#define UOP(name, EXPR)                                                                        \
__kernel void name##_c(__global OUT_T* o, long oo, __global const IN_T* ap, long ao, long sa,   \
                       PT p0, PT p1, PT p2)                                                    \
{                                                                                              \
    C_INDEX;                                                                                   \
    T lo = (T)p0, hi = (T)p1;                                                                  \
    T x = LOAD_IN(ap + ao, i * sa);                                                            \
    STORE_OUT(o + oo, i, (EXPR));                                                              \
}                                                                                              \
__kernel void name##_s(__global OUT_T* o, __global const IN_T* ap, geom_t g, PT p0, PT p1,     \
                       PT p2)                                                                  \
{                                                                                              \
    GEOM_OFFSETS(g, 2)                                                                         \
    T lo = (T)p0, hi = (T)p1;                                                                  \
    T x = LOAD_IN(ap, q1);                                                                     \
    STORE_OUT(o, q0, (EXPR));                                                                  \
}
#endif

#if defined(FAMILY_BINARY) || defined(FAMILY_COMPARE)
#define BINARY_PAIR(name, EXPR)                                                                \
__kernel void name##_c(__global OUT_T* o, long oo, __global const IN_T* ap, long ao, long sa,   \
                       __global const IN_T* bp, long bo, long sb, __global int* err)           \
{                                                                                              \
    C_INDEX;                                                                                   \
    T a = LOAD_IN(ap + ao, i * sa), b = LOAD_IN(bp + bo, i * sb);                              \
    STORE_OUT(o + oo, i, (EXPR));                                                              \
}                                                                                              \
__kernel void name##_s(__global OUT_T* o, __global const IN_T* ap, __global const IN_T* bp,    \
                       geom_t g, __global int* err)                                            \
{                                                                                              \
    GEOM_OFFSETS(g, 3)                                                                         \
    T a = LOAD_IN(ap, q1), b = LOAD_IN(bp, q2);                                                \
    STORE_OUT(o, q0, (EXPR));                                                                  \
}
#ifdef FAMILY_BINARY
#define BOP BINARY_PAIR
#else
#define COP BINARY_PAIR
#endif
#endif

#ifdef FAMILY_PREDICATE
#define POP(name, EXPR)                                                                        \
__kernel void name##_c(__global OUT_T* o, long oo, __global const IN_T* ap, long ao, long sa)   \
{                                                                                              \
    C_INDEX;                                                                                   \
    T x = LOAD_IN(ap + ao, i * sa);                                                            \
    STORE_OUT(o + oo, i, (EXPR));                                                              \
}                                                                                              \
__kernel void name##_s(__global OUT_T* o, __global const IN_T* ap, geom_t g)                   \
{                                                                                              \
    GEOM_OFFSETS(g, 2)                                                                         \
    T x = LOAD_IN(ap, q1);                                                                     \
    STORE_OUT(o, q0, (EXPR));                                                                  \
}
#endif

#ifdef FAMILY_TERNARY
#define TOP(name, EXPR)                                                                        \
__kernel void name##_c(__global OUT_T* o, long oo, __global const IN_T* ap, long ao, long sa,   \
                       __global const IN_T* bp, long bo, long sb,                              \
                       __global const IN_T* cp, long co, long sc, PT p0)                       \
{                                                                                              \
    C_INDEX;                                                                                   \
    T v = (T)p0;                                                                               \
    T a = LOAD_IN(ap + ao, i * sa), b = LOAD_IN(bp + bo, i * sb), c = LOAD_IN(cp + co, i * sc); \
    STORE_OUT(o + oo, i, (EXPR));                                                              \
}                                                                                              \
__kernel void name##_s(__global OUT_T* o, __global const IN_T* ap, __global const IN_T* bp,    \
                       __global const IN_T* cp, geom_t g, PT p0)                               \
{                                                                                              \
    GEOM_OFFSETS(g, 4)                                                                         \
    T v = (T)p0;                                                                               \
    T a = LOAD_IN(ap, q1), b = LOAD_IN(bp, q2), c = LOAD_IN(cp, q3);                           \
    STORE_OUT(o, q0, (EXPR));                                                                  \
}
#endif

#ifdef FAMILY_WHERE
/* out = cond ? a : b, moving raw bits of W_BYTES (any dtype of that size) */
#if W_BYTES == 1
typedef uchar W_T;
#elif W_BYTES == 2
typedef ushort W_T;
#elif W_BYTES == 4
typedef uint W_T;
#else
typedef ulong W_T;
#endif
__kernel void where_c(__global W_T* o, long oo, __global const uchar* cp, long co, long sc,
                      __global const W_T* ap, long ao, long sa, __global const W_T* bp, long bo,
                      long sb)
{
    C_INDEX;
    o[oo + i] = cp[co + i * sc] ? ap[ao + i * sa] : bp[bo + i * sb];
}

__kernel void where_s(__global W_T* o, __global const uchar* cp, __global const W_T* ap,
                      __global const W_T* bp, geom_t g)
{
    GEOM_OFFSETS(g, 4)
    o[q0] = cp[q1] ? ap[q2] : bp[q3];
}
#else
#include "map_ops.h"
#endif
