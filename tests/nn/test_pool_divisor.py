"""avg_pool divisor_override: any non-zero value divides, negative ones too (as PyTorch)."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from conftest import make, assert_close


@pytest.mark.parametrize("override", [-2, 3])
def test_avg_pool2d_divisor_override_sign(device, override):
    x = np.arange(32, dtype=np.float32).reshape(1, 2, 4, 4)
    sums = x.reshape(1, 2, 2, 2, 2, 2).sum((3, 5))
    t = make(x, device, requires_grad=True)
    y = F.avg_pool2d(t, 2, divisor_override=override)
    assert_close(y, sums / override)
    y.sum().backward()
    assert_close(t.grad, np.full_like(x, 1.0 / override))


def test_avg_pool2d_divisor_override_zero_rejected(device):
    with pytest.raises(RuntimeError, match="divisor must be not zero"):
        F.avg_pool2d(ember.ones(1, 1, 2, 2, device=device), 2, divisor_override=0)
