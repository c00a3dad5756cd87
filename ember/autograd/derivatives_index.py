"""Derivatives of indexing, gather/scatter and masked ops (see derivatives.py for the conventions)."""
import ember
from ..tensor import Tensor
from .function import Function, derivative, non_differentiable

E = ember


def _zeros_of(meta, g):
    return E.zeros(tuple(meta._shape), dtype=g.dtype, device=g.device)


def _is_basic(idx):
    items = idx if isinstance(idx, tuple) else (idx,)
    for it in items:
        if isinstance(it, (Tensor, list)) or hasattr(it, "__array__") or isinstance(it, bool):
            return False
    return True


@derivative("__getitem__", inputs=("self",), save=("index",))
def _getitem(ctx, g, self, index):
    if _is_basic(index):
        z = _zeros_of(self, g)
        z[index] = g
        return z
    # advanced indices may repeat: accumulate through the flat positions they select
    n = self.numel()
    pos = E.arange(n, device=g.device).reshape(tuple(self._shape))[index]
    flat = E.zeros(n, dtype=g.dtype, device=g.device).index_add(0, pos.reshape(-1), g.reshape(-1))
    return flat.reshape(tuple(self._shape))


@derivative("__setitem__", inputs=("self", "value"), save=("index",))
def _setitem(ctx, g, self, index, value):
    gs = gv = None
    if ctx.needs_input_grad[0]:
        gs = g.clone()
        gs[index] = 0
    if ctx.needs_input_grad[1]:
        gv = g[index]
    return gs, gv


@derivative("gather", inputs=("input",), save=("index",))
def _gather(ctx, g, input, dim, index, **kw):
    return _zeros_of(input, g).scatter_add(dim, index, g)


@derivative("take_along_dim", inputs=("input",), save=("indices",))
def _take_along_dim(ctx, g, input, indices, dim=None, **kw):
    if dim is None:
        n = input.numel()
        flat = E.zeros(n, dtype=g.dtype, device=g.device)
        return flat.scatter_add(0, indices.reshape(-1) % max(n, 1), g.reshape(-1)).reshape(tuple(input._shape))
    d = dim % max(input.dim(), 1)
    a = list(input._shape)
    a[d] = indices._shape[d]
    b = list(indices._shape)
    b[d] = input._shape[d]
    idx = indices.expand(E.broadcast_shapes(tuple(a), tuple(indices._shape)))
    src_shape = E.broadcast_shapes(tuple(b), tuple(input._shape))
    return E.zeros(src_shape, dtype=g.dtype, device=g.device).scatter_add(d, idx, g)


@derivative("scatter", "scatter_", inputs=("input", "src"), save=("index",))
def _scatter(ctx, g, input, dim, index, src=None, *, value=None, reduce=None, **kw):
    if reduce is not None:          # torch 2.13 has no formula for reduce='add' / 'multiply'
        raise RuntimeError("derivative for aten::scatter is not implemented")
    gi = g.scatter(dim, index, 0.0)
    gs = g.gather(dim, index) if isinstance(src, (Tensor,)) or (src is not None and not isinstance(src, (int, float))) else None
    return gi, gs


@derivative("scatter_add", "scatter_add_", inputs=("input", "src"), save=("index",))
def _scatter_add(ctx, g, input, dim, index, src, **kw):
    return g, g.gather(dim, index)


@derivative("scatter_reduce", "scatter_reduce_", inputs=("input", "src"),
            save=("input", "index", "src", "result"))
def _scatter_reduce(ctx, g, input, dim, index, src, reduce, *, include_self=True, **kw):
    out = ctx.out
    if reduce == "sum":
        gi = g if include_self else g.scatter(dim, index, 0.0)
        return gi, g.gather(dim, index)
    if reduce == "mean":
        ones = E.ones_like(src)
        count = E.zeros_like(out).scatter_add(dim, index, ones)
        if include_self:
            count = count + 1
        count = E.where(count == 0, E.ones_like(count), count)
        gi = g / count if include_self else (g / count).scatter(dim, index, 0.0)
        return gi, (g / count).gather(dim, index)
    if reduce in ("amax", "amin"):
        # the gradient is split evenly among all elements equal to the result
        sel_src = (src == out.gather(dim, index)).to(g.dtype)
        sel_self = (input == out).to(g.dtype) if include_self else E.zeros_like(out)
        if not include_self:
            touched = E.zeros_like(out).scatter(dim, index, 1.0)
            sel_self = E.where(touched == 0, E.ones_like(out), sel_self)
        count = sel_self + E.zeros_like(out).scatter_add(dim, index, sel_src)
        share = g / E.where(count == 0, E.ones_like(count), count)
        return share * sel_self, share.gather(dim, index) * sel_src
    if reduce == "prod":
        safe_src = E.where(src == 0, E.ones_like(src), src)
        gi = g * out / E.where(input == 0, E.ones_like(input), input) if include_self else \
            g.scatter(dim, index, 0.0)
        gs = (g * out).gather(dim, index) / safe_src
        return gi, gs
    raise RuntimeError(f"unknown reduce {reduce!r}")


@derivative("index_select", inputs=("input",), save=("index",))
def _index_select(ctx, g, input, dim, index, **kw):
    return _zeros_of(input, g).index_add(dim, index, g)


@derivative("index_add", "index_add_", inputs=("input", "source"), save=("index",))
def _index_add(ctx, g, input, dim, index, source, *, alpha=1, **kw):
    gs = g.index_select(dim, index) if source.dim() else g.index_select(dim, index).reshape(())
    return g, (gs if alpha == 1 else gs * alpha)


@derivative("index_copy", "index_copy_", inputs=("input", "source"), save=("index",))
def _index_copy(ctx, g, input, dim, index, source, **kw):
    gs = g.index_select(dim, index)
    return g.index_fill(dim, index, 0.0), (gs if source.dim() else gs.reshape(()))


class _DelayedError(Function):
    """Passes its input through; differentiating through it raises (torch's DelayedError)."""

    @staticmethod
    def forward(ctx, x, msg):
        ctx.msg = msg
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError(ctx.msg)


@derivative("index_reduce", "index_reduce_", inputs=("input", "source"),
            save=("input", "index", "source", "result"))
def _index_reduce(ctx, g, input, dim, index, source, reduce, *, include_self=True, **kw):
    """torch's index_reduce_backward; a tie for amax/amin shares the gradient evenly among the
    elements that reached the result (with include_self=False self's old values never do)."""
    out = ctx.out
    if reduce == "prod":
        one = E.ones_like(input)
        masked_self = E.where(input == 0, one, input)
        gi = g * masked_self.index_reduce(dim, index, source, "prod", include_self=include_self) \
            / masked_self
        # a source element that is the only zero of its slot: the product of the others
        src_zero = source == 0
        zeros = E.zeros_like(input).index_add(dim, index, src_zero.to(input.dtype))
        zeros = zeros.index_select(dim, index)
        single = src_zero & (zeros == 1)
        others = input.index_reduce(dim, index, source.masked_fill(single, 1.0), "prod",
                                    include_self=include_self)
        gs = E.where(single, (g * others).index_select(dim, index),
                     (g * out).index_select(dim, index) / source.masked_fill(src_zero, 1.0))
        if E.is_grad_enabled() and bool((zeros > 1).any()):
            gs = _DelayedError.apply(gs, "index_reduce(): Double backward is unsupported for "
                                     "source when >1 zeros in source are scattered to the same "
                                     "position in self")
    elif reduce == "mean":
        n = (E.ones_like(g) if include_self else E.zeros_like(g)).index_add(dim, index,
                                                                           E.ones_like(source))
        n = n.masked_fill(n == 0, 1.0)
        gi = g / n
        gs = g.index_select(dim, index) / n.index_select(dim, index)
    else:
        self_hit = (input == out).to(g.dtype)
        if not include_self:
            self_hit = self_hit.index_fill(dim, index, 0.0)
        src_hit = (source == out.index_select(dim, index)).to(g.dtype)
        share = g / self_hit.index_add(dim, index, src_hit)
        gi = self_hit * share
        gs = src_hit * share.index_select(dim, index)
    if not include_self:
        gi = gi.index_fill(dim, index, 0.0)
    return gi, gs


@derivative("index_fill", "index_fill_", inputs=("input",), save=("index",))
def _index_fill(ctx, g, input, dim, index, value, **kw):
    return g.index_fill(dim, index, 0.0)


@derivative("index_put", "index_put_", inputs=("input", "values"), save=("indices",))
def _index_put(ctx, g, input, indices, values, accumulate=False, **kw):
    gi = g if accumulate else g.index_put(tuple(indices), E.zeros((), dtype=g.dtype, device=g.device))
    return gi, g[tuple(indices)]


@derivative("masked_fill", "masked_fill_", inputs=("input", "value"), save=("mask",))
def _masked_fill(ctx, g, input, mask, value, **kw):
    gi = g.masked_fill(mask, 0.0)
    gv = E.where(mask, g, E.zeros_like(g)).sum() if isinstance(value, Tensor) else None
    return gi, gv


@derivative("masked_select", inputs=("input",), save=("mask",))
def _masked_select(ctx, g, input, mask, **kw):
    shape = E.broadcast_shapes(tuple(input._shape), tuple(mask._shape))
    z = E.zeros(shape, dtype=g.dtype, device=g.device)
    return z.masked_scatter(mask.expand(shape), g)


@derivative("masked_scatter", "masked_scatter_", inputs=("input", "source"), save=("mask",))
def _masked_scatter(ctx, g, input, mask, source, **kw):
    shape = E.broadcast_shapes(tuple(input._shape), tuple(mask._shape))
    m = mask.expand(shape)
    sel = g.masked_select(m)
    n = source.numel()
    pad = E.zeros(n - sel.numel(), dtype=g.dtype, device=g.device)
    gs = E.cat([sel, pad]).reshape(tuple(source._shape))
    return g.masked_fill(m, 0.0), gs


@derivative("take", inputs=("input",), save=("index",))
def _take(ctx, g, input, index, **kw):
    return _zeros_of(input, g).put(index, g, accumulate=True)


@derivative("put", "put_", inputs=("input", "source"), save=("index",))
def _put(ctx, g, input, index, source, accumulate=False, **kw):
    gi = g if accumulate else g.put(index, E.zeros_like(source, dtype=g.dtype))
    return gi, g.take(index).reshape(tuple(source._shape))


non_differentiable("nonzero", "argwhere", "searchsorted", "bucketize")
