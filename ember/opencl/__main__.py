"""python -m ember.opencl [--warmup] [--all] [--tune-gemm]: the OpenCL devices found, like a short
clinfo.

Lists every platform and device with what became of it (usable as opencl:N, skipped and why,
not selected by EMBER_OPENCL_DEVICE), then the device 'opencl' means and why it was chosen.
--warmup builds every kernel program for that device (--all: for every usable device), filling
the on-disk program cache so later processes build nothing. --tune-gemm times candidate tiles of
the GPU matrix-product design on the chosen device, prints them with their GFLOP/s, and caches
the fastest in the program cache's folder (gemm_tuning.json), used from then on by every process
on that device (EMBER_OPENCL_GEMM_TUNING=0 ignores it).
"""
import argparse
import os
import sys
import time


def _gib(n):
    return f"{n / (1 << 30):.2f} GiB"


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m ember.opencl", description=__doc__.splitlines()[0])
    ap.add_argument("--warmup", action="store_true", help="prebuild every kernel program")
    ap.add_argument("--all", action="store_true", help="with --warmup: every usable device")
    ap.add_argument("--jobs", type=int, default=None,
                    help="with --warmup: programs built at once (default: one per CPU core)")
    ap.add_argument("--tune-gemm", action="store_true",
                    help="time GEMM tile candidates on the chosen device and cache the fastest")
    # the tests' knobs: tiny products and few candidates, so a sweep on PoCL takes seconds
    ap.add_argument("--tune-sizes", default="2048,512", help=argparse.SUPPRESS)
    ap.add_argument("--tune-limit", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    from ember.backends.opencl import runtime
    sel = os.environ.get("EMBER_OPENCL_DEVICE")
    print(f"Ember OpenCL devices (EMBER_OPENCL_DEVICE={sel!r})" if sel else
          "Ember OpenCL devices (EMBER_OPENCL_DEVICE is not set: GPUs are preferred)")
    disc = runtime.discovery()
    usable = {(d.platform_index, d.device_index): d for d in disc.devices}
    platform = None
    for c in disc.candidates:
        if c.platform_index != platform:
            platform = c.platform_index
            print(f"  platform {platform}: {c.platform_name}")
        print(f"    {c.platform_index}:{c.device_index}  {c.name}  [{c.type}]")
        d = usable.get((c.platform_index, c.device_index))
        if d is not None:
            print(f"          {d.version}, driver {d.driver_version}; {_gib(d.total_memory)}, "
                  f"{d.compute_units} compute units, fp64: {'yes' if d.fp64 else 'no'}")
        print(f"          -> {c.status}")
    if disc.error:
        print(f"OpenCL is not available: {disc.error}")
        return 1
    d = disc.devices[runtime.current_device()]
    print(f"chosen: opencl:{d.index} = {d.name!r} ({disc.reason})")
    from ember.backends.opencl import programs
    if programs.ProgramCache(d).use_binaries:
        print(f"kernel binaries are cached in {programs.cache_dir()}")
    else:
        print("kernel binaries: the driver caches builds itself (EMBER_OPENCL_BINARY_CACHE=1 "
              f"would cache them in {programs.cache_dir()})")
    if args.warmup:
        from ember.backends.opencl.backend import warmup
        for dev in (disc.devices if args.all else [d]):
            t0 = time.perf_counter()
            before = dict(programs.stats)
            n = warmup(dev.index, args.jobs)
            built = programs.stats["source_builds"] - before["source_builds"]
            print(f"warmup opencl:{dev.index}: {n} programs ({built} built from source, "
                  f"{n - built} from the cache) in {time.perf_counter() - t0:.1f} s")
    if args.tune_gemm:
        return _tune(d, args)
    return 0


def _tune(d, args):
    import ember
    from ember.backends.opencl import gemm_tune
    sizes = tuple(int(s) for s in args.tune_sizes.split(","))
    sizes = sizes * 2 if len(sizes) == 1 else sizes[:2]
    backend = ember.device("opencl", d.index).backend
    cands = None
    if args.tune_limit is not None:
        cands = gemm_tune.default_candidates(4)[:max(1, args.tune_limit)]
    if not d.is_gpu:
        print("note: this device runs the CPU-runtime GEMM design; the tuned GPU-design tiles "
              "apply only under EMBER_OPENCL_GEMM=gpu")
    print(f"tuning the GPU GEMM design on opencl:{d.index} (float32, m = n = k = {sizes[0]} "
          f"for the large class, {sizes[1]} for the small one)")
    t0 = time.perf_counter()
    res = gemm_tune.tune_gemm(backend, sizes=sizes, candidates=cands)
    names = "MWG NWG KWG MDIMC NDIMC VW"
    for (acc, large), rows in res["results"].items():
        best = res["tiles"].get((acc, large))
        print(f"\n{acc}-byte accumulators, {'large' if large else 'small'} class "
              f"(m = n = k = {sizes[0] if large else sizes[1]}):")
        print(f"     {''.join(f'{x:>6}' for x in names.split())}   GFLOP/s")
        for r in rows:
            mark = " *" if best is not None and tuple(r["tiles"]) == best else "  "
            val = f"{r['gflops']:10.1f}" if r["gflops"] is not None else \
                f"   skipped: {r['error']}"
            print(f"  {mark} {''.join(f'{x:>6}' for x in r['tiles'])} {val}")
        print(f"  chosen: {best}" if best else "  no candidate ran: the tables' tiles stay")
    print(f"\nswept in {time.perf_counter() - t0:.1f} s")
    if res["path"]:
        print(f"saved to {res['path']} (device key {res['key']!r})")
        return 0
    print("nothing was saved (no candidate ran, or the cache folder is not writable)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
