/* Elementwise kernels: unary / binary / compare / predicate / ternary / where.
 *
 * One program per (family, input dtype, output dtype), chosen by -D FAMILY_<name>, IN_CODE,
 * OUT_CODE (where: W_BYTES), holds a kernel pair per op row of map_ops.h:
 *   <op>_c  every operand contiguous or a single broadcast element: operand k is read at
 *           i * s_k (s_k = 1 or 0); one element per work-item, no bounds check (the host launches
 *           the largest multiple of the work-group size, then the tail with a global offset):
 *           PoCL vectorizes such kernels across work-items, and a bounds check costs it ~35%.
 *           On GPUs (-D C_UNROLL=4) a 1-D launch gives each work-item C_UNROLL elements that lie
 *           the launch's global size G apart (coalesced), all its loads issued before any store:
 *           HBM needs many bytes in flight (Little's law: ~4.8 TB/s x ~600 ns is ~3 MB on an
 *           H200, ~22 KB per SM, while one 4-byte load per work-item and 2048 per SM is 8 KB),
 *           and the stores may alias the loads, so the compiler cannot hoist the next element's
 *           loads itself. Measured on an H200: one element per work-item moved 2.4 TB/s for a
 *           unary op and 3.1 TB/s for add (torch: 4.0-4.2). The tail (fewer than WG x C_UNROLL
 *           elements) comes as a 2-D launch of single elements: get_work_dim() tells them apart.
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

/* the GPU branch of a *_c kernel: C_UNROLL loads per operand into registers, then the stores */
#ifdef C_UNROLL
#define UNROLLED(LOADS, BODY)                                                                  \
    if (get_work_dim() == 1) {                                                                 \
        const long i0_ = get_global_id(0), g_ = get_global_size(0);                           \
        LOADS                                                                                  \
        for (int k_ = 0; k_ < C_UNROLL; k_++) {                                                \
            const long i = i0_ + k_ * g_;                                                      \
            BODY                                                                               \
        }                                                                                      \
        return;                                                                                \
    }
#define LOADK(TY, v, p, off, s)                                                                \
        TY v##s_[C_UNROLL];                                                                    \
        for (int k_ = 0; k_ < C_UNROLL; k_++) v##s_[k_] = LOAD_IN(p + off, (i0_ + k_ * g_) * s);
/* the GPU branch of a *_s kernel, taken when the launch is narrower than the innermost dim
 * (Launcher.strided(unroll=C_UNROLL) launches ceil(n / C_UNROLL) columns): a work-item then
 * takes the columns j0, j0 + G, ... (G the launch's width), loads first, bounds checked */
#define S_Q(g, k, j) ((g).off[k] + (j) * (g).st[k][2] + m_ * (g).st[k][1] + r_ * (g).st[k][0])
#define S_UNROLLED(LOADS, BODY)                                                                \
    if (get_global_size(0) < g.shape[2]) {                                                     \
        const long gs_ = get_global_size(0), j0_ = get_global_id(0);                          \
        const long m_ = get_global_id(1), r_ = get_global_id(2);                              \
        if (m_ >= g.shape[1])                                                                  \
            return;                                                                            \
        LOADS                                                                                  \
        for (int k_ = 0; k_ < C_UNROLL; k_++) {                                                \
            const long j_ = j0_ + k_ * gs_;                                                    \
            if (j_ < g.shape[2]) {                                                             \
                const long qo_ = S_Q(g, 0, j_);                                                \
                BODY                                                                           \
            }                                                                                  \
        }                                                                                      \
        return;                                                                                \
    }
#define SLOADK(TY, v, p, op)                                                                   \
        TY v##s_[C_UNROLL];                                                                    \
        for (int k_ = 0; k_ < C_UNROLL; k_++) {                                                \
            const long j_ = j0_ + k_ * gs_;                                                    \
            v##s_[k_] = j_ < g.shape[2] ? (TY)LOAD_IN(p, S_Q(g, op, j_)) : (TY)0;              \
        }
#else
#define UNROLLED(LOADS, BODY)
#define LOADK(TY, v, p, off, s)
#define S_UNROLLED(LOADS, BODY)
#define SLOADK(TY, v, p, op)
#endif

#ifdef FAMILY_UNARY
#define UOP(name, EXPR)                                                                        \
__kernel void name##_c(__global OUT_T* o, long oo, __global const IN_T* ap, long ao, long sa,   \
                       PT p0, PT p1, PT p2)                                                    \
{                                                                                              \
    T lo = TPARAM(p0), hi = TPARAM(p1);                                                        \
    UNROLLED(LOADK(T, x, ap, ao, sa), T x = xs_[k_]; STORE_OUT(o + oo, i, (EXPR));)             \
    C_INDEX;                                                                                   \
    T x = LOAD_IN(ap + ao, i * sa);                                                            \
    STORE_OUT(o + oo, i, (EXPR));                                                              \
}                                                                                              \
__kernel void name##_s(__global OUT_T* o, __global const IN_T* ap, geom_t g, PT p0, PT p1,     \
                       PT p2)                                                                  \
{                                                                                              \
    T lo = TPARAM(p0), hi = TPARAM(p1);                                                        \
    S_UNROLLED(SLOADK(T, x, ap, 1), T x = xs_[k_]; STORE_OUT(o, qo_, (EXPR));)                  \
    GEOM_OFFSETS(g, 2)                                                                         \
    T x = LOAD_IN(ap, q1);                                                                     \
    STORE_OUT(o, q0, (EXPR));                                                                  \
}
#endif

#if defined(FAMILY_BINARY) || defined(FAMILY_COMPARE)
#define BINARY_PAIR(name, EXPR)                                                                \
__kernel void name##_c(__global OUT_T* o, long oo, __global const IN_T* ap, long ao, long sa,   \
                       __global const IN_T* bp, long bo, long sb, __global int* err)           \
{                                                                                              \
    UNROLLED(LOADK(T, a, ap, ao, sa) LOADK(T, b, bp, bo, sb),                                  \
             T a = as_[k_]; T b = bs_[k_]; STORE_OUT(o + oo, i, (EXPR));)                      \
    C_INDEX;                                                                                   \
    T a = LOAD_IN(ap + ao, i * sa), b = LOAD_IN(bp + bo, i * sb);                              \
    STORE_OUT(o + oo, i, (EXPR));                                                              \
}                                                                                              \
__kernel void name##_s(__global OUT_T* o, __global const IN_T* ap, __global const IN_T* bp,    \
                       geom_t g, __global int* err)                                            \
{                                                                                              \
    S_UNROLLED(SLOADK(T, a, ap, 1) SLOADK(T, b, bp, 2),                                        \
               T a = as_[k_]; T b = bs_[k_]; STORE_OUT(o, qo_, (EXPR));)                        \
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
    UNROLLED(LOADK(T, x, ap, ao, sa), T x = xs_[k_]; STORE_OUT(o + oo, i, (EXPR));)             \
    C_INDEX;                                                                                   \
    T x = LOAD_IN(ap + ao, i * sa);                                                            \
    STORE_OUT(o + oo, i, (EXPR));                                                              \
}                                                                                              \
__kernel void name##_s(__global OUT_T* o, __global const IN_T* ap, geom_t g)                   \
{                                                                                              \
    S_UNROLLED(SLOADK(T, x, ap, 1), T x = xs_[k_]; STORE_OUT(o, qo_, (EXPR));)                  \
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
    T v = TPARAM(p0);                                                                          \
    UNROLLED(LOADK(T, a, ap, ao, sa) LOADK(T, b, bp, bo, sb) LOADK(T, c, cp, co, sc),          \
             T a = as_[k_]; T b = bs_[k_]; T c = cs_[k_]; STORE_OUT(o + oo, i, (EXPR));)       \
    C_INDEX;                                                                                   \
    T a = LOAD_IN(ap + ao, i * sa), b = LOAD_IN(bp + bo, i * sb), c = LOAD_IN(cp + co, i * sc); \
    STORE_OUT(o + oo, i, (EXPR));                                                              \
}                                                                                              \
__kernel void name##_s(__global OUT_T* o, __global const IN_T* ap, __global const IN_T* bp,    \
                       __global const IN_T* cp, geom_t g, PT p0)                               \
{                                                                                              \
    T v = TPARAM(p0);                                                                          \
    S_UNROLLED(SLOADK(T, a, ap, 1) SLOADK(T, b, bp, 2) SLOADK(T, c, cp, 3),                    \
               T a = as_[k_]; T b = bs_[k_]; T c = cs_[k_]; STORE_OUT(o, qo_, (EXPR));)         \
    GEOM_OFFSETS(g, 4)                                                                         \
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
#ifdef C_UNROLL
    if (get_work_dim() == 1) {
        const long i0_ = get_global_id(0), g_ = get_global_size(0);
        uchar cs_[C_UNROLL];
        W_T as_[C_UNROLL], bs_[C_UNROLL];
        for (int k_ = 0; k_ < C_UNROLL; k_++) {
            const long i = i0_ + k_ * g_;
            cs_[k_] = cp[co + i * sc];
            as_[k_] = ap[ao + i * sa];
            bs_[k_] = bp[bo + i * sb];
        }
        for (int k_ = 0; k_ < C_UNROLL; k_++)
            o[oo + i0_ + k_ * g_] = cs_[k_] ? as_[k_] : bs_[k_];
        return;
    }
#endif
    C_INDEX;
    o[oo + i] = cp[co + i * sc] ? ap[ao + i * sa] : bp[bo + i * sb];
}

__kernel void where_s(__global W_T* o, __global const uchar* cp, __global const W_T* ap,
                      __global const W_T* bp, geom_t g)
{
#ifdef C_UNROLL
    if (get_global_size(0) < g.shape[2]) {          /* unrolled columns, as S_UNROLLED */
        const long gs_ = get_global_size(0), j0_ = get_global_id(0);
        const long m_ = get_global_id(1), r_ = get_global_id(2);
        if (m_ >= g.shape[1])
            return;
        uchar cs_[C_UNROLL];
        W_T as_[C_UNROLL], bs_[C_UNROLL];
        for (int k_ = 0; k_ < C_UNROLL; k_++) {
            const long j_ = j0_ + k_ * gs_;
            if (j_ < g.shape[2]) {
                cs_[k_] = cp[S_Q(g, 1, j_)];
                as_[k_] = ap[S_Q(g, 2, j_)];
                bs_[k_] = bp[S_Q(g, 3, j_)];
            }
        }
        for (int k_ = 0; k_ < C_UNROLL; k_++) {
            const long j_ = j0_ + k_ * gs_;
            if (j_ < g.shape[2])
                o[S_Q(g, 0, j_)] = cs_[k_] ? as_[k_] : bs_[k_];
        }
        return;
    }
#endif
    GEOM_OFFSETS(g, 4)
    o[q0] = cp[q1] ? ap[q2] : bp[q3];
}
#else
#include "map_ops.h"
#endif
