"""Errors that OpenCL kernels find without the host waiting (cross-entropy's out-of-range
targets): reported at the host's next synchronization with the CPU backend's exception, the way
CUDA reports device-side asserts; and the device-side finish of the cross-entropy reduction
(no host read in a training step) against the CPU backend."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from cltools import ocl, backend, host, cl_tensor  # noqa: F401  (fixtures)


def test_bad_target_is_raised_at_the_next_read(ocl, backend):
    x = cl_tensor(np.zeros((6, 3), np.float32))
    t = cl_tensor(np.array([0, 1, 7, 2, 9, 1]))
    loss = F.cross_entropy(x, t)                  # enqueued: no wait, no error yet
    assert loss.device.type == "opencl"
    with pytest.raises(IndexError, match=r"^Target 7 is out of bounds\.$"):
        loss.item()
    # reported once: the next read is clean
    assert F.cross_entropy(x, cl_tensor(np.array([0, 1, 2, 2, 0, 1]))).item() == \
        pytest.approx(np.log(3.0), rel=1e-6)
    F.cross_entropy(x, t, reduction="sum")
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        ember.opencl.synchronize()
    ember.opencl.synchronize()
    # an unrelated read also surfaces it (the value read is then not returned)
    F.cross_entropy(x, t, reduction="none")
    with pytest.raises(IndexError, match="Target 7"):
        cl_tensor(np.ones(3, np.float32)).tolist()


def test_clean_checks_do_not_pile_up(ocl, backend):
    x = cl_tensor(np.random.default_rng(0).standard_normal((8, 5)).astype(np.float32))
    t = cl_tensor(np.arange(8) % 5)
    for _ in range(40):
        F.cross_entropy(x, t)
    ember.opencl.synchronize()
    assert len(backend._deferred) == 0


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_device_finish_matches_the_cpu(ocl, reduction, weighted):
    rng = np.random.default_rng(1)
    xs = rng.standard_normal((7, 4)).astype(np.float32)
    ts = np.array([0, 3, -100, 2, 1, 3, -100])
    ws = rng.uniform(0.5, 2.0, 4).astype(np.float32) if weighted else None
    res = []
    for dev in ("opencl", "cpu"):
        x = ember.tensor(xs, device=dev, requires_grad=True)
        w = ember.tensor(ws, device=dev) if weighted else None
        loss = F.cross_entropy(x, ember.tensor(ts, device=dev), w, reduction=reduction,
                               label_smoothing=0.1)
        (loss.sum() * 2.0).backward()
        res.append((host(loss.detach()), host(x.grad)))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-5, atol=1e-6)


def test_all_targets_ignored(ocl):
    for dev in ("opencl", "cpu"):
        x = ember.zeros(3, 4, device=dev, requires_grad=True)
        t = ember.full((3,), -100, dtype=ember.int64, device=dev)
        loss = F.cross_entropy(x, t)
        assert np.isnan(loss.item())                   # 0 / 0, as torch
        assert F.cross_entropy(x, t, reduction="sum").item() == 0.0
        loss.backward()
        np.testing.assert_array_equal(host(x.grad), np.zeros((3, 4), np.float32))


@pytest.mark.parametrize("arch", ["mlp", "cnn", "transformer"])
def test_a_training_step_never_waits(ocl, backend, monkeypatch, arch):
    """forward, cross-entropy, backward, the optimizer step and zero_grad enqueue only: no
    blocking read of a device buffer (a host wait) until the loss is read"""
    import pyopencl as cl
    nn = ember.nn
    if arch == "mlp":
        model, x = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 5)), (6, 12)
    elif arch == "cnn":
        model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 5))
        x = (3, 1, 8, 8)
    else:
        model = nn.Sequential(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16,
                                                         batch_first=True), nn.Linear(8, 5))
        x = (2, 3, 8)
    model = model.to("opencl")
    opt = ember.optim.AdamW(model.parameters(), lr=1e-3)
    xs = ember.randn(*x, device="opencl")
    ys = ember.randint(0, 5, x[:2] if arch == "transformer" else x[:1], device="opencl")

    def step():
        out = model(xs)
        loss = F.cross_entropy(out.reshape(-1, 5), ys.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad()
        return loss
    step()
    ember.opencl.synchronize()
    reads = []
    orig = cl.enqueue_copy

    def spy(queue, dst, src, **kw):
        if isinstance(dst, np.ndarray) and kw.get("is_blocking", True):
            reads.append(dst.shape)
        return orig(queue, dst, src, **kw)
    monkeypatch.setattr(cl, "enqueue_copy", spy)
    loss = step()
    assert reads == []
    assert np.isfinite(loss.item()) and len(reads) == 1      # the spy sees a real read
