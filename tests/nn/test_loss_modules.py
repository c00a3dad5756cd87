"""Loss modules: constructor arguments and defaults, the legacy size_average/reduce mapping,
reprs, weight buffers in state_dict, and forward equal to the functional form."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F

from conftest import assert_close, make, to_np

RNG = np.random.default_rng(3)


def rnd(*shape):
    return RNG.standard_normal(shape)


ALL = ["L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "CrossEntropyLoss", "NLLLoss", "BCELoss",
       "BCEWithLogitsLoss", "KLDivLoss", "PoissonNLLLoss", "GaussianNLLLoss", "CosineEmbeddingLoss",
       "MarginRankingLoss", "HingeEmbeddingLoss", "TripletMarginLoss",
       "TripletMarginWithDistanceLoss", "SoftMarginLoss", "MultiLabelMarginLoss",
       "MultiLabelSoftMarginLoss", "MultiMarginLoss", "CTCLoss"]


@pytest.mark.parametrize("name", ALL)
def test_default_construction_and_repr(name):
    m = getattr(nn, name)()
    assert m.reduction == "mean"
    if name != "TripletMarginWithDistanceLoss":
        assert repr(m) == f"{name}()"
    assert isinstance(m, nn.Module)
    assert list(m.parameters()) == []


@pytest.mark.parametrize("size_average,reduce,expected", [(None, None, "mean"), (True, None, "mean"),
                                                          (False, None, "sum"), (None, False, "none"),
                                                          (False, False, "none"), (True, True, "mean")])
def test_legacy_reduction_flags(size_average, reduce, expected):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        m = nn.MSELoss(size_average=size_average, reduce=reduce)
        legacy = bool(w)
        ce = nn.CrossEntropyLoss(size_average=size_average, reduce=reduce)
    assert m.reduction == expected and ce.reduction == expected
    assert legacy == (size_average is not None or reduce is not None)


def test_weight_buffers_in_state_dict(device):
    w = make(np.array([1.0, 2.0, 0.5]), device)
    for cls in (nn.CrossEntropyLoss, nn.NLLLoss, nn.BCELoss, nn.MultiLabelSoftMarginLoss,
                nn.MultiMarginLoss):
        m = cls(weight=w)
        assert list(m.state_dict()) == ["weight"]
        assert m.weight is w
        assert list(cls().state_dict()) == []
    b = nn.BCEWithLogitsLoss(pos_weight=w)
    assert list(b.state_dict()) == ["pos_weight"]
    assert b.weight is None
    m = nn.CrossEntropyLoss(weight=ember.ones(3)).double()
    assert m.weight.dtype == ember.float64               # buffers follow .to()/.double()


def test_modules_match_functional(device):
    x, y = rnd(4, 3), rnd(4, 3)
    xt, yt = make(x, device), make(y, device)
    t = make(RNG.integers(0, 3, 4), device)
    w = make(np.abs(rnd(3)) + 0.1, device)
    p = make(1 / (1 + np.exp(-x)), device)
    q = make(RNG.random((4, 3)), device)
    s = make(np.where(RNG.random(4) > 0.5, 1.0, -1.0), device)
    s2 = make(np.where(RNG.random((4, 3)) > 0.5, 1.0, -1.0), device)
    checks = [
        (nn.L1Loss(reduction="sum")(xt, yt), F.l1_loss(xt, yt, reduction="sum")),
        (nn.MSELoss(reduction="none")(xt, yt), F.mse_loss(xt, yt, reduction="none")),
        (nn.SmoothL1Loss(beta=0.3)(xt, yt), F.smooth_l1_loss(xt, yt, beta=0.3)),
        (nn.HuberLoss(delta=0.4)(xt, yt), F.huber_loss(xt, yt, delta=0.4)),
        (nn.CrossEntropyLoss(weight=w, ignore_index=1, label_smoothing=0.2)(xt, t),
         F.cross_entropy(xt, t, weight=w, ignore_index=1, label_smoothing=0.2)),
        (nn.NLLLoss(weight=w, reduction="sum")(xt, t), F.nll_loss(xt, t, weight=w, reduction="sum")),
        (nn.BCELoss(weight=w)(p, q), F.binary_cross_entropy(p, q, weight=w)),
        (nn.BCEWithLogitsLoss(pos_weight=w)(xt, q), F.binary_cross_entropy_with_logits(xt, q, pos_weight=w)),
        (nn.KLDivLoss(reduction="batchmean", log_target=True)(xt, yt),
         F.kl_div(xt, yt, reduction="batchmean", log_target=True)),
        (nn.PoissonNLLLoss(log_input=False, full=True)(p, q * 4),
         F.poisson_nll_loss(p, q * 4, log_input=False, full=True)),
        (nn.GaussianNLLLoss(full=True)(xt, yt, q + 0.1), F.gaussian_nll_loss(xt, yt, q + 0.1, full=True)),
        (nn.CosineEmbeddingLoss(margin=0.1)(xt, yt, s), F.cosine_embedding_loss(xt, yt, s, margin=0.1)),
        (nn.MarginRankingLoss(margin=0.2)(xt[:, 0], yt[:, 0], s),
         F.margin_ranking_loss(xt[:, 0], yt[:, 0], s, margin=0.2)),
        (nn.HingeEmbeddingLoss(margin=2.0)(xt, s2), F.hinge_embedding_loss(xt, s2, margin=2.0)),
        (nn.TripletMarginLoss(margin=0.5, p=1)(xt, yt, q), F.triplet_margin_loss(xt, yt, q, 0.5, 1)),
        (nn.TripletMarginWithDistanceLoss(swap=True)(xt, yt, q),
         F.triplet_margin_with_distance_loss(xt, yt, q, swap=True)),
        (nn.SoftMarginLoss()(xt, s2), F.soft_margin_loss(xt, s2)),
        (nn.MultiLabelMarginLoss()(xt, make(np.array([[0, 2, -1]] * 4), device)),
         F.multilabel_margin_loss(xt, make(np.array([[0, 2, -1]] * 4), device))),
        (nn.MultiLabelSoftMarginLoss(weight=w)(xt, q), F.multilabel_soft_margin_loss(xt, q, weight=w)),
        (nn.MultiMarginLoss(p=2, margin=0.5, weight=w)(xt, t),
         F.multi_margin_loss(xt, t, p=2, margin=0.5, weight=w)),
    ]
    for got, exp in checks:
        assert_close(got, to_np(exp))


def test_module_argument_checks():
    with pytest.raises(ValueError, match="TripletMarginLoss: expected margin to be greater than 0, "
                                         "got 0 instead"):
        nn.TripletMarginLoss(margin=0)
    with pytest.raises(ValueError, match="TripletMarginWithDistanceLoss: expected margin to be "
                                         "greater than 0, got -1 instead"):
        nn.TripletMarginWithDistanceLoss(margin=-1)
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="MultiMarginLoss: expected weight to be None or 1D tensor, "
                                         "got 2D instead"):
        nn.MultiMarginLoss(weight=ember.ones(2, 2))


def test_cross_entropy_module_training_step(device):
    # a linear classifier on separable data gets its loss down
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 5)).astype(np.float32)
    y = (x[:, 0] + 2 * x[:, 1] > 0).astype(np.int64) + 2 * (x[:, 2] > 1).astype(np.int64)
    w = make(np.zeros((5, 4), np.float32), device, True)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    xt, yt = make(x, device), make(y, device)
    first = None
    for _ in range(60):
        loss = loss_fn(xt @ w, yt)
        if first is None:
            first = loss.item()
        w.grad = None
        loss.backward()
        with ember.no_grad():
            w -= 0.5 * w.grad
    assert loss.item() < 0.5 * first
