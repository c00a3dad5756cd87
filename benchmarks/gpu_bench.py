"""Ember on an OpenCL GPU next to PyTorch/CUDA on the same card (run by benchmarks/gpu_check.sh).

    python3 benchmarks/gpu_bench.py [--quick]

Prints one line per measurement: elementwise bandwidth, SGEMM (every GEMM variant the backend
offers, and the one it picks), softmax, and one training step of the issue-#5 MLP; then the same
on torch with CUDA (TF32 off) when torch sees a GPU. Timings: best of a few synchronized runs.
Then a table of memory-bound and nn kernels (elementwise family, reductions, copies, batch/layer
norm, pooling, conv, cross-entropy), Ember next to torch in the same run, with GB/s where the
bytes moved are known. ``--sections table`` runs the table alone.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import ember  # noqa: E402
import ember.opencl  # noqa: E402


def best(fn, sync, reps=5, inner=1):
    fn()
    sync()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        sync()
        times.append((time.perf_counter() - t) / inner)
    return min(times)


def mlp(mod, device):
    """The issue-#5 MLP step: 784-256-256-10, batch 128, Adam, cross-entropy."""
    nn = mod.nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                          nn.Linear(256, 10)).to(device)
    opt = mod.optim.Adam(model.parameters(), lr=1e-3)
    x = mod.randn(128, 784, device=device)
    y = mod.randint(0, 10, (128,), device=device)

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return step


def add_bandwidth(mod, d, sync, quick):
    """`x + y` on 64M float32 elements (1M with quick): GB/s moved (two reads, one write)."""
    n = (1 << 20) if quick else (64 << 20)
    x = mod.ones(n, device=d)
    y = mod.ones(n, device=d)
    t = best(lambda: x + y, sync, inner=5)
    print(f"{mod.__name__} add {3 * n * 4 >> 20} MB moved: {3 * n * 4 / t / 1e9:.0f} GB/s")


def run_ember(quick):
    d = "opencl"
    sync = ember.opencl.synchronize
    name = ember.opencl.get_device_name(0)
    print(f"ember {ember.__version__} on {name}")
    add_bandwidth(ember, d, sync, quick)
    be = ember.device(d).backend
    variants = getattr(be, "gemm_variants", lambda: [None])()
    for size in ((256, 512) if quick else (1024, 4096)):
        a = ember.randn(size, size, device=d)
        b = ember.randn(size, size, device=d)
        ref = None
        for v in variants:
            ctx = getattr(be, "gemm_variant", None)
            try:
                if v is not None and ctx is not None:
                    with ctx(v):
                        t = best(lambda: a @ b, sync)
                        c = (a @ b)
                else:
                    t = best(lambda: a @ b, sync)
                    c = a @ b
            except Exception as e:            # report and go on: the table is the finding
                print(f"ember sgemm {size} [{v}]: failed: {type(e).__name__}: {e}")
                continue
            if ref is None:
                ref = a.cpu().numpy().astype(np.float64) @ b.cpu().numpy().astype(np.float64)
            err = np.abs(c.cpu().numpy() - ref).max() / np.abs(ref).max()
            print(f"ember sgemm {size} [{v or 'default'}]: {2 * size ** 3 / t / 1e12:.2f} TFLOP/s "
                  f"(max rel err {err:.1e})")
        picked = getattr(be, "gemm_choice", None)
        if picked is not None:
            print(f"  default variant for {size}: {picked(size, size, size, ember.float32)}")
    s = ember.randn(4096, 1024, device=d)
    t = best(lambda: ember.softmax(s, -1), sync, inner=5)
    print(f"ember softmax 4096x1024: {t * 1e6:.0f} us ({2 * s.numel() * 4 / t / 1e9:.0f} GB/s)")
    # reductions: the work wanted per launch (default ~4 work-groups per compute unit) vs 8
    v = ember.rand((1 << 18) if quick else (64 << 20), device=d)
    want = getattr(be, "_want", None)
    for label, k in (("default", None), ("8 groups/CU", 8)):
        if k is not None:
            if want is None:
                continue
            cu = be.dev.compute_units
            be._want = lambda: cu * k * 256
        try:
            t = best(lambda: v.sum(), sync, inner=5)
            print(f"ember sum(all) {v.numel() * 4 >> 20} MB [{label}]: "
                  f"{v.numel() * 4 / t / 1e9:.0f} GB/s")
        finally:
            be.__dict__.pop("_want", None)
    try:
        ember.manual_seed(0)
        step = mlp(ember, d)
        t = best(step, sync, inner=10)
        print(f"ember MLP train step (b128 Adam): {t * 1e3:.2f} ms")
    except Exception as e:
        print(f"ember MLP train step: failed: {type(e).__name__}: {e}")


def run_torch(quick):
    try:
        import torch
    except ImportError:
        print("torch not installed: no CUDA reference")
        return
    if not torch.cuda.is_available():
        print("torch sees no CUDA device: no reference")
        return
    torch.backends.cuda.matmul.allow_tf32 = False
    d = "cuda"
    sync = torch.cuda.synchronize
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name(0)} (TF32 off)")
    add_bandwidth(torch, d, sync, quick)
    for size in ((256, 512) if quick else (1024, 4096)):
        a = torch.randn(size, size, device=d)
        b = torch.randn(size, size, device=d)
        t = best(lambda: a @ b, sync)
        print(f"torch sgemm {size}: {2 * size ** 3 / t / 1e12:.2f} TFLOP/s")
    s = torch.randn(4096, 1024, device=d)
    t = best(lambda: torch.softmax(s, -1), sync, inner=5)
    print(f"torch softmax 4096x1024: {t * 1e6:.0f} us")
    torch.manual_seed(0)
    step = mlp(torch, d)
    t = best(step, sync, inner=10)
    print(f"torch MLP train step (b128 Adam): {t * 1e3:.2f} ms")


def table_cases(quick):
    """(name, bytes moved or 0, builder(mod, device) -> callable): the same code for both libs."""
    n = (1 << 18) if quick else (64 << 20)
    side = 512 if quick else 8192
    bn = (8, 16, 14, 14) if quick else (64, 128, 28, 28)
    pool = (8, 16, 28, 28) if quick else (64, 128, 56, 56)
    conv = (4, 16, 28, 28) if quick else (32, 64, 56, 56)
    ln = (256, 256) if quick else (8192, 1024)
    ce = (256, 100) if quick else (8192, 1000)

    def vec(mod, d):
        return mod.rand(n, device=d)

    def mat(mod, d):
        return mod.rand(side, side, device=d)

    def grad_of(mod, fn, *shape_src):
        def run():
            for t in shape_src:
                t.grad = None
            fn().sum().backward()
        return run

    def nn_case(shape, make, backward):
        """make(mod, device) -> f(x); the case runs f on a (shape) input, then (backward)
        f(x).sum().backward()"""
        def build(mod, d):
            x = mod.randn(*shape, device=d, requires_grad=backward)
            f = make(mod, d)
            return grad_of(mod, lambda: f(x), x) if backward else (lambda: f(x))
        return build

    bn_m = lambda mod, d: mod.nn.BatchNorm2d(bn[1]).to(d)  # noqa: E731
    pool_f = lambda mod, d: lambda x: mod.nn.functional.max_pool2d(x, 2)  # noqa: E731
    conv_m = lambda mod, d: mod.nn.Conv2d(conv[1], conv[1], 3, padding=1).to(d)  # noqa: E731
    ln_m = lambda mod, d: mod.nn.LayerNorm(ln[1]).to(d)  # noqa: E731

    def ce_f(mod, d):
        y = mod.randint(0, ce[1], (ce[0],), device=d)
        return lambda x: mod.nn.functional.cross_entropy(x, y)

    def two(fn):
        def build(mod, d):
            a, b = vec(mod, d), vec(mod, d)
            return lambda: fn(a, b)
        return build

    def one(fn, src=vec):
        def build(mod, d):
            a = src(mod, d)
            return lambda: fn(a)
        return build

    def row_bcast(mod, d):
        a, r = mat(mod, d), mod.rand(side, device=d)
        return lambda: a + r

    def add_(mod, d):
        a, b = vec(mod, d), vec(mod, d)
        return lambda: a.add_(b)

    f4 = 4 * n
    m4 = 4 * side * side
    return [
        ("add (a + b)", 3 * f4, two(lambda a, b: a + b)),
        ("add_ in place", 3 * f4, add_),
        ("mul by scalar", 2 * f4, one(lambda a: a * 2.0)),
        ("exp", 2 * f4, one(lambda a: a.exp())),
        ("clone", 2 * f4, one(lambda a: a.clone())),
        ("(a > 0.5).float()", 0, one(lambda a: (a > 0.5).float())),
        ("row broadcast add", 2 * m4, row_bcast),
        ("transpose contiguous", 2 * m4, one(lambda a: a.t().contiguous(), mat)),
        ("sum (all)", f4, one(lambda a: a.sum())),
        ("sum(dim=1)", m4, one(lambda a: a.sum(1), mat)),
        ("sum(dim=0)", m4, one(lambda a: a.sum(0), mat)),
        ("max(dim=1)", m4, one(lambda a: a.amax(1), mat)),
        ("softmax(dim=-1)", 2 * m4, one(lambda a: a.softmax(-1), mat)),
        ("batch_norm train fwd", 0, nn_case(bn, bn_m, False)),
        ("batch_norm train fwd+bwd", 0, nn_case(bn, bn_m, True)),
        ("max_pool2d 2x2 fwd", 0, nn_case(pool, pool_f, False)),
        ("max_pool2d 2x2 fwd+bwd", 0, nn_case(pool, pool_f, True)),
        ("conv2d 3x3 fwd", 0, nn_case(conv, conv_m, False)),
        ("conv2d 3x3 fwd+bwd", 0, nn_case(conv, conv_m, True)),
        ("layer_norm fwd", 0, nn_case(ln, ln_m, False)),
        ("layer_norm fwd+bwd", 0, nn_case(ln, ln_m, True)),
        ("cross_entropy fwd", 0, nn_case(ce, ce_f, False)),
        ("cross_entropy fwd+bwd", 0, nn_case(ce, ce_f, True)),
    ]


def run_table(quick):
    libs = [("ember", ember, "opencl", ember.opencl.synchronize)]
    try:
        import torch
        if torch.cuda.is_available():
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False
            libs.append(("torch", torch, "cuda", torch.cuda.synchronize))
    except ImportError:
        pass
    print(f"\n{'case':28s} {'ember':>10s} {'GB/s':>6s} {'torch':>10s} {'GB/s':>6s} {'ember/torch':>11s}")
    for name, nbytes, build in table_cases(quick):
        cells = []
        for lib, mod, d, sync in libs:
            try:
                mod.manual_seed(0)
                t = best(build(mod, d), sync, inner=3)
                cells.append(t)
            except Exception as e:               # report and go on: the table is the finding
                print(f"  {name} on {lib}: failed: {type(e).__name__}: {e}")
                cells.append(None)
        row = f"{name:28s}"
        for t in cells + [None] * (2 - len(cells)):
            row += f" {t * 1e3:8.3f}ms" if t else f" {'-':>10s}"
            row += f" {nbytes / t / 1e9:6.0f}" if t and nbytes else f" {'':>6s}"
        if len(cells) == 2 and all(cells):
            row += f" {cells[1] / cells[0]:10.2f}x"
        print(row, flush=True)
    print("(ember/torch: torch's time over ember's, so 1.00x is parity and higher is better)")


def run_overhead(quick):
    """Host cost per call on tiny tensors, layer by layer: the raw enqueue of a kernel, the
    backend's map primitive, `a + b`, `a + b` recording autograd, and the same on torch CUDA:
    where the time of host-bound GPU steps goes."""
    import pyopencl as cl
    from ember.backends.cpu._map import BINARY, FAMILY
    from ember.tensor import _empty
    d = "opencl"
    be = ember.device(d).backend
    a, b = ember.ones(4, device=d), ember.ones(4, device=d)
    ag = ember.ones(4, device=d, requires_grad=True)
    out = _empty((4,), ember.float32, a.device)
    prog = be.programs.get("map.cl", be._mdefs((("FAMILY_BINARY", 1), ("IN_CODE", a.dtype.code),
                                                ("OUT_CODE", a.dtype.code))))
    kern = be._kernel(prog, "add_c", ("binary", "c"))[0]
    kern.set_args(out._storage.buffer, 0, a._storage.buffer, 0, 1, b._storage.buffer, 0, 1,
                  be._err_buffer())
    n = 200 if quick else 5000
    rows = [("raw clEnqueueNDRangeKernel", lambda: cl.enqueue_nd_range_kernel(be.queue, kern, (4,),
                                                                            (4,))),
            ("backend.map (add)", lambda: be.map(FAMILY["binary"], BINARY["add"], out, [a, b])),
            ("a + b", lambda: a + b),
            ("a + b with autograd", lambda: ag + b)]
    print()
    for label, fn in rows:
        t = best(fn, be.synchronize, reps=3, inner=n)
        print(f"overhead {label:30s} {t * 1e6:7.2f} us per call")
    try:
        import torch
        if torch.cuda.is_available():
            ta, tb = torch.ones(4, device="cuda"), torch.ones(4, device="cuda")
            tg = torch.ones(4, device="cuda", requires_grad=True)
            for label, fn in (("torch a + b", lambda: ta + tb),
                              ("torch a + b with autograd", lambda: tg + tb)):
                t = best(fn, torch.cuda.synchronize, reps=3, inner=n)
                print(f"overhead {label:30s} {t * 1e6:7.2f} us per call")
    except ImportError:
        pass


def run_profile(quick):
    """Per-kernel device times (OpenCL profiling events) of one call of the slow table cases and
    the MLP step: which launches the time goes to. Needs EMBER_OPENCL_PROFILE=1 (set by
    --profile before ember creates its queue)."""
    import pyopencl as cl
    be = ember.device("opencl").backend
    if not be.queue.properties & cl.command_queue_properties.PROFILING_ENABLE:
        print("profiling: the queue was created without EMBER_OPENCL_PROFILE=1")
        return
    events = []
    orig = cl.enqueue_nd_range_kernel

    def rec(q, k, *a, **kw):
        ev = orig(q, k, *a, **kw)
        events.append((k.function_name, ev))
        return ev
    cases = {n: b for n, _, b in table_cases(quick)}
    picks = ["batch_norm train fwd", "batch_norm train fwd+bwd", "conv2d 3x3 fwd+bwd",
             "layer_norm fwd+bwd", "cross_entropy fwd+bwd", "max_pool2d 2x2 fwd+bwd",
             "row broadcast add", "sum (all)"]
    builds = [(n, cases[n]) for n in picks] + [("MLP train step", mlp)]
    for name, build in builds:
        ember.manual_seed(0)
        fn = build(ember, "opencl")
        fn()
        ember.opencl.synchronize()
        events.clear()
        cl.enqueue_nd_range_kernel = rec
        be.launch._enqueue = rec
        be._cl.enqueue_nd_range_kernel = rec
        try:
            t = time.perf_counter()
            fn()
            ember.opencl.synchronize()
            wall = time.perf_counter() - t
        finally:
            cl.enqueue_nd_range_kernel = orig
            be.launch._enqueue = orig
        per = {}
        for kname, ev in events:
            dt = (ev.profile.end - ev.profile.start) * 1e-9
            c, s = per.get(kname, (0, 0.0))
            per[kname] = (c + 1, s + dt)
        total = sum(s for _, s in per.values())
        print(f"\nprofile {name}: {len(events)} launches, {total * 1e3:.3f} ms in kernels, "
              f"{wall * 1e3:.3f} ms wall")
        for kname, (c, s) in sorted(per.items(), key=lambda kv: -kv[1][1]):
            print(f"  {s * 1e3:8.3f} ms  x{c:<3d} {kname}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke test on PoCL)")
    ap.add_argument("--sections", default="ember,torch,table,overhead",
                    help="comma-separated subset of ember,torch,table,overhead,profile")
    ap.add_argument("--profile", action="store_true",
                    help="add the per-kernel profile section (sets EMBER_OPENCL_PROFILE=1)")
    args = ap.parse_args()
    parts = args.sections.split(",") + (["profile"] if args.profile else [])
    if "profile" in parts:
        os.environ["EMBER_OPENCL_PROFILE"] = "1"
    if "ember" in parts:
        run_ember(args.quick)
    if "torch" in parts:
        run_torch(args.quick)
    if "table" in parts:
        run_table(args.quick)
    if "overhead" in parts:
        run_overhead(args.quick)
    if "profile" in parts:
        run_profile(args.quick)
