"""Manifests in the appliance database: saved in one transaction, listed, shown, re-screened, closed.

Callers hold the transaction (``appliance.store.tx.write_transaction``); these functions only
read and write rows.
"""

from __future__ import annotations

import json
import logging

from .errors import ManifestClosed, ManifestNotFound
from .model import ParsedManifest, Person, norm_number
from .translit import mrz_key

log = logging.getLogger(__name__)

DECISIONS = ("HIT", "POSSIBLE_MATCH", "DOCUMENT_INVALID", "CLEAR")
SUMMARY_KEYS = ("id", "status", "carrier", "voyage", "vessel", "vessel_id", "mode", "arrival_port", "arrival_at",
                "departure_port", "departure_at", "format", "persons", "crew", "passengers", "imported_at",
                "updated_at", "screened_at", "closed_at")
_PERSON_COLS = ("id", "seq", "kind", "surname", "given_names", "sex", "birth_date", "nationality", "doc_type",
                "doc_number", "doc_state", "doc_expiry", "data", "decision", "reasons", "matches", "list_versions",
                "screened_at", "presented_at", "presented_ref")


def voyage_key(parsed: ParsedManifest) -> str:
    """The text key of the arrival (voyage, arrival port, arrival day)."""
    return "|".join(parsed.voyage.key())


def list_fingerprint(db) -> dict:
    """Current lists on the box: name -> "version @ imported_at" (changes when a list is updated)."""
    from appliance.store.lists import list_lists

    return {r["name"]: f"{r['version']} @ {r['imported_at']}" for r in list_lists(db)}


def find_open(db, key: str) -> dict | None:
    """The open manifest of this arrival, if any."""
    row = db.conn.execute("SELECT id FROM manifests WHERE status = 'open' AND voyage_key = ? ORDER BY id DESC LIMIT 1",
                          (key,)).fetchone()
    return get_manifest(db, row[0], persons=False) if row else None


def _person_row(manifest_id: int, seq: int, p: Person, verdict: dict) -> tuple:
    """The manifest_persons values of one person."""
    doc = p.travel_document()
    return (manifest_id, seq, p.kind, p.surname, p.given_names or "", p.sex, p.birth_date, p.nationality,
            doc.type if doc else None, doc.number if doc else None, norm_number(doc.number) if doc else None,
            doc.issuing_state if doc else None, doc.expiry_date if doc else None, mrz_key(p.surname, p.given_names),
            json.dumps(p.to_dict(), ensure_ascii=False), verdict["decision"], json.dumps(verdict["reasons"]),
            json.dumps(verdict["matches"], ensure_ascii=False), json.dumps(verdict["lists"]), verdict["screened_at"])


def insert_persons(db, manifest_id: int, persons: list[Person], verdicts: list[dict], start: int = 1) -> None:
    """Store persons with their verdicts, numbered from ``start``."""
    db.conn.executemany(
        "INSERT INTO manifest_persons (manifest_id, seq, kind, surname, given_names, sex, birth_date, nationality, "
        "doc_type, doc_number, doc_key, doc_state, doc_expiry, name_key, data, decision, reasons, matches, "
        "list_versions, screened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [_person_row(manifest_id, start + i, p, v) for i, (p, v) in enumerate(zip(persons, verdicts))])


def create(db, parsed: ParsedManifest, verdicts: list[dict], *, now: str, versions: dict) -> int:
    """A new open manifest with its persons; returns its id."""
    v = parsed.voyage
    cur = db.conn.execute(
        "INSERT INTO manifests (voyage_key, carrier, voyage, vessel, vessel_id, mode, flag_state, departure_port, "
        "departure_at, arrival_port, arrival_at, format, sources, warnings, declared, list_versions, imported_at, "
        "updated_at, screened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (voyage_key(parsed), v.carrier, v.voyage, v.vessel, v.vessel_id, v.mode, v.flag_state, v.departure_port,
         v.departure_at, v.arrival_port, v.arrival_at, parsed.format, json.dumps(parsed.sources),
         json.dumps(parsed.warnings, ensure_ascii=False), json.dumps(parsed.declared_counts), json.dumps(versions),
         now, now, now))
    mid = cur.lastrowid
    insert_persons(db, mid, parsed.persons, verdicts)
    _recount(db, mid)
    event(db, mid, now, "imported", {"format": parsed.format, "files": [s["file"] for s in parsed.sources],
                                     "persons": len(parsed.persons)})
    return mid


def merge(db, manifest: dict, parsed: ParsedManifest, verdicts: list[dict], *, now: str, versions: dict) -> None:
    """Replace the kinds of persons ``parsed`` brings (a newer crew or passenger list) in an open manifest.

    Who has already presented keeps that state when the new list still has them (same document).
    """
    mid = manifest["id"]
    kinds = sorted(parsed.kinds)
    marks = {}
    q = ",".join("?" * len(kinds))
    for key, state, at, ref in db.conn.execute(
            f"SELECT doc_key, doc_state, presented_at, presented_ref FROM manifest_persons "
            f"WHERE manifest_id = ? AND kind IN ({q}) AND presented_at IS NOT NULL", (mid, *kinds)):
        marks[(key, state)] = (at, ref)
    db.conn.execute(f"DELETE FROM manifest_persons WHERE manifest_id = ? AND kind IN ({q})", (mid, *kinds))
    start = (db.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM manifest_persons WHERE manifest_id = ?",
                             (mid,)).fetchone()[0]) + 1
    insert_persons(db, mid, parsed.persons, verdicts, start)
    for (key, state), (at, ref) in marks.items():
        db.conn.execute("UPDATE manifest_persons SET presented_at = ?, presented_ref = ? WHERE manifest_id = ? "
                        "AND doc_key = ? AND doc_state IS ?", (at, ref, mid, key, state))
    old = json.loads(manifest["_raw"]["warnings"])
    sources = json.loads(manifest["_raw"]["sources"]) + parsed.sources
    v = parsed.voyage
    db.conn.execute(
        "UPDATE manifests SET format = ?, sources = ?, warnings = ?, list_versions = ?, updated_at = ?, screened_at = ?, "
        "vessel = COALESCE(vessel, ?), vessel_id = COALESCE(vessel_id, ?), carrier = COALESCE(carrier, ?), "
        "arrival_at = COALESCE(arrival_at, ?), departure_port = COALESCE(departure_port, ?) WHERE id = ?",
        (parsed.format, json.dumps(sources), json.dumps(old + parsed.warnings, ensure_ascii=False),
         json.dumps(versions), now, now, v.vessel, v.vessel_id, v.carrier, v.arrival_at, v.departure_port, mid))
    _recount(db, mid)
    event(db, mid, now, "list_replaced", {"kinds": kinds, "persons": len(parsed.persons),
                                          "files": [s["file"] for s in parsed.sources]})


def _recount(db, mid: int) -> None:
    """Refresh the manifest's person counts."""
    crew, pax = db.conn.execute(
        "SELECT SUM(kind = 'crew'), SUM(kind = 'passenger') FROM manifest_persons WHERE manifest_id = ?",
        (mid,)).fetchone()
    db.conn.execute("UPDATE manifests SET crew = ?, passengers = ?, persons = ? WHERE id = ?",
                    (crew or 0, pax or 0, (crew or 0) + (pax or 0), mid))


def event(db, mid: int, at: str, kind: str, detail: dict) -> None:
    """Append to a manifest's history."""
    db.conn.execute("INSERT INTO manifest_events (manifest_id, at, kind, detail) VALUES (?, ?, ?, ?)",
                    (mid, at, kind, json.dumps(detail, ensure_ascii=False)))


def verdict_counts(db, mid: int) -> dict:
    """Persons per decision, every decision present."""
    out = dict.fromkeys(DECISIONS, 0)
    for decision, n in db.conn.execute("SELECT decision, COUNT(*) FROM manifest_persons WHERE manifest_id = ? "
                                       "GROUP BY decision", (mid,)):
        out[decision] = n
    return out


def _manifest_dict(row: tuple, cols: list[str]) -> dict:
    """A manifests row as a dict (JSON columns decoded)."""
    raw = dict(zip(cols, row))
    d = {k: raw[k] for k in SUMMARY_KEYS}
    d["warnings"] = json.loads(raw["warnings"])
    d["sources"] = json.loads(raw["sources"])
    d["declared"] = json.loads(raw["declared"])
    d["list_versions"] = json.loads(raw["list_versions"])
    d["_raw"] = raw
    return d


def person_dict(row: tuple) -> dict:
    """A manifest_persons row as the ``show --json`` person object."""
    r = dict(zip(_PERSON_COLS, row))
    data = json.loads(r.pop("data"))
    for k in ("reasons", "matches", "list_versions"):
        r[k] = json.loads(r[k])
    r["in_transit"] = data.get("in_transit", False)
    r["rank"] = data.get("rank")
    r["line"] = data.get("line")
    r["source"] = data.get("source")
    r["documents"] = data.get("documents", [])
    r["presentation"] = "presented" if r["presented_at"] else "expected"
    return r


def get_manifest(db, mid: int, *, persons: bool = True) -> dict:
    """One manifest (with its persons, ordered as listed); ManifestNotFound when absent."""
    cur = db.conn.execute("SELECT * FROM manifests WHERE id = ?", (mid,))
    row = cur.fetchone()
    if row is None:
        raise ManifestNotFound(f"no manifest {mid} on this box (see `appliance manifests list`)")
    d = _manifest_dict(row, [c[0] for c in cur.description])
    d["screened"] = verdict_counts(db, mid)
    d["presented"] = db.conn.execute("SELECT COUNT(*) FROM manifest_persons WHERE manifest_id = ? AND "
                                     "presented_at IS NOT NULL", (mid,)).fetchone()[0]
    if persons:
        d["persons_list"] = [person_dict(r) for r in db.conn.execute(
            f"SELECT {', '.join(_PERSON_COLS)} FROM manifest_persons WHERE manifest_id = ? ORDER BY seq", (mid,))]
        d["history"] = [{"at": a, "kind": k, "detail": json.loads(x)} for a, k, x in db.conn.execute(
            "SELECT at, kind, detail FROM manifest_events WHERE manifest_id = ? ORDER BY id", (mid,))]
    return d


def list_manifests(db, *, include_closed: bool = True) -> list[dict]:
    """Manifests, newest arrival first, each with its verdict counts."""
    where = "" if include_closed else "WHERE status = 'open'"
    ids = [r[0] for r in db.conn.execute(f"SELECT id FROM manifests {where} ORDER BY status = 'closed', "
                                         "arrival_at DESC, id DESC")]
    return [get_manifest(db, i, persons=False) for i in ids]


def open_ids(db) -> list[int]:
    """Ids of the open manifests."""
    return [r[0] for r in db.conn.execute("SELECT id FROM manifests WHERE status = 'open' ORDER BY id")]


def update_verdict(db, person_id: int, verdict: dict) -> None:
    """Store a person's new verdict."""
    db.conn.execute("UPDATE manifest_persons SET decision = ?, reasons = ?, matches = ?, list_versions = ?, "
                    "screened_at = ? WHERE id = ?",
                    (verdict["decision"], json.dumps(verdict["reasons"]), json.dumps(verdict["matches"],
                     ensure_ascii=False), json.dumps(verdict["lists"]), verdict["screened_at"], person_id))


def mark_presented(db, person_id: int, *, at: str, ref: str | None = None) -> None:
    """Record that a person on a manifest presented (a scan linked to the entry)."""
    db.conn.execute("UPDATE manifest_persons SET presented_at = COALESCE(presented_at, ?), "
                    "presented_ref = COALESCE(presented_ref, ?) WHERE id = ?", (at, ref, person_id))


def close(db, mid: int, *, at: str) -> list[dict]:
    """Close an open manifest; returns the persons who never presented."""
    m = get_manifest(db, mid)
    if m["status"] != "open":
        raise ManifestClosed(f"manifest {mid} was already closed at {m['closed_at']}")
    db.conn.execute("UPDATE manifests SET status = 'closed', closed_at = ?, updated_at = ? WHERE id = ?", (at, at, mid))
    missing = [p for p in m["persons_list"] if not p["presented_at"]]
    event(db, mid, at, "closed", {"never_presented": len(missing), "persons": m["persons"]})
    return missing


def link_candidates(db, document: dict) -> list[dict]:
    """Persons on open manifests that a scanned document may be (same document number, or same birth date
    and a name key that starts like the document's); feed them to :func:`linking.link`."""
    from .linking import scan_keys

    number, name, birth = scan_keys(document)
    cols = ", ".join(f"p.{c}" for c in _PERSON_COLS)
    rows = []
    if number:
        rows += db.conn.execute(f"SELECT {cols}, p.manifest_id FROM manifest_persons p JOIN manifests m "
                                "ON m.id = p.manifest_id WHERE m.status = 'open' AND p.doc_key = ?", (number,)).fetchall()
    if name and birth:
        prefix = name.split("<<")[0]
        rows += db.conn.execute(f"SELECT {cols}, p.manifest_id FROM manifest_persons p JOIN manifests m "
                                "ON m.id = p.manifest_id WHERE m.status = 'open' AND p.birth_date = ? "
                                "AND p.name_key >= ? AND p.name_key < ?", (birth, prefix, prefix + "~")).fetchall()
    seen, out = set(), []
    for row in rows:
        if row[0] not in seen:
            seen.add(row[0])
            out.append({**person_dict(row[:-1]), "manifest_id": row[-1]})
    return out
