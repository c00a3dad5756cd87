"""The GEMM autotune: a one-time sweep of GPU-design tiles per device, cached on disk (opt-in).

``tune_gemm(backend)`` (``python -m ember.opencl --tune-gemm``) times a small list of candidate
tile tuples (MWG, NWG, KWG, MDIMC, NDIMC, VW) of gemm.cl's GPU design on m = n = k square products,
one size per size class (large: 2048, small: 512 by default), checks every candidate's result
against the reference (the "default" table entry's output; NumPy where that one fails), skips
candidates that gemm.cl rejects, that fail to build or to run (the reason is recorded), and keeps
the fastest per (accumulator bytes, size class). The choice and the GFLOP/s of every candidate go
to ``gemm_tuning.json`` in the program cache's folder (``programs.cache_dir()``), one entry per
device key (platform, name, driver version: a driver update asks for a new sweep).

``tuned_tiles(cldev)`` is what linalg_kernels._gpu_tiles consults before its vendor table: the
file is read once per process and device (memoized), a missing, corrupt or unreadable file means
no tuned tiles (never an error), and ``EMBER_OPENCL_GEMM_TUNING=0`` ignores it. Without a tuning
file every device keeps the tables' tiles.
"""
import datetime
import itertools
import json
import math
import os
import tempfile
import time

import numpy as np

__all__ = ["tune_gemm", "tuned_tiles", "tuning_path", "device_key", "reset", "default_candidates",
           "check_tiles"]

_FILE = "gemm_tuning.json"
_FORMAT = 1
_memo = {}
_EMPTY = {}


def tuning_path():
    """The tuning file (beside the cached kernel binaries)."""
    from .programs import cache_dir
    return os.path.join(cache_dir(), _FILE)


def device_key(cldev):
    """What identifies a device's tuning: its binary-cache key, else platform, name and driver
    (None for an object that has neither, such as the tests' fake devices)."""
    key = getattr(cldev, "key", None)
    if isinstance(key, str) and key:
        return key
    parts = [getattr(cldev, a, None) for a in ("platform_name", "name", "driver_version")]
    return "|".join(parts) if all(isinstance(p, str) for p in parts) else None


def _cls(large):
    return "large" if large else "small"


def _read_file(path):
    """The file's JSON object, or {} when it is missing, unreadable or malformed."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except Exception:
        return {}
    if not isinstance(data, dict) or data.get("format") != _FORMAT or \
            not isinstance(data.get("devices"), dict):
        return {}
    return data


def _parse_tiles(entry):
    """{(acc_bytes, large): tiles} from a device entry, dropping anything malformed."""
    out = {}
    tiles = entry.get("tiles") if isinstance(entry, dict) else None
    if not isinstance(tiles, dict):
        return out
    for name, t in tiles.items():
        try:
            acc, cls = name.split("/")
            acc = int(acc)
            if cls not in ("large", "small") or not isinstance(t, list) or len(t) != 6 or \
                    not all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in t):
                continue
            out[(acc, cls == "large")] = tuple(t)
        except Exception:
            continue
    return out


def _load(key):
    try:
        return _parse_tiles(_read_file(tuning_path())["devices"].get(key))
    except Exception:
        return {}


def tuned_tiles(cldev):
    """{(acc_bytes, large): tiles} tuned for `cldev` ({} when none, or under
    EMBER_OPENCL_GEMM_TUNING=0). Read from disk once per process and device."""
    if os.environ.get("EMBER_OPENCL_GEMM_TUNING") == "0":
        return _EMPTY
    key = device_key(cldev)
    if key is None:
        return _EMPTY
    hit = _memo.get(key)
    if hit is None:
        hit = _memo[key] = _load(key)
    return hit


def reset():
    """Forget what was read (the next lookup reads the file again; tests)."""
    _memo.clear()


def check_tiles(tiles, cldev, acc_bytes):
    """Why gemm.cl's GPU design cannot run `tiles` on `cldev`, or None when it can (as far as
    can be told without a build: the vector width is the compiler's to reject)."""
    if len(tiles) != 6 or not all(isinstance(x, (int, np.integer)) and x > 0 for x in tiles):
        return "tiles must be six positive integers"
    mwg, nwg, kwg, mdimc, ndimc, vw = (int(x) for x in tiles)
    nth = mdimc * ndimc
    if mwg % (mdimc * vw) or nwg % (ndimc * vw):
        return "MWG (NWG) must be a multiple of MDIMC * VW (NDIMC * VW)"
    if (mwg * kwg) % nth or (nwg * kwg) % nth:
        return "MWG * KWG and NWG * KWG must be multiples of MDIMC * NDIMC"
    if nth > cldev.max_work_group_size:
        return f"work-group of {nth} > the device's {cldev.max_work_group_size}"
    lmem = kwg * (mwg + nwg + 2 * vw) * acc_bytes
    if lmem > cldev.local_memory:
        return f"{lmem} bytes of local memory > the device's {cldev.local_memory}"
    return None


def default_candidates(acc_bytes):
    """The sweep's tiles for an accumulator size: the "default" then the tuned vendors' table
    entries (both size classes), then MWG >= NWG in {64, 128}, KWG in {8, 16}, MDIMC = NDIMC in
    {8, 16}, VW in {2, 4} (gemm.cl's local reads are vectors: VW = 1 does not build) with 4 to 64
    outputs per work-item (more spill registers). Invalid ones are left for check_tiles."""
    from .linalg_kernels import _GPU_TILES
    out = []
    for vendor in ["default"] + [v for v in _GPU_TILES if v != "default"]:
        for large in (True, False):
            t = _GPU_TILES[vendor].get((acc_bytes, large))
            if t is not None and t not in out:
                out.append(t)
    for mwg, nwg, kwg, dimc, vw in itertools.product((128, 64), (128, 64), (16, 8), (16, 8),
                                                     (4, 2)):
        t = (mwg, nwg, kwg, dimc, dimc, vw)
        if nwg > mwg or t in out or not 4 <= (mwg // dimc) * (nwg // dimc) <= 64:
            continue
        if mwg % (dimc * vw) or nwg % (dimc * vw):
            continue
        out.append(t)
    return out


def _tolerance(dt):
    from ... import dtypes as _dt
    if dt is _dt.float64:
        return 1e-9
    if dt is _dt.float32:
        return 1e-4
    return 3e-2 if dt.is_floating_point else 0.0


def _operands(backend, dt, size, seed):
    import ember
    rng = np.random.default_rng(seed)
    shape = (size, size)
    if dt.is_floating_point:
        ha, hb = rng.uniform(-1, 1, shape), rng.uniform(-1, 1, shape)
    else:
        ha, hb = rng.integers(-4, 5, shape).astype(np.float64), \
            rng.integers(-4, 5, shape).astype(np.float64)
    npdt = np.float32 if dt is ember.bfloat16 else dt.np
    a = ember.tensor(ha.astype(npdt), dtype=dt, device=backend.device)
    b = ember.tensor(hb.astype(npdt), dtype=dt, device=backend.device)
    out = ember.empty(shape, dtype=dt, device=backend.device)
    return a, b, out


def _host(t):
    import ember
    if t.dtype is ember.bfloat16:
        t = t.float()
    return np.array(t.cpu().numpy(), dtype=np.float64)


def _runner(backend, dt, tiles, acc_bytes, a, b, out):
    """A function enqueueing one product with `tiles` (raises when they cannot build or run)."""
    from . import linalg_kernels as LK
    why = check_tiles(tiles, backend.dev, acc_bytes)
    if why:
        raise ValueError(why)
    prog = backend.programs.get("gemm.cl", LK._defines(dt.code, "gpu", tuple(tiles)))
    _, wg = backend._gemm_kernel(prog, "gemm_gpu", 3)
    if tiles[3] * tiles[4] > wg:
        raise ValueError(f"work-group of {tiles[3] * tiles[4]} > the kernel's {wg}")
    m = n = k = out._shape[0]
    bufs = (backend._buf(out), backend._buf(a), backend._buf(b))
    mats = [a._stride[0], a._stride[1], b._stride[0], b._stride[1], out._stride[0],
            out._stride[1]]
    offs = [a._offset, b._offset, out._offset]
    return lambda: backend._gemm_gpu(prog, tuple(tiles), dt, bufs, m, n, k, mats, offs, [],
                                     [[], [], []])


def _short(exc, limit=300):
    msg = " ".join(str(exc).split())
    return msg if len(msg) <= limit else msg[:limit] + " ..."


def tune_gemm(backend, sizes=(2048, 512), dtypes=None, candidates=None, reps=3, save=True,
              log=None):
    """Time GPU-design tiles on `backend`'s device and keep the fastest per (accumulator bytes,
    size class); returns a dict: key, path (None unless saved), tiles {(acc_bytes, large):
    tiles}, results {(acc_bytes, large): [{tiles, gflops, error}]}, sizes.

    sizes: (large, small) m = n = k of the two classes' products (one number: both). dtypes:
    default (float32,); one dtype per accumulator size is tuned (the first given). candidates:
    tile tuples tried for every class (default: default_candidates()). reps: timed runs (the
    best counts), each of enough launches to last ~10 ms. log: called with a line per candidate.
    """
    import ember
    from .linalg_kernels import _GPU_TILES, _acc_dtype
    if isinstance(sizes, (int, np.integer)):
        sizes = (sizes, sizes)
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) == 1:
        sizes = sizes * 2
    dtypes = tuple(dtypes or (ember.float32,))
    sync = backend.queue.finish
    key = device_key(backend.dev)
    tiles_out, results = {}, {}
    seen_acc = set()
    for dt in dtypes:
        acc = _acc_dtype(dt).itemsize
        if acc in seen_acc:
            continue
        seen_acc.add(acc)
        cands = [tuple(int(x) for x in c) for c in
                 (candidates if candidates is not None else default_candidates(acc))]
        for large, size in zip((True, False), sizes):
            a, b, out = _operands(backend, dt, size, seed=size)
            flops = 2.0 * size ** 3
            ref = None
            try:
                _runner(backend, dt, _GPU_TILES["default"][(acc, large)], acc, a, b, out)()
                sync()
                ref = _host(out)
            except Exception:
                pass
            if ref is None or not np.all(np.isfinite(ref)):
                ref = _host(a) @ _host(b)
            scale = max(float(np.max(np.abs(ref))), 1e-30)
            rows = []
            for t in cands:
                row = {"tiles": list(t), "gflops": None, "error": None}
                try:
                    run = _runner(backend, dt, t, acc, a, b, out)
                    backend.fill(out, 0)
                    sync()
                    t0 = time.perf_counter()
                    run()
                    sync()
                    first = time.perf_counter() - t0
                    err = float(np.max(np.abs(_host(out) - ref))) / scale
                    if not err <= _tolerance(dt):
                        raise ValueError(f"wrong result (relative error {err:.2g})")
                    inner = max(1, min(50, math.ceil(0.01 / max(first, 1e-6))))
                    best = math.inf
                    for _ in range(max(1, reps)):
                        sync()
                        t0 = time.perf_counter()
                        for _ in range(inner):
                            run()
                        sync()
                        best = min(best, (time.perf_counter() - t0) / inner)
                    row["gflops"] = round(flops / best / 1e9, 3)
                except Exception as e:      # a build, launch or check failure: skip, say why
                    row["error"] = _short(e)
                    try:
                        sync()
                    except Exception:
                        pass
                rows.append(row)
                if log is not None:
                    log(row)
            results[(acc, large)] = rows
            ok = [r for r in rows if r["gflops"] is not None]
            if ok:
                tiles_out[(acc, large)] = tuple(max(ok, key=lambda r: r["gflops"])["tiles"])
    res = {"key": key, "path": None, "tiles": tiles_out, "results": results,
           "sizes": {"large": sizes[0], "small": sizes[1]}}
    if save and key is not None and tiles_out:
        res["path"] = _save(backend.dev, key, res)
        _memo[key] = _load(key) if res["path"] else dict(tiles_out)
    return res


def _save(cldev, key, res):
    """Merge this device's entry into the tuning file (atomically); its path, or None when it
    cannot be written (an unwritable cache costs only the tuning)."""
    path = tuning_path()
    data = _read_file(path) or {"format": _FORMAT, "devices": {}}
    old = data["devices"].get(key)
    entry = old if isinstance(old, dict) else {}
    tiles = entry.get("tiles") if isinstance(entry.get("tiles"), dict) else {}
    runs = entry.get("results") if isinstance(entry.get("results"), dict) else {}
    for (acc, large), t in res["tiles"].items():
        tiles[f"{acc}/{_cls(large)}"] = list(t)
    for (acc, large), rows in res["results"].items():
        runs[f"{acc}/{_cls(large)}"] = rows
    entry.update(name=getattr(cldev, "name", None), vendor=getattr(cldev, "vendor", None),
                 updated=datetime.datetime.now(datetime.timezone.utc).isoformat(
                     timespec="seconds"), sizes=res["sizes"], tiles=tiles, results=runs)
    data["devices"][key] = entry
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1)
        os.replace(tmp, path)          # atomic: a concurrent reader never sees half a file
        return path
    except OSError:
        return None
