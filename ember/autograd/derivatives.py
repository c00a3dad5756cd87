"""Derivative formulas, one row per op (written with ember ops, so they are differentiable too).

Each formula is called as ``formula(ctx, grad, *op_args, **op_kwargs)`` and returns one gradient per
name in its ``inputs`` (None where there is none). Tensor args not listed in ``save`` arrive as
shape/dtype metadata only, so the graph keeps alive exactly what backward needs. Gradients are
summed back to broadcast input shapes and cast to the input dtype by the engine.
"""
import math

import ember
from ..tensor import Tensor
from .function import derivative, non_differentiable

E = ember  # formulas call the (wrapped, hence differentiable) public ops through this namespace

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _zeros(g):
    return E.zeros_like(g)


def _is_t(x):
    return isinstance(x, Tensor)


# ------------------------------------------------------------------------------------------------
# arithmetic
@derivative("add", "add_", inputs=("input", "other"), save=())
def _add(ctx, g, input, other, alpha=1, **kw):
    return g, (g if alpha == 1 else g * alpha)


@derivative("sub", "sub_", inputs=("input", "other"), save=())
def _sub(ctx, g, input, other, alpha=1, **kw):
    return g, -g if alpha == 1 else g * (-alpha)


@derivative("rsub", inputs=("input", "other"), save=())
def _rsub(ctx, g, input, other, alpha=1, **kw):
    return (-g if alpha == 1 else g * (-alpha)), g


@derivative("mul", "mul_", "multiply", inputs=("input", "other"), save=("input", "other"))
def _mul(ctx, g, input, other, **kw):
    n = ctx.needs_input_grad
    return (g * other if n[0] else None), (g * input if n[1] else None)


@derivative("div", "div_", "divide", inputs=("input", "other"), save=("input", "other"))
def _div(ctx, g, input, other, rounding_mode=None, **kw):
    if rounding_mode is not None:
        return _zeros(g), (_zeros(g) if _is_t(other) else None)
    n = ctx.needs_input_grad
    gi = g / other if n[0] else None
    go = -g * input / (other * other) if n[1] else None
    return gi, go


@derivative("floor_divide", "floor_divide_", inputs=("input", "other"), save=())
def _floordiv(ctx, g, input, other, **kw):
    return _zeros(g), None


@derivative("remainder", "remainder_", inputs=("input", "other"), save=("input", "other"))
def _remainder(ctx, g, input, other, **kw):
    return g, (-g * E.floor_divide(input, other) if ctx.needs_input_grad[1] else None)


@derivative("fmod", "fmod_", inputs=("input", "other"), save=("input", "other"))
def _fmod(ctx, g, input, other, **kw):
    return g, (-g * E.trunc(input / other) if ctx.needs_input_grad[1] else None)


@derivative("pow", "pow_", inputs=("input", "exponent"), save=("input", "exponent", "result"))
def _pow(ctx, g, input, exponent, **kw):
    n = ctx.needs_input_grad
    gi = ge = None
    if n[0]:
        if _is_t(exponent):
            gi = g * exponent * E.pow(input, exponent - 1)
            gi = E.where(exponent == 0, _zeros(gi), gi)
        elif exponent == 0:
            gi = _zeros(g)
        else:
            gi = g * exponent * E.pow(input, exponent - 1)
    if n[1]:
        if _is_t(input):
            ge = g * ctx.out * E.log(input)
            ge = E.where((input == 0) & (exponent >= 0), _zeros(ge), ge)
        else:
            ge = g * ctx.out * math.log(input) if input > 0 else \
                E.where(exponent >= 0, _zeros(g), g * ctx.out * math.log(input) if input else g * math.nan)
    return gi, ge


@derivative("float_power", inputs=("input", "exponent"), save=("input", "exponent", "result"))
def _float_power(ctx, g, input, exponent, **kw):
    a = input.double() if _is_t(input) else input
    e = exponent.double() if _is_t(exponent) else exponent
    return _pow(ctx, g, a, e)


@derivative("neg", "neg_", "negative", save=())
def _neg(ctx, g, input, **kw):
    return -g


@derivative("positive", save=())
def _positive(ctx, g, input, **kw):
    return g


@derivative("abs", "abs_", "absolute")
def _abs(ctx, g, input, **kw):
    return g * E.sign(input)


@derivative("sign", "sign_", "sgn", "floor", "floor_", "ceil", "ceil_", "trunc", "trunc_", "fix",
            "round", "round_", save=())
def _zero_grad(ctx, g, input, *a, **kw):
    return _zeros(g)


@derivative("frac", "frac_", save=())
def _frac(ctx, g, input, **kw):
    return g


# ------------------------------------------------------------------------------------------------
# exponentials, logs, powers
@derivative("exp", "exp_", save=("result",))
def _exp(ctx, g, input, **kw):
    return g * ctx.out


@derivative("exp2", "exp2_", save=("result",))
def _exp2(ctx, g, input, **kw):
    return g * ctx.out * math.log(2.0)


@derivative("expm1", "expm1_", save=("result",))
def _expm1(ctx, g, input, **kw):
    return g * (ctx.out + 1)


@derivative("log", "log_")
def _log(ctx, g, input, **kw):
    return g / input


@derivative("log2", "log2_")
def _log2(ctx, g, input, **kw):
    return g / (input * math.log(2.0))


@derivative("log10", "log10_")
def _log10(ctx, g, input, **kw):
    return g / (input * math.log(10.0))


@derivative("log1p", "log1p_")
def _log1p(ctx, g, input, **kw):
    return g / (input + 1)


@derivative("sqrt", "sqrt_", save=("result",))
def _sqrt(ctx, g, input, **kw):
    return g / (2 * ctx.out)


@derivative("rsqrt", "rsqrt_", save=("result",))
def _rsqrt(ctx, g, input, **kw):
    return -0.5 * g * ctx.out * ctx.out * ctx.out


@derivative("square", "square_")
def _square(ctx, g, input, **kw):
    return 2 * g * input


@derivative("reciprocal", "reciprocal_", save=("result",))
def _reciprocal(ctx, g, input, **kw):
    return -g * ctx.out * ctx.out


# ------------------------------------------------------------------------------------------------
# trigonometric and hyperbolic
@derivative("sin", "sin_")
def _sin(ctx, g, input, **kw):
    return g * E.cos(input)


@derivative("cos", "cos_")
def _cos(ctx, g, input, **kw):
    return -g * E.sin(input)


@derivative("tan", "tan_", save=("result",))
def _tan(ctx, g, input, **kw):
    return g * (1 + ctx.out * ctx.out)


@derivative("asin", "asin_", "arcsin", "arcsin_")
def _asin(ctx, g, input, **kw):
    return g * E.rsqrt(1 - input * input)


@derivative("acos", "acos_", "arccos", "arccos_")
def _acos(ctx, g, input, **kw):
    return -g * E.rsqrt(1 - input * input)


@derivative("atan", "atan_", "arctan", "arctan_")
def _atan(ctx, g, input, **kw):
    return g / (1 + input * input)


@derivative("sinh", "sinh_")
def _sinh(ctx, g, input, **kw):
    return g * E.cosh(input)


@derivative("cosh", "cosh_")
def _cosh(ctx, g, input, **kw):
    return g * E.sinh(input)


@derivative("tanh", "tanh_", save=("result",))
def _tanh(ctx, g, input, **kw):
    return g * (1 - ctx.out * ctx.out)


@derivative("asinh", "asinh_", "arcsinh", "arcsinh_")
def _asinh(ctx, g, input, **kw):
    return g * E.rsqrt(input * input + 1)


@derivative("acosh", "acosh_", "arccosh", "arccosh_")
def _acosh(ctx, g, input, **kw):
    return g * E.rsqrt(input * input - 1)


@derivative("atanh", "atanh_", "arctanh", "arctanh_")
def _atanh(ctx, g, input, **kw):
    return g / (1 - input * input)


@derivative("sinc", "sinc_")
def _sinc(ctx, g, input, **kw):
    px = input * math.pi
    d = (E.cos(px) * px - E.sin(px)) / (px * input)
    return g * E.where(input == 0, _zeros(d), d)


@derivative("atan2", "atan2_", "arctan2", "arctan2_", inputs=("input", "other"))
def _atan2(ctx, g, input, other, **kw):
    r = input * input + other * other
    return g * other / r, -g * input / r


@derivative("hypot", "hypot_", inputs=("input", "other"), save=("input", "other", "result"))
def _hypot(ctx, g, input, other, **kw):
    return g * input / ctx.out, g * other / ctx.out


# ------------------------------------------------------------------------------------------------
# special functions and activations
@derivative("sigmoid", "sigmoid_", save=("result",))
def _sigmoid(ctx, g, input, **kw):
    return g * ctx.out * (1 - ctx.out)


@derivative("logit", "logit_")
def _logit(ctx, g, input, eps=None, **kw):
    d = g / (input * (1 - input))
    if eps is None:
        return d
    inside = (input >= eps) & (input <= 1 - eps)
    return E.where(inside, d, _zeros(d))


@derivative("erf", "erf_")
def _erf(ctx, g, input, **kw):
    return g * (2.0 / math.sqrt(math.pi)) * E.exp(-input * input)


@derivative("erfc", "erfc_")
def _erfc(ctx, g, input, **kw):
    return g * (-2.0 / math.sqrt(math.pi)) * E.exp(-input * input)


@derivative("erfinv", "erfinv_", save=("result",))
def _erfinv(ctx, g, input, **kw):
    return g * (math.sqrt(math.pi) / 2) * E.exp(ctx.out * ctx.out)


@derivative("lgamma", "lgamma_")
def _lgamma(ctx, g, input, **kw):
    return g * E.digamma(input)


@derivative("digamma", "digamma_")
def _digamma(ctx, g, input, **kw):
    return g * E.polygamma(1, input)


@derivative("polygamma", "polygamma_", inputs=("input",))
def _polygamma(ctx, g, *args, **kw):
    """d/dx psi^(n)(x) = psi^(n+1)(x). Reached as polygamma(n, input) and as the methods
    input.polygamma(n) / polygamma_(n): x is the tensor argument, n the other one."""
    vals = list(args) + [kw[k] for k in ("n", "input", "self") if k in kw]
    x = next(v for v in vals if _is_t(v))
    n = next(v for v in vals if v is not x and not _is_t(v))
    return g * E.polygamma(int(n) + 1, x)


@derivative("mvlgamma", "mvlgamma_")
def _mvlgamma(ctx, g, input, p, **kw):
    # sum_{i < p} digamma(x - i / 2), as torch's mvlgamma_backward
    shift = E.arange(p, dtype=input.dtype, device=input.device) * -0.5
    return g * E.digamma(input.unsqueeze(-1) + shift).sum(-1)


# The piecewise activations pick their branch at the kink, and for NaN, as PyTorch's kernels do:
# the gradient of the branch a comparison `x <= bound` selects (threshold_backward, elu_backward).
@derivative("relu", "relu_", save=("result",))
def _relu(ctx, g, input, **kw):
    y = ctx.out
    if not ember.is_grad_enabled() and g.dtype is y.dtype and g.device == y.device:
        # one fused kernel, torch's threshold_backward(g, result, 0)
        return _relu_backward_kernel(g, y)
    # recorded (create_graph): a scalar zero broadcast inside the kernel, no zeros tensor
    return E.where(y <= 0, 0, g)


def _relu_backward_kernel(g, y):
    from ..backends.cpu._map import BINARY, FAMILY
    from ..tensor import _empty
    shape = tuple(ember.broadcast_shapes(g.shape, y.shape))
    out = _empty(shape, g.dtype, g.device)
    g.device.backend.map(FAMILY["binary"], BINARY["relu_backward"], out, [g, y])
    return out


@derivative("gelu")
def _gelu(ctx, g, input, approximate="none", **kw):
    x = input
    if approximate == "tanh":
        inner = _SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)
        t = E.tanh(inner)
        d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
        return g * d
    cdf = 0.5 * (1 + E.erf(x * (1 / math.sqrt(2.0))))
    pdf = E.exp(-0.5 * x * x) * _INV_SQRT_2PI
    return g * (cdf + x * pdf)


@derivative("silu")
def _silu(ctx, g, input, **kw):
    s = E.sigmoid(input)
    return g * s * (1 + input * (1 - s))


@derivative("mish")
def _mish(ctx, g, input, **kw):
    t = E.tanh(E.softplus(input))
    return g * (t + input * E.sigmoid(input) * (1 - t * t))


@derivative("softplus")
def _softplus(ctx, g, input, beta=1.0, threshold=20.0, **kw):
    z = input * beta
    return E.where(z > threshold, g, g * E.sigmoid(z))


@derivative("leaky_relu")
def _leaky_relu(ctx, g, input, negative_slope=0.01, **kw):
    return E.where(input > 0, g, g * negative_slope)


@derivative("elu", save=("input", "result"))
def _elu(ctx, g, input, alpha=1.0, scale=1.0, input_scale=1.0, **kw):
    neg = input_scale * (ctx.out + alpha * scale)
    return E.where(input <= 0, g * neg, g * scale)


@derivative("selu", save=("input", "result"))
def _selu(ctx, g, input, **kw):
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return E.where(input <= 0, g * (ctx.out + alpha * scale), g * scale)


@derivative("celu")
def _celu(ctx, g, input, alpha=1.0, **kw):
    return E.where(input <= 0, g * E.exp(input / alpha), g)


@derivative("hardsigmoid")
def _hardsigmoid(ctx, g, input, **kw):
    return E.where((input > -3) & (input < 3), g / 6, _zeros(g))


@derivative("hardswish")
def _hardswish(ctx, g, input, **kw):
    mid = g * (input / 3 + 0.5)
    return E.where(input <= -3, _zeros(g), E.where(input < 3, mid, g))


@derivative("softsign")
def _softsign(ctx, g, input, **kw):
    d = 1 + E.abs(input)
    return g / (d * d)


@derivative("threshold")
def _threshold(ctx, g, input, threshold, value, **kw):
    return E.where(input <= threshold, _zeros(g), g)


@derivative("nan_to_num", "nan_to_num_")
def _nan_to_num(ctx, g, input, *a, **kw):
    return E.where(E.isfinite(input), g, _zeros(g))


@derivative("clamp", "clamp_", "clip", "clip_", inputs=("input", "min", "max"))
def _clamp(ctx, g, input, min=None, max=None, **kw):
    keep = None
    gmin = gmax = None
    if min is not None:
        keep = input >= min
        if _is_t(min) and ctx.needs_input_grad[1]:
            gmin = E.where(input < min, g, _zeros(g))
    if max is not None:
        k2 = input <= max
        keep = k2 if keep is None else keep & k2
        if _is_t(max) and ctx.needs_input_grad[2]:
            gmax = E.where(input > max, g, _zeros(g))
    return E.where(keep, g, _zeros(g)), gmin, gmax


@derivative("clamp_min", inputs=("input", "min"))
def _clamp_min(ctx, g, input, min, **kw):
    return _clamp(ctx, g, input, min=min)[:2]


@derivative("clamp_max", inputs=("input", "max"))
def _clamp_max(ctx, g, input, max, **kw):
    r = _clamp(type("C", (), {"needs_input_grad": (True, False, ctx.needs_input_grad[1])})(), g, input, max=max)
    return r[0], r[2]


# torch's formulas: maximum/minimum split a tie in halves and give a NaN pair's gradient to both
# (neither `<` nor `>` holds); fmax/fmin give it to the operand they return (the non-NaN one,
# self on a tie or when both are NaN)
@derivative("maximum", inputs=("input", "other"))
def _maximum(ctx, g, input, other, **kw):
    tie = E.where(input == other, g * 0.5, g)
    return E.where(input < other, 0, tie), E.where(input > other, 0, tie)


@derivative("minimum", inputs=("input", "other"))
def _minimum(ctx, g, input, other, **kw):
    tie = E.where(input == other, g * 0.5, g)
    return E.where(input > other, 0, tie), E.where(input < other, 0, tie)


@derivative("fmax", inputs=("input", "other"))
def _fmax(ctx, g, input, other, **kw):
    mine = (input >= other) | E.isnan(other)
    return E.where(mine, g, 0), E.where(mine, 0, g)


@derivative("fmin", inputs=("input", "other"))
def _fmin(ctx, g, input, other, **kw):
    mine = (input <= other) | E.isnan(other)
    return E.where(mine, g, 0), E.where(mine, 0, g)


@derivative("copysign", "copysign_", inputs=("input", "other"), save=("input", "result"))
def _copysign(ctx, g, input, other, **kw):
    r = E.where(input == 0, _zeros(g), g * ctx.out / input)
    return r, (_zeros(g) if _is_t(other) else None)


@derivative("xlogy", "xlogy_", inputs=("input", "other"))
def _xlogy(ctx, g, input, other, **kw):
    n = ctx.needs_input_grad
    gi = g * E.xlogy((input != 0).to(g.dtype), other) if n[0] else None
    go = g * input / other if n[1] else None
    return gi, go


@derivative("logaddexp", inputs=("input", "other"))
def _logaddexp(ctx, g, input, other, **kw):
    return g * E.sigmoid(input - other), g * E.sigmoid(other - input)


@derivative("logaddexp2", inputs=("input", "other"))
def _logaddexp2(ctx, g, input, other, **kw):
    ln2 = math.log(2.0)
    return g * E.sigmoid((input - other) * ln2), g * E.sigmoid((other - input) * ln2)


@derivative("where", inputs=("input", "other"), save=("condition",))
def _where(ctx, g, condition, input=None, other=None, **kw):
    z = _zeros(g)
    return E.where(condition, g, z), E.where(condition, z, g)


@derivative("lerp", "lerp_", inputs=("input", "end", "weight"))
def _lerp(ctx, g, input, end, weight, **kw):
    n = ctx.needs_input_grad
    return (g * (1 - weight) if n[0] else None, g * weight if n[1] else None,
            g * (end - input) if n[2] else None)


@derivative("addcmul", "addcmul_", inputs=("input", "tensor1", "tensor2"), save=("tensor1", "tensor2"))
def _addcmul(ctx, g, input, tensor1, tensor2, value=1, **kw):
    return g, g * tensor2 * value, g * tensor1 * value


@derivative("addcdiv", "addcdiv_", inputs=("input", "tensor1", "tensor2"), save=("tensor1", "tensor2"))
def _addcdiv(ctx, g, input, tensor1, tensor2, value=1, **kw):
    return g, g * value / tensor2, -g * value * tensor1 / (tensor2 * tensor2)


# ------------------------------------------------------------------------------------------------
# copies and conversions
@derivative("to", "clone", "contiguous", inputs=("self",), save=())
def _to(ctx, g, self, *a, **kw):
    return g


@derivative("copy_", inputs=("self", "src"), save=())
def _copy_(ctx, g, self, src, *a, **kw):
    return _zeros(g), g


@derivative("fill_", "zero_", inputs=("self",), save=())
def _fill_(ctx, g, self, *a, **kw):
    return _zeros(g)


non_differentiable("eq", "ne", "lt", "le", "gt", "ge", "isnan", "isinf", "isfinite", "isposinf",
                   "isneginf", "signbit", "logical_and", "logical_or", "logical_xor", "logical_not",
                   "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift",
                   "bitwise_right_shift", "isreal",
                   # in-place comparisons / logical / bitwise ops write bool-valued results
                   "eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_", "greater_equal_", "less_",
                   "less_equal_", "not_equal_", "logical_and_", "logical_or_", "logical_xor_",
                   "logical_not_", "bitwise_and_", "bitwise_or_", "bitwise_xor_", "bitwise_not_",
                   "bitwise_left_shift_", "bitwise_right_shift_", "greater", "greater_equal", "less",
                   "less_equal", "not_equal",
                   # creation, random sampling and predicates: no differentiable tensor inputs
                   "tensor", "as_tensor", "asarray", "from_numpy", "frombuffer", "from_dlpack",
                   "scalar_tensor", "empty", "empty_like", "empty_strided", "zeros", "zeros_like",
                   "ones", "ones_like", "full", "full_like", "arange", "range", "linspace", "logspace",
                   "eye", "rand", "rand_like", "randn", "randn_like", "randint", "randint_like",
                   "randperm", "normal", "bernoulli", "multinomial", "poisson", "manual_seed", "seed",
                   "initial_seed", "get_rng_state", "set_rng_state", "Generator", "default_generator",
                   "allclose", "isclose", "equal", "is_tensor", "is_storage", "is_floating_point",
                   "is_nonzero", "numel", "broadcast_shapes")
