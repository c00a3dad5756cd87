"""ember.utils.data: datasets, samplers and the DataLoader (as torch.utils.data)."""
import importlib as _importlib

_MODULES = ["dataset", "sampler", "_collate", "dataloader", "_worker"]
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
del _importlib
