"""Tensor creation and the copy/convert core: tensor, zeros, ones, full, arange, ..., to, clone, copy_."""
import math
import numbers

import numpy as np

from .. import dtypes as _dt
from .. import _memory_format as _mf
from ..device import as_device, device as _device_cls, CPU
from ..tensor import Tensor, _empty, _make, _contiguous_strides, _view_of, _flat
from ._helpers import method, finish_out, factory_device

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty",
           "zeros_like", "ones_like", "full_like", "empty_like", "arange", "range", "linspace",
           "logspace", "eye", "empty_strided", "scalar_tensor", "frombuffer", "clone"]

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
def _ragged_error(data):
    """PyTorch's message for a nested sequence whose lengths disagree (or None if they agree)."""
    sizes = []
    x = data
    while isinstance(x, (list, tuple)):
        sizes.append(len(x))
        if not x:
            break
        x = x[0]

    def walk(x, dim):
        if dim == len(sizes):
            return None if not isinstance(x, (list, tuple)) else \
                TypeError(f"expected a number at dim {dim} but got a sequence of length {len(x)}")
        if not isinstance(x, (list, tuple)):
            return TypeError(f"expected sequence of length {sizes[dim]} at dim {dim} (got "
                             f"{type(x).__name__})")
        if len(x) != sizes[dim]:
            return ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} (got {len(x)})")
        for v in x:
            err = walk(v, dim + 1)
            if err is not None:
                return err
        return None
    return walk(data, 0)


def _check_object_array(arr, data):
    for v in arr.reshape(-1):
        if isinstance(v, numbers.Integral) and not isinstance(v, bool) and not \
                -2 ** 63 <= v < 2 ** 63:
            raise RuntimeError("Overflow when unpacking long")
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def _infer_numpy(data):
    """Nested Python data -> a NumPy array with PyTorch's dtype inference (the caller applies the
    default float dtype to Python floats)."""
    if isinstance(data, Tensor):
        return data.detach().cpu()._host()
    if isinstance(data, (np.ndarray, np.generic)):
        return np.asarray(data)             # NumPy data keeps its own dtype
    if isinstance(data, _builtin_range):
        data = list(data)
    if isinstance(data, (list, tuple)):
        # tensors inside lists (e.g. [t1, t2] of 0-d tensors)
        def conv(x):
            if isinstance(x, Tensor):
                return x.tolist()
            if isinstance(x, (list, tuple)):
                return [conv(v) for v in x]
            return x
        data = conv(data)
        err = _ragged_error(data)
        if err is not None:
            raise err
    elif isinstance(data, str) or not isinstance(data, numbers.Number):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    try:
        arr = np.array(data)
    except OverflowError:
        raise RuntimeError("Overflow when unpacking long") from None
    if arr.dtype == object:
        _check_object_array(arr, data)
    if arr.dtype.kind in "US":
        raise TypeError("new(): invalid data type 'str'")
    if arr.dtype.kind == "c":
        raise TypeError("complex tensors are not supported")
    if arr.dtype == np.uint64:              # Python ints beyond int64
        raise RuntimeError("Overflow when unpacking long")
    return arr


def _from_numpy_copy(arr, dtype, dev):
    """Copy a NumPy array into a new contiguous tensor of `dtype` on `dev`."""
    if arr.dtype.kind == "u" and arr.dtype != np.uint8:
        arr = arr.astype(np.int64)
    src_dt = _dt.from_numpy_dtype(arr.dtype)
    dtype = dtype or src_dt
    arr = np.asarray(arr, order="C")      # (np.ascontiguousarray would make 0-d arrays 1-d)
    st, off = CPU.backend.wrap_numpy(arr)
    src = _make(st, tuple(arr.shape), tuple(s // arr.itemsize for s in arr.strides) if arr.size else
                _contiguous_strides(arr.shape), off, src_dt, CPU)
    out = _empty(tuple(arr.shape), dtype, CPU)
    CPU.backend.copy(out, src)
    return _to_device(out, dev)


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data` (nested lists, numbers, NumPy arrays or tensors).

    Python floats give the default float dtype, ints int64, bools bool; NumPy data keeps its dtype.
    """
    dev = as_device(device)
    if isinstance(data, Tensor):
        import warnings
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()"
                      ".requires_grad_(True), rather than ember.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        t = data.detach().to(dev, dtype or data.dtype, copy=True)
        return _finish(t, requires_grad)
    arr = _infer_numpy(data)
    dt = _dt.to_dtype(dtype) if dtype is not None else None
    if dt is None and arr.dtype.kind == "f" and not isinstance(data, (np.ndarray, np.generic)):
        dt = _dt.get_default_dtype()
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
    """as_tensor, or always a copy with copy=True."""
    if copy and isinstance(obj, Tensor):
        t = obj.to(device=device, dtype=dtype, copy=True)
    elif copy:
        t = tensor(obj, dtype=dtype, device=device)
    else:
        t = as_tensor(obj, dtype=dtype, device=device)
    return _finish(t, requires_grad)


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-d tensor sharing the memory of a Python buffer."""
    arr = np.frombuffer(buffer, dtype=_dt.to_dtype(dtype).np, count=count, offset=offset)
    return _finish(from_numpy(arr), requires_grad)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    """A 0-d tensor holding `s` (the default float dtype unless `dtype` is given)."""
    return full((), s, dtype=dtype or _dt.get_default_dtype(), device=device, requires_grad=requires_grad)


# ------------------------------------------------------------------------------------------------
def empty(*size, dtype=None, device=None, requires_grad=False, out=None, memory_format=None,
          pin_memory=False):
    """An uninitialised tensor of the given shape, laid out by `memory_format` (default
    contiguous; channels_last / channels_last_3d for 4-d / 5-d shapes)."""
    device = factory_device(device, out)
    shape = _shape_arg(size, "empty")
    fmt = _mf.check(memory_format, "empty", optional=False) if memory_format is not None \
        else _mf.contiguous_format
    if fmt is _mf.preserve_format:
        raise RuntimeError("unsupported memory format Preserve")
    t = _empty(shape, _dtype_or_default(dtype), as_device(device), stride=_mf.strides_for(fmt, shape))
    return _finish(finish_out(t, out) if out is not None else t, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    """A tensor of 0s."""
    device = factory_device(device, out)
    shape = _shape_arg(size, "zeros")
    t = _empty(shape, _dtype_or_default(dtype), as_device(device), zero=True)
    return _finish(finish_out(t, out) if out is not None else t, requires_grad)


# c10's names for the types in "value cannot be converted to type ... without overflow"
_C_TYPE_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
                 "int64": "int64_t", "float16": "at::Half", "bfloat16": "at::BFloat16",
                 "float32": "float", "float64": "double"}


def _check_fill(value, dtype):
    """Raise as PyTorch's checked Scalar conversion when `value` does not fit `dtype`."""
    if dtype is _dt.bool or isinstance(value, (bool, np.bool_)):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if dtype.is_floating_point:
        if isinstance(value, float) and not math.isfinite(value):
            return value
        fi = _dt.finfo(dtype)
        bad = not fi.min <= value <= fi.max
    else:
        ii = _dt.iinfo(dtype)
        if isinstance(value, float) and value != value:
            bad = True
        elif dtype is _dt.uint8 and isinstance(value, numbers.Integral):
            bad = not -ii.max <= value <= ii.max    # negatives wrap (two's complement), as in c10
        else:
            bad = not ii.min <= value <= ii.max
    if bad:
        raise RuntimeError(f"value cannot be converted to type {_C_TYPE_NAMES[dtype.name]} without "
                           f"overflow")
    return value


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None):
    """A tensor filled with `fill_value` (bool -> bool, int -> int64, float -> default dtype)."""
    device = factory_device(device, out)
    shape = _shape_arg((size,) if not isinstance(size, (tuple, list)) else (tuple(size),), "full")
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None:
        if isinstance(fill_value, (bool, np.bool_)):
            dtype = _dt.bool
        elif isinstance(fill_value, numbers.Integral):
            dtype = _dt.int64
        else:
            dtype = _dt.get_default_dtype()
    dtype = _dt.to_dtype(dtype)
    t = _empty(shape, dtype, as_device(device))
    t.device.backend.fill(t, _check_fill(fill_value, dtype))
    return _finish(finish_out(t, out) if out is not None else t, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None):
    """A tensor of 1s."""
    return full(_shape_arg(size, "ones"), 1, dtype=_dtype_or_default(dtype), device=device,
                requires_grad=requires_grad, out=out)


def _check_input(input, fname):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def _alloc_like(input, dtype, device, memory_format, fname, zero=False):
    """A new tensor shaped like `input` (dtype and device default to input's), its strides set by
    `memory_format` as PyTorch's empty_like sets them (None: preserve_format)."""
    _check_input(input, fname)
    fmt = _mf.check(memory_format, fname)
    dt = input.dtype if dtype is None else _dt.to_dtype(dtype)
    dev = input.device if device is None else as_device(device)
    return _empty(input._shape, dt, dev, zero, _mf.strides_for(fmt, input._shape, input._stride))


def _filled_like(input, value, dtype, device, requires_grad, memory_format, fname):
    t = _alloc_like(input, dtype, device, memory_format, fname)
    if isinstance(value, Tensor):
        value = value.item()
    t.device.backend.fill(_flat(t), _check_fill(value, t.dtype))
    return _finish(t, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """An uninitialised tensor shaped like `input` (strides as `memory_format` says)."""
    return _finish(_alloc_like(input, dtype, device, memory_format, "empty_like"), requires_grad)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """0s shaped like `input` (strides as `memory_format` says)."""
    return _finish(_alloc_like(input, dtype, device, memory_format, "zeros_like", zero=True),
                   requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """1s shaped like `input` (strides as `memory_format` says)."""
    return _filled_like(input, 1, dtype, device, requires_grad, memory_format, "ones_like")


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """`fill_value` shaped like `input` (in input's dtype unless `dtype` is given; strides as
    `memory_format` says)."""
    return _filled_like(input, fill_value, dtype, device, requires_grad, memory_format, "full_like")


def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor with the given strides (storage large enough for them)."""
    shape = _shape_arg((tuple(size),), "empty_strided")
    stride = tuple(int(s) for s in stride)
    if len(stride) != len(shape):
        raise RuntimeError("mismatch in length of strides and shape")
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


def _ramp(shape, dtype, device, start, step, end=None, split=-1):
    t = _empty(shape, dtype, device)
    device.backend.ramp(t, start, step, end, split)
    return t


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None):
    """start, start + step, ... up to `end` exclusive; ints give int64, any float the default."""
    device = factory_device(device, out)
    if end is None:
        start, end = 0, start
    start, end, step = _scalar_value(start), _scalar_value(end), _scalar_value(step)
    if dtype is None:
        is_int = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = _dt.int64 if is_int else _dt.get_default_dtype()
    dtype = _dt.to_dtype(dtype)
    if not dtype.is_floating_point:
        # PyTorch accumulates integer dtypes in int64: the arguments are truncated first
        xstart, xend, xstep = (int(v) if math.isfinite(v) else v for v in (start, end, step))
    else:
        xstart, xend, xstep = start, end, step
    if xstep == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(xstart) and math.isfinite(xend)):
        raise RuntimeError(f"unsupported range: {xstart} -> {xend}")
    if not ((xstep > 0 and xend >= xstart) or (xstep < 0 and xend <= xstart)):
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is _dt.int64:     # exact for int64, beyond double's precision: ceil by integers
        sgn = 1 if xstep > 0 else -1
        n = abs(xend - xstart + xstep - sgn) // abs(xstep)
    else:
        n = math.ceil((float(end) - float(start)) / float(step))
    t = _ramp((max(n, 0),), dtype, as_device(device), xstart, xstep)
    return _finish(finish_out(t, out) if out is not None else t, requires_grad)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated torch.range: start to `end` inclusive by `step`; the default float dtype."""
    import warnings
    warnings.warn("ember.range is deprecated and will be removed in a future release because its "
                  "behavior is inconsistent with Python's range builtin. Instead, use ember.arange, "
                  "which produces values in [start, end).", UserWarning, stacklevel=2)
    if end is None:
        start, end = 0, start
    start, end, step = _scalar_value(start), _scalar_value(end), _scalar_value(step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not ((step > 0 and end >= start) or (step < 0 and end <= start)):
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    n = int(math.floor((end - start) / step)) + 1
    t = _ramp((n,), _dtype_or_default(dtype), as_device(device), start, step)
    return _finish(t, requires_grad)


def _linspace_ends(start, end, steps, dtype):
    if not isinstance(steps, numbers.Integral) or isinstance(steps, bool):
        raise TypeError(f"linspace(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    start, end = _scalar_value(start), _scalar_value(end)
    if not dtype.is_floating_point:      # PyTorch converts the ends to the integer type first
        start, end = int(start), int(end)
    return float(start), float(end)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None):
    """`steps` evenly spaced values from start to end inclusive (PyTorch's symmetric formula)."""
    device = factory_device(device, out)
    dtype = _dtype_or_default(dtype)
    start, end = _linspace_ends(start, end, steps, dtype)
    if steps == 1:
        end = start                 # a single step is `start`, as in PyTorch
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    t = _ramp((steps,), dtype, as_device(device), start, step, end, steps // 2)
    return _finish(finish_out(t, out) if out is not None else t, requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False, out=None):
    """base ** linspace(start, end, steps), computed in float64."""
    device = factory_device(device, out)
    dtype = _dtype_or_default(dtype)
    start, end = _linspace_ends(start, end, steps, dtype)
    from .elementwise import pow as _pow
    t = _pow(float(base), linspace(start, end, steps, dtype=_dt.float64, device=device))
    t = t.to(dtype)
    return _finish(finish_out(t, out) if out is not None else t, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None):
    """The n x m identity matrix (ones on the main diagonal)."""
    device = factory_device(device, out)
    if m is None:
        m = n
    for v, name in ((n, "n"), (m, "m")):
        if not isinstance(v, numbers.Integral) or isinstance(v, bool):
            raise TypeError(f"eye(): argument '{name}' must be int, not {type(v).__name__}")
        if v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    t = zeros(n, m, dtype=dtype, device=device)
    if n and m:
        _view_of(t, (min(n, m),), (m + 1,), 0).fill_(1)
    return _finish(finish_out(t, out) if out is not None else t, requires_grad)


# ------------------------------------------------------------------------------------------------
# Copies and conversion (methods)
@method()
def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False, memory_format=None):
    """Tensor.to(device=None, dtype=None), to(dtype), to(other): self when nothing changes (the
    dtype, the device, copy=False, and a memory_format that is preserve_format or the one self's
    strides already look like), else a copy laid out by `memory_format` (None: preserve_format).
    """
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
    if memory_format is not None and not isinstance(memory_format, _mf.memory_format):
        raise TypeError(f"to() received an invalid combination of arguments - got (memory_format="
                        f"{type(memory_format).__name__}, )")
    fmt = _mf.preserve_format if memory_format is None else memory_format
    dt = self.dtype if dtype is None else _dt.to_dtype(dtype)
    dev = self.device if device is None else as_device(device)
    if dt is self.dtype and dev == self.device and not copy and \
            (fmt is _mf.preserve_format or _mf.suggest(self._shape, self._stride) is fmt):
        return self
    stride = _mf.strides_for(fmt, self._shape, self._stride)
    if dev == self.device or self.device.type == "cpu":
        # convert on the host first: the device may lack the source dtype (float64)
        src = self if dt is self.dtype or dev == self.device else to(self, dt, memory_format=fmt)
    else:
        src = _empty(self._shape, self.dtype, CPU, stride=stride)      # device -> host, then on
        _copy_into(src, self)
        if dt is not self.dtype:
            src = to(src, dt)
        if dev.type == "cpu":
            return src
    out = _empty(self._shape, dt, dev, stride=stride)
    _copy_into(out, src)
    return out


def _copy_into(out, src):
    """out[...] = src for a new `out` on any device (`src` on out's device or the host's): as one
    1-d block when both have the same dense layout, so a permuted tensor moves without a gather."""
    if out._stride == src._stride and _mf.is_non_overlapping_and_dense(src._shape, src._stride):
        out, src = _flat(out), _flat(src)
    if out.device.type == "cpu" and src.device.type != "cpu":
        src.device.backend.to_host_into(out, src)
    else:
        out.device.backend.copy(out, src)


@method()
def clone(input, *, memory_format=None):
    """A copy with its own storage, laid out by `memory_format` (None: preserve_format, which
    keeps a dense input's strides and a strided one's dimension order)."""
    _check_input(input, "clone")
    fmt = _mf.check(memory_format, "clone")
    out = _empty(input._shape, input.dtype, input.device,
                 stride=_mf.strides_for(fmt, input._shape, input._stride))
    _copy_into(out, input)
    return out


@method()
def contiguous(self, *, memory_format=_mf.contiguous_format):
    """self when already contiguous in `memory_format`, else a copy that is."""
    fmt = _mf.check(memory_format, "contiguous", optional=False)
    if _mf.is_contiguous(self._shape, self._stride, fmt):
        return self
    if fmt is _mf.preserve_format:
        raise RuntimeError("preserve memory format is unsupported by the contiguous operator")
    return clone(self, memory_format=fmt)


@method()
def copy_(self, src, non_blocking=False):
    """Copy `src` into self, broadcasting and converting dtype and device."""
    from ._helpers import broadcast_shapes, check_inplace
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' (position 1) must be Tensor, not "
                        f"{type(src).__name__}")
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
    """Set every element to `value` (a number or a 0-d tensor), range-checked for self's dtype."""
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value.dim()} dimensions.")
        value = value.item()
    if self._requires_grad and self.grad_fn is None:
        from ._helpers import check_inplace
        check_inplace(self, self.dtype, self._shape)
    if not isinstance(value, (numbers.Number, np.generic)):
        raise TypeError(f"fill_(): argument 'value' must be Number, not {type(value).__name__}")
    self.device.backend.fill(self, _check_fill(value, self.dtype))
    self._storage.version += 1
    return self


@method()
def zero_(self):
    """Set every element to 0."""
    return fill_(self, 0)


@method()
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    """tensor(data) with self's dtype and device by default."""
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


@method()
def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    """empty(size) with self's dtype and device by default."""
    return empty(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


@method()
def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    """zeros(size) with self's dtype and device by default."""
    return zeros(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


@method()
def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    """ones(size) with self's dtype and device by default."""
    return ones(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


@method()
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """full(size, fill_value) with self's dtype and device by default."""
    return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                requires_grad=requires_grad)
