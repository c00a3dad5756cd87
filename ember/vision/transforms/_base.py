"""Image kinds the transforms accept, and the conversions between them.

Every transform works on
  * ember Tensors laid out ``(..., C, H, W)`` (any device, any leading batch dimensions);
  * NumPy arrays laid out ``(H, W)`` or ``(H, W, C)`` (the usual image-array layout), returned as
    NumPy arrays of the same layout and dtype;
  * ``PIL.Image`` objects when Pillow is installed, returned as ``PIL.Image``.
The pixel arithmetic is written once, for tensors: arrays and PIL images go through
:func:`image_op`, which converts them to a ``(C, H, W)`` tensor and back.
"""
import enum
import functools
import numbers

import numpy as np

from ... import dtypes as _dt
from ... import ops as _ops
from ...tensor import Tensor

__all__ = ["InterpolationMode"]


class InterpolationMode(enum.Enum):
    """Interpolation modes (as torchvision.transforms.InterpolationMode)."""
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


def _interpolation(mode):
    """An InterpolationMode from a mode or its string value ('bilinear', ...)."""
    if isinstance(mode, InterpolationMode):
        return mode
    if isinstance(mode, str):
        try:
            return InterpolationMode(mode.lower())
        except ValueError:
            pass
    raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow "
                    f"integer constant, got {mode!r}")


def _pil_image_class():
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


def is_pil_image(img):
    """True when `img` is a ``PIL.Image.Image`` (False when Pillow is not installed)."""
    Image = _pil_image_class()
    return Image is not None and isinstance(img, Image.Image)


def array_to_tensor(arr):
    """An ``(H, W[, C])`` NumPy array as a ``(C, H, W)`` CPU tensor (no scaling, dtype kept)."""
    if arr.ndim not in (2, 3):
        raise ValueError(f"pic should be 2/3 dimensional. Got {arr.ndim} dimensions.")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.dtype.byteorder not in ("=", "|"):
        arr = arr.astype(arr.dtype.newbyteorder("="))
    chw = np.ascontiguousarray(arr.transpose(2, 0, 1))
    if not chw.flags.writeable:            # e.g. np.asarray of a PIL image: copy, never alias it
        chw = chw.copy()
    return _ops.from_numpy(chw)


def tensor_to_array(t, like):
    """A ``(C, H, W)`` tensor as an array laid out as `like` (``(H, W)`` or ``(H, W, C)``)."""
    arr = np.ascontiguousarray(t.detach().cpu().numpy().transpose(1, 2, 0))
    if like.ndim == 2 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    return arr


def pil_to_array(img):
    arr = np.asarray(img)
    if arr.dtype == np.bool_:              # mode "1"
        arr = arr.astype(np.uint8) * 255
    return arr


def array_to_pil(arr, mode_like):
    Image = _pil_image_class()
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if mode_like.mode == "1":
        return Image.fromarray(arr > 127).convert("1")
    return Image.fromarray(np.ascontiguousarray(arr))


def image_op(fn):
    """Let a transform written for ``(..., C, H, W)`` tensors take NumPy arrays and PIL images too."""
    @functools.wraps(fn)
    def wrapper(img, *args, **kwargs):
        if isinstance(img, Tensor):
            return fn(img, *args, **kwargs)
        if isinstance(img, np.ndarray):
            out = fn(array_to_tensor(img), *args, **kwargs)
            return tensor_to_array(out, img) if isinstance(out, Tensor) else out
        if is_pil_image(img):
            arr = pil_to_array(img)
            out = fn(array_to_tensor(arr), *args, **kwargs)
            return array_to_pil(tensor_to_array(out, arr), img) if isinstance(out, Tensor) else out
        raise TypeError(f"img should be a Tensor, a NumPy array or a PIL Image. Got {type(img)}")
    return wrapper


def get_dimensions(img):
    """[channels, height, width] of an image (tensor ``(..., C, H, W)``, array ``(H, W[, C])``, PIL)."""
    if isinstance(img, Tensor):
        if img.dim() < 2:
            raise TypeError(f"Tensor is not a torch image: expected at least 2 dimensions, got {img.dim()}")
        c = 1 if img.dim() == 2 else int(img.shape[-3])
        return [c, int(img.shape[-2]), int(img.shape[-1])]
    if isinstance(img, np.ndarray):
        if img.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {img.ndim} dimensions.")
        return [1 if img.ndim == 2 else int(img.shape[2]), int(img.shape[0]), int(img.shape[1])]
    if is_pil_image(img):
        w, h = img.size
        return [len(img.getbands()), h, w]
    raise TypeError(f"img should be a Tensor, a NumPy array or a PIL Image. Got {type(img)}")


def get_image_size(img):
    """[width, height] of an image."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img):
    return get_dimensions(img)[0]


def max_value(dtype):
    """The largest value of an image dtype: 1.0 for floats, the integer maximum otherwise."""
    if dtype.is_floating_point:
        return 1.0
    if dtype is _dt.bool:
        return 1
    return _dt.iinfo(dtype).max


def to_float(img):
    """(float image, original dtype): integer images are computed in float32 and rounded back."""
    if img.dtype.is_floating_point:
        return img, img.dtype
    return img.to(_dt.float32), img.dtype


def from_float(img, dtype):
    """Round a float result back to an integer `dtype` (clamped to its range); floats pass."""
    if dtype.is_floating_point or img.dtype is dtype:
        return img
    info = _dt.iinfo(dtype)
    return img.round().clamp(info.min, info.max).to(dtype)


def setup_size(size, error_msg):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, (list, tuple)) and len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(error_msg)
    return size
