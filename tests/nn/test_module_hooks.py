"""nn.Module hooks: forward pre-hooks, forward hooks, full backward (pre-)hooks, global hooks."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn.modules import module as module_mod


class Scale(nn.Module):
    """y = w * x (+ b * 0): simple gradients to check the hooks against."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(ember.tensor([2.0, 3.0], dtype=ember.float64))

    def forward(self, x, y=None, flag=False):
        out = self.w * x
        if y is not None:
            out = out + y
        return out


def x64(vals, rg=True):
    return ember.tensor(vals, dtype=ember.float64, requires_grad=rg)


def test_forward_pre_hook_modifies_input_and_order():
    m = Scale()
    calls = []

    def double(mod, args):
        calls.append("double")
        return args[0] * 2              # a single value is wrapped in a tuple

    def first(mod, args):
        calls.append("first")

    h1 = m.register_forward_pre_hook(double)
    h2 = m.register_forward_pre_hook(first, prepend=True)
    out = m(x64([1.0, 1.0], rg=False))
    np.testing.assert_allclose(out.detach().numpy(), [4.0, 6.0])
    assert calls == ["first", "double"]
    h1.remove()
    h2.remove()
    h1.remove()                         # removing twice is harmless
    np.testing.assert_allclose(m(x64([1.0, 1.0], rg=False)).detach().numpy(), [2.0, 3.0])


def test_forward_pre_hook_with_kwargs():
    m = Scale()

    def hook(mod, args, kwargs):
        kwargs = dict(kwargs)
        kwargs["y"] = x64([10.0, 10.0], rg=False)
        return args, kwargs

    m.register_forward_pre_hook(hook, with_kwargs=True)
    np.testing.assert_allclose(m(x64([1.0, 1.0], rg=False)).detach().numpy(), [12.0, 13.0])
    m2 = Scale()
    m2.register_forward_pre_hook(lambda mod, a, k: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple of \\(new_args, new_kwargs\\)"):
        m2(x64([1.0, 1.0]))


def test_forward_hook_modifies_output_and_kwargs():
    m = Scale()
    seen = {}

    def hook(mod, args, out):
        seen["args"] = args
        return out + 1

    def kw_hook(mod, args, kwargs, out):
        seen["kwargs"] = kwargs
        return out * 10

    m.register_forward_hook(hook)
    h = m.register_forward_hook(kw_hook, with_kwargs=True)
    out = m(x64([1.0, 1.0], rg=False), flag=True)
    np.testing.assert_allclose(out.detach().numpy(), [30.0, 40.0])
    assert len(seen["args"]) == 1 and seen["kwargs"] == {"flag": True}
    h.remove()
    assert not m._forward_hooks_with_kwargs        # the flag dict is cleaned too
    with m.register_forward_hook(lambda mod, a, o: o * 0):
        assert m(x64([1.0, 1.0], rg=False)).sum().item() == 0.0
    np.testing.assert_allclose(m(x64([1.0, 1.0], rg=False)).detach().numpy(), [3.0, 4.0])


def test_forward_hook_always_call():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    m = Boom()
    called = []
    m.register_forward_hook(lambda mod, a, o: called.append("normal"))
    m.register_forward_hook(lambda mod, a, o: called.append(("always", o)), always_call=True)
    with pytest.raises(ValueError, match="boom"):
        m(ember.ones(1))
    assert called == [("always", None)]


def test_full_backward_hook_values_and_replacement():
    m = Scale()
    x = x64([1.0, -1.0])
    record = {}

    def hook(mod, grad_input, grad_output):
        record["gi"] = [g.detach().numpy().copy() for g in grad_input]
        record["go"] = [g.detach().numpy().copy() for g in grad_output]
        return (grad_input[0] * 100,)

    m.register_full_backward_hook(hook)
    out = m(x)
    (out * x64([1.0, 2.0], rg=False)).sum().backward()
    np.testing.assert_allclose(record["go"][0], [1.0, 2.0])
    np.testing.assert_allclose(record["gi"][0], [2.0, 6.0])      # w * grad_output
    np.testing.assert_allclose(x.grad.numpy(), [200.0, 600.0])    # replaced grad_input
    np.testing.assert_allclose(m.w.grad.numpy(), [1.0, -2.0])     # parameter grads are unaffected


def test_full_backward_hook_non_tensor_and_no_grad_inputs():
    m = Scale()
    seen = {}

    def hook(mod, gi, go):
        seen["gi"] = gi

    m.register_full_backward_hook(hook)
    x = x64([1.0, 2.0])
    y = x64([0.5, 0.5], rg=False)
    m(x, y).sum().backward()
    assert len(seen["gi"]) == 2 and seen["gi"][1] is None     # y does not require grad
    np.testing.assert_allclose(seen["gi"][0].numpy(), [2.0, 3.0])
    # no input requires grad: the hook fires on the outputs' gradient with grad_input all None
    seen.clear()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        m(x64([1.0, 2.0], rg=False)).sum().backward()
    assert seen["gi"] == (None,)
    assert any("Full backward hook is firing" in str(i.message) for i in w)
    np.testing.assert_allclose(m.w.grad.numpy(), [1.0 + 1.0, 2.0 + 2.0])


def test_full_backward_hook_bad_return_length():
    m = Scale()
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
    with pytest.raises(RuntimeError, match="Backward hook returned an invalid number of grad_input, got 2, but expected 1"):
        m(x64([1.0, 2.0])).sum().backward()


def test_full_backward_pre_hook_modifies_grad_output():
    m = Scale()
    x = x64([1.0, 1.0])
    m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 3,))
    m(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 9.0])
    np.testing.assert_allclose(m.w.grad.numpy(), [3.0, 3.0])     # the parameters see it too


def test_backward_hooks_on_sequential_child_gradients():
    ember.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    grads = {}
    net[1].register_full_backward_hook(lambda mod, gi, go: grads.update(tanh=(gi[0], go[0])))
    x = ember.randn(5, 3, dtype=ember.float64, requires_grad=True)
    net(x).sum().backward()
    gi, go = grads["tanh"]
    h = net[0](x).detach()
    np.testing.assert_allclose(gi.numpy(), (go * (1 - ember.tanh(h) ** 2)).numpy(), rtol=1e-12)


def test_cannot_mix_backward_hook_kinds():
    m = Scale()
    m.register_full_backward_hook(lambda *a: None)
    with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks and full backward hooks"):
        m.register_backward_hook(lambda *a: None)


def test_legacy_backward_hook_on_grad_fn():
    m = Scale()
    seen = []
    m.register_backward_hook(lambda mod, gi, go: seen.append(len(go)))
    m(x64([1.0, 2.0])).sum().backward()
    assert seen == [1]


def test_hooks_do_not_run_without_registration_and_removal():
    m = Scale()
    h = m.register_full_backward_hook(lambda *a: None)
    h.remove()
    x = x64([1.0, 1.0])
    out = m(x)
    assert out.grad_fn.name() == "MulBackward0"      # no identity node added once removed


def test_global_hooks():
    calls = []
    h1 = module_mod.register_module_forward_pre_hook(lambda mod, args: calls.append(("pre", type(mod).__name__)))
    h2 = module_mod.register_module_forward_hook(lambda mod, args, out: calls.append(("post", type(mod).__name__)))
    try:
        nn.Sequential(nn.ReLU())(ember.ones(1))
    finally:
        h1.remove()
        h2.remove()
    assert calls == [("pre", "Sequential"), ("pre", "ReLU"), ("post", "ReLU"), ("post", "Sequential")]
    nn.ReLU()(ember.ones(1))
    assert len(calls) == 4


def test_global_registration_hooks():
    seen = []
    h = module_mod.register_module_parameter_registration_hook(lambda mod, name, p: seen.append(name))
    try:
        nn.Linear(1, 1)
    finally:
        h.remove()
    assert seen == ["weight", "bias"]
