"""The backward engine: an iterative walk over the recorded graph.

1. Count, for every node reachable from the roots, how many edges point at it (iterative DFS, so a
   chain of 100,000 ops needs no recursion).
2. Seed the roots' input buffers; a node runs when every edge into it has delivered (Kahn's
   algorithm), most recently created first, as PyTorch does.
3. Running a node: tensor hooks and retain_grad on its incoming gradients, pre-hooks, the
   derivative (recorded itself when create_graph), post-hooks; its outputs are added into the
   buffers of ``next_functions``. Leaves' AccumulateGrad nodes add into ``.grad``.
4. Without retain_graph each node frees its saved tensors as soon as it has run.
"""
import heapq

from .graph import AccumulateGrad
from .grad_mode import _state
from . import anomaly_mode
from ..backends.cpu._map import BINARY as _BINARY, FAMILY as _FAMILY

_F_BINARY, _ADD = _FAMILY["binary"], _BINARY["add"]

__all__ = ["run_backward"]


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _collect(roots):
    """In-degree of every node reachable from `roots` (iterative DFS)."""
    deps = {}
    seen = set()
    stack = [n for n in roots if n is not None]
    for n in stack:
        seen.add(n)
    while stack:
        node = stack.pop()
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return deps


def run_backward(roots, grads, retain_graph, create_graph, capture=None, accumulate=True,
                 only_leaves=None):
    """Propagate `grads` from `roots` ((node, output_nr) pairs).

    capture: dict mapping (node, output_nr) -> slot index; the gradient arriving there is stored
    in the returned list instead of (or besides) being accumulated. accumulate: write leaves'
    .grad. only_leaves: if given, a set of AccumulateGrad nodes that may accumulate.
    """
    captured = [None] * (max(capture.values()) + 1) if capture else []
    root_nodes = [n for n, _ in roots]
    deps = _collect(root_nodes)
    buffers = {}
    for (node, nr), g in zip(roots, grads):
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = {}
        buf[nr] = _add(buf.get(nr), g)
    # seeds are shared objects (the user's gradient, or one ones-tensor): never store them as-is
    shared = {id(g) for g in grads}
    heap = []
    for node in dict.fromkeys(root_nodes):
        if deps.get(node, 0) == 0:
            heapq.heappush(heap, (-node._sequence_nr, id(node), node))
    prev_mode = _state.enabled
    _state.enabled = bool(create_graph)
    try:
        while heap:
            node = heapq.heappop(heap)[2]
            buf = buffers.pop(node, None)
            if buf is None:
                buf = {}
            # tensor hooks (may replace the gradient) and retain_grad, per output; the hook and
            # capture dicts are usually empty, so each is tested before it is walked
            if node._tensor_hooks:
                for nr, store in node._tensor_hooks.items():
                    g = buf.get(nr)
                    if g is None:
                        continue
                    for hook in list(store.values()):
                        new = hook(g)
                        if new is not None:
                            g = new
                    buf[nr] = g
            if node._retained:
                for nr, ref in node._retained.items():
                    t = ref()
                    g = buf.get(nr)
                    if t is not None and g is not None:
                        g2 = g if create_graph else g.detach()
                        t._grad = g2.clone() if t._grad is None else t._grad + g2
            if capture:
                for nr, g in buf.items():
                    slot = capture.get((node, nr))
                    if slot is not None:
                        captured[slot] = _add(captured[slot], g)
            if isinstance(node, AccumulateGrad):
                if accumulate and (only_leaves is None or node in only_leaves):
                    g = buf.get(0)
                    var = node.variable
                    if g is not None and var._hooks:
                        for hook in list(var._hooks.values()):
                            new = hook(g)
                            if new is not None:
                                g = new
                    if g is not None:
                        if node._pre_hooks:
                            for hook in list(node._pre_hooks.values()):
                                r = hook((g,))
                                if r is not None:
                                    g = r[0]
                        _accumulate(node, g, create_graph, id(g) in shared)
                if not retain_graph:
                    node._release()
                continue
            n_out = getattr(node, "_n_outputs", 1)
            grad_outputs = (buf.get(0),) if n_out == 1 else tuple(buf.get(i) for i in range(n_out))
            if node._pre_hooks:
                for hook in list(node._pre_hooks.values()):
                    r = hook(grad_outputs)
                    if r is not None:
                        grad_outputs = tuple(r)
            if all(g is None for g in grad_outputs):
                grad_inputs = (None,) * len(node.next_functions)
            else:
                grad_inputs = node.apply(grad_outputs)
                if anomaly_mode._enabled:
                    anomaly_mode.check(node, grad_inputs)
            if node._post_hooks:
                for hook in list(node._post_hooks.values()):
                    r = hook(grad_inputs, grad_outputs)
                    if r is not None:
                        grad_inputs = tuple(r)
            if not retain_graph:
                node._release()
            if len(grad_inputs) > 1:
                # one tensor sent down several edges (e.g. AddBackward's g, g) must not become
                # two leaves' .grad objects
                seen_ids = set()
                for g in grad_inputs:
                    if g is not None:
                        if id(g) in seen_ids:
                            shared.add(id(g))
                        seen_ids.add(id(g))
            for (nxt, nr), g in zip(node.next_functions, grad_inputs):
                if nxt is None:
                    continue
                if g is not None:
                    b = buffers.get(nxt)
                    if b is None:
                        buffers[nxt] = {nr: g}
                    else:
                        old = b.get(nr)
                        b[nr] = g if old is None else old + g
                left = deps[nxt] - 1
                deps[nxt] = left
                if left == 0:
                    heapq.heappush(heap, (-nxt._sequence_nr, id(nxt), nxt))
    finally:
        _state.enabled = prev_mode
    return captured


def _accumulate(node, g, create_graph, is_shared):
    var = node.variable
    if var is None:
        return
    if not create_graph:
        g = g.detach()
    if g.dtype is not var.dtype:
        g = g.to(var.dtype)
    old = var._grad
    if old is None:
        # the gradient's layout follows a contiguous parameter's (torch's AccumulateGrad layout
        # contract): a transposed weight gradient is stored contiguous, in one copy
        if not g.is_contiguous() and var.is_contiguous():
            var._grad = g.contiguous()
        elif (is_shared and not create_graph) or g._base is not None:
            var._grad = g.clone()
        else:
            var._grad = g
    elif create_graph or old._requires_grad:
        var._grad = old + g
    elif old._shape == g._shape and old.dtype is g.dtype and old.device == g.device \
            and old.is_contiguous():
        # the hot path of every training step: add in place straight through the backend
        old.device.backend.map(_F_BINARY, _ADD, old, [old, g])
        old._storage.version += 1
    else:
        old.add_(g)
    if var._post_acc_hooks:
        for hook in list(var._post_acc_hooks.values()):
            hook(var)
