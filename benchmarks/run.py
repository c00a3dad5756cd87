#!/usr/bin/env python3
"""Ember benchmark runner: ember vs NumPy (and torch, when installed), measured in one run.

    python3 benchmarks/run.py [--quick] [--only NAME...] [--markdown] [--openblas-env both]

Times are medians of interleaved repetitions (perf_counter, warm-up first, each repetition long
enough to time reliably). Ratios are ref_time / ember_time, so > 1 means ember is faster. torch
runs with torch.set_num_threads(ember's thread count) so both use the same cores.
See benchmarks/README.md.
"""
import argparse
import fnmatch
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE))
try:
    import ember  # noqa: F401
except ImportError:                      # running from a checkout that is not pip-installed
    sys.path.insert(1, str(_HERE.parent))
    import ember  # noqa: F401

import numpy as np

import cases  # noqa: F401  (registers the cases)
from harness import CASES, FRAMEWORKS, Result, measure, torch_available

BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
CHILD_MARK = "EMBER-BENCH-JSON:"


# -- environment description ----------------------------------------------------------------------

def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return platform.processor() or platform.machine()


def load_average():
    try:
        with open("/proc/loadavg") as fh:
            return fh.read().split()[0]
    except OSError:
        return "?"


def _cpu_times():
    with open("/proc/stat") as fh:
        f = [int(x) for x in fh.readline().split()[1:9]]
    return f[3] + f[4], sum(f)                 # idle + iowait, total (steal included)


def wait_idle(max_wait, busy_limit=0.1, window=0.5):
    """Wait (up to `max_wait` s) until the CPUs were < `busy_limit` busy over `window` s.

    Returns True when they were; False on timeout or without /proc/stat.
    """
    if max_wait <= 0:
        return True
    deadline = time.monotonic() + max_wait
    try:
        while True:
            i0, t0 = _cpu_times()
            time.sleep(window)
            i1, t1 = _cpu_times()
            if t1 > t0 and 1 - (i1 - i0) / (t1 - t0) < busy_limit:
                return True
            if time.monotonic() >= deadline:
                return False
    except OSError:
        return False


def blas_info():
    """OpenBLAS libraries loaded in this process (needs threadpoolctl; optional)."""
    try:
        import threadpoolctl
    except ImportError:
        return "threadpoolctl not installed"
    libs = [f"{i.get('internal_api')} {i.get('version')} kernel={i.get('architecture')} "
            f"threads={i.get('num_threads')}"
            for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
    return "; ".join(libs) or "no BLAS library loaded"


def setup_threads(n, use_torch):
    """Give ember, torch and (with threadpoolctl) BLAS the same thread count; returns it."""
    if n is not None:
        ember.set_num_threads(n)
        try:
            import threadpoolctl
            threadpoolctl.threadpool_limits(n)
        except ImportError:
            pass
    n = ember.get_num_threads()
    if use_torch:
        import torch
        torch.set_num_threads(n)
    return n


def run_case(c, fws, args):
    idle = wait_idle(args.wait_idle)
    res = measure(c, fws, args.quick, args.reps, args.min_time, settle=not args.quick)
    if not idle:
        res.remarks.append(f"started with the CPUs still busy after waiting {args.wait_idle:g} s")
    return res


# -- child processes for the BLAS-bound cases ----------------------------------------------------

def blas_envs(mode):
    """[(label, env, description)] for the matmul children (OpenBLAS reads the variables when it
    loads, so only a fresh process sees a change)."""
    base = dict(os.environ)
    unset = {k: v for k, v in base.items() if k not in BLAS_VARS}
    present = {k: base[k] for k in BLAS_VARS if k in base}
    if mode == "inline":
        return []
    desc = ", ".join(f"{k}={v}" for k, v in present.items())
    if mode == "as-set":
        return [("env as set", base, desc or "none set")]
    if mode == "unset":
        return [("env unset", unset, "unset")]
    if not present:
        # the two runs would be the same configuration: measure it once
        return [("env: none set", base, "none set")]
    return [("env as set", base, desc), ("env unset", unset, "unset")]


def run_child(names, env, args, threads):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--only", *names,
           "--reps", str(args.reps), "--min-time", str(args.min_time), "--threads", str(threads),
           "--wait-idle", str(args.wait_idle)]
    if args.quick:
        cmd.append("--quick")
    if args.no_torch:
        cmd.append("--no-torch")
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    for line in p.stdout.splitlines():
        if line.startswith(CHILD_MARK):
            data = json.loads(line[len(CHILD_MARK):])
            return [Result.from_json(r) for r in data["results"]], data["blas"], None
    tail = (p.stderr.strip().splitlines() or ["no output"])[-1]
    return [], None, f"child process failed (exit {p.returncode}): {tail}"


# -- rendering ------------------------------------------------------------------------------------

def fmt_time(s):
    if s is None:
        return "n/a"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if s >= scale or unit == "ns":
            v = s / scale
            return f"{v:.3g} {unit}" if v < 100 else f"{v:.0f} {unit}"


def ratio(res, ref):
    a, b = res.times.get(ref), res.times.get("ember")
    return None if a is None or b is None or b <= 0 else a / b


def target_cell(res):
    c = CASES[res.name]
    if c.target is None:
        return ""
    if res.wrong.get("ember"):
        return f"{c.target.text}: WRONG RESULT"
    r = ratio(res, c.target.ref)
    if r is None:
        return f"{c.target.text}: n/a"
    return f"{c.target.text}: {'PASS' if r >= c.target.min_ratio else 'FAIL'}"


def table(results, fws, markdown):
    head = ["case", "shape", *fws, *(f"{f}/ember" for f in fws if f != "ember"), "target"]
    rows = []
    for r in results:
        name = r.name + (f" ({r.label})" if r.label else "")
        cells = [name, r.shape]
        for fw in fws:
            cell = fmt_time(r.times.get(fw))
            cells.append(cell + (" (!)" if fw in r.wrong else ""))
        for fw in fws:
            if fw != "ember":
                x = ratio(r, fw)
                cells.append("n/a" if x is None else f"{x:.2f}x")
        cells.append(target_cell(r))
        rows.append(cells)
    if markdown:
        right = {i for i in range(2, len(head) - 1)}
        out = ["| " + " | ".join(head) + " |",
               "|" + "|".join("---:" if i in right else "---" for i in range(len(head))) + "|"]
        out += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(out)
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    line = lambda cells: "  ".join(  # noqa: E731
        c.ljust(w) if i < 2 or i == len(cells) - 1 else c.rjust(w)
        for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(r) for r in rows])


def notes(results):
    out = []
    for r in results:
        name = r.name + (f" ({r.label})" if r.label else "")
        for why in r.remarks:
            out.append(f"{name}: {why}")
        for fw, why in r.errors.items():
            out.append(f"{name}: {fw} n/a ({why})")
        for fw, why in r.wrong.items():
            out.append(f"{name}: {fw} result differs from NumPy (!): {why}")
    return out


# -- main -----------------------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny shapes and few reps (smoke test)")
    p.add_argument("--only", nargs="+", metavar="NAME", help="case names or glob patterns")
    p.add_argument("--markdown", action="store_true", help="print a Markdown table")
    p.add_argument("--openblas-env", choices=["both", "as-set", "unset", "inline"], default="both",
                   help="matmul cases: child process with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE as "
                        "set, one with both unset, both (default), or inline in this process")
    p.add_argument("--reps", type=int, default=None, help="timed repetitions (default 7, quick 3)")
    p.add_argument("--min-time", type=float, default=None,
                   help="seconds per repetition (default 0.05, quick 0.002)")
    p.add_argument("--threads", type=int, default=None,
                   help="threads for ember, torch and BLAS (default: ember's current count)")
    p.add_argument("--wait-idle", type=float, default=0.0, metavar="SECONDS",
                   help="before each case wait up to SECONDS for the CPUs to be idle (shared "
                        "machines); rows that started on a busy machine are noted")
    p.add_argument("--no-torch", action="store_true", help="leave torch out even when installed")
    p.add_argument("--list", action="store_true", help="list the cases and exit")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.reps is None:
        args.reps = 3 if args.quick else 7
    if args.min_time is None:
        args.min_time = 0.002 if args.quick else 0.05
    return args


def select(patterns):
    if not patterns:
        return list(CASES.values())
    chosen = []
    for pat in patterns:
        hits = [c for c in CASES.values() if fnmatch.fnmatchcase(c.name, pat)]
        if not hits:
            sys.exit(f"run.py: no benchmark case matches {pat!r}; cases: {', '.join(CASES)}")
        chosen += [c for c in hits if c not in chosen]
    return chosen


def main(argv=None):
    args = parse_args(argv)
    if args.list:
        for c in CASES.values():
            print(f"{c.name:24s} {c.group}")
        return 0
    chosen = select(args.only)
    use_torch = not args.no_torch and torch_available()
    fws = [f for f in FRAMEWORKS if f != "torch" or use_torch]
    threads = setup_threads(args.threads, use_torch)

    if args.child:
        results = [run_case(c, fws, args) for c in chosen]
        print(CHILD_MARK + json.dumps({"results": [r.to_json() for r in results],
                                       "blas": blas_info()}))
        return 0

    load_start = load_average()
    envs = blas_envs(args.openblas_env)
    results, blas_notes = [], []
    in_process = [c for c in chosen if not (c.blas and envs)]
    for c in in_process:
        results.append(run_case(c, fws, args))
    blas_cases = [c.name for c in chosen if c.blas and envs]
    if blas_cases:
        for label, env, desc in envs:
            got, info, err = run_child(blas_cases, env, args, threads)
            if err:                      # one note says why; the cells just read n/a
                got = [Result(n, CASES[n].group, "", label) for n in blas_cases]
            for r in got:
                r.label = label
            results += got
            blas_notes.append(f"matmul ({label}): OpenBLAS variables {desc}; "
                              f"NumPy BLAS: {info or err}")

    hdr = [f"CPU: {cpu_model()}, {os.cpu_count()} logical cores; Python {platform.python_version()}",
           f"ember {ember.__version__} with {threads} threads; NumPy {np.__version__} "
           f"(elementwise single-threaded; BLAS: {blas_info()})"]
    if use_torch:
        import torch
        hdr.append(f"torch {torch.__version__} with torch.set_num_threads({torch.get_num_threads()})"
                   " (same thread count as ember)")
    else:
        hdr.append("torch not installed (or --no-torch): torch columns omitted")
    hdr.append(f"median of {args.reps} interleaved reps after warm-up; ratio = other/ember "
               "(> 1: ember faster)" + ("; --quick: shrunken shapes" if args.quick else ""))
    hdr.append(f"1-minute load average {load_start} at start, {load_average()} at end "
               "(other processes on these cores make ember's multi-threaded loops wait)")
    prefix = "- " if args.markdown else ""
    print("\n".join(prefix + h for h in hdr))
    print()
    print(table(results, fws, args.markdown))
    extra = blas_notes + notes(results)
    if extra:
        print()
        print("\n".join(("- " if args.markdown else "* ") + n for n in extra))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"header": hdr, "notes": extra, "results": [r.to_json() for r in results]},
                      fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
