/* Shared by the nn kernels (norm.cl, loss.cl): the statistics type, the plan record, folds of
 * 16-lane accumulators and work-group trees. Builds on reduce_common.h (IN_CODE, RWG, ACC, LOAD16,
 * STORE_T, store_any).
 */
#include "reduce_common.h"

/* statistics (mean, rstd, var) are stored as float for half inputs, as the ops layer allocates */
#if IN_CODE == D_F64
typedef double S_T;
#else
typedef float S_T;
#endif
#define LOAD_S16(p) CVT_ACC16(vload16(0, (p)))
#define CVS(v) ((ACC)(v))

/* element offsets of up to 8 buffers (off[k]: the k-th buffer argument of the kernel), then the
 * sizes; `flags` bit k: the optional buffer k is present (its argument may be NULL otherwise) */
typedef struct {
    long off[8];
    long rows, n, C, S, G, parts, chunk, flags;
} nplan_t;
#define HAS(pl, k) (((pl).flags >> (k)) & 1)

FN ACC fold16(ACC16 v)
{
    ACC h[16];
    vstore16(v, 0, h);
    for (int k = 8; k > 0; k >>= 1)
        for (int j = 0; j < k; j++)
            h[j] += h[j + k];
    return h[0];
}

/* the sum (the NaN-propagating max) of v over the work-group, returned to every lane;
 * sh: RWG elements of local memory */
#define DEF_WG_FOLD(name, COMB)                                                                \
FN ACC name(ACC v, __local ACC* sh)                                                            \
{                                                                                              \
    int l = get_local_id(0);                                                                   \
    barrier(CLK_LOCAL_MEM_FENCE);           /* every lane has read the previous result */      \
    sh[l] = v;                                                                                 \
    barrier(CLK_LOCAL_MEM_FENCE);                                                              \
    for (int h = RWG / 2; h > 0; h >>= 1) {                                                    \
        if (l < h) {                                                                           \
            ACC a = sh[l], b = sh[l + h];                                                      \
            sh[l] = COMB(a, b);                                                                \
        }                                                                                      \
        barrier(CLK_LOCAL_MEM_FENCE);                                                          \
    }                                                                                          \
    return sh[0];                                                                              \
}
#define ADD_(a, b) ((a) + (b))
DEF_WG_FOLD(wg_sum, ADD_)
DEF_WG_FOLD(wg_max, GT_)

/* the sums of *a and *b over the work-group in one tree (each the same tree as wg_sum, so the
 * same result), returned to every lane: half the barriers of two wg_sum calls; sh: 2 * RWG
 * elements of local memory */
FN void wg_sum2(ACC* a, ACC* b, __local ACC* sh)
{
    int l = get_local_id(0);
    barrier(CLK_LOCAL_MEM_FENCE);
    sh[l] = *a;
    sh[RWG + l] = *b;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int h = RWG / 2; h > 0; h >>= 1) {
        if (l < h) {
            sh[l] = sh[l] + sh[l + h];
            sh[RWG + l] = sh[RWG + l] + sh[RWG + l + h];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    *a = sh[0];
    *b = sh[RWG];
}
