"""Train a small CNN on the bundled handwritten digits: Ember's end-to-end example.

    python -m ember.examples.digits            # or: ember-train
    python -m ember.examples.digits --epochs 20 --device opencl --out runs/digits
    python -m ember.examples.digits --resume   # continue from ./ember-digits/checkpoint.safetensors

It trains :func:`ember.vision.models.digits_cnn` on the training part of
:class:`ember.vision.datasets.Digits` (1,437 real 8x8 images, bundled: no download) with AdamW and
an exponentially decaying learning rate, shows a progress bar per epoch (tqdm when installed, a
plain one-line bar otherwise), prints the accuracy on the 360 held-out test images after every
epoch, and writes to ``--out``:

* ``checkpoint.safetensors``: model, optimizer and scheduler state, the epoch, every random
  generator's state and the history, saved with :func:`ember.save` after every epoch (so an
  interrupted run loses at most one epoch); ``--resume`` continues from it and reaches exactly the
  weights an uninterrupted run would have;
* ``curves.png``: loss and accuracy per epoch (needs matplotlib; skipped with a note otherwise).

Bad input (a missing or corrupt data file, an unavailable device, a checkpoint of another model or
a damaged one) ends the program with one message saying what to do and exit status 2.
"""
import argparse
import math
import os
import sys
import time

import ember
from ember import nn
from ember.examples._progress import ProgressBar
from ember.utils.data import DataLoader, Subset

__all__ = ["main", "build_parser", "build_model", "CHECKPOINT", "CURVES"]

CHECKPOINT = "checkpoint.safetensors"
CURVES = "curves.png"
MODEL_NAME = "digits_cnn"
DEFAULTS = {"epochs": 10, "batch_size": 32, "lr": 3e-3, "seed": 0}
# the learning rate decays by this factor after every epoch; a schedule that does not depend on
# the number of epochs lets `--epochs 2` then `--epochs 4 --resume` equal one `--epochs 4` run
LR_DECAY = 0.8
WEIGHT_DECAY = 1e-4


class UsageError(Exception):
    """A problem with the input or the environment, reported as one message (exit status 2)."""


# ------------------------------------------------------------------------------------------------
# command line
def build_parser():
    p = argparse.ArgumentParser(
        prog="python -m ember.examples.digits",
        description="Train a small CNN on the bundled 8x8 handwritten digits (UCI, CC BY 4.0) and "
                    "report its accuracy on the held-out test images.")
    p.add_argument("--device", default="cpu",
                   help="cpu (default) or opencl (or opencl:N); `python -m ember.opencl` lists "
                        "the OpenCL devices")
    p.add_argument("--epochs", type=_positive_int, default=DEFAULTS["epochs"],
                   help=f"total epochs to train (default {DEFAULTS['epochs']}); with --resume, "
                        "the epochs of the checkpoint count")
    p.add_argument("--batch-size", type=_positive_int, default=None,
                   help=f"training batch size (default {DEFAULTS['batch_size']})")
    p.add_argument("--lr", type=_positive_float, default=None,
                   help=f"initial learning rate of AdamW (default {DEFAULTS['lr']:g}); it decays "
                        f"by {LR_DECAY:g} after every epoch")
    p.add_argument("--seed", type=int, default=None,
                   help=f"seed of the initial weights, shuffling and dropout (default "
                        f"{DEFAULTS['seed']})")
    p.add_argument("--out", default="ember-digits", metavar="DIR",
                   help="folder for the checkpoint and the curves (default ./ember-digits)")
    p.add_argument("--resume", action="store_true",
                   help="continue from DIR/" + CHECKPOINT)
    p.add_argument("--quiet", action="store_true",
                   help="no progress bars or per-epoch lines: only the final result")
    p.add_argument("--limit", type=_positive_int, default=None, metavar="N",
                   help="train on the first N training images only (quick checks)")
    return p


def _positive_int(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return v


def _positive_float(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (v > 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return v


# ------------------------------------------------------------------------------------------------
# device, data, model
def resolve_device(name):
    """An ember.device for `name`, or UsageError when it cannot be used here."""
    kind = str(name).split(":", 1)[0].strip().lower()
    if kind not in ("cpu", "opencl"):
        hint = " (Ember has no CUDA: GPUs run through OpenCL)" if kind == "cuda" else ""
        raise UsageError(f"unsupported device {name!r}{hint}: use --device cpu or --device opencl")
    try:
        dev = ember.device(name)
    except (RuntimeError, ValueError, TypeError) as e:
        raise UsageError(f"invalid device {name!r} ({e}): use --device cpu or --device opencl") \
            from None
    if dev.type == "cpu":
        return dev
    from ember import opencl
    if not opencl.is_available():
        why = _opencl_error()
        raise UsageError(
            "the OpenCL device is not available" + (f" ({why})" if why else "") + ". Run "
            "`python -m ember.opencl` to see which OpenCL platforms and devices were found (see "
            "docs/devices.md to install a driver), or train on the CPU with --device cpu.")
    count = opencl.device_count()
    if (dev.index or 0) >= count:
        raise UsageError(f"there is no OpenCL device {dev.index} (found {count}); run "
                         "`python -m ember.opencl` to list them")
    return dev


def _opencl_error():
    """Why OpenCL discovery found nothing, when it says so (never raises)."""
    try:
        from ember.backends.opencl import runtime
        return str(runtime.discovery().error or "")
    except Exception as e:      # pyopencl missing, broken ICD loader...
        return f"{type(e).__name__}: {e}"


def load_data(limit=None):
    """(train set, test set): the fixed stratified split of the bundled Digits (seed 0)."""
    from ember.vision.datasets import Digits
    try:
        train, test = Digits(train=True), Digits(train=False)
    except (RuntimeError, OSError) as e:
        raise UsageError(f"cannot load the Digits data: {e}") from None
    if limit is not None and limit < len(train):
        train = Subset(train, range(limit))
    return train, test


def build_model():
    """The model this example trains: ``ember.vision.models.digits_cnn()``."""
    from ember.vision.models import digits_cnn
    return digits_cnn()


def _check_device_runs(model, x, y, device):
    """Run one batch forward and backward on a non-CPU device before training starts, so an op the
    device lacks is reported as one message. Eval mode: no dropout and no batch-norm statistics,
    so no random numbers are drawn and nothing in the model changes."""
    if device.type == "cpu":
        return
    model.eval()
    try:
        loss = nn.functional.cross_entropy(model(x.to(device)), y.to(device))
        loss.backward()
    except (AttributeError, NotImplementedError, RuntimeError) as e:
        raise UsageError(f"this model cannot run on {device} yet: {e}. Train on the CPU with "
                         "--device cpu.") from None
    finally:
        model.zero_grad(set_to_none=True)


# ------------------------------------------------------------------------------------------------
# checkpoint
def _config(args):
    return {"model": MODEL_NAME, "batch_size": args.batch_size, "lr": args.lr,
            "seed": args.seed, "limit": args.limit}


def _generator_states(shuffle, device):
    states = {"cpu": ember.get_rng_state(), "shuffle": shuffle.get_state()}
    if device.type != "cpu":
        states["device"] = ember.random.default_generator_for(device).get_state()
    return states


def _set_generator_states(states, shuffle, device):
    ember.set_rng_state(states["cpu"])
    shuffle.set_state(states["shuffle"])
    if device.type != "cpu" and "device" in states:
        ember.random.default_generator_for(device).set_state(states["device"])


def save_checkpoint(path, state):
    """ember.save to a temporary file, then rename: an interrupted save keeps the old file."""
    tmp = path + ".tmp"
    try:
        ember.save(state, tmp)
        os.replace(tmp, path)
    except OSError as e:
        raise UsageError(f"cannot write the checkpoint {path}: {e}") from None


def load_checkpoint(path):
    """The checkpoint dict at `path`, or UsageError saying what is wrong with it."""
    if not os.path.exists(path):
        raise UsageError(f"no checkpoint to resume from at {path}; train without --resume first "
                         "(or point --out at the folder that holds it)")
    try:
        # to the CPU first: a checkpoint written on an OpenCL machine resumes anywhere, and
        # load_state_dict copies the weights to wherever the model is
        ckpt = ember.load(path, map_location="cpu")
    except (RuntimeError, OSError, ValueError) as e:
        raise UsageError(f"cannot read the checkpoint {path}: {e}. Delete it to start over.") \
            from None
    keys = {"model", "optimizer", "scheduler", "epoch", "rng", "history", "config"}
    if not isinstance(ckpt, dict) or not keys <= set(ckpt):
        raise UsageError(f"{path} is not a checkpoint of this example (it lacks "
                         f"{sorted(keys - set(ckpt)) if isinstance(ckpt, dict) else sorted(keys)}); "
                         "use another --out folder or delete it")
    return ckpt


def _restore(ckpt, path, model, optimizer, scheduler):
    cfg = ckpt["config"]
    if cfg.get("model") != MODEL_NAME:
        raise UsageError(f"{path} holds a checkpoint of another model ({cfg.get('model')!r}, not "
                         f"{MODEL_NAME!r}); use another --out folder or delete it")
    try:
        model.load_state_dict(ckpt["model"])
    except (RuntimeError, KeyError, TypeError) as e:
        # the first problem load_state_dict lists (its first line is a header)
        lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
        detail = lines[1] if len(lines) > 1 else (lines[0] if lines else type(e).__name__)
        more = f", and {len(lines) - 2} more" if len(lines) > 2 else ""
        raise UsageError(f"{path} holds a checkpoint of a different model: its weights do not fit "
                         f"{MODEL_NAME} ({detail}{more}). Use another --out folder or delete it.") \
            from None
    try:
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
    except (RuntimeError, KeyError, TypeError, ValueError, IndexError) as e:
        raise UsageError(f"the optimizer state in {path} does not fit this model ({e}); use "
                         "another --out folder or delete it") from None


def _merge_config(args, ckpt, say):
    """Take batch size, lr, seed and limit from the checkpoint; note explicit different values."""
    saved = ckpt["config"]
    for key, flag in (("batch_size", "--batch-size"), ("lr", "--lr"), ("seed", "--seed"),
                      ("limit", "--limit")):
        given = getattr(args, key)
        if given is not None and given != saved.get(key):
            say(f"note: resuming with the checkpoint's {flag} {saved.get(key)} (not {given})")
        setattr(args, key, saved.get(key))


# ------------------------------------------------------------------------------------------------
# training
def train_one_epoch(model, loader, optimizer, device, bar=None):
    """One pass over `loader`; returns (mean loss, accuracy) of the training batches."""
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        logits = model(x)
        loss = nn.functional.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        n = y.shape[0]
        total_loss += loss.item() * n
        correct += int((logits.argmax(dim=1) == y).sum().item())
        seen += n
        if bar is not None:
            bar.update(status=f"loss {total_loss / seen:.4f}  acc {100.0 * correct / seen:5.1f}%")
    return total_loss / seen, correct / seen


@ember.no_grad()
def evaluate(model, loader, device):
    """(mean loss, accuracy, number correct, number of images) on `loader`, in eval mode."""
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        logits = model(x)
        total_loss += nn.functional.cross_entropy(logits, y, reduction="sum").item()
        correct += int((logits.argmax(dim=1) == y).sum().item())
        seen += y.shape[0]
    return total_loss / seen, correct / seen, correct, seen


def plot_curves(history, path):
    """Loss and accuracy per epoch to a PNG; returns False when matplotlib is not installed."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return False
    epochs = list(range(1, len(history["train_loss"]) + 1))
    fig = Figure(figsize=(9, 3.6), dpi=100)
    ax_loss, ax_acc = fig.subplots(1, 2)
    ax_loss.plot(epochs, history["train_loss"], "o-", label="train")
    ax_loss.plot(epochs, history["test_loss"], "s-", label="test")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="loss", yscale="log")
    ax_acc.plot(epochs, [100 * a for a in history["train_acc"]], "o-", label="train")
    ax_acc.plot(epochs, [100 * a for a in history["test_acc"]], "s-", label="test")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.suptitle("Ember: digits_cnn on the UCI digits")
    fig.tight_layout()
    try:
        fig.savefig(path)
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e}") from None
    return True


def run(args):
    """Train as `args` (parsed by build_parser) say; returns the final result as a dict."""
    say = (lambda *a, **k: None) if args.quiet else print
    t_start = time.perf_counter()
    device = resolve_device(args.device)
    out = os.path.abspath(args.out)
    ckpt_path = os.path.join(out, CHECKPOINT)
    ckpt = load_checkpoint(ckpt_path) if args.resume else None
    if ckpt is None and os.path.exists(ckpt_path):
        say(f"note: starting over; {ckpt_path} will be replaced (--resume continues it)")
    if ckpt is not None:
        _merge_config(args, ckpt, print)
    for key, value in DEFAULTS.items():
        if key != "epochs" and getattr(args, key) is None:
            setattr(args, key, value)
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create the output folder {out}: {e}") from None

    train_set, test_set = load_data(args.limit)
    ember.manual_seed(args.seed)
    shuffle = ember.Generator().manual_seed(args.seed + 1)
    loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, generator=shuffle)
    test_loader = DataLoader(test_set, batch_size=512)
    model = build_model()
    x0, y0 = next(iter(test_loader))
    model.to(device)
    _check_device_runs(model, x0[:4], y0[:4], device)
    optimizer = ember.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=WEIGHT_DECAY)
    scheduler = ember.optim.lr_scheduler.ExponentialLR(optimizer, gamma=LR_DECAY)
    history = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": [], "lr": []}
    start_epoch = 0
    if ckpt is not None:
        _restore(ckpt, ckpt_path, model, optimizer, scheduler)
        _set_generator_states(ckpt["rng"], shuffle, device)
        history = {k: list(v) for k, v in ckpt["history"].items()}
        start_epoch = int(ckpt["epoch"])
        say(f"resuming from {ckpt_path} after epoch {start_epoch}")
        if start_epoch >= args.epochs:
            say(f"the checkpoint already has {start_epoch} epochs (--epochs {args.epochs}): "
                "nothing to train")

    n_params = sum(p.numel() for p in model.parameters())
    say(f"training digits_cnn ({n_params:,} parameters) on {len(train_set)} digits, testing on "
        f"{len(test_set)} held-out ones; device {device}, batch size {args.batch_size}, "
        f"lr {args.lr:g}, seed {args.seed}")
    for epoch in range(start_epoch, args.epochs):
        t0 = time.perf_counter()
        lr = optimizer.param_groups[0]["lr"]
        bar = None if args.quiet else ProgressBar(len(loader), f"epoch {epoch + 1}/{args.epochs}")
        try:
            train_loss, train_acc = train_one_epoch(model, loader, optimizer, device, bar)
        finally:
            if bar is not None:
                bar.close()
        scheduler.step()
        test_loss, test_acc, correct, total = evaluate(model, test_loader, device)
        for key, value in (("train_loss", train_loss), ("train_acc", train_acc),
                           ("test_loss", test_loss), ("test_acc", test_acc), ("lr", lr)):
            history[key].append(value)
        save_checkpoint(ckpt_path, {
            "model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(), "epoch": epoch + 1,
            "rng": _generator_states(shuffle, device), "history": history,
            "config": _config(args)})
        say(f"epoch {epoch + 1:>2}/{args.epochs}  train loss {train_loss:.4f} acc "
            f"{100 * train_acc:5.1f}%  |  test loss {test_loss:.4f} acc {100 * test_acc:5.2f}%  "
            f"(lr {lr:.2e}, {time.perf_counter() - t0:.1f}s)")

    test_loss, test_acc, correct, total = evaluate(model, test_loader, device)
    elapsed = time.perf_counter() - t_start
    epochs_done = len(history["test_acc"])
    print(f"final test accuracy: {100 * test_acc:.2f}% ({correct}/{total} held-out digits) after "
          f"{epochs_done} epochs, {elapsed:.1f}s")
    say(f"checkpoint: {ckpt_path}" if os.path.exists(ckpt_path) else "no checkpoint written")
    curves = os.path.join(out, CURVES)
    if history["train_loss"]:
        if plot_curves(history, curves):
            say(f"curves: {curves}")
        else:
            say("matplotlib is not installed: skipped the curves plot (pip install matplotlib)")
    return {"test_acc": test_acc, "test_loss": test_loss, "correct": correct, "total": total,
            "history": history, "checkpoint": ckpt_path, "model": model, "seconds": elapsed}


def main(argv=None):
    """The command-line entry point (``python -m ember.examples.digits``, ``ember-train``)."""
    args = build_parser().parse_args(argv)
    try:
        run(args)
    except UsageError as e:
        sys.stdout.flush()
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        sys.stdout.flush()
        print(f"\ninterrupted: {os.path.join(args.out, CHECKPOINT)} holds the last finished epoch; "
              "continue with --resume", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
