"""The OpenCL backend: the CPU backend's primitive interface over pyopencl and kernels_cl/.

Every method fills tensors the ops layer allocated, enqueues its work on the device's in-order
queue and returns: the host waits only where data must reach it (to_host, to_host_into,
synchronize) and for integer divisions, whose zero-divisor check must raise in the op as on
the CPU.
"""
import collections
import os
import threading

import numpy as np

from ... import dtypes as _dt
from ...backends.cpu._map import UNARY, BINARY, COMPARE, PREDICATE, TERNARY, FAMILY
from . import runtime
from .allocator import Allocator
from .launch import GEOM_DTYPE, Launcher, coalesce, is_flat, map_defines, map_unroll
from .programs import ProgramCache
from .storage import ClStorage
from .reduce_kernels import ReduceKernels
from .index_kernels import IndexKernels
from .random_kernels import RandomKernels
from .linalg_kernels import LinalgKernels
from .lapack_kernels import LapackKernels
from .nn_kernels import NNKernels
from .conv_kernels import ConvKernels
from .optim_kernels import OptimKernels
from . import (conv_kernels, index_kernels, lapack_kernels, linalg_kernels, nn_kernels,
               optim_kernels, random_kernels, reduce_kernels)

__all__ = ["OpenCLBackend", "get_backend"]

_FAMILY_NAME = {v: k for k, v in FAMILY.items()}
_OP_NAME = {FAMILY["unary"]: {v: k for k, v in UNARY.items()},
            FAMILY["binary"]: {v: k for k, v in BINARY.items()},
            FAMILY["compare"]: {v: k for k, v in COMPARE.items()},
            FAMILY["predicate"]: {v: k for k, v in PREDICATE.items()},
            FAMILY["ternary"]: {v: k for k, v in TERNARY.items()}}
_INT_DIVISION = frozenset(("div", "floor_divide", "trunc_divide", "remainder", "fmod"))
# same-dtype copies move raw bits through the integer dtype of that size
_RAW = {1: _dt.uint8, 2: _dt.int16, 4: _dt.int32, 8: _dt.int64}
# kernel signatures (map.cl, copy.cl): b buffer, l long, p scalar parameter (PT), g geom_t
_SIGNATURES = {
    ("unary", "c"): "blbllppp", ("unary", "s"): "bbgppp",
    ("binary", "c"): "blbllbllb", ("binary", "s"): "bbbgb",
    ("compare", "c"): "blbllbllb", ("compare", "s"): "bbbgb",
    ("predicate", "c"): "blbll", ("predicate", "s"): "bbg",
    ("ternary", "c"): "blbllbllbllp", ("ternary", "s"): "bbbbgp",
    ("where", "c"): "blbllbllbll", ("where", "s"): "bbbbg",
    ("copy", "c"): "blbll", ("copy", "s"): "bbg", ("ramp", "f"): "blpppll", ("ramp", "i"): "blll",
}
_C_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}


def _first_nonnegative(v):
    return v[0] >= 0


def _first_nonzero(v):
    return v[0] != 0


def _zero_division(v):
    return ZeroDivisionError("ZeroDivisionError")


class OpenCLBackend(ReduceKernels, IndexKernels, RandomKernels, LinalgKernels, LapackKernels,
                    NNKernels, ConvKernels, OptimKernels):
    """Primitive kernels for tensors whose storage is a :class:`ClStorage` of one device."""

    name = "opencl"

    def __init__(self, cldev):
        from ...device import device
        import pyopencl as cl
        self._cl = cl
        self.dev = cldev
        self.index = cldev.index
        self.device = device("opencl", cldev.index)
        self.queue = cldev.queue
        self.allocator = Allocator(cldev)
        self.programs = ProgramCache(cldev)
        self.launch = Launcher(cldev)
        self._pending = collections.deque()    # host->device copies in flight (keep arrays alive)
        self._err = None                       # err argument of non-dividing kernels
        self._deferred = collections.deque()   # errors found by kernels, raised at the next sync
        self._map_plans = {}                   # map(): (family, op, dtypes, unroll) -> plan

    def _mdefs(self, defines):
        """Defines of a map.cl / copy.cl program on this device (C_UNROLL on GPUs; the
        ``_map_unroll`` instance attribute overrides the elements per work-item: tests)."""
        return map_defines(self.dev, defines, self.__dict__.get("_map_unroll"))

    def _unroll(self):
        return map_unroll(self.dev, self.__dict__.get("_map_unroll"))

    @property
    def _pt(self):
        """The type of the kernels' scalar parameters (PT in common.h)."""
        return np.float64 if self.dev.fp64 else np.float32

    def _on_host(self, name, args, outputs):
        """The CPU backend's primitive `name` run on host copies of the device tensors in `args`
        (a documented fallback: a host round trip). Tensors at the positions `outputs` get
        fresh host tensors of their shape and dtype, copied back afterwards (None: not
        wanted); every other tensor is copied to the host first; other arguments pass through.
        Returns what the CPU primitive returns."""
        from ...tensor import _empty, Tensor
        from ...device import CPU
        from ..cpu import backend as cpu
        hargs = []
        for k, a in enumerate(args):
            if isinstance(a, Tensor):
                self._check_dtype(a.dtype)
                self._buf(a)
                h = _empty(a._shape, a.dtype, CPU)
                if k not in outputs:
                    self.to_host_into(h, a)
                a = h
            hargs.append(a)
        result = getattr(cpu, name)(*hargs)
        for k in outputs:
            if args[k] is not None:
                self.copy(args[k], hargs[k])
        return result

    def __getattr__(self, name):
        # a primitive the OpenCL device lacks so far: say so instead of a bare AttributeError
        # (still an AttributeError, so hasattr() keeps working)
        raise AttributeError(f"the OpenCL backend has no primitive '{name}' yet: this op does not "
                             f"run on OpenCL devices so far; move its inputs to the CPU (.cpu())")

    def __repr__(self):
        return f"<OpenCLBackend opencl:{self.index} {self.dev.name!r}>"

    # -- memory ------------------------------------------------------------------------------
    def allocate(self, nbytes, zero=False):
        """A ClStorage of `nbytes` bytes (zero-filled on the device when `zero`)."""
        if nbytes < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension: {nbytes} bytes")
        if nbytes == 0:
            return ClStorage(self, None, 0)
        block = self.allocator.malloc(nbytes)
        if zero:
            self._cl.enqueue_fill_buffer(self.queue, block.buffer, np.uint32(0), 0,
                                         (nbytes + 3) // 4 * 4)
        return ClStorage(self, block, nbytes)

    def empty_cache(self):
        self.allocator.empty_cache()

    def memory_stats(self):
        return self.allocator.stats()

    def memory_allocated(self):
        return self.allocator.allocated

    def memory_reserved(self):
        return self.allocator.reserved

    def max_memory_allocated(self):
        return self.allocator.peak

    def reset_peak_memory_stats(self):
        self.allocator.reset_peak()

    def synchronize(self):
        self.queue.finish()
        self._pending.clear()
        self.raise_deferred()

    # -- deferred errors ---------------------------------------------------------------------
    def defer_error(self, flags, make_error, failed=None):
        """An error a kernel may find without the host waiting for it (CUDA's device-side
        asserts, with the CPU backend's exception instead): `flags` is a device integer tensor
        the kernel fills, read back asynchronously; at the host's next synchronization (a value
        read, ``synchronize()``) ``make_error(values)`` is raised there when ``failed(values)``
        (default: values[0] >= 0)."""
        arr = np.empty(flags.numel(), flags.dtype.np)
        ev = self._cl.enqueue_copy(self.queue, arr, self._buf(flags),
                                   src_offset=flags._offset * flags.dtype.itemsize,
                                   is_blocking=False)
        failed = failed or _first_nonnegative
        q = self._deferred
        q.append((ev, arr, make_error, failed))
        while q and q[0][0].command_execution_status == 0 and not q[0][3](q[0][1]):
            q.popleft()                        # completed without an error

    def raise_deferred(self):
        """Raise the first deferred error whose kernel found one (see defer_error)."""
        q = self._deferred
        if not q:
            return
        self._deferred = collections.deque()
        for ev, arr, make_error, failed in q:
            ev.wait()
            if failed(arr):
                raise make_error(arr)

    def _kernel(self, prog, name, sig):
        """prog's kernel `name`, its scalar argument types set from the signature key `sig`."""
        hit = prog._kernels.get(name)
        if hit is None:
            types = {"b": None, "l": np.int64, "p": self._pt, "g": GEOM_DTYPE}
            hit = prog.kernel(name, [types[c] for c in _SIGNATURES[sig]])
        return hit

    # -- checks ------------------------------------------------------------------------------
    def _buf(self, t):
        """The buffer of `t`, which must live on this device."""
        st = t._storage
        if st.__class__ is not ClStorage or st.backend is not self:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at least "
                               f"two devices, {self.device} and {t.device}!")
        return st.buffer

    def _check_dtype(self, dt):
        if dt is _dt.float64 and not self.dev.fp64:
            raise RuntimeError(f"float64 is not supported on OpenCL device {self.dev.name!r} "
                               f"(opencl:{self.index}): it lacks the cl_khr_fp64 extension. Use "
                               f"float32 (ember.set_default_dtype / .float()) on this device.")

    # -- transfers ---------------------------------------------------------------------------
    def from_host(self, src):
        """A new contiguous tensor on this device holding the CPU tensor `src`'s elements.

        The data is staged in a private host copy, so the caller may change `src` at once while
        the transfer runs asynchronously.
        """
        from ...tensor import _empty
        from ..cpu import np_view
        self._check_dtype(src.dtype)
        out = _empty(src._shape, src.dtype, self.device)
        if out._storage.nbytes:
            stage = np.array(np_view(src), order="C", copy=True).reshape(-1)
            self._write(out._storage.buffer, stage, 0)
        return out

    def _write(self, buf, arr, byte_offset):
        while self._pending and self._pending[0].command_execution_status == 0:
            self._pending.popleft()           # completed (CL_COMPLETE == 0)
        ev = self._cl.enqueue_copy(self.queue, buf, arr, dst_offset=byte_offset,
                                   is_blocking=False)
        self._pending.append(ev)

    def to_host(self, t):
        """A NumPy array of `t`'s elements in `t`'s shape (bfloat16 as raw uint16 bits)."""
        arr = np.empty(t._shape, t.dtype.np)
        if arr.size:
            self._read_into(arr, t)
        return arr

    def to_host_into(self, host, t):
        """Copy the device tensor `t` into the CPU tensor `host` (same shape and dtype)."""
        from ..cpu import np_view
        view = np_view(host)
        if not view.size:
            return
        if view.flags.c_contiguous:
            self._read_into(view, t)
        else:
            tmp = np.empty(t._shape, t.dtype.np)
            self._read_into(tmp, t)
            np.copyto(view, tmp)

    def _read_into(self, arr, t):
        if not t.is_contiguous():
            from ...tensor import _empty
            tmp = _empty(t._shape, t.dtype, self.device)
            self.copy(tmp, t)
            t = tmp
        self._cl.enqueue_copy(self.queue, arr.reshape(-1), self._buf(t),
                              src_offset=t._offset * t.dtype.itemsize, is_blocking=True)
        if self._deferred:
            self.raise_deferred()

    # -- copies ------------------------------------------------------------------------------
    def copy(self, dst, src):
        """dst[...] = src, broadcasting src and converting its dtype (C casts, as the CPU)."""
        n = dst.numel()
        if src._storage.__class__ is not ClStorage:
            if src.device.type != "cpu":
                self._buf(src)                        # raises: another device
            if (src.dtype is dst.dtype and src._shape == dst._shape and dst.is_contiguous()
                    and n and dst._storage.__class__ is ClStorage):
                from ..cpu import np_view             # straight into dst: one transfer
                self._check_dtype(dst.dtype)
                stage = np.array(np_view(src), order="C", copy=True).reshape(-1)
                self._write(self._buf(dst), stage, dst._offset * dst.dtype.itemsize)
                return
            src = self.from_host(src)
        self._check_dtype(dst.dtype)
        self._check_dtype(src.dtype)
        if n == 0:
            return
        dbuf, sbuf = self._buf(dst), self._buf(src)
        if dst._storage is src._storage:
            if (dst._offset, dst._stride, dst._shape, dst.dtype) == \
                    (src._offset, src._stride, src._shape, src.dtype):
                return
            if _overlap(dst, src):
                src = self._clone(src)
                sbuf = self._buf(src)
        sdt, ddt = src.dtype, dst.dtype
        isz = ddt.itemsize
        if sdt is ddt and src._shape == dst._shape and dst.is_contiguous() and src.is_contiguous():
            self._cl.enqueue_copy(self.queue, dbuf, sbuf, byte_count=n * isz,
                                  src_offset=src._offset * isz, dst_offset=dst._offset * isz)
            return
        if sdt is ddt:
            sdt = ddt = _RAW[isz]
        prog = self.programs.get("copy.cl", self._mdefs((("IN_CODE", sdt.code),
                                                        ("OUT_CODE", ddt.code))))
        dims, strides = coalesce(dst._shape, [dst, src])
        if is_flat(dims, strides):
            self.launch.flat(self._kernel(prog, "copy_c", ("copy", "c")), dims[0],
                             (dbuf, dst._offset, sbuf, src._offset, strides[1][0]),
                             self._unroll())
        else:
            self.launch.strided(self._kernel(prog, "copy_s", ("copy", "s")), dims, strides,
                                [dst._offset, src._offset], (dbuf, sbuf), (), self._unroll())

    def _clone(self, t):
        from ...tensor import _empty
        out = _empty(t._shape, t.dtype, self.device)
        self.copy(out, t)
        return out

    def fill(self, dst, value):
        """dst[...] = value, converted exactly as the CPU backend's fill converts it."""
        from ...tensor import _empty
        from ...device import CPU
        from ..cpu import backend as cpu, np_view
        self._check_dtype(dst.dtype)
        n = dst.numel()
        if n == 0:
            return
        one = _empty((), dst.dtype, CPU)
        cpu.fill(one, value)
        raw = _RAW[dst.dtype.itemsize]
        pattern = np_view(one).reshape(1).view(raw.np)
        buf = self._buf(dst)
        isz = dst.dtype.itemsize
        if dst.is_contiguous():
            self._cl.enqueue_fill_buffer(self.queue, buf, pattern, dst._offset * isz, n * isz)
            return
        src = _empty((), raw, self.device)
        self._cl.enqueue_fill_buffer(self.queue, src._storage.buffer, pattern, 0, isz)
        prog = self.programs.get("copy.cl", self._mdefs((("IN_CODE", raw.code),
                                                        ("OUT_CODE", raw.code))))
        dims, strides = coalesce(dst._shape, [dst, src])
        self.launch.strided(self._kernel(prog, "copy_s", ("copy", "s")), dims, strides,
                            [dst._offset, 0], (buf, src._storage.buffer))

    def ramp(self, out, start, step, end=None, split=-1):
        """Fill the contiguous `out`: start + i * step for i < split, else end - (n-1-i) * step.

        Integer arguments into an integer `out` (no `end`) are exact int64, as on the CPU; all
        else is computed in double (float without fp64) and converted like a C cast.
        """
        self._check_dtype(out.dtype)
        n = out.numel()
        if n == 0:
            return
        if split < 0 or split > n:
            split = n
        dt = out.dtype
        exact = (end is None and not dt.is_floating_point and isinstance(start, int)
                 and isinstance(step, int))
        # half types round through float32 like the CPU backend (it computes them in float32)
        in_code = _dt.float64.code if self.dev.fp64 and dt.itemsize > 2 else _dt.float32.code
        prog = self.programs.get("copy.cl", self._mdefs((("IN_CODE", in_code),
                                                        ("OUT_CODE", dt.code))))
        buf, off = self._buf(out), out._offset
        if exact:
            wrap = lambda v: ((int(v) + (1 << 63)) % (1 << 64)) - (1 << 63)
            self.launch.flat(self._kernel(prog, "ramp_i", ("ramp", "i")), n,
                             (buf, off, wrap(start), wrap(step)))
        else:
            e = start if end is None else end
            self.launch.flat(self._kernel(prog, "ramp_f", ("ramp", "f")), n,
                             (buf, off, float(start), float(step), float(e), split, n))

    # -- elementwise -------------------------------------------------------------------------
    def map(self, family, op, out, inputs, p0=0.0, p1=0.0, p2=0.0):
        """out = op(*inputs), broadcasting inputs to out.shape; this method modifies `out`.

        Inputs carry the compute dtype (where: a bool condition and two values of out's dtype);
        16-bit floats are loaded and stored as such and computed in float by the kernels.
        ZeroDivisionError when an integer division met a zero divisor (those elements hold 0).
        """
        if not self.dev.fp64:
            self._check_dtype(out.dtype)
            for t in inputs:
                self._check_dtype(t.dtype)
        ovr = self.__dict__.get("_map_unroll")
        dt = inputs[-1].dtype
        key = (family, op, dt, out.dtype, ovr)
        plan = self._map_plans.get(key)       # program, kernel names, unroll: once per key
        if plan is None:
            plan = self._map_plan(family, op, dt, out.dtype)
            self._map_plans[key] = plan
        fam, name, prog, unroll, kc, ks = plan
        n = out.numel()
        if fam == "where":
            operands = [out, *inputs]
        else:
            operands = [out] + [t if t.dtype is dt else self._converted(t, dt) for t in inputs]
        bufs = [self._buf(t) for t in operands]
        if n == 0:
            return
        check_zero = fam == "binary" and name in _INT_DIVISION and not dt.is_floating_point
        if check_zero:                          # a flag of this call's own, checked later
            from ...tensor import _empty
            flag = _empty((1,), _dt.int32, self.device)
            self._cl.enqueue_fill_buffer(self.queue, flag._storage.buffer, np.int32(0),
                                         flag._offset * 4, 4)
            post = (flag._storage.buffer,)
        elif fam in ("binary", "compare"):
            post = (self._err if self._err is not None else self._err_buffer(),)
        elif fam == "unary":
            post = (p0, p1, p2)
        elif fam == "ternary":
            post = (p0,)
        else:
            post = ()
        dims, strides = coalesce(out._shape, operands)
        if is_flat(dims, strides):
            args = [bufs[0], out._offset]
            for t, b, s in zip(operands[1:], bufs[1:], strides[1:]):
                args += (b, t._offset, s[0])
            self.launch.flat(self._kernel(prog, kc, (fam, "c")), dims[0], (*args, *post), unroll)
        else:
            self.launch.strided(self._kernel(prog, ks, (fam, "s")), dims, strides,
                                [t._offset for t in operands], bufs, post, unroll)
        if check_zero:
            # an integer division by zero (those elements hold 0) raises the CPU's
            # ZeroDivisionError at the next synchronization, as cross-entropy's targets
            self.defer_error(flag, _zero_division, _first_nonzero)

    def _map_plan(self, family, op, dt, out_dt):
        """(family name, op name, program, unroll, *_c name, *_s name) of a map (see map)."""
        fam = _FAMILY_NAME[family]
        if fam == "where":
            prog = self.programs.get("map.cl", self._mdefs((("FAMILY_WHERE", 1),
                                                            ("W_BYTES", out_dt.itemsize))))
            name = "where"
        else:
            name = _OP_NAME[family][op]
            prog = self.programs.get("map.cl", self._mdefs(((f"FAMILY_{fam.upper()}", 1),
                                                            ("IN_CODE", dt.code),
                                                            ("OUT_CODE", out_dt.code))))
            if name + "_c" not in prog:
                raise RuntimeError(f"\"{name}\" is not implemented for '{_C_NAMES[dt.name]}' on "
                                   f"OpenCL")
        return fam, name, prog, self._unroll(), name + "_c", name + "_s"

    def _err_buffer(self):
        """The err argument of binary/compare kernels that cannot divide by zero (never
        written: integer divisions get a flag of their own, see map)."""
        if self._err is None:
            self._err = self._cl.Buffer(self.dev.context, self._cl.mem_flags.READ_WRITE, 4)
            self._cl.enqueue_fill_buffer(self.queue, self._err, np.int32(0), 0, 4)
        return self._err

    def _converted(self, t, dt):
        from ...tensor import _empty
        out = _empty(t._shape, dt, self.device)
        self.copy(out, t)
        return out


def _overlap(a, b):
    """Whether the memory spans of two views of one storage intersect (a conservative test)."""
    def span(t):
        lo = hi = t._offset
        for n, s in zip(t._shape, t._stride):
            if n > 1:
                if s > 0:
                    hi += (n - 1) * s
                else:
                    lo += (n - 1) * s
        return lo * t.dtype.itemsize, (hi + 1) * t.dtype.itemsize
    alo, ahi = span(a)
    blo, bhi = span(b)
    return alo < bhi and blo < ahi


_backends = {}
_lock = threading.Lock()


def get_backend(index=None):
    """The backend of opencl:index (None: the current device), created on first use."""
    cldev = runtime.get_device(index)
    b = _backends.get(cldev.index)
    if b is None:
        with _lock:
            b = _backends.get(cldev.index)
            if b is None:
                b = _backends[cldev.index] = OpenCLBackend(cldev)
    return b


def program_specs(cldev):
    """Every (source, defines) the elementwise and copy kernels may need on `cldev` (--warmup)."""
    codes = [d.code for d in _dt.ALL if cldev.fp64 or d is not _dt.float64]
    floats = [c for c in codes if c >= _dt.float16.code]
    specs = []
    for fam, ins in (("UNARY", codes), ("BINARY", codes), ("COMPARE", codes),
                     ("PREDICATE", floats), ("TERNARY", floats)):
        for c in ins:
            out = _dt.bool.code if fam in ("COMPARE", "PREDICATE") else c
            specs.append(("map.cl", map_defines(cldev, ((f"FAMILY_{fam}", 1), ("IN_CODE", c),
                                                        ("OUT_CODE", out)))))
    specs += [("map.cl", map_defines(cldev, (("FAMILY_WHERE", 1), ("W_BYTES", b))))
              for b in (1, 2, 4, 8)]
    raw = {d.code for d in _RAW.values()}
    specs += [("copy.cl", map_defines(cldev, (("IN_CODE", a), ("OUT_CODE", b))))
              for a in codes for b in codes if a != b or a in raw]
    return specs


_FAMILIES = (reduce_kernels, index_kernels, random_kernels, linalg_kernels, lapack_kernels,
             nn_kernels, conv_kernels, optim_kernels)


def all_program_specs(cldev):
    """Every (source, defines) any kernel family may build on `cldev`."""
    specs = list(program_specs(cldev))
    for fam in _FAMILIES:
        specs += fam.program_specs(cldev)
    return specs


def warmup(index=None, jobs=None):
    """Build (or load from the disk cache) every program of every family; returns the count.

    `jobs` threads build at once (default: one per CPU core): the driver compiles with the GIL
    released, and NVIDIA's compiler takes 0.25-2.6 s per program (measured on an H200), so a
    serial warmup of the ~250 programs takes minutes there."""
    b = get_backend(index)
    specs = all_program_specs(b.dev)
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1:
        for source, defines in specs:
            b.programs.get(source, defines)
    else:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(jobs) as pool:
            for f in [pool.submit(b.programs.get, s, d) for s, d in specs]:
                f.result()
    return len(specs)
