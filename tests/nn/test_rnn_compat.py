"""RNN/LSTM/GRU against PyTorch (optional): same state dict -> same outputs and gradients."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ember                                  # noqa: E402
import ember.nn as nn                         # noqa: E402
from ember.nn.utils.rnn import pack_padded_sequence as e_pack, pad_packed_sequence as e_pad  # noqa: E402


def load_from_torch(em, tm):
    assert list(em.state_dict()) == list(tm.state_dict())
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})


def n(t):
    return t.detach().cpu().numpy()


CASES = [("RNN", dict(nonlinearity="relu", num_layers=2)), ("GRU", dict(bidirectional=True, num_layers=2)),
         ("LSTM", dict(proj_size=3, bidirectional=True)), ("LSTM", dict(num_layers=2, batch_first=True)),
         ("GRU", dict(bias=False, batch_first=True))]


@pytest.mark.parametrize("cls,kw", CASES)
@pytest.mark.parametrize("packed", [False, True])
def test_matches_torch(cls, kw, packed):
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    tm = getattr(torch.nn, cls)(4, 5, **kw).double()
    em = getattr(nn, cls)(4, 5, **kw).double()
    load_from_torch(em, tm)
    bf = kw.get("batch_first", False)
    x = rng.standard_normal((3, 6, 4) if bf else (6, 3, 4))
    xt = torch.tensor(x, requires_grad=True)
    xe = ember.tensor(x, requires_grad=True)
    it, ie = xt, xe
    if packed:
        lengths = [4, 6, 2]
        it = torch.nn.utils.rnn.pack_padded_sequence(xt, lengths, batch_first=bf, enforce_sorted=False)
        ie = e_pack(xe, lengths, batch_first=bf, enforce_sorted=False)
    yt, ht = tm(it)
    ye, he = em(ie)
    if packed:
        yt, _ = torch.nn.utils.rnn.pad_packed_sequence(yt, batch_first=bf)
        ye, _ = e_pad(ye, batch_first=bf)
    if cls == "LSTM":
        ht, he = torch.cat([ht[0].flatten(), ht[1].flatten()]), ember.cat([he[0].flatten(), he[1].flatten()])
    np.testing.assert_allclose(n(ye), n(yt), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(n(he), n(ht), rtol=1e-10, atol=1e-12)
    ((yt ** 2).sum() + ht.sum()).backward()
    ((ye ** 2).sum() + he.sum()).backward()
    np.testing.assert_allclose(n(xe.grad), n(xt.grad), rtol=1e-9, atol=1e-12)
    for (name, pt), pe in zip(tm.named_parameters(), em.parameters()):
        np.testing.assert_allclose(n(pe.grad), n(pt.grad), rtol=1e-9, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_torch(cls):
    torch.manual_seed(0)
    tm, em = getattr(torch.nn, cls)(3, 4).double(), getattr(nn, cls)(3, 4).double()
    load_from_torch(em, tm)
    x = np.random.default_rng(1).standard_normal((2, 3))
    yt, ye = tm(torch.tensor(x)), em(ember.tensor(x))
    if cls == "LSTMCell":
        yt, ye = torch.cat(yt, -1), ember.cat(ye, -1)
    np.testing.assert_allclose(n(ye), n(yt), rtol=1e-10, atol=1e-12)
    assert repr(em) == repr(tm)


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
def test_state_dict_to_torch_and_reprs():
    em = nn.LSTM(3, 6, num_layers=2, proj_size=2, bidirectional=True, dropout=0.1)
    tm = torch.nn.LSTM(3, 6, num_layers=2, proj_size=2, bidirectional=True, dropout=0.1)
    assert repr(em) == repr(tm)
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in em.state_dict().items()})
    em.eval()
    tm.eval()
    x = np.random.default_rng(2).standard_normal((5, 2, 3)).astype(np.float32)
    np.testing.assert_allclose(n(em(ember.tensor(x))[0]), n(tm(torch.tensor(x))[0]), rtol=1e-5, atol=1e-6)
