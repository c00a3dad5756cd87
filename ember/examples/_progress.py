"""A per-epoch progress bar for the examples: tqdm when installed, a plain one-line bar otherwise.

The plain bar rewrites one line with ``\\r`` (flushed after every redraw, at most ``rate`` redraws
a second plus the final one) and ends it with a newline on :meth:`ProgressBar.close`, so the last
state of every epoch stays on screen, in a terminal and in a log file alike.
"""
import sys
import time

__all__ = ["ProgressBar", "have_tqdm"]


def have_tqdm():
    """True when the optional ``tqdm`` package can be imported (``pip install tqdm``)."""
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


class ProgressBar:
    r"""A progress bar over ``total`` steps with a free-form status (e.g. running loss).

    Args:
        total (int): the number of steps (batches) the bar counts to.
        desc (str): the label in front of the bar (e.g. ``"epoch 3/10"``).
        stream (file, optional): where to draw (default ``sys.stderr``, as tqdm).
        use_tqdm (bool, optional): ``None`` (default) uses tqdm when it is installed, ``False``
            always draws the plain bar.
        width (int): the number of cells of the plain bar (default 24).
        rate (float): the most redraws a second of the plain bar (default 10).

    Example::

        >>> bar = ProgressBar(45, "epoch 1/10")
        >>> for i in range(45):
        ...     bar.update(status=f"loss {0.1:.4f}")
        >>> bar.close()
    """

    def __init__(self, total, desc="", stream=None, use_tqdm=None, width=24, rate=10.0):
        self.total = int(total)
        self.desc = desc
        self.stream = sys.stderr if stream is None else stream
        self.width = width
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.n = 0
        self.status = ""
        self.start = time.perf_counter()
        self._last_draw = -float("inf")
        self._last_len = 0
        self._drawn = None
        self._closed = False
        self._tqdm = None
        if use_tqdm is None:
            use_tqdm = have_tqdm()
        if use_tqdm:
            from tqdm import tqdm
            self._tqdm = tqdm(total=self.total, desc=desc, unit="batch", file=self.stream,
                              leave=True, dynamic_ncols=True)

    def update(self, n=1, status=None):
        """Advance by ``n`` steps; ``status`` replaces the text after the bar."""
        self.n += n
        if status is not None:
            self.status = status
        if self._tqdm is not None:
            if status is not None:
                self._tqdm.set_postfix_str(status, refresh=False)
            self._tqdm.update(n)
            return
        now = time.perf_counter()
        if now - self._last_draw >= self.interval or self.n >= self.total:
            self._draw(now)

    def line(self, now=None):
        """The plain bar's text for the current state (no ``\\r``)."""
        now = time.perf_counter() if now is None else now
        frac = min(self.n / self.total, 1.0) if self.total > 0 else 1.0
        filled = int(round(frac * self.width))
        bar = "#" * filled + "-" * (self.width - filled)
        digits = len(str(self.total))
        text = f"{self.desc} [{bar}] {self.n:>{digits}}/{self.total}"
        if self.status:
            text += f"  {self.status}"
        return text + f"  {now - self.start:.1f}s"

    def _draw(self, now):
        text = self.line(now)
        # pad with blanks so a shorter line fully covers the previous one
        pad = max(self._last_len - len(text), 0)
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._last_len = len(text)
        self._last_draw = now
        self._drawn = (self.n, self.status)

    def close(self):
        """Draw the final state and end the line (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._tqdm is not None:
            self._tqdm.close()
            return
        if self._drawn != (self.n, self.status):     # the last update was not drawn yet
            self._draw(time.perf_counter())
        self.stream.write("\n")
        self.stream.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
