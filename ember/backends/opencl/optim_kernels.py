"""OpenCL kernels: fused optimizer updates (SGD, Adam/AdamW, RMSprop, Adagrad, Adadelta, Adamax,
NAdam, RAdam).

Mixed into OpenCLBackend; methods mirror the CPU backend's primitives of the same name (same
arguments, same results: the CPU kernels' op sequence in the parameter's precision, with the
derived scalars rounded to it on the host first) and enqueue one elementwise kernel
(kernels_cl/optim.cl) per parameter: no host wait. Preconditions as on the CPU (ember.optim checks
them): every tensor contiguous, of the parameter's shape, all float32 or all float64.
"""
import numpy as np

from ... import dtypes as _dt
from .nn_kernels import buffers

__all__ = ["OptimKernels", "program_specs"]

_AMSGRAD, _MAXIMIZE, _L2, _DECOUPLED, _LOW_W = 1, 2, 4, 8, 16
_MOMENTUM, _FIRST, _NESTEROV = 32, 64, 128
_CENTERED, _RECTIFIED = 256, 512

# buffer/offset pairs of each optim.cl kernel (param, grad, then its state tensors)
_NPAIRS = {"adam_step": 5, "sgd_step": 3, "rmsprop_step": 5, "adagrad_step": 3,
           "adadelta_step": 4, "adamax_step": 4, "nadam_step": 4, "radam_step": 4}


class OptimKernels:
    """Fused optimizer steps on an OpenCL device; mixed into OpenCLBackend."""

    def _optim_kernel(self, dt, name, nscalars):
        """(kernel, wg) of optim.cl's `name` for dtype dt: buffer/offset pairs, then `nscalars`
        scalars of dt and the int flags."""
        self._check_dtype(dt)
        prog = self.programs.get("optim.cl", (("IN_CODE", dt.code),))
        hit = prog._kernels.get(name)
        if hit is None:
            npairs = _NPAIRS[name]
            hit = prog.kernel(name, [None, np.int64] * npairs + [dt.np] * nscalars + [np.int32])
        return hit

    def adam_step(self, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, lr, beta1, beta2,
                  eps, weight_decay, step_size, bias_correction2_sqrt, amsgrad, maximize,
                  decoupled_weight_decay):
        """One Adam (decoupled_weight_decay=False) or AdamW step; modifies `param`, `exp_avg`,
        `exp_avg_sq` and (amsgrad) `max_exp_avg_sq`, which may be None otherwise.

        Per element, with g = ±grad: decoupled: p *= 1 - lr*wd, else g += wd*p;
        m = lerp(m, g, 1-beta1); v = v*beta2 + (1-beta2)*g*g;
        amsgrad: vmax = max(vmax, v), v = vmax; p += -step_size * m / (sqrt(v) / bc2_sqrt + eps)
        with bc2_sqrt = bias_correction2_sqrt.
        """
        tensors = (param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq if amsgrad else None)
        bufs = buffers(self, *tensors)
        kw = self._optim_kernel(param.dtype, "adam_step", 8)
        n = param.numel()
        if n == 0:
            return
        f = np.dtype(param.dtype.np).type
        lr, wd = float(lr), float(weight_decay)
        w = f(1.0 - float(beta1))
        flags = ((_AMSGRAD if amsgrad else 0) | (_MAXIMIZE if maximize else 0)
                 | (_LOW_W if abs(w) < 0.5 else 0))
        if wd != 0:
            flags |= _DECOUPLED if decoupled_weight_decay else _L2
        args = []
        for t, b in zip(tensors, bufs):
            args += (b, np.int64(t._offset if t is not None else 0))
        args += (w, f(beta2), f(1.0 - float(beta2)), f(wd), f(1.0 - lr * wd), f(eps),
                 f(bias_correction2_sqrt), f(-float(step_size)), np.int32(flags))
        self.launch.flat(kw, n, args)

    def sgd_step(self, param, grad, momentum_buffer, *, lr, momentum, dampening, weight_decay,
                 nesterov, maximize, first):
        """One SGD step; modifies `param` and (momentum != 0) `momentum_buffer`.

        Per element, with g = ±grad + wd*p: momentum: buf = g if `first` else
        buf*momentum + (1-dampening)*g, g = g + momentum*buf if nesterov else buf; p += -lr*g.
        """
        has_buf = momentum != 0
        tensors = (param, grad, momentum_buffer if has_buf else None)
        bufs = buffers(self, *tensors)
        kw = self._optim_kernel(param.dtype, "sgd_step", 4)
        n = param.numel()
        if n == 0:
            return
        f = np.dtype(param.dtype.np).type
        flags = ((_MAXIMIZE if maximize else 0) | (_L2 if weight_decay != 0 else 0)
                 | (_MOMENTUM if has_buf else 0) | (_FIRST if first else 0)
                 | (_NESTEROV if nesterov else 0))
        args = []
        for t, b in zip(tensors, bufs):
            args += (b, np.int64(t._offset if t is not None else 0))
        args += (f(weight_decay), f(momentum), f(1.0 - float(dampening)), f(-float(lr)),
                 np.int32(flags))
        self.launch.flat(kw, n, args)


    def _optim_launch(self, name, tensors, scalars, flags):
        """Enqueue optim.cl's `name` over `tensors` (param, grad, state; None for absent state)
        with `scalars` (rounded to the parameter's dtype here) and the int `flags`."""
        param = tensors[0]
        bufs = buffers(self, *tensors)
        kw = self._optim_kernel(param.dtype, name, len(scalars))
        n = param.numel()
        if n == 0:
            return
        f = np.dtype(param.dtype.np).type
        args = []
        for t, b in zip(tensors, bufs):
            args += (b, np.int64(t._offset if t is not None else 0))
        args += [f(float(x)) for x in scalars]
        args.append(np.int32(flags))
        self.launch.flat(kw, n, args)

    def rmsprop_step(self, param, grad, square_avg, grad_avg, momentum_buffer, *, lr, alpha, eps,
                     weight_decay, momentum, centered, maximize):
        """One RMSprop step; modifies `param`, `square_avg`, (centered) `grad_avg` and
        (momentum > 0) `momentum_buffer`, each None when its option is off.

        Per element, with g = ±grad + wd*p: v = v*alpha + (1-alpha)*g*g; centered:
        ga = lerp(ga, g, 1-alpha), avg = sqrt(v - ga*ga) + eps, else avg = sqrt(v) + eps;
        momentum: buf = buf*momentum + g/avg, p += -lr*buf; else p += -lr*g/avg.
        """
        has_buf = momentum > 0
        tensors = (param, grad, square_avg, grad_avg if centered else None,
                   momentum_buffer if has_buf else None)
        c = np.dtype(param.dtype.np).type(1.0 - float(alpha))
        flags = ((_MAXIMIZE if maximize else 0) | (_L2 if weight_decay != 0 else 0)
                 | (_CENTERED if centered else 0) | (_MOMENTUM if has_buf else 0)
                 | (_LOW_W if abs(c) < 0.5 else 0))
        self._optim_launch("rmsprop_step", tensors,
                           (alpha, c, weight_decay, eps, momentum, -float(lr)), flags)

    def adagrad_step(self, param, grad, state_sum, *, clr, weight_decay, eps, maximize):
        """One Adagrad step with the decayed learning rate `clr`; modifies `param`, `state_sum`.

        Per element, with g = ±grad + wd*p: sum += g*g; p += -clr*g / (sqrt(sum) + eps).
        """
        flags = (_MAXIMIZE if maximize else 0) | (_L2 if weight_decay != 0 else 0)
        self._optim_launch("adagrad_step", (param, grad, state_sum),
                           (weight_decay, eps, -float(clr)), flags)

    def adadelta_step(self, param, grad, square_avg, acc_delta, *, lr, rho, eps, weight_decay,
                      maximize):
        """One Adadelta step; modifies `param`, `square_avg` and `acc_delta`.

        Per element, with g = ±grad + wd*p: v = v*rho + (1-rho)*g*g;
        d = sqrt(u + eps) / sqrt(v + eps) * g; u = u*rho + (1-rho)*d*d; p += -lr*d.
        """
        flags = (_MAXIMIZE if maximize else 0) | (_L2 if weight_decay != 0 else 0)
        self._optim_launch("adadelta_step", (param, grad, square_avg, acc_delta),
                           (rho, 1.0 - float(rho), eps, weight_decay, -float(lr)), flags)

    def adamax_step(self, param, grad, exp_avg, exp_inf, *, clr, beta1, beta2, eps, weight_decay,
                    maximize):
        """One Adamax step with clr = lr / (1 - beta1**t); modifies `param`, `exp_avg`,
        `exp_inf`.

        Per element, with g = ±grad + wd*p: m = lerp(m, g, 1-beta1);
        u = maximum(u*beta2, |g| + eps) (NaN-propagating); p += -clr*m/u.
        """
        w = np.dtype(param.dtype.np).type(1.0 - float(beta1))
        flags = ((_MAXIMIZE if maximize else 0) | (_L2 if weight_decay != 0 else 0)
                 | (_LOW_W if abs(w) < 0.5 else 0))
        self._optim_launch("adamax_step", (param, grad, exp_avg, exp_inf),
                           (w, beta2, eps, weight_decay, -float(clr)), flags)

    @staticmethod
    def _adam_like_flags(w, weight_decay, decoupled_weight_decay, maximize):
        flags = (_MAXIMIZE if maximize else 0) | (_LOW_W if abs(w) < 0.5 else 0)
        if weight_decay != 0:
            flags |= _DECOUPLED if decoupled_weight_decay else _L2
        return flags

    def nadam_step(self, param, grad, exp_avg, exp_avg_sq, *, lr, beta1, beta2, eps, weight_decay,
                   bias_correction2, grad_coef, exp_avg_coef, decoupled_weight_decay, maximize):
        """One NAdam step; modifies `param`, `exp_avg` and `exp_avg_sq`.

        Per element, with g = ±grad: decoupled: p *= 1 - lr*wd, else g += wd*p;
        m = lerp(m, g, 1-beta1); v = v*beta2 + (1-beta2)*g*g;
        d = sqrt(v / bias_correction2) + eps; p += grad_coef*g/d; p += exp_avg_coef*m/d.
        """
        w = np.dtype(param.dtype.np).type(1.0 - float(beta1))
        lr, wd = float(lr), float(weight_decay)
        flags = self._adam_like_flags(w, wd, decoupled_weight_decay, maximize)
        self._optim_launch("nadam_step", (param, grad, exp_avg, exp_avg_sq),
                           (w, beta2, 1.0 - float(beta2), wd, 1.0 - lr * wd, eps,
                            bias_correction2, grad_coef, exp_avg_coef), flags)

    def radam_step(self, param, grad, exp_avg, exp_avg_sq, *, lr, beta1, beta2, eps, weight_decay,
                   bias_correction1, bias_correction2_sqrt, rect, decoupled_weight_decay,
                   maximize):
        """One RAdam step, as the CPU backend's radam_step (arguments, arithmetic; `rect` None
        for the un-rectified step): radam_step in kernels_cl/optim.cl, one launch. Modifies
        `param`, `exp_avg` and `exp_avg_sq`."""
        w = np.dtype(param.dtype.np).type(1.0 - float(beta1))
        lr, wd = float(lr), float(weight_decay)
        flags = self._adam_like_flags(w, wd, decoupled_weight_decay, maximize)
        if rect is not None:
            flags |= _RECTIFIED
        self._optim_launch("radam_step", (param, grad, exp_avg, exp_avg_sq),
                           (w, beta2, 1.0 - float(beta2), wd, 1.0 - lr * wd, eps, lr,
                            bias_correction1, bias_correction2_sqrt,
                            0.0 if rect is None else rect), flags)


def program_specs(cldev):
    """Every (source, defines) this family may build on `cldev` (for --warmup): optim.cl per
    parameter dtype (float32, and float64 with fp64)."""
    return [("optim.cl", (("IN_CODE", d.code),))
            for d in (_dt.float32, _dt.float64) if d is _dt.float32 or cldev.fp64]
