"""``appliance manifests``: passenger and crew lists before arrival (import, list, show, rescreen, close)."""

from __future__ import annotations

import json

import click

from .lists import _open, data_dir_option

MAX_SHOWN_REJECTIONS = 50


def _context(data_dir: str | None):
    """(database, database path, screening policy) of the data directory."""
    from ..config import load_config, resolve_data_dir
    from ..screening import screening_policy
    from ..store.db import database_path

    db = _open(data_dir)
    directory = resolve_data_dir(data_dir)
    return db, database_path(directory), screening_policy(load_config(data_dir=directory))


def _counts(screened: dict) -> str:
    """'2 HIT, 1 POSSIBLE_MATCH, ...' without the zero ones (CLEAR always shown)."""
    parts = [f"{n} {d}" for d, n in screened.items() if n or d == "CLEAR"]
    return ", ".join(parts)


workers_option = click.option("--workers", type=click.IntRange(1, 16), default=None,
                              help="Screening processes for large lists (default: CPUs, at most 4).")


@click.group()
def manifests() -> None:
    """Passenger and crew lists received before arrival, pre-screened against the local lists."""


@manifests.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["paxlst", "fal-csv"]), default=None,
              help="File format (default: recognised from the content).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@workers_option
@data_dir_option
def import_(files, fmt, as_json, workers, data_dir) -> None:
    """Import the list(s) of one arrival (parts, crew and passenger lists together) and screen every person.

    Exit status 0 when imported, 2 when refused (nothing is stored then).
    """
    from ..manifests.errors import ManifestRefused
    from ..manifests.service import RESULT_KEYS, import_files, refused_result

    db, db_path, policy = _context(data_dir)
    try:
        result = import_files(db, db_path, policy, files, fmt, workers=workers)
    except ManifestRefused as exc:
        result = refused_result(exc.problems)
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False))
        else:
            click.echo("refused: nothing was imported", err=True)
            for p in result["rejected"][:MAX_SHOWN_REJECTIONS]:
                where = f"line {p['line']}: " if p["line"] else ""
                click.echo(f"  {where}{p['reason']}", err=True)
            if len(result["rejected"]) > MAX_SHOWN_REJECTIONS:
                click.echo(f"  ... {len(result['rejected']) - MAX_SHOWN_REJECTIONS} more", err=True)
        raise SystemExit(2) from None
    if as_json:
        click.echo(json.dumps({k: result[k] for k in RESULT_KEYS}, ensure_ascii=False))
        return
    verb = "added to" if result["_merged"] else "imported as"
    click.echo(f"{verb} manifest {result['manifest_id']}: {result['carrier'] or '?'} {result['voyage'] or ''} "
               f"{result['vessel'] or ''} arriving {result['arrival_port'] or '?'} {result['arrival_at'] or ''}")
    click.echo(f"  {result['persons']} persons ({result['crew']} crew, {result['passengers']} passengers): "
               f"{_counts(result['screened'])}")
    for w in result["_warnings"]:
        click.echo(f"  note: {w}")


@manifests.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--open", "only_open", is_flag=True, help="Only open manifests.")
@data_dir_option
def list_(as_json, only_open, data_dir) -> None:
    """List the manifests on this box, open ones first, with their pre-screening counts."""
    from ..manifests.store import list_manifests

    rows = list_manifests(_open(data_dir), include_closed=not only_open)
    for r in rows:
        r.pop("_raw", None)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no manifests on this box (add one with `appliance manifests import`)")
        return
    for r in rows:
        click.echo(f"{r['id']:>4}  {r['status']:<6}  {r['carrier'] or '?'} {r['voyage'] or ''} {r['vessel'] or ''}  "
                   f"arriving {r['arrival_port'] or '?'} {r['arrival_at'] or '?'}  {r['persons']} persons "
                   f"({r['crew']} crew)  {_counts(r['screened'])}  presented {r['presented']}")


def _person_line(p: dict) -> str:
    """One person for a terminal."""
    doc = f"{p['doc_type'] or ''} {p['doc_state'] or ''} {p['doc_number'] or 'no document'}".strip()
    flag = " in transit" if p["in_transit"] else ""
    return (f"{p['seq']:>5} {p['decision']:<16} {p['kind']:<9}{flag} {p['surname']}, {p['given_names']}  "
            f"born {p['birth_date'] or '?'}  {p['nationality'] or '?'}  {doc}  [{p['presentation']}]")


@manifests.command("show")
@click.argument("manifest_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the manifest and every person as JSON.")
@data_dir_option
def show(manifest_id, as_json, data_dir) -> None:
    """Show a manifest: each person's verdict, matches and presentation state (hits first)."""
    from ..manifests.store import get_manifest

    m = get_manifest(_open(data_dir), manifest_id)
    m.pop("_raw", None)
    order = {"HIT": 0, "POSSIBLE_MATCH": 1, "DOCUMENT_INVALID": 2, "CLEAR": 3}
    m["persons_list"].sort(key=lambda p: (order.get(p["decision"], 9), p["seq"]))
    if as_json:
        m["persons"], m["person_count"] = m.pop("persons_list"), m["persons"]
        click.echo(json.dumps(m, ensure_ascii=False, indent=2))
        return
    click.echo(f"manifest {m['id']} ({m['status']}): {m['carrier'] or '?'} {m['voyage'] or ''} {m['vessel'] or ''} "
               f"from {m['departure_port'] or '?'} arriving {m['arrival_port'] or '?'} {m['arrival_at'] or '?'}")
    click.echo(f"  {m['persons']} persons ({m['crew']} crew, {m['passengers']} passengers): {_counts(m['screened'])}; "
               f"presented {m['presented']}")
    click.echo(f"  lists used: {', '.join(f'{k} {v}' for k, v in m['list_versions'].items()) or 'none'}")
    for w in m["warnings"]:
        click.echo(f"  note: {w}")
    for p in m["persons_list"]:
        click.echo(_person_line(p))
        if p["decision"] != "CLEAR":
            click.echo(f"        reasons: {', '.join(r for r in p['reasons'] if r != 'manifest_entry')}")
        for x in p["matches"]:
            if x["kind"] == "document":
                click.echo(f"        document {x['evidence'].get('status')} on list {x['list']} (reference {x['entry_id']})")
            else:
                click.echo(f"        {x['score']:.2f}  {x['list']}/{x['entry_id']}  \"{x['matched_name']}\"")


@manifests.command("rescreen")
@click.argument("manifest_ids", nargs=-1, type=int)
@click.option("--force", is_flag=True, help="Re-screen even when the lists have not changed.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (one object per manifest).")
@workers_option
@data_dir_option
def rescreen(manifest_ids, force, as_json, workers, data_dir) -> None:
    """Re-screen open manifests whose lists were updated since they were screened; report changed verdicts."""
    from ..manifests.service import rescreen as run

    db, db_path, policy = _context(data_dir)
    reports = run(db, db_path, policy, manifest_ids or None, force=force, workers=workers)
    if as_json:
        click.echo(json.dumps(reports, ensure_ascii=False, indent=2))
        return
    if not reports:
        click.echo("no open manifests")
    for r in reports:
        if r.get("skipped"):
            click.echo(f"manifest {r['manifest_id']}: not re-screened ({r['skipped']})")
            continue
        click.echo(f"manifest {r['manifest_id']}: {r['rescreened']} persons re-screened, {len(r['changed'])} verdicts changed")
        for c in r["changed"]:
            click.echo(f"  {c['seq']:>5} {c['name']}: {c['from']} -> {c['to']}")


@manifests.command("close")
@click.argument("manifest_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@data_dir_option
def close(manifest_id, as_json, data_dir) -> None:
    """Close a manifest after arrival and report who on it never presented."""
    from ..manifests.service import close_manifest

    r = close_manifest(_open(data_dir), manifest_id)
    if as_json:
        click.echo(json.dumps(r, ensure_ascii=False, indent=2))
        return
    missing = r["never_presented"]
    click.echo(f"manifest {manifest_id} closed: {r['presented']} of {r['persons']} presented, "
               f"{len(missing)} never presented")
    for p in missing:
        click.echo(f"  {p['seq']:>5} {p['decision']:<16} {p['kind']:<9} {p['surname']}, {p['given_names']}  "
                   f"born {p['birth_date'] or '?'}  {p['doc_state'] or ''} {p['doc_number'] or 'no document'}")
