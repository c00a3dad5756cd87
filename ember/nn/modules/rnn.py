"""Recurrent layers: RNN, LSTM, GRU (multi-layer, bidirectional, packed sequences) and their cells.

Built from ember ops, so autograd derives the backward and they run on any device. Each layer
direction projects the whole input sequence with one GEMM (x @ W_ih^T + b_ih, plus b_hh where it can
be folded in), then runs the recurrence step by step with one GEMM per step (h @ W_hh^T) and the
gate nonlinearities. Parameter names, shapes, gate order (LSTM i, f, g, o; GRU r, z, n) and the
default initialisation are PyTorch's, so state dicts are interchangeable.
"""
import math
import numbers
import warnings

import ember
from ...tensor import Tensor
from ...autograd.grad_mode import no_grad
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


def _packed_sequence_cls():
    try:
        from ..utils.rnn import PackedSequence
    except ImportError:         # the utils file not there yet: nothing can be packed
        return ()
    return PackedSequence


def _dropout(x, p, training):
    from ..functional._attention import _dropout as drop
    return drop(x, p, training)


def _apply_permutation(tensor, permutation, dim=1):
    return tensor.index_select(dim, permutation)


# ------------------------------------------------------------------------------------------------
# one time step of each cell type. `xp` is the input projection of this step (x @ W_ih^T + b_ih,
# with b_hh already added for every mode but GRU, whose n gate keeps b_hn inside r * (...)).
def _step_rnn(act, xp, h, w_hh_t):
    return act(ember.addmm(xp, h, w_hh_t))


def _step_lstm(xp, h, c, w_hh_t, w_hr_t):
    gates = ember.addmm(xp, h, w_hh_t)
    i, f, g, o = gates.chunk(4, 1)
    c = ember.sigmoid(f) * c + ember.sigmoid(i) * ember.tanh(g)
    h = ember.sigmoid(o) * ember.tanh(c)
    if w_hr_t is not None:
        h = ember.mm(h, w_hr_t)
    return h, c


def _step_gru(xp, h, w_hh_t, b_hh):
    hh = ember.addmm(b_hh, h, w_hh_t) if b_hh is not None else ember.mm(h, w_hh_t)
    H = h.shape[1]
    x_rz, x_n = xp.split([2 * H, H], 1)
    h_rz, h_n = hh.split([2 * H, H], 1)
    r, z = ember.sigmoid(x_rz + h_rz).chunk(2, 1)
    n = ember.tanh(x_n + r * h_n)
    return n + z * (h - n)          # = (1 - z) * n + z * h


def _run_direction(mode, xps, h0, c0, weights, has_bias, batch_sizes, reverse):
    """Run one layer direction over the per-step projections `xps` (a list, time order).

    h0/c0: (B, Hout)/(B, H) initial states (c0 None unless LSTM). batch_sizes: per-step batch
    (non-increasing) for packed input, or None when every step has the whole batch.
    Returns (outputs in time order, h_n, c_n).
    """
    w_hh = weights[1]
    w_hh_t = w_hh.t()
    b_hh = weights[3] if has_bias and mode == "GRU" else None
    w_hr_t = weights[-1].t() if mode == "LSTM" and len(weights) in (3, 5) else None
    act = ember.tanh if mode == "RNN_TANH" else ember.relu
    T = len(xps)
    steps = range(T - 1, -1, -1) if reverse else range(T)
    outs = [None] * T
    h, c = h0, c0
    if batch_sizes is not None and reverse:
        # the shortest sequences start last: the batch grows as we go back in time
        b = batch_sizes[T - 1]
        h = h0.narrow(0, 0, b)
        c = c0.narrow(0, 0, b) if c0 is not None else None
    done_h, done_c = [], []
    for t in steps:
        if batch_sizes is not None:
            b = batch_sizes[t]
            cur = h.shape[0]
            if b < cur:             # forward direction: sequences that ended keep their last state
                done_h.append(h.narrow(0, b, cur - b))
                h = h.narrow(0, 0, b)
                if c is not None:
                    done_c.append(c.narrow(0, b, cur - b))
                    c = c.narrow(0, 0, b)
            elif b > cur:           # reverse direction: sequences that start here join
                h = ember.cat([h, h0.narrow(0, cur, b - cur)], 0)
                if c is not None:
                    c = ember.cat([c, c0.narrow(0, cur, b - cur)], 0)
        xp = xps[t]
        if mode == "LSTM":
            h, c = _step_lstm(xp, h, c, w_hh_t, w_hr_t)
        elif mode == "GRU":
            h = _step_gru(xp, h, w_hh_t, b_hh)
        else:
            h = _step_rnn(act, xp, h, w_hh_t)
        outs[t] = h
    if done_h:
        # rows finished in order of decreasing index; the whole batch is rows 0..B-1
        h = ember.cat([h] + done_h[::-1], 0)
        if c is not None:
            c = ember.cat([c] + done_c[::-1], 0)
    return outs, h, c


def _rnn_impl(mode, input, hx, flat_weights, has_bias, num_layers, dropout, training, bidirectional,
              batch_sizes=None):
    """The multi-layer recurrence. input: (T, B, I) padded, or (sum(batch_sizes), I) packed data.

    hx: (L*D, B, Hout) or, for LSTM, a pair with the cell state (L*D, B, H).
    Returns (output (T, B, D*Hout) or packed data (sum, D*Hout), h_n[, c_n]).
    """
    D = 2 if bidirectional else 1
    per = len(flat_weights) // (num_layers * D)
    h0s = hx[0].unbind(0) if mode == "LSTM" else hx.unbind(0)
    c0s = hx[1].unbind(0) if mode == "LSTM" else None
    if batch_sizes is not None:
        bs_list = [int(b) for b in batch_sizes.tolist()] if isinstance(batch_sizes, Tensor) \
            else [int(b) for b in batch_sizes]
    else:
        bs_list = None
    layer_in = input
    h_n, c_n = [], []
    for layer in range(num_layers):
        dir_outs = []
        for d in range(D):
            idx = layer * D + d
            w = flat_weights[idx * per:(idx + 1) * per]
            w_ih = w[0]
            if has_bias:
                # b_hh folds into the input projection except for GRU's n gate (inside r * ...)
                bias = w[2] if mode == "GRU" else w[2] + w[3]
            else:
                bias = None
            rows = layer_in.reshape(-1, layer_in.shape[-1])
            xp = ember.addmm(bias, rows, w_ih.t()) if bias is not None else ember.mm(rows, w_ih.t())
            if bs_list is None:
                xps = xp.reshape(layer_in.shape[0], layer_in.shape[1], -1).unbind(0)
            else:
                xps = xp.split(bs_list, 0)
            outs, h, c = _run_direction(mode, xps, h0s[idx], c0s[idx] if c0s is not None else None,
                                        w, has_bias, bs_list, reverse=(d == 1))
            dir_outs.append(ember.stack(outs, 0) if bs_list is None else ember.cat(outs, 0))
            h_n.append(h)
            if c is not None:
                c_n.append(c)
        layer_out = dir_outs[0] if D == 1 else ember.cat(dir_outs, -1)
        if dropout > 0.0 and training and layer < num_layers - 1:
            layer_out = _dropout(layer_out, dropout, True)
        layer_in = layer_out
    h_n = ember.stack(h_n, 0)
    if mode == "LSTM":
        return layer_in, h_n, ember.stack(c_n, 0)
    return layer_in, h_n


# ------------------------------------------------------------------------------------------------
class RNNBase(Module):
    r"""Base class of the recurrent layers (RNN, LSTM, GRU): parameters, checks and the shared forward.

    Args:
        mode (str): ``'RNN_TANH'``, ``'RNN_RELU'``, ``'LSTM'`` or ``'GRU'``.
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size:
            see :class:`RNN` / :class:`LSTM`.

    Parameters are registered as ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``,
    ``bias_hh_l{k}`` (and ``weight_hr_l{k}`` for an LSTM with projections), with the suffix
    ``_reverse`` for the backward direction, in PyTorch's order.
    """

    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first",
                     "dropout", "bidirectional", "proj_size"]

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability "
                             "of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero "
                          "dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        gate_size = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}.get(mode)
        if gate_size is None:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size *= hidden_size

        self._flat_weights_names = []
        self._all_weights = []
        real_hidden_size = proj_size if proj_size > 0 else hidden_size
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input_size = input_size if layer == 0 else real_hidden_size * num_directions
                params = [("weight_ih_l{}{}", (gate_size, layer_input_size)),
                          ("weight_hh_l{}{}", (gate_size, real_hidden_size))]
                if bias:
                    params += [("bias_ih_l{}{}", (gate_size,)), ("bias_hh_l{}{}", (gate_size,))]
                if proj_size > 0:
                    params += [("weight_hr_l{}{}", (proj_size, hidden_size))]
                suffix = "_reverse" if direction == 1 else ""
                names = []
                for fmt, shape in params:
                    name = fmt.format(layer, suffix)
                    setattr(self, name, Parameter(ember.empty(shape, **factory_kwargs)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        # looked up on each use, so parameters replaced or moved (.to(), load_state_dict) are seen
        return [getattr(self, n) if hasattr(self, n) else None for n in self._flat_weights_names]

    def flatten_parameters(self):
        """A no-op kept for compatibility (PyTorch compacts the weights for cuDNN)."""

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        with no_grad():
            for weight in self.parameters():
                weight.uniform_(-stdv, stdv)

    @property
    def all_weights(self):
        return [[getattr(self, w) for w in weights] for weights in self._all_weights]

    # -- argument checks (PyTorch's messages) ---------------------------------------------------
    def check_input(self, input, batch_sizes):
        w0 = self._flat_weights[0]
        if input.dtype is not w0.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype "
                             f"({w0.dtype}). Convert input: input.to({w0.dtype}), or convert model: "
                             f"model.to({input.dtype})")
        expected_input_dim = 2 if batch_sizes is not None else 3
        if input.dim() != expected_input_dim:
            raise RuntimeError(f"input must have {expected_input_dim} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.size(-1)}")

    def get_expected_hidden_size(self, input, batch_sizes):
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        size = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * num_directions, mini_batch, size)

    def check_hidden_size(self, hx, expected_hidden_size, msg="Expected hidden size {}, got {}"):
        if tuple(hx.size()) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(expected_hidden_size, list(hx.size())))

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return _apply_permutation(hx, permutation)

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if self.proj_size != 0:
            s += ", proj_size={proj_size}"
        if self.num_layers != 1:
            s += ", num_layers={num_layers}"
        if self.bias is not True:
            s += ", bias={bias}"
        if self.batch_first is not False:
            s += ", batch_first={batch_first}"
        if self.dropout != 0:
            s += ", dropout={dropout}"
        if self.bidirectional is not False:
            s += ", bidirectional={bidirectional}"
        return s.format(**self.__dict__)

    # -- the shared forward -----------------------------------------------------------------------
    def _zeros(self, batch, size, like):
        D = 2 if self.bidirectional else 1
        return ember.zeros((self.num_layers * D, batch, size), dtype=like.dtype, device=like.device)

    def _run(self, input, hx, batch_sizes):
        out = _rnn_impl(self.mode, input, hx, self._flat_weights, self.bias, self.num_layers,
                        self.dropout, self.training, self.bidirectional, batch_sizes)
        return out[0], (out[1:] if self.mode == "LSTM" else out[1])

    def _forward_common(self, input, hx):
        """RNN/GRU forward (LSTM overrides the hidden-state handling)."""
        name = "GRU" if self.mode == "GRU" else "RNN"
        packed_cls = _packed_sequence_cls()
        orig_input = input
        if packed_cls and isinstance(orig_input, packed_cls):
            input, batch_sizes, sorted_indices, unsorted_indices = input
            max_batch_size = int(batch_sizes[0])
            if hx is None:
                hx = self._zeros(max_batch_size, self.hidden_size, input)
            else:
                hx = self.permute_hidden(hx, sorted_indices)
            is_batched = True
        else:
            batch_sizes = None
            if not isinstance(input, Tensor):
                raise TypeError(f"{name}.forward() expected a Tensor or PackedSequence, got "
                                f"{type(input).__name__}")
            if input.dim() not in (2, 3):
                tail = " tensor instead" if name == "RNN" else " instead"
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D{tail}")
            is_batched = input.dim() == 3
            batch_dim = 0 if self.batch_first else 1
            if not is_batched:
                input = input.unsqueeze(batch_dim)
                if hx is not None:
                    if hx.dim() != 2:
                        raise RuntimeError("For unbatched 2-D input, hx should also be 2-D but got "
                                           f"{hx.dim()}-D tensor")
                    hx = hx.unsqueeze(1)
            elif hx is not None and hx.dim() != 3:
                raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {hx.dim()}-D "
                                   "tensor")
            max_batch_size = input.size(0) if self.batch_first else input.size(1)
            sorted_indices = unsorted_indices = None
            if hx is None:
                hx = self._zeros(max_batch_size, self.hidden_size, input)
        self.check_forward_args(input, hx, batch_sizes)
        if batch_sizes is None and self.batch_first:
            input = input.transpose(0, 1)
        output, hidden = self._run(input, hx, batch_sizes)
        if batch_sizes is not None:
            return packed_cls(output, batch_sizes, sorted_indices, unsorted_indices), \
                self.permute_hidden(hidden, unsorted_indices)
        if self.batch_first:
            output = output.transpose(0, 1)
        if not is_batched:
            output = output.squeeze(0 if self.batch_first else 1)
            hidden = hidden.squeeze(1)
        return output, hidden


class RNN(RNNBase):
    r"""Multi-layer Elman RNN: :math:`h_t = \tanh(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh})`.

    Args:
        input_size (int): features of the input x.
        hidden_size (int): features of the hidden state h.
        num_layers (int): stacked recurrent layers. Default: 1.
        nonlinearity (str): ``'tanh'`` or ``'relu'``. Default: ``'tanh'``.
        bias (bool): use b_ih and b_hh. Default: ``True``.
        batch_first (bool): input/output as (batch, seq, feature). Default: ``False``.
        dropout (float): dropout on the outputs of every layer but the last (training only).
        bidirectional (bool): add a reverse-direction pass. Default: ``False``.

    Shape:
        - input: :math:`(L, N, H_{in})` (or :math:`(N, L, H_{in})` batch first, :math:`(L, H_{in})`
          unbatched) or a :class:`~ember.nn.utils.rnn.PackedSequence`.
        - hx: :math:`(D \cdot num\_layers, N, H_{out})`, zeros when omitted.
        - output: :math:`(L, N, D \cdot H_{out})`; h_n: :math:`(D \cdot num\_layers, N, H_{out})`.

    Examples::

        >>> rnn = nn.RNN(10, 20, 2)
        >>> output, hn = rnn(ember.randn(5, 3, 10), ember.randn(2, 3, 20))
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)

    def forward(self, input, hx=None):
        return self._forward_common(input, hx)


class GRU(RNNBase):
    r"""Multi-layer gated recurrent unit, with PyTorch's gate equations:

    .. math::
        r = \sigma(W_{ir} x + b_{ir} + W_{hr} h + b_{hr}),\;
        z = \sigma(W_{iz} x + b_{iz} + W_{hz} h + b_{hz}),\;
        n = \tanh(W_{in} x + b_{in} + r \odot (W_{hn} h + b_{hn})),\;
        h' = (1 - z) \odot n + z \odot h

    Args: as :class:`RNN` (no nonlinearity). Shapes as :class:`RNN`.

    Examples::

        >>> gru = nn.GRU(10, 20, 2, batch_first=True)
        >>> output, hn = gru(ember.randn(3, 5, 10))
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx=None):
        return self._forward_common(input, hx)


class LSTM(RNNBase):
    r"""Multi-layer long short-term memory, gates in PyTorch's order (i, f, g, o):

    .. math::
        c' = \sigma(f) \odot c + \sigma(i) \odot \tanh(g),\quad h' = \sigma(o) \odot \tanh(c')

    with optional projections (``proj_size > 0``): :math:`h' \leftarrow h' W_{hr}^T`.

    Args: as :class:`RNN` (no nonlinearity), plus ``proj_size`` (int, default 0).

    Shape:
        - input: as :class:`RNN`; (h_0, c_0): :math:`(D \cdot num\_layers, N, H_{out})` and
          :math:`(D \cdot num\_layers, N, H_{cell})`, zeros when omitted.
        - output: :math:`(L, N, D \cdot H_{out})`, (h_n, c_n) shaped as (h_0, c_0).

    Examples::

        >>> lstm = nn.LSTM(10, 20, 2)
        >>> output, (hn, cn) = lstm(ember.randn(5, 3, 10))
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input, batch_sizes):
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.size(0) if self.batch_first else input.size(1)
        num_directions = 2 if self.bidirectional else 1
        return (self.num_layers * num_directions, mini_batch, self.hidden_size)

    def check_forward_args(self, input, hidden, batch_sizes):
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return _apply_permutation(hx[0], permutation), _apply_permutation(hx[1], permutation)

    def forward(self, input, hx=None):
        real_hidden_size = self.proj_size if self.proj_size > 0 else self.hidden_size
        packed_cls = _packed_sequence_cls()
        batch_sizes = None
        if packed_cls and isinstance(input, packed_cls):
            orig_packed = True
            input, batch_sizes, sorted_indices, unsorted_indices = input
            max_batch_size = int(batch_sizes[0])
            if hx is None:
                hx = (self._zeros(max_batch_size, real_hidden_size, input),
                      self._zeros(max_batch_size, self.hidden_size, input))
            else:
                hx = self.permute_hidden(hx, sorted_indices)
            self.check_forward_args(input, hx, batch_sizes)
        else:
            orig_packed = False
            if not isinstance(input, Tensor):
                raise TypeError(f"LSTM.forward() expected a Tensor or PackedSequence, got "
                                f"{type(input).__name__}")
            if input.dim() not in (2, 3):
                raise ValueError(f"LSTM: Expected input to be 2D or 3D, got {input.dim()}D instead")
            is_batched = input.dim() == 3
            batch_dim = 0 if self.batch_first else 1
            if not is_batched:
                input = input.unsqueeze(batch_dim)
            max_batch_size = input.size(0) if self.batch_first else input.size(1)
            if hx is None:
                hx = (self._zeros(max_batch_size, real_hidden_size, input),
                      self._zeros(max_batch_size, self.hidden_size, input))
            else:
                want = 3 if is_batched else 2
                if hx[0].dim() != want or hx[1].dim() != want:
                    kind = "batched 3-D" if is_batched else "unbatched 2-D"
                    raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                       f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
                if not is_batched:
                    hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
            self.check_forward_args(input, hx, batch_sizes)
        if batch_sizes is None and self.batch_first:
            input = input.transpose(0, 1)
        output, hidden = self._run(input, hx, batch_sizes)
        hidden = tuple(hidden)
        if orig_packed:
            return packed_cls(output, batch_sizes, sorted_indices, unsorted_indices), \
                self.permute_hidden(hidden, unsorted_indices)
        if self.batch_first:
            output = output.transpose(0, 1)
        if not is_batched:
            output = output.squeeze(batch_dim)
            hidden = (hidden[0].squeeze(1), hidden[1].squeeze(1))
        return output, hidden


# ------------------------------------------------------------------------------------------------
# cells
def _rnn_cell(input, hx, w_ih, w_hh, b_ih, b_hh, act):
    y = ember.addmm(b_ih, input, w_ih.t()) if b_ih is not None else ember.mm(input, w_ih.t())
    y = ember.addmm(y, hx, w_hh.t())
    if b_hh is not None:
        y = y + b_hh
    return act(y)


def _lstm_cell(input, hx, cx, w_ih, w_hh, b_ih, b_hh):
    xp = ember.addmm(b_ih, input, w_ih.t()) if b_ih is not None else ember.mm(input, w_ih.t())
    if b_hh is not None:
        xp = xp + b_hh
    return _step_lstm(xp, hx, cx, w_hh.t(), None)


def _gru_cell(input, hx, w_ih, w_hh, b_ih, b_hh):
    xp = ember.addmm(b_ih, input, w_ih.t()) if b_ih is not None else ember.mm(input, w_ih.t())
    return _step_gru(xp, hx, w_hh.t(), b_hh)


class RNNCellBase(Module):
    """Base class of the cells: ``weight_ih`` (chunks*H, I), ``weight_hh`` (chunks*H, H), biases."""

    __constants__ = ["input_size", "hidden_size", "bias"]

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(ember.empty((num_chunks * hidden_size, input_size), **factory_kwargs))
        self.weight_hh = Parameter(ember.empty((num_chunks * hidden_size, hidden_size), **factory_kwargs))
        if bias:
            self.bias_ih = Parameter(ember.empty(num_chunks * hidden_size, **factory_kwargs))
            self.bias_hh = Parameter(ember.empty(num_chunks * hidden_size, **factory_kwargs))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = "{input_size}, {hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += ", bias={bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += ", nonlinearity={nonlinearity}"
        return s.format(**self.__dict__)

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        with no_grad():
            for weight in self.parameters():
                weight.uniform_(-stdv, stdv)


class RNNCell(RNNCellBase):
    r"""An Elman RNN cell: :math:`h' = \tanh(x W_{ih}^T + b_{ih} + h W_{hh}^T + b_{hh})`.

    Args:
        input_size (int), hidden_size (int), bias (bool, default ``True``),
        nonlinearity (str): ``'tanh'`` or ``'relu'``. Default: ``'tanh'``.

    Shape:
        - input :math:`(N, H_{in})` or :math:`(H_{in})`; hidden :math:`(N, H_{out})` (zeros if
          omitted); output :math:`(N, H_{out})`.

    Examples::

        >>> cell = nn.RNNCell(10, 20)
        >>> h = cell(ember.randn(3, 10))
    """

    __constants__ = ["input_size", "hidden_size", "bias", "nonlinearity"]

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        if input.dim() not in (1, 2):
            raise ValueError(f"RNNCell: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"RNNCell: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = ember.zeros((input.size(0), self.hidden_size), dtype=input.dtype, device=input.device)
        elif not is_batched:
            hx = hx.unsqueeze(0)
        if self.nonlinearity == "tanh":
            act = ember.tanh
        elif self.nonlinearity == "relu":
            act = ember.relu
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        ret = _rnn_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, act)
        return ret if is_batched else ret.squeeze(0)


class LSTMCell(RNNCellBase):
    r"""A long short-term memory cell (gates i, f, g, o).

    Args:
        input_size (int), hidden_size (int), bias (bool, default ``True``).

    Shape:
        - input :math:`(N, H_{in})` or :math:`(H_{in})`; (h_0, c_0) each :math:`(N, H)` (zeros if
          omitted); output (h_1, c_1) each :math:`(N, H)`.

    Examples::

        >>> cell = nn.LSTMCell(10, 20)
        >>> h, c = cell(ember.randn(3, 10))
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        if input.dim() not in (1, 2):
            raise ValueError(f"LSTMCell: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(f"LSTMCell: Expected hx[{idx}] to be 1D or 2D, got {value.dim()}D "
                                     "instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = ember.zeros((input.size(0), self.hidden_size), dtype=input.dtype, device=input.device)
            hx = (zeros, zeros)
        elif not is_batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        h, c = _lstm_cell(input, hx[0], hx[1], self.weight_ih, self.weight_hh, self.bias_ih,
                          self.bias_hh)
        return (h, c) if is_batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    r"""A gated recurrent unit cell (gates r, z, n; see :class:`GRU`).

    Args:
        input_size (int), hidden_size (int), bias (bool, default ``True``).

    Shape:
        - input :math:`(N, H_{in})` or :math:`(H_{in})`; hidden :math:`(N, H)` (zeros if omitted);
          output :math:`(N, H)`.

    Examples::

        >>> cell = nn.GRUCell(10, 20)
        >>> h = cell(ember.randn(3, 10))
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        if input.dim() not in (1, 2):
            raise ValueError(f"GRUCell: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"GRUCell: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = ember.zeros((input.size(0), self.hidden_size), dtype=input.dtype, device=input.device)
        elif not is_batched:
            hx = hx.unsqueeze(0)
        ret = _gru_cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return ret if is_batched else ret.squeeze(0)
