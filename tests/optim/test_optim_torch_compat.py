"""Side by side with torch.optim (skipped without PyTorch): same initial values and gradients
give the same parameters, state and learning rates; reprs and state-dict layouts match."""
import warnings

import numpy as np
import pytest

import ember
from conftest import to_np
from _optim_reference import CASES, case_id

torch = pytest.importorskip("torch")

STEPS = 8


def _pair(name, kw, dtype, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(4, 3), (7,)]
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(STEPS)]
    results = {}
    for lib in (torch, ember):
        if lib is torch:
            params = [torch.tensor(a, requires_grad=True) for a in init]
        else:
            params = [ember.nn.Parameter(ember.tensor(a)) for a in init]
        opt = getattr(lib.optim, name)([{"params": [params[0]]},
                                        {"params": [params[1]], "lr": 0.003}], **kw)
        for step_grads in grads:
            for p, g in zip(params, step_grads):
                p.grad = lib.tensor(g)
            opt.step()
        results[lib] = (params, opt)
    return results


@pytest.mark.parametrize("case", CASES, ids=case_id)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_optimizer_matches_torch(case, dtype):
    name, kw = case
    res = _pair(name, kw, dtype)
    (tp, topt), (ep, eopt) = res[torch], res[ember]
    tol = dict(rtol=2e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    for a, b in zip(tp, ep):
        np.testing.assert_allclose(to_np(b), a.detach().numpy(), **tol)
    tsd, esd = topt.state_dict(), eopt.state_dict()
    assert tsd["param_groups"] == [
        {k: (tuple(v) if isinstance(v, tuple) else v) for k, v in g.items()} for g in esd["param_groups"]]
    assert tsd["state"].keys() == esd["state"].keys()
    for idx in tsd["state"]:
        assert tsd["state"][idx].keys() == esd["state"][idx].keys()
        for key, tv in tsd["state"][idx].items():
            ev = esd["state"][idx][key]
            assert tuple(ev.shape) == tuple(tv.shape) and str(ev.dtype) == str(tv.dtype).replace("torch", "ember")
            np.testing.assert_allclose(to_np(ev), tv.numpy(), **tol)


def test_repr_matches_torch():
    for name in ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam",
                 "RAdam", "LBFGS"]:
        t = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], lr=0.5)
        e = getattr(ember.optim, name)([ember.zeros(1, requires_grad=True)], lr=0.5)
        assert repr(t) == repr(e)


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_matches_torch(line_search):
    def rosen(x):
        return ((1 - x[:-1]) ** 2 + 100 * (x[1:] - x[:-1] ** 2) ** 2).sum()
    out = {}
    for lib in (torch, ember):
        x = lib.tensor(np.array([-1.5, 2.0, -0.5]), requires_grad=True)
        opt = lib.optim.LBFGS([x], lr=1 if line_search else 0.5, max_iter=40, history_size=7,
                              line_search_fn=line_search)

        def closure():
            opt.zero_grad()
            loss = rosen(x)
            loss.backward()
            return loss
        for _ in range(3):
            opt.step(closure)
        out[lib] = (x.detach().numpy().copy(), opt.state[x]["func_evals"], opt.state[x]["n_iter"])
    np.testing.assert_allclose(out[ember][0], out[torch][0], rtol=1e-6, atol=1e-9)
    assert out[ember][1:] == out[torch][1:]


def _schedulers(lib):
    L = lib.optim.lr_scheduler
    return {
        "LambdaLR": lambda o: L.LambdaLR(o, lambda e: 0.9 ** e),
        "MultiplicativeLR": lambda o: L.MultiplicativeLR(o, [lambda e: 0.95, lambda e: 0.9]),
        "StepLR": lambda o: L.StepLR(o, 3, 0.5),
        "MultiStepLR": lambda o: L.MultiStepLR(o, [2, 5, 5, 9], 0.3),
        "ConstantLR": lambda o: L.ConstantLR(o, 0.25, 4),
        "LinearLR": lambda o: L.LinearLR(o, 0.2, 0.9, 7),
        "ExponentialLR": lambda o: L.ExponentialLR(o, 0.8),
        "PolynomialLR": lambda o: L.PolynomialLR(o, 8, 2.0),
        "CosineAnnealingLR": lambda o: L.CosineAnnealingLR(o, 6, 0.001),
        "CosineAnnealingWarmRestarts": lambda o: L.CosineAnnealingWarmRestarts(o, 3, 2, 0.001),
        "CyclicLR": lambda o: L.CyclicLR(o, 0.01, [0.1, 0.2], 4, 3),
        "CyclicLR-triangular2": lambda o: L.CyclicLR(o, 0.01, 0.1, 3, mode="triangular2"),
        "CyclicLR-exp_range": lambda o: L.CyclicLR(o, 0.01, 0.1, 3, mode="exp_range", gamma=0.9),
        "OneCycleLR": lambda o: L.OneCycleLR(o, 0.5, total_steps=41),
        "OneCycleLR-3": lambda o: L.OneCycleLR(o, [0.5, 0.2], epochs=4, steps_per_epoch=10,
                                               three_phase=True, anneal_strategy="linear"),
        "SequentialLR": lambda o: L.SequentialLR(
            o, [L.ConstantLR(o, 0.1, 3), L.ExponentialLR(o, 0.9), L.StepLR(o, 2)], [3, 8]),
        "ChainedScheduler": lambda o: L.ChainedScheduler(
            [L.ConstantLR(o, 0.1, 3), L.ExponentialLR(o, 0.9)]),
    }


@pytest.mark.parametrize("name", list(_schedulers(ember)))
def test_scheduler_matches_torch(name):
    seqs = {}
    for lib in (torch, ember):
        p1 = lib.zeros(2, requires_grad=True)
        p2 = lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([{"params": [p1]}, {"params": [p2], "lr": 0.05}], lr=0.1, momentum=0.9)
        sched = _schedulers(lib)[name](opt)
        seq = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(40):
                opt.step()
                sched.step()
                seq.append((tuple(sched.get_last_lr()), opt.param_groups[0]["momentum"]))
        seqs[lib] = seq
    for (tl, tm), (el, em) in zip(seqs[torch], seqs[ember]):
        np.testing.assert_allclose(el, tl, rtol=1e-13, atol=1e-16)
        assert em == pytest.approx(tm, rel=1e-13)


def test_reduce_on_plateau_matches_torch():
    metrics = [5, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 2.9999, 3, 3, 3, 3, 3, 3, 3, 3]
    out = {}
    for lib in (torch, ember):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        s = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=2, cooldown=1, min_lr=0.002)
        lrs = []
        for m in metrics:
            s.step(m)
            lrs.append(s.get_last_lr()[0])
        out[lib] = lrs
    assert out[ember] == out[torch]


def test_scheduler_state_dict_keys_match_torch():
    keys = {}
    for lib in (torch, ember):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        s = lib.optim.lr_scheduler.StepLR(opt, 3)
        keys[lib] = set(s.state_dict())
    assert keys[ember] == keys[torch]
