"""The CPU backend: the primitive kernel interface over Cython storage and loops.

Every method fills tensors that the ops layer allocated ("this method modifies the `out`
parameter"); none of them allocates user-visible results or knows about autograd.
"""
import os

import numpy as np

from . import _map, _storage
from ._storage import Storage
from .reduce_kernels import ReduceKernels
from .index_kernels import IndexKernels
from .linalg_kernels import LinalgKernels
from .random_kernels import RandomKernels
from .shape_kernels import ShapeKernels
from .nn_kernels import NNKernels
from .conv_kernels import ConvKernels
from .optim_kernels import OptimKernels

__all__ = ["backend", "CpuBackend", "Storage"]

if "EMBER_CPU_CACHE_LIMIT" in os.environ:
    _storage.set_cache_limit(int(os.environ["EMBER_CPU_CACHE_LIMIT"]))

_D_F16, _D_BF16, _D_F32 = 6, 7, 8


def np_view(t):
    """A NumPy array sharing `t`'s memory (bfloat16 shows as its raw uint16 bits)."""
    it = t.dtype.itemsize
    return np.ndarray(t._shape, t.dtype.np, buffer=t._storage, offset=t._offset * it,
                      strides=tuple(s * it for s in t._stride))


def _bf16_to_f32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def _f32_to_bf16(x):
    x = np.ascontiguousarray(x, dtype=np.float32)
    u = x.view(np.uint32)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    r[np.isnan(x)] = 0x7FC0
    return r


class CpuBackend(ReduceKernels, IndexKernels, LinalgKernels, RandomKernels, ShapeKernels,
                 OptimKernels, ConvKernels, NNKernels):
    """Primitive kernels for tensors whose storage is a CPU :class:`Storage`.

    Families live in mixins (reduce_kernels.py, index_kernels.py, ...) so each file stays small;
    this class holds memory, elementwise maps and copies.
    """

    name = "cpu"

    # -- memory ------------------------------------------------------------------------------
    @staticmethod
    def allocate(nbytes, zero=False):
        return Storage(nbytes, zero)

    @staticmethod
    def wrap_numpy(arr):
        """A storage borrowing `arr`'s memory; returns (storage, offset in elements)."""
        if arr.size == 0:
            return Storage(0), 0
        lo = arr.__array_interface__["data"][0]
        # lowest address touched (strides are non-negative here: the caller checked)
        nbytes = arr.itemsize + sum((n - 1) * s for n, s in zip(arr.shape, arr.strides))
        return Storage.from_address(lo, nbytes, arr), 0

    empty_cache = staticmethod(_storage.empty_cache)
    memory_stats = staticmethod(_storage.memory_stats)
    np_view = staticmethod(np_view)

    # -- elementwise -------------------------------------------------------------------------
    @staticmethod
    def map(family, op, out, inputs, p0=0.0, p1=0.0, p2=0.0):
        """out = op(*inputs), broadcasting inputs to out.shape.

        Inputs carry the compute dtype already; half types are computed in float32.
        """
        dt = inputs[-1].dtype.code if family != _map.FAMILY["where"] else out.dtype.code
        if dt in (_D_F16, _D_BF16) and family != _map.FAMILY["where"]:
            from ember.tensor import _empty
            from ember import dtypes
            ins = []
            for t in inputs:
                if t.dtype.code in (_D_F16, _D_BF16):
                    u = _empty(t._shape, dtypes.float32, t.device)
                    CpuBackend.copy(u, t)
                    t = u
                ins.append(t)
            if out.dtype.code in (_D_F16, _D_BF16):
                tmp = _empty(out._shape, dtypes.float32, out.device)
                _map.apply(family, op, _D_F32, tmp, ins, p0, p1, p2)
                CpuBackend.copy(out, tmp)
            else:
                _map.apply(family, op, _D_F32, out, ins, p0, p1, p2)
            return
        _map.apply(family, op, dt, out, inputs, p0, p1, p2)

    # -- copies ------------------------------------------------------------------------------
    @staticmethod
    def copy(dst, src):
        """dst[...] = src, broadcasting src and converting its dtype (C casts, as PyTorch)."""
        d = np_view(dst)
        s = np_view(src)
        if src.dtype.code == _D_BF16 and dst.dtype.code != _D_BF16:
            s = _bf16_to_f32(s)
        if dst.dtype.code == _D_BF16 and src.dtype.code != _D_BF16:
            s = _f32_to_bf16(np.broadcast_to(s, d.shape).astype(np.float32))
        with np.errstate(all="ignore"):
            np.copyto(d, s, casting="unsafe")

    @staticmethod
    def fill(dst, value):
        """dst[...] = value, converted like a C cast (integers wrap), as copy() converts.

        Range checks (fill_'s "cannot be converted without overflow") belong to the ops layer;
        wrapped operands of arithmetic ops wrap silently, as in PyTorch.
        """
        d = np_view(dst)
        if dst.dtype.code == _D_BF16:
            d[...] = _f32_to_bf16(np.array([value], dtype=np.float32))[0]
            return
        kind = dst.dtype.np.kind
        if isinstance(value, (int, np.integer)) and kind in "iu":
            bits = 8 * dst.dtype.itemsize
            value = int(value) & ((1 << bits) - 1)
            if kind == "i" and value >= 1 << (bits - 1):
                value -= 1 << bits
            d[...] = value
            return
        with np.errstate(all="ignore"):
            np.copyto(d, np.asarray(value), casting="unsafe")

    @staticmethod
    def ramp(out, start, step, end=None, split=-1):
        """Fill the contiguous `out`: start + i * step for i < split, else end - (n-1-i) * step.

        arange passes no `end` (integer arguments into an integer `out` stay exact in int64);
        linspace passes `end` and split = n // 2. Half types are computed in float32.
        """
        if out.dtype.code in (_D_F16, _D_BF16):
            from ember.tensor import _empty
            from ember import dtypes
            tmp = _empty(out._shape, dtypes.float32, out.device)
            _map.ramp(tmp, start, step, end, split)
            CpuBackend.copy(out, tmp)
        else:
            _map.ramp(out, start, step, end, split)

    # -- threads -----------------------------------------------------------------------------
    get_num_threads = staticmethod(_map.get_num_threads)
    set_num_threads = staticmethod(_map.set_num_threads)

    def synchronize(self):
        pass


backend = CpuBackend()
