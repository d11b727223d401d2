"""How the ``eie`` command shows progress (display only). Long runs report steps as messages
ending in ``[k/N]`` (training epochs, RTL inputs and PE loads, synthesis-sweep runs, formal
proofs); they are drawn as a bar with the elapsed time and an estimate of what is left. On a
terminal a bar redraws in place; in a log every step is its own line."""

from __future__ import annotations

import re
import sys
import time

__all__ = ["Reporter"]

_STEP = re.compile(r"^(.*?)\s*\[(\d+)/(\d+)\]$")
WIDTH = 24


class Reporter:
    """``reporter(msg)``: print ``msg`` on ``stream`` as ``prog: msg``, as a bar when it
    ends in ``[k/N]``."""

    def __init__(self, prog: str, stream=None, clock=time.monotonic):
        self.prog, self.stream, self.clock = prog, stream or sys.stderr, clock
        self.started: dict[str, float] = {}
        self.open_bar = False

    def bar(self, text: str, k: int, n: int) -> str:
        label = text.split(":", 1)[0]
        now = self.clock()
        t0 = self.started.setdefault(label, now)
        if k == 0:
            self.started[label] = t0 = now
        frac = min(1.0, k / n) if n else 1.0
        filled = int(round(frac * WIDTH))
        line = f"{text} |{'#' * filled}{'.' * (WIDTH - filled)}| {k}/{n} {now - t0:.0f} s"
        if 0 < k < n:
            line += f", ~{(now - t0) * (n - k) / k:.0f} s left"
        return line

    def __call__(self, msg: str) -> None:
        m = _STEP.match(msg)
        tty = getattr(self.stream, "isatty", lambda: False)()
        if m is None:
            if self.open_bar:
                self.stream.write("\n")
                self.open_bar = False
            self.stream.write(f"{self.prog}: {msg}\n")
        else:
            text, k, n = m.group(1), int(m.group(2)), int(m.group(3))
            line = f"{self.prog}: {self.bar(text, k, n)}"
            if tty:
                self.stream.write(f"\r\x1b[2K{line}")
                self.open_bar = k < n
                if k >= n:
                    self.stream.write("\n")
            else:
                self.stream.write(line + "\n")
        self.stream.flush()
