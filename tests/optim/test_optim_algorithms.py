"""Every optimizer against its NumPy float64 update rule (tests/optim/_optim_reference.py) for
several steps and option combinations, through both the fused kernels and the op-by-op path."""
import numpy as np
import pytest

import ember
from conftest import to_np
from _optim_reference import CASES, REFERENCES, case_id

STEPS = 6
FUSABLE = {"SGD", "Adam", "AdamW"}


def _data(dtype, shapes=((4, 3), (5,)), steps=STEPS, seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(steps)]
    return init, grads


def _run(name, kw, init, grads, device, params=None):
    """Run optimizer `name` over fresh parameters; return their values after each step."""
    if params is None:
        params = [ember.nn.Parameter(ember.tensor(a, device=device)) for a in init]
    opt = getattr(ember.optim, name)(params, **kw)
    history = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = ember.tensor(g, device=device).reshape(p.shape)
        opt.step()
        history.append([to_np(p).copy() for p in params])
    return history, params, opt


def _tol(name, dtype):
    if dtype == np.float32:
        return dict(rtol=2e-4, atol=2e-6)
    # NAdam keeps its momentum product in a host tensor of the step counter's dtype (float32
    # unless the default dtype is float64), as PyTorch does
    return dict(rtol=1e-6, atol=1e-9) if name == "NAdam" else dict(rtol=1e-10, atol=1e-12)


def _check(name, kw, history, init, grads, dtype):
    ref = REFERENCES[name]
    for i, p0 in enumerate(init):
        expected = ref(p0.astype(np.float64), [g[i].astype(np.float64) for g in grads], **kw)
        for step in range(len(grads)):
            got = history[step][i]
            assert got.dtype == dtype
            np.testing.assert_allclose(got.reshape(p0.shape), expected[step], **_tol(name, dtype),
                                       err_msg=f"{name} {kw} param {i} step {step + 1}")


@pytest.mark.parametrize("case", CASES, ids=case_id)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_against_reference(case, dtype, device):
    name, kw = case
    init, grads = _data(dtype)
    history, params, _ = _run(name, kw, init, grads, device)
    _check(name, kw, history, init, grads, dtype)
    assert all(p.device.type == device for p in params)


@pytest.mark.parametrize("case", [c for c in CASES if c[0] in FUSABLE], ids=case_id)
def test_unfused_path_matches(case, device):
    """fused=False runs the op-by-op update: same numbers as the fused kernel and the reference."""
    name, kw = case
    init, grads = _data(np.float64)
    fused, _, _ = _run(name, kw, init, grads, device)
    plain, _, _ = _run(name, dict(kw, fused=False), init, grads, device)
    _check(name, kw, plain, init, grads, np.float64)
    for a, b in zip(fused[-1], plain[-1]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_non_contiguous_parameter(case, device):
    """A transposed (non-contiguous) parameter takes the general path and is updated in place."""
    name, kw = case
    init, grads = _data(np.float64, shapes=((3, 4),))
    base = ember.tensor(init[0].T.copy(), device=device)
    p = base.t()                      # (3, 4) view with strides (1, 3): a leaf
    p.requires_grad_(True)
    assert not p.is_contiguous()
    history, params, _ = _run(name, kw, init, grads, device, params=[p])
    assert params[0] is p
    _check(name, kw, history, init, grads, np.float64)
    np.testing.assert_array_equal(to_np(base).T, history[-1][0])


def test_large_parameter_fused_parallel(device):
    """Sizes past the kernels' parallel threshold (and an odd tail) give the reference numbers."""
    n = (1 << 16) + 37
    for name, kw in [("Adam", dict(lr=0.01, weight_decay=0.1)),
                     ("AdamW", dict(lr=0.01, amsgrad=True)),
                     ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True))]:
        init, grads = _data(np.float32, shapes=((n,),), steps=3)
        history, _, _ = _run(name, kw, init, grads, device)
        _check(name, kw, history, init, grads, np.float32)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_parameter_identity_and_version(name, device):
    """Updates happen in place: the parameter object and its storage stay, its version moves."""
    p = ember.nn.Parameter(ember.ones(3, device=device))
    storage, version = p.untyped_storage(), p._version
    opt = getattr(ember.optim, name)([p], lr=0.1)
    p.grad = ember.full((3,), 0.5, device=device)
    opt.step()
    assert p.untyped_storage() is storage and p._version > version
    assert isinstance(p, ember.nn.Parameter) and p.requires_grad and p.is_leaf
    assert not np.allclose(to_np(p), 1.0)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_params_without_grad_are_skipped(name, device):
    a = ember.nn.Parameter(ember.ones(2, device=device))
    b = ember.nn.Parameter(ember.ones(2, device=device))
    opt = getattr(ember.optim, name)([a, b], lr=0.1)
    a.grad = ember.ones(2, device=device)
    opt.step()
    np.testing.assert_array_equal(to_np(b), [1.0, 1.0])
    if name != "Adagrad":                 # Adagrad creates its state up front, as PyTorch
        assert b not in opt.state
    assert len(opt.state[a]) > 0 or name == "SGD"     # plain SGD keeps no state


@pytest.mark.parametrize("case", [c for c in CASES if "lr" in c[1]], ids=case_id)
def test_param_groups_with_different_lrs(case, device):
    """Each group uses its own lr (and the defaults for what it doesn't set)."""
    name, kw = case
    init, grads = _data(np.float64)
    params = [ember.nn.Parameter(ember.tensor(a, device=device)) for a in init]
    slow_lr = kw["lr"] / 7
    opt = getattr(ember.optim, name)([{"params": [params[0]]},
                                      {"params": [params[1]], "lr": slow_lr}], **kw)
    assert opt.param_groups[1]["lr"] == slow_lr and opt.param_groups[0]["lr"] == kw["lr"]
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = ember.tensor(g, device=device)
        opt.step()
    ref = REFERENCES[name]
    for i, lr in enumerate((kw["lr"], slow_lr)):
        expected = ref(init[i], [g[i] for g in grads], **dict(kw, lr=lr))[-1]
        np.testing.assert_allclose(to_np(params[i]), expected, **_tol(name, np.float64))


def test_nadam_float64_default_dtype_is_exact():
    """Under a float64 default dtype the step counters (and NAdam's product) are float64."""
    prev = ember.get_default_dtype()
    ember.set_default_dtype(ember.float64)
    try:
        init, grads = _data(np.float64, shapes=((5,),))
        kw = dict(lr=0.01, weight_decay=0.1)
        history, _, opt = _run("NAdam", kw, init, grads, "cpu")
        state = next(iter(opt.state.values()))
        assert state["step"].dtype == ember.float64 and state["mu_product"].dtype == ember.float64
        expected = REFERENCES["NAdam"](init[0], [g[0] for g in grads], **kw)
        np.testing.assert_allclose(history[-1][0], expected[-1], rtol=1e-11)
    finally:
        ember.set_default_dtype(prev)


def test_tensor_lr(device):
    """A 1-element tensor lr works like the number (and is validated like PyTorch's)."""
    init, grads = _data(np.float64, shapes=((4,),))
    a, _, _ = _run("Adam", dict(lr=ember.tensor(0.125)), init, grads, device)
    b, _, _ = _run("Adam", dict(lr=0.125), init, grads, device)
    np.testing.assert_allclose(a[-1][0], b[-1][0], rtol=1e-12)
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        ember.optim.SGD([ember.nn.Parameter(ember.ones(1))], lr=ember.tensor([0.1, 0.2]))


def test_state_contents(device):
    """State keys, shapes and the step counter match PyTorch's layout."""
    p = ember.nn.Parameter(ember.ones(2, 3, device=device))
    expect = {"SGD": ({"momentum_buffer"}, dict(momentum=0.9)),
              "Adam": ({"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}, dict(amsgrad=True)),
              "RMSprop": ({"step", "square_avg", "momentum_buffer", "grad_avg"},
                          dict(momentum=0.9, centered=True)),
              "Adagrad": ({"step", "sum"}, {}),
              "Adadelta": ({"step", "square_avg", "acc_delta"}, {}),
              "Adamax": ({"step", "exp_avg", "exp_inf"}, {}),
              "NAdam": ({"step", "mu_product", "exp_avg", "exp_avg_sq"}, {}),
              "RAdam": ({"step", "exp_avg", "exp_avg_sq"}, {})}
    for name, (keys, kw) in expect.items():
        opt = getattr(ember.optim, name)([p], **kw)
        for _ in range(3):
            p.grad = ember.ones(2, 3, device=device)
            opt.step()
        state = opt.state[p]
        assert set(state) == keys, name
        for k, v in state.items():
            if k in ("step", "mu_product"):
                assert v.dim() == 0 and v.device.type == "cpu" and v.dtype == ember.float32
            else:
                assert v.shape == p.shape and v.dtype == p.dtype and v.device == p.device
        if "step" in state:
            assert state["step"].item() == 3.0
