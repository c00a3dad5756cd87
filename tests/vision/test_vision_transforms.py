"""ember.vision.transforms against NumPy float64 references, on tensors (each device), NumPy arrays
and (when Pillow is installed) PIL images."""
import colorsys
import math

import numpy as np
import pytest

import ember
from ember.vision import transforms as T
from ember.vision.transforms import functional as F

from conftest import make, to_np


def rand_img(c=3, h=6, w=7, seed=0):
    return np.random.default_rng(seed).random((c, h, w))


# ------------------------------------------------------------------------------ conversions
def test_to_tensor_uint8_and_float_arrays():
    rng = np.random.default_rng(0)
    hwc = rng.integers(0, 256, size=(4, 5, 3), dtype=np.uint8)
    t = T.ToTensor()(hwc)
    assert t.dtype == ember.float32 and t.shape == (3, 4, 5)
    np.testing.assert_allclose(t.numpy(), hwc.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    t = F.to_tensor(hwc[:, :, 0])                          # (H, W) -> (1, H, W)
    assert t.shape == (1, 4, 5)
    f = rng.random((4, 5, 2))
    t = F.to_tensor(f)                                     # float arrays keep their values and dtype
    assert t.dtype == ember.float64
    np.testing.assert_array_equal(t.numpy(), f.transpose(2, 0, 1))
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        F.to_tensor(ember.zeros(3, 2, 2))
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional. Got 4 dimensions."):
        F.to_tensor(np.zeros((1, 2, 2, 3), np.uint8))
    u = T.PILToTensor()(hwc)
    assert u.dtype == ember.uint8 and u.shape == (3, 4, 5)
    np.testing.assert_array_equal(u.numpy(), hwc.transpose(2, 0, 1))


def test_convert_image_dtype():
    u = np.array([[[0, 1, 128, 255]]], np.uint8)
    f = T.ConvertImageDtype(ember.float32)(ember.tensor(u))
    np.testing.assert_allclose(f.numpy(), u / 255.0, rtol=1e-6)
    back = F.convert_image_dtype(f, ember.uint8)
    np.testing.assert_array_equal(back.numpy(), u)
    i16 = F.convert_image_dtype(ember.tensor(u), ember.int16)
    np.testing.assert_array_equal(i16.numpy(), u.astype(np.int16) * 128)
    np.testing.assert_array_equal(F.convert_image_dtype(i16, ember.uint8).numpy(), u)
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        F.convert_image_dtype(f, ember.int32)


def test_normalize(device):
    x = rand_img()
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    exp = (x - np.array(mean)[:, None, None]) / np.array(std)[:, None, None]
    t = make(x, device)
    out = T.Normalize(mean, std)(t)
    np.testing.assert_allclose(to_np(out), exp, rtol=1e-12)
    np.testing.assert_array_equal(to_np(t), x)             # not in place by default
    out = T.Normalize(mean, std, inplace=True)(t)
    np.testing.assert_allclose(to_np(t), exp, rtol=1e-12)
    batch = make(np.stack([x, x]), device)
    np.testing.assert_allclose(to_np(F.normalize(batch, mean, std)), np.stack([exp, exp]), rtol=1e-12)
    arr = F.normalize(x.transpose(1, 2, 0), mean, std)     # (H, W, C) arrays
    np.testing.assert_allclose(arr, exp.transpose(1, 2, 0), rtol=1e-12)
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        F.normalize(ember.zeros(3, 2, 2, dtype=ember.uint8), mean, std)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        F.normalize(make(x, device), mean, (1.0, 0.0, 1.0))
    assert repr(T.Normalize(mean, std)) == f"Normalize(mean={mean}, std={std})"


# ------------------------------------------------------------------------------ geometry
@pytest.mark.parametrize("mode,np_mode", [("constant", "constant"), ("edge", "edge"),
                                          ("reflect", "reflect"), ("symmetric", "symmetric")])
def test_pad_modes(device, mode, np_mode):
    x = rand_img(2, 4, 5)
    for padding, (l, t, r, b) in ((1, (1, 1, 1, 1)), ((2, 1), (2, 1, 2, 1)), ((1, 2, 3, 0), (1, 2, 3, 0))):
        exp = np.pad(x, ((0, 0), (t, b), (l, r)), mode=np_mode)
        got = F.pad(make(x, device), padding, padding_mode=mode)
        np.testing.assert_array_equal(to_np(got), exp)
    got = T.Pad(2, fill=0.5)(make(x, device))
    np.testing.assert_array_equal(to_np(got), np.pad(x, ((0, 0), (2, 2), (2, 2)), constant_values=0.5))


def test_pad_per_channel_fill_negative_and_errors():
    x = rand_img(3, 3, 3)
    got = F.pad(ember.tensor(x), 1, fill=(1, 2, 3)).numpy()
    assert got.shape == (3, 5, 5)
    for c in range(3):
        assert got[c, 0, 0] == c + 1 and got[c, -1, 2] == c + 1
    np.testing.assert_array_equal(got[:, 1:-1, 1:-1], x)
    np.testing.assert_array_equal(F.pad(ember.tensor(x), [-1, 0, 0, -1]).numpy(), x[:, :-1, 1:])
    with pytest.raises(ValueError, match="Padding must be an int or a 1, 2, or 4 element tuple"):
        F.pad(ember.tensor(x), (1, 2, 3))
    with pytest.raises(ValueError, match="Padding mode should be either"):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(ValueError, match="Padding size should be less than"):
        F.pad(ember.tensor(x), 3, padding_mode="reflect")
    u = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)     # HWC uint8 array in, array out
    out = F.pad(u, 1, fill=7)
    assert out.dtype == np.uint8 and out.shape == (4, 4, 3) and out[0, 0, 0] == 7


def test_crop_and_center_crop(device):
    x = rand_img(2, 6, 7)
    t = make(x, device)
    np.testing.assert_array_equal(to_np(F.crop(t, 1, 2, 3, 4)), x[:, 1:4, 2:6])
    out = to_np(F.crop(t, -1, 5, 3, 4))                    # partly outside: zeros there
    exp = np.zeros((2, 3, 4))
    exp[:, 1:, :2] = x[:, 0:2, 5:7]
    np.testing.assert_array_equal(out, exp)
    np.testing.assert_array_equal(to_np(T.CenterCrop(4)(t)), x[:, 1:5, 2:6])  # round((6-4)/2), round(1.5)
    np.testing.assert_array_equal(to_np(T.CenterCrop((2, 3))(t)), x[:, 2:4, 2:5])
    big = to_np(T.CenterCrop((8, 9))(t))
    np.testing.assert_array_equal(big, np.pad(x, ((0, 0), (1, 1), (1, 1))))
    assert repr(T.CenterCrop(4)) == "CenterCrop(size=(4, 4))"


def test_flips(device):
    x = rand_img(3, 4, 5)
    t = make(x, device)
    np.testing.assert_array_equal(to_np(T.RandomHorizontalFlip(p=1.0)(t)), x[:, :, ::-1])
    np.testing.assert_array_equal(to_np(T.RandomVerticalFlip(p=1.0)(t)), x[:, ::-1, :])
    np.testing.assert_array_equal(to_np(T.RandomHorizontalFlip(p=0.0)(t)), x)
    ember.manual_seed(0)
    flips = [bool(np.array_equal(to_np(T.RandomHorizontalFlip()(t)), x[:, :, ::-1])) for _ in range(40)]
    assert 5 < sum(flips) < 35
    ember.manual_seed(0)
    again = [bool(np.array_equal(to_np(T.RandomHorizontalFlip()(t)), x[:, :, ::-1])) for _ in range(40)]
    assert flips == again
    hwc = (x.transpose(1, 2, 0) * 255).astype(np.uint8)
    np.testing.assert_array_equal(F.hflip(hwc), hwc[:, ::-1])


def test_random_crop(device):
    x = rand_img(2, 6, 7)
    t = make(x, device)
    padded = np.pad(x, ((0, 0), (2, 2), (2, 2)))
    ember.manual_seed(3)
    seen = set()
    for _ in range(20):
        out = to_np(T.RandomCrop(5, padding=2)(t))
        assert out.shape == (2, 5, 5)
        hits = [(i, j) for i in range(padded.shape[1] - 4) for j in range(padded.shape[2] - 4)
                if np.array_equal(padded[:, i:i + 5, j:j + 5], out)]
        assert hits
        seen.add(hits[0])
    assert len(seen) > 3
    ember.manual_seed(3)
    first = to_np(T.RandomCrop(5, padding=2)(t))
    ember.manual_seed(3)
    np.testing.assert_array_equal(to_np(T.RandomCrop(5, padding=2)(t)), first)
    # pad_if_needed pads both sides by the shortfall (as torchvision), then crops at random
    out = to_np(T.RandomCrop((8, 9), pad_if_needed=True, padding_mode="edge")(t))
    assert out.shape == (2, 8, 9)
    edge = np.pad(x, ((0, 0), (2, 2), (2, 2)), mode="edge")
    assert any(np.array_equal(edge[:, i:i + 8, j:j + 9], out) for i in range(3) for j in range(3))
    with pytest.raises(ValueError, match="Required crop size"):
        T.RandomCrop(8)(t)
    assert repr(T.RandomCrop(5, padding=2)) == "RandomCrop(size=(5, 5), padding=2)"


def _bilinear_ref(x, oh, ow):
    """Per-pixel bilinear (align_corners=False, no antialias), float64."""
    c, h, w = x.shape
    out = np.zeros((c, oh, ow))
    for i in range(oh):
        sy = max((i + 0.5) * h / oh - 0.5, 0.0)
        y0 = min(int(math.floor(sy)), h - 1)
        y1, ly = min(y0 + 1, h - 1), sy - y0
        for j in range(ow):
            sx = max((j + 0.5) * w / ow - 0.5, 0.0)
            x0 = min(int(math.floor(sx)), w - 1)
            x1, lx = min(x0 + 1, w - 1), sx - x0
            out[:, i, j] = ((1 - ly) * ((1 - lx) * x[:, y0, x0] + lx * x[:, y0, x1])
                            + ly * ((1 - lx) * x[:, y1, x0] + lx * x[:, y1, x1]))
    return out


def _aa_ref(x, oh, ow):
    """Antialiased bilinear (Pillow's triangle filter widened by the scale), per pixel, float64."""
    def axis_weights(n_in, n_out):
        scale = n_in / n_out
        support = scale if scale >= 1 else 1.0
        rows = []
        for i in range(n_out):
            center = (i + 0.5) * scale
            ws = {}
            for j in range(n_in):
                d = (j + 0.5 - center) / max(scale, 1.0)
                if abs(d) < 1 and abs(j + 0.5 - center) < support + 0.5:
                    ws[j] = 1 - abs(d)
            tot = sum(ws.values())
            rows.append({j: v / tot for j, v in ws.items()})
        return rows
    c, h, w = x.shape
    ry, rx = axis_weights(h, oh), axis_weights(w, ow)
    out = np.zeros((c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = sum(wy * wx * x[:, yy, xx] for yy, wy in ry[i].items() for xx, wx in rx[j].items())
    return out


def test_resize(device):
    x = rand_img(2, 9, 12)
    t = make(x, device)
    assert T.Resize(6)(t).shape == (2, 6, 8)               # smaller edge 9 -> 6, 12 -> int(6 * 12 / 9)
    assert T.Resize(6, max_size=7)(t).shape == (2, 5, 7)
    got = to_np(F.resize(t, (5, 7), antialias=False))
    np.testing.assert_allclose(got, _bilinear_ref(x, 5, 7), rtol=1e-10, atol=1e-12)
    got = to_np(F.resize(t, (14, 17), antialias=False))   # upsampling
    np.testing.assert_allclose(got, _bilinear_ref(x, 14, 17), rtol=1e-10, atol=1e-12)
    got = to_np(T.Resize((4, 5))(t))                       # antialias=True (default)
    np.testing.assert_allclose(got, _aa_ref(x, 4, 5), rtol=1e-10, atol=1e-12)
    got = to_np(T.Resize((4, 5), interpolation=T.InterpolationMode.NEAREST)(t))
    rows, cols = (np.arange(4) * 9 / 4).astype(int), (np.arange(5) * 12 / 5).astype(int)
    np.testing.assert_array_equal(got, x[:, rows][:, :, cols])
    got = to_np(F.resize(t, (4, 5), interpolation="nearest-exact"))
    rows, cols = np.floor((np.arange(4) + 0.5) * 9 / 4).astype(int), np.floor((np.arange(5) + 0.5) * 12 / 5).astype(int)
    np.testing.assert_array_equal(got, x[:, rows][:, :, cols])
    batch = make(np.stack([x, 2 * x]), device)
    np.testing.assert_allclose(to_np(F.resize(batch, (4, 5)))[1], 2 * _aa_ref(x, 4, 5), rtol=1e-10)
    u = (x.transpose(1, 2, 0) * 255).round().astype(np.uint8)   # uint8 arrays: rounded result
    got = F.resize(u, (4, 5))
    assert got.dtype == np.uint8 and got.shape == (4, 5, 2)
    exp = np.clip(np.round(_aa_ref(u.transpose(2, 0, 1).astype(np.float64), 4, 5)), 0, 255)
    assert np.abs(got.transpose(2, 0, 1).astype(int) - exp).max() <= 1
    with pytest.raises(TypeError, match="Size should be int or sequence"):
        T.Resize(2.5)
    with pytest.raises(ValueError, match="If size is a sequence, it should have 1 or 2 values"):
        T.Resize((1, 2, 3))
    assert repr(T.Resize(6)) == "Resize(size=6, interpolation=bilinear, max_size=None, antialias=True)"


def test_resize_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).random((2, 3, 17, 23)).astype(np.float32)
    for size in ((5, 7), (40, 9)):
        for mode in ("bilinear", "bicubic"):
            for aa in (True, False):
                got = F.resize(ember.tensor(x), size, mode, antialias=aa).numpy()
                exp = torch.nn.functional.interpolate(torch.tensor(x), size=size, mode=mode, antialias=aa,
                                                      align_corners=False).numpy()
                np.testing.assert_allclose(got, exp, rtol=1e-5, atol=2e-6)


def _rotate_ref(x, angle, fill=0.0):
    """Nearest-neighbour rotation about the image centre, counter-clockwise, per pixel."""
    c, h, w = x.shape
    a = math.radians(angle)
    out = np.full((c, h, w), fill, dtype=np.float64)
    for i in range(h):
        for j in range(w):
            # output pixel centre relative to the image centre; y grows downwards
            px, py = j + 0.5 - w / 2, i + 0.5 - h / 2
            # inverse map: rotate clockwise on screen (y down) by the angle
            sx = math.cos(a) * px - math.sin(a) * py
            sy = math.sin(a) * px + math.cos(a) * py
            jj, ii = sx + w / 2 - 0.5, sy + h / 2 - 0.5
            assert min(abs(jj % 1 - 0.5), abs(ii % 1 - 0.5)) > 1e-6, "pick an angle without rounding ties"
            ri, rj = int(np.rint(ii)), int(np.rint(jj))
            if 0 <= ri < h and 0 <= rj < w:
                out[:, i, j] = x[:, ri, rj]
    return out


def test_rotate(device):
    x = rand_img(2, 5, 5)
    t = make(x, device)
    np.testing.assert_array_equal(to_np(F.rotate(t, 90)), np.rot90(x, 1, axes=(1, 2)))
    np.testing.assert_array_equal(to_np(F.rotate(t, -90)), np.rot90(x, -1, axes=(1, 2)))
    np.testing.assert_allclose(to_np(F.rotate(t, 0.0, interpolation="bilinear")), x, rtol=1e-12)
    y = rand_img(1, 7, 9)
    for angle in (37.0, -52.0):
        np.testing.assert_allclose(to_np(F.rotate(make(y, device), angle)), _rotate_ref(y, angle), atol=1e-12)
        np.testing.assert_allclose(to_np(F.rotate(make(y, device), angle, fill=0.25)),
                                   _rotate_ref(y, angle, fill=0.25), atol=1e-12)
    big = to_np(F.rotate(make(y, device), 90, expand=True))   # holds the whole rotated image
    np.testing.assert_array_equal(big, np.rot90(y, 1, axes=(1, 2)))
    ember.manual_seed(0)
    r = T.RandomRotation(10)
    out = r(t)
    assert out.shape == t.shape
    assert repr(r) == "RandomRotation(degrees=[-10.0, 10.0], interpolation=nearest, expand=False, fill=0)"
    with pytest.raises(ValueError, match="If degrees is a single number, it must be positive."):
        T.RandomRotation(-3)


def test_affine(device):
    x = rand_img(2, 5, 6)
    t = make(x, device)
    np.testing.assert_array_equal(to_np(F.affine(t, 0.0, [0, 0], 1.0, 0.0)), x)
    exp = np.zeros_like(x)
    exp[:, 2:, 1:] = x[:, :3, :5]                         # 1 px right, 2 px down
    np.testing.assert_array_equal(to_np(F.affine(t, 0.0, [1, 2], 1.0, 0.0)), exp)
    sq = make(rand_img(1, 5, 5), device)
    np.testing.assert_array_equal(to_np(F.affine(sq, 90.0, [0, 0], 1.0, 0.0)),
                                  np.rot90(to_np(sq), -1, axes=(1, 2)))   # clockwise
    ember.manual_seed(1)
    out = T.RandomAffine(10, translate=(0.1, 0.1), scale=(0.9, 1.1), shear=5)(t)
    assert out.shape == t.shape
    assert to_np(T.RandomAffine(0)(t)).tolist() == x.tolist()
    with pytest.raises(ValueError, match="translation values should be between 0 and 1"):
        T.RandomAffine(0, translate=(2, 0))


# ------------------------------------------------------------------------------ colour
def _gray(x):
    return 0.2989 * x[0] + 0.587 * x[1] + 0.114 * x[2]


def test_color_adjustments(device):
    x = rand_img(3, 4, 5)
    t = make(x, device)
    np.testing.assert_allclose(to_np(F.adjust_brightness(t, 1.7)), np.clip(1.7 * x, 0, 1), rtol=1e-12)
    m = _gray(x).mean()
    np.testing.assert_allclose(to_np(F.adjust_contrast(t, 0.3)), np.clip(0.3 * x + 0.7 * m, 0, 1), rtol=1e-12)
    g = _gray(x)[None]
    np.testing.assert_allclose(to_np(F.adjust_saturation(t, 1.5)), np.clip(1.5 * x - 0.5 * g, 0, 1),
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(to_np(F.rgb_to_grayscale(t)), g, rtol=1e-12)
    np.testing.assert_allclose(to_np(T.Grayscale(3)(t)), np.repeat(g, 3, 0), rtol=1e-12)
    for hue in (0.0, 0.2, -0.45):
        exp = np.zeros_like(x)
        for i in range(4):
            for j in range(5):
                h, s, v = colorsys.rgb_to_hsv(*x[:, i, j])
                exp[:, i, j] = colorsys.hsv_to_rgb((h + hue) % 1.0, s, v)
        np.testing.assert_allclose(to_np(F.adjust_hue(t, hue)), exp, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(to_np(F.invert(t)), 1 - x, rtol=1e-12)
    with pytest.raises(ValueError, match=r"hue_factor \(0.7\) is not in \[-0.5, 0.5\]."):
        F.adjust_hue(t, 0.7)
    with pytest.raises(ValueError, match="brightness_factor"):
        F.adjust_brightness(t, -1)


def test_color_on_uint8_truncates_like_torchvision():
    u = np.array([[[10, 200, 255]], [[0, 100, 30]], [[50, 60, 70]]], np.uint8)   # (3, 1, 3)
    got = F.adjust_brightness(ember.tensor(u), 1.5).numpy()
    np.testing.assert_array_equal(got, np.clip(1.5 * u.astype(np.float64), 0, 255).astype(np.uint8))
    gray = F.rgb_to_grayscale(ember.tensor(u)).numpy()
    np.testing.assert_array_equal(gray[0], _gray(u.astype(np.float32)).astype(np.uint8))


def test_color_jitter(device):
    x = rand_img(3, 4, 5)
    t = make(x, device)
    cj = T.ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.1)
    assert cj.brightness == (0.5, 1.5) and cj.hue == (-0.1, 0.1)
    assert T.ColorJitter().brightness is None
    ember.manual_seed(5)
    a = to_np(cj(t))
    ember.manual_seed(5)
    b = to_np(cj(t))
    np.testing.assert_array_equal(a, b)
    assert a.shape == x.shape and a.min() >= 0 and a.max() <= 1 and not np.allclose(a, x)
    ember.manual_seed(5)                                   # brightness only: factor from the generator
    order, bf, *_ = T.ColorJitter.get_params((0.5, 1.5), None, None, None)
    ember.manual_seed(5)
    np.testing.assert_allclose(to_np(T.ColorJitter(brightness=0.5)(t)), np.clip(bf * x, 0, 1), rtol=1e-12)
    assert sorted(order) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="If brightness is a single number, it must be non negative."):
        T.ColorJitter(brightness=-1)
    with pytest.raises(ValueError, match="hue values should be between"):
        T.ColorJitter(hue=0.8)
    assert repr(T.ColorJitter(0.1)) == "ColorJitter(brightness=(0.9, 1.1), contrast=None, saturation=None, hue=None)"


# ------------------------------------------------------------------ composition, kinds
def test_compose_lambda_random_apply_choice():
    c = T.Compose([T.Lambda(lambda v: v + 1), T.Lambda(lambda v: v * 10)])
    assert c(1) == 20
    assert repr(c) == "Compose(\n    Lambda()\n    Lambda()\n)"
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)
    assert T.RandomApply([T.Lambda(lambda v: v + 1)], p=1.0)(1) == 2
    assert T.RandomApply([T.Lambda(lambda v: v + 1)], p=0.0)(1) == 1
    ember.manual_seed(0)
    picks = {T.RandomChoice([T.Lambda(lambda v: "a"), T.Lambda(lambda v: "b")])(0) for _ in range(30)}
    assert picks == {"a", "b"}
    assert T.RandomChoice([T.Lambda(lambda v: "a"), T.Lambda(lambda v: "b")], p=[0.0, 1.0])(0) == "b"
    out = T.RandomOrder([T.Lambda(lambda v: v + [1]), T.Lambda(lambda v: v + [2])])([])
    assert sorted(out) == [1, 2]


def test_pipeline_on_numpy_batches_and_modules(device):
    ember.manual_seed(0)
    hwc = np.random.default_rng(0).integers(0, 256, size=(10, 12, 3), dtype=np.uint8)
    pipe = T.Compose([T.RandomCrop(8, padding=2), T.RandomHorizontalFlip(), T.RandomRotation(15),
                      T.ColorJitter(0.2, 0.2, 0.2, 0.05), T.ToTensor(), T.Normalize((0.5,) * 3, (0.5,) * 3)])
    out = pipe(hwc)
    assert out.shape == (3, 8, 8) and out.dtype == ember.float32
    # NumPy arrays in, NumPy arrays of the same dtype and layout out
    for tr in (T.Resize(5), T.CenterCrop(6), T.RandomRotation(20), T.ColorJitter(0.3, 0.3, 0.3, 0.1),
               T.Grayscale(), T.RandomResizedCrop(6)):
        res = tr(hwc)
        assert isinstance(res, np.ndarray) and res.dtype == np.uint8 and res.ndim == 3
    # batched tensors (N, C, H, W): one random draw for the whole batch, as torchvision
    batch = make(np.random.default_rng(1).random((4, 3, 9, 9)), device)
    res = T.RandomCrop(5)(batch)
    assert res.shape == (4, 3, 5, 5)
    assert isinstance(T.RandomCrop(5), ember.nn.Module)
    seq = ember.nn.Sequential(T.CenterCrop(5), T.Normalize((0.5,) * 3, (0.5,) * 3))
    assert seq(batch).shape == (4, 3, 5, 5)


def test_pil_images_round_trip():
    Image = pytest.importorskip("PIL.Image")
    arr = np.random.default_rng(0).integers(0, 256, size=(6, 7, 3), dtype=np.uint8)
    img = Image.fromarray(arr)
    out = T.RandomHorizontalFlip(p=1.0)(img)
    assert isinstance(out, Image.Image)
    np.testing.assert_array_equal(np.asarray(out), arr[:, ::-1])
    t = T.ToTensor()(img)
    np.testing.assert_allclose(t.numpy(), arr.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    assert T.Resize((3, 4))(img).size == (4, 3)
    gray = Image.fromarray(arr[:, :, 0])
    assert F.get_dimensions(gray) == [1, 6, 7]
    np.testing.assert_array_equal(np.asarray(T.CenterCrop(4)(gray)), arr[1:5, 2:6, 0])
    back = F.to_pil_image(t)
    np.testing.assert_array_equal(np.asarray(back), arr)


def test_bad_inputs():
    with pytest.raises(TypeError, match="img should be a Tensor, a NumPy array or a PIL Image"):
        F.hflip([1, 2, 3])
    with pytest.raises(TypeError, match="Argument interpolation"):
        T.Resize(3, interpolation="cubic-ish")
