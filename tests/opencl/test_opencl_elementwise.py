"""Every elementwise op code of the CPU backend's tables, run by the OpenCL backend on the same
inputs and compared with the CPU result: contiguous, strided, broadcast, 0-d and empty operands,
the dtypes that matter, and the public ops on OpenCL tensors."""
import numpy as np
import pytest

import ember
from ember.backends.cpu._map import UNARY, BINARY, COMPARE, PREDICATE, TERNARY, FAMILY
from ember.tensor import _empty
from cltools import ocl, backend, host, cl_tensor  # noqa: F401  (fixtures)

FLOATS = [ember.float32, ember.float64, ember.float16, ember.bfloat16]
INTS = [ember.int32, ember.int64, ember.int8, ember.uint8, ember.bool]
# what the CPU kernels (_map.pyx) implement per dtype kind; the ops layer sends nothing else
INT_UNARY = {"neg", "abs", "sign", "square", "bitwise_not", "logical_not", "relu", "clamp",
             "clamp_min", "clamp_max", "floor", "ceil", "round", "trunc", "frac", "pow_scalar",
             "threshold"}
FLOAT_ONLY_BINARY = {"atan2", "hypot", "copysign", "xlogy", "logaddexp", "logaddexp2"}
INT_ONLY_BINARY = {"bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
                   "bitwise_right_shift"}
INT_DIVISION = {"div", "floor_divide", "trunc_divide", "remainder", "fmod"}
PARAMS = {"round_dec": (100.0, 1.0, 0.0), "logit": (0.1, 0.0, 0.0), "softplus": (1.5, 2.0, 0.0),
          "clamp": (-1.0, 1.5, 0.0), "clamp_min": (-0.5, 0.0, 0.0), "clamp_max": (0.0, 0.5, 0.0),
          "nan_to_num": (0.0, 1e30, -1e30), "pow_scalar": (3.0, 0.0, 0.0),
          "rpow_scalar": (2.0, 0.0, 0.0), "leaky_relu": (0.1, 0.0, 0.0),
          "elu": (1.2, 1.1, 0.9), "celu": (0.7, 0.0, 0.0), "threshold": (0.5, -4.0, 0.0)}


def supported(family, name, dt):
    if family in ("predicate", "ternary"):
        return dt.is_floating_point
    if family == "unary":
        return dt.is_floating_point and name not in ("bitwise_not", "logical_not") or \
            not dt.is_floating_point and name in INT_UNARY
    if family == "binary":
        if dt is ember.bool and name in INT_DIVISION:
            return False                          # the ops layer never divides bools
        return name not in (INT_ONLY_BINARY if dt.is_floating_point else FLOAT_ONLY_BINARY)
    return True


def values(dt, shape, rng, family, name, slot):
    n = int(np.prod(shape))
    if dt.is_floating_point:
        v = rng.uniform(-3, 3, n)
        v[n // 2:] *= 10
        special = [0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, 0.5, -2.5]
        v[:min(n, len(special))] = special[:n]
        v = v.astype(np.float32 if dt is ember.bfloat16 else dt.np)
        if dt is ember.bfloat16:
            v = (v.view(np.uint32) & 0xFFFF0000).view(np.float32)
    elif dt is ember.bool:
        v = rng.integers(0, 2, n).astype(bool)
    else:
        lo = 0 if dt is ember.uint8 else -100
        v = rng.integers(lo, 100, n).astype(dt.np)
        if family == "binary" and name in INT_DIVISION and slot == 1:
            v[v == 0] = 3                         # zero divisors: see test_integer_division_by_zero
    return v.reshape(shape)


def run_both(family, name, dt, arrays, layout):
    """(OpenCL result, CPU result) as NumPy arrays for one op on inputs laid out by `layout`."""
    fam = FAMILY[family]
    code = {"unary": UNARY, "binary": BINARY, "compare": COMPARE, "predicate": PREDICATE,
            "ternary": TERNARY}[family][name]
    p = PARAMS.get(name, (0.5, 2.0, 1.5))
    out_dt = ember.bool if family in ("compare", "predicate") else dt
    results = []
    for dev in ("opencl", "cpu"):
        ins = [layout(ember.tensor(a, dtype=dt, device=dev)) for a in arrays]
        shape = ember.broadcast_shapes(*[t.shape for t in ins]) if len(ins) > 1 else ins[0].shape
        out = _empty(tuple(shape), out_dt, ember.device(dev))
        ember.device(dev).backend.map(fam, code, out, ins, *p)
        results.append(host(out))
    return results


def compare(got, want, dt, f32_tol=5e-6):
    if got.dtype.kind in "biu":
        return np.array_equal(got, want)
    tol = {ember.float32: f32_tol, ember.float64: 1e-12, ember.float16: 1e-3,
           ember.bfloat16: 8e-3}[dt]
    return np.allclose(got.astype(np.float64), want.astype(np.float64), rtol=tol, atol=tol,
                       equal_nan=True)


LAYOUTS = {
    "contiguous": ((5, 7), lambda t: t),
    "transposed": ((7, 5), lambda t: t.t()),
    "sliced": ((5, 14), lambda t: t[:, ::2]),
}
TABLES = [("unary", UNARY, 1), ("binary", BINARY, 2), ("compare", COMPARE, 2),
          ("predicate", PREDICATE, 1), ("ternary", TERNARY, 3)]


def walk(family, table, arity, dt, shapes, layout, seed=0, only=None, f32_tol=5e-6):
    rng = np.random.default_rng(seed)
    bad = []
    for name in table:
        if not supported(family, name, dt) or only is not None and name not in only:
            continue
        arrays = [values(dt, shapes[k % len(shapes)], rng, family, name, k) for k in range(arity)]
        got, want = run_both(family, name, dt, arrays, layout)
        if got.shape != want.shape or not compare(got, want, dt, f32_tol):
            bad.append(f"{name}: got {got.ravel()[:6]} want {want.ravel()[:6]}")
    return bad


@pytest.mark.parametrize("dt", [ember.float32, ember.float64, ember.int32, ember.int64,
                                ember.bool], ids=str)
@pytest.mark.parametrize("family,table,arity", TABLES, ids=[t[0] for t in TABLES])
def test_every_op_contiguous(ocl, family, table, arity, dt):
    if family in ("predicate", "ternary") and not dt.is_floating_point:
        pytest.skip("floating-point only family")
    bad = walk(family, table, arity, dt, [(5, 7)], lambda t: t)
    assert not bad, f"{family} {dt}:\n" + "\n".join(bad)


# the other dtypes share the kernels' code but not their loads, stores and integer widths: a
# sample of ops (every third, and those whose semantics depend on the width) keeps cold PoCL
# runs short (it compiles each kernel at first launch)
SAMPLE = {"neg", "abs", "sign", "square", "bitwise_not", "pow_scalar", "clamp", "round_dec",
          "hardswish", "erfinv", "sigmoid", "nan_to_num", "add", "sub", "mul", "div",
          "floor_divide", "remainder", "fmod", "pow", "maximum", "fmin", "bitwise_left_shift",
          "bitwise_right_shift", "logaddexp", "eq", "lt", "isnan", "signbit", "lerp", "addcdiv"}


@pytest.mark.parametrize("dt", [ember.float16, ember.bfloat16, ember.int8, ember.uint8,
                                ember.int16], ids=str)
@pytest.mark.parametrize("family,table,arity", TABLES, ids=[t[0] for t in TABLES])
def test_sampled_ops_other_dtypes(ocl, family, table, arity, dt):
    if family in ("predicate", "ternary") and not dt.is_floating_point:
        pytest.skip("floating-point only family")
    only = SAMPLE | set(list(table)[::3])
    bad = walk(family, table, arity, dt, [(5, 7)], lambda t: t, only=only)
    assert not bad, f"{family} {dt}:\n" + "\n".join(bad)


@pytest.mark.parametrize("layout", ["transposed", "sliced"])
@pytest.mark.parametrize("dt", [ember.float32, ember.int32], ids=str)
@pytest.mark.parametrize("family,table,arity", TABLES, ids=[t[0] for t in TABLES])
def test_every_op_strided(ocl, family, table, arity, dt, layout):
    if family in ("predicate", "ternary") and not dt.is_floating_point:
        pytest.skip("floating-point only family")
    shape, fn = LAYOUTS[layout]
    bad = walk(family, table, arity, dt, [shape], fn, seed=1)
    assert not bad, f"{family} {dt} {layout}:\n" + "\n".join(bad)


@pytest.mark.parametrize("dt", [ember.float32, ember.int64], ids=str)
@pytest.mark.parametrize("family,table,arity", [t for t in TABLES if t[2] > 1],
                         ids=[t[0] for t in TABLES if t[2] > 1])
def test_every_op_broadcast(ocl, family, table, arity, dt):
    if family == "ternary" and not dt.is_floating_point:
        pytest.skip("floating-point only family")
    # row broadcast (strided kernel), then a 0-d operand (contiguous kernel with stride 0)
    bad = walk(family, table, arity, dt, [(4, 6), (6,), (4, 1)], lambda t: t, seed=2)
    bad += walk(family, table, arity, dt, [(9,), ()], lambda t: t, seed=3)
    assert not bad, f"{family} {dt} broadcast:\n" + "\n".join(bad)


@pytest.mark.parametrize("shape", [(), (0,), (3, 0)], ids=str)
def test_zero_dim_and_empty(ocl, shape):
    a = np.full(shape, 1.25, np.float32)
    x = cl_tensor(a)
    for f, g in ((lambda t: t.exp(), np.exp), (lambda t: t * t + 1, lambda v: v * v + 1),
                 (lambda t: t > 1, lambda v: v > 1), (lambda t: ember.where(t > 1, t, -t),
                                                      lambda v: np.where(v > 1, v, -v))):
        r = f(x)
        assert r.shape == shape and r.device == ember.device("opencl")
        np.testing.assert_allclose(host(r), g(a), rtol=1e-6)


def test_many_dims_split_on_the_host(ocl):
    # 9 dims that coalesce into none: the geometry holds 8, the host loops the outermost
    a = np.arange(2 ** 9, dtype=np.float32).reshape((2,) * 9)
    perm = (0, 2, 4, 6, 8, 1, 3, 5, 7)
    x = cl_tensor(a).permute(*perm)
    y = cl_tensor(a * 0.5).permute(*perm)
    np.testing.assert_array_equal(host(x + y), (a + a * 0.5).transpose(perm))
    np.testing.assert_array_equal(host(x.contiguous()), a.transpose(perm))


@pytest.mark.parametrize("dt", [ember.float32, ember.float64, ember.int32, ember.int16,
                                ember.uint8, ember.bool, ember.float16, ember.bfloat16], ids=str)
def test_where_every_itemsize(ocl, dt):
    rng = np.random.default_rng(4)
    c = rng.integers(0, 2, (3, 4)).astype(bool)
    a = values(dt, (3, 4), rng, "where", "", 0)
    b = values(dt, (4,), rng, "where", "", 1)
    want = host(ember.where(ember.tensor(c), ember.tensor(a, dtype=dt), ember.tensor(b, dtype=dt)))
    got = ember.where(cl_tensor(c), cl_tensor(a, dt), cl_tensor(b, dt))
    assert got.dtype is dt
    assert host(got).tobytes() == want.tobytes()
    # a transposed condition and a 0-d other
    got_t = ember.where(cl_tensor(c.T.copy()).t(), cl_tensor(a, dt),
                        cl_tensor(np.asarray(b[0]), dt))
    want_t = host(ember.where(ember.tensor(c), ember.tensor(a, dtype=dt),
                              ember.tensor(b[0], dtype=dt)))
    assert host(got_t).tobytes() == want_t.tobytes()


def test_integer_division_by_zero(ocl):
    a = cl_tensor(np.array([7, -7, 3], np.int64))
    b = cl_tensor(np.array([2, 0, 1], np.int64))
    for f in (lambda: a // b, lambda: a % b, lambda: ember.fmod(a, b),
              lambda: ember.div(a, b, rounding_mode="trunc")):
        r = f()                               # no wait: a deferred error (as cross-entropy's)
        with pytest.raises(ZeroDivisionError):
            r.tolist()
    np.testing.assert_array_equal(host(a // cl_tensor(np.array([2, -2, 1], np.int64))), [3, 3, 3])
    # each call has its own flag: a later division without zero divisors does not raise
    np.testing.assert_array_equal(host(a % 4), [3, 1, 3])
    a // b
    with pytest.raises(ZeroDivisionError):
        ember.opencl.synchronize()
    ember.opencl.synchronize()


def test_public_ops_match_the_cpu(ocl):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((4, 5)).astype(np.float32)
    b = rng.standard_normal((5,)).astype(np.float32)
    i = rng.integers(-9, 9, (4, 5))
    exprs = [
        lambda x, y, k: x + y, lambda x, y, k: x * 2 - y / 3, lambda x, y, k: (x.t() ** 2).exp(),
        lambda x, y, k: x.clamp(-0.5, 0.5), lambda x, y, k: ember.maximum(x, y),
        lambda x, y, k: (x > y) & (x < 1), lambda x, y, k: ember.where(x > 0, x, y),
        lambda x, y, k: k * 3 + 1, lambda x, y, k: k // 4, lambda x, y, k: k % -3,
        lambda x, y, k: k << 2, lambda x, y, k: -k.abs(), lambda x, y, k: x.sigmoid() + x.tanh(),
        lambda x, y, k: ember.lerp(x, y.expand(4, 5), 0.3), lambda x, y, k: x.half() * 2,
        lambda x, y, k: ember.atan2(x, y), lambda x, y, k: x[:, 1::2].relu(),
        lambda x, y, k: ember.isnan(x / 0 * 0), lambda x, y, k: x.double().log1p(),
        lambda x, y, k: k.float().floor_divide(2.5), lambda x, y, k: x.round(decimals=1),
    ]
    for n, e in enumerate(exprs):
        want = e(ember.tensor(a), ember.tensor(b), ember.tensor(i))
        got = e(cl_tensor(a), cl_tensor(b), cl_tensor(i))
        assert got.device == ember.device("opencl") and got.dtype is want.dtype, n
        np.testing.assert_allclose(host(got).astype(np.float64), host(want).astype(np.float64),
                                   rtol=1e-5, atol=1e-6, err_msg=f"expression {n}")


def test_inplace_ops_bump_the_version(ocl):
    x = cl_tensor(np.ones(4, np.float32))
    v = x._version
    x.add_(2).mul_(cl_tensor(np.float32(3)))
    assert x._version == v + 2
    np.testing.assert_array_equal(host(x), [9, 9, 9, 9])
    y = cl_tensor(np.arange(6, dtype=np.float32)).view(2, 3)
    y.t().sub_(1)                                           # in place through a strided view
    np.testing.assert_array_equal(host(y), np.arange(6).reshape(2, 3) - 1)


def test_cross_device_errors_name_both_devices(ocl):
    x = cl_tensor(np.ones(3, np.float32))
    c = ember.ones(3)
    with pytest.raises(RuntimeError, match=r"same device.*(opencl.*cpu|cpu.*opencl)"):
        x + c
    with pytest.raises(RuntimeError, match=r"same device.*(opencl.*cpu|cpu.*opencl)"):
        ember.where(x > 0, c, x)
    # a 0-d CPU tensor joins an OpenCL op, as a Python scalar would
    np.testing.assert_array_equal(host(x + ember.tensor(2.0)), [3, 3, 3])
    with pytest.raises(RuntimeError, match="same device"):
        x.device.backend.map(FAMILY["binary"], BINARY["add"], _empty((3,), ember.float32, x.device),
                             [x, c])


def test_float64_needs_fp64(ocl, backend, monkeypatch):
    monkeypatch.setattr(backend.dev, "fp64", False)
    with pytest.raises(RuntimeError, match="float64 is not supported.*cl_khr_fp64"):
        ember.tensor([1.0], dtype=ember.float64, device="opencl")
    with pytest.raises(RuntimeError, match="float64 is not supported"):
        cl_tensor(np.ones(2, np.float32)).double()


def test_float32_ops_on_a_device_without_fp64(ocl, backend, monkeypatch):
    # programs built for a device without cl_khr_fp64: float parameters, float-only math (the
    # CPU computes erfinv and sinc in double, hence the looser tolerance)
    monkeypatch.setattr(backend.dev, "fp64", False)
    assert backend._pt is np.float32
    bad = []
    for family, table, arity in TABLES:
        bad += walk(family, table, arity, ember.float32, [(5, 7)], lambda t: t, seed=6,
                    f32_tol=2e-5)
    bad += walk("binary", BINARY, 2, ember.int64, [(5, 7)], lambda t: t, seed=7)
    assert not bad, "\n".join(bad)
    x = ember.arange(0, 1, 0.25, device="opencl")
    np.testing.assert_array_equal(host(x), [0, 0.25, 0.5, 0.75])


def test_gpu_grid_limits_split_launches(ocl, backend, monkeypatch):
    # GPUs allow 65535 work-groups in dimensions 1 and 2: longer ranges launch in pieces
    monkeypatch.setattr(backend.launch, "is_gpu", True)
    a = np.arange(3 * 2 * 70000, dtype=np.float32).reshape(3, 2, 70000)
    x = cl_tensor(a).permute(2, 1, 0)                  # dims (70000, 2, 3), nothing coalesces
    np.testing.assert_array_equal(host(x + 1), a.transpose(2, 1, 0) + 1)


@pytest.mark.parametrize("dev", ["cpu", "opencl"])
def test_integer_and_bool_bounds_convert_defined(ocl, dev):
    """Scalar bounds reach integer kernels through int64 (out-of-range values wrap) and bool
    kernels as p != 0: C leaves a negative double cast to an unsigned type undefined, and NVIDIA's
    compiler and PoCL resolved it differently (bool clamp/threshold differed on an H200)."""
    def run(name, dt, vals, p):
        x = ember.tensor(np.array(vals), dtype=dt, device=dev)
        out = _empty(tuple(x.shape), dt, ember.device(dev))
        ember.device(dev).backend.map(FAMILY["unary"], UNARY[name], out, [x], *p)
        return host(out.view(ember.uint8) if dt is ember.bool else out)
    b = [True, False, True, False]
    # clamp(-1, 1.5) on bool: bounds True, True -> all True, stored as 1
    assert run("clamp", ember.bool, b, (-1.0, 1.5, 0.0)).tolist() == [1, 1, 1, 1]
    # threshold(0.5, -4): x > False ? x : True -> all True, stored as 1 (not 252)
    assert run("threshold", ember.bool, b, (0.5, -4.0, 0.0)).tolist() == [1, 1, 1, 1]
    assert run("clamp_max", ember.bool, b, (0.0, 0.0, 0.0)).tolist() == [0, 0, 0, 0]
    # uint8: -1 wraps to 255 through int64; int8: 300 wraps to 44
    assert run("clamp_min", ember.uint8, [0, 7, 255], (-1.0, 0.0, 0.0)).tolist() == [255, 255, 255]
    assert run("clamp_max", ember.int8, [-5, 50, 100], (0.0, 300.0, 0.0)).tolist() == [-5, 44, 44]


# the GPU form of the contiguous kernels (C_UNROLL elements per work-item, tail as a 2-D launch of
# single elements), forced on PoCL: 3 x 701 = 2103 elements is 2048 unrolled + a 55-element tail
UNROLL_SHAPES = {"plain": [(3, 701)], "scalar": [(3, 701), ()], "offset": [(4, 701)]}


@pytest.mark.parametrize("case", list(UNROLL_SHAPES))
@pytest.mark.parametrize("family,table,arity", TABLES, ids=[t[0] for t in TABLES])
def test_gpu_unrolled_contiguous_kernels(ocl, backend, monkeypatch, family, table, arity, case):
    monkeypatch.setattr(backend, "_map_unroll", 4, raising=False)
    layout = (lambda t: t[1:] if t.dim() == 2 else t) if case == "offset" else (lambda t: t)
    shapes = UNROLL_SHAPES[case]
    bad = walk(family, table, arity, ember.float32, shapes, layout, seed=3,
               only=SAMPLE | set(list(table)[::6]))
    for dt in (ember.int32, ember.float16, ember.bool):
        if family in ("predicate", "ternary") and not dt.is_floating_point:
            continue
        bad += walk(family, table, arity, dt, shapes, layout, seed=4,
                    only={"neg", "abs", "clamp", "add", "mul", "maximum", "eq", "lt", "isnan",
                          "lerp"})
    assert not bad, f"{family} {case}:\n" + "\n".join(bad)


def test_gpu_unrolled_copy_and_where(ocl, backend, monkeypatch):
    monkeypatch.setattr(backend, "_map_unroll", 4, raising=False)
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 701)).astype(np.float32)
    b = rng.standard_normal((3, 701)).astype(np.float32)
    x, y = cl_tensor(a), cl_tensor(b)
    for dt in (ember.float16, ember.int64, ember.bool, ember.float64):
        got = host(x.to(dt))
        want = host(ember.tensor(a).to(dt))
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(host(x[1:].to(ember.int32)), a[1:].astype(np.int32))
    np.testing.assert_array_equal(host(ember.where(x > 0, x, y)), np.where(a > 0, a, b))
    np.testing.assert_array_equal(host(ember.where(x > 0, x, cl_tensor(np.float32(2.0)))),
                                  np.where(a > 0, a, np.float32(2.0)))
    # ramp kernels share copy.cl's program but not the unrolled form
    np.testing.assert_array_equal(host(ember.arange(2103, device="opencl")), np.arange(2103))


# strided kernels with a long innermost dim run C_UNROLL columns per work-item on GPUs (forced
# here): a row broadcast (3, 1100) + (1100,), a sliced inner dim of 1050, a transposed one of 1030
STRIDED_UNROLL = {"row_bcast": ([(3, 1100), (1100,)], lambda t: t),
                  "sliced": ([(3, 2100)], lambda t: t[:, ::2] if t.dim() == 2 else t),
                  "transposed": ([(1030, 3)], lambda t: t.t() if t.dim() == 2 else t)}


@pytest.mark.parametrize("case", list(STRIDED_UNROLL))
@pytest.mark.parametrize("family,table,arity", TABLES, ids=[t[0] for t in TABLES])
def test_gpu_unrolled_strided_kernels(ocl, backend, monkeypatch, family, table, arity, case):
    monkeypatch.setattr(backend, "_map_unroll", 4, raising=False)
    shapes, layout = STRIDED_UNROLL[case]
    only = {"neg", "exp", "clamp", "add", "mul", "maximum", "eq", "lt", "isnan", "lerp",
            "addcdiv", "pow"}
    bad = []
    for dt in (ember.float32, ember.int32, ember.float16):
        if family in ("predicate", "ternary") and not dt.is_floating_point:
            continue
        bad += walk(family, table, arity, dt, shapes, layout, seed=6, only=only)
    assert not bad, f"{family} {case}:\n" + "\n".join(bad)


def test_gpu_unrolled_strided_copy_where_fill(ocl, backend, monkeypatch):
    monkeypatch.setattr(backend, "_map_unroll", 4, raising=False)
    rng = np.random.default_rng(8)
    a = rng.standard_normal((3, 2100)).astype(np.float32)
    x = cl_tensor(a)
    for dt in (ember.float16, ember.int64, ember.float32):
        np.testing.assert_array_equal(host(x[:, ::2].to(dt)), host(ember.tensor(a[:, ::2]).to(dt)))
    np.testing.assert_array_equal(host(x.t().contiguous()), a.T)       # inner 3: not unrolled
    y = cl_tensor(np.ascontiguousarray(a.T)).t()                       # inner 2100, stride 3
    np.testing.assert_array_equal(host(y.contiguous()), a)
    np.testing.assert_array_equal(host(ember.where(x[:, ::2] > 0, x[:, ::2], 0.0)),
                                  np.where(a[:, ::2] > 0, a[:, ::2], 0.0))
    z = cl_tensor(np.zeros((3, 2100), np.float32))
    z[:, ::2] = 5.0                                                    # strided fill
    want = np.zeros((3, 2100), np.float32)
    want[:, ::2] = 5.0
    np.testing.assert_array_equal(host(z), want)
