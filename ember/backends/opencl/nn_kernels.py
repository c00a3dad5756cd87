"""OpenCL kernels: layer/group/batch norm pieces, cross-entropy and CTC loss.

Mixed into OpenCLBackend; methods mirror the CPU backend's primitives of the same name (same
arguments, same filled outputs, the interface documented in backends/cpu/nn_kernels.py) and
enqueue work on the device queue. Kernels: kernels_cl/norm.cl (layer norm, group norm, the
per-channel reductions and affine of batch norm) and loss.cl (cross entropy), one program per
floating input dtype; float16 / bfloat16 compute in float as on the CPU.

Work layout by device class (``_reduce_variant`` overrides it, as for the reductions: the tests
run the GPU kernels on PoCL too): CPU runtimes run a work-item per row (sample, channel) with
16-wide loops; GPUs a work-group per row when rows are long. Per-channel sums over many rows are
split in parts combined in order by a second kernel (on GPUs ranges of elements, enough
work-groups to fill every compute unit several times, each lane keeping 4 loads in flight: HBM
is latency-bound otherwise; see _chan_split and norm.cl); batch norm in training fuses its
per-channel arithmetic into those finishing kernels (batch_norm_train,
batch_norm_train_backward: five and three launches, where the ember-op path takes 17 each). The
elementwise pieces (channel affine, cross-entropy gradient) run a work-item per row on CPU
runtimes too (the strided per-element launch of launch.py measured 3-15x slower there) and a
work-item per element on GPUs.

Host waits: cross_entropy returns its totals and the first out-of-range target as Python numbers,
so it reads one small buffer (3 words per part). ctc_loss and ctc_loss_backward are a documented
host round trip (the alpha-beta recursion is sequential over time): the inputs are copied to the
host, the CPU backend computes, the results are copied back.
"""
import numpy as np

from ... import dtypes as _dt
from .launch import GEOM_DTYPE
from .reduce_kernels import _rwg

__all__ = ["NNKernels", "NPLAN_DTYPE", "buffers", "program_specs"]

_NPLAN = 16                   # nplan_t (nn_common.h): off[8], rows, n, C, S, G, parts, chunk, flags
NPLAN_DTYPE = np.dtype([("p", np.int64, (_NPLAN,))])
# elements a part of a channel reduction reduces at least: a CPU work-item's loop is cheap, a GPU
# one walks its rows serially and needs many parallel parts instead
_MIN_PART = {"cpu": 2048, "gpu": 256}
# The GPU layout of the channel reductions. chan_wg (S > 1) splits each channel's N * S elements
# in ranges (not rows: N may be 1), one work-group each, C * parts >= _GPU_GROUPS_PER_CU work-groups
# per compute unit: 128 channels as 128 work-groups on a 132-CU GPU leave it latency-bound, and a
# range per lane-round too short to pay for its tree (64 parts of one row each, 2 trees of 8
# barriers per 784 elements, was the old split). chan_cols (S == 1) keeps _want() lanes with
# parts of _GPU_MIN_ROWS rows at least (its lanes load NU = 4 rows at a time, norm.cl).
_GPU_GROUPS_PER_CU = 4
_GPU_MIN_ELEMS = 2048         # a chan_wg part: two rounds of 4 loads per lane of 256 at least
_GPU_MIN_ROWS = 16            # a chan_cols part on GPUs: four rounds of 4 loads
_MAX_PARTS = 256              # parts of the cross-entropy totals (the host reads 3 words each)


def _cdiv(a, b):
    return -(-a // b)


def _off(t):
    return t._offset if t is not None else 0


def _bits(*present):
    """The flags word of a plan: bit k set where present[k] is not None."""
    return sum(1 << k for k, p in enumerate(present) if p is not None)


def buffers(backend, *tensors):
    """The buffers of `tensors` (all on `backend`'s device), an absent tensor (None) given the
    first one's buffer: the kernels never read it (a flag says it is absent), and PoCL runs a
    kernel that receives a NULL buffer ~15x slower (measured: Adam's update, 45 ms against 3)."""
    bufs = [backend._buf(t) if t is not None else None for t in tensors]
    return [b if b is not None else bufs[0] for b in bufs]


def _plan(offsets, rows=0, n=0, C=0, S=0, G=0, parts=1, chunk=0, flags=0):
    p = np.zeros(_NPLAN, np.int64)
    p[:len(offsets)] = offsets
    p[8:] = rows, n, C, S, G, parts, chunk, flags
    return p.view(NPLAN_DTYPE)[0]


def _stat_dtype(dt):
    return _dt.float64 if dt is _dt.float64 else _dt.float32


def _chan_split(kind, variant, N, C, S, jobs, work, want, cu):
    """(parts, chunk) of a channel reduction of `kind` over (N, C, S): `jobs` lanes (or work-
    groups) per part, `work` elements per job. chan_wg: ranges of `chunk` elements of a channel's
    N * S (C * parts >= _GPU_GROUPS_PER_CU * cu work-groups, ranges of _GPU_MIN_ELEMS at least);
    the others: ranges of `chunk` rows, `want` lanes in all."""
    if kind == "wg":
        M = N * S
        parts = max(1, min(_cdiv(_GPU_GROUPS_PER_CU * max(1, cu), C), M // _GPU_MIN_ELEMS))
        chunk = _cdiv(M, parts)
        return _cdiv(M, chunk), chunk
    least = _GPU_MIN_ROWS if variant == "gpu" and kind == "cols" else _MIN_PART[variant]
    parts = 1 if jobs >= want else max(1, min(N, _cdiv(want, jobs), work // least))
    chunk = _cdiv(N, parts)
    return _cdiv(N, chunk), chunk


def _geometry(sizes, strides):
    """dims and per-operand strides of a launch over `sizes` (outermost first), size-1 dims
    dropped (at least one dim)."""
    keep = [d for d, n in enumerate(sizes) if n != 1] or [len(sizes) - 1]
    return [sizes[d] for d in keep], [[s[d] for d in keep] for s in strides]


class NNKernels:
    """Normalization and loss primitives on an OpenCL device; mixed into OpenCLBackend."""

    # -- programs and launches -------------------------------------------------------------
    def _nprog(self, source, dt):
        self._check_dtype(dt)
        return self.programs.get(source, _nn_defines(self.dev, source, dt.code,
                                                     self._rvariant() == "gpu"))

    def _nkernel(self, prog, name, sig):
        """(kernel, max work-group size); sig letters: b buffer, n nplan_t, g geom_t, l int64,
        i int32, p scalar parameter."""
        hit = prog._kernels.get(name)
        if hit is None:
            types = {"b": None, "n": NPLAN_DTYPE, "g": GEOM_DTYPE, "l": np.int64, "i": np.int32,
                     "p": self._pt}
            hit = prog.kernel(name, [types[c] for c in sig])
        return hit

    def _per_row(self, prog, base, sig, rows, n, args):
        """Run `base`_wg (a work-group per row: GPUs, long rows) or `base`_seq (a work-item
        per row) over `rows` rows of `n` elements."""
        if self._rvariant() == "gpu" and (n >= 256 or (n >= 32 and rows * 64 < self._want())):
            kw = self._nkernel(prog, base + "_wg", sig)
            if kw[1] >= self._rwg():
                self._run_groups(kw, rows, args)
                return
        self._run_items(self._nkernel(prog, base + "_seq", sig), rows, args)

    def _stat_tensor(self, t, dt, copy):
        """t as the kernels' statistics dtype for inputs of dtype dt (float32 for half types):
        t itself, or a temporary (holding t's values when `copy`) for _stat_back to return."""
        sd = _stat_dtype(dt)
        if t is None or t.dtype is sd:
            return t
        from ...tensor import _empty
        u = _empty(t._shape, sd, self.device)
        if copy:
            self.copy(u, t)
        return u

    def _stat_back(self, t, tmp):
        if tmp is not t:
            self.copy(t, tmp)

    # -- layer norm ------------------------------------------------------------------------
    def layer_norm(self, out, mean, rstd, input, weight, bias, eps):
        """out = (input - mean) * rstd * weight + bias per row of n elements; mean / rstd (rows,)
        receive the row mean and 1/sqrt(biased variance + eps). Modifies out, mean, rstd."""
        rows = mean.numel()
        n = input.numel() // rows if rows else 0
        m, r = (self._stat_tensor(t, input.dtype, False) for t in (mean, rstd))
        ts = (input, out, m, r, weight, bias)
        bufs = buffers(self, *ts)
        if rows == 0 or n == 0:
            return
        prog = self._nprog("norm.cl", input.dtype)
        pl = _plan([_off(t) for t in ts], rows=rows, n=n,
                   flags=_bits(None, None, None, None, weight, bias))
        self._per_row(prog, "ln_fwd", "bbbbbbnp", rows, n, (*bufs, pl, float(eps)))
        self._stat_back(mean, m)
        self._stat_back(rstd, r)

    def layer_norm_backward(self, grad_input, grad_weight, grad_bias, grad_out, input, mean,
                            rstd, weight):
        """grad_input (rows, n) and the affine gradients (n,) (sums over rows of g * xhat and
        g) of layer_norm; any of the three may be None. Modifies the grad_* tensors."""
        rows = mean.numel()
        n = input.numel() // rows if rows else 0
        mean, rstd = (self._stat_tensor(t, input.dtype, True) for t in (mean, rstd))
        if grad_input is not None and rows and n:
            ts = (grad_input, grad_out, input, mean, rstd, weight)
            bufs = buffers(self, *ts)
            prog = self._nprog("norm.cl", input.dtype)
            pl = _plan([_off(t) for t in ts], rows=rows, n=n,
                       flags=_bits(None, None, None, None, None, weight))
            self._per_row(prog, "ln_bwd", "bbbbbbn", rows, n, (*bufs, pl))
        if grad_weight is None and grad_bias is None:
            return
        if rows == 0 or n == 0:
            for t in (grad_weight, grad_bias):
                if t is not None:
                    self.fill(t, 0)
            return
        self._chan_reduce("lnaff", input, grad_out, mean, rstd, grad_weight, grad_bias,
                          rows, n, 1, 1.0)

    # -- group norm ------------------------------------------------------------------------
    def group_norm(self, out, mean, rstd, input, weight, bias, N, C, S, G, eps):
        """out (N, C, S) = each (sample, group of C/G channels) normalized, times weight[c] plus
        bias[c]; mean / rstd (N*G,) receive the groups' statistics. Modifies out, mean, rstd."""
        m, r = (self._stat_tensor(t, input.dtype, False) for t in (mean, rstd))
        ts = (input, out, m, r, weight, bias)
        bufs = buffers(self, *ts)
        if N * C * S == 0:
            return
        prog = self._nprog("norm.cl", input.dtype)
        n = C // G * S
        pl = _plan([_off(t) for t in ts], rows=N * G, n=n, C=C, S=S, G=G,
                   flags=_bits(None, None, None, None, weight, bias))
        self._per_row(prog, "gn_fwd", "bbbbbbnp", N * G, n, (*bufs, pl, float(eps)))
        self._stat_back(mean, m)
        self._stat_back(rstd, r)

    # -- batch norm pieces -----------------------------------------------------------------
    def _chan_parts(self, mode, x, g, s0, s1, N, C, S):
        """Launch the partial per-channel sums of `mode` (norm.cl) over (N, C, S) (N * S > 0,
        C > 0); returns (program, partials (ACC, parts * C * 2), parts) for a finishing kernel."""
        prog = self._nprog("norm.cl", x.dtype)
        gpu = self._rvariant() == "gpu"
        cols = 1 if gpu else 16
        if S == 1:
            kind, jobs, work = "cols", _cdiv(C, cols), N * cols
        else:
            kind, jobs, work = ("wg" if gpu else "runs"), C, N * S
        if kind == "wg" and self._nkernel(prog, "chan_wg_" + mode, "bbbbbn")[1] < self._rwg():
            kind = "runs"
        parts, chunk = _chan_split(kind, self._rvariant(), N, C, S, jobs, work, self._want(),
                                   self.dev.compute_units)
        part = self._scratch(parts * C * 2, self._acc_dtype(x.dtype))
        ts = (x, g, s0, s1, part)
        pl = _plan([_off(t) for t in ts], rows=N, C=C, S=S, parts=parts, chunk=chunk)
        args = (*buffers(self, *ts), pl)
        kw = self._nkernel(prog, f"chan_{kind}_{mode}", "bbbbbn")
        if kind == "wg":
            self._run_groups(kw, C * parts, args)
        else:
            self._run_items(kw, jobs * parts, args)
        return prog, part, parts

    def _chan_reduce(self, mode, x, g, s0, s1, out0, out1, N, C, S, div):
        """Per-channel sums of `mode` (norm.cl) over (N, C, S): out0[c] = sum 0 / div,
        out1[c] = sum 1 (either None: not stored). N * S > 0."""
        if C == 0:
            return
        prog, part, parts = self._chan_parts(mode, x, g, s0, s1, N, C, S)
        fin = _plan([_off(out0), _off(out1)], C=C, parts=parts, flags=_bits(out0, out1))
        self._run_items(self._nkernel(prog, "chan_finish", "bbbniip"), C,
                        (*buffers(self, part, out0, out1), fin,
                         np.int32(out0.dtype.code if out0 is not None else 0),
                         np.int32(out1.dtype.code if out1 is not None else 0), float(div)))

    @staticmethod
    def _check_stats(input, *stats):
        sd = _stat_dtype(input.dtype)
        if any(t is not None and t.dtype is not sd for t in stats):
            raise ValueError(f"batch_norm: the statistics, weight and bias must be {sd.name} for "
                             f"{input.dtype.name} inputs")

    def batch_norm_train(self, out, mean, var, input, weight, bias, running_mean, running_var,
                         eps, momentum, N, C, S):
        """Batch norm of the contiguous (N, C, S) input with its own statistics (N * C * S > 0):
        mean[c], var[c] (biased; two passes), out = (input - mean) * rsqrt(var + eps) * weight
        + bias, and the running statistics (any may be None) updated in place with `momentum`
        (the variance unbiased). weight, bias, mean, var and the running statistics have the
        statistics dtype (float32 for 16-bit inputs). Five launches. Modifies out, mean, var and
        the running statistics."""
        self._check_stats(input, mean, var, weight, bias, running_mean, running_var)
        ts = (mean, var, weight, bias, None, None, running_mean, running_var)
        buffers(self, out, input, *ts[:4], *ts[6:])
        M = N * S
        if M * C == 0:
            raise ValueError("batch_norm_train: empty input")
        self._chan_reduce("sum", input, None, None, None, mean, None, N, C, S, M)
        prog, part, parts = self._chan_parts("sqdev", input, None, mean, None, N, C, S)
        ka, kc = self._scratch(C, input.dtype), self._scratch(C, input.dtype)
        ts = (mean, var, weight, bias, ka, kc, running_mean, running_var)
        pl = _plan([_off(t) for t in ts], n=M, C=C, parts=parts, flags=_bits(*ts))
        vfac = momentum * M / (M - 1) if M > 1 else momentum
        self._run_items(self._nkernel(prog, "bn_fwd_finish", "bbbbbbbbbnpppp"), C,
                        (*buffers(self, part, *ts), pl, float(eps), float(1 - momentum),
                         float(momentum), float(vfac)))
        self.channel_affine(out, input, ka, None, None, kc, N, C, S)

    def batch_norm_train_backward(self, grad_input, grad_weight, grad_bias, grad_out, input,
                                  mean, var, weight, eps, N, C, S):
        """The gradients of batch_norm_train (contiguous (N, C, S) grad_out and input,
        N * C * S > 0) given its mean and var: grad_input (N, C, S), grad_weight[c] =
        sum(g * (x - mean)) * rsqrt(var + eps), grad_bias[c] = sum(g) (any may be None; the
        last two, mean, var and weight of the statistics dtype). Three launches. Modifies the
        grad_* tensors."""
        self._check_stats(input, mean, var, weight, grad_weight, grad_bias)
        buffers(self, grad_out, input, mean, var, weight, grad_input, grad_weight, grad_bias)
        if N * S * C == 0:
            raise ValueError("batch_norm_train_backward: empty input")
        prog, part, parts = self._chan_parts("gdot", input, grad_out, mean, None, N, C, S)
        ks = (None, None, None)
        if grad_input is not None:
            ks = tuple(self._scratch(C, input.dtype) for _ in range(3))
        ts = (mean, var, weight) + ks + (grad_weight, grad_bias)
        pl = _plan([_off(t) for t in ts], n=N * S, C=C, parts=parts, flags=_bits(*ts))
        self._run_items(self._nkernel(prog, "bn_bwd_finish", "bbbbbbbbbnp"), C,
                        (*buffers(self, part, *ts), pl, float(eps)))
        if grad_input is not None:
            self.channel_affine(grad_input, grad_out, ks[0], input, ks[1], ks[2], N, C, S)

    def channel_moments(self, mean, var, input, N, C, S):
        """mean[c], var[c] (biased) over n and s of the contiguous (N, C, S) input (two passes:
        the mean, then the squared deviations from it). Modifies mean and var."""
        buffers(self, mean, var, input)
        if N * S == 0:
            self.fill(mean, float("nan"))
            self.fill(var, float("nan"))
            return
        self._chan_reduce("sum", input, None, None, None, mean, None, N, C, S, N * S)
        m = self._stat_tensor(mean, input.dtype, True)
        self._chan_reduce("sqdev", input, None, m, None, var, None, N, C, S, N * S)

    def channel_dot(self, sum_g, sum_gx, grad, input, mean, N, C, S):
        """sum_g[c] = sum of grad, sum_gx[c] = sum of grad * (input - mean[c]) over n and s.
        Modifies sum_g and sum_gx."""
        buffers(self, sum_g, sum_gx, grad, input, mean)
        if N * S == 0:
            self.fill(sum_g, 0)
            self.fill(sum_gx, 0)
            return
        m = self._stat_tensor(mean, input.dtype, True)
        self._chan_reduce("gdot", input, grad, m, None, sum_g, sum_gx, N, C, S, 1.0)

    def channel_affine(self, out, a, ka, b, kb, kc, N, C, S):
        """out = a * ka[c] + b * kb[c] + kc[c] over (N, C, S) (b and kb may both be None; out
        may be a or b): a work-item per run on CPU runtimes, per element on GPUs. Modifies out."""
        bufs = buffers(self, out, a, b, ka, kb, kc)
        if N * C * S == 0:
            return
        prog = self._nprog("norm.cl", a.dtype)
        if b is None:
            b, bufs[2] = a, bufs[1]
        pl = _plan([_off(t) for t in (ka, kb, kc, out, a, b)], rows=N, C=C, S=S,
                   flags=_bits(None, kb))
        if self._rvariant() == "cpu":
            self._run_items(self._nkernel(prog, "chan_affine_seq", "bbbbbbn"),
                            N if S == 1 else N * C, (*bufs, pl))
            return
        full = [C * S, S, 1]
        dims, strides = _geometry([N, C, S], [full, full, full, [0, 1, 0]])
        self.launch.strided(self._nkernel(prog, "chan_affine_s", "bbbbbbgn"), dims, strides,
                            [out._offset, a._offset, b._offset, 0], bufs, (pl,))

    # -- cross entropy ---------------------------------------------------------------------
    def _weight_sum(self, prog, weight, C, label_smoothing):
        """A device scalar (ACC) holding sum_c weight[c] when label smoothing needs it."""
        if weight is None or not label_smoothing:
            return None
        ws = self._scratch(1, self._acc_dtype(weight.dtype))
        self._run_items(self._nkernel(prog, "vec_sum", "bbn"), 1,
                        (self._buf(weight), self._buf(ws), _plan([weight._offset], C=C)))
        return ws

    def cross_entropy(self, loss, lse, input, target, weight, N, C, S, ignore_index,
                      label_smoothing):
        """Per-sample losses and log-sum-exps of the (N, C, S) logits (loss.cl); returns
        (bad, loss_total, weight_total), `bad` the first sample whose target is outside [0, C)
        or -1. One blocking read of the totals (the CPU backend's interface; the ops layer uses
        cross_entropy_device, which never waits). Modifies loss and lse."""
        buffers(self, input, target, weight, loss, lse)       # all on this device
        if N * S == 0:
            return -1, 0.0, 0.0
        res, parts = self._ce_parts(loss, lse, input, target, weight, N, C, S, ignore_index,
                                    label_smoothing)
        words = np.empty(3 * parts, np.int64)
        self._cl.enqueue_copy(self.queue, words, self._buf(res), is_blocking=True)
        if self.dev.fp64:
            sums = words.reshape(parts, 3)[:, :2].copy().view(np.float64)
        else:
            sums = words.reshape(parts, 3)[:, :2].astype(np.uint32).view(np.float32)
        bad = words[2::3]
        bad = bad[bad >= 0]
        tot = wtot = 0.0
        for t, w in sums.astype(np.float64):
            tot += t
            wtot += w
        return (int(bad.min()) if bad.size else -1), tot, wtot

    def cross_entropy_device(self, loss, lse, input, target, weight, N, C, S, ignore_index,
                             label_smoothing, mean, out_loss, out_wtot, out_scale):
        """As cross_entropy, with the totals finished on the device (ce_finish): out_loss the
        sum of the losses (divided by the weight total when `mean`), out_wtot the weight total,
        out_scale the backward's scale (1 / wtot for mean, else 1), all 0-d of the input's
        dtype. An out-of-range target is a deferred error (defer_error): IndexError with the
        CPU's message at the host's next synchronization. No host wait: a training step stays
        asynchronous. Modifies loss, lse and the three outputs."""
        bufs = buffers(self, input, target, weight, loss, lse, out_loss, out_wtot, out_scale)
        prog = self._nprog("loss.cl", input.dtype)
        if N * S == 0:
            res, parts = self._scratch(3, _dt.int64), 0
        else:
            res, parts = self._ce_parts(loss, lse, input, target, weight, N, C, S, ignore_index,
                                        label_smoothing)
        err = self._scratch(2, _dt.int64)
        pl = _plan([out_loss._offset, out_wtot._offset, out_scale._offset, target._offset],
                   n=1 if mean else 0, parts=parts)
        self._run_items(self._nkernel(prog, "ce_finish", "bbbbbbn"), 1,
                        (self._buf(res), *bufs[5:8], self._buf(err), bufs[1], pl))
        self.defer_error(err, lambda v: IndexError(f"Target {int(v[1])} is out of bounds."))

    def _ce_parts(self, loss, lse, input, target, weight, N, C, S, ignore_index,
                  label_smoothing):
        """Enqueue the per-sample kernels and ce_total; returns (partials buffer, part count)."""
        M = N * S
        prog = self._nprog("loss.cl", input.dtype)
        ls = float(label_smoothing)
        ws = self._weight_sum(prog, weight, C, ls)
        ts = (input, target, weight, loss, lse, ws)
        bufs = buffers(self, *ts)
        pl = _plan([_off(t) for t in ts], rows=M, C=C, S=S, flags=_bits(None, None, weight, ws))
        args = (*bufs, pl, np.int64(ignore_index), ls)
        if S == 1:
            self._per_row(prog, "ce_fwd", "bbbbbbnlp", M, C, args)
        else:
            self._run_items(self._nkernel(prog, "ce_fwd_seq", "bbbbbbnlp"), M, args)
        gpu = self._rvariant() == "gpu"
        parts = min(_MAX_PARTS, _cdiv(M, 256 if gpu else 4096))
        chunk = _cdiv(M, parts)
        res = self._scratch(3 * parts, _dt.int64)
        tp = _plan([loss._offset, target._offset, _off(weight)], rows=M, C=C, parts=parts,
                   chunk=chunk, flags=_bits(None, None, weight) | (64 if gpu else 0))
        self._run_items(self._nkernel(prog, "ce_total", "bbbbnl"), parts,
                        (bufs[3], bufs[1], bufs[2], self._buf(res), tp, np.int64(ignore_index)))
        return res, parts

    def cross_entropy_backward(self, grad_input, grad, scale, input, lse, target, weight, N, C,
                               S, ignore_index, label_smoothing):
        """grad_input (N, C, S) of sum_i scale * grad[i] * loss[i] (`grad` (N*S,) of any
        stride, or 0-d: broadcast): a work-item per sample on CPU runtimes, per element on GPUs.
        Modifies grad_input."""
        buffers(self, grad_input, input, lse, target, grad, weight)
        if N * C * S == 0:
            return
        prog = self._nprog("loss.cl", input.dtype)
        ls = float(label_smoothing)
        ws = self._weight_sum(prog, weight, C, ls)
        bufs = buffers(self, grad_input, input, lse, target, grad, weight, ws)
        pl = _plan([_off(t) for t in (lse, target, grad, weight, grad_input, input)], rows=N * S,
                   n=grad._stride[0] if grad._shape else 0, C=C, S=S,
                   flags=_bits(None, None, weight, ws))
        post = (pl, float(scale), np.int64(ignore_index), ls)
        if self._rvariant() == "cpu":
            self._run_items(self._nkernel(prog, "ce_bwd_seq", "bbbbbbbnplp"), N * S,
                            (*bufs, *post))
            return
        full = [C * S, S, 1]
        dims, strides = _geometry([N, C, S], [full, full, [S, 0, 1], [0, 1, 0]])
        self.launch.strided(self._nkernel(prog, "ce_bwd_s", "bbbbbbbgnplp"), dims, strides,
                            [grad_input._offset, input._offset, 0, 0], bufs, post)

    # -- CTC: host round trip --------------------------------------------------------------
    def ctc_loss(self, nll, log_alpha, log_probs, targets, offsets, input_lengths,
                 target_lengths, blank):
        """CTC negative log-likelihoods (B,) and log-alphas, computed by the CPU backend on host
        copies (a host round trip: the recursion is sequential in time). Returns a sample whose
        labels are outside [0, C), or -1. Modifies nll and log_alpha."""
        return self._on_host("ctc_loss", [nll, log_alpha, log_probs, targets, offsets,
                                             input_lengths, target_lengths, blank], (0, 1))

    def ctc_loss_backward(self, grad_log_probs, grad, log_probs, targets, offsets, input_lengths,
                          target_lengths, nll, log_alpha, blank, zero_infinity):
        """grad_log_probs (T, B, C) of the CTC loss by the CPU backend on host copies (a host
        round trip). Modifies grad_log_probs."""
        self._on_host("ctc_loss_backward",
                         [grad_log_probs, grad, log_probs, targets, offsets, input_lengths,
                          target_lengths, nll, log_alpha, blank, zero_infinity], (0,))


def _nn_defines(cldev, source, code, gpu):
    defines = (("IN_CODE", code), ("RWG", _rwg(cldev)))
    if source == "norm.cl":
        defines += (("RCOLS", 1 if gpu else 16),)
    return defines


def program_specs(cldev):
    """Every (source, defines) this family may build on `cldev` (for --warmup): norm.cl and
    loss.cl per floating dtype."""
    gpu = bool(cldev.is_gpu)
    return [(src, _nn_defines(cldev, src, d.code, gpu))
            for d in (_dt.float16, _dt.bfloat16, _dt.float32, _dt.float64)
            if d is not _dt.float64 or cldev.fp64
            for src in ("norm.cl", "loss.cl")]
