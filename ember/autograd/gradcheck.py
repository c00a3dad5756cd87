"""gradcheck / gradgradcheck: analytical gradients against central finite differences (float64)."""
import numpy as np

from ..tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _flat_outputs(fn, inputs):
    out = fn(*inputs)
    return tuple(o for o in _as_tuple(out) if isinstance(o, Tensor))


def _perturbed(t, flat_index, delta):
    """A copy of `t` (same device/dtype/shape) with one element moved by delta."""
    from ..ops.creation import tensor
    arr = np.array(t.detach().cpu().numpy(), dtype=np.float64 if t.dtype.name == "float64" else None)
    arr.reshape(-1)[flat_index] += delta
    return tensor(arr, dtype=t.dtype, device=t.device, requires_grad=t.requires_grad)


def _numerical_jacobian(fn, inputs, idx, eps):
    """J[k] of shape (numel(input idx), numel(output k)) by central differences."""
    x = inputs[idx]
    n = x.numel()
    cols = []
    for i in range(n):
        plus = list(inputs)
        minus = list(inputs)
        plus[idx] = _perturbed(x, i, eps)
        minus[idx] = _perturbed(x, i, -eps)
        op = _flat_outputs(fn, plus)     # grad mode stays on: fn may itself differentiate
        om = _flat_outputs(fn, minus)
        cols.append([(a.detach().cpu().double().numpy().reshape(-1) - b.detach().cpu().double().numpy().reshape(-1))
                     / (2 * eps) for a, b in zip(op, om)])
    nout = len(cols[0]) if cols else len(_flat_outputs(fn, inputs))
    return [np.stack([c[k] for c in cols]) if cols else np.zeros((0, 0)) for k in range(nout)]


def _analytical_jacobian(fn, inputs, diff_idx):
    from . import grad as autograd_grad
    from ..ops.creation import zeros_like
    outs = _flat_outputs(fn, inputs)
    jacs = {(i, k): np.zeros((inputs[i].numel(), o.numel())) for i in diff_idx for k, o in enumerate(outs)}
    for k, o in enumerate(outs):
        if not o._requires_grad:
            continue
        for j in range(o.numel()):
            go = np.zeros(o.numel())
            go[j] = 1.0
            from ..ops.creation import tensor
            g = tensor(go.reshape(o._shape), dtype=o.dtype, device=o.device)
            grads = autograd_grad(o, [inputs[i] for i in diff_idx], g, retain_graph=True, allow_unused=True)
            for i, gi in zip(diff_idx, grads):
                if gi is not None:
                    jacs[(i, k)][:, j] = gi.detach().cpu().double().numpy().reshape(-1)
    return jacs, outs


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, fast_mode=False, masked=None):
    """Check func's gradients w.r.t. the inputs that require grad against finite differences."""
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of "
                         "the them have requires_grad=True.")
    for i in diff_idx:
        if inputs[i].dtype.name != "float64":
            import warnings
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point. "
                          "This check will likely fail if all the inputs are not of double precision "
                          "floating point.", UserWarning, stacklevel=2)
    analytical, outs = _analytical_jacobian(func, inputs, diff_idx)
    for i in diff_idx:
        numerical = _numerical_jacobian(func, inputs, i, eps)
        for k, o in enumerate(outs):
            a = analytical[(i, k)]
            n = numerical[k] if k < len(numerical) else np.zeros_like(a)
            if not o.dtype.is_floating_point:
                continue
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                msg = (f"Jacobian mismatch for output {k} with respect to input {i},\n"
                       f"numerical:{n}\nanalytical:{a}\n")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, **kwargs):
    """gradcheck of the first derivative (recorded with create_graph=True)."""
    from . import grad as autograd_grad
    from ..ops.creation import tensor
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    outs = _flat_outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(tensor(rng.standard_normal(o._shape), dtype=o.dtype, device=o.device,
                                    requires_grad=True) for o in outs if o._requires_grad)
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_derivative(*args):
        ins, gos = args[:n_in], args[n_in:]
        os = [o for o in _flat_outputs(func, ins) if o._requires_grad]
        gs = autograd_grad(os, [ins[i] for i in diff_idx], gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_derivative, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception)
