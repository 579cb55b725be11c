"""The lost/stolen document check: exact-key lookups in every documents list and listed people's documents."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from ..lists.countries import normalize_state
from ..lists.docnumbers import normalize_number, normalize_type, state_from_code, type_from_code
from . import docfiles
from .dockeys import PLAIN, Probe, probes, row_matches
from .hashing import hasher_for
from .errors import ListUnavailable
from .lists import data_dir_of

log = logging.getLogger(__name__)


_HASHERS: dict = {}


def _data_dir(db) -> str:
    """The data directory of ``db`` as a string, remembered on the Database object."""
    cached = getattr(db, "_appliance_data_dir", None)
    if cached is None:
        cached = str(data_dir_of(db))
        try:
            db._appliance_data_dir = cached
        except AttributeError:  # pragma: no cover - a connection-like object without attributes
            pass
    return cached


def _keyed(data_dir):
    """The keyed Hasher of a data directory, read from its key file once per process."""
    hasher = _HASHERS.get(data_dir)
    if hasher is None:
        hasher = _HASHERS[data_dir] = hasher_for(data_dir, True)
    return hasher


def _number(probe: Probe, query: str, pfx, num, tail, hashed: bool) -> str:
    """The stored document number to report (the query's own number when the list is hashed)."""
    if hashed:
        return normalize_number(query)
    return f"{pfx}{num}{tail or ''}"


def _lists(db) -> list[tuple]:
    """(name, kind, storage, hashed) of every list, re-read only when the main database changed.

    ``PRAGMA data_version`` changes when another connection commits, ``total_changes`` when
    this one writes; together they tell whether the cached rows can still be used.
    """
    conn = db.conn
    stamp = (conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
    cached = getattr(db, "_appliance_lists", None)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    rows = conn.execute("SELECT name, kind, storage, hashed FROM lists ORDER BY name").fetchall()
    try:
        db._appliance_lists = (stamp, rows)
    except AttributeError:  # pragma: no cover - a connection-like object without attributes
        pass
    return rows


MATCH_KEYS = ("list", "issuing_state", "document_type", "document_number", "status", "reference")


def check(db, issuing_state: str, number: str, document_type: str | None = None) -> list[dict]:
    """Matches of a document in every list: dicts with exactly list, issuing_state, document_type,
    document_number, status and reference."""
    return [{k: m[k] for k in MATCH_KEYS} for m in lookup(db, issuing_state, number, document_type)]


def lookup(db, issuing_state: str, number: str, document_type: str | None = None) -> list[dict]:
    """Like :func:`check`, plus ``reported_on`` and ``match`` (exact, no_prefix or first9)."""
    state = normalize_state(issuing_state) if issuing_state else ""
    query = normalize_number(number)
    dtype = normalize_type(document_type) if document_type else None
    if not query:
        return []
    log.debug("document check state=%s number=%s type=%s", state, query, dtype)
    matches: dict[tuple, dict] = {}
    rows = _lists(db)
    data_dir = None
    current = set()
    plain_probes = probes(state, query, PLAIN)
    for name, kind, storage, hashed in rows:
        if kind == "watchlist":
            _check_watchlist(db, name, plain_probes, query, dtype, matches)
            continue
        if not storage:
            continue
        data_dir = data_dir or _data_dir(db)
        path = f"{data_dir}/{docfiles.LISTS_DIR}/{storage}"
        current.add(path)
        list_probes = probes(state, query, _keyed(Path(data_dir))) if hashed else plain_probes
        # documents lists always name the issuing state (DocumentRecord requires it): no unknown-state probe
        list_probes = [p for p in list_probes if p.state_code or not state]
        for p in list_probes:
            try:
                found = docfiles.reader(path).execute(
                    "SELECT pfx, kind, info, ref, tail, num FROM docs WHERE state = ? AND num = ?",
                    (p.state_code, p.num),
                ).fetchall()
            except sqlite3.Error as exc:
                log.error("documents list %s cannot be read: %s", name, exc)
                docfiles.prune(current - {path})
                raise ListUnavailable(f"documents list {name!r} cannot be read ({exc}); "
                                      f"re-import it or let the sync client fetch a snapshot") from None
            for pfx, kind_code, info, ref, tail, num in found:
                how = row_matches(p, query, pfx, kind_code, dtype)
                if how is None:
                    continue
                status, reported = docfiles.unpack_info(info)
                doc_number = _number(p, query, pfx, num, tail, bool(hashed))
                key = (name, p.state_code, doc_number, kind_code >> 1)
                matches.setdefault(key, {
                    "list": name,
                    "issuing_state": state_from_code(p.state_code) or None,
                    "document_type": type_from_code(kind_code >> 1) or None,
                    "document_number": doc_number,
                    "status": status,
                    "reference": ref,
                    "reported_on": reported,
                    "match": how,
                })
    docfiles.prune(current)
    return list(matches.values())


def _check_watchlist(db, name: str, plist: list[Probe], query: str, dtype, matches: dict) -> None:
    """Documents of listed people in watchlist ``name``."""
    for p in plist:
        found = db.conn.execute(
            "SELECT k.pfx, k.kind, k.tail, k.num, d.number, e.entry_id FROM watchlist_doc_keys k"
            " JOIN watchlist_documents d ON d.id = k.document JOIN watchlist_entries e ON e.id = d.entry"
            " JOIN lists l ON l.id = e.list_id WHERE k.state = ? AND k.num = ? AND l.name = ?",
            (p.state_code, p.num, name),
        ).fetchall()
        for pfx, kind_code, tail, num, listed, entry_id in found:
            how = row_matches(p, query, pfx, kind_code, dtype)
            if how is None:
                continue
            doc_number = f"{pfx}{num}{tail or ''}"
            key = (name, p.state_code, entry_id, kind_code >> 1)
            matches.setdefault(key, {
                "list": name,
                "issuing_state": state_from_code(p.state_code) or None,
                "document_type": type_from_code(kind_code >> 1) or None,
                "document_number": doc_number,
                "status": "listed_person",
                "reference": entry_id,
                "reported_on": None,
                "match": how,
            })
