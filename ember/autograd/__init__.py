"""Reverse-mode automatic differentiation on a define-by-run graph.

Public API as torch.autograd: backward, grad, Function, grad modes, gradcheck, functional,
detect_anomaly. Tensor.backward / register_hook / retain_grad are attached here.
"""
from ..tensor import Tensor
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled,
                        is_inference_mode_enabled)
from .graph import Node, AccumulateGrad, RemovableHandle, _add_hook
from .function import Function, FunctionCtx, once_differentiable, grad_edge
from .anomaly_mode import detect_anomaly, set_detect_anomaly, is_anomaly_enabled
from .engine import run_backward

__all__ = ["backward", "grad", "Function", "FunctionCtx", "once_differentiable", "no_grad",
           "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled", "detect_anomaly", "set_detect_anomaly", "Node",
           "gradcheck", "gradgradcheck"]


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _make_grads(outputs, grads, is_grads_batched=False):
    from ..tensor import _empty
    out = []
    for i, (o, g) in enumerate(zip(outputs, grads)):
        if g is None:
            if o._requires_grad:
                if o.numel() != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                if not o.dtype.is_floating_point:
                    raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {o.dtype}")
                g = _empty(o._shape, o.dtype, o.device)
                o.device.backend.fill(g, 1)
        elif isinstance(g, Tensor):
            if g._shape != o._shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(g.shape)} "
                                   f"and output[{i}] has a shape of {tuple(o.shape)}.")
            if g.dtype.is_floating_point != o.dtype.is_floating_point:
                raise TypeError(f"For complex Tensors, both grad_output and output are required to have "
                                f"the same dtype. Mismatch in dtype: grad_output[{i}] has a dtype of "
                                f"{g.dtype} and output[{i}] has a dtype of {o.dtype}.")
        else:
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
        out.append(g)
    return out


def _roots(outputs):
    roots = []
    for i, o in enumerate(outputs):
        if not o._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        roots.append(grad_edge(o))
    return roots


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None):
    """Accumulate d(tensors)/d(leaves) into the leaves' .grad (torch.autograd.backward)."""
    tensors = _as_tuple(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    grads = _as_tuple(grad_tensors) or (None,) * len(tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(f"got {len(grads)} gradients for {len(tensors)} tensors")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(tensors, grads)
    roots = _roots(tensors)
    only = None
    capture = None
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        only = set()
        capture = {}
        nonleaf = []
        for t in inputs:
            node, nr = grad_edge(t)
            if node is None:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            if isinstance(node, AccumulateGrad):
                only.add(node)
            else:
                capture[(node, nr)] = len(nonleaf)
                nonleaf.append(t)
        res = run_backward(roots, grads, retain_graph, create_graph, capture=capture or None,
                           only_leaves=only)
        for t, g in zip(nonleaf, res):
            if g is not None:
                g = g if create_graph else g.detach()
                t._grad = g if t._grad is None else t._grad + g
        return
    run_backward(roots, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of `outputs` with respect to `inputs`, returned instead of accumulated."""
    outputs = _as_tuple(outputs)
    single = isinstance(inputs, Tensor)
    inputs = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    grads = _as_tuple(grad_outputs) or (None,) * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"grad_outputs has {len(grads)} elements but outputs has {len(outputs)}")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(outputs, grads)
    roots = _roots(outputs)
    capture = {}
    slots = []
    for t in inputs:
        if not isinstance(t, Tensor):
            raise TypeError(f"grad(): inputs must be Tensors, got {type(t).__name__}")
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        edge = grad_edge(t)
        slots.append(capture.setdefault(edge, len(capture)))
    res = run_backward(roots, grads, retain_graph, create_graph, capture=capture, accumulate=False)
    out = []
    for t, s in zip(inputs, slots):
        g = res[s] if s < len(res) else None
        if g is None:
            if materialize_grads:
                from ..ops.creation import zeros_like
                g = zeros_like(t)
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
        elif not create_graph:
            g = g.detach()
        out.append(g)
    return tuple(out)


# ------------------------------------------------------------------------------------------------
# Tensor methods
def _tensor_backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradient of this tensor w.r.t. graph leaves into their .grad."""
    backward(self, gradient, retain_graph, create_graph, inputs=inputs)


def _register_hook(self, hook):
    """hook(grad) -> None or a replacement gradient, called when this tensor's grad is computed."""
    if not self._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is None:
        # leaves keep their hooks themselves: their AccumulateGrad node is recreated per graph
        if self._hooks is None:
            from .graph import _HookDict
            self._hooks = _HookDict()
        return _add_hook(self._hooks, hook)
    return _add_hook(self.grad_fn._tensor_hook_store(self._output_nr), hook)


def _retain_grad(self):
    """Keep .grad for this non-leaf tensor after backward."""
    if not self._requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if self.grad_fn is None:
        return
    import weakref
    self.grad_fn._retained[self._output_nr] = weakref.ref(self)
    self._retains_grad = True


def _register_post_accumulate_grad_hook(self, hook):
    if self.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    if not self._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self._post_acc_hooks is None:
        from .graph import _HookDict
        self._post_acc_hooks = _HookDict()
    return _add_hook(self._post_acc_hooks, hook)


Tensor.backward = _tensor_backward
Tensor.register_hook = _register_hook
Tensor.retain_grad = _retain_grad
Tensor.register_post_accumulate_grad_hook = _register_post_accumulate_grad_hook
Tensor.retains_grad = property(lambda self: bool(self._retains_grad))

from .gradcheck import gradcheck, gradgradcheck  # noqa: E402
from . import functional  # noqa: E402,F401
