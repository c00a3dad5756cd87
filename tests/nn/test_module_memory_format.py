"""Module.to(memory_format=...) lays out 4-d and 5-d parameters only, as torch."""
import ember
from ember import nn


def test_module_to_channels_last(device):
    m = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Linear(4, 2)).to(device)
    w_before = m[0].weight.detach().cpu().numpy().copy()
    m.to(memory_format=ember.channels_last)
    w = m[0].weight
    assert w.stride() == (27, 1, 9, 3) and w.is_contiguous(memory_format=ember.channels_last)
    assert m[0].bias.stride() == (1,) and m[1].weight.stride() == (4, 1)
    assert (w.detach().cpu().numpy() == w_before).all()
    assert w.device.type == device
