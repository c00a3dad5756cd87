"""ctc_loss against a brute-force NumPy reference (the sum over every alignment path), its
reductions, zero_infinity, both target layouts, gradcheck, and PyTorch's argument errors."""
import itertools

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck

from conftest import assert_close, make, to_np

RNG = np.random.default_rng(5)


def log_probs(T, B, C):
    x = RNG.standard_normal((T, B, C))
    return x - np.log(np.exp(x).sum(2, keepdims=True))


def collapse(path, blank):
    out, prev = [], None
    for s in path:
        if s != prev and s != blank:
            out.append(s)
        prev = s
    return out


def ref_ctc_nll(lp, target, T, blank=0):
    """-log sum over every length-T path that collapses to `target` (float64)."""
    C = lp.shape[1]
    total = 0.0
    for path in itertools.product(range(C), repeat=T):
        if collapse(path, blank) == list(target):
            total += np.exp(sum(lp[t, c] for t, c in enumerate(path)))
    return -np.log(total) if total > 0 else np.inf


def ref_ctc(lp, targets, il, tl, blank=0, reduction="mean", zero_infinity=False):
    B = lp.shape[1]
    nll = np.array([ref_ctc_nll(lp[:il[b], b], targets[b][:tl[b]], il[b], blank) for b in range(B)])
    if zero_infinity:
        nll = np.where(np.isinf(nll), 0.0, nll)
    if reduction == "none":
        return nll
    if reduction == "sum":
        return nll.sum()
    return (nll / np.maximum(np.array(tl, dtype=np.float64), 1)).mean()


CASES = [
    # (T, C, targets (padded), input lengths, target lengths, blank)
    (5, 3, [[1, 2], [1, 1], [2, 0]], [5, 4, 5], [2, 2, 1], 0),
    (4, 3, [[1, 1, 2], [2, 1, 1]], [4, 4], [3, 2], 0),          # repeats need a blank between
    (5, 4, [[0, 2], [3, 3]], [5, 3], [2, 0], 1),                # another blank, empty target
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_ctc_matches_brute_force(device, case, reduction):
    T, C, tg, il, tl, blank = case
    B = len(tg)
    lp = log_probs(T, B, C)
    exp = ref_ctc(lp, tg, il, tl, blank, reduction)
    out = F.ctc_loss(make(lp, device), make(np.array(tg), device), il, tl, blank=blank,
                     reduction=reduction)
    assert_close(out, exp)
    # concatenated targets, lengths as tensors
    flat = np.concatenate([np.array(t[:n], dtype=np.int64) for t, n in zip(tg, tl)])
    out2 = F.ctc_loss(make(lp, device), make(flat, device), ember.tensor(il), ember.tensor(tl),
                      blank=blank, reduction=reduction)
    assert_close(out2, exp)
    out32 = F.ctc_loss(make(lp.astype(np.float32), device), make(np.array(tg), device), il, tl,
                       blank=blank, reduction=reduction)
    assert_close(out32, np.asarray(exp).astype(np.float32), rtol=1e-5)


def test_ctc_gradcheck(device):
    T, B, C = 5, 3, 4
    tg = make(np.array([[1, 2, 2], [3, 0, 0], [1, 3, 1]]), device)
    il, tl = [5, 4, 5], [3, 1, 2]
    lp = make(log_probs(T, B, C), device, True)
    for red in ("none", "mean", "sum"):
        # w.r.t. the log-probabilities themselves (the exact alpha-beta derivative) ...
        assert gradcheck(lambda x: F.ctc_loss(x, tg, il, tl, reduction=red), (lp,))
    # ... and through a log_softmax of logits, as a model uses it
    logits = make(RNG.standard_normal((T, B, C)), device, True)
    assert gradcheck(lambda x: F.ctc_loss(x.log_softmax(2), tg, il, tl), (logits,))


def test_ctc_impossible_alignment_and_zero_infinity(device):
    T, C = 3, 3
    lp = log_probs(T, 2, C)
    tg = np.array([[1, 1, 2], [1, 2, 0]])        # 1,1,2 needs 4 frames (a blank between the 1s)
    out = F.ctc_loss(make(lp, device), make(tg, device), [3, 3], [3, 2], reduction="none")
    got = to_np(out)
    assert np.isinf(got[0]) and got[0] > 0
    assert_close(out[1], ref_ctc_nll(lp[:, 1], [1, 2], 3))
    x = make(lp, device, True)
    out = F.ctc_loss(x, make(tg, device), [3, 3], [3, 2], reduction="sum", zero_infinity=True)
    assert_close(out, ref_ctc_nll(lp[:, 1], [1, 2], 3))
    out.backward()
    g = to_np(x.grad)
    assert np.all(g[:, 0] == 0) and np.all(np.isfinite(g))
    # an empty input with an empty target costs nothing
    z = F.ctc_loss(make(lp, device), make(tg, device), [0, 3], [0, 2], reduction="none")
    assert to_np(z)[0] == 0


def test_ctc_unbatched_and_module(device):
    lp = log_probs(5, 1, 3)
    exp = ref_ctc_nll(lp[:, 0], [1, 2], 5)
    out = F.ctc_loss(make(lp[:, 0], device), make(np.array([1, 2]), device), [5], [2], reduction="none")
    assert out.dim() == 0
    assert_close(out, exp)
    m = nn.CTCLoss(blank=0, reduction="sum", zero_infinity=True)
    assert repr(m) == "CTCLoss()"
    assert_close(m(make(lp, device), make(np.array([[1, 2]]), device), [5], [2]), exp)


def test_ctc_errors(device):
    lp = make(log_probs(5, 2, 4), device)
    tg = make(np.array([[1, 2], [1, 1]]), device)
    where = r" \(while checking arguments for ctc_loss_allocate_outputs\)"
    with pytest.raises(RuntimeError, match=r"Expected tensor to have size at least 3 at dimension 1, "
                                           r"but got size 2 for argument #2 'targets'" + where):
        F.ctc_loss(lp, tg, [5, 5], [2, 3])
    with pytest.raises(RuntimeError, match="Expected input_lengths to have value at most 5, but got "
                                           "value 6" + where):
        F.ctc_loss(lp, tg, [6, 5], [2, 2])
    with pytest.raises(RuntimeError, match="Expected tensor to have size 4 at dimension 0, but got "
                                           "size 3 for argument #2 'targets'"):
        F.ctc_loss(lp, make(np.array([1, 2, 1]), device), [5, 5], [2, 2])
    with pytest.raises(RuntimeError, match="input_lengths must be of size batch_size"):
        F.ctc_loss(lp, tg, [5, 5, 5], [2, 2])
    with pytest.raises(RuntimeError, match="blank must be in label range"):
        F.ctc_loss(lp, tg, [5, 5], [2, 2], blank=4)
    with pytest.raises(RuntimeError, match="input_lengths must be integral"):
        F.ctc_loss(lp, tg, ember.tensor([5.0, 5.0]), [2, 2])
    with pytest.raises(RuntimeError, match="Expected target_lengths to have value at least 0"):
        F.ctc_loss(lp, tg, [5, 5], [-1, 2])
    with pytest.raises(RuntimeError, match=r"target labels must be in \[0, 4\)"):
        F.ctc_loss(lp, make(np.array([[1, 7], [1, 1]]), device), [5, 5], [2, 2])
