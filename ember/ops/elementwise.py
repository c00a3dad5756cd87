"""Elementwise ops: each defined once as a row of a table, plus the few that need their own rules.

The ops layer decides the result dtype (PyTorch's promotion), the broadcast shape and the device,
allocates the output and calls ``backend.map(family, op, out, inputs, *params)``.
"""
import math
import numbers

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor, _empty
from ..backends.cpu._map import UNARY, BINARY, COMPARE, PREDICATE, TERNARY, FAMILY
from ._helpers import (method, broadcast_shapes, as_tensor_operand, same_device, finish_out,
                       check_inplace, is_scalar, scalar_tensor)

F_UNARY, F_BINARY, F_COMPARE = FAMILY["unary"], FAMILY["binary"], FAMILY["compare"]
F_PREDICATE, F_TERNARY, F_WHERE = FAMILY["predicate"], FAMILY["ternary"], FAMILY["where"]

__all__ = []


def _export(fn, *method_names, inplace=None):
    """Put `fn` in ember's namespace and on Tensor (and its in-place twin as `name_`)."""
    __all__.append(fn.__name__)
    for n in method_names or (fn.__name__,):
        setattr(Tensor, n, fn)
    return fn


def _float_dtype(d):
    return d if d.is_floating_point else _dt.get_default_dtype()


# ------------------------------------------------------------------------------------------------
# Unary
def _unary_impl(code, x, out, p0=0.0, p1=0.0, p2=0.0, float_only=True, dtype=None):
    if not isinstance(x, Tensor):
        raise TypeError(f"expected Tensor as element 0 in argument 0, but got {type(x).__name__}")
    dt = dtype or (_float_dtype(x.dtype) if float_only else x.dtype)
    if x.dtype is not dt:
        x = x.to(dt)
    res = _empty(x._shape, dt, x.device)
    x.device.backend.map(F_UNARY, code, res, [x], p0, p1, p2)
    return finish_out(res, out)


def _unary_inplace(code, self, p0=0.0, p1=0.0, p2=0.0, float_only=True):
    dt = _float_dtype(self.dtype) if float_only else self.dtype
    check_inplace(self, dt, self._shape)
    if dt is self.dtype:
        self.device.backend.map(F_UNARY, code, self, [self], p0, p1, p2)
    else:
        self.device.backend.copy(self, _unary_impl(code, self, None, p0, p1, p2, float_only))
    self._storage.version += 1
    return self


# name -> (ints allowed (computed in the input's dtype), torch namespace?)
_UNARY_TABLE = {
    # float-valued functions: integer inputs are promoted to the default float dtype
    **{n: False for n in (
        "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin", "cos",
        "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid",
        "erf", "erfc", "erfinv", "lgamma", "reciprocal", "sinc")},
    # also defined for integers, computed in the input's dtype
    **{n: True for n in ("neg", "abs", "sign", "square", "floor", "ceil", "trunc", "frac", "relu")},
}
_ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
            "arccosh": "acosh", "arctanh": "atanh", "negative": "neg", "absolute": "abs",
            "fix": "trunc"}


def _make_unary(name, ints_ok):
    code = UNARY[name]

    def op(input, *, out=None):
        if ints_ok and input.dtype is _dt.bool and name in ("neg", "abs", "sign", "square"):
            if name == "neg":
                raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                                   "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
            return _unary_impl(code, input.to(_dt.int64), out).to(_dt.bool) if name != "square" \
                else _unary_impl(code, input.to(_dt.int64), out)
        return _unary_impl(code, input, out, float_only=not ints_ok)

    def op_(self):
        return _unary_inplace(code, self, float_only=not ints_ok)

    op.__name__ = name
    op_.__name__ = name + "_"
    op.__doc__ = f"Elementwise {name} of `input` (torch.{name})."
    op_.__doc__ = f"In-place {name}."
    return op, op_


for _name, _ints in _UNARY_TABLE.items():
    _f, _f_ = _make_unary(_name, _ints)
    globals()[_name] = _export(_f)
    globals()[_name + "_"] = _export(_f_)
for _alias, _target in _ALIASES.items():
    globals()[_alias] = globals()[_target]
    globals()[_alias + "_"] = globals()[_target + "_"]
    __all__ += [_alias, _alias + "_"]
    setattr(Tensor, _alias, globals()[_target])
    setattr(Tensor, _alias + "_", globals()[_target + "_"])
del _name, _ints, _f, _f_, _alias, _target


def positive(input):
    if input.dtype is _dt.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


_export(positive)
sgn = sign
__all__.append("sgn")
Tensor.sgn = sign


def logit(input, eps=None, *, out=None):
    return _unary_impl(UNARY["logit"], input, out, -1.0 if eps is None else float(eps))


def logit_(self, eps=None):
    return _unary_inplace(UNARY["logit"], self, -1.0 if eps is None else float(eps))


def round(input, *, decimals=0, out=None):
    if decimals == 0:
        return _unary_impl(UNARY["round"], input, out, float_only=False)
    if not input.dtype.is_floating_point:
        return finish_out(input.clone(), out)
    return _unary_impl(UNARY["round_dec"], input, out, 10.0 ** abs(decimals), 1.0 if decimals > 0 else -1.0)


def round_(self, *, decimals=0):
    if decimals == 0:
        return _unary_inplace(UNARY["round"], self, float_only=False)
    return _unary_inplace(UNARY["round_dec"], self, 10.0 ** abs(decimals), 1.0 if decimals > 0 else -1.0)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    if not input.dtype.is_floating_point:
        return finish_out(input.clone(), out)
    fi = _dt.finfo(input.dtype)
    return _unary_impl(UNARY["nan_to_num"], input, out, nan, fi.max if posinf is None else posinf,
                       fi.min if neginf is None else neginf)


def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    fi = _dt.finfo(self.dtype)
    return _unary_inplace(UNARY["nan_to_num"], self, nan, fi.max if posinf is None else posinf,
                          fi.min if neginf is None else neginf)


for _f in (logit, logit_, round, round_, nan_to_num, nan_to_num_):
    _export(_f)


def _bitwise_check(name, *ts):
    for t in ts:
        if isinstance(t, Tensor) and t.dtype.is_floating_point:
            raise RuntimeError(f"\"{name}_cpu\" not implemented for '{t.dtype.name.capitalize()}'")
        if isinstance(t, float):
            raise TypeError(f"{name}(): argument 'other' must be an integer or bool, not float")


def bitwise_not(input, *, out=None):
    _bitwise_check("bitwise_not", input)
    if input.dtype is _dt.bool:
        return _unary_impl(UNARY["logical_not"], input, out, float_only=False)
    return _unary_impl(UNARY["bitwise_not"], input, out, float_only=False)


def bitwise_not_(self):
    _bitwise_check("bitwise_not", self)
    code = UNARY["logical_not"] if self.dtype is _dt.bool else UNARY["bitwise_not"]
    return _unary_inplace(code, self, float_only=False)


def logical_not(input, *, out=None):
    return _unary_impl(UNARY["logical_not"], input.to(_dt.bool), out, float_only=False)


def logical_not_(self):
    self.copy_(logical_not(self))
    return self


for _f in (bitwise_not, bitwise_not_, logical_not, logical_not_):
    _export(_f)


# activations with parameters (also used by ember.nn.functional)
def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh.")
    return _unary_impl(UNARY["gelu" if approximate == "none" else "gelu_tanh"], input, None)


def silu(input):
    return _unary_impl(UNARY["silu"], input, None)


def mish(input):
    return _unary_impl(UNARY["mish"], input, None)


def softplus(input, beta=1.0, threshold=20.0):
    return _unary_impl(UNARY["softplus"], input, None, float(beta), float(threshold))


def leaky_relu(input, negative_slope=0.01):
    return _unary_impl(UNARY["leaky_relu"], input, None, float(negative_slope))


def elu(input, alpha=1.0, scale=1.0, input_scale=1.0):
    return _unary_impl(UNARY["elu"], input, None, float(alpha), float(scale), float(input_scale))


def selu(input):
    return _unary_impl(UNARY["selu"], input, None)


def celu(input, alpha=1.0):
    return _unary_impl(UNARY["celu"], input, None, float(alpha))


def hardsigmoid(input):
    return _unary_impl(UNARY["hardsigmoid"], input, None)


def hardswish(input):
    return _unary_impl(UNARY["hardswish"], input, None)


def softsign(input):
    return _unary_impl(UNARY["softsign"], input, None)


def threshold(input, threshold, value):
    return _unary_impl(UNARY["threshold"], input, None, float(threshold), float(value), float_only=False)


for _f in (gelu, silu, mish, softplus, leaky_relu, elu, selu, celu, hardsigmoid, hardswish,
           softsign, threshold):
    __all__.append(_f.__name__)


# ------------------------------------------------------------------------------------------------
# Binary
def _binary_impl(code, a, b, out, family=F_BINARY, dtype=None, compute=None):
    """out = a (op) b with promotion and broadcasting; `compute` forces the compute dtype."""
    dev = same_device(a, b)
    dt = compute or _dt.result_type_of(a, b)
    sa = a._shape if isinstance(a, Tensor) else ()
    sb = b._shape if isinstance(b, Tensor) else ()
    shape = broadcast_shapes(sa, sb)
    ta = as_tensor_operand(a, dt, dev)
    tb = as_tensor_operand(b, dt, dev)
    res = _empty(shape, dtype or dt, dev)
    dev.backend.map(family, code, res, [ta, tb])
    return finish_out(res, out)


def _binary_inplace(code, self, other, compute=None):
    dt = compute or _dt.result_type_of(self, other)
    shape = broadcast_shapes(self._shape, other._shape if isinstance(other, Tensor) else ())
    check_inplace(self, dt, shape)
    if dt is self.dtype:
        tb = as_tensor_operand(other, dt, self.device)
        self.device.backend.map(F_BINARY, code, self, [self, tb])
    else:
        self.device.backend.copy(self, _binary_impl(code, self, other, None, compute=compute))
    self._storage.version += 1
    return self


def _check_operand(x, name="other"):
    if not isinstance(x, Tensor) and not is_scalar(x):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor or Number, not "
                        f"{type(x).__name__}")


def _scaled(other, alpha, name):
    if alpha == 1:
        return other
    if isinstance(alpha, float) and not (_dt.result_type_of(other, 1).is_floating_point if
                                          isinstance(other, Tensor) else isinstance(other, float)):
        raise RuntimeError(f"For integral input tensors, argument alpha must not be a floating point number.")
    return mul(other, alpha)


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, with broadcasting and type promotion."""
    if not isinstance(input, Tensor):
        input, other = other, input      # Python scalar on the left (radd)
    _check_operand(other, "add")
    other = _scaled(other, alpha, "add")
    if input.dtype is _dt.bool and (not isinstance(other, Tensor) or other.dtype is _dt.bool) \
            and _dt.result_type_of(input, other) is _dt.bool:
        return _binary_impl(BINARY["bitwise_or"], input, other, out)
    return _binary_impl(BINARY["add"], input, other, out)


def add_(self, other, *, alpha=1):
    other = _scaled(other, alpha, "add")
    if self.dtype is _dt.bool and _dt.result_type_of(self, other) is _dt.bool:
        return _binary_inplace(BINARY["bitwise_or"], self, other)
    return _binary_inplace(BINARY["add"], self, other)


def _no_bool_sub(a, b):
    if (isinstance(a, Tensor) and a.dtype is _dt.bool or isinstance(a, bool)) and \
            (isinstance(b, Tensor) and b.dtype is _dt.bool or isinstance(b, bool)):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")


def sub(input, other, *, alpha=1, out=None):
    _check_operand(other, "sub")
    _no_bool_sub(input, other)
    other = _scaled(other, alpha, "sub")
    if not isinstance(input, Tensor):
        return _binary_impl(BINARY["rsub"], other, input, out)
    return _binary_impl(BINARY["sub"], input, other, out)


def sub_(self, other, *, alpha=1):
    _no_bool_sub(self, other)
    return _binary_inplace(BINARY["sub"], self, _scaled(other, alpha, "sub"))


def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    return sub(other, mul(input, alpha) if alpha != 1 else input) if isinstance(other, Tensor) \
        else _binary_impl(BINARY["rsub"], _scaled(input, alpha, "rsub"), other, None)


def mul(input, other, *, out=None):
    if not isinstance(input, Tensor):
        input, other = other, input
    _check_operand(other, "mul")
    if _dt.result_type_of(input, other) is _dt.bool:
        return _binary_impl(BINARY["bitwise_and"], input, other, out)
    return _binary_impl(BINARY["mul"], input, other, out)


def mul_(self, other):
    if self.dtype is _dt.bool and _dt.result_type_of(self, other) is _dt.bool:
        return _binary_inplace(BINARY["bitwise_and"], self, other)
    return _binary_inplace(BINARY["mul"], self, other)


def _check_int_zero(b):
    """Integer division by zero raises (it would trap in C), as on PyTorch's CPU."""
    if isinstance(b, Tensor):
        if not b.dtype.is_floating_point and b.numel() and bool(eq(b, 0).any()):
            raise ZeroDivisionError("ZeroDivisionError")
    elif b == 0 and not isinstance(b, float):
        raise ZeroDivisionError("ZeroDivisionError")


def div(input, other, *, rounding_mode=None, out=None):
    """True division (ints promote to float), or 'trunc' / 'floor' rounded division."""
    _check_operand(other, "div")
    if rounding_mode is None:
        dt = _float_dtype(_dt.result_type_of(input, other))
        return _binary_impl(BINARY["div"], input, other, out, compute=dt)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                         f"found '{rounding_mode}'")
    dt = _dt.result_type_of(input, other)
    if dt is _dt.bool:
        dt = _dt.int64
    if not dt.is_floating_point:
        _check_int_zero(other)
    code = BINARY["trunc_divide" if rounding_mode == "trunc" else "floor_divide"]
    return _binary_impl(code, input, other, out, compute=dt)


def div_(self, other, *, rounding_mode=None):
    if rounding_mode is None:
        if not self.dtype.is_floating_point:
            raise RuntimeError(f"result type Float can't be cast to the desired output type "
                               f"{ {'int64': 'Long', 'int32': 'Int', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte', 'bool': 'Bool'}[self.dtype.name]}")
        return _binary_inplace(BINARY["div"], self, other)
    if not self.dtype.is_floating_point:
        _check_int_zero(other)
    return _binary_inplace(BINARY["trunc_divide" if rounding_mode == "trunc" else "floor_divide"], self, other)


def floor_divide(input, other, *, out=None):
    return div(input, other, rounding_mode="floor", out=out)


def floor_divide_(self, other):
    return div_(self, other, rounding_mode="floor")


def true_divide(input, other, *, out=None):
    return div(input, other, out=out)


def _int_checked(name):
    code = BINARY[name]

    def op(input, other, *, out=None):
        _check_operand(other, name)
        if not isinstance(input, Tensor):
            input = scalar_tensor(input, _dt.result_type_of(input, other), other.device)
        dt = _dt.result_type_of(input, other)
        if not dt.is_floating_point:
            _check_int_zero(other)
        return _binary_impl(code, input, other, out)

    def op_(self, other):
        if not self.dtype.is_floating_point:
            _check_int_zero(other)
        return _binary_inplace(code, self, other)
    op.__name__, op_.__name__ = name, name + "_"
    return op, op_


remainder, remainder_ = _int_checked("remainder")
fmod, fmod_ = _int_checked("fmod")


def pow(input, exponent, *, out=None):
    """input ** exponent; a Python-number exponent takes a fast unary path."""
    if not isinstance(input, Tensor):           # number ** tensor
        base = input
        dt = _dt.result_type_of(base, exponent)
        if dt.is_floating_point:
            return _unary_impl(UNARY["rpow_scalar"], exponent.to(dt), out, float(base), dtype=dt)
        return _binary_impl(BINARY["pow"], scalar_tensor(base, dt, exponent.device), exponent, out)
    if is_scalar(exponent):
        dt = _dt.result_type_of(input, exponent)
        if not dt.is_floating_point:
            if exponent < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
            if dt is _dt.bool:
                dt = _dt.int64 if not isinstance(exponent, bool) else _dt.bool
                if dt is _dt.bool:
                    return _binary_impl(BINARY["pow"], input.to(_dt.uint8), exponent, out).to(_dt.bool)
        if exponent == 1 and out is None:
            return input.to(dt, copy=True)
        return _unary_impl(UNARY["pow_scalar"], input, out, float(exponent), float_only=False, dtype=dt)
    _check_operand(exponent, "pow")
    return _binary_impl(BINARY["pow"], input, exponent, out)


def pow_(self, exponent):
    if is_scalar(exponent):
        dt = _dt.result_type_of(self, exponent)
        check_inplace(self, dt, self._shape)
        if not dt.is_floating_point and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if dt is self.dtype:
            self.device.backend.map(F_UNARY, UNARY["pow_scalar"], self, [self], float(exponent))
            self._storage.version += 1
            return self
    return _binary_inplace(BINARY["pow"], self, exponent)


def float_power(input, exponent, *, out=None):
    a = input.double() if isinstance(input, Tensor) else float(input)
    e = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    return pow(a, e, out=out)


def _float_binary(name):
    code = BINARY[name]

    def op(input, other, *, out=None):
        _check_operand(other, name)
        dt = _float_dtype(_dt.result_type_of(input, other))
        return _binary_impl(code, input, other, out, compute=dt)

    def op_(self, other):
        return _binary_inplace(code, self, other, compute=_float_dtype(_dt.result_type_of(self, other)))
    op.__name__, op_.__name__ = name, name + "_"
    op.__doc__ = f"Elementwise {name} (torch.{name}); integers promote to the default float dtype."
    return op, op_


atan2, atan2_ = _float_binary("atan2")
hypot, hypot_ = _float_binary("hypot")
copysign, copysign_ = _float_binary("copysign")
xlogy, xlogy_ = _float_binary("xlogy")
logaddexp, _ = _float_binary("logaddexp")
arctan2, arctan2_ = atan2, atan2_


def logaddexp2(input, other):
    ln2 = math.log(2.0)
    return div(logaddexp(mul(input, ln2), mul(other, ln2)), ln2)


def _plain_binary(name, bool_ok=True):
    code = BINARY[name]

    def op(input, other, *, out=None):
        _check_operand(other, name)
        if not isinstance(input, Tensor):
            input, other = other, input
        return _binary_impl(code, input, other, out)

    def op_(self, other):
        return _binary_inplace(code, self, other)
    op.__name__, op_.__name__ = name, name + "_"
    op.__doc__ = f"Elementwise {name} (torch.{name})."
    return op, op_


maximum, _ = _plain_binary("maximum")
minimum, _ = _plain_binary("minimum")
fmax, _ = _plain_binary("fmax")
fmin, _ = _plain_binary("fmin")


def _bitwise(name):
    code = BINARY[name]

    def op(input, other, *, out=None):
        _bitwise_check(name, input, other)
        if not isinstance(input, Tensor):
            input, other = other, input
        return _binary_impl(code, input, other, out)

    def op_(self, other):
        _bitwise_check(name, self, other)
        return _binary_inplace(code, self, other)
    op.__name__, op_.__name__ = name, name + "_"
    return op, op_


bitwise_and, bitwise_and_ = _bitwise("bitwise_and")
bitwise_or, bitwise_or_ = _bitwise("bitwise_or")
bitwise_xor, bitwise_xor_ = _bitwise("bitwise_xor")
bitwise_left_shift, bitwise_left_shift_ = _bitwise("bitwise_left_shift")
bitwise_right_shift, bitwise_right_shift_ = _bitwise("bitwise_right_shift")


def _logical(name, code_name):
    code = BINARY[code_name]

    def op(input, other, *, out=None):
        a = input.to(_dt.bool) if isinstance(input, Tensor) else bool(input)
        b = other.to(_dt.bool) if isinstance(other, Tensor) else bool(other)
        return _binary_impl(code, a, b, out, compute=_dt.bool)

    def op_(self, other):
        self.copy_(op(self, other))
        return self
    op.__name__, op_.__name__ = name, name + "_"
    return op, op_


logical_and, logical_and_ = _logical("logical_and", "bitwise_and")
logical_or, logical_or_ = _logical("logical_or", "bitwise_or")
logical_xor, logical_xor_ = _logical("logical_xor", "bitwise_xor")

for _f in (add, add_, sub, sub_, rsub, mul, mul_, div, div_, floor_divide, floor_divide_,
           true_divide, remainder, remainder_, fmod, fmod_, pow, pow_, float_power, atan2, atan2_,
           arctan2, arctan2_, hypot, hypot_, copysign, copysign_, xlogy, xlogy_, logaddexp,
           logaddexp2, maximum, minimum, fmax, fmin, bitwise_and, bitwise_and_, bitwise_or,
           bitwise_or_, bitwise_xor, bitwise_xor_, bitwise_left_shift, bitwise_left_shift_,
           bitwise_right_shift, bitwise_right_shift_, logical_and, logical_and_, logical_or,
           logical_or_, logical_xor, logical_xor_):
    _export(_f, _f.__name__)
for _n, _f in (("subtract", sub), ("subtract_", sub_), ("multiply", mul), ("multiply_", mul_),
               ("divide", div), ("divide_", div_), ("true_divide_", div_), ("arctan2", atan2)):
    setattr(Tensor, _n, _f)
    globals()[_n] = _f
    __all__.append(_n)


# ------------------------------------------------------------------------------------------------
# Comparisons and predicates (bool results)
def _make_compare(name):
    code = COMPARE[name]

    def op(input, other, *, out=None):
        _check_operand(other, name)
        dt = _dt.result_type_of(input, other)
        return _binary_impl(code, input, other, out, family=F_COMPARE, dtype=_dt.bool, compute=dt)

    def op_(self, other):
        self.copy_(op(self, other))
        return self
    op.__name__, op_.__name__ = name, name + "_"
    op.__doc__ = f"Elementwise `{name}` comparison; a bool tensor."
    return op, op_


eq, eq_ = _make_compare("eq")
ne, ne_ = _make_compare("ne")
lt, lt_ = _make_compare("lt")
le, le_ = _make_compare("le")
gt, gt_ = _make_compare("gt")
ge, ge_ = _make_compare("ge")
for _f in (eq, eq_, ne, ne_, lt, lt_, le, le_, gt, gt_, ge, ge_):
    _export(_f)
for _n, _t in (("greater", gt), ("greater_equal", ge), ("less", lt), ("less_equal", le),
               ("not_equal", ne)):
    globals()[_n] = _t
    setattr(Tensor, _n, _t)
    __all__.append(_n)


def _make_predicate(name, int_value):
    code = PREDICATE[name]

    def op(input):
        if not input.dtype.is_floating_point:
            from .creation import full
            return full(input._shape, int_value, dtype=_dt.bool, device=input.device)
        res = _empty(input._shape, _dt.bool, input.device)
        input.device.backend.map(F_PREDICATE, code, res, [input])
        return res
    op.__name__ = name
    return op


isnan = _make_predicate("isnan", False)
isinf = _make_predicate("isinf", False)
isfinite = _make_predicate("isfinite", True)
isposinf = _make_predicate("isposinf", False)
isneginf = _make_predicate("isneginf", False)
_signbit = _make_predicate("signbit", False)


def signbit(input):
    if not input.dtype.is_floating_point:
        return lt(input, 0)
    return _signbit(input)


def isreal(input):
    from .creation import ones_like
    return ones_like(input, dtype=_dt.bool)


for _f in (isnan, isinf, isfinite, isposinf, isneginf, signbit, isreal):
    _export(_f)


# ------------------------------------------------------------------------------------------------
# Ternary
def where(condition, input=None, other=None, *, out=None):
    """Elements of `input` where `condition` holds, else of `other` (broadcast together)."""
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor) or condition.dtype is not _dt.bool:
        got = condition.dtype.name.capitalize() if isinstance(condition, Tensor) else type(condition).__name__
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {got}")
    dev = same_device(condition, input, other)
    dt = _dt.result_type_of(input, other)
    shape = broadcast_shapes(condition._shape, input._shape if isinstance(input, Tensor) else (),
                             other._shape if isinstance(other, Tensor) else ())
    ta = as_tensor_operand(input, dt, dev)
    tb = as_tensor_operand(other, dt, dev)
    res = _empty(shape, dt, dev)
    dev.backend.map(F_WHERE, 0, res, [as_tensor_operand(condition, _dt.bool, dev), ta, tb])
    return finish_out(res, out)


def _ternary_float(code, a, b, c, value, out):
    dev = same_device(a, b, c)
    dt = _float_dtype(_dt.result_type_of(a, b, c))
    shape = broadcast_shapes(*[x._shape if isinstance(x, Tensor) else () for x in (a, b, c)])
    ops = [as_tensor_operand(x, dt, dev) for x in (a, b, c)]
    res = _empty(shape, dt, dev)
    dev.backend.map(F_TERNARY, code, res, ops, float(value))
    return finish_out(res, out)


def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input)."""
    return _ternary_float(TERNARY["lerp"], input, end, weight, 0.0, out)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2."""
    if not _dt.result_type_of(input, tensor1, tensor2).is_floating_point:
        return add(input, mul(mul(tensor1, tensor2), value), out=out)
    return _ternary_float(TERNARY["addcmul"], input, tensor1, tensor2, value, out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2."""
    if not _dt.result_type_of(input, tensor1, tensor2).is_floating_point:
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future "
                           "release addcdiv will perform a true division of tensor1 and tensor2.")
    return _ternary_float(TERNARY["addcdiv"], input, tensor1, tensor2, value, out)


def _ternary_inplace(fn):
    def op_(self, *args, **kwargs):
        r = fn(self, *args, **kwargs)
        check_inplace(self, r.dtype, r._shape)
        self.device.backend.copy(self, r)
        self._storage.version += 1
        return self
    op_.__name__ = fn.__name__ + "_"
    return op_


lerp_, addcmul_, addcdiv_ = _ternary_inplace(lerp), _ternary_inplace(addcmul), _ternary_inplace(addcdiv)


def clamp(input, min=None, max=None, *, out=None):
    """Clamp into [min, max]; bounds may be numbers or tensors; NaN stays NaN."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        r = input
        if min is not None:
            r = maximum(r, min)
        if max is not None:
            r = minimum(r, max)
        return finish_out(r if r is not input else input.clone(), out)
    dt = _dt.result_type_of(input, *(v for v in (min, max) if v is not None))
    x = input.to(dt)
    if min is not None and max is not None:
        return _unary_impl(UNARY["clamp"], x, out, float(min), float(max), float_only=False)
    if min is not None:
        return _unary_impl(UNARY["clamp_min"], x, out, float(min), float_only=False)
    return _unary_impl(UNARY["clamp_max"], x, out, 0.0, float(max), float_only=False)


def clamp_(self, min=None, max=None):
    r = clamp(self, min, max)
    check_inplace(self, r.dtype, r._shape)
    self.device.backend.copy(self, r)
    self._storage.version += 1
    return self


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


clip, clip_ = clamp, clamp_

for _f in (where, lerp, lerp_, addcmul, addcmul_, addcdiv, addcdiv_, clamp, clamp_, clamp_min,
           clamp_max):
    _export(_f)
for _n, _f in (("clip", clamp), ("clip_", clamp_)):
    setattr(Tensor, _n, _f)
    __all__.append(_n)


# ------------------------------------------------------------------------------------------------
# Python operators
def _rev(fn):
    return lambda self, other: fn(other, self)


Tensor.__add__ = lambda self, other: add(self, other) if isinstance(other, (Tensor, numbers.Number, np.generic)) else NotImplemented
Tensor.__radd__ = lambda self, other: add(self, other)
Tensor.__iadd__ = lambda self, other: add_(self, other)
Tensor.__sub__ = lambda self, other: sub(self, other) if isinstance(other, (Tensor, numbers.Number, np.generic)) else NotImplemented
Tensor.__rsub__ = lambda self, other: sub(other, self)
Tensor.__isub__ = lambda self, other: sub_(self, other)
Tensor.__mul__ = lambda self, other: mul(self, other) if isinstance(other, (Tensor, numbers.Number, np.generic)) else NotImplemented
Tensor.__rmul__ = lambda self, other: mul(self, other)
Tensor.__imul__ = lambda self, other: mul_(self, other)
Tensor.__truediv__ = lambda self, other: div(self, other) if isinstance(other, (Tensor, numbers.Number, np.generic)) else NotImplemented
Tensor.__rtruediv__ = lambda self, other: div(scalar_tensor(other, _dt.result_type_of(other, self), self.device), self)
Tensor.__itruediv__ = lambda self, other: div_(self, other)
Tensor.__floordiv__ = lambda self, other: floor_divide(self, other)
Tensor.__rfloordiv__ = lambda self, other: floor_divide(scalar_tensor(other, _dt.result_type_of(other, self), self.device), self)
Tensor.__ifloordiv__ = lambda self, other: floor_divide_(self, other)
Tensor.__mod__ = lambda self, other: remainder(self, other)
Tensor.__rmod__ = lambda self, other: remainder(scalar_tensor(other, _dt.result_type_of(other, self), self.device), self)
Tensor.__imod__ = lambda self, other: remainder_(self, other)
Tensor.__pow__ = lambda self, other: pow(self, other)
Tensor.__rpow__ = lambda self, other: pow(other, self)
Tensor.__ipow__ = lambda self, other: pow_(self, other)
Tensor.__neg__ = lambda self: neg(self)
Tensor.__pos__ = lambda self: positive(self)
Tensor.__abs__ = lambda self: abs(self)
Tensor.__invert__ = lambda self: bitwise_not(self)
Tensor.__and__ = lambda self, other: bitwise_and(self, other)
Tensor.__rand__ = lambda self, other: bitwise_and(self, other)
Tensor.__iand__ = lambda self, other: bitwise_and_(self, other)
Tensor.__or__ = lambda self, other: bitwise_or(self, other)
Tensor.__ror__ = lambda self, other: bitwise_or(self, other)
Tensor.__ior__ = lambda self, other: bitwise_or_(self, other)
Tensor.__xor__ = lambda self, other: bitwise_xor(self, other)
Tensor.__rxor__ = lambda self, other: bitwise_xor(self, other)
Tensor.__ixor__ = lambda self, other: bitwise_xor_(self, other)
Tensor.__lshift__ = lambda self, other: bitwise_left_shift(self, other)
Tensor.__rlshift__ = lambda self, other: bitwise_left_shift(scalar_tensor(other, self.dtype, self.device), self)
Tensor.__ilshift__ = lambda self, other: bitwise_left_shift_(self, other)
Tensor.__rshift__ = lambda self, other: bitwise_right_shift(self, other)
Tensor.__rrshift__ = lambda self, other: bitwise_right_shift(scalar_tensor(other, self.dtype, self.device), self)
Tensor.__irshift__ = lambda self, other: bitwise_right_shift_(self, other)


def _cmp(fn):
    def op(self, other):
        if not isinstance(other, (Tensor, numbers.Number, np.generic)):
            return NotImplemented
        return fn(self, other)
    return op


Tensor.__eq__ = _cmp(eq)
Tensor.__ne__ = _cmp(ne)
Tensor.__lt__ = _cmp(lt)
Tensor.__le__ = _cmp(le)
Tensor.__gt__ = _cmp(gt)
Tensor.__ge__ = _cmp(ge)
