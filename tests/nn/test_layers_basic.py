"""Layers of nn-core (Linear, Bilinear, LazyLinear, Flatten, activations, dropout, Embedding,
EmbeddingBag, distances) and the containers: forward vs NumPy float64, gradcheck w.r.t. inputs and
parameters, default initialisation, state_dict round trips, train/eval, reprs, and an XOR MLP
trained to 100% accuracy with hand-written SGD."""
import math
import time
from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.autograd import gradcheck

from conftest import assert_close, to_np


def _round_trip(m, make):
    """state_dict -> fresh module -> same outputs/tensors."""
    m2 = make()
    m2.load_state_dict(m.state_dict())
    for (k1, v1), (k2, v2) in zip(m.state_dict().items(), m2.state_dict().items()):
        assert k1 == k2
        np.testing.assert_array_equal(to_np(v1), to_np(v2))
    return m2


# -- Linear / Bilinear / LazyLinear -------------------------------------------------------------
def test_linear_forward_grad_and_state(device):
    ember.manual_seed(0)
    m = nn.Linear(3, 4, device=device, dtype=ember.float64)
    assert m.weight.shape == (4, 3) and m.bias.shape == (4,) and m.weight.device == ember.device(device)
    x = np.random.default_rng(0).normal(size=(5, 3))
    X = ember.tensor(x, device=device, requires_grad=True)
    w, b = to_np(m.weight), to_np(m.bias)
    assert_close(m(X), x @ w.T + b)
    assert gradcheck(lambda inp, wt, bs: nn.functional.linear(inp, wt, bs), (X, m.weight, m.bias))
    m(X).sum().backward()
    assert_close(m.weight.grad, np.ones((5, 4)).T @ x)
    assert_close(m.bias.grad, np.full(4, 5.0))
    assert list(m.state_dict()) == ["weight", "bias"]
    m2 = _round_trip(m, lambda: nn.Linear(3, 4, device=device, dtype=ember.float64))
    assert_close(m2(X), x @ w.T + b)
    nb = nn.Linear(3, 4, bias=False)
    assert nb.bias is None and list(nb.state_dict()) == ["weight"]
    assert repr(nb) == "Linear(in_features=3, out_features=4, bias=False)"


def test_linear_default_init_bounds():
    ember.manual_seed(1)
    m = nn.Linear(50, 400)
    bound = 1 / math.sqrt(50)
    w, b = to_np(m.weight), to_np(m.bias)
    assert w.min() >= -bound and w.max() <= bound and b.min() >= -bound and b.max() <= bound
    # kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)): variance bound^2 / 3
    assert abs(w.var() - bound ** 2 / 3) < 0.05 * bound ** 2 / 3
    assert abs(w.mean()) < 0.01 * bound
    assert w.max() > 0.95 * bound and w.min() < -0.95 * bound


def test_bilinear(device):
    ember.manual_seed(2)
    m = nn.Bilinear(3, 2, 4, device=device, dtype=ember.float64)
    bound = 1 / math.sqrt(3)
    assert np.abs(to_np(m.weight)).max() <= bound and m.weight.shape == (4, 3, 2)
    rng = np.random.default_rng(2)
    x1, x2 = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    X1, X2 = (ember.tensor(a, device=device, requires_grad=True) for a in (x1, x2))
    ref = np.einsum("ni,oij,nj->no", x1, to_np(m.weight), x2) + to_np(m.bias)
    assert_close(m(X1, X2), ref)
    assert gradcheck(lambda a, b, w, bias: nn.functional.bilinear(a, b, w, bias), (X1, X2, m.weight, m.bias))
    _round_trip(m, lambda: nn.Bilinear(3, 2, 4, dtype=ember.float64, device=device))
    with pytest.raises(ValueError, match="in1_features must be > 0, but got \\(in1_features=0\\)"):
        nn.Bilinear(0, 2, 3)


def test_lazy_linear(device):
    m = nn.LazyLinear(4, device=device)
    assert isinstance(m.weight, nn.UninitializedParameter)
    assert repr(m) == "LazyLinear(in_features=0, out_features=4, bias=True)"
    y = m(ember.randn(2, 7, device=device))
    assert type(m) is nn.Linear and m.in_features == 7 and m.weight.shape == (4, 7) and y.shape == (2, 4)
    assert isinstance(m.weight, nn.Parameter) and not isinstance(m.weight, nn.UninitializedParameter)
    bound = 1 / math.sqrt(7)
    assert np.abs(to_np(m.weight)).max() <= bound
    assert repr(m) == "Linear(in_features=7, out_features=4, bias=True)"
    # loading a state dict materialises the parameters
    lazy = nn.LazyLinear(4)
    src = nn.Linear(5, 4)
    lazy.load_state_dict(src.state_dict())
    assert lazy.weight.shape == (4, 5)
    np.testing.assert_array_equal(to_np(lazy.weight), to_np(src.weight))
    lb = nn.LazyLinear(3, bias=False)
    lb(ember.ones(1, 2))
    assert lb.bias is None and lb.weight.shape == (3, 2)


def test_identity_flatten_unflatten(device):
    x = ember.randn(2, 3, 4, 5, device=device)
    m = nn.Identity(54, unused=1)
    assert m(x) is x and repr(m) == "Identity()"
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Flatten(-2)(x).shape == (2, 3, 20)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    u = nn.Unflatten(1, (3, 4))
    assert u(ember.randn(2, 12, device=device)).shape == (2, 3, 4)
    assert repr(u) == "Unflatten(dim=1, unflattened_size=(3, 4))"
    with pytest.raises(TypeError, match="unflattened_size must be tuple of ints, but found element of type float at pos 0"):
        nn.Unflatten(1, (2.0, 3))
    with pytest.raises(TypeError, match="unflattened_size must be a tuple of ints, but found type int"):
        nn.Unflatten(1, 3)
    X = ember.randn(2, 3, 4, dtype=ember.float64, device=device, requires_grad=True)
    assert gradcheck(lambda t: nn.Flatten()(t), (X,))


# -- activations --------------------------------------------------------------------------------
XS = np.array([[-3.7, -1.3, -0.35, 0.15, 0.7, 2.6]])


def _sig(x):
    return 1 / (1 + np.exp(-x))


ACT_LAYERS = [
    (nn.ReLU(), lambda x: np.maximum(x, 0), "ReLU()"),
    (nn.ReLU(inplace=True), lambda x: np.maximum(x, 0), "ReLU(inplace=True)"),
    (nn.ReLU6(), lambda x: np.clip(x, 0, 6), "ReLU6()"),
    (nn.LeakyReLU(0.1), lambda x: np.where(x > 0, x, 0.1 * x), "LeakyReLU(negative_slope=0.1)"),
    (nn.ELU(alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)), "ELU(alpha=0.5)"),
    (nn.SELU(), lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)), "SELU()"),
    (nn.CELU(2.0), lambda x: np.maximum(x, 0) + np.minimum(0, 2 * np.expm1(x / 2)), "CELU(alpha=2.0)"),
    (nn.GELU(), lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2))), "GELU(approximate='none')"),
    (nn.SiLU(), lambda x: x * _sig(x), "SiLU()"),
    (nn.Mish(), lambda x: x * np.tanh(np.log1p(np.exp(x))), "Mish()"),
    (nn.Sigmoid(), _sig, "Sigmoid()"),
    (nn.Tanh(), np.tanh, "Tanh()"),
    (nn.Hardtanh(-2, 2), lambda x: np.clip(x, -2, 2), "Hardtanh(min_val=-2, max_val=2)"),
    (nn.Hardsigmoid(), lambda x: np.clip(x / 6 + 0.5, 0, 1), "Hardsigmoid()"),
    (nn.Hardswish(), lambda x: x * np.clip(x + 3, 0, 6) / 6, "Hardswish()"),
    (nn.Softplus(beta=2), lambda x: np.log1p(np.exp(2 * x)) / 2, "Softplus(beta=2, threshold=20.0)"),
    (nn.Softsign(), lambda x: x / (1 + np.abs(x)), "Softsign()"),
    (nn.Tanhshrink(), lambda x: x - np.tanh(x), "Tanhshrink()"),
    (nn.Threshold(0.2, -1.0), lambda x: np.where(x > 0.2, x, -1.0), "Threshold(threshold=0.2, value=-1.0)"),
    (nn.LogSigmoid(), lambda x: -np.log1p(np.exp(-x)), "LogSigmoid()"),
    (nn.Hardshrink(0.3), lambda x: np.where(np.abs(x) > 0.3, x, 0), "Hardshrink(0.3)"),
    (nn.Softshrink(0.3), lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.3, 0), "Softshrink(0.3)"),
    (nn.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True), "Softmax(dim=1)"),
    (nn.LogSoftmax(dim=1), lambda x: x - np.log(np.exp(x).sum(1, keepdims=True)), "LogSoftmax(dim=1)"),
    (nn.Softmin(dim=1), lambda x: np.exp(-x) / np.exp(-x).sum(1, keepdims=True), "Softmin(dim=1)"),
    (nn.RReLU(0.1, 0.3), lambda x: np.where(x >= 0, x, 0.2 * x), "RReLU(lower=0.1, upper=0.3)"),
    (nn.GLU(), lambda x: x[:, :3] * _sig(x[:, 3:]), "GLU(dim=-1)"),
]


@pytest.mark.parametrize("layer,ref,rep", ACT_LAYERS, ids=[a[2] for a in ACT_LAYERS])
def test_activation_layers(layer, ref, rep, device):
    assert repr(layer) == rep
    layer.eval()                          # RReLU's deterministic form
    x = ember.tensor(XS, device=device)
    assert_close(layer(x.clone()), ref(XS))
    X = ember.tensor(XS, device=device, requires_grad=True)
    assert gradcheck(lambda t: layer(t * 1.0), (X,))
    assert layer.state_dict() == OrderedDict()


def test_prelu_layer(device):
    m = nn.PReLU(3, init=0.1, device=device, dtype=ember.float64)
    assert repr(m) == "PReLU(num_parameters=3)"
    assert_close(m.weight, np.full(3, 0.1))
    x = np.random.default_rng(3).normal(size=(2, 3, 4))
    X = ember.tensor(x, device=device, requires_grad=True)
    assert_close(m(X), np.where(x > 0, x, 0.1 * x))
    assert gradcheck(lambda t, w: nn.functional.prelu(t, w), (X, m.weight))
    m(X).sum().backward()
    assert_close(m.weight.grad, np.minimum(x, 0).sum((0, 2)))
    _round_trip(m, lambda: nn.PReLU(3, dtype=ember.float64, device=device))
    assert repr(nn.PReLU()) == "PReLU(num_parameters=1)"


def test_softmax2d(device):
    x = np.random.default_rng(4).normal(size=(2, 3, 2, 2))
    out = nn.Softmax2d()(ember.tensor(x, device=device))
    assert_close(out, np.exp(x) / np.exp(x).sum(1, keepdims=True))
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D instead"):
        nn.Softmax2d()(ember.ones(2, 2, device=device))


def test_hardtanh_validation():
    with pytest.raises(AssertionError, match="max_val \\(1\\) must be greater than min_val \\(2\\)"):
        nn.Hardtanh(2, 1)


def test_inplace_layer_returns_input(device):
    x = ember.tensor(XS, device=device)
    assert nn.ReLU(inplace=True)(x) is x
    assert np.all(to_np(x) >= 0)


# -- dropout layers -------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout,
                                 nn.FeatureAlphaDropout])
def test_dropout_layers_train_eval(cls, device):
    m = cls(p=0.4)
    assert repr(m) == f"{cls.__name__}(p=0.4, inplace=False)"
    x = ember.randn(8, 6, 4, 4, device=device) if cls in (nn.Dropout2d, nn.Dropout3d) else ember.randn(8, 6, 5, device=device)
    ember.manual_seed(5)
    y = m(x)
    assert not np.array_equal(to_np(y), to_np(x))
    m.eval()
    assert m(x) is x
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 2"):
        cls(p=2)


def test_dropout_layer_statistics(device):
    ember.manual_seed(6)
    m = nn.Dropout(0.25)
    y = to_np(m(ember.ones(40000, device=device)))
    assert abs((y == 0).mean() - 0.25) < 0.01
    np.testing.assert_allclose(y[y != 0], 1 / 0.75, rtol=1e-6)


# -- Embedding / EmbeddingBag ----------------------------------------------------------------------
def test_embedding_layer(device):
    ember.manual_seed(7)
    m = nn.Embedding(10, 3, padding_idx=1, device=device, dtype=ember.float64)
    assert repr(m) == "Embedding(10, 3, padding_idx=1)"
    w = to_np(m.weight)
    assert np.all(w[1] == 0)
    assert abs(np.delete(w, 1, 0).std() - 1) < 0.5
    idx = np.array([[1, 2, 4], [4, 3, 9]])
    I = ember.tensor(idx, device=device)
    assert_close(m(I), w[idx])
    m(I).sum().backward()
    g = to_np(m.weight.grad)
    assert np.all(g[1] == 0) and g[4, 0] == 2 and g[0, 0] == 0
    _round_trip(m, lambda: nn.Embedding(10, 3, padding_idx=1, dtype=ember.float64, device=device))
    assert repr(nn.Embedding(5, 2, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)) == \
        "Embedding(5, 2, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)"
    assert nn.Embedding(5, 2, padding_idx=-1).padding_idx == 4
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(5, 2, padding_idx=5)
    with pytest.raises(NotImplementedError, match="sparse gradients are not supported"):
        nn.Embedding(5, 2, sparse=True)


def test_embedding_from_pretrained(device):
    weight = ember.tensor([[1.0, 2.3, 3.0], [4.0, 5.1, 6.3]], device=device)
    emb = nn.Embedding.from_pretrained(weight)
    assert not emb.weight.requires_grad
    assert_close(emb(ember.tensor([1], device=device)), np.array([[4.0, 5.1, 6.3]], dtype=np.float32))
    assert nn.Embedding.from_pretrained(weight, freeze=False).weight.requires_grad
    with pytest.raises(AssertionError, match="Embeddings parameter is expected to be 2-dimensional"):
        nn.Embedding.from_pretrained(ember.ones(3))
    bag = nn.EmbeddingBag.from_pretrained(weight, mode="sum")
    assert not bag.weight.requires_grad
    assert_close(bag(ember.tensor([[0, 1]], device=device)), np.array([[5.0, 7.4, 9.3]], dtype=np.float32))


def test_embedding_max_norm_layer(device):
    m = nn.Embedding(3, 2, max_norm=1.0, device=device)
    with ember.no_grad():
        m.weight.copy_(ember.tensor([[3.0, 4.0], [0.1, 0.1], [6.0, 8.0]], device=device))
    out = m(ember.tensor([0, 1], device=device))
    np.testing.assert_allclose(np.linalg.norm(to_np(out), axis=1), [1.0, math.sqrt(0.02)], rtol=1e-5)
    np.testing.assert_allclose(to_np(m.weight)[2], [6.0, 8.0])        # untouched row


def test_embedding_bag_layer(device):
    ember.manual_seed(8)
    m = nn.EmbeddingBag(10, 3, mode="max", device=device, dtype=ember.float64)
    assert repr(m) == "EmbeddingBag(10, 3, mode='max')"
    w = to_np(m.weight)
    idx = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    out = m(ember.tensor(idx, device=device), ember.tensor([0, 4], device=device))
    assert_close(out, np.stack([w[idx[:4]].max(0), w[idx[4:]].max(0)]))
    s = nn.EmbeddingBag(10, 3, mode="sum", padding_idx=0, dtype=ember.float64, device=device)
    assert repr(s) == "EmbeddingBag(10, 3, mode='sum', padding_idx=0)"
    ws = to_np(s.weight)
    assert np.all(ws[0] == 0)
    psw = ember.tensor([[0.5, 2.0]], dtype=ember.float64, device=device)
    assert_close(s(ember.tensor([[3, 4]], device=device), per_sample_weights=psw), (0.5 * ws[3] + 2 * ws[4])[None])
    _round_trip(s, lambda: nn.EmbeddingBag(10, 3, mode="sum", padding_idx=0, dtype=ember.float64, device=device))


# -- distances ------------------------------------------------------------------------------------
def test_distance_layers(device):
    rng = np.random.default_rng(9)
    a, b = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    A, B = ember.tensor(a, device=device), ember.tensor(b, device=device)
    assert_close(nn.PairwiseDistance()(A, B), np.linalg.norm(a - b + 1e-6, axis=1))
    assert_close(nn.PairwiseDistance(p=1.0, keepdim=True)(A, B), np.abs(a - b + 1e-6).sum(1, keepdims=True))
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert_close(nn.CosineSimilarity()(A, B), cos)
    assert_close(nn.CosineSimilarity(dim=0)(A, B), (a * b).sum(0) / np.linalg.norm(a, axis=0) / np.linalg.norm(b, axis=0))
    assert repr(nn.PairwiseDistance()) == "PairwiseDistance()" and repr(nn.CosineSimilarity()) == "CosineSimilarity()"


# -- containers -----------------------------------------------------------------------------------
def test_sequential_ops():
    l1, l2, l3 = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    s = nn.Sequential(l1, l2, l3)
    assert len(s) == 3 and s[0] is l1 and s[-1] is l3 and list(s) == [l1, l2, l3]
    sub = s[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [l2, l3] and list(sub._modules) == ["1", "2"]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        s[3]
    x = ember.randn(4, 2)
    np.testing.assert_allclose(to_np(s(x)), to_np(l3(l2(l1(x)))))
    s.append(nn.Tanh())
    assert len(s) == 4 and list(s._modules) == ["0", "1", "2", "3"]
    s.insert(1, nn.Identity())
    assert isinstance(s[1], nn.Identity) and s[2] is l2 and len(s) == 5
    popped = s.pop(1)
    assert isinstance(popped, nn.Identity) and list(s._modules) == ["0", "1", "2", "3"] and s[1] is l2
    s.extend([nn.Sigmoid()])
    assert isinstance(s[4], nn.Sigmoid)
    del s[3:]
    assert len(s) == 3
    t = s + nn.Sequential(nn.Tanh())
    assert len(t) == 4 and len(s) == 3
    s[2] = nn.Linear(3, 2)
    assert s[2].out_features == 2
    assert len(s * 2) == 6
    with pytest.raises(ValueError, match="add operator supports only objects of Sequential class"):
        s + nn.ReLU()
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(1, 1)), ("act", nn.ReLU())]))
    assert list(named._modules) == ["fc", "act"] and named.fc is named[0]
    assert [k for k in named.state_dict()] == ["fc.weight", "fc.bias"]
    with pytest.raises(IndexError, match="Index out of range: 5"):
        named.insert(5, nn.ReLU())


def test_module_list_and_dict():
    ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    assert len(ml) == 3 and [n for n, _ in ml.named_parameters()][:2] == ["0.weight", "0.bias"]
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh()])
    ml.insert(0, nn.Sigmoid())
    assert [type(m).__name__ for m in ml] == ["Sigmoid", "Linear", "Linear", "Linear", "ReLU", "Tanh"]
    assert isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    del ml[0]
    assert type(ml[0]).__name__ == "Linear" and list(ml._modules) == ["0", "1", "2", "3", "4"]
    ml[-1] = nn.ReLU()
    assert isinstance(ml[4], nn.ReLU)
    assert isinstance(ml.pop(-1), nn.ReLU) and len(ml) == 4
    assert len(ml + nn.ModuleList([nn.ReLU()])) == 5
    with pytest.raises(IndexError, match="index 10 is out of range"):
        ml[10]
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable, but got ReLU"):
        ml.extend(nn.ReLU())
    md = nn.ModuleDict({"b": nn.ReLU(), "a": nn.Linear(1, 2)})
    assert list(md.keys()) == ["b", "a"] and "a" in md and len(md) == 2
    md["c"] = nn.Tanh()
    assert list(md) == ["b", "a", "c"] and isinstance(md["c"], nn.Tanh)
    assert isinstance(md.pop("b"), nn.ReLU) and list(md) == ["a", "c"]
    md.update([("d", nn.Sigmoid())])
    assert list(md) == ["a", "c", "d"] and [k for k, _ in md.items()] == ["a", "c", "d"]
    assert [n for n, _ in md.named_parameters()] == ["a.weight", "a.bias"]
    md.clear()
    assert len(md) == 0
    with pytest.raises(ValueError, match="ModuleDict update sequence element #0 has length 1; 2 is required"):
        md.update([("x",)])


def test_parameter_list_and_dict():
    pl = nn.ParameterList([nn.Parameter(ember.ones(2)), ember.zeros(3)])
    assert len(pl) == 2 and all(isinstance(p, nn.Parameter) for p in pl)
    pl.append(ember.ones(1, 4, dtype=ember.float64))
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"]
    assert repr(pl) == ("ParameterList(\n"
                        "    (0): Parameter containing: [ember.float32 of size 2]\n"
                        "    (1): Parameter containing: [ember.float32 of size 3]\n"
                        "    (2): Parameter containing: [ember.float64 of size 1x4]\n"
                        ")")
    assert isinstance(pl[0:2], nn.ParameterList) and len(pl[0:2]) == 2
    with pytest.raises(RuntimeError, match="ParameterList should not be called."):
        pl()
    pd = nn.ParameterDict({"b": ember.ones(2), "a": nn.Parameter(ember.zeros(2, 2))})
    assert list(pd) == ["a", "b"]                      # a plain dict is taken in sorted order
    pd["c"] = ember.ones(1)
    assert isinstance(pd["c"], nn.Parameter) and "c" in pd and len(pd) == 3
    assert repr(pd) == ("ParameterDict(\n"
                        "    (a): Parameter containing: [ember.FloatTensor of size 2x2]\n"
                        "    (b): Parameter containing: [ember.FloatTensor of size 2]\n"
                        "    (c): Parameter containing: [ember.FloatTensor of size 1]\n"
                        ")")
    assert [k for k in pd.state_dict()] == ["a", "b", "c"]
    del pd["b"]
    assert list(pd.keys()) == ["a", "c"]
    assert pd.get("zzz", 5) == 5 and pd.setdefault("d", ember.ones(1)) is pd["d"]
    k, v = pd.popitem()
    assert k == "d" and "d" not in pd
    merged = pd | nn.ParameterDict({"z": ember.ones(1)})
    assert list(merged) == ["a", "c", "z"] and list(pd) == ["a", "c"]
    with pytest.raises(TypeError, match="Index given to ParameterDict cannot be used as a key as it is not a string"):
        pd[1] = ember.ones(1)


def test_container_state_dict_round_trip_and_to():
    def make():
        return nn.Sequential(nn.Linear(2, 3), nn.ModuleList([nn.Linear(3, 3), nn.ReLU()]),
                             nn.ModuleDict({"out": nn.Linear(3, 1)}), nn.ParameterList([ember.ones(2)]))

    a = make()
    keys = list(a.state_dict())
    assert keys == ["0.weight", "0.bias", "1.0.weight", "1.0.bias", "2.out.weight", "2.out.bias", "3.0"]
    b = _round_trip(a, make)
    params = list(b.parameters())
    b.double()
    assert [id(p) for p in b.parameters()] == [id(p) for p in params]
    assert all(p.dtype is ember.float64 for p in b.parameters())


# -- XOR convergence -------------------------------------------------------------------------------
def test_xor_mlp_converges():
    ember.manual_seed(0)
    X = ember.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Y = ember.tensor([[0.0], [1.0], [1.0], [0.0]])
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    params = list(model.parameters())
    start = time.perf_counter()
    for step in range(2000):
        loss = ((model(X) - Y) ** 2).mean()
        model.zero_grad()
        loss.backward()
        with ember.no_grad():
            for p in params:
                p.sub_(0.2 * p.grad)         # plain SGD
        if step % 50 == 0:
            pred = to_np(model(X)) > 0.5
            if np.array_equal(pred, to_np(Y) > 0.5) and loss.item() < 0.05:
                break
    elapsed = time.perf_counter() - start
    pred = to_np(model(X)) > 0.5
    assert np.array_equal(pred, to_np(Y) > 0.5), f"XOR not learned: loss {loss.item()}"
    assert elapsed < 5.0
