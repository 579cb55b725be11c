"""``appliance trust``: the CSCA certificates, CRLs and master lists passport chips are checked against."""

from __future__ import annotations

import json

import click

from .lists import _open, data_dir_option


@click.group()
def trust() -> None:
    """Trust store for passport chips (CSCA certificates, CRLs, ICAO master lists)."""


@trust.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@data_dir_option
def import_cmd(files, data_dir):
    """Import CSCA certificates (PEM/DER), CRLs and ICAO master lists (.ml, signature verified); all or nothing."""
    from ..config import resolve_data_dir
    from ..store.trust import import_files

    db = _open(data_dir)
    try:
        summary = import_files(db, resolve_data_dir(data_dir), files)
    finally:
        db.conn.close()
    click.echo(f"{summary['added']} new trust anchor(s) ({summary['cscas']} CSCA certificate(s), {summary['crls']} CRL(s) "
               f"in {summary['files']} file(s); {summary['found'] - summary['added']} already present)")


@trust.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@data_dir_option
def show_cmd(as_json, data_dir):
    """List the trusted CSCA certificates and CRLs."""
    from ..store.trust import show

    db = _open(data_dir)
    try:
        rows = show(db)
    finally:
        db.conn.close()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("the trust store is empty: chips cannot be proven genuine (appliance trust import FILE...)")
    for r in rows:
        click.echo(f"{r['kind']:<4} {r['country'] or '--':<3} {r['subject']}  valid {r['not_before'][:10]} to "
                   f"{(r['not_after'] or '')[:10]}  ({r['source']})")
