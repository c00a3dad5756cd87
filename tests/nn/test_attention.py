"""scaled_dot_product_attention, multi_head_attention_forward and MultiheadAttention against NumPy
float64 references; masks, dropout, gradcheck, errors."""
import math

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck
from conftest import assert_close, to_np


# ------------------------------------------------------------------------------------------------
# NumPy references
def np_softmax_safe(s):
    """softmax over the last dim; rows that are all -inf give zeros (PyTorch's SDPA)."""
    dead = np.all(np.isneginf(s), axis=-1, keepdims=True)
    s = np.where(dead, 0.0, s)
    e = np.exp(s - s.max(-1, keepdims=True))
    return np.where(dead, 0.0, e / e.sum(-1, keepdims=True))


def ref_sdpa(q, k, v, mask=None, is_causal=False, scale=None, gqa=False):
    if gqa:
        k = np.repeat(k, q.shape[-3] // k.shape[-3], axis=-3)
        v = np.repeat(v, q.shape[-3] // v.shape[-3], axis=-3)
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ np.swapaxes(k, -1, -2) * scale
    if is_causal:
        mask = np.tril(np.ones((q.shape[-2], k.shape[-2]), bool))
    if mask is not None:
        s = np.where(mask, s, -np.inf) if mask.dtype == bool else s + mask
    p = np_softmax_safe(s)
    return p @ v, p


def mha_params(m):
    sd = {k: to_np(v) for k, v in m.state_dict().items()}
    E = m.embed_dim
    if "in_proj_weight" in sd:
        wq, wk, wv = np.split(sd["in_proj_weight"], 3)
    else:
        wq, wk, wv = sd["q_proj_weight"], sd["k_proj_weight"], sd["v_proj_weight"]
    b = sd.get("in_proj_bias", np.zeros(3 * E))
    bq, bk, bv = np.split(b, 3)
    return dict(wq=wq, wk=wk, wv=wv, bq=bq, bk=bk, bv=bv, wo=sd["out_proj.weight"],
                bo=sd.get("out_proj.bias", np.zeros(E)), bias_k=sd.get("bias_k"), bias_v=sd.get("bias_v"))


def ref_mha(m, query, key, value, key_padding_mask=None, attn_mask=None, average=True):
    """Batch-first (N, L, E) reference of MultiheadAttention (eval mode)."""
    p = mha_params(m)
    H, E = m.num_heads, m.embed_dim
    hd = E // H
    N, L, _ = query.shape
    q = query @ p["wq"].T + p["bq"]
    k = key @ p["wk"].T + p["bk"]
    v = value @ p["wv"].T + p["bv"]
    S = k.shape[1]
    add = np.zeros((N, H, L, S))
    if attn_mask is not None:
        am = np.where(attn_mask, -np.inf, 0.0) if attn_mask.dtype == bool else attn_mask
        add = add + (am.reshape(N, H, L, S) if am.ndim == 3 else am)
    if key_padding_mask is not None:
        kp = np.where(key_padding_mask, -np.inf, 0.0) if key_padding_mask.dtype == bool else key_padding_mask
        add = add + kp[:, None, None, :]
    if p["bias_k"] is not None:
        k = np.concatenate([k, np.broadcast_to(p["bias_k"].reshape(1, 1, E), (N, 1, E))], 1)
        v = np.concatenate([v, np.broadcast_to(p["bias_v"].reshape(1, 1, E), (N, 1, E))], 1)
        add = np.concatenate([add, np.zeros((N, H, L, 1))], -1)
    qh = q.reshape(N, L, H, hd).transpose(0, 2, 1, 3)
    kh = k.reshape(N, -1, H, hd).transpose(0, 2, 1, 3)
    vh = v.reshape(N, -1, H, hd).transpose(0, 2, 1, 3)
    if m.add_zero_attn:
        kh = np.concatenate([kh, np.zeros((N, H, 1, hd))], 2)
        vh = np.concatenate([vh, np.zeros((N, H, 1, hd))], 2)
        add = np.concatenate([add, np.zeros((N, H, L, 1))], -1)
    o, w = ref_sdpa(qh, kh, vh, add)
    o = o.transpose(0, 2, 1, 3).reshape(N, L, E) @ p["wo"].T + p["bo"]
    return o, (w.mean(1) if average else w)


def T(a, device, requires_grad=False):
    return ember.tensor(np.asarray(a), device=device, requires_grad=requires_grad)


# ------------------------------------------------------------------------------------------------
# scaled_dot_product_attention
@pytest.mark.parametrize("case", ["plain", "bool", "bool_bcast", "float", "causal", "scale", "gqa",
                                  "3d", "5d", "causal_rect"])
def test_sdpa_matches_reference(device, case):
    rng = np.random.default_rng(0)
    N, H, L, S, E, Ev = 2, 2, 3, 4, 5, 6
    shape_q, shape_k = (N, H, L, E), (N, H, S, E)
    if case == "3d":
        shape_q, shape_k = (N, L, E), (N, S, E)
    if case == "5d":
        shape_q, shape_k = (2, N, H, L, E), (2, N, H, S, E)
    if case == "causal_rect":
        shape_q = (N, H, 5, E)
    if case == "gqa":
        shape_q = (N, 4, L, E)
    q = rng.standard_normal(shape_q)
    k = rng.standard_normal(shape_k)
    v = rng.standard_normal(shape_k[:-1] + (Ev,))
    kw, rkw = {}, {}
    if case == "bool":
        m = rng.random((N, H, L, S)) > 0.4
        m[..., 0] = True
        kw["attn_mask"], rkw["mask"] = T(m, device), m
    elif case == "bool_bcast":
        m = rng.random((L, S)) > 0.4
        m[:, 1] = True
        kw["attn_mask"], rkw["mask"] = T(m, device), m
    elif case == "float":
        m = rng.standard_normal((N, 1, L, S))
        kw["attn_mask"], rkw["mask"] = T(m, device), m
    elif case in ("causal", "causal_rect"):
        kw["is_causal"] = rkw["is_causal"] = True
    elif case == "scale":
        kw["scale"] = rkw["scale"] = 0.3
    elif case == "gqa":
        kw["enable_gqa"] = rkw["gqa"] = True
    out = F.scaled_dot_product_attention(T(q, device), T(k, device), T(v, device), **kw)
    assert_close(out, ref_sdpa(q, k, v, **rkw)[0])


def test_sdpa_float32(device):
    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal((2, 3, 4)).astype(np.float32) for _ in range(3))
    out = F.scaled_dot_product_attention(T(q, device), T(k, device), T(v, device), is_causal=True)
    assert out.dtype == ember.float32
    assert_close(out, ref_sdpa(q.astype(np.float64), k, v, is_causal=True)[0].astype(np.float32),
                 rtol=1e-5, atol=1e-6)


def test_sdpa_fully_masked_rows_are_zero_with_zero_grads(device):
    rng = np.random.default_rng(2)
    q = T(rng.standard_normal((1, 3, 4)), device, True)
    k = T(rng.standard_normal((1, 5, 4)), device, True)
    v = T(rng.standard_normal((1, 5, 2)), device, True)
    m = np.ones((3, 5), bool)
    m[1] = False
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=T(m, device))
    got = to_np(out)
    assert np.all(got[0, 1] == 0) and np.all(np.isfinite(got))
    out.sum().backward()
    assert np.all(to_np(q.grad)[0, 1] == 0)
    assert np.all(np.isfinite(to_np(k.grad))) and np.all(np.isfinite(to_np(v.grad)))
    fm = np.zeros((3, 5))
    fm[2] = -np.inf
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=T(fm, device))
    assert np.all(to_np(out)[0, 2] == 0)


def test_sdpa_dropout(device):
    ember.manual_seed(0)
    rng = np.random.default_rng(3)
    q, k = T(rng.standard_normal((4, 8, 16)), device), T(rng.standard_normal((4, 200, 16)), device)
    v = ember.ones(4, 200, 1, dtype=ember.float64, device=device)
    # rows of weights sum to 1; after dropout(p) and 1/(1-p) rescaling, to 1 on average
    out = to_np(F.scaled_dot_product_attention(q, k, v, dropout_p=0.5))
    assert abs(out.mean() - 1.0) < 0.1 and out.std() > 0.01
    assert np.all(to_np(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)) == 0)
    np.testing.assert_allclose(to_np(F.scaled_dot_product_attention(q, k, v, dropout_p=0.0)), 1.0)


def test_sdpa_errors():
    q, k, v = ember.randn(2, 3, 4), ember.randn(2, 5, 4), ember.randn(2, 5, 6)
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when is_causal=True"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=ember.ones(3, 5, dtype=ember.bool), is_causal=True)
    with pytest.raises(RuntimeError, match="Expected attn_mask dtype to be bool or float or to match query "
                                           "dtype, but got attn_mask.dtype: long int and  query.dtype: float"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=ember.ones(3, 5, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="Expected query, key, and value to have the same dtype"):
        F.scaled_dot_product_attention(q, k.double(), v)
    with pytest.raises(RuntimeError, match="at least 2 dimensional"):
        F.scaled_dot_product_attention(ember.randn(4), ember.randn(4), ember.randn(4))
    with pytest.raises(RuntimeError, match=r"Expected size for first two dimensions of batch2 tensor to be: "
                                           r"\[2, 4\] but got: \[2, 3\]"):
        F.scaled_dot_product_attention(q, ember.randn(2, 5, 3), v)
    with pytest.raises(RuntimeError, match="dropout probability has to be between 0 and 1"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=1.5)
    with pytest.raises(RuntimeError, match="Number of heads in key and value must divide"):
        F.scaled_dot_product_attention(ember.randn(1, 3, 2, 4), ember.randn(1, 2, 5, 4),
                                       ember.randn(1, 2, 5, 4), enable_gqa=True)


@pytest.mark.parametrize("case", ["bool", "float", "causal", "none"])
def test_sdpa_gradcheck(device, case):
    rng = np.random.default_rng(4)
    q = T(rng.standard_normal((2, 3, 4)), device, True)
    k = T(rng.standard_normal((2, 4, 4)), device, True)
    v = T(rng.standard_normal((2, 4, 3)), device, True)
    args = [q, k, v]
    if case == "bool":
        m = rng.random((3, 4)) > 0.3
        m[:, 0] = True
        fn = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=T(m, device))  # noqa: E731
    elif case == "float":
        args.append(T(rng.standard_normal((2, 3, 4)), device, True))
        fn = lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m)  # noqa: E731
    elif case == "causal":
        fn = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True)  # noqa: E731
    else:
        fn = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, scale=0.7)  # noqa: E731
    assert gradcheck(fn, tuple(args))


# ------------------------------------------------------------------------------------------------
# MultiheadAttention
MHA_CASES = [
    dict(),
    dict(batch_first=True),
    dict(kdim=3, vdim=5),
    dict(add_bias_kv=True, add_zero_attn=True),
    dict(bias=False, batch_first=True),
]


@pytest.mark.parametrize("kw", MHA_CASES)
@pytest.mark.parametrize("masks", ["none", "kpm", "attn2d", "both3d_float", "causal"])
def test_mha_matches_reference(device, kw, masks):
    rng = np.random.default_rng(5)
    E, H, N, L, S = 8, 2, 3, 4, 5
    ember.manual_seed(0)
    m = nn.MultiheadAttention(E, H, **kw).double().to(device).eval()
    if m.in_proj_bias is not None:          # non-zero biases exercise the bias paths
        with ember.no_grad():
            m.in_proj_bias.copy_(T(rng.standard_normal(3 * E), device))
            m.out_proj.bias.copy_(T(rng.standard_normal(E), device))
    kd, vd = kw.get("kdim", E), kw.get("vdim", E)
    if masks == "causal":
        S = L
    q, k, v = rng.standard_normal((N, L, E)), rng.standard_normal((N, S, kd)), rng.standard_normal((N, S, vd))
    kpm = am = None
    call = {}
    if masks in ("kpm",):
        kpm = rng.random((N, S)) > 0.6
        kpm[:, 0] = False
    if masks == "attn2d":
        am = rng.random((L, S)) > 0.7
        am[:, 2] = False
    if masks == "both3d_float":
        am = rng.standard_normal((N * H, L, S))
        kpm = rng.standard_normal((N, S))
    if masks == "causal":
        am = np.triu(np.ones((L, S), bool), 1)
        call = dict(is_causal=True)
    if kpm is not None:
        call["key_padding_mask"] = T(kpm, device)
    if am is not None:
        call["attn_mask"] = T(am, device)
    exp_o, exp_w = ref_mha(m, q, k, v, kpm, am)
    bf = m.batch_first
    tr = (lambda a: a) if bf else (lambda a: np.ascontiguousarray(a.transpose(1, 0, 2)))
    out, w = m(T(tr(q), device), T(tr(k), device), T(tr(v), device), **call)
    assert_close(out, tr(exp_o))
    assert_close(w, exp_w)
    out2, w2 = m(T(tr(q), device), T(tr(k), device), T(tr(v), device), need_weights=False, **call)
    assert w2 is None
    if not (masks == "causal" and kw.get("add_bias_kv")):
        # (PyTorch too: with need_weights=False the is_causal hint replaces the mask, and the causal
        # mask then also hides the appended bias_k / zero positions)
        assert_close(out2, tr(exp_o))
    _, wh = m(T(tr(q), device), T(tr(k), device), T(tr(v), device), average_attn_weights=False, **call)
    assert_close(wh, ref_mha(m, q, k, v, kpm, am, average=False)[1])


def test_mha_self_attention_and_unbatched(device):
    rng = np.random.default_rng(6)
    m = nn.MultiheadAttention(6, 3, batch_first=True).double().to(device).eval()
    x = rng.standard_normal((2, 4, 6))
    xe = T(x, device)
    out, w = m(xe, xe, xe)
    eo, ew = ref_mha(m, x, x, x)
    assert_close(out, eo)
    assert_close(w, ew)
    out1, w1 = m(xe[0], xe[0], xe[0])           # unbatched (L, E)
    assert out1.shape == (4, 6) and w1.shape == (4, 4)
    assert_close(out1, eo[0])
    assert_close(w1, ew[0])


def test_mha_parameters_init_and_state_dict():
    ember.manual_seed(0)
    m = nn.MultiheadAttention(16, 4)
    names = [n for n, _ in m.named_parameters()]
    assert names == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert m.in_proj_weight.shape == (48, 16)
    assert m.q_proj_weight is None and m.bias_k is None
    bound = math.sqrt(6.0 / (16 + 48))        # xavier_uniform_ on the packed (3E, E) weight
    w = to_np(m.in_proj_weight)
    assert np.abs(w).max() <= bound and w.std() > bound / 4
    assert np.all(to_np(m.in_proj_bias) == 0) and np.all(to_np(m.out_proj.bias) == 0)
    m2 = nn.MultiheadAttention(16, 4, kdim=3, vdim=5, add_bias_kv=True)
    assert [n for n, _ in m2.named_parameters()] == ["q_proj_weight", "k_proj_weight", "v_proj_weight",
                                                      "in_proj_bias", "bias_k", "bias_v", "out_proj.weight",
                                                      "out_proj.bias"]
    assert m2.k_proj_weight.shape == (16, 3) and m2.bias_k.shape == (1, 1, 16)
    m3 = nn.MultiheadAttention(16, 4)
    m3.load_state_dict(m.state_dict())
    x = ember.randn(3, 2, 16)
    assert_close(m3(x, x, x)[0], to_np(m(x, x, x)[0]))
    assert repr(m) == ("MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=16, "
                       "out_features=16, bias=True)\n)")


def test_mha_dropout_train_eval():
    ember.manual_seed(0)
    m = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = ember.randn(5, 2, 8)
    m.eval()
    a, b = to_np(m(x, x, x)[0]), to_np(m(x, x, x)[0])
    np.testing.assert_array_equal(a, b)
    m.train()
    assert not np.allclose(a, to_np(m(x, x, x)[0]))


def test_mha_gradcheck(device):
    rng = np.random.default_rng(7)
    E, H, L, S, N = 4, 2, 2, 3, 2
    q, k, v = (T(rng.standard_normal(s), device, True) for s in ((L, N, E), (S, N, E), (S, N, E)))
    w_in, b_in = T(rng.standard_normal((3 * E, E)) * 0.5, device, True), T(rng.standard_normal(3 * E), device, True)
    w_out, b_out = T(rng.standard_normal((E, E)) * 0.5, device, True), T(rng.standard_normal(E), device, True)
    kpm = T(np.array([[0.0, 0.0, -np.inf], [0.0, 0.0, 0.0]]), device)
    am = T(rng.standard_normal((L, S)), device)

    def f(q, k, v, w_in, b_in, w_out, b_out):
        return F.multi_head_attention_forward(q, k, v, E, H, w_in, b_in, None, None, False, 0.0, w_out, b_out,
                                              training=False, key_padding_mask=kpm, attn_mask=am,
                                              need_weights=True)

    assert gradcheck(f, (q, k, v, w_in, b_in, w_out, b_out))


def test_mha_functional_static_kv(device):
    rng = np.random.default_rng(8)
    E, H, L, S, N = 4, 2, 3, 5, 2
    q = T(rng.standard_normal((L, N, E)), device)
    w_in, w_out = T(rng.standard_normal((3 * E, E)), device), T(rng.standard_normal((E, E)), device)
    sk, sv = rng.standard_normal((N * H, S, E // H)), rng.standard_normal((N * H, S, E // H))
    out, w = F.multi_head_attention_forward(q, q, q, E, H, w_in, None, None, None, False, 0.0, w_out, None,
                                            static_k=T(sk, device), static_v=T(sv, device),
                                            average_attn_weights=False)
    qp = (to_np(q) @ to_np(w_in)[:E].T).reshape(L, N * H, E // H).transpose(1, 0, 2)
    o, p = ref_sdpa(qp, sk, sv)
    o = o.transpose(1, 0, 2).reshape(L, N, E) @ to_np(w_out).T
    assert_close(out, o)
    assert_close(w, p.reshape(N, H, L, S))


def test_mha_errors():
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0"):
        nn.MultiheadAttention(0, 2)
    m = nn.MultiheadAttention(8, 2)
    x = ember.randn(4, 2, 8)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is ember.Size\(\[4, 5\]\), but "
                                           r"should be \(4, 4\)."):
        m(x, x, x, attn_mask=ember.zeros(4, 5))
    with pytest.raises(RuntimeError, match="The shape of the 3D attn_mask is"):
        m(x, x, x, attn_mask=ember.zeros(3, 4, 4))
    with pytest.raises(AssertionError, match="Expected key_padded_mask.shape\\[1\\] to be 4, but got 3"):
        m(x, x, x, key_padding_mask=ember.zeros(2, 3, dtype=ember.bool))
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        m(x, x, x, is_causal=True)
    with pytest.raises(AssertionError, match="only bool and floating types of attn_mask are supported"):
        m(x, x, x, attn_mask=ember.zeros(4, 4, dtype=ember.int64))
    with pytest.raises(AssertionError, match="For batched \\(3-D\\) `query`, expected `key` and `value` to be 3-D"):
        m(x, x[0], x[0])
    with pytest.raises(AssertionError, match="was expecting embedding dimension of 8, but got 6"):
        y = ember.randn(4, 2, 6)
        m(y, y, y)
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask is deprecated"):
        m(x, x, x, key_padding_mask=ember.zeros(2, 4, dtype=ember.bool), attn_mask=ember.zeros(4, 4))
