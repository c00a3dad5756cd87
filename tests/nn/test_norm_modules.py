"""Normalization modules: parameters, buffers and their initialisation, reprs, state_dict keys
and round trips, train/eval behaviour, momentum=None (cumulative average), input checks."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.autograd import gradcheck

from conftest import assert_close, make, to_np

RNG = np.random.default_rng(99)


def rnd(*shape):
    return RNG.standard_normal(shape)


@pytest.mark.parametrize("cls,shape", [(nn.BatchNorm1d, (6, 3)), (nn.BatchNorm1d, (6, 3, 4)),
                                       (nn.BatchNorm2d, (4, 3, 2, 2)),
                                       (nn.BatchNorm3d, (2, 3, 2, 2, 2))])
def test_batchnorm_train_eval(device, cls, shape):
    m = cls(3, momentum=0.25).to(device).double()
    assert set(m.state_dict()) == {"weight", "bias", "running_mean", "running_var",
                                   "num_batches_tracked"}
    assert_close(m.weight, np.ones(3))
    assert_close(m.bias, np.zeros(3))
    assert m.num_batches_tracked.dtype == ember.int64
    axes = (0,) + tuple(range(2, len(shape)))
    rm, rv = np.zeros(3), np.ones(3)
    for step in range(3):
        x = rnd(*shape) + step
        y = m(make(x, device))
        mu, var = x.mean(axes, keepdims=True), x.var(axes, keepdims=True)
        assert_close(y, (x - mu) / np.sqrt(var + 1e-5))
        rm = 0.75 * rm + 0.25 * x.mean(axes)
        rv = 0.75 * rv + 0.25 * x.var(axes, ddof=1)
    assert_close(m.running_mean, rm)
    assert_close(m.running_var, rv)
    assert int(m.num_batches_tracked) == 3
    m.eval()
    x = rnd(*shape)
    view = (1, 3) + (1,) * (len(shape) - 2)
    assert_close(m(make(x, device)), (x - rm.reshape(view)) / np.sqrt(rv.reshape(view) + 1e-5))
    assert int(m.num_batches_tracked) == 3          # eval leaves the buffers alone
    assert_close(m.running_mean, rm)


def test_batchnorm_momentum_none_is_cumulative_average(device):
    m = nn.BatchNorm1d(2, momentum=None).double().to(device)
    xs = [rnd(5, 2) * (i + 1) for i in range(4)]
    for x in xs:
        m(make(x, device))
    assert_close(m.running_mean, np.mean([x.mean(0) for x in xs], axis=0))
    assert_close(m.running_var, np.mean([x.var(0, ddof=1) for x in xs], axis=0))


def test_batchnorm_no_tracking_and_no_affine(device):
    m = nn.BatchNorm1d(3, affine=False, track_running_stats=False).double().to(device)
    assert m.weight is None and m.bias is None and m.running_mean is None
    assert list(m.state_dict()) == []
    m.eval()                                       # no buffers: batch statistics in eval too
    x = rnd(4, 3)
    assert_close(m(make(x, device)), (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5))
    nb = nn.BatchNorm2d(3, bias=False)
    assert nb.bias is None and "bias=False" in repr(nb)


def test_batchnorm_repr_and_checks():
    assert repr(nn.BatchNorm2d(3)) == ("BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, "
                                       "bias=True, track_running_stats=True)")
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(ember.randn(2, 3, 2, 2))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(ember.randn(2, 3, 2))
    with pytest.raises(ValueError, match=r"expected 5D input \(got 4D input\)"):
        nn.BatchNorm3d(3)(ember.randn(2, 3, 2, 2))


def test_batchnorm_state_dict_round_trip(device):
    a = nn.BatchNorm1d(3).to(device)
    for _ in range(2):
        a(make(rnd(4, 3).astype(np.float32), device))
    with ember.no_grad():
        a.weight.mul_(2.0)
    b = nn.BatchNorm1d(3).to(device)
    b.load_state_dict(a.state_dict())
    for k, v in a.state_dict().items():
        np.testing.assert_array_equal(to_np(v), to_np(b.state_dict()[k]))
    a.eval(), b.eval()
    x = make(rnd(4, 3).astype(np.float32), device)
    np.testing.assert_array_equal(to_np(a(x)), to_np(b(x)))
    # a checkpoint from before num_batches_tracked (version < 2) still loads
    c = nn.Sequential(nn.BatchNorm1d(3))
    sd = type(a.state_dict())((f"0.{k}", v) for k, v in a.state_dict().items()
                              if k != "num_batches_tracked")
    sd._metadata = {"0": {"version": 1}}
    c.load_state_dict(sd)
    assert int(c[0].num_batches_tracked) == 0
    sd._metadata = {"0": {"version": 2}}          # a version-2 checkpoint must have it
    with pytest.raises(RuntimeError, match="num_batches_tracked"):
        nn.Sequential(nn.BatchNorm1d(3)).load_state_dict(sd)


def test_batchnorm_gradients_through_module(device):
    m = nn.BatchNorm1d(3).double().to(device)
    x = make(rnd(5, 3), device, True)
    assert gradcheck(lambda x: m(x), (x,))
    m(x).sum().backward()
    assert m.weight.grad is not None and m.bias.grad is not None


def test_lazy_batchnorm(device):
    m = nn.LazyBatchNorm2d().to(device)
    assert "LazyBatchNorm2d(0" in repr(m)
    y = m(make(rnd(2, 4, 3, 3).astype(np.float32), device))
    assert type(m) is nn.BatchNorm2d and m.num_features == 4
    assert tuple(m.weight.shape) == (4,) and tuple(m.running_mean.shape) == (4,)
    assert not isinstance(m.running_mean, nn.Parameter)
    assert set(m.state_dict()) == {"weight", "bias", "running_mean", "running_var",
                                   "num_batches_tracked"}
    assert int(m.num_batches_tracked) == 1 and y.shape == (2, 4, 3, 3)


def test_lazy_module_moved_before_first_forward(device):
    m = nn.LazyBatchNorm2d().to(device).double()
    assert all(nn.parameter.is_lazy(t) for t in (m.weight, m.bias, m.running_mean, m.running_var))
    x = rnd(2, 3, 2, 2)
    y = m(make(x, device))
    for t in (m.weight, m.bias, m.running_mean, m.running_var):
        assert t.device.type == device and t.dtype is ember.float64 and t.shape == (3,)
    assert isinstance(m.weight, nn.Parameter) and not isinstance(m.running_mean, nn.Parameter)
    mean, var = x.mean((0, 2, 3), keepdims=True), x.var((0, 2, 3), keepdims=True)
    assert_close(y, (x - mean) / np.sqrt(var + 1e-5))


@pytest.mark.parametrize("cls,shape", [(nn.InstanceNorm1d, (2, 3, 5)), (nn.InstanceNorm2d, (2, 3, 2, 3)),
                                       (nn.InstanceNorm3d, (2, 3, 2, 2, 2))])
def test_instancenorm(device, cls, shape):
    m = cls(3).double().to(device)
    assert m.weight is None and m.running_mean is None and list(m.state_dict()) == []
    x = rnd(*shape)
    axes = tuple(range(2, len(shape)))
    exp = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + 1e-5)
    assert_close(m(make(x, device)), exp)
    assert_close(m(make(x[0], device)), exp[0])           # unbatched input
    t = cls(3, affine=True, track_running_stats=True).double().to(device)
    assert set(t.state_dict()) == {"weight", "bias", "running_mean", "running_var",
                                   "num_batches_tracked"}
    t(make(x, device))
    assert_close(t.running_mean, 0.1 * x.mean(axes).mean(0))
    t.eval()
    view = (1, 3) + (1,) * (len(shape) - 2)
    rm, rv = to_np(t.running_mean).reshape(view), to_np(t.running_var).reshape(view)
    assert_close(t(make(x, device)), (x - rm) / np.sqrt(rv + 1e-5))


def test_instancenorm_checks():
    assert repr(nn.InstanceNorm2d(3)) == ("InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, "
                                          "bias=False, track_running_stats=False)")
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        nn.InstanceNorm2d(3)(ember.randn(2, 3))
    with pytest.raises(ValueError, match=r"expected input's size at dim=1 to match num_features "
                                         r"\(4\), but got: 3."):
        nn.InstanceNorm1d(4, affine=True)(ember.randn(2, 3, 5))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        nn.InstanceNorm1d(4)(ember.randn(2, 3, 5))
    assert any("does not match num_features" in str(x.message) for x in w)


def test_layernorm_module(device):
    m = nn.LayerNorm((3, 4)).double().to(device)
    assert repr(m) == "LayerNorm((3, 4), eps=1e-05, elementwise_affine=True, bias=True)"
    assert set(m.state_dict()) == {"weight", "bias"}
    assert_close(m.weight, np.ones((3, 4)))
    assert_close(m.bias, np.zeros((3, 4)))
    x = rnd(2, 3, 4)
    mu = x.mean((1, 2), keepdims=True)
    assert_close(m(make(x, device)), (x - mu) / np.sqrt(x.var((1, 2), keepdims=True) + 1e-5))
    assert nn.LayerNorm(4, bias=False).bias is None
    n = nn.LayerNorm(4, elementwise_affine=False)
    assert n.weight is None and list(n.state_dict()) == []
    assert n.normalized_shape == (4,)


def test_groupnorm_rmsnorm_lrn_modules(device):
    g = nn.GroupNorm(2, 4).double().to(device)
    assert repr(g) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
    assert set(g.state_dict()) == {"weight", "bias"}
    x = rnd(3, 4, 5)
    xr = x.reshape(3, 2, -1)
    exp = ((xr - xr.mean(2, keepdims=True)) / np.sqrt(xr.var(2, keepdims=True) + 1e-5)).reshape(x.shape)
    assert_close(g(make(x, device)), exp)
    with pytest.raises(ValueError, match="num_channels must be divisible by num_groups"):
        nn.GroupNorm(3, 4)
    r = nn.RMSNorm(5).double().to(device)
    assert repr(r) == "RMSNorm((5,), eps=None, elementwise_affine=True)"
    assert list(r.state_dict()) == ["weight"]
    x = rnd(2, 5)
    assert_close(r(make(x, device)),
                 x / np.sqrt((x * x).mean(1, keepdims=True) + np.finfo(np.float64).eps))
    lrn = nn.LocalResponseNorm(2)
    assert repr(lrn) == "LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)"
    assert list(lrn.state_dict()) == []
    assert lrn(make(rnd(2, 3, 4), device)).shape == (2, 3, 4)


def test_norm_modules_train_step(device):
    # a parameter update moves the output: gradients reach every affine parameter
    for m, shape in [(nn.LayerNorm(4), (3, 4)), (nn.GroupNorm(2, 4), (3, 4, 2)),
                     (nn.BatchNorm1d(4), (3, 4)), (nn.RMSNorm(4), (3, 4))]:
        m = m.to(device)
        x = make(rnd(*shape).astype(np.float32), device)
        (m(x) * make(rnd(*shape).astype(np.float32), device)).sum().backward()
        for p in m.parameters():
            assert p.grad is not None and p.grad.shape == p.shape
