"""The Tensor: metadata (shape, strides in elements, offset, dtype, device) over a shared storage.

Views share the storage (and with it the in-place version counter). The class itself holds only
metadata, conversions and the Python protocols; every op lives in ember/ops/ and is attached to
the class there (``ops._registry.method``), so this file stays small.
"""
import copy as _copy
import numbers

from . import dtypes as _dt
from . import _memory_format as _mf
from ._memory_format import contiguous_strides as _contiguous_strides
from .device import CPU, as_device

__all__ = ["Tensor"]


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


class Tensor:
    """A multi-dimensional array on a device, with autograd metadata."""

    __slots__ = ("_storage", "_shape", "_stride", "_offset", "dtype", "device", "_requires_grad",
                 "_grad", "grad_fn", "_base", "_retains_grad", "_hooks", "_post_acc_hooks",
                 "_is_param", "_output_nr", "__weakref__", "__dict__")

    __array_priority__ = 1000      # numpy scalars defer to our reflected operators

    # -- metadata -------------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._shape)
        return self._shape[_wrap_dim(dim, len(self._shape), scalar_ok=False)]

    def stride(self, dim=None):
        if dim is None:
            return self._stride
        return self._stride[_wrap_dim(dim, len(self._shape), scalar_ok=False)]

    def dim(self):
        return len(self._shape)

    ndimension = dim

    @property
    def ndim(self):
        return len(self._shape)

    def numel(self):
        return _numel(self._shape)

    nelement = numel

    def storage_offset(self):
        return self._offset

    def element_size(self):
        return self.dtype.itemsize

    @property
    def itemsize(self):
        return self.dtype.itemsize

    @property
    def nbytes(self):
        return self.numel() * self.dtype.itemsize

    def data_ptr(self):
        return self._storage.ptr + self._offset * self.dtype.itemsize

    def untyped_storage(self):
        return self._storage

    def is_contiguous(self, *, memory_format=_mf.contiguous_format):
        """Whether the elements lie in `memory_format`'s order without gaps (channels_last: NHWC
        for a 4-d tensor, False for any other rank)."""
        if memory_format is not _mf.contiguous_format:
            _mf.check(memory_format, "is_contiguous", optional=False)
        return _mf.is_contiguous(self._shape, self._stride, memory_format)

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def is_complex(self):
        return False

    def is_signed(self):
        return self.dtype.is_signed

    @property
    def is_cpu(self):
        return self.device.type == "cpu"

    @property
    def is_opencl(self):
        return self.device.type == "opencl"

    @property
    def is_cuda(self):
        return False

    @property
    def layout(self):
        return "strided"

    @property
    def _version(self):
        return self._storage.version

    def _bump_version(self):
        self._storage.version += 1

    # -- autograd metadata (the engine lives in ember.autograd) --------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        if self.grad_fn is not None and not flag:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if flag and not (self.dtype.is_floating_point):
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value.dtype is not self.dtype:
                raise RuntimeError(f"assigned grad has data of a different type ({value.dtype} vs {self.dtype})")
            if value._shape != self._shape:
                raise RuntimeError(f"assigned grad has data of a different size ({tuple(value._shape)} vs {tuple(self._shape)})")
            if value.device != self.device:
                raise RuntimeError(f"assigned grad has data located on a different device ({value.device} vs {self.device})")
        self._grad = value

    @property
    def data(self):
        return self.detach()

    @data.setter
    def data(self, other):
        if not isinstance(other, Tensor):
            raise TypeError("data must be a Tensor")
        self._storage, self._shape, self._stride, self._offset = other._storage, other._shape, other._stride, other._offset
        self.dtype, self.device = other.dtype, other.device

    def detach(self):
        """A new tensor sharing storage (and version counter), cut from the graph."""
        return _make(self._storage, self._shape, self._stride, self._offset, self.dtype, self.device)

    def detach_(self):
        if self._base is not None and self._base.requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    # -- conversion to Python / NumPy -----------------------------------------------------------
    def _host(self):
        """A NumPy view (CPU) or a fresh host copy (other devices) of this tensor's elements."""
        if self.device.type == "cpu":
            return self.device.backend.np_view(self)
        return self.device.backend.to_host(self)

    def numpy(self, *, force=False):
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if self.device.type != "cpu" and not force:
            raise TypeError(f"can't convert {self.device.type} device type tensor to numpy. "
                            "Use Tensor.cpu() to copy the tensor to host memory first.")
        if self.dtype is _dt.bfloat16:
            raise TypeError("Got unsupported ScalarType BFloat16")
        return self._host()

    def __array__(self, dtype=None, copy=None):
        if self.dtype is _dt.bfloat16:
            a = self.float()._host()
        else:
            a = self._host()
        if dtype is not None:
            a = a.astype(dtype, copy=False)
        return a.copy() if copy else a

    def tolist(self):
        if self.dtype is _dt.bfloat16:
            return self.float().tolist()
        return self._host().tolist()

    def item(self):
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        if self.dtype is _dt.bfloat16:
            return self.float().item()
        return self._host().reshape(()).item()

    def __len__(self):
        if not self._shape:
            raise TypeError("len() of a 0-d tensor")
        return self._shape[0]

    def __iter__(self):
        if not self._shape:
            raise TypeError("iteration over a 0-d tensor")
        if hasattr(Tensor, "__getitem__"):           # the indexing ops (autograd-aware views)
            return (self[i] for i in range(self._shape[0]))
        shape, stride, s0 = self._shape[1:], self._stride[1:], self._stride[0]
        return (_view_of(self, shape, stride, self._offset + i * s0) for i in range(self._shape[0]))

    def __bool__(self):
        n = self.numel()
        if n != 1:
            raise RuntimeError(f"Boolean value of Tensor with {'more than one value' if n else 'no values'} is ambiguous")
        return bool(self.item())

    def __float__(self):
        if self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return float(self.item())

    def __int__(self):
        if self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return int(self.item())

    def __index__(self):
        if self.dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __hash__(self):
        return id(self)

    def __reduce_ex__(self, proto):
        # Pickling is used by DataLoader workers (multiprocessing), not for files (ember.save is safe).
        src = self.detach().cpu()
        arr = (src.float() if self.dtype is _dt.bfloat16 else src).numpy().copy()
        return (_rebuild, (arr, self.dtype.name, str(self.device), self._requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        new = self.detach().clone()
        new._requires_grad = self._requires_grad
        if self._grad is not None:
            new._grad = self._grad.clone()
        memo[id(self)] = new
        new.__dict__.update(_copy.deepcopy(self.__dict__, memo))    # attributes too, as PyTorch
        return new

    # -- devices and dtypes ---------------------------------------------------------------------
    def cpu(self):
        return self.to("cpu")

    def opencl(self, device=None):
        return self.to("opencl" if device is None else (f"opencl:{device}" if isinstance(device, int) else device))

    def cuda(self, *args, **kwargs):
        from .device import device as _d
        _d("cuda")

    def type(self, dtype=None):
        if dtype is None:
            return f"ember.{ {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'bfloat16': 'BFloat16', 'int64': 'Long', 'int32': 'Int', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte', 'bool': 'Bool'}[self.dtype.name]}Tensor"
        return self.to(dtype)

    def float(self):
        return self.to(_dt.float32)

    def double(self):
        return self.to(_dt.float64)

    def half(self):
        return self.to(_dt.float16)

    def bfloat16(self):
        return self.to(_dt.bfloat16)

    def long(self):
        return self.to(_dt.int64)

    def int(self):
        return self.to(_dt.int32)

    def short(self):
        return self.to(_dt.int16)

    def char(self):
        return self.to(_dt.int8)

    def byte(self):
        return self.to(_dt.uint8)

    def bool(self):
        return self.to(_dt.bool)

    def __repr__(self):
        from ._printing import tensor_repr
        return tensor_repr(self)

    def __format__(self, spec):
        if self.dim() == 0 and spec:
            return self.item().__format__(spec)
        return object.__format__(self, spec) if spec else repr(self)


class Size(tuple):
    """torch.Size: a tuple of dimension sizes."""

    def __repr__(self):
        return f"ember.Size([{', '.join(str(int(s)) for s in self)}])"

    def numel(self):
        return _numel(self)

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))


def _rebuild(arr, dtype_name, device, requires_grad):
    from .ops.creation import tensor
    t = tensor(arr, dtype=getattr(_dt, dtype_name), device=device)
    t._requires_grad = requires_grad
    return t


def _wrap_dim(dim, ndim, scalar_ok=True):
    """Normalise a possibly negative dim; IndexError as PyTorch when out of range."""
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        if isinstance(dim, Tensor) and dim.numel() == 1 and not dim.dtype.is_floating_point:
            dim = int(dim.item())
        else:
            raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    if ndim == 0 and not scalar_ok:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    n = ndim if ndim > 0 else 1
    if dim < -n or dim >= n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def _make(storage, shape, stride, offset, dtype, device, requires_grad=False):
    """Assemble a tensor from parts (no checks, no copies)."""
    t = Tensor.__new__(Tensor)
    t._storage = storage
    t._shape = shape
    t._stride = stride
    t._offset = offset
    t.dtype = dtype
    t.device = device
    t._requires_grad = requires_grad
    t._grad = None
    t.grad_fn = None
    t._base = None
    t._retains_grad = False
    t._hooks = None
    t._post_acc_hooks = None
    t._is_param = False
    t._output_nr = 0
    return t


def _empty(shape, dtype, device=CPU, zero=False, stride=None):
    """A new tensor of `shape` (a tuple of non-negative ints) on `device`, contiguous or with the
    given non-overlapping and dense `stride` (its storage then holds exactly its elements).

    An accelerator named without an index ('opencl') means its current device, and the tensor
    gets that device's indexed name ('opencl:0'), as a PyTorch tensor's device always has one.
    """
    n = dtype.itemsize
    for s in shape:
        n *= s
    backend = device.backend
    st = backend.allocate(n, zero)
    if device.index is None and device.type != "cpu":
        device = backend.device
    return _make(st, shape, _contiguous_strides(shape) if stride is None else stride, 0, dtype, device)


def _flat(t):
    """A 1-d contiguous view of all of `t`'s elements in memory order (`t` non-overlapping and
    dense, as every tensor _empty returns)."""
    return _make(t._storage, (_numel(t._shape),), (1,), t._offset, t.dtype, t.device)


def _view_of(base, shape, stride, offset):
    """A view of `base` with new geometry (the autograd layer links it to its base)."""
    t = _make(base._storage, shape, stride, offset, base.dtype, base.device)
    t._base = base if base._base is None else base._base
    return t


_as_device = as_device
