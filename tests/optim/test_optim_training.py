"""Convergence: a linear regression trained to a threshold with SGD and with Adam (and the other
optimizers), the model a pair of Parameters and the loss written with ember ops."""
import numpy as np
import pytest

import ember
from conftest import to_np


def _problem(device, n=128, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(np.float32)
    w_true = rng.standard_normal((d, 1)).astype(np.float32)
    y = X @ w_true + 0.7 + 0.01 * rng.standard_normal((n, 1)).astype(np.float32)
    return ember.tensor(X, device=device), ember.tensor(y, device=device), w_true


def _train(opt_factory, device, steps, scheduler_factory=None):
    X, y, w_true = _problem(device)
    w = ember.nn.Parameter(ember.zeros(X.shape[1], 1, device=device))
    b = ember.nn.Parameter(ember.zeros(1, device=device))
    opt = opt_factory([w, b])
    sched = scheduler_factory(opt) if scheduler_factory else None
    loss = None
    for _ in range(steps):
        opt.zero_grad()
        loss = ((X @ w + b - y) ** 2).mean()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
    return float(loss), to_np(w), to_np(b), w_true


@pytest.mark.parametrize("name, factory, steps", [
    ("SGD", lambda p: ember.optim.SGD(p, lr=0.1), 200),
    ("SGD momentum", lambda p: ember.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True), 150),
    ("Adam", lambda p: ember.optim.Adam(p, lr=0.05), 300),
    ("AdamW", lambda p: ember.optim.AdamW(p, lr=0.05, weight_decay=1e-4), 300),
    ("RMSprop", lambda p: ember.optim.RMSprop(p, lr=0.01), 400),
    ("Adagrad", lambda p: ember.optim.Adagrad(p, lr=0.5), 300),
    ("Adamax", lambda p: ember.optim.Adamax(p, lr=0.05), 400),
    ("NAdam", lambda p: ember.optim.NAdam(p, lr=0.1), 300),
    ("RAdam", lambda p: ember.optim.RAdam(p, lr=0.05), 400),
    ("Adadelta", lambda p: ember.optim.Adadelta(p, lr=1.0), 1800),   # slow by design
])
def test_linear_regression_converges(name, factory, steps, device):
    loss, w, b, w_true = _train(factory, device, steps)
    assert loss < 1e-3, f"{name}: loss {loss}"
    np.testing.assert_allclose(w, w_true, atol=0.03)
    np.testing.assert_allclose(b, [0.7], atol=0.03)


def test_linear_regression_with_scheduler(device):
    loss, w, _, w_true = _train(
        lambda p: ember.optim.SGD(p, lr=0.02, momentum=0.9),
        device, 150,
        lambda o: ember.optim.lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=150))
    assert loss < 1e-3
    np.testing.assert_allclose(w, w_true, atol=0.03)


def test_linear_regression_lbfgs(device):
    X, y, w_true = _problem(device)
    w = ember.nn.Parameter(ember.zeros(X.shape[1], 1, device=device))
    b = ember.nn.Parameter(ember.zeros(1, device=device))
    opt = ember.optim.LBFGS([w, b], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((X @ w + b - y) ** 2).mean()
        loss.backward()
        return loss

    opt.step(closure)
    assert float(closure()) < 2e-4
    np.testing.assert_allclose(to_np(w), w_true, atol=0.01)
