"""Normalization functions against NumPy float64 references: batch_norm (training / eval,
running statistics), layer_norm, group_norm, instance_norm, rms_norm, local_response_norm;
gradcheck (and gradgradcheck for the fused kernels) w.r.t. inputs and affine parameters."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck

from conftest import assert_close, make, noncontig, to_np

RNG = np.random.default_rng(1234)


def rnd(*shape):
    return RNG.standard_normal(shape)


# ------------------------------------------------------------------------------------------------
# NumPy references
def ref_layer_norm(x, k, w=None, b=None, eps=1e-5):
    axes = tuple(range(x.ndim - k, x.ndim))
    mu = x.mean(axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axes, keepdims=True)
    y = (x - mu) / np.sqrt(var + eps)
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y


def _cview(v, ndim):
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def ref_batch_norm(x, w=None, b=None, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    mu = x.mean(axes, keepdims=True)
    var = x.var(axes, keepdims=True)
    y = (x - mu) / np.sqrt(var + eps)
    if w is not None:
        y = y * _cview(w, x.ndim)
    if b is not None:
        y = y + _cview(b, x.ndim)
    return y, mu.reshape(-1), x.var(axes, ddof=1).reshape(-1)


def ref_batch_norm_eval(x, rm, rv, w=None, b=None, eps=1e-5):
    y = (x - _cview(rm, x.ndim)) / np.sqrt(_cview(rv, x.ndim) + eps)
    if w is not None:
        y = y * _cview(w, x.ndim)
    if b is not None:
        y = y + _cview(b, x.ndim)
    return y


def ref_group_norm(x, g, w=None, b=None, eps=1e-5):
    n, c = x.shape[:2]
    xr = x.reshape(n, g, -1)
    mu = xr.mean(2, keepdims=True)
    var = xr.var(2, keepdims=True)
    y = ((xr - mu) / np.sqrt(var + eps)).reshape(x.shape)
    if w is not None:
        y = y * _cview(w, x.ndim)
    if b is not None:
        y = y + _cview(b, x.ndim)
    return y


def ref_instance_norm(x, w=None, b=None, eps=1e-5):
    axes = tuple(range(2, x.ndim))
    mu = x.mean(axes, keepdims=True)
    var = x.var(axes, keepdims=True)
    y = (x - mu) / np.sqrt(var + eps)
    if w is not None:
        y = y * _cview(w, x.ndim)
    if b is not None:
        y = y + _cview(b, x.ndim)
    return y


def ref_rms_norm(x, k, w=None, eps=None):
    if eps is None:
        eps = np.finfo(x.dtype).eps
    axes = tuple(range(x.ndim - k, x.ndim))
    y = x / np.sqrt((x * x).mean(axes, keepdims=True) + eps)
    return y * w if w is not None else y


def ref_lrn(x, size, alpha=1e-4, beta=0.75, k=1.0):
    c = x.shape[1]
    sq = x * x
    div = np.zeros_like(x)
    for ch in range(c):
        lo, hi = max(0, ch - size // 2), min(c, ch + (size - 1) // 2 + 1)
        div[:, ch] = sq[:, lo:hi].sum(1)
    return x / (k + alpha / size * div) ** beta


# ------------------------------------------------------------------------------------------------
# layer_norm
@pytest.mark.parametrize("shape,k", [((4, 7), 1), ((2, 3, 5), 1), ((2, 3, 5), 2), ((6,), 1),
                                     ((3, 300), 1), ((0, 4), 1)])
@pytest.mark.parametrize("affine", ["both", "weight", "none"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_norm_forward(device, shape, k, affine, dtype):
    x = rnd(*shape).astype(dtype) * 3 + 1
    ns = shape[len(shape) - k:]
    w = rnd(*ns).astype(dtype) if affine != "none" else None
    b = rnd(*ns).astype(dtype) if affine == "both" else None
    y = F.layer_norm(make(x, device), ns, make(w, device) if w is not None else None,
                     make(b, device) if b is not None else None)
    exp = ref_layer_norm(x.astype(np.float64), k, w, b).astype(dtype)
    assert_close(y, exp, rtol=1e-4 if dtype == np.float32 else 1e-7,
                 atol=1e-5 if dtype == np.float32 else 1e-9)


def test_layer_norm_noncontiguous_and_eps(device):
    x = noncontig(rnd(3, 8))
    y = F.layer_norm(make(x, device), (8,), eps=0.5)
    assert_close(y, ref_layer_norm(x, 1, eps=0.5))
    big = rnd(4, 16) * 1e4 + 1e5          # large offset: the two-pass variance stays exact
    assert_close(F.layer_norm(make(big.astype(np.float32), device), 16),
                 ref_layer_norm(big, 1).astype(np.float32), rtol=1e-3, atol=1e-3)


def test_layer_norm_half(device):
    x = rnd(3, 10)
    y = F.layer_norm(make(x.astype(np.float16), device), (10,))
    assert y.dtype == ember.float16
    np.testing.assert_allclose(to_np(y).astype(np.float64), ref_layer_norm(x, 1), atol=1e-2)


def test_layer_norm_gradcheck(device):
    x = make(rnd(3, 4, 5), device, True)
    w = make(rnd(4, 5), device, True)
    b = make(rnd(4, 5), device, True)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, (4, 5), w, b), (x, w, b))
    assert gradcheck(lambda x: F.layer_norm(x, (5,)), (x,))
    w1, b1 = make(rnd(5), device, True), make(rnd(5), device, True)
    assert gradgradcheck(lambda x, w, b: F.layer_norm(x, (5,), w, b), (x, w1, b1))


def test_layer_norm_backward_matches_reference(device):
    # the fused backward kernel vs the analytic formula in NumPy
    x, w, g = rnd(6, 9), rnd(9), rnd(6, 9)
    xt, wt, bt = make(x, device, True), make(w, device, True), make(rnd(9), device, True)
    F.layer_norm(xt, (9,), wt, bt).backward(make(g, device))
    mu = x.mean(1, keepdims=True)
    rstd = 1 / np.sqrt(x.var(1, keepdims=True) + 1e-5)
    xhat = (x - mu) * rstd
    gw = g * w
    gi = rstd * (gw - gw.mean(1, keepdims=True) - xhat * (gw * xhat).mean(1, keepdims=True))
    assert_close(xt.grad, gi)
    assert_close(wt.grad, (g * xhat).sum(0))
    assert_close(bt.grad, g.sum(0))


def test_layer_norm_errors(device):
    x = make(rnd(2, 3), device)
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with "
                                           r"shape \[\*, 4\], but got input of size\[2, 3\]"):
        F.layer_norm(x, (4,))
    with pytest.raises(RuntimeError, match="Expected weight to be of same shape as normalized_shape"):
        F.layer_norm(x, (3,), make(rnd(4), device))
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        F.layer_norm(ember.ones(2, 3, dtype=ember.int64, device=device), (3,))


# ------------------------------------------------------------------------------------------------
# batch_norm
@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5), (2, 3, 4, 5), (2, 2, 2, 3, 2), (5, 300)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_training_forward_and_running_stats(device, shape, dtype):
    x = (rnd(*shape) * 2 + 0.5).astype(dtype)
    c = shape[1]
    w, b = rnd(c).astype(dtype), rnd(c).astype(dtype)
    rm, rv = make(np.zeros(c, dtype), device), make(np.ones(c, dtype), device)
    y = F.batch_norm(make(x, device), rm, rv, make(w, device), make(b, device), training=True,
                     momentum=0.2)
    exp, mu, uvar = ref_batch_norm(x.astype(np.float64), w, b)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else {}
    assert_close(y, exp.astype(dtype), **tol)
    assert_close(rm, (0.2 * mu).astype(dtype), **tol)
    assert_close(rv, (0.8 + 0.2 * uvar).astype(dtype), **tol)


def test_batch_norm_running_stats_over_steps(device):
    # several steps of the exponential moving average, checked against a hand computation
    c = 3
    rm, rv = make(np.zeros(c), device), make(np.ones(c), device)
    erm, erv = np.zeros(c), np.ones(c)
    for step in range(4):
        x = rnd(6, c, 2) * (step + 1) + step
        F.batch_norm(make(x, device), rm, rv, training=True, momentum=0.1)
        erm = 0.9 * erm + 0.1 * x.mean((0, 2))
        erv = 0.9 * erv + 0.1 * x.var((0, 2), ddof=1)
    assert_close(rm, erm)
    assert_close(rv, erv)


def test_batch_norm_eval(device):
    x = rnd(4, 3, 5)
    rm, rv, w, b = rnd(3), np.abs(rnd(3)) + 0.5, rnd(3), rnd(3)
    y = F.batch_norm(make(x, device), make(rm, device), make(rv, device), make(w, device),
                     make(b, device), training=False)
    assert_close(y, ref_batch_norm_eval(x, rm, rv, w, b))
    y2 = F.batch_norm(make(x, device), make(rm, device), make(rv, device))
    assert_close(y2, ref_batch_norm_eval(x, rm, rv))


def test_batch_norm_training_without_running_stats(device):
    x = rnd(5, 4)
    assert_close(F.batch_norm(make(x, device), None, None, training=True), ref_batch_norm(x)[0])


def test_batch_norm_gradcheck(device):
    for shape in [(5, 3), (3, 2, 4), (2, 3, 2, 2)]:
        x = make(rnd(*shape), device, True)
        w, b = make(rnd(shape[1]), device, True), make(rnd(shape[1]), device, True)
        assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (x, w, b))
        assert gradcheck(lambda x: F.batch_norm(x, None, None, training=True), (x,))
        rm, rv = make(rnd(shape[1]), device), make(np.abs(rnd(shape[1])) + 0.5, device)
        assert gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b), (x, w, b))
    x = make(rnd(3, 2, 4), device, True)
    w, b = make(rnd(2), device, True), make(rnd(2), device, True)
    rm, rv = make(rnd(2), device), make(np.abs(rnd(2)) + 0.5, device)
    assert gradgradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (x, w, b))
    assert gradgradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b), (x, w, b))


def test_batch_norm_backward_matches_reference(device):
    x, g, w = rnd(4, 3, 5), rnd(4, 3, 5), rnd(3)
    xt, wt, bt = make(x, device, True), make(w, device, True), make(rnd(3), device, True)
    F.batch_norm(xt, None, None, wt, bt, training=True).backward(make(g, device))
    axes = (0, 2)
    mu = x.mean(axes, keepdims=True)
    invstd = 1 / np.sqrt(x.var(axes, keepdims=True) + 1e-5)
    xhat = (x - mu) * invstd
    gi = _cview(w, 3) * invstd * (g - g.mean(axes, keepdims=True)
                                  - xhat * (g * xhat).mean(axes, keepdims=True))
    assert_close(xt.grad, gi)
    assert_close(wt.grad, (g * xhat).sum(axes))
    assert_close(bt.grad, g.sum(axes))


def test_batch_norm_errors(device):
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, "
                                         r"got input size ember.Size\(\[1, 3\]\)"):
        F.batch_norm(make(rnd(1, 3), device), None, None, training=True)
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        F.batch_norm(make(rnd(2, 3), device), None, None)
    with pytest.raises(RuntimeError, match="running_mean should contain 3 elements not 4"):
        F.batch_norm(make(rnd(2, 3), device), make(np.zeros(4), device), make(np.ones(4), device))
    with pytest.raises(RuntimeError, match="weight should contain 3 elements not 4"):
        F.batch_norm(make(rnd(2, 3), device), make(np.zeros(3), device), make(np.ones(3), device),
                     make(np.ones(4), device))


# ------------------------------------------------------------------------------------------------
# group_norm, instance_norm, rms_norm, local_response_norm
@pytest.mark.parametrize("shape,g", [((2, 6, 5), 3), ((3, 4), 2), ((2, 4, 3, 3), 4), ((2, 4, 3), 1)])
def test_group_norm(device, shape, g):
    x = rnd(*shape)
    c = shape[1]
    w, b = rnd(c), rnd(c)
    assert_close(F.group_norm(make(x, device), g, make(w, device), make(b, device)),
                 ref_group_norm(x, g, w, b))
    assert_close(F.group_norm(make(x, device), g), ref_group_norm(x, g))
    x32 = x.astype(np.float32)
    assert_close(F.group_norm(make(x32, device), g, eps=1e-3),
                 ref_group_norm(x, g, eps=1e-3).astype(np.float32), rtol=1e-4, atol=1e-5)


def test_group_norm_gradcheck_and_errors(device):
    x = make(rnd(2, 4, 3), device, True)
    w, b = make(rnd(4), device, True), make(rnd(4), device, True)
    assert gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (x, w, b))
    assert gradgradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (x, w, b))
    with pytest.raises(RuntimeError, match="Expected number of channels in input to be divisible "
                                           r"by num_groups, but got input of shape \[2, 5, 3\] "
                                           "and num_groups=2"):
        F.group_norm(make(rnd(2, 5, 3), device), 2)
    with pytest.raises(RuntimeError, match="Expected weight to be a vector of size equal to the "
                                           "number of channels"):
        F.group_norm(make(rnd(2, 6, 3), device), 2, make(np.ones(5), device))


def test_instance_norm(device):
    x = rnd(3, 4, 5)
    w, b = rnd(4), rnd(4)
    assert_close(F.instance_norm(make(x, device), weight=make(w, device), bias=make(b, device)),
                 ref_instance_norm(x, w, b))
    # running statistics: the batch average of the per-instance updates
    rm, rv = make(np.zeros(4), device), make(np.ones(4), device)
    F.instance_norm(make(x, device), rm, rv, momentum=0.3)
    assert_close(rm, 0.3 * x.mean(2).mean(0))
    assert_close(rv, 0.7 + 0.3 * x.var(2, ddof=1).mean(0))
    # use_input_stats=False normalizes with the running statistics
    y = F.instance_norm(make(x, device), rm, rv, use_input_stats=False)
    assert_close(y, ref_batch_norm_eval(x, to_np(rm), to_np(rv)))
    xt, wt, bt = make(rnd(2, 3, 4), device, True), make(rnd(3), device, True), make(rnd(3), device, True)
    assert gradcheck(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), (xt, wt, bt))
    with pytest.raises(ValueError, match="Expected more than 1 spatial element when training"):
        F.instance_norm(make(rnd(2, 3, 1), device))


@pytest.mark.parametrize("shape,ns", [((3, 5), (5,)), ((2, 3, 4), (3, 4))])
def test_rms_norm(device, shape, ns):
    x = rnd(*shape)
    w = rnd(*ns)
    assert_close(F.rms_norm(make(x, device), ns, make(w, device)), ref_rms_norm(x, len(ns), w))
    assert_close(F.rms_norm(make(x, device), ns, eps=0.1), ref_rms_norm(x, len(ns), eps=0.1))
    x32 = x.astype(np.float32)
    assert_close(F.rms_norm(make(x32, device), ns),
                 ref_rms_norm(x32.astype(np.float64), len(ns), eps=np.finfo(np.float32).eps)
                 .astype(np.float32), rtol=1e-5)
    xt, wt = make(x, device, True), make(w, device, True)
    assert gradcheck(lambda x, w: F.rms_norm(x, ns, w), (xt, wt))
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[7\]"):
        F.rms_norm(make(x, device), (7,))


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_local_response_norm(device, size):
    x = rnd(2, 6, 3, 2)
    y = F.local_response_norm(make(x, device), size, alpha=0.5, beta=0.6, k=1.5)
    assert_close(y, ref_lrn(x, size, 0.5, 0.6, 1.5))
    x3 = rnd(2, 4, 3)
    assert_close(F.local_response_norm(make(x3, device), size), ref_lrn(x3, size))
    xt = make(rnd(2, 4, 3), device, True)
    assert gradcheck(lambda x: F.local_response_norm(x, size, alpha=0.5), (xt,))
    with pytest.raises(ValueError, match=r"Expected 3D or higher dimensionality\s+input "
                                         r"\(got 2 dimensions\)"):
        F.local_response_norm(make(rnd(2, 3), device), 2)


def test_group_norm_partial_affine_gradients(device):
    x = make(rnd(3, 4, 2), device, True)
    w, b = make(rnd(4), device, True), make(rnd(4), device, True)
    assert gradcheck(lambda x: F.group_norm(x, 2), (x,))
    assert gradcheck(lambda x, w: F.group_norm(x, 2, w), (x, w))
    assert gradcheck(lambda x, b: F.group_norm(x, 4, None, b), (x, b))
    assert gradgradcheck(lambda x: F.group_norm(x, 1), (x,))


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_fused_kernels_half_inputs(device, dtype):
    # half inputs run the float32 kernels; statistics are kept in float32
    x = rnd(4, 3, 5)
    xt = make(x, device).to(dtype)
    xr = to_np(xt.float()).astype(np.float64)
    for got, exp in [(F.layer_norm(xt, (5,)), ref_layer_norm(xr, 1)),
                     (F.batch_norm(xt, None, None, training=True), ref_batch_norm(xr)[0]),
                     (F.group_norm(xt, 3), ref_group_norm(xr, 3))]:
        assert got.dtype == dtype
        np.testing.assert_allclose(to_np(got.float()), exp, atol=3e-2, rtol=3e-2)
    rm = make(np.zeros(3, np.float32), device)
    rv = make(np.ones(3, np.float32), device)
    F.batch_norm(xt, rm, rv, training=True)
    assert rm.dtype == ember.float32
    np.testing.assert_allclose(to_np(rm), 0.1 * xr.mean((0, 2)), atol=1e-3)


def test_composite_fallbacks_match(device, monkeypatch):
    # a backend without the fused primitives (e.g. a new device) takes the composite paths
    import ember.nn.functional._norm as norm_mod
    x, w, b, w5 = rnd(3, 4, 5), rnd(4), rnd(4), rnd(5)
    fused = [to_np(F.layer_norm(make(x, device), (5,), make(w5, device))),
             to_np(F.batch_norm(make(x, device), None, None, make(w, device), make(b, device), True)),
             to_np(F.group_norm(make(x, device), 2, make(w, device), make(b, device)))]
    monkeypatch.setattr(norm_mod, "_has", lambda t, name: False)
    assert_close(F.layer_norm(make(x, device), (5,), make(w5, device)), fused[0])
    assert_close(F.batch_norm(make(x, device), None, None, make(w, device), make(b, device), True),
                 fused[1])
    assert_close(F.group_norm(make(x, device), 2, make(w, device), make(b, device)), fused[2])
    xt, wt, bt = make(x, device, True), make(w, device, True), make(b, device, True)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (xt, wt, bt))
    assert gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (xt, wt, bt))
    rm, rv = make(rnd(4), device), make(np.abs(rnd(4)) + 0.5, device)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b), (xt, wt, bt))
    w5t = make(w5, device, True)
    assert gradcheck(lambda x, w: F.layer_norm(x, (5,), w), (xt, w5t))
