"""Derivatives of reductions, scans, softmax and sorting (see derivatives.py for the conventions)."""
import ember
from ..tensor import Tensor
from .function import derivative, non_differentiable

E = ember


def _dims(dim, ndim):
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(ndim))
    if isinstance(dim, (tuple, list)):
        return tuple(sorted(d % ndim for d in dim)) if ndim else ()
    return (dim % ndim,) if ndim else ()


def _unreduce(g, meta, dim, keepdim):
    """Broadcastable-to-input form of a reduced gradient (reduced dims restored as size 1)."""
    nd = meta.dim()
    if not keepdim:
        for d in _dims(dim, nd):
            g = g.unsqueeze(d)
    return g


def _expand(g, meta, dim, keepdim):
    return _unreduce(g, meta, dim, keepdim).expand(tuple(meta._shape))


def _count(meta, dim):
    n = 1
    for d in _dims(dim, meta.dim()):
        n *= meta._shape[d]
    return n


# ------------------------------------------------------------------------------------------------
@derivative("sum", inputs=("input",), save=())
def _sum(ctx, g, input, dim=None, keepdim=False, **kw):
    return _expand(g, input, dim, keepdim)


@derivative("nansum", inputs=("input",), save=("input",))
def _nansum(ctx, g, input, dim=None, keepdim=False, **kw):
    ge = _expand(g, input, dim, keepdim)
    return E.where(E.isnan(input), E.zeros_like(ge), ge)


@derivative("mean", inputs=("input",), save=())
def _mean(ctx, g, input, dim=None, keepdim=False, **kw):
    return _expand(g, input, dim, keepdim) / _count(input, dim)


@derivative("nanmean", inputs=("input",), save=("input",))
def _nanmean(ctx, g, input, dim=None, keepdim=False, **kw):
    ok = ~E.isnan(input)
    cnt = ok.sum(dim=_dims(dim, input.dim()), keepdim=True).to(g.dtype)
    return E.where(ok, _unreduce(g, input, dim, keepdim) / cnt, E.zeros((), dtype=g.dtype, device=g.device))


def _exclusive_prod(x, d):
    """prod of all elements of each slice along d except the element itself (zeros handled)."""
    ones = E.ones_like(x.narrow(d, 0, 1))
    n = x._shape[d]
    left = E.cat([ones, x.narrow(d, 0, n - 1)], d).cumprod(d)
    rx = x.flip(d)
    right = E.cat([ones, rx.narrow(d, 0, n - 1)], d).cumprod(d).flip(d)
    return left * right


@derivative("prod", inputs=("input",), save=("input",))
def _prod(ctx, g, input, dim=None, keepdim=False, **kw):
    x = input if input.dtype is g.dtype else input.to(g.dtype)
    if dim is None:
        flat = x.reshape(-1)
        return (g * _exclusive_prod(flat, 0)).reshape(tuple(input._shape)) if flat.numel() else E.zeros_like(x)
    d = dim % max(x.dim(), 1)
    if x.dim() == 0:
        return g
    return _unreduce(g, input, dim, keepdim) * _exclusive_prod(x, d)


def _evenly(g, input, out, dim=None, keepdim=False):
    """Split the gradient evenly among the elements equal to the (max/min/median) result."""
    o = _unreduce(out, input, dim, keepdim)
    mask = (input == o).to(g.dtype)
    count = mask.sum(dim=_dims(dim, input.dim()), keepdim=True)
    return _unreduce(g, input, dim, keepdim) * mask / count


def _select_back(g, input, indices, dim, keepdim):
    """Gradient of a value-selecting reduction: g scattered to the selected indices."""
    if input.dim() == 0:
        return g
    if not keepdim:
        g = g.unsqueeze(dim)
        indices = indices.unsqueeze(dim)
    return E.zeros(tuple(input._shape), dtype=g.dtype, device=g.device).scatter(dim, indices, g)


@derivative("max", "min", inputs=("input", "dim"), save=("input", "dim", "result"))
def _max(ctx, g, input, dim=None, keepdim=False, **kw):
    if isinstance(dim, Tensor):                      # max(a, b): the binary maximum
        other = dim
        half = g * 0.5
        z = E.zeros_like(g)
        out = ctx.out
        return (E.where(input == out, E.where(other == out, half, g), z),
                E.where(other == out, E.where(input == out, half, g), z))
    if dim is None:
        return _evenly(g, input, ctx.out), None
    values, indices = ctx.out
    return _select_back(g[0], input, indices, dim % max(input.dim(), 1), keepdim), None


@derivative("amax", "amin", inputs=("input",), save=("input", "result"))
def _amax(ctx, g, input, dim=(), keepdim=False, **kw):
    return _evenly(g, input, ctx.out, dim, keepdim)


@derivative("aminmax", inputs=("input",), save=("input", "result"))
def _aminmax(ctx, g, input, *, dim=None, keepdim=False, **kw):
    mn, mx = ctx.out
    gmin, gmax = g
    return _evenly(gmin, input, mn, dim, keepdim) + _evenly(gmax, input, mx, dim, keepdim)


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


@derivative("var", inputs=("input",), save=("input",))
def _var(ctx, g, input, dim=None, unbiased=None, keepdim=False, *, correction=None, **kw):
    c = _correction(unbiased, correction)
    d = _dims(dim, input.dim())
    n = _count(input, dim)
    centered = input - input.mean(dim=d, keepdim=True)
    return _unreduce(g, input, dim, keepdim) * 2 * centered / max(n - c, 0)


@derivative("std", inputs=("input",), save=("input", "result"))
def _std(ctx, g, input, dim=None, unbiased=None, keepdim=False, *, correction=None, **kw):
    c = _correction(unbiased, correction)
    d = _dims(dim, input.dim())
    n = _count(input, dim)
    centered = input - input.mean(dim=d, keepdim=True)
    out = _unreduce(ctx.out, input, dim, keepdim)
    return _unreduce(g, input, dim, keepdim) * centered / (out * max(n - c, 0))


def _spread_mean(ctx, g, input, dim, unbiased, keepdim, correction, is_std):
    c = _correction(unbiased, correction)
    n = _count(input, dim)
    spread, mean = ctx.out
    gs, gm = g
    centered = input - _unreduce(mean, input, dim, keepdim)
    if is_std:
        part = _unreduce(gs, input, dim, keepdim) * centered / \
            (_unreduce(spread, input, dim, keepdim) * max(n - c, 0))
    else:
        part = _unreduce(gs, input, dim, keepdim) * 2 * centered / max(n - c, 0)
    return part + _expand(gm, input, dim, keepdim) / n


@derivative("var_mean", inputs=("input",), save=("input", "result"))
def _var_mean(ctx, g, input, dim=None, unbiased=None, keepdim=False, *, correction=None, **kw):
    return _spread_mean(ctx, g, input, dim, unbiased, keepdim, correction, False)


@derivative("std_mean", inputs=("input",), save=("input", "result"))
def _std_mean(ctx, g, input, dim=None, unbiased=None, keepdim=False, *, correction=None, **kw):
    return _spread_mean(ctx, g, input, dim, unbiased, keepdim, correction, True)


@derivative("logsumexp", inputs=("input",), save=("input", "result"))
def _logsumexp(ctx, g, input, dim, keepdim=False, **kw):
    out = _unreduce(ctx.out, input, dim, keepdim)
    return _unreduce(g, input, dim, keepdim) * E.exp(input - out)


@derivative("softmax", inputs=("input",), save=("result",))
def _softmax(ctx, g, input, dim, dtype=None, **kw):
    y = ctx.out
    return y * (g - (g * y).sum(dim, keepdim=True))


@derivative("log_softmax", inputs=("input",), save=("result",))
def _log_softmax(ctx, g, input, dim, dtype=None, **kw):
    return g - E.exp(ctx.out) * g.sum(dim, keepdim=True)


def _revcumsum(x, d):
    return x.flip(d).cumsum(d).flip(d)


@derivative("cumsum", "cumsum_", inputs=("input",), save=())
def _cumsum(ctx, g, input, dim, **kw):
    if g.dim() == 0:
        return g
    return _revcumsum(g, dim)


@derivative("cumprod", "cumprod_", inputs=("input",), save=("input", "result"))
def _cumprod(ctx, g, input, dim, **kw):
    """grad_k = sum_{j >= k} g_j prod_{i <= j, i != k} x_i, exact with zeros in x (torch's
    cumprod_backward): without zeros sum_{j >= k} g_j out_j / x_k; with zeros an O(n) masked
    form, or, when the backward is itself recorded (create_graph), the omitted products."""
    if g.dim() == 0 or g.numel() == 0:
        return g
    d = dim % g.dim()
    if g._shape[d] == 1:
        return g
    x = input if input.dtype is g.dtype else input.to(g.dtype)
    is_zero = x == 0
    if not bool(is_zero.any()):
        return _revcumsum(g * ctx.out, d) / x
    if E.is_grad_enabled():
        return _cumprod_omitted(g, x, d)
    one, zero = E.ones_like(x), E.zeros_like(x)
    seen = is_zero.cumsum(d)                     # zeros at or before each position
    before = seen == 0                           # k < z1: the no-zero formula holds
    gi = E.where(before, _revcumsum(E.where(before, g * ctx.out, zero), d)
                 / E.where(before, x, one), zero)
    # k = z1 (the first zero): prod(x[:z1]) * sum_{z1 <= j < z2} g_j prod(x[z1 + 1:j + 1])
    first = is_zero & (seen == 1)
    tail = E.where((seen == 1) & ~first, x, one).cumprod(d)
    s = (E.where(seen == 1, g, zero) * tail).sum(d, keepdim=True)
    head = E.where(before, x, one).prod(d, keepdim=True)
    return E.where(first, head * s, gi)                  # k > z1: 0


def _cumprod_omitted(g, x, d, block=1 << 22):
    """grad_k = prod_{i < k} x_i * sum_{j >= k} g_j prod_{k < i <= j} x_i through differentiable
    ops: an (n, n) matrix of partial products per slice, built for a block of k at a time so that
    at most ~`block` elements are live."""
    xm, gm = x.movedim(d, -1), g.movedim(d, -1)
    n = xm._shape[-1]
    ar = E.arange(n, device=x.device)
    ones = E.ones_like(xm.narrow(-1, 0, 1))
    left = E.cat([ones, xm.narrow(-1, 0, n - 1)], -1).cumprod(-1)      # prod_{i < k} x_i
    rows = max(1, block // max(1, xm.numel()))
    parts = []
    for k0 in range(0, n, rows):
        k = ar[k0:k0 + rows].unsqueeze(1)                              # (rows, 1)
        after = ar.unsqueeze(0) > k                                    # i > k
        part = E.where(after, xm.unsqueeze(-2), E.ones((), dtype=x.dtype, device=x.device))
        part = part.cumprod(-1)                                        # prod_{k < i <= j} x_i
        s = E.where(ar.unsqueeze(0) >= k, gm.unsqueeze(-2) * part,
                    E.zeros((), dtype=x.dtype, device=x.device)).sum(-1)
        parts.append(s)
    return (left * E.cat(parts, -1)).movedim(-1, d)


@derivative("logcumsumexp", inputs=("input",), save=("input", "result"))
def _logcumsumexp(ctx, g, input, dim, **kw):
    if g.dim() == 0:
        return g
    # sum_{j >= i} g_j exp(x_i - out_j), shifted by the row max for stability
    m = input.amax(dim=dim, keepdim=True)
    w = g * E.exp(m - ctx.out)
    return _revcumsum(w, dim) * E.exp(input - m)


@derivative("cummax", "cummin", inputs=("input",), save=("result",))
def _cummax(ctx, g, input, dim, **kw):
    values, indices = ctx.out
    if g[0].dim() == 0:
        return g[0]
    return E.zeros(tuple(input._shape), dtype=g[0].dtype, device=g[0].device).scatter_add(dim, indices, g[0])


@derivative("sort", inputs=("input",), save=("result",))
def _sort(ctx, g, input, dim=-1, descending=False, stable=False, **kw):
    values, indices = ctx.out
    if input.dim() == 0:
        return g[0]
    return E.zeros(tuple(input._shape), dtype=g[0].dtype, device=g[0].device).scatter(dim, indices, g[0])


@derivative("topk", inputs=("input",), save=("result",))
def _topk(ctx, g, input, k, dim=-1, largest=True, sorted=True, **kw):
    values, indices = ctx.out
    if input.dim() == 0:
        return g[0]
    return E.zeros(tuple(input._shape), dtype=g[0].dtype, device=g[0].device).scatter(dim, indices, g[0])


@derivative("kthvalue", inputs=("input",), save=("result",))
def _kthvalue(ctx, g, input, k, dim=-1, keepdim=False, **kw):
    return _select_back(g[0], input, ctx.out[1], dim % max(input.dim(), 1), keepdim)


@derivative("median", "nanmedian", inputs=("input",), save=("input", "result"))
def _median(ctx, g, input, dim=None, keepdim=False, **kw):
    if dim is None:
        return _evenly(g, input, ctx.out)
    return _select_back(g[0], input, ctx.out[1], dim % max(input.dim(), 1), keepdim)


@derivative("mode", inputs=("input",), save=("result",))
def _mode(ctx, g, input, dim=-1, keepdim=False, **kw):
    return _select_back(g[0], input, ctx.out[1], dim % max(input.dim(), 1), keepdim)


non_differentiable("argmax", "argmin", "all", "any", "count_nonzero", "argsort", "unique",
                   "unique_consecutive")


# ------------------------------------------------------------------------------------------------
# private primitives of the reduce/sort modules: recording them makes their composites (norm,
# quantile, ...) differentiable without a formula each
@derivative("_reduce", inputs=("x",), save=("x",))
def _reduce_private(ctx, g, op, x, dims, keepdim, dtype, scale=1.0):
    ge = _unreduce(g, x, tuple(dims), keepdim)
    xd = x if x.dtype is g.dtype else x.to(g.dtype)
    if op == "sum":
        r = ge.expand(tuple(x._shape))
    elif op == "sumsq":
        r = ge * 2 * xd
    elif op == "sumabs":
        r = ge * E.sign(xd)
    elif op in ("maxabs", "minabs"):
        red = E.amax if op == "maxabs" else E.amin
        out = red(E.abs(xd), dim=tuple(dims), keepdim=True)
        mask = (E.abs(xd) == out).to(g.dtype)
        r = ge * E.sign(xd) * mask / mask.sum(dim=tuple(dims), keepdim=True)
    elif op in ("max", "min"):
        out = (E.amax if op == "max" else E.amin)(xd, dim=tuple(dims), keepdim=True)
        mask = (xd == out).to(g.dtype)
        r = ge * mask / mask.sum(dim=tuple(dims), keepdim=True)
    elif op == "prod":
        return _prod(ctx, g, x, dim=tuple(dims)[0] if len(dims) == 1 else None, keepdim=keepdim)
    elif op == "count_nonzero":
        r = E.zeros_like(xd)
    else:
        raise RuntimeError(f"the derivative of the '{op}' reduction is not implemented")
    return r if scale == 1.0 else r * scale


@derivative("cast", inputs=("t",), save=())
def _cast(ctx, g, t, dtype):
    return g


@derivative("flat", inputs=("t",), save=())
def _flat(ctx, g, t):
    return g.reshape(tuple(t._shape))


@derivative("_sorted", inputs=("x",), save=("x", "result"))
def _sorted_private(ctx, g, x, dim, descending=False, values=True, indices=True):
    idx = ctx.out[1]
    if idx is None:
        idx = E.argsort(x, dim, descending=descending, stable=True)
    return E.zeros(tuple(x._shape), dtype=g[0].dtype, device=g[0].device).scatter(dim, idx, g[0])


def _quantile_reference(x, q, dim, keepdim, interpolation):
    """quantile written with differentiable ops: sort, then interpolate between order statistics."""
    import math
    qs = [float(q)] if not isinstance(q, Tensor) else [float(v) for v in q.reshape(-1).tolist()]
    if dim is None:
        xm, d = x.reshape(-1), 0
    else:
        d = dim % max(x.dim(), 1)
        xm = x if x.dim() else x.reshape(1)
    s = E.sort(xm.movedim(d, -1), -1).values
    n = s._shape[-1]
    outs = []
    for qv in qs:
        pos = qv * (n - 1)
        lo, hi = math.floor(pos), math.ceil(pos)
        frac = pos - lo
        if interpolation == "lower":
            hi, frac = lo, 0.0
        elif interpolation == "higher":
            lo, frac = hi, 0.0
        elif interpolation == "midpoint":
            frac = 0.5 if hi != lo else 0.0
        elif interpolation == "nearest":
            lo = hi = int(round(pos)) if pos - math.floor(pos) != 0.5 else (lo if lo % 2 == 0 else hi)
            frac = 0.0
        v = s.select(-1, lo) * (1 - frac) + s.select(-1, hi) * frac
        if keepdim:
            v = v.reshape((1,) * x.dim()) if dim is None else v.unsqueeze(d)
        outs.append(v)
    return outs[0] if not isinstance(q, Tensor) or q.dim() == 0 else E.stack(outs)


@derivative("quantile", "nanquantile", inputs=("input",), save=("input", "q"))
def _quantile(ctx, g, input, q, dim=None, keepdim=False, *, interpolation="linear", **kw):
    from .derivatives_linalg import _through
    return _through(lambda x: _quantile_reference(x, q, dim, keepdim, interpolation), (input,), g)[0]
