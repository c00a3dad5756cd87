"""Optional: norms and losses side by side with PyTorch (values and gradients), when installed."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(21)


def rnd(*shape):
    return RNG.standard_normal(shape)


def _both(arrays, grad):
    e = [ember.tensor(a, requires_grad=g and a.dtype.kind == "f") for a, g in zip(arrays, grad)]
    t = [torch.tensor(a, requires_grad=g and a.dtype.kind == "f") for a, g in zip(arrays, grad)]
    return e, t


def _compare(ef, tf, arrays, grad, rtol=1e-10, atol=1e-12):
    e, t = _both(arrays, grad)
    eo, to = ef(*e), tf(*t)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=rtol, atol=atol)
    if any(x.requires_grad for x in t):
        go = RNG.standard_normal(tuple(to.shape))
        eo.backward(ember.tensor(go, dtype=eo.dtype))
        to.backward(torch.tensor(go, dtype=to.dtype))
        for a, b in zip(e, t):
            if b.requires_grad:
                np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol * 10,
                                           atol=atol * 10)


x = rnd(6, 5)
y = rnd(6, 5)
t = RNG.integers(0, 5, 6)
t[2] = -100
w = np.abs(rnd(5)) + 0.1
p = 1 / (1 + np.exp(-x))
q = RNG.random((6, 5))
x4 = rnd(2, 3, 4, 5)
t4 = RNG.integers(0, 3, (2, 4, 5))

CASES = {
    "cross_entropy": (lambda F_: lambda a, b: F_.cross_entropy(a, b), [x, t], [1, 0]),
    "cross_entropy_w_ls_sum": (lambda F_: lambda a, b, c: F_.cross_entropy(
        a, b, c, reduction="sum", label_smoothing=0.3), [x, t, w], [1, 0, 0]),
    "cross_entropy_4d_none": (lambda F_: lambda a, b: F_.cross_entropy(a, b, reduction="none",
                                                                       label_smoothing=0.1), [x4, t4], [1, 0]),
    "cross_entropy_probs": (lambda F_: lambda a, b: F_.cross_entropy(a, b, label_smoothing=0.2),
                            [x, q / q.sum(1, keepdims=True)], [1, 1]),
    "nll_loss": (lambda F_: lambda a, b, c: F_.nll_loss(a, b, c), [x, t, w], [1, 0, 0]),
    "bce": (lambda F_: lambda a, b: F_.binary_cross_entropy(a, b, reduction="none"), [p, q], [1, 1]),
    "bce_logits": (lambda F_: lambda a, b, c: F_.binary_cross_entropy_with_logits(
        a, b, pos_weight=c), [x * 20, q, w], [1, 1, 0]),
    "kl_div": (lambda F_: lambda a, b: F_.kl_div(a, b, reduction="batchmean"), [x, q], [1, 1]),
    "poisson": (lambda F_: lambda a, b: F_.poisson_nll_loss(a, b, full=True), [x, q * 5], [1, 1]),
    "gaussian": (lambda F_: lambda a, b, c: F_.gaussian_nll_loss(a, b, c), [x, y, q + 0.1], [1, 1, 1]),
    "smooth_l1": (lambda F_: lambda a, b: F_.smooth_l1_loss(a, b, beta=0.5), [x, y], [1, 1]),
    "huber": (lambda F_: lambda a, b: F_.huber_loss(a, b, delta=0.5, reduction="sum"), [x, y], [1, 1]),
    "multi_margin": (lambda F_: lambda a, b, c: F_.multi_margin_loss(a, b, p=2, weight=c),
                     [x, np.abs(t) % 5, w], [1, 0, 0]),
    "multilabel_margin": (lambda F_: lambda a, b: F_.multilabel_margin_loss(a, b, reduction="none"),
                          [x, np.array([[3, 0, -1, 1, 2]] * 6)], [1, 0]),
    "triplet": (lambda F_: lambda a, b, c: F_.triplet_margin_loss(a, b, c, swap=True), [x, y, q], [1, 1, 1]),
    "cosine_embedding": (lambda F_: lambda a, b, c: F_.cosine_embedding_loss(a, b, c, 0.1),
                         [x, y, np.sign(rnd(6))], [1, 1, 0]),
    "layer_norm": (lambda F_: lambda a, b, c: F_.layer_norm(a, (5,), b, c), [x, w, y[0]], [1, 1, 1]),
    "group_norm": (lambda F_: lambda a, b, c: F_.group_norm(a, 3, b, c), [x4, w[:3], y[0, :3]], [1, 1, 1]),
    "batch_norm_train": (lambda F_: lambda a, b, c: F_.batch_norm(a, None, None, b, c, training=True),
                         [x4, w[:3], y[0, :3]], [1, 1, 1]),
    "instance_norm": (lambda F_: lambda a: F_.instance_norm(a), [x4], [1]),
    "local_response_norm": (lambda F_: lambda a: F_.local_response_norm(a, 3), [x4], [1]),
    "rms_norm": (lambda F_: lambda a, b: F_.rms_norm(a, (5,), b), [x, w], [1, 1]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    make_fn, arrays, grad = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _compare(make_fn(F), make_fn(TF), arrays, [bool(g) for g in grad])


def test_ctc_matches_torch():
    logits = rnd(8, 3, 5)
    tg = np.array([[1, 2, 2, 3], [3, 1, 0, 0], [4, 4, 1, 2]])
    for red in ("none", "mean", "sum"):
        for il, tl in (([8, 6, 7], [4, 2, 3]), ([8, 1, 7], [4, 2, 3])):
            for zi in (False, True):
                _compare(lambda a: F.ctc_loss(a.log_softmax(2), ember.tensor(tg), il, tl,
                                              reduction=red, zero_infinity=zi),
                         lambda a: TF.ctc_loss(a.log_softmax(2), torch.tensor(tg), il, tl,
                                               reduction=red, zero_infinity=zi),
                         [logits], [True])


@pytest.mark.parametrize("dtype", [np.float32])
def test_fused_float32_matches_torch(dtype):
    a = rnd(64, 100).astype(dtype) * 4
    tt = RNG.integers(0, 100, 64)
    wv = (np.abs(rnd(100)) + 0.1).astype(dtype)
    for ls in (0.0, 0.1):
        _compare(lambda u, v: F.cross_entropy(u, ember.tensor(tt), v, label_smoothing=ls),
                 lambda u, v: TF.cross_entropy(u, torch.tensor(tt), v, label_smoothing=ls),
                 [a, wv], [True, False], rtol=1e-5, atol=1e-6)
    _compare(lambda u, v, c: F.layer_norm(u, (100,), v, c),
             lambda u, v, c: TF.layer_norm(u, (100,), v, c), [a, wv, wv], [True, True, True],
             rtol=1e-4, atol=1e-4)


def test_module_reprs_match_torch():
    pairs = [(nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)),
             (nn.BatchNorm2d(4, affine=False, momentum=None), torch.nn.BatchNorm2d(4, affine=False, momentum=None)),
             (nn.InstanceNorm3d(2, affine=True), torch.nn.InstanceNorm3d(2, affine=True)),
             (nn.LayerNorm([2, 3], bias=False), torch.nn.LayerNorm([2, 3], bias=False)),
             (nn.GroupNorm(2, 4, eps=1e-3), torch.nn.GroupNorm(2, 4, eps=1e-3)),
             (nn.RMSNorm(4, eps=1e-6), torch.nn.RMSNorm(4, eps=1e-6)),
             (nn.LocalResponseNorm(3, k=2.0), torch.nn.LocalResponseNorm(3, k=2.0)),
             (nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()),
             (nn.TripletMarginWithDistanceLoss(), torch.nn.TripletMarginWithDistanceLoss())]
    for a, b in pairs:
        assert repr(a) == repr(b)
        assert list(a.state_dict()) == list(b.state_dict())


def test_ctc_larger_matches_torch():
    # long enough targets that the vectorized state updates run full vectors
    logits = rnd(60, 4, 20)
    tg = RNG.integers(1, 20, (4, 25))
    tg[0, 1] = tg[0, 0]                      # a repeated label
    il, tl = [60, 55, 60, 41], [25, 20, 1, 0]
    for red in ("none", "mean"):
        _compare(lambda a: F.ctc_loss(a.log_softmax(2), ember.tensor(tg), il, tl, reduction=red),
                 lambda a: TF.ctc_loss(a.log_softmax(2), torch.tensor(tg), il, tl, reduction=red),
                 [logits], [True], rtol=1e-9, atol=1e-10)
    a32 = logits.astype(np.float32)
    _compare(lambda a: F.ctc_loss(a.log_softmax(2), ember.tensor(tg), il, tl),
             lambda a: TF.ctc_loss(a.log_softmax(2), torch.tensor(tg), il, tl),
             [a32], [True], rtol=1e-4, atol=1e-5)
