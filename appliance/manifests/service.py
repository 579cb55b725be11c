"""Importing, re-screening and closing manifests: read, screen, store in one transaction.

Used by ``appliance manifests`` and (later) the hub forwarding and the booth.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from pathlib import Path

from .errors import ManifestError, ManifestRefused
from .model import ParsedManifest
from .store import DECISIONS

log = logging.getLogger(__name__)

FORMATS = ("paxlst", "fal-csv")
#: largest manifest file read (a 10,000-person PAXLST is about 3 MB)
MAX_FILE_BYTES = 64 * 1024 * 1024
RESULT_KEYS = ("manifest_id", "carrier", "voyage", "vessel", "arrival_port", "arrival_at", "persons", "crew",
               "passengers", "screened", "rejected")


def detect_format(data: bytes) -> str | None:
    """'paxlst' or 'fal-csv' from a file's first bytes, None when it looks like neither."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:3] in (b"UNA", b"UNB", b"UNH") or b"UNH+" in head or b"PAXLST" in head:
        return "paxlst"
    first = head.split(b"\n", 1)[0].lower()
    if any(sep in first for sep in (b",", b";", b"\t")) and any(
            w in first for w in (b"family", b"surname", b"name")):
        return "fal-csv"
    return None


def read_files(paths, fmt: str | None = None, *, today: dt.date | None = None) -> ParsedManifest:
    """Read manifest files of one voyage (format detected when not given); raise ManifestRefused."""
    files, problems = [], []
    for path in paths:
        p = Path(path)
        try:
            if p.stat().st_size > MAX_FILE_BYTES:
                problems.append({"line": None, "reason": f"{p.name}: larger than {MAX_FILE_BYTES // 2**20} MB"})
                continue
            data = p.read_bytes()
        except OSError as exc:
            problems.append({"line": None, "reason": f"{p.name}: cannot read ({exc.strerror or exc})"})
            continue
        files.append((p.name, data))
    if problems:
        raise ManifestRefused(problems)
    if not files:
        raise ManifestRefused([{"line": None, "reason": "no file given"}])
    if fmt is None:
        found = {name: detect_format(data) for name, data in files}
        kinds = set(found.values())
        if None in kinds:
            bad = [n for n, k in found.items() if k is None]
            raise ManifestRefused([{"line": 1, "reason": f"{n}: neither a PAXLST message nor a FAL CSV list with a "
                                    "header row; pass --format"} for n in bad])
        if len(kinds) > 1:
            raise ManifestRefused([{"line": None, "reason": "the files mix PAXLST and FAL CSV; import each format "
                                    "on its own"}])
        fmt = kinds.pop()
    if fmt not in FORMATS:
        raise ManifestError(f"unknown format {fmt!r} (use paxlst or fal-csv)")
    if fmt == "paxlst":
        from .paxlst import read_paxlst

        parsed = read_paxlst(files, today=today)
    else:
        from .falcsv import read_fal_csv

        parsed = read_fal_csv(files, today=today)
    for src, (name, data) in zip(parsed.sources, files):
        src["sha256"] = hashlib.sha256(data).hexdigest()
    return parsed


def refused_result(problems: list[dict]) -> dict:
    """The ``import --json`` object of a refused import."""
    return {"manifest_id": None, "carrier": None, "voyage": None, "vessel": None, "arrival_port": None,
            "arrival_at": None, "persons": 0, "crew": 0, "passengers": 0, "screened": dict.fromkeys(DECISIONS, 0),
            "rejected": [{"line": p.get("line"), "reason": p["reason"]} for p in problems]}


def _arrival_date(parsed_or_row) -> dt.date | None:
    """The arrival day, if known."""
    at = parsed_or_row.voyage.arrival_at if isinstance(parsed_or_row, ParsedManifest) else parsed_or_row["arrival_at"]
    try:
        return dt.date.fromisoformat(at[:10]) if at else None
    except ValueError:
        return None


def import_files(db, db_path, policy: dict, paths, fmt: str | None = None, *, now: dt.datetime | None = None,
                 workers: int | None = None) -> dict:
    """Read, screen and store manifest files; the ``import --json`` object (plus ``_warnings``, ``_merged``)."""
    from appliance.store.tx import write_transaction

    from . import store
    from .runner import screen_all

    now = now or dt.datetime.now(dt.timezone.utc)
    parsed = read_files(paths, fmt, today=now.date())
    versions = store.list_fingerprint(db)
    verdicts = screen_all(db_path, policy, parsed.persons, arrival=_arrival_date(parsed), now=now, workers=workers)
    stamp = now.isoformat(timespec="seconds")
    with write_transaction(db):
        existing = store.find_open(db, store.voyage_key(parsed))
        if existing is not None:
            store.merge(db, existing, parsed, verdicts, now=stamp, versions=versions)
            mid = existing["id"]
        else:
            mid = store.create(db, parsed, verdicts, now=stamp, versions=versions)
    m = store.get_manifest(db, mid, persons=False)
    log.info("manifest %s imported: %d persons", mid, m["persons"])
    out = {k: m[k] for k in ("carrier", "voyage", "vessel", "arrival_port", "arrival_at", "persons", "crew",
                              "passengers")}
    return {"manifest_id": mid, **out, "screened": m["screened"], "rejected": []} | {"_warnings": m["warnings"],
                                                                                     "_merged": existing is not None}


def rescreen(db, db_path, policy: dict, ids=None, *, force: bool = False, now: dt.datetime | None = None,
             workers: int | None = None) -> list[dict]:
    """Re-screen open manifests whose list versions changed (all given ones with ``force``); say what changed."""
    from appliance.store.tx import write_transaction

    from . import store
    from .model import Document, Person
    from .runner import screen_all

    now = now or dt.datetime.now(dt.timezone.utc)
    stamp = now.isoformat(timespec="seconds")
    versions = store.list_fingerprint(db)
    targets = list(ids) if ids else store.open_ids(db)
    reports = []
    for mid in targets:
        m = store.get_manifest(db, mid)
        if m["status"] != "open":
            reports.append({"manifest_id": mid, "rescreened": 0, "changed": [], "skipped": "closed"})
            continue
        if not force and m["list_versions"] == versions:
            reports.append({"manifest_id": mid, "rescreened": 0, "changed": [], "skipped": "lists unchanged"})
            continue
        persons = []
        for row in m["persons_list"]:
            data = json.loads(store_data(db, row["id"]))
            docs = [Document(**d) for d in data.pop("documents", [])]
            persons.append(Person(**{**data, "documents": docs}))
        verdicts = screen_all(db_path, policy, persons, arrival=_arrival_date(m), now=now, workers=workers)
        changed = []
        with write_transaction(db):
            for row, verdict in zip(m["persons_list"], verdicts):
                store.update_verdict(db, row["id"], verdict)
                if verdict["decision"] != row["decision"]:
                    changed.append({"person_id": row["id"], "seq": row["seq"], "kind": row["kind"],
                                    "name": f"{row['surname']}, {row['given_names']}".strip(", "),
                                    "from": row["decision"], "to": verdict["decision"], "reasons": verdict["reasons"]})
            db.conn.execute("UPDATE manifests SET list_versions = ?, screened_at = ?, updated_at = ? WHERE id = ?",
                            (json.dumps(versions), stamp, stamp, mid))
            store.event(db, mid, stamp, "rescreened", {"lists_before": m["list_versions"], "lists_after": versions,
                                                       "changed": len(changed)})
        reports.append({"manifest_id": mid, "rescreened": len(persons), "changed": changed,
                        "lists_before": m["list_versions"], "lists_after": versions})
    return reports


def store_data(db, person_id: int) -> str:
    """The stored Person JSON of a manifest person."""
    return db.conn.execute("SELECT data FROM manifest_persons WHERE id = ?", (person_id,)).fetchone()[0]


def close_manifest(db, mid: int, *, now: dt.datetime | None = None) -> dict:
    """Close a manifest; who never presented, hits first."""
    from appliance.store.tx import write_transaction

    from . import store

    stamp = (now or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
    with write_transaction(db):
        missing = store.close(db, mid, at=stamp)
    order = {d: i for i, d in enumerate(DECISIONS)}
    missing.sort(key=lambda p: (order.get(p["decision"], 9), p["seq"]))
    m = store.get_manifest(db, mid, persons=False)
    return {"manifest_id": mid, "closed_at": stamp, "persons": m["persons"], "presented": m["presented"],
            "never_presented": [{k: p[k] for k in ("seq", "kind", "surname", "given_names", "birth_date", "nationality",
                                                   "doc_type", "doc_number", "doc_state", "decision")} for p in missing]}
