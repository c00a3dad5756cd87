"""Tensor creation and the copy/convert core: tensor, zeros, ones, full, arange, ..., to, clone, copy_."""
import math
import numbers

import numpy as np

from .. import dtypes as _dt
from ..device import as_device, device as _device_cls, CPU
from ..tensor import Tensor, _empty, _make, _contiguous_strides, _numel
from ._helpers import method, finish_out

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty",
           "zeros_like", "ones_like", "full_like", "empty_like", "arange", "range", "linspace",
           "logspace", "eye", "empty_strided", "scalar_tensor", "frombuffer"]

_builtin_range = __builtins__["range"] if isinstance(__builtins__, dict) else __builtins__.range


def _shape_arg(size, fname="zeros"):
    """Accept f(2, 3), f((2, 3)), f([2, 3]) or f(Size); validate non-negative ints."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    shape = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s)
        if not isinstance(s, numbers.Integral) or isinstance(s, bool):
            raise TypeError(f"{fname}(): argument 'size' must be tuple of ints, but found element of "
                            f"type {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        shape.append(int(s))
    return tuple(shape)


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad_(True)
    return t


def _dtype_or_default(dtype, fallback=None):
    if dtype is None:
        return fallback or _dt.get_default_dtype()
    return _dt.to_dtype(dtype)


def _to_device(t, dev):
    return t if dev.type == "cpu" else t.to(dev)


# ------------------------------------------------------------------------------------------------
def _infer_numpy(data):
    """Nested Python data -> a NumPy array with PyTorch's dtype inference."""
    if isinstance(data, Tensor):
        return data.detach().cpu()._host()
    if isinstance(data, np.ndarray):
        return data
    if isinstance(data, (list, tuple)):
        # tensors inside lists (e.g. [t1, t2] of 0-d tensors)
        def conv(x):
            if isinstance(x, Tensor):
                return x.tolist()
            if isinstance(x, (list, tuple)):
                return [conv(v) for v in x]
            return x
        data = conv(data)
    try:
        arr = np.array(data)
    except ValueError as e:
        raise ValueError(f"expected sequence of equal-length lists: {e}") from None
    if arr.dtype == object:
        raise TypeError(f"Could not infer dtype of {type(data).__name__} (ragged nested sequence or "
                        f"unsupported element type)")
    if arr.dtype.kind in "US":
        raise TypeError("new(): invalid data type 'str'")
    if arr.dtype.kind == "f" and arr.dtype == np.float64 and not isinstance(data, np.ndarray):
        arr = arr.astype(_dt.get_default_dtype().np if _dt.get_default_dtype() is not _dt.bfloat16 else np.float32)
    elif arr.dtype.kind == "c":
        raise TypeError("complex tensors are not supported")
    return arr


def _from_numpy_copy(arr, dtype, dev):
    """Copy a NumPy array into a new contiguous tensor of `dtype` on `dev`."""
    if arr.dtype.kind == "u" and arr.dtype != np.uint8:
        arr = arr.astype(np.int64)
    src_dt = _dt.from_numpy_dtype(arr.dtype)
    dtype = dtype or src_dt
    arr = np.ascontiguousarray(arr)
    st, off = CPU.backend.wrap_numpy(arr)
    src = _make(st, tuple(arr.shape), tuple(s // arr.itemsize for s in arr.strides) if arr.size else
                _contiguous_strides(arr.shape), off, src_dt, CPU)
    out = _empty(tuple(arr.shape), dtype, CPU)
    CPU.backend.copy(out, src)
    return _to_device(out, dev)


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data` (nested lists, numbers, NumPy arrays or tensors)."""
    dev = as_device(device)
    if isinstance(data, Tensor):
        t = data.detach().to(dev, dtype or data.dtype, copy=True)
        return _finish(t, requires_grad)
    arr = _infer_numpy(data)
    dt = _dt.to_dtype(dtype) if dtype is not None else None
    if arr.dtype == np.float64 and dt is None and isinstance(data, np.ndarray):
        dt = _dt.float64
    return _finish(_from_numpy_copy(arr, dt, dev), requires_grad)


def from_numpy(ndarray):
    """A tensor sharing memory with `ndarray` (both ways)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    dt = _dt.from_numpy_dtype(ndarray.dtype)
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with "
                         "negative strides are not currently supported. (You can probably work around "
                         "this by making a copy of your array  with array.copy().) ")
    if any(s % ndarray.itemsize for s in ndarray.strides):
        raise ValueError("given numpy array strides not a multiple of the element byte size. Copy "
                         "the numpy array to reallocate the memory.")
    if not ndarray.flags.writeable:
        import warnings
        warnings.warn("The given NumPy array is not writable, and Ember does not support non-writable "
                      "tensors. Writing to the tensor will write to the array.", UserWarning, stacklevel=2)
    st, off = CPU.backend.wrap_numpy(ndarray)
    strides = tuple(s // ndarray.itemsize for s in ndarray.strides)
    return _make(st, tuple(ndarray.shape), strides, off, dt, CPU)


def as_tensor(data, dtype=None, device=None):
    """Share memory with `data` when it is already a tensor/ndarray of the right dtype and device."""
    dev = as_device(device) if device is not None else None
    if isinstance(data, Tensor):
        return data.to(dev or data.device, dtype or data.dtype)
    if isinstance(data, np.ndarray) and data.dtype.kind in "biuf" and all(s >= 0 for s in data.strides):
        try:
            t = from_numpy(data)
        except (TypeError, ValueError):
            t = None
        if t is not None:
            return t.to(dev or CPU, dtype or t.dtype)
    return tensor(data, dtype=dtype, device=dev)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    if copy:
        t = tensor(obj, dtype=dtype, device=device)
    else:
        t = as_tensor(obj, dtype=dtype, device=device)
    return _finish(t, requires_grad)


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    arr = np.frombuffer(buffer, dtype=_dt.to_dtype(dtype).np, count=count, offset=offset)
    return _finish(from_numpy(arr), requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    return full((), s, dtype=dtype or _dt.get_default_dtype(), device=device, requires_grad=requires_grad)


# ------------------------------------------------------------------------------------------------
def empty(*size, dtype=None, device=None, requires_grad=False, out=None, memory_format=None,
          pin_memory=False):
    shape = _shape_arg(size, "empty")
    t = _empty(shape, _dtype_or_default(dtype), as_device(device))
    return _finish(finish_out(t, out) if out is not None else t, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    shape = _shape_arg(size, "zeros")
    t = _empty(shape, _dtype_or_default(dtype), as_device(device), zero=True)
    return _finish(finish_out(t, out) if out is not None else t, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None):
    shape = _shape_arg((size,) if not isinstance(size, (tuple, list)) else (tuple(size),), "full")
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = _dt.bool
        elif isinstance(fill_value, numbers.Integral):
            dtype = _dt.int64
        else:
            dtype = _dt.get_default_dtype()
    t = _empty(shape, _dt.to_dtype(dtype), as_device(device))
    t.device.backend.fill(t, fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    return _finish(finish_out(t, out) if out is not None else t, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None):
    return full(_shape_arg(size, "ones"), 1, dtype=_dtype_or_default(dtype), device=device,
                requires_grad=requires_grad, out=out)


def _like(input, dtype, device):
    return input._shape, _dt.to_dtype(dtype) if dtype is not None else input.dtype, \
        as_device(device) if device is not None else input.device


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    shape, dt, dev = _like(input, dtype, device)
    return _finish(_empty(shape, dt, dev), requires_grad)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    shape, dt, dev = _like(input, dtype, device)
    return _finish(_empty(shape, dt, dev, zero=True), requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    shape, dt, dev = _like(input, dtype, device)
    return full(shape, 1, dtype=dt, device=dev, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    shape, dt, dev = _like(input, dtype, device)
    return full(shape, fill_value, dtype=dt, device=dev, requires_grad=requires_grad)


def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor with the given strides (storage large enough for them)."""
    shape = _shape_arg((tuple(size),), "empty_strided")
    stride = tuple(int(s) for s in stride)
    if len(stride) != len(shape):
        raise RuntimeError(f"mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError("as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(stride)}")
    dt = _dtype_or_default(dtype)
    dev = as_device(device)
    n = 0 if 0 in shape else 1 + sum((a - 1) * s for a, s in zip(shape, stride))
    st = dev.backend.allocate(n * dt.itemsize)
    return _finish(_make(st, shape, stride, 0, dt, dev), requires_grad)


def _scalar_value(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None):
    """Values from `start` to `end` (exclusive) by `step`; ints give int64, any float the default."""
    if end is None:
        start, end = 0, start
    start, end, step = _scalar_value(start), _scalar_value(end), _scalar_value(step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    for v in (start, end, step):
        if isinstance(v, float) and not math.isfinite(v):
            raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        is_int = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = _dt.int64 if is_int else _dt.get_default_dtype()
    dtype = _dt.to_dtype(dtype)
    n = max(0, math.ceil((end - start) / step))
    # computed in float64/int64 as start + i * step, then cast (PyTorch's formula)
    if dtype.is_floating_point or any(isinstance(v, float) for v in (start, end, step)):
        vals = start + np.arange(n, dtype=np.float64) * step
    else:
        vals = start + np.arange(n, dtype=np.int64) * step
    t = _from_numpy_copy(vals, dtype, as_device(device))
    return _finish(finish_out(t, out) if out is not None else t, requires_grad)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated torch.range: inclusive of `end`; default float dtype."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    vals = start + np.arange(max(n, 0), dtype=np.float64) * step
    return _finish(_from_numpy_copy(vals, _dtype_or_default(dtype), as_device(device)), requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None):
    """`steps` evenly spaced values from start to end inclusive (PyTorch's symmetric formula)."""
    start, end = _scalar_value(start), _scalar_value(end)
    if not isinstance(steps, numbers.Integral) or steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = _dtype_or_default(dtype)
    if steps == 1:
        vals = np.array([start], dtype=np.float64)
    else:
        step = (end - start) / (steps - 1) if steps > 1 else 0.0
        i = np.arange(steps, dtype=np.float64)
        half = steps // 2
        vals = np.where(i < half, start + step * i, end - step * (steps - 1 - i))
    if not dtype.is_floating_point:
        vals = np.trunc(vals)
    t = _from_numpy_copy(vals, dtype, as_device(device))
    return _finish(finish_out(t, out) if out is not None else t, requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False, out=None):
    lin = linspace(start, end, steps, dtype=_dt.float64)
    vals = np.power(float(base), lin._host())
    t = _from_numpy_copy(vals, _dtype_or_default(dtype), as_device(device))
    return _finish(finish_out(t, out) if out is not None else t, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None):
    if m is None:
        m = n
    if n < 0 or m < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n if n < 0 else m}")
    t = zeros(n, m, dtype=dtype, device="cpu")
    if n and m:
        t._host()[np.arange(min(n, m)), np.arange(min(n, m))] = 1
    t = _to_device(t, as_device(device))
    return _finish(finish_out(t, out) if out is not None else t, requires_grad)


# ------------------------------------------------------------------------------------------------
# Copies and conversion (methods)
@method()
def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False, memory_format=None):
    """Tensor.to(device=None, dtype=None), to(dtype), to(other): a copy only when something changes."""
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, _dt.dtype) or (isinstance(a, type) and a in (float, int, bool)):
            dtype = a
        elif isinstance(a, (str, _device_cls)):
            device = a
        elif isinstance(a, bool):
            non_blocking = a
        elif a is None:
            continue
        else:
            try:
                dtype = _dt.to_dtype(a)
            except TypeError:
                raise TypeError(f"to() received an invalid combination of arguments: got {type(a).__name__}") from None
    dt = self.dtype if dtype is None else _dt.to_dtype(dtype)
    dev = self.device if device is None else as_device(device)
    if dt is self.dtype and dev == self.device and not copy:
        return self
    if dev == self.device:
        out = _empty(self._shape, dt, dev)
        dev.backend.copy(out, self)
    elif self.device.type == "cpu":
        src = self if dt is self.dtype else self.to(dt)
        out = dev.backend.from_host(src)
    else:
        host = _empty(self._shape, self.dtype, CPU)
        self.device.backend.to_host_into(host, self)
        out = host if dt is self.dtype else host.to(dt)
        if dev.type != "cpu":
            out = dev.backend.from_host(out)
    return _autograd_hook("to", self, out)


def _autograd_hook(name, src, out):
    """Link `out` to `src` in the graph when autograd is present (issue 3 fills this in)."""
    try:
        from ..autograd import _record_copy
    except ImportError:
        return out
    return _record_copy(name, src, out)


@method()
def clone(self, *, memory_format=None):
    out = _empty(self._shape, self.dtype, self.device)
    self.device.backend.copy(out, self)
    return _autograd_hook("clone", self, out)


@method()
def contiguous(self, memory_format=None):
    if self.is_contiguous():
        return self
    return clone(self)


@method()
def copy_(self, src, non_blocking=False):
    """Copy `src` into self, broadcasting and converting dtype and device."""
    from ._helpers import broadcast_shapes, check_inplace
    if not isinstance(src, Tensor):
        from ._helpers import scalar_tensor as _st
        src = tensor(src, dtype=self.dtype, device=self.device)
    shape = broadcast_shapes(self._shape, src._shape)
    if shape != self._shape:
        raise RuntimeError(f"output with shape {list(self._shape)} doesn't match the broadcast "
                           f"shape {list(shape)}")
    if self._requires_grad and self.grad_fn is None:
        check_inplace(self, self.dtype, self._shape)
    if src.device != self.device:
        src = src.to(self.device)
    self.device.backend.copy(self, src)
    self._storage.version += 1
    return self


@method()
def fill_(self, value):
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.dim()} dimensions.")
        value = value.item()
    if self._requires_grad and self.grad_fn is None:
        from ._helpers import check_inplace
        check_inplace(self, self.dtype, self._shape)
    self.device.backend.fill(self, value)
    self._storage.version += 1
    return self


@method()
def zero_(self):
    return fill_(self, 0)


@method()
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


@method()
def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    return empty(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


@method()
def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    return zeros(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


@method()
def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    return ones(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


@method()
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                requires_grad=requires_grad)
