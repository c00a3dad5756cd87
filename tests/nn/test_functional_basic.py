"""ember.nn.functional (nn-core part): activations, softmax family, linear/bilinear, dropout,
embedding/embedding_bag, one_hot, normalize, distances and pad, each against a NumPy float64
reference written here, with gradcheck in float64 and the error messages PyTorch gives."""
import math
import warnings

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck

from conftest import assert_close, to_np

# values away from every kink of the activations below (0, +-0.5, +-1, +-3, 6)
XS = np.array([[-6.4, -3.7, -2.2, -1.3, -0.8, -0.35, -0.1],
               [0.15, 0.4, 0.7, 1.2, 2.6, 3.4, 6.5]])

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_erf = np.vectorize(math.erf)


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, x, np.log1p(np.exp(beta * x)) / beta)


# name, ember function, numpy reference
ACTIVATIONS = [
    ("relu", F.relu, lambda x: np.maximum(x, 0)),
    ("relu6", F.relu6, lambda x: np.clip(x, 0, 6)),
    ("elu", lambda x: F.elu(x, alpha=0.7), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x))),
    ("selu", F.selu, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))),
    ("celu", lambda x: F.celu(x, alpha=1.5), lambda x: np.maximum(x, 0) + np.minimum(0, 1.5 * np.expm1(x / 1.5))),
    ("gelu", F.gelu, lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2)))),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"),
     lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    ("silu", F.silu, lambda x: x * _sig(x)),
    ("mish", F.mish, lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    ("rrelu_eval", lambda x: F.rrelu(x, 0.1, 0.3), lambda x: np.where(x >= 0, x, 0.2 * x)),
    ("hardtanh", lambda x: F.hardtanh(x, -2.0, 3.0), lambda x: np.clip(x, -2, 3)),
    ("hardsigmoid", F.hardsigmoid, lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    ("hardswish", F.hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    ("softplus", lambda x: F.softplus(x, beta=2.0, threshold=5.0), lambda x: _softplus(x, 2.0, 5.0)),
    ("softsign", F.softsign, lambda x: x / (1 + np.abs(x))),
    ("tanhshrink", F.tanhshrink, lambda x: x - np.tanh(x)),
    ("threshold", lambda x: F.threshold(x, 0.3, -5.0), lambda x: np.where(x > 0.3, x, -5.0)),
    ("logsigmoid", F.logsigmoid, lambda x: -np.log1p(np.exp(-x))),
    ("hardshrink", lambda x: F.hardshrink(x, 0.5), lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    ("softshrink", lambda x: F.softshrink(x, 0.5), lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0))),
    ("sigmoid", F.sigmoid, _sig),
    ("tanh", F.tanh, np.tanh),
]


@pytest.mark.parametrize("name,fn,ref", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_forward(name, fn, ref, device):
    for dt, npdt in ((ember.float64, np.float64), (ember.float32, np.float32)):
        x = ember.tensor(XS, dtype=dt, device=device)
        assert_close(fn(x), ref(XS).astype(npdt), rtol=1e-5 if dt is ember.float32 else 1e-10, atol=1e-6)


@pytest.mark.parametrize("name,fn,ref", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_gradcheck(name, fn, ref, device):
    x = ember.tensor(XS, dtype=ember.float64, device=device, requires_grad=True)
    assert gradcheck(fn, (x,))


@pytest.mark.parametrize("name", ["elu", "silu", "gelu", "softplus", "logsigmoid", "mish", "softshrink"])
def test_activation_gradgradcheck(name, device):
    fn = dict((a[0], a[1]) for a in ACTIVATIONS)[name]
    x = ember.tensor(XS[:, ::2], dtype=ember.float64, device=device, requires_grad=True)
    assert gradgradcheck(fn, (x,))


def test_logsigmoid_tails(device):
    x = ember.tensor([-800.0, -30.0, 0.0, 30.0, 800.0], dtype=ember.float64, device=device)
    ref = np.array([-800.0, -30.0 - math.log1p(math.exp(-30)), -math.log(2), -math.log1p(math.exp(-30)), 0.0])
    assert_close(F.logsigmoid(x), ref, rtol=1e-12, atol=0)


INPLACE = [("relu", F.relu), ("relu6", F.relu6), ("elu", F.elu), ("selu", F.selu), ("celu", F.celu),
           ("leaky_relu", F.leaky_relu), ("hardtanh", F.hardtanh), ("hardsigmoid", F.hardsigmoid),
           ("hardswish", F.hardswish), ("silu", F.silu), ("mish", F.mish), ("rrelu", F.rrelu),
           ("threshold", lambda x, inplace: F.threshold(x, 0.2, 1.0, inplace))]


@pytest.mark.parametrize("name,fn", INPLACE, ids=[a[0] for a in INPLACE])
def test_inplace_variants(name, fn, device):
    x = ember.tensor(XS, dtype=ember.float64, device=device)
    expected = to_np(fn(x, inplace=False))
    y = x.clone()
    out = fn(y, inplace=True)
    assert out is y
    np.testing.assert_allclose(to_np(y), expected)
    # through autograd: an in-place activation on a non-leaf has the out-of-place gradient
    a = ember.tensor(XS, dtype=ember.float64, device=device, requires_grad=True)
    b = ember.tensor(XS, dtype=ember.float64, device=device, requires_grad=True)
    (fn(a * 1.0, inplace=True) * a).sum().backward()
    (fn(b * 1.0, inplace=False) * b).sum().backward()
    np.testing.assert_allclose(to_np(a.grad), to_np(b.grad), rtol=1e-12)
    # a leaf that requires grad cannot be modified in place
    leaf = ember.tensor(XS, dtype=ember.float64, device=device, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        fn(leaf, inplace=True)


def test_underscore_variants(device):
    x = ember.tensor(XS, device=device)
    for f_, f in ((F.relu_, F.relu), (F.elu_, F.elu), (F.leaky_relu_, F.leaky_relu), (F.hardtanh_, F.hardtanh),
                  (F.selu_, F.selu), (F.celu_, F.celu), (F.rrelu_, F.rrelu)):
        y = x.clone()
        assert f_(y) is y
        np.testing.assert_allclose(to_np(y), to_np(f(x)), rtol=1e-6)
    y = x.clone()
    F.threshold_(y, 0.0, 9.0)
    np.testing.assert_allclose(to_np(y), np.where(XS > 0, XS, 9.0).astype(np.float32))


def test_prelu(device):
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    w = np.array([0.1, 0.2, 0.3])
    X = ember.tensor(x, device=device, requires_grad=True)
    W = ember.tensor(w, device=device, requires_grad=True)
    assert_close(F.prelu(X, W), np.where(x > 0, x, w[None, :, None] * x))
    W1 = ember.tensor([0.25], dtype=ember.float64, device=device, requires_grad=True)
    assert_close(F.prelu(X, W1), np.where(x > 0, x, 0.25 * x))
    assert gradcheck(F.prelu, (X, W))
    assert gradcheck(F.prelu, (X, W1))
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers and input channel size. Found parameter "
                                           "numbers = 2 and channel size = 3."):
        F.prelu(X, ember.ones(2, dtype=ember.float64, device=device))


def test_rrelu_training_slopes(device):
    ember.manual_seed(0)
    x = -ember.ones(2000, dtype=ember.float64, device=device)
    y = to_np(F.rrelu(x, 0.1, 0.3, training=True))
    slopes = -y
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.01
    assert np.all(to_np(F.rrelu(-x, 0.1, 0.3, training=True)) == 1.0)


def test_glu(device):
    x = np.random.default_rng(1).normal(size=(2, 4, 3))
    X = ember.tensor(x, device=device, requires_grad=True)
    assert_close(F.glu(X, 1), x[:, :2] * _sig(x[:, 2:]))
    assert_close(F.glu(X[:, :, :2]), x[:, :, :1] * _sig(x[:, :, 1:2]))
    assert gradcheck(lambda t: F.glu(t, 1), (X,))
    with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension 2 is size 3"):
        F.glu(X)
    with pytest.raises(RuntimeError, match="glu does not support scalars"):
        F.glu(ember.tensor(1.0))


def test_activation_errors(device):
    x = ember.ones(2, device=device)
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(x, 2.0, 1.0)
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(x, approximate="fast")
    with pytest.raises(RuntimeError, match=r"lambda must be in range \[0, 3.40282e\+38\] for input dtype Float, but "
                                           r"found -1"):
        F.softshrink(x, -1)
    with pytest.raises(RuntimeError, match="ZeroDivisionError: alpha cannot be 0 for CELU"):
        F.celu(x, 0.0)


def _np_softmax(x, dim):
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def test_softmax_family(device):
    x = np.random.default_rng(2).normal(size=(2, 3, 4)) * 3
    X = ember.tensor(x, device=device, requires_grad=True)
    for d in (0, 1, -1):
        assert_close(F.softmax(X, d), _np_softmax(x, d))
        assert_close(F.log_softmax(X, d), np.log(_np_softmax(x, d)))
        assert_close(F.softmin(X, d), _np_softmax(-x, d))
    assert gradcheck(lambda t: F.softmax(t, 1), (X,))
    assert gradcheck(lambda t: F.log_softmax(t, -1), (X,))
    assert gradcheck(lambda t: F.softmin(t, 0), (X,))
    x32 = ember.tensor(x, dtype=ember.float32, device=device)
    assert F.softmax(x32, 1, dtype=ember.float64).dtype is ember.float64
    assert F.log_softmax(x32, 1, dtype=ember.float64).dtype is ember.float64


@pytest.mark.parametrize("ndim,dim", [(1, 0), (2, 1), (3, 0), (4, 1)])
def test_softmax_implicit_dim_warns(ndim, dim, device):
    x = np.random.default_rng(3).normal(size=(2,) * ndim)
    X = ember.tensor(x, device=device)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been deprecated. Change the call "
                                         "to include dim=X as an argument."):
        out = F.softmax(X)
    assert_close(out, _np_softmax(x, dim))
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        F.log_softmax(X)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        F.softmin(X)


def test_gumbel_softmax(device):
    ember.manual_seed(0)
    logits = ember.tensor(np.log([[0.1, 0.6, 0.3]] * 3000), device=device)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(to_np(soft).sum(1), 1, rtol=1e-5)
    hard = to_np(F.gumbel_softmax(logits, hard=True))
    assert set(np.unique(hard)) <= {0.0, 1.0} and np.all(hard.sum(1) == 1)
    np.testing.assert_allclose(hard.mean(0), [0.1, 0.6, 0.3], atol=0.03)


# -- linear, bilinear --------------------------------------------------------------------------
def test_linear(device):
    rng = np.random.default_rng(4)
    x, w, b = rng.normal(size=(5, 3)), rng.normal(size=(4, 3)), rng.normal(size=4)
    X, W, B = (ember.tensor(a, device=device, requires_grad=True) for a in (x, w, b))
    assert_close(F.linear(X, W, B), x @ w.T + b)
    assert_close(F.linear(X, W), x @ w.T)
    x3 = rng.normal(size=(2, 5, 3))
    X3 = ember.tensor(x3, device=device, requires_grad=True)
    assert_close(F.linear(X3, W, B), x3 @ w.T + b)
    assert_close(F.linear(X[0], W, B), x[0] @ w.T + b)
    assert_close(F.linear(X, W[0]), x @ w[0])
    assert gradcheck(F.linear, (X, W, B))
    assert gradcheck(F.linear, (X3, W, B))
    assert gradgradcheck(F.linear, (X, W, B))
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(5x3 and 4x4\)"):
        F.linear(X, ember.ones(4, 4, dtype=ember.float64, device=device))


def test_bilinear(device):
    rng = np.random.default_rng(5)
    x1, x2, w, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 2)), rng.normal(size=(5, 3, 2)), rng.normal(size=5)
    X1, X2, W, B = (ember.tensor(a, device=device, requires_grad=True) for a in (x1, x2, w, b))
    ref = np.einsum("ni,oij,nj->no", x1, w, x2)
    assert_close(F.bilinear(X1, X2, W, B), ref + b)
    assert_close(F.bilinear(X1, X2, W), ref)
    x1b, x2b = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 2))
    assert_close(F.bilinear(ember.tensor(x1b, device=device), ember.tensor(x2b, device=device), W),
                 np.einsum("bni,oij,bnj->bno", x1b, w, x2b))
    assert gradcheck(F.bilinear, (X1, X2, W, B))
    with pytest.raises(RuntimeError, match="bilinear\\(\\): input2 size does not match weight size: got 2 but expected 3"):
        F.bilinear(X1, X2, ember.ones(5, 3, 3, dtype=ember.float64, device=device))
    with pytest.raises(RuntimeError, match="bilinear\\(\\): input batch dimensions do not match at dim 0: got 4 and 3"):
        F.bilinear(X1, X2[:3], W)
    with pytest.raises(RuntimeError, match="bilinear\\(\\): bias size does not match weight size: got 4 but expected 5"):
        F.bilinear(X1, X2, W, B[:4])


# -- dropout ------------------------------------------------------------------------------------
def test_dropout_statistics_and_scaling(device):
    ember.manual_seed(1)
    x = ember.ones(20000, device=device)
    y = to_np(F.dropout(x, 0.3))
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert F.dropout(x, 0.3, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert np.all(to_np(F.dropout(x, 1.0)) == 0)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        F.dropout(x, 1.5)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got -0.1"):
        F.alpha_dropout(x, -0.1)


def test_dropout_seeded_and_gradient(device):
    ember.manual_seed(7)
    a = to_np(F.dropout(ember.ones(50, device=device), 0.5))
    ember.manual_seed(7)
    b = to_np(F.dropout(ember.ones(50, device=device), 0.5))
    np.testing.assert_array_equal(a, b)
    x = ember.ones(50, dtype=ember.float64, device=device, requires_grad=True)
    ember.manual_seed(7)
    y = F.dropout(x, 0.5)
    y.sum().backward()
    np.testing.assert_array_equal(to_np(x.grad), to_np(y))       # the gradient is the same mask
    z = ember.ones(50, device=device)
    ember.manual_seed(7)
    assert F.dropout(z, 0.5, inplace=True) is z
    np.testing.assert_array_equal(to_np(z), a)


def test_feature_dropout(device):
    ember.manual_seed(2)
    x = ember.ones(40, 30, 3, 3, device=device)
    y = to_np(F.dropout2d(x, 0.5))
    per_channel = y.reshape(40, 30, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2.0).all(-1))     # whole channels
    assert abs((per_channel[..., 0] == 0).mean() - 0.5) < 0.05
    y1 = to_np(F.dropout1d(ember.ones(30, 20, 5, device=device), 0.5)).reshape(30, 20, 5)
    assert np.all((y1 == 0).all(-1) | (y1 == 2.0).all(-1))
    y1u = to_np(F.dropout1d(ember.ones(20, 5, device=device), 0.5))
    assert np.all((y1u == 0).all(-1) | (y1u == 2.0).all(-1))
    y3 = to_np(F.dropout3d(ember.ones(10, 2, 2, 2, device=device), 0.5)).reshape(10, 8)
    assert np.all((y3 == 0).all(-1) | (y3 == 2.0).all(-1))
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 4D input"):
        F.dropout1d(x, 0.5)
    with pytest.warns(UserWarning, match="dropout2d: Received a 2-D input to dropout2d"):
        F.dropout2d(ember.ones(3, 4, device=device), 0.5)


def test_alpha_dropout_keeps_mean_and_variance(device):
    ember.manual_seed(3)
    x = ember.randn(200000, dtype=ember.float64, device=device)
    y = to_np(F.alpha_dropout(x, 0.2, training=True))
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    assert F.alpha_dropout(x, 0.2) is x                     # training defaults to False
    # dropped elements all take the value a * (-alpha) + alpha * a * p, kept ones a * x + alpha * a * p
    alpha = 1.7580993408473766
    a = 1 / math.sqrt((alpha ** 2 * 0.2 + 1) * 0.8)
    xs = to_np(x)
    dropped = np.isclose(y, -alpha * a + alpha * a * 0.2, rtol=0, atol=1e-12)
    assert abs(dropped.mean() - 0.2) < 0.01
    np.testing.assert_allclose(y[~dropped], a * xs[~dropped] + alpha * a * 0.2, rtol=1e-12)
    yf = to_np(F.feature_alpha_dropout(ember.ones(100, 50, 4, device=device), 0.5, training=True))
    assert np.all(yf.reshape(100, 50, 4).std(-1) < 1e-6)     # constant within a channel


# -- embedding ------------------------------------------------------------------------------------
def test_embedding_forward_and_padding_grad(device):
    w = np.random.default_rng(6).normal(size=(6, 3))
    idx = np.array([[0, 2, 2], [5, 1, 2]])
    W = ember.tensor(w, device=device, requires_grad=True)
    I = ember.tensor(idx, device=device)
    out = F.embedding(I, W, padding_idx=2)
    assert_close(out, w[idx])
    g = np.random.default_rng(7).normal(size=(2, 3, 3))
    out.backward(ember.tensor(g, device=device))
    ref = np.zeros_like(w)
    np.add.at(ref, idx.reshape(-1), g.reshape(-1, 3))
    ref[2] = 0
    assert_close(W.grad, ref)
    assert np.all(to_np(W.grad)[2] == 0)
    assert gradcheck(lambda t: F.embedding(I, t), (W,))
    W.grad = None
    F.embedding(I, W, padding_idx=-1).sum().backward()         # -1 is the last row (index 5)
    assert np.all(to_np(W.grad)[5] == 0) and np.all(to_np(W.grad)[2] == 3)
    assert_close(F.embedding(ember.tensor(idx, dtype=ember.int32, device=device), W), w[idx])


def test_embedding_scale_grad_by_freq(device):
    w = np.ones((4, 2))
    W = ember.tensor(w, device=device, requires_grad=True)
    F.embedding(ember.tensor([0, 0, 0, 3], device=device), W, scale_grad_by_freq=True).sum().backward()
    assert_close(W.grad, np.array([[1.0, 1.0], [0, 0], [0, 0], [1.0, 1.0]]))


def test_embedding_max_norm(device):
    w = np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    W = ember.tensor(w, device=device, requires_grad=True)
    out = F.embedding(ember.tensor([0, 1, 0], device=device), W, max_norm=1.0)
    expected = w.copy()
    expected[0] = w[0] / (5 + 1e-7)
    assert_close(W.detach(), expected)                   # renormalised in place; row 2 untouched
    assert_close(out, expected[[0, 1, 0]])
    W2 = ember.tensor(w, device=device, requires_grad=True)
    F.embedding(ember.tensor([2], device=device), W2, max_norm=2.0, norm_type=1.0)
    assert_close(W2.detach()[2], w[2] * 2 / (14 + 1e-7))


def test_embedding_errors(device):
    W = ember.ones(3, 2, device=device)
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices' to have one of the following "
                                           "scalar types: Long, Int; but got ember.FloatTensor instead \\(while "
                                           "checking arguments for embedding\\)"):
        F.embedding(ember.tensor([0.0, 1.0], device=device), W)
    with pytest.raises(IndexError, match="index out of range in self"):
        F.embedding(ember.tensor([0, 5], device=device), W)
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        F.embedding(ember.tensor([0], device=device), W, padding_idx=3)


def _np_bags(w, idx, offsets, n_last=None):
    ends = list(offsets[1:]) + [len(idx) if n_last is None else n_last]
    return [idx[s:e] for s, e in zip(offsets, ends)]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_1d_offsets(mode, device):
    rng = np.random.default_rng(8)
    w = rng.normal(size=(10, 3))
    idx = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    offsets = np.array([0, 4, 4, 6])             # bag 1 is empty
    W = ember.tensor(w, device=device, requires_grad=True)
    out = F.embedding_bag(ember.tensor(idx, device=device), W, ember.tensor(offsets, device=device), mode=mode)
    red = {"sum": np.sum, "mean": np.mean, "max": np.max}[mode]
    ref = np.stack([red(w[b], axis=0) if len(b) else np.zeros(3) for b in _np_bags(w, idx, offsets)])
    assert_close(out, ref)
    assert gradcheck(lambda t: F.embedding_bag(ember.tensor(idx, device=device), t,
                                               ember.tensor(offsets, device=device), mode=mode), (W,))


def test_embedding_bag_2d_weights_padding_last_offset(device):
    rng = np.random.default_rng(9)
    w = rng.normal(size=(6, 2))
    idx = np.array([[1, 2, 0], [3, 0, 0]])
    W = ember.tensor(w, device=device, requires_grad=True)
    I = ember.tensor(idx, device=device)
    assert_close(F.embedding_bag(I, W, mode="sum"), w[idx].sum(1))
    # padding entries are left out of the bag and of the mean's count
    out = F.embedding_bag(I, W, mode="mean", padding_idx=0)
    assert_close(out, np.stack([w[[1, 2]].mean(0), w[3]]))
    psw = rng.uniform(size=(2, 3))
    PSW = ember.tensor(psw, device=device, requires_grad=True)
    assert_close(F.embedding_bag(I, W, mode="sum", per_sample_weights=PSW), (w[idx] * psw[..., None]).sum(1))
    assert gradcheck(lambda t, p: F.embedding_bag(I, t, mode="sum", per_sample_weights=p), (W, PSW))
    flat = ember.tensor([1, 2, 3, 4, 5], device=device)
    out = F.embedding_bag(flat, W, ember.tensor([0, 2, 4], device=device), mode="sum", include_last_offset=True)
    assert_close(out, np.stack([w[[1, 2]].sum(0), w[[3, 4]].sum(0)]))


def test_embedding_bag_errors(device):
    W = ember.ones(5, 2, device=device)
    I = ember.tensor([[1, 2]], device=device)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        F.embedding_bag(I, W, ember.tensor([0], device=device))
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        F.embedding_bag(ember.tensor([1], device=device), W)
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        F.embedding_bag(I, W, mode="min")
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum' \\(got "
                                                  "mode='mean'\\)"):
        F.embedding_bag(I, W, per_sample_weights=ember.ones(1, 2, device=device))
    with pytest.raises(ValueError, match="max mode does not support scaling the gradient by the frequency"):
        F.embedding_bag(I, W, mode="max", scale_grad_by_freq=True)


# -- one_hot, normalize, distances -------------------------------------------------------------------
def test_one_hot(device):
    t = ember.tensor([[0, 2], [1, 1]], device=device)
    assert_close(F.one_hot(t), np.eye(3, dtype=np.int64)[[[0, 2], [1, 1]]])
    assert_close(F.one_hot(t, 5), np.eye(5, dtype=np.int64)[[[0, 2], [1, 1]]])
    assert F.one_hot(ember.tensor([], dtype=ember.int64, device=device), 3).shape == (0, 3)
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes."):
        F.one_hot(t, 2)
    with pytest.raises(RuntimeError, match="Class values must be non-negative."):
        F.one_hot(ember.tensor([-1], device=device), 3)
    with pytest.raises(RuntimeError, match="one_hot is only applicable to index tensor of type LongTensor."):
        F.one_hot(ember.tensor([0.0], device=device))
    with pytest.raises(RuntimeError, match="Can not infer total number of classes from empty tensor."):
        F.one_hot(ember.tensor([], dtype=ember.int64, device=device))


def test_normalize(device):
    x = np.random.default_rng(10).normal(size=(3, 4))
    X = ember.tensor(x, device=device, requires_grad=True)
    assert_close(F.normalize(X), x / np.linalg.norm(x, axis=1, keepdims=True))
    assert_close(F.normalize(X, p=1, dim=0), x / np.abs(x).sum(0, keepdims=True))
    zero = ember.zeros(2, 3, dtype=ember.float64, device=device)
    assert_close(F.normalize(zero), np.zeros((2, 3)))
    assert gradcheck(F.normalize, (X,))


def test_cosine_similarity_and_pairwise_distance(device):
    rng = np.random.default_rng(11)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    A, B = (ember.tensor(v, device=device, requires_grad=True) for v in (a, b))
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    assert_close(F.cosine_similarity(A, B), cos)
    assert_close(F.cosine_similarity(A, B[:1]), (a * b[:1]).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b[0])))
    assert_close(F.cosine_similarity(A, B, dim=0), (a * b).sum(0) / (np.linalg.norm(a, axis=0) * np.linalg.norm(b, axis=0)))
    assert gradcheck(F.cosine_similarity, (A, B))
    assert_close(F.pairwise_distance(A, B), np.linalg.norm(a - b + 1e-6, axis=1))
    assert_close(F.pairwise_distance(A, B, p=1, keepdim=True), np.abs(a - b + 1e-6).sum(1, keepdims=True))
    assert gradcheck(F.pairwise_distance, (A, B))
    with pytest.raises(RuntimeError, match="The size of tensor a \\(4\\) must match the size of tensor b \\(3\\) at "
                                           "non-singleton dimension 0"):
        F.cosine_similarity(A, B[:3])


def test_pdist(device):
    x = np.random.default_rng(12).normal(size=(5, 3))
    X = ember.tensor(x, device=device, requires_grad=True)
    i, j = np.triu_indices(5, 1)
    assert_close(F.pdist(X), np.linalg.norm(x[i] - x[j], axis=1))
    assert_close(F.pdist(X, p=1), np.abs(x[i] - x[j]).sum(1))
    assert gradcheck(F.pdist, (X,))
    with pytest.raises(RuntimeError, match="pdist only supports 2D tensors, got: 3D"):
        F.pdist(X.unsqueeze(0))


# -- pad --------------------------------------------------------------------------------------------
NP_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _np_pad(x, pad, mode, value=0.0):
    width = [(0, 0)] * x.ndim
    for k in range(len(pad) // 2):
        width[x.ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    # negative amounts crop first
    sl = tuple(slice(max(-l, 0), x.shape[d] - max(-r, 0)) for d, (l, r) in enumerate(width))
    x = x[sl]
    width = [(max(l, 0), max(r, 0)) for l, r in width]
    if mode == "constant":
        return np.pad(x, width, mode="constant", constant_values=value)
    return np.pad(x, width, mode=NP_MODES[mode])


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", [((2, 3, 5), (1, 2)), ((2, 3, 4, 5), (2, 1, 0, 3)),
                                       ((1, 2, 3, 4, 5), (1, 1, 2, 0, 1, 2)), ((3, 6), (2, 3)),
                                       ((2, 3, 6), (-1, 2)), ((2, 4, 5), (2, -2))])
def test_pad_modes_vs_numpy(mode, shape, pad, device):
    x = np.random.default_rng(13).normal(size=shape)
    X = ember.tensor(x, device=device, requires_grad=True)
    out = F.pad(X, pad, mode=mode)
    assert_close(out, _np_pad(x, pad, mode))
    assert gradcheck(lambda t: F.pad(t, pad, mode=mode), (X,))


def test_pad_constant_any_dims_and_value(device):
    x = np.arange(24.0).reshape(2, 3, 4)
    X = ember.tensor(x, device=device)
    assert_close(F.pad(X, (1, 1, 2, 0, 1, 1), value=-3.5), np.pad(x, [(1, 1), (2, 0), (1, 1)], constant_values=-3.5))
    assert_close(F.pad(X, (-1, -2, 1, -1)), np.pad(x[:, :2, 1:2], [(0, 0), (1, 0), (0, 0)]))
    xi = ember.arange(3, device=device)
    assert_close(F.pad(xi, (1, 1), value=2.5), np.array([2, 0, 1, 2, 2]))     # cast to the input's dtype
    assert_close(F.pad(ember.tensor([1.0], device=device), (0, 0)), np.array([1.0], dtype=np.float32))


def test_pad_errors(device):
    x = ember.ones(1, 2, 3, device=device)
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(x, (1,))
    with pytest.raises(RuntimeError, match="Padding length should be less than or equal to two times the input "
                                           "dimension but got padding length 8 and input of dimension 3"):
        F.pad(x, (1,) * 8)
    with pytest.raises(RuntimeError, match="Argument #4: Padding size should be less than the corresponding input "
                                           "dimension, but got: padding \\(3, 3\\) at dimension 2 of input \\[1, 2, 3\\]"):
        F.pad(x, (3, 3), mode="reflect")
    with pytest.raises(RuntimeError, match="Padding value causes wrapping around more than once."):
        F.pad(x, (4, 0), mode="circular")
    with pytest.raises(NotImplementedError, match="Unrecognised padding mode foo"):
        F.pad(x, (1, 1), mode="foo")
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 1D input tensor."):
        F.pad(ember.ones(3, device=device), (1, 1), mode="reflect")
    with pytest.raises(RuntimeError, match='Padding mode "reflect" doesn\'t take in value argument'):
        F.pad(x, (1, 1), mode="reflect", value=2)
    with pytest.raises(RuntimeError, match="Expected 2D or 3D \\(batch mode\\) tensor with possibly 0 batch size and "
                                           "other non-zero dimensions for input, but got: \\[2, 0, 3\\]"):
        F.pad(ember.ones(2, 0, 3, device=device), (1, 1), mode="reflect")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.pad(x, (1, 1), mode="replicate")
