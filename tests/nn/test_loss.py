"""Loss functions against NumPy float64 references for every reduction mode; gradcheck w.r.t.
inputs and weights; PyTorch's error types and messages; numerical stability for huge logits."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck

from conftest import assert_close, make, to_np

RNG = np.random.default_rng(7)
REDUCTIONS = ["none", "mean", "sum"]


def rnd(*shape):
    return RNG.standard_normal(shape)


def reduce_np(loss, reduction):
    return {"none": loss, "mean": np.mean(loss), "sum": np.sum(loss)}[reduction]


def log_softmax_np(x, axis):
    m = x.max(axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis, keepdims=True))


def log_sigmoid_np(x):
    return -np.logaddexp(0, -x)


# ------------------------------------------------------------------------------------------------
# regression losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_l1(device, reduction):
    x, y, w = rnd(3, 4), rnd(3, 4), np.abs(rnd(3, 4))
    assert_close(F.mse_loss(make(x, device), make(y, device), reduction=reduction),
                 reduce_np((x - y) ** 2, reduction))
    assert_close(F.l1_loss(make(x, device), make(y, device), reduction=reduction),
                 reduce_np(np.abs(x - y), reduction))
    # per-element weights: 'mean' divides by the weight sum (PyTorch 2.x)
    wm = {"none": (x - y) ** 2 * w, "sum": ((x - y) ** 2 * w).sum(),
          "mean": ((x - y) ** 2 * w).sum() / w.sum()}[reduction]
    assert_close(F.mse_loss(make(x, device), make(y, device), reduction=reduction,
                            weight=make(w, device)), wm)
    xt, yt, wt = make(x, device, True), make(y, device, True), make(w, device, True)
    assert gradcheck(lambda a, b, c: F.mse_loss(a, b, reduction=reduction, weight=c), (xt, yt, wt))
    assert gradcheck(lambda a, b: F.l1_loss(a, b, reduction=reduction), (xt, yt))
    assert gradgradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), (xt, yt))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 2.0])
def test_smooth_l1_and_huber(device, reduction, beta):
    x, y = rnd(4, 5) * 2, rnd(4, 5)
    z = np.abs(x - y)
    sl1 = z if beta == 0 else np.where(z < beta, 0.5 * z * z / max(beta, 1e-12), z - 0.5 * beta)
    assert_close(F.smooth_l1_loss(make(x, device), make(y, device), reduction=reduction, beta=beta),
                 reduce_np(sl1, reduction))
    xt, yt = make(x, device, True), make(y, device, True)
    assert gradcheck(lambda a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=beta), (xt, yt))
    if beta > 0:
        hub = np.where(z < beta, 0.5 * z * z, beta * (z - 0.5 * beta))
        assert_close(F.huber_loss(make(x, device), make(y, device), reduction=reduction, delta=beta),
                     reduce_np(hub, reduction))
        assert gradcheck(lambda a, b: F.huber_loss(a, b, reduction=reduction, delta=beta), (xt, yt))


def test_regression_errors_and_warnings(device):
    x = make(rnd(3), device)
    with pytest.raises(RuntimeError, match="smooth_l1_loss does not support negative values for beta."):
        F.smooth_l1_loss(x, x, beta=-1)
    with pytest.raises(RuntimeError, match="huber_loss does not support non-positive values for delta."):
        F.huber_loss(x, x, delta=0)
    with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
        F.mse_loss(x, x, reduction="foo")
    with pytest.raises(ValueError, match="Weights and input must have the same size."):
        F.l1_loss(x, x, weight=make(np.ones(2), device))
    with pytest.warns(UserWarning, match="Using a target size"):
        F.mse_loss(make(rnd(3, 1), device), make(rnd(3), device))
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated, please "
                                         "use reduction='sum' instead."):
        out = F.mse_loss(x, make(np.zeros(3), device), size_average=False)
    assert_close(out, (to_np(x) ** 2).sum())


# ------------------------------------------------------------------------------------------------
# cross entropy and NLL
def ref_ce(x, t, w=None, ignore=-100, ls=0.0, reduction="mean"):
    """Class-index cross entropy, class dim 1 (or 0 for a 1-d input)."""
    if x.ndim == 1:
        x, t = x[None], np.asarray(t)[None]
        squeeze = True
    else:
        squeeze = False
    c = x.shape[1]
    logp = np.moveaxis(log_softmax_np(x, 1), 1, -1)          # (N, *, C)
    w = np.ones(c) if w is None else w
    keep = t != ignore
    safe = np.where(keep, t, 0)
    wt = w[safe] * keep
    picked = np.take_along_axis(logp, safe[..., None], -1)[..., 0]
    loss = (1 - ls) * -picked * wt + ls / c * -(logp * w).sum(-1) * keep
    if reduction == "none":
        return loss[0] if squeeze else loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / wt.sum()


CE_CASES = [((5, 4), None), ((3, 4, 2), None), ((2, 3, 2, 2), None), ((4,), None),
            ((5, 4), "w"), ((2, 3, 2, 2), "w")]


@pytest.mark.parametrize("shape,weighted", CE_CASES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("ls", [0.0, 0.2])
def test_cross_entropy_class_indices(device, shape, weighted, reduction, ls):
    x = rnd(*shape) * 2
    c = shape[0] if len(shape) == 1 else shape[1]
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    t = RNG.integers(0, c, tshape)
    if t.ndim and t.size > 2:
        t.reshape(-1)[1] = -100                     # one ignored sample
    w = np.abs(rnd(c)) + 0.1 if weighted else None
    kw = dict(weight=make(w, device) if w is not None else None, reduction=reduction,
              label_smoothing=ls)
    out = F.cross_entropy(make(x, device), make(t, device), **kw)
    assert_close(out, ref_ce(x, t, w, -100, ls, reduction))
    xt = make(x, device, True)
    assert gradcheck(lambda a: F.cross_entropy(a, make(t, device), **kw), (xt,))
    # float32 runs the same kernel
    out32 = F.cross_entropy(make(x.astype(np.float32), device), make(t, device),
                            weight=make(w.astype(np.float32), device) if w is not None else None,
                            reduction=reduction, label_smoothing=ls)
    assert_close(out32, np.asarray(ref_ce(x, t, w, -100, ls, reduction)).astype(np.float32),
                 rtol=1e-5, atol=1e-6)


def test_cross_entropy_weight_gradient_and_double_backward(device):
    x, t, w = rnd(4, 3), np.array([0, 2, 1, 2]), np.abs(rnd(3)) + 0.5
    xt, wt = make(x, device, True), make(w, device, True)
    for red in REDUCTIONS:
        assert gradcheck(lambda a, b: F.cross_entropy(a, make(t, device), weight=b, reduction=red,
                                                      label_smoothing=0.1), (xt, wt))
        assert gradgradcheck(lambda a: F.cross_entropy(a, make(t, device), reduction=red,
                                                       label_smoothing=0.1), (xt,))
    assert gradgradcheck(lambda a: F.cross_entropy(a, make(t, device), weight=make(w, device)), (xt,))


def test_cross_entropy_ignore_index(device):
    x, t = rnd(4, 3), np.array([0, 2, 1, 2])
    for ign in (2, 0):
        for red in REDUCTIONS:
            assert_close(F.cross_entropy(make(x, device), make(t, device), ignore_index=ign,
                                         reduction=red), ref_ce(x, t, None, ign, 0.0, red))
    xt = make(x, device, True)
    F.cross_entropy(xt, make(t, device), ignore_index=2).backward()
    g = to_np(xt.grad)
    assert np.all(g[[1, 3]] == 0) and np.all(g[[0, 2]] != 0)
    # every target ignored: mean is 0 / 0 = nan (as PyTorch), sum is 0
    allign = make(np.full(4, -100), device)
    assert np.isnan(F.cross_entropy(make(x, device), allign).item())
    assert F.cross_entropy(make(x, device), allign, reduction="sum").item() == 0


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4), (3,)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probabilities(device, shape, reduction):
    x = rnd(*shape)
    axis = 0 if len(shape) == 1 else 1
    p = np.exp(log_softmax_np(rnd(*shape), axis))
    c = shape[axis]
    w = np.abs(rnd(c)) + 0.1
    for ls in (0.0, 0.3):
        for weight in (None, w):
            q = p * (1 - ls) + ls / c
            wv = 1.0 if weight is None else weight.reshape((c,) + (1,) * (len(shape) - 2)) \
                if len(shape) > 1 else weight
            per = -(log_softmax_np(x, axis) * q * wv).sum(axis)
            exp = {"none": per, "sum": per.sum(),
                   "mean": per.sum() / (x.size // c)}[reduction]
            out = F.cross_entropy(make(x, device), make(p, device), reduction=reduction,
                                  label_smoothing=ls,
                                  weight=make(weight, device) if weight is not None else None)
            assert_close(out, exp)
    xt, pt = make(x, device, True), make(p, device, True)
    assert gradcheck(lambda a, b: F.cross_entropy(a, b, reduction=reduction, label_smoothing=0.1),
                     (xt, pt))


def test_cross_entropy_huge_logits_stay_finite(device):
    x = np.array([[1e4, -1e4, 0.0], [-3e38, 3e38, 1.0], [50.0, 50.0, -1e30]], dtype=np.float32)
    t = np.array([0, 0, 1])
    for ls in (0.0, 0.1):
        out = F.cross_entropy(make(x, device), make(t, device), reduction="none", label_smoothing=ls)
        got = to_np(out)
        assert np.all(np.isfinite(got[[0, 2]]))
        assert_close(out[0], np.float32(ls / 3 * (2e4 + 1e4)), rtol=1e-5)
    xt = make(x[[0, 2]], device, True)
    F.cross_entropy(xt, make(t[[0, 2]], device)).backward()
    assert np.all(np.isfinite(to_np(xt.grad)))
    x64 = np.array([[800.0, -800.0, 0.0]])
    assert_close(F.cross_entropy(make(x64, device), make(np.array([1]), device)), 1600.0)


def test_cross_entropy_errors(device):
    x = make(rnd(3, 4), device)
    # (on OpenCL the error surfaces at the next synchronization, as CUDA's device-side asserts)
    with pytest.raises(IndexError, match="Target 5 is out of bounds."):
        F.cross_entropy(x, make(np.array([0, 1, 5]), device)).tolist()
    with pytest.raises(IndexError, match="Target -1 is out of bounds."):
        F.nll_loss(x, make(np.array([0, -1, 2]), device))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target "
                                         r"batch_size \(2\)."):
        F.cross_entropy(x, make(np.array([0, 1]), device))
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Int"):
        F.cross_entropy(x, ember.tensor([0, 1, 2], dtype=ember.int32, device=device))
    with pytest.raises(RuntimeError, match="0D or 1D target tensor expected, multi-target not supported"):
        F.cross_entropy(x, make(np.zeros((3, 1), dtype=np.int64), device))
    with pytest.raises(RuntimeError, match=r"weight tensor should be defined either for all 4 "
                                           r"classes or no classes but got weight tensor of shape: \[5\]"):
        F.cross_entropy(x, make(np.array([0, 1, 2]), device), weight=make(np.ones(5), device))
    with pytest.raises(RuntimeError, match=r"Expected target size \[2, 4\], got \[2, 5\]"):
        F.cross_entropy(make(rnd(2, 3, 4), device), make(np.zeros((2, 5), np.int64), device))
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0. Got: 1.5"):
        F.cross_entropy(x, make(np.array([0, 1, 2]), device), label_smoothing=1.5)
    with pytest.raises(RuntimeError, match="ignore_index is not supported for floating point target"):
        F.cross_entropy(x, make(rnd(3, 4), device), ignore_index=1)
    with pytest.raises(ValueError, match="sum_ is not a valid value for reduction"):
        F.cross_entropy(x, make(np.array([0, 1, 2]), device), reduction="sum_")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(device, reduction):
    for shape in [(5, 4), (2, 3, 4), (2, 3, 2, 2), (4,)]:
        x = log_softmax_np(rnd(*shape), 0 if len(shape) == 1 else 1)
        c = shape[0] if len(shape) == 1 else shape[1]
        t = RNG.integers(0, c, () if len(shape) == 1 else (shape[0],) + shape[2:])
        if t.ndim == 0:
            t = np.array(2)                        # not the ignored class
        w = np.abs(rnd(c)) + 0.1
        # NLL is cross entropy of log-probabilities (log_softmax is idempotent)
        for weight in (None, w):
            kw = dict(weight=make(weight, device) if weight is not None else None, reduction=reduction)
            out = F.nll_loss(make(x, device), make(t, device), ignore_index=1, **kw)
            assert_close(out, ref_ce(x, t, weight, 1, 0.0, reduction))
        xt, wt = make(x, device, True), make(w, device, True)
        assert gradcheck(lambda a, b: F.nll_loss(a, make(t, device), weight=b, reduction=reduction),
                         (xt, wt))


# ------------------------------------------------------------------------------------------------
# binary cross entropy
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(device, reduction):
    p = 1 / (1 + np.exp(-rnd(3, 4)))
    t = RNG.random((3, 4))
    w = RNG.random(4) + 0.5
    ref = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert_close(F.binary_cross_entropy(make(p, device), make(t, device), reduction=reduction),
                 reduce_np(ref, reduction))
    assert_close(F.binary_cross_entropy(make(p, device), make(t, device), weight=make(w, device),
                                        reduction=reduction), reduce_np(ref * w, reduction))
    pt, tt, wt = make(p, device, True), make(t, device, True), make(w, device, True)
    assert gradcheck(lambda a, b, c: F.binary_cross_entropy(a, b, c, reduction=reduction), (pt, tt, wt))
    assert gradgradcheck(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction), (pt, tt))


def test_binary_cross_entropy_clamps_log(device):
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    t = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    out = F.binary_cross_entropy(make(p, device), make(t, device), reduction="none")
    assert_close(out, np.array([100.0, 100.0, 0.0, 0.0, np.log(2)]))
    pt = make(p, device, True)
    F.binary_cross_entropy(pt, make(t, device), reduction="sum").backward()
    g = to_np(pt.grad)
    assert np.all(np.isfinite(g))                  # PyTorch's (x - t) / max(x (1 - x), 1e-12)
    assert_close(pt.grad, (p - t) / np.maximum(p * (1 - p), 1e-12))


def test_binary_cross_entropy_errors(device):
    with pytest.raises(ValueError, match=r"Using a target size \(ember.Size\(\[4\]\)\) that is "
                                         r"different to the input size \(ember.Size\(\[3\]\)\)"):
        F.binary_cross_entropy(make(RNG.random(3), device), make(RNG.random(4), device))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(make(RNG.random(3) + 1, device), make(RNG.random(3), device))
    with pytest.raises(ValueError, match=r"Target size \(ember.Size\(\[4\]\)\) must be the same as "
                                         r"input size \(ember.Size\(\[3\]\)\)"):
        F.binary_cross_entropy_with_logits(make(rnd(3), device), make(RNG.random(4), device))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits(device, reduction):
    x, t = rnd(3, 4) * 5, RNG.random((3, 4))
    w, pw = RNG.random((3, 4)) + 0.5, RNG.random(4) * 3
    ref = (1 - t) * x - log_sigmoid_np(x)
    out = F.binary_cross_entropy_with_logits(make(x, device), make(t, device), reduction=reduction)
    assert_close(out, reduce_np(ref, reduction))
    refpw = ((1 - t) * x - (1 + (pw - 1) * t) * log_sigmoid_np(x)) * w
    out = F.binary_cross_entropy_with_logits(make(x, device), make(t, device), make(w, device),
                                             reduction=reduction, pos_weight=make(pw, device))
    assert_close(out, reduce_np(refpw, reduction))
    xt, tt, wt, pwt = (make(a, device, True) for a in (x, t, w, pw))
    assert gradcheck(lambda a, b, c, d: F.binary_cross_entropy_with_logits(
        a, b, c, reduction=reduction, pos_weight=d), (xt, tt, wt, pwt))
    assert gradgradcheck(lambda a: F.binary_cross_entropy_with_logits(a, make(t, device),
                                                                       reduction=reduction), (xt,))


def test_binary_cross_entropy_with_logits_huge_logits(device):
    x = np.array([1e4, -1e4, 3e38, -3e38, 0.0], dtype=np.float32)
    t = np.array([1.0, 0.0, 0.0, 1.0, 1.0], dtype=np.float32)
    out = F.binary_cross_entropy_with_logits(make(x, device), make(t, device), reduction="none")
    assert_close(out, np.array([0, 0, 3e38, 3e38, np.log(2)], dtype=np.float32), rtol=1e-6)
    xt = make(x, device, True)
    F.binary_cross_entropy_with_logits(xt, make(t, device), reduction="sum").backward()
    assert_close(xt.grad, np.array([0, 0, 1, -1, -0.5], dtype=np.float32))
    # the gradient at 0 is sigmoid(0) - t
    x0 = make(np.zeros(3), device, True)
    F.binary_cross_entropy_with_logits(x0, make(np.array([0.0, 1.0, 0.5]), device),
                                       reduction="sum").backward()
    assert_close(x0.grad, np.array([0.5, -0.5, 0.0]))


# ------------------------------------------------------------------------------------------------
# KL, Poisson, Gaussian
@pytest.mark.parametrize("reduction", ["none", "mean", "sum", "batchmean"])
def test_kl_div(device, reduction):
    x = log_softmax_np(rnd(3, 4), 1)
    p = np.exp(log_softmax_np(rnd(3, 4), 1))
    p[0, 0] = 0.0                                     # 0 * log 0 = 0
    pointwise = np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0) - p * x
    exp = pointwise.sum() / 3 if reduction == "batchmean" else reduce_np(pointwise, reduction)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(F.kl_div(make(x, device), make(p, device), reduction=reduction), exp)
        lq = log_softmax_np(rnd(3, 4), 1)
        pw = np.exp(lq) * (lq - x)
        exp = pw.sum() / 3 if reduction == "batchmean" else reduce_np(pw, reduction)
        assert_close(F.kl_div(make(x, device), make(lq, device), reduction=reduction,
                              log_target=True), exp)
        xt, qt = make(x, device, True), make(lq, device, True)
        assert gradcheck(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=True), (xt, qt))
        pt = make(np.exp(lq), device, True)
        assert gradcheck(lambda a, b: F.kl_div(a, b, reduction=reduction), (xt, pt))
    if reduction == "mean":
        with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
            F.kl_div(make(x, device), make(p, device))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_poisson_nll_loss(device, reduction):
    x, t = rnd(3, 4), np.floor(RNG.random((3, 4)) * 5)
    assert_close(F.poisson_nll_loss(make(x, device), make(t, device), reduction=reduction),
                 reduce_np(np.exp(x) - t * x, reduction))
    r = np.abs(x) + 0.1
    st = np.where(t > 1, t * np.log(np.where(t > 1, t, 1)) - t + 0.5 * np.log(2 * np.pi * np.where(t > 1, t, 1)), 0)
    exp = r - t * np.log(r + 1e-8) + st
    assert_close(F.poisson_nll_loss(make(r, device), make(t, device), log_input=False, full=True,
                                    reduction=reduction), reduce_np(exp, reduction))
    xt, tt = make(x, device, True), make(t + 0.5, device, True)
    assert gradcheck(lambda a, b: F.poisson_nll_loss(a, b, full=True, reduction=reduction), (xt, tt))
    with pytest.raises(ValueError, match="bad is not a valid value for reduction"):
        F.poisson_nll_loss(make(x, device), make(t, device), reduction="bad")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gaussian_nll_loss(device, reduction):
    x, t = rnd(4, 3), rnd(4, 3)
    for var in [RNG.random((4, 3)) + 0.1, RNG.random((4, 1)) + 0.1, RNG.random(4) + 0.1, 0.7]:
        v = var if isinstance(var, float) else (var[:, None] if var.ndim == 1 else var)
        vc = np.maximum(v, 1e-6)
        exp = 0.5 * (np.log(vc) + (x - t) ** 2 / vc)
        vt = var if isinstance(var, float) else make(var, device)
        assert_close(F.gaussian_nll_loss(make(x, device), make(t, device), vt, reduction=reduction),
                     reduce_np(exp, reduction))
        assert_close(F.gaussian_nll_loss(make(x, device), make(t, device), vt, full=True,
                                         reduction=reduction),
                     reduce_np(exp + 0.5 * np.log(2 * np.pi), reduction))
    xt, tt, vt = make(x, device, True), make(t, device, True), make(RNG.random((4, 1)) + 0.1, device, True)
    assert gradcheck(lambda a, b, c: F.gaussian_nll_loss(a, b, c, reduction=reduction), (xt, tt, vt))
    with pytest.raises(ValueError, match="var has negative entry/entries"):
        F.gaussian_nll_loss(make(x, device), make(t, device), make(-np.ones((4, 3)), device))
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(make(x, device), make(t, device), make(np.ones((2, 2)), device))


def test_cross_entropy_composite_fallback(device, monkeypatch):
    import ember.nn.functional._loss_ce as ce_mod
    x, t, w = rnd(5, 4), np.array([0, 3, -100, 1, 2]), np.abs(rnd(4)) + 0.1
    fused = {red: to_np(F.cross_entropy(make(x, device), make(t, device), make(w, device),
                                        reduction=red, label_smoothing=0.2)) for red in REDUCTIONS}
    monkeypatch.setattr(ce_mod, "_has", lambda t, name: False)
    xt = make(x, device, True)
    for red in REDUCTIONS:
        out = F.cross_entropy(make(x, device), make(t, device), make(w, device), reduction=red,
                              label_smoothing=0.2)
        assert_close(out, fused[red])
        assert gradcheck(lambda a: F.cross_entropy(a, make(t, device), make(w, device), reduction=red,
                                                   label_smoothing=0.2), (xt,))
    with pytest.raises(IndexError, match="Target 4 is out of bounds."):
        F.cross_entropy(make(x, device), make(np.array([0, 4, 1, 1, 1]), device)).tolist()
