"""Configuration of the network analysis and the transferability score.

The defaults live in ``ikz_graph/analysis.yaml`` (documented there and in ``docs/analysis.md``).
A user file given with ``--config`` overrides any part of them; unknown keys, wrong types and
transfer weights that do not add up to 1 are errors that name the file and the key.

>>> cfg = load_config()
>>> cfg["network"]["weights"]["project"], round(sum(cfg["transfer"]["weights"].values()), 9)
(3.0, 1.0)
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from . import namespaces as ns
from .errors import AnalysisError, InputError
from .inputs import brief, load_yaml, read_text

__all__ = ["load_config", "DEFAULT_CONFIG_PATH", "FACTORS", "FACTOR_LABELS", "TIE_TYPES", "expand", "flatten"]

DEFAULT_CONFIG_PATH = Path(__file__).with_name("analysis.yaml")

#: The tie types of the cooperation network, in display order.
TIE_TYPES = ("project", "service", "body", "planning", "contiguity")
#: The factors of the transferability score, in display order.
FACTORS = ("type", "population", "density", "proximity", "ties", "link", "thematic", "legal")
#: Short English names of the factors, as used in tables and explanations.
FACTOR_LABELS = {
    "type": "same kind of authority",
    "population": "similar population",
    "density": "similar density",
    "proximity": "near the participants",
    "ties": "already cooperates with them",
    "link": "network proximity (personalised PageRank)",
    "thematic": "already works in the same task field",
    "legal": "same Land law",
}


def expand(curie: str) -> str:
    """``ikz:ModelProject`` -> full IRI; full IRIs pass through."""
    prefix, sep, local = curie.partition(":")
    if sep and prefix in ns.PREFIXES and not local.startswith("//"):
        return ns.PREFIXES[prefix] + local
    return curie


def _merge(base: dict, over: dict, where: str, path: str = "") -> None:
    for key, value in over.items():
        here = f"{path}.{key}" if path else str(key)
        if key not in base:
            raise AnalysisError(f"{where}: unknown setting {brief(here)}")
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise AnalysisError(f"{where}: '{here}' must be a mapping")
            _merge(base[key], value, where, here)
        else:
            base[key] = value


def _check(cfg: dict, where: str) -> None:
    def number(path: str, value: Any, minimum: float = 0.0) -> None:
        # NaN fails both comparisons; infinity and integers too large for a float fail the second
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not minimum <= value <= 1e15:
            raise AnalysisError(f"{where}: '{path}' must be a number from {minimum:g} to 1e+15, not {brief(value)}")

    net = cfg["network"]
    for t in TIE_TYPES:
        number(f"network.weights.{t}", net["weights"][t])
    seen: dict[str, str] = {}
    for t, classes in net["tie_classes"].items():
        if not isinstance(classes, list):
            raise AnalysisError(f"{where}: 'network.tie_classes.{t}' must be a list of classes")
        for c in classes:
            if c in seen:
                raise AnalysisError(f"{where}: class {c} is listed under both '{seen[c]}' and '{t}'")
            seen[c] = t
    for key in ("weights", "priors"):
        tw = cfg["transfer"][key]
        for f in FACTORS:
            number(f"transfer.{key}.{f}", tw[f])
        total = sum(tw.values())
        if abs(total - 1.0) > 1e-9:
            raise AnalysisError(f"{where}: 'transfer.{key}' must add up to 1, they add up to {total:g}")
    for key in ("seed", "stability_seeds", "name_members"):
        v = cfg["clusters"][key]
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise AnalysisError(f"{where}: 'clusters.{key}' must be a whole number >= 0, not {brief(v)}")
    number("clusters.resolution", cfg["clusters"]["resolution"])
    for key in ("exact_max_nodes", "samples", "seed"):
        v = cfg["betweenness"][key]
        if isinstance(v, bool) or not isinstance(v, int) or v < (1 if key == "samples" else 0):
            raise AnalysisError(f"{where}: 'betweenness.{key}' must be a whole number >= "
                                f"{1 if key == 'samples' else 0}, not {brief(v)}")
    number("brokers.min_participation", cfg["brokers"]["min_participation"])
    number("brokers.betweenness_quantile", cfg["brokers"]["betweenness_quantile"])
    if cfg["brokers"]["betweenness_quantile"] > 1:
        raise AnalysisError(f"{where}: 'brokers.betweenness_quantile' must be between 0 and 1")
    g = cfg["transfer"]["groups"]
    if isinstance(g["pool"], bool) or not isinstance(g["pool"], int) or g["pool"] < 2:
        raise AnalysisError(f"{where}: 'transfer.groups.pool' must be a whole number >= 2")
    number("transfer.groups.group_fit_weight", g["group_fit_weight"])
    if g["group_fit_weight"] > 1:
        raise AnalysisError(f"{where}: 'transfer.groups.group_fit_weight' must be between 0 and 1")
    u = cfg["transfer"]["uncertainty"]
    for key in ("draws", "seed"):
        if isinstance(u[key], bool) or not isinstance(u[key], int) or not 0 <= u[key] <= (10000 if key == "draws" else 2**32 - 1):
            raise AnalysisError(f"{where}: 'transfer.uncertainty.{key}' must be a whole number from 0 to "
                                f"{10000 if key == 'draws' else 2**32 - 1}, not {brief(u[key])}")
    number("transfer.uncertainty.weight_concentration", u["weight_concentration"])
    number("transfer.uncertainty.level", u["level"])
    if not 0 < u["weight_concentration"] or not 0 < u["level"] < 1:
        raise AnalysisError(f"{where}: 'transfer.uncertainty.weight_concentration' must be above 0 and "
                            f"'transfer.uncertainty.level' between 0 and 1 (exclusive)")


def _read(path: Path) -> dict:
    try:
        data = load_yaml(read_text(path))
    except InputError as e:
        raise AnalysisError(f"{path}{f':{e.line}' if e.line else ''}: {e}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise AnalysisError(f"{path}: the configuration must be a mapping of settings")
    return data


def load_config(path: str | Path | None = None) -> dict:
    """The default configuration, overridden by the YAML file ``path`` if given."""
    cfg = _read(DEFAULT_CONFIG_PATH)
    where = str(DEFAULT_CONFIG_PATH)
    if path is not None:
        cfg = copy.deepcopy(cfg)
        where = str(path)
        _merge(cfg, _read(Path(path)), where)
    _check(cfg, where)
    return cfg


def flatten(cfg: dict, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}`` (lists become comma-separated strings)."""
    out: dict[str, Any] = {}
    for k in sorted(cfg):
        v = cfg[k]
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, key + "."))
        elif isinstance(v, list):
            out[key] = ",".join(str(x) for x in v)
        else:
            out[key] = v
    return out
