"""Shared plumbing of the reduction and sorting ops: dims, shapes, result tuples, small views.

The view helpers here build metadata only (no data moves); they keep reduce.py and sorting.py
independent of the shape family's module.
"""
import collections
import numbers

from .. import dtypes as _dt
from ..tensor import Tensor, _empty, _make, _contiguous_strides, _wrap_dim
from ._helpers import _dtype_name

__all__ = []


def return_type(name, fields):
    """A namedtuple like torch.return_types.<name> (same fields, same repr layout)."""
    cls = collections.namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"ember.return_types.{name}(\n{body})"
    cls.__repr__ = __repr__
    cls.__module__ = "ember.return_types"
    return cls


def type_name(d):
    """PyTorch's scalar type name of a dtype ('Float', 'Long', ...)."""
    return _dtype_name(d)


def check_tensor(x, fname):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")


def reduce_dims(dim, ndim):
    """Sorted, wrapped dims of a reduction; None or an empty list means every dim."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return tuple(range(ndim))
        ds = []
        for d in dim:
            w = _wrap_dim(d, ndim)
            if w in ds:
                raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
            ds.append(w)
        return tuple(sorted(ds))
    return (_wrap_dim(dim, ndim),)


def one_dim(dim, ndim, fname):
    """A single wrapped dim (TypeError for a list, as PyTorch's int-only overloads)."""
    if isinstance(dim, (list, tuple)) or (not isinstance(dim, numbers.Integral) and
                                          not isinstance(dim, Tensor)):
        raise TypeError(f"{fname}(): argument 'dim' must be int, not {type(dim).__name__}")
    return _wrap_dim(dim, ndim)


def keep_shape(shape, dims):
    return tuple(1 if d in dims else s for d, s in enumerate(shape))


def out_shape(shape, dims, keepdim):
    if keepdim:
        return keep_shape(shape, dims)
    return tuple(s for d, s in enumerate(shape) if d not in dims)


def alias(t, shape):
    """A new tensor over contiguous `t`'s memory with another shape of the same numel."""
    return _make(t._storage, tuple(shape), _contiguous_strides(shape), t._offset, t.dtype, t.device)


def contiguous(t):
    if t.is_contiguous():
        return t
    out = _empty(t._shape, t.dtype, t.device)
    t.device.backend.copy(out, t)
    return out


def cast(t, dtype):
    """t converted to dtype (t itself when it already has it); no autograd link."""
    if t.dtype is dtype:
        return t
    out = _empty(t._shape, dtype, t.device)
    t.device.backend.copy(out, t)
    return out


def flat(t):
    """The elements of t as a contiguous 1-d tensor (a copy only when t is not contiguous)."""
    return alias(contiguous(t), (t.numel(),))


def permute(t, order):
    """A view of t with its dims in `order`."""
    return _make(t._storage, tuple(t._shape[d] for d in order), tuple(t._stride[d] for d in order),
                 t._offset, t.dtype, t.device)


def movedim(t, src, dst):
    """A view of t with dim `src` moved to position `dst`."""
    order = [d for d in range(t.ndim) if d != src]
    order.insert(dst, src)
    return permute(t, order)


def narrow(t, dim, start, length):
    shape = list(t._shape)
    shape[dim] = length
    return _make(t._storage, tuple(shape), t._stride, t._offset + start * t._stride[dim], t.dtype,
                 t.device)


def squeeze_dims(t, dims):
    """A view of t without the (size-1) `dims`."""
    keep = [d for d in range(t.ndim) if d not in dims]
    return _make(t._storage, tuple(t._shape[d] for d in keep), tuple(t._stride[d] for d in keep),
                 t._offset, t.dtype, t.device)


def unsqueeze0(t):
    return _make(t._storage, (1,) + t._shape, (t.numel() or 1,) + t._stride, t._offset, t.dtype,
                 t.device)


def write_out(result, out):
    """finish_out for single results (resizing an empty `out`)."""
    from ._helpers import finish_out
    return finish_out(result, out)


def write_out_tuple(results, out, fname):
    """Copy a tuple of results into the user's `out=` tuple of tensors."""
    if out is None:
        return results
    if not isinstance(out, (tuple, list)) or len(out) != len(results):
        raise TypeError(f"{fname}(): argument 'out' must be tuple of {len(results)} Tensors")
    from ._helpers import finish_out
    done = [finish_out(r, o) for r, o in zip(results, out)]
    return type(results)(*done) if hasattr(results, "_fields") else tuple(done)


def index_dtype_ok(d):
    return d is _dt.int64
