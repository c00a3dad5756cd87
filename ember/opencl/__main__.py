"""python -m ember.opencl [--warmup] [--all]: the OpenCL devices found, like a short clinfo.

Lists every platform and device with what became of it (usable as opencl:N, skipped and why,
not selected by EMBER_OPENCL_DEVICE), then the device 'opencl' means and why it was chosen.
--warmup builds every kernel program for that device (--all: for every usable device), filling
the on-disk program cache so later processes build nothing.
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
