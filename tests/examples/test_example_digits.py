"""The main job, `python -m ember.examples.digits`: training, checkpoints, exact resume, progress
output and the one-message errors (shortened runs: --limit and few epochs)."""
import functools
import io
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import ember
import ember.opencl
from ember.examples import digits as ex
from ember.examples._progress import ProgressBar

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(capsys, *argv):
    rc = ex.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def _state(path):
    return ember.load(os.path.join(path, ex.CHECKPOINT))


def _arrays(state_dict):
    return {k: v.numpy().copy() for k, v in state_dict.items()}


def _opencl_available():
    try:
        return ember.opencl.is_available()
    except Exception:
        return False


# ------------------------------------------------------------------------------------------------
# training and the checkpoint
def test_short_run_writes_a_checkpoint_and_reports_accuracy(tmp_path, capsys):
    rc, out, err = _run(capsys, "--epochs", 2, "--limit", 160, "--out", tmp_path, "--quiet")
    assert rc == 0, err
    assert "final test accuracy:" in out
    assert "epoch " not in out                      # --quiet: no per-epoch lines
    ckpt = _state(tmp_path)
    assert ckpt["epoch"] == 2
    assert set(ckpt) >= {"model", "optimizer", "scheduler", "rng", "history", "config"}
    assert ckpt["config"]["model"] == "digits_cnn" and ckpt["config"]["limit"] == 160
    assert len(ckpt["history"]["test_acc"]) == 2
    # the weights load into a fresh model
    model = ex.build_model()
    model.load_state_dict(ckpt["model"])
    # even 2 short epochs learn something: far above chance (10%)
    assert ckpt["history"]["test_acc"][-1] > 0.5


def test_progress_and_epoch_lines(tmp_path, capsys, monkeypatch):
    # the plain fallback bar (as when tqdm is not installed)
    monkeypatch.setattr("ember.examples._progress.have_tqdm", lambda: False)
    rc, out, err = _run(capsys, "--epochs", 2, "--limit", 64, "--batch-size", 16, "--out", tmp_path)
    assert rc == 0, err
    assert "\r" in err and "epoch 1/2 [" in err and "epoch 2/2 [" in err
    assert " 4/4" in err and "loss " in err and "acc " in err
    assert err.count("\n") == 2                      # one finished line per epoch
    lines = [line for line in out.splitlines() if line.startswith("epoch")]
    assert len(lines) == 2 and all("test loss" in line and "acc" in line for line in lines)
    assert "final test accuracy:" in out and "checkpoint:" in out


def test_resume_continues_exactly(tmp_path, capsys):
    """2 epochs, then 2 more with --resume == 4 epochs in one run: the same weights, optimizer
    state and history (shuffling, dropout and the lr schedule all continue where they were)."""
    common = ["--limit", 96, "--batch-size", 32, "--seed", 3, "--quiet"]
    a, b = tmp_path / "a", tmp_path / "b"
    assert _run(capsys, "--epochs", 2, "--out", a, *common)[0] == 0
    assert _state(a)["epoch"] == 2
    rc, out, err = _run(capsys, "--epochs", 4, "--resume", "--out", a, *common)
    assert rc == 0, err
    assert _run(capsys, "--epochs", 4, "--out", b, *common)[0] == 0
    ra, rb = _state(a), _state(b)
    assert ra["epoch"] == rb["epoch"] == 4
    wa, wb = _arrays(ra["model"]), _arrays(rb["model"])
    assert wa.keys() == wb.keys()
    for k in wa:
        np.testing.assert_array_equal(wa[k], wb[k], err_msg=k)
    for i, st in ra["optimizer"]["state"].items():
        for k, v in st.items():
            np.testing.assert_array_equal(v.numpy(), rb["optimizer"]["state"][i][k].numpy())
    assert ra["history"] == rb["history"]
    assert ra["scheduler"] == rb["scheduler"]
    # the runs differ from a run with another seed (the comparison is not vacuous)
    c = tmp_path / "c"
    assert _run(capsys, "--epochs", 1, "--out", c, "--limit", 96, "--seed", 4, "--quiet")[0] == 0
    assert not np.array_equal(_arrays(_state(c)["model"])["features.0.weight"],
                              wa["features.0.weight"])


def test_resume_uses_the_checkpoint_config_and_notes_differences(tmp_path, capsys):
    assert _run(capsys, "--epochs", 1, "--limit", 32, "--lr", "0.002", "--out", tmp_path,
                "--quiet")[0] == 0
    rc, out, err = _run(capsys, "--epochs", 1, "--resume", "--lr", "0.01", "--out", tmp_path)
    assert rc == 0, err
    assert "note: resuming with the checkpoint's --lr 0.002" in out
    assert "nothing to train" in out and "final test accuracy:" in out


def test_curves_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    rc, out, err = _run(capsys, "--epochs", 1, "--limit", 32, "--out", tmp_path)
    assert rc == 0, err
    png = tmp_path / ex.CURVES
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"curves: {png}" in out


def test_curves_skipped_with_a_note_without_matplotlib(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)       # import matplotlib -> ImportError
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    rc, out, err = _run(capsys, "--epochs", 1, "--limit", 32, "--out", tmp_path)
    assert rc == 0, err
    assert "matplotlib is not installed" in out
    assert not (tmp_path / ex.CURVES).exists()


# ------------------------------------------------------------------------------------------------
# bad input: one message on stderr, exit status 2, no traceback
def _fails(capsys, *argv, match):
    rc, out, err = _run(capsys, *argv)
    assert rc == 2, (out, err)
    assert "Traceback" not in err and err.startswith("error: ")
    assert len(err.strip().splitlines()) == 1, err
    assert match in err, err
    return err


def test_resume_without_a_checkpoint(tmp_path, capsys):
    _fails(capsys, "--resume", "--out", tmp_path, match="no checkpoint to resume from")


def test_corrupt_checkpoint(tmp_path, capsys):
    (tmp_path / ex.CHECKPOINT).write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    _fails(capsys, "--resume", "--out", tmp_path, match="cannot read the checkpoint")


def test_truncated_checkpoint(tmp_path, capsys):
    assert _run(capsys, "--epochs", 1, "--limit", 32, "--out", tmp_path, "--quiet")[0] == 0
    path = tmp_path / ex.CHECKPOINT
    path.write_bytes(path.read_bytes()[:-100])
    _fails(capsys, "--resume", "--epochs", 2, "--out", tmp_path, match="cannot read the checkpoint")


def test_a_plain_state_dict_is_not_a_checkpoint(tmp_path, capsys):
    ember.save(ex.build_model().state_dict(), str(tmp_path / ex.CHECKPOINT))
    _fails(capsys, "--resume", "--out", tmp_path, match="is not a checkpoint of this example")


def test_checkpoint_of_another_model(tmp_path, capsys, monkeypatch):
    assert _run(capsys, "--epochs", 1, "--limit", 32, "--out", tmp_path, "--quiet")[0] == 0
    from ember.vision.models import digits_cnn
    monkeypatch.setattr(ex, "build_model", lambda: digits_cnn(width=8))
    err = _fails(capsys, "--resume", "--epochs", 2, "--out", tmp_path,
                 match="holds a checkpoint of a different model")
    assert "size mismatch" in err or "Missing" in err or "Unexpected" in err


def test_missing_and_corrupt_data_file(tmp_path, capsys, monkeypatch):
    from ember.vision.datasets import digits as ds
    original = ds._load_digits_file
    monkeypatch.setattr(ds, "_load_digits_file",
                        functools.partial(original, path=str(tmp_path / "nope.csv.gz")))
    _fails(capsys, "--epochs", 1, "--out", tmp_path / "o", match="cannot load the Digits data")
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(b"this is not gzip")
    monkeypatch.setattr(ds, "_load_digits_file", functools.partial(original, path=str(bad)))
    err = _fails(capsys, "--epochs", 1, "--out", tmp_path / "o", match="cannot load the Digits data")
    assert "corrupt" in err


def test_unavailable_opencl_device(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(ember.opencl, "is_available", lambda: False)
    _fails(capsys, "--device", "opencl", "--out", tmp_path, match="python -m ember.opencl")


@pytest.mark.parametrize("name, match", [("cuda", "Ember has no CUDA"),
                                         ("tpu", "use --device cpu or --device opencl")])
def test_unsupported_device(tmp_path, capsys, name, match):
    _fails(capsys, "--device", name, "--out", tmp_path, match=match)


def test_unwritable_output_folder(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    _fails(capsys, "--epochs", 1, "--limit", 32, "--out", blocker / "sub",
           match="cannot create the output folder")


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as e:
        ex.main(["--epochs", "0"])
    assert e.value.code == 2
    assert "expected a positive integer" in capsys.readouterr().err


def test_module_entry_point(tmp_path):
    """`python -m ember.examples.digits` as a user runs it: exit status 2 and one line."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-m", "ember.examples.digits", "--device", "cuda",
                        "--out", str(tmp_path)], capture_output=True, text=True, env=env,
                       cwd=str(tmp_path), timeout=120)
    assert r.returncode == 2
    assert r.stderr.startswith("error: ") and "Traceback" not in r.stderr


def test_opencl_device(tmp_path, capsys):
    """On OpenCL the run trains to the CPU's accuracy within noise (the same initial weights and
    random streams: Philox is the same on every device)."""
    if not _opencl_available():
        if os.environ.get("EMBER_REQUIRE_OPENCL") == "1":
            pytest.fail("EMBER_REQUIRE_OPENCL=1 but no OpenCL device was found")
        pytest.skip("no OpenCL device")
    common = ["--epochs", 2, "--limit", 256, "--quiet"]
    rc, out, err = _run(capsys, "--device", "opencl", "--out", tmp_path / "cl", *common)
    assert rc == 0, err
    assert _run(capsys, "--device", "cpu", "--out", tmp_path / "cpu", *common)[0] == 0
    acc_cl = _state(tmp_path / "cl")["history"]["test_acc"][-1]
    acc_cpu = _state(tmp_path / "cpu")["history"]["test_acc"][-1]
    assert abs(acc_cl - acc_cpu) <= 0.05, (acc_cl, acc_cpu)


def test_console_script(tmp_path):
    """`ember-train` (pyproject's [project.scripts]) where Ember is installed, e.g. in CI."""
    exe = shutil.which("ember-train") or os.path.join(os.path.dirname(sys.executable),
                                                       "ember-train")
    if not os.path.exists(exe):
        pytest.skip("ember-train is not installed (pip install . puts it next to python)")
    r = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "--resume" in r.stdout


# ------------------------------------------------------------------------------------------------
# the progress bar
def test_plain_progress_bar():
    s = io.StringIO()
    bar = ProgressBar(5, "epoch 1/3", stream=s, use_tqdm=False, width=10, rate=0)
    for i in range(5):
        bar.update(status=f"loss {1.0 / (i + 1):.2f}")
    bar.close()
    bar.close()                                     # idempotent
    text = s.getvalue()
    assert text.count("\r") == 5 and text.endswith("\n") and text.count("\n") == 1
    final = text.rstrip("\n").split("\r")[-1]
    assert final.startswith("epoch 1/3 [##########] 5/5  loss 0.20")


def test_plain_progress_bar_throttles_but_draws_the_end():
    s = io.StringIO()
    with ProgressBar(1000, "x", stream=s, use_tqdm=False, rate=1e-3) as bar:
        for _ in range(1000):
            bar.update()
    text = s.getvalue()
    assert text.count("\r") <= 3 and "1000/1000" in text.split("\r")[-1]


def test_tqdm_progress_bar():
    pytest.importorskip("tqdm")
    s = io.StringIO()
    with ProgressBar(3, "epoch 1/1", stream=s, use_tqdm=True) as bar:
        for _ in range(3):
            bar.update(status="loss 0.5")
    assert "epoch 1/1" in s.getvalue() and "3/3" in s.getvalue()
