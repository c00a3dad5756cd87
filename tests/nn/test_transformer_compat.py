"""Transformer layers and model against PyTorch (optional): same state dict -> same outputs/grads."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember                                  # noqa: E402
import ember.nn as nn                         # noqa: E402


def n(t):
    return t.detach().cpu().numpy()


def load_from_torch(em, tm):
    assert list(em.state_dict()) == list(tm.state_dict())
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})


@pytest.mark.parametrize("kw", [dict(), dict(batch_first=True, norm_first=True, activation="gelu"),
                                dict(bias=False, batch_first=True)])
def test_encoder_and_decoder_layers_match_torch(kw):
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    bf = kw.get("batch_first", False)
    for tcls, ecls in ((torch.nn.TransformerEncoderLayer, nn.TransformerEncoderLayer),
                       (torch.nn.TransformerDecoderLayer, nn.TransformerDecoderLayer)):
        tm, em = tcls(8, 2, 16, dropout=0.0, **kw).double(), ecls(8, 2, 16, dropout=0.0, **kw).double()
        load_from_torch(em, tm)
        assert repr(em) == repr(tm)
        x = rng.standard_normal((2, 4, 8) if bf else (4, 2, 8))
        mem = rng.standard_normal((2, 5, 8) if bf else (5, 2, 8))
        mask = np.triu(np.full((4, 4), -np.inf), 1)
        xt, xe = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
        if tcls is torch.nn.TransformerEncoderLayer:
            yt = tm(xt, src_mask=torch.tensor(mask))
            ye = em(xe, src_mask=ember.tensor(mask))
        else:
            yt = tm(xt, torch.tensor(mem), tgt_mask=torch.tensor(mask), tgt_is_causal=True)
            ye = em(xe, ember.tensor(mem), tgt_mask=ember.tensor(mask), tgt_is_causal=True)
        np.testing.assert_allclose(n(ye), n(yt), rtol=1e-9, atol=1e-11)
        (yt ** 2).sum().backward()
        (ye ** 2).sum().backward()
        np.testing.assert_allclose(n(xe.grad), n(xt.grad), rtol=1e-8, atol=1e-10)
        for (name, pt), pe in zip(tm.named_parameters(), em.parameters()):
            np.testing.assert_allclose(n(pe.grad), n(pt.grad), rtol=1e-8, atol=1e-10, err_msg=name)


def test_transformer_matches_torch():
    rng = np.random.default_rng(1)
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = torch.nn.Transformer(8, 2, 2, 2, 16).double().eval()
        em = nn.Transformer(8, 2, 2, 2, 16).double().eval()
    load_from_torch(em, tm)
    src, tgt = rng.standard_normal((5, 2, 8)), rng.standard_normal((4, 2, 8))
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(4).double()
    kpm = np.array([[False] * 4 + [True], [False] * 5])
    yt = tm(torch.tensor(src), torch.tensor(tgt), tgt_mask=tmask, src_key_padding_mask=torch.tensor(kpm),
            memory_key_padding_mask=torch.tensor(kpm))
    ye = em(ember.tensor(src), ember.tensor(tgt), tgt_mask=ember.tensor(n(tmask)),
            src_key_padding_mask=ember.tensor(kpm), memory_key_padding_mask=ember.tensor(kpm))
    np.testing.assert_allclose(n(ye), n(yt), rtol=1e-9, atol=1e-11)
    np.testing.assert_array_equal(n(nn.Transformer.generate_square_subsequent_mask(4)),
                                  n(torch.nn.Transformer.generate_square_subsequent_mask(4)))
