"""ember.nn.utils: gradient clipping vs NumPy, parameter/vector conversion, sequence packing."""
import math

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn.utils import (clip_grad_norm_, clip_grad_value_, get_total_norm, clip_grads_with_norm_,
                            parameters_to_vector, vector_to_parameters)
from ember.nn.utils.rnn import (PackedSequence, pad_sequence, pack_padded_sequence, pad_packed_sequence,
                                pack_sequence, unpad_sequence, unpack_sequence, invert_permutation)
from ember.autograd import gradcheck

from conftest import assert_close, to_np


def _params_with_grads(device, grads):
    ps = []
    for g in grads:
        p = nn.Parameter(ember.zeros(g.shape, dtype=ember.float64, device=device))
        p.grad = ember.tensor(g, device=device)
        ps.append(p)
    return ps


GRADS = [np.array([[3.0, -4.0], [1.0, 0.5]]), np.array([-2.0, 6.0, 0.25])]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf"), "inf"])
def test_clip_grad_norm_vs_numpy(norm_type, device):
    flat = np.concatenate([g.ravel() for g in GRADS])
    p = float(norm_type)
    total = np.abs(flat).max() if math.isinf(p) else (np.abs(flat) ** p).sum() ** (1 / p)
    ps = _params_with_grads(device, GRADS)
    out = clip_grad_norm_(ps, max_norm=1.5, norm_type=norm_type)
    assert_close(out, np.array(total))
    coef = min(1.5 / (total + 1e-6), 1.0)
    for p_, g in zip(ps, GRADS):
        assert_close(p_.grad, g * coef)
    # below the threshold nothing changes
    ps = _params_with_grads(device, GRADS)
    clip_grad_norm_(ps, max_norm=1000.0, norm_type=norm_type)
    for p_, g in zip(ps, GRADS):
        assert_close(p_.grad, g)


def test_clip_grad_norm_single_tensor_none_grads_and_empty(device):
    p = _params_with_grads(device, [np.array([3.0, 4.0])])[0]
    q = nn.Parameter(ember.zeros(2, device=device))          # no grad: skipped
    total = clip_grad_norm_([p, q], 1.0)
    assert_close(total, np.array(5.0))
    assert_close(p.grad, np.array([3.0, 4.0]) / (5 + 1e-6))
    assert q.grad is None
    p2 = _params_with_grads(device, [np.array([3.0, 4.0])])[0]
    clip_grad_norm_(p2, 2.5)                                 # a single tensor
    assert_close(p2.grad, np.array([3.0, 4.0]) * 2.5 / (5 + 1e-6))
    assert clip_grad_norm_([], 1.0).item() == 0.0
    assert clip_grad_norm_(iter([p, q]), 1.0, foreach=True).shape == ()


def test_clip_grad_norm_nonfinite(device):
    ps = _params_with_grads(device, [np.array([1.0, np.inf])])
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from `parameters` is non-finite, "
                                           "so it cannot be clipped. To disable this error and scale the gradients by "
                                           "the non-finite norm anyway, set `error_if_nonfinite=False`"):
        clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    total = clip_grad_norm_(ps, 1.0)
    assert math.isinf(total.item())


def test_get_total_norm_and_clip_with_norm(device):
    grads = [ember.tensor(g, device=device) for g in GRADS]
    flat = np.concatenate([g.ravel() for g in GRADS])
    assert_close(get_total_norm(grads), np.array(np.linalg.norm(flat)))
    assert_close(get_total_norm(grads, 1), np.array(np.abs(flat).sum()))
    ps = _params_with_grads(device, GRADS)
    clip_grads_with_norm_(ps, 1.0, ember.tensor(10.0, dtype=ember.float64, device=device))
    assert_close(ps[0].grad, GRADS[0] * (1.0 / (10 + 1e-6)))


def test_clip_grad_value(device):
    ps = _params_with_grads(device, GRADS)
    clip_grad_value_(ps, 1.0)
    for p, g in zip(ps, GRADS):
        assert_close(p.grad, np.clip(g, -1, 1))
    p = _params_with_grads(device, [np.array([-5.0, 0.5])])[0]
    clip_grad_value_(p, 2)
    assert_close(p.grad, np.array([-2.0, 0.5]))


def test_clipping_in_training_loop_has_no_graph(device):
    m = nn.Linear(3, 2, device=device)
    m(ember.randn(4, 3, device=device)).sum().backward()
    total = clip_grad_norm_(m.parameters(), 0.1)
    assert total.grad_fn is None and all(p.grad.grad_fn is None for p in m.parameters())
    assert abs(float(get_total_norm([p.grad for p in m.parameters()])) - 0.1) < 1e-5


def test_parameters_to_vector_and_back(device):
    m = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1)).to(device)
    vec = parameters_to_vector(m.parameters())
    assert vec.shape == (2 * 3 + 3 + 3 + 1,)
    assert_close(vec, np.concatenate([to_np(p).ravel() for p in m.parameters()]))
    new = ember.arange(13, dtype=ember.float32, device=device)
    params = list(m.parameters())
    vector_to_parameters(new, m.parameters())
    assert [id(p) for p in m.parameters()] == [id(p) for p in params]
    assert_close(m[0].weight, np.arange(6, dtype=np.float32).reshape(3, 2))
    assert_close(m[1].bias, np.array([12.0], dtype=np.float32))
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        vector_to_parameters([1, 2], m.parameters())
    # differentiable with respect to the parameters
    p = nn.Parameter(ember.ones(2, 2, dtype=ember.float64, device=device))
    q = nn.Parameter(ember.ones(3, dtype=ember.float64, device=device))
    assert gradcheck(lambda a, b: parameters_to_vector([a, b]), (p, q))


# -- rnn utilities ------------------------------------------------------------------------------
SEQS = [np.arange(1.0, 5.0), np.arange(10.0, 12.0), np.array([20.0, 21.0, 22.0])]


def _np_pad(seqs, batch_first, value=0.0, side="right"):
    t = max(len(s) for s in seqs)
    out = np.full((len(seqs), t) + seqs[0].shape[1:], value)
    for i, s in enumerate(seqs):
        if side == "right":
            out[i, :len(s)] = s
        else:
            out[i, t - len(s):] = s
    return out if batch_first else out.swapaxes(0, 1)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence(batch_first, side, device):
    seqs = [ember.tensor(s, device=device) for s in SEQS]
    out = pad_sequence(seqs, batch_first=batch_first, padding_value=-1.0, padding_side=side)
    assert_close(out, _np_pad(SEQS, batch_first, -1.0, side))
    multi = [np.random.default_rng(i).normal(size=(n, 2, 3)) for i, n in enumerate((3, 1, 2))]
    assert_close(pad_sequence([ember.tensor(m, device=device) for m in multi], batch_first),
                 _np_pad(multi, batch_first))
    xs = [ember.tensor(s, device=device, requires_grad=True) for s in SEQS]
    assert gradcheck(lambda *a: pad_sequence(list(a), batch_first, padding_side=side), tuple(xs))


def test_pad_sequence_errors(device):
    with pytest.raises(RuntimeError, match="received an empty list of sequences"):
        pad_sequence([])
    with pytest.raises(RuntimeError, match="Expected padding_side to be one of left or right, but got mid."):
        pad_sequence([ember.ones(2, device=device)], padding_side="mid")
    with pytest.raises(RuntimeError, match="The size of tensor a \\(3\\) must match the size of tensor b \\(2\\) at "
                                           "non-singleton dimension 1"):
        pad_sequence([ember.ones(2, 3, device=device), ember.ones(1, 2, device=device)])
    # the first sequence's dtype wins
    assert pad_sequence([ember.ones(2, device=device), ember.ones(1, dtype=ember.int64, device=device)]).dtype \
        is ember.float32


def _np_pack(seqs):
    """data and batch_sizes of sequences sorted by decreasing length."""
    order = sorted(range(len(seqs)), key=lambda i: -len(seqs[i]))
    srt = [seqs[i] for i in order]
    t = len(srt[0])
    data, bs = [], []
    for step in range(t):
        live = [s for s in srt if len(s) > step]
        bs.append(len(live))
        data.extend(s[step] for s in live)
    return np.array(data), np.array(bs), np.array(order)


def test_pack_sequence_sorted_and_unsorted(device):
    sorted_seqs = [ember.tensor(s, device=device) for s in (SEQS[0], SEQS[2], SEQS[1])]
    p = pack_sequence(sorted_seqs)
    data, bs, _ = _np_pack([SEQS[0], SEQS[2], SEQS[1]])
    assert isinstance(p, PackedSequence) and isinstance(p, tuple)
    assert_close(p.data, data)
    assert_close(p.batch_sizes, bs) and p.batch_sizes.device == ember.device("cpu")
    assert p.sorted_indices is None and p.unsorted_indices is None
    with pytest.raises(RuntimeError, match="`lengths` array must be sorted in decreasing order when `enforce_sorted` "
                                           "is True."):
        pack_sequence([ember.tensor(s, device=device) for s in SEQS])
    p = pack_sequence([ember.tensor(s, device=device) for s in SEQS], enforce_sorted=False)
    data, bs, order = _np_pack(SEQS)
    assert_close(p.data, data)
    assert_close(p.batch_sizes, bs)
    assert_close(p.sorted_indices, order)
    assert_close(p.unsorted_indices, np.argsort(order))
    back = unpack_sequence(p)
    for b, s in zip(back, SEQS):
        assert_close(b, s)


def test_packed_repr_and_namedtuple():
    p = pack_sequence([ember.tensor([1, 2, 3]), ember.tensor([4, 5]), ember.tensor([6])])
    assert repr(p) == ("PackedSequence(data=tensor([1, 4, 6, 2, 5, 3]), batch_sizes=tensor([3, 2, 1]), "
                       "sorted_indices=None, unsorted_indices=None)")
    data, batch_sizes, si, ui = p
    assert si is None and p._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    q = p.to(ember.float64)
    assert q.data.dtype is ember.float64 and q.batch_sizes is p.batch_sizes
    assert p.to(ember.int64) is p
    assert p.double().data.dtype is ember.float64 and p.float().data.dtype is ember.float32


@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_padded_and_pad_packed_round_trip(batch_first, device):
    rng = np.random.default_rng(0)
    lengths = [2, 4, 1]
    x = rng.normal(size=(3, 4, 2))
    for i, n in enumerate(lengths):
        x[i, n:] = 0
    xin = x if batch_first else x.swapaxes(0, 1)
    X = ember.tensor(xin, device=device, requires_grad=True)
    p = pack_padded_sequence(X, lengths, batch_first=batch_first, enforce_sorted=False)
    data, bs, order = _np_pack([x[i, :n] for i, n in enumerate(lengths)])
    assert_close(p.data, data)
    assert_close(p.batch_sizes, bs)
    padded, lens = pad_packed_sequence(p, batch_first=batch_first, padding_value=0.0)
    assert_close(padded, xin)
    assert_close(lens, np.array(lengths))
    padded, _ = pad_packed_sequence(p, batch_first=batch_first, total_length=6, padding_value=9.0)
    expected = np.full((3, 6, 2), 9.0)
    for i, n in enumerate(lengths):
        expected[i, :n] = x[i, :n]
    assert_close(padded, expected if batch_first else expected.swapaxes(0, 1))
    # gradients flow through packing and unpacking; padded positions get none
    assert gradcheck(lambda t: pack_padded_sequence(t, lengths, batch_first, enforce_sorted=False).data, (X,))
    assert gradcheck(lambda t: pad_packed_sequence(pack_padded_sequence(t, lengths, batch_first, False),
                                                   batch_first)[0], (X,))
    lengths_t = ember.tensor(lengths)
    p2 = pack_padded_sequence(X, lengths_t, batch_first=batch_first, enforce_sorted=False)
    assert_close(p2.data, data)


def test_pack_padded_errors(device):
    x = ember.randn(3, 2, 4, device=device)
    with pytest.raises(RuntimeError, match="Expected `len\\(lengths\\)` to be equal to batch_size, but got 1 "
                                           "\\(batch_size=2\\)"):
        pack_padded_sequence(x, [3])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0, but found an element in "
                                           "'lengths' that is <= 0"):
        pack_padded_sequence(x, [3, 0])
    with pytest.raises(RuntimeError, match="'lengths' argument should be a 1D CPU int64 tensor, but got 2D cpu Long "
                                           "tensor"):
        pack_padded_sequence(x, ember.tensor([[3, 1]]))
    with pytest.raises(RuntimeError, match="Cannot pack empty tensors."):
        pack_padded_sequence(ember.randn(0, 2, device=device), [1, 1])
    p = pack_sequence([ember.ones(3, device=device), ember.ones(2, device=device)])
    with pytest.raises(ValueError, match="Expected total_length to be at least the length of the longest sequence in "
                                         "input, but got total_length=2 and max sequence length being 3"):
        pad_packed_sequence(p, total_length=2)


def test_unpad_sequence(device):
    seqs = [ember.tensor(s, device=device) for s in SEQS]
    for bf in (False, True):
        padded = pad_sequence(seqs, batch_first=bf)
        out = unpad_sequence(padded, ember.tensor([len(s) for s in SEQS]), batch_first=bf)
        for o, s in zip(out, SEQS):
            assert_close(o, s)


def test_invert_permutation():
    perm = ember.tensor([2, 0, 3, 1])
    assert_close(invert_permutation(perm), np.argsort([2, 0, 3, 1]))
    assert invert_permutation(None) is None
