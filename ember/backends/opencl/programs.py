"""The program cache: each (device, source, options) is built once per context and kept.

In memory, a dict per device. On disk, the device binaries, keyed by a SHA-256 of the source with
its headers inlined, the build options, the device (platform, name, driver version) and the
pyopencl version, under ``$EMBER_CACHE_DIR/opencl`` (default ``~/.cache/ember/opencl``): a second
process loads binaries and builds nothing from source.

Except where the driver already caches source builds itself, the rule pyopencl follows too
(``has_src_build_cache``: PoCL, NVIDIA). There our binaries would only cost: measured on PoCL,
extracting the binary of the unary float32 program takes 7.6 s (PoCL compiles every kernel for
it) against 0.8 s for the build, and PoCL's own cache (~/.cache/pocl) makes a second process's
build of the same source a 0.03 s lookup. ``EMBER_OPENCL_BINARY_CACHE=1`` (or 0) forces our binary
cache on (off) for every device.

``stats`` counts source builds and binary loads (the tests read it); ``EMBER_OPENCL_LOG_BUILDS=1``
logs every build to stderr.

Sources live in kernels_cl/ (package data ``ember.kernels_cl``); ``#include "x.h"`` is inlined
here, so no -I path (spaces in it break some compilers) and the hash covers the headers.
"""
import hashlib
import os
import re
import sys
import tempfile
import threading
import time

__all__ = ["ProgramCache", "Program", "stats", "kernel_dir", "load_source", "cache_dir"]

stats = {"source_builds": 0, "binary_loads": 0, "build_seconds": 0.0}
_FORMAT = "ember-opencl-1"        # bump to invalidate every cached binary
_sources = {}
_lock = threading.RLock()


def kernel_dir():
    """The folder holding the .cl sources (installed package data or the source checkout)."""
    here = os.path.dirname(os.path.abspath(__file__))
    ember_dir = os.path.dirname(os.path.dirname(here))
    for cand in (os.path.join(ember_dir, "kernels_cl"),
                 os.path.join(os.path.dirname(ember_dir), "kernels_cl")):
        if os.path.isfile(os.path.join(cand, "common.h")):
            return cand
    try:
        import importlib.util
        spec = importlib.util.find_spec("ember.kernels_cl")
        if spec is not None and spec.submodule_search_locations:
            return list(spec.submodule_search_locations)[0]
    except ImportError:
        pass
    raise RuntimeError("ember: the OpenCL kernel sources (kernels_cl/) were not found")


def load_source(name):
    """The text of kernels_cl/`name` with its #include "..." lines inlined (each header once)."""
    text = _sources.get(name)
    if text is None:
        base = kernel_dir()

        def expand(fname, seen):
            if fname in seen:
                return ""
            seen.add(fname)
            with open(os.path.join(base, fname), encoding="utf-8") as fh:
                src = fh.read()
            return re.sub(r'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"[^\n]*$',
                          lambda m: f"/* ---- {m.group(1)} ---- */\n" + expand(m.group(1), seen),
                          src, flags=re.M)
        text = _sources[name] = expand(name, set())
    return text


def cache_dir():
    root = os.environ.get("EMBER_CACHE_DIR")
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(xdg, "ember")
    return os.path.join(root, "opencl")


class Program:
    """A built program and its kernels (created once each: kernel objects are not free)."""

    def __init__(self, prg, cldev):
        import pyopencl as cl
        self.prg = prg
        self.dev = cldev
        names = prg.get_info(cl.program_info.KERNEL_NAMES)
        self.names = frozenset(n for n in names.split(";") if n)
        self._kernels = {}

    def kernel(self, name, argtypes=None):
        """(kernel, its maximum work-group size on this device).

        `argtypes`: the NumPy dtype of each scalar argument (None for buffers), set once. Typed
        arguments make set_args take ~1 us instead of ~90 us (pyopencl's generic path).
        """
        hit = self._kernels.get(name)
        if hit is None:
            import pyopencl as cl
            k = cl.Kernel(self.prg, name)
            if argtypes is not None:
                k.set_scalar_arg_dtypes(argtypes)
            wg = k.get_work_group_info(cl.kernel_work_group_info.WORK_GROUP_SIZE,
                                       self.dev.cl_device)
            hit = self._kernels[name] = (k, int(wg))
        return hit

    def __contains__(self, name):
        return name in self.names


class ProgramCache:
    """Built programs of one device, by (source name, defines)."""

    def __init__(self, cldev):
        self.dev = cldev
        self._mem = {}
        self._locks = {}
        self._keys = {}

    @property
    def use_binaries(self):
        """Whether binaries go to (and come from) our disk cache on this device."""
        force = os.environ.get("EMBER_OPENCL_BINARY_CACHE")
        if force in ("0", "1"):
            return force == "1"
        try:
            from pyopencl.characterize import has_src_build_cache
            return not has_src_build_cache(self.dev.cl_device)
        except Exception:
            return True

    def options(self, defines):
        opts = [f"-D{k}={v}" for k, v in defines]
        if self.dev.fp64:
            opts.append("-DEMBER_FP64=1")
        else:
            opts.append("-cl-single-precision-constant")     # unsuffixed literals are float
        if self.dev.correctly_rounded_div_sqrt:
            # without it OpenCL allows 2.5 ulp divisions and 3 ulp square roots on float
            opts.append("-cl-fp32-correctly-rounded-divide-sqrt")
        return " ".join(opts)

    def get(self, source, defines=()):
        """The Program for kernels_cl/`source` built with -D`defines` ((name, value) pairs)."""
        if defines.__class__ is not tuple:
            defines = tuple(tuple(d) for d in defines)
        ck = (source, defines)
        key = self._keys.get(ck)                # the options string, built once per defines
        if key is None:
            key = self._keys[ck] = (source, self.options(defines))
        options = key[1]
        prg = self._mem.get(key)
        if prg is None:
            # one lock per program: different programs build concurrently (warmup's threads;
            # pyopencl releases the GIL while the driver compiles), one program once
            with _lock:
                klock = self._locks.setdefault(key, threading.Lock())
            with klock:
                prg = self._mem.get(key)
                if prg is None:
                    prg = self._mem[key] = Program(self._build(source, options), self.dev)
        return prg

    def _build(self, source, options):
        import pyopencl as cl
        text = load_source(source)
        digest = hashlib.sha256("\0".join(
            (_FORMAT, text, options, self.dev.key, cl.VERSION_TEXT)).encode()).hexdigest()
        path = os.path.join(cache_dir(), f"{os.path.splitext(source)[0]}-{digest[:40]}.bin")
        ctx, device = self.dev.context, self.dev.cl_device
        t0 = time.perf_counter()
        binaries = self.use_binaries
        if binaries:
            try:
                with open(path, "rb") as fh:
                    binary = fh.read()
                prg = cl.Program(ctx, [device], [binary]).build(options=options)
                stats["binary_loads"] += 1
                self._log("loaded", source, options, t0)
                return prg
            except (OSError, cl.Error):
                pass              # no cached binary (or a stale one the driver refuses)
        # Some drivers (Intel's, NVIDIA's) return a build log for every build, which pyopencl
        # raises as a CompilerWarning: ignored by a filter set when pyopencl is first imported
        # (runtime._cl; pyproject's pytest filterwarnings for the tests); the log is printed by
        # EMBER_OPENCL_LOG_BUILDS=1.
        try:
            prg = cl.Program(ctx, text).build(options=options, cache_dir=False)
        except cl.Error as e:
            raise RuntimeError(f"ember: building kernels_cl/{source} ({options}) failed on "
                               f"OpenCL device {self.dev.name!r}:\n{e}") from None
        stats["source_builds"] += 1
        stats["build_seconds"] += time.perf_counter() - t0
        self._log("built", source, options, t0)
        if os.environ.get("EMBER_OPENCL_LOG_BUILDS") == "1":
            log = prg.get_build_info(device, cl.program_build_info.LOG).strip()
            if log:
                print(f"ember: build log of {source} [{options}]:\n{log}", file=sys.stderr)
        if binaries:
            self._save(path, prg)
        return prg

    @staticmethod
    def _save(path, prg):
        import pyopencl as cl
        try:
            binary = prg.get_info(cl.program_info.BINARIES)[0]
            if not binary:
                return
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(binary)
            os.replace(tmp, path)          # atomic: concurrent processes never see half a file
        except OSError:
            pass                           # a read-only cache only costs rebuilds

    def _log(self, what, source, options, t0):
        if os.environ.get("EMBER_OPENCL_LOG_BUILDS") == "1":
            print(f"ember: {what} {source} [{options}] for {self.dev.name!r} in "
                  f"{time.perf_counter() - t0:.2f} s", file=sys.stderr)
