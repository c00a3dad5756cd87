"""The fused optimizer kernels (backend ``<algorithm>_step`` primitives) against the op-by-op
update (``foreach=False``), the NumPy float64 references and, when installed, torch.optim.

Every optimizer except LBFGS has a fused kernel on both backends (tests/opencl/
test_opencl_optim_fused.py compares the OpenCL ones with the CPU's); a backend without the
primitive, or a case _fused_ok refuses, falls back to the op-by-op update with the same numbers.
"""
import numpy as np
import pytest

import ember
from conftest import to_np
from _optim_reference import CASES, REFERENCES, case_id
from ember.backends.cpu import CpuBackend
from ember.backends.cpu.optim_kernels import OptimKernels

KERNELS = {"SGD": "sgd_step", "Adam": "adam_step", "AdamW": "adam_step",
           "RMSprop": "rmsprop_step", "Adagrad": "adagrad_step", "Adadelta": "adadelta_step",
           "Adamax": "adamax_step", "NAdam": "nadam_step", "RAdam": "radam_step"}
# fused vs op-by-op: the same operations in the same order; float32 may differ where the compiler
# contracts a multiply-add into one fma
SAME = {np.float64: dict(rtol=1e-12, atol=1e-14), np.float32: dict(rtol=2e-6, atol=1e-7)}


def _ref_tol(name):
    """float64 against the float64 reference: NAdam's momentum product is a float32 host tensor
    (the step counter's dtype), as in PyTorch."""
    return dict(rtol=1e-6, atol=1e-9) if name == "NAdam" else dict(rtol=1e-10, atol=1e-12)


def _data(dtype, shapes, steps, seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(steps)]
    return init, grads


def _train(name, kw, init, grads, device="cpu", grad_layout=None):
    """Parameters and optimizer state (as NumPy) after stepping through `grads`."""
    params = [ember.nn.Parameter(ember.tensor(a, device=device)) for a in init]
    opt = getattr(ember.optim, name)(params, **kw)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = grad_layout(g, device) if grad_layout else ember.tensor(g, device=device)
        opt.step()
    state = [{k: to_np(v) for k, v in opt.state[p].items()} for p in params]
    return [to_np(p) for p in params], state


def _assert_same(a, b, tol):
    (pa, sa), (pb, sb) = a, b
    for x, y in zip(pa, pb):
        np.testing.assert_allclose(x, y, **tol)
    for x, y in zip(sa, sb):
        assert x.keys() == y.keys()
        for k in x:
            np.testing.assert_allclose(x[k], y[k], **tol, err_msg=k)


@pytest.fixture
def count_calls(monkeypatch):
    """Wrap the CPU backend's fused primitives; returns {primitive name: calls}."""
    calls = {}
    for name in set(KERNELS.values()):
        fn = getattr(CpuBackend, name)

        def counted(*args, _fn=fn, _name=name, **kwargs):
            calls[_name] = calls.get(_name, 0) + 1
            return _fn(*args, **kwargs)
        monkeypatch.setattr(CpuBackend, name, staticmethod(counted))
    return calls


@pytest.mark.parametrize("case", CASES, ids=case_id)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_matches_op_by_op(case, dtype, count_calls):
    name, kw = case
    init, grads = _data(dtype, [(4, 3), (5,), ()], steps=7)
    fused = _train(name, kw, init, grads)
    assert count_calls == {KERNELS[name]: 3 * 7}        # one call per parameter and step
    count_calls.clear()
    plain = _train(name, dict(kw, foreach=False), init, grads)
    assert count_calls == {}
    _assert_same(fused, plain, SAME[dtype])


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_parallel_sizes_match_reference(name):
    """Past the kernels' parallel threshold (with a ragged tail) every chunk is updated."""
    kw = dict(lr=0.01, weight_decay=0.1)
    init, grads = _data(np.float64, [((1 << 16) + 37,)], steps=3)
    params, _ = _train(name, kw, init, grads)
    expected = REFERENCES[name](init[0], [g[0] for g in grads], **kw)[-1]
    np.testing.assert_allclose(params[0], expected, **_ref_tol(name))


def _transposed(g, device):
    """A non-contiguous gradient: the transpose of a contiguous (cols, rows) tensor."""
    return ember.tensor(np.ascontiguousarray(g.T), device=device).t()


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_non_contiguous_grad_still_fused(case, count_calls):
    """A transposed gradient (as a linear layer's weight gets) is copied, not a reason to fall
    back to the op-by-op update."""
    name, kw = case
    init, grads = _data(np.float64, [(3, 5)], steps=4)
    fused = _train(name, kw, init, grads, grad_layout=_transposed)
    assert count_calls == {KERNELS[name]: 4}
    plain = _train(name, dict(kw, foreach=False), init, grads)
    _assert_same(fused, plain, SAME[np.float64])


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_backend_without_primitive_falls_back(case, monkeypatch):
    """A backend lacking the primitive (as OpenCL lacks most) runs the op-by-op update."""
    name, kw = case
    monkeypatch.delattr(OptimKernels, KERNELS[name])
    init, grads = _data(np.float64, [(4, 3)], steps=5)
    params, _ = _train(name, kw, init, grads)
    expected = REFERENCES[name](init[0], [g[0] for g in grads], **kw)[-1]
    np.testing.assert_allclose(params[0], expected, **_ref_tol(name))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_on_each_device(case, device):
    """Whatever a device's backend fuses, the result is the op-by-op update's."""
    name, kw = case
    init, grads = _data(np.float32, [(6, 2)], steps=4)
    _assert_same(_train(name, kw, init, grads, device),
                 _train(name, dict(kw, foreach=False), init, grads, device), SAME[np.float32])


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_nan_and_inf_propagate_like_op_by_op(name):
    kw = dict(lr=0.01, amsgrad=True) if name in ("Adam", "AdamW") else dict(lr=0.01)
    init, grads = _data(np.float64, [(6,)], steps=3)
    grads[1][0][1], grads[1][0][3] = np.nan, np.inf
    fused = _train(name, kw, init, grads)
    plain = _train(name, dict(kw, foreach=False), init, grads)
    np.testing.assert_array_equal(fused[0][0], plain[0][0])
    assert np.isnan(fused[0][0][1])                       # a NaN gradient poisons its element
    assert np.isfinite(fused[0][0][[0, 2, 4, 5]]).all()    # and only its own


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_empty_parameter(name):
    init, grads = _data(np.float32, [(0, 3)], steps=2)
    params, state = _train(name, dict(lr=0.1), init, grads)
    assert params[0].shape == (0, 3)
    assert all(v.shape == (0, 3) for k, v in state[0].items() if k not in ("step", "mu_product"))


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_versions_of_parameter_and_state_advance(name):
    kw = dict(momentum=0.9) if name in ("SGD", "RMSprop") else {}
    p = ember.nn.Parameter(ember.ones(5))
    opt = getattr(ember.optim, name)([p], lr=0.1, **kw)
    p.grad = ember.full((5,), 0.5)
    opt.step()
    versions = {k: v._version for k, v in opt.state[p].items() if v.dim()}
    pv = p._version
    p.grad = ember.full((5,), 0.25)
    opt.step()
    assert p._version > pv
    assert all(opt.state[p][k]._version > v for k, v in versions.items())


def test_option_turned_on_after_state_exists_raises_not_crashes():
    """Turning on an option whose state was never created is PyTorch's KeyError, never a
    kernel reading a missing buffer."""
    for name, key, option in [("Adam", "max_exp_avg_sq", "amsgrad"),
                              ("RMSprop", "grad_avg", "centered")]:
        p = ember.nn.Parameter(ember.ones(4))
        opt = getattr(ember.optim, name)([p], lr=0.1)
        p.grad = ember.ones(4)
        opt.step()
        opt.param_groups[0][option] = True
        with pytest.raises(KeyError, match=key):
            opt.step()


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_long_trajectory_matches_torch(case):
    """40 fused steps over a parameter past the parallel threshold, side by side with torch."""
    torch = pytest.importorskip("torch")
    name, kw = case
    init, grads = _data(np.float32, [(300, 130), (7,)], steps=40, seed=1)
    ours, _ = _train(name, kw, init, grads)
    params = [torch.tensor(a, requires_grad=True) for a in init]
    opt = getattr(torch.optim, name)(params, **kw)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g)
        opt.step()
    for a, b in zip(ours, params):
        np.testing.assert_allclose(a, b.detach().numpy(), rtol=1e-4, atol=1e-5)
