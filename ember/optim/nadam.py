"""NAdam (torch.optim.NAdam): Adam with Nesterov momentum."""
from .. import zeros_like
from .optimizer import (Optimizer, _check_lr, _fused_step, _get_value, _next_step,
                        _step_tensor, _to_scalar, _use_grad_for_differentiable)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    r"""Implements the NAdam algorithm (Dozat, 2016).

    .. math::
        \mu_t = \beta_1\bigl(1 - \tfrac12 \, 0.96^{t\psi}\bigr), \quad
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,

    .. math::
        \theta_t = \theta_{t-1} - \gamma \left( \frac{(1-\mu_t) g_t}{1 - \prod_{i\le t}\mu_i}
        + \frac{\mu_{t+1} m_t}{1 - \prod_{i\le t+1}\mu_i} \right)
        \Big/ \left(\sqrt{v_t / (1-\beta_2^t)} + \epsilon\right)

    with :math:`\psi` = ``momentum_decay``.

    Args:
        params (iterable): parameters (or named parameters, or dicts of groups) to optimize.
        lr (float, Tensor, optional): learning rate (default: 2e-3).
        betas (Tuple[float, float], optional): coefficients of the running averages of the
            gradient and its square (default: (0.9, 0.999)).
        eps (float, optional): term added to the denominator for numerical stability
            (default: 1e-8).
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0).
        momentum_decay (float, optional): momentum decay :math:`\psi` (default: 4e-3).
        decoupled_weight_decay (bool, optional): decay the weights as AdamW does instead of
            adding an L2 term to the gradient (NAdamW) (default: False).
        foreach (bool, optional): ``False`` forces the op-by-op update instead of the backend's
            fused kernel (one pass over each parameter), which runs where it applies
            (default: None).
        capturable, differentiable: accepted for compatibility (``differentiable`` runs the
            op-by-op update with autograd recording).
        maximize (bool, optional): maximize the objective instead of minimizing (default: False).

    Example:
        >>> optimizer = ember.optim.NAdam(model.parameters())
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    _group_defaults = {'maximize': False, 'foreach': None, 'capturable': False, 'differentiable': False, 'decoupled_weight_decay': False}
    _tensor_state_keys = ('step', 'mu_product')

    def _init_state(self, p, group):
        state = self.state[p]
        if len(state) == 0:
            state["step"] = _step_tensor()
            # the running product of the momentum coefficients, kept (as PyTorch) in a host
            # tensor of the step counter's precision
            state["mu_product"] = _step_tensor(1.0)
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
            eps, wd, psi = group["eps"], group["weight_decay"], group["momentum_decay"]
            decoupled, maximize = group["decoupled_weight_decay"], group["maximize"]
            for p, grad, state in self._params_with_grad(group):
                step = _next_step(state)
                mu_product = state["mu_product"]
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                bias_correction2 = 1 - beta2 ** step
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
                mu_product *= mu
                mu_prod = _get_value(mu_product)
                mu_product_next = mu_prod * mu_next
                grad_coef = -lr * (1.0 - mu) / (1.0 - mu_prod)
                exp_avg_coef = (-lr * mu_next) / (1.0 - mu_product_next)
                if _fused_step("nadam_step", group, p, grad, (exp_avg, exp_avg_sq), lr=lr,
                               beta1=beta1, beta2=beta2, eps=eps, weight_decay=wd,
                               bias_correction2=bias_correction2, grad_coef=grad_coef,
                               exp_avg_coef=exp_avg_coef, decoupled_weight_decay=decoupled,
                               maximize=maximize):
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
                denom = exp_avg_sq.div(bias_correction2).sqrt().add_(eps)
                p.addcdiv_(grad, denom, value=grad_coef)
                p.addcdiv_(exp_avg, denom, value=exp_avg_coef)
        return loss
