"""Matrix products: matmul (every PyTorch case), mm, bmm, mv, dot, vdot, inner, outer, add* fused forms.

Everything funnels into one backend primitive, ``backend.matmul(out, a, b)`` (batched GEMM over
operands whose batch dims are already broadcast). Products do not promote dtypes (as PyTorch);
the error checks run in PyTorch's order so the first failing check gives PyTorch's message.
"""
import numbers

from .. import dtypes as _dt
from ..tensor import Tensor, _empty, _numel
from ._helpers import method, broadcast_shapes, finish_out, same_device, check_inplace
from . import _linalg_util as U
from . import elementwise as _ew

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm", "addmv",
           "addr", "baddbmm", "addbmm"]


def _check_tensors(fname, *pairs):
    for name, t in pairs:
        if not isinstance(t, Tensor):
            raise TypeError(f"{fname}(): argument '{name}' must be Tensor, not {type(t).__name__}")


def _product(shape, a, b, kernel):
    """A new tensor of `shape` holding a @ b (a, b: matching batch shapes, same dtype)."""
    dt = a.dtype
    if dt is _dt.bool:
        raise U.not_implemented_for(kernel, dt)
    dev = a.device
    res = _empty(shape, dt, dev)
    if a._shape[-1] == 0:
        dev.backend.fill(res, 0)
    else:
        dev.backend.matmul(res, a, b)
    return res


# ------------------------------------------------------------------------------------------------
def _mm(a, b):
    if len(a._shape) != 2:
        raise RuntimeError("self must be a matrix")
    if len(b._shape) != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a._shape[1] != b._shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a._shape[0]}x{a._shape[1]} "
                           f"and {b._shape[0]}x{b._shape[1]})")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {U.tm_name(a.dtype)} "
                           f"!= {U.tm_name(b.dtype)}")
    if a.device is not b.device:
        same_device(a, b)
    return _product((a._shape[0], b._shape[1]), a, b, "addmm_impl_cpu_")


def _mv(a, v):
    if a.dim() != 2 or v.dim() != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.dim()}, {v.dim()}")
    if a._shape[1] != v._shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a._shape[0]}), mat ({a._shape[0]}x{a._shape[1]}), "
                           f"vec ({v._shape[0]})")
    if a.dtype is not v.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {U.st_name(v.dtype)}, "
                           f"{U.st_name(a.dtype)}, and {U.st_name(v.dtype)}")
    if a.device is not v.device:
        same_device(a, v)
    res = _product((a._shape[0], 1), a, U.p_unsqueeze(v, 1), "addmv_impl_cpu")
    return U.fresh(res, (a._shape[0],))


def _dot(a, b, name="dot"):
    if a.dim() != 1 or b.dim() != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.dim()}D and {b.dim()}D tensors")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{U.st_name(a.dtype)} and {U.st_name(b.dtype)}")
    if a._shape[0] != b._shape[0]:
        n1, n2 = a._shape[0], b._shape[0]
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n1}] and src [{n2}] to have the "
                           f"same number of elements, but got {n1} and {n2} elements respectively")
    if a.device is not b.device:
        same_device(a, b)
    res = _product((1, 1), U.p_unsqueeze(a, 0), U.p_unsqueeze(b, 1), name)
    return U.fresh(res, ())


def _bmm_checks(a, b):
    if a.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    bs, k = a._shape[0], a._shape[2]
    if b._shape[0] != bs or b._shape[1] != k:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{bs}, {k}] "
                           f"but got: [{b._shape[0]}, {b._shape[1]}].")


def _bmm_dtype(a, b):
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected scalar type {U.st_name(a.dtype)} but found {U.st_name(b.dtype)}")


def _should_fold(a, b):
    """PyTorch's rule for folding an N-D @ (1-D | 2-D) product into one mm/mv (no copy of the big one)."""
    a_larger = a.dim() >= b.dim()
    t1 = a if a_larger else U.p_mT(b)
    dim_t2 = b.dim() if a_larger else a.dim()
    if not (t1.dim() >= 3 and dim_t2 <= 2):
        return False
    if a.dim() == 2:
        return False        # folding would need the transposed result copied back
    if t1.numel() == 0:
        return True
    return all(t1._stride[i] == t1._stride[i + 1] * t1._shape[i + 1] for i in range(t1.dim() - 2))


def _matmul(a, b):
    d1, d2 = len(a._shape), len(b._shape)
    if d1 == 0 or d2 == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {d1}D and {d2}D")
    if d1 == 1 and d2 == 1:
        return _dot(a, b)
    if d1 == 2 and d2 == 1:
        return _mv(a, b)
    if d1 == 1 and d2 == 2:
        return U.fresh(_mm(U.p_unsqueeze(a, 0), b), (b._shape[1],))
    if d1 == 2 and d2 == 2:
        return _mm(a, b)
    if _should_fold(a, b):
        # (..., n, k) @ (k[, p]) as one (B*n, k) GEMM; 1-D @ (..., k, p) as (B*p, k) GEMV on b^T
        transpose = d2 > d1
        t1 = U.p_mT(b) if transpose else a
        t2 = a if transpose else b
        lead = t1._shape[:-1]
        t1f = U.p_reshape(t1, (_numel(lead), t1._shape[-1]))
        if t2.dim() == 2:
            return U.fresh(_mm(t1f, t2), lead + (t2._shape[1],))
        return U.fresh(_mv(t1f, t2), lead)
    n = a._shape[-2] if d1 > 1 else 1
    m1 = a._shape[-1]
    m2 = b._shape[-2] if d2 > 1 else b._shape[0]
    p = b._shape[-1] if d2 > 1 else 1
    batch = broadcast_shapes(a._shape[:max(d1 - 2, 0)], b._shape[:max(d2 - 2, 0)])
    bs = _numel(batch)
    if m1 != m2:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{bs}, {m1}] "
                           f"but got: [{bs}, {m2}].")
    _bmm_dtype(a, b)
    if a.device is not b.device:
        same_device(a, b)
    ae = U.p_expand(a if d1 > 1 else U.p_unsqueeze(a, 0), batch + (n, m1))
    be = U.p_expand(b if d2 > 1 else U.p_unsqueeze(b, 1), batch + (m2, p))
    res = _product(batch + (n, p), ae, be, "bmm")
    if d1 > 1 and d2 > 1:
        return res
    return U.fresh(res, batch + ((n,) if d1 > 1 else ()) + ((p,) if d2 > 1 else ()))


# ------------------------------------------------------------------------------------------------
@method()
def matmul(input, other, *, out=None):
    """Matrix product with broadcasting: dot, mv, mm or batched mm depending on the dims."""
    _check_tensors("matmul", ("input", input), ("other", other))
    return finish_out(_matmul(input, other), out)


@method()
def mm(input, mat2, *, out=None):
    """input @ mat2 for 2-D matrices (no broadcasting)."""
    _check_tensors("mm", ("input", input), ("mat2", mat2))
    return finish_out(_mm(input, mat2), out)


@method()
def bmm(input, mat2, *, out=None):
    """out[b] = input[b] @ mat2[b] for 3-D tensors (no broadcasting)."""
    _check_tensors("bmm", ("input", input), ("mat2", mat2))
    _bmm_checks(input, mat2)
    _bmm_dtype(input, mat2)
    if input.device is not mat2.device:
        same_device(input, mat2)
    res = _product((input._shape[0], input._shape[1], mat2._shape[2]), input, mat2, "bmm")
    return finish_out(res, out)


@method()
def mv(input, vec, *, out=None):
    """Matrix-vector product: out[i] = sum_j input[i, j] vec[j]."""
    _check_tensors("mv", ("input", input), ("vec", vec))
    return finish_out(_mv(input, vec), out)


@method()
def dot(input, tensor, *, out=None):
    """Inner product of two 1-D tensors: sum_i input[i] tensor[i]."""
    _check_tensors("dot", ("input", input), ("tensor", tensor))
    return finish_out(_dot(input, tensor), out)


@method()
def vdot(input, other, *, out=None):
    """sum_i conj(input[i]) other[i]; equal to dot for real dtypes."""
    _check_tensors("vdot", ("input", input), ("other", other))
    return finish_out(_dot(input, other), out)


@method()
def inner(input, other, *, out=None):
    """Sum over the last dims: out[i.., j..] = sum_k input[i.., k] other[j.., k]."""
    _check_tensors("inner", ("input", input), ("other", other))
    if input.dim() == 0 or other.dim() == 0:
        return _ew.mul(input, other, out=out)
    if input._shape[-1] != other._shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{U.shape_str(input._shape)} and {U.shape_str(other._shape)}")
    from ._einsum import tensordot
    return finish_out(tensordot(input, other, ([-1], [-1])), out)


def _check_1d(t, arg, fn):
    if t.dim() != 1:
        raise RuntimeError(f"{fn}: Expected 1-D argument {arg}, but got {t.dim()}-D")


@method()
def outer(input, vec2, *, out=None):
    """Outer product: out[i, j] = input[i] * vec2[j] (dtypes promote, as PyTorch)."""
    _check_tensors("outer", ("input", input), ("vec2", vec2))
    _check_1d(input, "self", "outer")
    _check_1d(vec2, "vec2", "outer")
    return _ew.mul(U.unsqueeze(input, 1), vec2, out=out)


ger = outer
Tensor.ger = outer


# ------------------------------------------------------------------------------------------------
# beta * input + alpha * (product)
def _expand_size(t, shape, fname):
    """Broadcast `t` to `shape` with PyTorch's expand error when it can't."""
    shape = tuple(shape)
    if t.dim() > len(shape):
        raise RuntimeError(f"expand({t.type()}{{{U.shape_str(t._shape)}}}, size={U.shape_str(shape)}): the "
                           f"number of sizes provided ({len(shape)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({t.dim()})")
    off = len(shape) - t.dim()
    for i, n in enumerate(t._shape):
        if n != 1 and n != shape[off + i]:
            raise RuntimeError(f"The expanded size of the tensor ({shape[off + i]}) must match the existing "
                               f"size ({n}) at non-singleton dimension {off + i}.  Target sizes: "
                               f"{U.shape_str(shape)}.  Tensor sizes: {U.shape_str(t._shape)}")
    return U.p_expand(t, shape)


def _scalar(x, name):
    if isinstance(x, Tensor):
        x = x.item()
    if not isinstance(x, numbers.Number):
        raise TypeError(f"argument '{name}' must be Number, not {type(x).__name__}")
    return x


def _combine(prod, input_e, beta, alpha):
    """prod <- alpha * prod + beta * input (beta == 0 ignores input, NaNs included)."""
    if alpha != 1:
        if alpha == 0:
            prod.zero_()
        else:
            prod.mul_(alpha if prod.dtype.is_floating_point else int(alpha))
    if beta != 0:
        prod.add_(input_e, alpha=beta if prod.dtype.is_floating_point else int(beta))
    return prod


def _inplace(self, res):
    check_inplace(self, res.dtype, res._shape)
    self.device.backend.copy(self, res)
    self._storage.version += 1
    return self


@method()
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2)."""
    _check_tensors("addmm", ("input", input), ("mat1", mat1), ("mat2", mat2))
    beta, alpha = _scalar(beta, "beta"), _scalar(alpha, "alpha")
    if input.dtype is not mat2.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {U.st_name(input.dtype)} and "
                           f"{U.st_name(mat2.dtype)}")
    if mat1.dtype is not mat2.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {U.st_name(mat1.dtype)} and "
                           f"{U.st_name(mat2.dtype)}")
    if mat1.dim() != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {mat1.dim()}-D tensor")
    if mat2.dim() != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {mat2.dim()}-D tensor")
    shape = (mat1._shape[0], mat2._shape[1])
    input_e = _expand_size(input, shape, "addmm")
    res = _mm(mat1, mat2)
    return finish_out(_combine(res, input_e, beta, alpha), out)


@method()
def addmm_(self, mat1, mat2, *, beta=1, alpha=1):
    return _inplace(self, addmm(self, mat1, mat2, beta=beta, alpha=alpha))


@method()
def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec)."""
    _check_tensors("addmv", ("input", input), ("mat", mat), ("vec", vec))
    beta, alpha = _scalar(beta, "beta"), _scalar(alpha, "alpha")
    if not (mat.dim() == 2 and vec.dim() == 1 and input.dim() <= 1):
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.dim()}, {mat.dim()}, {vec.dim()}")
    if not (mat._shape[1] == vec._shape[0] and (mat._shape[0] == input.numel() or input.numel() == 1)):
        raise RuntimeError(f"size mismatch, got input ({input._shape[0] if input.dim() else 1}), mat "
                           f"({mat._shape[0]}x{mat._shape[1]}), vec ({vec._shape[0]})")
    if not (input.dtype is mat.dtype is vec.dtype):
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {U.st_name(input.dtype)}, "
                           f"{U.st_name(mat.dtype)}, and {U.st_name(vec.dtype)}")
    res = _mv(mat, vec)
    return finish_out(_combine(res, U.p_expand(input, res._shape), beta, alpha), out)


@method()
def addmv_(self, mat, vec, *, beta=1, alpha=1):
    return _inplace(self, addmv(self, mat, vec, beta=beta, alpha=alpha))


def _check_addr_scalar(dtype, s, name):
    if isinstance(s, bool) and dtype is not _dt.bool:
        raise RuntimeError(f"Boolean {name} only supported for Boolean results.")
    if not dtype.is_floating_point and not isinstance(s, numbers.Integral):
        raise RuntimeError(f"For integral input tensors, argument {name} must not be a floating point number.")


@method()
def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * outer(vec1, vec2) (dtypes promote, as PyTorch)."""
    _check_tensors("addr", ("input", input), ("vec1", vec1), ("vec2", vec2))
    beta, alpha = _scalar(beta, "beta"), _scalar(alpha, "alpha")
    _check_1d(vec1, "vec1", "addr")
    _check_1d(vec2, "vec2", "addr")
    shape = (vec1._shape[0], vec2._shape[0])
    input_e = _expand_size(input, shape, "addr")
    dt = _dt.promote_types(_dt.promote_types(input.dtype, vec1.dtype), vec2.dtype)
    _check_addr_scalar(dt, beta, "beta")
    _check_addr_scalar(dt, alpha, "alpha")
    prod = outer(vec1.to(dt), vec2.to(dt))
    if dt is _dt.bool:
        res = prod if alpha else _ew.logical_and(prod, False)
        res = _ew.logical_or(res, input_e) if beta else res
        return finish_out(res, out)
    return finish_out(_combine(prod, input_e.to(dt), beta, alpha), out)


@method()
def addr_(self, vec1, vec2, *, beta=1, alpha=1):
    return _inplace(self, addr(self, vec1, vec2, beta=beta, alpha=alpha))


@method()
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * bmm(batch1, batch2)."""
    _check_tensors("baddbmm", ("input", input), ("batch1", batch1), ("batch2", batch2))
    beta, alpha = _scalar(beta, "beta"), _scalar(alpha, "alpha")
    _bmm_checks(batch1, batch2)
    shape = (batch1._shape[0], batch1._shape[1], batch2._shape[2])
    input_e = _expand_size(input, shape, "baddbmm")
    if input.dtype is not batch1.dtype:
        raise RuntimeError(f"Input dtypes must be the same, got: input {U.tm_name(input.dtype)}, batch1: "
                           f"{U.tm_name(batch1.dtype)}, batch2: {U.tm_name(batch2.dtype)}")
    res = bmm(batch1, batch2)
    return finish_out(_combine(res, input_e, beta, alpha), out)


@method()
def baddbmm_(self, batch1, batch2, *, beta=1, alpha=1):
    return _inplace(self, baddbmm(self, batch1, batch2, beta=beta, alpha=alpha))


@method()
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * sum_b batch1[b] @ batch2[b]."""
    _check_tensors("addbmm", ("input", input), ("batch1", batch1), ("batch2", batch2))
    beta, alpha = _scalar(beta, "beta"), _scalar(alpha, "alpha")
    if batch1.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if batch2.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if batch1._shape[0] != batch2._shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {batch1._shape[0]} "
                           f"and {batch2._shape[0]}")
    if batch1._shape[2] != batch2._shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({batch1._shape[1]}x{batch1._shape[2]} and "
                           f"{batch2._shape[1]}x{batch2._shape[2]})")
    b, n, k = batch1._shape
    p = batch2._shape[2]
    input_e = _expand_size(input, (n, p), "addbmm")
    # sum_b A[b] @ B[b] is one GEMM of A as (n, b*k) with B as (b*k, p)
    a2 = U.p_reshape(U.p_permute(batch1, (1, 0, 2)), (n, b * k))
    b2 = U.p_reshape(batch2, (b * k, p))
    if input.dtype is not batch1.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {U.st_name(input.dtype)} and "
                           f"{U.st_name(batch2.dtype)}")
    res = _mm(a2, b2)
    return finish_out(_combine(res, input_e, beta, alpha), out)


@method()
def addbmm_(self, batch1, batch2, *, beta=1, alpha=1):
    return _inplace(self, addbmm(self, batch1, batch2, beta=beta, alpha=alpha))


# ------------------------------------------------------------------------------------------------
# the @ operator
def _op_matmul(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    a_shape, b_shape = self._shape, other._shape
    if len(a_shape) == 2 and len(b_shape) == 2 and a_shape[1] == b_shape[0] and a_shape[1] \
            and self.dtype is other.dtype and self.device is other.device \
            and self.dtype.is_floating_point and not (self._requires_grad or other._requires_grad):
        # the common 2-D product with nothing to record: straight to the GEMM (the checks and
        # the autograd wrappers of _matmul/_mm would pass it through unchanged)
        res = _empty((a_shape[0], b_shape[1]), self.dtype, self.device)
        self.device.backend.matmul(res, self, other)
        return res
    return _matmul(self, other)


def _op_rmatmul(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(other, self)


Tensor.__matmul__ = _op_matmul
Tensor.__rmatmul__ = _op_rmatmul
