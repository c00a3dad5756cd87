"""Narrowing and splitting views: narrow, select, unbind, split, chunk, tensor_split, h/v/dsplit.

Every result shares the input's storage (a view built with `_slice` / `_view`).
"""
from .. import dtypes as _dt
from ..tensor import Tensor, _wrap_dim
from ._helpers import method
from .shape import _view, _as_int, _slice, _dim_size, _type_name

__all__ = ["narrow", "narrow_copy", "select", "unbind", "split", "split_with_sizes", "chunk",
           "tensor_split", "hsplit", "vsplit", "dsplit"]


@method()
def narrow(input, dim, start, length):
    """The `length` elements along `dim` from `start` (a view)."""
    if input.dim() == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if isinstance(start, Tensor):
        if start.dim() != 0 or start.dtype.is_floating_point or start.dtype is _dt.bool:
            raise RuntimeError("start must be an 0-dim integral Tensor.")
        start = int(start.item())
    start, length = _as_int(start, "narrow", "start"), _as_int(length, "narrow", "length")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    d = _wrap_dim(dim, input.dim())
    n = input._shape[d]
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if start < 0:
        start += n
    if start > n - length:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _slice(input, d, start, start + length)


@method()
def narrow_copy(input, dim, start, length):
    """A contiguous copy of narrow(input, dim, start, length)."""
    return narrow(input, dim, start, length).clone()


@method()
def select(input, dim, index):
    """The slice at `index` along `dim`, with that dim removed (a view)."""
    nd = input.dim()
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, nd)
    index = _as_int(index, "select", "index")
    n = input._shape[d]
    if index < -n or index >= n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input._shape)} at dimension {d}")
    if index < 0:
        index += n
    return _view(input, input._shape[:d] + input._shape[d + 1:],
                 input._stride[:d] + input._stride[d + 1:], input._offset + index * input._stride[d])


@method()
def unbind(input, dim=0):
    """All slices along `dim`, as a tuple of views."""
    d = _wrap_dim(dim, input.dim())
    return tuple(select(input, d, i) for i in range(_dim_size(input, d)))


def _split_sizes(input, sizes, dim):
    if input.dim() == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _wrap_dim(dim, input.dim())
    n = input._shape[d]
    for s in sizes:
        if s < 0:
            raise RuntimeError("split_with_sizes expects split_sizes have only non-negative entries, "
                               f"but got split_sizes={list(sizes)}")
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                           f"tensor's size at dimension {d}), but got split_sizes={list(sizes)}")
    out, start = [], 0
    for s in sizes:
        out.append(_slice(input, d, start, start + s))
        start += s
    return tuple(out)


@method()
def split(tensor, split_size_or_sections, dim=0):
    """Pieces of `split_size` along `dim` (the last may be smaller), or of the listed sizes."""
    s = split_size_or_sections
    if isinstance(s, Tensor) and s.dim() == 0:
        s = int(s.item())
    if isinstance(s, (tuple, list, Tensor)):
        sizes = tuple(_as_int(v, "split", "split_size") for v in (s.tolist() if isinstance(s, Tensor) else s))
        return _split_sizes(tensor, sizes, dim)
    s = _as_int(s, "split", "split_size")
    if tensor.dim() == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    if s < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={s}")
    d = _wrap_dim(dim, tensor.dim())
    n = tensor._shape[d]
    if s == 0 and n != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension "
                           f"size of {n}")
    k = max((n + s - 1) // s, 1) if s else 1
    last = s - (s * k - n)
    return tuple(narrow(tensor, d, i * s, s if i < k - 1 else last) for i in range(k))


@method()
def split_with_sizes(input, split_sizes, dim=0):
    """Views of the listed sizes along `dim` (they must sum to its size)."""
    return _split_sizes(input, tuple(_as_int(v, "split_with_sizes", "split_sizes") for v in split_sizes), dim)


@method()
def chunk(input, chunks, dim=0):
    """`chunks` pieces along `dim` of ceil(size / chunks) each (possibly fewer pieces)."""
    if input.dim() == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    chunks = _as_int(chunks, "chunk", "chunks")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _wrap_dim(dim, input.dim())
    n = input._shape[d]
    size = (n + chunks - 1) // chunks
    if size == 0 and n == 0:
        return _split_sizes(input, (0,) * chunks, d)
    return split(input, size, d)


def _tensor_split_check(input):
    if input.dim() == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor "
                           "with 0 dims")


@method()
def tensor_split(input, indices_or_sections, dim=0):
    """Split into n nearly equal sections (first ones one larger), or at the given indices."""
    _tensor_split_check(input)
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios.device.type != "cpu":
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be on cpu, but "
                               f"it's on {ios.device}")
        if ios.dtype is not _dt.int64:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype of "
                               f"long, but got {_type_name(ios.dtype)}")
        if ios.dim() > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a "
                               "zero-dimensional or one-dimensional tensor, but got a tensor with "
                               f"{ios.dim()} dims")
        ios = ios.tolist()
    d = _wrap_dim(dim, input.dim())
    if isinstance(ios, (tuple, list)):
        idx = [_as_int(v, "tensor_split", "indices") for v in ios]
        out, start = [], 0
        for end in idx:
            out.append(_slice(input, d, start, end))
            start = end
        out.append(_slice(input, d, start, input._shape[d]))
        return tuple(out)
    sections = _as_int(ios, "tensor_split", "sections")
    if sections <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
    n = input._shape[d]
    base, extra = divmod(n, sections)
    out, start = [], 0
    for i in range(sections):
        size = base + 1 if i < extra else base
        out.append(_slice(input, d, start, start + size))
        start += size
    return tuple(out)


def _hvd_split(input, ios, dim, name, min_dims):
    if input.dim() < min_dims:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, but "
                           f"got a tensor with {input.dim()} dimensions!")
    if isinstance(ios, (tuple, list)):
        return tensor_split(input, ios, dim)
    s = _as_int(ios, name, "sections")
    n = input._shape[dim]
    if s == 0 or n % abs(s) != 0:
        raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of "
                           f"the dimension {n} is not divisible by the split_size {s}!")
    return tensor_split(input, s, dim)


@method()
def hsplit(input, indices_or_sections):
    """tensor_split along dim 1 (dim 0 for 1-D inputs); an int must divide the size exactly."""
    return _hvd_split(input, indices_or_sections, 0 if input.dim() == 1 else 1, "hsplit", 1)


@method()
def vsplit(input, indices_or_sections):
    """tensor_split along dim 0 of a >= 2-D tensor; an int must divide the size."""
    return _hvd_split(input, indices_or_sections, 0, "vsplit", 2)


@method()
def dsplit(input, indices_or_sections):
    """tensor_split along dim 2 of a >= 3-D tensor; an int must divide the size."""
    return _hvd_split(input, indices_or_sections, 2, "dsplit", 3)
