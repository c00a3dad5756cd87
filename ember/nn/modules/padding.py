"""Padding layers (torch.nn): ZeroPad, ConstantPad, ReflectionPad, ReplicationPad, CircularPad in
1-3 dims, over F.pad."""
from itertools import repeat

from .module import Module
from .. import functional as F

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]


def _ntuple(n):
    def parse(x):
        if isinstance(x, (tuple, list)):
            return tuple(x)
        return tuple(repeat(x, n))
    return parse


_TUPLE = {1: _ntuple(2), 2: _ntuple(4), 3: _ntuple(6)}


class _CircularPadNd(Module):
    __constants__ = ["padding"]

    def _check_input_dim(self, input):
        raise NotImplementedError

    def forward(self, input):
        self._check_input_dim(input)
        return F.pad(input, self.padding, "circular")

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(Module):
    __constants__ = ["padding", "value"]

    def __init__(self, value):
        super().__init__()
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class _ReflectionPadNd(Module):
    __constants__ = ["padding"]

    def forward(self, input):
        return F.pad(input, self.padding, "reflect")

    def extra_repr(self):
        return f"{self.padding}"


class _ReplicationPadNd(Module):
    __constants__ = ["padding"]

    def forward(self, input):
        return F.pad(input, self.padding, "replicate")

    def extra_repr(self):
        return f"{self.padding}"


class CircularPad1d(_CircularPadNd):
    r"""Pads the input tensor using circular padding of the input boundary (wrap-around).

    Args:
        padding (int, tuple): the size of the padding. If an `int`, the same padding on all
            boundaries; a 2-`tuple` is (padding_left, padding_right)

    Shape:
        - Input: :math:`(C, W_{in})` or :math:`(N, C, W_{in})`; output: padded along the last 1 dim

    Examples::

        >>> m = nn.CircularPad1d((1, 2))
        >>> m(ember.randn(1, 2, 4)).shape
        ember.Size([1, 2, 7])
    """

    def __init__(self, padding):
        super().__init__()
        self.padding = _TUPLE[1](padding)

    def _check_input_dim(self, input):
        if input.dim() != 2 and input.dim() != 3:
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class ConstantPad1d(_ConstantPadNd):
    r"""Pads the input tensor boundaries with a constant value.

    Args:
        padding (int, tuple): the size of the padding. If an `int`, the same padding on all
            boundaries; a 2-`tuple` is (padding_left, padding_right)

    Shape:
        - Input: :math:`(C, W_{in})` or :math:`(N, C, W_{in})`; output: padded along the last 1 dim

    Examples::

        >>> m = nn.ConstantPad1d((1, 2), 3.5)
        >>> m(ember.randn(1, 2, 4)).shape
        ember.Size([1, 2, 7])
    """

    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _TUPLE[1](padding)


class ZeroPad1d(ConstantPad1d):
    r"""Pads the input tensor boundaries with zero.

    Args:
        padding (int, tuple): the size of the padding. If an `int`, the same padding on all
            boundaries; a 2-`tuple` is (padding_left, padding_right)

    Shape:
        - Input: :math:`(C, W_{in})` or :math:`(N, C, W_{in})`; output: padded along the last 1 dim

    Examples::

        >>> m = nn.ZeroPad1d((1, 2))
        >>> m(ember.randn(1, 2, 4)).shape
        ember.Size([1, 2, 7])
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_ReflectionPadNd):
    r"""Pads the input tensor using the reflection of the input boundary.

    Args:
        padding (int, tuple): the size of the padding. If an `int`, the same padding on all
            boundaries; a 2-`tuple` is (padding_left, padding_right)

    Shape:
        - Input: :math:`(C, W_{in})` or :math:`(N, C, W_{in})`; output: padded along the last 1 dim

    Examples::

        >>> m = nn.ReflectionPad1d((1, 2))
        >>> m(ember.randn(1, 2, 4)).shape
        ember.Size([1, 2, 7])
    """

    def __init__(self, padding):
        super().__init__()
        self.padding = _TUPLE[1](padding)


class ReplicationPad1d(_ReplicationPadNd):
    r"""Pads the input tensor using replication of the input boundary.

    Args:
        padding (int, tuple): the size of the padding. If an `int`, the same padding on all
            boundaries; a 2-`tuple` is (padding_left, padding_right)

    Shape:
        - Input: :math:`(C, W_{in})` or :math:`(N, C, W_{in})`; output: padded along the last 1 dim

    Examples::

        >>> m = nn.ReplicationPad1d((1, 2))
        >>> m(ember.randn(1, 2, 4)).shape
        ember.Size([1, 2, 7])
    """

    def __init__(self, padding):
        super().__init__()
        self.padding = _TUPLE[1](padding)


class CircularPad2d(_CircularPadNd):
    r"""Pads the input tensor using circular padding of the input boundary (wrap-around).

    Args:
        padding (int, tuple): the size of the padding. If an `int`, the same padding on all
            boundaries; a 4-`tuple` is (padding_left, padding_right, padding_top, padding_bottom)

    Shape:
        - Input: :math:`(C, H_{in}, W_{in})` or :math:`(N, C, H_{in}, W_{in})`; output: padded along the last 2 dims

    Examples::

        >>> m = nn.CircularPad2d((1, 2, 1, 2))
        >>> m(ember.randn(1, 1, 3, 3)).shape
        ember.Size([1, 1, 6, 6])
    """

    def __init__(self, padding):
        super().__init__()
        self.padding = _TUPLE[2](padding)

    def _check_input_dim(self, input):
        if input.dim() != 3 and input.dim() != 4:
            raise ValueError(f"expected 3D or 4D input (got {input.dim()}D input)")


class ConstantPad2d(_ConstantPadNd):
    r"""Pads the input tensor boundaries with a constant value.

    Args:
        padding (int, tuple): the size of the padding. If an `int`, the same padding on all
            boundaries; a 4-`tuple` is (padding_left, padding_right, padding_top, padding_bottom)

    Shape:
        - Input: :math:`(C, H_{in}, W_{in})` or :math:`(N, C, H_{in}, W_{in})`; output: padded along the last 2 dims

    Examples::

        >>> m = nn.ConstantPad2d((1, 2, 1, 2), 3.5)
        >>> m(ember.randn(1, 1, 3, 3)).shape
        ember.Size([1, 1, 6, 6])
    """

    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _TUPLE[2](padding)


class ZeroPad2d(ConstantPad2d):
    r"""Pads the input tensor boundaries with zero.

    Args:
        padding (int, tuple): the size of the padding. If an `int`, the same padding on all
            boundaries; a 4-`tuple` is (padding_left, padding_right, padding_top, padding_bottom)

    Shape:
        - Input: :math:`(C, H_{in}, W_{in})` or :math:`(N, C, H_{in}, W_{in})`; output: padded along the last 2 dims

    Examples::

        >>> m = nn.ZeroPad2d((1, 2, 1, 2))
        >>> m(ember.randn(1, 1, 3, 3)).shape
        ember.Size([1, 1, 6, 6])
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad2d(_ReflectionPadNd):
    r"""Pads the input tensor using the reflection of the input boundary.

    Args:
        padding (int, tuple): the size of the padding. If an `int`, the same padding on all
            boundaries; a 4-`tuple` is (padding_left, padding_right, padding_top, padding_bottom)

    Shape:
        - Input: :math:`(C, H_{in}, W_{in})` or :math:`(N, C, H_{in}, W_{in})`; output: padded along the last 2 dims

    Examples::

        >>> m = nn.ReflectionPad2d((1, 2, 1, 2))
        >>> m(ember.randn(1, 1, 3, 3)).shape
        ember.Size([1, 1, 6, 6])
    """

    def __init__(self, padding):
        super().__init__()
        self.padding = _TUPLE[2](padding)


class ReplicationPad2d(_ReplicationPadNd):
    r"""Pads the input tensor using replication of the input boundary.

    Args:
        padding (int, tuple): the size of the padding. If an `int`, the same padding on all
            boundaries; a 4-`tuple` is (padding_left, padding_right, padding_top, padding_bottom)

    Shape:
        - Input: :math:`(C, H_{in}, W_{in})` or :math:`(N, C, H_{in}, W_{in})`; output: padded along the last 2 dims

    Examples::

        >>> m = nn.ReplicationPad2d((1, 2, 1, 2))
        >>> m(ember.randn(1, 1, 3, 3)).shape
        ember.Size([1, 1, 6, 6])
    """

    def __init__(self, padding):
        super().__init__()
        self.padding = _TUPLE[2](padding)


class CircularPad3d(_CircularPadNd):
    r"""Pads the input tensor using circular padding of the input boundary (wrap-around).

    Args:
        padding (int, tuple): the size of the padding. If an `int`, the same padding on all
            boundaries; a 6-`tuple` is (padding_left, padding_right, padding_top, padding_bottom, padding_front, padding_back)

    Shape:
        - Input: :math:`(C, D_{in}, H_{in}, W_{in})` or :math:`(N, C, D_{in}, H_{in}, W_{in})`; output: padded along the last 3 dims

    Examples::

        >>> m = nn.CircularPad3d((1, 2, 1, 2, 1, 2))
        >>> m(ember.randn(1, 1, 2, 2, 2)).shape
        ember.Size([1, 1, 5, 5, 5])
    """

    def __init__(self, padding):
        super().__init__()
        self.padding = _TUPLE[3](padding)

    def _check_input_dim(self, input):
        if input.dim() != 4 and input.dim() != 5:
            raise ValueError(f"expected 4D or 5D input (got {input.dim()}D input)")


class ConstantPad3d(_ConstantPadNd):
    r"""Pads the input tensor boundaries with a constant value.

    Args:
        padding (int, tuple): the size of the padding. If an `int`, the same padding on all
            boundaries; a 6-`tuple` is (padding_left, padding_right, padding_top, padding_bottom, padding_front, padding_back)

    Shape:
        - Input: :math:`(C, D_{in}, H_{in}, W_{in})` or :math:`(N, C, D_{in}, H_{in}, W_{in})`; output: padded along the last 3 dims

    Examples::

        >>> m = nn.ConstantPad3d((1, 2, 1, 2, 1, 2), 3.5)
        >>> m(ember.randn(1, 1, 2, 2, 2)).shape
        ember.Size([1, 1, 5, 5, 5])
    """

    def __init__(self, padding, value):
        super().__init__(value)
        self.padding = _TUPLE[3](padding)


class ZeroPad3d(ConstantPad3d):
    r"""Pads the input tensor boundaries with zero.

    Args:
        padding (int, tuple): the size of the padding. If an `int`, the same padding on all
            boundaries; a 6-`tuple` is (padding_left, padding_right, padding_top, padding_bottom, padding_front, padding_back)

    Shape:
        - Input: :math:`(C, D_{in}, H_{in}, W_{in})` or :math:`(N, C, D_{in}, H_{in}, W_{in})`; output: padded along the last 3 dims

    Examples::

        >>> m = nn.ZeroPad3d((1, 2, 1, 2, 1, 2))
        >>> m(ember.randn(1, 1, 2, 2, 2)).shape
        ember.Size([1, 1, 5, 5, 5])
    """

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad3d(_ReflectionPadNd):
    r"""Pads the input tensor using the reflection of the input boundary.

    Args:
        padding (int, tuple): the size of the padding. If an `int`, the same padding on all
            boundaries; a 6-`tuple` is (padding_left, padding_right, padding_top, padding_bottom, padding_front, padding_back)

    Shape:
        - Input: :math:`(C, D_{in}, H_{in}, W_{in})` or :math:`(N, C, D_{in}, H_{in}, W_{in})`; output: padded along the last 3 dims

    Examples::

        >>> m = nn.ReflectionPad3d((1, 2, 1, 2, 1, 2))
        >>> m(ember.randn(1, 1, 2, 2, 2)).shape
        ember.Size([1, 1, 5, 5, 5])
    """

    def __init__(self, padding):
        super().__init__()
        self.padding = _TUPLE[3](padding)


class ReplicationPad3d(_ReplicationPadNd):
    r"""Pads the input tensor using replication of the input boundary.

    Args:
        padding (int, tuple): the size of the padding. If an `int`, the same padding on all
            boundaries; a 6-`tuple` is (padding_left, padding_right, padding_top, padding_bottom, padding_front, padding_back)

    Shape:
        - Input: :math:`(C, D_{in}, H_{in}, W_{in})` or :math:`(N, C, D_{in}, H_{in}, W_{in})`; output: padded along the last 3 dims

    Examples::

        >>> m = nn.ReplicationPad3d((1, 2, 1, 2, 1, 2))
        >>> m(ember.randn(1, 1, 2, 2, 2)).shape
        ember.Size([1, 1, 5, 5, 5])
    """

    def __init__(self, padding):
        super().__init__()
        self.padding = _TUPLE[3](padding)
