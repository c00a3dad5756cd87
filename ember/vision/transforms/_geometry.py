"""Geometric image functions: flips, padding, crops, resizing, rotation and affine warps.

Written for ``(..., C, H, W)`` tensors; :func:`~._base.image_op` lets each also take NumPy arrays
``(H, W[, C])`` and PIL images. The arithmetic follows torchvision's tensor kernels, so results
match torchvision's on the same tensors (up to float rounding).
"""
import math
import numbers

import numpy as np

from ... import dtypes as _dt
from ... import ops as _ops
from ...nn import functional as _F
from ._base import (InterpolationMode, _interpolation, from_float, get_dimensions, image_op,
                    to_float)

__all__ = ["hflip", "vflip", "pad", "crop", "center_crop", "resize", "resized_crop", "rotate",
           "affine", "five_crop"]


@image_op
def hflip(img):
    """Flip an image left to right."""
    return img.flip(-1)


@image_op
def vflip(img):
    """Flip an image top to bottom."""
    return img.flip(-2)


def _parse_pad_padding(padding):
    """[left, right, top, bottom] from an int or a 1/2/4-sequence (left, top, right, bottom)."""
    if isinstance(padding, int):
        pad_left = pad_right = pad_top = pad_bottom = padding
    elif len(padding) == 1:
        pad_left = pad_right = pad_top = pad_bottom = padding[0]
    elif len(padding) == 2:
        pad_left = pad_right = padding[0]
        pad_top = pad_bottom = padding[1]
    else:
        pad_left, pad_top, pad_right, pad_bottom = padding
    return [int(pad_left), int(pad_right), int(pad_top), int(pad_bottom)]


def _pad_index(n, before, after, mode):
    """Source indices (into 0..n-1) of the n + before + after output positions of one axis."""
    i = np.arange(-before, n + after)
    if mode == "edge":
        return np.clip(i, 0, n - 1)
    if mode == "reflect":            # mirror about the edge pixels: ... 2 1 | 0 1 2 ... n-1 | n-2 ...
        if n == 1:
            return np.zeros_like(i)
        period = 2 * (n - 1)
        i = np.mod(i, period)
        return np.where(i < n, i, period - i)
    # symmetric: mirror including the edge pixels: ... 1 0 | 0 1 2 ... n-1 | n-1 n-2 ...
    period = 2 * n
    i = np.mod(i, period)
    return np.where(i < n, i, period - 1 - i)


def _check_fill(fill, channels):
    if fill is None:
        return None
    if isinstance(fill, numbers.Number):
        return [float(fill)]
    if isinstance(fill, (list, tuple)):
        fill = [float(f) for f in fill]
        if len(fill) not in (1, channels):
            raise ValueError("The number of elements in 'fill' does not match the number of channels of "
                             f"the image ({len(fill)} != {channels})")
        return fill
    raise TypeError("Got inappropriate fill arg")


def _constant_pad(img, pl, pr, pt, pb, fill):
    """Pad with a constant (per-channel when `fill` lists one value per channel); negative crops."""
    h, w = int(img.shape[-2]), int(img.shape[-1])
    # negative amounts crop first
    img = img[..., max(-pt, 0):h - max(-pb, 0), max(-pl, 0):w - max(-pr, 0)]
    pl, pr, pt, pb = max(pl, 0), max(pr, 0), max(pt, 0), max(pb, 0)
    if pl == pr == pt == pb == 0:
        return img
    h, w = int(img.shape[-2]), int(img.shape[-1])
    shape = list(img.shape[:-2]) + [h + pt + pb, w + pl + pr]
    if len(fill) == 1 or img.dim() < 3:
        out = img.new_full(shape, fill[0] if img.dtype.is_floating_point else int(round(fill[0])))
    else:
        vals = _ops.tensor(fill, dtype=_dt.float64).to(img.dtype).to(img.device)
        out = vals.view(-1, 1, 1).expand(*shape).contiguous()
    out[..., pt:pt + h, pl:pl + w] = img
    return out


@image_op
def pad(img, padding, fill=0, padding_mode="constant"):
    r"""Pad an image on all sides.

    Args:
        img: the image.
        padding (int or sequence): one int pads every border; ``(lr, tb)`` pads left/right by
            ``lr`` and top/bottom by ``tb``; ``(left, top, right, bottom)`` each border. Negative
            amounts crop (constant mode).
        fill (number or sequence): the constant of ``"constant"`` mode (one per channel allowed).
        padding_mode (str): ``"constant"``, ``"edge"`` (repeat the border pixel), ``"reflect"``
            (mirror without repeating the border: ``2 1 | 0 1 2``) or ``"symmetric"`` (mirror
            repeating it: ``1 0 | 0 1 2``).
    """
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} "
                         "element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    pl, pr, pt, pb = _parse_pad_padding(padding)
    if padding_mode == "constant":
        return _constant_pad(img, pl, pr, pt, pb, _check_fill(fill, get_dimensions(img)[0]))
    if min(pl, pr, pt, pb) < 0:
        raise ValueError(f"Padding can not be negative for {padding_mode} padding_mode")
    h, w = int(img.shape[-2]), int(img.shape[-1])
    if padding_mode == "reflect" and (max(pt, pb) >= h or max(pl, pr) >= w):
        raise ValueError(f"Padding size should be less than the corresponding input dimension, but got: "
                         f"padding ({pl}, {pr}) at dimension -1 of input {list(img.shape)}"
                         if max(pl, pr) >= w else
                         f"Padding size should be less than the corresponding input dimension, but got: "
                         f"padding ({pt}, {pb}) at dimension -2 of input {list(img.shape)}")
    dev = img.device
    rows = _ops.tensor(_pad_index(h, pt, pb, padding_mode), dtype=_dt.int64, device=dev)
    cols = _ops.tensor(_pad_index(w, pl, pr, padding_mode), dtype=_dt.int64, device=dev)
    return img.index_select(-2, rows).index_select(-1, cols)


@image_op
def crop(img, top, left, height, width):
    """Crop the box at (`top`, `left`) of size (`height`, `width`); parts outside the image are 0."""
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        pad_ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                    max(right - max(w, left), 0), max(bottom - max(h, top), 0)]
        return pad(img[..., max(top, 0):bottom, max(left, 0):right], pad_ltrb, fill=0)
    return img[..., top:bottom, left:right]


@image_op
def center_crop(img, output_size):
    """Crop the centre of an image; an image smaller than `output_size` is zero-padded first."""
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = output_size
    if crop_width > image_width or crop_height > image_height:
        padding_ltrb = [
            (crop_width - image_width) // 2 if crop_width > image_width else 0,
            (crop_height - image_height) // 2 if crop_height > image_height else 0,
            (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
            (crop_height - image_height + 1) // 2 if crop_height > image_height else 0,
        ]
        img = pad(img, padding_ltrb, fill=0)
        _, image_height, image_width = get_dimensions(img)
        if crop_width == image_width and crop_height == image_height:
            return img
    crop_top = int(round((image_height - crop_height) / 2.0))
    crop_left = int(round((image_width - crop_width) / 2.0))
    return crop(img, crop_top, crop_left, crop_height, crop_width)


# ------------------------------------------------------------------------------------- resize
def _compute_resized_output_size(image_size, size, max_size=None):
    h, w = image_size
    if size is None or (isinstance(size, (list, tuple)) and len(size) == 0):
        raise ValueError("If size is None or empty, max_size must be given")
    if isinstance(size, int) or len(size) == 1:
        requested = size if isinstance(size, int) else size[0]
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size "
                                 f"for the smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    else:
        if max_size is not None:
            raise ValueError("max_size should only be passed if size specifies the length of the smaller "
                             "edge, i.e. size should be an int or a sequence of length 1 in torchscript mode.")
        new_h, new_w = size
    return [int(new_h), int(new_w)]


def _filter_linear(x):
    x = np.abs(x)
    return np.where(x < 1.0, 1.0 - x, 0.0)


def _filter_cubic(x, a=-0.5):
    x = np.abs(x)
    return np.where(x < 1.0, ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0,
                    np.where(x < 2.0, ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a, 0.0))


def _aa_weights(n_in, n_out, interp_size, filt):
    """(n_out, n_in) antialiased resampling matrix (Pillow's / PyTorch's ``antialias=True``)."""
    scale = n_in / n_out
    support = interp_size / 2.0 * (scale if scale >= 1.0 else 1.0)
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    W = np.zeros((n_out, n_in))
    for i in range(n_out):
        center = scale * (i + 0.5)
        xmin = max(int(center - support + 0.5), 0)
        xmax = min(int(center + support + 0.5), n_in)
        j = np.arange(xmin, xmax)
        w = filt((j - center + 0.5) * invscale)
        total = w.sum()
        W[i, xmin:xmax] = w / total if total != 0 else w
    return W


def _bilinear_weights(n_in, n_out):
    """(n_out, n_in) bilinear resampling matrix (``align_corners=False``, no antialiasing)."""
    scale = n_in / n_out
    W = np.zeros((n_out, n_in))
    src = np.maximum((np.arange(n_out) + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam = src - i0
    rows = np.arange(n_out)
    np.add.at(W, (rows, i0), 1.0 - lam)
    np.add.at(W, (rows, i1), lam)
    return W


def _nearest_index(n_in, n_out, exact):
    scale = n_in / n_out
    i = np.arange(n_out)
    src = np.floor((i + 0.5) * scale) if exact else np.floor(i * scale)
    return np.minimum(src.astype(np.int64), n_in - 1)


def _resample_last(x, W):
    """Resample the last dimension of `x` with the (n_out, n_in) matrix `W`, as gathered taps.

    Each output sample mixes a few neighbouring inputs, so instead of a mostly-zero matmul the
    K non-zero taps per row are gathered with one index_select and summed (any device).
    """
    n_out = W.shape[0]
    nz = W != 0
    K = max(int(nz.sum(axis=1).max()), 1)
    idx = np.zeros((n_out, K), dtype=np.int64)
    wts = np.zeros((n_out, K))
    for i in range(n_out):
        cols = np.flatnonzero(nz[i])
        idx[i, :len(cols)] = cols
        wts[i, :len(cols)] = W[i, cols]
    taps = x.index_select(-1, _ops.tensor(idx.ravel(), dtype=_dt.int64, device=x.device))
    taps = taps.reshape(*x.shape[:-1], n_out, K)
    return (taps * _ops.tensor(wts, dtype=x.dtype, device=x.device)).sum(-1)


def _resize_tensor(img, out_h, out_w, mode, antialias):
    h, w = int(img.shape[-2]), int(img.shape[-1])
    if (out_h, out_w) == (h, w):
        return img.clone()
    dev = img.device
    if mode in (InterpolationMode.NEAREST, InterpolationMode.NEAREST_EXACT):
        exact = mode is InterpolationMode.NEAREST_EXACT
        rows = _ops.tensor(_nearest_index(h, out_h, exact), dtype=_dt.int64, device=dev)
        cols = _ops.tensor(_nearest_index(w, out_w, exact), dtype=_dt.int64, device=dev)
        return img.index_select(-2, rows).index_select(-1, cols)
    if mode not in (InterpolationMode.BILINEAR, InterpolationMode.BICUBIC):
        raise ValueError(f"Resize supports nearest, nearest-exact, bilinear and bicubic interpolation, "
                         f"got {mode.value}")
    x, dtype = to_float(img)
    if mode is InterpolationMode.BICUBIC and not antialias:
        lead = x.shape[:-2]
        y = _F.interpolate(x.reshape(-1, 1, h, w), size=(out_h, out_w), mode="bicubic",
                           align_corners=False).reshape(*lead, out_h, out_w)
    else:
        # separable resampling: y = Wh @ x @ Ww^T, the weights built once in float64
        def weights(n_in, n_out):
            if mode is InterpolationMode.BICUBIC:
                return _aa_weights(n_in, n_out, 4, _filter_cubic)
            if antialias:
                return _aa_weights(n_in, n_out, 2, _filter_linear)
            return _bilinear_weights(n_in, n_out)
        y = x
        if out_w != w:
            y = _resample_last(y, weights(w, out_w))
        if out_h != h:
            y = _resample_last(y.transpose(-1, -2), weights(h, out_h)).transpose(-1, -2)
    if mode is InterpolationMode.BICUBIC and not dtype.is_floating_point:
        y = y.clamp(0, 255)
    return from_float(y, dtype)


@image_op
def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    r"""Resize an image.

    Args:
        img: the image.
        size (int or sequence): ``(h, w)`` for an exact size; an int matches the smaller edge to it,
            keeping the aspect ratio.
        interpolation (InterpolationMode or str): ``nearest``, ``nearest-exact``, ``bilinear``
            (default) or ``bicubic``.
        max_size (int, optional): with an int `size`, the longer edge is capped at this.
        antialias (bool): low-pass filter when downsampling, as Pillow and torchvision do (default).
    """
    mode = _interpolation(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in (1, 2):
            raise ValueError(f"Size must be an int or a 1 or 2 element tuple/list, not a {len(size)} "
                             "element tuple/list")
    elif not isinstance(size, int):
        raise TypeError(f"Size should be int or sequence. Got {type(size)}")
    _, h, w = get_dimensions(img)
    out_h, out_w = _compute_resized_output_size((h, w), size, max_size)
    return _resize_tensor(img, out_h, out_w, mode, bool(antialias))


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR,
                 antialias=True):
    """Crop the box (`top`, `left`, `height`, `width`), then resize it to `size`."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def five_crop(img, size):
    """(top-left, top-right, bottom-left, bottom-right, centre) crops of `size`."""
    if isinstance(size, numbers.Number):
        size = (int(size), int(size))
    elif isinstance(size, (tuple, list)) and len(size) == 1:
        size = (size[0], size[0])
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = size
    if crop_width > image_width or crop_height > image_height:
        raise ValueError(f"Requested crop size {size} is bigger than input size {(image_height, image_width)}")
    tl = crop(img, 0, 0, crop_height, crop_width)
    tr = crop(img, 0, image_width - crop_width, crop_height, crop_width)
    bl = crop(img, image_height - crop_height, 0, crop_height, crop_width)
    br = crop(img, image_height - crop_height, image_width - crop_width, crop_height, crop_width)
    return tl, tr, bl, br, center_crop(img, [crop_height, crop_width])


# --------------------------------------------------------------------------- rotation, affine
def _get_inverse_affine_matrix(center, angle, translate, scale, shear, inverted=True):
    """The 2x3 matrix mapping output pixel coordinates (relative to the centre) to input ones.

    The forward map is ``T * C * RotateScaleShear * C^-1`` (T: translation, C: the centre);
    angle and shear are in degrees.
    """
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    if inverted:
        matrix = [d, -b, 0.0, -c, a, 0.0]
        matrix = [x / scale for x in matrix]
        matrix[2] += matrix[0] * (-cx - tx) + matrix[1] * (-cy - ty)
        matrix[5] += matrix[3] * (-cx - tx) + matrix[4] * (-cy - ty)
        matrix[2] += cx
        matrix[5] += cy
    else:
        matrix = [a, b, 0.0, c, d, 0.0]
        matrix = [x * scale for x in matrix]
        matrix[2] += matrix[0] * (-cx) + matrix[1] * (-cy)
        matrix[5] += matrix[3] * (-cx) + matrix[4] * (-cy)
        matrix[2] += cx + tx
        matrix[5] += cy + ty
    return matrix


def _compute_affine_output_size(matrix, w, h):
    """The (width, height) that holds the whole warped image (``expand=True``)."""
    pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                    [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]], dtype=np.float32)
    theta = np.array(matrix, dtype=np.float32).reshape(2, 3)
    new_pts = pts @ theta.T
    # shifted to [0, w] x [0, h] (as Pillow), so half-pixel extents round the same way
    halfs = np.array([0.5 * w, 0.5 * h], dtype=np.float32)
    min_vals, max_vals = new_pts.min(axis=0) + halfs, new_pts.max(axis=0) + halfs
    tol = 1e-4
    cmax = np.ceil(np.trunc(max_vals / tol) * tol)
    cmin = np.floor(np.trunc(min_vals / tol) * tol)
    size = cmax - cmin
    return int(size[0]), int(size[1])


def _affine_grid(matrix, w, h, ow, oh):
    """The (1, oh, ow, 2) sampling grid of grid_sample (align_corners=False) for the inverse map."""
    theta = np.array(matrix, dtype=np.float64).reshape(1, 2, 3)
    d = 0.5
    xs = np.linspace(-ow * 0.5 + d, ow * 0.5 + d - 1, num=ow)
    ys = np.linspace(-oh * 0.5 + d, oh * 0.5 + d - 1, num=oh)
    base = np.empty((oh, ow, 3))
    base[..., 0] = xs[None, :]
    base[..., 1] = ys[:, None]
    base[..., 2] = 1.0
    rescaled = theta[0].T / np.array([0.5 * w, 0.5 * h])
    return (base.reshape(oh * ow, 3) @ rescaled).reshape(1, oh, ow, 2)


def _apply_grid_transform(img, grid_np, mode, fill):
    """Sample `img` (..., C, H, W) at `grid_np`; points outside take `fill` (zeros when None)."""
    x, dtype = to_float(img)
    lead, (c, h, w) = tuple(x.shape[:-3]), tuple(int(s) for s in x.shape[-3:])
    x = x.reshape(-1, c, h, w)
    n = int(x.shape[0])
    oh, ow = grid_np.shape[1:3]
    grid = _ops.tensor(grid_np, dtype=x.dtype, device=x.device).expand(n, oh, ow, 2)
    if fill is not None:
        x = _ops.cat([x, _ops.ones((n, 1, h, w), dtype=x.dtype, device=x.device)], 1)
    out = _F.grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        mask = out[:, -1:]
        out = out[:, :-1]
        fill_img = _ops.tensor(fill if len(fill) == c else fill * c, dtype=out.dtype,
                               device=out.device).view(1, c, 1, 1)
        if mode == "nearest":
            keep = (mask >= 0.5).to(out.dtype)
            out = out * keep + (1.0 - keep) * fill_img
        else:
            out = out * mask + (1.0 - mask) * fill_img
    out = out.reshape(*lead, c, oh, ow)
    return from_float(out, dtype)


def _grid_mode(interpolation):
    mode = _interpolation(interpolation)
    if mode not in (InterpolationMode.NEAREST, InterpolationMode.BILINEAR):
        raise ValueError(f"Only nearest and bilinear interpolation are supported here, got {mode.value}")
    return mode.value


@image_op
def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    r"""Rotate an image by `angle` degrees counter-clockwise.

    Args:
        img: the image.
        angle (float): degrees, counter-clockwise.
        interpolation: ``nearest`` (default) or ``bilinear``.
        expand (bool): grow the output to hold the whole rotated image (else keep the size).
        center (sequence, optional): the ``(x, y)`` pixel to rotate about (default: the centre).
        fill (number or sequence, optional): the value of pixels that come from outside the image.
    """
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    mode = _grid_mode(interpolation)
    c, h, w = get_dimensions(img)
    center_f = [0.0, 0.0]
    if center is not None:
        center_f = [1.0 * (cc - s * 0.5) for cc, s in zip(center, [w, h])]
    matrix = _get_inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    ow, oh = _compute_affine_output_size(matrix, w, h) if expand else (w, h)
    return _apply_grid_transform(img, _affine_grid(matrix, w, h, ow, oh), mode, _check_fill(fill, c))


@image_op
def affine(img, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST, fill=None,
           center=None):
    r"""Apply an affine map keeping the image centre fixed (rotation clockwise, as torchvision).

    Args:
        img: the image.
        angle (float): rotation in degrees, clockwise.
        translate (sequence of 2 ints): horizontal and vertical translation in pixels.
        scale (float): overall scale.
        shear (float or sequence): shear angle(s) in degrees (x, or (x, y)).
        interpolation: ``nearest`` (default) or ``bilinear``.
        fill (number or sequence, optional): the value of pixels from outside the image.
        center (sequence, optional): the ``(x, y)`` centre of the map (default: image centre).
    """
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)) or len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if isinstance(shear, numbers.Number):
        shear = [shear, 0.0]
    shear = [float(s) for s in shear]
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    mode = _grid_mode(interpolation)
    c, h, w = get_dimensions(img)
    center_f = [0.0, 0.0]
    if center is not None:
        center_f = [1.0 * (cc - s * 0.5) for cc, s in zip(center, [w, h])]
    translate_f = [1.0 * t for t in translate]
    matrix = _get_inverse_affine_matrix(center_f, float(angle), translate_f, float(scale), shear)
    return _apply_grid_transform(img, _affine_grid(matrix, w, h, w, h), mode, _check_fill(fill, c))
