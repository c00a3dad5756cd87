"""The GPU reduction paths that keep the memory system busy, run on PoCL through the GPU layout
(`_reduce_variant = 'gpu'`) with the plan thresholds lowered so small tensors reach them:

* red_wg / arg_wg: 4 loads per lane in flight per iteration (rows longer than 4 x RWG, tails);
* red_cols / arg_cols: rows split in parts when the columns are few (neighbouring work-items on
  neighbouring columns), the row walk unrolled by 4;
* red_finish_wg / arg_finish_wg: many partials combined by a work-group per output.

Results are compared with NumPy (float64 reference, tolerance; exact for max / min / arg) and
must be bitwise equal from run to run. The CPU-runtime layout's plan must stay as it was.
"""
import numpy as np
import pytest

import ember
from cltools import ocl, backend, host  # noqa: F401  (fixtures)

F32, F64, F16, I64 = ember.float32, ember.float64, ember.float16, ember.int64
EPS = {F32: np.finfo(np.float32).eps, F64: np.finfo(np.float64).eps,
       F16: np.finfo(np.float16).eps, I64: 0}


@pytest.fixture
def gpu(backend, monkeypatch):
    """GPU layout with thresholds low enough for small tensors: many work-items wanted, column
    parts of >= 8 rows, work-group finish from 2 parts. Yields the names of the kernels taken."""
    monkeypatch.setattr(backend, "_reduce_variant", "gpu", raising=False)
    monkeypatch.setattr(backend, "_want", lambda: 1 << 20, raising=False)
    monkeypatch.setattr(backend, "_gpu_cols_min_rows", 8, raising=False)
    monkeypatch.setattr(backend, "_gpu_finish_wg_parts", 2, raising=False)
    names = []
    orig = backend._rkernel

    def logged(prog, name, sig):
        names.append(name)
        return orig(prog, name, sig)
    monkeypatch.setattr(backend, "_rkernel", logged, raising=False)
    yield names


def data(dt, shape, seed, lo=-3.0, hi=3.0, ties=False):
    rng = np.random.default_rng(seed)
    if dt is I64:
        return rng.integers(-50 if not ties else -3, 50 if not ties else 4, shape).astype(np.int64)
    v = rng.uniform(lo, hi, shape)
    if ties:
        v = np.round(v)
    return v.astype(dt.np)


def ref_reduce(op, a, axis):
    a64 = a.astype(np.float64) if a.dtype.kind == "f" else a
    if op == "sum":
        return a64.sum(axis), np.abs(a64).sum(axis)
    if op == "nansum":
        return np.nansum(a64, axis), np.nansum(np.abs(a64), axis)
    if op == "prod":
        r = a64.prod(axis)             # a relative error of up to ~n roundings
        return r, np.abs(r) * (a.size if axis is None else a.shape[axis])
    r = {"amax": np.max, "amin": np.min}[op](a64, axis)
    return r, 0 * r


def run_op(op, x, dim):
    kw = {} if dim is None else {"dim": dim}
    if op == "sum":
        return x.sum(**kw)
    if op == "nansum":
        return ember.nansum(x, **kw)
    if op == "prod":
        return x.prod(**kw)
    if op == "amax":
        return x.amax(**kw)
    if op == "amin":
        return x.amin(**kw)
    raise ValueError(op)


def twice(fn, x):
    """fn(x) run twice: the host copies, which must be bitwise equal."""
    r1, r2 = host(fn(x)), host(fn(x))
    assert r1.tobytes() == r2.tobytes(), "not deterministic"
    return r1


def check_reduce(op, a, dt, dim):
    x = ember.tensor(a, dtype=dt, device="opencl")
    got = twice(lambda t: run_op(op, t, dim), x)
    want, mag = ref_reduce(op, a, dim)
    if dt is I64:
        np.testing.assert_array_equal(got, want, err_msg=f"{op} dim={dim}")
        return
    got = got.astype(np.float64)
    # double accumulators: the error is the output's rounding plus a few ulp of the magnitudes
    tol = 2 * EPS[dt] * np.abs(want) + 4 * EPS[F32 if dt is F16 else dt] * mag + 1e-300
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan), f"{op} dim={dim}: NaN mismatch"
    bad = ~nan & ~(np.abs(got - want) <= tol)
    assert not bad.any(), f"{op} dim={dim} {dt}: {got[bad][:5]} vs {want[bad][:5]}"


# rows longer than 4 x RWG (256 on PoCL) and of no round length; columns that are few, split in
# parts of 64 rows with a shorter last one (not a multiple of 4)
ROWS = (5, 2 * 4 * 256 + 291)
COLS = (301, 37)


@pytest.mark.parametrize("dt", [F32, F64, I64, F16], ids=str)
def test_unrolled_and_split_reductions(ocl, gpu, dt):
    ops = ["sum", "prod", "amax", "amin"] + (["nansum"] if dt is not I64 else [])
    for shape, seed in ((ROWS, 1), (COLS, 2)):
        for op in ops:
            if op == "prod":
                a = (np.random.default_rng(seed).choice([-1, 1], shape).astype(np.int64)
                     if dt is I64 else data(dt, shape, seed, 0.998, 1.002))
            else:
                a = data(dt, shape, seed)
            if op == "nansum":
                a = a.copy()
                a.flat[::97] = np.nan
            for dim in (0, 1, None):
                check_reduce(op, a, dt, dim)
    assert "red_wg_sum" in gpu and "red_cols_sum" in gpu and "red_finish_wg_sum" in gpu


@pytest.mark.parametrize("dt", [F32, F64, I64, F16], ids=str)
def test_unrolled_and_split_arg_reductions(ocl, gpu, dt):
    for shape, seed in ((ROWS, 3), (COLS, 4)):
        a = data(dt, shape, seed, ties=True)            # ties: the first index must win
        if dt is not I64:
            a = a.copy()
            a[1, shape[1] - 3] = np.nan               # a NaN in a late part / row
            a[shape[0] - 1, 7] = np.nan
        x = ember.tensor(a, dtype=dt, device="opencl")
        for dim in (0, 1, None):
            for name, npf in (("argmax", np.argmax), ("argmin", np.argmin)):
                got = twice(lambda t: getattr(t, name)(dim), x)
                np.testing.assert_array_equal(got, npf(a, axis=dim), err_msg=f"{name} {dim}")
            if dim is not None:
                v = twice(lambda t: t.max(dim)[0], x)
                i = twice(lambda t: t.max(dim)[1], x)
                np.testing.assert_array_equal(i, np.argmax(a, axis=dim))
                np.testing.assert_array_equal(v.astype(np.float64),
                                              np.take_along_axis(a, np.expand_dims(
                                                  np.argmax(a, dim), dim), dim).squeeze(dim)
                                              .astype(np.float64))
    assert {"arg_wg", "arg_cols", "arg_finish_wg"} <= set(gpu)


def test_many_parts_work_group_finish(ocl, gpu):
    # 2 columns of 70001 rows: 1094 parts of 64 rows each, combined by a work-group per output
    # (lanes walk more than 4 x RWG partials: the unrolled loop and its tail)
    rng = np.random.default_rng(5)
    a = rng.standard_normal((70001, 2)).astype(np.float32)
    a[40000, 1] = 9.0
    a[69999, 1] = 9.0
    x = ember.tensor(a, device="opencl")
    got = twice(lambda t: t.sum(0), x).astype(np.float64)
    want = a.astype(np.float64).sum(0)
    assert np.all(np.abs(got - want) <= 4 * EPS[F32] * np.abs(a).astype(np.float64).sum(0))
    np.testing.assert_array_equal(twice(lambda t: t.amax(0), x), a.max(0))
    np.testing.assert_array_equal(twice(lambda t: t.argmax(0), x), a.argmax(0))
    np.testing.assert_array_equal(twice(lambda t: t.argmin(0), x), a.argmin(0))
    assert "red_finish_wg_sum" in gpu and "arg_finish_wg" in gpu


def test_strided_runs_and_edges(ocl, gpu):
    rng = np.random.default_rng(6)
    a = rng.standard_normal((20, 30, 47)).astype(np.float32)
    x = ember.tensor(a, device="opencl")
    cases = [
        # kept dim innermost, rows in runs of 15 split in parts mid-run
        ("cols_runs", lambda t: t[:, ::2].sum((0, 1)), a[:, ::2].astype(np.float64).sum((0, 1))),
        # a work-group per output over two reduced dims (runs of 45), parts mid-run
        ("wg_runs", lambda t: t[:, :, :45].sum((1, 2)), a[:, :, :45].astype(np.float64)
         .sum((1, 2))),
        ("all_sliced", lambda t: t[:, :, :45].sum(), a[:, :, :45].astype(np.float64).sum()),
        ("max_runs", lambda t: t[:, ::2].amax((0, 1)), a[:, ::2].max((0, 1))),
    ]
    for name, fn, want in cases:
        got = twice(fn, x).astype(np.float64)
        assert np.allclose(got, want, rtol=1e-5, atol=1e-4), name
    # 1-element rows and columns, empty reductions (identities)
    b = rng.standard_normal((1, 300)).astype(np.float32)
    y = ember.tensor(b, device="opencl")
    np.testing.assert_allclose(twice(lambda t: t.sum(0), y), b[0], rtol=0, atol=0)
    np.testing.assert_array_equal(twice(lambda t: t.argmax(0), y), np.zeros(300, np.int64))
    np.testing.assert_array_equal(twice(lambda t: t.t().amax(1), y), b[0])
    np.testing.assert_array_equal(twice(lambda t: t.argmax(1), y), [b.argmax()])
    e = ember.tensor(np.zeros((4, 0), np.float32), device="opencl")
    np.testing.assert_array_equal(host(e.sum(1)), np.zeros(4))
    np.testing.assert_array_equal(host(e.prod(1)), np.ones(4))
    np.testing.assert_array_equal(host(e.t().sum(0)), np.zeros(4))
    assert host(e.sum(0)).shape == (0,)


def test_gpu_plan_fills_an_h200(ocl, backend, monkeypatch):
    # the part counts an H200 (132 compute units) gets for the measured 64M-element cases
    monkeypatch.setattr(backend, "_reduce_variant", "gpu", raising=False)
    monkeypatch.setattr(backend, "_want", lambda: 132 * 4 * 256, raising=False)
    from ember.backends.opencl.reduce_kernels import _chunked
    n = 8192
    # sum(dim=0): 8192 columns -> 16 parts of 512 rows, 131072 work-items
    assert _chunked(n, backend._cols_parts(n, n, 4096, 256)) == (16, 512)
    assert _chunked(n, backend._cols_parts(n, n, 4096, 1024)) == (16, 512)
    # sum(all): >= 4 work-groups per compute unit, combined by a work-group
    parts, chunk = _chunked(n * n, backend._wg_parts(1, n * n))
    assert parts >= 4 * 132 and chunk % 64 == 0 and backend._finish_wg(parts)
    # sum(dim=1): a work-group per row, no split
    assert backend._wg_parts(n, n) == 1
    # columns that fill the device are not split; short columns are not either
    assert backend._cols_parts(4 * 132 * 256, n, 4096, 256) == 1
    assert backend._cols_parts(64, 100, 4096, 256) == 1


def test_cpu_runtime_plan_unchanged(ocl, backend, monkeypatch):
    # the CPU-runtime layout splits columns only from 4096 rows, as before
    monkeypatch.setattr(backend, "_reduce_variant", "cpu", raising=False)
    want = backend._want()
    assert backend._cols_parts(1, 4095, 4096, 256) == 1
    assert backend._cols_parts(1, 100000, 4096, 256) == min(want, -(-100000 // 256))
    assert backend._cols_parts(1, 100000, 4096, 1024) == min(want, -(-100000 // 1024))
    assert not backend._finish_wg(10 ** 6)
    names = []
    orig = backend._rkernel
    monkeypatch.setattr(backend, "_rkernel", lambda p, n, s: (names.append(n), orig(p, n, s))[1],
                        raising=False)
    x = ember.tensor(np.ones((70001, 3), np.float32), device="opencl")
    assert host(x.sum(0)).tolist() == [70001.0] * 3
    host(x.argmax(0))
    assert not any("wg" in n for n in names), names
