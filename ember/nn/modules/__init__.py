"""The layer classes. Each module file lists its public names in __all__; all are re-exported."""
import importlib as _importlib

# one file per family (PyTorch's layout); a missing file is skipped so families can land separately
_MODULES = ["module", "container", "linear", "flatten", "activation", "dropout", "sparse", "conv",
            "pooling", "upsampling", "pixelshuffle", "padding", "fold", "normalization", "batchnorm",
            "instancenorm", "loss", "rnn", "attention", "transformer", "distance", "channelshuffle"]
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
