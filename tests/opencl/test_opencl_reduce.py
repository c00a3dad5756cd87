"""Reductions, arg-reductions, scans, softmax and sorting on OpenCL, compared with the CPU backend
through the public ops: every op over dtypes, dims (negative, several, none), keepdim, 0-d,
empty, non-contiguous and broadcast inputs, long reductions split in parts, more dims than the
kernels' plan holds, special values (NaN, ties, -0.0, inf), and identical errors.

Both kernel shapes run on every device: ``variant`` switches the backend between its CPU-runtime
kernels (a work-item per output, 16-wide vectors) and its GPU kernels (work-group trees, a
work-item per column), so PoCL tests the GPU code paths too.
"""
import numpy as np
import pytest

import ember
from cltools import ocl, backend, host, variant  # noqa: F401  (fixtures)

F32, F64, F16, BF16 = ember.float32, ember.float64, ember.float16, ember.bfloat16
I8, I16, I32, I64, U8, BOOL = ember.int8, ember.int16, ember.int32, ember.int64, ember.uint8, \
    ember.bool
TOL = {F32: 2e-5, F64: 1e-12, F16: 2e-3, BF16: 1e-2}
pytestmark = pytest.mark.filterwarnings("ignore:.*degrees of freedom:UserWarning")



def values(dt, shape, seed=0, special=True, ties=False):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if dt.is_floating_point:
        v = rng.uniform(-3, 3, n)
        if ties:
            v = np.round(v)
        v = v.astype(np.float32 if dt is BF16 else dt.np)
        if dt is BF16:
            v = (v.view(np.uint32) & 0xFFFF0000).view(np.float32)
    elif dt is BOOL:
        v = rng.integers(0, 2, n).astype(bool)
    else:
        lo, hi = (0, 6) if dt is U8 else (-5, 6)
        v = rng.integers(lo, hi if ties else 100 + hi, n).astype(dt.np)
    return v.reshape(shape)


def make(arr, dt, dev):
    return ember.tensor(arr, dtype=dt, device=dev)


LAYOUTS = {
    "contiguous": lambda t: t,
    "permuted": lambda t: t.permute(2, 0, 1),
    "sliced": lambda t: t[:, 1:, ::2],
    "expanded": lambda t: t[:, :1].expand(t.shape[0], 4, t.shape[2]),
}


def leaves(r):
    if isinstance(r, ember.Tensor):
        return [r]
    if isinstance(r, (tuple, list)):
        return [x for item in r for x in leaves(item)]
    return [r]


def run(fn, arrays, dt, dev):
    """fn on tensors of `dt` on `dev`: ('ok', result leaves) or ('err', type, message)."""
    try:
        ts = [make(a, dt, dev) for a in arrays]
        r = fn(*ts)
    except Exception as e:          # noqa: BLE001  (compared with the CPU's error below)
        return ("err", type(e), str(e))
    out = []
    for x in leaves(r):
        if isinstance(x, ember.Tensor):
            assert x.device.type == dev, f"result on {x.device}, expected {dev}"
            out.append((x.dtype, tuple(x.shape), host(x)))
        else:
            out.append(x)
    return ("ok", out)


def same(got, want, dt, tol=None):
    """'' when the OpenCL result matches the CPU's, else what differs."""
    if got[0] != want[0] or got[0] == "err":
        return "" if got == want else f"got {got[:3]}, want {want[:3]}"
    for g, w in zip(got[1], want[1]):
        if not isinstance(g, tuple):
            if g != w:
                return f"got {g}, want {w}"
            continue
        if g[0] is not w[0] or g[1] != w[1]:
            return f"dtype/shape {g[:2]} vs {w[:2]}"
        a, b = g[2], w[2]
        if a.dtype.kind in "biu":
            if not np.array_equal(a, b):
                return f"got {a.ravel()[:8]}, want {b.ravel()[:8]}"
        else:
            t = tol or TOL.get(g[0], TOL[F32])
            if not np.allclose(a.astype(np.float64), b.astype(np.float64), rtol=t, atol=t,
                               equal_nan=True):
                bad = np.argmax(~np.isclose(a.astype(np.float64), b.astype(np.float64), rtol=t,
                                            atol=t, equal_nan=True))
                return f"got {a.ravel()[bad]}, want {b.ravel()[bad]} at flat {bad}"
    return ""


def check(fns, arrays, dt, tol=None):
    bad = []
    for name, fn in fns:
        msg = same(run(fn, arrays, dt, "opencl"), run(fn, arrays, dt, "cpu"), dt, tol)
        if msg:
            bad.append(f"{name}: {msg}")
    assert not bad, "\n".join(bad)


# ------------------------------------------------------------------------------------------------
# Reductions
def float_reductions(dim, keepdim):
    kw = {} if dim is None else {"dim": dim}
    one = 0 if dim is None else (dim[0] if isinstance(dim, tuple) else dim)
    return [
        ("sum", lambda x: x.sum(**kw, keepdim=keepdim) if kw else x.sum()),
        ("nansum", lambda x: ember.nansum(x, **kw, keepdim=keepdim)),
        ("mean", lambda x: x.mean(**kw, keepdim=keepdim)),
        ("nanmean", lambda x: ember.nanmean(x, **kw, keepdim=keepdim)),
        ("prod", lambda x: x.prod(one, keepdim=keepdim)),
        ("amax", lambda x: ember.amax(x, **kw, keepdim=keepdim)),
        ("amin", lambda x: ember.amin(x, **kw, keepdim=keepdim)),
        ("max_dim", lambda x: x.max(one, keepdim=keepdim)),
        ("min_dim", lambda x: x.min(one, keepdim=keepdim)),
        ("argmax", lambda x: x.argmax(one if kw else None, keepdim=keepdim)),
        ("argmin", lambda x: x.argmin(one if kw else None, keepdim=keepdim)),
        ("all", lambda x: (x > -1).all(one, keepdim=keepdim) if kw else (x > -1).all()),
        ("any", lambda x: (x > 2.5).any(one, keepdim=keepdim) if kw else (x > 2.5).any()),
        ("count_nonzero", lambda x: ember.count_nonzero(x > 0, **kw)),
        ("var", lambda x: x.var(**kw, keepdim=keepdim)),
        ("std", lambda x: ember.std(x, **kw, correction=0, keepdim=keepdim)),
        ("norm2", lambda x: ember.norm(x, 2, **kw, keepdim=keepdim)),
        ("norm1", lambda x: ember.norm(x, 1, **kw, keepdim=keepdim)),
        ("norm_inf", lambda x: ember.norm(x, float("inf"), **kw, keepdim=keepdim)),
        ("norm_-inf", lambda x: ember.norm(x, float("-inf"), **kw, keepdim=keepdim)),
        ("norm0", lambda x: ember.norm(x, 0, **kw, keepdim=keepdim)),
        ("norm3", lambda x: ember.norm(x, 3, **kw, keepdim=keepdim)),
        ("logsumexp", lambda x: ember.logsumexp(x, one, keepdim=keepdim)),
        ("aminmax", lambda x: ember.aminmax(x, dim=one if kw else None, keepdim=keepdim)),
    ]


DIMS = [None, 0, -1, (0, 2), (-1, 1)]


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("dim", DIMS, ids=str)
def test_float_reductions(ocl, variant, layout, dim):
    a = values(F32, (6, 5, 7))
    for keepdim in (False, True):
        fns = [(n, lambda x, f=f: f(LAYOUTS[layout](x))) for n, f in float_reductions(dim,
                                                                                      keepdim)]
        check(fns, [a], F32)


def dtype_reductions(dt, full):
    """Per dtype, what differs is how elements load and widen, not the ops: a kernel of each
    kind and lane type (the full list for a float and an integer dtype)."""
    fns = [
        ("sum", lambda x: x.sum(-1)), ("sum0", lambda x: x.sum(0)), ("prod", lambda x: x.prod(1)),
        ("amax", lambda x: ember.amax(x, (0, 2))), ("min_dim0", lambda x: x.min(0)),
        ("argmax", lambda x: x.argmax(1)), ("all", lambda x: x.all(-1)),
    ]
    if full:
        fns += [("sum_all", lambda x: x.sum()), ("amin0", lambda x: ember.amin(x, 0)),
                ("max_dim", lambda x: x.max(-1)), ("argmin_all", lambda x: x.argmin()),
                ("any0", lambda x: x.any(0)),
                ("count_nonzero", lambda x: ember.count_nonzero(x, (1, 2))),
                ("sum_t", lambda x: x.transpose(0, 2).sum(-1))]
        if dt.is_floating_point:
            fns += [("mean", lambda x: x.mean((0, 1))), ("nansum", lambda x: ember.nansum(x, 0)),
                    ("norm", lambda x: ember.norm(x, dim=-1)), ("var", lambda x: x.var(-1))]
        else:
            fns += [("sum_f32", lambda x: x.sum(-1, dtype=ember.float32)),
                    ("mean_f64", lambda x: x.mean(0, dtype=ember.float64)),
                    ("nansum", lambda x: ember.nansum(x, 0))]
    return fns


@pytest.mark.parametrize("dt", [F64, F16, BF16, I64, I32, I16, I8, U8, BOOL], ids=str)
def test_reduction_dtypes(ocl, variant, dt):
    if variant == "gpu" and dt not in (F16, I64):
        pytest.skip("GPU kernels: one float and one integer dtype besides float32")
    full = dt in (F64, I64)
    check(dtype_reductions(dt, full), [values(dt, (4, 6, 5), seed=1, ties=True)], dt)


def test_reduction_output_dtypes(ocl):
    a = values(F32, (5, 9), seed=2) * 40
    i = values(I64, (5, 9), seed=3)
    check([("sum_f64", lambda x: x.sum(1, dtype=ember.float64)),
           ("sum_f16", lambda x: x.sum(1, dtype=ember.float16)),
           ("sum_bf16", lambda x: x.sum(1, dtype=ember.bfloat16)),
           ("prod_f64", lambda x: x.prod(0, dtype=ember.float64)),
           ("mean_f16", lambda x: x.mean(0, dtype=ember.float16))], [a], F32, tol=2e-2)
    check([("sum_i32", lambda x: x.sum(1, dtype=ember.int32)),
           ("sum_i8", lambda x: x.sum(0, dtype=ember.int8)),
           ("sum_f32", lambda x: x.sum(1, dtype=ember.float32)),
           ("prod_u8", lambda x: x.prod(1, dtype=ember.uint8)),
           ("all_u8", lambda x: x.to(ember.uint8).all(1)),
           ("any_u8", lambda x: x.to(ember.uint8).any(0))], [i], I64)


def test_long_reductions_split_in_parts(ocl, variant):
    # few outputs with long reductions: the range of each is split in parts and combined
    rng = np.random.default_rng(4)
    a = rng.standard_normal(70001).astype(np.float32)
    a[50000] = 9.0
    a[60000] = 9.0                       # a tie in a later part: the first index wins
    b = rng.standard_normal((30000, 3)).astype(np.float32)
    fns = [("sum", lambda x: x.sum()), ("mean", lambda x: x.mean()), ("amax", lambda x: x.amax()),
           ("argmax", lambda x: x.argmax()), ("argmin", lambda x: x.argmin()),
           ("norm", lambda x: x.norm()), ("prod", lambda x: (x * 0 + 1.00001).prod())]
    check(fns, [a], F32, tol=1e-4)
    a[65000] = np.nan
    check([("argmax_nan", lambda x: x.argmax()), ("amax_nan", lambda x: x.amax()),
           ("argmin_nan", lambda x: x.argmin()), ("nansum", lambda x: ember.nansum(x))], [a], F32,
          tol=1e-4)
    check([("sum0", lambda x: x.sum(0)), ("amin0", lambda x: x.amin(0)),
           ("argmax0", lambda x: x.argmax(0)), ("sum_t", lambda x: x.t().sum(1)),
           ("all0", lambda x: (x > -10).all(0))], [b], F32, tol=1e-4)
    i = np.random.default_rng(5).integers(-9, 9, (3, 40000))
    check([("isum", lambda x: x.sum(1)), ("imax", lambda x: x.amax(-1)),
           ("iargmin", lambda x: x.argmin(1)), ("icount", lambda x: ember.count_nonzero(x, 1))],
          [i], I64)


def test_float32_sums_are_accurate(ocl, variant):
    # blocked float lanes folded into double: positive sums within 2 ulp of the exact value,
    # mixed signs within a few float eps of the sum of magnitudes
    rng = np.random.default_rng(6)
    for a, bound in ((rng.uniform(0, 1, (8, 100003)).astype(np.float32), "ulp"),
                     (rng.standard_normal((8, 100003)).astype(np.float32), "abs")):
        got = host(ember.tensor(a, device="opencl").sum(1)).astype(np.float64)
        exact = a.astype(np.float64).sum(1)
        if bound == "ulp":
            tol = 2 * np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
        else:
            tol = 4 * np.finfo(np.float32).eps * np.abs(a).astype(np.float64).sum(1)
        assert np.all(np.abs(got - exact) <= tol), (got - exact) / tol


def test_many_dims(ocl, variant):
    # dims that coalesce into more kept / reduced dims than the kernels' plan holds
    a = values(F32, (2, 3, 2, 3, 2, 3, 2, 2), seed=7)
    perm = (1, 0, 3, 2, 5, 4, 7, 6)
    fns = [("sum_even", lambda x: x.permute(*perm).sum((0, 2, 4, 6))),
           ("amax_odd", lambda x: x.permute(*perm).amax((1, 3, 5, 7), keepdim=True)),
           ("sum_5", lambda x: x.permute(*perm).sum((0, 2, 4, 5, 6))),
           ("argmax", lambda x: x.permute(*perm).argmax(3)),
           ("max_dim", lambda x: x.permute(*perm).max(0)),
           ("cumsum", lambda x: x.permute(*perm).cumsum(2)),
           ("cummax", lambda x: ember.cummax(x.permute(*perm), 5)),
           ("softmax", lambda x: ember.softmax(x.permute(*perm), 4)),
           ("sort", lambda x: ember.sort(x.permute(*perm), 1)),
           ("argsort", lambda x: ember.argsort(x.permute(*perm), 6, descending=True))]
    check(fns, [a], F32)


def test_special_values(ocl, variant):
    nan, inf = np.nan, np.inf
    a = np.array([[1.0, nan, 3.0, nan, -1.0],
                  [2.0, 2.0, -inf, 1.0, 2.0],
                  [-0.0, 0.0, 0.0, -0.0, -5.0],
                  [inf, -inf, 1.0, inf, 0.5],
                  [-inf, -inf, -inf, -inf, -inf]], np.float32)
    fns = [("amax", lambda x: x.amax(1)), ("amin", lambda x: x.amin(1)),
           ("max", lambda x: x.max(1)), ("min", lambda x: x.min(1)),
           ("argmax", lambda x: x.argmax(1)), ("argmin", lambda x: x.argmin(1)),
           ("argmax0", lambda x: x.argmax(0)), ("argmin0", lambda x: x.argmin(0)),
           ("argmax_all", lambda x: x.argmax()), ("sum", lambda x: x.sum(1)),
           ("nansum", lambda x: ember.nansum(x, 1)), ("nanmean", lambda x: ember.nanmean(x, 1)),
           ("prod", lambda x: x.prod(1)), ("all", lambda x: x.all(1)), ("any", lambda x: x.any(0)),
           ("count", lambda x: ember.count_nonzero(x, 1)),
           ("logsumexp", lambda x: ember.logsumexp(x, 1)),
           ("norm_inf", lambda x: ember.norm(x, float("inf"), 1)),
           ("softmax", lambda x: ember.softmax(x, 1)),
           ("log_softmax", lambda x: ember.log_softmax(x, 1)),
           ("softmax0", lambda x: ember.softmax(x, 0)), ("cummax", lambda x: ember.cummax(x, 1)),
           ("cummin0", lambda x: ember.cummin(x, 0)), ("cumsum", lambda x: x.cumsum(1)),
           ("logcumsumexp", lambda x: ember.logcumsumexp(x, 1)),
           ("sort", lambda x: ember.sort(x, 1)), ("sort_desc", lambda x: ember.sort(x, 1, True)),
           ("sort0", lambda x: ember.sort(x, 0)), ("median", lambda x: ember.median(x, 1)),
           ("nanmedian", lambda x: ember.nanmedian(x, 1)), ("mode", lambda x: ember.mode(x, 1))]
    check(fns, [a], F32)
    check(fns, [a], F64)
    # a long row: the vectorized block search of arg-reductions
    b = np.zeros((3, 1000), np.float32)
    b[0, 700] = b[0, 900] = 5.0
    b[1, 333] = nan
    b[1, 334] = nan
    b[2, 10] = -0.0
    check([("argmax", lambda x: x.argmax(1)), ("argmin", lambda x: x.argmin(1)),
           ("amax", lambda x: x.amax(1)), ("max0", lambda x: x.max(0))], [b], F32)


@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (0, 4), (2, 0, 3)], ids=str)
def test_zero_dim_and_empty(ocl, variant, shape):
    a = np.full(shape, 1.5, np.float32)
    fns = [("sum", lambda x: x.sum()), ("sum0", lambda x: x.sum(0)),
           ("sum_neg", lambda x: x.sum(-1, keepdim=True)), ("prod", lambda x: x.prod()),
           ("mean", lambda x: x.mean()), ("mean0", lambda x: x.mean(0)),
           ("amax", lambda x: x.amax()), ("amax0", lambda x: x.amax(0)),
           ("max0", lambda x: x.max(0)), ("argmax", lambda x: x.argmax()),
           ("argmin0", lambda x: x.argmin(0)), ("all", lambda x: x.all()),
           ("any0", lambda x: x.any(0)), ("count", lambda x: ember.count_nonzero(x)),
           ("var", lambda x: x.var()), ("norm", lambda x: x.norm()),
           ("norm_inf", lambda x: ember.norm(x, float("inf"))),
           ("logsumexp", lambda x: ember.logsumexp(x, 0)),
           ("softmax", lambda x: ember.softmax(x, 0)),
           ("log_softmax", lambda x: ember.log_softmax(x, -1)),
           ("cumsum", lambda x: x.cumsum(0)), ("cumprod", lambda x: x.cumprod(-1)),
           ("cummax", lambda x: ember.cummax(x, 0)),
           ("logcumsumexp", lambda x: ember.logcumsumexp(x, 0)),
           ("sort", lambda x: ember.sort(x, 0)), ("argsort", lambda x: ember.argsort(x, -1)),
           ("topk1", lambda x: ember.topk(x, 1, 0)),
           ("median", lambda x: ember.median(x)), ("median0", lambda x: ember.median(x, 0)),
           ("mode", lambda x: ember.mode(x, 0)), ("quantile", lambda x: ember.quantile(x, 0.5)),
           ("unique", lambda x: ember.unique(x, return_counts=True))]
    if shape:               # topk(k=0) of a 0-d tensor is an uninitialized 0-d tensor
        fns.append(("topk0", lambda x: ember.topk(x, 0, 0)))
    check(fns, [a], F32)


def test_errors_match_the_cpu(ocl):
    a = values(F32, (3, 4))
    i = values(I64, (3, 4))
    fns = [("max_empty", lambda x: x[:0].max()), ("argmax_empty", lambda x: x[:, :0].argmax(1)),
           ("amax_empty", lambda x: x[:0].amax(0)), ("aminmax_empty", lambda x: x[:0].aminmax()),
           ("bad_dim", lambda x: x.sum(2)), ("neg_dim", lambda x: x.sum(-3)),
           ("dup_dims", lambda x: x.sum((0, 0))), ("prod_list", lambda x: x.prod([0, 1])),
           ("softmax_nodim", lambda x: ember.softmax(x, None)),
           ("cumsum_dim", lambda x: x.cumsum(5)), ("topk_k", lambda x: ember.topk(x, 9)),
           ("kthvalue_k", lambda x: ember.kthvalue(x, 0)),
           ("quantile_q", lambda x: ember.quantile(x, 1.5)),
           ("quantile_interp", lambda x: ember.quantile(x, 0.5, interpolation="cubic")),
           ("median_empty", lambda x: x[:, :0].median(1)),
           ("norm_inf_empty", lambda x: ember.norm(x[:0], float("inf")))]
    check(fns, [a], F32)
    check([("mean_int", lambda x: x.mean()), ("var_int", lambda x: x.var()),
           ("softmax_int", lambda x: ember.softmax(x, -1)),
           ("log_softmax_int", lambda x: ember.log_softmax(x, 0)),
           ("logcumsumexp_int", lambda x: ember.logcumsumexp(x, 0)),
           ("quantile_int", lambda x: ember.quantile(x, 0.5)),
           ("nanmean_int", lambda x: ember.nanmean(x))], [i], I64)


def test_mixed_devices_raise(ocl):
    x = ember.tensor([0.2, 0.5], device="opencl")
    q = ember.tensor([0.5])
    with pytest.raises(RuntimeError, match="same device"):
        ember.quantile(x, q)
    with pytest.raises(RuntimeError, match="same device"):
        ember.sum(x + ember.tensor([1.0, 2.0]))


# ------------------------------------------------------------------------------------------------
# Scans
SCANS = [("cumsum", lambda x, d: x.cumsum(d)), ("cumprod", lambda x, d: x.cumprod(d)),
         ("logcumsumexp", lambda x, d: ember.logcumsumexp(x, d)),
         ("cummax", lambda x, d: ember.cummax(x, d)), ("cummin", lambda x, d: ember.cummin(x, d))]


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_scans(ocl, variant, layout, dim):
    a = values(F32, (6, 5, 7), seed=8, ties=True) * 0.5
    check([(n, lambda x, f=f: f(LAYOUTS[layout](x), dim)) for n, f in SCANS], [a], F32)


@pytest.mark.parametrize("dt", [F64, F16, BF16, I64, I32, I8, U8, BOOL], ids=str)
def test_scan_dtypes(ocl, variant, dt):
    if variant == "gpu" and dt not in (F16, I64):
        pytest.skip("GPU kernels: one float and one integer dtype besides float32")
    if dt in (F64, I64):
        fns = [(n, lambda x, f=f: f(x, -1)) for n, f in SCANS
               if dt.is_floating_point or n != "logcumsumexp"]
        fns += [("cummax0", lambda x: ember.cummax(x, 0)),
                ("cumsum_f32", lambda x: x.cumsum(1, dtype=ember.float32)),
                ("cumsum_", lambda x: x.clone().cumsum_(1))]
    else:
        fns = [("cumsum", lambda x: x.cumsum(-1)), ("cummax", lambda x: ember.cummax(x, 1))]
    fns += [("cumsum0", lambda x: x.cumsum(0))]
    check(fns, [values(dt, (4, 21), seed=9, ties=True)], dt, tol=TOL.get(dt, 1e-5) * 5)


def test_long_scans(ocl, variant):
    # few long lines: split in parts with carries (values exact for cummax / cummin)
    a = values(F32, (2, 40000), seed=10, ties=True)
    a[1, 30000] = np.nan
    check([("cumsum", lambda x: x.cumsum(1)), ("cummax", lambda x: ember.cummax(x, 1)),
           ("cummin", lambda x: ember.cummin(x, 1)),
           ("logcumsumexp", lambda x: ember.logcumsumexp(x, 1)),
           ("cumprod", lambda x: (x * 0 + 1.00001).cumprod(1)),
           ("cumsum_t", lambda x: x.t().cumsum(0))], [a], F32, tol=1e-4)
    i = values(I64, (40000,), seed=11, ties=True)
    check([("cumsum", lambda x: x.cumsum(0)), ("cummax", lambda x: ember.cummax(x, 0))], [i], I64)


# ------------------------------------------------------------------------------------------------
# Softmax
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax(ocl, variant, layout, dim):
    a = values(F32, (6, 5, 37), seed=12) * 4
    check([("softmax", lambda x: ember.softmax(LAYOUTS[layout](x), dim)),
           ("log_softmax", lambda x: ember.log_softmax(LAYOUTS[layout](x), dim)),
           ("nn_softmax", lambda x: ember.nn.functional.softmax(LAYOUTS[layout](x), dim=dim))],
          [a], F32)


@pytest.mark.parametrize("dt", [F64, F16, BF16], ids=str)
def test_softmax_dtypes(ocl, variant, dt):
    a = values(dt, (7, 70), seed=13) * 3
    check([("softmax", lambda x: ember.softmax(x, -1)), ("softmax0", lambda x: ember.softmax(x, 0)),
           ("log_softmax", lambda x: ember.log_softmax(x, -1)),
           ("log_softmax0", lambda x: ember.log_softmax(x, 0)),
           ("softmax_t", lambda x: ember.softmax(x.t(), 0))], [a], dt)
    check([("softmax_f32", lambda x: ember.softmax(x, -1, dtype=ember.float32))], [a], dt)


def test_softmax_is_stable(ocl, variant):
    a = np.array([[1000.0, 1001.0, 999.0] + [0.0] * 30, [-1e4] * 33, [3.0] * 33], np.float32)
    check([("softmax", lambda x: ember.softmax(x, 1)),
           ("log_softmax", lambda x: ember.log_softmax(x, 1))], [a], F32)
    got = host(ember.softmax(ember.tensor(a, device="opencl"), 1))
    assert np.all(np.isfinite(got)) and np.allclose(got.sum(1), 1, atol=1e-6)


# ------------------------------------------------------------------------------------------------
# Sorting
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_sort(ocl, variant, layout, dim):
    a = values(F32, (6, 5, 7), seed=14, ties=True)
    a[0, 0, :3] = np.nan
    a[1, 1, 1] = -0.0
    check([("sort", lambda x: ember.sort(LAYOUTS[layout](x), dim)),
           ("sort_desc", lambda x: ember.sort(LAYOUTS[layout](x), dim, descending=True)),
           ("argsort", lambda x: ember.argsort(LAYOUTS[layout](x), dim)),
           ("argsort_desc", lambda x: ember.argsort(LAYOUTS[layout](x), dim, descending=True)),
           ("topk", lambda x: ember.topk(LAYOUTS[layout](x), 3, dim)),
           ("topk_small", lambda x: ember.topk(LAYOUTS[layout](x), 2, dim, largest=False)),
           ("kthvalue", lambda x: ember.kthvalue(LAYOUTS[layout](x), 2, dim)),
           ("msort", lambda x: ember.msort(LAYOUTS[layout](x)))], [a], F32)


@pytest.mark.parametrize("dt", [F64, F16, BF16, I64, I32, I16, I8, U8, BOOL], ids=str)
def test_sort_dtypes(ocl, variant, dt):
    if variant == "gpu" and dt not in (F16, F64, I64, I8):
        pytest.skip("GPU kernels: one dtype per key path is enough")
    a = values(dt, (5, 40), seed=15, ties=True)
    check([("sort", lambda x: ember.sort(x, -1)), ("sort_desc", lambda x: ember.sort(x, 1, True)),
           ("sort0", lambda x: ember.sort(x, 0)), ("topk", lambda x: ember.topk(x, 4)),
           ("median", lambda x: ember.median(x, 1)), ("mode", lambda x: ember.mode(x, -1)),
           ("median_all", lambda x: ember.median(x))], [a], dt)


@pytest.mark.parametrize("n", [2049, 5000])
def test_long_sorts_merge(ocl, variant, n):
    # longer than a local block: sorted blocks, then merge passes
    a = values(F32, (3, n), seed=16, ties=True)
    a[1, ::97] = np.nan
    check([("sort", lambda x: ember.sort(x, 1)), ("sort_desc", lambda x: ember.sort(x, 1, True)),
           ("argsort", lambda x: ember.argsort(x, -1)), ("topk", lambda x: ember.topk(x, 7)),
           ("sort_t", lambda x: ember.sort(x.t(), 0)), ("median", lambda x: ember.median(x, 1))],
          [a], F32)
    i = values(I64, (n,), seed=17, ties=True)
    check([("sort", lambda x: ember.sort(x)), ("sort_desc", lambda x: ember.sort(x, 0, True))],
          [i], I64)


def test_order_statistics(ocl, variant):
    a = values(F32, (6, 9), seed=18, ties=True)
    a[2, 4] = np.nan
    a[3, :] = np.nan
    q = [0.0, 0.25, 0.5, 0.9, 1.0]
    fns = [("median", lambda x: ember.median(x, 1)),
           ("median0", lambda x: ember.median(x, 0, True)),
           ("nanmedian", lambda x: ember.nanmedian(x, 1)),
           ("nanmedian_all", lambda x: ember.nanmedian(x)),
           ("mode", lambda x: ember.mode(x, 1)), ("mode0", lambda x: ember.mode(x, 0))]
    for interp in ("linear", "lower", "higher", "midpoint", "nearest"):
        fns += [(f"quantile_{interp}", lambda x, i=interp: ember.quantile(
                    x, ember.tensor(q, device=x.device), 1, interpolation=i)),
                (f"nanquantile_{interp}", lambda x, i=interp: ember.nanquantile(
                    x, 0.3, 0, keepdim=True, interpolation=i)),
                (f"quantile_all_{interp}", lambda x, i=interp: ember.quantile(
                    x[:2], 0.71, interpolation=i))]
    check(fns, [a], F32)
    check(fns, [a], F64)


def test_unique(ocl):
    a = values(F32, (5, 6), seed=19, ties=True)
    a[0, 0] = a[0, 1] = np.nan
    fns = [("unique", lambda x: ember.unique(x, return_inverse=True, return_counts=True)),
           ("unique_dim0", lambda x: ember.unique(x[:, :2].round(), dim=0, return_inverse=True,
                                                  return_counts=True)),
           ("unique_dim1", lambda x: ember.unique(x, dim=1)),
           ("unique_consecutive",
            lambda x: ember.unique_consecutive(x.flatten(), return_counts=True))]
    check(fns, [a], F32)
    check(fns[:1], [values(I32, (40,), seed=20, ties=True)], I32)


# ------------------------------------------------------------------------------------------------
def test_no_host_waits(ocl, backend, monkeypatch):
    # reductions, scans, softmax and sorts enqueue and return: no device -> host read, no finish
    x = ember.tensor(values(F32, (8, 300)), device="opencl")
    y = ember.tensor(values(F32, (70000,)), device="opencl")
    x.sum().cpu()                                 # builds outside the watched part

    def boom(*args, **kwargs):
        raise AssertionError("the host waited for the device")
    monkeypatch.setattr(backend, "_read_into", boom)
    monkeypatch.setattr(backend, "synchronize", boom)
    monkeypatch.setattr(backend.queue, "finish", boom, raising=False)
    rs = [x.sum(1), x.mean(), y.sum(), y.argmax(), x.amax(0), x.max(1), x.argmin(0), x.std(1),
          x.cumsum(1), ember.cummax(x, 0), ember.softmax(x, 1), ember.log_softmax(x, 0),
          ember.sort(x, 1), ember.topk(x, 5), ember.median(x, 1), ember.quantile(x, 0.3, 1),
          ember.logsumexp(x, 1), ember.norm(x), ember.sort(y)]
    monkeypatch.undo()
    assert all(r is not None for r in rs)


def test_program_specs_cover_what_runs(ocl, backend):
    # `python -m ember.opencl --warmup` can prebuild this family's programs from program_specs
    from ember.backends.opencl import reduce_kernels as rk
    dev = backend.dev
    specs = {(src, backend.programs.options(d)) for src, d in rk.program_specs(dev)}
    x = ember.tensor(values(F32, (3, 40)), device="opencl")
    for r in (x.sum(1), x.argmax(1), ember.softmax(x, 1), x.cumsum(0), ember.sort(x, 1)):
        host(leaves(r)[0])
    code = F32.code
    for src, extra in (("reduce.cl", {}), ("argreduce.cl", {}), ("softmax.cl", {}),
                       ("scan.cl", {}),
                       ("sort.cl", {"SLB": rk._slb(dev, 4)})):
        key = (src, backend.programs.options(rk._defines(dev, code, dev.is_gpu, **extra)))
        assert key in backend.programs._mem and key in specs, key
