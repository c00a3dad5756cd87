"""Upsample, UpsamplingNearest2d, UpsamplingBilinear2d (torch.nn) over F.interpolate."""
from .module import Module
from .. import functional as F

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]


class Upsample(Module):
    r"""Upsamples multi-channel 1D (temporal), 2D (spatial) or 3D (volumetric) data.

    Args:
        size (int or Tuple[int]): output spatial sizes
        scale_factor (float or Tuple[float]): multiplier for spatial size
        mode (str): ``'nearest'``, ``'linear'``, ``'bilinear'``, ``'bicubic'``, ``'trilinear'``,
            ``'area'`` or ``'nearest-exact'``. Default: ``'nearest'``
        align_corners (bool, optional): for the linear and cubic modes, align the corner pixels
        recompute_scale_factor (bool, optional): recompute the scale factor from the output size

    Shape:
        - Input: :math:`(N, C, W_{in})`, :math:`(N, C, H_{in}, W_{in})` or :math:`(N, C, D_{in}, H_{in}, W_{in})`
        - Output: the same with :math:`\lfloor \text{in} \times \text{scale\_factor} \rfloor` or ``size``

    Examples::

        >>> m = nn.Upsample(scale_factor=2, mode='nearest')
        >>> m(ember.arange(1., 5).view(1, 1, 2, 2))
        tensor([[[[1., 1., 2., 2.],
                  [1., 1., 2., 2.],
                  [3., 3., 4., 4.],
                  [3., 3., 4., 4.]]]])
    """

    __constants__ = ["size", "scale_factor", "mode", "align_corners", "name", "recompute_scale_factor"]

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def __setstate__(self, state):
        if "recompute_scale_factor" not in state:
            state["recompute_scale_factor"] = True
        super().__setstate__(state)

    def extra_repr(self):
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        info += ", mode=" + repr(self.mode)
        return info


class UpsamplingNearest2d(Upsample):
    r"""2D nearest neighbor upsampling (``Upsample(mode='nearest')``).

    Examples::

        >>> m = nn.UpsamplingNearest2d(scale_factor=2)
        >>> m(ember.randn(1, 1, 2, 2)).shape
        ember.Size([1, 1, 4, 4])
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    r"""2D bilinear upsampling with ``align_corners=True`` (``Upsample(mode='bilinear', align_corners=True)``).

    Examples::

        >>> m = nn.UpsamplingBilinear2d(scale_factor=2)
        >>> m(ember.arange(1., 5).view(1, 1, 2, 2))[0, 0, 0]
        tensor([1.0000, 1.3333, 1.6667, 2.0000])
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
