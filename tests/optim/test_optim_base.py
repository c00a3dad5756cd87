"""The Optimizer base class: construction and validation, param groups, state, zero_grad,
closures, state_dict round trips that resume training bit-for-bit, hooks and repr."""
import copy
import io
import warnings

import numpy as np
import pytest

import ember
from ember.optim.optimizer import Optimizer, required
from conftest import to_np

ALL = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"]


def _param(*shape, device="cpu", value=None):
    data = ember.randn(*shape) if value is None else ember.full(shape, value)
    return ember.nn.Parameter(data.to(device))


# ------------------------------------------------------------------------------------------------
# construction and validation
@pytest.mark.parametrize("name", ALL + ["LBFGS"])
def test_invalid_learning_rate(name):
    with pytest.raises(ValueError, match=r"^Invalid learning rate: -1.0$"):
        getattr(ember.optim, name)([_param(2)], lr=-1.0)


@pytest.mark.parametrize("name, kwargs, message", [
    ("SGD", dict(momentum=-0.1), "Invalid momentum value: -0.1"),
    ("SGD", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("SGD", dict(nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1),
     "Nesterov momentum requires a momentum and zero dampening"),
    ("Adam", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("Adam", dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("Adam", dict(weight_decay=-0.5), "Invalid weight_decay value: -0.5"),
    ("Adam", dict(betas=(0.9, ember.tensor(0.999))), "betas must be either both floats or both Tensors"),
    ("AdamW", dict(betas=(0.9, 1.5)), "Invalid beta parameter at index 1: 1.5"),
    ("RMSprop", dict(alpha=-0.1), "Invalid alpha value: -0.1"),
    ("RMSprop", dict(momentum=-1), "Invalid momentum value: -1"),
    ("RMSprop", dict(eps=-1), "Invalid epsilon value: -1"),
    ("Adagrad", dict(lr_decay=-1), "Invalid lr_decay value: -1"),
    ("Adagrad", dict(initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
    ("Adamax", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    ("NAdam", dict(momentum_decay=-1), "Invalid momentum_decay value: -1"),
    ("RAdam", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
])
def test_invalid_hyperparameters(name, kwargs, message):
    with pytest.raises(ValueError) as info:
        getattr(ember.optim, name)([_param(2)], **kwargs)
    assert str(info.value) == message


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad"])
def test_fused_conflicts(name):
    with pytest.raises(RuntimeError, match="`fused` does not support `differentiable`"):
        getattr(ember.optim, name)([_param(2)], fused=True, differentiable=True)
    with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot be `True` together."):
        getattr(ember.optim, name)([_param(2)], fused=True, foreach=True)


def test_params_validation():
    p = _param(2)
    with pytest.raises(TypeError, match="params argument given to the optimizer should be an "
                                        "iterable of Tensors or dicts, but got ember.FloatTensor"):
        ember.optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        ember.optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the "
                                        "params is int"):
        ember.optim.SGD([p, 3], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        ember.optim.SGD([p * 2], lr=0.1)
    with pytest.raises(TypeError, match="optimizer parameters need to be organized in ordered "
                                        "collections"):
        ember.optim.SGD([{"params": {p}}], lr=0.1)
    with pytest.raises(TypeError, match="param_group must be a dict, but got <class 'list'>"):
        ember.optim.SGD([p], lr=0.1).add_param_group([p])
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        ember.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        ember.optim.SGD([p, p], lr=0.1)
    # a non-leaf that retains its grad may be optimized
    q = _param(2) * 1
    q.retain_grad()
    ember.optim.SGD([q], lr=0.1)


def test_required_hyperparameter():
    class Custom(Optimizer):
        def __init__(self, params, lr=required):
            super().__init__(params, dict(lr=lr))

    with pytest.raises(ValueError, match="parameter group didn't specify a value of required "
                                         "optimization parameter lr"):
        Custom([_param(2)])
    opt = Custom([{"params": [_param(2)], "lr": 0.5}])
    assert opt.param_groups[0]["lr"] == 0.5
    assert repr(required) == "<required parameter>"


# ------------------------------------------------------------------------------------------------
# groups, state, zero_grad, step
def test_defaults_and_param_groups():
    a, b, c = _param(2), _param(3), _param(1)
    opt = ember.optim.SGD([{"params": [a, b]}, {"params": c, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert opt.defaults == dict(lr=0.1, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                                maximize=False, foreach=None, differentiable=False, fused=None)
    g0, g1 = opt.param_groups
    assert g0["params"][0] is a and g0["params"][1] is b and g0["lr"] == 0.1
    assert g1["params"][0] is c and g1["lr"] == 0.5 and g1["momentum"] == 0.9
    d = _param(4)
    opt.add_param_group({"params": [d], "lr": 0.01})
    assert len(opt.param_groups) == 3 and opt.param_groups[2]["momentum"] == 0
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [a]})
    assert isinstance(opt.state, dict) and opt.state[a] == {}      # a defaultdict(dict)


def test_named_parameters():
    a, b = _param(2), _param(3)
    opt = ember.optim.Adam([("w", a), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]
    with pytest.raises(ValueError, match="all optimizer params should be with/without names"):
        ember.optim.Adam([("w", _param(2)), _param(2)])
    with pytest.raises(ValueError, match="cannot add param group without names to the optimizer"):
        opt.add_param_group({"params": [_param(2)]})


def test_zero_grad(device):
    p = _param(3, device=device)
    opt = ember.optim.SGD([p], lr=0.1)
    p.grad = ember.ones(3, device=device)
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and np.all(to_np(g) == 0)
    opt.zero_grad()
    assert p.grad is None
    opt.zero_grad()                                   # no grads: nothing to do


def test_step_runs_without_autograd_and_closure(device):
    p = _param(3, device=device, value=2.0)
    opt = ember.optim.SGD([p], lr=0.1, momentum=0.9)
    calls = []

    def closure():
        calls.append(ember.is_grad_enabled())
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with ember.no_grad():
        loss = opt.step(closure)
    assert calls == [True] and float(loss) == pytest.approx(12.0)
    assert p.grad_fn is None and p.is_leaf and p.requires_grad
    assert opt.state[p]["momentum_buffer"].grad_fn is None
    np.testing.assert_allclose(to_np(p), 2.0 - 0.1 * 4.0, rtol=1e-6)
    assert opt.step() is None


def test_differentiable_step_records_graph():
    """differentiable=True runs the update with autograd on: here d(p1)/d(p0) through SGD."""
    w = ember.tensor([1.0, 2.0], requires_grad=True)
    p = w * 1.0                                     # a non-leaf "parameter" (as PyTorch's tests)
    p.retain_grad()
    p.grad = ember.tensor([0.5, 0.5])
    opt = ember.optim.SGD([p], lr=0.1, differentiable=True)
    opt.step()
    p.sum().backward()
    np.testing.assert_allclose(to_np(w.grad), [1.0, 1.0])


# ------------------------------------------------------------------------------------------------
# state dicts
def _train(opt, params, grads_seq):
    for grads in grads_seq:
        for p, g in zip(params, grads):
            p.grad = g.clone()
        opt.step()


def _grads(params, n, seed):
    gen = ember.Generator().manual_seed(seed)
    return [[ember.randn(*p.shape, generator=gen).to(p.device) for p in params] for _ in range(n)]


@pytest.mark.parametrize("name, kw", [(n, {}) for n in ALL] + [
    ("SGD", dict(momentum=0.9, nesterov=True)), ("Adam", dict(amsgrad=True)),
    ("Adam", dict(fused=False)), ("RMSprop", dict(momentum=0.9, centered=True))])
def test_state_dict_round_trip_resumes_exactly(name, kw, device):
    params = [_param(4, 3, device=device), _param(5, device=device)]
    opt = getattr(ember.optim, name)([{"params": [params[0]]},
                                      {"params": [params[1]], "lr": 0.003}], **kw)
    _train(opt, params, _grads(params, 3, seed=1))

    saved = copy.deepcopy(opt.state_dict())
    saved_params = [p.detach().clone() for p in params]
    later = _grads(params, 4, seed=2)
    _train(opt, params, later)

    fresh = [ember.nn.Parameter(p) for p in saved_params]
    opt2 = getattr(ember.optim, name)([{"params": [fresh[0]]}, {"params": [fresh[1]]}], **kw)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[1]["lr"] == 0.003          # group options come from the dict
    assert opt2.param_groups[1]["params"][0] is fresh[1]
    _train(opt2, fresh, later)
    for a, b in zip(params, fresh):
        np.testing.assert_array_equal(to_np(a), to_np(b))
    for key, value in opt.state[params[0]].items():
        np.testing.assert_array_equal(to_np(value), to_np(opt2.state[fresh[0]][key]))


def test_state_dict_layout():
    a, b, c = _param(2), _param(3), _param(4)
    opt = ember.optim.Adam([{"params": [a, b]}, {"params": [c], "lr": 0.1}])
    a.grad = ember.ones(2)
    c.grad = ember.ones(4)
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sorted(sd["state"]) == [0, 2]                  # b had no grad: no state
    assert sd["state"][0]["exp_avg"] is opt.state[a]["exp_avg"]     # referenced, as PyTorch
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.1 and sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert "params" in opt.param_groups[0] and opt.param_groups[0]["params"][0] is a


def test_load_state_dict_errors_and_casts():
    a, b = _param(2), _param(3)
    opt = ember.optim.Adam([a, b])
    with pytest.raises(ValueError, match="loaded state dict has a different number of parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": [{"params": [0]}, {"params": [1]}]})
    with pytest.raises(ValueError, match="loaded state dict contains a parameter group that doesn't "
                                         "match the size of optimizer's group"):
        opt.load_state_dict({"state": {}, "param_groups": [{"params": [0]}]})
    # float64 state into float32 parameters is cast to the parameters' dtype; the step stays
    a64 = ember.nn.Parameter(ember.ones(2, dtype=ember.float64))
    src = ember.optim.Adam([a64])
    a64.grad = ember.ones(2, dtype=ember.float64)
    src.step()
    opt = ember.optim.Adam([a])
    opt.load_state_dict(src.state_dict())
    assert opt.state[a]["exp_avg"].dtype == ember.float32
    assert opt.state[a]["step"].dtype == ember.float32 and opt.state[a]["step"].item() == 1.0


def test_state_dict_through_ember_save(tmp_path):
    """A checkpoint written with ember.save resumes exactly (when serialization is present)."""
    if not hasattr(ember, "save"):
        pytest.skip("ember.save is not available")
    params = [_param(3, 2), _param(4)]
    opt = ember.optim.AdamW(params, lr=0.01, amsgrad=True)
    _train(opt, params, _grads(params, 2, seed=3))
    buf = io.BytesIO()
    ember.save({"optim": opt.state_dict(), "params": [p.detach() for p in params]}, buf)
    buf.seek(0)
    ckpt = ember.load(buf)
    fresh = [ember.nn.Parameter(t) for t in ckpt["params"]]
    opt2 = ember.optim.AdamW(fresh, lr=0.01, amsgrad=True)
    opt2.load_state_dict(ckpt["optim"])
    later = _grads(params, 3, seed=4)
    _train(opt, params, later)
    _train(opt2, fresh, later)
    for a, b in zip(params, fresh):
        np.testing.assert_array_equal(to_np(a), to_np(b))


def test_state_dict_hooks():
    p = _param(2)
    opt = ember.optim.SGD([p], lr=0.1, momentum=0.9)
    log = []
    h1 = opt.register_state_dict_pre_hook(lambda o: log.append("pre"))
    opt.register_state_dict_post_hook(lambda o, sd: dict(sd, extra=1))
    opt.register_load_state_dict_pre_hook(lambda o, sd: log.append("load-pre"))
    opt.register_load_state_dict_post_hook(lambda o: log.append("load-post"))
    opt.register_state_dict_pre_hook(lambda o: log.append("first"), prepend=True)
    sd = opt.state_dict()
    assert sd["extra"] == 1 and log == ["first", "pre"]
    opt.load_state_dict(sd)
    assert log[-2:] == ["load-pre", "load-post"]
    h1.remove()
    opt.state_dict()
    assert log[-1] == "first"


# ------------------------------------------------------------------------------------------------
# step hooks and repr
def test_step_hooks():
    p = _param(2, value=1.0)
    opt = ember.optim.SGD([p], lr=0.1)
    other = ember.optim.SGD([_param(2)], lr=0.1)
    log = []

    def pre(o, args, kwargs):
        log.append(("pre", o is opt))

    def post(o, args, kwargs):
        log.append(("post", o is opt))

    h_pre = opt.register_step_pre_hook(pre)
    h_post = opt.register_step_post_hook(post)
    g = ember.optim.optimizer.register_optimizer_step_pre_hook(
        lambda o, a, k: log.append(("global", type(o).__name__)))
    try:
        p.grad = ember.ones(2)
        opt.step()
        other.step()
    finally:
        g.remove()
    assert log == [("global", "SGD"), ("pre", True), ("post", True), ("global", "SGD")]
    h_pre.remove()
    h_post.remove()
    opt.step()
    assert len(log) == 4

    # a pre hook may replace the arguments; a bad return value is an error
    opt.register_step_pre_hook(lambda o, a, k: (a, {"closure": lambda: 7.0}))
    assert opt.step() == 7.0
    bad = ember.optim.Adam([_param(2)])
    bad.register_step_pre_hook(lambda o, a, k: 3)
    with pytest.raises(RuntimeError, match="must return None or a tuple of"):
        bad.step()


def test_repr():
    opt = ember.optim.SGD([_param(2)], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [_param(1)], "lr": 0.01})
    assert repr(opt) == (
        "SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n"
        "    foreach: None\n    fused: None\n    lr: 0.1\n    maximize: False\n    momentum: 0.9\n"
        "    nesterov: False\n    weight_decay: 0\n\nParameter Group 1\n    dampening: 0\n"
        "    differentiable: False\n    foreach: None\n    fused: None\n    lr: 0.01\n"
        "    maximize: False\n    momentum: 0.9\n    nesterov: False\n    weight_decay: 0\n)")


def test_adamw_is_decoupled_adam():
    a = ember.optim.AdamW([_param(2)])
    assert isinstance(a, ember.optim.Adam)
    assert a.defaults["weight_decay"] == 1e-2 and a.defaults["decoupled_weight_decay"] is True
    assert ember.optim.Adam([_param(2)]).defaults["weight_decay"] == 0


def test_optimizer_deepcopy_and_pickle():
    import pickle
    p = _param(3)
    opt = ember.optim.Adam([p], lr=0.01)
    p.grad = ember.ones(3)
    opt.step()
    for clone in (copy.deepcopy(opt), pickle.loads(pickle.dumps(opt))):
        q = clone.param_groups[0]["params"][0]
        assert q is not p and clone.state[q]["step"].item() == 1.0
        q.grad = ember.ones(3)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            clone.step()
        assert clone.state[q]["step"].item() == 2.0
