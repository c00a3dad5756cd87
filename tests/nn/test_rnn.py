"""RNN / LSTM / GRU and their cells: NumPy float64 references, packed sequences, gradcheck, errors,
and an LSTM that learns to sum a short sequence."""
import math

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.autograd import gradcheck
from ember.nn.modules.rnn import _rnn_impl, _lstm_cell, _gru_cell, _rnn_cell
from ember.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pack_sequence
from conftest import assert_close, to_np

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# ------------------------------------------------------------------------------------------------
# NumPy references
def sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def ref_step(mode, x, h, c, p):
    """One step of a cell; p: dict w_ih, w_hh, b_ih, b_hh (None if no bias), w_hr (None)."""
    b_ih = p["b_ih"] if p["b_ih"] is not None else 0.0
    b_hh = p["b_hh"] if p["b_hh"] is not None else 0.0
    gi = x @ p["w_ih"].T + b_ih
    gh = h @ p["w_hh"].T + b_hh
    if mode == "RNN_TANH":
        return np.tanh(gi + gh), None
    if mode == "RNN_RELU":
        return np.maximum(gi + gh, 0.0), None
    if mode == "LSTM":
        i, f, g, o = np.split(gi + gh, 4, axis=-1)
        c = sig(f) * c + sig(i) * np.tanh(g)
        h = sig(o) * np.tanh(c)
        if p.get("w_hr") is not None:
            h = h @ p["w_hr"].T
        return h, c
    ir, iz, in_ = np.split(gi, 3, axis=-1)
    hr, hz, hn = np.split(gh, 3, axis=-1)
    r, z = sig(ir + hr), sig(iz + hz)
    n = np.tanh(in_ + r * hn)
    return (1 - z) * n + z * h, None


def layer_params(module, layer, reverse):
    sfx = f"_l{layer}" + ("_reverse" if reverse else "")
    sd = {k: to_np(v) for k, v in module.state_dict().items()}
    return {"w_ih": sd["weight_ih" + sfx], "w_hh": sd["weight_hh" + sfx],
            "b_ih": sd.get("bias_ih" + sfx), "b_hh": sd.get("bias_hh" + sfx), "w_hr": sd.get("weight_hr" + sfx)}


def ref_rnn(mode, module, x, h0, c0):
    """Full multi-layer (bidirectional) reference, x: (T, B, I) -> (out, h_n, c_n)."""
    D = 2 if module.bidirectional else 1
    inp = x
    hs, cs = [], []
    for layer in range(module.num_layers):
        outs = []
        for d in range(D):
            p = layer_params(module, layer, d == 1)
            idx = layer * D + d
            h, c = h0[idx], (c0[idx] if c0 is not None else None)
            ys = [None] * x.shape[0]
            for t in (range(x.shape[0] - 1, -1, -1) if d == 1 else range(x.shape[0])):
                h, c = ref_step(mode, inp[t], h, c, p)
                ys[t] = h
            outs.append(np.stack(ys))
            hs.append(h)
            cs.append(c)
        inp = np.concatenate(outs, -1)
    return inp, np.stack(hs), (np.stack(cs) if c0 is not None else None)


def make_layer(mode, **kw):
    if mode.startswith("RNN"):
        return nn.RNN(nonlinearity="tanh" if mode == "RNN_TANH" else "relu", **kw)
    return getattr(nn, mode)(**kw)


# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_reference(device, mode, batched):
    rng = np.random.default_rng(1)
    I, H, B = 3, 4, 2
    if mode == "LSTM":
        cell = nn.LSTMCell(I, H)
    elif mode == "GRU":
        cell = nn.GRUCell(I, H)
    else:
        cell = nn.RNNCell(I, H, nonlinearity="tanh" if mode == "RNN_TANH" else "relu")
    cell = cell.double().to(device)
    p = {"w_ih": to_np(cell.weight_ih), "w_hh": to_np(cell.weight_hh), "b_ih": to_np(cell.bias_ih),
         "b_hh": to_np(cell.bias_hh)}
    x = rng.standard_normal((B, I) if batched else (I,))
    h = rng.standard_normal((B, H) if batched else (H,))
    c = rng.standard_normal((B, H) if batched else (H,))
    xe, he, ce = (ember.tensor(a, device=device) for a in (x, h, c))
    eh, ec = ref_step(mode, x, h, c, p)
    if mode == "LSTM":
        got_h, got_c = cell(xe, (he, ce))
        assert_close(got_h, eh)
        assert_close(got_c, ec)
        zh, zc = cell(xe)           # zero initial state
        rh, rc = ref_step(mode, x, 0 * h, 0 * c, p)
        assert_close(zh, rh)
        assert_close(zc, rc)
    else:
        assert_close(cell(xe, he), eh)
        assert_close(cell(xe), ref_step(mode, x, 0 * h, None, p)[0])


def test_cell_no_bias_and_repr():
    cell = nn.GRUCell(3, 4, bias=False)
    assert cell.bias_ih is None and cell.bias_hh is None
    assert [n for n, _ in cell.named_parameters()] == ["weight_ih", "weight_hh"]
    assert repr(cell) == "GRUCell(3, 4, bias=False)"
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu")) == "RNNCell(3, 4, nonlinearity=relu)"
    assert repr(nn.LSTMCell(3, 4)) == "LSTMCell(3, 4)"
    assert tuple(nn.LSTMCell(3, 4).weight_ih.shape) == (16, 3)
    x = ember.randn(2, 3)
    y = cell(x)
    assert y.shape == (2, 4)


CONFIGS = [
    ("RNN_TANH", dict()),
    ("RNN_RELU", dict(num_layers=2)),
    ("GRU", dict(bidirectional=True)),
    ("GRU", dict(num_layers=2, bias=False, batch_first=True)),
    ("LSTM", dict()),
    ("LSTM", dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("LSTM", dict(proj_size=2, bidirectional=True)),
    ("RNN_TANH", dict(num_layers=3, bidirectional=True, bias=False)),
]


@pytest.mark.parametrize("mode,kw", CONFIGS)
def test_layers_match_reference(device, mode, kw):
    rng = np.random.default_rng(2)
    I, H, T, B = 3, 4, 5, 2
    m = make_layer(mode, input_size=I, hidden_size=H, **kw).double().to(device)
    D = 2 if m.bidirectional else 1
    Hout = kw.get("proj_size") or H
    x = rng.standard_normal((T, B, I))
    h0 = rng.standard_normal((m.num_layers * D, B, Hout))
    c0 = rng.standard_normal((m.num_layers * D, B, H)) if mode == "LSTM" else None
    out, hn, cn = ref_rnn(mode, m, x, h0, c0)
    xin = x.transpose(1, 0, 2) if m.batch_first else x
    xe = ember.tensor(np.ascontiguousarray(xin), device=device)
    hx = (ember.tensor(h0, device=device), ember.tensor(c0, device=device)) if mode == "LSTM" \
        else ember.tensor(h0, device=device)
    y, h = m(xe, hx)
    assert_close(y, out.transpose(1, 0, 2) if m.batch_first else out)
    if mode == "LSTM":
        assert_close(h[0], hn)
        assert_close(h[1], cn)
    else:
        assert_close(h, hn)
    # default (zero) initial state
    out0, hn0, _ = ref_rnn(mode, m, x, 0 * h0, None if c0 is None else 0 * c0)
    y0, _ = m(xe)
    assert_close(y0, out0.transpose(1, 0, 2) if m.batch_first else out0)


@pytest.mark.parametrize("mode", ["RNN_TANH", "LSTM", "GRU"])
def test_unbatched_input(device, mode):
    m = make_layer(mode, input_size=3, hidden_size=4, num_layers=2).double().to(device)
    x = ember.randn(5, 3, dtype=ember.float64, device=device)
    y, h = m(x)
    yb, hb = m(x.unsqueeze(1))
    assert y.shape == (5, 4)
    assert_close(y, to_np(yb)[:, 0])
    if mode == "LSTM":
        assert h[0].shape == (2, 4) and h[1].shape == (2, 4)
        assert_close(h[1], to_np(hb[1])[:, 0])
        y2, _ = m(x, (h[0], h[1]))
    else:
        assert h.shape == (2, 4)
        assert_close(h, to_np(hb)[:, 0])
        y2, _ = m(x, h)
    assert y2.shape == (5, 4)


@pytest.mark.parametrize("mode,kw", [("LSTM", dict()), ("GRU", dict(bidirectional=True, num_layers=2)),
                                     ("RNN_TANH", dict(bidirectional=True)),
                                     ("LSTM", dict(bidirectional=True, proj_size=2, batch_first=True))])
def test_packed_matches_per_sequence_reference(device, mode, kw):
    rng = np.random.default_rng(3)
    I, H = 3, 4
    m = make_layer(mode, input_size=I, hidden_size=H, **kw).double().to(device)
    D = 2 if m.bidirectional else 1
    Hout = kw.get("proj_size") or H
    lengths = [2, 5, 1, 4]
    B, T = len(lengths), max(lengths)
    x = rng.standard_normal((T, B, I))
    h0 = rng.standard_normal((m.num_layers * D, B, Hout))
    c0 = rng.standard_normal((m.num_layers * D, B, H))
    xin = np.ascontiguousarray(x.transpose(1, 0, 2)) if m.batch_first else x
    packed = pack_padded_sequence(ember.tensor(xin, device=device), lengths, batch_first=m.batch_first,
                                  enforce_sorted=False)
    hx = (ember.tensor(h0, device=device), ember.tensor(c0, device=device)) if mode == "LSTM" \
        else ember.tensor(h0, device=device)
    y, h = m(packed, hx)
    assert isinstance(y, type(packed))
    padded, lens = pad_packed_sequence(y, batch_first=m.batch_first)
    padded = to_np(padded)
    if m.batch_first:
        padded = padded.transpose(1, 0, 2)
    assert list(to_np(lens)) == lengths
    for b, L in enumerate(lengths):
        out, hn, cn = ref_rnn(mode, m, x[:L, b:b + 1], h0[:, b:b + 1],
                              c0[:, b:b + 1] if mode == "LSTM" else None)
        np.testing.assert_allclose(padded[:L, b:b + 1], out, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(padded[L:, b], 0.0)
        if mode == "LSTM":
            np.testing.assert_allclose(to_np(h[0])[:, b:b + 1], hn, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(to_np(h[1])[:, b:b + 1], cn, rtol=1e-9, atol=1e-12)
        else:
            np.testing.assert_allclose(to_np(h)[:, b:b + 1], hn, rtol=1e-9, atol=1e-12)


def test_packed_equals_padded_when_lengths_full(device):
    m = nn.GRU(3, 4, num_layers=2, bidirectional=True).double().to(device)
    x = ember.randn(4, 3, 3, dtype=ember.float64, device=device)
    y, h = m(x)
    yp, hp = m(pack_padded_sequence(x, [4, 4, 4]))
    assert_close(yp.data, to_np(y).reshape(12, 8))
    assert_close(hp, to_np(h))
    # pack_sequence of sorted sequences: the forward direction's outputs are prefixes of the full run
    seqs = [ember.randn(n, 3, dtype=ember.float64, device=device) for n in (4, 2, 1)]
    uni = nn.LSTM(3, 4).double().to(device)
    yp, (hn, cn) = uni(pack_sequence(seqs))
    padded, _ = pad_packed_sequence(yp)
    for b, s in enumerate(seqs):
        ys, (hs, cs) = uni(s.unsqueeze(1))
        assert_close(padded[:s.shape[0], b], to_np(ys)[:, 0])
        assert_close(hn[:, b], to_np(hs)[:, 0])
        assert_close(cn[:, b], to_np(cs)[:, 0])


def test_packed_gradients_flow(device):
    m = nn.LSTM(3, 4, bidirectional=True).double().to(device)
    x = ember.randn(5, 3, 3, dtype=ember.float64, device=device, requires_grad=True)
    y, (h, c) = m(pack_padded_sequence(x, [3, 5, 2], enforce_sorted=False))
    (y.data.sum() + h.sum() + c.sum()).backward()
    g = to_np(x.grad)
    # padding positions get no gradient; valid ones do
    assert np.all(g[3:, 0] == 0) and np.all(g[2:, 2] == 0)
    assert np.all(np.abs(g[:3, 0]).sum(-1) > 0)
    assert all(p.grad is not None for p in m.parameters())


@pytest.mark.parametrize("mode", ["RNN_TANH", "LSTM", "GRU"])
def test_bidirectional_multilayer_shapes(device, mode):
    T, B, I, H = 6, 3, 5, 7
    m = make_layer(mode, input_size=I, hidden_size=H, num_layers=3, bidirectional=True,
                   batch_first=True).to(device)
    y, h = m(ember.randn(B, T, I, device=device))
    assert y.shape == (B, T, 2 * H)
    hs = h if mode == "LSTM" else (h,)
    for t in hs:
        assert t.shape == (6, B, H)
    names = [n for n, _ in m.named_parameters()]
    assert names[:4] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    assert names[4:8] == ["weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse",
                          "bias_hh_l0_reverse"]
    G = GATES[mode] * H
    assert m.weight_ih_l0.shape == (G, I)
    assert m.weight_ih_l1.shape == (G, 2 * H)
    assert m.weight_hh_l2_reverse.shape == (G, H)
    assert len(m.all_weights) == 6 and len(m.all_weights[0]) == 4


def test_lstm_proj_size_parameters():
    m = nn.LSTM(3, 6, num_layers=2, proj_size=2, bidirectional=True)
    assert m.weight_hh_l0.shape == (24, 2)
    assert m.weight_hr_l0.shape == (2, 6)
    assert m.weight_ih_l1.shape == (24, 4)
    assert "weight_hr_l1_reverse" in m.state_dict()
    y, (h, c) = m(ember.randn(4, 2, 3))
    assert y.shape == (4, 2, 4) and h.shape == (4, 2, 2) and c.shape == (4, 2, 6)


def test_default_init_range_and_state_dict_round_trip():
    ember.manual_seed(0)
    m = nn.LSTM(3, 16, num_layers=2)
    bound = 1 / math.sqrt(16)
    for p in m.parameters():
        a = to_np(p)
        assert a.min() >= -bound and a.max() <= bound
        assert a.std() > bound / 4          # actually spread over the range
    m2 = nn.LSTM(3, 16, num_layers=2)
    m2.load_state_dict(m.state_dict())
    x = ember.randn(5, 2, 3)
    assert_close(m2(x)[0], to_np(m(x)[0]))
    assert list(m.state_dict()) == list(m2.state_dict())


def test_dropout_between_layers_train_eval():
    ember.manual_seed(0)
    m = nn.GRU(3, 8, num_layers=2, dropout=0.5)
    x = ember.randn(4, 2, 3)
    m.eval()
    a, b = to_np(m(x)[0]), to_np(m(x)[0])
    np.testing.assert_array_equal(a, b)
    m.train()
    c = to_np(m(x)[0])
    assert not np.allclose(a, c)
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.2)


def test_repr_and_module_api():
    assert repr(nn.LSTM(10, 20, 2)) == "LSTM(10, 20, num_layers=2)"
    assert repr(nn.GRU(3, 4, batch_first=True, bidirectional=True, dropout=0.1, num_layers=2)) == \
        "GRU(3, 4, num_layers=2, batch_first=True, dropout=0.1, bidirectional=True)"
    assert repr(nn.LSTM(3, 4, proj_size=2, bias=False)) == "LSTM(3, 4, proj_size=2, bias=False)"
    assert repr(nn.RNN(3, 4, 1, "relu")) == "RNN(3, 4)"
    m = nn.RNN(3, 4, 1, "relu")
    assert m.nonlinearity == "relu" and m.mode == "RNN_RELU"
    m.flatten_parameters()


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_single_step_sequences_backward(device, mode):
    # one time step (and one layer direction) makes unbind/split return a single piece
    m = make_layer(mode, input_size=3, hidden_size=4, bidirectional=True).double().to(device)
    x = ember.randn(1, 2, 3, dtype=ember.float64, device=device, requires_grad=True)
    y, h = m(x)
    (y.sum() + (h[0] if mode == "LSTM" else h).sum()).backward()
    assert x.grad.shape == (1, 2, 3) and np.isfinite(to_np(x.grad)).all()
    xp = ember.randn(3, 3, dtype=ember.float64, device=device, requires_grad=True)
    yp, _ = m(pack_sequence([xp[:1], xp[1:2], xp[2:]]))
    yp.data.sum().backward()
    assert xp.grad.shape == (3, 3)


def test_module_conversion_keeps_working():
    m = nn.LSTM(3, 4).double()
    assert m.weight_ih_l0.dtype == ember.float64
    y, _ = m(ember.randn(2, 1, 3, dtype=ember.float64))
    assert y.dtype == ember.float64


# ------------------------------------------------------------------------------------------------
# gradcheck (float64) of the functional forms
def _t(rng, *shape, device="cpu"):
    return ember.tensor(rng.standard_normal(shape) * 0.5, device=device, requires_grad=True)


def test_gradcheck_cells(device):
    rng = np.random.default_rng(4)
    I, H, B = 2, 3, 2
    x, h, c = _t(rng, B, I, device=device), _t(rng, B, H, device=device), _t(rng, B, H, device=device)
    for chunks, fn in ((4, lambda x, h, c, wi, wh, bi, bh: _lstm_cell(x, h, c, wi, wh, bi, bh)),
                       (3, lambda x, h, c, wi, wh, bi, bh: _gru_cell(x, h, wi, wh, bi, bh)),
                       (1, lambda x, h, c, wi, wh, bi, bh: _rnn_cell(x, h, wi, wh, bi, bh, ember.tanh))):
        wi, wh = _t(rng, chunks * H, I, device=device), _t(rng, chunks * H, H, device=device)
        bi, bh = _t(rng, chunks * H, device=device), _t(rng, chunks * H, device=device)
        assert gradcheck(fn, (x, h, c, wi, wh, bi, bh))


def test_gradcheck_lstm_three_steps(device):
    rng = np.random.default_rng(5)
    I, H, B, T = 2, 3, 2, 3
    x, h0, c0 = _t(rng, T, B, I, device=device), _t(rng, 1, B, H, device=device), _t(rng, 1, B, H, device=device)
    ws = [_t(rng, 4 * H, I, device=device), _t(rng, 4 * H, H, device=device),
          _t(rng, 4 * H, device=device), _t(rng, 4 * H, device=device)]

    def f(x, h0, c0, *w):
        out, h, c = _rnn_impl("LSTM", x, (h0, c0), list(w), True, 1, 0.0, False, False)
        return out, h, c

    assert gradcheck(f, (x, h0, c0, *ws))


@pytest.mark.parametrize("mode", ["GRU", "RNN_TANH"])
def test_gradcheck_bidirectional_packed(device, mode):
    rng = np.random.default_rng(6)
    I, H = 2, 2
    G = GATES[mode] * H
    data = _t(rng, 6, I, device=device)          # batch_sizes [3, 2, 1]
    h0 = _t(rng, 2, 3, H, device=device)
    ws = []
    for _ in range(2):
        ws += [_t(rng, G, I, device=device), _t(rng, G, H, device=device), _t(rng, G, device=device),
               _t(rng, G, device=device)]

    def f(data, h0, *w):
        return _rnn_impl(mode, data, h0, list(w), True, 1, 0.0, False, True, batch_sizes=[3, 2, 1])

    assert gradcheck(f, (data, h0, *ws))


# ------------------------------------------------------------------------------------------------
def test_errors():
    m = nn.LSTM(3, 4)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 3, got 5"):
        m(ember.randn(2, 1, 5))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(1, 2, 4\), got \[1, 3, 4\]"):
        m(ember.randn(5, 2, 3), (ember.zeros(1, 3, 4), ember.zeros(1, 2, 4)))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size \(1, 2, 4\), got \[1, 2, 5\]"):
        m(ember.randn(5, 2, 3), (ember.zeros(1, 2, 4), ember.zeros(1, 2, 5)))
    with pytest.raises(ValueError, match="LSTM: Expected input to be 2D or 3D, got 4D instead"):
        m(ember.randn(1, 5, 2, 3))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx and cx should also be 3-D"):
        m(ember.randn(5, 2, 3), (ember.zeros(2, 4), ember.zeros(2, 4)))
    with pytest.raises(ValueError, match=r"RNN input dtype \(ember.float64\) does not match weight dtype"):
        m(ember.randn(5, 2, 3, dtype=ember.float64))
    g = nn.GRU(3, 4)
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 2, 4\), got \[1, 3, 4\]"):
        g(ember.randn(5, 2, 3), ember.zeros(1, 3, 4))
    with pytest.raises(RuntimeError, match="For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"):
        g(ember.randn(5, 3), ember.zeros(1, 1, 4))
    with pytest.raises(ValueError, match="RNN: Expected input to be 2D or 3D, got 1D tensor instead"):
        nn.RNN(3, 4)(ember.randn(3))
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.GRU(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.LSTM(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        nn.GRU(3, 0)
    with pytest.raises(TypeError, match="input_size should be of type int"):
        nn.GRU(3.0, 4)
    with pytest.raises(ValueError, match="GRUCell: Expected input to be 1D or 2D, got 3D instead"):
        nn.GRUCell(3, 4)(ember.randn(1, 2, 3))
    with pytest.raises(ValueError, match=r"LSTMCell: Expected hx\[1\] to be 1D or 2D, got 3D instead"):
        nn.LSTMCell(3, 4)(ember.randn(2, 3), (ember.zeros(2, 4), ember.zeros(1, 2, 4)))


# ------------------------------------------------------------------------------------------------
def _adam(params, lr=0.01, b1=0.9, b2=0.999, eps=1e-8):
    """A tiny hand-written Adam (ember.optim is developed separately)."""
    state = [(ember.zeros_like(p), ember.zeros_like(p)) for p in params]
    t = [0]

    def step():
        t[0] += 1
        with ember.no_grad():
            for p, (m, v) in zip(params, state):
                g = p.grad
                m.mul_(b1).add_(g * (1 - b1))
                v.mul_(b2).add_(g * g * (1 - b2))
                mh = m / (1 - b1 ** t[0])
                vh = v / (1 - b2 ** t[0])
                p.sub_(lr * mh / (vh.sqrt() + eps))
                p.grad = None
    return step


def test_lstm_learns_to_sum_a_sequence():
    """y = sum of a length-5 sequence of numbers in [-1, 1]: MSE well below the variance (5/3)."""
    ember.manual_seed(0)
    rng = np.random.default_rng(0)
    lstm = nn.LSTM(1, 16, batch_first=True)
    head_w = nn.Parameter(ember.randn(1, 16) * 0.1)
    head_b = nn.Parameter(ember.zeros(1))
    params = list(lstm.parameters()) + [head_w, head_b]
    step = _adam(params, lr=0.02)
    loss_v = None
    for it in range(300):
        x = rng.uniform(-1, 1, (32, 5, 1)).astype(np.float32)
        y = x.sum(axis=(1, 2))[:, None]
        out, (h, c) = lstm(ember.tensor(x))
        pred = ember.matmul(h[0], head_w.t()) + head_b
        loss = ((pred - ember.tensor(y)) ** 2).mean()
        loss.backward()
        step()
        loss_v = loss.item()
        if it > 50 and loss_v < 0.02:
            break
    assert loss_v < 0.05, loss_v
