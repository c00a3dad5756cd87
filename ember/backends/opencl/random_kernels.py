"""OpenCL kernels: Philox 4x32-10 fills bit-identical to the CPU backend.

Mixed into OpenCLBackend; methods mirror the CPU backend's primitives of the same name (same
arguments, same filled outputs) and enqueue work on the device queue. The kernels are in
kernels_cl/random.cl, one program per output dtype (and blocks per work-item: 16 on CPU
runtimes, 1 on GPUs); the specification they follow is ember/random.py's docstring (the CPU
backend's _random.pyx transcribes the same text). randperm and multinomial without replacement
sort (key, index) pairs with a bitonic network on the device.

Uniform bits, random_/randint, bernoulli, randperm, multinomial with replacement and Poisson
inversion are bit-identical to the CPU; results through log/exp/sin/cos/tan/lgamma are identical
where the device's double math library rounds as the host's libm does (float32 outputs nearly
always, float64 up to the last ulps), as the spec says.

Devices without cl_khr_fp64 cannot evaluate the spec's double arithmetic: there the float
distributions are computed by the CPU backend and copied over (same numbers, one transfer);
random_ into integer dtypes, randperm and the integer-only parts still run on the device.
"""
import numpy as np

from ... import dtypes as _dt
from .index_kernels import typed_kernel

__all__ = ["RandomKernels", "program_specs"]

_CHECK_MODE = {"prob": 0, "nonneg": 1, "multinomial": 2, "multinomial_norep": 3}
_TRANSFORM = {"exponential": 0, "cauchy": 1, "geometric": 2}
_SORT_BLOCK = 4096            # elements a work-item sorts alone (CPU runtimes)


def _spec():
    from ... import random
    return random


def _vb_for(cldev):
    return 16 if cldev.is_cpu else 1


def program_specs(cldev):
    """(source, defines) of every program this family may build on `cldev` (for --warmup)."""
    return [("random.cl", (("OUT_CODE", d.code), ("VB", _vb_for(cldev)))) for d in _dt.ALL
            if cldev.fp64 or d is not _dt.float64]


def _pow2(n):
    p = 1
    while p < n:
        p <<= 1
    return p


class RandomKernels:
    # test hook: Philox blocks per work-item (None: 16 on CPU runtimes, 1 on GPUs)
    random_blocks_per_item = None

    # -- helpers -------------------------------------------------------------------------------
    @property
    def _rn_vb(self):
        """Philox blocks per work-item: 16 on CPU runtimes (vectorized rounds), 1 on GPUs."""
        return self.random_blocks_per_item or _vb_for(self.dev)

    def _rn_prog(self, dtype):
        return self.programs.get("random.cl", (("OUT_CODE", dtype.code), ("VB", self._rn_vb)))

    def _rn_groups(self, nblocks):
        vb = self._rn_vb
        return -(-nblocks // vb)

    def _rn_key(self, seed):
        seed &= 0xFFFFFFFFFFFFFFFF
        return np.uint32(seed & 0xFFFFFFFF), np.uint32(seed >> 32)

    def _rn_dense(self, t, dtype=None):
        """t itself when contiguous (and of `dtype`), else a contiguous device copy."""
        if t.is_contiguous() and (dtype is None or t.dtype is dtype):
            return t
        from ...tensor import _empty
        out = _empty(t._shape, dtype or t.dtype, self.device)
        self.copy(out, t)
        return out

    def _rn_host_fill(self, out, name, *args):
        """The CPU backend's primitive `name` into a host tensor, copied into `out`."""
        from ...device import CPU
        from ...tensor import _empty
        tmp = _empty(out._shape, out.dtype, CPU)
        getattr(CPU.backend, name)(tmp, *[a.cpu() if hasattr(a, "_storage") else a
                                          for a in args])
        self.copy(out, tmp)

    def _rn_bitonic(self, prog, keys, idx, total, seg_len):
        """Sort (key, idx) pairs ascending within segments of seg_len (a power of two): the
        bitonic network, its steps below the block size done per block on CPU runtimes."""
        kw = typed_kernel(prog, "bitonic_step", "bblll")
        kb, ib = self._buf(keys), self._buf(idx)
        B = min(seg_len, _SORT_BLOCK) if self._rn_vb > 1 else 1
        if B > 1:
            kblk = typed_kernel(prog, "bitonic_block", "bbllll")
            self.launch.flat(kblk, total // B, (kb, ib, B, 2, B, seg_len - 1))
        k = 2 * B if B > 1 else 2
        while k <= seg_len:
            j = k >> 1
            while j >= max(B, 1):
                self.launch.flat(kw, total, (kb, ib, j, k, seg_len - 1))
                j >>= 1
            if B > 1:
                self.launch.flat(kblk, total // B, (kb, ib, B, k, k, seg_len - 1))
            k <<= 1

    # -- primitives ----------------------------------------------------------------------------
    def philox_fill(self, out, dist, seed, offset, p0=0.0, p1=0.0, rng=0, base=0, nthreads=0):
        """Fill contiguous `out` with distribution `dist` (a name of ember.random's spec);
        p0/p1 its float parameters, rng/base random_'s unsigned 64-bit range (0 = 2**64) and
        first value. Modifies `out`."""
        n = out.numel()
        if n == 0:
            return
        self._check_dtype(out.dtype)
        spec = _spec()
        wide, ubits = spec.precision(dist, out.dtype)
        if not self.dev.fp64 and (dist != "random" or out.dtype.is_floating_point):
            self._rn_host_fill(out, "philox_fill", dist, seed, offset, p0, p1, rng, base)
            return
        if dist not in ("uniform", "normal", "log_normal", "random", "bernoulli") and \
                dist not in _TRANSFORM:
            raise ValueError(f"philox_fill: unknown distribution {dist!r}")
        prog = self._rn_prog(out.dtype)
        k0, k1 = self._rn_key(seed)
        off = np.uint64(offset & 0xFFFFFFFFFFFFFFFF)
        nb = self._rn_groups(spec.nblocks(dist, out.dtype, n))
        head = (self._buf(out), out._offset, n, k0, k1, off)
        sfx = "_w" if wide else "_n"
        if dist == "uniform":
            self.launch.flat(typed_kernel(prog, "rnd_uniform" + sfx, "blluuUidd"), nb,
                             (*head, int(ubits), float(p0), float(p1)))
        elif dist in ("normal", "log_normal"):
            self.launch.flat(typed_kernel(prog, "rnd_normal" + sfx, "blluuUddi"), nb,
                             (*head, float(p0), float(p1), int(dist == "log_normal")))
        elif dist == "random":
            self.launch.flat(typed_kernel(prog, "rnd_random", "blluuUUl"), nb,
                             (*head, np.uint64(rng & 0xFFFFFFFFFFFFFFFF),
                              ((int(base) + (1 << 63)) % (1 << 64)) - (1 << 63)))
        elif dist == "bernoulli":
            self.launch.flat(typed_kernel(prog, "rnd_bernoulli", "blluuUdbl"), nb,
                             (*head, float(p0), None, 0))
        else:
            self.launch.flat(typed_kernel(prog, "rnd_transform" + sfx, "blluuUidd"), nb,
                             (*head, _TRANSFORM[dist], float(p0), float(p1)))

    def philox_fill_param(self, out, dist, param, seed, offset, nthreads=0):
        """Fill contiguous `out` with 'bernoulli_tensor' (param = probabilities) or 'poisson'
        (param = rates); `param` is a float64 tensor broadcastable to out's shape, already
        validated. Modifies `out`."""
        n = out.numel()
        if n == 0:
            return
        self._check_dtype(out.dtype)
        if not self.dev.fp64:
            self._rn_host_fill(out, "philox_fill_param", dist, param, seed, offset)
            return
        p = param
        if p._shape != out._shape:
            p = p.expand(out._shape)
        p = self._rn_dense(p, _dt.float64)
        prog = self._rn_prog(out.dtype)
        k0, k1 = self._rn_key(seed)
        off = np.uint64(offset & 0xFFFFFFFFFFFFFFFF)
        head = (self._buf(out), out._offset, n, k0, k1, off)
        if dist == "bernoulli_tensor":
            nb = self._rn_groups(_spec().nblocks(dist, out.dtype, n))
            self.launch.flat(typed_kernel(prog, "rnd_bernoulli", "blluuUdbl"), nb,
                             (*head, 0.0, self._buf(p), p._offset))
        elif dist == "poisson":
            self.launch.flat(typed_kernel(prog, "rnd_poisson", "blluuUbl"), n,
                             (*head, self._buf(p), p._offset))
        else:
            raise ValueError(f"philox_fill_param: unknown distribution {dist!r}")

    def philox_randperm(self, out, seed, offset):
        """out (1-D, contiguous, n elements) = a random permutation of 0..n-1, ordered by the
        keys U64(W[2i], W[2i+1]) then i (a bitonic sort on the device). Modifies `out`."""
        n = out.numel()
        if n == 0:
            return
        self._check_dtype(out.dtype)
        prog = self._rn_prog(out.dtype)
        k0, k1 = self._rn_key(seed)
        off = np.uint64(offset & 0xFFFFFFFFFFFFFFFF)
        P = _pow2(max(n, 2))
        keys, idx = self._ix_tmp(P, _dt.int64), self._ix_tmp(P, _dt.int64)
        self.launch.flat(typed_kernel(prog, "perm_keys", "lluuUbb"), self._rn_groups(P // 2),
                         (n, P, k0, k1, off, self._buf(keys), self._buf(idx)))
        self._rn_bitonic(prog, keys, idx, P, P)
        self.launch.flat(typed_kernel(prog, "perm_out", "bbl"), n,
                         (self._buf(idx), self._buf(out), out._offset))

    def philox_multinomial(self, out, probs, replacement, seed, offset):
        """out (R x k int64, contiguous) = k category draws per row of probs (R x C float64,
        validated). Modifies `out`."""
        R, C = probs._shape
        k = out._shape[1]
        if R * k == 0:
            return
        if not self.dev.fp64:
            self._rn_host_fill(out, "philox_multinomial", probs, replacement, seed, offset)
            return
        p = self._rn_dense(probs, _dt.float64)
        if p._offset:
            p = self._clone(p)
        res = out if out.is_contiguous() and out._offset == 0 else self._ix_tmp(R * k)
        prog = self._rn_prog(_dt.float64)
        k0, k1 = self._rn_key(seed)
        off = np.uint64(offset & 0xFFFFFFFFFFFFFFFF)
        if replacement:
            cdf = self._ix_tmp(R * C, _dt.float64)
            self.launch.flat(typed_kernel(prog, "mn_cdf", "bllb"), R,
                             (self._buf(p), R, C, self._buf(cdf)))
            self.launch.flat(typed_kernel(prog, "mn_draw", "blluuUb"), R * k,
                             (self._buf(cdf), C, k, k0, k1, off, self._buf(res)))
        else:
            P = _pow2(max(C, 2))
            keys, idx = self._ix_tmp(R * P, _dt.int64), self._ix_tmp(R * P, _dt.int64)
            self.launch.flat(typed_kernel(prog, "mn_keys", "blluuUbb"), R * P,
                             (self._buf(p), C, P, k0, k1, off, self._buf(keys), self._buf(idx)))
            self._rn_bitonic(prog, keys, idx, R * P, P)
            self.launch.flat(typed_kernel(prog, "mn_take", "bllb"), R * k,
                             (self._buf(idx), P, k, self._buf(res)))
        if res is not out:
            from ...tensor import _view_of
            self.copy(out, _view_of(res, (R, k), (k, 1), 0))

    def random_check(self, t, mode):
        """0 when the float64 tensor `t` is valid for `mode` (see the CPU backend), else the
        error code. Multinomial modes read `t` as rows of its last dim. A host wait."""
        n = t.numel()
        if n == 0:
            return 0
        if not self.dev.fp64:
            from ...device import CPU
            return CPU.backend.random_check(t.cpu(), mode)
        a = self._rn_dense(t, _dt.float64)
        prog = self._rn_prog(_dt.float64)
        m = _CHECK_MODE[mode]
        if mode in ("prob", "nonneg"):
            flag = self._ix_tmp(1, _dt.int32)
            self._cl.enqueue_fill_buffer(self.queue, self._buf(flag), np.int32(0), 0, 4)
            self.launch.flat(typed_kernel(prog, "check_elems", "blib"), n,
                             (self._buf(a), a._offset, m, self._buf(flag)))
            return int(self._ix_read(flag, 1, np.int32)[0])
        C = a._shape[-1] if a.dim() >= 2 else n
        R = n // C
        codes = self._ix_tmp(R, _dt.int32)
        self.launch.flat(typed_kernel(prog, "check_rows", "bllib"), R,
                         (self._buf(a), a._offset, C, m, self._buf(codes)))
        c = self._ix_read(codes, R, np.int32)
        bad = np.flatnonzero(c)
        return int(c[bad[0]]) if bad.size else 0
