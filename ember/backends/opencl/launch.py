"""Launch helpers: dimension coalescing, strided geometry, and the two launch shapes every
elementwise-style kernel of kernels_cl/ uses.

Contiguous kernels (``*_c``) take one element per work-item and no bounds check. They run as the
largest multiple of the work-group size ``WG`` plus a tail launched with a global offset and
work-groups of one item. Both shapes are fixed because PoCL compiles a kernel anew for every
work-group size it meets (~50 ms each, then cached on disk), and because on PoCL a bounds check in
such a kernel costs ~35% (it stops the vectorization across work-items).

On GPUs the contiguous kernels of map.cl and copy.cl are built with ``-D C_UNROLL=4``: a 1-D
launch of n / 4 work-items then gives each work-item 4 elements (n / 4 apart, loads first, see
map.cl), and the tail comes as a 2-D launch of single elements (the kernels tell the two apart by
get_work_dim()). ``flat(..., unroll=u)`` launches them so; ``map_defines`` adds the define.

Strided kernels (``*_s``) launch 3-D over the (at most) three innermost coalesced dimensions,
innermost first, with one of three fixed work-group shapes chosen by the inner size; outer
dimensions beyond three are looped here. GPUs cap dimensions 1 and 2 at 65535 work-groups, so
longer ranges are split into launches with a global offset.
"""
import numpy as np

__all__ = ["coalesce", "is_flat", "Launcher", "MAXD", "MAP_UNROLL_GPU", "map_unroll", "map_defines"]

MAXD = 3                      # dims of geom_t (common.h)
_NOPS = 4
_GEOM = MAXD + _NOPS * MAXD + _NOPS
_ST = MAXD                    # index of st[0][0] in geom_t
_OFF = MAXD + _NOPS * MAXD    # index of off[0]
WG = 256
_GPU_GRID = 65535
MAP_UNROLL_GPU = 4          # elements per work-item of map.cl / copy.cl *_c kernels on GPUs
UNROLL_MIN_S = 1024         # innermost length from which *_s kernels unroll on GPUs
# geom_t as one record: a typed kernel argument packs it in ~1 us (bytes take ~15 us)
GEOM_DTYPE = np.dtype([("g", np.int64, (_GEOM,))])


def coalesce(shape, tensors):
    """Broadcast `tensors` to `shape` and simplify: (dims, strides per tensor), in elements.

    Size-1 dimensions are dropped and a dimension merges into its outer neighbour when that is
    contiguous with it for every tensor (as _prepare in _map.pyx), so a contiguous tensor is one
    dimension and a row broadcast two. At least one dimension is returned.
    """
    # fast path (most calls): every tensor has `shape` and the same row-major contiguous strides
    st = tensors[0]._stride
    for t in tensors:
        if t._stride != st or t._shape != shape:
            break
    else:
        expect = 1
        for d in range(len(shape) - 1, -1, -1):
            if shape[d] != 1 and st[d] != expect:
                break
            expect *= shape[d]
        else:
            return [expect], [[1] for _ in tensors]
    nd = len(shape)
    full = []
    for t in tensors:
        tsh, tst = t._shape, t._stride
        k = nd - len(tsh)
        full.append([0] * k + [0 if n == 1 else s for n, s in zip(tsh, tst)])
    dims = []
    strides = [[] for _ in tensors]
    for d in range(nd):
        n = shape[d]
        if n == 1:
            continue
        if dims and all(s[-1] == f[d] * n for s, f in zip(strides, full)):
            dims[-1] *= n
            for s, f in zip(strides, full):
                s[-1] = f[d]
            continue
        dims.append(n)
        for s, f in zip(strides, full):
            s.append(f[d])
    if not dims:
        return [1], [[1] for _ in tensors]
    return dims, strides


def map_unroll(cldev, override=None):
    """Elements per work-item of the contiguous map/copy kernels on `cldev` (override: tests)."""
    if override is not None:
        return override
    return MAP_UNROLL_GPU if cldev.is_gpu else 1


def map_defines(cldev, defines, override=None):
    """`defines` of a map.cl / copy.cl program plus C_UNROLL where the device unrolls."""
    u = map_unroll(cldev, override)
    return tuple(defines) + ((("C_UNROLL", u),) if u > 1 else ())


def is_flat(dims, strides):
    """One dimension, output contiguous and every input contiguous or broadcast (the *_c path)."""
    if len(dims) != 1 or strides[0][0] != 1:
        return False
    for s in strides:
        if s[0] != 1 and s[0] != 0:
            return False
    return True


class Launcher:
    """Enqueues kernels on one device's queue with the launch shapes described above."""

    def __init__(self, cldev):
        import pyopencl as cl
        self._enqueue = cl.enqueue_nd_range_kernel
        self.queue = cldev.queue
        self.is_gpu = cldev.is_gpu

    def flat(self, kernel_wg, n, args, unroll=1):
        """Run a *_c kernel over n elements with `args` (unroll: the kernel's C_UNROLL)."""
        kernel, wg = kernel_wg
        kernel.set_args(*args)
        q = self.queue
        size = min(WG, wg)
        if unroll > 1:
            main = n - n % (size * unroll)
            if main:
                self._enqueue(q, kernel, (main // unroll,), (size,))
            if n > main:
                self._enqueue(q, kernel, (n - main, 1), (1, 1), global_work_offset=(main, 0))
            return
        main = n - n % size
        if main:
            self._enqueue(q, kernel, (main,), (size,))
        if n > main:
            self._enqueue(q, kernel, (n - main,), (1,), global_work_offset=(main,))

    def strided(self, kernel_wg, dims, strides, offsets, pre, post=(), unroll=1):
        """Run a *_s kernel: args are `pre` (buffers), the geometry, then `post`. unroll > 1
        (the kernel's C_UNROLL, map.cl / copy.cl on GPUs): an innermost dim of at least
        UNROLL_MIN_S elements is launched unroll times narrower, each work-item then taking
        `unroll` columns (the kernel sees its launch narrower than the dim)."""
        kernel, wg = kernel_wg
        nd = len(dims)
        if nd > MAXD:
            lead = nd - MAXD
            for idx in np.ndindex(*dims[:lead]):
                offs = [o + sum(i * s[d] for d, i in enumerate(idx))
                        for o, s in zip(offsets, strides)]
                self.strided(kernel_wg, dims[lead:], [s[lead:] for s in strides], offs, pre, post,
                             unroll)
            return
        pad = MAXD - nd
        g = np.zeros(_GEOM, np.int64)
        g[pad:MAXD] = dims
        g[:pad] = 1
        for k, s in enumerate(strides):
            g[_ST + k * MAXD + pad:_ST + (k + 1) * MAXD] = s
            g[_OFF + k] = offsets[k]
        kernel.set_args(*pre, g.view(GEOM_DTYPE)[0], *post)
        n0, n1, n2 = int(g[2]), int(g[1]), int(g[0])
        if unroll > 1 and n0 >= UNROLL_MIN_S:
            n0 = -(-n0 // unroll)
        lx, ly = self._local2d(n0, min(WG, wg))
        gx, gy = -(-n0 // lx) * lx, -(-n1 // ly) * ly
        q = self.queue
        if not self.is_gpu or (gy // ly <= _GPU_GRID and n2 <= _GPU_GRID):
            self._enqueue(q, kernel, (gx, gy, n2), (lx, ly, 1))
            return
        cy = _GPU_GRID * ly
        for y0 in range(0, gy, cy):
            for z0 in range(0, n2, _GPU_GRID):
                self._enqueue(q, kernel, (gx, min(cy, gy - y0), min(_GPU_GRID, n2 - z0)),
                              (lx, ly, 1), global_work_offset=(0, y0, z0))

    @staticmethod
    def _local2d(inner, wg):
        if wg >= 256:
            if inner >= 1024:
                return 256, 1
            if inner >= 16:
                return 16, 16
            return 1, 256
        return (wg, 1) if inner >= wg else (1, wg)
