"""Recording ops into the graph, and custom autograd Functions.

Derivatives are data: ``derivatives.py`` registers one formula per op with ``@derivative(name,
inputs=..., save=...)``. ``install()`` wraps each registered op (in its module, in ``ember``, and on
Tensor) so that, when grad mode is on and a differentiable input requires grad, the op runs without
recording and its outputs get a node holding the formula. Formulas are written with ember ops, so
with ``create_graph=True`` the backward pass is itself recorded (higher-order derivatives).
"""
import functools
import inspect
import types

from ..tensor import Tensor, _make
from .graph import Node, AccumulateGrad, SavedTensor, _TensorMeta
from .grad_mode import _state
from . import anomaly_mode

__all__ = ["Function", "FunctionCtx", "once_differentiable", "derivative", "differentiable", "install"]


# ------------------------------------------------------------------------------------------------
def grad_edge(t):
    """The (node, input_nr) edge a gradient for tensor `t` flows into."""
    fn = t.grad_fn
    if fn is not None:
        return fn, t._output_nr
    if not t._requires_grad:
        return None, 0
    acc = t.__dict__.get("_grad_acc")
    node = acc() if acc is not None else None
    if node is None:
        import weakref
        node = AccumulateGrad(t)
        t.__dict__["_grad_acc"] = weakref.ref(node)
    return node, 0


def _sum_to(g, shape):
    """Sum a broadcast gradient back to `shape`."""
    if g._shape == tuple(shape):
        return g
    lead = len(g._shape) - len(shape)
    dims = list(range(lead))
    for i, n in enumerate(shape):
        if n == 1 and g._shape[lead + i] != 1:
            dims.append(lead + i)
    if dims:
        g = g.sum(dim=tuple(dims), keepdim=True)
    if lead:
        g = g.reshape(tuple(shape))
    elif g._shape != tuple(shape):
        g = g.reshape(tuple(shape))
    return g


class _Ctx:
    """What a derivative formula sees besides the gradient: the output and which inputs need grads."""

    __slots__ = ("out", "needs_input_grad", "fn")


class _OpNode(Node):
    """A recorded op: its formula, what it saved, and the geometry of its differentiable inputs."""

    def _release(self):
        for a in self._saved:
            a.free()
        self._released = True

    def apply(self, grads):
        args = tuple(_unpack(a, self) for a in self._args)
        kwargs = {k: _unpack(v, self) for k, v in self._kwargs.items()}
        ctx = _Ctx()
        out = self._out
        if out is not None:
            ctx.out = tuple(o.unpack(self) if o is not None else None for o in out) if self._multi \
                else out[0].unpack(self)
        else:
            ctx.out = None
        ctx.needs_input_grad = self._needs
        ctx.fn = self._fn_name
        if self._multi:         # a tuple-returning op (unbind, split...), even with one output
            g = tuple(gr if gr is not None else _zeros_like_meta(m) for gr, m in zip(grads, self._out_meta))
        else:
            g = grads[0]
        res = self._formula(ctx, g, *args, **kwargs)
        if not isinstance(res, tuple):
            res = (res,)
        out_grads = []
        for meta, (k, j) in zip(self._inputs, self._input_index):
            r = res[k] if j is None else (res[k][j] if res[k] is not None else None)
            if r is not None:
                if not isinstance(r, Tensor):
                    raise RuntimeError(f"{self.name()} returned a non-tensor gradient")
                if r._shape != meta._shape:
                    r = _sum_to(r, meta._shape)
                if r.dtype is not meta.dtype:
                    r = r.to(meta.dtype)
                if r.device != meta.device:
                    r = r.to(meta.device)
            out_grads.append(r)
        return tuple(out_grads)


def _unpack(v, node):
    if type(v) is SavedTensor:
        return v.unpack(node)
    if type(v) in (list, tuple) and v and any(type(e) is SavedTensor for e in v):
        return type(v)(_unpack(e, node) for e in v)
    return v


def _zeros_like_meta(meta):
    from ..ops.creation import zeros
    if meta is None:
        return None
    return zeros(meta._shape, dtype=meta.dtype, device=meta.device)


_NODE_CLASSES = {}


def _node_class(name):
    cls = _NODE_CLASSES.get(name)
    if cls is None:
        cls = _NODE_CLASSES[name] = type(name, (_OpNode,), {})
    return cls


class _Deriv:
    __slots__ = ("name", "formula", "inputs", "save", "save_out", "out_idx", "node_name", "inplace_of")

    def __init__(self, name, formula, inputs, save, node_name):
        self.name = name
        self.formula = formula
        self.inputs = tuple(inputs)
        self.save = frozenset(s for s in save if not s.startswith("result"))
        # "result" saves every output; "result1", "result2" only those (so an in-place op on an
        # unsaved output, e.g. ReLU(inplace) after batch norm, stays legal)
        picked = {int(s[6:]) for s in save if s.startswith("result") and s[6:].isdigit()}
        self.save_out = "result" in save or bool(picked)
        self.out_idx = None if "result" in save else frozenset(picked)
        self.node_name = node_name


REGISTRY = {}
NON_DIFFERENTIABLE = set()


def derivative(*names, inputs=("input",), save=None, node=None):
    """Register `formula(ctx, grad, *args, **kwargs) -> grads` for the ops `names`.

    inputs: the parameter names that can receive gradients, in the order the formula returns them.
    save: parameter names (and/or "result") the formula reads; other tensor args are passed as
          shape/dtype-only metadata. Default: all `inputs`.
    """
    def deco(formula):
        for n in names:
            nn = node or "".join(p.capitalize() for p in n.rstrip("_").split("_")) + "Backward0"
            REGISTRY[n] = _Deriv(n, formula, inputs, inputs if save is None else save, nn)
        return formula
    return deco


def differentiable(formula, inputs=("input",), save=None, node=None):
    """Decorator for new primitive ops outside ember.ops (nn kernels, ...): record the decorated
    function with `formula(ctx, grad, *args, **kwargs) -> grads` (same conventions as
    @derivative). Use it on functions whose forward calls backends directly.

        def _conv_backward(ctx, g, input, weight, bias=None, **kw): ...
        @differentiable(_conv_backward, inputs=("input", "weight", "bias"), save=("input", "weight"))
        def conv2d(input, weight, bias=None, stride=1): ...
    """
    def deco(fn):
        name = fn.__name__
        nn = node or "".join(p.capitalize() for p in name.strip("_").rstrip("_").split("_")) + "Backward0"
        d = _Deriv(name, formula, inputs, inputs if save is None else save, nn)
        REGISTRY.setdefault(name, d)
        return _wrap(fn, d)
    return deco


def non_differentiable(*names):
    NON_DIFFERENTIABLE.update(names)


# ------------------------------------------------------------------------------------------------
def _wrap(fn, d):
    sig = inspect.signature(fn).parameters
    params = list(sig)
    pos = {p: i for i, p in enumerate(params)}
    varargs = next((n for n, p in sig.items() if p.kind is inspect.Parameter.VAR_POSITIONAL), None)
    # methods name their first parameter `self` where the function form says `input`
    if params and params[0] != varargs:      # (torch.split names it `tensor`)
        pos.setdefault("input", 0)
        pos.setdefault("self", 0)
    inputs = d.inputs
    input_pos = tuple(pos.get(n, 10 ** 6) for n in inputs)
    inplace = d.name == "__setitem__" or (d.name.endswith("_") and not d.name.startswith("__"))
    node_cls = _node_class(d.node_name)
    fn_name = fn.__name__
    save_names = d.save
    save_pos = {pos[n] for n in save_names if n in pos}

    def pack(v, keep, saved, clone_first=False):
        """Replace tensors in an argument by SavedTensors (if kept) or geometry-only metadata."""
        if isinstance(v, Tensor):
            if not keep:
                return _TensorMeta(v)
            if clone_first:
                v = v.clone()
            s = SavedTensor(v)
            saved.append(s)
            return s
        if type(v) in (list, tuple) and any(isinstance(e, Tensor) for e in v):
            return type(v)(pack(e, keep, saved) for e in v)
        return v

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if not _state.enabled:
            return fn(*args, **kwargs)
        nargs = len(args)
        diff = None
        for k, (name, p) in enumerate(zip(inputs, input_pos)):
            if name == varargs:
                v = args[p:]
                if len(v) == 1 and type(v[0]) in (list, tuple):
                    v = v[0]
            else:
                v = args[p] if p < nargs else kwargs.get(name)
            if isinstance(v, Tensor):
                if v._requires_grad:
                    if diff is None:
                        diff = []
                    diff.append((k, None, v))
            elif type(v) in (list, tuple):
                for j, e in enumerate(v):
                    if isinstance(e, Tensor) and e._requires_grad:
                        if diff is None:
                            diff = []
                        diff.append((k, j, e))
        if diff is None:
            return fn(*args, **kwargs)
        if kwargs.get("out") is not None:
            raise RuntimeError(f"{d.name}(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        # edges, before an in-place op overwrites self's history
        edges = [grad_edge(v) for _, _, v in diff]
        metas = [_TensorMeta(v) for _, _, v in diff]
        if inplace:
            self_t = args[0]
            if self_t.grad_fn is None and self_t._requires_grad:
                raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
            if self_t._base is not None:
                from .views import check_inplace_view
                check_inplace_view(self_t, d.name)
        saved = []
        a = tuple(pack(v, i in save_pos, saved, inplace and i == 0) for i, v in enumerate(args))
        kw = {k: pack(v, k in save_names, saved) for k, v in kwargs.items()}
        prev = _state.enabled
        _state.enabled = False
        try:
            out = fn(*args, **kwargs)
        finally:
            _state.enabled = prev
        node = node_cls()
        node._formula = d.formula
        node._fn_name = fn_name
        node._args = a
        node._kwargs = kw
        node._saved = saved
        node._released = False
        node._inputs = metas
        node._input_index = tuple((k, j) for k, j, _ in diff)
        node._needs = tuple(any(k == kk for kk, _, _ in diff) for k in range(len(inputs)))
        node.next_functions = tuple(edges)
        if anomaly_mode._enabled:
            anomaly_mode.record_trace(node)
        result = args[0] if inplace else out      # (__setitem__ returns None)
        multi = isinstance(result, (tuple, list))
        outs = tuple(result) if multi else (result,)
        node._n_outputs = len(outs) if multi else 1
        node._multi = multi
        node._out_meta = tuple(_TensorMeta(o) if isinstance(o, Tensor) and o.dtype.is_floating_point
                               else None for o in outs)
        in_ids = () if inplace else {id(v) for _, _, v in diff}
        saved_outs = []
        for i, o in enumerate(outs):
            if isinstance(o, Tensor) and o.dtype.is_floating_point and id(o) not in in_ids:
                o.grad_fn = node
                o._output_nr = i
                o._requires_grad = True
                if d.save_out and (d.out_idx is None or i in d.out_idx):
                    s = SavedTensor(o, is_output=True)
                    saved.append(s)
                    saved_outs.append(s)
                else:
                    saved_outs.append(None)
            elif d.save_out and isinstance(o, Tensor) and (d.out_idx is None or i in d.out_idx):
                s = SavedTensor(o)          # e.g. the indices of max/sort, read by the formula
                saved.append(s)
                saved_outs.append(s)
            else:
                saved_outs.append(None)
        node._out = tuple(saved_outs) if d.save_out else None
        if inplace and args[0]._base is not None:
            from .views import rebase_history
            rebase_history(args[0], node)
        return out

    wrapper.__wrapped_op__ = fn
    return wrapper


def install():
    """Wrap every registered op wherever it is reachable: ember, ember.ops, its module, Tensor."""
    import sys
    import ember
    from .. import ops
    wrapped = {}
    targets = [ember, ops] + [m for name, m in sys.modules.items()
                             if name.startswith("ember.ops.") and m is not None] + \
        [m for name, m in sys.modules.items() if name in ("ember.linalg", "ember.nn.functional") and m is not None]
    for name, d in REGISTRY.items():
        for holder in targets:
            fn = holder.__dict__.get(name)
            if not isinstance(fn, types.FunctionType) or hasattr(fn, "__wrapped_op__"):
                continue
            w = wrapped.get(id(fn))
            if w is None:
                w = wrapped[id(fn)] = _wrap(fn, d)
            setattr(holder, name, w)
    # aliases (ember.absolute_ is abs_, ember.subtract is sub, ...): any attribute bound to a
    # function wrapped under another name gets the same wrapper
    for holder in targets:
        for attr, val in list(vars(holder).items()):
            w = wrapped.get(id(val))
            if w is not None and val is not w:
                setattr(holder, attr, w)
    # Tensor methods and operators: replace any attribute that is one of the wrapped functions,
    # and wrap Tensor-only methods (e.g. Tensor.unfold) registered under their method name
    for attr, val in list(vars(Tensor).items()):
        w = wrapped.get(id(val))
        if w is None and attr in REGISTRY and isinstance(val, types.FunctionType) \
                and not hasattr(val, "__wrapped_op__"):
            w = wrapped[id(val)] = _wrap(val, REGISTRY[attr])
        if w is not None:
            setattr(Tensor, attr, w)
    return wrapped


# ------------------------------------------------------------------------------------------------
# Custom Functions
class FunctionCtx:
    """The `ctx` of a custom Function: saves tensors and flags for its backward."""

    def save_for_backward(self, *tensors):
        self._to_save = tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_diff = tensors

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self):
        node = self
        return tuple(s.unpack(node) if s is not None else None for s in self._saved)


class BackwardCFunction(Node, FunctionCtx):
    """The node of a custom Function application (also its ctx)."""

    def apply(self, grads):
        if self.materialize_grads:
            grads = tuple(g if g is not None else _zeros_like_meta(m) for g, m in zip(grads, self._out_meta))
        res = self._cls.backward(self, *grads)
        if not isinstance(res, tuple):
            res = (res,)
        n_in = len(self._input_slots)
        if len(res) < n_in:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {n_in}, got {len(res)})")
        out = []
        for slot, meta in zip(self._input_slots, self._input_metas):
            g = res[slot]
            if g is not None and meta is not None:
                if not isinstance(g, Tensor):
                    raise TypeError(f"function {self.name()} returned a gradient that is not a Tensor")
                if g._shape != meta._shape:
                    try:
                        g = _sum_to(g, meta._shape)
                    except Exception:
                        raise RuntimeError(f"Function {self.name()} returned an invalid gradient at index "
                                           f"{slot} - got {list(g._shape)} but expected shape compatible "
                                           f"with {list(meta._shape)}") from None
            out.append(g if meta is not None else None)
        return tuple(out)

    def _release(self):
        for s in getattr(self, "_saved", ()):
            if s is not None:
                s.free()


class _FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_cls": cls})


class Function(metaclass=_FunctionMeta):
    """Base class of custom differentiable operations: define static forward(ctx, ...) and
    backward(ctx, *grad_outputs), and call ``MyFn.apply(...)``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        node = cls._backward_cls()
        node.materialize_grads = True
        node._to_save = ()
        node._dirty = ()
        node._non_diff = ()
        tensor_args = [(i, a) for i, a in enumerate(args) if isinstance(a, Tensor)]
        needs = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        node.needs_input_grad = needs
        record = _state.enabled and any(needs)
        prev = _state.enabled
        _state.enabled = False
        try:
            out = cls.forward(node, *args, **kwargs)
        finally:
            _state.enabled = prev
        if not record:
            return out
        node.next_functions = tuple(grad_edge(a) for i, a in tensor_args)
        node._input_slots = tuple(i for i, _ in tensor_args)
        node._input_metas = tuple(_TensorMeta(a) if a._requires_grad else None for _, a in tensor_args)
        outs = out if isinstance(out, tuple) else (out,)
        node._n_outputs = len(outs)
        node._out_meta = tuple(_TensorMeta(o) if isinstance(o, Tensor) else None for o in outs)
        non_diff = {id(t) for t in node._non_diff}
        dirty = {id(t) for t in node._dirty}
        input_ids = {id(a) for _, a in tensor_args}
        new_outs = []
        for i, o in enumerate(outs):
            if isinstance(o, Tensor):
                differentiable = id(o) not in non_diff and o.dtype.is_floating_point
                if id(o) in input_ids and id(o) not in dirty:
                    # an input returned as-is: give the output its own identity (a view)
                    o = _make(o._storage, o._shape, o._stride, o._offset, o.dtype, o.device)
                if differentiable:
                    o.grad_fn = node
                    o._output_nr = i
                    o._requires_grad = True
            new_outs.append(o)
        saved = []
        out_ids = {id(o): i for i, o in enumerate(new_outs) if isinstance(o, Tensor)}
        for t in node._to_save:
            if t is None:
                saved.append(None)
            elif id(t) in out_ids and t.grad_fn is node:
                saved.append(SavedTensor(t, is_output=True))
            else:
                saved.append(SavedTensor(t))
        node._saved = saved
        if anomaly_mode._enabled:
            anomaly_mode.record_trace(node)
        return tuple(new_outs) if isinstance(out, tuple) else new_outs[0]


def once_differentiable(fn):
    """Decorate a backward: it runs without recording even under create_graph."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        from .grad_mode import no_grad
        with no_grad():
            return fn(ctx, *args)
    return wrapper
