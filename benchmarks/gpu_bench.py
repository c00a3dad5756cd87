"""Ember on an OpenCL GPU next to PyTorch/CUDA on the same card (run by benchmarks/gpu_check.sh).

    python3 benchmarks/gpu_bench.py [--quick]

Prints one line per measurement: elementwise bandwidth, SGEMM (every GEMM variant the backend
offers, and the one it picks), softmax, and one training step of the issue-#5 MLP; then the same
on torch with CUDA (TF32 off) when torch sees a GPU. Timings: best of a few synchronized runs.
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


def run_ember(quick):
    d = "opencl"
    sync = ember.opencl.synchronize
    name = ember.opencl.get_device_name(0)
    print(f"ember {ember.__version__} on {name}")
    n = (1 << 20) if quick else (64 << 20)
    x = ember.ones(n, device=d)
    y = ember.ones(n, device=d)
    t = best(lambda: x + y, sync, inner=5)
    print(f"ember add {3 * n * 4 >> 20} MB moved: {3 * n * 4 / t / 1e9:.0f} GB/s")
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
    n = (1 << 20) if quick else (64 << 20)
    x = torch.ones(n, device=d)
    y = torch.ones(n, device=d)
    t = best(lambda: x + y, sync, inner=5)
    print(f"torch add {3 * n * 4 >> 20} MB moved: {3 * n * 4 / t / 1e9:.0f} GB/s")
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


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke test on PoCL)")
    args = ap.parse_args()
    run_ember(args.quick)
    run_torch(args.quick)
