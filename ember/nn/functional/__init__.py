"""ember.nn.functional: the functional form of every layer and loss (as torch.nn.functional).

Each private module lists its public names in __all__; all are re-exported here.
"""
import importlib as _importlib

_MODULES = ["_activation", "_linear", "_dropout", "_embedding", "_padding", "_distance", "_conv",
            "_pooling", "_sampling", "_norm", "_loss", "_attention", "_misc"]
__all__ = []
for _m in _MODULES:
    try:
        _mod = _importlib.import_module(f"{__name__}.{_m}")
    except ModuleNotFoundError as _e:
        if _e.name != f"{__name__}.{_m}":
            raise
        continue
    for _n in getattr(_mod, "__all__", ()):
        globals()[_n] = getattr(_mod, _n)
    __all__ += list(getattr(_mod, "__all__", ()))
del _m, _importlib
