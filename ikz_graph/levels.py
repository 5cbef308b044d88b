"""Levels of government and the types of territorial unit: the one place that decides them.

Every unit type (a concept of ``ikzc:unit-types``) says which class its node gets, at which level
it stands, how long its official key is and under which key property it is written, and in which
unit type it lies. The record checks, the build, the read model and the views all ask this module,
so a new level or unit type is added here (and in the ontology) and nowhere else.

Every official key is written with ``ikz:officialKey`` (a sub-property of ``dct:identifier``), and
also with the key property of its level (``ikz:kreisschluessel`` …, sub-properties of it), so that
queries read the one property whatever the level.

>>> UNIT_TYPES["gemeinde"].key_length, UNIT_TYPES["gemeinde"].inside
(8, ('landkreis', 'regionalverband'))
>>> key_problem("kreisfreie-stadt", "071")
"a kreisfreie-stadt needs the 5-digit Kreisschlüssel as its key, not '071'"
"""
from __future__ import annotations

from dataclasses import dataclass

from . import namespaces as ns
from .inputs import brief

__all__ = ["UnitType", "UNIT_TYPES", "STATE", "OFFICIAL_KEY", "KEYED_UNIT_CLASSES", "UNIT_KINDS", "key_problem",
           "kind_of_class"]

#: The property every official key is written with, whatever the level.
OFFICIAL_KEY = ns.IKZ + "officialKey"


@dataclass(frozen=True)
class UnitType:
    """One type of territorial unit."""

    id: str                     # concept id in ikzc:unit-types
    cls: str                    # class IRI of its nodes
    level: str                  # "land", "kreis", "gemeinde" or "foreign"
    kind: str                   # what the views call it: district, city, municipality, foreign region, state
    key_name: str | None        # the name of its official key, None for units outside Germany
    key_length: int | None      # digits of that key
    key_property: str | None    # the level's own key property (a sub-property of ikz:officialKey)
    inside: tuple[str, ...] = ()  # unit types it must lie in (field ``district`` of the records)


_KREIS = ("Kreisschlüssel", 5, ns.IKZ + "kreisschluessel")
UNIT_TYPES: dict[str, UnitType] = {
    "landkreis": UnitType("landkreis", ns.IKZ + "Landkreis", "kreis", "district", *_KREIS),
    "regionalverband": UnitType("regionalverband", ns.IKZ + "Landkreis", "kreis", "district", *_KREIS),
    "kreisfreie-stadt": UnitType("kreisfreie-stadt", ns.IKZ + "KreisfreieStadt", "kreis", "city", *_KREIS),
    "stadtkreis": UnitType("stadtkreis", ns.IKZ + "KreisfreieStadt", "kreis", "city", *_KREIS),
    "gemeinde": UnitType("gemeinde", ns.IKZ + "Gemeinde", "gemeinde", "municipality", "Gemeindeschlüssel", 8,
                         ns.IKZ + "gemeindeschluessel", inside=("landkreis", "regionalverband")),
    "foreign": UnitType("foreign", ns.IKZ + "ForeignRegion", "foreign", "foreign region", None, None, None),
}
#: A Land (record collection ``states``).
STATE = UnitType("land", ns.IKZ + "State", "land", "state", "Länderschlüssel", 2, ns.IKZ + "landKey")

#: Classes of the units that have an official key below the Land: the nodes of the cooperation network.
KEYED_UNIT_CLASSES: tuple[str, ...] = tuple(dict.fromkeys(t.cls for t in UNIT_TYPES.values() if t.key_length))

#: The view kinds of territorial units.
UNIT_KINDS: tuple[str, ...] = tuple(dict.fromkeys(t.kind for t in UNIT_TYPES.values()))

_KIND_BY_CLASS = {t.cls: t.kind for t in UNIT_TYPES.values()}


def kind_of_class(cls: str) -> str | None:
    """The view kind of a unit class (``district``, ``city``, …), or None for other classes."""
    return _KIND_BY_CLASS.get(cls)


def key_problem(type_id: str, key: str | None) -> str | None:
    """What is wrong with ``key`` for a unit of type ``type_id`` (a known type), or None."""
    t = UNIT_TYPES[type_id]
    if t.key_length is None:
        return f"a {type_id} unit has no Kreisschlüssel" if key else None
    if not key:
        return f"missing required field 'key' (the {t.key_length}-digit {t.key_name})"
    if len(key) != t.key_length:
        return f"a {type_id} needs the {t.key_length}-digit {t.key_name} as its key, not {brief(key)}"
    return None
