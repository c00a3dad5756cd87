"""The OpenCL backend's fused optimizer primitives (rmsprop_step, adagrad_step, adadelta_step,
adamax_step, nadam_step, radam_step; optim.cl) against the CPU backend's fused kernels: the same
parameters and gradients stepped on 'cpu' and on 'opencl' give the same parameters and state, and
the OpenCL step goes through the fused primitive, one kernel launch per parameter and step.
"""
import numpy as np
import pytest

import ember
from ember.backends.opencl import optim_kernels
from cltools import ocl, backend, host  # noqa: F401  (fixtures)

F32, F64 = np.float32, np.float64
# the same operations in the same order, but both compilers contract multiply-adds into fmas
# (gcc -march=native for the CPU kernels, PoCL's LLVM for optim.cl), not always the same ones:
# an ulp apart in an intermediate, which a state accumulating terms of both signs (RMSprop's
# momentum buffer, ...) turns into an absolute error of an ulp of its largest terms. So: rtol,
# and atol scaled by the array's largest magnitude.
TOL = {F64: dict(rtol=1e-12, atol=1e-14), F32: dict(rtol=2e-6, atol=1e-6)}

KERNELS = {"RMSprop": "rmsprop_step", "Adagrad": "adagrad_step", "Adadelta": "adadelta_step",
           "Adamax": "adamax_step", "NAdam": "nadam_step", "RAdam": "radam_step"}

CASES = [
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.3, momentum=0.5, centered=True, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.2)),
    ("Adagrad", dict(lr=0.1, maximize=True, eps=1e-3)),
    ("Adadelta", dict(lr=1.0)),
    ("Adadelta", dict(lr=0.5, rho=0.3, weight_decay=0.1, maximize=True)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, betas=(0.3, 0.9), weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("NAdam", dict(lr=0.01, betas=(0.3, 0.9))),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, betas=(0.3, 0.99), weight_decay=0.1, decoupled_weight_decay=True,
                   maximize=True)),
]

# RAdam's rectified step starts at step 6 with beta2 = 0.999, step 7 with 0.99
STEPS = {"RAdam": 8}
SHAPES = [(4, 3), (5,), (), (0, 3), (70, 3)]         # an empty one; one past a work-group


def case_id(case):
    name, kw = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in kw.items())


def _data(dtype, shapes, steps, seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(steps)]
    return init, grads


def _transposed(g, device):
    """A non-contiguous gradient: the transpose of a contiguous (cols, rows) tensor."""
    return ember.tensor(np.ascontiguousarray(g.T), device=device).t()


def _contiguous(g, device):
    return ember.tensor(g, device=device)


def _train(name, kw, init, grads, device, layout=_contiguous):
    """Parameters and optimizer state (as NumPy) after stepping through `grads`."""
    params = [ember.nn.Parameter(ember.tensor(a, device=device)) for a in init]
    opt = getattr(ember.optim, name)(params, **kw)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = layout(g, device) if g.ndim == 2 else _contiguous(g, device)
            if g.ndim == 2 and g.size:
                assert p.grad.is_contiguous() is (layout is _contiguous)
        opt.step()
    state = [{k: host(v) for k, v in opt.state[p].items()} for p in params]
    for p in params:
        for k, v in opt.state[p].items():
            if isinstance(v, ember.Tensor) and v.dim():
                assert v.device.type == device, k
    return [host(p.detach()) for p in params], state


def _close(x, y, tol, what=""):
    assert x.shape == y.shape, what
    scale = max(1.0, float(np.max(np.abs(y)))) if y.size else 1.0
    np.testing.assert_allclose(x, y, rtol=tol["rtol"], atol=tol["atol"] * scale, err_msg=what)


def _assert_same(got, want, tol):
    (pg, sg), (pw, sw) = got, want
    for x, y in zip(pg, pw):
        _close(x, y, tol)
    for x, y in zip(sg, sw):
        assert x.keys() == y.keys()
        for k in x:
            _close(x[k], y[k], tol, k)


@pytest.fixture
def launches(backend, monkeypatch):
    """Wrap the OpenCL backend's fused primitives; returns a list of (primitive, numel, number of
    launch.flat calls it made) per call."""
    calls = []
    flat = backend.launch.flat
    inside = []

    def counted_flat(*args, **kwargs):
        inside.append(1)
        return flat(*args, **kwargs)
    monkeypatch.setattr(backend.launch, "flat", counted_flat)
    for name in KERNELS.values():
        fn = getattr(backend, name)

        def counted(param, *args, _fn=fn, _name=name, **kwargs):
            inside.clear()
            r = _fn(param, *args, **kwargs)
            calls.append((_name, param.numel(), len(inside)))
            return r
        monkeypatch.setattr(backend, name, counted)
    return calls


def _check_launches(calls, name, steps):
    assert len(calls) == steps * len(SHAPES)            # one call per parameter and step
    for kname, n, nflat in calls:
        assert kname == KERNELS[name]
        assert nflat == (1 if n else 0)                  # one kernel, none for an empty param


@pytest.mark.parametrize("case", CASES, ids=case_id)
@pytest.mark.parametrize("dtype", [F32, F64], ids=["f32", "f64"])
def test_fused_matches_cpu(ocl, case, dtype, launches):
    name, kw = case
    if dtype is F64 and not ocl.backend.dev.fp64:
        pytest.skip("no fp64 on this OpenCL device")
    steps = STEPS.get(name, 3)
    init, grads = _data(dtype, SHAPES, steps)
    want = _train(name, kw, init, grads, "cpu")
    got = _train(name, kw, init, grads, "opencl")
    _check_launches(launches, name, steps)
    _assert_same(got, want, TOL[dtype])


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_non_contiguous_grad(ocl, case, launches):
    """A transposed gradient is copied, then fused: the same result as the CPU's."""
    name, kw = case
    dtype = F64 if ocl.backend.dev.fp64 else F32
    steps = STEPS.get(name, 3)
    init, grads = _data(dtype, SHAPES, steps, seed=1)
    want = _train(name, kw, init, grads, "cpu", _transposed)
    got = _train(name, kw, init, grads, "opencl", _transposed)
    _check_launches(launches, name, steps)
    _assert_same(got, want, TOL[dtype])


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_foreach_false_not_fused(ocl, name, launches):
    """foreach=False (which _fused_ok refuses) runs the op-by-op update on OpenCL too, with the
    fused update's numbers."""
    init, grads = _data(F32, [(6, 2)], 3)
    plain = _train(name, dict(lr=0.01, foreach=False), init, grads, "opencl")
    assert launches == []
    fused = _train(name, dict(lr=0.01), init, grads, "opencl")
    assert len(launches) == 3
    _assert_same(fused, plain, TOL[F32])


def test_program_specs_cover_new_kernels(backend):
    """Every fused kernel builds from the warmed-up optim.cl programs."""
    specs = optim_kernels.program_specs(backend.dev)
    assert {s for s, _ in specs} == {"optim.cl"}
    for dt in (ember.float32, ember.float64):
        if dt is ember.float64 and not backend.dev.fp64:
            continue
        for name, npairs in optim_kernels._NPAIRS.items():
            kernel, _ = backend._optim_kernel(dt, name, _nscalars(name))
            assert kernel.num_args == 2 * npairs + _nscalars(name) + 1


def _nscalars(name):
    return {"adam_step": 8, "sgd_step": 4, "rmsprop_step": 6, "adagrad_step": 3,
            "adadelta_step": 5, "adamax_step": 5, "nadam_step": 9, "radam_step": 10}[name]
