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


def _remote_options(f):
    """--endpoint, --graph, --auth, --timeout of `query` (remote endpoints; see ikz_graph.remote)."""
    from .publish import AUTH_SCHEMES, GRAPH_PUBLISHED

    for opt in reversed([
        click.option("--endpoint", metavar="URL", default=None,
                     help="Run the query on this SPARQL 1.1 query endpoint instead of the embedded store."),
        click.option("--graph", metavar="IRI", default=GRAPH_PUBLISHED, show_default=True,
                     help="With --endpoint: the named graph to query; 'default' for the endpoint's default graph."),
        click.option("--auth", type=click.Choice(AUTH_SCHEMES), default="auto", show_default=True,
                     help="HTTP authentication (credentials from IKZ_GRAPH_USER/IKZ_GRAPH_PASSWORD or netrc)."),
        click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
                     help="Seconds to wait for the server (per request)."),
    ]):
        f = opt(f)
    return f


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
@_remote_options
@click.pass_context
def query(ctx: click.Context, name: str, params: tuple[str, ...], fmt: str, endpoint: str | None, graph: str,
          auth: str, timeout: float) -> None:
    """Run the named query NAME (see `ikz-graph queries`) or a FILE.rq on the embedded store,
    or with --endpoint on a remote SPARQL 1.1 endpoint."""
    from .queries import format_result, get_query, bind_params

    kv = _parse_params(params)
    try:
        q = get_query(name)
    except QueryError as e:
        _fail(str(e), EXIT_ERROR)
    if endpoint:
        from .remote import RemoteEndpoint

        try:
            kg = RemoteEndpoint(endpoint, None if graph == "default" else graph, auth=auth, timeout=timeout)
        except IkzError as e:
            _fail(str(e), EXIT_ERROR)
    else:
        kg = _load(ctx.obj["data"])
    try:
        result = kg.query(q.text, bind_params(kg, q, kv))
    except IkzError as e:
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
              help="Seconds to wait for the server (per request).")
@click.pass_context
def publish_cmd(ctx: click.Context, endpoint: str, graph: str | None, protocol: str, auth: str,
                timeout: float) -> None:
    """Replace a named graph in a triple store with the current build (ontology + data).

    A failed upload leaves the graph on the server as it was. Exit 2 when publishing failed.
    """
    from .publish import GRAPH_PUBLISHED, publish

    kg = _load(ctx.obj["data"])
    try:
        rep = publish(kg, endpoint, graph or GRAPH_PUBLISHED, protocol, auth=auth, timeout=timeout)
    except IkzError as e:
        _fail(str(e), EXIT_ERROR)
    click.echo(f"Published {rep.triples} triples to graph {rep.graph} at {rep.endpoint} "
               f"({rep.protocol}, {rep.requests} request{'s' if rep.requests != 1 else ''}, {rep.seconds:.1f} s).")


@main.command()
@click.option("--port", type=click.IntRange(0, 65535), default=7878, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.pass_context
def serve(ctx: click.Context, port: int) -> None:
    """Serve the built graph as a read-only SPARQL endpoint on 127.0.0.1 until stopped (Ctrl-C)."""
    import signal

    from .serve import start_server

    kg = _load(ctx.obj["data"])
    try:
        server = start_server(kg, port)
    except IkzError as e:
        _fail(str(e), EXIT_ERROR)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        click.echo(f"SPARQL endpoint: {server.query_url} ({len(kg)} triples in graph {server.graph}, "
                   "also the default graph; read-only)")
        click.echo("Stop with Ctrl-C.")
        sys.stdout.flush()
        code = server.wait()
        _fail(f"the Oxigraph server stopped (exit {code})", EXIT_ERROR)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
