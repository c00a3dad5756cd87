/* GEMM: c[z][m, n] = a[z][m, k] @ b[z][k, n] for every batch index z, operands read by strides.
 *
 * One program per dtype and variant (-D IN_CODE = OUT_CODE, GEMM_CPU or GEMM_GPU plus the tile
 * parameters below, chosen per device class by ember/backends/opencl/linalg_kernels.py).
 * Products accumulate in ACC: float for float32 / float16 / bfloat16 (as the CPU backend), double
 * for float64, long for the integer dtypes (the stored result wraps like the CPU's).
 *
 * GEMM_CPU (PoCL, Intel CPU runtimes): no local memory (on a CPU it is ordinary memory plus
 * barrier bookkeeping: the GPU design below runs at a tenth of this one's speed on PoCL).
 * gemm_pack first copies b into panels of NR = NV * VW columns, zero-padded, k-major and
 * converted to ACC, so the micro-kernel gemm_cpu loads a panel row as NV aligned vectors. A
 * work-item computes an MR x NR block of c in MR * NV vector registers, a broadcast element of a
 * times a panel row per step: register blocking as in BLIS / OpenBLAS micro-kernels. Explicit
 * vectors, because PoCL does not vectorize loops inside a kernel. A work-group is LR row blocks
 * x LP panels, sized so its rows of a and its panels stay in a core's L2 cache while the group
 * runs. Rows past m are read from row m - 1 (no branch in the loop) and not stored.
 *
 * GEMM_GPU: the CLBlast / "SGEMM in CUDA" design. A work-group of MDIMC x NDIMC work-items
 * computes an MWG x NWG tile of c; per KWG slice of k it stages both operand tiles in local memory
 * (a transposed, so both are k-major), each work-item computing MWI x NWI outputs from registers.
 * Global loads follow the operand's contiguous dimension (coalesced for row- or column-major
 * operands, a run-time choice) and the next slice is loaded into registers while the current one
 * is multiplied. A work-item's rows (columns) are VW-wide chunks interleaved across the group, so
 * its local reads are VW-wide vectors and neighbouring work-items read neighbouring chunks
 * (no bank conflicts). Measured on an H100: 30 TFLOP/s at 4096^3 float32, 58% of cuBLAS FP32.
 */
#include "common.h"

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

#if IN_CODE == D_F64
typedef double ACC;
#define ACC_VEC(n) CAT(double, n)
#elif T_IS_FLOAT
typedef float ACC;
#define ACC_VEC(n) CAT(float, n)
#else
typedef long ACC;
#define ACC_VEC(n) CAT(long, n)
#endif

#if T_IS_FLOAT
#define MAD(a, b, c) fma((a), (b), (c))
#else
#define MAD(a, b, c) ((a) * (b) + (c))
#endif

/* ---- the plan: sizes, matrix strides, batch geometry (element offsets, all of them) ----------
 * Batch dims are coalesced on the host (at most GMAXB, outermost first, padded with size 1).
 * qs / qb: the dims where b is not broadcast and b's strides in them; the packed copy of b holds
 * one panel set (pq elements) per index of those dims, whose strides in the packed copy are sp
 * (0 in the dims where b is broadcast). z0: the first batch index of this launch. */
#define GMAXB 3
typedef struct {
    long m, n, k;
    long sam, sak, sbk, sbn, scm, scn;
    long aoff, boff, coff;
    long z0, pq, flags;
    long bs[GMAXB], sa[GMAXB], sb[GMAXB], sc[GMAXB], sp[GMAXB];
    long qs[GMAXB], qb[GMAXB];
} gplan_t;

#define FLAG_A_KFAST 1          /* a's k stride is its smallest: load along k */
#define FLAG_B_NFAST 2          /* b's n stride is its smallest: load along n */

/* the offsets of batch index z in a, b (or the packed b) and c */
FN void batch_offsets(const gplan_t* p, long z, long* ao, long* bo, long* po, long* co)
{
    long i2 = z % p->bs[2];
    z /= p->bs[2];
    long i1 = z % p->bs[1], i0 = z / p->bs[1];
    *ao = p->aoff + i0 * p->sa[0] + i1 * p->sa[1] + i2 * p->sa[2];
    *bo = p->boff + i0 * p->sb[0] + i1 * p->sb[1] + i2 * p->sb[2];
    *po = i0 * p->sp[0] + i1 * p->sp[1] + i2 * p->sp[2];
    *co = p->coff + i0 * p->sc[0] + i1 * p->sc[1] + i2 * p->sc[2];
}

/* ================================================================================================
 * CPU runtimes
 */
#ifdef GEMM_CPU
#define NR (NV * VW)
typedef ACC_VEC(VW) ACCV;
#define VLOADW CAT(vload, VW)
#define VSTOREW CAT(vstore, VW)
#if (IN_CODE == D_F32 || IN_CODE == D_F64 || IN_CODE == D_I64)
#define STORE_IS_ACC 1          /* c's elements are ACC: whole panel rows go out as vectors */
#else
#define STORE_IS_ACC 0
#endif

/* VW elements of b at p[0..VW) (contiguous) as an ACC vector */
#if IN_CODE == D_F16
#define LOADV_IN(p) CAT(vload_half, VW)(0, p)
#elif IN_CODE == D_BF16
#define LOADV_IN(p) CAT(as_float, VW)(CAT(convert_uint, VW)(CAT(vload, VW)(0, p)) << 16)
#elif IN_CODE == D_F32 || IN_CODE == D_F64 || IN_CODE == D_I64
#define LOADV_IN(p) CAT(vload, VW)(0, p)
#else
#define LOADV_IN(p) CAT(convert_long, VW)(CAT(vload, VW)(0, p))
#endif

FN long packed_batch(const gplan_t* pl, long q)
{
    long i2 = q % pl->qs[2], r = q / pl->qs[2];
    long i1 = r % pl->qs[1], i0 = r / pl->qs[1];
    return pl->boff + i0 * pl->qb[0] + i1 * pl->qb[1] + i2 * pl->qb[2];
}

/* bp[q][jp][p][0..NR) = b[q][p, jp * NR ...] as ACC, zero-padded past n: one work-item per panel
 * row (p = get_global_id(0), so neighbouring work-items read neighbouring rows, contiguous when
 * b is column-major), whole vectors when b's rows are contiguous */
__kernel void gemm_pack(__global const IN_T* b, __global ACC* bp, const gplan_t pl)
{
    long p = get_global_id(0), jp = get_global_id(1), q = get_global_id(2);
    if (p >= pl.k)
        return;
    __global const IN_T* src = b + packed_batch(&pl, q) + p * pl.sbk + jp * NR * pl.sbn;
    __global ACC* dst = bp + q * pl.pq + (jp * pl.k + p) * NR;
    long nj = pl.n - jp * NR;
    if (nj >= NR && pl.sbn == 1) {
#pragma unroll
        for (int v = 0; v < NV; v++)
            VSTOREW(LOADV_IN(src + v * VW), v, dst);
        return;
    }
    const long sbn = pl.sbn;
#pragma unroll
    for (int j = 0; j < NR; j++)
        dst[j] = j < nj ? (ACC)LOAD_IN(src, j * sbn) : (ACC)0;
}

/* the MR x NR block (row block get_global_id(0), panel get_global_id(1)) of batch z */
__kernel void gemm_cpu(__global const IN_T* a, __global const ACC* bp, __global OUT_T* c,
                       const gplan_t pl)
{
    long i0 = get_global_id(0) * MR, jp = get_global_id(1);
    long j0 = jp * NR;
    if (i0 >= pl.m || j0 >= pl.n)
        return;
    long ao, bo, po, co;
    batch_offsets(&pl, pl.z0 + get_global_id(2), &ao, &bo, &po, &co);
    __global const ACC* B = bp + po + jp * pl.k * NR;
    __global const IN_T* A[MR];
#pragma unroll
    for (int r = 0; r < MR; r++)
        A[r] = a + ao + min(i0 + r, pl.m - 1) * pl.sam;
    ACCV acc[MR][NV];
#pragma unroll
    for (int r = 0; r < MR; r++)
#pragma unroll
        for (int v = 0; v < NV; v++)
            acc[r][v] = (ACCV)(0);
    const long sak = pl.sak, k = pl.k;
    for (long p = 0; p < k; p++) {
        ACCV bv[NV];
#pragma unroll
        for (int v = 0; v < NV; v++)
            bv[v] = VLOADW(v, B);
        B += NR;
#pragma unroll
        for (int r = 0; r < MR; r++) {
            ACCV av = (ACCV)((ACC)LOAD_IN(A[r], p * sak));
#pragma unroll
            for (int v = 0; v < NV; v++)
                acc[r][v] = MAD(av, bv[v], acc[r][v]);
        }
    }
    const long nj = min((long)NR, pl.n - j0);
#pragma unroll
    for (int r = 0; r < MR; r++) {
        if (i0 + r >= pl.m)
            break;
        long cr = co + (i0 + r) * pl.scm + j0 * pl.scn;
#if STORE_IS_ACC
        if (nj == NR && pl.scn == 1) {
#pragma unroll
            for (int v = 0; v < NV; v++)
                VSTOREW(acc[r][v], v, c + cr);
            continue;
        }
#endif
        ACC t[NR];
#pragma unroll
        for (int v = 0; v < NV; v++)
            VSTOREW(acc[r][v], v, t);
        for (long j = 0; j < nj; j++)
            STORE_OUT(c, cr + j * pl.scn, t[j]);
    }
}
#endif /* GEMM_CPU */

/* ================================================================================================
 * GPUs
 */
#ifdef GEMM_GPU
#define MWI (MWG / MDIMC)
#define NWI (NWG / NDIMC)
#define NTH (MDIMC * NDIMC)
#define LDA (MWG + VW)          /* local row pitch: a skew of one vector, still VW-aligned */
#define LDB (NWG + VW)
#define LA (MWG * KWG / NTH)    /* elements of each operand tile a work-item loads */
#define LB (NWG * KWG / NTH)
typedef ACC_VEC(VW) ACCV;
/* VW (2, 4 or 8) elements of local memory at a VW-aligned index, as one vector load */
#define LOCAL_VEC(p, i) (*(__local const ACCV*)((p) + (i)))

/* row (column) within the tile of a work-item's element i: VW-wide chunks, interleaved */
#define ROW_OF(i, t, DIMC) (((i) / VW) * (DIMC * VW) + (t) * VW + (i) % VW)

/* tile element e of a: (row, k) as the load order `kfast` says (coalesced along the operand's
 * contiguous dimension); b likewise with (k, column) */
#define A_MK(e, kf, mm, kk)                                                                    \
    if (kf) { kk = (e) % KWG; mm = (e) / KWG; } else { mm = (e) % MWG; kk = (e) / MWG; }
#define B_KN(e, nf, kk, nn)                                                                    \
    if (nf) { nn = (e) % NWG; kk = (e) / NWG; } else { kk = (e) % KWG; nn = (e) / KWG; }

__kernel __attribute__((reqd_work_group_size(MDIMC, NDIMC, 1)))
void gemm_gpu(__global const IN_T* a, __global const IN_T* b, __global OUT_T* c, const gplan_t pl)
{
    __local ACCV As_[KWG * LDA / VW];
    __local ACCV Bs_[KWG * LDB / VW];
    __local ACC* As = (__local ACC*)As_;
    __local ACC* Bs = (__local ACC*)Bs_;
    const int tm = get_local_id(0), tn = get_local_id(1);
    const int tid = tm + MDIMC * tn;
    const long i0 = get_group_id(0) * MWG, j0 = get_group_id(1) * NWG;
    long ao, bo, po, co;
    batch_offsets(&pl, pl.z0 + get_group_id(2), &ao, &bo, &po, &co);
    const int akf = (pl.flags & FLAG_A_KFAST) != 0, bnf = (pl.flags & FLAG_B_NFAST) != 0;
    const long m = pl.m, n = pl.n, k = pl.k;

    ACC ra[LA], rb[LB];
    ACC acc[MWI][NWI];
#pragma unroll
    for (int i = 0; i < MWI; i++)
#pragma unroll
        for (int j = 0; j < NWI; j++)
            acc[i][j] = 0;

#define LOAD_TILES(k0)                                                                         \
    _Pragma("unroll") for (int t = 0; t < LA; t++) {                                           \
        int e = tid + t * NTH, mm, kk;                                                         \
        A_MK(e, akf, mm, kk)                                                                   \
        long gm = i0 + mm, gk = (k0) + kk;                                                     \
        ra[t] = (gm < m && gk < k) ? (ACC)LOAD_IN(a, ao + gm * pl.sam + gk * pl.sak) : 0;      \
    }                                                                                          \
    _Pragma("unroll") for (int t = 0; t < LB; t++) {                                           \
        int e = tid + t * NTH, kk, nn;                                                         \
        B_KN(e, bnf, kk, nn)                                                                   \
        long gn = j0 + nn, gk = (k0) + kk;                                                     \
        rb[t] = (gn < n && gk < k) ? (ACC)LOAD_IN(b, bo + gk * pl.sbk + gn * pl.sbn) : 0;      \
    }

    LOAD_TILES(0)
    for (long k0 = 0; k0 < k; k0 += KWG) {
#pragma unroll
        for (int t = 0; t < LA; t++) {
            int e = tid + t * NTH, mm, kk;
            A_MK(e, akf, mm, kk)
            As[kk * LDA + mm] = ra[t];
        }
#pragma unroll
        for (int t = 0; t < LB; t++) {
            int e = tid + t * NTH, kk, nn;
            B_KN(e, bnf, kk, nn)
            Bs[kk * LDB + nn] = rb[t];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        if (k0 + KWG < k) {
            LOAD_TILES(k0 + KWG)
        }
#pragma unroll
        for (int kk = 0; kk < KWG; kk++) {
            ACC av[MWI], bv[NWI];
#pragma unroll
            for (int i = 0; i < MWI; i += VW) {
                ACCV x = LOCAL_VEC(As, kk * LDA + ROW_OF(i, tm, MDIMC));
                CAT(vstore, VW)(x, 0, av + i);
            }
#pragma unroll
            for (int j = 0; j < NWI; j += VW) {
                ACCV x = LOCAL_VEC(Bs, kk * LDB + ROW_OF(j, tn, NDIMC));
                CAT(vstore, VW)(x, 0, bv + j);
            }
#pragma unroll
            for (int i = 0; i < MWI; i++)
#pragma unroll
                for (int j = 0; j < NWI; j++)
                    acc[i][j] = MAD(av[i], bv[j], acc[i][j]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
#pragma unroll
    for (int i = 0; i < MWI; i++) {
        long gm = i0 + ROW_OF(i, tm, MDIMC);
        if (gm >= m)
            continue;
#pragma unroll
        for (int j = 0; j < NWI; j++) {
            long gn = j0 + ROW_OF(j, tn, NDIMC);
            if (gn < n)
                STORE_OUT(c, co + gm * pl.scm + gn * pl.scn, acc[i][j]);
        }
    }
}
#endif /* GEMM_GPU */
