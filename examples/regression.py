"""Regression: an MLP fits a noisy 1-D function, and (with matplotlib) plots the fit.

    python examples/regression.py                  # a few seconds on a CPU
    python examples/regression.py --steps 3000 --out fit.png
    python examples/regression.py --quick          # a smoke test

The data are 256 noisy samples of f(x) = sin(3x) + 0.3 x^2 on [-2, 2] (noise sd 0.1), with a
quarter held out. A ``Sequential`` of ``Linear`` and ``Tanh`` layers is trained on mini-batches
from a ``DataLoader`` with ``Adam`` and ``mse_loss``; the script prints the train and held-out
errors and, when matplotlib is installed, saves the data, the true function and the fit to a PNG.
"""
import argparse
import sys
import time

import ember
from ember import nn
from ember.nn import functional as F
from ember.utils.data import DataLoader, TensorDataset, random_split

NOISE = 0.1


def target(x):
    return ember.sin(3 * x) + 0.3 * x ** 2


def make_data(n, generator):
    x = ember.rand(n, 1, generator=generator) * 4 - 2
    y = target(x) + NOISE * ember.randn(n, 1, generator=generator)
    return TensorDataset(x, y)


def mlp(hidden=64):
    return nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                         nn.Linear(hidden, 1))


@ember.no_grad()
def mse(model, dataset):
    x, y = dataset[:]
    return F.mse_loss(model(x), y).item()


def plot(model, train, test, path):
    """Save the data, the true function and the fit; False when matplotlib is missing."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return False
    grid = ember.linspace(-2.2, 2.2, 400).unsqueeze(1)
    with ember.no_grad():
        fit = model(grid)
    fig = Figure(figsize=(7, 4), dpi=100)
    ax = fig.subplots()
    for part, style, label in ((train, "o", "train"), (test, "s", "held out")):
        x, y = part[:]
        ax.plot(x.numpy()[:, 0], y.numpy()[:, 0], style, ms=3, alpha=0.5, label=label)
    ax.plot(grid.numpy()[:, 0], target(grid).numpy()[:, 0], "k--", lw=1, label="sin(3x) + 0.3x²")
    ax.plot(grid.numpy()[:, 0], fit.numpy()[:, 0], "r-", lw=2, label="MLP")
    ax.set(xlabel="x", ylabel="y", title="Ember: an MLP fits a noisy function")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    return True


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=2000, help="optimizer steps (default 2000)")
    p.add_argument("--lr", type=float, default=1e-2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="regression.png", help="the plot (default regression.png)")
    p.add_argument("--quick", action="store_true", help="100 steps (a smoke test)")
    args = p.parse_args(argv)
    if args.quick:
        args.steps = min(args.steps, 100)

    ember.manual_seed(args.seed)
    g = ember.Generator().manual_seed(args.seed)
    data = make_data(256, g)
    train, test = random_split(data, [0.75, 0.25], generator=g)
    loader = DataLoader(train, batch_size=32, shuffle=True, generator=g)
    model = mlp()
    opt = ember.optim.Adam(model.parameters(), lr=args.lr)
    sched = ember.optim.lr_scheduler.StepLR(opt, step_size=max(args.steps // 3, 1), gamma=0.3)

    t0, step = time.perf_counter(), 0
    print(f"before training: held-out MSE {mse(model, test):.4f}")
    while step < args.steps:
        for x, y in loader:
            loss = F.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if step % 500 == 0 or step == args.steps:
                print(f"step {step:>5}  train MSE {mse(model, train):.4f}  held-out MSE "
                      f"{mse(model, test):.4f}  ({time.perf_counter() - t0:.1f}s)")
            if step == args.steps:
                break
    print(f"the noise alone gives an MSE of about {NOISE ** 2:.4f}")
    if plot(model, train, test, args.out):
        print(f"plot: {args.out}")
    else:
        print("matplotlib is not installed: no plot (pip install matplotlib)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
