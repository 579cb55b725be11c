"""``appliance lists`` (show, import, remove) and ``appliance documents check``."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from .common import DataDirMissing, data_dir_option, existing_data_dir, group_data_dir_option

MAX_SHOWN_REJECTIONS = 50
#: list names a box accepts on import: the hub's rule (sync.hub.lists.LIST_NAME)
LIST_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


#: kept for callers of the old name: a missing data directory
DataDirError = DataDirMissing


def _open(data_dir):
    """Open the store in the resolved data directory (which must exist)."""
    from ..config import load_config
    from ..store.db import connect, database_path

    d = existing_data_dir(data_dir)
    timeout = load_config(data_dir=d)["store"]["busy_timeout_ms"]
    return connect(database_path(d), busy_timeout_ms=timeout)


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 document``, ``2 documents``."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def counts_text(r: dict) -> str:
    """A list's size in words."""
    if r["kind"] == "watchlist":
        return (f"{plural(r['persons'], 'person')}, {plural(r['entities'], 'entity', 'entities')}, "
                f"{plural(r['names'], 'name')}, {plural(r['documents'], 'document')}")
    return plural(r["documents"], "document")


@click.group()
@group_data_dir_option
def lists() -> None:
    """Watchlists and lost/stolen document lists on this box."""


@lists.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@data_dir_option
def show(as_json: bool, data_dir: str | None) -> None:
    """Show every list with its version, dates and counts."""
    from ..store.lists import SHOW_KEYS, list_lists

    rows = list_lists(_open(data_dir))
    if as_json:
        click.echo(json.dumps([{k: r[k] for k in SHOW_KEYS} for r in rows], indent=2))
        return
    if not rows:
        click.echo("no lists on this box (add one with `appliance lists import`)")
        return
    for r in rows:
        click.echo(f"{r['name']}  [{r['kind']}, {r['format']}{', hashed' if r['hashed'] else ''}]")
        click.echo(f"  version {r['version']}  published {r['published_at'] or '-'}  imported {r['imported_at']}")
        click.echo(f"  {counts_text(r)}")
        click.echo(f"  source {r['source']}")


def _print_rejections(rejected) -> None:
    """List rejected rows (file:line: reason) on stderr."""
    for r in rejected[:MAX_SHOWN_REJECTIONS]:
        click.echo(f"rejected {r}", err=True)
    if len(rejected) > MAX_SHOWN_REJECTIONS:
        click.echo(f"... and {len(rejected) - MAX_SHOWN_REJECTIONS} more rejected rows", err=True)


@lists.command("import")
@click.option("--list", "list_name", required=True, help="Name of the list to create or replace.")
@click.option("--format", "fmt", required=True,
              type=click.Choice(["un-xml", "ofac-csv", "csv", "ndjson", "documents-csv"]), help="File format.")
@click.option("--max-errors", type=click.IntRange(min=0), default=0, show_default=True,
              help="Bad rows to skip; one more aborts the import and nothing changes.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@data_dir_option
def import_(list_name: str, fmt: str, max_errors: int, as_json: bool, files: tuple[str, ...], data_dir: str | None) -> None:
    """Import FILE... as list NAME, all or nothing; the old version stays in force until it commits."""
    from ..lists.errors import AllRowsRejected, TooManyErrors
    from ..store.importing import import_list

    if not LIST_NAME.fullmatch(list_name):
        raise click.BadParameter("use letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit),"
                                 " as the central hub does", param_hint="--list")
    db = _open(data_dir)
    bar = None
    state = {"total": 0}

    def on_total(total: int) -> None:
        nonlocal bar
        state["total"] = total
        if sys.stderr.isatty() and not as_json:
            bar = click.progressbar(length=max(total, 1), label=f"importing {list_name}", file=sys.stderr)
            bar.__enter__()

    def progress(n: int) -> None:
        if bar is not None:
            bar.update(n)

    try:
        report = import_list(db, list_name, fmt, [Path(f) for f in files], max_errors=max_errors,
                             progress=progress, on_total=on_total)
    except (TooManyErrors, AllRowsRejected) as exc:
        if bar is not None:
            bar.__exit__(None, None, None)
        _print_rejections(exc.rejected)
        raise
    finally:
        if bar is not None and not bar.finished:
            bar.__exit__(None, None, None)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
        return
    _print_rejections(report.rejected)
    r = report.list
    click.echo(f"imported list {r['name']} ({r['format']}, version {r['version']}): {counts_text(r)}; "
               f"{plural(len(report.rejected), 'row')} rejected; {report.seconds:.2f} s")


@lists.command("remove")
@click.argument("name")
@data_dir_option
def remove(name: str, data_dir: str | None) -> None:
    """Remove list NAME and everything in it."""
    from ..store.lists import remove_list

    shown = remove_list(_open(data_dir), name)
    click.echo(f"removed list {shown['name']} ({shown['kind']}, version {shown['version']})")


@click.group()
@group_data_dir_option
def documents() -> None:
    """Lost, stolen and revoked travel documents."""


@documents.command("check")
@click.option("--state", required=True, help="Issuing state (ICAO code, e.g. FRA, D, GBR).")
@click.option("--number", required=True, help="Document number as printed (spaces, hyphens and fillers are ignored).")
@click.option("--type", "doc_type", default=None, help="Document type (P passport, I identity card, V visa...).")
@click.option("--json", "as_json", is_flag=True, help="Print {found, matches} as JSON.")
@data_dir_option
def check_cmd(state: str, number: str, doc_type: str | None, as_json: bool, data_dir: str | None) -> int:
    """Check a document against every list; exit status 0 when found, 1 when not."""
    from ..lists.countries import normalize_state
    from ..lists.docnumbers import normalize_number
    from ..store.documents import check

    if not normalize_state(state):
        raise click.BadParameter(f"{state!r} is not an ICAO state code", param_hint="--state")
    if not normalize_number(number):
        raise click.BadParameter("the number has no letters or digits", param_hint="--number")
    matches = check(_open(data_dir), state, number, doc_type)
    if as_json:
        click.echo(json.dumps({"found": bool(matches), "matches": matches}, indent=2))
    elif not matches:
        click.echo("not found in any list")
    else:
        for m in matches:
            click.echo(f"FOUND in {m['list']}: {m['status']}  {m['issuing_state'] or '?'} {m['document_type'] or '?'} "
                       f"{m['document_number']}  ref {m['reference'] or '-'}")
    return 0 if matches else 1
