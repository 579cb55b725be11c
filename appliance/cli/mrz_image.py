"""``appliance mrz read-image``: read the MRZ of document images (photos, scans)."""

from __future__ import annotations

import json
import logging

import click

log = logging.getLogger(__name__)

EXIT_OK, EXIT_READ_ERROR, EXIT_BAD_FILE = 0, 1, 65


def result_object(path: str, read) -> dict:
    """The MRZ engine's JSON result for one image read, plus ``file`` and ``elapsed_ms``.

    When the image read failed its checks, the engine's fields describe the best guess,
    and ``valid`` / ``status`` say ``false`` / ``"read_error"`` whatever the guess parses to.
    """
    doc = dict(read.document) if read.document else {"valid": False, "status": "read_error"}
    if read.status != "ok":
        doc["valid"] = False
        doc["status"] = "read_error"
    doc["file"] = path
    doc["mrz"] = read.mrz
    doc["best_guess"] = read.best_guess if read.status != "ok" else None
    doc["elapsed_ms"] = read.elapsed_ms
    return doc


def _print_text(path: str, read, obj: dict) -> None:
    """Human-readable report of one file."""
    if read.status == "ok":
        state = obj.get("status", "valid").upper()
        click.echo(f"{path}: {state} {read.format} ({read.elapsed_ms:.0f} ms)")
        for line in read.mrz.split("\n"):
            click.echo(f"    {line}")
        name = " ".join(x for x in (obj.get("surname"), obj.get("given_names")) if x)
        if name:
            click.echo(f"    {name} / {obj.get('document_number', '')} / born {obj.get('birth_date', '')}"
                       f" / expires {obj.get('expiry_date', '')}")
        for warning in obj.get("warnings") or []:
            click.echo(f"    warning: {warning}")
        return
    if read.best_guess:
        click.echo(f"{path}: READ ERROR (checks do not pass; best guess shown, confirm by hand) "
                   f"({read.elapsed_ms:.0f} ms)")
        for line in read.best_guess.split("\n"):
            click.echo(f"    {line}")
    else:
        click.echo(f"{path}: READ ERROR (no MRZ found in the image) ({read.elapsed_ms:.0f} ms)")


@click.command("read-image")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True, path_type=str))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line (per file).")
def read_image(files: tuple[str, ...], as_json: bool) -> None:
    """Read the MRZ of each image FILE (PNG, JPEG, TIFF, ...); the files are never changed.

    Exit status: 0 every image read, 1 some MRZ could not be read, 65 some file is not a
    usable image.
    """
    from firmware_bridge.errors import BridgeError
    from firmware_bridge.ocr import ImageError, OCREngineError, read_mrz_image

    worst = EXIT_OK
    for path in files:
        try:
            read = read_mrz_image(path)
        except OCREngineError:
            raise
        except ImageError as exc:
            worst = max(worst, EXIT_BAD_FILE)
            if as_json:
                click.echo(json.dumps({"file": path, "valid": False, "status": "error", "error": str(exc)}))
            else:
                click.echo(f"error: {exc}", err=True)
            continue
        except BridgeError as exc:  # pragma: no cover - defensive: one bad file never stops the rest
            worst = max(worst, EXIT_BAD_FILE)
            click.echo(f"error: {path}: {exc}", err=True)
            continue
        obj = result_object(path, read)
        if read.status != "ok":
            worst = max(worst, EXIT_READ_ERROR)
        if as_json:
            click.echo(json.dumps(obj, ensure_ascii=False))
        else:
            _print_text(path, read, obj)
    if worst:
        raise SystemExit(worst)
