"""Activation functions (torch.nn.functional): thin wrappers over ember's activation ops.

Every op here is an ember op with its own derivative (relu, gelu, elu, softplus, ...), a composite
of ember ops, or (hardtanh, logsigmoid) a primitive with PyTorch's own backward formula, so
gradients (and double backward) come from the ops themselves, with PyTorch's values at the kinks.
``inplace=True`` writes the result into ``input``: through ember's in-place op where there is one
(relu_, sigmoid_, tanh_, clamp_), otherwise by ``input.copy_(f(input))`` (computed from a clone
when autograd records, so that the formula's saved input is not the overwritten tensor).
"""
import warnings

from ... import dtypes as _dt
from ... import ops as _ops
from ...tensor import Tensor
from ...autograd.grad_mode import is_grad_enabled
from ...autograd.function import differentiable

__all__ = ["threshold", "threshold_", "relu", "relu_", "hardtanh", "hardtanh_", "relu6", "elu", "elu_",
           "selu", "selu_", "celu", "celu_", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_",
           "glu", "gelu", "logsigmoid", "hardshrink", "tanhshrink", "softsign", "softplus", "softmin",
           "softmax", "gumbel_softmax", "log_softmax", "softshrink", "tanh", "sigmoid", "hardsigmoid",
           "silu", "mish", "hardswish"]


def _check_tensor(input, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def _write_inplace(input, fn):
    """input <- fn(input), recorded as an in-place copy (a leaf that requires grad raises)."""
    if input.requires_grad and is_grad_enabled():
        return input.copy_(fn(input.clone()))
    return input.copy_(fn(input))


def threshold(input, threshold, value, inplace=False):
    r"""Thresholds each element: :math:`y = x` if :math:`x > \text{threshold}`, else ``value``.

    See :class:`~ember.nn.Threshold`.
    """
    _check_tensor(input, "threshold")
    if inplace:
        return _write_inplace(input, lambda x: _ops.threshold(x, threshold, value))
    return _ops.threshold(input, threshold, value)


def threshold_(input, threshold, value):
    r"""In-place version of :func:`threshold`."""
    return globals()["threshold"](input, threshold, value, inplace=True)


def relu(input, inplace=False):
    r"""relu(input, inplace=False) -> Tensor

    Applies the rectified linear unit function element-wise, :math:`\max(0, x)`. See
    :class:`~ember.nn.ReLU`.
    """
    _check_tensor(input, "relu")
    return _ops.relu_(input) if inplace else _ops.relu(input)


def relu_(input):
    r"""In-place version of :func:`relu`."""
    return _ops.relu_(input)


def _hardtanh_backward(ctx, g, input, min_val, max_val, **kw):
    # PyTorch's hardtanh_backward: no gradient at the bounds themselves (clamp passes it there)
    return _ops.where((input <= min_val) | (input >= max_val), _ops.zeros_like(g), g)


@differentiable(_hardtanh_backward, save=("input",))
def _hardtanh(input, min_val, max_val):
    """clamp(input, min_val, max_val) in input's dtype (integer bounds truncated, as a C cast)."""
    return _ops.clamp(input, min_val, max_val)


def _hardtanh_bounds(input, min_val, max_val):
    _check_tensor(input, "hardtanh")
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if input.dtype is _dt.bool:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if not input.dtype.is_floating_point:
        return int(min_val), int(max_val)
    return min_val, max_val


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    r"""hardtanh(input, min_val=-1., max_val=1., inplace=False) -> Tensor

    Applies :math:`\min(\max(x, \text{min\_val}), \text{max\_val})` element-wise. See
    :class:`~ember.nn.Hardtanh`. The gradient is 0 at ``min_val`` and ``max_val`` themselves.
    """
    lo, hi = _hardtanh_bounds(input, min_val, max_val)
    if not inplace:
        return _hardtanh(input, lo, hi)
    if input.requires_grad and is_grad_enabled():
        return _write_inplace(input, lambda x: _hardtanh(x, lo, hi))
    return input.clamp_(lo, hi)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    r"""In-place version of :func:`hardtanh`."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    r"""relu6(input, inplace=False) -> Tensor

    Applies :math:`\min(\max(0, x), 6)` element-wise. See :class:`~ember.nn.ReLU6`.
    """
    return hardtanh(input, 0.0, 6.0, inplace)


def elu(input, alpha=1.0, inplace=False):
    r"""Applies the Exponential Linear Unit element-wise:
    :math:`x` if :math:`x > 0` else :math:`\alpha (e^x - 1)`. See :class:`~ember.nn.ELU`.
    """
    _check_tensor(input, "elu")
    if inplace:
        return _write_inplace(input, lambda x: _ops.elu(x, alpha))
    return _ops.elu(input, alpha)


def elu_(input, alpha=1.0):
    r"""In-place version of :func:`elu`."""
    return elu(input, alpha, inplace=True)


def selu(input, inplace=False):
    r"""Applies :math:`\text{scale} \cdot \text{ELU}_\alpha(x)` with PyTorch's fixed
    :math:`\alpha \approx 1.6733` and :math:`\text{scale} \approx 1.0507`. See :class:`~ember.nn.SELU`.
    """
    _check_tensor(input, "selu")
    if inplace:
        return _write_inplace(input, _ops.selu)
    return _ops.selu(input)


def selu_(input):
    r"""In-place version of :func:`selu`."""
    return selu(input, inplace=True)


def celu(input, alpha=1.0, inplace=False):
    r"""Applies :math:`\max(0, x) + \min(0, \alpha (e^{x/\alpha} - 1))` element-wise. See
    :class:`~ember.nn.CELU`.
    """
    _check_tensor(input, "celu")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    if inplace:
        return _write_inplace(input, lambda x: _ops.celu(x, alpha))
    return _ops.celu(input, alpha)


def celu_(input, alpha=1.0):
    r"""In-place version of :func:`celu`."""
    return celu(input, alpha, inplace=True)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    r"""Applies :math:`\max(0, x) + \text{negative\_slope} \cdot \min(0, x)` element-wise. See
    :class:`~ember.nn.LeakyReLU`.
    """
    _check_tensor(input, "leaky_relu")
    if inplace:
        return _write_inplace(input, lambda x: _ops.leaky_relu(x, negative_slope))
    return _ops.leaky_relu(input, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    r"""In-place version of :func:`leaky_relu`."""
    return leaky_relu(input, negative_slope, inplace=True)


def prelu(input, weight):
    r"""prelu(input, weight) -> Tensor

    Applies :math:`\max(0, x) + \text{weight} \cdot \min(0, x)` element-wise, with one learnable
    weight per channel (dimension 1 of the input) or a single shared one. See :class:`~ember.nn.PReLU`.
    """
    _check_tensor(input, "prelu")
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.dim()}")
    n = weight.numel()
    if n != 1:
        if input.dim() == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.dim() >= 2 else 1
        if n != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter "
                               f"numbers = {n} and channel size = {channels}.")
        if input.dim() >= 2:
            weight = weight.reshape((n,) + (1,) * (input.dim() - 2))
    elif weight.dim() == 1:
        weight = weight.reshape(())
    return _ops.where(input > 0, input, weight * input)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    r"""Randomized leaky ReLU: negative inputs are scaled by a slope drawn from
    :math:`\mathcal{U}(\text{lower}, \text{upper})` in training, by
    :math:`(\text{lower} + \text{upper}) / 2` in evaluation. See :class:`~ember.nn.RReLU`.
    """
    _check_tensor(input, "rrelu")
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)

    def f(x):       # as PyTorch: x <= 0 (zero included) takes the slope, NaN passes through
        slope = _ops.empty_like(x).uniform_(lower, upper)
        return _ops.where(x <= 0, x * slope, x)

    return _write_inplace(input, f) if inplace else f(input)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    r"""In-place version of :func:`rrelu`."""
    return rrelu(input, lower, upper, training, inplace=True)


def glu(input, dim=-1):
    r"""glu(input, dim=-1) -> Tensor

    The gated linear unit: :math:`a \otimes \sigma(b)` where ``input`` is split in half along
    ``dim`` into ``a`` and ``b``. See :class:`~ember.nn.GLU`.
    """
    _check_tensor(input, "glu")
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim + input.dim() if dim < 0 else dim
    n = input.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    a, b = input.chunk(2, d)
    return a * _ops.sigmoid(b)


def gelu(input, approximate="none"):
    r"""gelu(input, approximate='none') -> Tensor

    :math:`x \cdot \Phi(x)` (:math:`\Phi`: the standard normal CDF), or with
    ``approximate='tanh'`` :math:`0.5 x (1 + \tanh(\sqrt{2/\pi} (x + 0.044715 x^3)))`.
    """
    _check_tensor(input, "gelu")
    return _ops.gelu(input, approximate=approximate)


def logsigmoid(input):
    r"""logsigmoid(input) -> Tensor

    Applies :math:`\log \frac{1}{1 + e^{-x}}` element-wise (computed as :math:`-\text{softplus}(-x)`,
    stable for large :math:`|x|`). See :class:`~ember.nn.LogSigmoid`.
    """
    _check_tensor(input, "logsigmoid")
    return _log_sigmoid(input)


@differentiable(lambda ctx, g, input, **kw: g * _ops.sigmoid(-input), save=("input",))
def _log_sigmoid(input):
    """min(x, 0) - log1p(exp(-|x|)): exact in both tails; its gradient sigmoid(-x) is smooth
    through 0, where the composite's kinks (clamp, abs) would give 1 instead of 1/2."""
    return _ops.clamp_max(input, 0) - _ops.log1p(_ops.exp(-_ops.abs(input)))


def hardshrink(input, lambd=0.5):
    r"""hardshrink(input, lambd=0.5) -> Tensor

    :math:`x` where :math:`|x| > \lambda`, else 0 (NaN stays NaN). See :class:`~ember.nn.Hardshrink`.
    """
    _check_tensor(input, "hardshrink")
    return _ops.where(_ops.abs(input) <= lambd, _ops.zeros_like(input), input)


def tanhshrink(input):
    r"""tanhshrink(input) -> Tensor

    Applies :math:`x - \tanh(x)` element-wise. See :class:`~ember.nn.Tanhshrink`.
    """
    _check_tensor(input, "tanhshrink")
    return input - _ops.tanh(input)


def softsign(input):
    r"""softsign(input) -> Tensor

    Applies :math:`\frac{x}{1 + |x|}` element-wise. See :class:`~ember.nn.Softsign`.
    """
    _check_tensor(input, "softsign")
    return _ops.softsign(input)


def softplus(input, beta=1.0, threshold=20.0):
    r"""softplus(input, beta=1, threshold=20) -> Tensor

    Applies :math:`\frac{1}{\beta} \log(1 + e^{\beta x})` element-wise, reverting to :math:`x`
    where :math:`\beta x > \text{threshold}`. See :class:`~ember.nn.Softplus`.
    """
    _check_tensor(input, "softplus")
    return _ops.softplus(input, beta, threshold)


def softshrink(input, lambd=0.5):
    r"""softshrink(input, lambd=0.5) -> Tensor

    :math:`x - \lambda` if :math:`x > \lambda`, :math:`x + \lambda` if :math:`x < -\lambda`,
    else 0. See :class:`~ember.nn.Softshrink`.
    """
    _check_tensor(input, "softshrink")
    if lambd < 0:
        from ...ops._helpers import _dtype_name
        from ... import dtypes as _dt
        hi = _dt.finfo(input.dtype).max if input.dtype.is_floating_point else 0
        raise RuntimeError(f"lambda must be in range [0, {hi:g}] for input dtype {_dtype_name(input.dtype)}, "
                           f"but found {lambd:g}")
    return input - _ops.clamp(input, -lambd, lambd)


def _get_softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                  "dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    r"""Applies :math:`\text{softmax}(-x)` along ``dim``.

    Args:
        input (Tensor): input
        dim (int): the dimension along which softmin is computed.
        dtype (ember.dtype, optional): cast the input to this dtype first (avoids overflows).
    """
    _check_tensor(input, "softmin")
    if dim is None:
        dim = _get_softmax_dim("softmin", input.dim(), _stacklevel)
    return _ops.softmax(-input, dim, dtype=dtype)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    r"""Applies :math:`\frac{e^{x_i}}{\sum_j e^{x_j}}` along ``dim`` (the slices along ``dim``
    sum to 1).

    Args:
        input (Tensor): input
        dim (int): the dimension along which softmax is computed.
        dtype (ember.dtype, optional): cast the input to this dtype first (avoids overflows).
    """
    _check_tensor(input, "softmax")
    if dim is None:
        dim = _get_softmax_dim("softmax", input.dim(), _stacklevel)
    return _ops.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    r"""Applies :math:`\log(\text{softmax}(x))` along ``dim`` (computed stably, not as two ops).

    Args:
        input (Tensor): input
        dim (int): the dimension along which log_softmax is computed.
        dtype (ember.dtype, optional): cast the input to this dtype first (avoids overflows).
    """
    _check_tensor(input, "log_softmax")
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.dim(), _stacklevel)
    return _ops.log_softmax(input, dim, dtype=dtype)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    r"""Samples from the Gumbel-Softmax distribution (optionally discretised, ``hard=True``, with
    straight-through gradients).

    Args:
        logits: ``[..., num_features]`` unnormalized log probabilities.
        tau: non-negative scalar temperature.
        hard: return one-hot vectors whose gradient is that of the soft sample.
        dim (int): the dimension along which softmax is computed. Default: -1.
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -_ops.empty_like(logits).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if hard:
        index = y_soft.max(dim, keepdim=True)[1]
        y_hard = _ops.zeros_like(logits).scatter_(dim, index, 1.0)
        return y_hard - y_soft.detach() + y_soft
    return y_soft


def tanh(input):
    r"""tanh(input) -> Tensor

    Applies :math:`\tanh(x)` element-wise. See :class:`~ember.nn.Tanh`.
    """
    return input.tanh()


def sigmoid(input):
    r"""sigmoid(input) -> Tensor

    Applies :math:`\frac{1}{1 + e^{-x}}` element-wise. See :class:`~ember.nn.Sigmoid`.
    """
    return input.sigmoid()


def hardsigmoid(input, inplace=False):
    r"""Applies :math:`\min(\max(x + 3, 0), 6) / 6` element-wise. See :class:`~ember.nn.Hardsigmoid`."""
    _check_tensor(input, "hardsigmoid")
    if inplace:
        return _write_inplace(input, _ops.hardsigmoid)
    return _ops.hardsigmoid(input)


def silu(input, inplace=False):
    r"""Applies the Sigmoid Linear Unit :math:`x \sigma(x)` element-wise. See :class:`~ember.nn.SiLU`."""
    _check_tensor(input, "silu")
    if inplace:
        return _write_inplace(input, _ops.silu)
    return _ops.silu(input)


def mish(input, inplace=False):
    r"""Applies :math:`x \tanh(\text{softplus}(x))` element-wise. See :class:`~ember.nn.Mish`."""
    _check_tensor(input, "mish")
    if inplace:
        return _write_inplace(input, _ops.mish)
    return _ops.mish(input)


def hardswish(input, inplace=False):
    r"""Applies :math:`x \cdot \min(\max(x + 3, 0), 6) / 6` element-wise. See
    :class:`~ember.nn.Hardswish`."""
    _check_tensor(input, "hardswish")
    if inplace:
        return _write_inplace(input, _ops.hardswish)
    return _ops.hardswish(input)
