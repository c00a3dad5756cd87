"""OpenCL kernels: im2col/col2im and pooling (max, average; forward and backward).

Mixed into OpenCLBackend; methods mirror the CPU backend's primitives of the same name (same
arguments, same filled outputs; the contracts are in ember/backends/cpu/conv_kernels.py) and
enqueue work on the device queue without waiting. Kernels: kernels_cl/conv.cl and pool.cl,
whose headers explain the work layouts.

Results equal the CPU backend's bit for bit (with fp64; without it the average pools sum in
float instead of double): col2im, avg_pool_backward and (on GPUs) max_pool_backward are gathers
that add each element's contributions in the CPU's scatter order, the other max_pool_backward
scatters plane by plane in output order, so everything is deterministic and nothing uses atomics.
16-bit floats compute in float and round once, as the CPU backend does through its float32
scratch. One deliberate difference: a negative divisor_override divides, as in PyTorch (the CPU
backend ignores it so far).

Work layout by device class (``conv_variant``: 'auto', or 'cpu' / 'gpu' to force one, for
tests): CPU runtimes run one work-item per row (im2col: per row of cols, col2im: per image row,
pools: per output row, or per run of one when rows are few), loops PoCL vectorizes; GPUs one
work-item per element, neighbours on neighbouring elements (coalesced). max_pool_backward given
the windows gathers on GPUs (a work-item per input element scans the windows covering it); on
CPU runtimes, or without windows, it runs one work-item per plane (a scatter in output order).

The pooling window tables go to the device once per geometry: an LRU cache of the last
_TABLES_KEPT geometries (keyed by the tables' contents), with the covering ranges that
avg_pool_backward's gather needs computed on the host.
"""
import collections

import numpy as np

from ... import dtypes as _dt

__all__ = ["ConvKernels", "program_specs"]

_NCG = 2 + 6 * 3 + 5 + 3 + 3                   # longs of cgeom_t (conv.cl)
CGEOM_DTYPE = np.dtype([("g", np.int64, (_NCG,))])
_NPG = 8 * 3 + 4                               # longs of pgeom_t (pool.cl)
PGEOM_DTYPE = np.dtype([("g", np.int64, (_NPG,))])
_XOFF, _OOFF, _IOFF, _SMALL = 24, 25, 26, 27   # per-call slots of pgeom_t
_SMALL_MAX = 1 << 31                           # launches below this decode indices in 32 bits
_RAW = {1: _dt.uint8, 2: _dt.int16, 4: _dt.int32, 8: _dt.int64}
_HALVES = (_dt.float16, _dt.bfloat16)
_TABLES_KEPT = 64
_ARG = {"b": None, "l": np.int64, "i": np.int32, "c": CGEOM_DTYPE, "g": PGEOM_DTYPE}
_C_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}


def _prod(xs):
    n = 1
    for x in xs:
        n *= x
    return n


def _pad3(values, fill):
    return [fill] * (3 - len(values)) + [int(v) for v in values]


def _cgeom(img, cols, kernel, stride, padding, dilation):
    """The cgeom_t record (as a NumPy array) of an im2col / col2im between `img` and `cols`;
    ValueError when the ranks or cols' shape do not fit the geometry (as the CPU backend)."""
    nd = len(kernel)
    ish = img._shape
    if nd < 1 or nd > 3 or len(ish) != nd + 2:
        raise ValueError("im2col/col2im: expected 1 to 3 spatial dims")
    isz, k = _pad3(ish[2:], 1), _pad3(kernel, 1)
    s, p, d = _pad3(stride, 1), _pad3(padding, 0), _pad3(dilation, 1)
    osz = [max((i + 2 * pp - dd * (kk - 1) - 1) // ss + 1, 0)
           for i, kk, ss, pp, dd in zip(isz, k, s, p, d)]
    if tuple(cols._shape) != (ish[0], ish[1] * _prod(k), _prod(osz)):
        raise ValueError(f"im2col/col2im: cols shape {cols._shape} does not match the geometry")
    xs = [img._stride[0], img._stride[1]] + _pad3(img._stride[2:], 0)
    return np.array([ish[0], ish[1]] + isz + osz + k + s + p + d + xs + list(cols._stride)
                    + [img._offset, cols._offset, 0], np.int64)         # `small`: set per launch


def _covering(start, end, n):
    """Per index i < n: (lo, hi) such that every window o with start[o] <= i < end[o] has
    lo <= o < hi (0, 0 where none does)."""
    nout = len(start)
    lo = np.full(n, nout, np.int64)
    hi = np.zeros(n, np.int64)
    s = np.clip(start, 0, n)
    lens = np.maximum(np.clip(end, 0, n) - s, 0)
    total = int(lens.sum())
    if total:
        o = np.repeat(np.arange(nout, dtype=np.int64), lens)
        first = np.cumsum(lens) - lens
        pos = np.repeat(s - first, lens) + np.arange(total, dtype=np.int64)
        np.minimum.at(lo, pos, o)
        np.maximum.at(hi, pos, o + 1)
    lo[hi == 0] = 0
    return lo, hi


class _Tables:
    """One pooling geometry on the device: tb (int64 tables), dv (divisors, PT) and the
    geometry-only part of pgeom_t."""

    __slots__ = ("tb", "dv", "geom", "osz")

    def __init__(self, tb, dv, geom, osz):
        self.tb, self.dv, self.geom, self.osz = tb, dv, geom, osz


class ConvKernels:
    """im2col / col2im and pooling on an OpenCL device; mixed into OpenCLBackend."""

    # test hook: 'cpu' (row kernels) or 'gpu' (element kernels) on any device
    conv_variant = "auto"

    # -- helpers -------------------------------------------------------------------------------
    def _conv_rows(self):
        """Whether the row kernels run (CPU runtimes) or the element kernels (GPUs)."""
        v = self.conv_variant
        return v == "cpu" or (v == "auto" and not self.dev.is_gpu)

    def _pool_launch(self, kw, n, total, args):
        """Launch pool kernel `kw` over `total` elements in rows of n: a work-item per element
        on GPUs, per run of a row on CPU runtimes (whole rows when there are enough of them);
        `args` are the kernel's arguments but the run length, which goes before the last."""
        rows = total // n
        run = 1
        if self._conv_rows():
            want = 16 * max(1, self.dev.compute_units)
            run = -(-n // -(-want // rows)) if rows < want else n
        items = rows * -(-n // run)
        self.launch.flat(kw, items, args[:-1] + (run, args[-1]))

    def _cv_kernel(self, source, in_dt, out_dt, name, sig):
        """(kernel, max work-group size) of `source` built for (in_dt, out_dt); sig letters: b
        buffer, l int64, i int32, p scalar parameter (PT), c cgeom_t, g pgeom_t."""
        prog = self.programs.get(source, (("IN_CODE", in_dt.code), ("OUT_CODE", out_dt.code)))
        hit = prog._kernels.get(name)
        if hit is None:
            hit = prog.kernel(name, [self._pt if c == "p" else _ARG[c] for c in sig])
        return hit

    def _cv_temp(self, t, dtype=None):
        from ...tensor import _empty
        return _empty(t._shape, dtype or t.dtype, self.device)

    def _cv_contig(self, t):
        return t if t.is_contiguous() else self._clone(t)

    def _cv_float(self, dt, what):
        self._check_dtype(dt)
        if not dt.is_floating_point:
            raise RuntimeError(f"\"{what}\" not implemented for '{_C_NAMES[dt.name]}' on OpenCL")

    def _upload(self, arr, dtype):
        """A new device tensor holding the 1-d NumPy array `arr` (written asynchronously)."""
        from ...tensor import _empty
        t = _empty((max(arr.size, 1),), dtype, self.device)
        if arr.size:
            self._write(t._storage.buffer, np.ascontiguousarray(arr, dtype.np), 0)
        return t

    def _pool_tables(self, isz, windows, divisors):
        """The _Tables of a pooling geometry over planes of spatial size `isz` (cached)."""
        nd = len(windows)
        if nd < 1 or nd > 3 or len(isz) != nd:
            raise ValueError("pool: expected 1 to 3 spatial dims")
        starts = [np.ascontiguousarray(w[0], dtype=np.int64) for w in windows]
        ends = [np.ascontiguousarray(w[1], dtype=np.int64) for w in windows]
        steps = [int(w[2]) for w in windows]
        divs = None if divisors is None else \
            [np.ascontiguousarray(dv, dtype=np.float64) for dv in divisors]
        key = (tuple(isz), tuple(steps), tuple(a.tobytes() for a in starts + ends),
               None if divs is None else tuple(a.tobytes() for a in divs))
        cache = self.__dict__.get("_cv_tables")
        if cache is None:
            cache = self.__dict__["_cv_tables"] = collections.OrderedDict()
        hit = cache.get(key)
        if hit is not None:
            cache.move_to_end(key)
            return hit
        off = 3 - nd
        starts = [np.zeros(1, np.int64)] * off + starts
        ends = [np.ones(1, np.int64)] * off + ends
        steps = [1] * off + steps
        isz3 = [1] * off + [int(n) for n in isz]
        osz = [len(a) for a in starts]
        if any(len(e) != o for e, o in zip(ends, osz)):
            raise ValueError("pool: start and end tables differ in length")
        if any(st <= 0 for st in steps):
            raise ValueError("pool: window steps must be positive")
        divs = [np.ones(o) for o in osz] if divs is None else \
            [np.ones(1)] * off + divs
        if any(len(dv) != o for dv, o in zip(divs, osz)):
            raise ValueError("pool: divisor tables do not match the windows")
        parts, at = [], 0
        so, eo, lo, hi, dvo = [], [], [], [], []
        for d in range(3):
            so.append(at)
            eo.append(at + osz[d])
            parts += [starts[d], ends[d]]
            at += 2 * osz[d]
        for d in range(3):
            cl, ch = _covering(starts[d], ends[d], isz3[d])
            lo.append(at)
            hi.append(at + isz3[d])
            parts += [cl, ch]
            at += 2 * isz3[d]
        at = 0
        for d in range(3):
            dvo.append(at)
            at += osz[d]
        geom = np.array(isz3 + osz + steps + so + eo + lo + hi + dvo + [0, 0, 0, 0], np.int64)
        pt = _dt.float64 if self.dev.fp64 else _dt.float32
        hit = _Tables(self._upload(np.concatenate(parts), _dt.int64),
                      self._upload(np.concatenate(divs), pt), geom, osz)
        cache[key] = hit
        while len(cache) > _TABLES_KEPT:
            cache.popitem(last=False)
        return hit

    @staticmethod
    def _pool_geom(tables, total, xoff, ooff, ioff=0):
        """The pgeom_t of a launch over `total` elements with these tensor offsets."""
        g = tables.geom.copy()
        g[_XOFF], g[_OOFF], g[_IOFF], g[_SMALL] = xoff, ooff, ioff, total < _SMALL_MAX
        return g.view(PGEOM_DTYPE)[0]

    @staticmethod
    def _pool_check(big, small, tables, what):
        """ValueError unless `big` is (P, *S) and `small` (P, *O) for the tables' geometry."""
        P = big._shape[0] if big._shape else 1
        if big.numel() != P * _prod(tables.geom[:3]) or \
                small.numel() != P * _prod(tables.osz):
            raise ValueError(f"{what}: tensor shapes {big._shape}, {small._shape} do not match "
                             f"the windows")

    # -- im2col / col2im -----------------------------------------------------------------------
    def im2col(self, cols, input, kernel, stride, padding, dilation):
        """cols[n, (c, k), (o)] = input[n, c, o*s - p + k*d] (0 outside); any strides and dtype
        for both. This method modifies `cols`."""
        g = _cgeom(input, cols, kernel, stride, padding, dilation)
        if cols.dtype is not input.dtype:
            raise ValueError("im2col: cols and input dtypes differ")
        self._check_dtype(input.dtype)
        cb, xb = self._buf(cols), self._buf(input)
        n = cols.numel()
        if n == 0:
            return
        raw = _RAW[input.dtype.itemsize]
        if self._conv_rows():
            kw = self._cv_kernel("conv.cl", raw, raw, "im2col_rows", "bbc")
            items = cols._shape[0] * cols._shape[1]
        else:
            kw = self._cv_kernel("conv.cl", raw, raw, "im2col_elems", "bbc")
            items = input._shape[0] * input._shape[1] * cols._shape[2]
        g[-1] = n < _SMALL_MAX
        self.launch.flat(kw, items, (cb, xb, g.view(CGEOM_DTYPE)[0]))

    def col2im(self, out, cols, kernel, stride, padding, dilation):
        """out (N, C, *S) = the sum of every cols entry im2col would read from each position
        (floating dtypes). This method modifies `out`."""
        g = _cgeom(out, cols, kernel, stride, padding, dilation)
        self._cv_float(cols.dtype, "col2im")
        if cols.dtype is not out.dtype:
            raise ValueError("col2im: cols and out dtypes differ")
        self._buf(out)
        cb = self._buf(cols)
        if out.numel() == 0:
            return
        if cols.numel() == 0:
            self.fill(out, 0)
            return
        rows = self._conv_rows()
        tgt = out
        if rows and out.dtype in _HALVES:
            tgt = self._cv_temp(out, _dt.float32)       # the row kernel sums in its output
        elif not out.is_contiguous():
            tgt = self._cv_temp(out)
        g[-1] = out.numel() < _SMALL_MAX
        gv = g.view(CGEOM_DTYPE)[0]
        if rows:
            kw = self._cv_kernel("conv.cl", cols.dtype, tgt.dtype, "col2im_rows", "bbcl")
            self.launch.flat(kw, out.numel() // out._shape[-1],
                             (self._buf(tgt), cb, gv, tgt._offset))
        else:
            kw = self._cv_kernel("conv.cl", cols.dtype, tgt.dtype, "col2im_elems", "bbcl")
            self.launch.flat(kw, out.numel(), (self._buf(tgt), cb, gv, tgt._offset))
        if tgt is not out:
            self.copy(out, tgt)

    # -- pooling -------------------------------------------------------------------------------
    def max_pool(self, out, indices, input, windows):
        """out = the max over each window (NaN wins), indices (int64, or None) = its flat
        position in the plane. input (P, *S), out and indices (P, *O). Modifies out, indices."""
        self._cv_float(input.dtype, "max_pool")
        tables = self._pool_tables(tuple(input._shape[1:]), windows, None)
        self._pool_check(input, out, tables, "max_pool")
        if indices is not None and (indices.dtype is not _dt.int64 or
                                    indices.numel() != out.numel()):
            raise ValueError("max_pool: indices must be int64 and shaped like out")
        for t in (out, input) if indices is None else (out, indices, input):
            self._buf(t)
        if out.numel() == 0:
            return
        x = self._cv_contig(input)
        o = out if out.is_contiguous() else self._cv_temp(out)
        ix = indices
        if indices is not None and not indices.is_contiguous():
            ix = self._cv_temp(indices)
        kw = self._cv_kernel("pool.cl", x.dtype, o.dtype, "max_pool", "bbbbgli")
        g = self._pool_geom(tables, o.numel(), x._offset, o._offset,
                            0 if ix is None else ix._offset)
        self._pool_launch(kw, tables.osz[2], o.numel(),
                          (self._buf(o), self._buf(o if ix is None else ix), self._buf(x),
                           self._buf(tables.tb), g, np.int32(ix is not None)))
        if o is not out:
            self.copy(out, o)
        if ix is not indices:
            self.copy(indices, ix)

    def max_pool_backward(self, grad_input, grad_output, indices, windows=None):
        """grad_input (P, *S) = 0, then grad_input[p, indices[p, o]] += grad_output[p, o] in
        output order (indices outside the plane are skipped). With `windows` (those of the
        max_pool that made the indices; grad_output and indices (P, *O)) GPUs gather instead,
        summing in the same order. Modifies grad_input."""
        self._cv_float(grad_output.dtype, "max_pool_backward")
        if grad_input.dtype is not grad_output.dtype or indices.dtype is not _dt.int64 or \
                indices.numel() != grad_output.numel():
            raise ValueError("max_pool_backward: grad_input and grad_output dtypes differ, or the "
                             "indices are not int64 and shaped like grad_output")
        tables = None
        if windows is not None and not self._conv_rows():
            tables = self._pool_tables(tuple(grad_input._shape[1:]), windows, None)
            self._pool_check(grad_input, grad_output, tables, "max_pool_backward")
        for t in (grad_input, grad_output, indices):
            self._buf(t)
        P = grad_input._shape[0] if grad_input._shape else 1
        if grad_input.numel() == 0:
            return
        if tables is not None and grad_output.numel():
            self._max_pool_gather(grad_input, grad_output, indices, tables)
            return
        plane = grad_input.numel() // P
        nout = grad_output.numel() // P
        tgt = grad_input
        if grad_input.dtype in _HALVES:
            tgt = self._cv_temp(grad_input, _dt.float32)
        elif not grad_input.is_contiguous():
            tgt = self._cv_temp(grad_input)
        self.fill(tgt, 0)
        if nout:
            go, ix = self._cv_contig(grad_output), self._cv_contig(indices)
            kw = self._cv_kernel("pool.cl", go.dtype, tgt.dtype, "max_pool_backward", "bbblllll")
            self.launch.flat(kw, P, (self._buf(tgt), self._buf(go), self._buf(ix), plane, nout,
                                     tgt._offset, go._offset, ix._offset))
        if tgt is not grad_input:
            self.copy(grad_input, tgt)

    def _max_pool_gather(self, grad_input, grad_output, indices, tables):
        """max_pool_backward as a gather over input elements (GPUs): each sums the gradients of
        the windows covering it whose index points to it, in output order, in T (float for the
        16-bit floats, rounded once as the CPU's float32 scratch). Modifies grad_input."""
        go, ix = self._cv_contig(grad_output), self._cv_contig(indices)
        gi = grad_input if grad_input.is_contiguous() else self._cv_temp(grad_input)
        kw = self._cv_kernel("pool.cl", go.dtype, gi.dtype, "max_pool_backward_gather", "bbbblg")
        self._pool_launch(kw, int(tables.geom[2]), gi.numel(),
                          (self._buf(gi), self._buf(go), self._buf(ix), self._buf(tables.tb),
                           self._pool_geom(tables, gi.numel(), gi._offset, go._offset,
                                           ix._offset)))
        if gi is not grad_input:
            self.copy(grad_input, gi)

    def avg_pool(self, out, input, windows, divisors, divisor_override=None):
        """out = window sum / divisor: the product of the per-dim divisors, or the override when
        given (a negative one too, as PyTorch). Modifies `out`."""
        self._cv_float(input.dtype, "avg_pool")
        tables = self._pool_tables(tuple(input._shape[1:]), windows, divisors)
        self._pool_check(input, out, tables, "avg_pool")
        self._buf(out)
        self._buf(input)
        if out.numel() == 0:
            return
        x = self._cv_contig(input)
        o = out if out.is_contiguous() else self._cv_temp(out)
        kw = self._cv_kernel("pool.cl", x.dtype, o.dtype, "avg_pool", "bbbbglp")
        self._pool_launch(kw, tables.osz[2], o.numel(),
                          (self._buf(o), self._buf(x), self._buf(tables.tb), self._buf(tables.dv),
                           self._pool_geom(tables, o.numel(), x._offset, o._offset),
                           self._pt(float(divisor_override or 0))))
        if o is not out:
            self.copy(out, o)

    def avg_pool_backward(self, grad_input, grad_output, windows, divisors, divisor_override=None):
        """The adjoint of avg_pool: grad_input (P, *S) overwritten with the sum over the windows
        covering each element of grad_output / divisor. Modifies grad_input."""
        self._cv_float(grad_output.dtype, "avg_pool_backward")
        tables = self._pool_tables(tuple(grad_input._shape[1:]), windows, divisors)
        self._pool_check(grad_input, grad_output, tables, "avg_pool_backward")
        self._buf(grad_input)
        self._buf(grad_output)
        if grad_input.numel() == 0:
            return
        if grad_output.numel() == 0:
            self.fill(grad_input, 0)
            return
        go = self._cv_contig(grad_output)
        gi = grad_input if grad_input.is_contiguous() else self._cv_temp(grad_input)
        kw = self._cv_kernel("pool.cl", go.dtype, gi.dtype, "avg_pool_backward", "bbbbglp")
        self._pool_launch(kw, int(tables.geom[2]), gi.numel(),
                          (self._buf(gi), self._buf(go), self._buf(tables.tb), self._buf(tables.dv),
                           self._pool_geom(tables, gi.numel(), gi._offset, go._offset),
                           self._pt(float(divisor_override or 0))))
        if gi is not grad_input:
            self.copy(grad_input, gi)


def program_specs(cldev):
    """Every (source, defines) this family may build on `cldev` (for --warmup): conv.cl per raw
    element size (im2col) and per floating dtype (col2im; the 16-bit floats into float32 on CPU
    runtimes), pool.cl per floating dtype (and the 16-bit floats into float32)."""
    floats = [_dt.float32, _dt.float16, _dt.bfloat16] + ([_dt.float64] if cldev.fp64 else [])
    pairs = [(r, r) for r in _RAW.values()]
    pairs += [(f, _dt.float32 if f in _HALVES and not cldev.is_gpu else f) for f in floats]
    specs = [("conv.cl", (("IN_CODE", a.code), ("OUT_CODE", b.code))) for a, b in pairs]
    pairs = [(f, f) for f in floats] + [(h, _dt.float32) for h in _HALVES]
    specs += [("pool.cl", (("IN_CODE", a.code), ("OUT_CODE", b.code))) for a, b in pairs]
    return specs
