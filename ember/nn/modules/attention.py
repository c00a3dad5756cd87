"""MultiheadAttention (as torch.nn.MultiheadAttention).

The forward is :func:`ember.nn.functional.multi_head_attention_forward`; with ``batch_first`` the
inputs are used in their (N, L, E) layout directly instead of being transposed first.
"""
import ember
from ...tensor import Tensor
from ..parameter import Parameter
from .. import init
from ..functional import _attention as _A
from .linear import NonDynamicallyQuantizableLinear
from .module import Module

__all__ = ["MultiheadAttention"]

class MultiheadAttention(Module):
    r"""Multi-head attention: :math:`\text{Concat}(head_1, \dots, head_h) W^O` with
    :math:`head_i = \text{Attention}(Q W_i^Q, K W_i^K, V W_i^V)`.

    Args:
        embed_dim (int): total dimension of the model.
        num_heads (int): parallel attention heads (``embed_dim`` must be divisible by it).
        dropout (float): dropout on the attention weights (training only). Default: 0.0.
        bias (bool): biases for the input/output projections. Default: ``True``.
        add_bias_kv (bool): learnable biases appended to the key and value sequences.
        add_zero_attn (bool): append a zero position to the key and value sequences.
        kdim (int, optional): features of the keys (default ``embed_dim``).
        vdim (int, optional): features of the values (default ``embed_dim``).
        batch_first (bool): inputs/outputs as (batch, seq, feature). Default: ``False``.

    Parameters: ``in_proj_weight`` (3E, E) and ``in_proj_bias`` (3E) when kdim = vdim = E, else
    ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight``; ``out_proj`` (a Linear);
    ``bias_k``/``bias_v`` (1, 1, E) with ``add_bias_kv``.

    Shape:
        - query :math:`(L, N, E)`, key :math:`(S, N, E_k)`, value :math:`(S, N, E_v)` (batch
          first: :math:`(N, L, E)` ...; unbatched: :math:`(L, E)` ...).
        - key_padding_mask :math:`(N, S)`: ``True`` (bool) ignores a key; float is added.
        - attn_mask :math:`(L, S)` or :math:`(N \cdot H, L, S)`: ``True`` forbids; float is added.
        - Output: attn_output :math:`(L, N, E)` and attn_weights :math:`(N, L, S)` (averaged over
          heads) or :math:`(N, H, L, S)`, or ``None`` when ``need_weights=False``.

    Examples::

        >>> mha = nn.MultiheadAttention(16, 4, batch_first=True)
        >>> x = ember.randn(2, 5, 16)
        >>> out, w = mha(x, x, x)
        >>> out.shape, w.shape
        (ember.Size([2, 5, 16]), ember.Size([2, 5, 5]))
    """

    __constants__ = ["batch_first"]

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} "
                             f"and num_heads={num_heads} instead")
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != self.embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(ember.empty((embed_dim, embed_dim), **factory_kwargs))
            self.k_proj_weight = Parameter(ember.empty((embed_dim, self.kdim), **factory_kwargs))
            self.v_proj_weight = Parameter(ember.empty((embed_dim, self.vdim), **factory_kwargs))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(ember.empty((3 * embed_dim, embed_dim), **factory_kwargs))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(ember.empty(3 * embed_dim, **factory_kwargs))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **factory_kwargs)
        if add_bias_kv:
            self.bias_k = Parameter(ember.empty((1, 1, embed_dim), **factory_kwargs))
            self.bias_v = Parameter(ember.empty((1, 1, embed_dim), **factory_kwargs))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def __setstate__(self, state):
        if "_qkv_same_embed_dim" not in state:
            state["_qkv_same_embed_dim"] = True
        super().__setstate__(state)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        r"""Attend from ``query`` to ``key``/``value``; see the class docstring for the shapes.

        Args:
            key_padding_mask (Tensor, optional): keys to ignore (``True``) or a float mask added.
            need_weights (bool): also return the attention weights. Default: ``True``.
            attn_mask (Tensor, optional): positions not allowed to attend (``True``) or a float
                mask added to the scores.
            average_attn_weights (bool): average the returned weights over heads. Default: ``True``.
            is_causal (bool): hint that ``attn_mask`` is the causal mask (it must still be given).

        Returns:
            (attn_output, attn_weights or None)
        """
        for name, t in (("query", query), ("key", key), ("value", value)):
            if not isinstance(t, Tensor):
                raise TypeError(f"MultiheadAttention.forward(): argument '{name}' must be Tensor, not "
                                f"{type(t).__name__}")
        key_padding_mask = _A._canonical_mask(key_padding_mask, "key_padding_mask",
                                              _A._none_or_dtype(attn_mask), "attn_mask", query.dtype)
        attn_mask = _A._canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        sep = not self._qkv_same_embed_dim
        return _A._mha(query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
                       self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
                       self.out_proj.weight, self.out_proj.bias, self.training, key_padding_mask,
                       need_weights, attn_mask, sep, self.q_proj_weight if sep else None,
                       self.k_proj_weight if sep else None, self.v_proj_weight if sep else None,
                       None, None, average_attn_weights, is_causal,
                       batch_first=self.batch_first and query.dim() == 3)

    def merge_masks(self, attn_mask, key_padding_mask, query):
        r"""Merge ``attn_mask`` and ``key_padding_mask`` into one (N, H, L, L) mask for batch-first
        self-attention. Returns (merged_mask, mask_type): 1 for a padding mask only, 2 otherwise,
        None when there is no mask."""
        mask_type = None
        merged_mask = None
        if key_padding_mask is not None:
            mask_type = 1
            merged_mask = key_padding_mask
        if attn_mask is not None:
            batch_size, seq_len, _ = query.shape
            mask_type = 2
            if attn_mask.dim() == 3:
                expanded = attn_mask.view(batch_size, -1, seq_len, seq_len)
            else:
                expanded = attn_mask.view(1, 1, seq_len, seq_len).expand(batch_size, self.num_heads, -1, -1)
            merged_mask = expanded
            if key_padding_mask is not None:
                kpm = key_padding_mask.view(batch_size, 1, 1, seq_len).expand(-1, self.num_heads, -1, -1)
                merged_mask = expanded + kpm
        return merged_mask, mask_type
