"""Adadelta (torch.optim.Adadelta)."""
from .. import zeros_like
from .optimizer import (Optimizer, _check_lr, _fused_step, _get_value, _next_step,
                        _step_tensor, _to_scalar, _use_grad_for_differentiable)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Implements the Adadelta algorithm (Zeiler, 2012).

    .. math::
        v_t = \rho v_{t-1} + (1-\rho) g_t^2, \quad
        \Delta x_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}} g_t, \quad
        u_t = \rho u_{t-1} + (1-\rho) \Delta x_t^2, \quad \theta_t = \theta_{t-1} - \gamma \Delta x_t

    Args:
        params (iterable): parameters (or named parameters, or dicts of groups) to optimize.
        lr (float, Tensor, optional): coefficient that scales delta before it is applied to the
            parameters (default: 1.0).
        rho (float, optional): coefficient of the running averages of the squared gradient and
            of the squared update (default: 0.9).
        eps (float, optional): term added to the denominator for numerical stability
            (default: 1e-6).
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0).
        foreach (bool, optional): ``False`` forces the op-by-op update instead of the backend's
            fused kernel (one pass over each parameter), which runs where it applies
            (default: None).
        capturable, differentiable: accepted for compatibility (``differentiable`` runs the
            op-by-op update with autograd recording).
        maximize (bool, optional): maximize the objective instead of minimizing (default: False).

    Example:
        >>> optimizer = ember.optim.Adadelta(model.parameters())
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    _group_defaults = {'foreach': None, 'maximize': False, 'differentiable': False, 'capturable': False}
    _tensor_state_keys = ('step',)

    def _init_state(self, p, group):
        state = self.state[p]
        if len(state) == 0:
            state["step"] = _step_tensor()
            state["square_avg"] = zeros_like(p)
            state["acc_delta"] = zeros_like(p)
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
            rho, eps, wd = group["rho"], group["eps"], group["weight_decay"]
            for p, grad, state in self._params_with_grad(group):
                _next_step(state)
                square_avg, acc_delta = state["square_avg"], state["acc_delta"]
                if _fused_step("adadelta_step", group, p, grad, (square_avg, acc_delta), lr=lr,
                               rho=rho, eps=eps, weight_decay=wd, maximize=group["maximize"]):
                    continue
                if group["maximize"]:
                    grad = -grad
                if wd != 0:
                    grad = grad.add(p, alpha=wd)
                square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
                std = square_avg.add(eps).sqrt_()
                delta = acc_delta.add(eps).sqrt_()
                if group["differentiable"]:
                    delta = delta.clone()
                delta.div_(std).mul_(grad)
                acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
                p.add_(delta, alpha=-lr)
        return loss
