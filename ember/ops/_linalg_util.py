"""Private helpers of the linear-algebra ops: zero-copy views, small reductions, checks, names.

The view helpers build views with ``_view_of`` so linalg does not depend on the shape family's
progress; they follow PyTorch's stride rules (a size-1 dim may carry any stride).
"""
from .. import dtypes as _dt
from ..tensor import Tensor, _empty, _make, _view_of, _wrap_dim, _contiguous_strides, _numel

__all__ = []


class LinAlgError(RuntimeError):
    """Raised when a factorization fails (singular or not positive-definite input), as torch.linalg."""


# ------------------------------------------------------------------------------------------------
# dtype names in PyTorch's two spellings
_SCALAR_TYPE = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
                "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                "bool": "Bool"}
# caffe2::TypeMeta names, used by messages that print `tensor.dtype()` rather than the scalar type
_TYPE_META = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int", "int16": "short int",
              "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


def st_name(d):
    """ScalarType spelling: Float, Double, Long ..."""
    return _SCALAR_TYPE[d.name]


def tm_name(d):
    """TypeMeta spelling: float, double, long int ..."""
    return _TYPE_META[d.name]


def shape_str(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def check_tensor(x, fname, arg="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{arg}' (position 1) must be Tensor, not {type(x).__name__}")


def not_implemented_for(kernel, d):
    return RuntimeError(f"\"{kernel}\" not implemented for '{st_name(d)}'")


def check_float_matrix(A, fname, square=False, low_precision=False, arg="A"):
    """The checks every torch.linalg factorization runs (dtype, >= 2 dims, square)."""
    check_tensor(A, fname.replace("linalg.", "linalg_"), arg)
    if not A.dtype.is_floating_point:
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. Got {st_name(A.dtype)}")
    if not low_precision and A.dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError(f"{fname}: Low precision dtypes not supported. Got {st_name(A.dtype)}")
    if A.dim() < 2:
        raise RuntimeError(f"{fname}: The input tensor {arg} must have at least 2 dimensions.")
    if square and A._shape[-1] != A._shape[-2]:
        raise RuntimeError(f"{fname}: A must be batches of square matrices, but they are "
                           f"{A._shape[-2]} by {A._shape[-1]} matrices")


# ------------------------------------------------------------------------------------------------
# Views (no copies). The p_* helpers build views directly with `_view_of` (no overhead, no autograd:
# the matmul family's internal plumbing). The unprefixed ones use the shape family's public Tensor
# methods when present, so composite ops (einsum, cdist, ...) are built from public ops.
def _has(name):
    return getattr(Tensor, name, None) is not None


def view(t, shape, stride, offset=None):
    return _view_of(t, tuple(shape), tuple(stride), t._offset if offset is None else offset)


def fresh(res, shape):
    """A contiguous new result re-shaped without making it a view (as PyTorch's _unsafe_view)."""
    shape = tuple(shape)
    return _make(res._storage, shape, _contiguous_strides(shape), res._offset, res.dtype, res.device)


def p_permute(t, perm):
    return view(t, [t._shape[p] for p in perm], [t._stride[p] for p in perm])


def p_mT(t):
    n = t.dim()
    return p_permute(t, list(range(n - 2)) + [n - 1, n - 2])


def p_unsqueeze(t, d):
    n = t.dim()
    d = _wrap_dim(d, n + 1)
    shape, stride = list(t._shape), list(t._stride)
    st = shape[d] * stride[d] if d < n else 1
    shape.insert(d, 1)
    stride.insert(d, st)
    return view(t, shape, stride)


def p_squeeze(t, dims):
    dims = {_wrap_dim(d, t.dim()) for d in dims}
    keep = [i for i in range(t.dim()) if i not in dims]
    return view(t, [t._shape[i] for i in keep], [t._stride[i] for i in keep])


def p_expand(t, shape):
    shape = tuple(shape)
    if shape == t._shape:
        return t
    off = len(shape) - t.dim()
    stride = [0] * off
    for i, (n, s) in enumerate(zip(t._shape, t._stride)):
        stride.append(s if n == shape[off + i] else 0)
    return view(t, shape, stride)


def p_reshape(t, shape):
    """A view with `shape` when the layout allows it, else a view of a contiguous copy."""
    shape = tuple(int(s) for s in shape)
    if shape == t._shape:
        return t
    st = _view_strides(t._shape, t._stride, shape) if t._shape else _contiguous_strides(shape)
    if st is None:
        t = t.contiguous()
        st = _contiguous_strides(shape)
    return view(t, shape, st)


def p_diagonal(t, offset=0, dim1=0, dim2=1):
    n = t.dim()
    d1, d2 = _wrap_dim(dim1, n), _wrap_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    s1, s2 = t._shape[d1], t._shape[d2]
    off = t._offset
    if offset >= 0:
        size = max(min(s1, s2 - offset), 0)
        if size:
            off += offset * t._stride[d2]
    else:
        size = max(min(s1 + offset, s2), 0)
        if size:
            off -= offset * t._stride[d1]
    keep = [i for i in range(n) if i not in (d1, d2)]
    shape = [t._shape[i] for i in keep] + [size]
    stride = [t._stride[i] for i in keep] + [t._stride[d1] + t._stride[d2]]
    return view(t, shape, stride, off)


def permute(t, perm):
    perm = [int(p) for p in perm]
    if perm and _has("permute"):
        return t.permute(*perm)
    return p_permute(t, perm)


def transpose(t, d0, d1):
    if _has("transpose"):
        return t.transpose(d0, d1)
    n = t.dim()
    d0, d1 = _wrap_dim(d0, n), _wrap_dim(d1, n)
    perm = list(range(n))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return p_permute(t, perm)


def mT(t):
    """The batched matrix transpose (swap the last two dims)."""
    return transpose(t, -2, -1)


def unsqueeze(t, d):
    return t.unsqueeze(d) if _has("unsqueeze") else p_unsqueeze(t, d)


def squeeze_dims(t, dims):
    """Drop the given dims (each of size 1)."""
    dims = sorted({_wrap_dim(d, t.dim()) for d in dims})
    if not dims:
        return t
    return t.squeeze(tuple(dims)) if _has("squeeze") else p_squeeze(t, dims)


def expand(t, shape):
    """Broadcast `t` to `shape` with stride-0 dims (shape already validated)."""
    shape = tuple(shape)
    if shape == t._shape:
        return t
    return t.expand(shape) if _has("expand") else p_expand(t, shape)


def select(t, dim, index):
    if _has("select"):
        return t.select(dim, index)
    dim = _wrap_dim(dim, t.dim())
    shape, stride = list(t._shape), list(t._stride)
    off = t._offset + index * stride[dim]
    del shape[dim], stride[dim]
    return view(t, shape, stride, off)


def narrow(t, dim, start, length):
    if _has("narrow"):
        return t.narrow(dim, start, length)
    dim = _wrap_dim(dim, t.dim())
    shape = list(t._shape)
    shape[dim] = length
    return view(t, shape, t._stride, t._offset + start * t._stride[dim])


def diagonal(t, offset=0, dim1=0, dim2=1):
    """The diagonal of dims (dim1, dim2) as a new last dim (a view), as Tensor.diagonal."""
    return t.diagonal(offset, dim1, dim2) if _has("diagonal") else p_diagonal(t, offset, dim1, dim2)


def reshape(t, shape):
    """Tensor.reshape: a view when the layout allows it, else a copy."""
    shape = tuple(int(s) for s in shape)
    if shape == t._shape:
        return t
    return t.reshape(shape) if _has("reshape") else p_reshape(t, shape)


def _view_strides(shape, stride, new_shape):
    """Strides that make `new_shape` a view of (shape, stride), or None (PyTorch's computeStride)."""
    numel = _numel(shape)
    if numel == 0:
        return _contiguous_strides(new_shape) if new_shape != shape else stride
    new_stride = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base_stride = stride[-1] if stride else 1
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(shape) - 1, -1, -1):
        tensor_numel *= shape[tensor_d]
        if tensor_d == 0 or (shape[tensor_d - 1] != 1 and
                             stride[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_stride[view_d] = view_numel * chunk_base_stride
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = stride[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return new_stride


# ------------------------------------------------------------------------------------------------
def full_of(shape, value, dtype, device):
    t = _empty(tuple(shape), dtype, device)
    device.backend.fill(t, value)
    return t


def sum_dtype(d):
    """torch.sum's result dtype: integers and bool accumulate in int64."""
    return d if d.is_floating_point else _dt.int64


def sum_dims(t, dims, keepdim=False):
    """Sum over `dims` with torch.sum's dtype rule (Tensor.sum, or a GEMV against ones without it)."""
    n = t.dim()
    dims = sorted({_wrap_dim(d, n) for d in dims})
    acc = sum_dtype(t.dtype)
    if not dims:
        return t.to(acc) if t.dtype is not acc else t.clone()
    rest = [i for i in range(n) if i not in dims]
    k = 1
    for d in dims:
        k *= t._shape[d]
    if k and _has("sum"):
        return t.sum(dims, keepdim)
    rest_shape = [t._shape[i] for i in rest]
    if t.dtype is not acc:
        t = t.to(acc)
    mat = p_reshape(p_permute(t, rest + dims), (_numel(rest_shape), k))
    out = _empty((mat._shape[0], 1), acc, t.device)
    if k == 0:
        t.device.backend.fill(out, 0)
    else:
        t.device.backend.matmul(out, mat, full_of((k, 1), 1, acc, t.device))
    shape = [1 if i in dims else t._shape[i] for i in range(n)] if keepdim else rest_shape
    return fresh(out, shape)
