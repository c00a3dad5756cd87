"""CPU kernels: fused optimizer updates (ember.optim uses them when a backend offers them).

Each method updates a parameter and its optimizer state in place in one pass. Preconditions
(ember.optim checks them and otherwise runs the same update as a sequence of tensor ops):
every tensor contiguous, of the parameter's shape, all float32 or all float64, on this device.
They bump no version counters (the caller does) and never allocate.
"""
from . import _map, _optim

_F64 = 9       # ember.float64.code


class OptimKernels:
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
        _optim.adam(param.dtype.code == _F64, param.data_ptr(), grad.data_ptr(),
                    exp_avg.data_ptr(), exp_avg_sq.data_ptr(),
                    max_exp_avg_sq.data_ptr() if max_exp_avg_sq is not None else 0,
                    param.numel(), lr, beta1, beta2, eps, weight_decay, step_size,
                    bias_correction2_sqrt, amsgrad, maximize, decoupled_weight_decay,
                    _map.get_num_threads())

    @staticmethod
    def sgd_step(param, grad, momentum_buffer, *, lr, momentum, dampening, weight_decay,
                 nesterov, maximize, first):
        """One SGD step; modifies `param` and (momentum != 0) `momentum_buffer`.

        Per element, with g = ±grad + wd*p: momentum: buf = g if `first` else
        buf*momentum + (1-dampening)*g, g = g + momentum*buf if nesterov else buf; p += -lr*g.
        """
        _optim.sgd(param.dtype.code == _F64, param.data_ptr(), grad.data_ptr(),
                   momentum_buffer.data_ptr() if momentum_buffer is not None else 0,
                   param.numel(), lr, momentum, dampening, weight_decay, nesterov, maximize,
                   first, _map.get_num_threads())
