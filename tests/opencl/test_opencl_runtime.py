"""The OpenCL runtime: discovery (and skipping a device whose compiler fails), the caching
allocator, the program cache (in memory and across processes), ember.opencl / ember.cuda and
`python -m ember.opencl`."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import ember
from cltools import ocl, backend, host, cl_tensor  # noqa: F401  (fixtures)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(ember.__file__)))


def run_python(code, env=None, args=()):
    e = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    e.update(env or {})
    return subprocess.run([sys.executable, *(["-c", code] if code else []), *args], env=e,
                          cwd=REPO, capture_output=True, text=True, timeout=300)


# ------------------------------------------------------------------------------------------------
# discovery
class _FakeDevice:
    """A GPU on a platform whose compiler is broken (its probe builds invalid source)."""

    def __init__(self, cl):
        self.name = "Broken GPU"
        self.type = cl.device_type.GPU


class _FakePlatform:
    name = "Fake Broken Platform"

    def __init__(self, dev):
        self._dev = dev

    def get_devices(self):
        return [self._dev]


def test_a_device_whose_build_fails_is_skipped_with_a_warning(ocl, monkeypatch):
    import pyopencl as cl
    from ember.backends.opencl import runtime
    real = runtime._platforms()
    real_dev = real[0].get_devices()[0]
    fake = _FakeDevice(cl)
    orig = runtime._probe

    def probe(d, source=runtime.PROBE_SOURCE):
        if d is fake:                      # a real compiler failing on this "device"
            return orig(real_dev, "__kernel void ember_probe(__global int* x) { not C; }")
        return orig(d, source)
    monkeypatch.setattr(runtime, "_platforms", lambda: [_FakePlatform(fake)] + real)
    monkeypatch.setattr(runtime, "_probe", probe)
    with pytest.warns(RuntimeWarning, match=r"skipping OpenCL device 'Broken GPU' on 'Fake Broken "
                                            r"Platform': building or running a test kernel failed"):
        disc = runtime.discover(selector="")
    assert disc.error is None and disc.devices
    assert all(d.name != "Broken GPU" for d in disc.devices)
    broken = [c for c in disc.candidates if c.name == "Broken GPU"][0]
    assert broken.status.startswith("skipped:") and broken.index is None
    # the GPU was tried first (GPUs are preferred), then a working device was chosen
    assert disc.devices[0].index == 0
    assert "GPU" in disc.reason or disc.devices[0].is_gpu


def test_selection_by_env_var(ocl):
    from ember.backends.opencl import runtime
    first = runtime.devices()[0]
    by_index = runtime.discover(selector=f"{first.platform_index}:{first.device_index}")
    assert [d.name for d in by_index.devices] == [first.name]
    assert "EMBER_OPENCL_DEVICE" in by_index.reason
    by_name = runtime.discover(selector=first.name[:6].upper())
    assert first.name in [d.name for d in by_name.devices]
    with pytest.warns(RuntimeWarning, match="matches no OpenCL device"):
        none = runtime.discover(selector="no-such-device-xyz")
    assert not none.devices and "no-such-device-xyz" in none.error


def test_no_platform_means_unavailable(monkeypatch):
    from ember.backends.opencl import runtime
    monkeypatch.setattr(runtime, "_platforms", lambda: [])
    disc = runtime.discover(selector="")
    assert not disc.devices and "no OpenCL platform" in disc.error


# ------------------------------------------------------------------------------------------------
# ember.opencl / ember.cuda
def test_opencl_module(ocl):
    import ember.opencl as eo
    assert eo.is_available() and eo.device_count() >= 1 and eo.is_initialized()
    assert eo.current_device() == 0
    props = eo.get_device_properties(0)
    assert props.name == eo.get_device_name() == eo.get_device_name("opencl:0")
    assert props.total_memory > 0 and props.compute_units >= 1 and isinstance(props.fp64, bool)
    assert "total_memory" in repr(props)
    eo.set_device(0)
    eo.set_device("opencl:0")
    with pytest.raises(RuntimeError, match="does not exist"):
        eo.set_device(eo.device_count())
    with eo.device(0):
        assert eo.current_device() == 0
    eo.synchronize()
    eo.manual_seed(1234)
    assert eo.initial_seed() == 1234
    eo.manual_seed_all(99)
    assert eo.initial_seed() == 99
    assert issubclass(eo.OutOfMemoryError, RuntimeError)


def test_cuda_module_points_to_opencl():
    import ember.cuda as ec
    assert ec.is_available() is False and ec.device_count() == 0
    ec.manual_seed(0)
    ec.empty_cache()
    with pytest.raises(RuntimeError, match="opencl"):
        ec.current_device()
    dev = "cuda" if ec.is_available() else "cpu"
    assert ember.zeros(2, device=dev).device.type == "cpu"
    with pytest.raises(RuntimeError, match="device='opencl'"):
        ember.zeros(2, device="cuda")


def test_python_m_ember_opencl(ocl):
    r = run_python(None, args=("-m", "ember.opencl"))
    assert r.returncode == 0, r.stderr
    assert "platform 0:" in r.stdout and "usable as opencl:0" in r.stdout
    assert "chosen: opencl:0" in r.stdout


def test_warmup_builds_the_listed_programs(ocl, monkeypatch, capsys):
    from ember.backends.opencl import backend as bmod
    from ember.opencl.__main__ import main
    specs = bmod.program_specs(ocl.backend.dev)
    assert {s for s, _ in specs} == {"map.cl", "copy.cl"}
    assert {"FAMILY_UNARY", "FAMILY_BINARY", "FAMILY_COMPARE", "FAMILY_PREDICATE",
            "FAMILY_TERNARY", "FAMILY_WHERE"} <= {k for _, d in specs for k, _ in d}
    # every family contributes its programs to --warmup
    every = bmod.all_program_specs(ocl.backend.dev)
    assert {"reduce.cl", "scan.cl", "sort.cl", "softmax.cl", "index.cl", "random.cl"} <= {
        s for s, _ in every}
    monkeypatch.setattr(bmod, "all_program_specs", lambda dev: specs[:2])
    assert main(["--warmup"]) == 0
    assert "warmup opencl:0: 2 programs" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------------
# allocator
def test_allocator_reuses_freed_blocks(ocl, backend):
    alloc = backend.allocator
    x = ember.empty(3000, device="opencl")
    ptr, reuses = x.data_ptr(), alloc.num_reuses
    del x
    y = ember.empty(2900, device="opencl")          # same size class: the same block again
    assert y.data_ptr() == ptr and alloc.num_reuses == reuses + 1
    z = ember.empty(3000, device="opencl")           # y still lives: a different block
    assert z.data_ptr() != y.data_ptr()
    assert y[10:].data_ptr() == ptr + 40


def test_memory_stats_and_empty_cache(ocl, backend):
    import ember.opencl as eo
    from ember.backends.opencl.allocator import size_class
    eo.empty_cache()
    a0, r0 = eo.memory_allocated(), eo.memory_reserved()
    assert r0 == a0
    eo.reset_peak_memory_stats()
    assert eo.max_memory_allocated() == a0
    n = 1 << 20
    x = ember.zeros(n // 4, device="opencl")
    assert eo.memory_allocated() == a0 + size_class(n)
    assert eo.max_memory_allocated() == a0 + size_class(n)
    del x
    assert eo.memory_allocated() == a0
    assert eo.memory_reserved() == r0 + size_class(n)      # cached, not released
    assert eo.max_memory_allocated() == a0 + size_class(n)
    assert eo.max_memory_reserved() >= r0 + size_class(n)
    eo.empty_cache()
    assert eo.memory_reserved() == a0
    assert eo.memory_stats()["allocated"] == a0


def test_zero_allocation_and_zero_fill(ocl, backend):
    e = ember.zeros(0, 5, device="opencl")
    assert e._storage.nbytes == 0 and e._storage.buffer is None and host(e).shape == (0, 5)
    for _ in range(3):                                 # reused blocks are zeroed again
        x = ember.empty(777, device="opencl").fill_(5)
        del x
        z = ember.zeros(777, device="opencl")
        assert not host(z).any()


def test_out_of_memory_with_a_forced_limit(ocl, backend, monkeypatch):
    import ember.opencl as eo
    eo.empty_cache()
    base = eo.memory_allocated()
    cached = ember.empty(1 << 18, device="opencl")     # 1 MiB, then cached
    del cached
    monkeypatch.setenv("EMBER_OPENCL_MEMORY_LIMIT", str(base + (5 << 19)))      # + 2.5 MiB
    # fits only once the cached block is released: the allocator empties its cache and retries
    ok = ember.empty(1 << 19, device="opencl")         # 2 MiB
    assert eo.memory_reserved() == base + (2 << 20)
    with pytest.raises(eo.OutOfMemoryError, match=r"OpenCL out of memory\. Tried to allocate "
                                                  r"4\.00 MiB.*EMBER_OPENCL_MEMORY_LIMIT") as ei:
        ember.empty(1 << 20, device="opencl")
    assert isinstance(ei.value, RuntimeError)
    assert "is allocated by tensors" in str(ei.value) and "GiB" in str(ei.value)
    del ok
    monkeypatch.delenv("EMBER_OPENCL_MEMORY_LIMIT")
    assert ember.empty(1 << 20, device="opencl").numel() == 1 << 20


def test_storage_attributes(ocl):
    x = cl_tensor(np.arange(6, dtype=np.float32))
    st = x.untyped_storage()
    assert st.nbytes == 24 and len(st) == 24 and st.device == x.device
    assert isinstance(st.ptr, int) and st.ptr > 0 and x.data_ptr() == st.ptr
    if hasattr(ember, "is_storage"):
        assert ember.is_storage(st)
    v = st.version
    x.add_(1)
    assert st.version == v + 1
    st.version += 1                                    # the ops layer's protocol
    assert x._version == v + 2


# ------------------------------------------------------------------------------------------------
# program cache
def test_programs_are_built_once_per_device(ocl, backend):
    from ember.backends.opencl import programs
    key = ("map.cl", (("FAMILY_WHERE", 1), ("W_BYTES", 2)))
    p1 = backend.programs.get(*key)
    before = dict(programs.stats)
    p2 = backend.programs.get(*key)
    assert p1 is p2 and programs.stats == before
    assert "where_c" in p1 and p1.kernel("where_c") is p1.kernel("where_c")
    other = backend.programs.get("map.cl", (("FAMILY_WHERE", 1), ("W_BYTES", 1)))
    assert other is not p1


def test_concurrent_gets_build_each_program_once(ocl, backend, monkeypatch):
    """warmup builds in threads: a program asked for by several threads at once is built once,
    different programs build side by side."""
    import threading
    from ember.backends.opencl import backend as bmod, programs
    cache = programs.ProgramCache(backend.dev)          # fresh: nothing in memory
    monkeypatch.setattr(programs.ProgramCache, "use_binaries", property(lambda self: False))
    keys = [("map.cl", (("FAMILY_WHERE", 1), ("W_BYTES", b))) for b in (1, 2)]
    before = programs.stats["source_builds"]
    got = []
    threads = [threading.Thread(target=lambda k=k: got.append((k, cache.get(*k))))
               for k in keys * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert programs.stats["source_builds"] - before == 2
    for k in keys:
        assert len({id(p) for kk, p in got if kk == k}) == 1
    # warmup with several jobs returns the count and leaves every program in memory
    specs = bmod.program_specs(backend.dev)[:4]
    monkeypatch.setattr(bmod, "all_program_specs", lambda dev: specs)
    assert bmod.warmup(backend.index, jobs=3) == 4
    for s, d in specs:
        assert backend.programs._mem.get((s, backend.programs.options(d))) is not None


_CACHE_PROBE = """
import json, ember, numpy as np
from ember.backends.opencl import programs
c = ember.tensor(np.array([True, False, True]), device="opencl")
a = ember.tensor(np.array([1, 2, 3], np.int16), device="opencl")
r = ember.where(c, a, a * 0)
assert r.tolist() == [1, 0, 3]
print(json.dumps(programs.stats))
"""


def test_a_second_process_builds_nothing(ocl, tmp_path):
    env = {"EMBER_CACHE_DIR": str(tmp_path), "EMBER_OPENCL_BINARY_CACHE": "1"}
    first = run_python(_CACHE_PROBE, env)
    assert first.returncode == 0, first.stderr
    s1 = json.loads(first.stdout.strip().splitlines()[-1])
    assert s1["source_builds"] >= 1
    assert any(f.endswith(".bin") for f in os.listdir(tmp_path / "opencl"))
    second = run_python(_CACHE_PROBE, env)
    assert second.returncode == 0, second.stderr
    s2 = json.loads(second.stdout.strip().splitlines()[-1])
    assert s2["source_builds"] == 0 and s2["binary_loads"] == s1["source_builds"]
