"""``appliance mrz``: parse and check machine readable zones (ICAO Doc 9303) from the shell."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys

import click

from firmware_bridge.mrz import MRZResult, NotAnMRZ, parse_mrz
from firmware_bridge.mrz.normalise import MAX_INPUT_CHARS

from . import LazyGroup

log = logging.getLogger(__name__)

EXIT_VALID, EXIT_INVALID, EXIT_NOT_MRZ = 0, 1, 2
_CHUNK = 1 << 16
#: Longest NDJSON input line accepted in --batch (an MRZ request is well under 1 KiB).
MAX_BATCH_LINE = 1 << 16

_LABELS = (
    ("document_code", "Document code"),
    ("issuing_state", "Issuing state"),
    ("surname", "Surname"),
    ("given_names", "Given names"),
    ("document_number", "Document number"),
    ("nationality", "Nationality"),
    ("birth_date", "Birth date"),
    ("sex", "Sex"),
    ("expiry_date", "Expiry date"),
    ("optional_data", "Optional data"),
    ("optional_data_2", "Optional data 2"),
)
_STATUS_TEXT = {"valid": "VALID", "invalid": "INVALID", "read_error": "READ ERROR (re-scan the document)"}


@click.group(cls=LazyGroup, lazy={"read-image": "mrz_image:read_image"}, package="appliance.cli")
def mrz() -> None:
    """Read and check machine readable zones of travel documents (ICAO Doc 9303)."""


def _stdin_bytes():
    """Standard input as a binary stream."""
    stream = sys.stdin
    if stream is None:
        raise NotAnMRZ("no standard input")
    return getattr(stream, "buffer", stream)


def _read_stdin(limit: int) -> bytes:
    """Read standard input fully (so writers never see a broken pipe), keep ``limit`` bytes."""
    stream = _stdin_bytes()
    kept = bytearray()
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8", "surrogateescape")
        if len(kept) <= limit:
            kept += chunk[: limit + 1 - len(kept)]
    return bytes(kept)


def _decode(data: bytes) -> str:
    """Decode input bytes as text (UTF-8, else Latin-1) or raise NotAnMRZ for binary data."""
    control = sum(1 for b in data if b < 32 and b not in (9, 10, 13))
    if b"\x00" in data or control > max(2, len(data) // 20):
        raise NotAnMRZ("input is binary data, not MRZ text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _unescape(text: str) -> str:
    """Accept literal \\n and \\r typed in a shell argument as line breaks."""
    return text.replace("\\r\\n", "\n").replace("\\n", "\n").replace("\\r", "\n")


def _human(res: MRZResult) -> str:
    """A readable field table for one result."""
    head = f"MRZ {_STATUS_TEXT[res.status]}"
    parsed = bool(res.format or res.checks)
    if res.format:
        head += f"  (format {res.format})"
    elif parsed:
        head += "  (national layout, not ICAO Doc 9303)"
    out = [head]
    if parsed:
        width = max(len(label) for _, label in _LABELS) + 2
        for key, label in _LABELS:
            if key == "optional_data_2" and res.format != "TD1":
                continue
            value = getattr(res, key)
            out.append(f"  {label:<{width}}{'-' if value in (None, '') else value}")
        checks = ", ".join(f"{k.replace('_', ' ')} {'ok' if v else 'FAILED'}" for k, v in res.checks.items())
        out.append(f"  {'Checks':<{width}}{checks}")
        out.append(f"  {'Name truncated':<{width}}{'yes (probably)' if res.name_truncated else 'no'}")
    for title, items in (("Corrections", res.corrections), ("Warnings", res.warnings), ("Errors", res.errors)):
        if items:
            out.append(f"{title}:")
            for item in items:
                if isinstance(item, dict):
                    item = (
                        f"{item['field']}: line {item['line']} position {item['position']} "
                        f"{item['from']!r} -> {item['to']!r}"
                    )
                out.append(f"  - {item}")
    return "\n".join(out)


def _error_object(rid, code: str, message: str) -> dict:
    """The NDJSON object written for a batch line that has no MRZ result."""
    return {"id": rid, "error": code, "message": message}


def _batch_line(raw: bytes, number: int, today) -> dict | None:
    """Turn one NDJSON input line into one output object (never raises)."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _error_object(None, "bad_json", f"line {number} is not a JSON object")
    if not isinstance(obj, dict):
        return _error_object(None, "bad_request", f"line {number} is not a JSON object")
    rid = obj.get("id")
    text = obj.get("mrz")
    if not isinstance(text, str):
        return _error_object(rid, "bad_request", f"line {number}: 'mrz' must be a string")
    try:
        return {"id": rid, **parse_mrz(text, today=today).to_dict()}
    except NotAnMRZ as exc:
        return _error_object(rid, "not_an_mrz", str(exc))
    except Exception:  # one bad line must never stop a batch
        log.debug("unexpected error on batch line %d", number, exc_info=True)
        return _error_object(rid, "internal_error", f"line {number} could not be processed")


def _batch_lines(stream):
    """Yield (number, raw bytes or None when the line is longer than MAX_BATCH_LINE)."""
    number = 0
    while True:
        raw = stream.readline(MAX_BATCH_LINE + 1)
        if not raw:
            return
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        number += 1
        if len(raw) > MAX_BATCH_LINE and not raw.endswith(b"\n"):
            while True:  # skip the rest of the over-long line
                more = stream.readline(MAX_BATCH_LINE)
                if not more or more.endswith(b"\n" if isinstance(more, bytes) else "\n"):
                    break
            yield number, None
            continue
        yield number, raw


def _run_batch(today) -> int:
    """NDJSON in on stdin, NDJSON out on stdout, one object per non-blank line."""
    try:
        for number, raw in _batch_lines(_stdin_bytes()):
            if raw is None:
                obj = _error_object(None, "bad_request", f"line {number} is longer than {MAX_BATCH_LINE} bytes")
            else:
                obj = _batch_line(raw, number, today)
            if obj is not None:
                click.echo(json.dumps(obj))
    except BrokenPipeError:
        # the reader of our output left (``... --batch | head``): stop quietly, like other Unix tools
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_VALID
    except OSError as exc:
        click.echo(f"error: cannot read the batch input: {exc.strerror or exc}", err=True)
        return EXIT_NOT_MRZ
    return EXIT_VALID


@mrz.command("parse", short_help="Parse and validate an MRZ (TEXT or standard input).")
@click.argument("text", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option(
    "--batch", is_flag=True,
    help='Read NDJSON lines {"id": ..., "mrz": "..."} on stdin; write one JSON result per line.',
)
@click.option(
    "--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="YYYY-MM-DD",
    help="Judge dates (century, expiry) as of this day, YYYY-MM-DD (default: today).",
)
@click.pass_context
def parse(ctx: click.Context, text: tuple[str, ...], as_json: bool, batch: bool, today) -> None:
    """Parse and validate an MRZ given as TEXT (lines as separate arguments or one string) or on stdin.

    Exit status: 0 valid, 1 invalid or read error, 2 not an MRZ. With --batch: 0 unless the
    input cannot be read.
    """
    day = today.date() if isinstance(today, dt.datetime) else None
    if batch:
        if text:
            raise click.UsageError("--batch reads standard input; do not give TEXT")
        ctx.exit(_run_batch(day))
    try:
        if text:
            raw = _unescape("\n".join(text))
        else:
            if sys.stdin is not None and sys.stdin.isatty():
                click.echo("Reading the MRZ from standard input (end with Ctrl-D)...", err=True)
            raw = _decode(_read_stdin(MAX_INPUT_CHARS))
        res = parse_mrz(raw, today=day)
    except NotAnMRZ as exc:
        click.echo(f"error: not an MRZ: {exc}", err=True)
        if as_json:
            click.echo(json.dumps(_error_object(None, "not_an_mrz", str(exc))))
        ctx.exit(EXIT_NOT_MRZ)
    click.echo(json.dumps(res.to_dict()) if as_json else _human(res))
    ctx.exit(EXIT_VALID if res.valid else EXIT_INVALID)
