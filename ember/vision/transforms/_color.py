"""Colour and conversion functions: to_tensor, normalize, dtype conversion, grayscale, jitter.

The colour arithmetic follows torchvision's tensor kernels (blend, grayscale weights
0.2989/0.587/0.114, the HSV round trip of ``adjust_hue``), so results match on the same input.
"""
import numpy as np

from ... import dtypes as _dt
from ... import ops as _ops
from ...tensor import Tensor
from ._base import (array_to_tensor, get_dimensions, image_op, is_pil_image, max_value,
                    pil_to_array, _pil_image_class)

__all__ = ["to_tensor", "pil_to_tensor", "to_pil_image", "convert_image_dtype", "normalize",
           "rgb_to_grayscale", "adjust_brightness", "adjust_contrast", "adjust_saturation",
           "adjust_hue", "invert"]


def to_tensor(pic):
    r"""Convert an ``(H, W[, C])`` NumPy array or a PIL image to a ``(C, H, W)`` tensor.

    uint8 images are scaled from 0..255 to a float tensor of the default dtype in [0, 1]; other
    dtypes are returned as they are (as torchvision.transforms.functional.to_tensor).
    """
    if not (isinstance(pic, np.ndarray) or is_pil_image(pic)):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        img = array_to_tensor(pic)
    else:
        mode_to_nptype = {"I": np.int32, "I;16": np.int16, "F": np.float32}
        arr = np.array(pic, mode_to_nptype.get(pic.mode, np.uint8), copy=True)
        if pic.mode == "1":
            arr = 255 * arr
        img = array_to_tensor(arr)
    if img.dtype is _dt.uint8:
        return img.to(_dt.get_default_dtype()).div(255)
    return img


def pil_to_tensor(pic):
    """Convert a PIL image (or an ``(H, W[, C])`` array) to a ``(C, H, W)`` tensor, values kept."""
    if isinstance(pic, np.ndarray):
        return array_to_tensor(pic).clone()
    if not is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    return array_to_tensor(pil_to_array(pic)).clone()


def to_pil_image(pic, mode=None):
    """Convert a ``(C, H, W)`` tensor or an ``(H, W[, C])`` array to a PIL image (needs Pillow).

    Float images are scaled by 255 and converted to uint8, as torchvision does.
    """
    Image = _pil_image_class()
    if Image is None:
        raise ImportError("to_pil_image needs Pillow: install it with `pip install pillow`.")
    if isinstance(pic, Tensor):
        if pic.dim() not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.dim()} dimensions.")
        if pic.dim() == 2:
            pic = pic.unsqueeze(0)
        if pic.is_floating_point() and mode != "F":
            pic = pic.mul(255).byte()
        npimg = np.transpose(pic.detach().cpu().numpy(), (1, 2, 0))
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        npimg = pic[:, :, None] if pic.ndim == 2 else pic
        if npimg.dtype.kind == "f" and mode != "F":
            npimg = (npimg * 255).astype(np.uint8)
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if npimg.shape[2] == 1:
        npimg = npimg[:, :, 0]
    return Image.fromarray(np.ascontiguousarray(npimg), mode=mode) if mode else \
        Image.fromarray(np.ascontiguousarray(npimg))


@image_op
def convert_image_dtype(image, dtype=_dt.float32):
    r"""Convert an image to `dtype`, rescaling values (0..255 uint8 <-> 0..1 float, and so on)."""
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    if image.dtype is dtype:
        return image
    if image.dtype.is_floating_point:
        if dtype.is_floating_point:
            return image.to(dtype)
        if (image.dtype is _dt.float32 and dtype in (_dt.int32, _dt.int64)) or \
                (image.dtype is _dt.float64 and dtype is _dt.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        # eps keeps 1.0 below max + 1, so the truncating cast maps [0, 1] onto 0..max evenly
        eps = 1e-3
        return image.mul(max_value(dtype) + 1.0 - eps).to(dtype)
    input_max = float(max_value(image.dtype))
    if dtype.is_floating_point:
        return image.to(dtype) / input_max
    output_max = float(max_value(dtype))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return _ops.div(image, factor, rounding_mode="floor").to(dtype)
    factor = int((output_max + 1) // (input_max + 1))
    return image.to(dtype).mul(factor)


def normalize(tensor, mean, std, inplace=False):
    r"""Normalize a float image channel by channel: ``(x - mean[c]) / std[c]``.

    Args:
        tensor: a float ``(..., C, H, W)`` tensor (or an ``(H, W[, C])`` float array).
        mean (sequence): one mean per channel.
        std (sequence): one standard deviation per channel.
        inplace (bool): overwrite `tensor` (tensors only).
    """
    if isinstance(tensor, np.ndarray):
        out = normalize(array_to_tensor(tensor), mean, std, inplace=False)
        res = out.numpy().transpose(1, 2, 0)
        return np.ascontiguousarray(res[:, :, 0] if tensor.ndim == 2 else res)
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.dim() < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tuple(tensor.shape)}")
    if not inplace:
        tensor = tensor.clone()
    dtype, device = tensor.dtype, tensor.device
    mean = _ops.as_tensor(mean, dtype=dtype, device=device) if not isinstance(mean, Tensor) \
        else mean.to(dtype=dtype, device=device)
    std = _ops.as_tensor(std, dtype=dtype, device=device) if not isinstance(std, Tensor) \
        else std.to(dtype=dtype, device=device)
    if bool((std == 0).any()):
        raise ValueError(f"std evaluated to zero after conversion to {dtype}, leading to division by zero.")
    if mean.dim() == 1:
        mean = mean.view(-1, 1, 1)
    if std.dim() == 1:
        std = std.view(-1, 1, 1)
    return tensor.sub_(mean).div_(std)


def _rgb_to_grayscale(img):
    r, g, b = img.unbind(dim=-3)
    gray = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype)
    return gray.unsqueeze(dim=-3)


@image_op
def rgb_to_grayscale(img, num_output_channels=1):
    """Convert an RGB image to grayscale (``0.2989 R + 0.587 G + 0.114 B``), 1 or 3 channels."""
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    c = get_dimensions(img)[0]
    if c not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are [1, 3], but found {c}")
    l_img = _rgb_to_grayscale(img) if c == 3 else img.clone()
    if num_output_channels == 3:
        return l_img.expand(img.shape).contiguous()
    return l_img


def _blend_to(orig, x, other, ratio):
    """ratio * x + (1 - ratio) * other, clamped to the image range; integer results truncate."""
    out = float(ratio) * x + (1.0 - float(ratio)) * other
    return out.clamp(0, max_value(orig.dtype)).to(orig.dtype)


def _check_channels(img, permitted):
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {list(permitted)}, but found {c}")
    return c


@image_op
def adjust_brightness(img, brightness_factor):
    """Scale the brightness: 0 gives black, 1 the original, 2 twice as bright (clamped)."""
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    _check_channels(img, (1, 3))
    x = img if img.is_floating_point() else img.to(_dt.float32)
    return _blend_to(img, x, _ops.zeros_like(x), brightness_factor)


@image_op
def adjust_contrast(img, contrast_factor):
    """Blend with the mean gray level: 0 gives a uniform gray image, 1 the original."""
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    c = _check_channels(img, (1, 3))
    fdtype = img.dtype if img.is_floating_point() else _dt.float32
    x = img.to(fdtype)
    gray = _rgb_to_grayscale(img).to(fdtype) if c == 3 else x
    mean = gray.mean(dim=(-3, -2, -1), keepdim=True)
    return _blend_to(img, x, mean, contrast_factor)


@image_op
def adjust_saturation(img, saturation_factor):
    """Blend with the grayscale image: 0 gives gray, 1 the original, 2 doubles the saturation."""
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    c = _check_channels(img, (1, 3))
    if c == 1:
        return img
    fdtype = img.dtype if img.is_floating_point() else _dt.float32
    return _blend_to(img, img.to(fdtype), _rgb_to_grayscale(img).to(fdtype), saturation_factor)


def _rgb2hsv(img):
    r, g, b = img.unbind(dim=-3)
    maxc = img.amax(dim=-3)
    minc = img.amin(dim=-3)
    eqc = maxc == minc
    cr = maxc - minc
    ones = _ops.ones_like(maxc)
    s = cr / _ops.where(eqc, ones, maxc)
    cr_divisor = _ops.where(eqc, ones, cr)
    rc = (maxc - r) / cr_divisor
    gc = (maxc - g) / cr_divisor
    bc = (maxc - b) / cr_divisor
    hr = (maxc == r).to(img.dtype) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)).to(img.dtype) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)).to(img.dtype) * (4.0 + gc - rc)
    h = hr + hg + hb
    h = _ops.fmod((h / 6.0 + 1.0), 1.0)
    return _ops.stack((h, s, maxc), dim=-3)


def _hsv2rgb(img):
    h, s, v = img.unbind(dim=-3)
    i = _ops.floor(h * 6.0)
    f = (h * 6.0) - i
    i = i.to(_dt.int32) % 6
    p = _ops.clamp((v * (1.0 - s)), 0.0, 1.0)
    q = _ops.clamp((v * (1.0 - s * f)), 0.0, 1.0)
    t = _ops.clamp((v * (1.0 - s * (1.0 - f))), 0.0, 1.0)
    # the sector i picks which of (v, q, p, t) lands in r, g and b
    mask = (i.unsqueeze(dim=-3) == _ops.arange(6, device=i.device).view(-1, 1, 1)).to(img.dtype)
    a1 = _ops.stack((v, q, p, p, t, v), dim=-3)
    a2 = _ops.stack((t, v, v, q, p, p), dim=-3)
    a3 = _ops.stack((p, p, t, v, v, q), dim=-3)
    r = (mask * a1).sum(dim=-3)
    g = (mask * a2).sum(dim=-3)
    b = (mask * a3).sum(dim=-3)
    return _ops.stack((r, g, b), dim=-3)


@image_op
def adjust_hue(img, hue_factor):
    """Shift the hue by `hue_factor` (in [-0.5, 0.5], a fraction of the colour wheel)."""
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    c = _check_channels(img, (1, 3))
    if c == 1:
        return img
    orig_dtype = img.dtype
    img = convert_image_dtype(img, _dt.float32) if not img.is_floating_point() else img
    hsv = _rgb2hsv(img)
    h, s, v = hsv.unbind(dim=-3)
    h = _ops.remainder(h + hue_factor, 1.0)
    out = _hsv2rgb(_ops.stack((h, s, v), dim=-3))
    return convert_image_dtype(out, orig_dtype) if not orig_dtype.is_floating_point else out.to(orig_dtype)


@image_op
def invert(img):
    """Invert the colours: ``max - x`` (1 - x for floats, 255 - x for uint8)."""
    _check_channels(img, (1, 3))
    return (max_value(img.dtype) - img).to(img.dtype)
