"""Composite linear-algebra ops: trace, kron, cross, cdist, cov, corrcoef, multi_dot, matrix_power, vecdot.

All are built from views, elementwise ops and the matmul primitive (sums are GEMVs with ones).
"""
import warnings

from .. import dtypes as _dt
from ..tensor import Tensor, _empty, _wrap_dim
from ._helpers import method, broadcast_shapes, finish_out
from . import _linalg_util as U
from . import elementwise as _ew
from ._linalg_matmul import _mm, _matmul

__all__ = ["trace", "kron", "cross", "cdist", "cov", "corrcoef", "chain_matmul", "matrix_power"]


def _tensor_arg(x, fname, arg="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{arg}' must be Tensor, not {type(x).__name__}")


@method()
def trace(input):
    """Sum of the main diagonal of a 2-D matrix (integers accumulate in int64)."""
    _tensor_arg(input, "trace")
    if input.dim() != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.dim()}")
    return U.sum_dims(U.diagonal(input, 0, 0, 1), [0])


@method()
def kron(input, other, *, out=None):
    """Kronecker product: out[i*p + k, j*q + l] = input[i, j] * other[k, l] (any number of dims)."""
    _tensor_arg(input, "kron")
    _tensor_arg(other, "kron", "other")
    nd = max(input.dim(), other.dim())
    sa = (1,) * (nd - input.dim()) + input._shape
    sb = (1,) * (nd - other.dim()) + other._shape
    a_shape, b_shape = [], []
    for x, y in zip(sa, sb):
        a_shape += [x, 1]
        b_shape += [1, y]
    prod = _ew.mul(U.reshape(input, a_shape), U.reshape(other, b_shape))
    return finish_out(U.reshape(prod, [x * y for x, y in zip(sa, sb)]), out)


def _cross(input, other, dim):
    if input.dim() != other.dim():
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = _wrap_dim(dim, input.dim())
    if input._shape[d] != 3 or other._shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input._shape[d]} and {other._shape[d]}")
    shape = broadcast_shapes(input._shape, other._shape)
    dt = _dt.promote_types(input.dtype, other.dtype)
    a, b = U.expand(input, shape), U.expand(other, shape)
    out = _empty(shape, dt, input.device)
    for i, (j, k) in enumerate(((1, 2), (2, 0), (0, 1))):
        c = _ew.sub(_ew.mul(U.select(a, d, j), U.select(b, d, k)), _ew.mul(U.select(a, d, k), U.select(b, d, j)))
        input.device.backend.copy(U.select(out, d, i), c)
    return out


def linalg_cross(input, other, *, dim=-1, out=None):
    """Cross product of 3-vectors along dim (batch dims broadcast)."""
    _tensor_arg(input, "linalg_cross")
    _tensor_arg(other, "linalg_cross", "other")
    return finish_out(_cross(input, other, dim), out)


@method()
def cross(input, other, dim=None, *, out=None):
    """torch.cross: cross product along dim (default: the first dim of size 3, deprecated)."""
    _tensor_arg(input, "cross")
    _tensor_arg(other, "cross", "other")
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass "
                      "the dim explicitly or simply use torch.linalg.cross.\nThe default value of dim will "
                      "change to agree with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        dim = next((i for i, n in enumerate(input._shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return finish_out(_cross(input, other, dim), out)


# ------------------------------------------------------------------------------------------------
_CDIST_MODES = {"use_mm_for_euclid_dist_if_necessary": 0, "use_mm_for_euclid_dist": 1,
                "donot_use_mm_for_euclid_dist": 2}


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distances between each row of x1 and each row of x2 (batched): out[.., i, j] = ||x1_i - x2_j||_p."""
    from ._linalg_norms import vector_norm
    _tensor_arg(x1, "cdist", "x1")
    _tensor_arg(x2, "cdist", "x2")
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    if x1.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.dim()}D")
    if x2.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {x2.dim()}D")
    if x1._shape[-1] != x2._shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1._shape[-1]} "
                           f"X2: {x2._shape[-1]}")
    if not x1.dtype.is_floating_point:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {U.st_name(x1.dtype)}")
    if not x2.dtype.is_floating_point:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X2 got: {U.st_name(x2.dtype)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if x1.dtype is not x2.dtype:
        raise RuntimeError(f"expected scalar type {U.st_name(x1.dtype)} but found {U.st_name(x2.dtype)}")
    r1, r2, m = x1._shape[-2], x2._shape[-2], x1._shape[-1]
    batch = broadcast_shapes(x1._shape[:-2], x2._shape[:-2])
    a, b = U.expand(x1, batch + (r1, m)), U.expand(x2, batch + (r2, m))
    mode = _CDIST_MODES[compute_mode]
    if m == 0 or r1 == 0 or r2 == 0:
        res = _empty(batch + (r1, r2), x1.dtype, x1.device)
        x1.device.backend.fill(res, 0)
        return res
    if p == 2 and (mode == 1 or (mode == 0 and (r1 > 25 or r2 > 25))):
        # ||a - b||^2 = ||a||^2 + ||b||^2 - 2 a.b: one GEMM instead of r1*r2*m differences
        an = U.unsqueeze(U.sum_dims(_ew.mul(a, a), [-1]), -1)
        bn = U.unsqueeze(U.sum_dims(_ew.mul(b, b), [-1]), -2)
        d2 = _ew.add(_ew.add(_ew.mul(_matmul(a, U.mT(b)), -2.0), an), bn)
        return _ew.sqrt(_ew.clamp_min(d2, 0.0))
    diff = _ew.sub(U.unsqueeze(a, -2), U.unsqueeze(b, -3))
    return vector_norm(diff, float(p), -1)


# ------------------------------------------------------------------------------------------------
def _sum_all(t):
    return U.sum_dims(t, range(t.dim()))


@method()
def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance of the rows (variables) over the columns (observations), optionally weighted."""
    _tensor_arg(input, "cov")
    if input.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.dim()} dimensions")
    if input.dtype is _dt.bool:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input if input.dim() == 2 else U.reshape(input, (1, input.numel()))
    nobs = x._shape[1]
    w = None
    if fweights is not None:
        w = fweights
        if w.dim() > 1:
            raise RuntimeError(f"cov(): expected fweights to have one or fewer dimensions but got fweights "
                               f"with {w.dim()} dimensions")
        if w.dtype.is_floating_point or w.dtype is _dt.bool:
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights with "
                               f"{U.st_name(w.dtype)} dtype")
        if w.numel() != nobs:
            raise RuntimeError(f"cov(): expected fweights to have the same numel as there are observations "
                               f"in the input but got {w.numel()} != {nobs}")
        if nobs and any(_flat(_ew.lt(w, 0))):
            raise RuntimeError("cov(): fweights cannot be negative")
    if aweights is not None:
        aw = aweights
        if aw.dim() > 1:
            raise RuntimeError(f"cov(): expected aweights to have one or fewer dimensions but got aweights "
                               f"with {aw.dim()} dimensions")
        if not aw.dtype.is_floating_point:
            raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got aweights with "
                               f"{U.st_name(aw.dtype)} dtype")
        if aw.numel() != nobs:
            raise RuntimeError(f"cov(): expected aweights to have the same numel as there are observations "
                               f"in the input but got {aw.numel()} != {nobs}")
        if nobs and any(_flat(_ew.lt(aw, 0))):
            raise RuntimeError("cov(): aweights cannot be negative")
        w = aw if w is None else _ew.mul(w, aw)
    if w is not None:
        w = U.reshape(w, (nobs,))
        w_sum = _sum_all(w)
        if w_sum.item() == 0:
            raise RuntimeError("cov(): weights sum to zero, can't be normalized")
        avg = _ew.div(U.sum_dims(_ew.mul(x, w), [1]), w_sum)
    else:
        w_sum = nobs
        avg = _ew.div(U.sum_dims(x, [1]), nobs)
    if w is None:
        norm = nobs - correction
    elif correction == 0:
        norm = w_sum
    elif aweights is None:
        norm = _ew.sub(w_sum, correction)
    elif fweights is None and nobs == 1 and correction == 1:
        norm = 0
    else:
        norm = _ew.sub(w_sum, _ew.div(_ew.mul(_sum_all(_ew.mul(w, U.reshape(aweights, (nobs,)))), correction),
                                      w_sum))
    if (norm.item() if isinstance(norm, Tensor) else norm) <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number "
                      "of observations.", UserWarning, stacklevel=2)
        norm = 0
    if nobs == 1 and (fweights is not None) != (aweights is not None):
        xc = _ew.mul(x, 0)
        if not xc.dtype.is_floating_point:
            xc = xc.to(_dt.float32)
    else:
        xc = _ew.sub(x, U.unsqueeze(avg, 1))
    xw = _ew.mul(xc, w).to(xc.dtype) if w is not None else xc
    c = _mm(xc, U.mT(xw))
    c = _ew.true_divide(c, norm)
    return U.squeeze_dims(c, [i for i, n in enumerate(c._shape) if n == 1])


def _flat(t):
    return U.reshape(t, (t.numel(),)).tolist()


@method()
def corrcoef(input):
    """Pearson correlation coefficients of the rows: cov / (std_i std_j), clipped to [-1, 1]."""
    _tensor_arg(input, "corrcoef")
    if input.dim() > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got an input "
                           f"with {input.dim()} dimensions")
    c = cov(input)
    if c.dim() == 0:
        return _ew.div(c, c)
    std = _ew.sqrt(U.diagonal(c, 0, 0, 1))
    c = _ew.div(c, U.unsqueeze(std, 1))
    c = _ew.div(c, U.unsqueeze(std, 0))
    return _ew.clamp(c, -1, 1)


# ------------------------------------------------------------------------------------------------
def _chain_order(ts):
    """Optimal parenthesisation of a matrix chain (CLRS 15.2): split[i][j]."""
    n = len(ts)
    p = [t._shape[0] for t in ts] + [ts[-1]._shape[1]]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                q = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if cost[i][j] is None or q < cost[i][j]:
                    cost[i][j], split[i][j] = q, k
    return split


def _chain(ts, split, i, j):
    if i == j:
        return ts[i]
    return _mm(_chain(ts, split, i, split[i][j]), _chain(ts, split, split[i][j] + 1, j))


def multi_dot(tensors, *, out=None):
    """A_1 @ A_2 @ ... @ A_n in the cheapest order; the first/last may be 1-D (row/column vectors)."""
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    ts = list(tensors)
    for t in ts:
        _tensor_arg(t, "linalg_multi_dot", "tensors")
    out_shape = []
    if ts[0].dim() == 1:
        ts[0] = U.unsqueeze(ts[0], 0)
    elif ts[0].dim() == 2:
        out_shape.append(ts[0]._shape[0])
    else:
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {ts[0].dim()}D")
    if ts[-1].dim() == 1:
        ts[-1] = U.unsqueeze(ts[-1], 1)
    elif ts[-1].dim() == 2:
        out_shape.append(ts[-1]._shape[1])
    else:
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {ts[-1].dim()}D")
    for i in range(1, n - 1):
        if ts[i].dim() != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {ts[i].dim()}D")
    for i in range(1, n):
        if ts[i].dtype is not ts[0].dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                               f"{U.tm_name(ts[0].dtype)} and tensor {i} {U.tm_name(ts[i].dtype)}")
        if ts[i].device != ts[0].device:
            raise RuntimeError(f"multi_dot(): all tensors must be on the same device but tensor 0 is on "
                               f"{ts[0].device} and tensor {i} on {ts[i].device}")
        if ts[i - 1]._shape[-1] != ts[i]._shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i - 1} and {i} with shapes "
                               f"{U.shape_str(tensors[i - 1]._shape)} and {U.shape_str(tensors[i]._shape)} "
                               f"cannot be multiplied")
    if n == 2:
        res = _mm(ts[0], ts[1])
    elif n == 3:
        a, b, c, d = ts[0]._shape[0], ts[1]._shape[0], ts[2]._shape[0], ts[2]._shape[1]
        if a * c * (b + d) > b * d * (a + c):
            res = _mm(ts[0], _mm(ts[1], ts[2]))
        else:
            res = _mm(_mm(ts[0], ts[1]), ts[2])
    else:
        res = _chain(ts, _chain_order(ts), 0, n - 1)
    return finish_out(U.reshape(res, out_shape), out)


_chain_warned = [False]


def chain_matmul(*matrices, out=None):
    """Deprecated: the product of 2-D matrices in the cheapest order (linalg.multi_dot)."""
    if not _chain_warned[0]:
        _chain_warned[0] = True
        warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                      "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than "
                      "multiple parameters.", UserWarning, stacklevel=2)
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    for t in matrices:
        _tensor_arg(t, "chain_matmul", "matrices")
        if t.dim() != 2:
            raise RuntimeError(f"Tensor dimension is {t.dim()}, expected 2 instead.")
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    if len(matrices) == 1:
        return finish_out(matrices[0].clone(), out)
    return multi_dot(matrices, out=out)


@method()
def matrix_power(input, n, *, out=None):
    """A^n for square (batched) A by repeated squaring; n < 0 uses the inverse, n = 0 the identity."""
    _tensor_arg(input, "matrix_power")
    if input.dim() < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 dimensions.")
    if input._shape[-1] != input._shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{input._shape[-2]} by {input._shape[-1]} matrices")
    n = int(n)
    if n == 0:
        res = _empty(input._shape, input.dtype, input.device)
        input.device.backend.fill(res, 0)
        if res.numel():
            input.device.backend.fill(U.diagonal(res, 0, -2, -1), 1)
        return finish_out(res, out)
    if n == 1:
        return finish_out(input.clone(), out)
    a = input
    if n < 0:
        from ._linalg_decomp import inv
        a = inv(input)
        n = -n
    if n == 1:
        return finish_out(a, out)
    z = result = None
    while n > 0:
        bit, n = n % 2, n // 2
        z = a if z is None else _matmul(z, z)
        if bit:
            result = z if result is None else _matmul(result, z)
    if result is a or result is input:
        result = result.clone()
    return finish_out(result, out)


def vecdot(x, y, *, dim=-1, out=None):
    """sum over dim of x * y (broadcasting), as torch.linalg.vecdot."""
    _tensor_arg(x, "linalg_vecdot", "x")
    _tensor_arg(y, "linalg_vecdot", "y")
    if x.dtype is not y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                           f"{U.st_name(x.dtype)} and y of type {U.st_name(y.dtype)} instead")
    prod = _ew.mul(x, y)
    return finish_out(U.sum_dims(prod, [_wrap_dim(dim, prod.dim())]), out)

