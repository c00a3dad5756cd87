"""ember.vision.transforms: image transforms (as torchvision.transforms).

They take ember Tensors ``(..., C, H, W)``, NumPy arrays ``(H, W[, C])`` and (with Pillow) PIL
images. Random transforms draw from Ember's default generator (``ember.manual_seed`` repeats them).
"""
from . import functional
from ._base import InterpolationMode
from .transforms import *  # noqa: F401,F403
from .transforms import __all__ as _all

__all__ = ["functional", "InterpolationMode"] + list(_all)
