"""ember.vision.transforms.functional: the image functions behind the transform classes.

Each takes an ember Tensor ``(..., C, H, W)``, a NumPy array ``(H, W[, C])`` or a PIL image, and
returns the same kind (see :mod:`ember.vision.transforms._base`).
"""
from ._base import InterpolationMode, get_dimensions, get_image_size, get_image_num_channels
from ._geometry import (hflip, vflip, pad, crop, center_crop, resize, resized_crop, rotate, affine,
                        five_crop)
from ._color import (to_tensor, pil_to_tensor, to_pil_image, convert_image_dtype, normalize,
                     rgb_to_grayscale, adjust_brightness, adjust_contrast, adjust_saturation,
                     adjust_hue, invert)

__all__ = ["InterpolationMode", "get_dimensions", "get_image_size", "get_image_num_channels",
           "hflip", "vflip", "pad", "crop", "center_crop", "resize", "resized_crop", "rotate",
           "affine", "five_crop", "to_tensor", "pil_to_tensor", "to_pil_image", "convert_image_dtype",
           "normalize", "rgb_to_grayscale", "adjust_brightness", "adjust_contrast",
           "adjust_saturation", "adjust_hue", "invert"]
