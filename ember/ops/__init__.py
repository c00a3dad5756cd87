"""The ops layer: every op defined once (checks, shapes, dtypes, output allocation, backend call).

Each module lists its public names in __all__; they are re-exported here and by `ember`.
"""
import importlib as _importlib

_MODULES = ["creation", "elementwise", "shape", "indexing", "reduce", "sorting", "linalg",
            "random", "interop", "misc"]
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
del _m, _mod, _importlib
