"""``appliance screen``: screen one MRZ, or a batch of them as NDJSON, against the local lists."""

from __future__ import annotations

import json
import sys

import click

from ..screening.errors import ScreeningInputError
from .common import data_dir_option, existing_data_dir

#: largest standard input accepted for one screening (the engine rejects more than 4 KiB anyway)
_MAX_STDIN = 64 * 1024


#: Exit status of ``appliance screen`` when the text is no readable MRZ (READ_ERROR): no verdict was given.
EXIT_READ_ERROR = 3


def _screener(data_dir):
    """A Screener over the data directory's database with the configured policy."""
    from ..config import load_config
    from ..screening import Screener
    from ..store.db import database_path

    directory = existing_data_dir(data_dir)
    config = load_config(data_dir=directory)
    return Screener(database_path(directory), config)


def _read_text(text: str | None) -> str | bytes:
    """The MRZ from the argument or standard input."""
    if text is not None:
        return text.replace("\\n", "\n")
    data = sys.stdin.buffer.read(_MAX_STDIN + 1)
    if len(data) > _MAX_STDIN:
        raise ScreeningInputError("input is too large to be an MRZ")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data  # binary: the engine answers READ_ERROR


def _human(result: dict) -> str:
    """A short, readable verdict for a terminal."""
    lines = [f"{result['decision']}  ({', '.join(result['reasons']) or 'no remarks'})"]
    doc = result.get("document")
    if doc:
        lines.append(
            f"document: {doc.get('format')} {doc.get('document_code')} {doc.get('issuing_state')} "
            f"{doc.get('document_number')}  {doc.get('surname')}, {doc.get('given_names')}  "
            f"born {doc.get('birth_date')}  nationality {doc.get('nationality')}  sex {doc.get('sex')}  "
            f"expires {doc.get('expiry_date')}  status {doc.get('status')}"
        )
    for m in result["matches"]:
        if m["kind"] == "document":
            lines.append(f"  document {m['evidence']['status']} on list {m['list']} (reference {m['entry_id']})")
            continue
        e = m["evidence"]
        parts = ", ".join(f"{p['query']}~{p['listed']} {p['similarity']:.2f} {p['how']}" for p in e["name"]["parts"])
        lines.append(
            f"  {m['score']:.2f}  {m['list']}/{m['entry_id']}  \"{m['matched_name']}\" ({e['name']['listed_kind']})"
        )
        lines.append(
            f"        name {e['name']['score']:.2f} [{parts}]  dob {e['date_of_birth']['result']}  "
            f"nationality {e['nationality']['result']}  sex {e['sex']['result']}  "
            f"document {e['document_number']['result']}"
        )
    for lst in result["lists"]:
        age = lst["age_seconds"]
        shown = "unknown age" if age is None else f"{age / 3600:.1f} h old"
        lines.append(f"list {lst['name']} version {lst['version']} ({shown})")
    if result["stale"]:
        lines.append("WARNING: lists are stale")
    lines.append(f"{result['elapsed_ms']:.1f} ms")
    return "\n".join(lines)


def _batch(screener, out) -> int:
    """Screen NDJSON lines {"id", "mrz"} from standard input; one result line per input line."""
    count = 0
    for number, raw in enumerate(sys.stdin.buffer, start=1):
        line = raw.strip()
        if not line:
            continue
        count += 1
        try:
            item = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            out.write(json.dumps({"id": None, "line": number, "error": "invalid JSON line"}) + "\n")
            continue
        if not isinstance(item, dict) or not isinstance(item.get("mrz"), str):
            ident = item.get("id") if isinstance(item, dict) else None
            out.write(json.dumps({"id": ident, "line": number, "error": 'expected an object with a string "mrz"'}) + "\n")
            continue
        result = screener.screen(item["mrz"]).to_dict()
        out.write(json.dumps({"id": item.get("id"), **result}, ensure_ascii=False) + "\n")
        out.flush()
    return count


@click.command("screen")
@click.argument("text", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as one JSON object.")
@click.option("--batch", is_flag=True, help='Read NDJSON {"id", "mrz"} lines from stdin; write one result line each.')
@click.option("--reindex", is_flag=True, help="Rebuild the screening index of every watchlist, then exit.")
@data_dir_option
@click.pass_context
def screen(ctx, text: str | None, as_json: bool, batch: bool, reindex: bool, data_dir) -> None:
    """Screen an MRZ (TEXT or standard input) against the local watchlists and document lists.

    Exit status: 0 a verdict was given (CLEAR, HIT, POSSIBLE_MATCH, DOCUMENT_INVALID); 3 READ_ERROR
    (the text is no readable MRZ); 2 the data directory is missing or the command was misused.
    """
    if reindex:
        _reindex(data_dir)
        return
    screener = _screener(data_dir)
    if batch:
        if text is not None:
            raise click.UsageError("--batch reads standard input; do not pass TEXT")
        _batch(screener, sys.stdout)
        return
    result = screener.screen(_read_text(text)).to_dict()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        click.echo(_human(result))
    if result["decision"] == "READ_ERROR":
        click.echo("error: no verdict: the text is not a readable MRZ (READ_ERROR)", err=True)
        ctx.exit(EXIT_READ_ERROR)


def _reindex(data_dir: str | None) -> None:
    """Rebuild the candidate-key index of every watchlist."""
    from ..screening.index import reindex
    from ..screening.source import list_metadata
    from ..store.db import connect, database_path

    db = connect(database_path(existing_data_dir(data_dir)))
    total = 0
    for meta in list_metadata(db):
        if meta["kind"] == "watchlist":
            with db.conn:
                n = reindex(db, meta["name"], None)
            total += n
            click.echo(f"{meta['name']}: {n} names indexed")
    click.echo(f"{total} names indexed")
