"""Benchmark cases of the OpenCL device (issue #4), registered when cases.py imports this module.

Inputs are moved to the OpenCL device once, outside the timed call; each timed call enqueues the
op and waits for it (``ember.opencl.synchronize()``), so the time is the device's, not only the
enqueue. NumPy runs the same shapes on the host (OpenBLAS, in the matmul children like the CPU
matmul cases): the issue's GEMM targets are relative to NumPy's SGEMM, its elementwise targets to
ember's own CPU backend (the ``ember_cpu`` baseline, timed in the same run on the same cores). Without an OpenCL device the
ember column says n/a.
"""
import numpy as np

from harness import NotAvailable, case, vs_ember_cpu, vs_numpy

_rng = np.random.default_rng(4)


def _randn(*shape):
    return _rng.standard_normal(shape, dtype=np.float32)


class _Host:
    """A device result that becomes a NumPy array only when the harness checks it (untimed)."""

    def __init__(self, t):
        self.t = t

    def __array__(self, dtype=None, copy=None):
        arr = self.t.cpu().numpy()
        return arr if dtype is None else arr.astype(dtype)


def _on_device(fn):
    """Factory (harness ``factory=True``): the inputs go to the OpenCL device once; the timed
    callable runs `fn` on them and synchronizes."""
    def factory(*tensors):
        import ember
        import ember.opencl
        if not ember.opencl.is_available():
            raise NotAvailable("no OpenCL device")
        dev = [t.to("opencl") for t in tensors]
        sync = ember.opencl.synchronize

        def timed():
            r = fn(*dev)
            sync()
            return _Host(r)
        return timed
    return factory


def _numpy(fn):
    def factory(*arrays):
        return lambda: fn(*arrays)
    return factory


def _square(n):
    return lambda q: [_randn(n // 16 if q else n, n // 16 if q else n),
                      _randn(n // 16 if q else n, n // 16 if q else n)]


# -- GEMM: >= 40% of NumPy's SGEMM (OpenBLAS, same threads) on PoCL at 1024 (issue #4) -----------
_mm = dict(target=vs_numpy(0.4), blas=True, factory=True, rtol=1e-4, settle=0.15)
for _n in (256, 512, 1024):
    case(f"cl_matmul_{_n}", "opencl", _square(_n), ember=_on_device(lambda a, b: a @ b),
         numpy=_numpy(lambda a, b: a @ b), **_mm)
# the layouts of nn.Linear's forward (x @ W^T) and weight gradient (x^T @ dy), read in place
case("cl_matmul_nt_1024", "opencl", _square(1024), ember=_on_device(lambda a, b: a @ b.t()),
     numpy=_numpy(lambda a, b: a @ b.T), **_mm)
case("cl_matmul_tn_1024", "opencl", _square(1024), ember=_on_device(lambda a, b: a.t() @ b),
     numpy=_numpy(lambda a, b: a.T @ b), **_mm)


# -- elementwise on 16M floats: >= 70% of the CPU backend's speed on PoCL (issue #4) -------------
def _flat16m(q):
    n = (1 << 16) if q else (1 << 24)
    return [_randn(n), _randn(n)]


_el = dict(target=vs_ember_cpu(0.7), factory=True)
for _name, _fn in (("add", lambda a, b: a + b), ("mul", lambda a, b: a * b),
                   ("exp", lambda a, b: a.exp())):
    case(f"cl_{_name}_16M", "opencl", _flat16m, ember=_on_device(_fn),
         ember_cpu=(lambda f: lambda a, b: (lambda: f(a, b)))(_fn),
         numpy=_numpy((lambda f: lambda a, b: np.exp(a) if f is None else f(a, b))(
             None if _name == "exp" else _fn)), **_el)
