"""Vision transformers: torchvision's VisionTransformer layout and a small ``vit_tiny`` for CIFAR."""
import math
from collections import OrderedDict
from functools import partial

from ... import nn
from ... import ops as _ops
from ._utils import check_image_input

__all__ = ["VisionTransformer", "vit_tiny", "vit_b_16"]


class MLPBlock(nn.Sequential):
    """Linear - GELU - Dropout - Linear - Dropout (keys ``0`` and ``3``, as torchvision's)."""

    def __init__(self, in_dim, mlp_dim, dropout):
        super().__init__(nn.Linear(in_dim, mlp_dim), nn.GELU(), nn.Dropout(dropout),
                         nn.Linear(mlp_dim, in_dim), nn.Dropout(dropout))
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.normal_(m.bias, std=1e-6)


class EncoderBlock(nn.Module):
    """Pre-norm transformer encoder block: x + attn(ln_1(x)), then + mlp(ln_2(.))."""

    def __init__(self, num_heads, hidden_dim, mlp_dim, dropout, attention_dropout,
                 norm_layer=partial(nn.LayerNorm, eps=1e-6)):
        super().__init__()
        self.num_heads = num_heads
        self.ln_1 = norm_layer(hidden_dim)
        self.self_attention = nn.MultiheadAttention(hidden_dim, num_heads, dropout=attention_dropout,
                                                    batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.ln_2 = norm_layer(hidden_dim)
        self.mlp = MLPBlock(hidden_dim, mlp_dim, dropout)

    def forward(self, input):
        x = self.ln_1(input)
        x, _ = self.self_attention(x, x, x, need_weights=False)
        x = self.dropout(x)
        x = x + input
        y = self.mlp(self.ln_2(x))
        return x + y


class Encoder(nn.Module):
    """Learned position embeddings, dropout, the encoder blocks and a final LayerNorm."""

    def __init__(self, seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout, attention_dropout,
                 norm_layer=partial(nn.LayerNorm, eps=1e-6)):
        super().__init__()
        self.pos_embedding = nn.Parameter(_ops.empty(1, seq_length, hidden_dim).normal_(std=0.02))
        self.dropout = nn.Dropout(dropout)
        layers = OrderedDict()
        for i in range(num_layers):
            layers[f"encoder_layer_{i}"] = EncoderBlock(num_heads, hidden_dim, mlp_dim, dropout,
                                                        attention_dropout, norm_layer)
        self.layers = nn.Sequential(layers)
        self.ln = norm_layer(hidden_dim)

    def forward(self, input):
        input = input + self.pos_embedding
        return self.ln(self.layers(self.dropout(input)))


class VisionTransformer(nn.Module):
    r"""Vision Transformer (Dosovitskiy et al., 2021), as torchvision.models.VisionTransformer.

    The image is cut into ``patch_size`` squares, each projected to ``hidden_dim`` by a strided
    convolution; a class token and learned position embeddings are added, ``num_layers`` pre-norm
    encoder blocks follow, and the class token's final state is classified.

    Args:
        image_size (int): the (square) input size; inputs must be exactly this size.
        patch_size (int): the patch side; must divide `image_size`.
        num_layers (int): encoder blocks.
        num_heads (int): attention heads (must divide `hidden_dim`).
        hidden_dim (int): the token width.
        mlp_dim (int): the MLP hidden width of each block.
        dropout (float), attention_dropout (float): dropout rates. Default: 0.0
        num_classes (int): output classes. Default: 1000
        representation_size (int, optional): a tanh pre-logits layer of this width.
        norm_layer: the normalization layer factory. Default: LayerNorm(eps=1e-6)
        in_channels (int): input channels. Default: 3

    Shape:
        - Input: :math:`(N, C_{in}, image\_size, image\_size)`
        - Output: :math:`(N, num\_classes)`
    """

    def __init__(self, image_size, patch_size, num_layers, num_heads, hidden_dim, mlp_dim, dropout=0.0,
                 attention_dropout=0.0, num_classes=1000, representation_size=None,
                 norm_layer=partial(nn.LayerNorm, eps=1e-6), in_channels=3):
        super().__init__()
        if image_size % patch_size != 0:
            raise ValueError(f"Input shape indivisible by patch size! (image_size {image_size}, patch_size "
                             f"{patch_size})")
        if hidden_dim % num_heads != 0:
            raise ValueError(f"hidden_dim ({hidden_dim}) must be divisible by num_heads ({num_heads})")
        self.image_size = image_size
        self.patch_size = patch_size
        self.hidden_dim = hidden_dim
        self.mlp_dim = mlp_dim
        self.attention_dropout = attention_dropout
        self.dropout = dropout
        self.num_classes = num_classes
        self.representation_size = representation_size
        self.norm_layer = norm_layer
        self.in_channels = in_channels
        self.conv_proj = nn.Conv2d(in_channels, hidden_dim, kernel_size=patch_size, stride=patch_size)
        seq_length = (image_size // patch_size) ** 2
        self.class_token = nn.Parameter(_ops.zeros(1, 1, hidden_dim))
        seq_length += 1
        self.encoder = Encoder(seq_length, num_layers, num_heads, hidden_dim, mlp_dim, dropout,
                               attention_dropout, norm_layer)
        self.seq_length = seq_length
        heads_layers = OrderedDict()
        if representation_size is None:
            heads_layers["head"] = nn.Linear(hidden_dim, num_classes)
        else:
            heads_layers["pre_logits"] = nn.Linear(hidden_dim, representation_size)
            heads_layers["act"] = nn.Tanh()
            heads_layers["head"] = nn.Linear(representation_size, num_classes)
        self.heads = nn.Sequential(heads_layers)
        fan_in = self.conv_proj.in_channels * self.conv_proj.kernel_size[0] * self.conv_proj.kernel_size[1]
        nn.init.trunc_normal_(self.conv_proj.weight, std=math.sqrt(1 / fan_in))
        nn.init.zeros_(self.conv_proj.bias)
        if hasattr(self.heads, "pre_logits"):
            fan_in = self.heads.pre_logits.in_features
            nn.init.trunc_normal_(self.heads.pre_logits.weight, std=math.sqrt(1 / fan_in))
            nn.init.zeros_(self.heads.pre_logits.bias)
        nn.init.zeros_(self.heads.head.weight)
        nn.init.zeros_(self.heads.head.bias)

    def _process_input(self, x):
        s = self.image_size
        check_image_input(self, x, self.in_channels, sizes=[(s, s)])
        n = x.shape[0]
        p = self.patch_size
        x = self.conv_proj(x)                                   # (n, hidden_dim, s / p, s / p)
        x = x.reshape(n, self.hidden_dim, (s // p) * (s // p))
        return x.permute(0, 2, 1)                               # (n, seq, hidden_dim)

    def forward(self, x):
        x = self._process_input(x)
        n = x.shape[0]
        batch_class_token = self.class_token.expand(n, -1, -1)
        x = _ops.cat([batch_class_token, x], dim=1)
        x = self.encoder(x)
        return self.heads(x[:, 0])


def vit_tiny(image_size=32, patch_size=4, num_classes=10, dim=192, depth=6, heads=3, mlp_ratio=4.0,
             dropout=0.0, attention_dropout=0.0, in_channels=3):
    r"""A small vision transformer (ViT-Tiny width, fewer blocks) for CIFAR-sized images.

    Args:
        image_size (int): the input size. Default: 32
        patch_size (int): the patch side. Default: 4 (64 patches of a 32x32 image)
        num_classes (int): output classes. Default: 10
        dim (int): the token width. Default: 192
        depth (int): encoder blocks. Default: 6
        heads (int): attention heads. Default: 3
        mlp_ratio (float): MLP width / dim. Default: 4.0
        dropout, attention_dropout (float): dropout rates. Default: 0.0
        in_channels (int): input channels. Default: 3
    """
    return VisionTransformer(image_size, patch_size, num_layers=depth, num_heads=heads, hidden_dim=dim,
                             mlp_dim=int(dim * mlp_ratio), dropout=dropout, attention_dropout=attention_dropout,
                             num_classes=num_classes, in_channels=in_channels)


def vit_b_16(*, weights=None, progress=True, **kwargs):
    """ViT-B/16 (224x224 inputs, 12 blocks of width 768), as torchvision. `weights` must be None."""
    if weights is not None:
        raise ValueError("Ember ships no pretrained weights (weights must be None): train the model or load a "
                         "state_dict with model.load_state_dict(ember.load(path)).")
    kwargs.setdefault("image_size", 224)
    return VisionTransformer(patch_size=16, num_layers=12, num_heads=12, hidden_dim=768, mlp_dim=3072, **kwargs)
