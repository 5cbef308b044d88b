"""Command-line interface: ``ikz-graph <verb>`` (also ``python -m ikz_graph``).

Exit codes: 0 success; 1 the data does not conform (record checks or SHACL);
2 an error that stopped the command (bad arguments or parameters, unknown query, unreadable
shapes, failed write).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import DataError, IkzError, QueryError

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


def _fail(msg: str, code: int) -> None:
    click.echo(f"error: {msg}", err=True)
    sys.exit(code)


def _load(data_dir):
    from .graph import load

    try:
        return load(data_dir)
    except DataError as e:
        _fail(str(e), EXIT_INVALID)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ikz-graph")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), envvar="IKZ_GRAPH_DATA",
              default=None, help="Folder of curated records (default: data/ of the project; env IKZ_GRAPH_DATA).")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """ikz-graph: the open knowledge graph of inter-municipal cooperation (IKZ) in Germany."""
    ctx.obj = {"data": data_dir}


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("dist"),
              show_default=True, help="Folder to write the exports to.")
@click.option("--no-validate", is_flag=True, help="Skip the SHACL check (record checks always run).")
@click.pass_context
def build(ctx: click.Context, out_dir: Path, no_validate: bool) -> None:
    """Build ontology + data and write ikz.ttl, ikz.nt, ikz.trig, ikz.jsonld (+ context).

    Nothing is written when the data has a problem (exit 1).
    """
    kg = _load(ctx.obj["data"])
    if not no_validate:
        try:
            report = kg.validate()
        except IkzError as e:
            _fail(str(e), EXIT_ERROR)
        if not report.conforms:
            click.echo(report.text(), err=True)
            _fail("the graph does not conform to the shapes; nothing was written", EXIT_INVALID)
    try:
        files = kg.export(out_dir)
    except IkzError as e:
        _fail(str(e), EXIT_ERROR)
    click.echo(f"Built {len(kg)} triples ({len(kg.ontology_triples)} ontology, {len(kg.data_triples)} data).")
    for f in files:
        click.echo(f"  wrote {f} ({f.stat().st_size} bytes)")


@main.command()
@click.option("--shapes", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SHACL shapes file (default: ontology/shapes.ttl).")
@click.pass_context
def validate(ctx: click.Context, shapes: Path | None) -> None:
    """Check the records and validate the graph against the SHACL shapes.

    Exit 0: conforms. 1: violations. 2: validation could not run.
    """
    kg = _load(ctx.obj["data"])
    try:
        report = kg.validate(shapes)
    except IkzError as e:
        _fail(str(e), EXIT_ERROR)
    click.echo(report.text())
    sys.exit(EXIT_OK if report.conforms else EXIT_INVALID)


def _parse_params(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for v in values:
        if "=" not in v:
            raise click.BadParameter(f"{v!r} is not key=value", param_hint="--param")
        k, _, val = v.partition("=")
        out[k.strip()] = val.strip()
    return out


@main.command()
@click.argument("name")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="A query parameter (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table", show_default=True,
              help="table for people; csv, tsv, json follow the W3C SPARQL 1.1 result formats.")
@click.pass_context
def query(ctx: click.Context, name: str, params: tuple[str, ...], fmt: str) -> None:
    """Run the named query NAME (see `ikz-graph queries`) or a FILE.rq on the embedded store."""
    from .queries import format_result, get_query, bind_params

    kv = _parse_params(params)
    try:
        q = get_query(name)
    except QueryError as e:
        _fail(str(e), EXIT_ERROR)
    kg = _load(ctx.obj["data"])
    try:
        result = kg.query(q.text, bind_params(kg, q, kv))
    except QueryError as e:
        _fail(str(e), EXIT_ERROR)
    click.echo(format_result(result, fmt), nl=False)


@main.command("queries")
def list_named_queries() -> None:
    """List the named queries with their titles and parameters."""
    from .queries import list_queries

    try:
        qs = list_queries()
    except QueryError as e:
        _fail(str(e), EXIT_ERROR)
    for q in qs:
        click.echo(f"{q.name}\n    {q.title}")
        for p in q.params:
            opt = ", optional" if p.optional else ""
            click.echo(f"    --param {p.name}=<{p.type}{opt}>  {p.description}")


@main.command()
@click.option("--view", type=click.Choice(["overview", "project", "unit", "transfer"]), default="overview",
              show_default=True, help="overview; project ID; unit KEY; transfer APPROACH (the target follows the view).")
@click.argument("target", required=False, metavar="[ID|KEY|APPROACH]")
@click.option("--as-of", "as_of", default=None, metavar="DATE",
              help="Only memberships that may have been running on DATE (YYYY-MM-DD), as in cooperation-as-of.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The HTML file to write: self-contained, opens offline without any request.")
@click.pass_context
def viz(ctx: click.Context, view: str, target: str | None, as_of: str | None, out_file: Path) -> None:
    """Write an interactive HTML view: ikz-graph viz [--view overview | project ID | unit KEY | transfer APPROACH]."""
    from .viz import VizError, build_view, render_graph, write_page

    if view == "overview" and target:
        _fail(f"the overview takes no target (got {target!r})", EXIT_ERROR)
    kg = _load(ctx.obj["data"])
    try:
        g = build_view(kg, view, target, as_of)
        path = write_page(render_graph(g), out_file)
    except VizError as e:
        _fail(str(e), EXIT_ERROR)
    except IkzError as e:
        _fail(str(e), EXIT_ERROR)
    click.echo(f"Wrote {path} ({g.title}: {len(g.nodes)} nodes, {len(g.edges)} edges"
               + (f", as of {g.as_of}" if g.as_of else "") + f"; {path.stat().st_size} bytes).")


if __name__ == "__main__":  # pragma: no cover
    main()
