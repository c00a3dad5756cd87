"""out= on another device than the op's operands raises PyTorch's RuntimeError for every op family
(both directions), before any kernel runs and leaving `out` untouched; factories allocate on
out's device."""
import numpy as np
import pytest

import ember
from cltools import ocl, host  # noqa: F401  (fixtures)

X = np.arange(1.0, 7.0).reshape(2, 3)
OPS = {
    "add": (lambda x, out: ember.add(x, x, out=out), (2, 3)),
    "exp": (lambda x, out: ember.exp(x, out=out), (2, 3)),
    "clamp": (lambda x, out: ember.clamp(x, 0, 3, out=out), (2, 3)),
    "where": (lambda x, out: ember.where(x > 2, x, -x, out=out), (2, 3)),
    "sum": (lambda x, out: ember.sum(x, 1, out=out), (2,)),
    "mean": (lambda x, out: ember.mean(x, out=out), ()),
    "cumsum": (lambda x, out: ember.cumsum(x, 0, out=out), (2, 3)),
    "index_select": (lambda x, out: ember.index_select(x, 1, ember.tensor([2, 0], device=x.device),
                                                       out=out), (2, 2)),
    "gather": (lambda x, out: ember.gather(x, 1, ember.tensor([[1], [0]], device=x.device),
                                           out=out), (2, 1)),
    "cat": (lambda x, out: ember.cat([x, x], out=out), (4, 3)),
    "matmul": (lambda x, out: ember.matmul(x, x.t(), out=out), (2, 2)),
    "vector_norm": (lambda x, out: ember.linalg.vector_norm(x, out=out), ()),
    "inv": (lambda x, out: ember.linalg.inv(x[:, :2], out=out), (2, 2)),
}


def _message(a, b):
    return (f"Expected all tensors to be on the same device, but found at least two devices, "
            f"{a} and {b}!")


@pytest.mark.parametrize("name", sorted(OPS))
def test_out_on_another_device_raises(ocl, name):
    fn, shape = OPS[name]
    for src, dst in (("opencl", "cpu"), ("cpu", "opencl")):
        x = ember.tensor(X, dtype=ember.float64, device=src)
        out = ember.full(shape, 7.0, dtype=ember.float64, device=dst)
        with pytest.raises(RuntimeError) as err:
            fn(x, out)
        assert str(err.value) == _message(x.device, out.device)
        assert (host(out) == 7.0).all()
        good = ember.empty(shape, dtype=ember.float64, device=src)
        assert fn(x, good) is good and good.device == x.device     # the same op, one device


def test_tuple_outs_on_another_device_raise(ocl):
    x = ember.tensor(X, device=ocl)

    def cpu_pair(*shape):
        return ember.empty(*shape), ember.empty(*shape, dtype=ember.int64)
    for call in (lambda: ember.max(x, 1, out=cpu_pair(2)),
                 lambda: ember.sort(x, out=cpu_pair(2, 3)),
                 lambda: ember.topk(x, 1, out=cpu_pair(2, 1))):
        with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device, but "
                                               "found at least two devices, opencl:0 and cpu!"):
            call()


def test_tensors_name_their_device_index(ocl):
    x = ember.ones(2, device="opencl")
    assert str(x.device) == "opencl:0" and x.device.index == 0
    assert x[1:].device.index == 0 and (x + 1).device.index == 0 and x.sum().device.index == 0


def test_factories_allocate_on_outs_device(ocl):
    out = ember.empty(0, dtype=ember.int64, device=ocl)
    assert ember.arange(3, out=out) is out and out.device.type == "opencl"
    assert host(out).tolist() == [0, 1, 2]
    z = ember.empty(2, device=ocl)
    assert ember.zeros(2, out=z) is z and host(z).tolist() == [0, 0]
    with pytest.raises(RuntimeError, match=r"device type cpu does not match device type of out "
                                           r"parameter \(opencl\)"):
        ember.zeros(2, device="cpu", out=z)
