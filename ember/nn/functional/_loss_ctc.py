"""ctc_loss: Connectionist Temporal Classification (as torch.nn.functional.ctc_loss).

The forward pass is the alpha recursion in log space, one batch element per thread; the gradient
with respect to the log-probabilities comes from the alpha-beta formula,
``d(-log p)/d lp[t, c] = -sum_{s: l'_s = c} alpha_t(s) beta_t(s) / (p * y_t(c))``. It is the exact
derivative with respect to ``log_probs`` (so gradcheck passes on them directly); after a
``log_softmax`` it equals PyTorch's gradient with respect to the logits.
"""
import numbers

import ember as E
from ...tensor import Tensor, _empty
from ... import dtypes as _dt
from ...autograd.function import differentiable
from ._loss_util import check_reduction

__all__ = ["ctc_loss"]

_WHERE = " (while checking arguments for ctc_loss_allocate_outputs)"


def _has(x, name):
    return hasattr(x.device.backend, name)


def _lengths(v, name):
    """Lengths as a list of ints (from a sequence, an int or an integral tensor)."""
    if isinstance(v, Tensor):
        if v.dtype.is_floating_point or v.dtype is _dt.bool:
            raise RuntimeError(f"{name} must be integral")
        return [int(x) for x in v.detach().cpu().reshape(-1).tolist()]
    if isinstance(v, numbers.Integral):
        return [int(v)]
    return [int(x) for x in v]


def _ctc_backward(ctx, grads, log_probs, targets, offsets, input_lengths, target_lengths, blank=0,
                  zero_infinity=False):
    g = grads[0]
    nll, log_alpha = ctx.out
    lp = log_probs.contiguous()
    gl = _empty(lp._shape, lp.dtype, lp.device)
    gg = g if g.dtype is lp.dtype else g.to(lp.dtype)
    lp.device.backend.ctc_loss_backward(gl, gg, lp, targets, offsets, input_lengths, target_lengths,
                                        nll, log_alpha, blank, zero_infinity)
    return gl


@differentiable(_ctc_backward, inputs=("log_probs",),
                save=("log_probs", "targets", "offsets", "input_lengths", "target_lengths", "result"),
                node="CtcLossBackward0")
def _ctc_fused(log_probs, targets, offsets, input_lengths, target_lengths, blank=0,
               zero_infinity=False):
    """(nll (B,), log_alpha (B, T, 2*Lmax+1)) of (T, B, C) log-probabilities."""
    lp = log_probs.contiguous()
    T, B, _ = lp._shape
    lmax = int(target_lengths.max().item()) if B else 0
    sd = lp.dtype if lp.dtype in (_dt.float32, _dt.float64) else _dt.float32
    nll = _empty((B,), lp.dtype, lp.device)
    log_alpha = _empty((B, T, 2 * lmax + 1), sd, lp.device)
    bad = lp.device.backend.ctc_loss(nll, log_alpha, lp, targets, offsets, input_lengths,
                                     target_lengths, blank)
    if bad >= 0:
        # PyTorch reads out of bounds here; we refuse
        raise RuntimeError(f"ctc_loss(): target labels must be in [0, {lp._shape[2]}) (the number "
                           f"of classes), got a label outside it in sample {bad}")
    return nll, log_alpha


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    r"""The Connectionist Temporal Classification loss.

    The negative log of the total probability of every alignment of each target to its input
    sequence (labels possibly repeated, separated by blanks).

    Args:
        log_probs (Tensor): ``(T, N, C)`` or ``(T, C)`` log-probabilities (e.g. from
            ``log_softmax``), C including the blank.
        targets (Tensor): ``(N, S)`` padded, or ``(sum(target_lengths),)`` concatenated labels.
        input_lengths (Tensor or sequence of int): ``(N)``, each <= T.
        target_lengths (Tensor or sequence of int): ``(N)``.
        blank (int): the blank label. Default: 0.
        reduction (str): ``'none'`` | ``'mean'`` (each loss divided by its target length, then
            averaged over the batch) | ``'sum'``. Default: ``'mean'``.
        zero_infinity (bool): zero infinite losses (inputs too short to align) and their
            gradients. Default: False.

    Shape:
        - Output: scalar, or ``(N)`` (``()`` for unbatched input) with ``reduction='none'``.

    Examples::

        >>> lp = ember.randn(50, 16, 20).log_softmax(2).detach().requires_grad_()
        >>> tg = ember.randint(1, 20, (16, 30))
        >>> loss = F.ctc_loss(lp, tg, [50] * 16, ember.randint(10, 30, (16,)))
        >>> loss.backward()
    """
    reduction = check_reduction(reduction)
    il = _lengths(input_lengths, "input_lengths")
    tl = _lengths(target_lengths, "target_lengths")
    batched = log_probs.dim() == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    if lp.dim() != 3:
        raise RuntimeError(f"ctc_loss expects log_probs of 2 or 3 dimensions, got {log_probs.dim()}")
    T, B, C = lp._shape
    if not (0 <= blank < C):
        raise RuntimeError("blank must be in label range")
    if len(il) != B:
        raise RuntimeError("input_lengths must be of size batch_size")
    if len(tl) != B:
        raise RuntimeError("target_lengths must be of size batch_size")
    for v in tl:
        if v < 0:
            raise RuntimeError(f"Expected target_lengths to have value at least 0, but got value {v}"
                               + _WHERE)
    if targets.dtype.is_floating_point or targets.dtype is _dt.bool:
        raise RuntimeError("ctc_loss(): targets must be integral")
    tg = targets.to(_dt.int64)
    if tg.dim() == 1:
        total = sum(tl)
        if tg._shape[0] < total:
            raise RuntimeError(f"Expected tensor to have size {total} at dimension 0, but got size "
                               f"{tg._shape[0]} for argument #2 'targets'" + _WHERE)
        offs, acc = [], 0
        for v in tl:
            offs.append(acc)
            acc += v
    else:
        lmax = max(tl) if tl else 0
        if tg._shape[0] != B:
            raise RuntimeError(f"Expected tensor to have size {B} at dimension 0, but got size "
                               f"{tg._shape[0]} for argument #2 'targets'" + _WHERE)
        if tg._shape[1] < lmax:
            raise RuntimeError(f"Expected tensor to have size at least {lmax} at dimension 1, but "
                               f"got size {tg._shape[1]} for argument #2 'targets'" + _WHERE)
        S = tg._shape[1]
        offs = [b * S for b in range(B)]
        tg = tg.reshape(-1)
    for v in il:
        if v > T:
            raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value {v}"
                               + _WHERE)
        if v < 0:
            raise RuntimeError(f"Expected input_lengths to have value at least 0, but got value {v}"
                               + _WHERE)
    dev = lp.device
    if not _has(lp, "ctc_loss") and dev.type != "cpu":
        # no kernel on this device: compute on the CPU (the copies are differentiable)
        out = ctc_loss(lp.cpu(), targets.cpu(), il, tl, blank, "none", zero_infinity).to(dev)
    else:
        tgc = tg.contiguous()
        offsets = E.tensor(offs, dtype=_dt.int64, device=dev) if B else E.zeros(0, dtype=_dt.int64, device=dev)
        ilt = E.tensor(il, dtype=_dt.int64, device=dev) if B else E.zeros(0, dtype=_dt.int64, device=dev)
        tlt = E.tensor(tl, dtype=_dt.int64, device=dev) if B else E.zeros(0, dtype=_dt.int64, device=dev)
        out = _ctc_fused(lp, tgc, offsets, ilt, tlt, int(blank), bool(zero_infinity))[0]
    if zero_infinity:
        out = E.where(E.isinf(out) & (out > 0), E.zeros((), dtype=out.dtype, device=dev), out)
    if reduction == "mean":
        tlen = E.tensor(tl, dtype=out.dtype, device=dev).clamp_min(1) if B else \
            E.zeros(0, dtype=out.dtype, device=dev)
        return (out / tlen).mean()
    if reduction == "sum":
        return out.sum()
    return out if batched else out.squeeze(0)
