"""Stochastic gradient descent, optionally with momentum (torch.optim.SGD)."""
from .. import empty_like
from ..tensor import Tensor
from .optimizer import (Optimizer, _check_lr, _fused_step, _get_value, _to_scalar,
                        _use_grad_for_differentiable)

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Implements stochastic gradient descent (optionally with momentum).

    .. math::
        g_t = \pm\nabla f(\theta_{t-1}) + \lambda \theta_{t-1}, \quad
        b_t = \mu b_{t-1} + (1 - \tau) g_t \;(b_1 = g_1), \quad
        \theta_t = \theta_{t-1} - \gamma\,(g_t + \mu b_t \text{ if nesterov else } b_t)

    Args:
        params (iterable): parameters (or named parameters, or dicts of groups) to optimize.
        lr (float, Tensor, optional): learning rate (default: 1e-3).
        momentum (float, optional): momentum factor (default: 0).
        dampening (float, optional): dampening for momentum (default: 0).
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0).
        nesterov (bool, optional): enables Nesterov momentum (default: False).
        maximize (bool, optional): maximize the objective instead of minimizing (default: False).
        foreach (bool, optional): accepted for compatibility; ``False`` forces the op-by-op
            update instead of the backend's fused kernel.
        differentiable (bool, optional): run the step with autograd recording (default: False).
        fused (bool, optional): ``False`` forces the op-by-op update; otherwise the backend's
            fused kernel is used where it applies (default: None).

    Example:
        >>> optimizer = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> optimizer.zero_grad()
        >>> loss_fn(model(input), target).backward()
        >>> optimizer.step()
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    _group_defaults = {'nesterov': False, 'maximize': False, 'foreach': None, 'differentiable': False, 'fused': False}
    _tensor_state_keys = ()

    def _init_state(self, p, group):
        # only momentum keeps state (its buffer, created by the first step)
        return self.state[p] if group["momentum"] != 0 else None

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
            momentum = group["momentum"]
            dampening = group["dampening"]
            weight_decay = group["weight_decay"]
            nesterov = group["nesterov"]
            maximize = group["maximize"]
            differentiable = group["differentiable"]
            for p, grad, state in self._params_with_grad(group):
                buf = state.get("momentum_buffer") if state is not None else None
                first = momentum != 0 and buf is None
                if not isinstance(weight_decay, Tensor):
                    new_buf = empty_like(p) if first else buf
                    if _fused_step("sgd_step", group, p, grad, (new_buf,), lr=lr,
                                   momentum=momentum, dampening=dampening,
                                   weight_decay=weight_decay, nesterov=nesterov,
                                   maximize=maximize, first=first):
                        if first:
                            state["momentum_buffer"] = new_buf
                        continue
                g = -grad if maximize else grad
                if weight_decay != 0:
                    if isinstance(weight_decay, Tensor) and weight_decay.requires_grad:
                        g = g.addcmul(p.clone(), weight_decay)
                    else:
                        g = g.add(p, alpha=_get_value(weight_decay))
                if momentum != 0:
                    if buf is None:
                        buf = g.detach().clone()
                        state["momentum_buffer"] = buf
                    else:
                        buf.mul_(momentum).add_(g, alpha=1 - dampening)
                    g = g.add(buf, alpha=momentum) if nesterov else buf
                if differentiable and isinstance(group["lr"], Tensor) and group["lr"].requires_grad:
                    p.addcmul_(g, group["lr"], value=-1)
                else:
                    p.add_(g, alpha=-lr)
        return loss
