"""Graph nodes: the recorded backward functions and the leaves' gradient accumulators.

    x (leaf) ──> AccumulateGrad <── next_functions ── MulBackward0 <── grad_fn ── y = x * w

A node's ``next_functions`` are ``(node, input_nr)`` pairs, one per differentiable input (None for an
input that needs no gradient). A node keeps what its derivative needs as SavedTensors, which check
the in-place version counter on unpacking and are dropped after backward unless retain_graph.
"""
import itertools
import weakref

__all__ = ["Node", "AccumulateGrad", "SavedTensor", "RemovableHandle"]

_seq = itertools.count()

_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward.")


class RemovableHandle:
    """Returned by register_hook: ``handle.remove()`` unregisters the hook."""

    _ids = itertools.count()

    def __init__(self, container):
        self._container = weakref.ref(container)
        self.id = next(self._ids)

    def remove(self):
        c = self._container()
        if c is not None:
            c.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class _HookDict(dict):
    """An ordered dict of hooks that a weakref can point to."""


def _add_hook(store, fn):
    h = RemovableHandle(store)
    store[h.id] = fn
    return h


class Node:
    """A backward function in the graph (the ``grad_fn`` of a non-leaf tensor)."""

    def __init__(self):
        self.next_functions = ()
        self._sequence_nr = next(_seq)
        self._pre_hooks = _HookDict()
        self._post_hooks = _HookDict()
        self._tensor_hooks = {}          # output_nr -> _HookDict of tensor.register_hook hooks
        self._retained = {}              # output_nr -> weakref of a tensor that retain_grad()-ed
        self.metadata = {}
        self._trace = None               # forward stack, in anomaly mode

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) -> None or new grad_inputs; runs after this node."""
        return _add_hook(self._post_hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) -> None or new grad_outputs; runs before this node."""
        return _add_hook(self._pre_hooks, fn)

    def _tensor_hook_store(self, output_nr):
        store = self._tensor_hooks.get(output_nr)
        if store is None:
            store = self._tensor_hooks[output_nr] = _HookDict()
        return store

    def apply(self, grads):
        raise NotImplementedError

    def _release(self):
        pass

    def __call__(self, *grads):
        return self.apply(grads)


class AccumulateGrad(Node):
    """The sink of a leaf tensor: adds incoming gradients into ``variable.grad``."""

    def __init__(self, variable):
        super().__init__()
        self.variable = variable

    def apply(self, grads):
        return ()


class _TensorMeta:
    """Shape/dtype/device of a tensor the derivative needs only the geometry of."""

    __slots__ = ("_shape", "dtype", "device")

    def __init__(self, t):
        self._shape, self.dtype, self.device = t._shape, t.dtype, t.device

    @property
    def shape(self):
        from ..tensor import Size
        return Size(self._shape)

    def size(self, dim=None):
        return self.shape if dim is None else self._shape[dim]

    def dim(self):
        return len(self._shape)

    def numel(self):
        n = 1
        for s in self._shape:
            n *= s
        return n


class SavedTensor:
    """A tensor kept for backward; unpacking checks that no in-place op changed it since."""

    __slots__ = ("_data", "_version", "_grad_fn", "_output_nr", "_is_output", "_freed", "_requires_grad")

    def __init__(self, t, is_output=False):
        from ..tensor import _make
        self._version = t._storage.version
        self._is_output = is_output
        self._freed = False
        self._output_nr = t._output_nr
        self._requires_grad = t._requires_grad
        if is_output:
            # keep the data without the grad_fn (which is the node saving it: no cycle)
            self._data = _make(t._storage, t._shape, t._stride, t._offset, t.dtype, t.device)
            self._grad_fn = None
        else:
            self._data = t
            self._grad_fn = None

    def unpack(self, node):
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        t = self._data
        if t._storage.version != self._version:
            from ..ops._helpers import _dtype_name
            where = f"is output {self._output_nr} of {node.name()}" if self._is_output else \
                f"is an input of {node.name()}"
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [ember.{_dtype_name(t.dtype)}Tensor {list(t._shape)}], which "
                f"{where}, is at version {t._storage.version}; expected version {self._version} "
                "instead. Hint: the backtrace further above can show the operation that failed to "
                "compute its gradient. Enable anomaly detection with "
                "ember.autograd.set_detect_anomaly(True) to find it.")
        if self._is_output:
            from ..tensor import _make
            out = _make(t._storage, t._shape, t._stride, t._offset, t.dtype, t.device, self._requires_grad)
            out.grad_fn = node
            out._output_nr = self._output_nr
            return out
        return t

    def free(self):
        self._freed = True
        self._data = None
