"""Progress bars for long steps: shown on a terminal (stderr), silent when output is piped.

>>> import io
>>> with Progress("building", total=3, stream=io.StringIO()) as p:  # not a terminal: silent
...     for _ in range(3):
...         p.advance()
>>> p.done
3

A bar is drawn only when ``stream`` is a terminal and ``IKZ_GRAPH_PROGRESS`` is not ``0``;
``IKZ_GRAPH_PROGRESS=1`` forces it on (for demonstrations and tests). Redraws are throttled to
ten per second, and the line is wiped when the step ends, so the step's own output stays clean.
"""
from __future__ import annotations

import os
import sys
import time
from typing import IO, Iterable, Iterator, TypeVar

__all__ = ["Progress", "track", "stage", "enabled", "enable"]

T = TypeVar("T")
_WIDTH = 24


_ON = False


def enable(on: bool = True) -> None:
    """Let long steps draw bars (on a terminal only); the CLI calls this, library users may."""
    global _ON
    _ON = on


def enabled(stream: IO[str] | None = None) -> bool:
    """Whether a bar would be drawn on ``stream`` (default: stderr)."""
    flag = os.environ.get("IKZ_GRAPH_PROGRESS", "")
    if flag == "0":
        return False
    if flag == "1":
        return True
    if not _ON:
        return False
    stream = stream or sys.stderr
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """A labelled progress bar; ``total=None`` shows a counter and the elapsed time only."""

    def __init__(self, label: str, total: int | None = None, stream: IO[str] | None = None):
        self.label = label
        self.total = total
        self.stream = stream or sys.stderr
        self.show = enabled(self.stream)
        self.done = 0
        self._start = time.perf_counter()
        self._last = 0.0

    def __enter__(self) -> "Progress":
        self._draw(force=True)
        return self

    def __exit__(self, *exc) -> None:
        if self.show:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()

    def advance(self, n: int = 1, label: str | None = None) -> None:
        """Count ``n`` more done; a new ``label`` is always drawn, counts at most ten times a second."""
        self.done += n
        renamed = label is not None and label != self.label
        if label is not None:
            self.label = label
        self._draw(force=renamed)

    def _draw(self, force: bool = False) -> None:
        if not self.show:
            return
        now = time.perf_counter()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        elapsed = now - self._start
        if self.total:
            frac = min(self.done / self.total, 1.0)
            filled = int(frac * _WIDTH)
            bar = "#" * filled + "." * (_WIDTH - filled)
            text = f"{self.label} [{bar}] {self.done}/{self.total} {elapsed:.1f} s"
        elif self.done:
            text = f"{self.label} {self.done} {elapsed:.1f} s"
        else:
            text = f"{self.label} …"
        self.stream.write("\r\x1b[2K" + text)
        self.stream.flush()


def track(items: Iterable[T], label: str, total: int | None = None,
          stream: IO[str] | None = None) -> Iterator[T]:
    """Iterate over ``items`` with a bar (``total`` defaults to ``len(items)`` when it has one)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with Progress(label, total, stream) as bar:
        for item in items:
            yield item
            bar.advance()


def stage(label: str, stream: IO[str] | None = None) -> Progress:
    """A step without a count: shows its label while it runs (``with stage("Loading"): ...``)."""
    return Progress(label, None, stream)
