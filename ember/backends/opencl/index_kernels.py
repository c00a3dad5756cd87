"""OpenCL kernels: gather/scatter/index ops, masked ops, nonzero, searchsorted, and the shape
copies (flip, repeat_interleave).

Mixed into OpenCLBackend; methods mirror the CPU backend's primitives of the same name (same
arguments, same filled outputs) and enqueue work on the device queue. The kernels are in
kernels_cl/index.cl (whose header explains the programs and the scatter ordering); flip runs the
strided copy of copy.cl with negative source strides.

Host waits happen only where a value must reach Python: index_check (the first bad index),
nonzero_count (the count that sizes a result), repeats_total (the size of repeat_interleave's
result). All else is enqueued and returns.

Work layout by device class (``index_variant`` forces one, for tests). CPU runtimes: gathers and
scatters run one work-item per run of the innermost dim (the *_r kernels: plain loops PoCL
vectorizes, the CPU backend's engine layout) and the chunked kernels (index_check, counts,
compaction) one work-item per contiguous chunk. GPUs: one work-item per element, and work-groups
of 256 per chunk with coalesced loads and local-memory scans.

Scatter strategy (``index_scatter_mode``: 'auto', or 'serial' / 'atomic' to force one, for tests):
CPU runtimes always run the serial kernels, which give exactly the CPU's results, colliding
writes in row-major order. On GPUs the serial kernels run when the non-colliding dims offer
enough work-items (or the collisions are few); otherwise reductions use atomics (integer results
stay exact, float sums and products are then only equal up to rounding order) and assignments
the two-pass last-writer kernels (still exact).
"""
import numpy as np

from ... import dtypes as _dt
from .launch import GEOM_DTYPE, coalesce, is_flat

__all__ = ["IndexKernels", "typed_kernel", "program_specs"]

_SMAX = 6                 # sgeom_t dims (index.cl)
_NMAX = 8                 # ngeom_t dims
_FMAX = 16                # fshape_t dims
SGEOM_DTYPE = np.dtype([("g", np.int64, (1 + 4 * _SMAX,))])
NGEOM_DTYPE = np.dtype([("g", np.int64, (1 + 3 * _NMAX + 2,))])
FSHAPE_DTYPE = np.dtype([("g", np.int64, (1 + _FMAX,))])
_ARG = {"b": None, "l": np.int64, "i": np.int32, "u": np.uint32, "U": np.uint64,
        "d": np.float64, "g": GEOM_DTYPE, "s": SGEOM_DTYPE, "n": NGEOM_DTYPE, "f": FSHAPE_DTYPE}
_RAW = {1: _dt.uint8, 2: _dt.int16, 4: _dt.int32, 8: _dt.int64}
_BOOL_OPS = {"add": "amax", "multiply": "amin", "amax": "amax", "amin": "amin"}
_RED_NAME = {"add": "scatter_add", "multiply": "scatter_mul", "amax": "scatter_max",
             "amin": "scatter_min"}
_GPU_LWG = 256
# GPU heuristics: the serial scatter needs this many parallel work-items, unless every target
# receives at most _SHORT_SERIAL writes
_GPU_MIN_UNITS = 1 << 15
_SHORT_SERIAL = 16


def typed_kernel(prog, name, sig):
    """(kernel, max work-group size) of `prog`, scalar argument types from the letters of `sig`
    (b buffer, l int64, i int32, u uint32, U uint64, d double, g/s/n/f geometry structs)."""
    hit = prog._kernels.get(name)
    if hit is None:
        hit = prog.kernel(name, [_ARG[c] for c in sig])
    return hit


def _lwg_for(cldev, variant="auto"):
    """Work-group size of the chunked kernels: 1 on CPU runtimes, 256 (or less) on GPUs."""
    if variant == "cpu" or (variant == "auto" and cldev.is_cpu):
        return 1
    lwg = _GPU_LWG
    while lwg > cldev.max_work_group_size:
        lwg //= 2
    return lwg


def _defines(family, lwg, **defs):
    d = [(f"IDX_{family}", 1)] + sorted(defs.items())
    if family in ("MOVE", "MASK", "MISC"):
        d.append(("LWG", lwg))
    return tuple(d)


def program_specs(cldev):
    """(source, defines) of every program this family may build on `cldev` (for --warmup)."""
    lwg = _lwg_for(cldev)
    codes = [d.code for d in _dt.ALL if cldev.fp64 or d is not _dt.float64]
    search = [c for c in codes if c not in (_dt.bool.code, _dt.float16.code, _dt.bfloat16.code)]
    specs = [_defines("MOVE", lwg, W_BYTES=b) for b in (1, 2, 4, 8)]
    specs += [_defines("REDUCE", lwg, IN_CODE=c, OUT_CODE=c) for c in codes]
    specs += [_defines("MASK", lwg, IN_CODE=c) for c in codes]
    specs += [_defines("MISC", lwg)]
    specs += [_defines("SEARCH", lwg, IN_CODE=c) for c in search]
    return [("index.cl", d) for d in specs]


def _prod(xs):
    n = 1
    for x in xs:
        n *= x
    return n


def _contig_strides(dims):
    st, acc = [], 1
    for n in reversed(dims):
        st.append(acc)
        acc *= n
    return st[::-1]


def _ngeom(dims, strides, offsets):
    """The ngeom_t record of up to _NMAX coalesced dims and two operands."""
    g = np.zeros(1 + 3 * _NMAX + 2, np.int64)
    nd = len(dims)
    g[0] = nd
    g[1:1 + nd] = dims
    for k in range(2):
        s = strides[k] if k < len(strides) else [0] * nd
        g[1 + _NMAX + k * _NMAX:1 + _NMAX + k * _NMAX + nd] = s
        g[1 + 3 * _NMAX + k] = offsets[k] if k < len(offsets) else 0
    return g.view(NGEOM_DTYPE)[0]


class IndexKernels:
    # test hooks: force the scatter strategy ('serial', 'atomic') or the chunked kernels'
    # variant ('cpu': one work-item per chunk, 'gpu': work-groups of 256) on any device
    index_scatter_mode = "auto"
    index_variant = "auto"

    # -- helpers -------------------------------------------------------------------------------
    @property
    def _ix_lwg(self):
        """Work-group size of the chunked kernels: 1 on CPU runtimes, 256 (or less) on GPUs."""
        return _lwg_for(self.dev, self.index_variant)

    def _ix_prog(self, family, **defs):
        return self.programs.get("index.cl", _defines(family, self._ix_lwg, **defs))

    def _ix_tmp(self, n, dtype=_dt.int64):
        from ...tensor import _empty
        return _empty((max(int(n), 1),), dtype, self.device)

    def _ix_read(self, t, n, dtype=np.int64):
        """The first n elements of the contiguous device tensor t, on the host (a host wait)."""
        arr = np.empty(n, dtype)
        self._cl.enqueue_copy(self.queue, arr, self._buf(t),
                              src_offset=t._offset * t.dtype.itemsize, is_blocking=True)
        return arr

    def _ix_chunking(self, total):
        """(number of chunks, chunk length) for the chunked kernels over `total` positions."""
        lwg = self._ix_lwg
        if lwg == 1:
            nch = min(total, 8 * max(self.dev.compute_units, 1))
            chunk = -(-total // nch)
        else:
            nch = min(-(-total // (lwg * 4)), 64 * max(self.dev.compute_units, 1))
            chunk = -(-total // nch)
            chunk = -(-chunk // lwg) * lwg
        return -(-total // chunk), chunk

    def _ix_launch_chunks(self, kernel_wg, nch, args):
        kernel, _ = kernel_wg
        lwg = self._ix_lwg
        if lwg == 1:
            self.launch.flat(kernel_wg, nch, args)
        else:
            kernel.set_args(*args)
            self._cl.enqueue_nd_range_kernel(self.queue, kernel, (nch * lwg,), (lwg,))

    def _ix_launch_1d(self, kernel_wg, n, args):
        """A one-work-item-per-element kernel without bounds check over n items."""
        if n > 0:
            self.launch.flat(kernel_wg, n, args)

    def _ix_chunk_geometry(self, shape, tensors, drop_broadcast=False):
        """(dims, strides, tensors) coalesced for the chunked kernels (<= _NMAX dims; beyond,
        the operands are made contiguous first)."""
        if drop_broadcast:                    # one operand: visit each distinct element once
            t = tensors[0]
            keep = [d for d in range(len(shape)) if t._stride[d] != 0 and shape[d] != 1]
            from ...tensor import _view_of
            tensors = [_view_of(t, tuple(shape[d] for d in keep),
                                tuple(t._stride[d] for d in keep), t._offset)]
            shape = tensors[0]._shape
        dims, strides = coalesce(shape, tensors)
        if len(dims) > _NMAX:
            tensors = [self._clone(t.expand(tuple(shape))) if t._shape != tuple(shape) else
                       self._clone(t) for t in tensors]
            dims, strides = coalesce(shape, tensors)
        return dims, strides, tensors

    def _ix_counts_prefix(self, mask, dims, strides, offsets, total):
        """Chunk counts of mask's nonzeros turned into exclusive prefix sums on the device:
        (prefix tensor with nch + 1 entries, nch, chunk, ngeom)."""
        nch, chunk = self._ix_chunking(total)
        g = _ngeom(dims, strides, offsets)
        pre = self._ix_tmp(nch + 1)
        mp = self._ix_prog("MASK", IN_CODE=mask.dtype.code)
        self._ix_launch_chunks(typed_kernel(mp, "nz_count", "bnllb"), nch,
                            (self._buf(mask), g, total, chunk, self._buf(pre)))
        misc = self._ix_prog("MISC")
        k, _ = typed_kernel(misc, "prefix_sum", "bl")
        k.set_args(self._buf(pre), nch)
        self._cl.enqueue_nd_range_kernel(self.queue, k, (1,), (1,))
        return pre, nch, chunk, g

    # -- index checks and linearisation ------------------------------------------------------
    def index_check(self, index, low, high):
        """None when every value of the int64 `index` is in [low, high), else the first (in
        row-major order) that is not. One chunked pass, then one small read."""
        total = index.numel()
        if total == 0:
            return None
        dims, strides, (ix,) = self._ix_chunk_geometry(index._shape, [index], drop_broadcast=True)
        total = _prod(dims)
        nch, chunk = self._ix_chunking(total)
        res = self._ix_tmp(2 * nch)
        misc = self._ix_prog("MISC")
        self._ix_launch_chunks(typed_kernel(misc, "index_check", "bnllllb"), nch,
                            (self._buf(ix), _ngeom(dims, strides, [ix._offset]), total, chunk,
                             int(low), int(high), self._buf(res)))
        r = self._ix_read(res, 2 * nch).reshape(nch, 2)
        bad = np.flatnonzero(r[:, 0])
        return int(r[bad[0], 1]) if bad.size else None

    def index_linearize(self, out, indices, sizes, strides):
        """out (int64) = sum_k wrap(indices[k]) * strides[k]."""
        if out.numel() == 0:
            return
        misc = self._ix_prog("MISC")
        obuf = self._buf(out)
        for k, (ind, size, stride) in enumerate(zip(indices, sizes, strides)):
            dims, st = coalesce(out._shape, [out, ind])
            ibuf = self._buf(ind)
            if is_flat(dims, st):
                self.launch.flat(typed_kernel(misc, "linearize_c", "blblllli"), dims[0],
                                 (obuf, out._offset, ibuf, ind._offset, st[1][0], int(size),
                                  int(stride), int(k > 0)))
            else:
                self.launch.strided(typed_kernel(misc, "linearize_s", "bbglli"), dims, st,
                                    [out._offset, ind._offset], (obuf, ibuf),
                                    (int(size), int(stride), int(k > 0)))

    # -- gather / scatter ----------------------------------------------------------------------
    def index_gather(self, out, src, index, size, stride):
        """out[i] = src[i + wrap(index[i]) * stride] over out's shape."""
        if out.numel() == 0:
            return
        isz = out.dtype.itemsize
        prog = self._ix_prog("MOVE", W_BYTES=isz)
        dims, st = coalesce(out._shape, [out, src, index])
        ob, sb, ib = self._buf(out), self._buf(src), self._buf(index)
        offs = [out._offset, src._offset, index._offset]
        if self._ix_lwg == 1 and dims[-1] > 1:
            # CPU runtimes: runs of the innermost dim per work-item (a plain copy loop when
            # one index serves the whole run, as for embedding rows)
            ldims, lst, post = self._ix_runs(dims, st, dims[:-1])
            self.launch.strided(typed_kernel(prog, "gather_r", "bbbglllllll"), ldims, lst, offs,
                                (ob, sb, ib), (*post, int(size), int(stride)))
        elif is_flat(dims, st):
            self.launch.flat(typed_kernel(prog, "gather_c", "blbllbllll"), dims[0],
                             (ob, out._offset, sb, src._offset, st[1][0], ib, index._offset,
                              st[2][0], int(size), int(stride)))
        else:
            self.launch.strided(typed_kernel(prog, "gather_s", "bbbgll"), dims, st, offs,
                                (ob, sb, ib), (int(size), int(stride)))

    def index_scatter(self, dst, values, index, size, stride, reduce=None):
        """dst[i + wrap(index[i]) * stride] (op)= values[i] over dst's shape; op is assignment
        or reduce in ('add', 'multiply', 'amax', 'amin'). Colliding writes land in row-major
        order (see the module docstring for the GPU exception)."""
        if dst.numel() == 0:
            return
        dt = dst.dtype
        if reduce is not None and dt is _dt.bool:
            reduce = _BOOL_OPS[reduce]          # or / and on 0-1 bytes keep bools valid
        if reduce is None:
            prog = self._ix_prog("MOVE", W_BYTES=dt.itemsize)
        else:
            if reduce not in _RED_NAME:
                raise ValueError(f"index_scatter: unknown reduction {reduce!r}")
            prog = self._ix_prog("REDUCE", IN_CODE=dt.code, OUT_CODE=dt.code)
        ops = [dst, values, index]
        bufs = [self._buf(t) for t in ops]
        dims, st = coalesce(dst._shape, ops)
        offs = [t._offset for t in ops]
        par = [d for d in range(len(dims)) if st[0][d] != 0]
        ser = [d for d in range(len(dims)) if st[0][d] == 0]
        units, zcount = _prod(dims[d] for d in par), _prod(dims[d] for d in ser)
        mode = self._ix_scatter_choice(dt, reduce, units, zcount, len(dims) and _prod(dims))
        if mode == "atomic":
            name = _RED_NAME[reduce] + "_a"
            self.launch.strided(typed_kernel(prog, name, "bbbgll"), dims, st, offs, bufs,
                                (int(size), int(stride)))
            return
        if mode == "winner":
            self._ix_scatter_winner(prog, dst, dims, st, offs, bufs, int(size), int(stride))
            return
        name = "scatter" if reduce is None else _RED_NAME[reduce]
        pdims = [dims[d] for d in par] or [1]
        pst = [[s[d] for d in par] or [0] for s in st]
        run_post = ()
        if self._ix_lwg == 1 and par and par[-1] == len(dims) - 1 and dims[-1] > 1:
            # CPU runtimes, the innermost dim parallel: runs of it per work-item, the serial
            # dims walked around each run (as the CPU backend's engine)
            pdims, pst, run_post = self._ix_runs(pdims, pst, pdims[:-1])
            kw = typed_kernel(prog, name + "_r", "bbbgslllllll")
        else:
            kw = typed_kernel(prog, name + "_s", "bbbgsll")
        sdims = [dims[d] for d in ser] or [1]
        sst = [[s[d] for d in ser] or [0] for s in st]
        lead = max(0, len(sdims) - _SMAX)     # outer serial dims beyond sgeom_t: host loop, in
        for idx in np.ndindex(*sdims[:lead]):    # order (the queue is in-order)
            o = [off + sum(i * s[d] for d, i in enumerate(idx)) for off, s in zip(offs, sst)]
            z = np.zeros(1 + 4 * _SMAX, np.int64)
            inner = sdims[lead:]
            z[0] = len(inner)
            z[1:1 + len(inner)] = inner
            for k in range(3):
                z[1 + _SMAX * (k + 1):1 + _SMAX * (k + 1) + len(inner)] = sst[k][lead:]
            self.launch.strided(kw, pdims, pst, o, bufs,
                                (z.view(SGEOM_DTYPE)[0], *run_post, int(size), int(stride)))

    def _ix_runs(self, dims, strides, outer):
        """Launch geometry of the run kernels: the innermost dim (n_in long) becomes its runs;
        returns (dims, strides, (n_in, run, s0, s1, s2)). Runs are whole rows when the outer
        dims give the work-items enough, else split so ~8 per compute unit exist."""
        n_in = dims[-1]
        want = 8 * max(self.dev.compute_units, 1)
        nrun = max(1, -(-want // max(_prod(outer), 1)))
        run = min(n_in, max(64, -(-n_in // nrun)))
        nch = -(-n_in // run)
        inner = [s[-1] for s in strides]
        ldims = list(dims[:-1]) + [nch]
        lst = [list(s[:-1]) + [s[-1] * run] for s in strides]
        return ldims, lst, (n_in, run, *inner)

    def _ix_scatter_choice(self, dt, reduce, units, zcount, total):
        mode = self.index_scatter_mode
        if mode == "serial" or zcount <= 1:
            return "serial"
        if mode == "auto" and (self._ix_lwg == 1 or units >= _GPU_MIN_UNITS or
                               zcount <= _SHORT_SERIAL):
            return "serial"
        if reduce is None:
            return "winner" if total < (1 << 31) else "serial"
        if dt.itemsize == 8 and "cl_khr_int64_base_atomics" not in self.dev.extensions:
            return "serial"
        return "atomic"

    def _ix_scatter_winner(self, prog, dst, dims, st, offs, bufs, size, stride):
        """Assignment by the last writer in row-major order, one work-item per element."""
        lo = offs[0]
        span = sum((n - 1) * s for n, s in zip(dims, st[0])) + (size - 1) * stride + 1
        win = self._ix_tmp(span, _dt.int32)
        wbuf = self._buf(win)
        self._cl.enqueue_fill_buffer(self.queue, wbuf, np.int32(-1), 0, span * 4)
        st4 = st + [_contig_strides(dims)]
        offs4 = offs + [0]
        self.launch.strided(typed_kernel(prog, "scatter_win1", "bglllb"), dims, st4, offs4,
                            (bufs[2],), (size, stride, lo, wbuf))
        self.launch.strided(typed_kernel(prog, "scatter_win2", "bbbglllb"), dims, st4, offs4,
                            bufs, (size, stride, lo, wbuf))

    # -- nonzero and masked compaction -------------------------------------------------------
    def nonzero_count(self, t):
        """The number of nonzero elements of `t` (a host wait: the count sizes a result)."""
        total = t.numel()
        if total == 0:
            return 0
        dims, strides, (t,) = self._ix_chunk_geometry(t._shape, [t])
        nch, chunk = self._ix_chunking(total)
        counts = self._ix_tmp(nch)
        mp = self._ix_prog("MASK", IN_CODE=t.dtype.code)
        self._ix_launch_chunks(typed_kernel(mp, "nz_count", "bnllb"), nch,
                            (self._buf(t), _ngeom(dims, strides, [t._offset]), total, chunk,
                             self._buf(counts)))
        return int(self._ix_read(counts, nch).sum())

    def nonzero(self, out, t):
        """Fill out (n, t.dim()) int64 with the coordinates of t's nonzeros in row-major order."""
        total = t.numel()
        if total == 0 or t.dim() == 0:
            return
        if t.dim() > _FMAX:
            return self._ix_host_op("nonzero", out, t)
        shape = t._shape
        dims, strides, (tc,) = self._ix_chunk_geometry(shape, [t])
        pre, nch, chunk, g = self._ix_counts_prefix(tc, dims, strides, [tc._offset], total)
        fs = np.zeros(1 + _FMAX, np.int64)
        fs[0] = len(shape)
        fs[1:1 + len(shape)] = shape
        mp = self._ix_prog("MASK", IN_CODE=t.dtype.code)
        self._ix_launch_chunks(typed_kernel(mp, "nz_write", "bnllbblllf"), nch,
                            (self._buf(tc), g, total, chunk, self._buf(pre), self._buf(out),
                             out._offset, out._stride[0], out._stride[1],
                             fs.view(FSHAPE_DTYPE)[0]))

    def masked_select(self, out, src, mask):
        """out (contiguous 1-D) = src's elements where mask (same shape) is true, row-major."""
        total = src.numel()
        if total == 0 or out.numel() == 0:
            return
        dims, strides, (m, s) = self._ix_chunk_geometry(src._shape, [mask, src])
        pre, nch, chunk, g = self._ix_counts_prefix(m, dims, strides, [m._offset, s._offset], total)
        prog = self._ix_prog("MOVE", W_BYTES=src.dtype.itemsize)
        self._ix_launch_chunks(typed_kernel(prog, "msel_write", "bbnllbbl"), nch,
                            (self._buf(m), self._buf(s), g, total, chunk, self._buf(pre),
                             self._buf(out), out._offset))

    def masked_scatter(self, dst, mask, source):
        """dst's elements where mask is true get source's (contiguous) elements in order."""
        total = dst.numel()
        if total == 0:
            return
        if dst._storage is mask._storage:
            mask = self._clone(mask)
        dims, strides, (m, d) = self._ix_chunk_geometry(dst._shape, [mask, dst])
        if d is not dst:                       # made contiguous above: write back afterwards
            self.masked_scatter(d, m, source)
            self.copy(dst, d)
            return
        pre, nch, chunk, g = self._ix_counts_prefix(m, dims, strides, [m._offset, d._offset], total)
        prog = self._ix_prog("MOVE", W_BYTES=dst.dtype.itemsize)
        self._ix_launch_chunks(typed_kernel(prog, "mscat_write", "bbnllbbl"), nch,
                            (self._buf(m), self._buf(d), g, total, chunk, self._buf(pre),
                             self._buf(source), source._offset))

    # -- binary search -------------------------------------------------------------------------
    def searchsorted(self, out, boundaries, values, sorter, right):
        """out[..., j] = insertion point of values[..., j] in boundaries' matching row (or its
        only row when boundaries is 1-D). All contiguous; boundaries and values share a dtype."""
        total = values.numel()
        if total == 0:
            return
        dt = values.dtype
        if dt.code not in (_dt.float32.code, _dt.float64.code, _dt.int64.code, _dt.int32.code,
                           _dt.int16.code, _dt.int8.code, _dt.uint8.code):
            raise TypeError(f"searchsorted: unsupported dtype code {dt.code}")
        m = boundaries._shape[-1]
        n = values._shape[-1] if values.dim() else 1
        rows_b = boundaries.numel() // m if m else 1
        prog = self._ix_prog("SEARCH", IN_CODE=dt.code)
        name = "searchsorted_i" if out.dtype.itemsize == 4 else "searchsorted_l"
        srt = self._buf(sorter) if sorter is not None else None
        self._ix_launch_1d(typed_kernel(prog, name, "blblblblillli"), total,
                        (self._buf(out), out._offset, self._buf(boundaries), boundaries._offset,
                         self._buf(values), values._offset, srt,
                         sorter._offset if sorter is not None else 0, int(sorter is not None),
                         rows_b, m, n, int(bool(right))))

    # -- shape copies ----------------------------------------------------------------------------
    def flip(self, out, src, dims):
        """out = src reversed along `dims` (sorted, distinct, in range); out and src have the
        same shape and dtype and do not overlap. A strided copy with negative source strides."""
        shape = src._shape
        if _prod(shape) == 0:
            return
        sstr = list(src._stride)
        soff = src._offset
        for d in dims:
            soff += (shape[d] - 1) * sstr[d]
            sstr[d] = -sstr[d]
        gd, gs = [], [[], []]                 # drop size-1 dims, merge contiguous neighbours
        for d in range(len(shape)):
            if shape[d] == 1:
                continue
            if gd and gs[0][-1] == out._stride[d] * shape[d] and gs[1][-1] == sstr[d] * shape[d]:
                gd[-1] *= shape[d]
                gs[0][-1], gs[1][-1] = out._stride[d], sstr[d]
                continue
            gd.append(shape[d])
            gs[0].append(out._stride[d])
            gs[1].append(sstr[d])
        if not gd:
            gd, gs = [1], [[1], [1]]
        raw = _RAW[src.dtype.itemsize]
        prog = self.programs.get("copy.cl", self._mdefs((("IN_CODE", raw.code),
                                                        ("OUT_CODE", raw.code))))
        self.launch.strided(self._kernel(prog, "copy_s", ("copy", "s")), gd, gs,
                            [out._offset, soff], (self._buf(out), self._buf(src)))

    def _ix_repeat_starts(self, repeats):
        """Device buffer: exclusive prefix sums of repeats, the total, then any-negative."""
        n = repeats.numel()
        starts = self._ix_tmp(n + 2)
        misc = self._ix_prog("MISC")
        k, _ = typed_kernel(misc, "repeats_scan", "bllb")
        k.set_args(self._buf(repeats), repeats._offset, n, self._buf(starts))
        self._cl.enqueue_nd_range_kernel(self.queue, k, (1,), (1,))
        return starts

    def repeats_total(self, repeats):
        """(sum, any negative) of a contiguous int64 tensor of repeats, as host Python values."""
        n = repeats.numel()
        if n == 0:
            return 0, False
        starts = self._ix_repeat_starts(repeats)
        r = self._ix_read(starts, n + 2)
        return int(r[n]), bool(r[n + 1])

    def repeat_interleave(self, out, src, dim, repeats):
        """out = src with slice j along `dim` repeated repeats[j] times (in order); src and out
        contiguous, repeats a contiguous int64 tensor of non-negative entries (already checked)
        summing to out.shape[dim]. A binary-search map of output slices, then a gather."""
        from ...tensor import _view_of
        shape = src._shape
        outer, inner = _prod(shape[:dim]), _prod(shape[dim + 1:])
        n, m = shape[dim], out._shape[dim]
        if outer * m * inner == 0:
            return
        starts = self._ix_repeat_starts(repeats)
        rmap = self._ix_tmp(m)
        misc = self._ix_prog("MISC")
        self._ix_launch_1d(typed_kernel(misc, "repeat_map", "blb"), m,
                        (self._buf(starts), n, self._buf(rmap)))
        o = _view_of(out, (outer, m, inner), (m * inner, inner, 1), out._offset)
        s = _view_of(src, (outer, m, inner), (n * inner, 0, 1), src._offset)
        i = _view_of(rmap, (outer, m, inner), (0, 1, 0), rmap._offset)
        self.index_gather(o, s, i, n, inner)

    # -- host fallback ---------------------------------------------------------------------------
    def _ix_host_op(self, name, out, *args):
        """Run the CPU backend's `name` on host copies and copy `out` back (rare shapes only)."""
        self._on_host(name, [out, *args], (0,))
