"""Fold and Unfold (torch.nn): col2im and im2col as layers."""
from .module import Module
from .. import functional as F

__all__ = ["Fold", "Unfold"]


class Fold(Module):
    r"""Combines an array of sliding local blocks into a large containing tensor (col2im; overlapping
    values are summed).

    Args:
        output_size (int or tuple): the spatial shape of the output
        kernel_size (int or tuple): the size of the sliding blocks
        dilation, padding, stride (int or tuple): as :class:`Unfold`

    Shape:
        - Input: :math:`(N, C \times \prod(\text{kernel\_size}), L)` or unbatched
        - Output: :math:`(N, C, \text{output\_size}[0], \text{output\_size}[1])`

    Examples::

        >>> fold = nn.Fold(output_size=(4, 5), kernel_size=(2, 2))
        >>> fold(ember.randn(1, 3 * 2 * 2, 12)).size()
        ember.Size([1, 3, 4, 5])
    """

    __constants__ = ["output_size", "kernel_size", "dilation", "padding", "stride"]

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return ("output_size={output_size}, kernel_size={kernel_size}, dilation={dilation}, padding={padding}, "
                "stride={stride}".format(**self.__dict__))


class Unfold(Module):
    r"""Extracts sliding local blocks from a batched input tensor (im2col).

    Args:
        kernel_size (int or tuple): the size of the sliding blocks
        dilation (int or tuple, optional): the stride of elements within a block. Default: 1
        padding (int or tuple, optional): implicit zero padding on both sides. Default: 0
        stride (int or tuple, optional): the stride of the blocks. Default: 1

    Shape:
        - Input: :math:`(N, C, *)`; Output: :math:`(N, C \times \prod(\text{kernel\_size}), L)`

    Examples::

        >>> unfold = nn.Unfold(kernel_size=(2, 3))
        >>> unfold(ember.randn(2, 5, 3, 4)).size()
        ember.Size([2, 30, 4])
    """

    __constants__ = ["kernel_size", "dilation", "padding", "stride"]

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return "kernel_size={kernel_size}, dilation={dilation}, padding={padding}, stride={stride}".format(
            **self.__dict__)
