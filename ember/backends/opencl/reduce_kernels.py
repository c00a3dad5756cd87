"""OpenCL kernels: reductions, arg-reductions, scans, softmax, sort/top-k.

Mixed into OpenCLBackend; methods mirror the CPU backend's primitives of the same name (same
arguments, same filled outputs, same errors) and enqueue work on the device queue without
waiting. Kernels: kernels_cl/reduce.cl (reduce), argreduce.cl (arg_reduce), scan.cl,
softmax.cl, sort.cl (sort, select_sorted, quantile_sorted), sharing reduce_common.h; one
program per input dtype (bool shares uint8's), specialised by -D defines, the op part of each
kernel's name.

Every primitive is planned on the host as in the CPU backend's _reduce.pyx: the kept dims and the
reduced dims are each coalesced (size-1 dims dropped, contiguous neighbours merged) into a plan
record passed by value (at most RMAXK kept and RMAXR reduced dims; more are first regrouped by a
contiguous copy). Then one of two shapes of kernel runs, chosen per device class:

* CPU runtimes (PoCL, Intel): a work-item reduces whole contiguous runs itself, 16 lanes wide in
  explicit vectors (PoCL does not vectorize a loop inside a kernel otherwise; grid-stride loops
  across work-items were measured 10x slower there). When the kept dim is innermost in memory
  (x.sum(0)) a work-item takes 128 neighbouring outputs (16 for arg-reductions, scans and
  softmax) and walks the rows. Sorts: a work-item merge-sorts a whole line when there are
  enough lines.
* GPUs: a work-group per output with lanes striding through it and a tree in local memory; a
  work-item per output column when the kept dim is innermost (coalesced across work-items).
  HBM wants many bytes in flight (~22 KB per SM of an H200), so each lane issues 4 independent
  loads before combining them (in the one-at-a-time order: same bits), column rows are split
  in parts whenever the columns alone leave the device short of 4 x 256 work-items per compute
  unit (x.sum(0) of 8192 x 8192: 16 parts), and many partials are combined by a work-group per
  output rather than one work-item's chain of loads;
  sorts: a bitonic network in local memory per line (or block of SLB elements, then merge
  passes in which every element finds its place by a binary search).

Few outputs with long reductions (and few long scans) are split in parts that write partials,
combined in order by a second kernel. ``_reduce_variant`` ('cpu' / 'gpu', an instance attribute)
overrides the device class; the tests use it to run the GPU kernels on PoCL.

Host fallbacks (documented, off the training hot path): sort_rows (the lexicographic row sort
behind unique(dim=...)) and unique_fill (unique reads its group count on the host anyway), both
through the CPU backend.
"""
import numpy as np

from ... import dtypes as _dt

__all__ = ["ReduceKernels", "RPLAN_DTYPE", "program_specs"]

RMAXK = 4                       # kept dims of rplan_t (reduce_common.h)
RMAXR = 4                       # reduced dims
_NPLAN = 3 * RMAXK + 2 * RMAXR + 8
RPLAN_DTYPE = np.dtype([("p", np.int64, (_NPLAN,))])
_KS, _KIS, _KOS = 0, RMAXK, 2 * RMAXK
_RS, _RIS = 3 * RMAXK, 3 * RMAXK + RMAXR
_NOUT = 3 * RMAXK + 2 * RMAXR
_NRED, _IOFF, _OOFF, _PARTS, _CHUNK, _LOS, _AUX = (_NOUT + k for k in range(1, 8))

_RED_OPS = {"sum": "sum", "prod": "prod", "max": "maxv", "min": "minv", "nansum": "nansum",
            "sumabs": "sumabs", "sumsq": "sumsq", "maxabs": "maxabs", "minabs": "minabs",
            "count_nonzero": "countnz", "all": "countnz", "any": "countnz"}
_FINAL = {"all": 1, "any": 2}

_D_BOOL, _D_U8 = _dt.bool.code, _dt.uint8.code


def _cdiv(a, b):
    return -(-a // b)


# ------------------------------------------------------------------------------------------------
# Planning
def _coalesce_kept(shape, istride, ostride, rdims):
    """Kept dims [n, in stride, out stride], outer to inner, size-1 dropped, contiguous merged."""
    kept = []
    for d, n in enumerate(shape):
        if d in rdims or n == 1:
            continue
        if kept and kept[-1][1] == istride[d] * n and kept[-1][2] == ostride[d] * n:
            kept[-1][0] *= n
            kept[-1][1] = istride[d]
            kept[-1][2] = ostride[d]
        else:
            kept.append([n, istride[d], ostride[d]])
    return kept


def _coalesce_red(shape, istride, rdims):
    """Reduced dims [n, stride], largest stride first, merged where contiguous."""
    red = sorted(([shape[d], istride[d]] for d in rdims if shape[d] != 1), key=lambda r: -r[1])
    merged = []
    for r in red:
        if merged and merged[-1][1] == r[1] * r[0]:
            merged[-1][0] *= r[0]
            merged[-1][1] = r[1]
        else:
            merged.append(list(r))
    return merged


def _pack(kept, red, nout, nred, ioff, ooff, parts=1, chunk=0, los=0, aux=0):
    """The rplan_t record (dims left-padded with size 1, stride 0)."""
    p = np.zeros(_NPLAN, np.int64)
    p[_KS:_KS + RMAXK] = 1
    p[_RS:_RS + RMAXR] = 1
    for k, (n, si, so) in enumerate(kept):
        j = RMAXK - len(kept) + k
        p[_KS + j], p[_KIS + j], p[_KOS + j] = n, si, so
    for k, (n, si) in enumerate(red):
        j = RMAXR - len(red) + k
        p[_RS + j], p[_RIS + j] = n, si
    p[_NOUT], p[_NRED], p[_IOFF], p[_OOFF] = nout, nred, ioff, ooff
    p[_PARTS], p[_CHUNK], p[_LOS], p[_AUX] = parts, chunk, los, aux
    return p


def _set_parts(p, parts, chunk):
    p[_PARTS], p[_CHUNK] = parts, chunk


def _prod(xs):
    n = 1
    for x in xs:
        n *= x
    return n


def _permuted(t, order):
    from ...tensor import _make
    return _make(t._storage, tuple(t._shape[d] for d in order), tuple(t._stride[d] for d in order),
                 t._offset, t.dtype, t.device)


class ReduceKernels:
    """Reductions and friends on an OpenCL device; mixed into OpenCLBackend."""

    # -- programs, kernels, launches -----------------------------------------------------------
    def _rvariant(self):
        """'gpu' or 'cpu': which kernel shapes run (the device class unless overridden)."""
        v = self.__dict__.get("_reduce_variant")
        if v is None:
            v = "gpu" if self.dev.is_gpu else "cpu"
        return v

    def _rwg(self):
        """Work-group size of the work-group kernels: 256, or the device's largest power of 2."""
        return _rwg(self.dev)

    def _rprog(self, source, dt, **extra):
        """The program of kernels_cl/`source` for input dtype `dt` on the current variant."""
        return self.programs.get(source, _defines(self.dev, dt.code, self._rvariant() == "gpu",
                                                  **extra))

    def _rkernel(self, prog, name, sig):
        """(kernel, max work-group size); sig letters: b buffer, s plan, i int32, l int64,
        p scalar parameter (double with fp64)."""
        hit = prog._kernels.get(name)
        if hit is None:
            types = {"b": None, "s": RPLAN_DTYPE, "i": np.int32, "l": np.int64, "p": self._pt}
            hit = prog.kernel(name, [types[c] for c in sig])
        return hit

    def _items(self):
        """Work-items per work-group of the one-item-per-job kernels (fixed: PoCL compiles a
        kernel anew for each work-group size it meets)."""
        return 64 if self._rvariant() == "gpu" else 16

    # GPU plan thresholds (class attributes: the tests lower them to reach the paths with small
    # tensors). Column kernels split the rows in parts of at least this many rows when the
    # columns alone do not fill the device; partials of this many parts or more are combined by a
    # work-group per output (a lone work-item reading the 528 partials of an H200-wide sum(all)
    # one L2 round trip after another would take tens of us, a good part of the reduction).
    _gpu_cols_min_rows = 64
    _gpu_finish_wg_parts = 64

    def _want(self):
        """How many parallel jobs keep the device busy."""
        cu = max(1, self.dev.compute_units)
        if self._rvariant() == "gpu":
            # 8 work-groups of 256 per compute unit: an H200 summed 64M floats at 3200 GB/s
            # with 8 against 2750 with 4 (4 loads in flight per lane either way)
            return cu * 8 * 256
        return cu * 16 * 8

    def _run_items(self, kw, n, args):
        """Enqueue kernel `kw` = (kernel, wg) over n work-items (rounded up; kernels check)."""
        kernel, wg = kw
        ls = min(self._items(), wg)
        kernel.set_args(*args)
        self._cl.enqueue_nd_range_kernel(self.queue, kernel, (_cdiv(n, ls) * ls,), (ls,))

    def _run_groups(self, kw, groups, args):
        kernel, wg = kw
        kernel.set_args(*args)
        self._cl.enqueue_nd_range_kernel(self.queue, kernel, (groups * self._rwg(),),
                                         (self._rwg(),))

    def _scratch(self, n, dt):
        from ...tensor import _empty
        return _empty((max(n, 1),), dt, self.device)

    def _acc_dtype(self, dt):
        if dt.is_floating_point:
            return _dt.float64 if self.dev.fp64 else _dt.float32
        return _dt.int64

    def _regroup(self, x, out, dims):
        """x (and out's view) with kept dims first and reduced dims last, x copied contiguous:
        for reductions whose dims do not coalesce into the plan's RMAXK / RMAXR slots."""
        from ...tensor import _empty
        kept = [d for d in range(x.ndim) if d not in dims]
        red = [d for d in range(x.ndim) if d in dims]
        order = kept + red
        xp = _permuted(x, order)
        xc = _empty(xp._shape, x.dtype, self.device)
        self.copy(xc, xp)
        return xc, _permuted(out, order), tuple(range(len(kept), x.ndim))

    # -- reduce --------------------------------------------------------------------------------
    def reduce(self, op, out, input, dims, scale=1.0):
        """out = scale * op over `dims` of input (out keeps input's rank, size-1 reduced dims;
        any dtype). Floating inputs accumulate in double (float without fp64), integers in
        int64; all/any count non-zeros and compare on store."""
        self._check_dtype(input.dtype)
        self._check_dtype(out.dtype)
        xbuf, obuf = self._buf(input), self._buf(out)
        kname = _RED_OPS[op]
        shape = input._shape
        dims = {d for d in dims if d < len(shape)}        # a 0-d input reduces its one element
        nout = _prod(n for d, n in enumerate(shape) if d not in dims)
        if nout == 0:
            return
        nred = _prod(shape[d] for d in dims)
        kept = _coalesce_kept(shape, input._stride, out._stride, dims)
        # nothing to reduce (identities): no reduced dim, so no kernel divides by a size of 0
        red = _coalesce_red(shape, input._stride, dims) if nred else []
        if len(kept) > RMAXK or len(red) > RMAXR:
            from ...tensor import _empty
            input, view, rdims = self._regroup(input, out, dims)
            xbuf = self._buf(input)
            kept = _coalesce_kept(input._shape, input._stride, view._stride, rdims)
            red = _coalesce_red(input._shape, input._stride, rdims)
            if len(kept) > RMAXK:           # an output with strides that do not coalesce
                tmp = _empty(out._shape, out.dtype, self.device)
                tview = _permuted(tmp, [d for d in range(out.ndim) if d not in dims] +
                                  [d for d in range(out.ndim) if d in dims])
                kept = _coalesce_kept(input._shape, input._stride, tview._stride, rdims)
                self._reduce_planned(kname, op, tmp, self._buf(tmp), input, xbuf, kept, red,
                                     nout, nred, scale)
                self.copy(out, tmp)
                return
        self._reduce_planned(kname, op, out, obuf, input, xbuf, kept, red, nout, nred, scale)

    def _reduce_planned(self, kname, op, out, obuf, x, xbuf, kept, red, nout, nred, scale):
        prog = self._rprog("reduce.cl", x.dtype)
        gpu = self._rvariant() == "gpu"
        p = _pack(kept, red, nout, nred, x._offset, out._offset, 1, nred)
        want = self._want()
        tail = (np.int32(out.dtype.code), np.int32(_FINAL.get(op, 0)), scale)
        inner = not kept or not red or red[-1][1] <= kept[-1][1]
        if inner:
            run = red[-1][0] if red else 1
            # a work-group per output once it has enough to reduce (or the outputs are few)
            use_wg = gpu and (nred >= 256 or (nred >= 32 and nout * 64 < want)) and \
                (len(red) <= 1 or run >= 32)
            if use_wg:
                kw = self._rkernel(prog, f"red_wg_{kname}", "bbbsiip")
                if kw[1] < self._rwg():
                    use_wg = False
            if use_wg:
                parts = self._wg_parts(nout, nred)
            else:
                kw = self._rkernel(prog, f"red_seq_{kname}", "bbbsiip")
                parts = 1 if nout >= want or nred < 16384 else min(_cdiv(want, nout),
                                                                   _cdiv(nred, 8192))
            jobs = nout
        else:
            kw = self._rkernel(prog, f"red_cols_{kname}", "bbbsiip")
            cols = 1 if gpu else 128
            jobs = nout // kept[-1][0] * _cdiv(kept[-1][0], cols)
            parts = self._cols_parts(jobs, nred, 4096, 256)
            use_wg = False
        parts, chunk = _chunked(nred, parts)
        _set_parts(p, parts, chunk)
        plan = p.view(RPLAN_DTYPE)[0]
        part = self._scratch(nout * parts, self._acc_dtype(x.dtype)) if parts > 1 else None
        pbuf = self._buf(part) if part is not None else obuf
        args = (xbuf, obuf, pbuf, plan) + tail
        if use_wg:
            self._run_groups(kw, jobs * parts, args)
        else:
            self._run_items(kw, jobs * parts, args)
        if parts > 1:
            if self._finish_wg(parts):
                fk = self._rkernel(prog, f"red_finish_wg_{kname}", "bbsiip")
                if fk[1] >= self._rwg():
                    self._run_groups(fk, nout, (pbuf, obuf, plan) + tail)
                    return
            fk = self._rkernel(prog, f"red_finish_{kname}", "bbsiip")
            self._run_items(fk, nout, (pbuf, obuf, plan) + tail)

    def _wg_parts(self, nout, nred):
        """Parts per output of the work-group kernels: fewer outputs than want / 256 groups
        (4 per compute unit: 528 on an H200) are split so that the groups reach that count, parts
        of at least 2048 elements (8 per lane)."""
        groups = max(1, self._want() // 256)
        return 1 if nout >= groups else min(_cdiv(groups, nout), _cdiv(nred, 256 * 8))

    def _cols_parts(self, jobs, nred, cpu_min, cpu_rows):
        """Parts of the column kernels' rows. GPUs: split whenever the jobs (columns) do not
        fill the device (want work-items: 4 x 256 per compute unit), parts of at least
        _gpu_cols_min_rows rows (8192 columns of 8192 rows: 16 parts of 512, 131072 work-items
        where 8192 could not keep HBM busy); CPU runtimes: only long reductions (nred >= cpu_min),
        parts of at least cpu_rows rows, as measured there."""
        want = self._want()
        if jobs >= want:
            return 1
        if self._rvariant() == "gpu":
            rows = self._gpu_cols_min_rows
            return 1 if nred < 2 * rows else min(_cdiv(want, jobs), _cdiv(nred, rows))
        return 1 if nred < cpu_min else min(_cdiv(want, jobs), _cdiv(nred, cpu_rows))

    def _finish_wg(self, parts):
        """Whether partials are combined by a work-group per output (GPUs, many parts)."""
        return self._rvariant() == "gpu" and parts >= self._gpu_finish_wg_parts

    # -- arg_reduce ----------------------------------------------------------------------------
    def arg_reduce(self, op, values, indices, input, dim):
        """values / indices = the first max (min) along dim (size > 0) and its position; NaN
        counts as the largest (the first NaN wins). Either output may be None."""
        self._check_dtype(input.dtype)
        ref = values if values is not None else indices
        if values is not None and indices is not None and values._stride != indices._stride:
            raise ValueError("values and indices must share strides")
        xbuf = self._buf(input)
        vbuf = self._buf(values) if values is not None else None
        ibuf = self._buf(indices) if indices is not None else None
        shape = input._shape
        nout = _prod(n for d, n in enumerate(shape) if d != dim)
        if nout == 0:
            return
        n = shape[dim]
        st = input._stride[dim]
        kept = _coalesce_kept(shape, input._stride, ref._stride, {dim})
        if len(kept) > RMAXK:
            from ...tensor import _empty
            order = [d for d in range(input.ndim) if d != dim] + [dim]
            xc = _empty(tuple(shape[d] for d in order), input.dtype, self.device)
            self.copy(xc, _permuted(input, order))
            v2 = _empty(ref._shape, input.dtype, self.device) if values is not None else None
            i2 = _empty(ref._shape, _dt.int64, self.device) if indices is not None else None
            self.arg_reduce(op, _permuted(v2, order) if v2 is not None else None,
                            _permuted(i2, order) if i2 is not None else None, xc, input.ndim - 1)
            if values is not None:
                self.copy(values, v2)
            if indices is not None:
                self.copy(indices, i2)
            return
        gpu = self._rvariant() == "gpu"
        prog = self._rprog("argreduce.cl", input.dtype)
        ooff = ref._offset
        p = _pack(kept, [[n, st]], nout, n, input._offset, ooff, 1, n)
        want = self._want()
        inner = not kept or st <= kept[-1][1]
        use_wg = False
        if inner:
            if gpu and (n >= 256 or (n >= 32 and nout * 64 < want)):
                kw = self._rkernel(prog, "arg_wg", "bbbbsiii")
                use_wg = kw[1] >= self._rwg()
            if use_wg:
                parts = self._wg_parts(nout, n)
            else:
                kw = self._rkernel(prog, "arg_seq", "bbbbsiii")
                parts = 1 if nout >= want or n < 16384 else min(_cdiv(want, nout), _cdiv(n, 8192))
            jobs = nout
        else:
            kw = self._rkernel(prog, "arg_cols", "bbbbsiii")
            cols = 1 if gpu else 16
            jobs = nout // kept[-1][0] * _cdiv(kept[-1][0], cols)
            parts = self._cols_parts(jobs, n, 4096, 1024)
        parts, chunk = _chunked(n, parts)
        _set_parts(p, parts, chunk)
        plan = p.view(RPLAN_DTYPE)[0]
        part = self._scratch(nout * parts, _dt.int64) if parts > 1 else None
        any_buf = vbuf if vbuf is not None else ibuf
        pbuf = self._buf(part) if part is not None else any_buf
        tail = (np.int32(op == "min"), np.int32(values is not None), np.int32(indices is not None))
        args = (xbuf, vbuf if vbuf is not None else any_buf,
                ibuf if ibuf is not None else any_buf, pbuf, plan) + tail
        if use_wg:
            self._run_groups(kw, jobs * parts, args)
        else:
            self._run_items(kw, jobs * parts, args)
        if parts > 1:
            if self._finish_wg(parts):
                fk = self._rkernel(prog, "arg_finish_wg", "bbbbsiii")
                if fk[1] >= self._rwg():
                    self._run_groups(fk, nout, args)
                    return
            fk = self._rkernel(prog, "arg_finish", "bbbbsiii")
            self._run_items(fk, nout, args)


    # -- scan ----------------------------------------------------------------------------------
    def _line_plan(self, x, ref, dim):
        """(kept dims, nout) of a per-line primitive along `dim` (ref: the output's strides),
        or None when the kept dims do not fit the plan."""
        kept = _coalesce_kept(x._shape, x._stride, ref._stride, {dim})
        nout = _prod(n for d, n in enumerate(x._shape) if d != dim)
        return (kept, nout) if len(kept) <= RMAXK else None

    def _line_last(self, x, outs, dim):
        """x copied with `dim` last (contiguous) and contiguous temporaries shaped like it for
        `outs` (None stays None): for lines whose kept dims do not coalesce."""
        from ...tensor import _empty
        order = [d for d in range(x.ndim) if d != dim] + [dim]
        xc = _empty(tuple(x._shape[d] for d in order), x.dtype, self.device)
        self.copy(xc, _permuted(x, order))
        tmps = [None if t is None else _empty(t._shape, t.dtype, self.device) for t in outs]
        views = [None if t is None else _permuted(t, order) for t in tmps]
        return xc, tmps, views

    def scan(self, op, out, indices, input, dim):
        """Inclusive scan along dim: cumsum, cumprod, logcumsumexp, cummax, cummin (indices,
        int64, for the last two); out may have another dtype (converted on store)."""
        self._check_dtype(input.dtype)
        self._check_dtype(out.dtype)
        if indices is not None and indices._stride != out._stride:
            raise ValueError("values and indices must share strides")
        xbuf, obuf = self._buf(input), self._buf(out)
        ibuf = self._buf(indices) if indices is not None else obuf
        n = input._shape[dim]
        lp = self._line_plan(input, out, dim)
        if lp is None:
            xc, (o2, i2), (ov, iv) = self._line_last(input, [out, indices], dim)
            self.scan(op, ov, iv, xc, input.ndim - 1)
            self.copy(out, o2)
            if indices is not None:
                self.copy(indices, i2)
            return
        kept, nout = lp
        if nout == 0 or n == 0:
            return
        si = input._stride[dim]
        prog = self._rprog("scan.cl", input.dtype)
        gpu = self._rvariant() == "gpu"
        want = self._want()
        p = _pack(kept, [[n, si]], nout, n, input._offset, out._offset, 1, n, out._stride[dim])
        tail = (np.int32(out.dtype.code), np.int32(indices is not None))
        inner = not kept or si <= kept[-1][1]
        if not inner:
            cols = 1 if gpu else 16
            jobs = nout // kept[-1][0] * _cdiv(kept[-1][0], cols)
            if jobs * 4 >= want or n < 4096:      # else: few long lines, split in parts
                kw = self._rkernel(prog, f"scan_cols_{op}", "bbbsii")
                self._run_items(kw, jobs, (xbuf, obuf, ibuf, p.view(RPLAN_DTYPE)[0]) + tail)
                return
        # logcumsumexp is not split: the CPU's NaN handling (log-add-exp of a NaN adds log 2 to
        # the running value) is not associative, so a carry could not reproduce it
        parts = 1 if nout >= want or n < 16384 or op == "logcumsumexp" else \
            min(_cdiv(want, nout), _cdiv(n, 8192))
        chunk = n
        if parts > 1:
            chunk = _cdiv(_cdiv(n, parts), 64) * 64
            parts = _cdiv(n, chunk)
        _set_parts(p, parts, chunk)
        plan = p.view(RPLAN_DTYPE)[0]
        cvb = cib = obuf
        if parts > 1:
            cv = self._scratch(nout * parts, self._acc_dtype(input.dtype))
            ci = self._scratch(nout * parts, _dt.int64)
            cvb, cib = self._buf(cv), self._buf(ci)
            self._run_items(self._rkernel(prog, f"scan_tot_{op}", "bbbs"), nout * parts,
                            (xbuf, cvb, cib, plan))
            self._run_items(self._rkernel(prog, f"scan_carry_{op}", "bbs"), nout,
                            (cvb, cib, plan))
        kw = self._rkernel(prog, f"scan_line_{op}", "bbbbbsii")
        self._run_items(kw, nout * parts, (xbuf, obuf, ibuf, cvb, cib, plan) + tail)

    # -- softmax -------------------------------------------------------------------------------
    def softmax(self, out, input, dim, log=False):
        """out = softmax (log_softmax) of input along dim, fused and stable; floating dtypes
        (half types computed in float), out of input's dtype and shape."""
        self._check_dtype(input.dtype)
        xbuf, obuf = self._buf(input), self._buf(out)
        if out.dtype is not input.dtype:
            raise RuntimeError(f"softmax: expected out of dtype {input.dtype}, got {out.dtype}")
        n = input._shape[dim]
        lp = self._line_plan(input, out, dim)
        if lp is None:
            xc, (o2,), (ov,) = self._line_last(input, [out], dim)
            self.softmax(ov, xc, input.ndim - 1, log)
            self.copy(out, o2)
            return
        kept, nout = lp
        if nout == 0 or n == 0:
            return
        si = input._stride[dim]
        prog = self._rprog("softmax.cl", input.dtype)
        gpu = self._rvariant() == "gpu"
        p = _pack(kept, [[n, si]], nout, n, input._offset, out._offset, 1, n, out._stride[dim])
        args = (xbuf, obuf, p.view(RPLAN_DTYPE)[0], np.int32(bool(log)))
        inner = not kept or si <= kept[-1][1]
        if inner:
            if gpu and (n >= 256 or (n >= 32 and nout * 64 < self._want())):
                kw = self._rkernel(prog, "softmax_wg", "bbsi")
                if kw[1] >= self._rwg():
                    self._run_groups(kw, nout, args)
                    return
            self._run_items(self._rkernel(prog, "softmax_seq", "bbsi"), nout, args)
        else:
            cols = 1 if gpu else 16
            jobs = nout // kept[-1][0] * _cdiv(kept[-1][0], cols)
            self._run_items(self._rkernel(prog, "softmax_cols", "bbsi"), jobs, args)

    # -- sort ----------------------------------------------------------------------------------
    def _slb(self, dt):
        """Elements per local sort block: 2048, or what half the local memory holds."""
        return _slb(self.dev, dt.itemsize)

    def sort(self, values, indices, input, dim, descending=False, stable=True):
        """Sort along dim, NaN as the largest value, equal values in their original order (always
        stable; descending puts NaN first). Either output may be None."""
        from ...tensor import _empty
        self._check_dtype(input.dtype)
        xbuf = self._buf(input)
        if input.ndim == 0:
            from ...tensor import _make
            one = lambda t: None if t is None else _make(t._storage, (1,), (1,), t._offset,
                                                        t.dtype, t.device)
            return self.sort(one(values), one(indices), one(input), 0, descending, stable)
        if values is not None and indices is not None and values._stride != indices._stride:
            v2 = _empty(values._shape, values.dtype, self.device)
            i2 = _empty(indices._shape, indices.dtype, self.device)
            self.sort(v2, i2, input, dim, descending, stable)
            self.copy(values, v2)
            self.copy(indices, i2)
            return
        ref = values if values is not None else indices
        if ref is None:
            return
        vbuf = self._buf(values) if values is not None else None
        ibuf = self._buf(indices) if indices is not None else None
        anyb = vbuf if vbuf is not None else ibuf
        vbuf = anyb if vbuf is None else vbuf
        ibuf = anyb if ibuf is None else ibuf
        n = input._shape[dim]
        lp = self._line_plan(input, ref, dim)
        if lp is None:
            xc, (v2, i2), (vv, iv) = self._line_last(input, [values, indices], dim)
            self.sort(vv, iv, xc, input.ndim - 1, descending, stable)
            if values is not None:
                self.copy(values, v2)
            if indices is not None:
                self.copy(indices, i2)
            return
        kept, nout = lp
        if nout == 0 or n == 0:
            return
        slb = self._slb(input.dtype)
        prog = self._rprog("sort.cl", input.dtype, SLB=slb)
        p = _pack(kept, [[n, input._stride[dim]]], nout, n, input._offset, ref._offset, 1, n,
                  ref._stride[dim])
        plan = p.view(RPLAN_DTYPE)[0]
        flags = (np.int32(values is not None), np.int32(indices is not None))
        kdt = _dt.int64 if input.dtype.itemsize == 8 else _dt.int32
        if self._rvariant() == "cpu" and nout >= 4 * max(1, self.dev.compute_units) and n > 1:
            # a work-item per line (merge sort in scratch rows)
            total = nout * n
            sc = [self._scratch(total, kdt), self._scratch(total, _dt.int32),
                  self._scratch(total, kdt), self._scratch(total, _dt.int32)]
            self._run_items(self._rkernel(prog, "sort_seq", "bbbbbbbsiii"), nout,
                            (xbuf, vbuf, ibuf, *[self._buf(t) for t in sc], plan,
                             np.int32(bool(descending))) + flags)
            return
        local = self._rkernel(prog, "sort_local", "bbbbbslii" + "ii")
        B = 1 << max(0, (n - 1).bit_length()) if n <= slb else slb
        W = min(local[1], 256, max(32, B // 2))
        nblk = _cdiv(n, B)
        if nblk == 1:
            args = (xbuf, vbuf, ibuf, vbuf, vbuf, plan, np.int64(B), np.int32(bool(descending)),
                    np.int32(1)) + flags
            local[0].set_args(*args)
            self._cl.enqueue_nd_range_kernel(self.queue, local[0], (nout * W,), (W,))
            return
        total = nout * n
        ka, kb = self._scratch(total, kdt), self._scratch(total, kdt)
        ia, ib = self._scratch(total, _dt.int32), self._scratch(total, _dt.int32)
        bka, bkb, bia, bib = (self._buf(t) for t in (ka, kb, ia, ib))
        args = (xbuf, vbuf, ibuf, bka, bia, plan, np.int64(B), np.int32(bool(descending)),
                np.int32(0)) + flags
        local[0].set_args(*args)
        self._cl.enqueue_nd_range_kernel(self.queue, local[0], (nout * nblk * W,), (W,))
        merge = self._rkernel(prog, "sort_merge", "bbbblll")
        w = B
        while w < n:
            self._run_items(merge, total, (bka, bia, bkb, bib, np.int64(n), np.int64(total),
                                           np.int64(w)))
            bka, bkb, bia, bib = bkb, bka, bib, bia
            w *= 2
        self._run_items(self._rkernel(prog, "sort_write", "bbbbsii"), total,
                        (xbuf, vbuf, ibuf, bia, plan) + flags)

    def select_sorted(self, op, values, indices, sorted_values, sorted_indices):
        """Per row of the sorted (rows, n) tensors: median / nanmedian / mode and its index."""
        self._check_dtype(values.dtype)
        rows = values.numel()
        sv = sorted_values
        n = sv._shape[-1] if sv._shape else 1
        bufs = [self._buf(t) for t in (sv, sorted_indices, values, indices)]
        if n == 0 or rows == 0:
            return
        prog = self._rprog("sort.cl", values.dtype, SLB=self._slb(values.dtype))
        code = {"median": 0, "nanmedian": 1, "mode": 2}[op]
        self._run_items(self._rkernel(prog, "select_sorted", "bbbblllllli"), rows,
                        (*bufs, np.int64(rows), np.int64(n), np.int64(sv._offset),
                         np.int64(sorted_indices._offset), np.int64(values._offset),
                         np.int64(indices._offset), np.int32(code)))

    def quantile_sorted(self, out, sorted_values, q, interpolation, ignore_nan):
        """out (len(q), rows) = quantiles q (floats in [0, 1]) of each sorted row."""
        from ...tensor import _empty
        from ...device import CPU
        from ..cpu import np_view
        self._check_dtype(out.dtype)
        nq = len(q)
        rows = out.numel() // max(nq, 1)
        n = sorted_values._shape[-1]
        obuf, sbuf = self._buf(out), self._buf(sorted_values)
        if n == 0 or rows == 0 or nq == 0:
            return
        pdt = _dt.float64 if self.dev.fp64 else _dt.float32
        qh = _empty((nq,), pdt, CPU)
        np_view(qh)[...] = np.asarray(list(q), np.float64)
        qd = self.from_host(qh)
        interp = {"linear": 0, "lower": 1, "higher": 2, "midpoint": 3, "nearest": 4}[interpolation]
        prog = self._rprog("sort.cl", out.dtype, SLB=self._slb(out.dtype))
        self._run_items(self._rkernel(prog, "quantile_sorted", "bbblllllii"), rows * nq,
                        (sbuf, obuf, self._buf(qd), np.int64(rows), np.int64(n), np.int64(nq),
                         np.int64(sorted_values._offset), np.int64(out._offset), np.int32(interp),
                         np.int32(bool(ignore_nan))))

    # -- host fallbacks ------------------------------------------------------------------------
    def sort_rows(self, sorted_rows, perm, rows):
        """The rows of a 2-d tensor in stable lexicographic order and that permutation (host
        fallback: unique(dim=...) only)."""
        self._on_host("sort_rows", [sorted_rows, perm, rows], (0, 1))

    def unique_fill(self, values, inverse, counts, sorted_rows, perm, mask):
        """Gather unique rows (host fallback: unique() reads the group count on the host first)."""
        self._on_host("unique_fill", [values, inverse, counts, sorted_rows, perm, mask], (0, 1, 2))

def _chunked(n, parts):
    """(parts, chunk): n split in `parts` ranges of a multiple of 64 elements (the last may be
    shorter; none empty)."""
    if parts <= 1:
        return 1, n
    chunk = _cdiv(_cdiv(n, parts), 64) * 64
    return _cdiv(n, chunk), chunk


def _rwg(cldev):
    wg = 256
    while wg > cldev.max_work_group_size:
        wg //= 2
    return wg


def _slb(cldev, itemsize):
    per = (8 if itemsize == 8 else 4) + 4          # key + index bytes in local memory
    slb = 2048
    while slb > 2 and slb * per > cldev.local_memory // 2:
        slb //= 2
    return slb


def _defines(cldev, code, gpu, **extra):
    """-D defines of this family's programs for input dtype `code` (bool shares uint8's)."""
    code = _D_U8 if code == _D_BOOL else code
    defines = (("IN_CODE", code), ("RWG", _rwg(cldev)), ("RCOLS", 1 if gpu else 16))
    return defines + tuple(sorted(extra.items()))


def program_specs(cldev):
    """Every (source, defines) this family may build on `cldev` (for --warmup): reduce.cl,
    scan.cl and sort.cl per input dtype, softmax.cl per floating dtype."""
    gpu = bool(cldev.is_gpu)
    specs = []
    for d in _dt.ALL:
        if d is _dt.bool or (d is _dt.float64 and not cldev.fp64):
            continue
        for src in ("reduce.cl", "argreduce.cl", "scan.cl"):
            specs.append((src, _defines(cldev, d.code, gpu)))
        specs.append(("sort.cl", _defines(cldev, d.code, gpu, SLB=_slb(cldev, d.itemsize))))
        if d.is_floating_point:
            specs.append(("softmax.cl", _defines(cldev, d.code, gpu)))
    return specs
