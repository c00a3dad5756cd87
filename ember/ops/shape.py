"""Shape and view ops: view/reshape, permute/transpose, expand, squeeze, split family, as_strided ...

Every op here returns a view (shared storage, new size/stride/offset) built with `_view_of`, except
`reshape`/`flatten` when the strides forbid a view (then a contiguous copy, as PyTorch). The split
family (narrow, select, split, chunk ...) is in splitting.py; the copying ops (cat, stack, flip,
roll, repeat, tril, diag, meshgrid ...) are in joining.py. Both are re-exported from here.
"""
import numbers
import warnings

from .. import dtypes as _dt
from .. import _memory_format as _mf
from ..tensor import Tensor, Size, _view_of, _make, _wrap_dim, _numel, _contiguous_strides
from ._helpers import method, broadcast_shapes as _broadcast_shapes

__all__ = ["reshape", "permute", "transpose", "swapaxes", "swapdims", "t", "adjoint", "squeeze",
           "unsqueeze", "flatten", "unflatten", "ravel", "movedim", "moveaxis", "as_strided",
           "diagonal", "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_to",
           "broadcast_tensors", "broadcast_shapes"]


# ------------------------------------------------------------------------------------------------
# Argument helpers
def _as_int(v, fname, arg="size"):
    if isinstance(v, Tensor):
        if v.numel() != 1 or v.dtype.is_floating_point:
            raise TypeError(f"{fname}(): argument '{arg}' must be tuple of ints, but found element "
                            f"of type Tensor")
        return int(v.item())
    if not isinstance(v, numbers.Integral) or isinstance(v, bool):
        raise TypeError(f"{fname}(): argument '{arg}' must be tuple of ints, but found element of "
                        f"type {type(v).__name__}")
    return int(v)


def _int_tuple(args, fname, arg="size"):
    """f(2, 3), f((2, 3)), f([2, 3]), f(Size) -> (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(_as_int(v, fname, arg) for v in args)


def _dims_list(dims, fname):
    """An int or a sequence of ints -> tuple of ints (not yet wrapped)."""
    if isinstance(dims, (tuple, list)):
        return tuple(_as_int(d, fname, "dims") for d in dims)
    return (_as_int(dims, fname, "dims"),)


def _view(x, shape, stride, offset=None):
    return _view_of(x, tuple(shape), tuple(stride), x._offset if offset is None else offset)


def _dim_mask(dims, ndim):
    """Wrapped, de-duplicated dims (PyTorch's dim_list_to_bitset)."""
    seen = []
    for d in dims:
        w = _wrap_dim(d, ndim)
        if w in seen:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        seen.append(w)
    return seen


def _dim_size(x, d):
    """x.size(d) for a wrapped d; a 0-d tensor has no dim 0 to measure."""
    if not x._shape:
        raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
    return x._shape[d]


# ------------------------------------------------------------------------------------------------
# view / reshape
def _infer_size(shape, numel):
    """Resolve one -1 in `shape` against `numel` (PyTorch's infer_size)."""
    infer = None
    newsize = 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s >= 0:
            newsize *= s
        else:
            raise RuntimeError(f"invalid shape dimension {s}")
    if numel == newsize or (infer is not None and newsize > 0 and numel % newsize == 0):
        if infer is not None:
            if newsize == 0:
                raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} "
                                   "because the unspecified dimension size -1 can be any value "
                                   "and is ambiguous")
            shape = shape[:infer] + (numel // newsize,) + shape[infer + 1:]
        return shape
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")


def _compute_stride(oldshape, oldstride, newshape):
    """Strides that view `oldshape`/`oldstride` memory as `newshape`, or None (PyTorch's
    computeStride): dims are grouped into chunks that are contiguous in memory, and each group of
    the new shape must fall exactly within one chunk."""
    if not oldshape:
        return (1,) * len(newshape)
    numel = _numel(oldshape)
    if numel == 0 and tuple(oldshape) == tuple(newshape):
        return tuple(oldstride)
    nd = len(newshape)
    newstride = [0] * nd
    if numel == 0:
        for d in range(nd - 1, -1, -1):
            newstride[d] = 1 if d == nd - 1 else max(newshape[d + 1], 1) * newstride[d + 1]
        return tuple(newstride)
    view_d = nd - 1
    chunk_base = oldstride[-1]
    tensor_numel = view_numel = 1
    for td in range(len(oldshape) - 1, -1, -1):
        tensor_numel *= oldshape[td]
        if td == 0 or (oldshape[td - 1] != 1 and oldstride[td - 1] != tensor_numel * chunk_base):
            while view_d >= 0 and (view_numel < tensor_numel or newshape[view_d] == 1):
                newstride[view_d] = view_numel * chunk_base
                view_numel *= newshape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if td > 0:
                chunk_base = oldstride[td - 1]
                tensor_numel = view_numel = 1
    if view_d != -1:
        return None
    return tuple(newstride)


def _type_name(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}[d.name]


def _view_dtype(self, dtype):
    """Reinterpret the bytes as `dtype`; the last dim scales when the element sizes differ."""
    dtype = _dt.to_dtype(dtype)
    old, new = self.dtype.itemsize, dtype.itemsize
    shape, stride, off = list(self._shape), list(self._stride), self._offset
    names = f"{_type_name(self.dtype)} as {_type_name(dtype)} (different element sizes)"
    if old != new:
        if not shape:
            raise RuntimeError(f"self.dim() cannot be 0 to view {names}")
        if stride[-1] != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 to view {names}, but got {stride[-1]}")
        if old > new:
            r = old // new
            stride = [s * r for s in stride[:-1]] + [1]
            shape[-1] *= r
            off *= r
        else:
            r = new // old
            if shape[-1] % r:
                raise RuntimeError(f"self.size(-1) must be divisible by {r} to view {names}, but "
                                   f"got {shape[-1]}")
            if off % r:
                raise RuntimeError(f"self.storage_offset() must be divisible by {r} to view "
                                   f"{names}, but got {off}")
            for i, s in enumerate(stride[:-1]):
                if s % r:
                    raise RuntimeError(f"self.stride({i}) must be divisible by {r} to view "
                                       f"{names}, but got {s}")
            stride = [s // r for s in stride[:-1]] + [1]
            shape[-1] //= r
            off //= r
    t = _make(self._storage, tuple(shape), tuple(stride), off, dtype, self.device)
    t._base = self if self._base is None else self._base
    return t


@method()
def view(self, *shape):
    """A view with a new shape (one dim may be -1), or a reinterpretation as another dtype."""
    if len(shape) == 1 and isinstance(shape[0], _dt.dtype):
        return _view_dtype(self, shape[0])
    if len(shape) == 0:
        raise TypeError("view() received an invalid combination of arguments - got (), but "
                        "expected one of: (torch.dtype dtype) or (tuple of ints size)")
    shape = _infer_size(_int_tuple(shape, "view"), self.numel())
    stride = _compute_stride(self._shape, self._stride, shape)
    if stride is None:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                           "least one dimension spans across two contiguous subspaces). Use "
                           ".reshape(...) instead.")
    return _view(self, shape, stride)


@method()
def view_as(self, other):
    """View with other's shape."""
    return view(self, other._shape)


@method()
def reshape(input, *args, shape=None):
    """A view with the new shape when the strides allow it, else a contiguous copy."""
    shape = _infer_size(_int_tuple(args if shape is None else (shape,), "reshape", "shape"),
                        input.numel())
    stride = _compute_stride(input._shape, input._stride, shape)
    if stride is not None:
        return _view(input, shape, stride)
    # like PyTorch's _unsafe_view: the fresh copy takes the new shape, it is not a view of a temp
    c = input.clone(memory_format=_mf.contiguous_format)
    c._shape, c._stride = shape, _contiguous_strides(shape)
    return c


@method()
def reshape_as(self, other):
    """reshape to other's shape."""
    return reshape(self, other._shape)


# ------------------------------------------------------------------------------------------------
# permutations
@method()
def permute(input, *args, dims=None):
    """Reorder the dims: result dim i is input dim dims[i]."""
    dims = _int_tuple(args if dims is None else (dims,), "permute", "dims")
    nd = len(input._shape)
    if len(dims) != nd:
        raise RuntimeError("permute(sparse_coo): number of dimensions in the tensor input does not "
                           "match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    seen = [False] * nd
    wrapped = []
    for d in dims:
        w = _wrap_dim(d, nd)
        if seen[w]:
            raise RuntimeError("permute(): duplicate dims are not allowed.")
        seen[w] = True
        wrapped.append(w)
    return _view(input, [input._shape[w] for w in wrapped], [input._stride[w] for w in wrapped])


@method()
def transpose(input, dim0, dim1):
    """Swap dims dim0 and dim1."""
    nd = len(input._shape)
    d0, d1 = _wrap_dim(dim0, nd), _wrap_dim(dim1, nd)
    shape, stride = list(input._shape), list(input._stride)
    if d0 != d1:
        shape[d0], shape[d1] = shape[d1], shape[d0]
        stride[d0], stride[d1] = stride[d1], stride[d0]
    return _view(input, shape, stride)


swapaxes = swapdims = transpose
Tensor.swapaxes = Tensor.swapdims = transpose


def _set_geometry(self, v):
    """In-place metadata change (transpose_, squeeze_ ...): self takes v's size/stride/offset."""
    self._shape, self._stride, self._offset = v._shape, v._stride, v._offset
    return self


@method("transpose_", "swapaxes_", "swapdims_")
def transpose_(self, dim0, dim1):
    """In-place transpose: self's size/stride swap (no data moves)."""
    return _set_geometry(self, transpose(self, dim0, dim1))


def _check_t(x, fn):
    if x.dim() > 2:
        raise RuntimeError(f"{fn} expects a tensor with <= 2 dimensions, but self is {x.dim()}D")


@method()
def t(input):
    """Transpose a <= 2-D tensor (0-D and 1-D come back as they are)."""
    _check_t(input, "t()")
    return transpose(input, 0, 0 if input.dim() < 2 else 1)


@method()
def t_(self):
    """In-place t()."""
    _check_t(self, "t_()")
    return _set_geometry(self, t(self))


_warned = set()


def _warn_once(key, msg):
    if key not in _warned:
        _warned.add(key)
        warnings.warn(msg, UserWarning, stacklevel=3)


def _T(self):
    n = self.dim()
    if n not in (0, 2):
        _warn_once("T", "The use of `x.T` on tensors of dimension other than 2 to reverse their "
                   "shape is deprecated and it will throw an error in a future release. Consider "
                   "`x.mT` to transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, "
                   "-1, -1))` to reverse the dimensions of a tensor.")
    elif n == 0:
        _warn_once("T0", "Tensor.T is deprecated on 0-D tensors. This function is the identity in "
                   "these cases.")
    return permute(self, tuple(range(n - 1, -1, -1)))


def _adjoint(self, name):
    if self.dim() == 1:
        raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of matrices. "
                           "Got 1-D tensor.")
    return self if self.dim() == 0 else transpose(self, -2, -1)


def _mT(self):
    if self.dim() == 0:
        _warn_once("mT", "Tensor.mT is deprecated on 0-D tensors. This function is the identity in "
                   "these cases.")
    return _adjoint(self, "mT")


def _mH(self):
    if self.dim() == 0:
        _warn_once("mH", "Tensor.mH is deprecated on 0-D tensors. Consider using x.conj().")
    return _adjoint(self, "mH")


def _H(self):
    n = self.dim()
    if n == 0:
        _warn_once("H", "Tensor.H is deprecated on 0-D tensors. Consider using x.conj().")
    if n not in (0, 2):
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {n}-D tensor."
                           + (" For batches of matrices, consider using tensor.mH" if n > 2 else ""))
    return self if n == 0 else transpose(self, -2, -1)


@method()
def adjoint(input):
    """Conjugate transpose of the last two dims (a transpose: Ember has no complex dtypes)."""
    if input.dim() == 0:
        _warn_once("adjoint", "adjoint() is deprecated on 0-D tensors. Consider using x.conj().")
    return _adjoint(input, "adjoint()")


Tensor.T = property(_T)
Tensor.mT = property(_mT)
Tensor.mH = property(_mH)
Tensor.H = property(_H)


@method()
def movedim(input, source, destination):
    """Move dims `source` to positions `destination`; the others keep their relative order."""
    src = _dims_list(source, "movedim")
    dst = _dims_list(destination, "movedim")
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) "
                           f"should contain the same number of dims as destination ({list(dst)} dims)")
    nd = input.dim()
    nsrc = [_wrap_dim(d, nd) for d in src]
    ndst = [_wrap_dim(d, nd) for d in dst]
    if len(set(nsrc)) != len(nsrc):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(src)})")
    if len(set(ndst)) != len(ndst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(dst)})")
    if nd == 0:
        return _view(input, input._shape, input._stride)
    order = [-1] * nd
    for s, d in zip(nsrc, ndst):
        order[d] = s
    rest_src = iter([d for d in range(nd) if d not in nsrc])
    for i in range(nd):
        if order[i] == -1:
            order[i] = next(rest_src)
    return permute(input, order)


moveaxis = movedim
Tensor.moveaxis = movedim


# ------------------------------------------------------------------------------------------------
# expand / broadcast
@method()
def expand(self, *sizes):
    """A view broadcast to `sizes` (-1 keeps a dim); expanded dims get stride 0."""
    sizes = _int_tuple(sizes, "expand")
    nd, td = len(sizes), self.dim()
    if nd < td:
        raise RuntimeError(f"expand({self.type()}{{{list(self._shape)}}}, size={list(sizes)}): the "
                           f"number of sizes provided ({nd}) must be greater or equal to the number "
                           f"of dimensions in the tensor ({td})")
    shape, stride = [0] * nd, [0] * nd
    for i in range(nd - 1, -1, -1):
        d = td - nd + i
        size = self._shape[d] if d >= 0 else 1
        st = self._stride[d] if d >= 0 else (shape[i + 1] * stride[i + 1] if i + 1 < nd else 1)
        target = sizes[i]
        if target == -1:
            if d < 0:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            target = size
        if size != target:
            if size != 1:
                raise RuntimeError(f"The expanded size of the tensor ({target}) must match the "
                                   f"existing size ({size}) at non-singleton dimension {i}.  Target "
                                   f"sizes: {list(sizes)}.  Tensor sizes: {list(self._shape)}")
            size, st = target, 0
        if td == 0:
            st = 0
        shape[i], stride[i] = size, st
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {shape}")
    return _view(self, shape, stride)


@method()
def expand_as(self, other):
    """expand to other's shape."""
    return expand(self, other._shape)


@method()
def broadcast_to(input, size):
    """expand to `size` (a view with stride 0 on broadcast dims)."""
    return expand(input, size)


def broadcast_tensors(*tensors):
    """Views of the tensors all expanded to their common broadcast shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    shape = _broadcast_shapes(*[t._shape for t in tensors]) if tensors else ()
    return tuple(expand(t, shape) for t in tensors)


def broadcast_shapes(*shapes):
    """The shape tensors of the given shapes would broadcast to (ints count as 1-D shapes)."""
    shapes = [(s,) if isinstance(s, numbers.Integral) else tuple(s) for s in shapes]
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, n in enumerate(s):
            j = ndim - len(s) + i
            n = _as_int(n, "broadcast_shapes", "shapes")
            if n < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension ({n}): ({n})")
            if n == 1 or n == out[j]:
                continue
            if out[j] != 1:
                raise RuntimeError("Shape mismatch: objects cannot be broadcast to a single shape")
            out[j] = n
    return Size(out)


# ------------------------------------------------------------------------------------------------
# squeeze / unsqueeze / flatten
@method()
def squeeze(input, dim=None):
    """Drop size-1 dims (all of them, or those among `dim`)."""
    nd = input.dim()
    if dim is None:
        keep = [i for i in range(nd) if input._shape[i] != 1]
    else:
        drop = _dim_mask(_dims_list(dim, "squeeze"), nd)
        keep = [i for i in range(nd) if i not in drop or input._shape[i] != 1]
    return _view(input, [input._shape[i] for i in keep], [input._stride[i] for i in keep])


@method()
def squeeze_(self, dim=None):
    """In-place squeeze (metadata only)."""
    return _set_geometry(self, squeeze(self, dim))


@method()
def unsqueeze(input, dim):
    """Insert a size-1 dim at `dim` (its stride keeps the layout contiguous where it was)."""
    nd = input.dim()
    d = _wrap_dim(dim, nd + 1)
    st = 1 if d >= nd else input._shape[d] * input._stride[d]
    return _view(input, input._shape[:d] + (1,) + input._shape[d:],
                 input._stride[:d] + (st,) + input._stride[d:])


@method()
def unsqueeze_(self, dim):
    """In-place unsqueeze (metadata only)."""
    return _set_geometry(self, unsqueeze(self, dim))


@method()
def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one (a view when possible, else a copy)."""
    nd = input.dim()
    s, e = _wrap_dim(start_dim, nd), _wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if nd == 0:
        return reshape(input, (1,))
    if s == e:
        return input
    shape = input._shape
    return reshape(input, shape[:s] + (_numel(shape[s:e + 1]),) + shape[e + 1:])


@method()
def unflatten(input, dim, sizes):
    """Split dim `dim` into `sizes` (one may be -1)."""
    nd = input.dim()
    d = _wrap_dim(dim, nd)
    if not isinstance(sizes, (tuple, list)):
        raise TypeError(f"unflatten(): argument 'sizes' must be tuple of ints, not "
                        f"{type(sizes).__name__}")
    sizes = _int_tuple((sizes,), "unflatten", "sizes")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        inferred = _infer_size(sizes, input._shape[d])
    except RuntimeError as e:
        if "is invalid for input of size" not in str(e):
            raise RuntimeError(f"unflatten got an unexpected error:\n{e}") from None
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size "
                           f"of dim {d} ({input._shape[d]}) in the input tensor") from None
    return view(input, input._shape[:d] + inferred + input._shape[d + 1:])


@method()
def ravel(input):
    """The elements as a 1-D tensor (a view when contiguous, else a copy)."""
    return view(input.contiguous(), -1)


# ------------------------------------------------------------------------------------------------
# narrowing and splitting
def _slice(x, dim, start, end):
    """x[..., start:end, ...] along `dim` with Python slice clamping (PyTorch's slice, step 1)."""
    n = x._shape[dim]
    if start < 0:
        start += n
    if end < 0:
        end += n
    start = min(max(start, 0), n)
    end = min(max(end, start), n)
    shape = x._shape[:dim] + (end - start,) + x._shape[dim + 1:]
    return _view(x, shape, x._stride, x._offset + start * x._stride[dim])


# ------------------------------------------------------------------------------------------------
# raw geometry
def _check_geometry(x, size, stride, offset):
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    for s in size:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    if any(s < 0 for s in stride):
        raise RuntimeError("as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {list(stride)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    isz = x.dtype.itemsize
    need = 0 if 0 in size else isz * (1 + sum((n - 1) * s for n, s in zip(size, stride)))
    have = getattr(x._storage, "nbytes", None)
    if need and have is not None and need + offset * isz > have:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
                           f"{offset}, and itemsize {isz} requiring a storage size of "
                           f"{need + offset * isz} are out of bounds for storage of size {have}")


@method()
def as_strided(input, size, stride, storage_offset=None):
    """A view with arbitrary size/stride/offset over input's storage (bounds-checked)."""
    size = _int_tuple((size,), "as_strided")
    stride = _int_tuple((stride,), "as_strided", "stride")
    offset = input._offset if storage_offset is None else _as_int(storage_offset, "as_strided",
                                                                   "storage_offset")
    _check_geometry(input, size, stride, offset)
    return _view_of(input, size, stride, offset)


@method()
def as_strided_(self, size, stride, storage_offset=None):
    """In-place as_strided: self takes the new geometry."""
    return _set_geometry(self, as_strided(self, size, stride, storage_offset))


@method()
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal over dims (dim1, dim2) as a view; it becomes the last dim."""
    nd = input.dim()
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    offset = _as_int(offset, "diagonal", "offset")
    s1, s2 = input._shape[d1], input._shape[d2]
    if offset >= 0:
        n = max(min(s1, s2 - offset), 0)
    else:
        n = max(min(s1 + offset, s2), 0)
    off = input._offset
    if n:
        off += offset * input._stride[d2] if offset >= 0 else -offset * input._stride[d1]
    keep = [i for i in range(nd) if i not in (d1, d2)]
    return _view(input, [input._shape[i] for i in keep] + [n],
                 [input._stride[i] for i in keep] + [input._stride[d1] + input._stride[d2]], off)


@method("unfold")
def _unfold(self, dimension, size, step):
    """All windows of `size` elements with stride `step` along `dimension`, as a new last dim."""
    nd = self.dim()
    d = _wrap_dim(dimension, nd)
    size, step = _as_int(size, "unfold", "size"), _as_int(step, "unfold", "step")
    max_size = 1 if nd == 0 else self._shape[d]
    if size > max_size:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {max_size} but size is {size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    shape, stride = list(self._shape) + [size], list(self._stride) + [1 if nd == 0 else self._stride[d]]
    if d < nd:
        shape[d] = (shape[d] - size) // step + 1
        stride[d] *= step
    return _view(self, shape, stride)


# ------------------------------------------------------------------------------------------------
# atleast_nd
def _atleast(tensors, fn):
    if len(tensors) == 1 and not isinstance(tensors[0], (tuple, list)):
        return fn(tensors[0])
    if len(tensors) == 1:
        tensors = tensors[0]
    return tuple(fn(t) for t in tensors)


def _at1(t):
    return reshape(t, (1,)) if t.dim() == 0 else t


def _at2(t):
    if t.dim() == 0:
        return reshape(t, (1, 1))
    return unsqueeze(t, 0) if t.dim() == 1 else t


def _at3(t):
    if t.dim() == 0:
        return reshape(t, (1, 1, 1))
    if t.dim() == 1:
        return unsqueeze(unsqueeze(t, 0), -1)
    return unsqueeze(t, -1) if t.dim() == 2 else t


def atleast_1d(*tensors):
    """Each input viewed with at least 1 dim (a tuple when several are given)."""
    return _atleast(tensors, _at1)


def atleast_2d(*tensors):
    """Each input viewed with at least 2 dims (1-D n -> (1, n))."""
    return _atleast(tensors, _at2)


def atleast_3d(*tensors):
    """Each input viewed with at least 3 dims (1-D n -> (1, n, 1), 2-D -> (m, n, 1))."""
    return _atleast(tensors, _at3)


# The splitting views and the copying ops live in their own modules; re-exported here so that
# `ember.ops` (which imports this module) exposes them too.
from . import splitting as _splitting, joining as _joining  # noqa: E402
from .splitting import *  # noqa: E402,F401,F403
from .joining import *  # noqa: E402,F401,F403

__all__ += _splitting.__all__ + _joining.__all__
