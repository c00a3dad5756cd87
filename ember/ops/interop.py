"""Interop and comparison utilities: DLPack both ways, isclose/allclose/equal, type predicates.

DLPack shares memory without copies: ``np.from_dlpack(t)`` views t's storage (the capsule keeps the
storage alive), and ``ember.from_dlpack(x)`` wraps x's memory in a Storage whose owner runs the
producer's deleter once the last tensor viewing it is gone.
"""
import numbers
import sys

import numpy as np

from .. import dtypes as _dt
from ..device import CPU, as_device
from ..tensor import Tensor, _make, _contiguous_strides
from ._helpers import method, _dtype_name
from .elementwise import abs as _abs, sub, mul, add, eq, le, logical_and, logical_or, isnan, isfinite
from ..backends.cpu import _dlpack as _dl
from ..backends.cpu._storage import Storage

__all__ = ["from_dlpack", "isclose", "allclose", "equal", "is_tensor", "is_storage",
           "is_floating_point", "is_nonzero", "numel"]

# DLPack (type code, bits) of each dtype, and back
_TO_DL = {_dt.bool: (_dl.kDLBool, 8), _dt.uint8: (_dl.kDLUInt, 8),
          _dt.int8: (_dl.kDLInt, 8), _dt.int16: (_dl.kDLInt, 16),
          _dt.int32: (_dl.kDLInt, 32), _dt.int64: (_dl.kDLInt, 64),
          _dt.float16: (_dl.kDLFloat, 16), _dt.bfloat16: (_dl.kDLBfloat, 16),
          _dt.float32: (_dl.kDLFloat, 32), _dt.float64: (_dl.kDLFloat, 64)}
_FROM_DL = {v: k for k, v in _TO_DL.items()}
_DL_CODE_NAMES = {0: "kDLInt", 1: "kDLUInt", 2: "kDLFloat", 3: "kDLOpaqueHandle", 4: "kDLBfloat",
                  5: "kDLComplex", 6: "kDLBool"}
# device types whose memory the CPU can address directly
_HOST_DEVICES = (_dl.kDLCPU, _dl.kDLCUDAHost, _dl.kDLROCMHost)


def _require_tensor(fname, x, argname, pos):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _flat_bools(v):
    if isinstance(v, list):
        for x in v:
            yield from _flat_bools(x)
    else:
        yield v


def _all_true(b):
    """Python bool: every element of the bool tensor `b` is True (vacuously for empty)."""
    red = getattr(Tensor, "all", None)
    if red is not None:
        return bool(red(b))
    return b.numel() == 0 or all(_flat_bools(b.tolist()))


def _any_true(b):
    """Python bool: some element of the bool tensor `b` is True."""
    red = getattr(Tensor, "any", None)
    if red is not None:
        return bool(red(b))
    return b.numel() != 0 and any(_flat_bools(b.tolist()))


# ------------------------------------------------------------------------------------------------
# DLPack
def _dlpack_device(self):
    """(DLDeviceType, device id): (1, 0) for CPU tensors (kDLCPU), (4, index) for OpenCL."""
    if self.device.type == "cpu":
        return (_dl.kDLCPU, 0)
    if self.device.type == "opencl":
        return (_dl.kDLOpenCL, self.device.index or 0)
    raise ValueError(f"Unknown device type {self.device.type} for Dlpack")


def _dunder_dlpack(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    """A DLPack capsule sharing this tensor's memory (versioned when max_version >= (1, 0))."""
    if self.requires_grad:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    if stream is not None and type(stream) is not int:
        raise TypeError("stream must be ``int`` or ``none``")
    if self.device.type == "cpu" and stream is not None and stream != -1:
        raise AssertionError("stream should be None on cpu.")
    if copy is not None and not isinstance(copy, bool):
        raise TypeError(f"copy must be None or a bool, got {type(copy).__name__}")
    t = self
    copied = False
    if dl_device is not None:
        want = (int(dl_device[0]), int(dl_device[1]))
        if want != _dlpack_device(self):
            if want != (_dl.kDLCPU, 0):
                raise BufferError(f"Can't export a tensor on {self.device} to DLPack device {want}: "
                                  "Ember exports CPU memory only")
            if copy is False:
                raise BufferError(f"Exporting a tensor on {self.device} to the CPU needs a copy, "
                                  "but copy=False was passed")
            t = self.detach().cpu()
            copied = True
    if t.device.type != "cpu":
        raise BufferError(f"Can't export a tensor on {t.device} through DLPack: only CPU memory can "
                          "be shared. Use tensor.cpu() first, or pass dl_device=(1, 0).")
    if copy and not copied:
        t = t.detach().clone()
        copied = True
    code, bits = _TO_DL[t.dtype]
    versioned = max_version is not None and int(max_version[0]) >= 1
    return _dl.to_capsule(t._storage, t.data_ptr(), tuple(t._shape), tuple(t._stride), code, bits,
                          versioned, copied)


Tensor.__dlpack__ = _dunder_dlpack
Tensor.__dlpack_device__ = _dlpack_device


def _tensor_from_capsule(capsule):
    owner, info = _dl.consume(capsule)
    dev_type, _ = info["device"]
    if dev_type not in _HOST_DEVICES:
        raise BufferError(f"from_dlpack: unsupported DLPack device type {dev_type}; Ember imports "
                          "memory the CPU can address (kDLCPU) only")
    code, bits, lanes = info["dtype"]
    if lanes != 1:
        raise BufferError(f"from_dlpack: vector dtypes are not supported (lanes={lanes})")
    dt = _FROM_DL.get((code, bits))
    if dt is None:
        raise BufferError(f"from_dlpack: unsupported dtype {_DL_CODE_NAMES.get(code, code)} with "
                          f"{bits} bits")
    shape = tuple(int(n) for n in info["shape"])
    if any(n < 0 for n in shape):
        raise BufferError(f"from_dlpack: negative dimension in shape {list(shape)}")
    strides = info["strides"]
    strides = _contiguous_strides(shape) if strides is None else tuple(int(s) for s in strides)
    numel = 1
    for n in shape:
        numel *= n
    if numel == 0:
        # nothing to address: the producer's memory is released right away (owner dies here)
        return _make(Storage(0), shape, strides, 0, dt, CPU)
    if any(s < 0 for n, s in zip(shape, strides) if n > 1):
        raise BufferError("from_dlpack: tensors with negative strides are not supported")
    if info["flags"] & _dl.FLAG_READ_ONLY:
        import warnings
        warnings.warn("The given DLPack tensor is read-only, and Ember does not support non-writable "
                      "tensors. Writing to the tensor will write to the producer's memory.",
                      UserWarning, stacklevel=3)
    if info["data"] == 0:
        raise BufferError("from_dlpack: the DLPack tensor has a NULL data pointer")
    nbytes = dt.itemsize * (1 + sum((n - 1) * s for n, s in zip(shape, strides) if n > 1))
    storage = Storage.from_address(info["data"], nbytes, owner)
    return _make(storage, shape, strides, 0, dt, CPU)


def from_dlpack(ext_tensor, *, device=None, copy=None):
    """A tensor sharing memory with `ext_tensor` (an object with __dlpack__, or a DLPack capsule)."""
    if hasattr(ext_tensor, "__dlpack__"):
        kwargs = {"max_version": _dl.VERSION}
        dev = ext_tensor.__dlpack_device__() if hasattr(ext_tensor, "__dlpack_device__") else None
        if dev is not None and int(dev[0]) not in _HOST_DEVICES:
            kwargs["dl_device"] = (_dl.kDLCPU, 0)      # ask the producer for a host copy
        if copy is not None:
            kwargs["copy"] = copy
        try:
            capsule = ext_tensor.__dlpack__(**kwargs)
        except TypeError:
            # producers predating DLPack 1.0 take no max_version / dl_device / copy
            capsule = ext_tensor.__dlpack__()
    elif type(ext_tensor).__name__ == "PyCapsule":
        capsule = ext_tensor
    else:
        raise TypeError(f"from_dlpack: expected an object with __dlpack__ or a DLPack capsule, "
                        f"got {type(ext_tensor).__name__}")
    t = _tensor_from_capsule(capsule)
    if copy:
        t = t.clone()
    if device is not None and as_device(device) != t.device:
        t = t.to(as_device(device))
    return t


# ------------------------------------------------------------------------------------------------
# Comparisons
@method()
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other| elementwise (equal values, incl. infs, are close)."""
    _require_tensor("isclose", input, "input", 1)
    _require_tensor("isclose", other, "other", 2)
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{_dtype_name(input.dtype)} did not match {_dtype_name(other.dtype)}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol:g}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol:g}")
    close = eq(input, other)
    if equal_nan and input.dtype.is_floating_point:
        close = logical_or(close, logical_and(isnan(input), isnan(other)))
    if rtol == 0 and atol == 0:
        # the tolerance test degenerates to equality; skipping it avoids inf - inf false positives
        return close
    a, b = input, other
    if a.dtype is _dt.bool:
        a, b = a.to(_dt.get_default_dtype()), b.to(_dt.get_default_dtype())
    # as PyTorch: tolerances are Python floats, so integer inputs get a default-float allowed error
    allowed = add(_abs(mul(b, float(rtol))), float(atol))
    actual = _abs(sub(a, b))
    return logical_or(close, logical_and(isfinite(actual), le(actual, allowed)))


@method()
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Python bool: isclose(input, other, ...) holds for every element."""
    _require_tensor("allclose", input, "input", 1)
    _require_tensor("allclose", other, "other", 2)
    return _all_true(isclose(input, other, rtol, atol, equal_nan))


@method()
def equal(input, other):
    """Python bool: same shape and the same elements (NaN is never equal)."""
    _require_tensor("equal", input, "input", 1)
    _require_tensor("equal", other, "other", 2)
    if input.device != other.device:
        raise RuntimeError(f"Cannot compare two tensors on different devices. Got: {input.device} "
                           f"and {other.device}")
    if input._shape != other._shape:
        return False
    return _all_true(eq(input, other))


def is_tensor(obj):
    """True when `obj` is an ember Tensor."""
    return isinstance(obj, Tensor)


def _storage_types():
    types = [Storage]
    ocl = sys.modules.get("ember.backends.opencl")
    for name in ("Storage", "ClStorage", "OpenCLStorage"):
        cls = getattr(ocl, name, None) if ocl is not None else None
        if isinstance(cls, type):
            types.append(cls)
    return tuple(types)


def is_storage(obj):
    """True when `obj` is a storage (what Tensor.untyped_storage() returns)."""
    return isinstance(obj, _storage_types())


def is_floating_point(input):
    """True when input's dtype is a floating dtype."""
    _require_tensor("is_floating_point", input, "input", 1)
    return input.dtype.is_floating_point


@method()
def is_nonzero(input):
    """Python bool of a one-element tensor; RuntimeError for empty or multi-element tensors."""
    _require_tensor("is_nonzero", input, "input", 1)
    n = input.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return input.item() != 0


def numel(input):
    """The number of elements of input."""
    _require_tensor("numel", input, "input", 1)
    return input.numel()


def _contains(self, element):
    """`element in t`: some element of t equals `element` (a scalar or a broadcastable tensor)."""
    if isinstance(element, (Tensor, numbers.Number, np.bool_)):
        return _any_true(eq(self, element))
    raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
                       f"{type(element)}.")


Tensor.__contains__ = _contains
