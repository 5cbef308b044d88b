"""The progress line: every new step name is shown, however fast the steps are; counts are throttled."""
from __future__ import annotations

import io

from ikz_graph.progress import Progress


def test_every_step_name_is_drawn_even_when_steps_follow_fast(monkeypatch):
    monkeypatch.setenv("IKZ_GRAPH_PROGRESS", "1")
    out = io.StringIO()
    with Progress("run", total=3, stream=out) as bar:
        for name in ("alloc", "free", "idle"):
            bar.advance(0, label=f"run · {name}")      # the three follow each other within microseconds
            bar.advance()
    text = out.getvalue()
    for name in ("alloc", "free", "idle"):
        assert f"run · {name} [" in text, text


def test_counts_are_throttled_and_nothing_is_drawn_when_off(monkeypatch):
    monkeypatch.setenv("IKZ_GRAPH_PROGRESS", "1")
    out = io.StringIO()
    with Progress("count", total=1000, stream=out) as bar:
        for _ in range(1000):
            bar.advance()
    assert 1 <= out.getvalue().count("count [") < 50
    monkeypatch.setenv("IKZ_GRAPH_PROGRESS", "0")
    quiet = io.StringIO()
    with Progress("count", total=3, stream=quiet) as bar:
        bar.advance(label="count · x")
    assert quiet.getvalue() == ""
