"""Tensor printing, formatted exactly like PyTorch's (torch/_tensor_str.py).

The algorithm: one formatter per tensor decides, from the nonzero finite values (only the edge
items when summarising), between integer mode ``1.``, fixed mode ``0.1000`` and scientific mode
``1.0000e-05`` and the common width of the elements; the elements are then laid out recursively,
wrapping 1-d rows at `linewidth` and summarising long dims with ``...``. Suffixes (device, dtype,
grad_fn ...) follow, each wrapped onto a new line when it would overflow.

Only the values that are printed are copied to the host: long dims are cut to their edge items on
the device, through views, before anything is transferred.
"""
import contextlib
import math

import numpy as np

from . import dtypes as _dt

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "tensor_repr"]


class _PrinterOptions:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


PRINT_OPTS = _PrinterOptions()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """Set printing options (torch.set_printoptions); `profile` is default / short / full."""
    if profile is not None:
        if profile == "default":
            PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems = 4, 1000, 3
            PRINT_OPTS.linewidth = 80
        elif profile == "short":
            PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems = 2, 1000, 2
            PRINT_OPTS.linewidth = 80
        elif profile == "full":
            PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems = 4, math.inf, 3
            PRINT_OPTS.linewidth = 80
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    # as PyTorch: sci_mode is always reset (None lets the formatter choose)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current printing options as a dict (keyword arguments of set_printoptions)."""
    return dict(precision=PRINT_OPTS.precision, threshold=PRINT_OPTS.threshold,
                edgeitems=PRINT_OPTS.edgeitems, linewidth=PRINT_OPTS.linewidth,
                sci_mode=PRINT_OPTS.sci_mode)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Context manager: set_printoptions(**kwargs) inside the block, restored on exit."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# ------------------------------------------------------------------------------------------------
# Host values
def _narrow(t, d, start, length):
    from .tensor import _make
    shape = t._shape[:d] + (length,) + t._shape[d + 1:]
    return _make(t._storage, shape, t._stride, t._offset + start * t._stride[d], t.dtype, t.device)


def _host(t):
    """A NumPy array of t's values; floating values as float64 (exact for every float dtype)."""
    a = np.asarray(t._host())
    if t.dtype is _dt.bfloat16:
        a = (a.astype(np.uint32) << 16).view(np.float32)
    if t.dtype.is_floating_point:
        return a.astype(np.float64)
    return np.array(a)


def _summarized_host(t, edge):
    """t's values keeping only the first and last `edge` entries of every dim longer than 2*edge."""
    def rec(v, d):
        if d == v.ndim:
            return _host(v)
        n = v._shape[d]
        if n > 2 * edge:
            return np.concatenate([rec(_narrow(v, d, 0, edge), d + 1),
                                   rec(_narrow(v, d, n - edge, edge), d + 1)], axis=d)
        return rec(v, d + 1)
    return rec(t, 0)


# ------------------------------------------------------------------------------------------------
# Formatting
class _Formatter:
    """Chooses the element format and common width from the values that will be printed."""

    def __init__(self, values, floating):
        self.floating_dtype = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        p = PRINT_OPTS.precision
        flat = values.reshape(-1)
        if not floating:
            for v in np.unique(flat).tolist():
                self.max_width = max(self.max_width, len(str(v)))
            return
        nz = flat[np.isfinite(flat) & (flat != 0)]
        if nz.size == 0:
            return      # PyTorch returns here too, before applying the sci_mode option
        nz_abs = np.abs(nz)
        lo, hi = float(nz_abs.min()), float(nz_abs.max())
        uniq = np.unique(nz).tolist()       # widths depend on the values only, not their count
        self.int_mode = bool(np.all(nz == np.ceil(nz)))
        if self.int_mode:
            if hi / lo > 1000.0 or hi > 1.0e8:
                self.sci_mode = True
                self.max_width = max(len(f"{v:.{p}e}") for v in uniq)
            else:
                # integer-valued floats print as "3." : one more char than the integer
                self.max_width = max(len(f"{v:.0f}") + 1 for v in uniq)
        else:
            if hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4:
                self.sci_mode = True
                self.max_width = max(len(f"{v:.{p}e}") for v in uniq)
            else:
                self.max_width = max(len(f"{v:.{p}f}") for v in uniq)
        if PRINT_OPTS.sci_mode is not None:
            self.sci_mode = PRINT_OPTS.sci_mode

    def width(self):
        return self.max_width

    def format(self, value):
        if self.floating_dtype:
            p = PRINT_OPTS.precision
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{p}f}"
        else:
            ret = str(value)
        return (self.max_width - len(ret)) * " " + ret


def _vector_str(values, n, indent, summarize, formatter):
    """One bracketed row; `values` holds the printed entries of a dim of original length n."""
    edge = PRINT_OPTS.edgeitems
    element_length = formatter.width() + 2          # ", " between elements
    per_line = max(1, int(math.floor((PRINT_OPTS.linewidth - indent) / element_length)))
    vals = values.tolist()
    if summarize and n > 2 * edge:
        data = ([formatter.format(v) for v in vals[:edge]] + [" ..."]
                + [formatter.format(v) for v in vals[-edge:]])
    else:
        data = [formatter.format(v) for v in vals]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str_with_formatter(values, shape, indent, summarize, formatter):
    dim = len(shape)
    if dim == 0:
        return formatter.format(values.item())
    if dim == 1:
        return _vector_str(values, shape[0], indent, summarize, formatter)
    edge = PRINT_OPTS.edgeitems
    sub = shape[1:]
    if summarize and shape[0] > 2 * edge:
        slices = ([_tensor_str_with_formatter(values[i], sub, indent + 1, summarize, formatter)
                   for i in range(edge)]
                  + ["..."]
                  + [_tensor_str_with_formatter(values[i], sub, indent + 1, summarize, formatter)
                     for i in range(edge, 2 * edge)])
    else:
        slices = [_tensor_str_with_formatter(values[i], sub, indent + 1, summarize, formatter)
                  for i in range(shape[0])]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices) + "]"


def _tensor_str(t, indent):
    if t.numel() == 0:
        return "[]"
    summarize = t.numel() > PRINT_OPTS.threshold
    values = _summarized_host(t, PRINT_OPTS.edgeitems) if summarize else _host(t)
    formatter = _Formatter(values, t.dtype.is_floating_point)
    return _tensor_str_with_formatter(values, tuple(t._shape), indent, summarize, formatter)


def _add_suffixes(tensor_str, suffixes, indent):
    strs = [tensor_str]
    # (sic) PyTorch's count: 2 more than the last line's length when there is a single line
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            strs.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            strs.append(", " + suffix)
            last_line_len += len(suffix) + 2
    strs.append(")")
    return "".join(strs)


def _grad_fn_name(fn):
    name = getattr(fn, "name", None)
    if callable(name):
        return str(name()).rsplit("::", 1)[-1]
    return type(fn).__name__


def tensor_repr(t):
    """repr(t) / str(t), as PyTorch prints tensors."""
    from .tensor import Tensor
    cls = type(t)
    prefix = "tensor(" if cls is Tensor or cls.__name__ == "Parameter" else f"{cls.__name__}("
    indent = len(prefix)
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device.type}:{t.device.index or 0}'")
    default_float = _dt.get_default_dtype()
    if t.numel() == 0:
        # numpy-style: the shape is shown unless it is (0,); the dtype can't be inferred from []
        if t.dim() != 1:
            suffixes.append("size=" + str(tuple(t._shape)))
        if t.dtype is not default_float:
            suffixes.append("dtype=" + repr(t.dtype))
        body = "[]"
    else:
        if t.dtype not in (default_float, _dt.int64, _dt.bool):
            suffixes.append("dtype=" + repr(t.dtype))
        body = _tensor_str(t, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{_grad_fn_name(t.grad_fn)}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
