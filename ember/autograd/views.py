"""In-place ops through views: rebasing the base's history (PyTorch's CopySlices).

    base ──view──> v ;  v.op_(...)         base.grad_fn = CopySlices(old base edge, op node)
                                           v.grad_fn    = AsStridedBackward0(base's new history)

Backward of CopySlices: the incoming base gradient is copied; the region the view covers is passed
through the in-place op's derivative, whose result for the old view values is written back into that
region; the op's gradients for its other inputs flow on unchanged.
"""
from ..tensor import Tensor, _make, _view_of
from .graph import Node

__all__ = ["check_inplace_view", "rebase_history"]


def check_inplace_view(view, op_name):
    base = view._base
    if base.grad_fn is None and base._requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                           "operation.")


def _like_base(meta_shape, meta_stride, dtype, device, extent):
    """A zero-filled tensor with the base's strides (offset 0) over a fresh storage."""
    st = device.backend.allocate(extent * dtype.itemsize, True)
    return _make(st, meta_shape, meta_stride, 0, dtype, device)


def _extent(shape, stride):
    if 0 in shape:
        return 0
    return 1 + sum((n - 1) * s for n, s in zip(shape, stride))


class _Geometry:
    __slots__ = ("b_shape", "b_stride", "b_off", "v_shape", "v_stride", "v_off", "dtype", "device")

    def __init__(self, base, view):
        self.b_shape, self.b_stride, self.b_off = base._shape, base._stride, base._offset
        self.v_shape, self.v_stride, self.v_off = view._shape, view._stride, view._offset
        self.dtype, self.device = base.dtype, base.device

    def fresh(self):
        return _like_base(self.b_shape, self.b_stride, self.dtype, self.device,
                          _extent(self.b_shape, self.b_stride))

    def region(self, t):
        return _view_of(t, self.v_shape, self.v_stride, self.v_off - self.b_off)


class CopySlices(Node):
    """The base's history after an in-place op wrote through one of its views."""

    def apply(self, grads):
        g = grads[0]
        geo = self._geo
        res = geo.fresh()
        be = res.device.backend
        be.copy(res, g)
        region = geo.region(res)
        gv = _make(region._storage, region._shape, region._stride, region._offset, region.dtype,
                   region.device).clone()
        op_grads = self._op.apply((gv,))
        if self._self_in:
            g_old, others = op_grads[0], op_grads[1:]
        else:
            g_old, others = None, op_grads
        if g_old is None:
            be.fill(region, 0)
        else:
            be.copy(region, g_old)
        return (res,) + tuple(others)

    def _release(self):
        self._op._release()


class AsStridedBackward0(Node):
    """A view's history after its base was rebased: scatter the view's grad into a zero base."""

    def apply(self, grads):
        geo = self._geo
        res = geo.fresh()
        res.device.backend.copy(geo.region(res), grads[0])
        return (res,)


def rebase_history(view, op_node):
    """After `op_node` (an in-place op) wrote through `view`, move the history onto its base."""
    from .function import grad_edge
    base = view._base
    geo = _Geometry(base, view)
    cs = CopySlices()
    cs._geo = geo
    cs._op = op_node
    self_in = bool(op_node._input_index) and op_node._input_index[0] == 0
    cs._self_in = self_in
    base_edge = grad_edge(base) if base._requires_grad else (None, 0)
    others = op_node.next_functions[1:] if self_in else op_node.next_functions
    cs.next_functions = (base_edge,) + tuple(others)
    base.grad_fn = cs
    base._output_nr = 0
    base._requires_grad = True
    vn = AsStridedBackward0()
    vn._geo = geo
    vn.next_functions = ((cs, 0),)
    view.grad_fn = vn
    view._output_nr = 0
    view._requires_grad = True
