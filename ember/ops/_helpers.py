"""Shared machinery of the ops layer: operands, broadcasting, devices, outputs, method registration.

Every op module builds on these so that argument checks and error messages are written once.
"""
import numbers

import numpy as np

from .. import dtypes as _dt
from ..device import as_device, CPU
from ..tensor import Tensor, _empty, _make, _wrap_dim, _contiguous_strides, _numel

__all__ = ["method", "broadcast_shapes", "as_tensor_operand", "same_device", "factory_device",
           "wrap_dim", "empty", "finish_out", "check_inplace", "dims_arg"]

wrap_dim = _wrap_dim
empty = _empty


def method(*names):
    """Decorator: also attach the function to Tensor under `names` (default: its own name)."""
    def deco(fn):
        for n in names or (fn.__name__,):
            setattr(Tensor, n, fn)
        return fn
    return deco


def broadcast_shapes(*shapes):
    """The broadcast of the shapes; RuntimeError naming them when they do not broadcast."""
    if len(shapes) == 2:
        a, b = shapes
        if a == b:
            return a
    ndim = max(len(s) for s in shapes)
    out = [1] * ndim
    for s in shapes:
        off = ndim - len(s)
        for i, n in enumerate(s):
            j = i + off
            o = out[j]
            if n == o or n == 1:
                continue
            if o == 1:
                out[j] = n
            else:
                if len(shapes) == 2:
                    raise RuntimeError(
                        f"The size of tensor a ({o}) must match the size of tensor b ({n}) at "
                        f"non-singleton dimension {j}")
                raise RuntimeError(
                    f"shape mismatch: objects cannot be broadcast to a single shape. Mismatch is "
                    f"between arg 0 and arg {shapes.index(s)}: {list(shapes[0])} vs {list(s)}")
    return tuple(out)


# small 0-d tensors for Python scalars, keyed by (type, value, dtype, device): internal only
_scalar_cache = {}


def scalar_tensor(value, dtype, device):
    key = (type(value), value, dtype, device)
    t = _scalar_cache.get(key)
    if t is None:
        t = _empty((), dtype, device)
        device.backend.fill(t, value)
        if len(_scalar_cache) > 512:
            _scalar_cache.clear()
        if value == value:          # NaN keys never hit; don't cache them
            _scalar_cache[key] = t
    return t


def is_scalar(x):
    return isinstance(x, (numbers.Number, np.generic)) and not isinstance(x, Tensor)


def as_tensor_operand(x, dtype, device):
    """A tensor of `dtype` on `device` for an operand that is a tensor or a Python scalar."""
    if isinstance(x, Tensor):
        if x.dtype is not dtype:
            x = x.to(dtype)
        if x.device != device:
            if x.device.type == "cpu" and not x._shape:
                return x.to(device)
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at least "
                               f"two devices, {device} and {x.device}!")
        return x
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, bool) and dtype is not _dt.bool:
        x = int(x)
    return scalar_tensor(x, dtype, device)


def same_device(*tensors):
    """The device all tensor operands share (0-d CPU tensors may join any device)."""
    dev = None
    for t in tensors:
        if isinstance(t, Tensor):
            if dev is None:
                dev = t.device
            elif t.device != dev:
                if t.device.type == "cpu" and not t._shape:
                    continue
                if dev.type == "cpu" and not any(
                        isinstance(u, Tensor) and u.device.type == "cpu" and u._shape for u in tensors):
                    dev = t.device
                    continue
                raise RuntimeError(f"Expected all tensors to be on the same device, but found at "
                                   f"least two devices, {dev} and {t.device}!")
    return dev if dev is not None else as_device(None)


def factory_device(device, out):
    """The device a factory (zeros, arange, ...) allocates on: `device`, else out's when out= is
    given; an explicit device of another type than out's raises PyTorch's RuntimeError."""
    if not isinstance(out, Tensor):
        return as_device(device)
    if device is None:
        return out.device
    dev = as_device(device)
    if dev.type != out.device.type:
        raise RuntimeError(f"device type {dev.type} does not match device type of out parameter "
                           f"({out.device.type})")
    return dev


def _dtype_name(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}[d.name]


def check_inplace(self, result_dtype, result_shape):
    """Raise as PyTorch when an in-place result can't be written into `self`."""
    if not _dt.can_cast(result_dtype, self.dtype):
        raise RuntimeError(f"result type {_dtype_name(result_dtype)} can't be cast to the desired "
                           f"output type {_dtype_name(self.dtype)}")
    if tuple(result_shape) != self._shape:
        raise RuntimeError(f"output with shape {list(self._shape)} doesn't match the broadcast "
                           f"shape {list(result_shape)}")
    if self._requires_grad and self.grad_fn is None and _grad_enabled():
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")


def _grad_enabled():
    try:
        from ..autograd.grad_mode import is_grad_enabled
    except ImportError:
        return False
    return is_grad_enabled()


def finish_out(result, out):
    """Write `result` into the user's `out=` tensor (resizing an empty/mismatched one) and return it.

    `out` must be on result's device (PyTorch's RuntimeError otherwise), have a dtype result
    casts to, and receives the values (a new storage when its shape differs).
    """
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if out.device != result.device:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least "
                           f"two devices, {result.device} and {out.device}!")
    if not _dt.can_cast(result.dtype, out.dtype):
        raise RuntimeError(f"result type {_dtype_name(result.dtype)} can't be cast to the desired "
                           f"output type {_dtype_name(out.dtype)}")
    if out._shape != result._shape:
        if out.numel() != 0:
            import warnings
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(out._shape)}, which does not match the required output shape "
                          f"{list(result._shape)}. This behavior is deprecated.", UserWarning, stacklevel=3)
        fresh = _empty(result._shape, out.dtype, out.device)
        out._storage, out._shape, out._stride, out._offset = fresh._storage, fresh._shape, fresh._stride, 0
    out.device.backend.copy(out, result)
    out._storage.version += 1
    return out


def dims_arg(dim, ndim):
    """Normalise an int / tuple / list / None dim argument into a sorted tuple of dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        ds = tuple(_wrap_dim(d, ndim) for d in dim)
        if len(set(ds)) != len(ds):
            raise RuntimeError(f"dim {ds[0]} appears multiple times in the list of dims")
        return tuple(sorted(ds))
    return (_wrap_dim(dim, ndim),)
