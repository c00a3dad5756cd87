"""Transformer layers, stacks and the full model against NumPy float64 references; masks, dropout,
state dicts, errors, and a tiny encoder that learns to reverse a sequence."""
import math
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck
from conftest import assert_close, to_np
from test_attention import ref_mha


def np_layer_norm(x, w, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    y = (x - mu) / np.sqrt(var + eps)
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y


def np_gelu(x):
    from math import erf
    return 0.5 * x * (1 + np.vectorize(erf)(x / math.sqrt(2)))


def _p(mod):
    return {k: to_np(v) for k, v in mod.state_dict().items()}


def ref_norm(layer_norm, x):
    sd = _p(layer_norm)
    return np_layer_norm(x, sd.get("weight"), sd.get("bias"), layer_norm.eps)


def ref_ff(layer, x, act):
    sd1, sd2 = _p(layer.linear1), _p(layer.linear2)
    h = x @ sd1["weight"].T + sd1.get("bias", 0.0)
    h = np.maximum(h, 0) if act == "relu" else np_gelu(h)
    return h @ sd2["weight"].T + sd2.get("bias", 0.0)


def ref_encoder_layer(layer, x, mask=None, kpm=None, act="relu"):
    """x batch-first (N, S, E); eval mode."""
    sa = lambda y: ref_mha(layer.self_attn, y, y, y, kpm, mask)[0]   # noqa: E731
    if layer.norm_first:
        x = x + sa(ref_norm(layer.norm1, x))
        return x + ref_ff(layer, ref_norm(layer.norm2, x), act)
    x = ref_norm(layer.norm1, x + sa(x))
    return ref_norm(layer.norm2, x + ref_ff(layer, x, act))


def ref_decoder_layer(layer, x, mem, tgt_mask=None, mem_kpm=None, act="relu"):
    sa = lambda y: ref_mha(layer.self_attn, y, y, y, None, tgt_mask)[0]        # noqa: E731
    ca = lambda y: ref_mha(layer.multihead_attn, y, mem, mem, mem_kpm, None)[0]  # noqa: E731
    if layer.norm_first:
        x = x + sa(ref_norm(layer.norm1, x))
        x = x + ca(ref_norm(layer.norm2, x))
        return x + ref_ff(layer, ref_norm(layer.norm3, x), act)
    x = ref_norm(layer.norm1, x + sa(x))
    x = ref_norm(layer.norm2, x + ca(x))
    return ref_norm(layer.norm3, x + ref_ff(layer, x, act))


def T(a, device):
    return ember.tensor(np.asarray(a), device=device)


def bf(a, batch_first):
    """(N, L, E) reference layout -> the module's layout."""
    return a if batch_first else np.ascontiguousarray(a.transpose(1, 0, 2))


def _randomize_biases(m, rng):
    with ember.no_grad():
        for name, p in m.named_parameters():
            if name.endswith("bias") or "norm" in name:
                p.copy_(ember.tensor(rng.standard_normal(tuple(p.shape)) * 0.5, dtype=p.dtype, device=p.device))


LAYER_CASES = [dict(), dict(batch_first=True, norm_first=True), dict(activation="gelu", batch_first=True),
               dict(bias=False), dict(norm_first=True, activation="gelu", layer_norm_eps=1e-3)]


@pytest.mark.parametrize("kw", LAYER_CASES)
def test_encoder_layer_matches_reference(device, kw):
    rng = np.random.default_rng(0)
    ember.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, 12, **kw).double().to(device).eval()
    _randomize_biases(layer, rng)
    act = kw.get("activation", "relu")
    N, S = 2, 5
    x = rng.standard_normal((N, S, 8))
    b = layer.self_attn.batch_first
    assert_close(layer(T(bf(x, b), device)), bf(ref_encoder_layer(layer, x, act=act), b))
    mask = np.triu(np.full((S, S), -np.inf), 1)
    kpm = np.zeros((N, S), bool)
    kpm[1, 3:] = True
    bool_mask = np.triu(np.ones((S, S), bool), 1)
    got = layer(T(bf(x, b), device), src_mask=T(bool_mask, device), src_key_padding_mask=T(kpm, device))
    assert_close(got, bf(ref_encoder_layer(layer, x, mask=mask, kpm=kpm, act=act), b))
    fkpm = np.where(kpm, -np.inf, 0.0)
    got = layer(T(bf(x, b), device), src_mask=T(mask, device), src_key_padding_mask=T(fkpm, device))
    assert_close(got, bf(ref_encoder_layer(layer, x, mask=mask, kpm=kpm, act=act), b))
    got = layer(T(bf(x, b), device), src_mask=T(mask, device), is_causal=True)
    assert_close(got, bf(ref_encoder_layer(layer, x, mask=mask, act=act), b))


@pytest.mark.parametrize("kw", LAYER_CASES[:3])
def test_decoder_layer_matches_reference(device, kw):
    rng = np.random.default_rng(1)
    ember.manual_seed(0)
    layer = nn.TransformerDecoderLayer(8, 2, 12, **kw).double().to(device).eval()
    _randomize_biases(layer, rng)
    act = kw.get("activation", "relu")
    N, L, S = 2, 4, 5
    x, mem = rng.standard_normal((N, L, 8)), rng.standard_normal((N, S, 8))
    tgt_mask = np.triu(np.ones((L, L), bool), 1)
    mkpm = np.zeros((N, S), bool)
    mkpm[0, 4] = True
    b = layer.self_attn.batch_first
    got = layer(T(bf(x, b), device), T(bf(mem, b), device), tgt_mask=T(tgt_mask, device),
                memory_key_padding_mask=T(mkpm, device))
    assert_close(got, bf(ref_decoder_layer(layer, x, mem, tgt_mask, mkpm, act), b))


def test_encoder_decoder_stacks_and_transformer(device):
    rng = np.random.default_rng(2)
    ember.manual_seed(0)
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=12,
                           batch_first=True).double().to(device).eval()
    _randomize_biases(model, rng)
    N, S, L = 2, 5, 4
    src, tgt = rng.standard_normal((N, S, 8)), rng.standard_normal((N, L, 8))
    tgt_mask = to_np(nn.Transformer.generate_square_subsequent_mask(L, dtype=ember.float64))
    kpm = np.zeros((N, S), bool)
    kpm[1, 4] = True
    mem = src
    for layer in model.encoder.layers:
        mem = ref_encoder_layer(layer, mem, kpm=kpm)
    mem = ref_norm(model.encoder.norm, mem)
    out = tgt
    for layer in model.decoder.layers:
        out = ref_decoder_layer(layer, out, mem, tgt_mask, kpm)
    out = ref_norm(model.decoder.norm, out)
    got = model(T(src, device), T(tgt, device), tgt_mask=T(tgt_mask, device), src_key_padding_mask=T(kpm, device),
                memory_key_padding_mask=T(kpm, device))
    assert_close(got, out)
    # the layers of a stack are independent deep copies
    l0, l1 = model.encoder.layers[0], model.encoder.layers[1]
    assert l0.linear1.weight is not l1.linear1.weight
    assert not np.allclose(to_np(l0.linear1.weight), to_np(l1.linear1.weight))


def test_encoder_stack_with_norm_and_causal_detection(device):
    ember.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 12, dropout=0.0), num_layers=2,
                                    norm=nn.LayerNorm(8), enable_nested_tensor=False).double().to(device)
    x = ember.randn(5, 2, 8, dtype=ember.float64, device=device)
    mask = nn.Transformer.generate_square_subsequent_mask(5, device=device, dtype=ember.float64)
    a = enc(x, mask=mask)
    b = enc(x, mask=mask, is_causal=True)
    assert_close(a, to_np(b))
    y = to_np(a)
    np.testing.assert_allclose(y.mean(-1), 0.0, atol=1e-9)      # the final LayerNorm
    assert enc.num_layers == 2 and len(enc.layers) == 2


def test_generate_square_subsequent_mask():
    m = nn.Transformer.generate_square_subsequent_mask(3)
    assert m.dtype == ember.float32
    np.testing.assert_array_equal(to_np(m), [[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]])


def test_unbatched_encoder_layer(device):
    ember.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, 12, dropout=0.0).double().to(device)
    x = ember.randn(5, 8, dtype=ember.float64, device=device)
    assert_close(layer(x), to_np(layer(x.unsqueeze(1)))[:, 0])


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_state_dict_names_match_pytorch():
    ember.manual_seed(0)
    layer = nn.TransformerDecoderLayer(8, 2, 12)
    assert list(layer.state_dict()) == [
        "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
        "self_attn.out_proj.bias", "multihead_attn.in_proj_weight", "multihead_attn.in_proj_bias",
        "multihead_attn.out_proj.weight", "multihead_attn.out_proj.bias", "linear1.weight", "linear1.bias",
        "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
        "norm3.weight", "norm3.bias"]
    model = nn.Transformer(8, 2, 1, 1, 12)
    keys = list(model.state_dict())
    assert keys[0] == "encoder.layers.0.self_attn.in_proj_weight"
    assert "encoder.norm.weight" in keys and keys[-1] == "decoder.norm.bias"
    model2 = nn.Transformer(8, 2, 1, 1, 12)
    model2.load_state_dict(model.state_dict())
    model.eval()
    model2.eval()
    src, tgt = ember.randn(4, 2, 8), ember.randn(3, 2, 8)
    assert_close(model2(src, tgt), to_np(model(src, tgt)))
    # Transformer re-initialises every matrix with xavier_uniform_
    w = to_np(model.encoder.layers[0].linear1.weight)
    assert np.abs(w).max() <= math.sqrt(6 / (8 + 12))


def test_dropout_train_eval():
    ember.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, 12, dropout=0.5)
    x = ember.randn(5, 2, 8)
    layer.eval()
    a = to_np(layer(x))
    np.testing.assert_array_equal(a, to_np(layer(x)))
    layer.train()
    assert not np.allclose(a, to_np(layer(x)))


def test_activation_variants():
    layer = nn.TransformerEncoderLayer(8, 2, 12)
    assert layer.activation_relu_or_gelu == 1 and layer.activation is F.relu
    layer = nn.TransformerEncoderLayer(8, 2, 12, activation="gelu")
    assert layer.activation_relu_or_gelu == 2
    custom = nn.TransformerEncoderLayer(8, 2, 12, activation=ember.tanh, dropout=0.0).eval()
    assert custom.activation_relu_or_gelu == 0
    x = ember.randn(3, 1, 8)
    assert custom(x).shape == (3, 1, 8)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(8, 2, 12, activation="tanh")


def test_nested_tensor_warning_and_flags():
    with pytest.warns(UserWarning, match="enable_nested_tensor is True, but self.use_nested_tensor is False "
                                         "because encoder_layer.self_attn.batch_first was not True"):
        enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 12), 1)
    assert enc.use_nested_tensor is False and enc.enable_nested_tensor is True
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 12, batch_first=True), 1)
    assert enc.use_nested_tensor is True and enc.mask_check is True


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_transformer_errors():
    model = nn.Transformer(8, 2, 1, 1, 12)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        model(ember.randn(4, 2, 8), ember.randn(3, 3, 8))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to d_model"):
        model(ember.randn(4, 2, 6), ember.randn(3, 2, 6))


def test_encoder_layer_gradcheck(device):
    ember.manual_seed(0)
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0).double().to(device)
    x = ember.randn(3, 2, 4, dtype=ember.float64, device=device, requires_grad=True)
    mask = nn.Transformer.generate_square_subsequent_mask(3, device=device, dtype=ember.float64)
    assert gradcheck(lambda x: layer(x, src_mask=mask), (x,))
    # and the parameters receive gradients
    layer(x).sum().backward()
    assert all(p.grad is not None and np.isfinite(to_np(p.grad)).all() for p in layer.parameters())


def test_decoder_layer_gradcheck(device):
    ember.manual_seed(0)
    layer = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, norm_first=True).double().to(device)
    x = ember.randn(3, 2, 4, dtype=ember.float64, device=device, requires_grad=True)
    mem = ember.randn(2, 2, 4, dtype=ember.float64, device=device, requires_grad=True)
    assert gradcheck(lambda x, m: layer(x, m), (x, mem))


# ------------------------------------------------------------------------------------------------
def test_tiny_transformer_learns_to_reverse():
    """Reverse a length-6 sequence over 8 symbols: a 1-layer encoder with learned positions."""
    ember.manual_seed(0)
    rng = np.random.default_rng(0)
    V, L, D = 8, 6, 32

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Parameter(ember.randn(V, D) * 0.5)
            self.pos = nn.Parameter(ember.randn(L, D) * 0.5)
            self.enc = nn.TransformerEncoder(
                nn.TransformerEncoderLayer(D, 4, 64, dropout=0.0, batch_first=True), num_layers=2)
            self.out = nn.Linear(D, V)

        def forward(self, idx):
            x = self.tok[idx] + self.pos
            return self.out(self.enc(x))

    model = Model()
    opt = ember.optim.Adam(model.parameters(), lr=3e-3)
    acc = 0.0
    for it in range(400):
        seq = rng.integers(0, V, (32, L))
        logits = model(ember.tensor(seq))
        target = ember.tensor(seq[:, ::-1].copy())
        loss = F.cross_entropy(logits.reshape(-1, V), target.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if it % 20 == 19:
            pred = to_np(logits.argmax(-1))
            acc = (pred == seq[:, ::-1]).mean()
            if acc > 0.98:
                break
    assert acc > 0.95, acc
