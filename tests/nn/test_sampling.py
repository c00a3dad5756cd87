"""Resampling: interpolate (every mode), grid_sample, affine_grid, pixel_(un)shuffle, channel_shuffle
and their modules, against per-pixel NumPy float64 references written here from the formulas;
gradcheck in float64; errors as PyTorch; and an optional compat test against torch itself."""
import itertools
import math

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck

from conftest import assert_close, make, to_np

rng = np.random.default_rng(7)


def randn(*shape):
    return rng.standard_normal(shape)


# ------------------------------------------------------------------------------------------------
# references (per output pixel)
def src_linear(dst, n_in, n_out, align_corners):
    if align_corners:
        return dst * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    return max((dst + 0.5) * n_in / n_out - 0.5, 0.0)


def linear_taps(dst, n_in, n_out, align_corners):
    s = src_linear(dst, n_in, n_out, align_corners)
    i0 = min(int(math.floor(s)), n_in - 1)
    lam = min(max(s - i0, 0.0), 1.0)
    return [(i0, 1 - lam), (min(i0 + 1, n_in - 1), lam)]


def keys_cubic(x, a=-0.75):
    x = abs(x)
    if x <= 1:
        return (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1
    if x < 2:
        return a * x ** 3 - 5 * a * x ** 2 + 8 * a * x - 4 * a
    return 0.0


def cubic_taps(dst, n_in, n_out, align_corners):
    if align_corners:
        s = dst * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    else:
        s = (dst + 0.5) * n_in / n_out - 0.5
    i0 = int(math.floor(s))
    t = s - i0
    return [(min(max(i0 - 1 + k, 0), n_in - 1), keys_cubic(t - (k - 1))) for k in range(4)]


def nearest_taps(dst, n_in, n_out, exact):
    s = ((dst + 0.5) if exact else dst) * n_in / n_out
    return [(min(int(math.floor(s)), n_in - 1), 1.0)]


def ref_interp(x, out_size, mode, align_corners=False):
    nd = x.ndim - 2
    taps_fn = {"nearest": lambda d, a, b: nearest_taps(d, a, b, False),
               "nearest-exact": lambda d, a, b: nearest_taps(d, a, b, True),
               "linear": lambda d, a, b: linear_taps(d, a, b, align_corners),
               "bilinear": lambda d, a, b: linear_taps(d, a, b, align_corners),
               "trilinear": lambda d, a, b: linear_taps(d, a, b, align_corners),
               "bicubic": lambda d, a, b: cubic_taps(d, a, b, align_corners)}[mode]
    S = x.shape[2:]
    out = np.zeros(x.shape[:2] + tuple(out_size))
    for o in itertools.product(*[range(v) for v in out_size]):
        per_dim = [taps_fn(o[i], S[i], out_size[i]) for i in range(nd)]
        acc = 0.0
        for combo in itertools.product(*per_dim):
            w = math.prod(c[1] for c in combo)
            acc = acc + w * x[(slice(None), slice(None)) + tuple(c[0] for c in combo)]
        out[(slice(None), slice(None)) + o] = acc
    return out


def ref_area(x, out_size):
    nd = x.ndim - 2
    S = x.shape[2:]
    out = np.zeros(x.shape[:2] + tuple(out_size))
    for o in itertools.product(*[range(v) for v in out_size]):
        sl = tuple(slice((o[i] * S[i]) // out_size[i], -(-((o[i] + 1) * S[i]) // out_size[i])) for i in range(nd))
        out[(slice(None), slice(None)) + o] = x[(slice(None), slice(None)) + sl].mean(axis=tuple(range(2, 2 + nd)))
    return out


# ------------------------------------------------------------------------------------------------
INTERP = [
    (1, "nearest", (5,), (8,)), (1, "nearest", (6,), (3,)), (1, "nearest-exact", (5,), (7,)),
    (1, "linear", (5,), (8,)), (1, "linear", (8,), (3,)),
    (2, "nearest", (4, 5), (8, 10)), (2, "nearest", (6, 4), (4, 3)), (2, "nearest-exact", (4, 6), (5, 4)),
    (2, "bilinear", (4, 5), (7, 3)), (2, "bilinear", (6, 4), (12, 8)), (2, "bicubic", (4, 5), (8, 7)),
    (2, "bicubic", (6, 6), (3, 4)),
    (3, "nearest", (2, 3, 4), (4, 6, 2)), (3, "trilinear", (2, 3, 4), (3, 5, 2)),
]


@pytest.mark.parametrize("nd,mode,sin,sout", INTERP)
@pytest.mark.parametrize("align_corners", [False, True])
def test_interpolate_matches_reference(device, nd, mode, sin, sout, align_corners):
    if mode.startswith("nearest") and align_corners:
        pytest.skip("align_corners applies to the interpolating modes only")
    x = randn(2, 3, *sin)
    ac = align_corners if not mode.startswith("nearest") else None
    out = F.interpolate(make(x, device), size=sout, mode=mode, align_corners=ac)
    assert_close(out, ref_interp(x, sout, mode, align_corners), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_interpolate_area(device, nd):
    x = randn(2, 3, *(7, 6, 5)[:nd])
    sout = (3, 4, 2)[:nd]
    assert_close(F.interpolate(make(x, device), size=sout, mode="area"), ref_area(x, sout))
    # a scale factor for area recomputes the size (floor(in * scale)) and pools to it
    out = F.interpolate(make(x, device), scale_factor=0.5, mode="area")
    assert_close(out, ref_area(x, tuple(s // 2 for s in x.shape[2:])))


def test_interpolate_scale_factor(device):
    x = randn(1, 2, 4, 6)
    # an integer factor: floor(in * s) outputs, the source index uses 1/s
    out = F.interpolate(make(x, device), scale_factor=2, mode="bilinear")
    assert_close(out, ref_interp(x, (8, 12), "bilinear"))
    out = F.interpolate(make(x, device), scale_factor=(2, 0.5), mode="nearest")
    assert_close(out, x.repeat(2, axis=2)[:, :, :, ::2])
    # a non-integer factor: the kernel uses 1/s, recompute_scale_factor uses in/out instead
    x = randn(1, 1, 5)
    a = to_np(F.interpolate(make(x, device), scale_factor=1.5, mode="linear"))
    ref = np.zeros((1, 1, 7))
    for o in range(7):
        s = max((o + 0.5) / 1.5 - 0.5, 0.0)
        i0 = min(int(s), 4)
        lam = s - i0
        ref[..., o] = (1 - lam) * x[..., i0] + lam * x[..., min(i0 + 1, 4)]
    np.testing.assert_allclose(a, ref, atol=1e-12)
    b = F.interpolate(make(x, device), scale_factor=1.5, mode="linear", recompute_scale_factor=True)
    assert_close(b, ref_interp(x, (7,), "linear"))


def test_interpolate_keeps_dtype_and_identity(device):
    x = randn(1, 2, 3, 3).astype(np.float32)
    out = F.interpolate(make(x, device), size=(3, 3), mode="bilinear")
    assert out.dtype is ember.float32
    assert_close(out, x)
    xi = np.arange(6).reshape(1, 1, 2, 3)
    assert_close(F.interpolate(make(xi, device), scale_factor=2), xi.repeat(2, 2).repeat(2, 3))


@pytest.mark.parametrize("mode,shape,size", [("nearest", (1, 2, 3, 4), (5, 3)), ("bilinear", (1, 2, 3, 4), (5, 3)),
                                             ("bicubic", (1, 1, 4, 4), (5, 3)), ("linear", (2, 2, 5), (7,)),
                                             ("trilinear", (1, 1, 2, 3, 2), (3, 2, 4)), ("area", (1, 2, 5, 4), (2, 3))])
def test_interpolate_gradcheck(device, mode, shape, size):
    x = make(randn(*shape), device, requires_grad=True)
    kw = {"align_corners": True} if mode in ("bilinear", "bicubic") else {}
    assert gradcheck(lambda a: F.interpolate(a, size=size, mode=mode, **kw), (x,))


def test_interpolate_errors(device):
    x = ember.randn(1, 1, 4, 4, device=device)
    with pytest.raises(ValueError, match="align_corners option can only be set with the interpolating modes"):
        F.interpolate(x, scale_factor=2, mode="nearest", align_corners=True)
    with pytest.raises(ValueError, match="only one of size or scale_factor should be defined"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor should be defined"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="Input and output must have the same number of spatial dimensions"):
        F.interpolate(x, size=(3, 3, 3))
    with pytest.raises(ValueError, match="recompute_scale_factor is not meaningful with an explicit size."):
        F.interpolate(x, size=3, recompute_scale_factor=True)
    with pytest.raises(NotImplementedError, match="Got 4D input, but linear mode needs 3D input"):
        F.interpolate(x, size=3, mode="linear")
    with pytest.raises(NotImplementedError, match=r"Input Error: Only 3D, 4D and 5D input Tensors supported "
                       r"\(got 2D\)"):
        F.interpolate(ember.randn(3, 3, device=device), size=3)


# ------------------------------------------------------------------------------------------------
# grid_sample
def _unnorm(c, n, ac):
    return (c + 1) / 2 * (n - 1) if ac else ((c + 1) * n - 1) / 2


def _reflect(c, lo2, hi2):
    if lo2 == hi2:
        return 0.0
    mn, span = lo2 / 2, (hi2 - lo2) / 2
    c = abs(c - mn)
    extra = math.fmod(c, span)
    flips = math.floor(c / span)
    return extra + mn if flips % 2 == 0 else span - extra + mn


def _pad_coord(c, n, pm, ac):
    if pm == "border":
        return min(max(c, 0), n - 1)
    if pm == "reflection":
        c = _reflect(c, 0, 2 * (n - 1)) if ac else _reflect(c, -1, 2 * n - 1)
        return min(max(c, 0), n - 1)
    return c


def ref_grid_sample(x, grid, mode, pm, ac):
    N, C, H, W = x.shape
    Ho, Wo = grid.shape[1:3]
    out = np.zeros((N, C, Ho, Wo))
    for n, i, j in itertools.product(range(N), range(Ho), range(Wo)):
        gx, gy = grid[n, i, j]
        ix = _unnorm(gx, W, ac)
        iy = _unnorm(gy, H, ac)
        if mode == "bicubic":
            x0, y0 = math.floor(ix), math.floor(iy)
            tx, ty = ix - x0, iy - y0
            acc = 0.0
            for a in range(4):
                for b in range(4):
                    yy = int(_pad_coord(y0 - 1 + a, H, pm, ac))
                    xx = int(_pad_coord(x0 - 1 + b, W, pm, ac))
                    if 0 <= yy < H and 0 <= xx < W:
                        acc = acc + keys_cubic(ty - (a - 1)) * keys_cubic(tx - (b - 1)) * x[n, :, yy, xx]
            out[n, :, i, j] = acc
            continue
        ix, iy = _pad_coord(ix, W, pm, ac), _pad_coord(iy, H, pm, ac)
        if mode == "nearest":
            xx, yy = int(np.rint(ix)), int(np.rint(iy))
            if 0 <= xx < W and 0 <= yy < H:
                out[n, :, i, j] = x[n, :, yy, xx]
            continue
        x0, y0 = math.floor(ix), math.floor(iy)
        for dx, dy in itertools.product((0, 1), (0, 1)):
            xx, yy = x0 + dx, y0 + dy
            w = (ix - x0 if dx else 1 - (ix - x0)) * (iy - y0 if dy else 1 - (iy - y0))
            if 0 <= xx < W and 0 <= yy < H:
                out[n, :, i, j] += w * x[n, :, yy, xx]
    return out


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_matches_reference(device, mode, padding_mode, align_corners):
    x = randn(2, 3, 5, 6)
    grid = rng.uniform(-1.4, 1.4, (2, 4, 3, 2))
    out = F.grid_sample(make(x, device), make(grid, device), mode, padding_mode, align_corners)
    assert_close(out, ref_grid_sample(x, grid, mode, padding_mode, align_corners), rtol=1e-6, atol=1e-9)


def test_grid_sample_3d_identity_and_gradcheck(device):
    x = randn(1, 2, 3, 4, 5)
    theta = np.array([[[1., 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]])
    grid = F.affine_grid(make(theta, device), (1, 2, 3, 4, 5), align_corners=False)
    assert_close(F.grid_sample(make(x, device), grid, align_corners=False), x, atol=1e-12)
    assert_close(F.grid_sample(make(x, device), grid, mode="nearest", align_corners=True), x)
    xi = make(randn(1, 1, 2, 3, 3), device, requires_grad=True)
    g = make(rng.uniform(-0.9, 0.9, (1, 2, 2, 1, 3)), device, requires_grad=True)
    assert gradcheck(lambda a, b: F.grid_sample(a, b, align_corners=False, padding_mode="border"), (xi, g))


@pytest.mark.parametrize("mode,pm", [("bilinear", "zeros"), ("bilinear", "reflection"), ("bicubic", "border"),
                                     ("nearest", "zeros")])
def test_grid_sample_gradcheck(device, mode, pm):
    x = make(randn(1, 2, 4, 5), device, requires_grad=True)
    # keep points away from pixel boundaries, where the bilinear weights have kinks
    grid = rng.uniform(-1.1, 1.1, (1, 3, 2, 2))
    grid = make(grid, device, requires_grad=mode != "nearest")
    inputs = (x, grid)
    assert gradcheck(lambda a, b: F.grid_sample(a, b, mode, pm, align_corners=False), inputs, atol=1e-5)


def ref_affine_grid(theta, size, ac):
    N = size[0]
    sp = size[2:]
    nd = len(sp)

    def lin(n):
        if n <= 1:
            return np.zeros(max(n, 1))
        r = np.linspace(-1, 1, n)
        return r if ac else r * (n - 1) / n
    axes = [lin(n) for n in sp]
    out = np.zeros((N, *sp, nd))
    for n in range(N):
        for pos in itertools.product(*[range(v) for v in sp]):
            coords = [axes[d][pos[d]] for d in range(nd)][::-1] + [1.0]      # x (width) first
            out[(n,) + pos] = theta[n] @ np.array(coords)
    return out


@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 3, 4, 2)])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid(device, size, align_corners):
    nd = len(size) - 2
    theta = randn(2, nd, nd + 1)
    out = F.affine_grid(make(theta, device), size, align_corners=align_corners)
    assert_close(out, ref_affine_grid(theta, size, align_corners), atol=1e-12)
    th = make(theta, device, requires_grad=True)
    assert gradcheck(lambda t: F.affine_grid(t, size, align_corners=align_corners), (th,))


def test_grid_errors(device):
    x = ember.randn(1, 1, 3, 3, device=device)
    g = ember.zeros(1, 2, 2, 2, device=device)
    with pytest.raises(ValueError, match="expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: 'foo'"):
        F.grid_sample(x, g, mode="foo", align_corners=False)
    with pytest.raises(ValueError, match="expected padding_mode to be 'zeros', 'border', or 'reflection'"):
        F.grid_sample(x, g, padding_mode="foo", align_corners=False)
    with pytest.warns(UserWarning, match="Default grid_sample and affine_grid behavior has changed"):
        F.grid_sample(x, g)
    with pytest.raises(ValueError, match=r"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                       r"ember.Size\(\[1, 1, 4, 4\]\). Got ember.Size\(\[1, 3, 3\]\)."):
        F.affine_grid(ember.zeros(1, 3, 3, device=device), (1, 1, 4, 4), align_corners=False)
    with pytest.raises(NotImplementedError, match="affine_grid only supports 4D and 5D sizes"):
        F.affine_grid(ember.zeros(1, 2, 3, device=device), (1, 4), align_corners=False)


# ------------------------------------------------------------------------------------------------
# pixel / channel shuffle
def test_pixel_shuffle(device):
    x = randn(2, 18, 3, 4)
    r = 3
    ref = np.zeros((2, 2, 9, 12))
    for n, c, h, w, i, j in itertools.product(range(2), range(2), range(3), range(4), range(r), range(r)):
        ref[n, c, h * r + i, w * r + j] = x[n, c * r * r + i * r + j, h, w]
    out = F.pixel_shuffle(make(x, device), 3)
    assert_close(out, ref)
    assert_close(F.pixel_unshuffle(out, 3), x)
    assert_close(nn.PixelShuffle(3)(make(x[0], device)), ref[0])          # unbatched
    assert gradcheck(lambda a: F.pixel_shuffle(a, 2), (make(randn(1, 4, 2, 3), device, requires_grad=True),))
    with pytest.raises(RuntimeError, match=r"pixel_shuffle expects its input's 'channel' dimension to be divisible "
                       r"by the square of upscale_factor, but input.size\(-3\)=5 is not divisible by 4"):
        F.pixel_shuffle(ember.zeros(1, 5, 2, 2, device=device), 2)
    with pytest.raises(RuntimeError, match=r"pixel_unshuffle expects height to be divisible by downscale_factor, "
                       r"but input.size\(-2\)=5 is not divisible by 2"):
        F.pixel_unshuffle(ember.zeros(1, 1, 5, 4, device=device), 2)


def test_channel_shuffle(device):
    x = randn(2, 6, 3, 2)
    ref = x.reshape(2, 3, 2, 3, 2).transpose(0, 2, 1, 3, 4).reshape(2, 6, 3, 2)
    assert_close(F.channel_shuffle(make(x, device), 3), ref)
    assert_close(nn.ChannelShuffle(3)(make(x, device)), ref)
    assert to_np(F.channel_shuffle(make(np.arange(4.).reshape(1, 4, 1, 1), device), 2)).ravel().tolist() == [0, 2, 1, 3]
    with pytest.raises(RuntimeError, match="Number of channels must be divisible by groups. Got 5 channels and 2 "
                       "groups."):
        F.channel_shuffle(ember.zeros(1, 5, 2, 2, device=device), 2)


def test_sampling_modules(device):
    assert repr(nn.Upsample(scale_factor=2, mode="bilinear")) == "Upsample(scale_factor=2.0, mode='bilinear')"
    assert repr(nn.Upsample(size=(4, 5))) == "Upsample(size=(4, 5), mode='nearest')"
    assert repr(nn.UpsamplingBilinear2d((3, 3))) == "UpsamplingBilinear2d(size=(3, 3), mode='bilinear')"
    assert repr(nn.PixelShuffle(3)) == "PixelShuffle(upscale_factor=3)"
    assert repr(nn.PixelUnshuffle(2)) == "PixelUnshuffle(downscale_factor=2)"
    assert repr(nn.ChannelShuffle(2)) == "ChannelShuffle(groups=2)"
    x = randn(1, 2, 3, 4)
    assert_close(nn.Upsample(size=(5, 7), mode="bilinear")(make(x, device)), ref_interp(x, (5, 7), "bilinear"))
    assert_close(nn.UpsamplingBilinear2d(scale_factor=2)(make(x, device)), ref_interp(x, (6, 8), "bilinear", True))
    assert_close(nn.UpsamplingNearest2d(scale_factor=2)(make(x, device)), x.repeat(2, 2).repeat(2, 3))
    assert nn.Upsample(scale_factor=2).state_dict() == {} or len(nn.Upsample(scale_factor=2).state_dict()) == 0


# ------------------------------------------------------------------------------------------------
def test_compat_with_torch(device):
    """Exact index arithmetic (float32 scales, boundary clamps) against torch itself."""
    torch = pytest.importorskip("torch")
    TF = torch.nn.functional
    cases = []
    for mode, shape in [("nearest", (2, 3, 5, 7)), ("nearest-exact", (2, 3, 5, 7)), ("bilinear", (2, 3, 5, 7)),
                        ("bicubic", (2, 3, 5, 7)), ("area", (2, 3, 5, 7)), ("linear", (2, 3, 9)),
                        ("trilinear", (1, 2, 3, 4, 5))]:
        nd = len(shape) - 2
        for kw in [dict(size=(8, 3, 6)[:nd]), dict(scale_factor=1.7), dict(scale_factor=0.45),
                   dict(scale_factor=(2.5, 0.6, 1.3)[:nd]), dict(scale_factor=1.7, recompute_scale_factor=True)]:
            acs = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
            for ac in acs:
                cases.append((mode, shape, dict(kw, mode=mode, align_corners=ac)))
    for mode, shape, kw in cases:
        x = randn(*shape)
        a = to_np(F.interpolate(make(x, device), **kw))
        b = TF.interpolate(torch.tensor(x), **kw).numpy()
        assert a.shape == b.shape, (mode, kw)
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=str(kw))
    x = randn(2, 3, 5, 6)
    for mode, pm, ac in itertools.product(["bilinear", "nearest", "bicubic"], ["zeros", "border", "reflection"],
                                          [False, True]):
        g = rng.uniform(-1.3, 1.3, (2, 4, 3, 2))
        xa, ga = make(x, device, requires_grad=True), make(g, device, requires_grad=True)
        xb, gb = torch.tensor(x, requires_grad=True), torch.tensor(g, requires_grad=True)
        a = F.grid_sample(xa, ga, mode, pm, ac)
        b = TF.grid_sample(xb, gb, mode, pm, ac)
        np.testing.assert_allclose(to_np(a), b.detach().numpy(), rtol=1e-10, atol=1e-12)
        go = randn(*b.shape)
        (a * make(go, device)).sum().backward()
        (b * torch.tensor(go)).sum().backward()
        np.testing.assert_allclose(to_np(xa.grad), xb.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(to_np(ga.grad), gb.grad.numpy(), rtol=1e-9, atol=1e-10)
