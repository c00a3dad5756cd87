"""Padding layers (ZeroPad / ConstantPad / ReflectionPad / ReplicationPad / CircularPad, 1-3d):
values against np.pad, reprs as PyTorch's, gradients, and the input-rank checks."""
import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.autograd import gradcheck

from conftest import assert_close, make

rng = np.random.default_rng(3)

NP_MODE = {"Zero": "constant", "Constant": "constant", "Reflection": "reflect", "Replication": "edge",
           "Circular": "wrap"}


def _np_pad(x, pad, kind, value=0.0):
    nd = len(pad) // 2
    widths = [(0, 0)] * (x.ndim - nd) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(nd))]
    if kind in ("Zero", "Constant"):
        return np.pad(x, widths, mode="constant", constant_values=value)
    return np.pad(x, widths, mode=NP_MODE[kind])


@pytest.mark.parametrize("kind", ["Zero", "Constant", "Reflection", "Replication", "Circular"])
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_padding_layers(device, kind, nd):
    pad = (1, 2, 2, 0, 0, 1)[:2 * nd]
    x = rng.standard_normal((2, 3) + (4, 3, 3)[:nd])
    args = (pad, 2.5) if kind == "Constant" else (pad,)
    m = getattr(nn, f"{kind}Pad{nd}d")(*args)
    out = m(make(x, device))
    assert_close(out, _np_pad(x, pad, kind, 2.5 if kind == "Constant" else 0.0))
    # unbatched input
    assert_close(m(make(x[0], device)), _np_pad(x[0], pad, kind, 2.5 if kind == "Constant" else 0.0))
    xi = make(rng.standard_normal((1, 2) + (3, 3, 3)[:nd]), device, requires_grad=True)
    assert gradcheck(m, (xi,))


def test_padding_reprs_and_int_padding():
    assert repr(nn.ZeroPad2d(1)) == "ZeroPad2d((1, 1, 1, 1))"
    assert repr(nn.ZeroPad1d((1, 2))) == "ZeroPad1d((1, 2))"
    assert repr(nn.ConstantPad3d(1, 3.5)) == "ConstantPad3d(padding=(1, 1, 1, 1, 1, 1), value=3.5)"
    assert repr(nn.ReflectionPad2d((1, 0, 2, 1))) == "ReflectionPad2d((1, 0, 2, 1))"
    assert repr(nn.ReplicationPad1d(2)) == "ReplicationPad1d((2, 2))"
    assert repr(nn.CircularPad3d(1)) == "CircularPad3d((1, 1, 1, 1, 1, 1))"
    assert nn.ZeroPad2d(1).padding == (1, 1, 1, 1)
    assert len(nn.ReflectionPad1d(1).state_dict()) == 0


def test_circular_pad_rank_check(device):
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        nn.CircularPad2d(1)(ember.zeros(3, 3, device=device))
