"""Indexing: Tensor.__getitem__ / __setitem__ with PyTorch's semantics, index / index_put, masked
ops, nonzero, take / put.

Basic indices (ints, slices, None, Ellipsis) only change a view's geometry. Advanced indices
(integer or bool tensors, lists, arrays) follow PyTorch's AdvancedIndex scheme: masks become
nonzero() coordinates, all index tensors broadcast together, and the source is "restrided" so its
indexed dims have stride 0; the backend's index_gather / index_scatter then add index * stride.
If the advanced indices are not adjacent, source and indices are first permuted so they lead.

The gather/scatter family (gather, scatter*, index_select, index_add, ...) lives in scatter.py and
searchsorted/bucketize in searching.py; their names are re-exported through this module's __all__.
"""
import numbers
import operator
import warnings

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor, _empty, _view_of
from ._helpers import (method, broadcast_shapes, finish_out, check_inplace, scalar_tensor,
                       is_scalar, _dtype_name)
from ..backends.cpu._map import FAMILY

_F_WHERE = FAMILY["where"]
_INDEX_ERROR = "tensors used as indices must be long, int, byte or bool tensors"
_ZERO_DIM_ERROR = ("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                   "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")

# c10's TypeMeta names, which some PyTorch messages print instead of ScalarType names
_TYPEMETA = {"float32": "float", "float64": "double", "float16": "c10::Half",
             "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int", "int16": "short int",
             "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}

__all__ = ["index_put", "index_put_", "masked_fill", "masked_fill_", "masked_select",
           "masked_scatter", "masked_scatter_", "nonzero", "argwhere", "take", "put", "put_"]


# ------------------------------------------------------------------------------------------------
# Small view helpers (host-side geometry only)
def _expand(t, shape):
    """A broadcast view of `t` with `shape` (stride 0 on broadcast dims); shapes already checked."""
    shape = tuple(shape)
    return t if t._shape == shape else _view_of(t, shape, _bstrides(t, shape), t._offset)


def _flat(t):
    """A contiguous 1-D view of t's elements in row-major order (a copy only when needed)."""
    c = t.contiguous()
    return _view_of(c, (c.numel(),), (1,), c._offset)


def _leaf_check(t):
    check_inplace(t, t.dtype, t._shape)


def _unaliased(self, t):
    """t, or a copy of it when it shares memory with self (a kernel writing self reads t)."""
    return t.clone() if t._storage is self._storage else t


def _is_int(x):
    return isinstance(x, (numbers.Integral, np.integer)) and not isinstance(x, (bool, np.bool_))


def _is_bool(x):
    return isinstance(x, (bool, np.bool_))


# ------------------------------------------------------------------------------------------------
# Turning a Python index into (view, advanced indices)
def _seq_to_tensor(obj, device):
    """PyTorch's indexing_tensor_from_data: bool/uint8 data stay masks, anything else is int64."""
    from .creation import tensor
    t = tensor(obj, device=device)
    if t.dtype not in (_dt.bool, _dt.uint8, _dt.int64):
        t = t.to(_dt.int64)
    return t


def _treat_as_tuple(seq):
    # NumPy's legacy heuristic, kept by PyTorch: a short list holding slices, sequences, tensors,
    # None or Ellipsis is a tuple of indices, not one index.
    if len(seq) >= 32:
        return False
    return any(isinstance(x, (Tensor, list, tuple, slice, range, np.ndarray)) or x is None
               or x is Ellipsis for x in seq)


def _wrap_tuple(index, device):
    if isinstance(index, tuple):
        items = index
    elif isinstance(index, list) and _treat_as_tuple(index):
        items = tuple(index)
    else:
        items = (index,)
    return tuple(_seq_to_tensor(list(x) if isinstance(x, range) else x, device)
                 if isinstance(x, (list, tuple, range, np.ndarray)) else x for x in items)


def _true_false_index(value, device):
    # a Python bool indexes a new size-1 dim: True as [0], False as an empty index
    return _empty((1,), _dt.int64, device, zero=True) if value else _empty((0,), _dt.int64, device)


def _apply_slicing(t, items):
    """Apply the basic parts of `items` to t's geometry; return (view, advanced indices).

    The advanced list is aligned with the view's dims (None = a dim not indexed, a mask covers
    as many dims as it has), as PyTorch's applySlicing records it.
    """
    ndim = t.dim()
    spec = 0
    ellipses = 0
    for it in items:
        if isinstance(it, Tensor):
            spec += it.dim() if it.dtype in (_dt.bool, _dt.uint8) else 1
        elif it is Ellipsis:
            ellipses += 1
        elif it is not None and not _is_bool(it):
            spec += 1
    if ellipses > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if spec > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    shape, stride, offset = list(t._shape), list(t._stride), t._offset
    adv = []
    dim = 0

    def record(idx, ndims=1):
        nonlocal dim
        if not adv:
            adv.extend([None] * dim)
        adv.append(idx)
        dim += ndims

    def unsqueeze():
        st = shape[dim] * stride[dim] if dim < len(shape) else 1
        shape.insert(dim, 1)
        stride.insert(dim, st)

    for real_dim, it in enumerate(items):
        if isinstance(it, Tensor) and it.dim() == 0 and not it.dtype.is_floating_point \
                and it.dtype not in (_dt.bool, _dt.uint8):
            it = int(it.item())                  # 0-d integer tensors select like ints
        if _is_int(it):
            i = int(it)
            size = shape[dim]
            if i < -size or i >= size:
                raise IndexError(f"index {i} is out of bounds for dimension {real_dim} with size "
                                 f"{size}")
            offset += (i + size if i < 0 else i) * stride[dim]
            del shape[dim], stride[dim]
        elif isinstance(it, slice):
            step = 1 if it.step is None else operator.index(it.step)
            if step == 0:
                raise ValueError("slice step cannot be zero")
            if step < 0:
                raise ValueError("step must be greater than zero")
            start, stop, _ = slice(it.start, it.stop, step).indices(shape[dim])
            n = max(0, (stop - start + step - 1) // step)
            offset += start * stride[dim]
            shape[dim] = n
            stride[dim] *= step
            dim += 1
            if adv:
                adv.append(None)
        elif it is Ellipsis:
            k = ndim - spec
            dim += k
            if adv:
                adv.extend([None] * k)
        elif it is None:
            unsqueeze()
            dim += 1
            if adv:
                adv.append(None)
        elif _is_bool(it) or (isinstance(it, Tensor) and it.dim() == 0 and
                              it.dtype in (_dt.bool, _dt.uint8)):
            unsqueeze()
            record(_true_false_index(bool(it.item() if isinstance(it, Tensor) else it), t.device))
        elif isinstance(it, Tensor):
            record(it, it.dim() if it.dtype in (_dt.bool, _dt.uint8) else 1)
        else:
            try:
                i = operator.index(it)
            except TypeError:
                raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or "
                                 "byte Variables are valid indices (got "
                                 f"{type(it).__name__})") from None
            return _apply_slicing(t, items[:real_dim] + (i,) + items[real_dim + 1:])
    if 0 in shape:      # nothing is addressed: keep the offset inside the storage (host views)
        offset = t._offset
    return _view_of(t, tuple(shape), tuple(stride), offset), adv


# ------------------------------------------------------------------------------------------------
# Advanced indexing (PyTorch's index / index_put_)
def _nonzero_rows(t):
    """nonzero(t) transposed: a contiguous (t.dim(), n) int64 buffer."""
    n = t.device.backend.nonzero_count(t)
    buf = _empty((t.dim(), n), _dt.int64, t.device)
    if n and t.dim():
        t.device.backend.nonzero(_view_of(buf, (n, t.dim()), (1, n), 0), t)
    return buf, n


def _check_mask(src, mask, pos):
    """A mask indexing src's dims pos, pos+1, ... must match their sizes exactly."""
    for j in range(mask.dim()):
        if pos + j >= src.dim() or mask._shape[j] != src._shape[pos + j]:
            raise IndexError(f"The shape of the mask {list(mask._shape)} at index {j} does not "
                             f"match the shape of the indexed tensor {list(src._shape)} at index "
                             f"{pos + j}")


def _expand_indices(src, adv):
    """Masks -> their nonzero coordinates, int32 -> int64; one entry per indexed dim."""
    for a in adv:
        if a is not None and a.dtype not in (_dt.int64, _dt.int32, _dt.uint8, _dt.bool):
            raise IndexError(_INDEX_ERROR)
    out = []
    for a in adv:
        if a is not None and a.device != src.device:
            a = a.to(src.device)
        if a is None:
            out.append(None)
        elif a.dtype in (_dt.bool, _dt.uint8):
            if a.dtype is _dt.uint8:
                warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a "
                              "dtype torch.bool instead.", UserWarning, stacklevel=4)
            _check_mask(src, a, len(out))
            buf, n = _nonzero_rows(a)
            out.extend(_view_of(buf, (n,), (1,), j * n) for j in range(a.dim()))
        else:
            out.append(a if a.dtype is _dt.int64 else a.to(_dt.int64))
    return out


def _bstrides(t, shape):
    """t's strides when broadcast to `shape` (0 where t has size 1 or no dim)."""
    off = len(shape) - len(t._shape)
    return tuple(0 if i < off or t._shape[i - off] == 1 else t._stride[i - off]
                 for i in range(len(shape)))


class _Advanced:
    """PyTorch's AdvancedIndex for `src` and its per-dim index list."""

    def __init__(self, src, idx):
        if len(idx) > src.dim():
            raise IndexError(f"too many indices for tensor of dimension {src.dim()} "
                             f"(got {len(idx)})")
        defined = [i for i in idx if i is not None]
        if not defined:
            raise IndexError(_INDEX_ERROR)
        try:
            bshape = broadcast_shapes(*[i._shape for i in defined])
        except RuntimeError:
            shapes = ", ".join(str(list(i._shape)) for i in defined)
            raise IndexError("shape mismatch: indexing tensors could not be broadcast together "
                             f"with shapes {shapes}") from None
        idx = list(idx) + [None] * (src.dim() - len(idx))
        pos = [k for k, i in enumerate(idx) if i is not None]
        if pos[-1] - pos[0] + 1 != len(pos):           # not adjacent: move them to the front
            order = pos + [k for k in range(src.dim()) if idx[k] is None]
            src = _view_of(src, tuple(src._shape[k] for k in order),
                           tuple(src._stride[k] for k in order), src._offset)
            idx = [idx[k] for k in order]
            pos = list(range(len(pos)))
        before, n = pos[0], len(pos)
        self.sizes = [src._shape[k] for k in pos]
        self.strides = [src._stride[k] for k in pos]
        if 0 in self.sizes and 0 not in bshape:
            raise IndexError("index is out of bounds for dimension with size 0")
        after = src._shape[before + n:]
        self.shape = src._shape[:before] + bshape + after
        self.before, self.bshape = before, bshape
        self.src = _view_of(src, self.shape, src._stride[:before] + (0,) * len(bshape) +
                            src._stride[before + n:], src._offset)
        self.indices = defined
        self.pad = ((0,) * before, (0,) * len(after))

    def check(self, backend):
        for k, (i, size) in enumerate(zip(self.indices, self.sizes)):
            bad = backend.index_check(i, -size, size)
            if bad is not None:
                raise IndexError(f"index {bad} is out of bounds for dimension {k} with size {size}")

    def offsets(self, backend, device):
        """(index view over the result shape, size, stride) for the backend's gather/scatter."""
        if len(self.indices) == 1:
            i = self.indices[0]
            st = self.pad[0] + _bstrides(i, self.bshape) + self.pad[1]
            return _view_of(i, self.shape, st, i._offset), self.sizes[0], self.strides[0]
        off = _empty(self.bshape, _dt.int64, device)
        if off.numel():
            backend.index_linearize(off, [_expand(i, self.bshape) for i in self.indices],
                                    self.sizes, self.strides)
        st = self.pad[0] + off._stride + self.pad[1]
        return _view_of(off, self.shape, st, 0), 0, 1


def _index(src, adv):
    """src[adv] for a list of None / index tensors aligned with src's dims (a new tensor)."""
    if len(adv) == 1 and adv[0].dtype is _dt.bool and adv[0]._shape == src._shape and src.dim():
        return masked_select(src, adv[0])             # x[mask] over every dim: one compaction
    info = _Advanced(src, _expand_indices(src, adv))
    be = src.device.backend
    info.check(be)
    out = _empty(info.shape, src.dtype, src.device)
    if out.numel():
        index, size, stride = info.offsets(be, src.device)
        be.index_gather(out, info.src, index, size, stride)
    return out


def _masked_fill_dispatch(self, idx, values):
    """PyTorch's canDispatchToMaskedFill: one mask (among Nones) and a one-element value."""
    if values.numel() != 1:
        return False
    mask, pos, end = None, 0, 0
    for a in idx:
        if a is None:
            pos += 1
        elif a.dtype in (_dt.bool, _dt.uint8) and mask is None:
            mask = a
            _check_mask(self, a, pos)
            pos += a.dim()
            end = pos
        else:
            return False
    if mask is None:
        return False
    if mask.dtype is _dt.uint8:
        mask = mask.to(_dt.bool)
    rest = self.dim() - end              # dims after the mask's: the mask broadcasts over them
    mask = _view_of(mask, mask._shape + (1,) * rest, mask._stride + (1,) * rest, mask._offset)
    _masked_fill_raw(self, mask, values)
    return True


def _index_put_impl(self, adv, values, accumulate):
    if not accumulate and _masked_fill_dispatch(self, adv, values):
        return
    idx = [None if i is None else _unaliased(self, i) for i in _expand_indices(self, adv)]
    info = _Advanced(self, idx)
    try:
        ok = broadcast_shapes(values._shape, info.shape) == info.shape
    except RuntimeError:
        ok = False
    if not ok:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(values._shape)} cannot be "
                           f"broadcast to indexing result of shape {list(info.shape)}")
    be = self.device.backend
    info.check(be)
    if _numel(info.shape):
        index, size, stride = info.offsets(be, self.device)
        values = _expand(_unaliased(self, values), info.shape)
        be.index_scatter(info.src, values, index, size, stride, "add" if accumulate else None)


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _strip_leading_ones(v):
    k = 0
    while k < v.dim() and v._shape[k] == 1:
        k += 1
    return v if k == 0 else _view_of(v, v._shape[k:], v._stride[k:], v._offset)


# ------------------------------------------------------------------------------------------------
# Python protocol
def _getitem(self, index):
    """self[index]: a view for basic indices, a new tensor for advanced ones."""
    if _is_int(index) and self.dim() == 0:
        raise IndexError(_ZERO_DIM_ERROR)
    view, adv = _apply_slicing(self, _wrap_tuple(index, self.device))
    if not adv:
        return view
    return _index(view, adv)


def _copy_to(dst, src):
    """dst[...] = src with setitem's broadcasting (leading 1s of src dropped first)."""
    if dst._shape != src._shape and src.dim():
        src = _expand_inplace(dst, _strip_leading_ones(src))
    dst.device.backend.copy(dst, src)


def _setitem(self, index, value):
    """self[index] = value: value (number or tensor) is converted to self's dtype and broadcast."""
    if isinstance(value, Tensor):
        v = value
        if v.device != self.device:
            v = v.to(self.device)
    elif is_scalar(value):
        v = scalar_tensor(value.item() if isinstance(value, np.generic) else value,
                          self.dtype, self.device)
    else:
        raise TypeError(f"can't assign a {type(value).__name__} to a {self.type()}")
    if v.dtype is not self.dtype:
        v = v.to(self.dtype)
    _leaf_check(self)
    if _is_bool(index) and not index:
        return
    if _is_int(index) and self.dim() == 0:
        raise IndexError(_ZERO_DIM_ERROR)
    view, adv = _apply_slicing(self, _wrap_tuple(index, self.device))
    if not adv:
        _copy_to(view, v)
    else:
        _index_put_impl(view, adv, _strip_leading_ones(v), False)
    self._storage.version += 1


Tensor.__getitem__ = _getitem
Tensor.__setitem__ = _setitem


def _check_indices_arg(self, indices):
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not "
                        f"{type(indices).__name__}")
    if len(indices) > self.dim():
        raise IndexError(f"too many indices for tensor of dimension {self.dim()} "
                         f"(got {len(indices)})")
    for i in indices:
        if i is not None and not isinstance(i, Tensor):
            raise TypeError(f"index_put(): expected Tensor as element of argument 'indices', but "
                            f"got {type(i).__name__}")


@method()
def index_put_(self, indices, values, accumulate=False):
    """self[indices] = values (or += with accumulate, where duplicate indices add up)."""
    _check_indices_arg(self, indices)
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put_(): argument 'values' (position 2) must be Tensor, not "
                        f"{type(values).__name__}")
    if values.dtype is not self.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{_dtype_name(self.dtype)} for the destination and "
                           f"{_dtype_name(values.dtype)} for the source.")
    _leaf_check(self)
    if any(i is not None for i in indices):
        _index_put_impl(self, list(indices), values, accumulate)
    else:
        _copy_to(self, values)
    self._storage.version += 1
    return self


@method()
def index_put(input, indices, values, accumulate=False):
    """A copy of input with input[indices] = values (+= with accumulate)."""
    return index_put_(input.clone(), indices, values, accumulate)


# ------------------------------------------------------------------------------------------------
# Masked ops
def _masked_fill_raw(self, mask, value):
    """self = where(mask, value, self) in place; mask broadcasts to self."""
    if isinstance(value, Tensor):
        value = value.item()
    val = scalar_tensor(value, self.dtype, self.device)
    self.device.backend.map(_F_WHERE, 0, self, [mask, val, self])


@method()
def masked_fill_(self, mask, value):
    """self[mask] = value in place (mask broadcast to self's shape)."""
    if not isinstance(mask, Tensor):
        raise TypeError(f"masked_fill_(): argument 'mask' (position 1) must be Tensor, not "
                        f"{type(mask).__name__}")
    if mask.dtype is not _dt.bool:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_TYPEMETA[mask.dtype.name]}")
    if isinstance(value, Tensor) and value.dim() != 0:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value.dim()} dimension(s).")
    shape = broadcast_shapes(self._shape, mask._shape)
    if shape != self._shape:
        raise RuntimeError(f"output with shape {list(self._shape)} doesn't match the broadcast "
                           f"shape {list(shape)}")
    _leaf_check(self)
    _masked_fill_raw(self, mask, value)
    self._storage.version += 1
    return self


@method()
def masked_fill(input, mask, value):
    """where(mask, value, input), broadcasting mask and input together."""
    if not isinstance(mask, Tensor):
        raise TypeError(f"masked_fill(): argument 'mask' (position 1) must be Tensor, not "
                        f"{type(mask).__name__}")
    shape = broadcast_shapes(input._shape, mask._shape)
    res = _empty(shape, input.dtype, input.device)
    input.device.backend.copy(res, input)
    return masked_fill_(res, mask, value)


@method()
def masked_select(input, mask, *, out=None):
    """The 1-D tensor of input's elements where mask is true (both broadcast), row-major."""
    if not isinstance(mask, Tensor) or mask.dtype is not _dt.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = broadcast_shapes(input._shape, mask._shape)
    src, m = _expand(input, shape), _expand(mask, shape)
    be = input.device.backend
    n = be.nonzero_count(m)
    res = _empty((n,), input.dtype, input.device)
    if n:
        be.masked_select(res, src, m)
    return finish_out(res, out)


def _expand_inplace(self, t):
    """t broadcast to self's shape, with expand's error when it cannot be."""
    if t.dim() > self.dim():
        raise RuntimeError(f"expand(torch.{t.type().split('.')[-1]}{{{list(t._shape)}}}, "
                           f"size={list(self._shape)}): the number of sizes provided ({self.dim()}) "
                           f"must be greater or equal to the number of dimensions in the tensor "
                           f"({t.dim()})")
    off = self.dim() - t.dim()
    for i, n in enumerate(t._shape):
        if n != 1 and n != self._shape[off + i]:
            raise RuntimeError(f"The expanded size of the tensor ({self._shape[off + i]}) must match "
                               f"the existing size ({n}) at non-singleton dimension {off + i}.  "
                               f"Target sizes: {list(self._shape)}.  Tensor sizes: {list(t._shape)}")
    return _expand(t, self._shape)


@method()
def masked_scatter_(self, mask, source):
    """Copy source's leading elements, in order, into self where mask is true."""
    if self.dtype is not source.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"
                           f"{_dtype_name(self.dtype)} and {_dtype_name(source.dtype)}")
    if mask.dtype is not _dt.bool:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{_dtype_name(mask.dtype)}")
    m = _expand_inplace(self, mask)
    _leaf_check(self)
    if self.numel():
        be = self.device.backend
        if be.nonzero_count(m) > source.numel():
            raise RuntimeError("Number of elements of source < number of ones in mask")
        be.masked_scatter(self, m, _flat(_unaliased(self, source)))
    self._storage.version += 1
    return self


@method()
def masked_scatter(input, mask, source):
    """A copy of input (broadcast with mask) with source's elements written where mask is true."""
    shape = broadcast_shapes(input._shape, mask._shape)
    res = _empty(shape, input.dtype, input.device)
    input.device.backend.copy(res, input)
    return masked_scatter_(res, _expand(mask, shape), source)


# ------------------------------------------------------------------------------------------------
# nonzero / argwhere / take / put
@method()
def nonzero(input, *, out=None, as_tuple=False):
    """Coordinates of input's nonzero elements: an (n, input.dim()) int64 tensor, or one 1-D tensor
    per dim with as_tuple."""
    if input.dim() == 0 and as_tuple:
        buf, n = _nonzero_rows(_view_of(input, (1,), (1,), input._offset))
        return (_view_of(buf, (n,), (1,), 0),)
    buf, n = _nonzero_rows(input)
    if as_tuple:
        return tuple(_view_of(buf, (n,), (1,), d * n) for d in range(input.dim()))
    # column-major, like PyTorch's nonzero (each coordinate column is contiguous)
    res = _view_of(buf, (n, input.dim()), (1, n), 0)
    if out is not None and out.dtype is not _dt.int64:
        raise RuntimeError(f"nonzero: Expected out tensor to have scalar type Long but got scalar "
                           f"type{_dtype_name(out.dtype)}")
    return finish_out(res, out)


@method()
def argwhere(input):
    """The (n, input.dim()) coordinates of input's nonzero elements (same as nonzero)."""
    return nonzero(input)


def _check_long(name, index):
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.dtype is not _dt.int64:
        raise RuntimeError(f"{name}(): Expected a long tensor for index, but got "
                           f"{_dtype_name(index.dtype)}")


@method()
def take(input, index):
    """input.flatten()[index]: the result has index's shape; negative indices count from the end."""
    _check_long("take", index)
    n = input.numel()
    if n == 0 and index.numel():
        raise IndexError("take(): tried to take from an empty tensor")
    be = input.device.backend
    bad = be.index_check(index, -n, n)
    if bad is not None:
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    out = _empty(index._shape, input.dtype, input.device)
    if out.numel():
        src = input.contiguous()
        src = _view_of(src, index._shape, (0,) * index.dim(), src._offset)
        be.index_gather(out, src, index, n, 1)
    return out


@method()
def put_(self, index, source, accumulate=False):
    """self.flatten()[index] = source (+= with accumulate, duplicates adding up)."""
    _check_long("put_", index)
    if self.dtype is not source.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_dtype_name(self.dtype)} and source.dtype = "
                           f"{_dtype_name(source.dtype)}")
    if source.numel() != index.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, "
                         f"but got source.numel() = {source.numel()}, index.numel() = "
                         f"{index.numel()}")
    n = self.numel()
    if n == 0 and index.numel():
        raise IndexError("put_(): Tried to put elements into an empty tensor")
    be = self.device.backend
    bad = be.index_check(index, -n, n)
    if bad is not None:
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    _leaf_check(self)
    if index.numel():
        target = self if self.is_contiguous() else self.contiguous()
        m = index.numel()
        dst = _view_of(target, (m,), (0,), target._offset)
        be.index_scatter(dst, _flat(_unaliased(self, source)), _flat(_unaliased(self, index)), n, 1,
                         "add" if accumulate else None)
        if target is not self:
            be.copy(self, target)
    self._storage.version += 1
    return self


@method()
def put(input, index, source, accumulate=False):
    """A copy of input with input.flatten()[index] = source (+= with accumulate)."""
    return put_(input.clone(), index, source, accumulate)


from . import scatter as _scatter          # noqa: E402  (the gather/scatter family)
from . import searching as _searching      # noqa: E402  (searchsorted / bucketize)
from .scatter import *                     # noqa: E402,F401,F403
from .searching import *                   # noqa: E402,F401,F403

__all__ += _scatter.__all__ + _searching.__all__
