"""The gather/scatter family: gather, scatter(_add/_reduce), index_select/add/copy/fill/reduce,
take_along_dim.

Each op is one call of the backend's index_gather / index_scatter over "restrided" views: the
self (or source) tensor seen with the index's shape and stride 0 along `dim`, so that the kernel's
``base + index * stride(dim)`` lands on the selected element. The index_* ops (a 1-D index along
`dim`) use the same kernels with the index expanded, by stride 0, over the other dims.
Names are exported through ember.ops.indexing.
"""
from .. import dtypes as _dt
from ..tensor import Tensor, _empty, _view_of, _wrap_dim
from ._helpers import method, finish_out, broadcast_shapes, scalar_tensor, _dtype_name
from .indexing import _expand, _flat, _leaf_check, _unaliased

__all__ = ["gather", "scatter", "scatter_", "scatter_add", "scatter_add_", "scatter_reduce",
           "scatter_reduce_", "index_select", "index_add", "index_add_", "index_copy",
           "index_copy_", "index_fill", "index_fill_", "index_reduce", "index_reduce_",
           "take_along_dim"]

_SCATTER_REDUCE = {"sum": "add", "prod": "multiply", "mean": "add", "amax": "amax", "amin": "amin"}


def _nd(t):
    """0-d tensors act as 1-d of size 1 (PyTorch's ensure_nonempty_dim)."""
    return _view_of(t, (1,), (1,), t._offset) if t.dim() == 0 else t


def _size(t, d):
    return t._shape[d] if t.dim() else 1


def _restrided(t, shape, dim):
    """t seen with `shape` and stride 0 along dim (shape[d] <= t.shape[d] elsewhere)."""
    st = list(t._stride)
    st[dim] = 0
    return _view_of(t, tuple(shape), tuple(st), t._offset)


def _along(index, shape, dim):
    """A 1-D (or 1-element) index laid along `dim` of `shape`, stride 0 elsewhere."""
    st = [0] * len(shape)
    st[dim] = index._stride[0] if index.dim() == 1 else 0
    return _view_of(index, tuple(shape), tuple(st), index._offset)


def _check_range(backend, index, low, high, error):
    bad = backend.index_check(index, low, high)
    if bad is not None:
        raise error(bad)


def _init_value(dtype, reduce):
    """The identity a reduction starts from when self is excluded (PyTorch's init values)."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    lo = reduce == "amax"
    if dtype.is_floating_point:
        return float("-inf") if lo else float("inf")
    if dtype is _dt.bool:
        return not lo
    info = _dt.iinfo(dtype)
    return info.min if lo else info.max


# ------------------------------------------------------------------------------------------------
# gather
@method()
def gather(input, dim, index, *, sparse_grad=False, out=None):
    """out[i][j][k] = input[index[i][j][k]][j][k] (for dim=0; likewise for other dims)."""
    dim = _wrap_dim(dim, input.dim())
    if index.numel() and index.dtype is not _dt.int64:
        raise RuntimeError("gather(): Expected dtype int64 for index")
    res = _empty(index._shape, input.dtype, input.device)
    if index.numel() == 0:
        return finish_out(res, out)
    src, idx = _nd(input), _nd(index)
    if src.dim() != idx.dim():
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for d in range(src.dim()):
        if d != dim and idx._shape[d] > src._shape[d]:
            raise RuntimeError(f"Size does not match at dimension {d} expected index "
                               f"{list(index._shape)} to be no larger than self "
                               f"{list(input._shape)} apart from dimension {dim}")
    be = input.device.backend
    size = src._shape[dim]
    _check_range(be, idx, 0, size, lambda v: RuntimeError(
        f"index {v} is out of bounds for dimension {dim} with size {size}"))
    be.index_gather(_nd(res), _restrided(src, idx._shape, dim), idx, size, src._stride[dim])
    return finish_out(res, out)


# ------------------------------------------------------------------------------------------------
# scatter family
def _scatter_checks(self, dim, index, src, reduce, new_reduce):
    if not isinstance(index, Tensor):
        raise TypeError(f"scatter(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.numel() and index.dtype is not _dt.int64:
        raise RuntimeError("scatter(): Expected dtype int64 for index")
    if src is not None and src.dtype is not self.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if index.numel():
        nd = max(self.dim(), 1)
        if nd != max(index.dim(), 1):
            raise RuntimeError("Index tensor must have the same number of dimensions as self "
                               "tensor")
        if src is not None and max(src.dim(), 1) != nd:
            raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
        wrong = any(d != dim and _size(index, d) > _size(self, d) for d in range(nd))
        if src is not None:
            wrong = wrong or any(_size(index, d) > _size(src, d) for d in range(nd))
            if wrong:
                raise RuntimeError(f"Expected index {list(index._shape)} to be no larger than self "
                                   f"{list(self._shape)} apart from dimension {dim} and to be no "
                                   f"larger size than src {list(src._shape)}")
        elif wrong:
            raise RuntimeError(f"Expected index {list(index._shape)} to be no larger than self "
                               f"{list(self._shape)} apart from dimension {dim}")
    if reduce is not None:
        if new_reduce and reduce not in _SCATTER_REDUCE:
            raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                               f"{reduce}")
        if not new_reduce and reduce not in ("add", "multiply"):
            raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")


def _scatter_kernel(self, dim, index, src, value, op):
    """self[..index..] op= src (or the scalar value) along dim; checks already done."""
    if index.numel() == 0:
        return
    dst, idx = _nd(self), _nd(_unaliased(self, index))
    be = self.device.backend
    size = dst._shape[dim]
    _check_range(be, idx, 0, size, lambda v: RuntimeError(
        f"index {v} is out of bounds for dimension {dim} with size {size}"))
    if src is not None:
        s = _nd(_unaliased(self, src))
        values = _view_of(s, idx._shape, s._stride, s._offset)
    else:
        values = scalar_tensor(value, self.dtype, self.device)
    be.index_scatter(_restrided(dst, idx._shape, dim), values, idx, size, dst._stride[dim], op)


def _src_or_value(src, value, name):
    if isinstance(src, Tensor):
        return src, None
    if src is None and value is None:
        raise TypeError(f"{name}() missing 1 required positional argument: 'src' or 'value'")
    return None, (value if src is None else src)


@method()
def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    """self[index[i][j]][j] = src[i][j] (dim=0; likewise for other dims); src may be a number.
    reduce='add' / 'multiply' combines with the existing value instead."""
    src, value = _src_or_value(src, value, "scatter_")
    dim = _wrap_dim(dim, self.dim())
    _scatter_checks(self, dim, index, src, reduce, False)
    _leaf_check(self)
    if isinstance(value, Tensor):
        value = value.item()
    _scatter_kernel(self, dim, index, src, value, reduce)
    self._storage.version += 1
    return self


@method()
def scatter(input, dim, index, src=None, *, value=None, reduce=None, out=None):
    """Out-of-place scatter_: a copy of input with src (or value) scattered into it."""
    res = scatter_(input.clone(), dim, index, src, value=value, reduce=reduce)
    return finish_out(res, out)


@method()
def scatter_add_(self, dim, index, src):
    """self[index[i][j]][j] += src[i][j] (dim=0); duplicate indices accumulate."""
    dim = _wrap_dim(dim, self.dim())
    _scatter_checks(self, dim, index, src, "add", False)
    _leaf_check(self)
    _scatter_kernel(self, dim, index, src, None, "add")
    self._storage.version += 1
    return self


@method()
def scatter_add(input, dim, index, src, *, out=None):
    """Out-of-place scatter_add_."""
    return finish_out(scatter_add_(input.clone(), dim, index, src), out)


def _mean_divide(self, counts):
    counts.masked_fill_(counts == 0, 1)
    if self.dtype.is_floating_point:
        self.div_(counts)
    else:
        self.div_(counts, rounding_mode="floor")


@method()
def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
    """Reduce src into self at index along dim with 'sum', 'prod', 'mean', 'amax' or 'amin';
    include_self=False leaves self's old values out of the reduction where anything lands."""
    from .creation import ones_like, zeros_like
    dim = _wrap_dim(dim, self.dim())
    _scatter_checks(self, dim, index, src, reduce, True)
    _leaf_check(self)
    if index.numel() == 0:
        return self
    if not include_self:
        _scatter_kernel(self, dim, index, None, _init_value(self.dtype, reduce), None)
    _scatter_kernel(self, dim, index, src, None, _SCATTER_REDUCE[reduce])
    if reduce == "mean":
        counts = ones_like(self) if include_self else zeros_like(self)
        _scatter_kernel(counts, dim, index, ones_like(src), None, "add")
        _mean_divide(self, counts)
    self._storage.version += 1
    return self


@method()
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    """Out-of-place scatter_reduce_."""
    res = scatter_reduce_(input.clone(), dim, index, src, reduce, include_self=include_self)
    return finish_out(res, out)


# ------------------------------------------------------------------------------------------------
# index_select / index_add / index_copy / index_fill / index_reduce
def _vector_index(index, name):
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not {type(index).__name__}")
    return index if index.dtype is _dt.int64 else index.to(_dt.int64)


@method()
def index_select(input, dim, index, *, out=None):
    """The entries of input at positions `index` (1-D) along dim."""
    dim = _wrap_dim(dim, input.dim())
    if not isinstance(index, Tensor):
        raise TypeError(f"index_select(): argument 'index' must be Tensor, not "
                        f"{type(index).__name__}")
    if index.dim() > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index.dtype not in (_dt.int64, _dt.int32):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    idx = _vector_index(index, "index_select")
    src = _nd(input)
    be = input.device.backend
    size = src._shape[dim]
    _check_range(be, idx, 0, size, lambda v: IndexError("index out of range in self"))
    shape = list(src._shape)
    shape[dim] = idx.numel()
    res = _empty(tuple(shape), input.dtype, input.device)
    if res.numel():
        be.index_gather(res, _restrided(src, shape, dim), _along(idx, shape, dim), size,
                        src._stride[dim])
    if input.dim() == 0:
        res = _view_of(res, (), (), 0) if res.numel() else _empty((), input.dtype, input.device)
    return finish_out(res, out)


def _index_func_checks(self, dim, index, source, func):
    """PyTorch's index_func_meta_impl checks (index_add / index_reduce)."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{func}_(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.dim() > 1:
        raise IndexError(f"{func}_(): Index is supposed to be a vector, but got dim: {index.dim()} "
                         f"with type: {_dtype_name(index.dtype)} and size: {list(index._shape)}")
    if index.dtype not in (_dt.int64, _dt.int32):
        raise RuntimeError(f"{func}_(): Expected dtype int32/int64 for index but got: "
                           f"{_dtype_name(index.dtype)}")
    if self.dtype is not source.dtype:
        raise RuntimeError(f"{func}_(): self ({_dtype_name(self.dtype)}) and source "
                           f"({_dtype_name(source.dtype)}) must have the same scalar type")
    if not (dim == 0 or dim < source.dim()):
        raise RuntimeError(f"{func}_(): Indexing dim {dim} is out of bounds of the source tensor "
                           f"with dim {source.dim()}")
    n = _size(source, dim)
    if index.numel() != n:
        raise RuntimeError(f"{func}_(): Number of indices ({index.numel()}) should be equal to "
                           f"source.size(dim): ({n}), for dim: {dim}")
    a, b = list(self._shape), list(source._shape)
    if source.dim() and self.dim():
        del a[dim], b[dim]
    if a != b:
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {list(self._shape)} "
                           f"source.shape = {list(source._shape)}")


def _index_scatter(self, dim, idx, source, value, op):
    """self[.., idx[i], ..] op= source[.., i, ..] (or the scalar value) along dim."""
    dst = _nd(self)
    if source is not None:
        src = _nd(_unaliased(self, source))
        shape = src._shape
    else:
        shape = list(dst._shape)
        shape[dim] = idx.numel()
        src = scalar_tensor(value, self.dtype, self.device)
    if _numel(shape) == 0:
        return
    idx = _unaliased(self, idx)
    self.device.backend.index_scatter(_restrided(dst, shape, dim), src, _along(idx, shape, dim),
                                      dst._shape[dim], dst._stride[dim], op)


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


@method()
def index_add_(self, dim, index, source, *, alpha=1):
    """self[.., index[i], ..] += alpha * source[.., i, ..] along dim (duplicates accumulate)."""
    from .elementwise import mul
    dim = _wrap_dim(dim, self.dim())
    _index_func_checks(self, dim, index, source, "index_add")
    idx = _vector_index(index, "index_add_")
    _check_range(self.device.backend, idx, 0, _size(self, dim),
                 lambda v: IndexError("index out of range in self"))
    _leaf_check(self)
    if alpha != 1:
        source = mul(source, alpha if self.dtype.is_floating_point else
                     (bool(alpha) if self.dtype is _dt.bool else int(alpha)))
    _index_scatter(self, dim, idx, source, None, "add")
    self._storage.version += 1
    return self


@method()
def index_add(input, dim, index, source, *, alpha=1, out=None):
    """Out-of-place index_add_."""
    return finish_out(index_add_(input.clone(), dim, index, source, alpha=alpha), out)


@method()
def index_copy_(self, dim, index, source):
    """self[.., index[i], ..] = source[.., i, ..] along dim."""
    dim = _wrap_dim(dim, self.dim())
    if not isinstance(index, Tensor):
        raise TypeError(f"index_copy_(): argument 'index' must be Tensor, not "
                        f"{type(index).__name__}")
    if index.dim() >= 2:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index.dim()})")
    n = index.numel()
    if source.dim() == 0 and n != 1:
        raise IndexError(f"index_copy_(): When source is scalar, index should have one element "
                         f"(got {n})")
    if source.dim() != self.dim() and source.dim() != 0 and self.dim() != 0:
        raise IndexError(f"index_copy_(): When source and destination are not scalars, their "
                         f"dimensionality must match. Source dimensionality ({source.dim()}), "
                         f"destination dimensionality ({self.dim()})")
    if index.dtype is not _dt.int64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got "
                           f"{_dtype_name(index.dtype)}")
    if self.dtype is not source.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but "
                           f"got (self) {_dtype_name(self.dtype)} and (source) "
                           f"{_dtype_name(source.dtype)}")
    a, b = list(self._shape), list(source._shape)
    if a:
        del a[dim]
    if b:
        del b[dim]
    if a != b:
        raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice shapes. "
                           f"Destination slice shape: {a} at dimension {dim} and source slice "
                           f"shape: {b} at dimension 0.")
    if source.dim() and n != source._shape[dim]:
        raise IndexError(f"index_copy_(): Number of indices ({n}) should be equal to "
                         f"source.size(dim) ({source._shape[dim]})")
    size = _size(self, dim)
    _check_range(self.device.backend, index, 0, size, lambda v: IndexError(
        f"index_copy_(): index {v} is out of bounds for dimension {dim} with size {size}"))
    _leaf_check(self)
    _index_scatter(self, dim, index, source, None, None)
    self._storage.version += 1
    return self


@method()
def index_copy(input, dim, index, source, *, out=None):
    """Out-of-place index_copy_."""
    return finish_out(index_copy_(input.clone(), dim, index, source), out)


@method()
def index_fill_(self, dim, index, value):
    """self[.., index[i], ..] = value along dim (negative indices count from the end)."""
    if not isinstance(index, Tensor):
        raise TypeError(f"index_fill_(): argument 'index' must be Tensor, not "
                        f"{type(index).__name__}")
    if index.dtype is not _dt.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.dim()} dimension(s).")
        value = value.item()
    dim = _wrap_dim(dim, max(self.dim(), 1))
    if index.dim() > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    size = _size(self, dim)
    _check_range(self.device.backend, index, -size, size, lambda v: IndexError(
        f"index {v} is out of bounds for dimension {dim} with size {size}"))
    _leaf_check(self)
    _index_scatter(self, dim, index, None, value, None)
    self._storage.version += 1
    return self


@method()
def index_fill(input, dim, index, value):
    """Out-of-place index_fill_."""
    return index_fill_(input.clone(), dim, index, value)


@method()
def index_reduce_(self, dim, index, source, reduce, *, include_self=True):
    """Reduce source's slices into self's slices at index along dim with 'prod', 'mean', 'amax' or
    'amin'; include_self=False leaves self's old values out where anything lands."""
    from .creation import ones_like, zeros_like
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin "
                           f"but got {reduce}.")
    dim = _wrap_dim(dim, self.dim())
    _index_func_checks(self, dim, index, source, "index_reduce")
    idx = _vector_index(index, "index_reduce_")
    _check_range(self.device.backend, idx, 0, _size(self, dim),
                 lambda v: IndexError("index out of range in self"))
    _leaf_check(self)
    if not include_self:
        _index_scatter(self, dim, idx, None, _init_value(self.dtype, reduce), None)
    _index_scatter(self, dim, idx, source, None, _SCATTER_REDUCE[reduce])
    if reduce == "mean":
        counts = ones_like(self) if include_self else zeros_like(self)
        _index_scatter(counts, dim, idx, ones_like(source), None, "add")
        _mean_divide(self, counts)
    self._storage.version += 1
    return self


@method()
def index_reduce(input, dim, index, source, reduce, *, include_self=True, out=None):
    """Out-of-place index_reduce_."""
    res = index_reduce_(input.clone(), dim, index, source, reduce, include_self=include_self)
    return finish_out(res, out)


# ------------------------------------------------------------------------------------------------
@method()
def take_along_dim(input, indices, dim=None, *, out=None):
    """gather(input, dim, indices) after broadcasting the two (apart from dim); with dim=None the
    flattened input is indexed by the flattened indices."""
    if dim is None:
        return gather(_flat(input), 0, _flat(indices), out=out)
    if input.dim() != indices.dim():
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number "
                           f"of dimensions, but got {input.dim()} dimensions for input, and "
                           f"{indices.dim()} dimensions for indices")
    if indices.dtype is not _dt.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_dtype_name(indices.dtype)}")
    dim = _wrap_dim(dim, input.dim())
    if input.dim() == 0:
        return gather(input, dim, indices, out=out)
    a = list(input._shape)
    a[dim] = indices._shape[dim]
    idx = _expand(indices, broadcast_shapes(tuple(a), indices._shape))
    b = list(indices._shape)
    b[dim] = input._shape[dim]
    src = _expand(input, broadcast_shapes(tuple(b), input._shape))
    return gather(src, dim, idx, out=out)
