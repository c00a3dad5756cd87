"""Elementwise ops: each defined once as a row of a table, plus the few that need their own rules.

The ops layer decides the result dtype (PyTorch's promotion), the broadcast shape and the device,
allocates the output and calls ``backend.map(family, op, out, inputs, *params)``. This file holds
the shared machinery, the unary ops and activations, the arithmetic/bitwise binary ops and the
Python operators; comparisons, predicates, where, lerp, addcmul/addcdiv and clamp are in
_elementwise_compare.py and re-exported from here.
"""
import numbers

import numpy as np

from .. import dtypes as _dt
from ..tensor import Tensor, _empty
from ..backends.cpu._map import UNARY, BINARY, FAMILY
from ._helpers import (broadcast_shapes, as_tensor_operand, same_device, finish_out,
                       check_inplace, is_scalar, _dtype_name)

F_UNARY, F_BINARY, F_COMPARE = FAMILY["unary"], FAMILY["binary"], FAMILY["compare"]
F_PREDICATE, F_TERNARY, F_WHERE = FAMILY["predicate"], FAMILY["ternary"], FAMILY["where"]

__all__ = []


def _export(fn, *method_names):
    """Put `fn` in ember's namespace and on Tensor (under `method_names`, default its name)."""
    __all__.append(fn.__name__)
    for n in method_names or (fn.__name__,):
        setattr(Tensor, n, fn)
    return fn


def _float_dtype(d):
    return d if d.is_floating_point else _dt.get_default_dtype()


def _broadcast(*operands):
    """The broadcast shape of tensors/scalars, folded pairwise so that a mismatch reads as in
    PyTorch's TensorIterator ("The size of tensor a (3) must match the size of tensor b (4) ...")."""
    shape = ()
    for x in operands:
        if isinstance(x, Tensor):
            shape = broadcast_shapes(shape, x._shape)
    return shape


# ------------------------------------------------------------------------------------------------
# Unary
def _unary_impl(code, x, out, p0=0.0, p1=0.0, p2=0.0, float_only=True, dtype=None):
    if not isinstance(x, Tensor):
        raise TypeError(f"argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
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


# float-valued functions: integer and bool inputs are promoted to the default float dtype
_FLOAT_UNARY = {
    "exp": "e ** x", "exp2": "2 ** x", "expm1": "e ** x - 1", "log": "ln(x)", "log2": "log2(x)",
    "log10": "log10(x)", "log1p": "ln(1 + x)", "sqrt": "x ** 0.5", "rsqrt": "1 / sqrt(x)",
    "sin": "sin(x)", "cos": "cos(x)", "tan": "tan(x)", "asin": "arcsin(x)", "acos": "arccos(x)",
    "atan": "arctan(x)", "sinh": "sinh(x)", "cosh": "cosh(x)", "tanh": "tanh(x)",
    "asinh": "arsinh(x)", "acosh": "arcosh(x)", "atanh": "artanh(x)",
    "sigmoid": "1 / (1 + e ** -x)", "erf": "2/sqrt(pi) * integral_0^x e ** -t^2 dt",
    "erfc": "1 - erf(x)", "erfinv": "y such that erf(y) = x", "lgamma": "ln|gamma(x)|",
    "reciprocal": "1 / x", "sinc": "sin(pi x) / (pi x), 1 at 0",
}
# computed in the input's dtype (integers too)
_SAME_UNARY = {
    "neg": "-x", "abs": "|x|", "sign": "-1, 0 or 1 by the sign of x (0 for NaN)", "square": "x * x",
    "floor": "largest integer <= x", "ceil": "smallest integer >= x",
    "trunc": "x rounded toward zero", "frac": "x - trunc(x) (floating dtypes only)",
    "relu": "max(x, 0)",
}
# what PyTorch raises for a bool input (sign and square have their own rules below)
_BOOL_ERRORS = {
    "neg": "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
           "invert a mask, use the `~` or `logical_not()` operator instead.",
    "abs": "\"abs_cpu\" not implemented for 'Bool'",
    "floor": "\"floor_vml_cpu\" not implemented for 'Bool'",
    "ceil": "\"ceil_vml_cpu\" not implemented for 'Bool'",
    "trunc": "\"trunc_vml_cpu\" not implemented for 'Bool'",
    "relu": "Boolean inputs not supported for relu",
}
_ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
            "arccosh": "acosh", "arctanh": "atanh", "negative": "neg", "absolute": "abs",
            "fix": "trunc"}


def _check_unary_dtype(name, dtype):
    """Raise as PyTorch for dtypes an integer-preserving unary op has no kernel for."""
    if dtype is _dt.bool and name in _BOOL_ERRORS:
        raise RuntimeError(_BOOL_ERRORS[name])
    if name == "frac" and not dtype.is_floating_point:
        raise RuntimeError(f"\"frac_cpu\" not implemented for '{_dtype_name(dtype)}'")


def _make_unary(name, summary, same_dtype):
    code = UNARY[name]

    def op(input, *, out=None):
        if same_dtype and isinstance(input, Tensor):
            _check_unary_dtype(name, input.dtype)
            if input.dtype is _dt.bool and name == "sign":
                return finish_out(input.clone(), out)
            if input.dtype is _dt.bool and name == "square":      # square is pow(x, 2): Long
                return _unary_impl(code, input, out, dtype=_dt.int64)
        return _unary_impl(code, input, out, float_only=not same_dtype)

    def op_(self):
        if same_dtype:
            _check_unary_dtype(name, self.dtype)
            if self.dtype is _dt.bool and name == "sign":
                return self
        return _unary_inplace(code, self, float_only=not same_dtype)

    op.__name__ = name
    op_.__name__ = name + "_"
    op.__doc__ = f"Elementwise {summary} (torch.{name})."
    op_.__doc__ = f"In-place {name}: self = {summary}."
    return op, op_


for _name, _summary in [*_FLOAT_UNARY.items(), *_SAME_UNARY.items()]:
    _f, _f_ = _make_unary(_name, _summary, _name in _SAME_UNARY)
    globals()[_name] = _export(_f)
    globals()[_name + "_"] = _export(_f_)
for _alias, _target in _ALIASES.items():
    globals()[_alias] = globals()[_target]
    globals()[_alias + "_"] = globals()[_target + "_"]
    __all__ += [_alias, _alias + "_"]
    setattr(Tensor, _alias, globals()[_target])
    setattr(Tensor, _alias + "_", globals()[_target + "_"])
del _name, _summary, _f, _f_, _alias, _target


def positive(input):
    """+x: input itself (bool tensors are rejected, as in PyTorch)."""
    if input.dtype is _dt.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


_export(positive)
sgn, sgn_ = sign, sign_            # torch.sgn is sign for real dtypes
__all__ += ["sgn", "sgn_"]
Tensor.sgn, Tensor.sgn_ = sign, sign_


def logit(input, eps=None, *, out=None):
    """ln(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given."""
    return _unary_impl(UNARY["logit"], input, out, -1.0 if eps is None else float(eps))


def logit_(self, eps=None):
    """In-place logit."""
    return _unary_inplace(UNARY["logit"], self, -1.0 if eps is None else float(eps))


def _round_params(decimals):
    # the kernel multiplies by 10**d (d > 0) or divides by 10**-d (d < 0), as PyTorch does
    return 10.0 ** (decimals if decimals > 0 else -decimals), 1.0 if decimals > 0 else -1.0


def _check_round(dtype, decimals):
    if dtype is _dt.bool or (decimals != 0 and not dtype.is_floating_point):
        raise RuntimeError(f"\"round_cpu\" not implemented for '{_dtype_name(dtype)}'")


def round(input, *, decimals=0, out=None):
    """x rounded to `decimals` decimal places, halves to even (integers are returned unchanged)."""
    _check_round(input.dtype, decimals)
    if decimals == 0:
        return _unary_impl(UNARY["round"], input, out, float_only=False)
    return _unary_impl(UNARY["round_dec"], input, out, *_round_params(decimals))


def round_(self, *, decimals=0):
    """In-place round."""
    _check_round(self.dtype, decimals)
    if decimals == 0:
        return _unary_inplace(UNARY["round"], self, float_only=False)
    return _unary_inplace(UNARY["round_dec"], self, *_round_params(decimals))


def _nan_to_num_params(dtype, nan, posinf, neginf):
    fi = _dt.finfo(dtype)
    return (float(nan), fi.max if posinf is None else float(posinf),
            fi.min if neginf is None else float(neginf))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """NaN -> nan, +inf -> posinf, -inf -> neginf (default: the dtype's largest finite values)."""
    if not input.dtype.is_floating_point:
        return finish_out(input.clone(), out)
    return _unary_impl(UNARY["nan_to_num"], input, out,
                       *_nan_to_num_params(input.dtype, nan, posinf, neginf))


def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    """In-place nan_to_num (a no-op for integer and bool tensors)."""
    if not self.dtype.is_floating_point:
        return self
    return _unary_inplace(UNARY["nan_to_num"], self,
                          *_nan_to_num_params(self.dtype, nan, posinf, neginf))


for _f in (logit, logit_, round, round_, nan_to_num, nan_to_num_):
    _export(_f)


def _bitwise_check(name, *ts):
    for t in ts:
        if isinstance(t, Tensor) and t.dtype.is_floating_point:
            raise RuntimeError(f"\"{name}_cpu\" not implemented for '{_dtype_name(t.dtype)}'")
        if isinstance(t, (float, np.floating)):
            raise TypeError(f"{name}(): argument 'other' must be an integer or bool, not float")


def bitwise_not(input, *, out=None):
    """~x (logical not for bool)."""
    _bitwise_check("bitwise_not", input)
    if input.dtype is _dt.bool:
        return _unary_impl(UNARY["logical_not"], input, out, float_only=False)
    return _unary_impl(UNARY["bitwise_not"], input, out, float_only=False)


def bitwise_not_(self):
    """In-place bitwise_not."""
    _bitwise_check("bitwise_not", self)
    code = UNARY["logical_not"] if self.dtype is _dt.bool else UNARY["bitwise_not"]
    return _unary_inplace(code, self, float_only=False)


def logical_not(input, *, out=None):
    """x == 0, as a bool tensor."""
    return _unary_impl(UNARY["logical_not"], input.to(_dt.bool), out, float_only=False)


def logical_not_(self):
    """In-place logical_not, written in self's dtype (1 / 0)."""
    self.copy_(logical_not(self))
    return self


for _f in (bitwise_not, bitwise_not_, logical_not, logical_not_):
    _export(_f)


def _kernel_scalar(value, dtype):
    """A scalar parameter converted to `dtype` the way PyTorch's kernels take it (range-checked,
    "value cannot be converted to type ... without overflow"), passed on as a double that the
    kernel's cast reproduces exactly (a C cast of an out-of-range double is undefined)."""
    from .creation import _check_fill
    value = _check_fill(value.item() if isinstance(value, np.generic) else value, dtype)
    if dtype.is_floating_point or dtype is _dt.bool:
        return float(value)
    v = int(value) & ((1 << 8 * dtype.itemsize) - 1)           # uint8 takes -255..-1 wrapped
    if dtype.is_signed and v >= 1 << (8 * dtype.itemsize - 1):
        v -= 1 << 8 * dtype.itemsize
    return float(v)


# activations with parameters (also used by ember.nn.functional)
def _activation(name, code, input, p0=0.0, p1=0.0, p2=0.0):
    # PyTorch has only floating kernels for these: integer inputs are an error, not promoted
    if isinstance(input, Tensor) and not input.dtype.is_floating_point:
        raise RuntimeError(f"\"{name}\" not implemented for '{_dtype_name(input.dtype)}'")
    return _unary_impl(UNARY[code], input, None, p0, p1, p2)


def gelu(input, approximate="none"):
    """x * Phi(x) (Phi: the normal CDF), or its tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _activation("GeluKernelImpl", "gelu" if approximate == "none" else "gelu_tanh", input)


def silu(input):
    """x * sigmoid(x)."""
    return _activation("silu_cpu", "silu", input)


def mish(input):
    """x * tanh(softplus(x))."""
    return _activation("mish_cpu", "mish", input)


def softplus(input, beta=1.0, threshold=20.0):
    """ln(1 + e ** (beta x)) / beta, or x where beta x > threshold."""
    return _activation("softplus_cpu", "softplus", input, float(beta), float(threshold))


def leaky_relu(input, negative_slope=0.01):
    """x if x > 0 else negative_slope * x."""
    return _activation("leaky_relu_cpu", "leaky_relu", input, float(negative_slope))


def elu(input, alpha=1.0, scale=1.0, input_scale=1.0):
    """scale * x if x > 0 else scale * alpha * (e ** (input_scale x) - 1)."""
    return _activation("elu_cpu", "elu", input, float(alpha), float(scale), float(input_scale))


def selu(input):
    """elu with PyTorch's fixed alpha and scale."""
    return _activation("elu_cpu", "selu", input)


def celu(input, alpha=1.0):
    """x if x > 0 else alpha * (e ** (x / alpha) - 1)."""
    return _activation("elu_cpu", "celu", input, float(alpha))


def hardsigmoid(input):
    """min(max(x + 3, 0), 6) / 6."""
    return _activation("hardsigmoid_cpu", "hardsigmoid", input)


def hardswish(input):
    """x * min(max(x + 3, 0), 6) / 6."""
    return _activation("hardswish_cpu", "hardswish", input)


def softsign(input):
    """x / (1 + |x|) (integers promote, as PyTorch's x / (x.abs() + 1))."""
    return _unary_impl(UNARY["softsign"], input, None)


def threshold(input, threshold, value):
    """x if x > threshold else value (in the input's dtype)."""
    if input.dtype is _dt.bool:
        raise RuntimeError("\"threshold_cpu\" not implemented for 'Bool'")
    return _unary_impl(UNARY["threshold"], input, None, _kernel_scalar(threshold, input.dtype),
                       _kernel_scalar(value, input.dtype), float_only=False)


for _f in (gelu, silu, mish, softplus, leaky_relu, elu, selu, celu, hardsigmoid, hardswish,
           softsign, threshold):
    __all__.append(_f.__name__)


# ------------------------------------------------------------------------------------------------
# Binary
def _binary_impl(code, a, b, out, family=F_BINARY, dtype=None, compute=None):
    """out = a (op) b with promotion and broadcasting; `compute` forces the compute dtype."""
    if out is None and compute is None and a.__class__ is Tensor and b.__class__ is Tensor:
        # fast path (per-call overhead): same dtype, device and shape need no promotion or checks
        dt = a.dtype
        if b.dtype is dt and a.device is b.device and a._shape == b._shape:
            res = _empty(a._shape, dtype or dt, a.device)
            a.device.backend.map(family, code, res, [a, b])
            return res
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
    """self = self (op) other, computed in the promoted dtype and cast back into self."""
    dt = compute or _dt.result_type_of(self, other)
    shape = broadcast_shapes(self._shape, other._shape if isinstance(other, Tensor) else ())
    check_inplace(self, dt, shape)
    if isinstance(other, Tensor) and _partial_overlap(self, other):
        other = other.clone()       # a differently laid-out alias would be read after being written
    if dt is self.dtype:
        tb = as_tensor_operand(other, dt, self.device)
        self.device.backend.map(F_BINARY, code, self, [self, tb])
    else:
        self.device.backend.copy(self, _binary_impl(code, self, other, None, compute=compute))
    self._storage.version += 1
    return self


def _extent(t):
    """[first, last) byte addresses a CPU tensor can touch (strides are non-negative)."""
    lo = t.data_ptr()
    return lo, lo + (1 + sum((n - 1) * s for n, s in zip(t._shape, t._stride))) * t.dtype.itemsize


def _partial_overlap(a, b):
    """b shares memory with a without being element-for-element the same view."""
    if b._storage is not a._storage and not (a.device.type == "cpu" and b.device.type == "cpu"):
        return False
    if (b.data_ptr(), b._stride, b._shape, b.dtype) == (a.data_ptr(), a._stride, a._shape, a.dtype):
        return False
    if 0 in a._shape or 0 in b._shape:
        return False
    (alo, ahi), (blo, bhi) = _extent(a), _extent(b)
    return alo < bhi and blo < ahi


def _check_operand(x, name="other"):
    if not isinstance(x, Tensor) and not is_scalar(x):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor or Number, not "
                        f"{type(x).__name__}")


def _scaled(input, other, alpha):
    """alpha * other for add/sub, after PyTorch's alpha check against the result dtype."""
    if alpha == 1 and not isinstance(alpha, bool):
        return other
    result = _dt.result_type_of(input, other)
    if isinstance(alpha, bool) and result is not _dt.bool:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if isinstance(alpha, (float, np.floating)) and not result.is_floating_point:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    if not isinstance(other, Tensor):
        return other * alpha
    return mul(other, alpha)


_ADD = BINARY["add"]


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, with broadcasting and type promotion."""
    if not isinstance(input, Tensor):
        input, other = other, input      # Python scalar on the left (radd)
    if alpha.__class__ is int and alpha == 1 and out is None and other.__class__ is Tensor \
            and other.dtype is input.dtype \
            and input.dtype is not _dt.bool:
        return _binary_impl(_ADD, input, other, None)
    _check_operand(other, "add")
    other = _scaled(input, other, alpha)
    if _dt.result_type_of(input, other) is _dt.bool:
        return _binary_impl(BINARY["bitwise_or"], input, other, out)
    return _binary_impl(BINARY["add"], input, other, out)


def add_(self, other, *, alpha=1):
    """In-place add."""
    _check_operand(other, "add_")
    other = _scaled(self, other, alpha)
    if self.dtype is _dt.bool and _dt.result_type_of(self, other) is _dt.bool:
        return _binary_inplace(BINARY["bitwise_or"], self, other)
    return _binary_inplace(BINARY["add"], self, other)


def _is_bool(x):
    return isinstance(x, Tensor) and x.dtype is _dt.bool or isinstance(x, (bool, np.bool_))


def _no_bool_sub(a, b):
    if _is_bool(a) and _is_bool(b):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if _is_bool(a) or _is_bool(b):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other."""
    _check_operand(other, "sub")
    _no_bool_sub(input, other)
    other = _scaled(input, other, alpha)
    if not isinstance(input, Tensor):
        return _binary_impl(BINARY["rsub"], other, input, out)
    return _binary_impl(BINARY["sub"], input, other, out)


def sub_(self, other, *, alpha=1):
    """In-place sub."""
    _check_operand(other, "sub_")
    _no_bool_sub(self, other)
    return _binary_inplace(BINARY["sub"], self, _scaled(self, other, alpha))


def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    return sub(other, input, alpha=alpha)


def mul(input, other, *, out=None):
    """input * other (logical and for bool)."""
    if not isinstance(input, Tensor):
        input, other = other, input
    _check_operand(other, "mul")
    if _dt.result_type_of(input, other) is _dt.bool:
        return _binary_impl(BINARY["bitwise_and"], input, other, out)
    return _binary_impl(BINARY["mul"], input, other, out)


def mul_(self, other):
    """In-place mul."""
    _check_operand(other, "mul_")
    if self.dtype is _dt.bool and _dt.result_type_of(self, other) is _dt.bool:
        return _binary_inplace(BINARY["bitwise_and"], self, other)
    return _binary_inplace(BINARY["mul"], self, other)


def _rounded_div(rounding_mode, dt):
    """The op code of a rounded division; integer zero divisors raise in the kernel."""
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                           f"found '{rounding_mode}'")
    if dt is _dt.bool:
        raise RuntimeError(f"\"div_{rounding_mode}_cpu\" not implemented for 'Bool'")
    return BINARY["trunc_divide" if rounding_mode == "trunc" else "floor_divide"]


def div(input, other, *, rounding_mode=None, out=None):
    """input / other (integers promote to float), or rounded by 'trunc' / 'floor' in the
    promoted dtype."""
    _check_operand(other, "div")
    if rounding_mode is None:
        dt = _float_dtype(_dt.result_type_of(input, other))
        return _binary_impl(BINARY["div"], input, other, out, compute=dt)
    dt = _dt.result_type_of(input, other)
    return _binary_impl(_rounded_div(rounding_mode, dt), input, other, out, compute=dt)


def div_(self, other, *, rounding_mode=None):
    """In-place div."""
    _check_operand(other, "div_")
    if rounding_mode is None:
        return _binary_inplace(BINARY["div"], self, other,
                               compute=_float_dtype(_dt.result_type_of(self, other)))
    return _binary_inplace(_rounded_div(rounding_mode, _dt.result_type_of(self, other)), self, other)


def floor_divide(input, other, *, out=None):
    """floor(input / other) in the promoted dtype (Python's //)."""
    return div(input, other, rounding_mode="floor", out=out)


def floor_divide_(self, other):
    """In-place floor_divide."""
    return div_(self, other, rounding_mode="floor")


def true_divide(input, other, *, out=None):
    """input / other (alias of div)."""
    return div(input, other, out=out)


def _modulo(name, summary):
    code = BINARY[name]

    def op(input, other, *, out=None):
        _check_operand(other, name)
        return _binary_impl(code, input, other, out)

    def op_(self, other):
        _check_operand(other, name + "_")
        return _binary_inplace(code, self, other)
    op.__name__, op_.__name__ = name, name + "_"
    op.__doc__ = f"{summary} (torch.{name}); an integer zero divisor raises ZeroDivisionError."
    op_.__doc__ = f"In-place {name}."
    return op, op_


remainder, remainder_ = _modulo("remainder", "input - floor(input / other) * other: the sign "
                                             "of the divisor, like Python's %")
fmod, fmod_ = _modulo("fmod", "input - trunc(input / other) * other: the sign of the dividend, "
                              "like C's fmod")


def _int_exponent(exponent):
    """An integer scalar exponent, checked as PyTorch checks it."""
    if exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if exponent >= 2 ** 63:
        raise RuntimeError("value cannot be converted to type int64_t without overflow")
    return float(exponent)


def pow(input, exponent, *, out=None):
    """input ** exponent; a Python-number exponent takes a fast unary path."""
    if not isinstance(input, Tensor):           # number ** tensor
        _check_operand(input, "pow")
        dt = _dt.result_type_of(input, exponent)
        if dt.is_floating_point:
            return _unary_impl(UNARY["rpow_scalar"], exponent.to(dt), out, float(input), dtype=dt)
        return _binary_impl(BINARY["pow"], input, exponent, out, compute=dt)
    if is_scalar(exponent):
        dt = _dt.result_type_of(input, exponent)
        if dt is _dt.bool:                      # bool ** bool: x ** True = x, x ** False = True
            from .creation import ones_like
            return finish_out(input.clone() if exponent else ones_like(input), out)
        e = float(exponent) if dt.is_floating_point else _int_exponent(exponent)
        if exponent == 1 and out is None:
            return input.to(dt, copy=True)
        return _unary_impl(UNARY["pow_scalar"], input, out, e, float_only=False, dtype=dt)
    _check_operand(exponent, "pow")
    return _binary_impl(BINARY["pow"], input, exponent, out)


def pow_(self, exponent):
    """In-place pow."""
    if is_scalar(exponent):
        dt = _dt.result_type_of(self, exponent)
        check_inplace(self, dt, self._shape)
        if dt is self.dtype and dt is not _dt.bool:
            e = float(exponent) if dt.is_floating_point else _int_exponent(exponent)
            self.device.backend.map(F_UNARY, UNARY["pow_scalar"], self, [self], e)
            self._storage.version += 1
            return self
        if dt is _dt.bool:
            return self if exponent else self.fill_(True)
    _check_operand(exponent, "pow_")
    return _binary_inplace(BINARY["pow"], self, exponent)


def float_power(input, exponent, *, out=None):
    """input ** exponent computed in float64."""
    a = input.double() if isinstance(input, Tensor) else float(input)
    e = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    return pow(a, e, out=out)


def _float_binary(name, summary):
    code = BINARY[name]

    def op(input, other, *, out=None):
        _check_operand(other, name)
        dt = _float_dtype(_dt.result_type_of(input, other))
        return _binary_impl(code, input, other, out, compute=dt)

    def op_(self, other):
        _check_operand(other, name + "_")
        return _binary_inplace(code, self, other, compute=_float_dtype(_dt.result_type_of(self, other)))
    op.__name__, op_.__name__ = name, name + "_"
    op.__doc__ = f"{summary} (torch.{name}); integers promote to the default float dtype."
    op_.__doc__ = f"In-place {name}."
    return op, op_


atan2, atan2_ = _float_binary("atan2", "arctan(input / other) in the quadrant of (other, input)")
copysign, copysign_ = _float_binary("copysign", "|input| with the sign of other")
xlogy, xlogy_ = _float_binary("xlogy", "input * ln(other), 0 where input == 0 (NaN if other is)")
arctan2, arctan2_ = atan2, atan2_


def _floating_binary(name, summary):
    """A binary op PyTorch computes in the promoted dtype with floating kernels only."""
    code = BINARY[name]

    def check(dt):
        if not dt.is_floating_point:
            raise RuntimeError(f"\"{name}_cpu\" not implemented for '{_dtype_name(dt)}'")
        return dt

    def op(input, other, *, out=None):
        _check_operand(other, name)
        return _binary_impl(code, input, other, out, compute=check(_dt.result_type_of(input, other)))

    def op_(self, other):
        _check_operand(other, name + "_")
        return _binary_inplace(code, self, other, compute=check(_dt.result_type_of(self, other)))
    op.__name__, op_.__name__ = name, name + "_"
    op.__doc__ = f"{summary} (torch.{name})."
    op_.__doc__ = f"In-place {name}."
    return op, op_


hypot, hypot_ = _floating_binary("hypot", "sqrt(input ** 2 + other ** 2)")
logaddexp, _ = _floating_binary("logaddexp", "ln(e ** input + e ** other)")
logaddexp2, _ = _floating_binary("logaddexp2", "log2(2 ** input + 2 ** other)")


def _plain_binary(name, summary):
    code = BINARY[name]

    def op(input, other, *, out=None):
        _check_operand(other, name)
        if not isinstance(input, Tensor):      # commutative: a number may come first
            input, other = other, input
        return _binary_impl(code, input, other, out)
    op.__name__ = name
    op.__doc__ = f"{summary} (torch.{name})."
    return op


maximum = _plain_binary("maximum", "elementwise max; NaN if either is NaN")
minimum = _plain_binary("minimum", "elementwise min; NaN if either is NaN")
fmax = _plain_binary("fmax", "elementwise max ignoring NaN (NaN only if both are)")
fmin = _plain_binary("fmin", "elementwise min ignoring NaN (NaN only if both are)")


def _bitwise(name, summary, commutative):
    code = BINARY[name]

    def op(input, other, *, out=None):
        _bitwise_check(name, input, other)
        if commutative and not isinstance(input, Tensor):
            input, other = other, input
        return _binary_impl(code, input, other, out)

    def op_(self, other):
        _bitwise_check(name, self, other)
        return _binary_inplace(code, self, other)
    op.__name__, op_.__name__ = name, name + "_"
    op.__doc__ = f"{summary} (torch.{name}); integer and bool tensors only."
    op_.__doc__ = f"In-place {name}."
    return op, op_


bitwise_and, bitwise_and_ = _bitwise("bitwise_and", "input & other", True)
bitwise_or, bitwise_or_ = _bitwise("bitwise_or", "input | other", True)
bitwise_xor, bitwise_xor_ = _bitwise("bitwise_xor", "input ^ other", True)
bitwise_left_shift, bitwise_left_shift_ = _bitwise(
    "bitwise_left_shift", "input << other (0 once other >= the bit width)", False)
bitwise_right_shift, bitwise_right_shift_ = _bitwise(
    "bitwise_right_shift", "input >> other, arithmetic (sign-filled) for signed types", False)


def _logical(name, code_name, summary):
    code = BINARY[code_name]

    def op(input, other, *, out=None):
        a = input.to(_dt.bool) if isinstance(input, Tensor) else bool(input)
        b = other.to(_dt.bool) if isinstance(other, Tensor) else bool(other)
        return _binary_impl(code, a, b, out, compute=_dt.bool)

    def op_(self, other):
        self.copy_(op(self, other))
        return self
    op.__name__, op_.__name__ = name, name + "_"
    op.__doc__ = f"{summary} of the truth values, as a bool tensor (torch.{name})."
    op_.__doc__ = f"In-place {name}, written in self's dtype."
    return op, op_


logical_and, logical_and_ = _logical("logical_and", "bitwise_and", "x and y")
logical_or, logical_or_ = _logical("logical_or", "bitwise_or", "x or y")
logical_xor, logical_xor_ = _logical("logical_xor", "bitwise_xor", "x xor y")

for _f in (add, add_, sub, sub_, rsub, mul, mul_, div, div_, floor_divide, floor_divide_,
           true_divide, remainder, remainder_, fmod, fmod_, pow, pow_, float_power, atan2, atan2_,
           hypot, hypot_, copysign, copysign_, xlogy, xlogy_, logaddexp,
           logaddexp2, maximum, minimum, fmax, fmin, bitwise_and, bitwise_and_, bitwise_or,
           bitwise_or_, bitwise_xor, bitwise_xor_, bitwise_left_shift, bitwise_left_shift_,
           bitwise_right_shift, bitwise_right_shift_, logical_and, logical_and_, logical_or,
           logical_or_, logical_xor, logical_xor_):
    _export(_f, _f.__name__)
for _n, _f in (("subtract", sub), ("subtract_", sub_), ("multiply", mul), ("multiply_", mul_),
               ("divide", div), ("divide_", div_), ("true_divide_", div_), ("arctan2", atan2),
               ("arctan2_", atan2_)):
    setattr(Tensor, _n, _f)
    globals()[_n] = _f
    __all__.append(_n)


# ------------------------------------------------------------------------------------------------
# Comparisons, predicates, where, lerp, addcmul/addcdiv and clamp live in _elementwise_compare.py
# (this file would pass 800 lines), digamma/polygamma/mvlgamma in _special_gamma.py; they are
# re-exported from here.
from . import _elementwise_compare as _compare_mod          # noqa: E402  (needs the helpers above)
from . import _special_gamma as _gamma_mod                  # noqa: E402

for _mod in (_compare_mod, _gamma_mod):
    for _n in _mod.__all__:
        globals()[_n] = getattr(_mod, _n)
    __all__ += _mod.__all__


# ------------------------------------------------------------------------------------------------
# Python operators: a non-number, non-tensor operand returns NotImplemented so Python can try the
# other side (or raise its own TypeError)
def _operand_ok(x):
    return isinstance(x, (Tensor, numbers.Number, np.generic))


def _forward(name):
    # looked up at call time, so a wrapped op (autograd recording) is what the operator calls
    g = globals()
    return lambda self, other: g[name](self, other) if _operand_ok(other) else NotImplemented


def _reflected(name):
    g = globals()
    return lambda self, other: g[name](other, self) if _operand_ok(other) else NotImplemented


for _dunder, _fn, _ifn in (("add", "add", "add_"), ("sub", "sub", "sub_"), ("mul", "mul", "mul_"),
                           ("truediv", "div", "div_"), ("floordiv", "floor_divide", "floor_divide_"),
                           ("mod", "remainder", "remainder_"), ("pow", "pow", "pow_"),
                           ("and", "bitwise_and", "bitwise_and_"), ("or", "bitwise_or", "bitwise_or_"),
                           ("xor", "bitwise_xor", "bitwise_xor_"),
                           ("lshift", "bitwise_left_shift", "bitwise_left_shift_"),
                           ("rshift", "bitwise_right_shift", "bitwise_right_shift_")):
    setattr(Tensor, f"__{_dunder}__", _forward(_fn))
    setattr(Tensor, f"__r{_dunder}__", _reflected(_fn))
    setattr(Tensor, f"__i{_dunder}__", _forward(_ifn))
for _dunder, _fn in (("eq", "eq"), ("ne", "ne"), ("lt", "lt"), ("le", "le"), ("gt", "gt"), ("ge", "ge")):
    setattr(Tensor, f"__{_dunder}__", _forward(_fn))
Tensor.__neg__ = lambda self: neg(self)
Tensor.__pos__ = lambda self: positive(self)
Tensor.__abs__ = lambda self: abs(self)
Tensor.__invert__ = lambda self: bitwise_not(self)
del _dunder, _fn, _ifn
