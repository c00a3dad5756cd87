"""Convolutions: conv1d/2d/3d, conv_transpose1d/2d/3d, unfold/fold and the Conv modules, against
direct-loop NumPy float64 references written here; gradcheck / gradgradcheck in float64; errors as
PyTorch words them."""
import itertools
import math

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck

from conftest import assert_close, make, to_np

rng = np.random.default_rng(1234)
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")


# ------------------------------------------------------------------------------------------------
# NumPy references: direct loops over every output position and kernel tap
def ref_conv(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """x (N, C, *S), w (O, C/g, *K): the textbook definition, one tap at a time."""
    nd = x.ndim - 2
    st = (stride,) * nd if np.isscalar(stride) else tuple(stride)
    dl = (dilation,) * nd if np.isscalar(dilation) else tuple(dilation)
    K = w.shape[2:]
    if padding == "same":
        tot = [d * (k - 1) for d, k in zip(dl, K)]
        pads = [(t // 2, t - t // 2) for t in tot]
    elif padding == "valid":
        pads = [(0, 0)] * nd
    else:
        p = (padding,) * nd if np.isscalar(padding) else tuple(padding)
        pads = [(q, q) for q in p]
    xp = np.pad(x, [(0, 0), (0, 0)] + pads)
    N, C = x.shape[:2]
    O, Cg = w.shape[:2]
    S = xp.shape[2:]
    osz = [(S[i] - dl[i] * (K[i] - 1) - 1) // st[i] + 1 for i in range(nd)]
    out = np.zeros((N, O, *osz))
    Og = O // groups
    for n in range(N):
        for o in range(O):
            g = o // Og
            for pos in itertools.product(*[range(s) for s in osz]):
                acc = 0.0
                for c in range(Cg):
                    for k in itertools.product(*[range(s) for s in K]):
                        idx = tuple(pos[i] * st[i] + k[i] * dl[i] for i in range(nd))
                        acc += xp[(n, g * Cg + c) + idx] * w[(o, c) + k]
                out[(n, o) + pos] = acc + (b[o] if b is not None else 0.0)
    return out


def ref_conv_transpose(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Scatter form: every input element adds w times itself at pos*stride + k*dilation - padding."""
    nd = x.ndim - 2
    st = (stride,) * nd if np.isscalar(stride) else tuple(stride)
    dl = (dilation,) * nd if np.isscalar(dilation) else tuple(dilation)
    p = (padding,) * nd if np.isscalar(padding) else tuple(padding)
    op = (output_padding,) * nd if np.isscalar(output_padding) else tuple(output_padding)
    N, Cin = x.shape[:2]
    Og = w.shape[1]
    K = w.shape[2:]
    Cg = Cin // groups
    S = x.shape[2:]
    osz = [(S[i] - 1) * st[i] - 2 * p[i] + dl[i] * (K[i] - 1) + op[i] + 1 for i in range(nd)]
    full = [osz[i] + 2 * p[i] + dl[i] * (K[i] - 1) + st[i] for i in range(nd)]
    out = np.zeros((N, Og * groups, *full))
    for n in range(N):
        for c in range(Cin):
            g = c // Cg
            for pos in itertools.product(*[range(s) for s in S]):
                v = x[(n, c) + pos]
                for oc in range(Og):
                    for k in itertools.product(*[range(s) for s in K]):
                        idx = tuple(pos[i] * st[i] + k[i] * dl[i] for i in range(nd))
                        out[(n, g * Og + oc) + idx] += v * w[(c, oc) + k]
    sl = tuple(slice(p[i], p[i] + osz[i]) for i in range(nd))
    out = out[(slice(None), slice(None)) + sl]
    if b is not None:
        out = out + b.reshape((1, -1) + (1,) * nd)
    return out


def ref_unfold(x, k, d=1, p=0, s=1):
    k, d, p, s = [(v, v) if np.isscalar(v) else tuple(v) for v in (k, d, p, s)]
    N, C, H, W = x.shape
    xp = np.pad(x, [(0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])])
    oh = (H + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (W + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((N, C * k[0] * k[1], oh * ow))
    for c in range(C):
        for i in range(k[0]):
            for j in range(k[1]):
                row = (c * k[0] + i) * k[1] + j
                for a in range(oh):
                    for bb in range(ow):
                        out[:, row, a * ow + bb] = xp[:, c, a * s[0] + i * d[0], bb * s[1] + j * d[1]]
    return out


def ref_fold(cols, size, k, d=1, p=0, s=1):
    k, d, p, s = [(v, v) if np.isscalar(v) else tuple(v) for v in (k, d, p, s)]
    N, CK, L = cols.shape
    C = CK // (k[0] * k[1])
    H, W = size
    out = np.zeros((N, C, H + 2 * p[0], W + 2 * p[1]))
    oh = (H + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (W + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    for c in range(C):
        for i in range(k[0]):
            for j in range(k[1]):
                row = (c * k[0] + i) * k[1] + j
                for a in range(oh):
                    for bb in range(ow):
                        out[:, c, a * s[0] + i * d[0], bb * s[1] + j * d[1]] += cols[:, row, a * ow + bb]
    return out[:, :, p[0]:p[0] + H, p[1]:p[1] + W]


def randn(*shape):
    return rng.standard_normal(shape)


# ------------------------------------------------------------------------------------------------
# forward vs reference
CONV_CASES = [
    dict(),
    dict(stride=2),
    dict(padding=1),
    dict(padding=2, stride=3),
    dict(dilation=2),
    dict(dilation=2, padding=2, stride=2),
    dict(groups=2),
    dict(groups=2, stride=2, padding=1, dilation=2),
    dict(padding="same"),
    dict(padding="same", dilation=2),
    dict(padding="valid"),
]


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("case", range(len(CONV_CASES)))
def test_conv_matches_reference(device, nd, case):
    kw = CONV_CASES[case]
    g = kw.get("groups", 1)
    sizes = (7, 6, 5)[:nd]
    ksz = (3, 2, 3)[:nd]
    x, w, b = randn(2, 4, *sizes), randn(6, 4 // g, *ksz), randn(6)
    fn = getattr(F, f"conv{nd}d")
    out = fn(make(x, device), make(w, device), make(b, device), **kw)
    assert_close(out, ref_conv(x, w, b, **kw))
    # no bias, float32
    out = fn(make(x.astype(np.float32), device), make(w.astype(np.float32), device), **kw)
    assert_close(out, ref_conv(x, w, None, **kw).astype(np.float32), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("stride,padding", [((1, 2), (0, 1)), ((2, 1), (2, 0))])
def test_conv2d_asymmetric_args(device, stride, padding):
    x, w, b = randn(2, 3, 8, 7), randn(5, 3, 3, 2), randn(5)
    out = F.conv2d(make(x, device), make(w, device), make(b, device), stride=stride, padding=padding,
                   dilation=(2, 1))
    assert_close(out, ref_conv(x, w, b, stride, padding, (2, 1)))


def test_depthwise_and_pointwise(device):
    x = randn(2, 6, 5, 5)
    w = randn(6, 1, 3, 3)           # depthwise: groups = channels
    out = F.conv2d(make(x, device), make(w, device), padding=1, groups=6)
    assert_close(out, ref_conv(x, w, None, 1, 1, 1, 6))
    w2 = randn(12, 1, 3, 3)         # depth multiplier 2
    out = F.conv2d(make(x, device), make(w2, device), groups=6)
    assert_close(out, ref_conv(x, w2, None, groups=6))
    w3 = randn(4, 6, 1, 1)          # pointwise
    assert_close(F.conv2d(make(x, device), make(w3, device)), ref_conv(x, w3))


def test_conv_unbatched_noncontiguous_and_empty(device):
    x, w = randn(3, 6, 7), randn(4, 3, 2, 2)
    assert_close(F.conv2d(make(x, device), make(w, device)), ref_conv(x[None], w)[0])
    big = randn(2, 3, 6, 14)
    xs = make(big, device)[:, :, :, ::2]             # non-contiguous view
    assert_close(F.conv2d(xs, make(w, device)), ref_conv(big[:, :, :, ::2], w))
    out = F.conv2d(ember.zeros(0, 3, 6, 7, device=device, dtype=ember.float64), make(w, device))
    assert tuple(out.shape) == (0, 4, 5, 6)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("kw", [dict(), dict(stride=2), dict(padding=1), dict(stride=2, output_padding=1),
                                dict(stride=3, padding=2, output_padding=2, groups=2),
                                dict(dilation=2, padding=1), dict(stride=1, dilation=3, output_padding=2)])
def test_conv_transpose_matches_reference(device, nd, kw):
    g = kw.get("groups", 1)
    sizes = (4, 3, 3)[:nd]
    x, w, b = randn(2, 4, *sizes), randn(4, 6 // g, *(3, 2, 2)[:nd]), randn(6)
    fn = getattr(F, f"conv_transpose{nd}d")
    out = fn(make(x, device), make(w, device), make(b, device), **kw)
    assert_close(out, ref_conv_transpose(x, w, b, **kw))


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(groups=2, dilation=2),
                                dict(stride=(2, 3), padding=(1, 0))])
def test_conv_transpose_is_adjoint_of_conv(device, kw):
    """<conv(x, w), y> == <x, conv_transpose(y, w)> when the shapes line up."""
    g = kw.get("groups", 1)
    x, w = randn(2, 4, 9, 8), randn(6, 4 // g, 3, 3)
    y_shape = tuple(F.conv2d(make(x, device), make(w, device), **kw).shape)
    y = randn(*y_shape)
    lhs = float((to_np(F.conv2d(make(x, device), make(w, device), **kw)) * y).sum())
    xt = F.conv_transpose2d(make(y, device), make(w, device), **kw)
    # when the stride does not divide evenly, output_padding restores the input's size
    op = tuple(a - b for a, b in zip(x.shape[2:], xt.shape[2:]))
    xt = to_np(F.conv_transpose2d(make(y, device), make(w, device), output_padding=op, **kw))
    assert xt.shape == x.shape
    assert math.isclose(lhs, float((x * xt).sum()), rel_tol=1e-10)


def test_unfold_fold_match_reference(device):
    x = randn(2, 3, 6, 7)
    kw = dict(dilation=(1, 2), padding=1, stride=(2, 1))
    cols = F.unfold(make(x, device), (2, 3), **kw)
    assert_close(cols, ref_unfold(x, (2, 3), (1, 2), 1, (2, 1)))
    c = randn(*cols.shape)
    assert_close(F.fold(make(c, device), (6, 7), (2, 3), **kw), ref_fold(c, (6, 7), (2, 3), (1, 2), 1, (2, 1)))
    # unbatched forms, and fold(unfold(ones)) counts how many blocks cover each pixel
    assert_close(F.unfold(make(x[0], device), 2), ref_unfold(x[:1], 2)[0])
    ones = ember.ones(1, 1, 4, 4, dtype=ember.float64, device=device)
    cover = F.fold(F.unfold(ones, 2), (4, 4), 2)
    assert_close(cover[0, 0], np.array([[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1.]]))


def test_unfold_integer_and_half(device):
    x = np.arange(2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    out = F.unfold(make(x, device), 2, padding=1)
    assert_close(out, ref_unfold(x, 2, 1, 1).astype(np.int64))
    xh = make(x.astype(np.float16), device)
    assert_close(F.unfold(xh, 2), ref_unfold(x, 2).astype(np.float16))


def test_conv_float16(device):
    x, w = randn(1, 2, 5, 5), randn(3, 2, 3, 3)
    out = F.conv2d(make(x.astype(np.float16), device), make(w.astype(np.float16), device))
    assert out.dtype is ember.float16
    np.testing.assert_allclose(to_np(out).astype(np.float64), ref_conv(x, w), rtol=2e-2, atol=5e-2)


# ------------------------------------------------------------------------------------------------
# gradients
def _req(a, device):
    return make(a, device, requires_grad=True)


@pytest.mark.parametrize("nd,kw", [(1, dict(stride=2, padding=1)), (2, dict(padding=1, dilation=2)),
                                   (2, dict(groups=2, stride=(2, 1))), (2, dict(padding="same")),
                                   (3, dict(padding=1, stride=2))])
def test_conv_gradcheck(device, nd, kw):
    g = kw.get("groups", 1)
    x, w, b = randn(2, 2, *(5, 4, 4)[:nd]), randn(2, 2 // g, *(3, 2, 2)[:nd]), randn(2)
    fn = getattr(F, f"conv{nd}d")
    assert gradcheck(lambda a, c, d: fn(a, c, d, **kw), (_req(x, device), _req(w, device), _req(b, device)))


@pytest.mark.parametrize("nd,kw", [(1, dict(stride=2, output_padding=1)), (2, dict(padding=1, dilation=2)),
                                   (2, dict(groups=2, stride=2)), (3, dict(stride=2, padding=1))])
def test_conv_transpose_gradcheck(device, nd, kw):
    g = kw.get("groups", 1)
    x, w, b = randn(1, 2, *(3, 3, 2)[:nd]), randn(2, 4 // g, *(3, 2, 2)[:nd]), randn(4)
    fn = getattr(F, f"conv_transpose{nd}d")
    assert gradcheck(lambda a, c, d: fn(a, c, d, **kw), (_req(x, device), _req(w, device), _req(b, device)))


def test_conv_double_backward(device):
    x, w, b = randn(1, 2, 4, 4), randn(3, 2, 2, 2), randn(3)
    assert gradgradcheck(lambda a, c, d: F.conv2d(a, c, d, padding=1, stride=2),
                         (_req(x, device), _req(w, device), _req(b, device)))
    x, w = randn(1, 2, 3, 3), randn(2, 2, 2, 2)
    assert gradgradcheck(lambda a, c: F.conv_transpose2d(a, c, stride=2),
                         (_req(x, device), _req(w, device)))


def test_unfold_fold_gradcheck(device):
    x = randn(1, 2, 4, 5)
    assert gradcheck(lambda a: F.unfold(a, (2, 3), padding=1, stride=(1, 2)), (_req(x, device),))
    c = randn(1, 2 * 4, 4)
    assert gradcheck(lambda a: F.fold(a, (3, 4), 2, dilation=(1, 2)), (_req(c, device),))
    assert gradgradcheck(lambda a: F.fold(a * a, (3, 4), 2, dilation=(1, 2)), (_req(c, device),))


def test_conv_grad_only_weight(device):
    """First layer of a net: the input needs no gradient; weight and bias still get theirs."""
    x, w, b = randn(2, 1, 6, 6), randn(3, 1, 3, 3), randn(3)
    wt, bt = _req(w, device), _req(b, device)
    out = F.conv2d(make(x, device), wt, bt, padding=1)
    go = randn(*out.shape)
    (out * make(go, device)).sum().backward()
    # grad_weight[o, c, k] = sum over n, positions of go * shifted input
    xp = np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)])
    gw = np.zeros_like(w)
    for i in range(3):
        for j in range(3):
            gw[:, 0, i, j] = np.einsum("nohw,nhw->o", go, xp[:, 0, i:i + 6, j:j + 6])
    assert_close(wt.grad, gw)
    assert_close(bt.grad, go.sum(axis=(0, 2, 3)))


# ------------------------------------------------------------------------------------------------
# errors
def test_conv_errors(device):
    def e(shape):
        return ember.zeros(*shape, device=device)
    with pytest.raises(RuntimeError, match=r"Given groups=1, weight of size \[16, 1, 3, 3\], expected "
                       r"input\[64, 3, 28, 28\] to have 1 channels, but got 3 channels instead"):
        F.conv2d(e((64, 3, 28, 28)), e((16, 1, 3, 3)))
    with pytest.raises(RuntimeError, match=r"Calculated padded input size per channel: \(2 x 2\). Kernel "
                       r"size: \(3 x 3\). Kernel size can't be greater than actual input size"):
        F.conv2d(e((2, 4, 2, 2)), e((6, 4, 3, 3)))
    with pytest.raises(RuntimeError, match="negative padding is not supported"):
        F.conv2d(e((2, 4, 5, 5)), e((6, 4, 3, 3)), padding=-1)
    with pytest.raises(RuntimeError, match="non-positive stride is not supported"):
        F.conv2d(e((2, 4, 5, 5)), e((6, 4, 3, 3)), stride=0)
    with pytest.raises(RuntimeError, match="non-positive dilation is not supported"):
        F.conv2d(e((2, 4, 5, 5)), e((6, 4, 3, 3)), dilation=0)
    with pytest.raises(RuntimeError, match="non-positive groups is not supported"):
        F.conv2d(e((2, 4, 5, 5)), e((6, 4, 3, 3)), groups=0)
    with pytest.raises(RuntimeError, match="padding='same' is not supported for strided convolutions"):
        F.conv2d(e((2, 4, 5, 5)), e((6, 4, 3, 3)), stride=2, padding="same")
    with pytest.raises(RuntimeError, match="Invalid padding string: 'foo'"):
        F.conv2d(e((2, 4, 5, 5)), e((6, 4, 3, 3)), padding="foo")
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but "
                       r"got input of size: \[2, 4, 5, 5, 5\]"):
        F.conv2d(e((2, 4, 5, 5, 5)), e((6, 4, 3, 3)))
    with pytest.raises(RuntimeError, match=r"expected bias to be 1-dimensional with 6 elements, but got bias "
                       r"of size \[5\] instead"):
        F.conv2d(e((2, 4, 5, 5)), e((6, 4, 3, 3)), e((5,)))
    with pytest.raises(RuntimeError, match=r"Input type \(torch.FloatTensor\) and weight type "
                       r"\(torch.DoubleTensor\) should be the same"):
        F.conv2d(e((2, 4, 5, 5)), e((6, 4, 3, 3)).double())
    with pytest.raises(RuntimeError, match=r"expected stride to be a single integer value or a list of 2 "
                       r"values to match the convolution dimensions, but got stride=\[1, 1, 1\]"):
        F.conv2d(e((2, 4, 5, 5)), e((6, 4, 3, 3)), stride=(1, 1, 1))
    with pytest.raises(RuntimeError, match=r"Given transposed=1, weight of size \[6, 4, 3, 3\], expected "
                       r"input\[2, 4, 5, 5\] to have 6 channels, but got 4 channels instead"):
        F.conv_transpose2d(e((2, 4, 5, 5)), e((6, 4, 3, 3)))
    with pytest.raises(RuntimeError, match="output padding must be smaller than either stride or dilation"):
        F.conv_transpose2d(e((2, 6, 5, 5)), e((6, 4, 3, 3)), output_padding=1)
    with pytest.raises(NotImplementedError, match=r"Only 3D or 4D input Tensors are supported \(got 2D\)"):
        F.unfold(e((4, 4)), 2)
    with pytest.raises(RuntimeError, match="expected size of input's dimension 2 to match the calculated number"):
        F.fold(e((1, 4, 5)), (3, 3), 2)


# ------------------------------------------------------------------------------------------------
# modules
def test_conv_module_repr_and_state_dict(device):
    m = nn.Conv2d(1, 16, 3, padding=1)
    assert repr(m) == "Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    assert repr(nn.Conv1d(2, 4, 3, stride=2, dilation=2, groups=2, bias=False, padding_mode="circular")) == \
        "Conv1d(2, 4, kernel_size=(3,), stride=(2,), dilation=(2,), groups=2, bias=False, padding_mode=circular)"
    assert repr(nn.Conv3d(2, 4, (1, 2, 3), padding="same")) == \
        "Conv3d(2, 4, kernel_size=(1, 2, 3), stride=(1, 1, 1), padding=same)"
    assert repr(nn.ConvTranspose2d(4, 8, 3, stride=2, output_padding=1)) == \
        "ConvTranspose2d(4, 8, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))"
    m = m.to(device)
    sd = m.state_dict()
    assert list(sd) == ["weight", "bias"]
    assert tuple(sd["weight"].shape) == (16, 1, 3, 3)
    m2 = nn.Conv2d(1, 16, 3, padding=1).to(device)
    m2.load_state_dict(sd)
    x = make(randn(2, 1, 5, 5).astype(np.float32), device)
    assert_close(m2(x), to_np(m(x)))
    t = nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert tuple(t.weight.shape) == (4, 3, 3, 3)


def test_conv_default_init_bounds():
    ember.manual_seed(0)
    m = nn.Conv2d(8, 16, 3)
    bound = 1 / math.sqrt(8 * 9)        # kaiming_uniform_(a=sqrt(5)) == U(-1/sqrt(fan_in), ...)
    w, b = to_np(m.weight), to_np(m.bias)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(b).max() <= bound and np.abs(b).max() > 0.5 * bound
    assert abs(w.mean()) < 0.1 * bound
    m = nn.Conv2d(8, 16, 3, groups=4)   # fan_in counts the group's channels only
    assert np.abs(to_np(m.weight)).max() <= 1 / math.sqrt(2 * 9)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv_padding_modes(device, mode):
    m = nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode).double().to(device)
    x = randn(2, 2, 5, 6)
    np_mode = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    xp = np.pad(x, [(0, 0), (0, 0), (1, 1), (2, 2)], mode=np_mode)
    ref = ref_conv(xp, to_np(m.weight), to_np(m.bias))
    assert_close(m(make(x, device)), ref)


def test_conv_same_padding_module_even_kernel(device):
    m = nn.Conv1d(1, 1, 4, padding="same", padding_mode="reflect", bias=False).double().to(device)
    x = randn(1, 1, 9)
    xp = np.pad(x, [(0, 0), (0, 0), (1, 2)], mode="reflect")
    assert_close(m(make(x, device)), ref_conv(xp, to_np(m.weight)))
    with pytest.warns(UserWarning, match="even kernel lengths"):
        F.conv1d(make(x, device), make(to_np(m.weight), device), padding="same")


def test_conv_transpose_output_size(device):
    down = nn.Conv2d(2, 2, 3, stride=2, padding=1).double().to(device)
    up = nn.ConvTranspose2d(2, 2, 3, stride=2, padding=1).double().to(device)
    x = make(randn(1, 2, 12, 12), device)
    h = down(x)
    assert tuple(up(h).shape) == (1, 2, 11, 11)
    assert tuple(up(h, output_size=x.size()).shape) == (1, 2, 12, 12)
    assert tuple(up(h, output_size=[12, 11]).shape) == (1, 2, 12, 11)
    with pytest.raises(ValueError, match="requested an output size of"):
        up(h, output_size=(14, 14))
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
        nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")


def test_conv_module_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="groups must be a positive integer"):
        nn.Conv2d(4, 4, 3, groups=0)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        nn.Conv2d(4, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="Invalid padding string 'full'"):
        nn.Conv2d(4, 4, 3, padding="full")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(4, 4, 3, padding_mode="mirror")


def test_lazy_conv(device):
    m = nn.LazyConv2d(4, 3, padding=1)
    assert repr(m) == "LazyConv2d(0, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    y = m(ember.randn(2, 3, 5, 5))
    assert type(m) is nn.Conv2d and tuple(m.weight.shape) == (4, 3, 3, 3) and tuple(y.shape) == (2, 4, 5, 5)
    t = nn.LazyConvTranspose1d(4, 3)
    assert tuple(t(ember.randn(2, 6, 5)).shape) == (2, 4, 7)
    assert type(t) is nn.ConvTranspose1d and tuple(t.weight.shape) == (6, 4, 3)


def test_conv_module_train_eval_same(device):
    m = nn.Conv2d(2, 3, 3).double().to(device)
    x = make(randn(1, 2, 4, 4), device)
    a = to_np(m(x))
    m.eval()
    np.testing.assert_array_equal(to_np(m(x)), a)


def test_unfold_fold_modules(device):
    assert repr(nn.Unfold((2, 3))) == "Unfold(kernel_size=(2, 3), dilation=1, padding=0, stride=1)"
    assert repr(nn.Fold((4, 5), 2)) == "Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=1)"
    x = randn(2, 5, 3, 4)
    assert_close(nn.Unfold((2, 3))(make(x, device)), ref_unfold(x, (2, 3)))
    c = randn(1, 12, 12)
    assert_close(nn.Fold((4, 5), 2)(make(c, device)), ref_fold(c, (4, 5), 2))


def test_conv_large_plane(device):
    """Planes too large for the padded scratch copy take im2col's bounds-checked path."""
    x, w = randn(1, 1, 1030, 1025), randn(1, 1, 2, 2)
    out = F.conv2d(make(x, device), make(w, device), padding=(1, 0), stride=(2, 1))
    xp = np.pad(x, [(0, 0), (0, 0), (1, 1), (0, 0)])
    ref = sum(w[0, 0, i, j] * xp[:, :, i:i + 1031:2, j:j + 1024] for i in range(2) for j in range(2))
    assert_close(out, ref)
