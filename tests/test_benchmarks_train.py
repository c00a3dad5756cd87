"""Smoke tests for the training-step benchmarks and `run.py --memory` (issue #5): they run, print
their tables and check ember's first loss against torch's. Timings are never asserted."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "benchmarks" / "run.py"
TRAIN = ["train_mlp_adam", "train_cnn_sgd", "train_transformer_adamw"]
OPTIMIZERS = ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "radam"]


def run(*args, check=True):
    p = subprocess.run([sys.executable, str(RUN), *args], capture_output=True, text=True,
                       cwd=ROOT, timeout=600)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def body(out):
    """The table's rows as lists of cells (2+ spaces separate the cells)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("case "))
    rows = []
    for line in lines[start + 2:]:
        if not line.strip():
            break
        rows.append([c.strip() for c in line.split("  ") if c.strip()])
    return rows


def test_training_and_optimizer_steps_run_without_torch():
    out = run("--quick", "--only", "train_*", "optim_*", "--no-torch").stdout
    rows = body(out)
    assert [r[0] for r in rows] == TRAIN + [f"optim_{n}_step" for n in OPTIMIZERS]
    for r in rows:
        assert r[2].endswith("ms") or r[2].endswith("us") or r[2].endswith(" s")   # ember timed
        assert r[-1] == "<=1.5x torch time: n/a"
    assert "ember n/a" not in out and "(!)" not in out


def test_first_loss_matches_torch():
    pytest.importorskip("torch")
    out = run("--quick", "--only", "train_mlp_adam", "train_cnn_sgd").stdout
    rows = body(out)
    assert [r[0] for r in rows] == TRAIN[:2]
    assert "(!)" not in out and "differs" not in out
    assert all("torch time: PASS" in r[-1] or "torch time: FAIL" in r[-1] for r in rows)


def test_torch_check_flags_a_wrong_result():
    pytest.importorskip("torch")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import numpy as np
        import cases  # noqa: F401  (the real registry)
        from harness import CASES, case, measure
        c = case("_test_vs_torch", "training", lambda q: [np.arange(4, dtype=np.float32)],
                 ember=lambda x: x + 1, torch=lambda x: x, check="torch")
        try:
            r = measure(c, ["ember", "torch"], quick=True, reps=1, min_time=0.0005)
        finally:
            del CASES["_test_vs_torch"]
        assert "vs torch" in r.wrong["ember"] and "torch" not in r.wrong
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def test_memory_mode_reports_peak_and_growth(tmp_path):
    path = tmp_path / "mem.json"
    out = run("--memory", "--quick", "--steps", "6", "--only", "train_mlp_adam", "--no-torch",
              "--json", str(path)).stdout
    rows = body(out)
    assert len(rows) == 1 and rows[0][:2] == ["train_mlp_adam", "ember"]
    assert "(step 3)" in rows[0][5] and "(step 6)" in rows[0][6]
    assert rows[0][-1].split(": ")[:3] == ["peak <=1.5x torch", "n/a; flat (<3%)",
                                           rows[0][-1].split(": ")[-1]]
    assert rows[0][-1].split(": ")[-1] in ("PASS", "FAIL")
    (res,) = json.loads(path.read_text())["results"]
    assert res["error"] is None and res["steps"] == 6 and res["early_step"] == 3
    assert 0 < res["base"] <= res["peak"] and res["early"] <= res["peak"] and res["seconds"] > 0


def test_memory_child_peak_is_its_own():
    """A child's peak is its own high-water mark, not the (bigger) parent's it was forked from."""
    ballast = bytearray(400 << 20)                       # make this process big (400 MiB touched)
    ballast[::4096] = b"\1" * len(ballast[::4096])
    p = run("--memory-child", "train_mlp_adam", "ember", "--steps", "2", "--threads", "1",
            "--quick")
    line = next(line for line in p.stdout.splitlines() if line.startswith("EMBER-BENCH-JSON:"))
    res = json.loads(line.split(":", 1)[1])
    assert res["peak"] < 300 << 20
    del ballast


def test_memory_needs_training_cases():
    p = run("--memory", "--only", "add_16M", check=False)
    assert p.returncode != 0 and "--memory needs training cases" in p.stderr
