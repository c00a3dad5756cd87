"""Margin and embedding losses against NumPy float64 references (loops where that is clearest);
gradcheck w.r.t. inputs and weights; PyTorch's error messages."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck

from conftest import assert_close, make

RNG = np.random.default_rng(11)
REDUCTIONS = ["none", "mean", "sum"]


def rnd(*shape):
    return RNG.standard_normal(shape)


def reduce_np(loss, reduction):
    return {"none": loss, "mean": np.mean(loss), "sum": np.sum(loss)}[reduction]


def signs(*shape):
    return np.where(RNG.random(shape) > 0.5, 1.0, -1.0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding_loss(device, reduction):
    a, b, y = rnd(5, 4), rnd(5, 4), signs(5)
    cos = (a * b).sum(1) / np.sqrt(((a * a).sum(1) + 1e-12) * ((b * b).sum(1) + 1e-12))
    exp = np.where(y == 1, 1 - cos, np.maximum(cos - 0.2, 0))
    out = F.cosine_embedding_loss(make(a, device), make(b, device), make(y, device), margin=0.2,
                                  reduction=reduction)
    assert_close(out, reduce_np(exp, reduction))
    # unbatched: 1-d inputs with a 0-d target
    out1 = F.cosine_embedding_loss(make(a[0], device), make(b[0], device), make(np.array(-1.0), device))
    assert_close(out1, np.maximum(cos[0], 0))
    at, bt = make(a, device, True), make(b, device, True)
    assert gradcheck(lambda u, v: F.cosine_embedding_loss(u, v, make(y, device), margin=-0.3,
                                                          reduction=reduction), (at, bt))
    with pytest.raises(RuntimeError, match="1D target tensor expects 2D input tensors, but found "
                                           r"inputs with sizes \[4\] and \[4\]."):
        F.cosine_embedding_loss(make(a[0], device), make(b[0], device), make(y, device))
    with pytest.raises(RuntimeError, match="0D or 1D target tensor expected"):
        F.cosine_embedding_loss(make(a, device), make(b, device), make(y[:, None], device))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_ranking_and_hinge_embedding(device, reduction):
    a, b, y = rnd(6), rnd(6), signs(6)
    assert_close(F.margin_ranking_loss(make(a, device), make(b, device), make(y, device), margin=0.1,
                                       reduction=reduction),
                 reduce_np(np.maximum(0, -y * (a - b) + 0.1), reduction))
    at, bt = make(a, device, True), make(b, device, True)
    assert gradcheck(lambda u, v: F.margin_ranking_loss(u, v, make(y, device), 0.1, reduction=reduction),
                     (at, bt))
    x, t = np.abs(rnd(3, 4)), signs(3, 4)
    exp = np.where(t == 1, x, np.maximum(0, 1.5 - x))
    assert_close(F.hinge_embedding_loss(make(x, device), make(t, device), margin=1.5,
                                        reduction=reduction), reduce_np(exp, reduction))
    xt = make(x, device, True)
    assert gradcheck(lambda u: F.hinge_embedding_loss(u, make(t, device), 1.5, reduction=reduction), (xt,))
    with pytest.raises(RuntimeError, match="margin_ranking_loss : All input tensors should have same "
                                           "dimension but got sizes"):
        F.margin_ranking_loss(make(rnd(3, 2), device), make(rnd(3, 2), device), make(y[:3], device))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_and_multilabel_soft_margin(device, reduction):
    x, y = rnd(3, 4) * 3, signs(3, 4)
    assert_close(F.soft_margin_loss(make(x, device), make(y, device), reduction=reduction),
                 reduce_np(np.log1p(np.exp(-y * x)), reduction))
    xt = make(x, device, True)
    assert gradcheck(lambda u: F.soft_margin_loss(u, make(y, device), reduction=reduction), (xt,))
    t = (y > 0).astype(np.float64)
    w = RNG.random(4) + 0.5
    ls = lambda v: -np.logaddexp(0, -v)     # noqa: E731
    per = -(t * ls(x) + (1 - t) * ls(-x))
    for weight in (None, w):
        exp = (per * (1 if weight is None else weight)).mean(1)
        out = F.multilabel_soft_margin_loss(make(x, device), make(t, device),
                                            weight=make(weight, device) if weight is not None else None,
                                            reduction=reduction)
        assert_close(out, reduce_np(exp, reduction))
    wt = make(w, device, True)
    assert gradcheck(lambda u, v: F.multilabel_soft_margin_loss(u, make(t, device), weight=v,
                                                                reduction=reduction), (xt, wt))


def ref_multi_margin(x, y, p=1, margin=1.0, w=None):
    n, c = x.shape
    out = np.zeros(n)
    for i in range(n):
        for j in range(c):
            if j != y[i]:
                z = max(0.0, margin - x[i, y[i]] + x[i, j]) ** p
                out[i] += z * (w[y[i]] if w is not None else 1.0)
    return out / c


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss(device, reduction, p):
    x, y, w = rnd(5, 4), RNG.integers(0, 4, 5), RNG.random(4) + 0.5
    for weight in (None, w):
        out = F.multi_margin_loss(make(x, device), make(y, device), p=p, margin=0.8,
                                  weight=make(weight, device) if weight is not None else None,
                                  reduction=reduction)
        assert_close(out, reduce_np(ref_multi_margin(x, y, p, 0.8, weight), reduction))
    out1 = F.multi_margin_loss(make(x[0], device), make(np.array(y[0]), device), reduction=reduction)
    assert_close(out1, reduce_np(ref_multi_margin(x[:1], y[:1])[0], reduction))
    xt, wt = make(x, device, True), make(w, device, True)
    assert gradcheck(lambda u, v: F.multi_margin_loss(u, make(y, device), p=p, weight=v,
                                                      reduction=reduction), (xt, wt))


def test_multi_margin_errors(device):
    x = make(rnd(3, 4), device)
    with pytest.raises(RuntimeError, match="target out of range"):
        F.multi_margin_loss(x, make(np.array([0, 1, 5]), device))
    with pytest.raises(RuntimeError, match=r"Expected target size \[3\], but got \[2\]"):
        F.multi_margin_loss(x, make(np.array([0, 1]), device))
    with pytest.raises(RuntimeError, match=r"inconsistent weight size, expected 4 but got \[3\]"):
        F.multi_margin_loss(x, make(np.array([0, 1, 2]), device), weight=make(np.ones(3), device))
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        F.multi_margin_loss(x, make(np.array([0, 1, 2]), device), p=3)
    with pytest.raises(RuntimeError, match="Expected non-empty vector or matrix with optional 0-dim "
                                           r"batch size, but got: \[2, 3, 4\]"):
        F.multi_margin_loss(make(rnd(2, 3, 4), device), make(np.array([1, 2]), device))


def ref_multilabel_margin(x, t):
    n, c = x.shape
    out = np.zeros(n)
    for i in range(n):
        tg = []
        for v in t[i]:
            if v < 0:
                break
            tg.append(v)
        for j in tg:
            for k in range(c):
                if k not in tg:
                    out[i] += max(0.0, 1 - (x[i, j] - x[i, k]))
    return out / c


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_loss(device, reduction):
    x = rnd(4, 5)
    t = np.array([[3, 0, -1, 1, 2], [1, -1, 0, 0, 0], [0, 1, 2, 3, 4], [-1, 0, 0, 0, 0]])
    assert_close(F.multilabel_margin_loss(make(x, device), make(t, device), reduction=reduction),
                 reduce_np(ref_multilabel_margin(x, t), reduction))
    doc = F.multilabel_margin_loss(ember.tensor([[0.1, 0.2, 0.4, 0.8]], device=device),
                                   ember.tensor([[3, 0, -1, 1]], device=device))
    assert abs(doc.item() - 0.85) < 1e-6            # PyTorch's documented example
    out1 = F.multilabel_margin_loss(make(x[0], device), make(t[0], device), reduction=reduction)
    assert_close(out1, reduce_np(ref_multilabel_margin(x[:1], t[:1])[0], reduction))
    xt = make(x, device, True)
    assert gradcheck(lambda u: F.multilabel_margin_loss(u, make(t, device), reduction=reduction), (xt,))
    with pytest.raises(RuntimeError, match=r"inconsistent target size: \[4, 3\] for input of size: \[4, 5\]"):
        F.multilabel_margin_loss(make(x, device), make(t[:, :3], device))
    with pytest.raises(RuntimeError, match="argument #2 'target' is out of range"):
        F.multilabel_margin_loss(make(x, device), make(np.where(t == 4, 5, t), device))


def pdist(a, b, p=2.0, eps=1e-6):
    return (np.abs(a - b + eps) ** p).sum(-1) ** (1 / p)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,swap", [(2, False), (1, True), (3, False)])
def test_triplet_margin_loss(device, reduction, p, swap):
    a, pos, neg = rnd(5, 4), rnd(5, 4), rnd(5, 4)
    dn = pdist(a, neg, p)
    if swap:
        dn = np.minimum(dn, pdist(pos, neg, p))
    exp = np.maximum(0.7 + pdist(a, pos, p) - dn, 0)
    out = F.triplet_margin_loss(make(a, device), make(pos, device), make(neg, device), margin=0.7,
                                p=p, swap=swap, reduction=reduction)
    assert_close(out, reduce_np(exp, reduction))
    ts = [make(v, device, True) for v in (a, pos, neg)]
    assert gradcheck(lambda u, v, w: F.triplet_margin_loss(u, v, w, margin=2.0, p=p, swap=swap,
                                                           reduction=reduction), ts)
    # with a custom distance
    cos = lambda u, v: 1 - (u * v).sum(-1) / ((u * u).sum(-1) * (v * v).sum(-1)).sqrt()  # noqa: E731
    cosn = lambda u, v: 1 - (u * v).sum(-1) / np.sqrt((u * u).sum(-1) * (v * v).sum(-1))  # noqa: E731
    exp = np.maximum(0.5 + cosn(a, pos) - cosn(a, neg), 0)
    out = F.triplet_margin_with_distance_loss(make(a, device), make(pos, device), make(neg, device),
                                              distance_function=cos, margin=0.5, reduction=reduction)
    assert_close(out, reduce_np(exp, reduction))
    out = F.triplet_margin_with_distance_loss(make(a, device), make(pos, device), make(neg, device),
                                              swap=swap, reduction=reduction)
    dn = pdist(a, neg)
    if swap:
        dn = np.minimum(dn, pdist(pos, neg))
    assert_close(out, reduce_np(np.maximum(1 + pdist(a, pos) - dn, 0), reduction))


def test_triplet_errors(device):
    x = make(rnd(3, 4), device)
    with pytest.raises(RuntimeError, match="The anchor, positive, and negative tensors are expected "
                                           "to have the same number of dimensions, but got: anchor "
                                           "2D, positive 2D, and negative 1D inputs"):
        F.triplet_margin_loss(x, x, x[0])
    with pytest.raises(ValueError, match="margin must be greater than 0, got 0"):
        F.triplet_margin_loss(x, x, x, margin=0)
    with pytest.raises(ValueError, match="margin must be greater than 0, got -1"):
        F.triplet_margin_with_distance_loss(x, x, x, margin=-1)
