"""The Optimizer base class (torch.optim.Optimizer) and helpers shared by the optimizers.

An optimizer holds ``param_groups`` (a list of dicts: ``params`` plus that group's
hyper-parameters, defaulted from ``defaults``) and ``state`` (a dict keyed by parameter, filled
lazily on the first step). ``state_dict()`` refers to parameters by their index in the groups, so
it can be loaded into an optimizer built over other (equally shaped) parameters.
"""
import functools
import warnings
from collections import OrderedDict, defaultdict
from copy import deepcopy
from itertools import chain

from .. import dtypes as _dt
from ..autograd.grad_mode import enable_grad, is_grad_enabled, set_grad_enabled
from ..autograd.graph import RemovableHandle
from ..tensor import Tensor

__all__ = ["Optimizer", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]

_global_optimizer_pre_hooks = OrderedDict()
_global_optimizer_post_hooks = OrderedDict()


class _RequiredParameter:
    """Singleton marking a hyper-parameter that each group must give (no default)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj):
    """torch.typename: 'ember.FloatTensor' for tensors, the qualified class name otherwise."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module in ("", "builtins") else f"{module}.{name}"


def _get_value(x):
    """A Python number for a step counter / hyper-parameter held as a 0-d tensor or a number."""
    return x.item() if isinstance(x, Tensor) else x


def _to_scalar(x):
    """A 1-element tensor hyper-parameter squeezed to 0-d; numbers unchanged."""
    if isinstance(x, Tensor) and x.dim() != 0:
        return x.squeeze()
    return x


def _get_scalar_dtype():
    """dtype of the step counters (float64 when the default dtype is float64, as PyTorch)."""
    return _dt.float64 if _dt.get_default_dtype() is _dt.float64 else _dt.float32


def _step_tensor(value=0.0):
    """A new 0-d CPU step counter. It stays on the host as PyTorch's (non-capturable) counters do,
    so reading it for the bias corrections never waits for a device."""
    from ..ops.creation import tensor
    return tensor(float(value), dtype=_get_scalar_dtype())


def _use_grad_for_differentiable(func):
    """Run ``step`` with grad mode set to the optimizer's ``differentiable`` flag."""
    @functools.wraps(func)
    def _use_grad(self, *args, **kwargs):
        prev = is_grad_enabled()
        try:
            set_grad_enabled(self.defaults.get("differentiable", False))
            return func(self, *args, **kwargs)
        finally:
            set_grad_enabled(prev)
    return _use_grad


def _check_lr(lr):
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _next_step(state):
    """Advance the parameter's step counter (a 0-d host tensor, in place) and return the new
    count as a Python number."""
    step_t = state["step"]
    step_t += 1
    return _get_value(step_t)


def _fused_ok(group, p, grad, state):
    """Whether a fused kernel may update `p`: contiguous float32/float64 parameter and state of
    one shape, dtype and device, a gradient of the same shape, dtype and device (any layout), not
    differentiable, neither ``fused`` nor ``foreach`` False."""
    if group.get("differentiable") or group.get("fused") is False or group.get("foreach") is False:
        return False
    if p.dtype is not _dt.float32 and p.dtype is not _dt.float64:
        return False
    if grad.dtype is not p.dtype or grad._shape != p._shape or grad.device != p.device:
        return False
    if grad._requires_grad and grad.grad_fn is not None:
        return False
    for t in (p, *state):
        if t is None:
            continue
        if (t.dtype is not p.dtype or t._shape != p._shape or t.device != p.device
                or not t.is_contiguous() or t._requires_grad and t.grad_fn is not None):
            return False
    return True


def _fused_step(kernel, group, p, grad, state, **scalars):
    """Update `p` and its `state` tensors (None for those an option turns off) with the backend
    primitive named `kernel`, ``backend.<kernel>(p, grad, *state, **scalars)``, when the backend
    defines it and :func:`_fused_ok` allows it; then advance the version counters of what it
    wrote. A non-contiguous gradient is copied first (one pass instead of the op-by-op update).

    Returns whether it ran; when it did not, nothing was modified and the caller runs the
    op-by-op update.
    """
    fn = getattr(p.device.backend, kernel, None)
    if fn is None or not _fused_ok(group, p, grad, state):
        return False
    if not grad.is_contiguous():
        grad = grad.contiguous()
    fn(p, grad, *state, **scalars)
    p._bump_version()
    for t in state:
        if t is not None:
            t._bump_version()
    return True


def register_optimizer_step_pre_hook(hook):
    """Register a pre hook common to all optimizers: ``hook(optimizer, args, kwargs)``, which
    may return new ``(args, kwargs)``.

    Returns:
        a handle whose ``remove()`` unregisters the hook.
    """
    handle = RemovableHandle(_global_optimizer_pre_hooks)
    _global_optimizer_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook):
    """Register a post hook common to all optimizers: ``hook(optimizer, args, kwargs)``.

    Returns:
        a handle whose ``remove()`` unregisters the hook.
    """
    handle = RemovableHandle(_global_optimizer_post_hooks)
    _global_optimizer_post_hooks[handle.id] = hook
    return handle


class Optimizer:
    r"""Base class for all optimizers.

    .. warning::
        Parameters need to be specified as collections that have a deterministic ordering that
        is consistent between runs (lists, not sets).

    Args:
        params (iterable): an iterable of :class:`ember.Tensor` s, of ``(name, tensor)`` pairs
            (as ``named_parameters()`` gives), or of dicts defining parameter groups.
        defaults (dict): default values of the optimization options (used when a parameter
            group doesn't specify them).

    Example::

        >>> w = ember.nn.Parameter(ember.randn(3))
        >>> opt = ember.optim.SGD([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> opt.zero_grad()
    """

    _group_defaults = {}          # option -> default, filled in when unpickling old states
    _tensor_state_keys = ()       # per-parameter counters kept as 0-d tensors

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()
        self._patch_step_function()

        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got " + _typename(params))

        self.state = defaultdict(dict)
        self.param_groups = []

        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in ("_optimizer_step_pre_hooks", "_optimizer_step_post_hooks",
                     "_optimizer_state_dict_pre_hooks", "_optimizer_state_dict_post_hooks",
                     "_optimizer_load_state_dict_pre_hooks", "_optimizer_load_state_dict_post_hooks"):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        self._patch_step_function()
        self.defaults.setdefault("differentiable", False)
        # group options added after a state was pickled, and host step counters made tensors:
        # each optimizer declares them as class attributes instead of its own __setstate__
        for group in self.param_groups:
            for k, v in self._group_defaults.items():
                group.setdefault(k, v)
            for p in group["params"]:
                p_state = self.state.get(p)
                if p_state:
                    for key in self._tensor_state_keys:
                        if key in p_state and not isinstance(p_state[key], Tensor):
                            p_state[key] = _step_tensor(float(p_state[key]))

    def __repr__(self):
        format_string = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            format_string += "\n"
            format_string += f"Parameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    format_string += f"    {key}: {group[key]}\n"
        format_string += ")"
        return format_string

    # -- step hooks --------------------------------------------------------------------------
    @staticmethod
    def profile_hook_step(func):
        """Wrap ``step`` so the global and per-optimizer step pre/post hooks run around it."""
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            self = args[0]
            if self.__dict__.get("_in_hooked_step"):
                # a subclass' step calling super().step(): the hooks already ran once
                return func(*args, **kwargs)
            for pre_hook in chain(_global_optimizer_pre_hooks.values(),
                                  self._optimizer_step_pre_hooks.values()):
                result = pre_hook(self, args, kwargs)
                if result is not None:
                    if isinstance(result, tuple) and len(result) == 2:
                        args, kwargs = result
                    else:
                        raise RuntimeError(f"{func} must return None or a tuple of (new_args, "
                                           f"new_kwargs), but got {result}.")
            self.__dict__["_in_hooked_step"] = True
            try:
                out = func(*args, **kwargs)
            finally:
                self.__dict__["_in_hooked_step"] = False
            for post_hook in chain(self._optimizer_step_post_hooks.values(),
                                   _global_optimizer_post_hooks.values()):
                post_hook(self, args, kwargs)
            return out
        wrapper.hooked = True
        return wrapper

    def _patch_step_function(self):
        cls = self.__class__
        if not getattr(cls.step, "hooked", None):
            cls.step = self.profile_hook_step(cls.step)

    def register_step_pre_hook(self, hook):
        """Register ``hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs)``, called
        before each ``step``. Returns a handle whose ``remove()`` unregisters it."""
        handle = RemovableHandle(self._optimizer_step_pre_hooks)
        self._optimizer_step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook):
        """Register ``hook(optimizer, args, kwargs) -> None``, called after each ``step``.
        Returns a handle whose ``remove()`` unregisters it."""
        handle = RemovableHandle(self._optimizer_step_post_hooks)
        self._optimizer_step_post_hooks[handle.id] = hook
        return handle

    def _register(self, store, hook, prepend):
        handle = RemovableHandle(store)
        store[handle.id] = hook
        if prepend:
            store.move_to_end(handle.id, last=False)
        return handle

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """Register ``hook(optimizer) -> None``, called before :meth:`state_dict`."""
        return self._register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """Register ``hook(optimizer, state_dict) -> state_dict or None``, called after
        :meth:`state_dict` (a returned dict replaces the result)."""
        return self._register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """Register ``hook(optimizer, state_dict) -> state_dict or None``, called before
        :meth:`load_state_dict` (a returned dict is loaded instead)."""
        return self._register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """Register ``hook(optimizer) -> None``, called after :meth:`load_state_dict`."""
        return self._register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # -- state dicts -------------------------------------------------------------------------
    def state_dict(self):
        r"""Return the state of the optimizer as a :class:`dict` with two entries.

        * ``state``: a dict mapping parameter indices to that parameter's state (tensors such as
          ``exp_avg`` and the ``step`` counter). The parameters themselves are not saved.
        * ``param_groups``: a list of the groups' options, each with ``params`` as the list of
          its parameters' indices (counted across groups, in order).

        The state tensors are referenced, not copied (as PyTorch): save or deep-copy the dict to
        keep a snapshot.
        """
        for pre_hook in self._optimizer_state_dict_pre_hooks.values():
            pre_hook(self)

        param_mappings = {}
        start_index = 0

        def pack_group(group):
            nonlocal start_index
            packed = {k: v for k, v in group.items() if k != "params"}
            param_mappings.update({id(p): i for i, p in enumerate(group["params"], start_index)
                                   if id(p) not in param_mappings})
            packed["params"] = [param_mappings[id(p)] for p in group["params"]]
            start_index += len(packed["params"])
            return packed

        param_groups = [pack_group(g) for g in self.param_groups]
        packed_state = {(param_mappings[id(k)] if isinstance(k, Tensor) else k): v
                        for k, v in self.state.items()}
        state_dict = {"state": packed_state, "param_groups": param_groups}

        for post_hook in self._optimizer_state_dict_post_hooks.values():
            result = post_hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    @staticmethod
    def _process_value_according_to_param_policy(param, value, param_id, param_groups, key=None):
        # Floating-point state follows the parameter's dtype and device; the step counter stays
        # where it was (a host tensor) unless the group is fused/capturable.
        fused = capturable = False
        for pg in param_groups:
            if param_id in pg["params"]:
                fused = pg.get("fused", False)
                capturable = pg.get("capturable", False)
                break
        if key == "step":
            if capturable or fused:
                return value.to(dtype=_dt.float32, device=param.device)
            return value
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)

    def load_state_dict(self, state_dict):
        """Load the optimizer state.

        Args:
            state_dict (dict): optimizer state; should be an object returned by a call to
                :meth:`state_dict` (of an optimizer of the same class over parameters of the same
                shapes, grouped the same way).

        Raises:
            ValueError: when the number of groups or a group's number of parameters differs.
        """
        state_dict = state_dict.copy()
        for pre_hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = pre_hook(self, state_dict)
            if result is not None:
                state_dict = result

        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")

        id_map = dict(zip(chain.from_iterable(g["params"] for g in saved_groups),
                          chain.from_iterable(g["params"] for g in groups)))

        def _cast(param, value, param_id=None, param_groups=None, key=None):
            if isinstance(value, Tensor):
                return Optimizer._process_value_according_to_param_policy(
                    param, value, param_id, param_groups, key)
            if isinstance(value, dict):
                return {k: _cast(param, v, param_id=param_id, param_groups=param_groups, key=k)
                        for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(_cast(param, v, param_id=param_id, param_groups=param_groups)
                                   for v in value)
            return value

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = _cast(param, v, param_id=k, param_groups=state_dict["param_groups"])
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        param_groups = [update_group(g, ng) for g, ng in zip(groups, saved_groups)]
        self.__setstate__({"state": state, "param_groups": param_groups})

        for post_hook in self._optimizer_load_state_dict_post_hooks.values():
            post_hook(self)

    # -- gradients, steps, groups ------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized tensors.

        Args:
            set_to_none (bool): set the grads to None instead of filling them with zeros
                (default: ``True``). Optimizers skip parameters whose grad is None, while a zero
                grad still takes a step (momentum, weight decay).
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        if g.grad_fn is not None:
                            g.detach_()
                        else:
                            g.requires_grad_(False)
                        g.zero_()

    def step(self, closure=None):
        """Perform a single optimization step.

        Args:
            closure (Callable, optional): a closure that re-evaluates the model and returns the
                loss (optional for most optimizers).
        """
        raise NotImplementedError

    def _init_state(self, p, group):
        """The state of parameter `p` of `group`, created on its first step (optimizers whose
        update keeps state override this)."""
        return self.state[p]

    def _params_with_grad(self, group):
        """``(p, grad, state)`` for each parameter of `group` that has a gradient, in order, with
        its state created by :meth:`_init_state`; parameters without one are skipped (no state,
        no update), as in PyTorch."""
        for p in group["params"]:
            grad = p.grad
            if grad is not None:
                yield p, grad, self._init_state(p, group)

    def _eval_closure(self, closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def add_param_group(self, param_group):
        """Add a param group to the optimizer's ``param_groups``.

        Useful when fine-tuning a pre-trained network: frozen layers can be made trainable and
        added to the optimizer as training progresses.

        Args:
            param_group (dict): the tensors to optimize (``params``) and group-specific options.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")

        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. Please "
                            "use a list instead.")
        else:
            param_group["params"] = list(params)

        tensors, names = [], []
        for param in param_group["params"]:
            if isinstance(param, tuple):
                names.append(param[0])
                tensors.append(param[1])
            else:
                tensors.append(param)
        param_group["params"] = tensors
        if names:
            if len(names) == len(tensors):
                param_group["param_names"] = names
            else:
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")

        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + _typename(param))
            if not self.defaults.get("differentiable", None) and not (param.is_leaf
                                                                      or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)

        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see github.com/pytorch/pytorch/"
                          "issues/40967 for more information", stacklevel=3)

        param_set = set()
        for group in self.param_groups:
            param_set.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                txt = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {txt} to the optimizer")
        if not param_set.isdisjoint(id(p) for p in param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")

        self.param_groups.append(param_group)
