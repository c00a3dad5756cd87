"""Adam (torch.optim.Adam); AdamW is Adam with decoupled weight decay (adamw.py)."""
from .. import maximum, zeros_like
from ..tensor import Tensor
from .optimizer import (Optimizer, _check_lr, _fused_step, _get_value, _next_step,
                        _step_tensor, _to_scalar, _use_grad_for_differentiable)

__all__ = ["Adam"]


def _check_adam_args(lr, betas, eps, weight_decay, foreach, capturable):
    if isinstance(lr, Tensor):
        if foreach and not capturable:
            raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
        if lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
    _check_lr(lr)
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adam(Optimizer):
    r"""Implements the Adam algorithm (Kingma & Ba, 2014).

    .. math::
        g_t = \pm\nabla f(\theta_{t-1}) \;(+\lambda\theta_{t-1}), \quad
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,
        \quad \theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}
        \frac{m_t}{\sqrt{v_t / (1-\beta_2^t)} + \epsilon}

    With ``amsgrad`` the running maximum of :math:`v_t` replaces it in the denominator.
    ``weight_decay`` adds :math:`\lambda\theta` to the gradient (an L2 penalty), unless
    ``decoupled_weight_decay`` (AdamW) decays the weights directly:
    :math:`\theta \leftarrow \theta(1-\gamma\lambda)`.

    Args:
        params (iterable): parameters (or named parameters, or dicts of groups) to optimize.
        lr (float, Tensor, optional): learning rate (default: 1e-3).
        betas (Tuple[float, float], optional): coefficients of the running averages of the
            gradient and its square (default: (0.9, 0.999)).
        eps (float, optional): term added to the denominator for numerical stability
            (default: 1e-8).
        weight_decay (float, optional): weight decay coefficient (default: 0).
        amsgrad (bool, optional): use the AMSGrad variant (default: False).
        foreach (bool, optional): accepted for compatibility; ``False`` forces the op-by-op
            update instead of the backend's fused kernel.
        maximize (bool, optional): maximize the objective instead of minimizing (default: False).
        capturable (bool, optional): accepted for compatibility (default: False).
        differentiable (bool, optional): run the step with autograd recording (default: False).
        fused (bool, optional): ``False`` forces the op-by-op update; otherwise the backend's
            fused kernel (one pass over each parameter) is used where it applies (default: None).
        decoupled_weight_decay (bool, optional): AdamW's decoupled weight decay (default: False).

    Example:
        >>> optimizer = ember.optim.Adam(model.parameters(), lr=1e-3)
        >>> loss_fn(model(input), target).backward()
        >>> optimizer.step()
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check_adam_args(lr, betas, eps, weight_decay, foreach, capturable)
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        for i in (0, 1):
            if isinstance(betas[i], Tensor):
                if not capturable and foreach:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for "
                                     "capturable=False and foreach=True")
                if betas[i].numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        betas = tuple(map(_to_scalar, betas))
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    _group_defaults = {'amsgrad': False, 'maximize': False, 'foreach': None, 'capturable': False, 'differentiable': False, 'decoupled_weight_decay': False, 'fused': None}
    _tensor_state_keys = ('step',)

    def _init_state(self, p, group):
        state = self.state[p]
        if len(state) == 0:
            state["step"] = _step_tensor()
            state["exp_avg"] = zeros_like(p)
            state["exp_avg_sq"] = zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros_like(p)
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
            beta1, beta2 = (_get_value(b) for b in group["betas"])
            lr = _get_value(_to_scalar(group["lr"]))
            wd, eps = group["weight_decay"], group["eps"]
            amsgrad, maximize = group["amsgrad"], group["maximize"]
            decoupled = group["decoupled_weight_decay"]
            for p, grad, state in self._params_with_grad(group):
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                max_sq = state["max_exp_avg_sq"] if amsgrad else None
                step = _next_step(state)
                step_size = lr / (1 - beta1 ** step)
                bc2_sqrt = (1 - beta2 ** step) ** 0.5
                if _fused_step("adam_step", group, p, grad, (exp_avg, exp_avg_sq, max_sq), lr=lr,
                               beta1=beta1, beta2=beta2, eps=eps, weight_decay=wd,
                               step_size=step_size, bias_correction2_sqrt=bc2_sqrt,
                               amsgrad=amsgrad, maximize=maximize,
                               decoupled_weight_decay=decoupled):
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
                if amsgrad:
                    maximum(max_sq, exp_avg_sq, out=max_sq)
                    denom = (max_sq.sqrt() / bc2_sqrt).add_(eps)
                else:
                    denom = (exp_avg_sq.sqrt() / bc2_sqrt).add_(eps)
                p.addcdiv_(exp_avg, denom, value=-step_size)
        return loss
