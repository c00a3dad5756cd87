"""ember.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp (as torch.autograd.functional)."""
from ..tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _tuple(x):
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _prep(inputs, create_graph):
    return tuple(t.detach().requires_grad_(True) if not create_graph or not t.requires_grad
                 else t.view_as(t) for t in _tuple(inputs))


def _grad(outputs, inputs, grad_outputs, create_graph):
    from . import grad
    from ..ops.creation import zeros_like
    gs = grad(outputs, inputs, grad_outputs, create_graph=True, allow_unused=True)
    return tuple(zeros_like(i) if g is None else (g if create_graph else g.detach())
                 for g, i in zip(gs, inputs))


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J)."""
    from .grad_mode import enable_grad
    single = isinstance(inputs, Tensor)
    with enable_grad():
        ins = _prep(inputs, create_graph)
        out = func(*ins)
        outs = _tuple(out)
        if v is None:
            if len(outs) != 1 or outs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the user-provided function returns a "
                                   "single Tensor with a single element.")
        gs = _grad(outs, ins, None if v is None else _tuple(v), create_graph)
    out = out if create_graph else (out.detach() if isinstance(out, Tensor) else tuple(o.detach() for o in out))
    return out, gs[0] if single else gs


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v) by the double-vjp trick."""
    from .grad_mode import enable_grad
    from ..ops.creation import zeros_like, ones_like
    single = isinstance(inputs, Tensor)
    with enable_grad():
        ins = _prep(inputs, create_graph)
        out = func(*ins)
        outs = _tuple(out)
        us = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        gs = _grad(outs, ins, us, True)
        if v is None:
            if len(ins) != 1 or ins[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the input to the user-provided function "
                                   "is a single Tensor with a single element.")
            v = (ones_like(ins[0]),)
        jv = _grad(gs, us, _tuple(v), create_graph)
    out = out if create_graph else (out.detach() if isinstance(out, Tensor) else tuple(o.detach() for o in out))
    return out, jv[0] if isinstance(out, Tensor) else jv


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian: for one input and one output a tensor of shape out.shape + in.shape."""
    from .grad_mode import enable_grad
    from ..ops.creation import zeros_like
    single_in = isinstance(inputs, Tensor)
    with enable_grad():
        ins = _prep(inputs, create_graph)
        out = func(*ins)
        single_out = isinstance(out, Tensor)
        outs = _tuple(out)
        result = []
        for o in outs:
            rows = [[] for _ in ins]
            flat = o.reshape(-1)
            for j in range(flat.numel()):
                gs = _grad((flat[j],), ins, None, create_graph) if o._requires_grad else \
                    tuple(zeros_like(i) for i in ins)
                for r, g in zip(rows, gs):
                    r.append(g)
            from ..ops.shape import stack
            per_in = tuple(stack(r).reshape(tuple(o._shape) + tuple(i._shape)) if r else
                           zeros_like(i).reshape((0,) + tuple(i._shape)).reshape(tuple(o._shape) + tuple(i._shape))
                           for r, i in zip(rows, ins))
            result.append(per_in[0] if single_in else per_in)
    return result[0] if single_out else tuple(result)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function."""
    single_in = isinstance(inputs, Tensor)

    def grad_fn(*ins):
        from . import grad
        out = func(*ins)
        gs = grad(out, ins, create_graph=True, allow_unused=True)
        from ..ops.creation import zeros_like
        gs = tuple(zeros_like(i) if g is None else g for g, i in zip(gs, ins))
        return gs[0] if single_in else gs

    return jacobian(grad_fn, inputs, create_graph=create_graph)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H)."""
    from .grad_mode import enable_grad
    single = isinstance(inputs, Tensor)
    with enable_grad():
        ins = _prep(inputs, True)
        out = func(*ins)
        gs = _grad((out,), ins, None, True)
        r = _grad(gs, ins, _tuple(v), create_graph)
    return out.detach(), r[0] if single else r


hvp = vhp  # the Hessian is symmetric for twice-differentiable functions
