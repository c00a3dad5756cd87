"""LBFGS: minimising the Rosenbrock function, quadratics, options, state and errors."""
import copy

import numpy as np
import pytest

import ember
from conftest import to_np


def rosenbrock(x):
    return ((1 - x[:-1]) ** 2 + 100 * (x[1:] - x[:-1] ** 2) ** 2).sum()


def _minimise(x, steps, **kw):
    opt = ember.optim.LBFGS([x], **kw)

    def closure():
        opt.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    for _ in range(steps):
        opt.step(closure)
    return opt, closure


# (the 4-D function also has a local minimum near (-0.78, 0.61, 0.38, 0.15): start away from it)
@pytest.mark.parametrize("start", [[-1.5, 2.0], [-1.2, 1.0, 0.5], [0.5, -0.5, 1.5, 0.8]])
def test_rosenbrock_strong_wolfe(start, device):
    x = ember.tensor(np.array(start), dtype=ember.float64, device=device, requires_grad=True)
    opt, closure = _minimise(x, 5, lr=1, max_iter=100, history_size=10,
                             line_search_fn="strong_wolfe")
    np.testing.assert_allclose(to_np(x), np.ones(len(start)), atol=1e-4)
    assert float(closure()) < 1e-8
    state = opt.state[x]
    assert state["n_iter"] <= 500 and state["func_evals"] >= state["n_iter"]


def test_rosenbrock_without_line_search_decreases(device):
    x = ember.tensor([-1.5, 2.0], dtype=ember.float64, device=device, requires_grad=True)
    start = float(rosenbrock(x))
    _, closure = _minimise(x, 10, lr=0.5, max_iter=50)
    assert float(closure()) < start * 1e-3


def test_quadratic_exact(device):
    """On a convex quadratic with exact line search L-BFGS reaches the minimum quickly."""
    rng = np.random.default_rng(0)
    m = rng.standard_normal((6, 6))
    A = m @ m.T + 6 * np.eye(6)
    b = rng.standard_normal(6)
    At = ember.tensor(A, device=device)
    bt = ember.tensor(b, device=device)
    w = ember.zeros(3, 2, dtype=ember.float64, device=device, requires_grad=True)
    v = ember.zeros(0, dtype=ember.float64, device=device, requires_grad=True)   # empty param
    opt = ember.optim.LBFGS([w, v], line_search_fn="strong_wolfe", max_iter=50, max_eval=100,
                            tolerance_grad=1e-12, tolerance_change=1e-14)

    def closure():
        opt.zero_grad()
        x = w.reshape(-1)
        loss = 0.5 * (x @ (At @ x)) - (bt * x).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(to_np(w).reshape(-1), np.linalg.solve(A, b), atol=1e-7)


def test_history_is_bounded_and_state_round_trips():
    x = ember.tensor([-1.2, 1.0, 0.5], dtype=ember.float64, requires_grad=True)
    opt, _ = _minimise(x, 1, max_iter=15, history_size=3, line_search_fn="strong_wolfe")
    state = opt.state[x]
    assert len(state["old_dirs"]) <= 3 and len(state["old_stps"]) <= 3 and len(state["ro"]) <= 3
    assert set(state) >= {"func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro",
                          "H_diag", "prev_flat_grad", "prev_loss"}

    # resuming from a deep-copied state dict continues identically
    saved = copy.deepcopy(opt.state_dict())
    y = ember.tensor(to_np(x).copy(), dtype=ember.float64, requires_grad=True)
    _minimise_more = []
    for var in (x, y):
        o = opt if var is x else ember.optim.LBFGS([y], max_iter=15, history_size=3,
                                                    line_search_fn="strong_wolfe")
        if var is y:
            o.load_state_dict(saved)

        def closure(o=o, var=var):
            o.zero_grad()
            loss = rosenbrock(var)
            loss.backward()
            return loss
        o.step(closure)
        _minimise_more.append(to_np(var).copy())
    np.testing.assert_array_equal(_minimise_more[0], _minimise_more[1])


def test_stops_at_optimum():
    """A zero gradient returns at once, after one evaluation."""
    x = ember.ones(3, dtype=ember.float64, requires_grad=True)
    opt, closure = _minimise(x, 1)
    assert opt.state[x]["func_evals"] == 1 and opt.state[x]["n_iter"] == 0
    np.testing.assert_array_equal(to_np(x), np.ones(3))


def test_errors_and_defaults():
    x = ember.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
        ember.optim.LBFGS([{"params": [x]}, {"params": [ember.zeros(1, requires_grad=True)]}])
    with pytest.raises(TypeError):
        ember.optim.LBFGS([x]).step()                       # the closure is required
    opt = ember.optim.LBFGS([x], max_iter=8, line_search_fn="bogus")
    assert opt.defaults["max_eval"] == 10 and opt.defaults["history_size"] == 100

    def closure():
        opt.zero_grad()
        loss = ((x - 1) ** 2).sum()
        loss.backward()
        return loss
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
