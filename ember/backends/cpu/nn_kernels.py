"""CPU kernels: normalization and loss primitives of ember.nn.functional.

Methods fill tensors the ops layer allocated; they never allocate user-visible results. Every
tensor argument is contiguous, floating tensors share one dtype (float16 / bfloat16 are computed in
float32 here), index tensors are int64, and optional ones may be None. The interface (what an
OpenCL backend implements too):

  layer_norm(out, mean, rstd, input, weight, bias, eps)
        input/out (rows, n), weight/bias (n,) or None, mean/rstd (rows,):
        mean = row mean, rstd = 1/sqrt(biased row variance + eps),
        out = (input - mean) * rstd * weight + bias
  layer_norm_backward(grad_input, grad_weight, grad_bias, grad_out, input, mean, rstd, weight)
        grad_input (rows, n); grad_weight/grad_bias (n,) sums over rows of g*xhat and g;
        any of the three outputs may be None (not wanted)
  group_norm(out, mean, rstd, input, weight, bias, N, C, S, G, eps)
        input/out (N, C, S), weight/bias (C,) or None, mean/rstd (N*G,): statistics of each
        sample's group of C/G consecutive channels; out = (x - mean) * rstd * weight[c] + bias[c]
  channel_moments(mean, var, input, N, C, S)
        input (N, C, S) with N*S > 0; mean/var (C,): per-channel mean and biased variance
  channel_dot(sum_g, sum_gx, grad, input, mean, N, C, S)
        sum_g[c] = sum of grad, sum_gx[c] = sum of grad * (input - mean[c]) over n and s
  channel_affine(out, a, ka, b, kb, kc, N, C, S)
        out = a * ka[c] + b * kb[c] + kc[c] over (N, C, S); b/kb may be None; out may alias a or b
  cross_entropy(loss, lse, input, target, weight, N, C, S, ignore_index, label_smoothing)
        -> (bad, loss_total, weight_total)
        input (N, C, S) logits, class stride S; target (N*S,); weight (C,) or None;
        loss/lse (N*S,): loss = (1-ls)*w[t]*(lse - x_t) + ls/C*sum_c w[c]*(lse - x_c), 0 where
        target == ignore_index; lse = log-sum-exp of the sample's logits.
        Returns the flat index of a sample whose target is outside [0, C) (or -1), the sum of
        the losses and the sum of w[t] (1 without weight) over non-ignored samples, as floats
  cross_entropy_backward(grad_input, grad, scale, input, lse, target, weight, N, C, S,
                         ignore_index, label_smoothing)
        grad (N*S,) (any stride; 0-d: broadcast), scale a float:
        grad_input (N, C, S) of sum_i scale * grad[i] * loss[i]
  ctc_loss(nll, log_alpha, log_probs, targets, offsets, input_lengths, target_lengths, blank)
        -> int
        log_probs (T, B, C); targets flat with sample b's labels from offsets[b];
        lengths (B,) (already checked); nll (B,); log_alpha (B, T, 2*max_target_length+1)
        (-inf where unreachable). Returns a sample whose labels are outside [0, C), or -1
  ctc_loss_backward(grad_log_probs, grad, log_probs, targets, offsets, input_lengths,
                    target_lengths, nll, log_alpha, blank, zero_infinity)
        grad (B,) (stride 0 allowed); grad_log_probs (T, B, C)
"""
from . import _map, _nn

_D_F16, _D_BF16 = 6, 7


def _is_half(t):
    return t is not None and t.dtype.code in (_D_F16, _D_BF16)


def _f32(t, copy=True):
    """A float32 copy of `t` (None stays None); `copy=False` only allocates."""
    if t is None:
        return None
    from ember.tensor import _empty
    from ember import dtypes
    u = _empty(t._shape, dtypes.float32, t.device)
    if copy:
        from . import CpuBackend
        CpuBackend.copy(u, t)
    return u


class _Half:
    """Run a kernel in float32 when its tensors are half types: inputs are converted, outputs are
    computed into float32 temporaries and written back on exit."""

    def __init__(self, outputs, inputs):
        self.half = any(_is_half(t) for t in list(outputs) + list(inputs))
        self.outs = list(outputs)
        if self.half:
            self.tmp_outs = [_f32(t, copy=True) if _is_half(t) else t for t in outputs]
            self.tmp_ins = [_f32(t) if _is_half(t) else t for t in inputs]
        else:
            self.tmp_outs, self.tmp_ins = list(outputs), list(inputs)

    def __enter__(self):
        return self.tmp_outs, self.tmp_ins

    def __exit__(self, *exc):
        if self.half and exc[0] is None:
            from . import CpuBackend
            for dst, tmp in zip(self.outs, self.tmp_outs):
                if dst is not None and tmp is not dst:
                    CpuBackend.copy(dst, tmp)
        return False


class NNKernels:
    """Normalization and loss primitives; mixed into CpuBackend."""

    @staticmethod
    def layer_norm(out, mean, rstd, input, weight, bias, eps):
        with _Half((out, mean, rstd), (input, weight, bias)) as ((o, m, r), (x, w, b)):
            _nn.layer_norm(o, m, r, x, w, b, float(eps), _map.get_num_threads())

    @staticmethod
    def layer_norm_backward(grad_input, grad_weight, grad_bias, grad_out, input, mean, rstd,
                            weight):
        with _Half((grad_input, grad_weight, grad_bias), (grad_out, input, mean, rstd, weight)) \
                as ((gi, gw, gb), (g, x, m, r, w)):
            _nn.layer_norm_backward(gi, gw, gb, g, x, m, r, w, _map.get_num_threads())

    @staticmethod
    def group_norm(out, mean, rstd, input, weight, bias, N, C, S, G, eps):
        with _Half((out, mean, rstd), (input, weight, bias)) as ((o, m, r), (x, w, b)):
            _nn.group_norm(o, m, r, x, w, b, N, C, S, G, float(eps), _map.get_num_threads())

    @staticmethod
    def channel_moments(mean, var, input, N, C, S):
        with _Half((mean, var), (input,)) as ((m, v), (x,)):
            _nn.channel_moments(m, v, x, N, C, S, _map.get_num_threads())

    @staticmethod
    def channel_dot(sum_g, sum_gx, grad, input, mean, N, C, S):
        with _Half((sum_g, sum_gx), (grad, input, mean)) as ((sg, sgx), (g, x, m)):
            _nn.channel_dot(sg, sgx, g, x, m, N, C, S, _map.get_num_threads())

    @staticmethod
    def channel_affine(out, a, ka, b, kb, kc, N, C, S):
        with _Half((out,), (a, ka, b, kb, kc)) as ((o,), (a_, ka_, b_, kb_, kc_)):
            _nn.channel_affine(o, a_, ka_, b_, kb_, kc_, N, C, S, _map.get_num_threads())

    @staticmethod
    def cross_entropy(loss, lse, input, target, weight, N, C, S, ignore_index, label_smoothing):
        with _Half((loss, lse), (input, weight)) as ((lo, ls), (x, w)):
            return _nn.cross_entropy(lo, ls, x, target, w, N, C, S, int(ignore_index),
                                     float(label_smoothing), _map.get_num_threads())

    @staticmethod
    def cross_entropy_backward(grad_input, grad, scale, input, lse, target, weight, N, C, S,
                               ignore_index, label_smoothing):
        with _Half((grad_input,), (grad, input, lse, weight)) as ((gi,), (g, x, ls, w)):
            _nn.cross_entropy_backward(gi, g, float(scale), x, ls, target, w, N, C, S,
                                       int(ignore_index), float(label_smoothing),
                                       _map.get_num_threads())

    @staticmethod
    def ctc_loss(nll, log_alpha, log_probs, targets, offsets, input_lengths, target_lengths,
                 blank):
        with _Half((nll, log_alpha), (log_probs,)) as ((n, a), (lp,)):
            return _nn.ctc_loss(n, a, lp, targets, offsets, input_lengths, target_lengths,
                                int(blank), _map.get_num_threads())

    @staticmethod
    def ctc_loss_backward(grad_log_probs, grad, log_probs, targets, offsets, input_lengths,
                          target_lengths, nll, log_alpha, blank, zero_infinity):
        with _Half((grad_log_probs,), (grad, log_probs, nll, log_alpha)) as ((gl,), (g, lp, n, a)):
            _nn.ctc_loss_backward(gl, g, lp, targets, offsets, input_lengths, target_lengths, n, a,
                                  int(blank), bool(zero_infinity), _map.get_num_threads())
