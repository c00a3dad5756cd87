"""Image utilities: tile a batch into one grid image, save tensors as PNG files."""
import math
import os

import numpy as np

from .. import dtypes as _dt
from .. import ops as _ops
from ..tensor import Tensor

__all__ = ["make_grid", "save_image"]


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    r"""Tile a batch of images into one image (as torchvision.utils.make_grid).

    Args:
        tensor (Tensor or list of Tensor): a 4-D ``(B, C, H, W)`` batch, or images of one size.
            1-channel images are repeated to 3 channels.
        nrow (int): images per row. Default: 8
        padding (int): pixels between (and around) the images. Default: 2
        normalize (bool): shift and scale the values to [0, 1] using `value_range` (default: the
            batch's min and max). Default: ``False``
        value_range (tuple, optional): ``(min, max)`` for `normalize`; values are clamped to it.
        scale_each (bool): normalize each image by its own min and max. Default: ``False``
        pad_value (float): the value of the padding pixels. Default: 0

    Returns:
        Tensor: ``(C, H', W')``.

    Example::

        >>> grid = make_grid(ember.rand(16, 1, 8, 8), nrow=4)
        >>> grid.shape
        ember.Size([3, 42, 42])
    """
    if isinstance(tensor, (list, tuple)):
        if not all(isinstance(t, Tensor) for t in tensor):
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
        tensor = _ops.stack(list(tensor), dim=0)
    if not isinstance(tensor, Tensor):
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if tensor.dim() == 2:                          # a single (H, W) image
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:                          # a single (C, H, W) image
        if tensor.size(0) == 1:
            tensor = _ops.cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() != 4:
        raise ValueError(f"make_grid expects a (B, C, H, W) batch or (C, H, W)/(H, W) images, got a "
                         f"{tensor.dim()}-d tensor")
    if tensor.size(1) == 1:                        # a batch of single-channel images
        tensor = _ops.cat((tensor, tensor, tensor), 1)
    if normalize is True:
        tensor = tensor.clone()
        if not tensor.is_floating_point():
            tensor = tensor.to(_dt.get_default_dtype())
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")

        def norm_ip(img, low, high):
            img.clamp_(min=low, max=high)
            img.sub_(low).div_(max(high - low, 1e-5))

        def norm_range(t, value_range):
            if value_range is not None:
                norm_ip(t, value_range[0], value_range[1])
            else:
                norm_ip(t, float(t.min()), float(t.max()))

        if scale_each is True:
            for t in tensor:                       # views: each image normalized in place
                norm_range(t, value_range)
        else:
            norm_range(tensor, value_range)
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    nmaps = tensor.size(0)
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    num_channels = tensor.size(1)
    grid = tensor.new_full((num_channels, height * ymaps + padding, width * xmaps + padding), pad_value)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            grid.narrow(1, y * height + padding, height - padding).narrow(
                2, x * width + padding, width - padding).copy_(tensor[k])
            k = k + 1
    return grid


def _to_uint8_hwc(grid):
    """A (C, H, W) float image in [0, 1] as an (H, W, C) uint8 array (rounded, clamped)."""
    arr = grid.detach().cpu().to(_dt.float64).numpy()
    arr = np.clip(arr * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    return np.ascontiguousarray(arr)


def _pil_image():
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


def save_image(tensor, fp, format=None, **kwargs):
    r"""Save a tensor (or a batch, tiled with :func:`make_grid`) as an image file, e.g. PNG.

    Values are expected in [0, 1] (pass ``normalize=True`` otherwise). Uses Pillow when it is
    installed, else matplotlib (recent matplotlib itself requires Pillow); with neither, raises
    an ImportError saying what to install.

    Args:
        tensor (Tensor or list): the image(s), as for :func:`make_grid`.
        fp (str, path or file object): where to write.
        format (str, optional): the file format (default: from the file name's extension).
        **kwargs: passed to :func:`make_grid` (nrow, padding, normalize, value_range, pad_value...).
    """
    grid = make_grid(tensor, **kwargs)
    ndarr = _to_uint8_hwc(grid if grid.dim() == 3 else grid.unsqueeze(0))
    Image = _pil_image()
    if Image is not None:
        im = Image.fromarray(ndarr[:, :, 0] if ndarr.shape[2] == 1 else ndarr)
        im.save(fp, format=format)
        return
    try:
        import matplotlib.image as mpimg        # not pyplot: leaves the user's backend alone
    except ImportError:
        raise ImportError("save_image needs Pillow or matplotlib to write image files: install one with "
                          "`pip install pillow` (or `pip install matplotlib`).") from None
    if isinstance(fp, (str, os.PathLike)) and format is None and not os.path.splitext(os.fspath(fp))[1]:
        format = "png"
    img = ndarr[:, :, 0] if ndarr.shape[2] == 1 else ndarr
    mpimg.imsave(fp, img, format=format, cmap="gray" if img.ndim == 2 else None)
