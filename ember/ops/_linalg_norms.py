"""Norms: linalg.vector_norm, linalg.matrix_norm and linalg.norm (torch.norm lives in reduce.py).

Every reduction is the backend's `vector_norm` primitive (max/min of non-negative values are its
+-inf norms and their sum its 1-norm), so matrix norms need no other reduction family.
"""
import numbers

from .. import dtypes as _dt
from ..tensor import Tensor, _empty, _wrap_dim
from ._helpers import finish_out
from . import _linalg_util as U
from . import elementwise as _ew

__all__ = []

_INF = float("inf")


def _fmt(x):
    """A number as c10 prints a Scalar: 2, -1, inf, 0.5."""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _dims(dim, ndim):
    """dim as a list of wrapped, distinct ints (None / [] -> every dim)."""
    if dim is None:
        return list(range(ndim))
    if isinstance(dim, numbers.Integral):
        dim = [dim]
    ds = [_wrap_dim(int(d), ndim) for d in dim]
    if not ds:
        return list(range(ndim))
    for d in ds:
        if ds.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return ds


def _check_norm_dtype(dtype, self_dtype, name):
    if dtype is None:
        return self_dtype
    dtype = _dt.to_dtype(dtype)
    if not dtype.is_floating_point:
        raise RuntimeError(f"{name}: dtype should be floating point or complex, but got {U.st_name(dtype)}")
    if _dt.promote_types(self_dtype, dtype) is not dtype:
        raise RuntimeError(f"{name}: the dtype of the input ({U.st_name(self_dtype)}) should be convertible "
                           f"without narrowing to the specified dtype ({U.st_name(dtype)})")
    return dtype


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """(sum_i |x_i|^ord)^(1/ord) over dim (all dims by default); ord 0 counts non-zeros, +-inf max/min |x|."""
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg_vector_norm(): argument 'input' must be Tensor, not {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {U.st_name(x.dtype)}")
    if isinstance(ord, Tensor):
        ord = ord.item()
    if not isinstance(ord, numbers.Real) or isinstance(ord, bool):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not {type(ord).__name__}")
    ordf = float(ord)
    explicit = dim is not None and not (isinstance(dim, (list, tuple)) and len(dim) == 0)
    dims = _dims(dim, x.dim())
    if x.numel() == 0 and (ordf < 0 or ordf == _INF):
        if not explicit:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {_fmt(ord)} norm on an empty tensor "
                               f"because the operation does not have an identity")
        for d in dims:
            if x._shape[d] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the {_fmt(ord)} norm on the dimension "
                                   f"{d}because this dimension is empty and the operation does not have an "
                                   f"identity")
    out_dtype = _check_norm_dtype(dtype, x.dtype, "linalg.vector_norm")
    if x.dtype is not out_dtype:
        x = x.to(out_dtype)
    if all(x._shape[d] == 1 for d in dims):
        # reducing size-1 dims: the norm of one element
        y = x if keepdim else U.squeeze_dims(x, dims)
        res = _ew.abs(y) if ordf != 0 else _ew.ne(y, 0).to(out_dtype)
        return finish_out(res, out)
    shape = tuple(1 if i in dims else n for i, n in enumerate(x._shape) if keepdim or i not in dims)
    res = _empty(shape, out_dtype, x.device)
    x.device.backend.vector_norm(res, x, ordf, sorted(dims), bool(keepdim))
    return finish_out(res, out)


def _backshift(d0, d1, ndim):
    """The permutation moving dims d0, d1 to the end (others keep their order)."""
    return [i for i in range(ndim) if i not in (d0, d1)] + [d0, d1]


def _inverse_perm(perm):
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return inv


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """Matrix norms over dim: 'fro', 'nuc' (sum of singular values), +-2 (max/min singular value),
    +-1 (max/min column abs-sum), +-inf (max/min row abs-sum)."""
    from ._linalg_decomp import svdvals
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg_matrix_norm(): argument 'input' must be Tensor, not {type(A).__name__}")
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
        low = ord != "nuc"
        abs_ord = None
    else:
        ordf = float(ord)
        abs_ord = abs(ordf)
        if abs_ord not in (2.0, 1.0, _INF):
            raise RuntimeError(f"linalg.matrix_norm: Order {_fmt(ord)} not supported.")
        low = abs_ord != 2.0
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if not A.dtype.is_floating_point:
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor as input. "
                           f"Got {U.st_name(A.dtype)}")
    if not low and A.dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError(f"linalg.matrix_norm: Low precision dtypes not supported. Got {U.st_name(A.dtype)}")
    dim = [dim] if isinstance(dim, numbers.Integral) else list(dim)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {U.shape_str(dim)}")
    d0, d1 = (_wrap_dim(int(d), A.dim()) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    _check_norm_dtype(dtype, A.dtype, "linalg.matrix_norm")

    if ord == "fro":
        return vector_norm(A, 2, [d0, d1], keepdim, dtype=dtype, out=out)
    if ord == "nuc" or abs_ord == 2.0:
        A_ = A.to(_dt.to_dtype(dtype)) if dtype is not None else A
        perm = _backshift(d0, d1, A.dim())
        S = svdvals(U.permute(A_, perm))
        if ord == "nuc":
            red = 1.0                      # singular values are >= 0: their 1-norm is their sum
        else:
            red = _INF if ordf > 0 else -_INF
        res = vector_norm(S, red, -1, keepdim)
        if keepdim:
            res = U.permute(U.unsqueeze(res, -1), _inverse_perm(perm))
        return finish_out(res, out)
    if abs_ord == _INF:                     # the inf-norm is the 1-norm of the transpose
        d0, d1 = d1, d0
    if not keepdim and d0 < d1:
        d1 -= 1
    col = vector_norm(A, 1.0, [d0], keepdim, dtype=dtype)
    return vector_norm(col, _INF if ordf > 0 else -_INF, [d1], keepdim, out=out)


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """Vector or matrix norm depending on ord/dim, as torch.linalg.norm."""
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg_norm(): argument 'input' must be Tensor, not {type(A).__name__}")
    if dim is not None:
        dl = [dim] if isinstance(dim, numbers.Integral) else list(dim)
        if len(dl) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got "
                               f"{U.shape_str(dl)}")
    elif ord is not None and A.dim() not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                           f"Got {A.dim()}D.")
    if isinstance(ord, str):
        return matrix_norm(A, ord, (0, 1) if dim is None else dim, keepdim, dtype=dtype, out=out)
    if ord is not None and ((dim is not None and len(dl) == 2) or (dim is None and A.dim() == 2)):
        return matrix_norm(A, ord, (0, 1) if dim is None else dl, keepdim, dtype=dtype, out=out)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)
