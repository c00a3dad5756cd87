"""ember.nn.utils: gradient clipping, parameter/vector conversion, RNN sequence packing."""
import importlib as _importlib

_MODULES = ["clip_grad", "convert_parameters", "rnn", "parametrize", "stateless"]
__all__ = []
for _m in _MODULES:
    try:
        _mod = _importlib.import_module(f"{__name__}.{_m}")
    except ModuleNotFoundError as _e:
        if _e.name != f"{__name__}.{_m}":
            raise
        continue
    globals()[_m] = _mod
    for _n in getattr(_mod, "__all__", ()):
        globals()[_n] = getattr(_mod, _n)
    __all__ += list(getattr(_mod, "__all__", ()))
del _importlib
