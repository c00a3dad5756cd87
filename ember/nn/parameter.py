"""Parameter and Buffer: tensors that modules register by attribute assignment."""
from ..tensor import Tensor, _make

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "is_lazy"]


class Parameter(Tensor):
    """A Tensor that is a module parameter (requires grad by default)."""

    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        t = _make(data._storage, data._shape, data._stride, data._offset, data.dtype, data.device)
        t.__class__ = cls
        if requires_grad:
            t.requires_grad_(True)
        t._is_param = True
        return t

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, proto):
        fn, args = super().__reduce_ex__(proto)
        return (_rebuild_parameter, (fn, args, self.requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        new = Parameter(self.detach().clone(), self.requires_grad)
        memo[id(self)] = new
        return new


def _rebuild_parameter(fn, args, requires_grad):
    return Parameter(fn(*args), requires_grad)


class UninitializedParameter(Parameter):
    """A parameter of a lazy module, materialised on the first forward."""

    __slots__ = ()

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        from ..ops.creation import empty
        t = Parameter.__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)
        t.__class__ = cls
        return t

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def __repr__(self):
        return "<UninitializedParameter>"

    def to(self, *args, **kwargs):
        """This tensor moved / cast as Tensor.to says, still uninitialized and of this class
        (torch lets .to() through an uninitialized tensor), so that a lazy module moved by
        module.to(device) / .double() materializes on that device and dtype. .cpu(), .float(),
        .type(...) and the other conversions go through here."""
        moved = super().to(*args, **kwargs)
        if moved is self:
            return self
        return type(self)(self.requires_grad, moved.device, moved.dtype)

    def materialize(self, shape, device=None, dtype=None):
        from ..ops.creation import empty
        data = empty(*shape, device=device or self.device, dtype=dtype or self.dtype)
        self._storage, self._shape, self._stride, self._offset = data._storage, data._shape, data._stride, 0
        self.dtype, self.device = data.dtype, data.device
        self.__class__ = Parameter


def is_lazy(param):
    return isinstance(param, UninitializedParameter)


class Buffer(Tensor):
    """Marks a tensor as a buffer when assigned to a module attribute (torch.nn.Buffer)."""

    __slots__ = ()

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        t = _make(data._storage, data._shape, data._stride, data._offset, data.dtype, data.device)
        t.__class__ = cls
        t.__dict__["persistent"] = persistent
        return t

    def __init__(self, data=None, *, persistent=True):
        pass
