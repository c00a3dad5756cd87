"""Transformer, TransformerEncoder/Decoder and their layers (as torch.nn.Transformer*).

Composites of MultiheadAttention, Linear, Dropout and LayerNorm: autograd derives the backward.
PyTorch's inference fast paths (nested tensors, fused encoder kernels) have no counterpart here;
the arguments that steer them (``enable_nested_tensor``, ``mask_check``) are accepted and recorded.
"""
import copy
import warnings

import ember
from .. import functional as F
from .. import init
from ..functional import _attention as _A
from .activation import ReLU, GELU
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
           "TransformerDecoderLayer"]


def _generate_square_subsequent_mask(sz, device=None, dtype=None):
    """A float (sz, sz) mask: -inf above the diagonal, 0 elsewhere."""
    return ember.triu(ember.full((sz, sz), float("-inf"), dtype=dtype, device=device), diagonal=1)


def _get_seq_len(src, batch_first):
    if src.dim() == 2:
        return src.shape[0]
    return src.shape[1 if batch_first else 0]


def _detect_is_causal_mask(mask, is_causal=None, size=None):
    """True when is_causal is True, or when it is None and ``mask`` equals the causal mask."""
    make_causal = is_causal is True
    if is_causal is None and mask is not None:
        sz = size if size is not None else mask.shape[-2]
        causal = _generate_square_subsequent_mask(sz, device=mask.device, dtype=mask.dtype)
        if tuple(mask.shape) == tuple(causal.shape):
            make_causal = bool((mask == causal).all())
        else:
            make_causal = False
    return make_causal


def _get_clones(module, N):
    return ModuleList([copy.deepcopy(module) for _ in range(N)])


def _get_activation_fn(activation):
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


class TransformerEncoderLayer(Module):
    r"""Self-attention and a feedforward network, each in a residual block with LayerNorm.

    Args:
        d_model (int): features of the input.
        nhead (int): attention heads.
        dim_feedforward (int): hidden width of the feedforward network. Default: 2048.
        dropout (float): dropout probability. Default: 0.1.
        activation (str or callable): ``"relu"``, ``"gelu"`` or a unary callable. Default: relu.
        layer_norm_eps (float): LayerNorm eps. Default: 1e-5.
        batch_first (bool): inputs as (batch, seq, feature). Default: ``False``.
        norm_first (bool): pre-norm (LayerNorm before attention/feedforward). Default: ``False``.
        bias (bool): biases in the Linear and LayerNorm layers. Default: ``True``.

    Shape:
        - src: :math:`(S, N, E)` (:math:`(N, S, E)` batch first, :math:`(S, E)` unbatched);
          output: the same.

    Examples::

        >>> layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, batch_first=True)
        >>> layer(ember.randn(2, 5, 16)).shape
        ember.Size([2, 5, 16])
    """

    __constants__ = ["norm_first"]

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True, device=None,
                 dtype=None):
        fk = {"device": device, "dtype": dtype}
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **fk)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **fk)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **fk)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **fk)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **fk)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):
            activation = _get_activation_fn(activation)
        if activation is F.relu or activation is ember.relu or isinstance(activation, ReLU):
            self.activation_relu_or_gelu = 1
        elif activation is F.gelu or activation is ember.gelu or isinstance(activation, GELU):
            self.activation_relu_or_gelu = 2
        else:
            self.activation_relu_or_gelu = 0
        self.activation = activation

    def __setstate__(self, state):
        super().__setstate__(state)
        if not hasattr(self, "activation"):
            self.activation = F.relu

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        r"""Pass the input through the layer.

        Args:
            src (Tensor): the sequence to the encoder layer.
            src_mask (Tensor, optional): the attention mask, :math:`(S, S)` or :math:`(N \cdot H, S, S)`.
            src_key_padding_mask (Tensor, optional): the padding mask :math:`(N, S)`.
            is_causal (bool): hint that ``src_mask`` is the causal mask.
        """
        src_key_padding_mask = _A._canonical_mask(src_key_padding_mask, "src_key_padding_mask",
                                                  _A._none_or_dtype(src_mask), "src_mask", src.dtype)
        src_mask = _A._canonical_mask(src_mask, "src_mask", None, "", src.dtype, check_other=False)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal=is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal=is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


class TransformerDecoderLayer(Module):
    r"""Self-attention, attention over the encoder's output (memory) and a feedforward network,
    each in a residual block with LayerNorm.

    Args: as :class:`TransformerEncoderLayer`.

    Shape:
        - tgt :math:`(T, N, E)`, memory :math:`(S, N, E)` (batch first: :math:`(N, T, E)`,
          :math:`(N, S, E)`); output as tgt.

    Examples::

        >>> layer = nn.TransformerDecoderLayer(d_model=16, nhead=4)
        >>> layer(ember.randn(7, 2, 16), ember.randn(5, 2, 16)).shape
        ember.Size([7, 2, 16])
    """

    __constants__ = ["norm_first"]

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True, device=None,
                 dtype=None):
        fk = {"device": device, "dtype": dtype}
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first,
                                            bias=bias, **fk)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout,
                                                 batch_first=batch_first, bias=bias, **fk)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **fk)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **fk)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **fk)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **fk)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **fk)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _get_activation_fn(activation) if isinstance(activation, str) else activation

    def __setstate__(self, state):
        if "activation" not in state:
            state["activation"] = F.relu
        super().__setstate__(state)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        r"""Pass the inputs (and masks) through the decoder layer.

        Args:
            tgt (Tensor): the sequence to the decoder layer.
            memory (Tensor): the sequence from the last layer of the encoder.
            tgt_mask, memory_mask (Tensor, optional): attention masks for tgt and memory.
            tgt_key_padding_mask, memory_key_padding_mask (Tensor, optional): padding masks.
            tgt_is_causal, memory_is_causal (bool): hints that the masks are causal.
        """
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask,
                                    memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                               memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           is_causal=is_causal, need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal=False):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                is_causal=is_causal, need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout3(x)


class TransformerEncoder(Module):
    r"""A stack of ``num_layers`` copies of ``encoder_layer``, then an optional ``norm``.

    Args:
        encoder_layer (TransformerEncoderLayer): the layer to clone (deep copies).
        num_layers (int): number of layers.
        norm (Module, optional): applied to the output of the last layer.
        enable_nested_tensor (bool): accepted for compatibility (there are no nested tensors; the
            padded path always runs). Default: ``True``.
        mask_check (bool): accepted for compatibility. Default: ``True``.

    Examples::

        >>> layer = nn.TransformerEncoderLayer(d_model=16, nhead=4)
        >>> enc = nn.TransformerEncoder(layer, num_layers=2)
        >>> enc(ember.randn(5, 2, 16)).shape
        ember.Size([5, 2, 16])
    """

    __constants__ = ["norm"]

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        # PyTorch warns when the nested-tensor fast path can't be used; same reasons, same warning
        why = ""
        enc = "encoder_layer"
        if not isinstance(encoder_layer, TransformerEncoderLayer):
            why = f"{enc} was not TransformerEncoderLayer"
        elif encoder_layer.norm_first:
            why = f"{enc}.norm_first was True"
        elif not encoder_layer.self_attn.batch_first:
            why = (f"{enc}.self_attn.batch_first was not True"
                   "(use batch_first for better inference performance)")
        elif not encoder_layer.self_attn._qkv_same_embed_dim:
            why = f"{enc}.self_attn._qkv_same_embed_dim was not True"
        elif encoder_layer.self_attn.in_proj_bias is None:
            why = f"{enc}.self_attn was passed bias=False"
        elif not encoder_layer.activation_relu_or_gelu:
            why = f"{enc}.activation_relu_or_gelu was not True"
        elif encoder_layer.norm1.eps != encoder_layer.norm2.eps:
            why = f"{enc}.norm1.eps was not equal to {enc}.norm2.eps"
        elif encoder_layer.self_attn.num_heads % 2 == 1:
            why = f"{enc}.self_attn.num_heads is odd"
        if enable_nested_tensor and why:
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False because {why}",
                          stacklevel=2)
            self.use_nested_tensor = False

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        r"""Pass the input through the encoder layers in turn.

        Args:
            src (Tensor): the sequence to the encoder.
            mask (Tensor, optional): the attention mask for src.
            src_key_padding_mask (Tensor, optional): the padding mask for src.
            is_causal (bool, optional): hint that ``mask`` is causal; None detects it.
        """
        src_key_padding_mask = _A._canonical_mask(src_key_padding_mask, "src_key_padding_mask",
                                                  _A._none_or_dtype(mask), "mask", src.dtype)
        mask = _A._canonical_mask(mask, "mask", None, "", src.dtype, check_other=False)
        first_layer = self.layers[0]
        batch_first = first_layer.self_attn.batch_first if hasattr(first_layer, "self_attn") else False
        seq_len = _get_seq_len(src, batch_first)
        is_causal = _detect_is_causal_mask(mask, is_causal, seq_len)
        output = src
        for mod in self.layers:
            output = mod(output, src_mask=mask, is_causal=is_causal,
                         src_key_padding_mask=src_key_padding_mask)
        if self.norm is not None:
            output = self.norm(output)
        return output


class TransformerDecoder(Module):
    r"""A stack of ``num_layers`` copies of ``decoder_layer``, then an optional ``norm``.

    Args:
        decoder_layer (TransformerDecoderLayer): the layer to clone (deep copies).
        num_layers (int): number of layers.
        norm (Module, optional): applied to the output of the last layer.

    Examples::

        >>> layer = nn.TransformerDecoderLayer(d_model=16, nhead=4)
        >>> dec = nn.TransformerDecoder(layer, num_layers=2)
        >>> dec(ember.randn(7, 2, 16), ember.randn(5, 2, 16)).shape
        ember.Size([7, 2, 16])
    """

    __constants__ = ["norm"]

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        r"""Pass the inputs (and masks) through the decoder layers in turn.

        Args: as :meth:`TransformerDecoderLayer.forward`; ``tgt_is_causal=None`` detects whether
        ``tgt_mask`` is the causal mask.
        """
        output = tgt
        first_layer = self.layers[0]
        batch_first = first_layer.self_attn.batch_first if hasattr(first_layer, "self_attn") else False
        seq_len = _get_seq_len(tgt, batch_first)
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, seq_len)
        for mod in self.layers:
            output = mod(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                         tgt_key_padding_mask=tgt_key_padding_mask,
                         memory_key_padding_mask=memory_key_padding_mask,
                         tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    r"""An encoder-decoder transformer ("Attention Is All You Need").

    Args:
        d_model (int): features of the encoder/decoder inputs. Default: 512.
        nhead (int): attention heads. Default: 8.
        num_encoder_layers (int): Default: 6.
        num_decoder_layers (int): Default: 6.
        dim_feedforward (int): Default: 2048.
        dropout (float): Default: 0.1.
        activation (str or callable): Default: relu.
        custom_encoder, custom_decoder (Module, optional): used instead of the default stacks.
        layer_norm_eps (float): Default: 1e-5.
        batch_first (bool): Default: ``False``.
        norm_first (bool): Default: ``False``.
        bias (bool): Default: ``True``.

    Shape:
        - src :math:`(S, N, E)`, tgt :math:`(T, N, E)` (batch first: :math:`(N, S, E)`,
          :math:`(N, T, E)`); output :math:`(T, N, E)`.

    Examples::

        >>> model = nn.Transformer(d_model=16, nhead=4, num_encoder_layers=1, num_decoder_layers=1)
        >>> model(ember.randn(5, 2, 16), ember.randn(7, 2, 16)).shape
        ember.Size([7, 2, 16])
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation="relu", custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
                 bias=True, device=None, dtype=None):
        fk = {"device": device, "dtype": dtype}
        super().__init__()
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            encoder_layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, activation,
                                                    layer_norm_eps, batch_first, norm_first, bias, **fk)
            encoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **fk)
            self.encoder = TransformerEncoder(encoder_layer, num_encoder_layers, encoder_norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            decoder_layer = TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, activation,
                                                    layer_norm_eps, batch_first, norm_first, bias, **fk)
            decoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **fk)
            self.decoder = TransformerDecoder(decoder_layer, num_decoder_layers, decoder_norm)
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None,
                tgt_is_causal=None, memory_is_causal=False):
        r"""Encode ``src`` and decode ``tgt`` against it.

        Args:
            src, tgt (Tensor): the encoder and decoder input sequences.
            src_mask, tgt_mask, memory_mask (Tensor, optional): attention masks.
            src_key_padding_mask, tgt_key_padding_mask, memory_key_padding_mask (Tensor, optional):
                padding masks.
            src_is_causal, tgt_is_causal, memory_is_causal: hints that the masks are causal.
        """
        is_batched = src.dim() == 3
        if not self.batch_first and src.shape[1] != tgt.shape[1] and is_batched:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if self.batch_first and src.shape[0] != tgt.shape[0] and is_batched:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        r"""The causal mask for a sequence of length ``sz``: ``-inf`` above the diagonal, 0.0 on
        and below it (float32 unless ``dtype`` says otherwise)."""
        return _generate_square_subsequent_mask(sz, device=device, dtype=dtype)

    def _reset_parameters(self):
        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)
