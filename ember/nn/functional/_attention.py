"""Attention: scaled_dot_product_attention and multi_head_attention_forward (as torch.nn.functional).

Both are composites of ember ops (matmul, softmax, where, ...), so autograd derives their backward
and they run on any device. Internally the multi-head path keeps each tensor in the layout it
arrives in (sequence-first or batch-first) and only builds strided views for the per-head split,
which spares the transposed copies of PyTorch's reference implementation; the arithmetic and the
results are the same.
"""
import math
import warnings

import ember
from ...tensor import Tensor
from ...ops._linalg_util import tm_name

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


# ------------------------------------------------------------------------------------------------
# small shared pieces (the public F.dropout is used when its file is present)
def _functional():
    from .. import functional as F
    return F


def _linear(x, weight, bias=None):
    """x @ weight.T + bias as one GEMM over the flattened leading dims (so that the weight's
    gradient is one GEMM too, not a batched product summed afterwards)."""
    lead = x.shape[:-1]
    x2 = x.reshape(-1, x.shape[-1])
    y = ember.addmm(bias, x2, weight.t()) if bias is not None else ember.mm(x2, weight.t())
    return y.reshape(tuple(lead) + (weight.shape[0],))


def _dropout(x, p, training=True):
    if not training or p == 0.0:
        return x
    f = getattr(_functional(), "dropout", None)
    if f is not None:
        return f(x, p, training)
    if p == 1.0:
        return x * 0.0
    keep = (ember.rand(x.shape, dtype=x.dtype, device=x.device) >= p).to(x.dtype)
    return x * keep * (1.0 / (1.0 - p))


def _none_or_dtype(input):
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A float additive mask (0 / -inf) from a bool mask (True = masked out); float masks pass."""
    if mask is None:
        return None
    if mask.dtype is not ember.bool and not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype is not other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use same "
                      "type for both instead.", stacklevel=3)
    if not mask.dtype.is_floating_point:
        mask = ember.zeros(mask.shape, dtype=target_type, device=mask.device).masked_fill_(
            mask, float("-inf"))
    return mask


# ------------------------------------------------------------------------------------------------
def _attend(q, k, v, mask, dropout_p, is_causal, scale, need_weights):
    """softmax(q k^T * scale + mask) v over the last two dims (batch dims broadcast).

    mask: None, a bool tensor (True = attend) or a float tensor added to the scores, broadcastable
    to (..., L, S). Rows where every key is masked out give zeros (not NaN), as PyTorch's
    _safe_softmax, and their gradients are zeros as well.
    Returns (output, attention weights or None).
    """
    L, S = q.shape[-2], k.shape[-2]
    if scale is None:
        scale = 1.0 / math.sqrt(q.shape[-1])
    # scaling the smaller operand is cheaper than scaling the (L, S) scores
    if q.shape[-1] <= S:
        scores = ember.matmul(q * scale, k.transpose(-2, -1))
    else:
        scores = ember.matmul(q, k.transpose(-2, -1)) * scale
    dead = None
    if is_causal:
        keep = ember.ones((L, S), dtype=ember.bool, device=q.device).tril()
        scores = ember.where(keep, scores, float("-inf"))
    elif mask is not None:
        if mask.dtype is ember.bool:
            dead = ~mask.any(-1, keepdim=True)
            scores = ember.where(mask, scores, float("-inf"))
        else:
            dead = ember.isneginf(mask).all(-1, keepdim=True)
            scores = scores + mask
        if dead.any():
            scores = ember.where(dead, 0.0, scores)      # a uniform row, zeroed below
        else:
            dead = None
    attn = ember.softmax(scores, -1)
    if dead is not None:
        attn = ember.where(dead, 0.0, attn)
    if dropout_p > 0.0:
        attn = _dropout(attn, dropout_p, True)
    out = ember.matmul(attn, v)
    return out, (attn if need_weights else None)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                                 scale=None, enable_gqa=False):
    r"""Scaled dot-product attention: softmax(Q K^T * scale + mask) V, with optional dropout.

    Args:
        query (Tensor): :math:`(N, ..., H_q, L, E)`.
        key (Tensor): :math:`(N, ..., H, S, E)`.
        value (Tensor): :math:`(N, ..., H, S, E_v)`.
        attn_mask (Tensor, optional): broadcastable to :math:`(N, ..., L, S)`. A bool mask marks
            with ``True`` the positions that take part in attention; a float mask (of the query's
            dtype) is added to the scores. Default: ``None``.
        dropout_p (float): dropout probability applied to the attention weights (always, whatever
            the training mode; pass 0.0 in evaluation). Default: 0.0.
        is_causal (bool): use the lower-triangular causal mask (position i attends to j <= i);
            ``attn_mask`` must then be ``None``. Default: ``False``.
        scale (float, optional): scaling factor; default :math:`1/\sqrt{E}`.
        enable_gqa (bool): grouped-query attention: ``key``/``value`` with fewer heads (dim -3)
            are repeated to the query's number of heads. Default: ``False``.

    Rows whose keys are all masked out give zeros, as PyTorch.

    Shape:
        - Output: :math:`(N, ..., H_q, L, E_v)`.

    Examples::

        >>> q, k, v = ember.randn(2, 4, 8, 16), ember.randn(2, 4, 10, 16), ember.randn(2, 4, 10, 16)
        >>> F.scaled_dot_product_attention(q, k, v, is_causal=False).shape
        ember.Size([2, 4, 8, 16])
    """
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): argument '{name}' (position "
                            f"{['query', 'key', 'value'].index(name) + 1}) must be Tensor, not "
                            f"{type(t).__name__}")
    if query.dim() < 2 or key.dim() < 2 or value.dim() < 2:
        raise RuntimeError(f"Expected query, key, and value to all be  at least 2 dimensional, but got "
                           f"query.dim: {query.dim()} key.dim: {key.dim()} and value.dim: "
                           f"{value.dim()} instead.")
    if not (query.dtype is key.dtype is value.dtype):
        raise RuntimeError(f"Expected query, key, and value to have the same dtype, but got query.dtype: "
                           f"{tm_name(query.dtype)} key.dtype: {tm_name(key.dtype)} and value.dtype: "
                           f"{tm_name(value.dtype)} instead.")
    if not query.dtype.is_floating_point:
        raise RuntimeError(f"expected scalar type Float but found "
                           f"{ {'int64': 'Long', 'int32': 'Int', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte', 'bool': 'Bool'}[query.dtype.name]}")
    if attn_mask is not None:
        if attn_mask.dtype is not ember.bool and attn_mask.dtype is not query.dtype:
            raise RuntimeError(f"Expected attn_mask dtype to be bool or float or to match query dtype, "
                               f"but got attn_mask.dtype: {tm_name(attn_mask.dtype)} and  query.dtype: "
                               f"{tm_name(query.dtype)} instead.")
        if is_causal:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                               "when is_causal=True")
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if enable_gqa and query.dim() >= 3 and key.dim() >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hq % hk != 0 or hq % hv != 0:
            raise RuntimeError("Number of heads in key and value must divide the number of heads in ")
        if hk != hq:
            key = key.repeat_interleave(hq // hk, dim=-3)
        if hv != hq:
            value = value.repeat_interleave(hq // hv, dim=-3)
    if key.shape[-1] != query.shape[-1] or value.shape[-2] != key.shape[-2]:
        # PyTorch reports these through its bmm checks (on Q @ K^T, then on attn @ V)
        bs = query.shape[0] if query.dim() == 3 else ember.Size(query.shape[:-2]).numel()
        if key.shape[-1] != query.shape[-1]:
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                               f"[{bs}, {query.shape[-1]}] but got: [{bs}, {key.shape[-1]}].")
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{bs}, {key.shape[-2]}] but got: [{bs}, {value.shape[-2]}].")
    out, _ = _attend(query, key, value, attn_mask, dropout_p, is_causal, scale, False)
    return out


# ------------------------------------------------------------------------------------------------
# multi-head attention
def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """True when the inputs are batched (3-D); AssertionError as PyTorch for bad ranks."""
    if query.dim() == 3:
        if key.dim() != 3 or value.dim() != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be 3-D but "
                                 f"found {key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be `None` "
                                 f"or 2-D but found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or "
                                 f"3-D but found {attn_mask.dim()}-D tensor instead")
        return True
    if query.dim() == 2:
        if key.dim() != 2 or value.dim() != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but "
                                 f"found {key.dim()}-D and {value.dim()}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` "
                                 f"or 1-D but found {key_padding_mask.dim()}-D tensor instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be `None`, "
                                     f"2-D or 3-D but found {attn_mask.dim()}-D tensor instead")
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                         f"{attn_mask.shape}")
        return False
    raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                         f"{query.dim()}-D query tensor")


def _in_projection_packed(q, k, v, w, b=None):
    """Project q, k, v with the packed (3E, E_in) weight; one GEMM for self-attention."""
    E = q.shape[-1]
    if k is v:
        if q is k:
            proj = _linear(q, w, b)
            return proj.chunk(3, -1)
        w_q, w_kv = w.split([E, E * 2])
        b_q, b_kv = (None, None) if b is None else b.split([E, E * 2])
        kv = _linear(k, w_kv, b_kv).chunk(2, -1)
        return _linear(q, w_q, b_q), kv[0], kv[1]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return _linear(q, w_q, b_q), _linear(k, w_k, b_k), _linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q=None, b_k=None, b_v=None):
    Eq, Ek, Ev = q.shape[-1], k.shape[-1], v.shape[-1]
    for what, t, shape in (("query weights", w_q, (Eq, Eq)), ("key weights", w_k, (Eq, Ek)),
                           ("value weights", w_v, (Eq, Ev)), ("query bias", b_q, (Eq,)),
                           ("key bias", b_k, (Eq,)), ("value bias", b_v, (Eq,))):
        if t is not None and tuple(t.shape) != shape:
            raise AssertionError(f"expecting {what} shape of {shape}, but got {t.shape}")
    return _linear(q, w_q, b_q), _linear(k, w_k, b_k), _linear(v, w_v, b_v)


def _pad_last(x, value=0.0):
    """x with one more column of `value` on its last dim (F.pad(x, (0, 1)))."""
    col = ember.full(tuple(x.shape[:-1]) + (1,), value, dtype=x.dtype, device=x.device)
    return ember.cat([x, col], -1)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight,
                                 in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p,
                                 out_proj_weight, out_proj_bias, training=True, key_padding_mask=None,
                                 need_weights=True, attn_mask=None, use_separate_proj_weight=False,
                                 q_proj_weight=None, k_proj_weight=None, v_proj_weight=None,
                                 static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    r"""Multi-head attention (the forward of :class:`~ember.nn.MultiheadAttention`).

    Args:
        query, key, value: :math:`(L, N, E)`, :math:`(S, N, E_k)`, :math:`(S, N, E_v)` (or
            unbatched :math:`(L, E)`, :math:`(S, E_k)`, :math:`(S, E_v)`).
        embed_dim_to_check (int): the model dimension E.
        num_heads (int): number of heads (E must be divisible by it).
        in_proj_weight, in_proj_bias: packed :math:`(3E, E)` / :math:`(3E)` input projection.
        bias_k, bias_v: :math:`(1, 1, E)` biases appended to the key and value sequences.
        add_zero_attn (bool): append a zero key/value position.
        dropout_p (float): dropout on the attention weights (only when ``training``).
        out_proj_weight, out_proj_bias: the output projection.
        key_padding_mask: :math:`(N, S)` (or :math:`(S)`); ``True`` (bool) marks ignored keys, a
            float mask is added.
        need_weights (bool): also return the attention weights.
        attn_mask: :math:`(L, S)` or :math:`(N \cdot H, L, S)`; ``True`` marks forbidden positions,
            a float mask is added.
        use_separate_proj_weight (bool): use ``q_proj_weight``/``k_proj_weight``/``v_proj_weight``
            instead of ``in_proj_weight``.
        static_k, static_v: precomputed :math:`(N \cdot H, S, E/H)` keys and values.
        average_attn_weights (bool): average the returned weights over heads.
        is_causal (bool): hint that ``attn_mask`` is the causal mask.

    Returns:
        (attn_output :math:`(L, N, E)`, attn_weights :math:`(N, L, S)` or :math:`(N, H, L, S)`
        or ``None``).
    """
    return _mha(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training,
                key_padding_mask, need_weights, attn_mask, use_separate_proj_weight, q_proj_weight,
                k_proj_weight, v_proj_weight, static_k, static_v, average_attn_weights, is_causal,
                batch_first=False)


def _mha(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias, bias_k,
         bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training, key_padding_mask,
         need_weights, attn_mask, use_separate_proj_weight, q_proj_weight, k_proj_weight,
         v_proj_weight, static_k, static_v, average_attn_weights, is_causal, batch_first):
    """multi_head_attention_forward over inputs laid out (L, N, E) or, with batch_first, (N, L, E).

    The output comes back in the input's layout. Same arithmetic as PyTorch's reference.
    """
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        batch_first = False
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    bdim, sdim = (0, 1) if batch_first else (1, 0)
    tgt_len, bsz, embed_dim = query.shape[sdim], query.shape[bdim], query.shape[2]
    src_len = key.shape[sdim]

    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", _none_or_dtype(attn_mask),
                                       "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to create "
                           "this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None            # the hint alone drives the causal path
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, check_other=False)
        if key_padding_mask is not None:
            is_causal = False       # the merged mask is no longer causal
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got "
                             f"{embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                                 f"{value.shape[:2]}")
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    # input projections, in the inputs' own layout
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        for n, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {n}_proj_weight is None")
        b_q = b_k = b_v = None
        if in_proj_bias is not None:
            b_q, b_k, b_v = in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight, v_proj_weight,
                                 b_q, b_k, b_v)

    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        rep = (bsz, 1, 1) if batch_first else (1, bsz, 1)
        bk, bv = bias_k.reshape(1, 1, -1), bias_v.reshape(1, 1, -1)
        k = ember.cat([k, bk.repeat(*rep)], sdim)
        v = ember.cat([v, bv.repeat(*rep)], sdim)
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")

    # split heads: (N, H, len, head_dim) views of the projections
    def heads(x):
        n = x.shape[sdim]
        if batch_first:
            return x.reshape(bsz, n, num_heads, head_dim).transpose(1, 2)
        return x.reshape(n, bsz, num_heads, head_dim).permute(1, 2, 0, 3)

    q = heads(q)
    if static_k is None:
        k = heads(k)
    else:
        if static_k.shape[0] != bsz * num_heads:
            raise AssertionError(f"expecting static_k.size(0) of {bsz * num_heads}, but got "
                                 f"{static_k.shape[0]}")
        if static_k.shape[2] != head_dim:
            raise AssertionError(f"expecting static_k.size(2) of {head_dim}, but got {static_k.shape[2]}")
        k = static_k.reshape(bsz, num_heads, -1, head_dim)
    if static_v is None:
        v = heads(v)
    else:
        if static_v.shape[0] != bsz * num_heads:
            raise AssertionError(f"expecting static_v.size(0) of {bsz * num_heads}, but got "
                                 f"{static_v.shape[0]}")
        if static_v.shape[2] != head_dim:
            raise AssertionError(f"expecting static_v.size(2) of {head_dim}, but got {static_v.shape[2]}")
        v = static_v.reshape(bsz, num_heads, -1, head_dim)

    if add_zero_attn:
        zshape = (bsz, num_heads, 1, head_dim)
        k = ember.cat([k, ember.zeros(zshape, dtype=k.dtype, device=k.device)], 2)
        v = ember.cat([v, ember.zeros(zshape, dtype=v.dtype, device=v.device)], 2)
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    src_len = k.shape[2]

    # merge the masks into one additive (N, H | 1, L | 1, S) mask
    if attn_mask is not None:
        attn_mask = attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 else \
            attn_mask.reshape(bsz, num_heads, tgt_len, src_len)
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0

    out, weights = _attend(q, k, v, attn_mask, dropout_p, is_causal and attn_mask is None, None,
                           need_weights)
    # (N, H, L, hd) -> rows of the input's layout, then the output projection
    out = out.permute(0, 2, 1, 3) if batch_first else out.permute(2, 0, 1, 3)
    out = _linear(out.reshape(-1, embed_dim), out_proj_weight, out_proj_bias)
    out = out.reshape((bsz, tgt_len, -1) if batch_first else (tgt_len, bsz, -1))
    if need_weights:
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if not is_batched:
        out = out.squeeze(1)
    return out, None
