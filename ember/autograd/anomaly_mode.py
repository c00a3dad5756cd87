"""Anomaly detection: remember where each node was created and fail on NaN/inf gradients."""
import traceback
import warnings

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled"]

_enabled = False


def is_anomaly_enabled():
    return _enabled


class detect_anomaly:
    """Context manager / decorator: record forward stacks; a backward producing NaN raises,
    naming the forward op and where it ran."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        self.prev = None

    def __enter__(self):
        global _enabled
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and "
                      "should only be enabled for debugging.", UserWarning, stacklevel=2)
        self.prev = _enabled
        _enabled = True

    def __exit__(self, *exc):
        global _enabled
        _enabled = self.prev
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with self.__class__(self.check_nan):
                return fn(*a, **k)
        return wrapper


class set_detect_anomaly:
    def __init__(self, mode, check_nan=True):
        global _enabled
        self.prev = _enabled
        _enabled = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global _enabled
        _enabled = self.prev
        return False


def record_trace(node):
    node._trace = "".join(traceback.format_stack()[:-3])


def check(node, grad_inputs):
    from ..ops.elementwise import isnan
    for i, g in enumerate(grad_inputs):
        if g is not None and g.dtype.is_floating_point and g.numel() and bool(isnan(g).any()):
            msg = f"Function '{node.name()}' returned nan values in its {i}th output."
            if node._trace:
                msg += "\nTraceback of forward call that caused the error:\n" + node._trace
            raise RuntimeError(msg)
