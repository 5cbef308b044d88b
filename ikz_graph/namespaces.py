"""IRIs and prefixes used by ikz-graph. Published IRIs never change."""
from __future__ import annotations

__all__ = ["compact", "BASE", "IKZ", "IKZC", "ID", "PREFIXES", "DATA_PREFIXES", "ONTOLOGY_IRI",
           "GRAPH_ONTOLOGY", "GRAPH_DATA", "GRAPH_PUBLISHED"]

BASE = "https://w3id.org/ikz-graph/"
IKZ = BASE + "ontology/"
IKZC = BASE + "concept/"
ID = BASE + "id/"
ONTOLOGY_IRI = BASE + "ontology"
GRAPH_ONTOLOGY = BASE + "graph/ontology"
GRAPH_DATA = BASE + "graph/data"
#: The graph that ``publish`` writes and ``serve`` serves: ontology and data together, so every named query runs.
GRAPH_PUBLISHED = BASE + "graph/all"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
CV = "http://data.europa.eu/m8g/"
CPSV = "http://purl.org/vocab/cpsv#"
SCHEMA = "https://schema.org/"
FRAPO = "http://purl.org/cerif/frapo/"
PROV = "http://www.w3.org/ns/prov#"
TIME = "http://www.w3.org/2006/time#"
GEO = "http://www.opengis.net/ont/geosparql#"
SH = "http://www.w3.org/ns/shacl#"
WD = "http://www.wikidata.org/entity/"
NUTS = "http://data.europa.eu/nuts/code/"

#: Kinds of data node and the path segment of their IRIs (``ID + segment + "/" + id``).
DATA_PREFIXES = {
    "unit": ID + "unit/",
    "state": ID + "state/",
    "body": ID + "org/",
    "person": ID + "person/",
    "membership": ID + "membership/",
    "grant": ID + "grant/",
    "programme": ID + "programme/",
    "service": ID + "service/",
    "agreement": ID + "agreement/",
    "law": ID + "law/",
    "meeting": ID + "meeting/",
    "statement": ID + "statement/",
    "source": ID + "source/",
    "date": ID + "date/",
}

#: Prefixes used in every serialization and known to every named query.
PREFIXES = {
    "ikz": IKZ, "ikzc": IKZC,
    "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "owl": OWL, "skos": SKOS, "dct": DCT,
    "org": ORG, "cv": CV, "cpsv": CPSV, "schema": SCHEMA, "frapo": FRAPO, "prov": PROV,
    "time": TIME, "geo": GEO, "wd": WD, "nuts": NUTS,
    "vann": "http://purl.org/vocab/vann/",
    **DATA_PREFIXES,
}

#: The prefix of each namespace IRI. Every namespace ends in "/" or "#" (checked by the tests), so
#: the longest namespace an IRI starts with ends at one of its own "/" or "#".
_BY_BASE = {base: p for p, base in PREFIXES.items()}


def compact(iri: str) -> str:
    """Shorten an IRI with the longest matching prefix: ``unit:07233``; unchanged if none fits.

    A prefix fits when the rest is not empty and does not start with "/". The namespaces are looked
    up at the IRI's own "/" and "#" from the right (a dictionary look-up each, not a scan of every
    prefix: the JSON-LD export calls this a few million times at a million triples).
    """
    end = len(iri) - 1              # the rest after a namespace must not be empty
    while end > 0:
        cut = max(iri.rfind("/", 0, end), iri.rfind("#", 0, end))
        if cut < 0:
            break
        p = _BY_BASE.get(iri[:cut + 1])
        if p is not None and iri[cut + 1] != "/":
            return f"{p}:{iri[cut + 1:]}"
        end = cut
    return iri
