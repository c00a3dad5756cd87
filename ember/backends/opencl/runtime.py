"""OpenCL discovery: platforms and devices, found lazily (never at ``import ember``) and probed.

Every candidate device gets a context and an in-order queue and must build and run a tiny test
program; a device whose compiler (or driver) fails is skipped with a warning that says why. The
usable devices are numbered GPUs first (then accelerators, then CPUs), which gives 'opencl:N'.
``EMBER_OPENCL_DEVICE`` restricts the choice: "P:D" (platform index : device index, as
``python -m ember.opencl`` lists them) or a case-insensitive substring of the device or platform
name.
"""
import os
import re
import threading
import warnings

__all__ = ["ClDevice", "Discovery", "discover", "discovery", "devices", "get_device",
           "current_device", "set_device", "PROBE_SOURCE"]

PROBE_SOURCE = """
__kernel void ember_probe(__global int* x)
{
    int i = (int)get_global_id(0);
    x[i] = 2 * i + 1;
}
"""
_PROBE_N = 64


def _cl():
    import pyopencl as cl
    # Some runtimes (Intel's) print a build log on every build and pyopencl turns it into a warning.
    warnings.filterwarnings("ignore", category=cl.CompilerWarning)
    return cl


class ClDevice:
    """A usable OpenCL device: its context, in-order queue and the properties kernels care about."""

    def __init__(self, index, platform_index, device_index, cl_device, context, queue):
        cl = _cl()
        d = cl_device
        self.index = index
        self.platform_index = platform_index
        self.device_index = device_index
        self.cl_device = d
        self.context = context
        self.queue = queue
        self.name = d.name.strip()
        self.platform_name = d.platform.name.strip()
        self.platform_version = d.platform.version.strip()
        self.vendor = d.vendor.strip()
        self.version = d.version.strip()
        self.driver_version = d.driver_version.strip()
        self.type = _type_name(d.type)
        self.is_gpu = bool(d.type & cl.device_type.GPU)
        self.is_cpu = bool(d.type & cl.device_type.CPU)
        self.fp64 = "cl_khr_fp64" in d.extensions or bool(getattr(d, "double_fp_config", 0))
        self.correctly_rounded_div_sqrt = bool(
            d.single_fp_config & cl.device_fp_config.CORRECTLY_ROUNDED_DIVIDE_SQRT)
        self.total_memory = int(d.global_mem_size)
        self.max_alloc = int(d.max_mem_alloc_size)
        self.compute_units = int(d.max_compute_units)
        self.max_work_group_size = int(d.max_work_group_size)
        self.local_memory = int(d.local_mem_size)
        self.max_clock_mhz = int(d.max_clock_frequency)
        self.opencl_c_version = getattr(d, "opencl_c_version", "").strip()
        self.extensions = tuple(d.extensions.split())

    @property
    def key(self):
        """What identifies this device's compiled binaries."""
        return f"{self.platform_name}|{self.platform_version}|{self.name}|{self.driver_version}"

    def __repr__(self):
        return f"<opencl:{self.index} {self.name!r} ({self.type}, {self.platform_name})>"


class Candidate:
    """A device seen during discovery and what became of it."""

    def __init__(self, platform_index, device_index, name, platform_name, type_name):
        self.platform_index = platform_index
        self.device_index = device_index
        self.name = name
        self.platform_name = platform_name
        self.type = type_name
        self.status = "not probed"
        self.index = None            # its opencl:N when usable

    def __repr__(self):
        return f"<{self.platform_index}:{self.device_index} {self.name!r}: {self.status}>"


class Discovery:
    """The outcome of one discovery: usable devices (in opencl:N order), every candidate seen,
    why device 0 was chosen, and an error when none is usable."""

    def __init__(self, devices, candidates, reason, error):
        self.devices = devices
        self.candidates = candidates
        self.reason = reason
        self.error = error


def _type_name(t):
    import pyopencl as cl
    for flag, name in ((cl.device_type.GPU, "GPU"), (cl.device_type.ACCELERATOR, "accelerator"),
                       (cl.device_type.CPU, "CPU")):
        if t & flag:
            return name
    return "other"


_RANK = {"GPU": 0, "accelerator": 1, "other": 2, "CPU": 3}


def _platforms():
    """The OpenCL platforms (a seam for tests); none when no ICD is installed."""
    cl = _cl()
    try:
        return cl.get_platforms()
    except cl.Error:
        return []


def _probe(device, source=PROBE_SOURCE):
    """Context + in-order queue for `device`, after building and running a test program on it."""
    import numpy as np
    cl = _cl()
    ctx = cl.Context(devices=[device])
    # EMBER_OPENCL_PROFILE=1: events carry start/end times (benchmarks/gpu_bench.py --profile)
    props = (cl.command_queue_properties.PROFILING_ENABLE
             if os.environ.get("EMBER_OPENCL_PROFILE") == "1" else 0)
    queue = cl.CommandQueue(ctx, device, properties=props)
    prg = cl.Program(ctx, source).build(cache_dir=False)
    buf = cl.Buffer(ctx, cl.mem_flags.READ_WRITE, _PROBE_N * 4)
    prg.ember_probe(queue, (_PROBE_N,), None, buf)
    out = np.empty(_PROBE_N, np.int32)
    cl.enqueue_copy(queue, out, buf, is_blocking=True)
    if not np.array_equal(out, 2 * np.arange(_PROBE_N, dtype=np.int32) + 1):
        raise RuntimeError("the test kernel ran but produced wrong results")
    return ctx, queue


def _short(exc, limit=600):
    msg = " ".join(str(exc).split())
    return msg if len(msg) <= limit else msg[:limit] + " ..."


def _select(candidates, selector):
    """The candidates EMBER_OPENCL_DEVICE names ("P:D" or a name substring)."""
    m = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", selector)
    if m:
        p, d = int(m.group(1)), int(m.group(2))
        return [c for c in candidates if (c[0].platform_index, c[0].device_index) == (p, d)]
    s = selector.strip().lower()
    return [c for c in candidates if s in c[0].name.lower() or s in c[0].platform_name.lower()]


def discover(selector=None):
    """Enumerate, filter, order and probe OpenCL devices (warning for each one skipped).

    `selector` defaults to the EMBER_OPENCL_DEVICE environment variable.
    """
    if selector is None:
        selector = os.environ.get("EMBER_OPENCL_DEVICE") or None
    try:
        cl = _cl()
    except ImportError as e:
        return Discovery([], [], "", f"pyopencl is not installed ({e})")
    seen = []                     # (Candidate, cl device)
    for pi, plat in enumerate(_platforms()):
        try:
            devs = plat.get_devices()
        except cl.Error as e:
            warnings.warn(f"ember: skipping OpenCL platform {plat.name.strip()!r}: {_short(e)}",
                          RuntimeWarning, stacklevel=2)
            continue
        for di, d in enumerate(devs):
            cand = Candidate(pi, di, d.name.strip(), plat.name.strip(), _type_name(d.type))
            seen.append((cand, d))
    if not seen:
        return Discovery([], [], "", "no OpenCL platform or device was found (is an OpenCL driver "
                                     "installed? e.g. apt-get install pocl-opencl-icd)")
    chosen = seen
    if selector:
        chosen = _select(seen, selector)
        for c, _ in seen:
            c.status = "not selected (EMBER_OPENCL_DEVICE)"
        if not chosen:
            found = ", ".join(f"{c.platform_index}:{c.device_index} {c.name!r}" for c, _ in seen)
            err = (f"EMBER_OPENCL_DEVICE={selector!r} matches no OpenCL device (use 'P:D' or a "
                   f"name substring); found: {found}")
            warnings.warn("ember: " + err, RuntimeWarning, stacklevel=2)
            return Discovery([], [c for c, _ in seen], "", err)
    ordered = sorted(chosen, key=lambda cd: (_RANK[cd[0].type], cd[0].platform_index,
                                             cd[0].device_index))
    usable = []
    for cand, d in ordered:
        try:
            ctx, queue = _probe(d)
        except Exception as e:    # a broken compiler or driver: any error skips the device
            cand.status = f"skipped: {_short(e)}"
            warnings.warn(f"ember: skipping OpenCL device {cand.name!r} on {cand.platform_name!r}: "
                          f"building or running a test kernel failed: {_short(e)}",
                          RuntimeWarning, stacklevel=2)
            continue
        cand.index = len(usable)
        cand.status = f"usable as opencl:{cand.index}"
        usable.append(ClDevice(cand.index, cand.platform_index, cand.device_index, d, ctx, queue))
    if not usable:
        return Discovery([], [c for c, _ in seen], "",
                         "no OpenCL device could build and run a test kernel (see the warnings)")
    first = usable[0]
    if selector:
        reason = f"EMBER_OPENCL_DEVICE={selector!r} selects it"
    elif first.is_gpu:
        reason = "the first working GPU (GPUs are preferred)"
    else:
        reason = f"no working GPU found; the first working {first.type} device"
    return Discovery(usable, [c for c, _ in seen], reason, None)


_lock = threading.Lock()
_discovery = None
_current = 0


def discovery():
    """The process-wide discovery, run on first use."""
    global _discovery
    if _discovery is None:
        with _lock:
            if _discovery is None:
                _discovery = discover()
    return _discovery


def devices():
    return discovery().devices


def get_device(index=None):
    """The ClDevice for opencl:index (None: the current device); RuntimeError when absent."""
    disc = discovery()
    if disc.error:
        raise RuntimeError(f"OpenCL is not available: {disc.error}")
    if index is None:
        index = _current
    if not 0 <= index < len(disc.devices):
        raise RuntimeError(f"OpenCL device opencl:{index} does not exist: {len(disc.devices)} "
                           f"device(s) available (opencl:0 .. opencl:{len(disc.devices) - 1})")
    return disc.devices[index]


def current_device():
    return _current


def set_device(index):
    global _current
    if hasattr(index, "type"):            # an ember.device
        if index.type != "opencl":
            raise ValueError(f"Expected an opencl device, but got: {index}")
        index = index.index or 0
    get_device(int(index))                # validates
    _current = int(index)
