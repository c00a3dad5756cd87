"""Comparisons, predicates and the selecting/ternary elementwise ops: eq ... ge, isnan ...,
where, lerp, addcmul, addcdiv and clamp (re-exported by elementwise.py, which holds the shared
machinery: promotion, broadcasting, output allocation, backend.map calls).
"""
import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor, _empty
from ..backends.cpu._map import UNARY, COMPARE, PREDICATE, TERNARY
from ._helpers import as_tensor_operand, same_device, finish_out, check_inplace, _dtype_name
from . import elementwise as _ew      # public ops looked up at call time (autograd wraps them)
from .elementwise import (F_COMPARE, F_PREDICATE, F_TERNARY, F_WHERE, _binary_impl, _broadcast,
                          _check_operand, _float_dtype, _kernel_scalar, _unary_impl)

__all__ = []


def _export(fn):
    """Put `fn` in ember's namespace and on Tensor."""
    __all__.append(fn.__name__)
    setattr(Tensor, fn.__name__, fn)
    return fn


# ------------------------------------------------------------------------------------------------
# Comparisons and predicates (bool results)
def _make_compare(name, summary):
    code = COMPARE[name]

    def op(input, other, *, out=None):
        _check_operand(other, name)
        dt = _dt.result_type_of(input, other)
        return _binary_impl(code, input, other, out, family=F_COMPARE, dtype=_dt.bool, compute=dt)

    def op_(self, other):
        self.copy_(op(self, other))
        return self
    op.__name__, op_.__name__ = name, name + "_"
    op.__doc__ = f"input {summary} other, compared in the promoted dtype; a bool tensor."
    op_.__doc__ = f"In-place {name}, written in self's dtype (1 / 0)."
    return op, op_


eq, eq_ = _make_compare("eq", "==")
ne, ne_ = _make_compare("ne", "!=")
lt, lt_ = _make_compare("lt", "<")
le, le_ = _make_compare("le", "<=")
gt, gt_ = _make_compare("gt", ">")
ge, ge_ = _make_compare("ge", ">=")
for _f in (eq, eq_, ne, ne_, lt, lt_, le, le_, gt, gt_, ge, ge_):
    _export(_f)
for _n, _t in (("greater", gt), ("greater_equal", ge), ("less", lt), ("less_equal", le),
               ("not_equal", ne), ("greater_", gt_), ("greater_equal_", ge_), ("less_", lt_),
               ("less_equal_", le_), ("not_equal_", ne_)):
    globals()[_n] = _t
    setattr(Tensor, _n, _t)
    __all__.append(_n)


def _make_predicate(name, int_value, summary):
    code = PREDICATE[name]

    def op(input):
        if not input.dtype.is_floating_point:
            from .creation import full
            return full(input._shape, int_value, dtype=_dt.bool, device=input.device)
        res = _empty(input._shape, _dt.bool, input.device)
        input.device.backend.map(F_PREDICATE, code, res, [input])
        return res
    op.__name__ = name
    op.__doc__ = f"{summary}, as a bool tensor (torch.{name})."
    return op


isnan = _make_predicate("isnan", False, "x != x")
isinf = _make_predicate("isinf", False, "x is +inf or -inf")
isfinite = _make_predicate("isfinite", True, "x is neither inf nor NaN")
isposinf = _make_predicate("isposinf", False, "x == +inf")
isneginf = _make_predicate("isneginf", False, "x == -inf")
_signbit = _make_predicate("signbit", False, "")


def signbit(input):
    """The sign bit of x is set (true for -0.0), as a bool tensor."""
    if not input.dtype.is_floating_point:
        return lt(input, 0)
    return _signbit(input)


def isreal(input):
    """All true: Ember has no complex dtypes."""
    from .creation import ones_like
    return ones_like(input, dtype=_dt.bool)


for _f in (isnan, isinf, isfinite, isposinf, isneginf, signbit, isreal):
    _export(_f)


# ------------------------------------------------------------------------------------------------
# Ternary
def where(condition, input=None, other=None, *, out=None):
    """input where condition else other, broadcast together (one argument: nonzero(as_tuple))."""
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor) or condition.dtype is not _dt.bool:
        got = _dtype_name(condition.dtype) if isinstance(condition, Tensor) else type(condition).__name__
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with "
                           f"dtype {got}")
    for x in (input, other):
        _check_operand(x, "where")
    dev = same_device(condition, input, other)
    dt = _dt.result_type_of(input, other)
    shape = _broadcast(condition, input, other)
    ta = as_tensor_operand(input, dt, dev)
    tb = as_tensor_operand(other, dt, dev)
    res = _empty(shape, dt, dev)
    dev.backend.map(F_WHERE, 0, res, [as_tensor_operand(condition, _dt.bool, dev), ta, tb])
    return finish_out(res, out)


def _ternary_float(code, a, b, c, value, out):
    dev = same_device(a, b, c)
    dt = _float_dtype(_dt.result_type_of(a, b, c))
    shape = _broadcast(a, b, c)
    ops = [as_tensor_operand(x, dt, dev) for x in (a, b, c)]
    res = _empty(shape, dt, dev)
    dev.backend.map(F_TERNARY, code, res, ops, float(value))
    return finish_out(res, out)


# c10's TypeMeta names, which PyTorch's lerp messages print
_META_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
               "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
               "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
               "bool": "bool"}


def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input); input and end (and a dimensioned weight) share a dtype."""
    for x, name in ((end, "end"), (weight, "weight")):
        if isinstance(x, Tensor) and x.dtype is not input.dtype and (name == "end" or x._shape):
            raise RuntimeError(f"expected dtype {_META_NAMES[input.dtype.name]} for `{name}` but "
                               f"got dtype {_META_NAMES[x.dtype.name]}")
    if not input.dtype.is_floating_point:
        kind = "tensor" if isinstance(weight, Tensor) else "scalar"
        raise RuntimeError(f"\"lerp_kernel_{kind}\" not implemented for '{_dtype_name(input.dtype)}'")
    if isinstance(weight, Tensor) and weight.dtype is not input.dtype:
        weight = weight.to(input.dtype)            # a 0-d weight joins input's dtype
    return _ternary_float(TERNARY["lerp"], input, end, weight, 0.0, out)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2."""
    if not _dt.result_type_of(input, tensor1, tensor2).is_floating_point:
        if isinstance(value, (float, np.floating)):
            raise RuntimeError("For integral input tensors, argument value must not be a floating "
                               "point number.")
        return _ew.add(input, _ew.mul(_ew.mul(tensor1, tensor2), value), out=out)
    return _ternary_float(TERNARY["addcmul"], input, tensor1, tensor2, value, out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2."""
    if not tensor1.dtype.is_floating_point and not tensor2.dtype.is_floating_point:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future release addcdiv "
            "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can "
            "be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
            "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
            "addcdiv behavior is just the latter implementation: (input + value * tensor1 / "
            "tensor2), for all dtypes.")
    return _ternary_float(TERNARY["addcdiv"], input, tensor1, tensor2, value, out)


_FAST_CODES = {"lerp": TERNARY["lerp"], "addcmul": TERNARY["addcmul"], "addcdiv": TERNARY["addcdiv"]}


def _write_in_place(name, self, b, c, value):
    """The optimizer hot path: compute straight into `self` when nothing needs converting."""
    if not self.dtype.is_floating_point or not self.is_contiguous():
        return False
    ops = [self, b, c]
    for t in ops[1:]:
        if isinstance(t, Tensor):
            if t.dtype is not self.dtype or t.device != self.device or _ew._partial_overlap(self, t):
                return False
            if len(t._shape) > len(self._shape) or any(
                    n != 1 and n != m for n, m in zip(reversed(t._shape), reversed(self._shape))):
                return False
        elif not isinstance(t, (int, float)) or isinstance(t, bool):
            return False
    ops = [as_tensor_operand(t, self.dtype, self.device) for t in ops]
    self.device.backend.map(F_TERNARY, _FAST_CODES[name], self, ops, float(value))
    return True


def _ternary_inplace(fn):
    def op_(self, *args, **kwargs):
        name = fn.__name__
        if len(args) == 2 and set(kwargs) <= {"value"} and isinstance(self, Tensor):
            check_inplace(self, self.dtype, self._shape)
            if _write_in_place(name, self, args[0], args[1], kwargs.get("value", 1)):
                self._storage.version += 1
                return self
        r = fn(self, *args, **kwargs)
        check_inplace(self, r.dtype, r._shape)
        self.device.backend.copy(self, r)
        self._storage.version += 1
        return self
    op_.__name__ = fn.__name__ + "_"
    op_.__doc__ = f"In-place {fn.__name__}."
    return op_


lerp_, addcmul_, addcdiv_ = _ternary_inplace(lerp), _ternary_inplace(addcmul), _ternary_inplace(addcdiv)


def clamp(input, min=None, max=None, *, out=None):
    """min(max(x, min), max); bounds may be numbers or tensors; NaN stays NaN; min > max gives max."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        r = input
        if min is not None:
            r = _ew.maximum(r, min)
        if max is not None:
            r = _ew.minimum(r, max)
        return finish_out(r if r is not input else input.clone(), out)
    for v in (min, max):
        if v is not None:
            _check_operand(v, "clamp")
    dt = _dt.result_type_of(input, *(v for v in (min, max) if v is not None))
    x = input.to(dt)
    if any(v is not None and v != v for v in (min, max)):       # a NaN bound: all NaN, as PyTorch
        from .creation import full_like
        return finish_out(full_like(x, float("nan")), out)
    lo, hi = (0.0 if v is None else _kernel_scalar(v, dt) for v in (min, max))
    code = "clamp" if min is not None and max is not None else \
        ("clamp_min" if min is not None else "clamp_max")
    return _unary_impl(UNARY[code], x, out, lo, hi, float_only=False)


def clamp_(self, min=None, max=None):
    """In-place clamp."""
    r = clamp(self, min, max)
    check_inplace(self, r.dtype, r._shape)
    self.device.backend.copy(self, r)
    self._storage.version += 1
    return self


def clamp_min(input, min):
    """max(x, min)."""
    return clamp(input, min=min)


def clamp_max(input, max):
    """min(x, max)."""
    return clamp(input, max=max)


def clamp_min_(self, min):
    """In-place clamp_min."""
    return clamp_(self, min=min)


def clamp_max_(self, max):
    """In-place clamp_max."""
    return clamp_(self, max=max)


clip, clip_ = clamp, clamp_

for _f in (where, lerp, lerp_, addcmul, addcmul_, addcdiv, addcdiv_, clamp, clamp_, clamp_min,
           clamp_max, clamp_min_, clamp_max_):
    _export(_f)
for _n, _f in (("clip", clamp), ("clip_", clamp_)):
    setattr(Tensor, _n, _f)
    globals()[_n] = _f
    __all__.append(_n)


def _tensor_where(self, condition, y):
    """Tensor.where(condition, y): self where condition else y (torch's method order). Calls
    the module's `where` at call time, so it records like ember.where."""
    return where(condition, self, y)


_tensor_where.__wrapped_op__ = where    # records through `where`: autograd must not wrap it again
Tensor.where = _tensor_where
