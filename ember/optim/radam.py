"""RAdam (torch.optim.RAdam): Adam with a rectified adaptive learning rate."""
from .. import zeros_like
from .optimizer import (Optimizer, _check_lr, _fused_step, _get_value, _next_step,
                        _step_tensor, _to_scalar, _use_grad_for_differentiable)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    r"""Implements the RAdam algorithm (Liu et al., 2019).

    .. math::
        \rho_\infty = \frac{2}{1-\beta_2} - 1, \quad
        \rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1-\beta_2^t}, \quad
        \hat m_t = \frac{m_t}{1-\beta_1^t}

    When :math:`\rho_t > 5` the step is :math:`\gamma \hat m_t r_t \sqrt{1-\beta_2^t} /
    (\sqrt{v_t} + \epsilon)` with the rectification
    :math:`r_t = \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}`;
    otherwise it is the un-adapted :math:`\gamma \hat m_t`.

    Args:
        params (iterable): parameters (or named parameters, or dicts of groups) to optimize.
        lr (float, Tensor, optional): learning rate (default: 1e-3).
        betas (Tuple[float, float], optional): coefficients of the running averages of the
            gradient and its square (default: (0.9, 0.999)).
        eps (float, optional): term added to the denominator for numerical stability
            (default: 1e-8).
        weight_decay (float, optional): weight decay (default: 0).
        decoupled_weight_decay (bool, optional): decay the weights as AdamW does instead of
            adding an L2 term to the gradient (RAdamW) (default: False).
        foreach (bool, optional): ``False`` forces the op-by-op update instead of the backend's
            fused kernel (one pass over each parameter), which runs where it applies
            (default: None).
        capturable, differentiable: accepted for compatibility (``differentiable`` runs the
            op-by-op update with autograd recording).
        maximize (bool, optional): maximize the objective instead of minimizing (default: False).

    Example:
        >>> optimizer = ember.optim.RAdam(model.parameters())
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    _group_defaults = {'foreach': None, 'maximize': False, 'differentiable': False, 'decoupled_weight_decay': False, 'capturable': False}
    _tensor_state_keys = ('step',)

    def _init_state(self, p, group):
        state = self.state[p]
        if len(state) == 0:
            state["step"] = _step_tensor()
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
        return state

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform a single optimization step.

        Args:
            closure (Callable, optional): a closure that re-evaluates the model and returns the
                loss.
        """
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr = _get_value(_to_scalar(group["lr"]))
            beta1, beta2 = group["betas"]
            eps, wd = group["eps"], group["weight_decay"]
            decoupled, maximize = group["decoupled_weight_decay"], group["maximize"]
            rho_inf = 2 / (1 - beta2) - 1
            for p, grad, state in self._params_with_grad(group):
                step = _next_step(state)
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
                rect = None
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                            / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                if _fused_step("radam_step", group, p, grad, (exp_avg, exp_avg_sq), lr=lr,
                               beta1=beta1, beta2=beta2, eps=eps, weight_decay=wd,
                               bias_correction1=bias_correction1,
                               bias_correction2_sqrt=bias_correction2 ** 0.5, rect=rect,
                               decoupled_weight_decay=decoupled, maximize=maximize):
                    continue
                if maximize:
                    grad = -grad
                if wd != 0:
                    if decoupled:
                        p.mul_(1 - lr * wd)
                    else:
                        grad = grad.add(p, alpha=wd)
                exp_avg.lerp_(grad, 1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                bias_corrected_exp_avg = exp_avg / bias_correction1
                if rect is not None:
                    adaptive_lr = (bias_correction2 ** 0.5) / exp_avg_sq.sqrt().add_(eps)
                    p.add_(bias_corrected_exp_avg * lr * adaptive_lr * rect, alpha=-1.0)
                else:
                    p.add_(bias_corrected_exp_avg * lr, alpha=-1.0)
        return loss
