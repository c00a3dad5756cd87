"""Adagrad (torch.optim.Adagrad)."""
from .. import full_like
from .optimizer import (Optimizer, _check_lr, _fused_step, _get_value, _next_step,
                        _step_tensor, _to_scalar, _use_grad_for_differentiable)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Implements the Adagrad algorithm (Duchi et al., 2011).

    .. math::
        \tilde\gamma_t = \frac{\gamma}{1 + (t-1)\eta}, \quad s_t = s_{t-1} + g_t^2, \quad
        \theta_t = \theta_{t-1} - \tilde\gamma_t \frac{g_t}{\sqrt{s_t} + \epsilon}

    with :math:`s_0` = ``initial_accumulator_value`` and :math:`\eta` = ``lr_decay``. Unlike the
    other optimizers, the state is created when the optimizer is.

    Args:
        params (iterable): parameters (or named parameters, or dicts of groups) to optimize.
        lr (float, Tensor, optional): learning rate (default: 1e-2).
        lr_decay (float, optional): learning rate decay (default: 0).
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0).
        initial_accumulator_value (float, optional): initial value of the sum of squares
            (default: 0).
        eps (float, optional): term added to the denominator for numerical stability
            (default: 1e-10).
        foreach (bool, optional): ``False`` forces the op-by-op update instead of the backend's
            fused kernel (one pass over each parameter), which runs where it applies
            (default: None).
        fused (bool, optional): ``False`` forces the op-by-op update too (default: None).
        differentiable: accepted for compatibility (runs the op-by-op update with autograd
            recording).
        maximize (bool, optional): maximize the objective instead of minimizing (default: False).

    Example:
        >>> optimizer = ember.optim.Adagrad(model.parameters(), lr=0.1)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _step_tensor()
                state["sum"] = full_like(p, initial_accumulator_value)

    _group_defaults = {'foreach': None, 'maximize': False, 'differentiable': False, 'fused': None}
    _tensor_state_keys = ('step',)

    def share_memory(self):
        """Kept for API compatibility (the state lives in ordinary tensors)."""
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                if hasattr(state["sum"], "share_memory_"):
                    state["sum"].share_memory_()

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
            wd, lr_decay, eps = group["weight_decay"], group["lr_decay"], group["eps"]
            for p, grad, state in self._params_with_grad(group):
                step = _next_step(state)
                clr = lr / (1 + (step - 1) * lr_decay)
                state_sum = state["sum"]
                if _fused_step("adagrad_step", group, p, grad, (state_sum,), clr=clr,
                               weight_decay=wd, eps=eps, maximize=group["maximize"]):
                    continue
                if group["maximize"]:
                    grad = -grad
                if wd != 0:
                    grad = grad.add(p, alpha=wd)
                state_sum.addcmul_(grad, grad, value=1)
                std = state_sum.sqrt().add_(eps)
                p.addcdiv_(grad, std, value=-clr)
        return loss
