"""LayerNorm, GroupNorm, RMSNorm, LocalResponseNorm (torch.nn)."""
import numbers

from ... import ops as _ops
from .module import Module
from ..parameter import Parameter
from .. import functional as F
from .. import init

__all__ = ["LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm"]


def _shape(normalized_shape):
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(normalized_shape)


class LayerNorm(Module):
    r"""Applies Layer Normalization over the trailing ``normalized_shape`` of each input.

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} * \gamma + \beta

    The mean and (biased) variance are taken over the last ``len(normalized_shape)`` dims.

    Args:
        normalized_shape (int or list or ember.Size): the trailing shape to normalize over.
        eps: added to the variance. Default: 1e-5
        elementwise_affine: learnable per-element ``weight`` (ones) and ``bias`` (zeros) of
            ``normalized_shape``. Default: ``True``
        bias: learn the additive ``bias`` (with ``elementwise_affine``). Default: ``True``

    Shape:
        - Input: :math:`(N, *)`; Output: same shape.

    Examples::

        >>> m = nn.LayerNorm(10)
        >>> output = m(ember.randn(20, 5, 10))
    """

    __constants__ = ["normalized_shape", "eps", "elementwise_affine"]

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None,
                 dtype=None):
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        self.normalized_shape = _shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if self.elementwise_affine:
            self.weight = Parameter(_ops.empty(self.normalized_shape, **factory_kwargs))
            if bias:
                self.bias = Parameter(_ops.empty(self.normalized_shape, **factory_kwargs))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return ("{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}, "
                "bias={use_bias}".format(**self.__dict__, use_bias=self.bias is not None))


class GroupNorm(Module):
    r"""Applies Group Normalization: the channels are split into ``num_groups`` groups, each
    normalized (over its channels and the spatial dims) per sample.

    Args:
        num_groups: number of groups (divides ``num_channels``).
        num_channels: number of channels expected in the input.
        eps: added to the variance. Default: 1e-5
        affine: learnable per-channel ``weight`` (ones) and ``bias`` (zeros). Default: ``True``
        bias: learn the additive ``bias`` (with ``affine``). Default: ``True``

    Shape:
        - Input: :math:`(N, C, *)`; Output: same shape.

    Examples::

        >>> m = nn.GroupNorm(3, 6)
        >>> output = m(ember.randn(20, 6, 10, 10))
    """

    __constants__ = ["num_groups", "num_channels", "eps", "affine"]

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *,
                 bias=True):
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if self.affine:
            self.weight = Parameter(_ops.empty(num_channels, **factory_kwargs))
            if bias:
                self.bias = Parameter(_ops.empty(num_channels, **factory_kwargs))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return ("{num_groups}, {num_channels}, eps={eps}, affine={affine}, bias={use_bias}".format(
            **self.__dict__, use_bias=self.bias is not None))


class RMSNorm(Module):
    r"""Applies Root Mean Square Layer Normalization over the trailing ``normalized_shape``.

    .. math:: y = \frac{x}{\sqrt{\mathrm{mean}(x^2) + \epsilon}} * \gamma

    Args:
        normalized_shape (int or list or ember.Size): the trailing shape.
        eps: added inside the root; ``None`` uses ``ember.finfo(x.dtype).eps``. Default: None
        elementwise_affine: learnable ``weight`` (ones) of ``normalized_shape``. Default: ``True``

    Shape:
        - Input: :math:`(N, *)`; Output: same shape.

    Examples::

        >>> m = nn.RMSNorm([2, 3])
        >>> output = m(ember.randn(2, 2, 3))
    """

    __constants__ = ["normalized_shape", "eps", "elementwise_affine"]

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        self.normalized_shape = _shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if self.elementwise_affine:
            self.weight = Parameter(_ops.empty(self.normalized_shape, **factory_kwargs))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return "{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}".format(
            **self.__dict__)


class LocalResponseNorm(Module):
    r"""Applies local response normalization across channels:
    :math:`b_c = a_c (k + \frac{\alpha}{n} \sum_{c'} a_{c'}^2)^{-\beta}` over the ``size``
    neighbouring channels.

    Args:
        size: number of neighbouring channels.
        alpha: multiplicative factor. Default: 0.0001
        beta: exponent. Default: 0.75
        k: additive factor. Default: 1

    Shape:
        - Input: :math:`(N, C, *)`; Output: same shape.

    Examples::

        >>> lrn = nn.LocalResponseNorm(2)
        >>> output = lrn(ember.randn(32, 5, 24, 24))
    """

    __constants__ = ["size", "alpha", "beta", "k"]

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return "{size}, alpha={alpha}, beta={beta}, k={k}".format(**self.__dict__)
