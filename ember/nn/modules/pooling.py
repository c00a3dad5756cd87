"""Pooling layers (torch.nn): MaxPool, AvgPool, LPPool, AdaptiveMaxPool, AdaptiveAvgPool (1-3d) and
MaxUnpool, thin wrappers over ember.nn.functional with PyTorch's attributes and reprs."""
from itertools import repeat

from .module import Module
from .. import functional as F

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "AvgPool1d",
           "AvgPool2d", "AvgPool3d", "LPPool1d", "LPPool2d", "LPPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
           "AdaptiveMaxPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d"]


def _ntuple(n):
    def parse(x):
        if isinstance(x, (tuple, list)):
            return tuple(x)
        return tuple(repeat(x, n))
    return parse


_single, _pair, _triple = _ntuple(1), _ntuple(2), _ntuple(3)


# ------------------------------------------------------------------------------------------------
class _MaxPoolNd(Module):
    __constants__ = ["kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"]

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return ("kernel_size={kernel_size}, stride={stride}, padding={padding}, dilation={dilation}, "
                "ceil_mode={ceil_mode}".format(**self.__dict__))


class MaxPool1d(_MaxPoolNd):
    r"""Applies a 1D max pooling over an input signal composed of several input planes.

    Args:
        kernel_size: the size of the sliding window
        stride: the stride of the window. Default: ``kernel_size``
        padding: implicit negative infinity padding on both sides (at most half the kernel)
        dilation: the stride between elements within a window
        return_indices: also return the argmax indices (for :class:`MaxUnpool1d`)
        ceil_mode: use ceil instead of floor to compute the output shape

    Shape:
        - Input: :math:`(N, C, L_{in})` or :math:`(C, L_{in})`; Output: :math:`(N, C, L_{out})`,
          :math:`L_{out} = \left\lfloor \frac{L_{in} + 2p - d(k - 1) - 1}{s} + 1\right\rfloor`

    Examples::

        >>> m = nn.MaxPool1d(3, stride=2)
        >>> m(ember.randn(20, 16, 50)).shape
        ember.Size([20, 16, 24])
    """

    def forward(self, input):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool2d(_MaxPoolNd):
    r"""Applies a 2D max pooling over an input signal composed of several input planes.

    Args:
        kernel_size, stride (default ``kernel_size``), padding, dilation: int or 2-tuple
        return_indices: also return the flat argmax indices (for :class:`MaxUnpool2d`)
        ceil_mode: use ceil instead of floor to compute the output shape

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})` or :math:`(C, H_{in}, W_{in})`
        - Output: :math:`(N, C, H_{out}, W_{out})`

    Examples::

        >>> m = nn.MaxPool2d(2)
        >>> m
        MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
        >>> m(ember.randn(64, 16, 28, 28)).shape
        ember.Size([64, 16, 14, 14])
    """

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool3d(_MaxPoolNd):
    r"""Applies a 3D max pooling over an input signal composed of several input planes.

    Args:
        kernel_size, stride (default ``kernel_size``), padding, dilation: int or 3-tuple
        return_indices, ceil_mode: as :class:`MaxPool2d`

    Examples::

        >>> m = nn.MaxPool3d((3, 2, 2), stride=(2, 1, 2))
        >>> m(ember.randn(20, 16, 50, 44, 31)).shape
        ember.Size([20, 16, 24, 43, 15])
    """

    def forward(self, input):
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


# ------------------------------------------------------------------------------------------------
class _MaxUnpoolNd(Module):
    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    r"""Computes a partial inverse of :class:`MaxPool1d` (non-maximal positions are set to zero).

    Args:
        kernel_size, stride (default ``kernel_size``), padding: as the MaxPool1d that made the indices

    Inputs: ``input``, ``indices`` (from MaxPool1d with ``return_indices=True``), optional ``output_size``.

    Examples::

        >>> pool, unpool = nn.MaxPool1d(2, return_indices=True), nn.MaxUnpool1d(2)
        >>> out, idx = pool(ember.tensor([[[1., 2, 3, 4, 5, 6, 7, 8]]]))
        >>> unpool(out, idx)
        tensor([[[0., 2., 0., 4., 0., 6., 0., 8.]]])
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if (stride is not None) else kernel_size)
        self.padding = _single(padding)

    def forward(self, input, indices, output_size=None):
        return F.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool2d(_MaxUnpoolNd):
    r"""Computes a partial inverse of :class:`MaxPool2d` (non-maximal positions are set to zero).

    Args:
        kernel_size, stride (default ``kernel_size``), padding: as the MaxPool2d that made the indices

    Examples::

        >>> pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
        >>> out, idx = pool(ember.randn(1, 1, 4, 4))
        >>> unpool(out, idx).shape
        ember.Size([1, 1, 4, 4])
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride if (stride is not None) else kernel_size)
        self.padding = _pair(padding)

    def forward(self, input, indices, output_size=None):
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool3d(_MaxUnpoolNd):
    r"""Computes a partial inverse of :class:`MaxPool3d` (non-maximal positions are set to zero)."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _triple(kernel_size)
        self.stride = _triple(stride if (stride is not None) else kernel_size)
        self.padding = _triple(padding)

    def forward(self, input, indices, output_size=None):
        return F.max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


# ------------------------------------------------------------------------------------------------
class _AvgPoolNd(Module):
    __constants__ = ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"]

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    r"""Applies a 1D average pooling over an input signal composed of several input planes.

    Args:
        kernel_size: the size of the window
        stride: the stride of the window. Default: ``kernel_size``
        padding: implicit zero padding on both sides
        ceil_mode: use ceil instead of floor to compute the output shape
        count_include_pad: include the zero-padding in the averaging calculation

    Examples::

        >>> m = nn.AvgPool1d(3, stride=2)
        >>> m(ember.tensor([[[1., 2, 3, 4, 5, 6, 7]]]))
        tensor([[[2., 4., 6.]]])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)


class AvgPool2d(_AvgPoolNd):
    r"""Applies a 2D average pooling over an input signal composed of several input planes.

    Args:
        kernel_size, stride (default ``kernel_size``), padding: int or 2-tuple
        ceil_mode: use ceil instead of floor to compute the output shape
        count_include_pad: include the zero-padding in the averaging calculation
        divisor_override: if specified, used as the divisor instead of the window size

    Examples::

        >>> m = nn.AvgPool2d((3, 2), stride=(2, 1))
        >>> m(ember.randn(20, 16, 50, 32)).shape
        ember.Size([20, 16, 24, 31])
    """

    __constants__ = ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"]

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class AvgPool3d(_AvgPoolNd):
    r"""Applies a 3D average pooling over an input signal composed of several input planes.

    Args:
        kernel_size, stride (default ``kernel_size``), padding: int or 3-tuple
        ceil_mode, count_include_pad, divisor_override: as :class:`AvgPool2d`

    Examples::

        >>> m = nn.AvgPool3d(3, stride=2)
        >>> m(ember.randn(20, 16, 50, 44, 31)).shape
        ember.Size([20, 16, 24, 21, 15])
    """

    __constants__ = ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"]

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if (stride is not None) else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def __setstate__(self, d):
        super().__setstate__(d)
        self.__dict__.setdefault("padding", 0)
        self.__dict__.setdefault("ceil_mode", False)
        self.__dict__.setdefault("count_include_pad", True)


# ------------------------------------------------------------------------------------------------
class _LPPoolNd(Module):
    __constants__ = ["norm_type", "kernel_size", "stride", "ceil_mode"]

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return "norm_type={norm_type}, kernel_size={kernel_size}, stride={stride}, ceil_mode={ceil_mode}".format(
            **self.__dict__)


class LPPool1d(_LPPoolNd):
    r"""Applies a 1D power-average pooling: :math:`f(X) = \sqrt[p]{\sum_{x \in X} x^{p}}` over each window.

    Examples::

        >>> m = nn.LPPool1d(2, 3, stride=2)
        >>> m(ember.randn(20, 16, 50)).shape
        ember.Size([20, 16, 24])
    """

    def forward(self, input):
        return F.lp_pool1d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPoolNd):
    r"""Applies a 2D power-average pooling over an input signal composed of several input planes.

    Examples::

        >>> m = nn.LPPool2d(2, 3, stride=2)
        >>> m(ember.randn(20, 16, 50, 32)).shape
        ember.Size([20, 16, 24, 15])
    """

    def forward(self, input):
        return F.lp_pool2d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool3d(_LPPoolNd):
    r"""Applies a 3D power-average pooling over an input signal composed of several input planes."""

    def forward(self, input):
        return F.lp_pool3d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


# ------------------------------------------------------------------------------------------------
class _AdaptiveMaxPoolNd(Module):
    __constants__ = ["output_size", "return_indices"]

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    r"""Applies a 1D adaptive max pooling: the output has length ``output_size`` for any input size.

    Examples::

        >>> m = nn.AdaptiveMaxPool1d(5)
        >>> m(ember.randn(1, 64, 8)).shape
        ember.Size([1, 64, 5])
    """

    def forward(self, input):
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    r"""Applies a 2D adaptive max pooling (``output_size``: int or (H, W), None keeps the input size).

    Examples::

        >>> m = nn.AdaptiveMaxPool2d((5, 7))
        >>> m(ember.randn(1, 64, 8, 9)).shape
        ember.Size([1, 64, 5, 7])
    """

    def forward(self, input):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    r"""Applies a 3D adaptive max pooling."""

    def forward(self, input):
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class _AdaptiveAvgPoolNd(Module):
    __constants__ = ["output_size"]

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    r"""Applies a 1D adaptive average pooling: the output has length ``output_size`` for any input size.

    Examples::

        >>> m = nn.AdaptiveAvgPool1d(5)
        >>> m(ember.randn(1, 64, 8)).shape
        ember.Size([1, 64, 5])
    """

    def forward(self, input):
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    r"""Applies a 2D adaptive average pooling (``output_size``: int or (H, W), None keeps the input size).

    Examples::

        >>> m = nn.AdaptiveAvgPool2d((5, 7))
        >>> m(ember.randn(1, 64, 8, 9)).shape
        ember.Size([1, 64, 5, 7])
    """

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    r"""Applies a 3D adaptive average pooling."""

    def forward(self, input):
        return F.adaptive_avg_pool3d(input, self.output_size)
