"""A small CNN (Conv2d-ReLU-MaxPool2d-Conv2d-ReLU-AdaptiveAvgPool2d-Linear) learns to tell horizontal
from vertical bars on synthetic images with hand-written SGD, within seconds."""
import numpy as np

import ember
import ember.nn as nn

from conftest import to_np


def _bars(n, rng, size=8):
    """Images with one horizontal (label 0) or vertical (label 1) bright bar, plus noise."""
    x = rng.normal(0, 0.3, (n, 1, size, size)).astype(np.float32)
    y = rng.integers(0, 2, n)
    pos = rng.integers(0, size, n)
    for i in range(n):
        if y[i] == 0:
            x[i, 0, pos[i], :] += 1.5
        else:
            x[i, 0, :, pos[i]] += 1.5
    return x, y


def test_cnn_learns_bars(device):
    rng = np.random.default_rng(0)
    ember.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(8, 2)).to(device)
    xtest, ytest = _bars(200, rng)
    lr = 0.1
    for step in range(150):
        x, y = _bars(32, rng)
        logits = model(ember.tensor(x, device=device))
        loss = -ember.log_softmax(logits, 1).gather(1, ember.tensor(y, device=device).view(-1, 1)).mean()
        model.zero_grad()
        loss.backward()
        with ember.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
    with ember.no_grad():
        pred = to_np(model(ember.tensor(xtest, device=device)).argmax(1))
    acc = (pred == ytest).mean()
    assert acc > 0.95, f"accuracy {acc:.3f} after training (final loss {loss.item():.3f})"
