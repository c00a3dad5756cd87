"""PixelShuffle and PixelUnshuffle (torch.nn)."""
from .module import Module
from .. import functional as F

__all__ = ["PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    r"""Rearranges :math:`(*, C \times r^2, H, W)` into :math:`(*, C, H \times r, W \times r)`
    (efficient sub-pixel convolution, Shi et al. 2016).

    Args:
        upscale_factor (int): factor to increase spatial resolution by

    Examples::

        >>> ps = nn.PixelShuffle(3)
        >>> ps(ember.randn(1, 9, 4, 4)).size()
        ember.Size([1, 1, 12, 12])
    """

    __constants__ = ["upscale_factor"]

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    r"""Reverses :class:`PixelShuffle`: :math:`(*, C, H \times r, W \times r)` to :math:`(*, C \times r^2, H, W)`.

    Args:
        downscale_factor (int): factor to decrease spatial resolution by

    Examples::

        >>> pus = nn.PixelUnshuffle(3)
        >>> pus(ember.randn(1, 1, 12, 12)).size()
        ember.Size([1, 9, 4, 4])
    """

    __constants__ = ["downscale_factor"]

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"
