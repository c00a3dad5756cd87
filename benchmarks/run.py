#!/usr/bin/env python3
"""Ember benchmark runner: ember vs NumPy (and torch, when installed), measured in one run.

    python3 benchmarks/run.py [--quick] [--only NAME...] [--markdown] [--openblas-env both]
    python3 benchmarks/run.py --memory [--steps 1000] [--only 'train_*']

Times are medians of interleaved repetitions (perf_counter, warm-up first, each repetition long
enough to time reliably). Ratios are ref_time / ember_time, so > 1 means ember is faster. torch
runs with torch.set_num_threads(ember's thread count) so both use the same cores.
`--memory` runs the training cases for many steps instead, each in a fresh process per framework,
and reports resident memory. See benchmarks/README.md.
"""
import argparse
import fnmatch
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE))
if importlib.util.find_spec("ember") is None:   # a checkout that is not pip-installed
    sys.path.insert(1, str(_HERE.parent))
# ember itself is imported where it is used: a --memory child measuring torch must not load it

import numpy as np

import cases  # noqa: F401  (registers the cases)
from harness import (CASES, FRAMEWORKS, NO_IMPL, MemoryResult, Result, measure,
                     measure_memory, torch_available)

BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
USER_OMP_WAIT_POLICY = os.environ.get("OMP_WAIT_POLICY")   # before importing ember sets it
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


def setup_threads(n, fws):
    """Give ember and torch (only those in `fws` are imported) the same thread count, and BLAS
    too (with threadpoolctl) when `n` is given; returns it (default: ember's current count).

    ember is imported first, so its default OMP_WAIT_POLICY=PASSIVE (unless the user set one)
    is in the environment when the OpenMP runtime loads. torch and ember share that one runtime
    in a process (torch's bundled libgomp.so.1 and the system's have the same soname), so in a
    timing run both run with the same policy; the header says which.
    """
    limit_blas = n is not None
    if "ember" in fws:
        import ember
        if n is not None:
            ember.set_num_threads(n)
        n = ember.get_num_threads()
    if "torch" in fws:
        import torch
        if n is None:
            n = torch.get_num_threads()
        torch.set_num_threads(n)
    if limit_blas:
        try:
            import threadpoolctl
            threadpoolctl.threadpool_limits(n)
        except ImportError:
            pass
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


# -- --memory: long runs of the training cases, one fresh process per framework -------------------

PEAK_FACTOR = 1.5        # issue #5: peak RSS at most 1.5x torch's
FLAT_LIMIT = 0.03        # "flat": RSS grows less than 3% from step 100 to the last step


def run_memory_child(name, fw, args, threads):
    """MemoryResult of case `name` run by framework `fw` in a fresh interpreter."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--memory-child", name, fw,
           "--steps", str(args.steps), "--threads", str(threads)]
    if args.quick:
        cmd.append("--quick")
    # each framework with its own defaults: ember sets OMP_WAIT_POLICY=PASSIVE when it is unset
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if USER_OMP_WAIT_POLICY is not None:
        env["OMP_WAIT_POLICY"] = USER_OMP_WAIT_POLICY
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    for line in p.stdout.splitlines():
        if line.startswith(CHILD_MARK):
            return MemoryResult.from_json(json.loads(line[len(CHILD_MARK):]))
    tail = (p.stderr.strip().splitlines() or ["no output"])[-1]
    return MemoryResult(name, fw, args.steps, 0,
                        error=f"child process failed (exit {p.returncode}): {tail}")


def fmt_mib(b):
    return "n/a" if b is None else f"{b / 2**20:.0f} MiB"


def memory_target(res, ref):
    """The ember row's verdict: peak vs torch's and flatness."""
    parts = []
    if ref is not None and res.peak and ref.peak and not ref.error:
        r = res.peak / ref.peak
        parts.append(f"peak <={PEAK_FACTOR:g}x torch: {'PASS' if r <= PEAK_FACTOR else 'FAIL'} "
                     f"({r:.2f}x)")
    else:
        parts.append(f"peak <={PEAK_FACTOR:g}x torch: n/a")
    g = res.growth()
    flat = "n/a" if g is None else ("PASS" if g < FLAT_LIMIT else "FAIL")
    parts.append(f"flat (<{FLAT_LIMIT:.0%}): {flat}")
    return "; ".join(parts)


def memory_table(results, markdown):
    head = ["case", "framework", "after import", "peak", "peak - import", "RSS @early",
            "RSS @end", "growth", "step", "target"]
    rows = []
    by_case = {}
    for r in results:
        by_case.setdefault(r.name, {})[r.framework] = r
    for r in results:
        g = r.growth()
        span = [fmt_mib(r.base), fmt_mib(r.peak),
                fmt_mib(r.peak - r.base if r.peak and r.base else None),
                f"{fmt_mib(r.early)} (step {r.early_step})", f"{fmt_mib(r.end)} (step {r.steps})",
                "n/a" if g is None else f"{g:+.1%}",
                fmt_time(r.seconds / r.steps if r.seconds else None)]
        target = memory_target(r, by_case[r.name].get("torch")) if r.framework == "ember" else ""
        rows.append([r.name, r.framework, *span, target])
    if markdown:
        out = ["| " + " | ".join(head) + " |",
               "|" + "|".join("---" if i in (0, 1, len(head) - 1) else "---:"
                              for i in range(len(head))) + "|"]
        return "\n".join(out + ["| " + " | ".join(row) + " |" for row in rows])
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    line = lambda cells: "  ".join(  # noqa: E731
        c.ljust(w) if i < 2 or i == len(cells) - 1 else c.rjust(w)
        for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(r) for r in rows])


def run_memory(args, chosen, threads, use_torch):
    training = [c for c in chosen if c.group == "training"]
    if not training:
        sys.exit("run.py: --memory needs training cases (e.g. --only 'train_*'); "
                 f"none among: {', '.join(c.name for c in chosen)}")
    load_start = load_average()
    results = []
    for c in training:
        for fw in ("ember", "torch") if use_torch else ("ember",):
            idle = wait_idle(args.wait_idle)
            res = run_memory_child(c.name, fw, args, threads)
            if not idle:
                res.remarks.append(f"started with the CPUs still busy after waiting "
                                   f"{args.wait_idle:g} s")
            results.append(res)
    extra = [f"{r.name} ({r.framework}): {why}" for r in results
             for why in ([r.error] if r.error else []) + r.remarks]
    emit(args, header(args, threads, use_torch, load_start), memory_table(results, args.markdown),
         extra, [r.to_json() for r in results])


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
    verdict = f"{c.target.text}: {'PASS' if r >= c.target.min_ratio else 'FAIL'}"
    if c.target.ref == "ember_cpu":          # not a column: its time and the ratio go here
        verdict += f" ({fmt_time(res.times['ember_cpu'])}, {r:.2f}x)"
    return verdict


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
            if why != NO_IMPL:           # the n/a cell says it: a case NumPy has no version of
                out.append(f"{name}: {fw} n/a ({why})")
        for fw, why in r.wrong.items():
            out.append(f"{name}: {fw} result differs (!): {why}")
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
    p.add_argument("--memory", action="store_true",
                   help="run the training cases for --steps steps in a fresh process per "
                        "framework and report resident memory (peak, growth) instead of times")
    p.add_argument("--steps", type=int, default=1000, help="steps per --memory run (default 1000)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--memory-child", nargs=2, metavar=("CASE", "FRAMEWORK"), help=argparse.SUPPRESS)
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


def header(args, threads, use_torch, load_start):
    import ember
    hdr = [f"CPU: {cpu_model()}, {os.cpu_count()} logical cores; Python {platform.python_version()}",
           f"ember {ember.__version__} with {threads} threads; NumPy {np.__version__} "
           f"(elementwise single-threaded; BLAS: {blas_info()})"]
    if use_torch:
        import torch
        hdr.append(f"torch {torch.__version__} with torch.set_num_threads({torch.get_num_threads()})"
                   " (same thread count as ember); " +
                   ("OMP_WAIT_POLICY: each child its framework's default (ember's: PASSIVE)"
                    if args.memory and USER_OMP_WAIT_POLICY is None else
                    f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')} for both"
                    + ("" if args.memory else " (they share one OpenMP runtime)")))
    else:
        hdr.append("torch not installed (or --no-torch): torch columns omitted")
    if args.memory:
        hdr.append(f"--memory: {args.steps} steps per case in a fresh process per framework (only "
                   "that framework imported); RSS from /proc/self/statm, peak = VmHWM")
    else:
        hdr.append(f"median of {args.reps} interleaved reps after warm-up; ratio = other/ember "
                   "(> 1: ember faster)" + ("; --quick: shrunken shapes" if args.quick else ""))
    hdr.append(f"1-minute load average {load_start} at start, {load_average()} at end "
               "(other processes on these cores make ember's multi-threaded loops wait)")
    return hdr


def emit(args, hdr, body, extra, data):
    prefix = "- " if args.markdown else ""
    print("\n".join(prefix + h for h in hdr))
    print()
    print(body)
    if extra:
        print()
        print("\n".join(("- " if args.markdown else "* ") + n for n in extra))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"header": hdr, "notes": extra, "results": data}, fh, indent=1)


def run_timing(args, chosen, fws, threads, use_torch):
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
    emit(args, header(args, threads, use_torch, load_start), table(results, fws, args.markdown),
         blas_notes + notes(results), [r.to_json() for r in results])


def main(argv=None):
    args = parse_args(argv)
    if args.list:
        for c in CASES.values():
            print(f"{c.name:24s} {c.group}")
        return 0
    if args.memory_child:
        name, fw = args.memory_child
        setup_threads(args.threads, [fw])
        res = measure_memory(CASES[name], fw, args.steps, args.quick)
        print(CHILD_MARK + json.dumps(res.to_json()))
        return 0
    chosen = select(args.only)
    use_torch = not args.no_torch and torch_available()
    fws = [f for f in FRAMEWORKS if f != "torch" or use_torch]
    threads = setup_threads(args.threads, fws)

    if args.child:
        results = [run_case(c, fws, args) for c in chosen]
        print(CHILD_MARK + json.dumps({"results": [r.to_json() for r in results],
                                       "blas": blas_info()}))
        return 0
    if args.memory:
        run_memory(args, chosen, threads, use_torch)
    else:
        run_timing(args, chosen, fws, threads, use_torch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
