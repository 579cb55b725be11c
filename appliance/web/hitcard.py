"""The hit card: what to do first, then who is listed and why the match was made.

Built from the stored scan, the list entries as they are on the box now (programme,
remarks, listing date), the lists' versions and ages, the handling instructions of each
list (``[lists.<name>] handling``, else the ``[booth]`` default of its kind) and the
document image when the scan came from one. Every view is audited by the caller.
"""

from __future__ import annotations

import json
import logging
import sqlite3

from . import system
from .decisions import history

log = logging.getLogger(__name__)

#: Image types the booth accepts and shows back in the hit card's portrait area.
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp", "image/tiff"}
_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"GIF8", "image/gif"), (b"BM", "image/bmp"),
          (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"))


def entry_details(db, list_name: str, entry_id: str) -> dict | None:
    """A watchlist entry as the box holds it now: names, programme, remarks, listing date, documents."""
    row = db.execute(
        "SELECT e.entity_type, e.primary_name, e.sex, e.programme, e.remarks, e.listed_on, e.data"
        " FROM watchlist_entries e JOIN lists l ON l.id = e.list_id WHERE l.name = ? AND e.entry_id = ?",
        [list_name, entry_id],
    ).fetchone()
    if row is None:
        return None
    entity_type, name, sex, programme, remarks, listed_on, raw = row
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        data = {}
    names = data.get("names") or []
    return {
        "entity_type": entity_type,
        "name": name,
        "aliases": [n.get("name") for n in names if n.get("name") and n.get("name") != name][:12],
        "sex": sex,
        "programme": programme,
        "remarks": remarks,
        "listed_on": listed_on,
        "dates_of_birth": [d.get("text") or d.get("date_from") for d in data.get("dates_of_birth") or []][:6],
        "places_of_birth": (data.get("places_of_birth") or [])[:4],
        "nationalities": (data.get("nationalities") or [])[:6],
        "documents": [{"type": d.get("document_type"), "number": d.get("number"), "issuing_state": d.get("issuing_state")}
                      for d in (data.get("documents") or [])[:6]],
    }


def _document_record(db, scan_doc: dict, match: dict) -> dict:
    """The lost/stolen record behind a document match, with the date it was reported (when the list has it)."""
    ev = match.get("evidence") or {}
    record = {"status": ev.get("status"), "document_number": ev.get("document_number"), "issuing_state": ev.get("issuing_state"),
              "document_type": ev.get("document_type"), "reference": match.get("entry_id"), "reported_on": None}
    try:
        from ..store.documents import lookup

        for found in lookup(db, scan_doc.get("issuing_state") or "", scan_doc.get("document_number") or "",
                            (scan_doc.get("document_code") or "")[:1] or None):
            if found.get("list") == match.get("list") and (found.get("reference") or found.get("document_number")) == match.get("entry_id"):
                record["reported_on"] = found.get("reported_on")
                break
    except Exception:  # noqa: BLE001 - the card still shows what the scan stored
        log.debug("document record lookup failed", exc_info=True)
    return record


def build(ctx, row: dict, view: dict) -> dict:
    """Complete a full scan view into the hit card: handling first, then each match with its list and entry."""
    db = ctx.reader()
    lists = {i["name"]: i for i in system.lists_info(ctx)}
    doc = view.get("document") or {}
    handling: list[dict] = []
    seen = set()
    for m in view.get("matches") or []:
        name = m.get("list") or m.get("list_name") or ""
        info = lists.get(name)
        kind = (info or {}).get("kind") or ("documents" if m.get("kind") == "document" else "watchlist")
        m["list_info"] = {
            "title": (info or {}).get("title") or name, "kind": kind, "version": (info or {}).get("version"),
            "published_at": (info or {}).get("published_at"), "imported_at": (info or {}).get("imported_at"),
            "age_minutes": (info or {}).get("age_minutes"), "stale": (info or {}).get("stale"), "on_box": info is not None,
        }
        if m.get("kind") == "document" and kind == "documents":
            m["record"] = _document_record(db, doc, m)
        else:
            m["entry"] = entry_details(db, name, str(m.get("entry_id"))) if m.get("entry_id") is not None else None
        if name not in seen and not m.get("suppressed"):
            seen.add(name)
            handling.append({"list": name, "title": m["list_info"]["title"], "kind": kind,
                             "text": system.handling_for(ctx, name, kind)})
    view["handling"] = handling
    view["dispositions"] = history(db, row["id"])
    view["portrait"] = portrait(db, row)
    view["list_ages"] = system.list_ages(ctx)
    return view


def portrait(db, row: dict) -> dict:
    """What the portrait area shows: the uploaded document image, or why there is none."""
    has = db.execute("SELECT 1 FROM scan_images WHERE scan_id = ?", [row["id"]]).fetchone()
    if has:
        return {"kind": "document_image", "url": f"/api/v1/scans/{row['id']}/image"}
    return {"kind": None, "note": "No picture: this document was not read from an image. Compare the traveller with "
                                  "the photo in the document."}


def media_type(data: bytes) -> str | None:
    """The image type of ``data`` from its first bytes (WebP included), or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return None


def store_image(ctx, scan_id: int, data: bytes, created_at: str) -> bool:
    """Keep an uploaded document image with its scan (deleted with it); False for an unknown image type."""
    kind = media_type(data)
    if kind is None:
        return False
    try:
        with ctx.write() as db:
            db.execute("INSERT OR REPLACE INTO scan_images (scan_id, media_type, data, created_at) VALUES (?,?,?,?)",
                       [scan_id, kind, data, created_at])
    except sqlite3.OperationalError as exc:  # the scan is stored; only its picture is missing
        log.warning("cannot keep the document image of scan %s: %s", scan_id, exc)
        return False
    return True


def load_image(db, scan_id: int) -> tuple[str, bytes] | None:
    """(media type, bytes) of a scan's document image, or None."""
    row = db.execute("SELECT media_type, data FROM scan_images WHERE scan_id = ?", [scan_id]).fetchone()
    return (row[0], bytes(row[1])) if row else None
