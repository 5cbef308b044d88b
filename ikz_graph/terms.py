"""RDF terms built the same way everywhere: typed literals and date literals.

One rule for numbers: an ``int`` is an ``xsd:integer``; a ``float`` (or ``Decimal``) is an
``xsd:decimal`` written exactly as its shortest decimal form, always with a fractional part
(``2000000`` -> ``"2000000.0"``, ``911.64`` -> ``"911.64"``). Callers that want fewer digits
(the analysis writes its figures to six decimals) round before they call.

>>> literal(911.64).value, literal(7).datatype.value.rsplit("#")[1], literal(True).value
('911.64', 'integer', 'true')
>>> date_literal(parse_date("2023-10")).datatype.value.rsplit("#")[1]
'gYearMonth'
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pyoxigraph import Literal, NamedNode

from . import namespaces as ns
from .dates import Date, parse_date

__all__ = ["literal", "decimal_text", "date_literal", "xsd", "parse_date"]

_XSD: dict[str, NamedNode] = {}


def xsd(name: str) -> NamedNode:
    """The IRI of an XSD datatype (made once)."""
    node = _XSD.get(name)
    if node is None:
        node = _XSD[name] = NamedNode(ns.XSD + name)
    return node


def decimal_text(value: float | int | Decimal) -> str:
    """The canonical ``xsd:decimal`` text of a number: no exponent, always a fractional part."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    d = (value if isinstance(value, Decimal) else Decimal(str(value))).normalize()
    if not d.is_finite():  # NaN and infinity have no xsd:decimal form (the record checks refuse them)
        raise ValueError(f"{value} is not a finite number")
    s = format(d, "f")
    return s if "." in s else s + ".0"


_DATE_TYPES = {"day": "date", "month": "gYearMonth", "year": "gYear"}


def date_literal(d: Date) -> Literal:
    """``xsd:date``, ``xsd:gYearMonth`` or ``xsd:gYear``, as precise as the date."""
    return Literal(str(d), datatype=xsd(_DATE_TYPES[d.precision]))


def literal(value: Any, datatype: str | None = None, lang: str | None = None) -> Literal:
    """A literal of ``value``: with a language tag, an explicit XSD datatype (local name), or the
    datatype its Python type implies (bool, int, float/Decimal, datetime in UTC, date, :class:`Date`)."""
    if lang:
        return Literal(str(value), language=lang)
    if datatype:
        return Literal(str(value), datatype=xsd(datatype))
    if isinstance(value, bool):
        return Literal("true" if value else "false", datatype=xsd("boolean"))
    if isinstance(value, int):
        return Literal(str(value), datatype=xsd("integer"))
    if isinstance(value, (float, Decimal)):
        return Literal(decimal_text(value), datatype=xsd("decimal"))
    if isinstance(value, dt.datetime):
        return Literal(value.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=xsd("dateTime"))
    if isinstance(value, dt.date):
        return Literal(value.isoformat(), datatype=xsd("date"))
    if isinstance(value, Date):
        return date_literal(value)
    return Literal(str(value))
