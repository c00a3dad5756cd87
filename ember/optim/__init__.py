"""ember.optim: optimizers and learning-rate schedulers (as torch.optim)."""
import importlib as _importlib

_MODULES = ["optimizer", "sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam",
            "radam", "lbfgs"]
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
try:
    lr_scheduler = _importlib.import_module(f"{__name__}.lr_scheduler")
except ModuleNotFoundError as _e:
    if _e.name != f"{__name__}.lr_scheduler":
        raise
del _importlib
