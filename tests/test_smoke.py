import numpy as np

import ember
from conftest import assert_close


def test_add_broadcast(device):
    a = ember.tensor([[1.0, 2.0, 3.0]], device=device)
    b = ember.tensor([[10.0], [20.0]], device=device)
    assert_close(a + b, np.array([[11, 12, 13], [21, 22, 23]], dtype=np.float32))
