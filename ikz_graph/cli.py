"""Command-line interface: ``ikz-graph <verb>`` (also ``python -m ikz_graph``).

Exit codes: 0 success; 1 the data does not conform (record checks or SHACL);
2 an error that stopped the command (bad arguments or parameters, unknown query or approach,
bad configuration, unreadable shapes, failed write).
"""
from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from .errors import DataError, DateError, IkzError, Interrupted, NotConforming, QueryError
from .version import __version__

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


def exit_code(error: IkzError) -> int:
    """The exit code of an error: 1 when the data does not conform, 2 when the command could not run."""
    return EXIT_INVALID if isinstance(error, (DataError, NotConforming)) else EXIT_ERROR


class _Commands(click.Group):
    """The command group; the one place where errors become messages and exit codes."""

    def invoke(self, ctx: click.Context):
        previous = _stop_on_signals()
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("error: interrupted (Ctrl-C)", err=True)
            sys.exit(EXIT_ERROR)
        except IkzError as e:
            if isinstance(e, NotConforming):
                click.echo(e.report.text(e.level), err=True)
            click.echo(f"error: {e}", err=True)
            sys.exit(exit_code(e))
        finally:
            _restore(previous)


def _raise_interrupted(signum, _frame) -> None:
    raise Interrupted(f"stopped by {signal.Signals(signum).name}")


def _stop_on_signals() -> dict:
    """SIGTERM and SIGHUP raise :class:`Interrupted`, so that every command cleans up (temporaries
    removed, outputs as they were or complete) and exits with 2; returns the previous handlers."""
    previous = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            previous[sig] = signal.signal(sig, _raise_interrupted)
        except ValueError:  # not the main thread: signals stay as they are
            break
    return previous


def _restore(previous: dict) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def _load(data_dir):
    from .pipeline import load

    ctx = click.get_current_context(silent=True)
    base = ctx.find_root().obj.get("base") if ctx is not None and ctx.find_root().obj else None
    kg = load(data_dir, base=base)
    if kg.origin == "cache-built":
        from .storecache import cache_root

        click.echo(f"Built the store ({len(kg)} triples; the inputs changed or it was not built yet) and kept it "
                   f"in {cache_root()}: commands open it until an input changes.", err=True)
    return kg


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ikz-graph")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), envvar="IKZ_GRAPH_DATA",
              default=None, help="Folder of curated records (default: data/ of the project; env IKZ_GRAPH_DATA).")
@click.option("--base", type=click.Choice(["de", "rlp", "none"]), envvar="IKZ_GRAPH_BASE", default=None,
              help="The official base layer in the graph: de (every unit of Germany, the default), rlp "
                   "(Rhineland-Palatinate only) or none (the curated records alone); env IKZ_GRAPH_BASE.")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, base: str | None) -> None:
    """ikz-graph: the open knowledge graph of inter-municipal cooperation (IKZ) in Germany."""
    ctx.obj = {"data": data_dir, "base": base}
    from . import progress

    progress.enable()  # bars for long steps, on a terminal only


_ENGINES = click.Choice(["oxigraph", "pyshacl"])
_ENGINE_HELP = "SHACL engine: oxigraph (SPARQL on the embedded store) or pyshacl (rdflib + pySHACL)."
_FAIL_ON = click.option("--fail-on", "fail_on", type=click.Choice(["violation", "warning", "info"]), default="violation",
                        show_default=True, help="The lowest SHACL severity that makes the check fail (exit 1).")


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("dist"),
              show_default=True, help="Folder to write the exports to.")
@click.option("--no-validate", is_flag=True, help="Skip the SHACL check (record checks always run).")
@click.option("--engine", type=_ENGINES, default="oxigraph", show_default=True, help=_ENGINE_HELP)
@_FAIL_ON
@click.pass_context
def build(ctx: click.Context, out_dir: Path, no_validate: bool, engine: str, fail_on: str) -> None:
    """Build ontology + data and write ikz.ttl, ikz.nt, ikz.trig, ikz.jsonld (+ context).

    Nothing is written when the data has a problem (exit 1); SHACL results below --fail-on do not stop it.
    """
    from .exports import export
    from .shacl import validate_graph

    kg = _load(ctx.obj["data"])
    if not no_validate:
        report = validate_graph(kg, engine=engine)
        if report.fails(fail_on):
            raise NotConforming("the graph does not conform to the shapes; nothing was written", report, fail_on)
    files = export(kg, out_dir)
    click.echo(f"Built {len(kg)} triples ({len(kg.ontology_triples)} ontology, {len(kg) - len(kg.ontology_triples)} data).")
    for f in files:
        click.echo(f"  wrote {f} ({f.stat().st_size} bytes)")


@main.command()
@click.option("--graph", "graph_file", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="Validate this RDF file (format by extension) instead of the project's graph (no record checks then).")
@click.option("--shapes", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SHACL shapes file (default: ontology/shapes.ttl).")
@click.option("--engine", type=_ENGINES, default="oxigraph", show_default=True, help=_ENGINE_HELP)
@click.option("--format", "fmt", type=click.Choice(["text", "turtle", "json"]), default="text", show_default=True,
              help="text for people; turtle: the W3C sh:ValidationReport; json: the same results as JSON.")
@_FAIL_ON
@click.pass_context
def validate(ctx: click.Context, graph_file: Path | None, shapes: Path | None, engine: str, fmt: str,
             fail_on: str) -> None:
    """Validate the project's graph (after the record checks), or any RDF file, against SHACL shapes.

    Exit 0: no result of severity --fail-on or above. 1: there is one. 2: validation could not run
    (unreadable files, a construct the engine does not support).
    """
    from .shacl import validate_file, validate_graph

    if graph_file is not None:
        report = validate_file(graph_file, shapes, engine)
    else:
        report = validate_graph(_load(ctx.obj["data"]), shapes, engine)
    if fmt == "text":
        click.echo(report.text(fail_on))
    else:
        click.echo(report.turtle() if fmt == "turtle" else report.json(), nl=False)
    sys.exit(EXIT_INVALID if report.fails(fail_on) else EXIT_OK)


def _remote_options(f):
    """--endpoint, --graph, --auth, --timeout of `query` (remote endpoints; see ikz_graph.remote)."""
    from .http import AUTH_SCHEMES
    from .namespaces import GRAPH_PUBLISHED

    for opt in reversed([
        click.option("--endpoint", metavar="URL", default=None,
                     help="Read the graph from this SPARQL 1.1 query endpoint instead of the embedded store."),
        click.option("--graph", metavar="IRI", default=GRAPH_PUBLISHED, show_default=True,
                     help="With --endpoint: the named graph to query; 'default' for the endpoint's default graph."),
        click.option("--auth", type=click.Choice(AUTH_SCHEMES), default="auto", show_default=True,
                     help="HTTP authentication (credentials from IKZ_GRAPH_USER/IKZ_GRAPH_PASSWORD or netrc)."),
        click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
                     help="Seconds one request may take as a whole (connect, send, complete answer)."),
    ]):
        f = opt(f)
    return f


def _source(ctx: click.Context, endpoint: str | None, graph: str, auth: str, timeout: float):
    """The embedded graph, or with --endpoint the remote endpoint (the analysis reads through SPARQL)."""
    if not endpoint:
        return _load(ctx.obj["data"])
    from .remote import RemoteEndpoint

    return RemoteEndpoint(endpoint, None if graph == "default" else graph, auth=auth, timeout=timeout)


def _parse_params(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for v in values:
        if "=" not in v:
            raise click.BadParameter(f"{v!r} is not key=value", param_hint="--param")
        k, _, val = v.partition("=")
        if k.strip() in out:  # one value per parameter: a second one must not silently win
            raise click.BadParameter(f"--param {k.strip()} is given twice", param_hint="--param")
        out[k.strip()] = val.strip()
    return out


@main.command()
@click.argument("name")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="A query parameter (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table", show_default=True,
              help="table for people; csv, tsv, json follow the W3C SPARQL 1.1 result formats.")
@click.option("--include", "includes", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE", help="Also load this RDF file (.ttl, .nt, .trig, .nq), e.g. analysis results (repeatable).")
@click.option("--allow-service", is_flag=True,
              help="Let a query with SERVICE make the embedded store send requests to other hosts (off by default).")
@_remote_options
@click.pass_context
def query(ctx: click.Context, name: str, params: tuple[str, ...], fmt: str, includes: tuple[Path, ...],
          allow_service: bool, endpoint: str | None, graph: str, auth: str, timeout: float) -> None:
    """Run the named query NAME (see `ikz-graph queries`) or a FILE.rq on the embedded store,
    or with --endpoint on a remote SPARQL 1.1 endpoint."""
    from .queries import get_query, run_query, write_result

    kv = _parse_params(params)
    get_query(name)  # an unknown query or a bad file is reported before the graph is loaded
    if endpoint and includes:
        raise QueryError("--include works on the embedded store only, not with --endpoint")
    kg = _source(ctx, endpoint, graph, auth, timeout)
    if not endpoint:
        for f in includes:
            try:
                kg.add_file(f)
            except DataError as e:  # a file the user named, not the project's data: exit 2
                raise QueryError(str(e)) from None
    result = run_query(kg, name, kv, allow_service=allow_service)  # a remote endpoint decides about SERVICE itself
    _to_stdout(lambda out: write_result(result, fmt, out))


def _to_stdout(write) -> None:
    """Stream output to stdout. A reader that closed the pipe early (``| head``) ends the command
    quietly with exit 0; any other write error (a full disk) is an error, exit 2."""
    import os

    from .errors import ExportError

    sys.stdout.flush()
    out = sys.stdout.buffer
    try:
        write(out)
        out.flush()
    except BrokenPipeError:
        try:  # nothing more can reach the reader; keep the interpreter from failing on its last flush
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        sys.exit(EXIT_OK)
    except OSError as e:
        raise ExportError(f"cannot write the output: {e.strerror or e}") from None


@main.command("queries")
def list_named_queries() -> None:
    """List the named queries with their titles and parameters."""
    from .queries import list_queries

    for q in list_queries():
        click.echo(f"{q.name}\n    {q.title}")
        for p in q.params:
            opt = ", optional" if p.optional else ""
            click.echo(f"    --param {p.name}=<{p.type}{opt}>  {p.description}")


# --------------------------------------------------------------------------- analysis

def _config(path: Path | None) -> dict:
    from .config import load_config

    return load_config(path)


def _day(value: str | None):
    from .dates import parse_iso_day

    if value is None:
        return None
    try:
        return parse_iso_day(value)
    except DateError as e:
        raise click.BadParameter(str(e), param_hint="--as-of") from None


_as_of_option = click.option("--as-of", "as_of", metavar="DATE", default=None,
                             help="Look at the network as it stood on this day (YYYY-MM-DD); default: all recorded ties.")
_config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                              help="YAML file overriding the analysis configuration (see docs/analysis.md).")


@main.command()
@_as_of_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("dist/analysis"),
              show_default=True, help="Folder for analysis.ttl, units.csv, clusters.csv and analysis.md.")
@_config_option
@_remote_options
@click.pass_context
def analyze(ctx: click.Context, as_of: str | None, out_dir: Path, config_path: Path | None,
            endpoint: str | None, graph: str, auth: str, timeout: float) -> None:
    """Cooperation network of districts and cities: clusters, centrality, brokers.

    Prints a summary and the clusters; writes the results as RDF (with the run's provenance),
    CSV and Markdown to --out. With --endpoint it reads a published graph from a SPARQL endpoint.
    """
    from .atomic import write_files
    from .network import analyze as run_analysis
    from .results import analysis_files, analysis_summary
    from .tables import text_table

    day = _day(as_of)
    cfg = _config(config_path)
    kg = _source(ctx, endpoint, graph, auth, timeout)
    result = run_analysis(kg, day, cfg)
    files = write_files(out_dir, analysis_files(result))
    for label, value in analysis_summary(result):
        click.echo(f"{label + ':':22}{value}")
    click.echo()
    click.echo(text_table(result.cluster_rows(), ["cluster", "name", "size"]), nl=False)
    for f in files:
        click.echo(f"  wrote {f}")


@main.command()
@click.argument("approach")
@_as_of_option
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="Show the N best candidates (or groups).")
@click.option("--groups", "group_size", type=click.IntRange(min=0, max=4), default=0, show_default=True,
              help="Rank groups of this many units that could start the approach among themselves (2 = pairs) instead of single units.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="Output format.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also write transfer-ID.ttl (RDF with provenance), .csv, -groups.csv and .md to this folder.")
@_config_option
@_remote_options
@click.pass_context
def transfer(ctx: click.Context, approach: str, as_of: str | None, top: int, group_size: int, fmt: str,
             out_dir: Path | None, config_path: Path | None, endpoint: str | None, graph: str, auth: str,
             timeout: float) -> None:
    """Rank the districts and cities that could take up APPROACH next, with reasons.

    APPROACH is a model project, shared service or institution (or any cooperation body), by
    identifier (emh, kfz-zulassung) or label. Every unit that does not take part gets a score in
    [0, 1] that is the sum of its per-factor contributions.
    """
    import json

    from .atomic import write_files
    from .results import transfer_document, transfer_files
    from .tables import csv_text, text_table
    from .transferability import rank

    day = _day(as_of)
    cfg = _config(config_path)
    kg = _source(ctx, endpoint, graph, auth, timeout)
    t = rank(kg, approach, day, cfg)
    groups = t.groups(group_size, top) if group_size >= 2 else []
    if out_dir is not None:
        all_groups = groups if groups else t.groups(2, top) + t.groups(3, top)
        write_files(out_dir, transfer_files(t, all_groups))
    if group_size >= 2:
        rows = [{"rank": g.rank, "units": ", ".join(g.labels), "score": round(g.score, 4), "fit": round(g.fit, 4),
                 "cohesion": round(g.cohesion, 4), "explanation": g.explanation} for g in groups]
    else:
        rows = t.rows(top)
    if fmt == "json":
        doc = transfer_document(t, groups if group_size >= 2 else None, top)
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
        return
    if fmt == "csv":
        click.echo(csv_text(rows), nl=False)
        return
    click.echo(f"Approach:     {t.approach_label} ({t.approach_kind})")
    click.echo(f"Participants: {', '.join(t.data.label(p) for p in t.participants)}")
    click.echo(f"As of:        {t.as_of or 'all recorded memberships'}")
    click.echo(f"Candidates:   {len(t.candidates)} scored; {len(t.not_scored)} not scored (listed below with the reason)")
    click.echo()
    if group_size >= 2:
        cols = [c for c in rows[0] if c != "explanation"] if rows else []
    else:
        cols = ["rank", "key", "unit", "score", "low", "high", "best", "worst", "fixed", "changeable"]
    click.echo(text_table(rows, cols), nl=False)
    click.echo()
    for r in rows:
        click.echo(f"{r['rank']:>3}. {r['explanation']}")
        if r.get("would_raise"):
            click.echo(f"     Would rise by at least {r['would_raise']}.")
    _echo_not_scored(t)


def _echo_not_scored(t) -> None:
    by_reason: dict[str, list[str]] = {}
    for row in t.not_scored_rows():
        by_reason.setdefault(row["reason"], []).append(f"{row['unit']} ({row['key']})")
    for reason, units in by_reason.items():
        click.echo(f"\nNot scored, {reason}: {', '.join(units)}.")


@main.command()
@click.option("--state", default="07", show_default=True, metavar="KEY",
              help="The Land (Länderschlüssel) whose units without a recorded cooperation are named.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True,
              help="Output format: aligned tables, Markdown tables, or JSON with every list in full.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to this file instead of printing it.")
@_remote_options
@click.pass_context
def coverage(ctx: click.Context, state: str, fmt: str, out_file: Path | None, endpoint: str | None, graph: str,
             auth: str, timeout: float) -> None:
    """What the graph records about cooperation and where it is thin: cooperations by kind, level, task
    field and Land; units with no recorded cooperation; memberships without a start; single-source facts."""
    from .coverage import coverage as run_coverage, render

    text = render(run_coverage(_source(ctx, endpoint, graph, auth, timeout), state), fmt)
    if out_file is None:
        click.echo(text, nl=False)
        return
    from .atomic import write_file

    click.echo(f"wrote {write_file(out_file, text)}")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Output format.")
@_config_option
@_remote_options
@click.pass_context
def evaluate(ctx: click.Context, fmt: str, config_path: Path | None, endpoint: str | None, graph: str, auth: str,
             timeout: float) -> None:
    """Check the transferability score against baselines: a temporal back-test (the headline) and
    leave one member out, with intervals that resample member sets."""
    import json

    from .evaluation import METHODS, evaluate as run_evaluation
    from .tables import text_table

    ev = run_evaluation(_source(ctx, endpoint, graph, auth, timeout), _config(config_path))
    if fmt == "json":
        doc = {"methods": METHODS, "sets": {k: v.to_json() for k, v in ev.sets.items()},
               "weights": {"configured": ev.config["transfer"]["weights"], "priors": ev.config["transfer"]["priors"],
                           "fitted": ev.fitted_weights, "chosen": ev.chosen(),
                           "configured_is_fitted": ev.configured_is_fitted(), "default_method": ev.default_method()},
               "goal": ev.goal(), "skipped": ev.skipped}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
        return
    titles = {"backtest": "Back-test (the headline): voluntary cooperation ranked on the day before it started",
              "loo": "Leave one member out, voluntary cooperation",
              "loo-planning": "Leave one member out, planning regions (assigned by law: a sanity check, not a transfer test)"}
    for name, cs in ev.sets.items():
        designs = ", ".join(f"{d} {n}" for d, n in sorted(_count(c.design for c in cs.cases).items()))
        click.echo(f"{titles[name]}: {len(cs.cases)} cases in {len({c.cooperation for c in cs.cases})} cooperations"
                   + (f" ({designs})" if name == "backtest" else "")
                   + f"; {cs.clusters} member sets, effective cases {cs.effective_cases:g}")
        click.echo(text_table(cs.rows(ev.default_method())) if cs.cases else "(no cases)\n", nl=False)
        click.echo()
    for line in _weights_report(ev):
        click.echo(line)
    click.echo()
    click.echo("Back-test cases:")
    rows = [{"start": str(c.start), "cooperation": c.cooperation_label, "unit": c.unit_label, "design": c.design,
             "participants": c.participants, "candidates": c.candidates,
             **{f"rank_{m}": round(c.metrics[m]["rank"], 1) for m in METHODS if m in c.metrics}}
            for c in ev.headline.cases]
    click.echo(text_table(rows), nl=False)
    if ev.skipped:
        click.echo()
        click.echo(f"Not evaluated ({len(ev.skipped)}):")
        for s in ev.skipped:
            click.echo(f"  {s}")


def _weights_report(ev) -> list[str]:
    """What `evaluate` says about the weights and the goal, below its tables."""
    def listed(w: dict) -> str:
        return ", ".join(f"{f} {v:.2f}" for f, v in w.items())

    out = [f"Weights fitted on all back-test cases: {listed(ev.fitted_weights)}.",
           f"The back-test chooses the {'fitted weights' if ev.chosen() == 'fitted' else 'priors'} (out of sample: "
           f"fitted MRR {ev.headline.summary['fitted']['mrr']:.3f}, priors {ev.headline.summary['priors']['mrr']:.3f})."
           if ev.headline.cases else "The back-test has no cases; the priors stay."]
    if ev.configured_is_fitted():
        out.append("The configured weights are these fitted ones, so the 'full' rows are in sample; "
                   "'fitted' gives their out-of-sample figures.")
    elif ev.config["transfer"]["weights"] != ev.chosen_weights():
        out.append("The configured weights are not the ones the back-test chooses: " + listed(ev.config["transfer"]["weights"]) + ".")
    g = ev.goal()
    if g["cases"]:
        lo, hi = g["ci"]
        out.append(f"Goal: MRR at least {g['required_ratio']:g} times the best baseline's, the paired interval above zero: "
                   f"{g['method']} {g['mrr']:.3f} against {g['best_baseline']} {g['best_baseline_mrr']:.3f}, "
                   f"{g['ratio']:.2f} times, difference {g['difference']:+.3f} ({lo:+.2f} to {hi:+.2f}): "
                   + ("reached." if g["reached"] else "not reached."))
    return out


def _count(items) -> dict[str, int]:
    out: dict[str, int] = {}
    for x in items:
        out[x] = out.get(x, 0) + 1
    return out


@main.command()
@click.option("--view", type=click.Choice(["overview", "project", "unit", "transfer", "map"]), default="overview",
              show_default=True,
              help="overview; project ID; unit KEY; transfer APPROACH (the target follows the view); map (see --level, --of).")
@click.argument("target", required=False, metavar="[ID|KEY|APPROACH]")
@click.option("--as-of", "as_of", default=None, metavar="DATE",
              help="Only memberships that may have been running on DATE (YYYY-MM-DD), as in cooperation-as-of.")
@click.option("--level", type=click.Choice(["kreis", "gemeindeverband"]), default=None,
              help="The map's units: kreis (Kreise and kreisfreie Städte, the default) or gemeindeverband "
                   "(the Verbandsgemeinden and verbandsfreie Gemeinden of Rhineland-Palatinate).")
@click.option("--of", "of", type=(click.Choice(["project", "unit", "transfer"]), str), default=None,
              metavar="project ID | unit KEY | transfer APPROACH",
              help="What colours the map: a project's members, a unit's partners, a transfer's scores (default: clusters).")
@click.option("--format", "fmt", type=click.Choice(["html", "svg"]), default="html", show_default=True,
              help="The map as an interactive page (html) or as an SVG for reports, with legend and attribution.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write: self-contained, opens offline without any request.")
@click.pass_context
def viz(ctx: click.Context, view: str, target: str | None, as_of: str | None, level: str | None,
        of: tuple[str, str] | None, fmt: str, out_file: Path) -> None:
    """Write an interactive HTML view: ikz-graph viz [--view overview | project ID | unit KEY | transfer APPROACH | map]."""
    from .errors import VizError
    from .viz import build_view, render_graph, write_map, write_page

    if view != "map" and (level or of or fmt != "html"):
        raise VizError("--level, --of and --format belong to the map (--view map)")
    if view == "map" and target:
        raise VizError(f"the map takes no target (got {target!r}); say what colours it with --of, "
                       "e.g. --of transfer kfz-zulassung")
    kg = _load(ctx.obj["data"])
    if view == "map":
        path, m = write_map(kg, out_file, level or "kreis", of, as_of, fmt)
        click.echo(f"Wrote {path} ({m.title}: {len(m.areas)} areas"
                   + (f", as of {m.as_of}" if m.as_of else "") + f"; {path.stat().st_size} bytes).")
        return
    g = build_view(kg, view, target, as_of)
    path = write_page(render_graph(g), out_file)
    click.echo(f"Wrote {path} ({g.title}: {len(g.nodes)} nodes, {len(g.edges)} edges"
               + (f", as of {g.as_of}" if g.as_of else "") + f"; {path.stat().st_size} bytes).")


@main.command("publish")
@click.option("--endpoint", metavar="URL", required=True,
              help="Graph Store endpoint (gsp) or SPARQL Update endpoint (update) of the triple store.")
@click.option("--graph", metavar="IRI", default=None,
              help="The named graph to replace (default: https://w3id.org/ikz-graph/graph/all).")
@click.option("--protocol", type=click.Choice(["gsp", "update"]), default="gsp", show_default=True,
              help="gsp: SPARQL 1.1 Graph Store HTTP Protocol (PUT); update: SPARQL 1.1 Update.")
@click.option("--auth", type=click.Choice(["auto", "basic", "digest", "none"]), default="auto", show_default=True,
              help="HTTP authentication (credentials from IKZ_GRAPH_USER/IKZ_GRAPH_PASSWORD or netrc).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds one request may take as a whole (connect, send, complete answer).")
@click.option("--query-endpoint", metavar="URL", default=None,
              help="With --protocol update: where to check the outcome if the answer to the final MOVE is lost "
                   "(default: URL/query beside an endpoint ending in /update, then the update endpoint).")
@click.pass_context
def publish_cmd(ctx: click.Context, endpoint: str, graph: str | None, protocol: str, auth: str,
                timeout: float, query_endpoint: str | None) -> None:
    """Replace a named graph in a triple store with the current build (ontology + data).

    A failed upload leaves the graph on the server as it was; the message says so, or that the
    outcome is unknown, and names a staging graph left behind. Exit 2 when publishing failed.
    """
    from .namespaces import GRAPH_PUBLISHED
    from .publish import publish

    rep = publish(_load(ctx.obj["data"]), endpoint, graph or GRAPH_PUBLISHED, protocol, auth=auth, timeout=timeout,
                  query_endpoint=query_endpoint)
    click.echo(f"Published {rep.triples} triples to graph {rep.graph} at {rep.endpoint} "
               f"({rep.protocol}, {rep.requests} request{'s' if rep.requests != 1 else ''}, {rep.seconds:.1f} s).")
    if rep.note:
        click.echo(f"Note: {rep.note}.")


@main.command()
@click.option("--port", type=click.IntRange(0, 65535), default=7878, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--allow-service", is_flag=True,
              help="Let queries call other endpoints with SERVICE. Off by default: any web page open in your "
                   "browser could then make this endpoint send requests to hosts on your network.")
@click.option("--query-timeout", type=click.FloatRange(min=1), default=60.0, show_default=True, metavar="SECONDS",
              help="Stop a query that runs longer than this.")
@click.pass_context
def serve(ctx: click.Context, port: int, allow_service: bool, query_timeout: float) -> None:
    """Serve the built graph as a read-only SPARQL endpoint on 127.0.0.1 until stopped (Ctrl-C)."""
    import signal

    from .errors import ServeError
    from .serve import start_server

    kg = _load(ctx.obj["data"])
    server = start_server(kg, port, allow_service=allow_service, query_timeout=query_timeout)
    for sig in (signal.SIGTERM, signal.SIGHUP):  # a normal way to stop a server: clean up, exit 0
        signal.signal(sig, lambda *_: sys.exit(0))
    try:
        click.echo(f"SPARQL endpoint: {server.query_url} ({len(kg)} triples in graph {server.graph}, "
                   "also the default graph; read-only)")
        click.echo(f"Query page:      {server.page_url} (YASGUI, served by Oxigraph)")
        click.echo("Stop with Ctrl-C.")
        sys.stdout.flush()
        code = server.wait()
        raise ServeError(f"the Oxigraph server stopped (exit {code})")
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


@main.command("docs")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=Path("dist/ontology.html"),
              show_default=True, help="The HTML page to write.")
@click.pass_context
def docs_cmd(ctx: click.Context, out_file: Path) -> None:
    """Write the human-readable page of the ontology: every class, property and SKOS scheme with
    its German and English labels and definitions, its reuse of W3C terms, and examples from the data."""
    from .atomic import write_file
    from .ontodoc import ontology_page

    page = ontology_page(_load(ctx.obj["data"]))
    path = write_file(out_file, page.encode("utf-8"))
    click.echo(f"Wrote {path} (the ontology, {path.stat().st_size} bytes; opens offline).")


@main.group("import", invoke_without_command=False)
def import_group() -> None:
    """Import an official register into the base layer's tables (data/base/*.tsv).

    Each format reads any release of its publisher's format; the tables are deterministic, so the
    import of a newer release shows as a clean diff (git diff data/base). `import all` re-imports the
    copies vendored in data/official/.
    """


def _import_out(out_dir: Path | None) -> Path:
    from .paths import default_data_dir

    return out_dir or default_data_dir() / "base"


_IMPORT_OUT = click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                           help="Folder to write the tables to (default: data/base/ of the project).")


def _report(paths: list[Path]) -> None:
    for p in paths:
        click.echo(f"  wrote {p} ({p.stat().st_size} bytes)")


def _import_command(fmt: str, what: str, many: bool = False):
    @import_group.command(fmt, help=f"Import {what}.")
    @click.argument("paths", nargs=-1 if many else 1, required=True,
                    type=click.Path(path_type=Path, exists=False))
    @_IMPORT_OUT
    @click.option("--population-date", "population_date", default=None, metavar="YYYY-MM-DD",
                  hidden=fmt != "gv100ad",
                  help="The reference day of the population figures (default: 31 December of the year before "
                       "the territorial status).")
    def command(paths, out_dir: Path | None, population_date: str | None) -> None:
        from .official.run import run_import

        day = _day(population_date) if population_date else None
        paths = list(paths) if many else [paths]
        _report(run_import(fmt, paths, _import_out(out_dir), population_date=day))

    return command


from .official.run import FORMATS as _IMPORT_FORMATS  # noqa: E402  (names and help texts only; no heavy imports)

for _fmt, (_what, _) in _IMPORT_FORMATS.items():
    _import_command(_fmt, _what, many=_fmt == "changes")


@import_group.command("all")
@click.option("--official", "official_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of the vendored raw files (default: data/official/ of the project).")
@_IMPORT_OUT
def import_all_cmd(official_dir: Path | None, out_dir: Path | None) -> None:
    """Re-import every official file vendored in data/official/ into data/base/."""
    from .official.run import import_all
    from .paths import default_data_dir

    _report(import_all(official_dir or default_data_dir() / "official", _import_out(out_dir)))


@main.command()
@click.option("--size", type=click.Choice(["rlp", "100k", "1m"]), default="rlp", show_default=True,
              help="rlp: one state (24 districts, 12 cities, 230 municipalities, ~25k triples); "
                   "100k: one state with 1,040 municipalities; 1m: all of Germany (~1M triples).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the synthetic records to (replaced as a whole).")
@click.option("--seed", type=int, default=42, show_default=True, help="Random seed (same seed, same files).")
def synth(size: str, out_dir: Path, seed: int) -> None:
    """Write a synthetic nationwide data set (NOT real data) for tests and benchmarks.

    The records are in the project's own format and marked `synthetic: true`; build them with
    `ikz-graph --data DIR build`. They must never be mixed with the real records in data/.
    """
    from .synthetic import generate

    s = generate(size, out_dir, seed)
    click.echo(f"Wrote synthetic data ({size}, seed {seed}) to {out_dir}: {s['states']} states, "
               f"{s['districts']} districts and cities, {s['municipalities']} municipalities, "
               f"{s['bodies']} cooperation bodies, {s['memberships']} memberships, "
               f"{s['model_projects']} model projects.")
    click.echo(f"Build it with: ikz-graph --data {out_dir} build")


if __name__ == "__main__":  # pragma: no cover
    main()
