"""scaled_dot_product_attention and MultiheadAttention against PyTorch (optional)."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember                                  # noqa: E402
import ember.nn as nn                         # noqa: E402
import ember.nn.functional as F               # noqa: E402


def n(t):
    return t.detach().cpu().numpy()


@pytest.mark.parametrize("kw", [dict(), dict(mask="bool"), dict(mask="float"), dict(is_causal=True),
                                dict(scale=0.5), dict(enable_gqa=True), dict(mask="dead_rows")])
def test_sdpa_matches_torch(kw):
    rng = np.random.default_rng(0)
    hq = 4 if kw.get("enable_gqa") else 2
    q, k, v = rng.standard_normal((2, hq, 3, 8)), rng.standard_normal((2, 2, 5, 8)), rng.standard_normal((2, 2, 5, 6))
    tk, ek = {}, {}
    mask = kw.pop("mask", None)
    if mask == "bool":
        m = rng.random((3, 5)) > 0.5
        m[:, 0] = True
    elif mask == "float":
        m = rng.standard_normal((2, 1, 3, 5))
    elif mask == "dead_rows":
        m = rng.random((3, 5)) > 0.5
        m[1] = False
    if mask is not None:
        tk["attn_mask"], ek["attn_mask"] = torch.tensor(m), ember.tensor(m)
    tk.update(kw)
    ek.update(kw)
    ts = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    es = [ember.tensor(a, requires_grad=True) for a in (q, k, v)]
    yt = torch.nn.functional.scaled_dot_product_attention(*ts, **tk)
    ye = F.scaled_dot_product_attention(*es, **ek)
    np.testing.assert_allclose(n(ye), n(yt), rtol=1e-10, atol=1e-12)
    (yt ** 2).sum().backward()
    (ye ** 2).sum().backward()
    for a, b in zip(es, ts):
        np.testing.assert_allclose(n(a.grad), n(b.grad), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kw", [dict(), dict(batch_first=True), dict(kdim=5, vdim=3),
                                dict(add_bias_kv=True, add_zero_attn=True), dict(bias=False)])
@pytest.mark.parametrize("masks", ["none", "kpm", "attn", "both", "causal_hint"])
def test_mha_matches_torch(kw, masks):
    rng = np.random.default_rng(1)
    torch.manual_seed(0)
    E, H, L, S, N = 8, 2, 4, 5, 3
    tm = torch.nn.MultiheadAttention(E, H, **kw).double()
    em = nn.MultiheadAttention(E, H, **kw).double()
    assert list(tm.state_dict()) == list(em.state_dict())
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    bf = kw.get("batch_first", False)
    if masks == "causal_hint":
        S = L
    shp = lambda s, d: (N, s, d) if bf else (s, N, d)  # noqa: E731
    arrs = [rng.standard_normal(shp(L, E)), rng.standard_normal(shp(S, kw.get("kdim", E))),
            rng.standard_normal(shp(S, kw.get("vdim", E)))]
    call = {}
    if masks in ("kpm", "both"):
        kpm = rng.random((N, S)) > 0.7
        kpm[:, 0] = False
        call["key_padding_mask"] = kpm
    if masks in ("attn", "both"):
        call["attn_mask"] = rng.standard_normal((N * H, L, S)) if masks == "both" else rng.random((L, S)) > 0.8
    if masks == "both":
        call["key_padding_mask"] = np.where(call["key_padding_mask"], -np.inf, 0.0)
    if masks == "causal_hint":
        call = dict(attn_mask=np.triu(np.ones((L, L), bool), 1), is_causal=True, need_weights=False)
    tc = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in call.items()}
    ec = {k: ember.tensor(v) if isinstance(v, np.ndarray) else v for k, v in call.items()}
    ts = [torch.tensor(a, requires_grad=True) for a in arrs]
    es = [ember.tensor(a, requires_grad=True) for a in arrs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ot, wt = tm(*ts, **tc)
        oe, we = em(*es, **ec)
    np.testing.assert_allclose(n(oe), n(ot), rtol=1e-10, atol=1e-12)
    if wt is None:
        assert we is None
    else:
        np.testing.assert_allclose(n(we), n(wt), rtol=1e-10, atol=1e-12)
    (ot ** 2).sum().backward()
    (oe ** 2).sum().backward()
    for a, b in zip(es, ts):
        np.testing.assert_allclose(n(a.grad), n(b.grad), rtol=1e-9, atol=1e-12)
    for (name, pt), pe in zip(tm.named_parameters(), em.parameters()):
        np.testing.assert_allclose(n(pe.grad), n(pt.grad), rtol=1e-9, atol=1e-12, err_msg=name)
