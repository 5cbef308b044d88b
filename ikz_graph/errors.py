"""Exception types of ikz-graph: every one of them is defined here.

Modules below the CLI never print or exit; they raise these, and the CLI turns them into
messages and exit codes in one place (``ikz_graph.cli``): :class:`DataError` and
:class:`NotConforming` mean "the data does not conform" (exit 1), every other :class:`IkzError`
means "the command could not run" (exit 2).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["IkzError", "Problem", "DataError", "NotConforming", "InputError", "QueryError", "UnknownName",
           "AmbiguousName", "ExportError", "AnalysisError", "ShapesError", "RdfFileError", "DateError", "FieldError",
           "TryAgain", "GiveUp", "VizError", "RemoteError", "PublishError", "ServeError", "RequestRefused", "Interrupted"]


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
    """The curated data cannot be read or is inconsistent; carries every problem found, and a
    ``note`` on what was not checked (shown last)."""

    def __init__(self, problems: list[Problem], note: str = ""):
        self.problems = sorted(problems)
        self.note = note
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the data"
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in self.problems) + (f"\n  ({note})" if note else ""))


class NotConforming(IkzError):
    """The graph does not conform to the SHACL shapes; ``report`` is the validation report, ``level`` the
    lowest severity that made the check fail (``violation``, ``warning`` or ``info``)."""

    def __init__(self, message: str, report: Any, level: str = "violation"):
        super().__init__(message)
        self.report = report
        self.level = level


class InputError(IkzError):
    """An input cannot be read at all (the data folder is missing, a file is no regular file or not
    UTF-8 text, a YAML document does not parse); the message names the path and, where known, the
    line (also in ``line``, 0 when unknown)."""

    def __init__(self, message: str, line: int = 0):
        super().__init__(message)
        self.line = line


class QueryError(IkzError):
    """A named query is unknown, malformed, or was given bad parameters."""


class UnknownName(QueryError):
    """No entity has this id, key or name; ``suggestions`` lists near misses as (IRI, name)."""

    def __init__(self, text: str, suggestions: list[tuple[str, str]], message: str | None = None):
        from .namespaces import compact

        self.text, self.suggestions = text, suggestions
        hint = ""
        if suggestions:
            names = [f"{name} ({compact(iri)})" for iri, name in suggestions]
            hint = "; did you mean " + (", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]) + "?"
        super().__init__((message or f"no entity with id or label {text!r}") + hint)


class AmbiguousName(QueryError):
    """Several entities have this name; ``matches`` lists them as (IRI, label)."""

    def __init__(self, text: str, matches: list[tuple[str, str]]):
        self.text, self.matches = text, matches
        listed = ", ".join(f"{iri} ({label})" for iri, label in matches)
        super().__init__(f"{text!r} is ambiguous; it matches: {listed} (give an id or IRI)")


class FieldError(Exception):
    """A field of a record has a wrong value (the record reader turns it into a :class:`Problem` with
    file and line; it never leaves :mod:`ikz_graph.records`)."""


class TryAgain(Exception):
    """One attempt of an HTTP request failed in a way worth retrying (connection failed, 502/503/504);
    :func:`ikz_graph.http.retrying` turns the last one into a :class:`RemoteError`. ``uncertain``: the
    request was sent whole but no answer came, so the server may have carried it out."""

    def __init__(self, reason: str, status: int | None = None, uncertain: bool = False):
        super().__init__(reason)
        self.reason, self.status, self.uncertain = reason, status, uncertain


class GiveUp(TryAgain):
    """One attempt of an HTTP request failed for good: no retry."""


class ExportError(IkzError):
    """Writing an output failed."""


class AnalysisError(IkzError):
    """An analysis cannot run: unknown approach, bad configuration, too little data."""


class ShapesError(IkzError):
    """A SHACL shapes file cannot be read, or uses a construct the chosen engine does not support.

    ``construct`` names that construct (``"sh:closed on a property shape"``, ``"recursive shapes"``)
    when the error is a refusal, and is None when the shapes could not be read or run at all.
    """

    def __init__(self, message: str, construct: str | None = None):
        super().__init__(message)
        self.construct = construct


class RdfFileError(IkzError):
    """An RDF file named on the command line (``validate --graph FILE``) cannot be read."""


class DateError(IkzError, ValueError):
    """A value is not a date (or not a possible one)."""


class VizError(IkzError):
    """A view cannot be built: unknown view, target missing or of the wrong kind."""


class RemoteError(IkzError):
    """A request to a remote endpoint failed; the message names the endpoint and the HTTP status
    (also in ``status`` when the server answered). ``uncertain``: the request was sent whole but
    no answer came, so the server may have carried it out."""

    def __init__(self, message: str, status: int | None = None, uncertain: bool = False):
        super().__init__(message)
        self.status = status
        self.uncertain = uncertain


class PublishError(RemoteError):
    """Publishing failed; the previously published graph is left as it was."""


class ServeError(IkzError):
    """The local endpoint could not be started."""


class RequestRefused(IkzError):
    """The local endpoint refuses a client's request; ``status`` is the HTTP status it answers with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class Interrupted(IkzError):
    """The command was stopped by a signal (SIGTERM, SIGHUP) or Ctrl-C before it finished; outputs are
    as they were before it or complete (never half-written), temporaries are removed."""
