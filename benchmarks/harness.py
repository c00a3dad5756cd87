"""Benchmark harness: the case registry, framework adapters and the interleaved timer.

A case is registered with one call to :func:`case` (see cases.py); the runner (run.py) picks the
cases, times them with :func:`measure` and renders the table. Nothing here imports torch unless
it is installed: torch is an optional comparison, never a dependency.
"""
import gc
import itertools
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

FRAMEWORKS = ("ember", "numpy", "torch")
NO_IMPL = "no implementation registered"


class NotAvailable(Exception):
    """The op a case needs does not exist (yet) in this framework."""


# -- targets --------------------------------------------------------------------------------------

@dataclass
class Target:
    """Pass when time(ref) / time(ember) >= min_ratio (so ratios > 1 mean ember is faster)."""
    ref: str
    min_ratio: float
    text: str


def vs_numpy(min_ratio):
    """Ember must be at least `min_ratio` times as fast as NumPy."""
    return Target("numpy", min_ratio, f">={min_ratio:g}x NumPy")


def vs_ember_cpu(min_ratio):
    """Ember on this device must be at least `min_ratio` times as fast as ember on the CPU
    backend (the case's ``ember_cpu`` implementation, timed in the same run)."""
    return Target("ember_cpu", min_ratio, f">={min_ratio:g}x ember CPU")


def at_most_x_torch(factor):
    """Ember's time may be at most `factor` times torch's (per-call overhead targets)."""
    return Target("torch", 1.0 / factor, f"<={factor:g}x torch time")


# -- the registry ---------------------------------------------------------------------------------

@dataclass
class Case:
    name: str
    group: str
    inputs: Callable[[bool], list]          # quick -> list of NumPy arrays (converted per framework)
    impls: dict                             # framework -> callable
    target: Optional[Target] = None
    factory: bool = False                   # impls build the timed zero-arg callable from the inputs
    blas: bool = False                      # run in child processes per OpenBLAS environment
    check: object = True                    # True: results vs NumPy's; "torch": ember's vs torch's
    rtol: float = 1e-3
    shape: Optional[Callable[[bool], str]] = None   # label override; default: first input's shape
    settle: float = 0.0                     # seconds to sleep before each timed batch (see case())


CASES = {}


def case(name, group, inputs, *, ember=None, numpy=None, torch=None, target=None, factory=False,
         blas=False, check=True, rtol=1e-3, shape=None, settle=0.0, ember_cpu=None):
    """Register a benchmark case; each framework callable is optional.

    `inputs(quick)` returns NumPy arrays; every framework gets its own copy converted to its
    tensor type and the callable is timed as `fn(*converted)` (or, with ``factory=True``, called
    once as `fn(*converted)` to build the zero-argument callable that is timed).
    `settle` sleeps before each timed batch: OpenBLAS worker threads busy-wait for ~0.1 s after a
    call, which on a small machine would steal a core from whichever framework is timed next.
    `check=True` compares each framework's first result with NumPy's, ``check="torch"`` ember's
    with torch's (cases without a NumPy version, e.g. training steps), `check=False` neither.
    """
    if name in CASES:
        raise ValueError(f"duplicate benchmark case {name!r}")
    impls = {k: v for k, v in (("ember", ember), ("numpy", numpy), ("torch", torch),
                               ("ember_cpu", ember_cpu)) if v is not None}
    CASES[name] = Case(name, group, inputs, impls, target, factory, blas, check, rtol, shape, settle)
    return CASES[name]


def ember_op(*paths):
    """A callable that forwards to the first of `paths` ("sum", "nn.functional.softmax") that
    exists in ember, resolved on first use so a missing op makes its case "n/a", not a crash."""
    found = []

    def call(*args, **kwargs):
        if not found:
            import ember
            for path in paths:
                obj = ember
                try:
                    for part in path.split("."):
                        obj = getattr(obj, part)
                except AttributeError:
                    continue
                found.append(obj)
                break
            else:
                raise NotAvailable("ember has no " + " / ".join(f"ember.{p}" for p in paths))
        return found[0](*args, **kwargs)

    return call


# -- framework adapters ---------------------------------------------------------------------------

def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def torch_available():
    import importlib.util
    return importlib.util.find_spec("torch") is not None


def convert(fw, arr):
    """`arr` (NumPy) as framework `fw`'s tensor, in memory that framework owns."""
    if fw == "numpy":
        return np.array(arr, copy=True)
    if fw in ("ember", "ember_cpu"):
        import ember
        return ember.tensor(arr)
    return _torch().from_numpy(np.array(arr, copy=True))


def to_numpy(fw, value):
    if fw in ("ember", "ember_cpu"):
        import ember
        if isinstance(value, ember.Tensor):
            return np.asarray(value.numpy())
    elif fw == "torch":
        torch = _torch()
        if isinstance(value, torch.Tensor):
            return value.detach().numpy()
    return np.asarray(value)


# -- timing ---------------------------------------------------------------------------------------

@dataclass
class Result:
    name: str
    group: str
    shape: str
    label: str = ""                           # e.g. "env as set" for the OpenBLAS child rows
    times: dict = field(default_factory=dict)   # framework -> median seconds per call
    best: dict = field(default_factory=dict)    # framework -> fastest repetition, seconds per call
    errors: dict = field(default_factory=dict)  # framework -> why it is n/a
    wrong: dict = field(default_factory=dict)   # framework -> mismatch description
    numbers: dict = field(default_factory=dict)  # framework -> calls per timed repetition
    remarks: list = field(default_factory=list)  # e.g. "started while the CPUs were busy"

    def to_json(self):
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, d):
        return cls(**d)


def _shape_label(c, arrays, quick):
    if c.shape is not None:
        return c.shape(quick)
    if not arrays:
        return ""
    return "x".join(str(n) for n in arrays[0].shape) or "scalar"


def _mismatch(got, ref, rtol, ref_name="NumPy"):
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if got.shape != ref.shape:
        return f"shape {got.shape} != {ref_name}'s {ref.shape}"
    if ref.size == 0:
        return None
    scale = max(1.0, float(np.max(np.abs(ref))))
    err = float(np.max(np.abs(got - ref)))
    if not np.isfinite(err) or err > rtol * scale:
        return f"max abs error {err:.3g} vs {ref_name} (allowed {rtol * scale:.3g})"
    return None


def _batch(fn, args, number):
    # perf_counter around a tight loop, like timeit; the loop and call overhead (~0.05 us) is the
    # same for every framework.
    loop = itertools.repeat(None, number)
    t0 = time.perf_counter()
    for _ in loop:
        fn(*args)
    return time.perf_counter() - t0


def _calibrate(fn, args, min_time):
    """Calls per repetition so one repetition lasts about `min_time` seconds."""
    number = 1
    while True:
        total = _batch(fn, args, number)
        if total >= min_time or number >= 10**6:
            return number
        if total < min_time / 10:
            number *= 10
        else:
            return max(1, math.ceil(number * min_time / max(total, 1e-9)))


def measure(c, frameworks, quick=False, reps=7, min_time=0.05, label="", settle=True):
    """Time case `c` for each framework, interleaved rep by rep; returns a :class:`Result`.

    `settle=False` skips the case's settle sleeps (smoke runs).
    """
    arrays = [np.asarray(a) for a in c.inputs(quick)]
    res = Result(c.name, c.group, _shape_label(c, arrays, quick), label)
    ref, firsts = None, {}
    if c.check is True and "numpy" in c.impls:
        fn = c.impls["numpy"]
        ref = (fn(*arrays)() if c.factory else fn(*arrays))
        ref = np.asarray(ref)
    runnable = {}
    # a case's ember_cpu baseline (OpenCL cases) runs along with ember, outside the columns
    frameworks = list(frameworks) + (["ember_cpu"] if "ember_cpu" in c.impls and
                                     "ember" in frameworks else [])
    for fw in frameworks:
        if fw not in c.impls:
            res.errors[fw] = NO_IMPL
            continue
        try:
            args = [convert(fw, a) for a in arrays]
            fn = c.impls[fw]
            if c.factory:
                fn, args = fn(*args), []
            out = fn(*args)                  # warm-up 1, also the result that is checked
            if ref is not None:
                bad = _mismatch(to_numpy(fw, out), ref, c.rtol)
                if bad:
                    res.wrong[fw] = bad
            if c.check == "torch":
                firsts[fw] = to_numpy(fw, out)
            del out
            fn(*args)                        # warm-up 2
        except NotAvailable as e:
            res.errors[fw] = str(e)
            continue
        except Exception as e:               # an op that exists but fails is reported, not fatal
            res.errors[fw] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:160]
            continue
        runnable[fw] = (fn, args)
    if c.check == "torch" and {"ember", "torch"} <= firsts.keys():
        bad = _mismatch(firsts["ember"], firsts["torch"], c.rtol, "torch")
        if bad:
            res.wrong["ember"] = bad
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for fw, (fn, args) in runnable.items():
            res.numbers[fw] = _calibrate(fn, args, min_time)
        samples = {fw: [] for fw in runnable}
        order = list(runnable)
        for rep in range(reps):
            # rotate the order each repetition so no framework always runs first (cold caches)
            k = rep % max(1, len(order))
            for fw in order[k:] + order[:k]:
                fn, args = runnable[fw]
                n = res.numbers[fw]
                if c.settle and settle:
                    time.sleep(c.settle)
                samples[fw].append(_batch(fn, args, n) / n)
    finally:
        if gc_was:
            gc.enable()
    for fw, s in samples.items():
        res.times[fw] = statistics.median(s)
        res.best[fw] = min(s)
    return res


# -- memory over a long run (run.py --memory: one fresh process per case and framework) ----------

def rss_bytes():
    """This process's resident set size now, or None where /proc/self/statm is missing."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def peak_rss_bytes():
    """This process's peak resident set size so far.

    /proc/self/status VmHWM where it exists: getrusage's ru_maxrss survives exec on Linux, so a
    child started from a big parent (the runner, with both frameworks loaded) would report the
    parent's size. Elsewhere getrusage (KiB on Linux, bytes on macOS).
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


@dataclass
class MemoryResult:
    name: str
    framework: str
    steps: int
    early_step: int                  # the step whose RSS `early` is (100, or steps // 2 if fewer)
    base: Optional[int] = None       # RSS in bytes after importing the framework, before setup
    early: Optional[int] = None      # RSS after step `early_step`
    end: Optional[int] = None        # RSS after the last step
    peak: Optional[int] = None       # peak RSS of the whole process (getrusage)
    seconds: Optional[float] = None  # wall time of all the steps
    error: Optional[str] = None      # why the figures are missing
    remarks: list = field(default_factory=list)  # e.g. "started while the CPUs were busy"

    def to_json(self):
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, d):
        return cls(**d)

    def growth(self):
        """Relative RSS growth from step `early_step` to the end (None when unknown)."""
        if not self.early or self.end is None:
            return None
        return (self.end - self.early) / self.early


def measure_memory(c, fw, steps, quick=False):
    """Run case `c` (a factory case: one call is one training step) for `steps` steps in
    framework `fw` and record resident memory. Meant for a fresh process that has imported `fw`
    and nothing of the other frameworks, so that the figures are that framework's alone."""
    early_step = min(100, max(1, steps // 2))
    res = MemoryResult(c.name, fw, steps, early_step, base=rss_bytes())
    try:
        args = [convert(fw, np.asarray(a)) for a in c.inputs(quick)]
        step = c.impls[fw](*args)
        t0 = time.perf_counter()
        for i in range(1, steps + 1):
            step()
            if i == early_step:
                res.early = rss_bytes()
        res.seconds = time.perf_counter() - t0
        res.end = rss_bytes()
    except Exception as e:           # reported in the table's notes, never fatal
        res.error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:160]
    res.peak = peak_rss_bytes()
    return res
