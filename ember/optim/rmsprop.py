"""RMSprop (torch.optim.RMSprop)."""
from .. import zeros_like
from .optimizer import (Optimizer, _check_lr, _fused_step, _get_value, _next_step,
                        _step_tensor, _to_scalar, _use_grad_for_differentiable)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""Implements the RMSprop algorithm (Hinton's lecture notes).

    .. math::
        v_t = \alpha v_{t-1} + (1-\alpha) g_t^2, \quad
        \tilde v_t = v_t - \bar g_t^2 \text{ (centered: } \bar g_t = \text{lerp}(\bar g_{t-1}, g_t,
        1-\alpha)\text{)}, \quad
        b_t = \mu b_{t-1} + g_t / (\sqrt{\tilde v_t} + \epsilon), \quad
        \theta_t = \theta_{t-1} - \gamma b_t

    (without momentum, :math:`\theta_t = \theta_{t-1} - \gamma g_t / (\sqrt{\tilde v_t} +
    \epsilon)`).

    Args:
        params (iterable): parameters (or named parameters, or dicts of groups) to optimize.
        lr (float, Tensor, optional): learning rate (default: 1e-2).
        alpha (float, optional): smoothing constant (default: 0.99).
        eps (float, optional): term added to the denominator for numerical stability
            (default: 1e-8).
        weight_decay (float, optional): weight decay (L2 penalty) (default: 0).
        momentum (float, optional): momentum factor (default: 0).
        centered (bool, optional): normalize the gradient by an estimate of its variance
            (default: False).
        foreach (bool, optional): ``False`` forces the op-by-op update instead of the backend's
            fused kernel (one pass over each parameter), which runs where it applies
            (default: None).
        capturable, differentiable: accepted for compatibility (``differentiable`` runs the
            op-by-op update with autograd recording).
        maximize (bool, optional): maximize the objective instead of minimizing (default: False).

    Example:
        >>> optimizer = ember.optim.RMSprop(model.parameters(), lr=1e-2, momentum=0.9)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    _group_defaults = {'momentum': 0, 'centered': False, 'foreach': None, 'maximize': False, 'differentiable': False, 'capturable': False}
    _tensor_state_keys = ('step',)

    def _init_state(self, p, group):
        state = self.state[p]
        if len(state) == 0:
            state["step"] = _step_tensor()
            state["square_avg"] = zeros_like(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = zeros_like(p)
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
            alpha, eps, wd = group["alpha"], group["eps"], group["weight_decay"]
            momentum, centered = group["momentum"], group["centered"]
            for p, grad, state in self._params_with_grad(group):
                _next_step(state)
                square_avg = state["square_avg"]
                grad_avg = state["grad_avg"] if centered else None
                buf = state["momentum_buffer"] if momentum > 0 else None
                if _fused_step("rmsprop_step", group, p, grad, (square_avg, grad_avg, buf), lr=lr,
                               alpha=alpha, eps=eps, weight_decay=wd, momentum=momentum,
                               centered=centered, maximize=group["maximize"]):
                    continue
                if group["maximize"]:
                    grad = -grad
                if wd != 0:
                    grad = grad.add(p, alpha=wd)
                square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
                if centered:
                    grad_avg.lerp_(grad, 1 - alpha)
                    avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
                else:
                    avg = square_avg.sqrt()
                avg = avg.add_(eps)
                if momentum > 0:
                    buf.mul_(momentum).addcdiv_(grad, avg)
                    p.add_(buf, alpha=-lr)
                else:
                    p.addcdiv_(grad, avg, value=-lr)
        return loss
