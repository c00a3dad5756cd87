"""The GEMM autotune (gemm_tune): a sweep of GPU-design tiles on tiny products (PoCL runs the GPU
design when forced), its JSON cache under EMBER_CACHE_DIR, the lookup _gpu_tiles makes
(memoized, EMBER_OPENCL_GEMM_TUNING=0, a corrupt file ignored), and python -m ember.opencl
--tune-gemm. The cache folder is a tmp_path: the user's real cache is never touched.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import ember
from ember.backends.opencl import gemm_tune as GT
from ember.backends.opencl import linalg_kernels as LK
from cltools import ocl, backend, host  # noqa: F401  (fixtures)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# two valid candidates that differ from the tables' entries, and one that gemm.cl rejects at
# build time (VW = 1: its local reads are vectors)
GOOD = [(64, 64, 8, 8, 8, 2), (32, 32, 8, 8, 8, 2)]
BAD = (64, 64, 16, 8, 8, 1)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBER_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("EMBER_OPENCL_GEMM_TUNING", raising=False)
    GT.reset()
    yield tmp_path / "opencl" / "gemm_tuning.json"
    GT.reset()


@pytest.fixture
def gpu(backend):
    with backend.gemm_variant("gpu"):
        yield


def _table(backend, acc, large):
    """The tiles _gpu_tiles gives without a tuning file."""
    GT.reset()
    os.environ["EMBER_OPENCL_GEMM_TUNING"] = "0"
    try:
        return LK._gpu_tiles(backend.dev, acc, large)
    finally:
        del os.environ["EMBER_OPENCL_GEMM_TUNING"]
        GT.reset()


def test_sweep_picks_saves_and_is_used(backend, cache, gpu):
    res = GT.tune_gemm(backend, sizes=(64, 48), candidates=GOOD + [BAD], reps=1)
    assert set(res["tiles"]) == {(4, True), (4, False)}
    for cls, rows in res["results"].items():
        assert [tuple(r["tiles"]) for r in rows] == GOOD + [BAD]
        assert all(r["gflops"] > 0 and r["error"] is None for r in rows[:2])
        assert res["tiles"][cls] in GOOD
        # the failing build is skipped and its reason kept
        assert rows[2]["gflops"] is None and "gemm.cl" in rows[2]["error"]
    assert res["path"] == str(cache) and cache.is_file()
    data = json.loads(cache.read_text())
    entry = data["devices"][GT.device_key(backend.dev)]
    assert entry["tiles"]["4/large"] == list(res["tiles"][(4, True)])
    assert entry["results"]["4/small"][2]["error"]
    # a fresh process's lookup (memo dropped) reads the file
    GT.reset()
    assert LK._gpu_tiles(backend.dev, 4, True) == res["tiles"][(4, True)]
    assert LK._gpu_tiles(backend.dev, 4, False) == res["tiles"][(4, False)]
    assert LK._gpu_tiles(backend.dev, 8, True) == _table(backend, 8, True)   # not tuned
    specs = LK.program_specs(type("D", (), {"is_gpu": True, "fp64": backend.dev.fp64,
                                            "key": backend.dev.key, "vendor": backend.dev.vendor,
                                            "max_work_group_size": 1024,
                                            "local_memory": 1 << 20})())
    tuned = {tuple(dict(d)[n] for n in ("MWG", "NWG", "KWG", "MDIMC", "NDIMC", "VW"))
             for _, d in specs if dict(d)["IN_CODE"] == ember.float32.code}
    assert tuned == {res["tiles"][(4, True)], res["tiles"][(4, False)]}


@pytest.mark.parametrize("shape", [(70, 33, 50), (3, 96, 80, 17)])
def test_matmul_with_tuned_tiles_matches_numpy(backend, cache, gpu, shape):
    GT.tune_gemm(backend, sizes=(48, 48), candidates=GOOD, reps=1)
    GT.reset()
    # the size class a product lands in depends on the tuned large tiles (they decide whether
    # it fills the device), and which candidate wins is a matter of timing: either class's
    # tuned tiles, never the table's
    tuned = {LK._gpu_tiles(backend.dev, 4, large) for large in (True, False)}
    assert tuned <= set(GOOD)
    choice = backend.gemm_choice(shape[-3], shape[-1], shape[-2], ember.float32,
                                 batch=shape[0] if len(shape) == 4 else 1)
    assert any(f"tiles {t}" in choice for t in tuned), choice
    rng = np.random.default_rng(1)
    a = rng.uniform(-1, 1, shape[:-1]).astype(np.float32)
    b = rng.uniform(-1, 1, shape[:-3] + shape[-2:]).astype(np.float32)
    got = host(ember.tensor(a, device="opencl") @ ember.tensor(b, device="opencl"))
    want = a.astype(np.float64) @ b.astype(np.float64)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_disable_and_corrupt_files_are_ignored(backend, cache, gpu, monkeypatch):
    table = _table(backend, 4, True)
    res = GT.tune_gemm(backend, sizes=(48, 48), candidates=GOOD[:1], reps=1)
    assert res["tiles"][(4, True)] == GOOD[0] != table
    assert LK._gpu_tiles(backend.dev, 4, True) == GOOD[0]      # tune_gemm refreshed the memo
    monkeypatch.setenv("EMBER_OPENCL_GEMM_TUNING", "0")
    assert LK._gpu_tiles(backend.dev, 4, True) == table
    monkeypatch.delenv("EMBER_OPENCL_GEMM_TUNING")
    for text in ["{not json", json.dumps([1, 2]), json.dumps({"format": 99, "devices": {}}),
                 json.dumps({"format": 1, "devices": {GT.device_key(backend.dev):
                                                      {"tiles": {"4/large": [1, "x"],
                                                                 "oops": 3}}}})]:
        cache.write_text(text)
        GT.reset()
        assert LK._gpu_tiles(backend.dev, 4, True) == table
    cache.write_bytes(b"\xff\xfe\x00")
    GT.reset()
    assert LK._gpu_tiles(backend.dev, 4, True) == table
    # a corrupt file is replaced, not an error, by the next sweep
    res = GT.tune_gemm(backend, sizes=(48, 48), candidates=GOOD[:1], reps=1)
    assert res["path"] and json.loads(cache.read_text())["format"] == 1


def test_wrong_results_and_invalid_tiles_are_skipped(backend, cache, gpu, monkeypatch):
    small = type("D", (), {"max_work_group_size": 64, "local_memory": 8192})()
    assert "multiple" in GT.check_tiles((64, 64, 16, 8, 8, 16), small, 4)
    assert "work-group" in GT.check_tiles((64, 64, 16, 16, 16, 2), small, 4)
    assert "local memory" in GT.check_tiles((128, 128, 16, 8, 8, 2), small, 4)
    assert GT.check_tiles((64, 64, 8, 8, 8, 2), small, 4) is None
    real = GT._runner

    def runner(backend_, dt, tiles, acc, a, b, out):      # GOOD[1] stores garbage
        run = real(backend_, dt, tiles, acc, a, b, out)
        if tuple(tiles) != GOOD[1]:
            return run
        return lambda: (run(), backend_.fill(out, 7))
    monkeypatch.setattr(GT, "_runner", runner)
    res = GT.tune_gemm(backend, sizes=(48, 48), reps=1, save=False,
                       candidates=[(64, 64, 16, 8, 8, 16), GOOD[1], GOOD[0]])
    rows = res["results"][(4, True)]
    assert "multiple" in rows[0]["error"]
    assert "wrong result" in rows[1]["error"] and rows[1]["gflops"] is None
    assert rows[2]["gflops"] > 0 and res["tiles"][(4, True)] == GOOD[0]
    assert res["path"] is None and not cache.exists()


def test_no_candidate_runs_keeps_the_tables(backend, cache, gpu):
    res = GT.tune_gemm(backend, sizes=(48, 48), candidates=[BAD], reps=1)
    assert res["tiles"] == {} and res["path"] is None and not cache.exists()
    assert LK._gpu_tiles(backend.dev, 4, True) == _table(backend, 4, True)


def test_cli_tune_gemm(ocl, tmp_path):
    env = dict(os.environ, EMBER_CACHE_DIR=str(tmp_path), PYTHONPATH=ROOT + os.pathsep +
               os.environ.get("PYTHONPATH", ""))
    env.pop("EMBER_OPENCL_GEMM_TUNING", None)
    p = subprocess.run([sys.executable, "-m", "ember.opencl", "--tune-gemm", "--tune-sizes",
                        "48,32", "--tune-limit", "2"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "GFLOP/s" in p.stdout and "chosen: (" in p.stdout and " * " in p.stdout
    path = tmp_path / "opencl" / "gemm_tuning.json"
    assert f"saved to {path}" in p.stdout
    entry = next(iter(json.loads(path.read_text())["devices"].values()))
    assert set(entry["tiles"]) == {"4/large", "4/small"}
    assert len(entry["results"]["4/large"]) == 2
