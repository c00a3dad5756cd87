"""Edge cases of the fused norm and loss kernels: empty batches, the first bad target."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from conftest import make, assert_close


@pytest.mark.parametrize("create_graph", [False, True])
def test_group_norm_backward_empty_batch(device, create_graph):
    x = ember.randn(0, 4, 5, device=device, requires_grad=True)
    w = ember.ones(4, device=device, requires_grad=True)
    b = ember.zeros(4, device=device, requires_grad=True)
    F.group_norm(x, 2, w, b).sum().backward(create_graph=create_graph)
    assert x.grad.shape == (0, 4, 5)
    assert_close(w.grad, np.zeros(4, np.float32))
    assert_close(b.grad, np.zeros(4, np.float32))


def test_cross_entropy_reports_the_first_bad_target(device):
    x = make(np.zeros((64, 3), np.float32), device)
    t = np.zeros(64, np.int64)
    t[[5, 40, 63]] = [7, 9, -2]
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        F.cross_entropy(x, make(t, device)).tolist()     # OpenCL: raised at the next sync
