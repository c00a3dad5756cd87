"""ember.nn: modules, layers, losses, functional, init and utilities (as torch.nn)."""
from .parameter import Parameter, Buffer, UninitializedParameter
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from . import functional, init, utils

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "functional", "init", "utils"] + list(_modules_all)
