"""The runnable scripts in examples/, each run as a user runs it, shortened (--quick)."""
import math
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")


def run_script(name, *args, cwd=None, timeout=300):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, os.path.join(EXAMPLES, name), *map(str, args)],
                       capture_output=True, text=True, env=env, cwd=cwd or ROOT, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def _has(module):
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def test_every_example_is_tested():
    scripts = {f for f in os.listdir(EXAMPLES) if f.endswith(".py")}
    assert scripts == {"char_lm.py", "regression.py", "custom_function.py", "digits.py"}


def test_char_lm_quick():
    rc, out, err = run_script("char_lm.py", "--quick")
    assert rc == 0, err
    assert "vocabulary of" in out and "held-out loss" in out
    m = re.search(r"step +20/20 +train loss ([0-9.]+)", out)
    assert m and float(m.group(1)) < math.log(60), out      # below uniform guessing already
    sample = out.split("--- sampled at temperature 0.7 ---\n", 1)[1]
    assert sample.startswith("Shall I")
    assert len(sample.rstrip("\n")) >= len("Shall I") + 80 - 5   # 80 characters (some may be \n)


def test_char_lm_own_text_and_bad_text(tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("the quick brown fox jumps over the lazy dog. " * 20, encoding="utf-8")
    rc, out, err = run_script("char_lm.py", "--text", text, "--steps", 3, "--seq-len", 16,
                              "--length", 10, "--prime", "the Q")      # 'Q' is not in the text
    assert rc == 0, err
    assert "--- sampled" in out and "\nthe " in out
    rc, out, err = run_script("char_lm.py", "--text", tmp_path / "missing.txt")
    assert rc == 2 and "cannot read" in err and "Traceback" not in err


def test_char_lm_text_is_bundled_with_attribution():
    data = os.path.join(EXAMPLES, "data")
    text = open(os.path.join(data, "sonnets.txt"), encoding="utf-8").read()
    assert 5_000 < len(text) < 50_000 and "Shall I compare thee to a summer's day?" in text
    note = open(os.path.join(data, "README.md"), encoding="utf-8").read()
    assert "Shakespeare" in note and "public" in note and "gutenberg.org" in note


def test_regression_quick(tmp_path):
    png = tmp_path / "fit.png"
    rc, out, err = run_script("regression.py", "--quick", "--out", png)
    assert rc == 0, err
    before = float(re.search(r"before training: held-out MSE ([0-9.]+)", out).group(1))
    after = float(re.findall(r"held-out MSE ([0-9.]+)", out)[-1])
    assert after < before / 3, out
    if _has("matplotlib"):
        assert png.read_bytes()[:4] == b"\x89PNG" and "plot:" in out
    else:
        assert "matplotlib is not installed" in out


def test_custom_function_quick():
    rc, out, err = run_script("custom_function.py", "--quick")
    assert rc == 0, err
    assert "softplus gradcheck: True" in out and "softplus gradgradcheck: True" in out
    assert "straight-through gradcheck (expected False): False" in out
    last = [line for line in out.splitlines() if line.startswith("step")][-1]
    assert "[0.75, -1.5, 0.25, 1.0]" in last                 # the quantized weights are found


def test_custom_function_in_process():
    """The Functions themselves: gradients through the straight-through estimator."""
    sys.path.insert(0, EXAMPLES)
    try:
        import custom_function as cf
    finally:
        sys.path.remove(EXAMPLES)
    import ember
    w = ember.tensor([0.3, -2.5, 1.1], requires_grad=True)
    q = cf.QuantizeSTE.apply(w, 0.25, 2.0)
    assert q.tolist() == [0.25, -2.0, 1.0]
    q.sum().backward()
    assert w.grad.tolist() == [1.0, 0.0, 1.0]                # blocked outside |w| <= 2
    x = ember.tensor([-800.0, 0.0, 800.0], requires_grad=True)
    y = cf.softplus(x)
    assert y.tolist() == pytest.approx([0.0, math.log(2), 800.0])
    y.sum().backward()
    assert x.grad.tolist() == pytest.approx([0.0, 0.5, 1.0])


def test_digits_wrapper(tmp_path):
    rc, out, err = run_script("digits.py", "--epochs", 1, "--limit", 64, "--quiet", "--out",
                              tmp_path / "run")
    assert rc == 0, err
    assert "final test accuracy:" in out
    assert (tmp_path / "run" / "checkpoint.safetensors").exists()
