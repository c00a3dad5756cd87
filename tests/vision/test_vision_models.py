"""ember.vision.models: every model builds, runs forward and backward, round-trips its state_dict,
names torchvision's parameters, and rejects inputs of the wrong shape with one clear message."""
import numpy as np
import pytest

import ember
from ember import nn
from ember.vision import models

from conftest import make, to_np

# (builder, input shape, output classes): small widths/batches keep these fast
CASES = {
    "digits_cnn": (lambda: models.digits_cnn(), (2, 1, 8, 8), 10),
    "lenet5_28": (lambda: models.lenet5(), (2, 1, 28, 28), 10),
    "lenet5_32_rgb": (lambda: models.lenet5(num_classes=7, in_channels=3), (2, 3, 32, 32), 7),
    "mlp": (lambda: models.MLP(64, hidden=[32, 16], num_classes=10, dropout=0.1), (3, 1, 8, 8), 10),
    "vgg11_bn": (lambda: models.vgg11_bn(width_mult=0.125), (2, 3, 32, 32), 10),
    "vgg11": (lambda: models.vgg11(width_mult=0.125, hidden=0), (2, 3, 32, 32), 10),
    "resnet18": (lambda: models.resnet18(num_classes=10), (2, 3, 32, 32), 10),
    "resnet20": (lambda: models.resnet20(width=4), (2, 3, 16, 16), 10),
    "resnet20_B": (lambda: models.resnet20(width=4, shortcut="B"), (2, 3, 16, 16), 10),
    "cifar_resnet18": (lambda: models.cifar_resnet18(num_classes=5), (2, 3, 8, 8), 5),
    "vit_tiny": (lambda: models.vit_tiny(image_size=16, patch_size=4, dim=32, depth=2, heads=2), (2, 3, 16, 16), 10),
}


@pytest.mark.parametrize("name", list(CASES))
def test_model_forward_backward(name, device):
    build, shape, classes = CASES[name]
    ember.manual_seed(0)
    model = build().to(device)
    x = make(np.random.default_rng(0).standard_normal(shape).astype(np.float32), device, requires_grad=True)
    model.train()
    out = model(x)
    assert out.shape == (shape[0], classes) and out.dtype == ember.float32
    assert np.isfinite(to_np(out)).all()
    loss = nn.functional.cross_entropy(out, make(np.arange(shape[0]) % classes, device))
    loss.backward()
    assert x.grad is not None and x.grad.shape == x.shape
    params = [p for p in model.parameters() if p.requires_grad]
    assert params and all(p.grad is not None for p in params)
    assert any(float(p.grad.abs().sum()) > 0 for p in params)
    model.eval()
    with ember.no_grad():
        a, b = to_np(model(x)), to_np(model(x))
    np.testing.assert_array_equal(a, b)                    # eval: deterministic (no dropout, BN frozen)


@pytest.mark.parametrize("name", ["digits_cnn", "lenet5_28", "resnet20", "vit_tiny"])
def test_state_dict_round_trip(name, tmp_path):
    build, shape, _ = CASES[name]
    ember.manual_seed(1)
    a = build()
    x = ember.randn(*shape)
    a.train()
    a(x)                                                   # moves the BN running statistics
    a.eval()
    ember.manual_seed(2)
    b = build()
    b.load_state_dict(a.state_dict())
    b.eval()
    with ember.no_grad():
        np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())
    path = tmp_path / "m.pt"
    ember.save(a.state_dict(), str(path))
    c = build()
    c.load_state_dict(ember.load(str(path)))
    c.eval()
    with ember.no_grad():
        np.testing.assert_array_equal(a(x).numpy(), c(x).numpy())


def _nparams(m):
    return sum(p.numel() for p in m.parameters())


def test_parameter_counts_match_torchvision_and_papers():
    assert _nparams(models.resnet18()) == 11689512            # torchvision's resnet18
    assert _nparams(models.resnet50()) == 25557032
    assert _nparams(models.resnet20()) == 269722              # He et al.: 0.27M
    assert _nparams(models.resnet56()) == 853018              # 0.85M
    assert _nparams(models.lenet5()) == 61706
    assert _nparams(models.vgg16_bn(width_mult=1.0, hidden=0)) == 14728266  # 3x3 convs of VGG-16 + BN + fc


def test_torchvision_state_dict_names():
    keys = set(models.resnet18().state_dict())
    for k in ("conv1.weight", "bn1.running_mean", "bn1.num_batches_tracked", "layer1.0.conv1.weight",
              "layer2.0.downsample.0.weight", "layer2.0.downsample.1.running_var", "layer4.1.bn2.bias",
              "fc.weight", "fc.bias"):
        assert k in keys
    assert len(keys) == 122                                   # as torchvision's resnet18
    vit = models.vit_tiny(image_size=16, patch_size=4, dim=32, depth=2, heads=2).state_dict()
    for k in ("class_token", "conv_proj.weight", "encoder.pos_embedding",
              "encoder.layers.encoder_layer_0.ln_1.weight",
              "encoder.layers.encoder_layer_1.self_attention.in_proj_weight",
              "encoder.layers.encoder_layer_0.self_attention.out_proj.weight",
              "encoder.layers.encoder_layer_0.mlp.0.weight", "encoder.layers.encoder_layer_0.mlp.3.bias",
              "encoder.ln.weight", "heads.head.weight"):
        assert k in vit
    vgg = models.vgg11_bn(width_mult=0.125).state_dict()
    assert "features.0.weight" in vgg and "features.1.running_mean" in vgg and "classifier.3.weight" in vgg


def test_resnet_initialisation():
    ember.manual_seed(0)
    m = models.resnet18(zero_init_residual=True)
    assert float(m.layer1[0].bn2.weight.abs().sum()) == 0.0
    assert float(m.bn1.weight.sum()) == 64.0
    w = m.layer3[0].conv1.weight.detach().numpy()
    fan_out = w.shape[0] * w.shape[2] * w.shape[3]             # kaiming_normal_(mode="fan_out")
    assert abs(w.std() - np.sqrt(2.0 / fan_out)) < 0.1 * np.sqrt(2.0 / fan_out)
    vit = models.vit_tiny()
    assert float(vit.heads.head.weight.abs().sum()) == 0.0


@pytest.mark.parametrize("build,x,msg", [
    (models.lenet5, (2, 3, 64, 64), "LeNet5 expects 1\u00d728\u00d728 or 1\u00d732\u00d732 inputs, got 3\u00d764\u00d764"),
    (models.lenet5, (1, 28, 28), "LeNet5 expects a batch of .* shaped \\(N, C, H, W\\), got a 3-d tensor .*unsqueeze"),
    (models.digits_cnn, (4, 1, 28, 28), "DigitsCNN expects 1\u00d78\u00d78 inputs, got 1\u00d728\u00d728"),
    (lambda: models.resnet18(), (2, 1, 32, 32), "ResNet expects 3\u00d7H\u00d7W inputs, got 1\u00d732\u00d732"),
    (lambda: models.vgg11(width_mult=0.125), (2, 3, 16, 16), "VGG expects 3\u00d7H\u00d7W \\(H, W >= 32\\) inputs"),
    (lambda: models.vit_tiny(dim=32, depth=1, heads=2), (2, 3, 28, 28),
     "VisionTransformer expects 3\u00d732\u00d732 inputs, got 3\u00d728\u00d728"),
    (lambda: models.MLP(64), (2, 1, 28, 28), "MLP expects inputs with 64 features"),
])
def test_wrong_input_shape_is_one_clear_message(build, x, msg):
    with pytest.raises(ValueError, match=msg):
        build()(ember.zeros(*x))


def test_bad_arguments():
    with pytest.raises(ValueError, match="no pretrained weights"):
        models.resnet18(weights="IMAGENET1K_V1")
    with pytest.raises(ValueError, match="6n\\+2"):
        models.CifarResNet(depth=21)
    with pytest.raises(ValueError, match="indivisible by patch size"):
        models.VisionTransformer(30, 4, 1, 2, 8, 16)
    with pytest.raises(TypeError, match="expects a Tensor"):
        models.lenet5()(np.zeros((1, 1, 28, 28), np.float32))


def test_mlp_layout_and_train_eval():
    m = models.MLP(10, hidden=[8, 6], num_classes=3, dropout=0.5, batch_norm=True)
    kinds = [type(l).__name__ for l in m.layers]
    assert kinds == ["Flatten", "Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear", "BatchNorm1d", "ReLU",
                     "Dropout", "Linear"]
    x = ember.randn(16, 10)
    ember.manual_seed(0)
    m.train()
    a = m(x).detach().numpy()
    b = m(x).detach().numpy()
    assert not np.array_equal(a, b)                        # dropout draws differ in training
    m.eval()
    np.testing.assert_array_equal(m(x).detach().numpy(), m(x).detach().numpy())


def test_digits_cnn_learns_digits_quickly():
    """A few epochs of the recipe the main job uses reach well above chance on the held-out split."""
    from ember.utils.data import DataLoader
    from ember.vision.datasets import Digits
    ember.manual_seed(0)
    train, test = Digits(train=True), Digits(train=False)
    model = models.digits_cnn()
    opt = ember.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(1):
        model.train()
        for x, y in DataLoader(train, batch_size=32, shuffle=True):
            loss = nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with ember.no_grad():
        acc = float((model(test.images).argmax(1) == test.targets).float().mean())
    assert acc > 0.85                                      # ~96% after one epoch
