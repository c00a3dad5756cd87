"""Resampling: interpolate / upsample, grid_sample, affine_grid, pixel_shuffle, channel_shuffle.

All are composites of ember ops, so autograd derives their backward on any device:

* interpolate is separable. Along each resized dim the source taps and their weights depend only
  on the sizes, so they are computed once here (with PyTorch's index arithmetic, in the input's
  "opmath" precision: float32 for float32/half inputs), and the dim is resampled by
  ``sum_k index_select(x, dim, idx_k) * w_k`` (1 tap for nearest, 2 for linear, 4 for cubic);
  'area' is adaptive average pooling.
* grid_sample gathers the corner values of each sampling point from the flattened planes and
  weights them with ember ops of the grid, so the gradient reaches both input and grid.
"""
import itertools
import math
import warnings

import numpy as np

import ember
from ...tensor import Tensor

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "grid_sample", "affine_grid",
           "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle"]

_CUBIC_A = -0.75


# ------------------------------------------------------------------------------------------------
# source indices (PyTorch's UpSample.h arithmetic)
def _opmath(dtype):
    return np.float64 if dtype is ember.float64 else np.float32


def _scale(in_size, out_size, align_corners, scale, ft):
    """area_pixel_compute_scale."""
    if align_corners:
        return ft((in_size - 1) / (out_size - 1)) if out_size > 1 else ft(0)
    if scale is not None and scale > 0:
        return ft(1.0 / scale)
    return ft(in_size) / ft(out_size)


def _nearest_taps(n_in, n_out, scale, exact):
    if not exact and n_out == n_in:
        return [np.arange(n_out)], None
    if not exact and n_out == 2 * n_in:
        return [np.arange(n_out) >> 1], None
    s = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(n_in) / np.float32(n_out)
    i = np.arange(n_out, dtype=np.float32)
    src = np.floor(((i + np.float32(0.5)) if exact else i) * s).astype(np.int64)
    return [np.minimum(src, n_in - 1)], None


def _linear_taps(n_in, n_out, align_corners, scale, ft):
    s = _scale(n_in, n_out, align_corners, scale, ft)
    i = np.arange(n_out, dtype=ft)
    if align_corners:
        real = s * i
    else:
        real = np.maximum(s * (i + ft(0.5)) - ft(0.5), ft(0))
    i0 = np.minimum(np.floor(real).astype(np.int64), n_in - 1)
    lam = np.clip(real - i0.astype(ft), 0, 1).astype(ft)
    i1 = i0 + (i0 < n_in - 1)
    return [i0, i1], [(ft(1) - lam), lam]


def _cubic_coeffs(t, ft):
    A = ft(_CUBIC_A)

    def c1(x):
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def c2(x):
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
    one = ft(1)
    return [c2(t + one), c1(t), c1(one - t), c2(one - t + one)]


def _cubic_taps(n_in, n_out, align_corners, scale, ft):
    s = _scale(n_in, n_out, align_corners, scale, ft)
    i = np.arange(n_out, dtype=ft)
    real = s * i if align_corners else s * (i + ft(0.5)) - ft(0.5)
    i0 = np.minimum(np.floor(real).astype(np.int64), n_in - 1)
    t = np.clip(real - i0.astype(ft), 0, 1).astype(ft)
    idx = [np.clip(i0 - 1 + k, 0, n_in - 1) for k in range(4)]
    return idx, _cubic_coeffs(t, ft)


def _resample(x, dim, idx, weights):
    """sum_k index_select(x, dim, idx_k) * w_k (weights broadcast along `dim`)."""
    dev = x.device
    shape = [1] * x.dim()
    shape[dim] = -1
    out = None
    for k, ik in enumerate(idx):
        v = x.index_select(dim, ember.tensor(ik.astype(np.int64), device=dev))
        if weights is not None:
            v = v * ember.tensor(weights[k], dtype=x.dtype, device=dev).view(shape)
        out = v if out is None else out + v
    return out


# ------------------------------------------------------------------------------------------------
# interpolate
_INTERP_MODES = "nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact"


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    r"""Down/up samples the input to the given ``size`` or by the given ``scale_factor``.

    Args:
        input (Tensor): :math:`(N, C, *)` with 1 to 3 spatial dims
        size (int or Tuple[int]): output spatial size
        scale_factor (float or Tuple[float]): multiplier for the spatial size
        mode (str): ``'nearest'`` | ``'linear'`` | ``'bilinear'`` | ``'bicubic'`` | ``'trilinear'`` |
            ``'area'`` | ``'nearest-exact'``. Default: ``'nearest'``
        align_corners (bool, optional): for the linear and cubic modes, whether the corner pixels of
            input and output are aligned (their centres coincide). Default: ``False``
        recompute_scale_factor (bool, optional): compute the output size from ``scale_factor`` and use
            the size alone (the scale is not passed to the index arithmetic)
        antialias (bool): not supported (must be ``False``)

    Examples::

        >>> x = ember.arange(4.).view(1, 1, 2, 2)
        >>> F.interpolate(x, scale_factor=2, mode="nearest").shape
        ember.Size([1, 1, 4, 4])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate(): argument 'input' must be Tensor, not {type(input).__name__}")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError("Input and output must have the same number of spatial dimensions, but got "
                                 f"input with spatial dimensions of {list(input.shape[2:])} and output size of "
                                 f"{size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                                 "output size in (o1, o2, ...,oK) format.")
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size)] * dim
        scale_factors = None
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError("Input and scale_factor must have the same number of spatial dimensions, but "
                                 f"got input with spatial dimensions of {list(input.shape[2:])} and "
                                 f"scale_factor of shape {scale_factor}. Please provide input tensor in (N, C, "
                                 "d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            scale_factors = [float(s) for s in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [math.floor(float(input.shape[i + 2]) * scale_factors[i]) for i in range(dim)]
        scale_factors = None
    if antialias:
        if not (mode in ("bilinear", "bicubic") and input.dim() == 4):
            raise ValueError("Anti-alias option is restricted to bilinear and bicubic modes and requires a "
                             "4-D tensor as input")
        raise NotImplementedError("interpolate(): antialias=True is not supported by ember")
    need = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4}
    if mode in need and input.dim() != need[mode]:
        if input.dim() in (3, 4, 5):
            raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {need[mode]}D input")
    if input.dim() not in (3, 4, 5) or mode not in ("nearest", "nearest-exact", "area") + tuple(need):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) "
                                  f"for the modes: {_INTERP_MODES} (got {mode})")
    in_sizes = list(input.shape[2:])
    if output_size is None:
        output_size = [int(math.floor(float(n) * s)) for n, s in zip(in_sizes, scale_factors)]
    if any(o <= 0 for o in output_size):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({', '.join(map(str, ['D', 'H', 'W'][3 - dim:]))}): "
                           f"({', '.join(map(str, in_sizes))}) output "
                           f"({', '.join(map(str, ['D', 'H', 'W'][3 - dim:]))}): ({', '.join(map(str, output_size))})")
    if mode == "area":
        from ._pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[dim - 1](input, output_size)
    if not input.dtype.is_floating_point and mode not in ("nearest", "nearest-exact"):
        raise RuntimeError(f"\"upsample_{mode}{dim}d_out_frame\" not implemented for '{input.dtype}'")
    ft = _opmath(input.dtype)
    x = input
    for d in range(dim):
        n_in, n_out = in_sizes[d], output_size[d]
        sc = scale_factors[d] if scale_factors is not None else None
        if mode in ("nearest", "nearest-exact"):
            idx, w = _nearest_taps(n_in, n_out, sc, mode == "nearest-exact")
        elif mode == "bicubic":
            idx, w = _cubic_taps(n_in, n_out, align_corners, sc, ft)
        else:
            idx, w = _linear_taps(n_in, n_out, align_corners, sc, ft)
        if w is None and n_in == n_out:
            continue
        x = _resample(x, 2 + d, idx, w)
    return x if x is not input else input.clone()


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    r"""Deprecated alias of :func:`interpolate` (warns, as PyTorch)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    r"""Deprecated: ``interpolate(..., mode='nearest')``."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    r"""Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ------------------------------------------------------------------------------------------------
# grid_sample / affine_grid
def _unnormalize(coord, size, align_corners):
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _reflect(coord, twice_low, twice_high):
    if twice_low == twice_high:
        return coord * 0
    lo = twice_low / 2
    span = (twice_high - twice_low) / 2
    c = (coord - lo).abs()
    extra = ember.fmod(c, span)
    flips = ember.floor(c / span).detach()
    even = ember.remainder(flips, 2) == 0
    return ember.where(even, extra + lo, span - extra + lo)


def _apply_padding(coord, size, padding_mode, align_corners):
    """compute_coordinates: clip (border) or reflect-then-clip (reflection); zeros keeps it."""
    if padding_mode == "border":
        return coord.clamp(0, size - 1)
    if padding_mode == "reflection":
        if align_corners:
            coord = _reflect(coord, 0, 2 * (size - 1))
        else:
            coord = _reflect(coord, -1, 2 * size - 1)
        return coord.clamp(0, size - 1)
    return coord


def _gather_points(flat, idx_list, sizes, valid=None):
    """Values of flat (N, C, prod(sizes)) at integer coordinates (each (N, L) int64, clamped here)."""
    N, C = flat.shape[0], flat.shape[1]
    lin = None
    stride = 1
    for d in range(len(sizes) - 1, -1, -1):
        i = idx_list[d].clamp(0, sizes[d] - 1)
        lin = i * stride if lin is None else lin + i * stride
        stride *= sizes[d]
    L = lin.shape[1]
    return flat.gather(2, lin.view(N, 1, L).expand(N, C, L))


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    r"""Samples ``input`` at the normalized locations of ``grid`` (spatial transformer networks).

    Args:
        input (Tensor): :math:`(N, C, H_{in}, W_{in})` or :math:`(N, C, D_{in}, H_{in}, W_{in})`
        grid (Tensor): :math:`(N, H_{out}, W_{out}, 2)` or :math:`(N, D_{out}, H_{out}, W_{out}, 3)`,
            x (width) first, in [-1, 1]
        mode (str): ``'bilinear'`` | ``'nearest'`` | ``'bicubic'`` (4-D only). Default: ``'bilinear'``
        padding_mode (str): ``'zeros'`` | ``'border'`` | ``'reflection'``. Default: ``'zeros'``
        align_corners (bool, optional): -1 and 1 are the centres (True) or the outer edges (False) of
            the corner pixels. Default: ``False``

    Examples::

        >>> theta = ember.tensor([[[1., 0, 0], [0, 1, 0]]])
        >>> grid = F.affine_grid(theta, (1, 1, 3, 3), align_corners=False)
        >>> x = ember.arange(9.).view(1, 1, 3, 3)
        >>> ember.allclose(F.grid_sample(x, grid, align_corners=False), x)
        True
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since "
                      "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
                      "documentation of grid_sample for details.", stacklevel=2)
        align_corners = False
    if input.dim() not in (4, 5):
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    nd = input.dim() - 2
    if grid.dim() != input.dim():
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same number of dimensions, but got "
                           f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if grid.shape[-1] != nd:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {nd} in last dimension, but got grid with "
                           f"sizes {list(grid.shape)}")
    if mode == "bicubic" and nd != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if input.dtype is not grid.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but input has "
                           f"{input.dtype} and grid has {grid.dtype}")
    for i in range(2, input.dim()):
        if input.shape[i] <= 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input "
                               f"has sizes {list(input.shape)} with dimension {i} being empty")
    N, C = input.shape[0], input.shape[1]
    sizes = list(input.shape[2:])
    out_sp = list(grid.shape[1:-1])
    L = math.prod(out_sp)
    flat = input.reshape(N, C, -1)
    g = grid.reshape(N, L, nd)
    # coordinate along spatial dim d (D, H, W order) is grid[..., nd - 1 - d] (x is the width)
    coords = [_unnormalize(g[:, :, nd - 1 - d], sizes[d], align_corners) for d in range(nd)]
    if mode == "bicubic":
        out = _grid_bicubic(flat, coords, sizes, padding_mode, align_corners)
    else:
        coords = [_apply_padding(c, n, padding_mode, align_corners) for c, n in zip(coords, sizes)]
        if mode == "nearest":
            idx = [ember.round(c).detach().long() for c in coords]
            valid = None
            for i, n in zip(idx, sizes):
                v = (i >= 0) & (i < n)
                valid = v if valid is None else valid & v
            vals = _gather_points(flat, idx, sizes)
            w = valid.to(input.dtype)
            if grid.requires_grad:      # the grid gets a zero gradient (as PyTorch), not None
                w = w + (coords[0] - coords[0].detach()) * 0
            out = vals * w.unsqueeze(1)
        else:
            lo = [ember.floor(c).detach() for c in coords]
            frac = [c - f for c, f in zip(coords, lo)]         # weight of the upper corner
            out = None
            for corner in itertools.product((0, 1), repeat=nd):
                idx, w, valid = [], None, None
                for d, bit in enumerate(corner):
                    i = (lo[d] + bit).long()
                    idx.append(i)
                    wd = frac[d] if bit else 1 - frac[d]
                    w = wd if w is None else w * wd
                    v = (i >= 0) & (i < sizes[d])
                    valid = v if valid is None else valid & v
                w = w * valid.to(w.dtype)
                term = _gather_points(flat, idx, sizes) * w.unsqueeze(1)
                out = term if out is None else out + term
    return out.reshape([N, C] + out_sp)


def _grid_bicubic(flat, coords, sizes, padding_mode, align_corners):
    """4x4 taps around each point; each tap's coordinate is padded (and bounds-checked) on its own."""
    A = _CUBIC_A
    fl = [ember.floor(c).detach() for c in coords]
    ts = [c - f for c, f in zip(coords, fl)]

    def coeffs(t):
        def c1(x):
            return ((A + 2) * x - (A + 3)) * x * x + 1

        def c2(x):
            return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
        return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)]
    cy, cx = coeffs(ts[0]), coeffs(ts[1])
    out = None
    for a in range(4):
        yc = _apply_padding(fl[0] - 1 + a, sizes[0], padding_mode, align_corners)
        yi = yc.long()
        for b in range(4):
            xc = _apply_padding(fl[1] - 1 + b, sizes[1], padding_mode, align_corners)
            xi = xc.long()
            valid = (yi >= 0) & (yi < sizes[0]) & (xi >= 0) & (xi < sizes[1])
            w = cy[a] * cx[b] * valid.to(flat.dtype)
            term = _gather_points(flat, [yi, xi], sizes) * w.unsqueeze(1)
            out = term if out is None else out + term
    return out


def _linspace_neg_one(n, align_corners, dtype, device):
    if n <= 1:
        return ember.zeros(1, dtype=dtype, device=device) if n == 1 else ember.zeros(0, dtype=dtype, device=device)
    r = ember.linspace(-1, 1, n, dtype=dtype, device=device)
    if not align_corners:
        r = r * (n - 1) / n
    return r


def affine_grid(theta, size, align_corners=None):
    r"""Generates the sampling grid of a batch of affine matrices (for :func:`grid_sample`).

    Args:
        theta (Tensor): :math:`(N, 2, 3)` for 2D or :math:`(N, 3, 4)` for 3D affine matrices
        size (ember.Size or list): the target output size :math:`(N, C, H, W)` or :math:`(N, C, D, H, W)`
        align_corners (bool, optional): as :func:`grid_sample`. Default: ``False``

    Returns:
        the grid, :math:`(N, H, W, 2)` or :math:`(N, D, H, W, 3)`

    Examples::

        >>> F.affine_grid(ember.eye(2, 3).unsqueeze(0), (1, 1, 2, 2), align_corners=True)[0, 0]
        tensor([[-1., -1.],
                [ 1., -1.]])
    """
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to align_corners=False since "
                      "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
                      "documentation of grid_sample for details.", stacklevel=2)
        align_corners = False
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = [int(s) for s in size]
    from ...tensor import Size
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {Size(size)!r}. "
                             f"Got {theta.shape!r}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {Size(size)!r}. "
                             f"Got {theta.shape!r}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {Size(size)!r}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the "
                      "documentation of affine_grid for details.", stacklevel=2)
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    N = size[0]
    nd = len(spatial)
    dt, dev = theta.dtype, theta.device
    # base grid (*spatial, nd + 1): x (width) first, then y, (z), then 1
    axes = [_linspace_neg_one(n, align_corners, dt, dev) for n in spatial]     # D/H/W order
    mesh = ember.meshgrid(*axes, indexing="ij")
    cols = [mesh[nd - 1 - k] for k in range(nd)] + [ember.ones(tuple(spatial), dtype=dt, device=dev)]
    base = ember.stack(cols, -1).reshape(1, -1, nd + 1)
    grid = ember.matmul(base, theta.transpose(1, 2))                 # (N, prod, nd)
    return grid.reshape([N] + spatial + [nd])


# ------------------------------------------------------------------------------------------------
# pixel_shuffle / channel_shuffle
def pixel_shuffle(input, upscale_factor):
    r"""Rearranges :math:`(*, C \times r^2, H, W)` into :math:`(*, C, H \times r, W \times r)`.

    Examples::

        >>> F.pixel_shuffle(ember.randn(1, 9, 4, 4), 3).shape
        ember.Size([1, 1, 12, 12])
    """
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c, h, w = input.shape[-3:]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
                           f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    lead = list(input.shape[:-3])
    n = len(lead)
    x = input.reshape(lead + [c // (r * r), r, r, h, w])
    x = x.permute(list(range(n)) + [n, n + 3, n + 1, n + 4, n + 2])
    return x.reshape(lead + [c // (r * r), h * r, w * r])


def pixel_unshuffle(input, downscale_factor):
    r"""Reverses :func:`pixel_shuffle`: :math:`(*, C, H \times r, W \times r)` to :math:`(*, C \times r^2, H, W)`.

    Examples::

        >>> F.pixel_unshuffle(ember.randn(1, 1, 12, 12), 3).shape
        ember.Size([1, 9, 4, 4])
    """
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    c, h, w = input.shape[-3:]
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but "
                           f"input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but "
                           f"input.size(-1)={w} is not divisible by {r}")
    lead = list(input.shape[:-3])
    n = len(lead)
    x = input.reshape(lead + [c, h // r, r, w // r, r])
    x = x.permute(list(range(n)) + [n, n + 2, n + 4, n + 1, n + 3])
    return x.reshape(lead + [c * r * r, h // r, w // r])


def channel_shuffle(input, groups):
    r"""Divides the channels of :math:`(N, C, *)` into ``groups`` and interleaves them
    (``(N, g, C/g, *) -> (N, C/g, g, *)``), as in ShuffleNet.

    Examples::

        >>> F.channel_shuffle(ember.arange(4.).view(1, 4, 1, 1), 2).flatten()
        tensor([0., 2., 1., 3.])
    """
    g = int(groups)
    if input.dim() < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if g <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{g}")
    n, c = input.shape[0], input.shape[1]
    if c % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {g} groups.")
    rest = list(input.shape[2:])
    x = input.reshape([n, g, c // g] + rest).transpose(1, 2)
    return x.reshape([n, c] + rest)


native_channel_shuffle = channel_shuffle
