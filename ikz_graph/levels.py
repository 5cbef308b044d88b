"""Levels of government and the types of territorial unit: the one place that decides them.

Every unit type (a concept of ``ikzc:unit-types``) says which class its node gets, at which level
it stands, how long its official key is and under which key property it is written, and in which
unit type it lies. The record checks, the build, the read model and the views all ask this module,
so a new level or unit type is added here (and in the ontology) and nowhere else.

Every unit has one official key, written with ``ikz:officialKey`` (a sub-property of
``dct:identifier``) and also with the key property of its level (``ikz:kreisschluessel``,
``ikz:gemeindeschluessel``, ``ikz:landKey``: sub-properties of it; ``ikz:regionalschluessel`` for
Regierungsbezirk, Region and Gemeindeverband, whose key is their ARS), so that queries read the one
property whatever the level. A Gemeinde's 12-digit ARS is written beside its key with
``ikz:regionalschluessel``.

>>> UNIT_TYPES["gemeinde"].key_length, UNIT_TYPES["gemeinde"].inside
(8, ('landkreis', 'regionalverband'))
>>> key_problem("kreisfreie-stadt", "071")
"a kreisfreie-stadt needs the 5-digit Kreisschlüssel as its key, not '071'"
"""
from __future__ import annotations

from dataclasses import dataclass

from . import namespaces as ns
from .inputs import brief

__all__ = ["UnitType", "RegisterUnit", "UNIT_TYPES", "STATE", "BY_RECORD", "REGIONAL_KEY", "OFFICIAL_KEY", "KEYED_UNIT_CLASSES", "UNIT_KINDS", "key_problem",
           "kind_of_class", "peer_level"]

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
    record: str | None = None   # the GV100AD Satzart of its level (10 Land … 60 Gemeinde)
    tkz: str | None = None      # its GV100AD Textkennzeichen, None where the register has none
    label: str = ""             # the register's name of the type (German)


@dataclass(frozen=True)
class RegisterUnit:
    """A unit of the official register (``data/base/units.tsv``) as records refer to it: by its level's key."""

    ars: str                    # Amtlicher Regionalschlüssel (2 digits for a Land … 12 for a Gemeinde)
    key: str                    # its official key: the ARS, or the AGS for a Gemeinde
    name: str                   # the register's name
    type: UnitType

    @property
    def within(self) -> tuple[str, ...]:
        """The ARS of every unit it may lie in (Land, Regierungsbezirk, Region, Kreis, Gemeindeverband)."""
        return tuple(self.ars[:n] for n in (2, 3, 4, 5, 9) if n < len(self.ars))


_KREIS = ("Kreisschlüssel", 5, ns.IKZ + "kreisschluessel")
_GV = ("Regionalschlüssel", 9, ns.IKZ + "regionalschluessel")
_GEM = ("Gemeindeschlüssel", 8, ns.IKZ + "gemeindeschluessel")
_RB = ("Regionalschlüssel", 3, ns.IKZ + "regionalschluessel")
_REGION = ("Regionalschlüssel", 4, ns.IKZ + "regionalschluessel")


def _gv(tid: str, tkz: str, label: str) -> UnitType:
    return UnitType(tid, ns.IKZ + "Gemeindeverband", "gemeindeverband", "association of municipalities", *_GV,
                    record="50", tkz=tkz, label=label)


def _gem(tid: str, tkz: str, label: str, cls: str = "Gemeinde", kind: str = "municipality") -> UnitType:
    return UnitType(tid, ns.IKZ + cls, "gemeinde", kind, *_GEM, inside=("landkreis", "regionalverband"),
                    record="60", tkz=tkz, label=label)


# The Textkennzeichen are those of the GV100AD record description (Destatis, Datensatzbeschreibung GV100AD).
UNIT_TYPES: dict[str, UnitType] = {
    "regierungsbezirk": UnitType("regierungsbezirk", ns.IKZ + "Regierungsbezirk", "regierungsbezirk",
                                 "administrative region", *_RB, record="20", label="Regierungsbezirk"),
    "region": UnitType("region", ns.IKZ + "Region", "region", "administrative region", *_REGION, record="30",
                       label="Region"),
    "kreisfreie-stadt": UnitType("kreisfreie-stadt", ns.IKZ + "KreisfreieStadt", "kreis", "city", *_KREIS,
                                 record="40", tkz="41", label="Kreisfreie Stadt"),
    "stadtkreis": UnitType("stadtkreis", ns.IKZ + "KreisfreieStadt", "kreis", "city", *_KREIS, record="40", tkz="42",
                           label="Stadtkreis"),
    "kreis": UnitType("kreis", ns.IKZ + "Landkreis", "kreis", "district", *_KREIS, record="40", tkz="43",
                      label="Kreis"),
    "landkreis": UnitType("landkreis", ns.IKZ + "Landkreis", "kreis", "district", *_KREIS, record="40", tkz="44",
                          label="Landkreis"),
    "regionalverband": UnitType("regionalverband", ns.IKZ + "Landkreis", "kreis", "district", *_KREIS, record="40",
                                tkz="45", label="Regionalverband"),
    "verbandsfreie-gemeinde": _gv("verbandsfreie-gemeinde", "50", "Verbandsfreie Gemeinde"),
    "amt": _gv("amt", "51", "Amt"),
    "samtgemeinde": _gv("samtgemeinde", "52", "Samtgemeinde"),
    "verbandsgemeinde": _gv("verbandsgemeinde", "53", "Verbandsgemeinde"),
    "verwaltungsgemeinschaft": _gv("verwaltungsgemeinschaft", "54", "Verwaltungsgemeinschaft"),
    "kirchspielslandgemeinde": _gv("kirchspielslandgemeinde", "55", "Kirchspielslandgemeinde"),
    "verwaltungsverband": _gv("verwaltungsverband", "56", "Verwaltungsverband"),
    "vg-traegermodell": _gv("vg-traegermodell", "57", "VG Trägermodell"),
    "erfuellende-gemeinde": _gv("erfuellende-gemeinde", "58", "Erfüllende Gemeinde"),
    "markt": _gem("markt", "60", "Markt"),
    "gemeinde-kreisfreie-stadt": _gem("gemeinde-kreisfreie-stadt", "61", "Kreisfreie Stadt"),
    "gemeinde-stadtkreis": _gem("gemeinde-stadtkreis", "62", "Stadtkreis"),
    "stadt": _gem("stadt", "63", "Stadt"),
    "gemeinde": _gem("gemeinde", "64", "Kreisangehörige Gemeinde"),
    "gemeindefreies-gebiet-bewohnt": _gem("gemeindefreies-gebiet-bewohnt", "65", "gemeindefreies Gebiet, bewohnt",
                                          "GemeindefreiesGebiet", "unincorporated area"),
    "gemeindefreies-gebiet-unbewohnt": _gem("gemeindefreies-gebiet-unbewohnt", "66",
                                            "gemeindefreies Gebiet, unbewohnt", "GemeindefreiesGebiet",
                                            "unincorporated area"),
    "grosse-kreisstadt": _gem("grosse-kreisstadt", "67", "Große Kreisstadt"),
    # units that only a list of territorial changes names (gone before, or made after, the register's date)
    "gemeindeverband-not-in-register": UnitType("gemeindeverband-not-in-register", ns.IKZ + "Gemeindeverband",
                                                "gemeindeverband", "association of municipalities", *_GV,
                                                label="Gemeindeverband (nicht im Gemeindeverzeichnis)"),
    "gemeinde-not-in-register": UnitType("gemeinde-not-in-register", ns.IKZ + "Gemeinde", "gemeinde", "municipality",
                                         *_GEM, label="Gemeinde (nicht im Gemeindeverzeichnis)"),
    "foreign": UnitType("foreign", ns.IKZ + "ForeignRegion", "foreign", "foreign region", None, None, None),
}
# the order of the first types, as before the base layer: view kinds and classes keep their order
UNIT_TYPES = {k: UNIT_TYPES[k] for k in ["landkreis", "regionalverband", "kreisfreie-stadt", "stadtkreis", "gemeinde",
                                         "foreign"] + [k for k in UNIT_TYPES if k not in (
    "landkreis", "regionalverband", "kreisfreie-stadt", "stadtkreis", "gemeinde", "foreign")]}
#: A Land (record collection ``states``).
STATE = UnitType("land", ns.IKZ + "State", "land", "state", "Länderschlüssel", 2, ns.IKZ + "landKey", record="10",
                 label="Land")

#: The unit type of a GV100AD record: ``(Satzart, Textkennzeichen)`` → type (the Textkennzeichen is "" for
#: Satzart 10 to 30).
BY_RECORD: dict[tuple[str, str], UnitType] = {(t.record, t.tkz or ""): t for t in [STATE, *UNIT_TYPES.values()]
                                              if t.record}

#: The property every key of a unit is written with (the ARS of any level, beside the level's own key).
REGIONAL_KEY = ns.IKZ + "regionalschluessel"

#: Classes of the units that have an official key below the Land and can take part in cooperation: the
#: nodes of the cooperation network (Regierungsbezirke and Regionen are state administration, not members).
KEYED_UNIT_CLASSES: tuple[str, ...] = tuple(dict.fromkeys(
    t.cls for t in UNIT_TYPES.values() if t.key_length and t.level in ("kreis", "gemeindeverband", "gemeinde")))

#: The view kinds of territorial units.
UNIT_KINDS: tuple[str, ...] = tuple(dict.fromkeys(t.kind for t in UNIT_TYPES.values()))

_KIND_BY_CLASS = {t.cls: t.kind for t in UNIT_TYPES.values()}


def kind_of_class(cls: str) -> str | None:
    """The view kind of a unit class (``district``, ``city``, …), or None for other classes."""
    return _KIND_BY_CLASS.get(cls)


#: The level at which units of each class act as peers: a region abroad (NUTS-3) is the peer of a Kreis.
_PEER_LEVEL = {t.cls.rsplit("#", 1)[-1].rsplit("/", 1)[-1]: ("kreis" if t.level == "foreign" else t.level)
               for t in UNIT_TYPES.values()}


def peer_level(cls_name: str) -> str | None:
    """The level a unit of class ``cls_name`` (local name, ``Landkreis``) takes up approaches at: ``kreis`` for
    Landkreise, kreisfreie Städte and regions abroad, ``gemeindeverband`` for Verbandsgemeinden and
    verbandsfreie Gemeinden (named by their Verband key), ``gemeinde`` for Gemeinden; None for other classes."""
    return _PEER_LEVEL.get(cls_name)


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
