"""A character-level language model: an LSTM learns Shakespeare's sonnets, then writes some.

    python examples/char_lm.py                 # about a minute on a laptop CPU
    python examples/char_lm.py --steps 1000 --temperature 0.6 --prime "Love is"
    python examples/char_lm.py --text my_book.txt --device opencl
    python examples/char_lm.py --quick         # a few steps: checks that everything runs

The model reads a character at a time (an embedding, a one-layer ``nn.LSTM`` and a linear layer
over the vocabulary) and is trained to predict the next character of random windows of the text
with ``cross_entropy``, ``AdamW`` and gradient clipping. After training it samples text from a
prime, feeding its own output back in and carrying the LSTM state from character to character.

The bundled text (``examples/data/sonnets.txt``) is eighteen of Shakespeare's sonnets (1609,
public domain; the complete sonnets are Project Gutenberg eBook #1041).
"""
import argparse
import math
import os
import sys
import time

import ember
from ember import nn
from ember.nn import functional as F

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "sonnets.txt")


class CharLM(nn.Module):
    """Embedding -> LSTM -> Dropout -> Linear: next-character logits for every position."""

    def __init__(self, vocab_size, embed=48, hidden=192, dropout=0.25):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.drop = nn.Dropout(dropout)     # the text is small: dropout delays memorising it
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, x, state=None):
        y, state = self.lstm(self.embed(x), state)      # (B, T, hidden)
        return self.head(self.drop(y)), state           # (B, T, vocab)


class Vocab:
    """Characters <-> integer ids (the sorted set of characters of the text)."""

    def __init__(self, text):
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        missing = sorted(set(text) - set(self.index))
        if missing:
            raise ValueError(f"characters not in the training text: {''.join(missing)!r}")
        return ember.tensor([self.index[c] for c in text], dtype=ember.int64)

    def decode(self, ids):
        return "".join(self.chars[i] for i in ids)


def batches(data, batch_size, seq_len, generator):
    """Endless (input, target) batches: random windows of `data` and the same shifted by one."""
    offsets = ember.arange(seq_len + 1)
    while True:
        starts = ember.randint(0, len(data) - seq_len - 1, (batch_size, 1), generator=generator)
        window = data[starts + offsets]                  # (B, T + 1) by advanced indexing
        yield window[:, :-1], window[:, 1:]


@ember.no_grad()
def sample(model, vocab, prime, length, temperature=0.8, generator=None, device="cpu"):
    """`prime` followed by `length` sampled characters."""
    model.eval()
    ids = vocab.encode(prime).to(device).unsqueeze(0)    # (1, len(prime))
    logits, state = model(ids)                           # run the prime through once
    out = []
    for _ in range(length):
        probs = F.softmax(logits[0, -1] / temperature, dim=-1)
        nxt = ember.multinomial(probs.cpu(), 1, generator=generator)   # (1,)
        out.append(int(nxt.item()))
        logits, state = model(nxt.to(device).view(1, 1), state)
    return prime + vocab.decode(out)


@ember.no_grad()
def evaluate(model, data, seq_len, device):
    """Mean cross-entropy (nats per character) over consecutive windows of `data`."""
    model.eval()
    n = (len(data) - 1) // seq_len
    x = data[:n * seq_len].view(n, seq_len).to(device)
    y = data[1:n * seq_len + 1].view(n, seq_len).to(device)
    logits, _ = model(x)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).item()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--text", default=DATA, help="a UTF-8 text file (default: the bundled sonnets)")
    p.add_argument("--steps", type=int, default=500, help="training steps (default 500)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seq-len", type=int, default=64, help="characters per training window")
    p.add_argument("--hidden", type=int, default=160, help="LSTM hidden size")
    p.add_argument("--lr", type=float, default=4e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="cpu or opencl")
    p.add_argument("--prime", default="Shall I", help="the text sampling starts from")
    p.add_argument("--length", type=int, default=400, help="characters to sample")
    p.add_argument("--temperature", type=float, default=0.7)
    p.add_argument("--quick", action="store_true", help="20 steps, 80 characters (a smoke test)")
    args = p.parse_args(argv)
    if args.quick:
        args.steps, args.length = min(args.steps, 20), min(args.length, 80)

    try:
        with open(args.text, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as e:
        print(f"error: cannot read {args.text}: {e}", file=sys.stderr)
        return 2
    if len(text) < 2 * args.seq_len + 2:
        print(f"error: {args.text} is too short ({len(text)} characters) for --seq-len "
              f"{args.seq_len}", file=sys.stderr)
        return 2
    if args.device != "cpu":
        from ember import opencl
        if not opencl.is_available():
            print("error: the OpenCL device is not available; run `python -m ember.opencl` to "
                  "see why, or use --device cpu", file=sys.stderr)
            return 2

    ember.manual_seed(args.seed)
    gen = ember.Generator().manual_seed(args.seed)
    vocab = Vocab(text)
    data = vocab.encode(text)
    split = int(0.9 * len(data))                         # the last 10% is held out
    train, val = data[:split], data[split:]
    model = CharLM(len(vocab), hidden=args.hidden).to(args.device)
    opt = ember.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    sched = ember.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(args.steps, 1),
                                                       eta_min=args.lr / 10)
    print(f"{len(text):,} characters, vocabulary of {len(vocab)}; "
          f"{sum(p.numel() for p in model.parameters()):,} parameters; {args.steps} steps")
    t0 = time.perf_counter()
    running = None
    for step, (x, y) in zip(range(1, args.steps + 1),
                            batches(train, args.batch_size, args.seq_len, gen)):
        model.train()
        logits, _ = model(x.to(args.device))
        loss = F.cross_entropy(logits.reshape(-1, len(vocab)), y.to(args.device).reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        running = loss.item() if running is None else 0.9 * running + 0.1 * loss.item()
        if step % 50 == 0 or step == args.steps:
            print(f"step {step:>5}/{args.steps}  train loss {running:.3f} "
                  f"({running / math.log(2):.2f} bits/char)  {time.perf_counter() - t0:.0f}s",
                  flush=True)
    val_loss = evaluate(model, val, args.seq_len, args.device)
    print(f"held-out loss {val_loss:.3f} ({val_loss / math.log(2):.2f} bits/char; "
          f"uniform guessing: {math.log2(len(vocab)):.2f})")
    prime = "".join(c for c in args.prime if c in vocab.index) or text[0]
    print(f"\n--- sampled at temperature {args.temperature} ---")
    print(sample(model, vocab, prime, args.length, args.temperature, gen, args.device))
    return 0


if __name__ == "__main__":
    sys.exit(main())
