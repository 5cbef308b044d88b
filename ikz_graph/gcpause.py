"""Pause Python's cyclic garbage collector during the steps that make millions of objects.

The collector walks every live container object again after each few thousand new ones. At a
million triples the build, the network read and the transfer ranking keep hundreds of thousands
of objects alive, and those walks cost 15–45 % of their time (docs/performance.md). Reference
counting still frees almost everything at once; the rare cycles are collected after the step.

The switch is process-wide: in a program with several threads, their cyclic garbage also waits
until the step ends.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Context manager (and decorator) that turns the cyclic collector off and restores it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
