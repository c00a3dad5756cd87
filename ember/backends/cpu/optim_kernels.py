"""CPU kernels: fused optimizer updates (ember.optim uses them when a backend offers them).

Each ``<algorithm>_step`` method updates a parameter and its optimizer state in place in one pass,
with PyTorch's single-tensor arithmetic (see _optim.pyx). Preconditions (ember.optim checks them
and otherwise runs the same update as a sequence of tensor ops): every tensor contiguous, of the
parameter's shape, all float32 or all float64, on this device. State tensors an option turns off
are None. The methods bump no version counters (the caller does) and never allocate.
"""
from . import _map, _optim

_F64 = 9       # ember.float64.code


def _addr(t):
    return t.data_ptr() if t is not None else 0


def _launch(kernel, param, grad, *state, **scalars):
    kernel(param.dtype.code == _F64, param.data_ptr(), grad.data_ptr(),
           *(_addr(t) for t in state), param.numel(), _map.get_num_threads(), **scalars)


class OptimKernels:
    @staticmethod
    def sgd_step(param, grad, momentum_buffer, *, lr, momentum, dampening, weight_decay,
                 nesterov, maximize, first):
        """One SGD step; modifies `param` and (momentum != 0) `momentum_buffer`.

        Per element, with g = ±grad + wd*p: momentum: buf = g if `first` else
        buf*momentum + (1-dampening)*g, g = g + momentum*buf if nesterov else buf; p += -lr*g.
        """
        _launch(_optim.sgd, param, grad, momentum_buffer, lr=lr, momentum=momentum,
                dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                maximize=maximize, first=first)

    @staticmethod
    def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, lr, beta1, beta2, eps,
                  weight_decay, step_size, bias_correction2_sqrt, amsgrad, maximize,
                  decoupled_weight_decay):
        """One Adam (decoupled_weight_decay=False) or AdamW step; modifies `param`, `exp_avg`,
        `exp_avg_sq` and (amsgrad) `max_exp_avg_sq`, which may be None otherwise.

        Per element, with g = ±grad: decoupled: p *= 1 - lr*wd, else g += wd*p;
        m = lerp(m, g, 1-beta1); v = v*beta2 + (1-beta2)*g*g; amsgrad: vmax = max(vmax, v), v = vmax;
        p += -step_size * m / (sqrt(v) / bias_correction2_sqrt + eps).
        """
        _launch(_optim.adam, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr=lr,
                beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay,
                step_size=step_size, bias_correction2_sqrt=bias_correction2_sqrt,
                amsgrad=amsgrad, maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)

    @staticmethod
    def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, *, lr, alpha, eps,
                     weight_decay, momentum, centered, maximize):
        """One RMSprop step; modifies `param`, `square_avg`, (centered) `grad_avg` and
        (momentum > 0) `momentum_buffer`, each None when its option is off.

        Per element, with g = ±grad + wd*p: v = v*alpha + (1-alpha)*g*g; centered:
        ga = lerp(ga, g, 1-alpha), avg = sqrt(v - ga*ga) + eps, else avg = sqrt(v) + eps;
        momentum: buf = buf*momentum + g/avg, p += -lr*buf; else p += -lr*g/avg.
        """
        _launch(_optim.rmsprop, param, grad, square_avg, grad_avg, momentum_buffer, lr=lr,
                alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                centered=centered, maximize=maximize)

    @staticmethod
    def adagrad_step(param, grad, state_sum, *, clr, weight_decay, eps, maximize):
        """One Adagrad step with the decayed learning rate `clr`; modifies `param`, `state_sum`.

        Per element, with g = ±grad + wd*p: sum += g*g; p += -clr*g / (sqrt(sum) + eps).
        """
        _launch(_optim.adagrad, param, grad, state_sum, clr=clr, weight_decay=weight_decay,
                eps=eps, maximize=maximize)

    @staticmethod
    def adadelta_step(param, grad, square_avg, acc_delta, *, lr, rho, eps, weight_decay,
                      maximize):
        """One Adadelta step; modifies `param`, `square_avg` and `acc_delta`.

        Per element, with g = ±grad + wd*p: v = v*rho + (1-rho)*g*g;
        d = sqrt(u + eps) / sqrt(v + eps) * g; u = u*rho + (1-rho)*d*d; p += -lr*d.
        """
        _launch(_optim.adadelta, param, grad, square_avg, acc_delta, lr=lr, rho=rho, eps=eps,
                weight_decay=weight_decay, maximize=maximize)

    @staticmethod
    def adamax_step(param, grad, exp_avg, exp_inf, *, clr, beta1, beta2, eps, weight_decay,
                    maximize):
        """One Adamax step with clr = lr / (1 - beta1**t); modifies `param`, `exp_avg`,
        `exp_inf`.

        Per element, with g = ±grad + wd*p: m = lerp(m, g, 1-beta1);
        u = maximum(u*beta2, |g| + eps) (NaN-propagating); p += -clr*m/u.
        """
        _launch(_optim.adamax, param, grad, exp_avg, exp_inf, clr=clr, beta1=beta1,
                beta2=beta2, eps=eps, weight_decay=weight_decay, maximize=maximize)

    @staticmethod
    def nadam_step(param, grad, exp_avg, exp_avg_sq, *, lr, beta1, beta2, eps, weight_decay,
                   bias_correction2, grad_coef, exp_avg_coef, decoupled_weight_decay, maximize):
        """One NAdam step; modifies `param`, `exp_avg` and `exp_avg_sq`.

        Per element, with g = ±grad: decoupled: p *= 1 - lr*wd, else g += wd*p;
        m = lerp(m, g, 1-beta1); v = v*beta2 + (1-beta2)*g*g;
        d = sqrt(v / bias_correction2) + eps; p += grad_coef*g/d; p += exp_avg_coef*m/d.
        """
        _launch(_optim.nadam, param, grad, exp_avg, exp_avg_sq, lr=lr, beta1=beta1,
                beta2=beta2, eps=eps, weight_decay=weight_decay,
                bias_correction2=bias_correction2, grad_coef=grad_coef,
                exp_avg_coef=exp_avg_coef, decoupled_weight_decay=decoupled_weight_decay,
                maximize=maximize)

    @staticmethod
    def radam_step(param, grad, exp_avg, exp_avg_sq, *, lr, beta1, beta2, eps, weight_decay,
                   bias_correction1, bias_correction2_sqrt, rect, decoupled_weight_decay,
                   maximize):
        """One RAdam step; `rect` is the rectification term, or None for the un-rectified step
        (rho_t <= 5); modifies `param`, `exp_avg` and `exp_avg_sq`.

        Per element, with g = ±grad: decoupled: p *= 1 - lr*wd, else g += wd*p;
        m = lerp(m, g, 1-beta1); v = v*beta2 + (1-beta2)*g*g; u = m / bias_correction1 * lr;
        rectified: u = u * (bias_correction2_sqrt / (sqrt(v) + eps)) * rect; p -= u.
        """
        _launch(_optim.radam, param, grad, exp_avg, exp_avg_sq, lr=lr, beta1=beta1,
                beta2=beta2, eps=eps, weight_decay=weight_decay,
                bias_correction1=bias_correction1, bias_correction2_sqrt=bias_correction2_sqrt,
                rect=0.0 if rect is None else rect, rectified=rect is not None,
                decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
