"""Pooling: max/avg/adaptive/lp pools in 1-3d, max_unpool and the pooling modules, against
direct-loop NumPy float64 references written here (ceil_mode, padding, dilation, indices);
gradcheck in float64 (and double backward); errors as PyTorch words them."""
import itertools
import math

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck

from conftest import assert_close, make, to_np

rng = np.random.default_rng(99)


def randn(*shape):
    return rng.standard_normal(shape)


def _t(v, nd):
    return (v,) * nd if np.isscalar(v) else tuple(v)


def out_size(n, k, s, p, d, ceil):
    num = n + 2 * p - d * (k - 1) - 1
    o = (-(-num // s) if ceil else num // s) + 1
    if ceil and (o - 1) * s >= n + p:       # the last window must start inside the input or left pad
        o -= 1
    return o


def ref_max_pool(x, k, s=None, p=0, d=1, ceil=False):
    """(values, flat indices) by scanning every window; padding acts as -inf."""
    nd = x.ndim - 2
    k, p, d = _t(k, nd), _t(p, nd), _t(d, nd)
    s = k if s is None else _t(s, nd)
    S = x.shape[2:]
    O = [out_size(S[i], k[i], s[i], p[i], d[i], ceil) for i in range(nd)]
    vals = np.zeros(x.shape[:2] + tuple(O))
    idx = np.zeros(x.shape[:2] + tuple(O), dtype=np.int64)
    for n, c in itertools.product(range(x.shape[0]), range(x.shape[1])):
        for o in itertools.product(*[range(v) for v in O]):
            best, bi = -np.inf, None
            for t in itertools.product(*[range(v) for v in k]):
                pos = tuple(o[i] * s[i] - p[i] + t[i] * d[i] for i in range(nd))
                if all(0 <= pos[i] < S[i] for i in range(nd)):
                    v = x[(n, c) + pos]
                    flat = int(np.ravel_multi_index(pos, S))
                    if bi is None:
                        bi = flat
                    if v > best or np.isnan(v):
                        best, bi = v, flat
            vals[(n, c) + o] = best
            idx[(n, c) + o] = bi
    return vals, idx


def ref_avg_pool(x, k, s=None, p=0, ceil=False, count_include_pad=True, divisor_override=None):
    nd = x.ndim - 2
    k, p = _t(k, nd), _t(p, nd)
    s = k if s is None else _t(s, nd)
    S = x.shape[2:]
    O = [out_size(S[i], k[i], s[i], p[i], 1, ceil) for i in range(nd)]
    out = np.zeros(x.shape[:2] + tuple(O))
    for o in itertools.product(*[range(v) for v in O]):
        lo = [o[i] * s[i] - p[i] for i in range(nd)]
        hi = [min(lo[i] + k[i], S[i] + p[i]) for i in range(nd)]
        pool = math.prod(hi[i] - lo[i] for i in range(nd))
        clo = [max(v, 0) for v in lo]
        chi = [min(hi[i], S[i]) for i in range(nd)]
        win = x[(slice(None), slice(None)) + tuple(slice(a, b) for a, b in zip(clo, chi))]
        div = divisor_override or (pool if count_include_pad else math.prod(b - a for a, b in zip(clo, chi)))
        out[(slice(None), slice(None)) + o] = win.sum(axis=tuple(range(2, 2 + nd))) / div
    return out


def ref_adaptive(x, out, op):
    nd = x.ndim - 2
    S = x.shape[2:]
    res = np.zeros(x.shape[:2] + tuple(out))
    idx = np.zeros(x.shape[:2] + tuple(out), dtype=np.int64)
    for o in itertools.product(*[range(v) for v in out]):
        lo = [(o[i] * S[i]) // out[i] for i in range(nd)]
        hi = [-(-((o[i] + 1) * S[i]) // out[i]) for i in range(nd)]
        win = x[(slice(None), slice(None)) + tuple(slice(a, b) for a, b in zip(lo, hi))]
        flatwin = win.reshape(win.shape[:2] + (-1,))
        if op == "avg":
            res[(slice(None), slice(None)) + o] = flatwin.mean(-1)
        else:
            j = flatwin.argmax(-1)
            res[(slice(None), slice(None)) + o] = flatwin.max(-1)
            local = np.stack(np.unravel_index(j, win.shape[2:]), -1) + np.array(lo)
            idx[(slice(None), slice(None)) + o] = np.ravel_multi_index(tuple(np.moveaxis(local, -1, 0)), S)
    return res, idx


# ------------------------------------------------------------------------------------------------
MAX_CASES = [dict(k=2), dict(k=2, s=1), dict(k=3, s=2), dict(k=3, s=2, p=1), dict(k=3, s=2, ceil=True),
             dict(k=2, s=1, d=2), dict(k=3, s=2, p=1, d=2, ceil=True), dict(k=(3, 2, 2), s=(1, 2, 3), p=(1, 0, 1))]


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("case", range(len(MAX_CASES)))
def test_max_pool_matches_reference(device, nd, case):
    c = MAX_CASES[case]
    k = c["k"][:nd] if isinstance(c["k"], tuple) else c["k"]
    s = c.get("s")
    s = s[:nd] if isinstance(s, tuple) else s
    p = c.get("p", 0)
    p = p[:nd] if isinstance(p, tuple) else p
    x = randn(2, 3, *(7, 6, 5)[:nd])
    fn = getattr(F, f"max_pool{nd}d")
    vals, idx = fn(make(x, device), k, s, p, c.get("d", 1), c.get("ceil", False), True)
    rv, ri = ref_max_pool(x, k, s, p, c.get("d", 1), c.get("ceil", False))
    assert_close(vals, rv)
    assert_close(idx, ri)
    out = fn(make(x.astype(np.float32), device), k, s, p, c.get("d", 1), c.get("ceil", False))
    assert_close(out, rv.astype(np.float32))


AVG_CASES = [dict(k=2), dict(k=3, s=2, p=1), dict(k=3, s=2, p=1, cip=False), dict(k=3, s=2, ceil=True),
             dict(k=3, s=2, p=1, ceil=True), dict(k=3, s=2, p=1, ceil=True, cip=False), dict(k=2, div=3),
             dict(k=(3, 2, 2), s=(2, 1, 2), p=(1, 1, 0))]


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("case", range(len(AVG_CASES)))
def test_avg_pool_matches_reference(device, nd, case):
    c = AVG_CASES[case]
    if nd == 1 and "div" in c:
        pytest.skip("avg_pool1d has no divisor_override")
    k = c["k"][:nd] if isinstance(c["k"], tuple) else c["k"]
    s = c.get("s")
    s = s[:nd] if isinstance(s, tuple) else s
    p = c.get("p", 0)
    p = p[:nd] if isinstance(p, tuple) else p
    x = randn(2, 3, *(7, 6, 5)[:nd])
    args = (k, s, p, c.get("ceil", False), c.get("cip", True))
    if nd > 1:
        args += (c.get("div"),)
    out = getattr(F, f"avg_pool{nd}d")(make(x, device), *args)
    assert_close(out, ref_avg_pool(x, k, s, p, c.get("ceil", False), c.get("cip", True), c.get("div")))


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("osz", [1, 3, 4, (2, 5, 3)])
def test_adaptive_pools_match_reference(device, nd, osz):
    x = randn(2, 3, *(7, 6, 5)[:nd])
    o = _t(osz, nd) if np.isscalar(osz) else osz[:nd]
    arg = osz if np.isscalar(osz) else o
    ra, _ = ref_adaptive(x, o, "avg")
    assert_close(getattr(F, f"adaptive_avg_pool{nd}d")(make(x, device), arg), ra)
    rm, ri = ref_adaptive(x, o, "max")
    vals, idx = getattr(F, f"adaptive_max_pool{nd}d")(make(x, device), arg, return_indices=True)
    assert_close(vals, rm)
    assert_close(idx, ri)


def test_adaptive_none_and_unbatched(device):
    x = randn(3, 5, 7)
    out = F.adaptive_avg_pool2d(make(x, device), (2, None))
    assert_close(out, ref_adaptive(x[None], (2, 7), "avg")[0][0])


def test_max_pool_nan_and_inf(device):
    nan = float("nan")
    x = np.array([[[[nan, 1.], [2., nan]]]])
    v, i = F.max_pool2d(make(x, device), 2, return_indices=True)
    assert np.isnan(to_np(v)).all() and to_np(i).tolist() == [[[[3]]]]       # the last NaN, as PyTorch
    v, i = F.max_pool2d(ember.full((1, 1, 3, 3), float("-inf"), device=device), 2, padding=1, return_indices=True)
    assert to_np(i).tolist() == [[[[0, 1], [3, 4]]]]                         # first valid tap of each window


def test_pool_integer_and_half(device):
    x = rng.integers(-50, 50, (2, 2, 5, 5))
    assert_close(F.max_pool2d(make(x, device), 2), ref_max_pool(x.astype(np.float64), 2)[0].astype(np.int64))
    a = F.avg_pool2d(make(x, device), 2)
    assert a.dtype is ember.int64
    assert_close(a, np.trunc(ref_avg_pool(x.astype(np.float64), 2)).astype(np.int64))
    xh = randn(1, 2, 4, 4).astype(np.float16)
    assert_close(F.max_pool2d(make(xh, device), 2), ref_max_pool(xh.astype(np.float64), 2)[0].astype(np.float16))


def test_max_unpool(device):
    x = randn(2, 3, 6, 7)
    v, i = F.max_pool2d(make(x, device), 2, return_indices=True)
    u = F.max_unpool2d(v, i, 2, output_size=(6, 7))
    ref = np.zeros((2, 3, 6 * 7))
    np.put_along_axis(ref, to_np(i).reshape(2, 3, -1), to_np(v).reshape(2, 3, -1), -1)
    assert_close(u, ref.reshape(2, 3, 6, 7))
    v1, i1 = F.max_pool1d(make(np.array([[[1., 2, 3, 4, 5, 6, 7, 8]]]), device), 2, return_indices=True)
    assert to_np(F.max_unpool1d(v1, i1, 2)).tolist() == [[[0, 2, 0, 4, 0, 6, 0, 8]]]
    with pytest.raises(ValueError, match=r'invalid output_size "\(9, 9\)" \(dim 0 must be between 2 and 6\)'):
        F.max_unpool2d(make(randn(2, 3, 2, 2), device), ember.zeros(2, 3, 2, 2, dtype=ember.int64, device=device),
                       2, output_size=(9, 9))
    with pytest.raises(RuntimeError, match=r"Found an invalid max index: 100 \(output volumes are of size 4x4\)"):
        F.max_unpool2d(make(randn(2, 3, 2, 2), device), ember.full((2, 3, 2, 2), 100, dtype=ember.int64,
                                                                     device=device), 2)


def test_lp_pool(device):
    x = np.abs(randn(2, 3, 6, 6)) + 0.1
    ref = (ref_avg_pool(x ** 3, 2) * 4) ** (1 / 3)
    assert_close(F.lp_pool2d(make(x, device), 3, 2), ref)
    x1 = np.abs(randn(2, 3, 7)) + 0.1
    assert_close(F.lp_pool1d(make(x1, device), 2, 3, stride=2), np.sqrt(ref_avg_pool(x1 ** 2, 3, 2) * 3))


# ------------------------------------------------------------------------------------------------
# gradients
def _req(a, device):
    return make(a, device, requires_grad=True)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_pool_gradcheck(device, nd):
    # distinct values: max pool's gradient is defined away from ties
    x = rng.permutation(2 * 2 * 5 ** nd).reshape((2, 2) + (5,) * nd) / 7.0
    xi = _req(x, device)
    assert gradcheck(lambda a: getattr(F, f"max_pool{nd}d")(a, 3, 2, 1, ceil_mode=True), (xi,))
    assert gradcheck(lambda a: getattr(F, f"max_pool{nd}d")(a, 2, 1, dilation=2), (xi,))
    assert gradcheck(lambda a: getattr(F, f"avg_pool{nd}d")(a, 3, 2, 1, True, False), (xi,))
    assert gradcheck(lambda a: getattr(F, f"adaptive_avg_pool{nd}d")(a, 3), (xi,))
    assert gradcheck(lambda a: getattr(F, f"adaptive_max_pool{nd}d")(a, 2), (xi,))


def test_pool_double_backward(device):
    x = rng.permutation(2 * 2 * 5 * 5).reshape(2, 2, 5, 5) / 7.0
    assert gradgradcheck(lambda a: F.max_pool2d(a, 2, 1), (_req(x, device),))
    assert gradgradcheck(lambda a: F.avg_pool2d(a * a, 3, 2, 1, divisor_override=2), (_req(x, device),))


def test_unpool_and_lp_gradcheck(device):
    x = rng.permutation(2 * 4 * 4).reshape(1, 2, 4, 4) / 5.0 + 0.5
    _, i = F.max_pool2d(make(x, device), 2, return_indices=True)
    assert gradcheck(lambda a: F.max_unpool2d(a, i, 2), (_req(randn(1, 2, 2, 2), device),))
    assert gradcheck(lambda a: F.lp_pool2d(a, 2, 2), (_req(x, device),))


def test_max_pool_backward_routes_to_argmax(device):
    x = randn(1, 1, 4, 4)
    xt = _req(x, device)
    F.max_pool2d(xt, 2, 1).sum().backward()
    ref = np.zeros(16)
    _, idx = ref_max_pool(x, 2, 1)
    np.add.at(ref, idx.reshape(-1), 1.0)
    assert_close(xt.grad, ref.reshape(1, 1, 4, 4))


# ------------------------------------------------------------------------------------------------
# errors
def test_pool_errors(device):
    x = ember.randn(2, 3, 5, 5, device=device)
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size, but got pad=2, "
                       "kernel_size=3 and dilation=1"):
        F.max_pool2d(x, 3, padding=2)
    with pytest.raises(RuntimeError, match=r"Given input size: \(3x5x5\). Calculated output size: \(3x0x0\). "
                       "Output size is too small"):
        F.max_pool2d(x, 6)
    with pytest.raises(RuntimeError, match="stride should not be zero"):
        F.avg_pool2d(x, 3, stride=0)
    with pytest.raises(RuntimeError, match="pad must be non-negative, but got pad: -1"):
        F.max_pool2d(x, 3, padding=-1)
    with pytest.raises(RuntimeError, match="dilation should be greater than zero, but got dilationH: 0 dilationW: 0"):
        F.max_pool2d(x, 3, dilation=0)
    with pytest.raises(RuntimeError, match="divisor must be not zero"):
        F.avg_pool2d(x, 3, divisor_override=0)
    with pytest.raises(RuntimeError, match=r"non-empty 3D or 4D \(batch mode\) tensor expected for input"):
        F.max_pool2d(ember.randn(5, 5, device=device), 3)
    with pytest.raises(RuntimeError, match="max_pool2d: kernel_size must either be a single int, or a tuple of "
                       "two ints"):
        F.max_pool2d(x, (3, 3, 3))
    with pytest.raises(RuntimeError, match=r"max_pool1d\(\) Invalid computed output size: 0"):
        F.max_pool1d(ember.randn(2, 3, 5, device=device), 6)
    with pytest.raises(RuntimeError, match=r"max_pool1d\(\) padding should be at most half of kernel size"):
        F.max_pool1d(ember.randn(2, 3, 5, device=device), 3, padding=2)
    with pytest.raises(RuntimeError, match=r"adaptive_avg_pool2d\(\): Expected 3D or 4D tensor, but got \[5, 5\]"):
        F.adaptive_avg_pool2d(ember.randn(5, 5, device=device), 3)
    with pytest.raises(RuntimeError, match="adaptive_avg_pool2d: elements of output_size must be greater than or "
                       r"equal to 0 but received \{2, -1\}"):
        F.adaptive_avg_pool2d(x, (2, -1))
    with pytest.raises(RuntimeError, match="Expected input to have non-zero size for non-batch dimensions"):
        F.adaptive_avg_pool2d(ember.randn(2, 3, 0, 5, device=device), 3)
    with pytest.raises(RuntimeError, match=r"input image \(T: 5 H: 5 W: 5\) smaller than kernel size"):
        F.avg_pool3d(ember.randn(2, 3, 5, 5, 5, device=device), 6)


# ------------------------------------------------------------------------------------------------
# modules
def test_pool_module_reprs():
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.MaxPool1d(3, 2, 1, 2, True, True)) == \
        "MaxPool1d(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True)"
    assert repr(nn.AvgPool1d(3)) == "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))"
    assert repr(nn.AvgPool2d((3, 2), (2, 1))) == "AvgPool2d(kernel_size=(3, 2), stride=(2, 1), padding=0)"
    assert repr(nn.MaxUnpool2d(2)) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    assert repr(nn.LPPool2d(2, 3)) == "LPPool2d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"
    assert repr(nn.AdaptiveAvgPool2d((5, None))) == "AdaptiveAvgPool2d(output_size=(5, None))"
    assert repr(nn.AdaptiveMaxPool1d(3, True)) == "AdaptiveMaxPool1d(output_size=3)"


def test_pool_modules(device):
    x = randn(2, 3, 6, 6)
    xt = make(x, device)
    assert_close(nn.MaxPool2d(2)(xt), ref_max_pool(x, 2)[0])
    v, i = nn.MaxPool2d(3, 2, 1, return_indices=True, ceil_mode=True)(xt)
    assert_close(i, ref_max_pool(x, 3, 2, 1, ceil=True)[1])
    ref = np.zeros((2, 3, 36))
    np.put_along_axis(ref, to_np(i).reshape(2, 3, -1), to_np(v).reshape(2, 3, -1), -1)   # overlaps agree
    assert_close(nn.MaxUnpool2d(3, 2, 1)(v, i, output_size=(6, 6)), ref.reshape(2, 3, 6, 6))
    assert_close(nn.AvgPool2d(3, 2, 1, count_include_pad=False)(xt), ref_avg_pool(x, 3, 2, 1, False, False))
    assert_close(nn.AvgPool3d(2)(make(x[None], device)), ref_avg_pool(x[None], 2))
    assert_close(nn.AdaptiveAvgPool2d(1)(xt), x.mean(axis=(2, 3), keepdims=True))
    assert_close(nn.AdaptiveMaxPool2d((2, 3))(xt), ref_adaptive(x, (2, 3), "max")[0])
    assert_close(nn.AdaptiveAvgPool1d(4)(make(x[0], device)), ref_adaptive(x[0], (4,), "avg")[0])
    m = nn.MaxPool2d(2)
    assert m.state_dict() == {} or len(m.state_dict()) == 0
    m.eval()
    assert_close(m(xt), ref_max_pool(x, 2)[0])
