"""Dates as precise as their sources, and the one rule for "may have been running on this day".

A source may give a day (``2023-10-09``), a month (``2023-10``) or only a year (``2021``). A
:class:`Date` keeps that precision, and for comparisons it has an earliest and a latest day::

    >>> d = parse_date("2023-10")
    >>> d.precision, str(d), d.earliest, d.latest
    ('month', '2023-10', datetime.date(2023, 10, 1), datetime.date(2023, 10, 31))

The as-of rule, used by every module that looks at a past day (the network, the transfer
ranking, the evaluation and the views; the query ``cooperation-as-of`` states the same rule in
SPARQL and a test holds the two together): a membership, phase or service **may have been running**
on a day if the day lies between the earliest day its start can mean and the latest day its end can
mean; an unknown start or end does not limit it. A body does not exist before its founding day.
The strict reading (``known=True``, used by the evaluation's back-test) counts only what a source
dates: an unknown start means "not running yet".

    >>> import datetime as dt
    >>> start, end = parse_day("2021"), parse_day("2023-06", end=True)
    >>> running(start, end, dt.date(2021, 1, 1)), running(start, end, dt.date(2023, 7, 1))
    (True, False)
    >>> running(None, None, dt.date(1900, 1, 1)), existed(dt.date(2006, 1, 1), dt.date(2005, 12, 31))
    (True, False)
    >>> running(None, None, dt.date(2022, 1, 1), known=True)
    False

A day given from outside the records -- a ``date`` parameter of a query, ``--as-of`` of every
command, ``as_of`` of the Python API -- is read by :func:`parse_iso_day`: exactly ``YYYY-MM-DD``,
a real calendar day, nothing else (``20220101``, ``2022-W01-6``, ``2021`` or ``2021-06`` are
refused rather than guessed at)::

    >>> parse_iso_day("2022-01-01")
    datetime.date(2022, 1, 1)
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from .errors import DateError
from .inputs import brief

__all__ = ["Date", "parse_date", "parse_day", "parse_iso_day", "running", "existed", "day_before", "DATE_RE", "DAY_RE"]

#: A date as the records write it: ``2021``, ``2023-10`` or ``2023-10-09`` (ASCII digits only: Python's
#: ``\d`` and ``int()`` would also take other scripts' digits).
DATE_RE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")
#: A day as the command line and the Python API take it: ``2022-01-01`` and nothing else.
DAY_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


@dataclass(frozen=True)
class Date:
    """A calendar date known to the day, the month or the year (as precise as its source).

    Dates sort as their text does: ``2021`` < ``2021-01`` < ``2021-01-01`` < ``2021-02``.
    """

    year: int
    month: int | None = None
    day: int | None = None

    def _key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)

    def __lt__(self, other: "Date") -> bool:
        return self._key() < other._key()

    def __le__(self, other: "Date") -> bool:
        return self._key() <= other._key()

    def __gt__(self, other: "Date") -> bool:
        return self._key() > other._key()

    def __ge__(self, other: "Date") -> bool:
        return self._key() >= other._key()

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    def __str__(self) -> str:
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    @property
    def earliest(self) -> dt.date:
        """The first day the date can mean (``2021`` -> 2021-01-01)."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    @property
    def latest(self) -> dt.date:
        """The last day the date can mean (``2021`` -> 2021-12-31)."""
        if self.day:
            return self.earliest
        if self.month:
            nxt = dt.date(self.year + (self.month == 12), self.month % 12 + 1, 1)
            return nxt - dt.timedelta(days=1)
        return dt.date(self.year, 12, 31)


def parse_date(value: Any) -> Date:
    """A :class:`Date` from ``2021``, ``"2023-10"``, ``"2023-10-04"`` or a :class:`datetime.date`.

    Raises :class:`~ikz_graph.errors.DateError` for anything else, including impossible dates.
    """
    if isinstance(value, dt.datetime):
        raise DateError(f"expected a date, got a date and time {value}")
    if isinstance(value, dt.date):
        return Date(value.year, value.month, value.day)
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return Date(value)
    if isinstance(value, str):
        m = DATE_RE.fullmatch(value.strip())
        if m:
            y, mo, d = (None if x is None else int(x) for x in m.groups())
            try:  # month 00, day 00 and year 0000 are no calendar dates either
                dt.date(y, 1 if mo is None else mo, 1 if d is None else d)
            except ValueError:
                raise DateError(f"{brief(value)} is not a valid calendar date") from None
            return Date(y, mo, d)
    raise DateError(f"{brief(value)} is not a date (write 2023-10-04, 2023-10 or 2021)")


def parse_day(value: Any, *, end: bool = False) -> dt.date | None:
    """The earliest day of a date (or the latest, with ``end=True``); ``None`` for no value.

    Accepts what :func:`parse_date` accepts, also as text of a literal (``"2021"``).
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    try:
        d = parse_date(value if isinstance(value, dt.date) else str(value).strip())
    except DateError:
        raise DateError(f"not a date: {brief(value)} (write 2023-10-04, 2023-10 or 2021)") from None
    return d.latest if end else d.earliest


def parse_iso_day(value: Any) -> dt.date:
    """The day ``value`` names: a :class:`datetime.date`, or text written ``YYYY-MM-DD`` (ASCII digits).

    The one rule for a day given from outside the records (query parameters of type ``date``,
    ``--as-of``, ``as_of=`` of the Python API). A year or a month alone is refused, not read as its
    first day: "as of 2021" could as well mean its last. Raises :class:`~ikz_graph.errors.DateError`.
    """
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    m = DAY_RE.fullmatch(value.strip()) if isinstance(value, str) else None
    if m is None:
        raise DateError(f"{brief(value)} is not a date written YYYY-MM-DD (e.g. 2022-01-01)")
    try:
        return dt.date(*(int(x) for x in m.groups()))
    except ValueError:
        raise DateError(f"{brief(value)} is not a date: there is no such day (write YYYY-MM-DD)") from None


def running(start: dt.date | None, end: dt.date | None, day: dt.date | None, *, known: bool = False) -> bool:
    """Whether something from ``start`` (its earliest day) to ``end`` (its latest day) may have been
    running on ``day``; ``day=None`` means "ever" (always true), an unknown start or end does not limit.

    ``known=True`` is the strict reading, for back-tests that must not see the future: only what a
    source dates to the day or before counts, so an unknown start means "not running".
    """
    if day is None:
        return True
    if known and start is None:
        return False
    return (start is None or start <= day) and (end is None or end >= day)


def existed(founded: dt.date | None, day: dt.date | None) -> bool:
    """Whether a body founded on ``founded`` existed on ``day`` (an unknown founding does not limit)."""
    return day is None or founded is None or founded <= day


def day_before(day: dt.date) -> dt.date:
    """The last day before ``day``: the day a unit that a territorial change ends on ``day`` last
    existed, and the day the back-test looks at the network before a start.

    >>> day_before(dt.date(2024, 3, 1))
    datetime.date(2024, 2, 29)
    """
    return day - dt.timedelta(days=1)
