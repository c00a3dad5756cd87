"""The autograd engine: graph recording, backward/grad, hooks, errors, memory, higher order."""
import gc
import weakref

import numpy as np
import pytest

import ember
from ember import autograd
from conftest import assert_close, to_np


def t64(x, device="cpu", rg=True):
    return ember.tensor(np.asarray(x, dtype=np.float64), device=device, requires_grad=rg)


def test_leaf_and_nonleaf(device):
    x = t64([1.0, 2.0], device)
    y = x * 2
    assert x.is_leaf and not y.is_leaf
    assert y.requires_grad and y.grad_fn.name() == "MulBackward0"
    assert y.grad_fn.next_functions[0][0].__class__.__name__ == "AccumulateGrad"
    z = y.detach()
    assert z.is_leaf and not z.requires_grad
    assert z._storage is y._storage


def test_backward_accumulates(device):
    x = t64([1.0, 2.0, 3.0], device)
    (x * x).sum().backward()
    (x * x).sum().backward()
    assert_close(x.grad, np.array([4.0, 8.0, 12.0]))


def test_parameter_used_many_times(device):
    x = t64([0.5, -1.0], device)
    y = x * x * x + ember.sin(x) * x
    y.sum().backward()
    xn = np.array([0.5, -1.0])
    assert_close(x.grad, 3 * xn ** 2 + np.cos(xn) * xn + np.sin(xn))


def test_implicit_grad_only_for_scalars(device):
    x = t64([1.0, 2.0], device)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()


def test_no_grad_tensor_backward_raises(device):
    x = ember.tensor([1.0, 2.0], device=device)
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        x.sum().backward()


def test_second_backward_raises_unless_retained(device):
    x = t64([1.0, 2.0], device)
    y = ember.exp(x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert_close(x.grad, 2 * np.exp([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_inplace_on_saved_tensor_raises(device):
    x = t64([1.0, 2.0], device)
    a = x * 1
    b = a * a            # saves a
    a.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()


def test_inplace_on_leaf_raises(device):
    x = t64([1.0], device)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with ember.no_grad():
        x.add_(1)          # allowed without recording
    assert_close(x.detach(), np.array([2.0]))


def test_inplace_chain_gradient(device):
    x = t64([1.0, 2.0], device)
    y = x * 1
    y.mul_(3)
    y.exp_()
    y.sum().backward()
    assert_close(x.grad, 3 * np.exp(3 * np.array([1.0, 2.0])))


def test_autograd_grad_and_allow_unused(device):
    x = t64([1.0, 2.0], device)
    w = t64([3.0], device)
    y = (x * x).sum()
    (g,) = autograd.grad(y, x)
    assert_close(g, np.array([2.0, 4.0]))
    assert x.grad is None
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        autograd.grad((x * 2).sum(), [x, w])
    gx, gw = autograd.grad((x * 2).sum(), [x, w], allow_unused=True)
    assert gw is None
    gx, gw = autograd.grad((x * 2).sum(), [x, w], materialize_grads=True)
    assert_close(gw, np.zeros(1))


def test_second_and_third_derivative(device):
    x = t64([0.3, 1.1], device)
    (g1,) = autograd.grad(ember.sin(x).sum(), x, create_graph=True)
    (g2,) = autograd.grad(g1.sum(), x, create_graph=True)
    (g3,) = autograd.grad(g2.sum(), x)
    xn = np.array([0.3, 1.1])
    assert_close(g1.detach(), np.cos(xn))
    assert_close(g2.detach(), -np.sin(xn))
    assert_close(g3, -np.cos(xn))


def test_hessian_vector_product_quadratic_form(device):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 3))
    An = ember.tensor(A, device=device)
    x = t64(rng.standard_normal(3), device)
    v = rng.standard_normal(3)
    # f(x) = x^T A x ; H = A + A^T
    f = (x * (An * x.reshape(1, 3)).sum(1)).sum()
    (g,) = autograd.grad(f, x, create_graph=True)
    (hv,) = autograd.grad(g, x, ember.tensor(v, device=device))
    assert_close(hv, (A + A.T) @ v)


def test_tensor_hooks_and_retain_grad(device):
    x = t64([1.0, 2.0], device)
    y = x * 2
    y.retain_grad()
    seen = []
    h = y.register_hook(lambda g: seen.append(to_np(g)) or g * 10)
    (y * y).sum().backward()
    assert_close(y.grad, 10 * 2 * np.array([2.0, 4.0]))    # retain_grad runs after the hooks (torch >= 2.0)
    assert len(seen) == 1
    assert_close(x.grad, 2 * 10 * 2 * np.array([2.0, 4.0]))
    h.remove()
    x.grad = None
    y = x * 2
    (y * y).sum().backward()
    assert_close(x.grad, 2 * 2 * np.array([2.0, 4.0]))


def test_leaf_hook_and_post_accumulate_hook(device):
    x = t64([1.0, 2.0], device)
    x.register_hook(lambda g: g * 0 + 7)
    calls = []
    x.register_post_accumulate_grad_hook(lambda t: calls.append(to_np(t.grad)))
    (x * 3).sum().backward()
    assert_close(x.grad, np.array([7.0, 7.0]))
    assert len(calls) == 1


def test_node_hooks(device):
    x = t64([1.0, 2.0], device)
    y = ember.exp(x)
    pre, post = [], []
    y.grad_fn.register_prehook(lambda go: pre.append(len(go)))
    y.grad_fn.register_hook(lambda gi, go: post.append((len(gi), len(go))))
    y.sum().backward()
    assert pre == [1] and post == [(1, 1)]


def test_no_grad_enable_grad_set_grad_enabled(device):
    x = t64([1.0], device)
    with ember.no_grad():
        assert not ember.is_grad_enabled()
        y = x * 2
        with ember.enable_grad():
            z = x * 2
    assert not y.requires_grad and z.requires_grad

    @ember.no_grad()
    def f(a):
        return a * 2
    assert not f(x).requires_grad
    ember.set_grad_enabled(False)
    assert not (x * 2).requires_grad
    ember.set_grad_enabled(True)
    with ember.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    with ember.inference_mode():
        assert not (x * 2).requires_grad


def test_grad_mode_is_thread_local():
    import threading
    x = t64([1.0])
    out = {}
    with ember.no_grad():
        th = threading.Thread(target=lambda: out.setdefault("rg", (x * 2).requires_grad))
        th.start()
        th.join()
    assert out["rg"] is True


def test_long_chain_no_recursion_error():
    x = t64([1.0])
    y = x
    for _ in range(100_000):
        y = y + 1e-6
    y.sum().backward()
    assert_close(x.grad, np.array([1.0]))


def test_graph_freed_when_outputs_die():
    x = t64(np.ones(4))
    y = ember.exp(x * 2)
    ref = weakref.ref(y.grad_fn)
    mid = weakref.ref(y.grad_fn.next_functions[0][0])
    del y
    gc.collect()
    assert ref() is None and mid() is None


def test_no_reference_cycles_keep_tensors_alive():
    gc.collect()
    gc.disable()
    try:
        x = t64(np.ones(8))
        y = ember.tanh(ember.exp(x) * x)       # exp and tanh save their outputs
        r = weakref.ref(y)
        g = weakref.ref(y.grad_fn)
        del y
        assert r() is None and g() is None     # freed by refcount alone, no cycle
    finally:
        gc.enable()


def test_broadcast_gradients_sum_back(device):
    a = t64(np.ones((2, 3)), device)
    b = t64(np.ones((3,)), device)
    c = t64(2.0, device)
    (a * b * c).sum().backward()
    assert_close(b.grad, np.full(3, 4.0))
    assert_close(c.grad, np.array(6.0))


def test_backward_inputs_argument(device):
    x = t64([1.0], device)
    w = t64([2.0], device)
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None
    assert_close(w.grad, np.array([1.0]))


def test_requires_grad_rules(device):
    with pytest.raises(RuntimeError, match="floating point"):
        ember.tensor([1, 2], device=device).requires_grad_()
    x = t64([1.0], device)
    y = x * 2
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad = False


def test_detect_anomaly_names_the_op(device):
    x = t64([0.0], device)
    with pytest.warns(UserWarning):
        with autograd.detect_anomaly():
            y = ember.sqrt(x) * 0          # d sqrt at 0 -> inf * 0 = nan
            with pytest.raises(RuntimeError, match="returned nan values"):
                y.sum().backward()


def test_inplace_through_view_rebases_base(device):
    y = t64([1.0, 2.0], device)
    x = ember.zeros(2, 2, dtype=ember.float64, device=device)
    x[0] = y * 3
    assert x.requires_grad and not x.is_leaf
    (x * ember.tensor([[1.0, 10.0], [100.0, 1000.0]], dtype=ember.float64, device=device)).sum().backward()
    assert_close(y.grad, np.array([3.0, 30.0]))


def test_inplace_mul_on_view_of_nonleaf(device):
    b = t64([[1.0, 2.0], [3.0, 4.0]], device)
    c = b * 1
    c[:, 1].mul_(5)
    c.backward(ember.tensor([[1.0, 10.0], [100.0, 1000.0]], dtype=ember.float64, device=device))
    assert_close(b.grad, np.array([[1.0, 50.0], [100.0, 5000.0]]))


def test_copy_into_view_rebases_base(device):
    y = t64([1.0, 2.0], device)
    x = ember.zeros(2, 2, dtype=ember.float64, device=device)
    x.select(0, 1).copy_(y * 2)
    assert x.grad_fn.name() == "CopySlices"
    (x * ember.tensor([[1.0, 10.0], [100.0, 1000.0]], dtype=ember.float64, device=device)).sum().backward()
    assert_close(y.grad, np.array([200.0, 2000.0]))


def test_inplace_on_view_of_leaf_raises(device):
    x = t64([1.0, 2.0], device)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        x[0].mul_(2)


def test_out_argument_with_grad_raises(device):
    x = t64([1.0], device)
    with pytest.raises(RuntimeError, match="out=... arguments don't support automatic differentiation"):
        ember.exp(x, out=ember.empty(1, dtype=ember.float64))
