"""ember.vision.utils: make_grid against a NumPy reference, save_image through Pillow or matplotlib."""
import sys

import numpy as np
import pytest

import ember
from ember.vision.utils import make_grid, save_image

from conftest import make, to_np


def grid_ref(batch, nrow, padding, pad_value):
    b, c, h, w = batch.shape
    if c == 1:
        batch = np.repeat(batch, 3, axis=1)
        c = 3
    xmaps = min(nrow, b)
    ymaps = -(-b // xmaps)
    out = np.full((c, ymaps * (h + padding) + padding, xmaps * (w + padding) + padding), pad_value, batch.dtype)
    for k in range(b):
        y, x = divmod(k, xmaps)
        top, left = y * (h + padding) + padding, x * (w + padding) + padding
        out[:, top:top + h, left:left + w] = batch[k]
    return out


@pytest.mark.parametrize("b,c,nrow,padding,pad_value", [(5, 3, 2, 2, 0.0), (7, 1, 4, 1, 0.5), (3, 3, 8, 0, 1.0)])
def test_make_grid_layout(device, b, c, nrow, padding, pad_value):
    batch = np.random.default_rng(0).random((b, c, 4, 5))
    got = make_grid(make(batch, device), nrow=nrow, padding=padding, pad_value=pad_value)
    np.testing.assert_array_equal(to_np(got), grid_ref(batch, nrow, padding, pad_value))


def test_make_grid_normalize_and_single_images(device):
    batch = np.random.default_rng(1).random((4, 3, 3, 3)) * 10 - 5
    t = make(batch, device)
    lo, hi = batch.min(), batch.max()
    got = to_np(make_grid(t, nrow=2, normalize=True))
    np.testing.assert_allclose(got, grid_ref((batch - lo) / (hi - lo), 2, 2, 0.0), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(to_np(t), batch)         # input untouched
    got = to_np(make_grid(t, nrow=4, padding=0, normalize=True, value_range=(-1.0, 1.0)))
    exp = grid_ref((np.clip(batch, -1, 1) + 1) / 2, 4, 0, 0.0)
    np.testing.assert_allclose(got, exp, rtol=1e-12, atol=1e-12)
    got = to_np(make_grid(t, nrow=4, padding=0, normalize=True, scale_each=True))
    each = np.stack([(im - im.min()) / (im.max() - im.min()) for im in batch])
    np.testing.assert_allclose(got, grid_ref(each, 4, 0, 0.0), rtol=1e-12, atol=1e-12)
    single = make(batch[0], device)
    np.testing.assert_array_equal(to_np(make_grid(single)), batch[0])   # one image: itself
    assert make_grid(make(batch[0, 0], device)).shape == (3, 3, 3)     # (H, W): grey -> 3 channels
    assert make_grid([make(b, device) for b in batch], nrow=2).shape == (3, 12, 12)
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        make_grid(t, normalize=True, value_range=[0, 1])
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        make_grid(batch)


def test_save_image_png_with_pillow(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    batch = np.random.default_rng(2).random((4, 3, 5, 6)).astype(np.float32)
    path = tmp_path / "grid.png"
    save_image(ember.tensor(batch), str(path), nrow=2, padding=1)
    img = np.asarray(Image.open(path))
    exp = grid_ref(batch, 2, 1, 0.0).transpose(1, 2, 0)
    np.testing.assert_array_equal(img, np.clip(exp * 255 + 0.5, 0, 255).astype(np.uint8))
    gray = tmp_path / "one.png"
    save_image(ember.tensor(batch[0, :1]), str(gray))
    assert Image.open(gray).size == (6, 5)


def test_save_image_without_pillow_or_matplotlib(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="needs Pillow or matplotlib.*pip install pillow"):
        save_image(ember.rand(2, 3, 4, 4), str(tmp_path / "x.png"))


def test_save_image_with_matplotlib_only(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from ember.vision import utils
    monkeypatch.setattr(utils, "_pil_image", lambda: None)    # matplotlib itself needs Pillow
    path = tmp_path / "m.png"
    save_image(ember.rand(2, 3, 4, 4), str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
