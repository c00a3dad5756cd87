"""Every learning-rate scheduler against its closed-form formula for many steps, plus state
dicts, warnings and errors."""
import math
import warnings
from bisect import bisect_right

import pytest

import ember
from ember.optim import lr_scheduler as L

BASE = (0.1, 0.05)
N = 45


def _opt(cls=ember.optim.SGD, **kw):
    a = ember.nn.Parameter(ember.zeros(2))
    b = ember.nn.Parameter(ember.zeros(3))
    kw = dict(dict(lr=BASE[0], momentum=0.9) if cls is ember.optim.SGD else dict(lr=BASE[0]), **kw)
    return cls([{"params": [a]}, {"params": [b], "lr": BASE[1]}], **kw)


def _run(opt, sched, n=N, key="lr"):
    """Values of the groups' `key` at epochs 0..n (stepping the optimizer first, as one should)."""
    def value(g):
        return g[key] if key != "beta1" else g["betas"][0]
    seq = [[value(g) for g in opt.param_groups]]
    assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
    for _ in range(n):
        opt.step()
        sched.step()
        seq.append([value(g) for g in opt.param_groups])
        assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
    return seq


def _check(seq, formula, rel=1e-12, abs_=1e-15):
    for e, values in enumerate(seq):
        for i, (got, base) in enumerate(zip(values, BASE)):
            want = formula(e, base, i)
            assert got == pytest.approx(want, rel=rel, abs=abs_), f"epoch {e} group {i}"


def test_lambda_lr():
    opt = _opt()
    s = L.LambdaLR(opt, [lambda e: 0.9 ** e, lambda e: 1 / (1 + e)])
    _check(_run(opt, s), lambda e, b, i: b * (0.9 ** e if i == 0 else 1 / (1 + e)))


def test_multiplicative_lr():
    opt = _opt()
    s = L.MultiplicativeLR(opt, lambda e: 0.95 if e % 2 else 0.9)
    _check(_run(opt, s), lambda e, b, i: b * math.prod(0.95 if k % 2 else 0.9
                                                       for k in range(1, e + 1)))


def test_step_lr():
    opt = _opt()
    s = L.StepLR(opt, step_size=4, gamma=0.5)
    _check(_run(opt, s), lambda e, b, i: b * 0.5 ** (e // 4))


def test_multi_step_lr():
    opt = _opt()
    milestones = [3, 7, 7, 20]           # a repeated milestone decays twice
    s = L.MultiStepLR(opt, milestones, gamma=0.3)
    _check(_run(opt, s), lambda e, b, i: b * 0.3 ** bisect_right(sorted(milestones), e))


def test_constant_lr():
    opt = _opt()
    s = L.ConstantLR(opt, factor=0.25, total_iters=6)
    _check(_run(opt, s), lambda e, b, i: b * (0.25 if e < 6 else 1.0))


def test_linear_lr():
    opt = _opt()
    s = L.LinearLR(opt, start_factor=0.2, end_factor=0.9, total_iters=10)
    _check(_run(opt, s), lambda e, b, i: b * (0.2 + 0.7 * min(e, 10) / 10))


def test_exponential_lr():
    opt = _opt()
    s = L.ExponentialLR(opt, gamma=0.93)
    _check(_run(opt, s), lambda e, b, i: b * 0.93 ** e, rel=1e-11)


def test_polynomial_lr():
    opt = _opt()
    s = L.PolynomialLR(opt, total_iters=12, power=2.0)
    _check(_run(opt, s), lambda e, b, i: b * (1 - min(e, 12) / 12) ** 2, abs_=1e-14)


def test_cosine_annealing_lr():
    opt = _opt()
    s = L.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)
    # the recursive form keeps following the cosine past T_max (it goes back up)
    _check(_run(opt, s), lambda e, b, i: 0.001 + (b - 0.001) * (1 + math.cos(math.pi * e / 10)) / 2,
           rel=1e-10, abs_=1e-12)


@pytest.mark.parametrize("T_0, T_mult", [(5, 1), (3, 2), (2, 3)])
def test_cosine_annealing_warm_restarts(T_0, T_mult):
    opt = _opt()
    s = L.CosineAnnealingWarmRestarts(opt, T_0=T_0, T_mult=T_mult, eta_min=0.002)

    def formula(e, b, i):
        t, period = e, T_0
        while t >= period:
            t -= period
            period *= T_mult
        return 0.002 + (b - 0.002) * (1 + math.cos(math.pi * t / period)) / 2
    _check(_run(opt, s), formula, rel=1e-10)
    # fractional epochs (per-batch stepping) use the same closed form
    for epoch in (0.5, 3.25, 7.75, 20.1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s.step(epoch)
        t, period = epoch, T_0
        while t >= period:
            t -= period
            period *= T_mult
        want = 0.002 + (BASE[0] - 0.002) * (1 + math.cos(math.pi * t / period)) / 2
        assert opt.param_groups[0]["lr"] == pytest.approx(want, rel=1e-10)


def _triangle(e, up, down):
    pos = e % (up + down)
    return pos / up if pos <= up else 1 - (pos - up) / down


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_lr(mode):
    opt = _opt()
    s = L.CyclicLR(opt, base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=4, step_size_down=3,
                   mode=mode, gamma=0.97, base_momentum=0.8, max_momentum=0.95)

    def scale(e):
        cycle = 1 + e // 7
        return {"triangular": 1.0, "triangular2": 1 / 2 ** (cycle - 1), "exp_range": 0.97 ** e}[mode]

    lows, highs = (0.01, 0.02), (0.1, 0.3)
    seq = _run(opt, s)
    for e, values in enumerate(seq):
        for i, got in enumerate(values):
            want = lows[i] + (highs[i] - lows[i]) * _triangle(e, 4, 3) * scale(e)
            assert got == pytest.approx(want, rel=1e-12, abs=1e-15), (e, i)
    opt = _opt()
    s = L.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=4, step_size_down=3, mode=mode,
                   gamma=0.97, base_momentum=0.8, max_momentum=0.95)
    for e, values in enumerate(_run(opt, s, key="momentum")):
        want = 0.95 - 0.15 * _triangle(e, 4, 3) * scale(e)
        assert values[0] == pytest.approx(want, rel=1e-12)


def test_cyclic_lr_custom_scale_and_betas():
    opt = _opt(ember.optim.Adam)
    s = L.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=5, scale_fn=lambda x: 0.5,
                   scale_mode="iterations", base_momentum=0.85, max_momentum=0.95)
    seq = _run(opt, s, n=20)
    betas = _run(opt, s, n=0, key="beta1")
    for e, values in enumerate(seq):
        assert values[0] == pytest.approx(0.01 + 0.09 * _triangle(e, 5, 5) * 0.5, rel=1e-12)
    assert betas[0][0] == pytest.approx(0.95 - 0.1 * _triangle(20, 5, 5) * 0.5)
    assert opt.param_groups[0]["betas"][1] == 0.999


def _cos_anneal(start, end, pct):
    return end + (start - end) / 2 * (1 + math.cos(math.pi * pct))


@pytest.mark.parametrize("three_phase, strategy", [(False, "cos"), (False, "linear"),
                                                    (True, "cos")])
def test_one_cycle_lr(three_phase, strategy):
    total, pct = 40, 0.25
    opt = _opt()
    s = L.OneCycleLR(opt, max_lr=[1.0, 0.5], total_steps=total, pct_start=pct,
                     anneal_strategy=strategy, three_phase=three_phase, div_factor=20,
                     final_div_factor=100)
    anneal = _cos_anneal if strategy == "cos" else (lambda a, b, t: a + (b - a) * t)
    peaks = (1.0, 0.5)
    seq = _run(opt, s, n=total - 1)
    for e, values in enumerate(seq):
        for i, got in enumerate(values):
            init, peak = peaks[i] / 20, peaks[i]
            low = init / 100
            end1 = pct * total - 1
            if three_phase:
                end2 = 2 * pct * total - 2
                if e <= end1:
                    want = anneal(init, peak, e / end1)
                elif e <= end2:
                    want = anneal(peak, init, (e - end1) / (end2 - end1))
                else:
                    want = anneal(init, low, (e - end2) / (total - 1 - end2))
            elif e <= end1:
                want = anneal(init, peak, e / end1)
            else:
                want = anneal(peak, low, (e - end1) / (total - 1 - end1))
            assert got == pytest.approx(want, rel=1e-12, abs=1e-15), (e, i)
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.95)
    s.step()                                       # step `total`: the last allowed one
    with pytest.raises(ValueError, match=f"Tried to step {total + 1} times. The specified number "
                                         f"of total steps is {total}"):
        s.step()


def test_one_cycle_momentum_follows_lr():
    opt = _opt()
    s = L.OneCycleLR(opt, max_lr=0.1, epochs=2, steps_per_epoch=10)
    assert s.total_steps == 20
    moms = [g[0] for g in _run(opt, s, n=19, key="momentum")]
    assert moms[0] == pytest.approx(0.95)
    assert min(moms) == pytest.approx(0.85, abs=1e-3) and moms[-1] == pytest.approx(0.95)


def test_reduce_lr_on_plateau():
    opt = _opt()
    s = L.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=2, threshold=0,
                            threshold_mode="abs", cooldown=1, min_lr=[0.02, 0.0])
    metrics = [10, 9, 9, 9, 9, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8]
    lrs = []
    for m in metrics:
        s.step(ember.tensor(float(m)))          # a 0-d tensor metric works too
        lrs.append(s.get_last_lr()[0])
    # reductions at epochs 5, 9, 13 (then clamped by min_lr 0.02... stays at 0.025)
    assert lrs[:4] == [0.1] * 4
    assert lrs[4:8] == [0.05] * 4 and lrs[8:12] == [0.025] * 4
    assert lrs[12:] == [0.02] * 5                  # max(0.0125, min_lr); further cuts are < eps
    assert s.get_last_lr()[1] == pytest.approx(0.05 * 0.5 ** 4)
    assert s.last_epoch == len(metrics) and s.best == 8

    opt = _opt()
    s = L.ReduceLROnPlateau(opt, mode="max", patience=0, threshold=0.1)    # relative threshold
    for m in [1.0, 1.05, 1.2, 1.25]:
        s.step(m)
    # 1.05 < 1.1 -> reduce; 1.2 > 1.1 -> better; 1.25 < 1.32 -> reduce
    assert s.get_last_lr()[0] == pytest.approx(0.1 * 0.1 * 0.1)


def test_sequential_lr():
    opt = _opt()
    s = L.SequentialLR(opt, [L.ConstantLR(opt, factor=0.1, total_iters=3),
                             L.ExponentialLR(opt, gamma=0.9)], milestones=[3])
    _check(_run(opt, s, n=20), lambda e, b, i: b * (0.1 if e < 3 else 0.9 ** (e - 3)), rel=1e-11)


def test_chained_scheduler():
    opt = _opt()
    s = L.ChainedScheduler([L.ConstantLR(opt, factor=0.1, total_iters=3),
                            L.ExponentialLR(opt, gamma=0.9)])
    _check(_run(opt, s, n=20), lambda e, b, i: b * 0.9 ** e * (0.1 if e < 3 else 1.0), rel=1e-11)


def test_state_dict_resume():
    def make():
        opt = _opt()
        return opt, L.SequentialLR(opt, [L.LinearLR(opt, 0.1, total_iters=4),
                                         L.CosineAnnealingLR(opt, T_max=10)], milestones=[4])
    opt, s = make()
    for _ in range(6):
        opt.step()
        s.step()
    osd, ssd = opt.state_dict(), s.state_dict()
    assert "optimizer" not in ssd and len(ssd["_schedulers"]) == 2
    expected = _run(opt, s, n=8)
    opt2, s2 = make()
    opt2.load_state_dict(osd)
    s2.load_state_dict(ssd)
    assert _run(opt2, s2, n=8) == expected


def test_lambda_state_dict_saves_callable_objects():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, e):
            return self.rate ** e
    opt = _opt()
    s = L.LambdaLR(opt, [Decay(), lambda e: 1.0])
    sd = s.state_dict()
    assert sd["lr_lambdas"] == [{"rate": 0.5}, None]
    sd["lr_lambdas"][0]["rate"] = 0.25
    s.load_state_dict(sd)
    assert s.lr_lambdas[0].rate == 0.25


def test_tensor_lr_is_filled_in_place():
    p = ember.nn.Parameter(ember.zeros(2))
    lr = ember.tensor(0.1)
    opt = ember.optim.SGD([p], lr=lr)
    s = L.StepLR(opt, step_size=1, gamma=0.5)
    opt.step()
    s.step()
    assert opt.param_groups[0]["lr"] is lr and lr.item() == pytest.approx(0.05)


def test_warnings():
    opt = _opt()
    s = L.StepLR(opt, 2)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before "
                                         r"`optimizer.step\(\)`"):
        s.step()
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        s.get_lr()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not "
                                         "necessary"):
        s.step(5)
    assert s.last_epoch == 5 and opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.1 ** 2)
    opt = _opt()
    s = L.StepLR(opt, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        s.step()                              # the right order: no warning


def test_errors():
    opt = _opt()
    with pytest.raises(TypeError, match="int is not an Optimizer"):
        L.StepLR(3, 1)
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
        L.StepLR(opt, 2, last_epoch=3)
    with pytest.raises(ValueError, match="Constant multiplicative factor expected to be between 0 and 1."):
        L.ConstantLR(opt, factor=2)
    with pytest.raises(ValueError, match="Starting multiplicative factor expected to be greater than 0"):
        L.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="Ending multiplicative factor expected to be between 0 and 1."):
        L.LinearLR(opt, end_factor=1.5)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        L.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(TypeError, match="lr_lambda should be a function, but got int"):
        L.MultiplicativeLR(opt, 3)
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 0"):
        L.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="Expected integer T_mult >= 1, but got 0"):
        L.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=0)
    with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
        L.CyclicLR(opt, 0.01, 0.1, mode="bogus")
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        L.CyclicLR(_opt(ember.optim.Adagrad), 0.01, 0.1)
    with pytest.raises(ValueError, match="base_lr must have the same length as optimizer.param_groups"):
        L.CyclicLR(opt, [0.01], 0.1)
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        L.OneCycleLR(opt, 0.1)
    with pytest.raises(ValueError, match="Expected float between 0 and 1 pct_start, but got 2"):
        L.OneCycleLR(opt, 0.1, total_steps=10, pct_start=2)
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear'"):
        L.OneCycleLR(opt, 0.1, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        L.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode bogus is unknown!"):
        L.ReduceLROnPlateau(opt, mode="bogus")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 1"):
        L.ReduceLROnPlateau(opt, min_lr=[0.1])
    plateau = L.ReduceLROnPlateau(opt)
    with pytest.raises(ValueError, match="SequentialLR does not support `ReduceLROnPlateau`"):
        L.SequentialLR(opt, [L.StepLR(opt, 2), plateau], milestones=[2])
    with pytest.raises(ValueError, match="Sequential Schedulers expects number of schedulers provided "
                                         "to be one more than the number of milestone points"):
        L.SequentialLR(opt, [L.StepLR(opt, 2)], milestones=[2])
    with pytest.raises(ValueError, match="ChainedScheduler expects all schedulers to belong to the "
                                         "same optimizer"):
        L.ChainedScheduler([L.StepLR(opt, 2), L.StepLR(_opt(), 2)])
    with pytest.raises(ValueError, match="ChainedScheduler expects at least one scheduler"):
        L.ChainedScheduler([])
