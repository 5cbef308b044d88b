"""Exception types of ikz-graph.

Modules below the CLI never print or exit; they raise these, and the CLI turns them into
messages and exit codes.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["IkzError", "Problem", "DataError", "QueryError", "ExportError", "AnalysisError", "ShapesError"]


class IkzError(Exception):
    """Base class of every error ikz-graph raises on purpose."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input: where it is and what is wrong."""

    file: str
    line: int
    record: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        rec = f" [{self.record}]" if self.record else ""
        return f"{where}{rec}: {self.message}"


class DataError(IkzError):
    """The curated data cannot be read or is inconsistent; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the data"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems))


class QueryError(IkzError):
    """A named query is unknown, malformed, or was given bad parameters."""


class ExportError(IkzError):
    """Writing an output failed."""


class AnalysisError(IkzError):
    """An analysis cannot run: unknown approach, bad configuration, too little data."""


class ShapesError(IkzError):
    """A SHACL shapes file cannot be read, or uses a construct the chosen engine does not support."""
