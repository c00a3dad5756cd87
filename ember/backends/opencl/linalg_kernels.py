"""OpenCL kernels: GEMM (batched, strided operands, per-device variants), kernels_cl/gemm.cl.

Mixed into OpenCLBackend; methods mirror the CPU backend's primitives of the same name (same
arguments, same filled outputs) and enqueue work on the device queue without waiting.

Operands are read by strides: row- or column-major matrices, transposed views, stride-0
(broadcast) batch dims and a strided `out` all run without a copy of any operand. Batch dims are
coalesced (size-1 dims dropped, contiguous neighbours merged) into at most GMAXB = 3, which one
launch covers (the batch index is the launch's third dimension); more are looped here.

Two kernel designs (gemm.cl explains both), chosen per device class: CPU runtimes pack b into
zero-padded panels (a scratch buffer from the allocator, converted to the accumulator type) and
run a register-blocked micro-kernel without local memory; GPUs run local-memory tiles with
register blocking. ``_gemm_variant`` ('cpu' / 'gpu', an instance attribute) or the environment
variable ``EMBER_OPENCL_GEMM`` overrides the device class: the tests run the GPU kernel on PoCL.
Tile parameters come from small tables keyed by device class and vendor (``_CPU_TILES``,
``_GPU_TILES``). A device without a tuned vendor entry (AMD and Intel GPUs get "default") can be
tuned once: ``python -m ember.opencl --tune-gemm`` (gemm_tune.tune_gemm) times a few GPU-design
candidates on that device and caches the fastest per (accumulator bytes, size class) in
``gemm_tuning.json`` beside the cached binaries, keyed by the device (platform, name, driver).
``_gpu_tiles`` (so matmul and --warmup's program_specs) reads that file first, once per process
and device; ``EMBER_OPENCL_GEMM_TUNING=0`` ignores it. Without the file nothing changes.

When a problem is narrow (a matrix-vector product: n far below a panel's width), the CPU design
computes the transposed product out^T = b^T a^T instead, which only swaps strides.

Split-K (GPU design only): a GEMM with a small output and a long k (conv's weight gradient, M=64,
N=576, K=N*L=100352; a linear layer's weight gradient with a big batch) has a handful of output
tiles, each walking all of k, so most compute units idle (9 of 132 on an H200, where that conv's
forward + backward took 10.1 ms against torch's 0.98). When the output's work-groups cannot fill
the device (fewer than _SPLITK_FILL per compute unit) and k is long (k >= _SPLITK_RATIO * max(m,
n), slices of at least _SPLITK_MIN_SLICE), k is cut into S slices, S such that tiles x S is about
_SPLITK_WG_PER_CU per compute unit. The slices run as one more (outermost) batch dim of the same
kernel: a's slice s starts s * kc k-steps in, b's likewise, each writing its partial product into
slice s of an (S, ...) workspace from the allocator (about WG_PER_CU x CUs output tiles: 13 MB on
132 CUs), a shorter last slice in a second launch when S does not divide k. The backend's own
reduce then sums the workspace over the slice dim into `out` (any strides) in a fixed order,
accumulating in double: deterministic, no atomics, one rounding into float32. float32 and float64
only: 16-bit types would need a float32 workspace (one more gemm.cl build per dtype, OUT_CODE
float32) and integers rarely meet long-k products; both keep the one-pass kernel. The CPU design
never splits: it already gives each core whole rows and panels, and PoCL's defaults stay as they
are.
"""
import contextlib
import os

import numpy as np

from ... import dtypes as _dt
from .gemm_tune import tuned_tiles

__all__ = ["LinalgKernels", "GPLAN_DTYPE", "program_specs"]

GMAXB = 3                               # batch dims of gplan_t (gemm.cl)
_NPLAN = 15 + 7 * GMAXB
GPLAN_DTYPE = np.dtype([("p", np.int64, (_NPLAN,))])
_Z0, _PQ, _FLAGS = 12, 13, 14
_BS, _SA, _SB, _SC, _SP, _QS, _QB = (15 + GMAXB * i for i in range(7))
_FLAG_A_KFAST, _FLAG_B_NFAST = 1, 2
_GPU_GRID = 65535                       # work-groups per launch in dims 1 and 2 on GPUs
_VARIANTS = ("cpu", "gpu")

# Split-K of the GPU design (module docstring; the tests lower them to split small products).
# FILL: split only when the output has fewer work-groups than this per CU. WG_PER_CU: aim at
# this many once split (2-4 per CU hide memory latency). MIN_SLICE: a slice's shortest k: a slice
# does 2 * kc flops per workspace element, which costs a store and the reduce's load (8 bytes in
# float32), so kc >= 256 keeps 64+ flop/byte, past a GPU's compute-to-bandwidth balance. RATIO: k
# at least this many times max(m, n): square products (the sgemm benchmark's shapes, measured in
# one pass) keep one pass; ResNet-style conv weight gradients up to (256, 2304, 6272) split.
_SPLITK_FILL = 2
_SPLITK_WG_PER_CU = 3
_SPLITK_MIN_SLICE = 256
_SPLITK_RATIO = 2

# CPU runtimes, by accumulator bytes: MR rows x NV vectors of VW lanes per work-item, work-groups
# of LR row blocks x LP panels. Measured on PoCL 3.1 / Zen 4 (AVX-512), float32 at 1024^3 per
# core-second: 8 x 32 accumulators (16 vector registers of 32) ~100 GFLOP/s, as 6 x 64 and 4 x 64,
# and pads n less; 12 x 32 spills (~88). A work-group covers 64 rows of a and 128 columns of b,
# whose panels stay in L2 while the group runs.
_CPU_TILES = {4: (8, 2, 16, 8, 4), 8: (8, 2, 8, 8, 4)}

# GPUs, by vendor (a substring of the device's vendor name; "default" otherwise), accumulator
# bytes and size class (large: enough tiles of the large shape to fill the device):
# (MWG, NWG, KWG, MDIMC, NDIMC, VW) = work-group tile, k slice, work-items per dim, vector width
# of the local reads. A work-item computes (MWG/MDIMC) x (NWG/NDIMC) outputs.
# "nvidia": a sweep on an H100 (driver 580.159, float32): 128x128x8 with 8x8 per work-item 30.0
# TFLOP/s at 4096^3 (KWG 16: 28.7, 32: 19.7; 128x64: 23.8; 64x64: 21.5; cuBLAS FP32 51.4);
# at 1024^3 (64 tiles of 128^2 for 132 SMs: the small class) 128x64x16 20.5 (64x64: 18.7).
_GPU_TILES = {
    "default": {(4, True): (128, 128, 16, 16, 16, 4), (4, False): (64, 64, 16, 16, 16, 4),
                (8, True): (64, 64, 16, 16, 16, 2), (8, False): (32, 32, 16, 16, 16, 2)},
    "nvidia": {(4, True): (128, 128, 8, 16, 16, 4), (4, False): (128, 64, 16, 16, 16, 4),
               (8, True): (64, 64, 16, 16, 16, 2), (8, False): (32, 32, 16, 16, 16, 2)},
}


def _cdiv(a, b):
    return -(-a // b)


def _prod(xs):
    n = 1
    for x in xs:
        n *= x
    return n


def _acc_dtype(dt):
    """The accumulator dtype of a product of `dt` (the packed panels hold it)."""
    if dt is _dt.float64:
        return _dt.float64
    return _dt.float32 if dt.is_floating_point else _dt.int64


def _coalesce_batch(shape, strides):
    """Batch dims and per-operand strides with size-1 dims dropped and dims merged into their
    outer neighbour where that is contiguous with them for every operand (outer first)."""
    dims, out = [], [[] for _ in strides]
    for d, n in enumerate(shape):
        if n == 1:
            continue
        if dims and all(s[-1] == st[d] * n for s, st in zip(out, strides)):
            dims[-1] *= n
            for s, st in zip(out, strides):
                s[-1] = st[d]
            continue
        dims.append(n)
        for s, st in zip(out, strides):
            s.append(st[d])
    return dims, out


def _cpu_tiles(cldev, acc_bytes):
    return _CPU_TILES[acc_bytes]


def _gpu_tiles(cldev, acc_bytes, large):
    """The GPU tile parameters for this device (its tuning cache's, else its vendor's table
    entry), shrunk to its work-group size and local memory."""
    tiles = tuned_tiles(cldev).get((acc_bytes, large))
    if tiles is None:
        table = next((t for v, t in _GPU_TILES.items() if v != "default" and v in
                      cldev.vendor.lower()), _GPU_TILES["default"])
        tiles = table[(acc_bytes, large)]
    mwg, nwg, kwg, mdimc, ndimc, vw = tiles
    while mdimc * ndimc > cldev.max_work_group_size and mdimc > 1:
        mdimc, ndimc, mwg, nwg = mdimc // 2, ndimc // 2, mwg // 2, nwg // 2
    nth = mdimc * ndimc
    while kwg * (mwg + nwg + 2 * vw) * acc_bytes > cldev.local_memory:
        if mwg >= nwg and mwg > vw * mdimc:
            mwg //= 2
        elif nwg > vw * ndimc:
            nwg //= 2
        elif kwg > 1 and (min(mwg, nwg) * (kwg // 2)) % nth == 0:
            kwg //= 2
        else:
            break                           # the smallest tile: let the build say it won't fit
    return mwg, nwg, kwg, mdimc, ndimc, vw


def _defines(code, variant, tiles):
    """-D defines of the gemm.cl program for dtype `code` and the variant's tile parameters."""
    base = (("IN_CODE", code), ("OUT_CODE", code))
    if variant == "cpu":
        mr, nv, vw = tiles[:3]
        return base + (("GEMM_CPU", 1), ("MR", mr), ("NV", nv), ("VW", vw))
    names = ("MWG", "NWG", "KWG", "MDIMC", "NDIMC", "VW")
    return base + (("GEMM_GPU", 1),) + tuple(zip(names, tiles))


class LinalgKernels:
    """Matrix products on an OpenCL device; mixed into OpenCLBackend."""

    def _gvariant(self):
        """'gpu' or 'cpu': which GEMM design runs (the device class unless overridden)."""
        v = self.__dict__.get("_gemm_variant") or os.environ.get("EMBER_OPENCL_GEMM")
        if not v:
            return "gpu" if self.dev.is_gpu else "cpu"
        if v not in _VARIANTS:
            raise ValueError(f"EMBER_OPENCL_GEMM must be 'cpu' or 'gpu', not {v!r}")
        return v

    def gemm_variants(self):
        """The GEMM designs this backend can run ('cpu', 'gpu'), for benchmarks."""
        return list(_VARIANTS)

    @contextlib.contextmanager
    def gemm_variant(self, variant):
        """Run the GEMM design `variant` inside the block (benchmarks and tests)."""
        if variant not in _VARIANTS:
            raise ValueError(f"the GEMM variant must be 'cpu' or 'gpu', not {variant!r}")
        old = self.__dict__.get("_gemm_variant")
        self._gemm_variant = variant
        try:
            yield
        finally:
            if old is None:
                del self._gemm_variant
            else:
                self._gemm_variant = old

    def gemm_choice(self, m, n, k, dtype, batch=1):
        """What a (batch of) m x k @ k x n product of `dtype` runs: design, tiles, swap, split-K."""
        variant, tiles, swap = self._gemm_plan(m, n, k, batch, dtype)
        split = self._gemm_split(variant, tiles, swap, m, n, k, batch, int(batch > 1), dtype)
        return f"{variant} design, tiles {tiles}" + (", as out^T = b^T a^T" if swap else "") + \
            (f", split-K S={split[0]} (k slices of {split[1]})" if split else "")

    def _gemm_split(self, variant, tiles, swap, m, n, k, nb, nbdims, dt):
        """(S, kc): k cut into S slices of kc (the last one shorter when S * kc > k), or None.

        GPU design only, float32 / float64, when the nb products' work-groups cannot fill the
        device, k is long next to m and n, and the slice dim fits the plan's GMAXB batch dims
        beside the `nbdims` coalesced ones. Slices are whole k-tiles (KWG) long.
        """
        if variant != "gpu" or swap or dt not in (_dt.float32, _dt.float64) or \
                nbdims + 1 > GMAXB:
            return None
        cu = max(1, self.dev.compute_units)
        groups = _cdiv(m, tiles[0]) * _cdiv(n, tiles[1]) * nb
        if groups >= _SPLITK_FILL * cu or k < _SPLITK_RATIO * max(m, n):
            return None
        s = min(_cdiv(_SPLITK_WG_PER_CU * cu, groups), k // _SPLITK_MIN_SLICE)
        if s < 2:
            return None
        kc = _cdiv(_cdiv(k, s), tiles[2]) * tiles[2]
        s = _cdiv(k, kc)
        return (s, kc) if s >= 2 else None

    def _gemm_plan(self, m, n, k, nb, dt, a_colmajor=False, b_colmajor=False):
        """(variant, tile parameters, swap) for a product; swap computes out^T = b^T @ a^T.

        CPU design: swap when that pads less (n narrower than a panel), or to turn two
        column-major operands into row-major ones (a's rows are then read in order). GPU design:
        the large tiles when they fill the device, swap only past the grid limit.
        """
        variant = self._gvariant()
        acc_bytes = _acc_dtype(dt).itemsize
        if variant == "cpu":
            tiles = _cpu_tiles(self.dev, acc_bytes)
            mr, nr = tiles[0], tiles[1] * tiles[2]
            cost = lambda r, c: _cdiv(r, mr) * mr * _cdiv(c, nr) * nr
            swap = cost(n, m) < cost(m, n) or (cost(n, m) == cost(m, n) and a_colmajor and
                                               b_colmajor)
            return variant, tiles, swap
        big = _gpu_tiles(self.dev, acc_bytes, True)
        large = _cdiv(m, big[0]) * _cdiv(n, big[1]) * nb >= 2 * max(1, self.dev.compute_units)
        tiles = big if large else _gpu_tiles(self.dev, acc_bytes, False)
        return variant, tiles, _cdiv(n, tiles[1]) > _GPU_GRID >= _cdiv(m, tiles[0])

    def _gemm_kernel(self, prog, name, nbufs):
        hit = prog._kernels.get(name)
        if hit is None:
            hit = prog.kernel(name, [None] * nbufs + [GPLAN_DTYPE])
        return hit

    def matmul(self, out, a, b):
        """out[..., m, n] = a[..., m, k] @ b[..., k, n]; this method modifies `out`.

        The three share one batch shape (broadcast batch dims arrive as stride-0 views) and one
        dtype; any strides, no operand is copied. Floats accumulate in float32 (float64 for
        float64; float16 / bfloat16 are rounded once at the end), integers exactly in int64 and
        wrap on store like the CPU's; bool gives the logical or of ands, as the CPU backend.
        k == 0 fills zeros. The GPU design splits a long k over a small output (split-K, see
        the module docstring).
        """
        dt = out.dtype
        for t in (out, a, b):
            self._check_dtype(t.dtype)
        bufs = (self._buf(out), self._buf(a), self._buf(b))
        if a.dtype is not dt or b.dtype is not dt:
            raise RuntimeError(f"matmul: expected one dtype, got {a.dtype}, {b.dtype} into {dt}")
        if out.numel() == 0:
            return
        m, n, k = out._shape[-2], out._shape[-1], a._shape[-1]
        if k == 0:
            self.fill(out, 0)
            return
        sa, sb, sc = a._stride, b._stride, out._stride
        nb = out.numel() // (m * n)
        variant, tiles, swap = self._gemm_plan(m, n, k, nb, dt, a_colmajor=sa[-2] < sa[-1],
                                               b_colmajor=sb[-2] < sb[-1])
        prog = self.programs.get("gemm.cl", _defines(dt.code, variant, tiles))
        mats = [sa[-2], sa[-1], sb[-2], sb[-1], sc[-2], sc[-1]]
        offs = [a._offset, b._offset, out._offset]
        dims, (bsc, bsa, bsb) = _coalesce_batch(out._shape[:-2], [sc[:-2], sa[:-2], sb[:-2]])
        split = self._gemm_split(variant, tiles, swap, m, n, k, nb, len(dims), dt)
        if split:
            self._matmul_split(prog, tiles, dt, out, a, b, bufs, m, n, k, mats, *split)
            return
        if swap:                       # out^T = b^T @ a^T: a and b trade places, strides flip
            m, n = n, m
            mats = [mats[3], mats[2], mats[1], mats[0], mats[5], mats[4]]
            offs = [offs[1], offs[0], offs[2]]
            bufs = (bufs[0], bufs[2], bufs[1])
            bsa, bsb = bsb, bsa
        run = self._gemm_cpu if variant == "cpu" else self._gemm_gpu
        lead = max(0, len(dims) - GMAXB)
        for idx in np.ndindex(*dims[:lead]):
            o = [off + sum(i * s[d] for d, i in enumerate(idx))
                 for off, s in zip(offs, (bsa, bsb, bsc))]
            run(prog, tiles, dt, bufs, m, n, k, mats, o, dims[lead:],
                [s[lead:] for s in (bsa, bsb, bsc)])

    def _matmul_split(self, prog, tiles, dt, out, a, b, bufs, m, n, k, mats, s, kc):
        """Split-K: slice products into an (S, *out.shape) workspace, then its sum over the
        slices into `out` (the module docstring says why and when)."""
        from ...tensor import _empty, _make
        ws = _empty((s,) + tuple(out._shape), dt, self.device)
        wst = ws._stride
        # the batch dims coalesced with the workspace in out's place (contiguous: they merge at
        # least where out's do, so the slice dim still fits GMAXB)
        dims, (bsc, bsa, bsb) = _coalesce_batch(out._shape[:-2], [wst[1:-2], a._stride[:-2],
                                                                  b._stride[:-2]])
        sak, sbk = mats[1], mats[2]
        wmats = mats[:4] + [wst[-2], wst[-1]]
        wbufs = (self._buf(ws), bufs[1], bufs[2])
        full = s if s * kc == k else s - 1              # slices of kc, then a shorter last one
        self._gemm_gpu(prog, tiles, dt, wbufs, m, n, kc, wmats,
                       [a._offset, b._offset, ws._offset], [full] + dims,
                       [[kc * sak] + bsa, [kc * sbk] + bsb, [wst[0]] + bsc])
        if full < s:
            k0 = full * kc
            self._gemm_gpu(prog, tiles, dt, wbufs, m, n, k - k0, wmats,
                           [a._offset + k0 * sak, b._offset + k0 * sbk, ws._offset + full * wst[0]],
                           dims, [bsa, bsb, bsc])
        # out seen with a leading size-1 dim: the reduce keeps its input's rank
        view = _make(out._storage, (1,) + tuple(out._shape), (0,) + tuple(out._stride),
                     out._offset, out.dtype, out.device)
        self.reduce("sum", view, ws, [0])

    # -- plans and launches ------------------------------------------------------------------
    @staticmethod
    def _plan(m, n, k, mats, offs, dims, bstrides):
        """The gplan_t record (batch dims left-padded with size 1, stride 0)."""
        p = np.zeros(_NPLAN, np.int64)
        p[0:3] = m, n, k
        p[3:9] = mats
        p[9:12] = offs
        p[_BS:_BS + GMAXB] = 1
        p[_QS:_QS + GMAXB] = 1
        pad = GMAXB - len(dims)
        p[_BS + pad:_BS + GMAXB] = dims
        for base, s in zip((_SA, _SB, _SC), bstrides):
            p[base + pad:base + GMAXB] = s
        return p

    def _gemm_cpu(self, prog, tiles, dt, bufs, m, n, k, mats, offs, dims, bstrides):
        """Pack b's panels (only the batch dims where b is not broadcast), then the micro-kernel."""
        from ...tensor import _empty
        mr, nv, vw, lr, lp = tiles
        nr = nv * vw
        npan = _cdiv(n, nr)
        pq = npan * nr * k
        p = self._plan(m, n, k, mats, offs, dims, bstrides)
        pad = GMAXB - len(dims)
        sb = bstrides[1]
        # packed strides: contiguous over the dims where b varies, 0 where it is broadcast
        step = pq
        for d in reversed(range(len(dims))):
            if sb[d] != 0:
                p[_SP + pad + d] = step
                step *= dims[d]
        qdims = [(n_, s) for n_, s in zip(dims, sb) if s != 0]
        qpad = GMAXB - len(qdims)
        for j, (n_, s) in enumerate(qdims):
            p[_QS + qpad + j], p[_QB + qpad + j] = n_, s
        nq = _prod(q[0] for q in qdims)
        p[_PQ] = pq
        packed = _empty((nq * pq,), _acc_dtype(dt), self.device)
        pbuf = packed._storage.buffer
        enqueue, q = self._cl.enqueue_nd_range_kernel, self.queue
        kern, _ = self._gemm_kernel(prog, "gemm_pack", 2)
        kern.set_args(bufs[2], pbuf, p.view(GPLAN_DTYPE)[0])
        enqueue(q, kern, (_cdiv(k, 16) * 16, npan, nq), (16, 1, 1))
        kern, _ = self._gemm_kernel(prog, "gemm_cpu", 3)
        nbatch = _prod(dims)
        for z0 in range(0, nbatch, _GPU_GRID):      # the grid limit, should a GPU run this design
            p[_Z0] = z0
            kern.set_args(bufs[1], pbuf, bufs[0], p.view(GPLAN_DTYPE)[0])
            enqueue(q, kern, (_cdiv(_cdiv(m, mr), lr) * lr, _cdiv(npan, lp) * lp,
                              min(_GPU_GRID, nbatch - z0)), (lr, lp, 1))

    def _gemm_gpu(self, prog, tiles, dt, bufs, m, n, k, mats, offs, dims, bstrides):
        """Local-memory tiles; batches beyond the GPU grid limit in several launches."""
        mwg, nwg, kwg, mdimc, ndimc, vw = tiles
        p = self._plan(m, n, k, mats, offs, dims, bstrides)
        sam, sak, sbk, sbn = mats[:4]
        p[_FLAGS] = (_FLAG_A_KFAST if abs(sak) <= abs(sam) else 0) | \
            (_FLAG_B_NFAST if abs(sbn) <= abs(sbk) else 0)
        kern, _ = self._gemm_kernel(prog, "gemm_gpu", 3)
        gx, gy = _cdiv(m, mwg) * mdimc, _cdiv(n, nwg) * ndimc
        nbatch = _prod(dims)
        for z0 in range(0, nbatch, _GPU_GRID):
            p[_Z0] = z0
            kern.set_args(bufs[1], bufs[2], bufs[0], p.view(GPLAN_DTYPE)[0])
            self._cl.enqueue_nd_range_kernel(self.queue, kern,
                                             (gx, gy, min(_GPU_GRID, nbatch - z0)),
                                             (mdimc, ndimc, 1))


def program_specs(cldev):
    """Every (source, defines) this family may build on `cldev` (for --warmup): gemm.cl per
    dtype in the device class's variant (both GPU size classes)."""
    specs = []
    for d in _dt.ALL:
        if d is _dt.float64 and not cldev.fp64:
            continue
        acc = _acc_dtype(d).itemsize
        if cldev.is_gpu:
            specs += [("gemm.cl", _defines(d.code, "gpu", _gpu_tiles(cldev, acc, big)))
                      for big in (True, False)]
        else:
            specs.append(("gemm.cl", _defines(d.code, "cpu", _cpu_tiles(cldev, acc))))
    return specs
