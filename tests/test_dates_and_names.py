"""The one dates module (precision, the as-of rule) and the one entity resolver."""
from __future__ import annotations

import datetime as dt

import pyoxigraph as ox
import pytest

from ikz_graph import namespaces as ns
from ikz_graph.dates import Date, existed, parse_date, parse_day, running
from ikz_graph.errors import AmbiguousName, DateError, QueryError, UnknownName
from ikz_graph.graph import KnowledgeGraph
from ikz_graph.queries import resolve_entity, run_query
from ikz_graph.readmodel import read
from ikz_graph.resolve import ID, NAME, SOURCE_TITLE, Name, TableNames, fold, resolve

D = dt.date


# ----------------------------------------------------------------------------- dates

@pytest.mark.parametrize("value, precision, earliest, latest", [
    (2021, "year", D(2021, 1, 1), D(2021, 12, 31)),
    ("2024-02", "month", D(2024, 2, 1), D(2024, 2, 29)),          # a leap year
    ("2023-02", "month", D(2023, 2, 1), D(2023, 2, 28)),
    ("2023-12", "month", D(2023, 12, 1), D(2023, 12, 31)),
    (D(2023, 10, 9), "day", D(2023, 10, 9), D(2023, 10, 9)),
    (" 2023-10-09 ", "day", D(2023, 10, 9), D(2023, 10, 9)),
])
def test_a_date_keeps_its_precision_and_its_bounds(value, precision, earliest, latest):
    d = parse_date(value)
    assert (d.precision, d.earliest, d.latest) == (precision, earliest, latest)
    assert parse_day(str(d)) == earliest and parse_day(str(d), end=True) == latest


@pytest.mark.parametrize("bad", ["2023-02-30", "2023-13", "20220101", "2022-W01-6", "soon", 99, True,
                                 dt.datetime(2023, 1, 1, 12, 0)])
def test_what_is_not_a_date_is_refused(bad):
    with pytest.raises(DateError):
        parse_date(bad)


def test_the_as_of_rule():
    start, end = parse_day("2021"), parse_day("2023-06", end=True)
    assert running(start, end, D(2021, 1, 1)) and running(start, end, D(2023, 6, 30))
    assert not running(start, end, D(2020, 12, 31)) and not running(start, end, D(2023, 7, 1))
    assert running(None, None, D(1900, 1, 1)) and running(start, None, D(2099, 1, 1))
    assert running(start, end, None)                                  # no day: everything counts
    assert existed(None, D(2000, 1, 1)) and existed(D(2006, 1, 1), D(2006, 1, 1))
    assert not existed(D(2006, 1, 1), D(2005, 12, 31))
    assert str(Date(2023, 10)) == "2023-10" and Date(2021) < Date(2021, 1)


@pytest.mark.parametrize("day", ["2015-06-01", "2021-01-01", "2022-01-01", "2023-10-01", "2024-06-30"])
def test_the_query_cooperation_as_of_states_the_same_rule(kg, day):
    """queries/cooperation-as-of.rq writes the as-of rule in SPARQL: its pairs are the pairs of units
    that the dates module says were members of the same body on that day."""
    model = read(kg)
    rows = run_query(kg, "cooperation-as-of", {"date": day}).rows
    from_query = {(r["keyA"], r["keyB"], r["organisation"]) for r in rows}
    d = dt.date.fromisoformat(day)
    members: dict[str, set[str]] = {}
    for m in model.memberships:
        if running(m.start, m.end, d) and existed(model.founded.get(m.org), d):
            members.setdefault(m.org, set()).add(model.units[m.unit].key)
    from_rule = {(a, b, model.label(o)) for o, keys in members.items() for a in keys for b in keys if a < b}
    assert from_query == from_rule and from_rule


# ----------------------------------------------------------------------------- names

def test_folding_is_case_umlaut_and_punctuation_blind():
    assert fold("Bad Dürkheim") & fold("bad durkheim") and fold("Bad Dürkheim") & fold("BAD DUERKHEIM")
    assert fold("Bitburg-Prüm") & fold("bitburg prum") and fold("Straße") == fold("STRASSE")
    assert not fold("Kusel") & fold("Kassel")


TRICKY = ["Bad Dürkheim", "  Ludwigshafen am Rhein ", "Bitburg-Prüm", "STRASSE", "Straße", "ẞ", "Ærø", "Ａｌｚｅｙ",
          "½ Œuvre – «Zweckverband»", "Landau i.d. Pfalz", "u\u0308ber", "İstanbul", "ﬁnal_ﬂ", "Ǆemal", "Σίσυφος", "\t"]


def test_folding_character_by_character_gives_fold(kg):
    """fold_char is fold, one character at a time (the views' search folds with a table made from it)."""
    from ikz_graph.resolve import SparqlNames, fold_char

    def by_chars(text):
        return frozenset(" ".join("".join(fold_char(c)[i] for c in text).split()) for i in (0, 1))

    texts = TRICKY + [n.text for n in SparqlNames(kg).all()]
    assert len(texts) > 500
    assert [t for t in texts if by_chars(t) != fold(t)] == []
    assert by_chars("Bad Dürkheim") == {"bad durkheim", "bad duerkheim"}


def test_the_resolver_on_the_real_graph(kg):
    def unit(k):
        return ox.NamedNode(ns.ID + "unit/" + k)

    assert resolve_entity(kg, "emh") == ox.NamedNode(ns.ID + "org/emh")           # an id
    assert resolve_entity(kg, "EMH") == ox.NamedNode(ns.ID + "org/emh")           # an id in another case
    assert resolve_entity(kg, "07233") == unit("07233")                            # an official key
    assert resolve_entity(kg, "vulkaneifel") == unit("07233")                      # a label in another case
    assert resolve_entity(kg, "Eifelkreis Bitburg-Prüm") == unit("07232")          # the official name
    assert resolve_entity(kg, "Landkreis Kusel") == unit("07336")
    assert resolve_entity(kg, "eifelkreis bitburg prum") == unit("07232")          # no umlaut, no hyphen
    assert resolve_entity(kg, "Idar") == unit("071340045")                         # a word of one name
    with pytest.raises(AmbiguousName) as e:                                         # a word of several names
        resolve_entity(kg, "Durkheim")
    assert ns.ID + "unit/07332" in {iri for iri, _ in e.value.matches} and len(e.value.matches) > 1


def test_ambiguity_lists_every_candidate(kg):
    with pytest.raises(AmbiguousName) as e:
        resolve_entity(kg, "Südwestpfalz")                                         # a project and a district
    assert {iri for iri, _ in e.value.matches} == {ns.ID + "org/suedwestpfalz", ns.ID + "unit/07340"}
    assert "ambiguous" in str(e.value) and "give an id or IRI" in str(e.value)
    assert isinstance(e.value, QueryError)


def test_a_near_miss_says_did_you_mean(kg):
    with pytest.raises(UnknownName, match=r"no entity with id or label 'Vulkaneifl'; did you mean Vulkaneifel \(unit:07233\)\?"):
        resolve_entity(kg, "Vulkaneifl")
    with pytest.raises(UnknownName) as e:
        resolve_entity(kg, "Atlantis")
    assert e.value.suggestions == [] and str(e.value) == "no entity with id or label 'Atlantis'"


def test_the_rules_are_tried_in_order():
    names = TableNames([Name("a", "x1", ID), Name("b", "x1", NAME),            # an id beats a label
                        Name("c", "Mainz", NAME), Name("d", "mainz", ID),       # a label as written beats a folded id
                        Name("s", "Bericht", SOURCE_TITLE), Name("e", "bericht", NAME),  # an entity beats a source
                        Name("f", "Neustadt an der Weinstraße", NAME), Name("g", "Neustadt (Wied)", NAME)])
    assert resolve(names, "x1") == "a"
    assert resolve(names, "MAINZ") == "c"
    assert resolve(names, "Bericht") == "e"
    assert resolve(names, "weinstrasse") == "f"                               # words, folded
    with pytest.raises(AmbiguousName):
        resolve(names, "Neustadt")                                            # a word of two names
    assert resolve(names, "Neustadt", among={"g"}) == "g"                     # unless the candidates are limited
    with pytest.raises(UnknownName):
        resolve(names, "x1", among={"c"})


def test_an_iri_must_be_in_the_graph():
    kg = KnowledgeGraph([], [ox.Triple(ox.NamedNode("https://example.org/a"), ox.NamedNode(ns.RDFS + "label"),
                                       ox.Literal("A"))])
    assert resolve_entity(kg, "https://example.org/a").value == "https://example.org/a"
    with pytest.raises(UnknownName, match="no entity with IRI https://example.org/b"):
        resolve_entity(kg, "https://example.org/b")
