"""Read watchlist entries and list metadata from the lists store's tables (one adapter)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Iterator

log = logging.getLogger(__name__)


def _table_exists(conn, name: str) -> bool:
    """True when table ``name`` exists."""
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None


def _from_tables(conn, row_id: int, base: dict) -> dict:
    """Rebuild an entry dict from the normalised tables when the JSON copy is absent."""
    base["names"] = [
        {"name": n, "kind": k, "quality": q, "script": s}
        for n, k, q, s in conn.execute("SELECT name, kind, quality, script FROM watchlist_names WHERE entry=?", (row_id,))
    ]
    base["dates_of_birth"] = [
        {"date_from": a, "date_to": b, "precision": p, "approximate": bool(x)}
        for a, b, p, x in conn.execute(
            "SELECT date_from, date_to, precision, approximate FROM watchlist_dobs WHERE entry=?", (row_id,)
        )
    ]
    base["nationalities"] = [c for (c,) in conn.execute("SELECT country FROM watchlist_nationalities WHERE entry=?", (row_id,))]
    base["documents"] = [
        {"document_type": t, "number": n, "normalized": z, "issuing_state": s}
        for t, n, z, s in conn.execute(
            "SELECT document_type, number, normalized, issuing_state FROM watchlist_documents WHERE entry=?", (row_id,)
        )
    ]
    return base


def load_entries(conn, list_name: str, entry_ids: list[str] | None) -> Iterator[dict]:
    """Yield the entries (dicts like ``WatchlistEntry.to_dict()``) of a list, or some of them."""
    if not _table_exists(conn, "watchlist_entries"):
        return
    sql = (
        "SELECT e.id, e.entry_id, e.entity_type, e.sex, e.data FROM watchlist_entries e"
        " JOIN lists l ON l.id = e.list_id WHERE l.name = ?"
    )
    batches: list[tuple] = []
    if entry_ids is None:
        batches.append((sql, (list_name,)))
    else:
        for i in range(0, len(entry_ids), 500):
            chunk = entry_ids[i : i + 500]
            batches.append((sql + f" AND e.entry_id IN ({','.join('?' * len(chunk))})", (list_name, *chunk)))
    for query, params in batches:
        for row_id, entry_id, entity_type, sex, data in conn.execute(query, params).fetchall():
            entry = None
            if data:
                try:
                    entry = json.loads(data)
                except ValueError:
                    entry = None
            if not isinstance(entry, dict) or "names" not in entry:
                entry = _from_tables(conn, row_id, {"entity_type": entity_type, "sex": sex})
            entry["entry_id"] = entry_id
            entry.setdefault("entity_type", entity_type)
            yield entry


def _parse_time(value) -> dt.datetime | None:
    """An aware datetime from an ISO text (date or date-time), None when unusable."""
    if not value:
        return None
    try:
        t = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def list_metadata(db) -> list[dict]:
    """Every list: name, kind, version, entry counts and the time its contents date from."""
    conn = getattr(db, "conn", db)
    rows: list[dict] = []
    try:
        from appliance.store.lists import list_lists  # the store's own view, when present

        rows = [dict(r) for r in list_lists(db)]
    except ImportError:
        rows = []
    except Exception:  # noqa: BLE001 - fall back to reading the table directly
        log.debug("list_lists failed; reading the lists table", exc_info=True)
        rows = []
    if not rows and _table_exists(conn, "lists"):
        cur = conn.execute("SELECT * FROM lists")
        cols = [c[0] for c in cur.description]
        rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    out = []
    for r in rows:
        size = r.get("size")
        if size is None:
            size = sum(int(r.get(k) or 0) for k in ("persons", "entities", "documents")) or int(r.get("names") or 0)
        out.append(
            {
                "name": r.get("name"),
                "kind": r.get("kind") or "watchlist",
                "version": r.get("version"),
                "as_of": _parse_time(r.get("published_at")) or _parse_time(r.get("imported_at")),
                "size": size,
                "persons": int(r.get("persons") or 0),
            }
        )
    return out
