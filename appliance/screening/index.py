"""Candidate-key index: derived from watchlist entries at import/sync time, never per query.

:func:`reindex` is called by the lists store inside its own transaction whenever watchlist
entries change. It keeps these tables in step (see :mod:`.migrations`):

* ``screening_names``: every MRZ-space spelling of every listed name and alias of a person;
* ``screening_vocab`` / ``screening_vocab_keys``: each distinct token once, with its
  document frequency and its lookup keys (exact, one-letter deletions, consonant
  skeleton, spelling-variant group, folded transliteration);
* ``screening_postings``: token -> names;
* ``screening_entries``: the features scoring needs (dates of birth, nationalities, sex,
  document numbers), so a query reads nothing else;
* ``screening_doc_keys``: listed identity-document numbers (full and first 9 characters).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import Any, Iterable

from .errors import ScreeningIndexError
from .names import index_keys, tokens_of
from .translit import script_of, to_mrz_variants

log = logging.getLogger(__name__)

_KIND_RANK = {"primary": 0, "alias": 1, "weak_alias": 2, "original_script": 3}


def _as_dict(entry: Any) -> dict:
    """A WatchlistEntry (or its ``to_dict()``) as a plain dict."""
    if hasattr(entry, "to_dict"):
        return entry.to_dict()
    if isinstance(entry, dict):
        return entry
    raise ScreeningIndexError(f"cannot index a {type(entry).__name__}")


def normalize_sex(value: Any) -> str | None:
    """'M', 'F', 'X' or None from the many ways lists write sex."""
    if not value:
        return None
    v = str(value).strip().upper()
    if v in ("M", "MALE", "MAN"):
        return "M"
    if v in ("F", "FEMALE", "WOMAN"):
        return "F"
    if v in ("X", "OTHER", "<"):
        return None if v == "<" else "X"
    return None


def entry_features(entry: dict) -> dict:
    """The scoring features of an entry (JSON-ready)."""
    dobs = []
    for d in entry.get("dates_of_birth") or []:
        if isinstance(d, dict) and d.get("date_from"):
            dobs.append([d["date_from"], d.get("date_to") or d["date_from"], d.get("precision") or "exact",
                         bool(d.get("approximate"))])
    docs = []
    for d in entry.get("documents") or []:
        num = d.get("normalized") or "".join(ch for ch in str(d.get("number", "")).upper() if ch.isalnum())
        if num:
            docs.append({"number": num, "issuing_state": d.get("issuing_state") or "",
                         "type": d.get("document_type") or ""})
    primary = next((n["name"] for n in entry.get("names", []) if n.get("kind") == "primary"),
                   (entry.get("names") or [{"name": ""}])[0]["name"])
    return {
        "entity_type": entry.get("entity_type", "individual"),
        "primary_name": primary,
        "dobs": dobs,
        "nationalities": [c for c in (entry.get("nationalities") or []) if c],
        "sex": normalize_sex(entry.get("sex")),
        "documents": docs,
    }


def name_forms(name: dict) -> list[dict]:
    """Every MRZ-space spelling of one listed name: tokens, surname count, script, kind."""
    text = (name.get("name") or "").strip()
    if not text:
        return []
    kind = name.get("kind") or "primary"
    if kind == "alias" and (name.get("quality") or "").lower() in ("low", "weak", "bad"):
        kind = "weak_alias"
    script = script_of(text)
    out = []
    if "," in text and script != "arabic":
        sur, _, given = text.partition(",")
        sur_v, given_v = to_mrz_variants(sur), to_mrz_variants(given) or [""]
        for i, s in enumerate(sur_v):
            g = given_v[min(i, len(given_v) - 1)]
            st, sp = tokens_of(s)
            gt, gp = tokens_of(g)
            out.append({"tokens": st + gt, "surname_count": len(st) if st else None, "particles": sp + gp})
    else:
        for v in to_mrz_variants(text):
            t, p = tokens_of(v)
            out.append({"tokens": t, "surname_count": None, "particles": p})
    if script != "latin" and kind == "primary":
        kind = "original_script"
    for f in out:
        f.update(kind=kind, script=script, display=text, consonantal=script == "arabic")
    return [f for f in out if f["tokens"]]


def entry_name_forms(entry: dict) -> list[dict]:
    """All name forms of an entry, one per distinct token list (best kind kept)."""
    best: dict[tuple, dict] = {}
    for name in entry.get("names") or []:
        for form in name_forms(name):
            key = (tuple(form["tokens"]), form["consonantal"])
            old = best.get(key)
            if old is None or _KIND_RANK[form["kind"]] < _KIND_RANK[old["kind"]]:
                best[key] = form
    return list(best.values())


def birth_years(dobs: list) -> tuple[int, int]:
    """(first, last) possible birth year of an entry from its listed dates; (0, 9999) when unknown."""
    years = []
    for d in dobs:
        try:
            lo, hi = int(d[0][:4]), int(d[1][:4])
        except (ValueError, TypeError, IndexError):
            continue
        slack = 2 if (len(d) > 3 and d[3]) else 0
        years += [lo - slack, hi + slack]
    return (min(years), max(years)) if years else (0, 9999)


def doc_keys(number: str) -> set[str]:
    """Lookup forms of a listed document number: full, first 9, without a letter prefix."""
    keys = {number}
    if len(number) > 9:
        keys.add(number[:9])
    stripped = number.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if len(stripped) >= 5 and stripped != number:
        keys.add(stripped)
    return keys


class _Vocab:
    """Token -> id map for one reindex call; new tokens (and their keys) are written in batches."""

    def __init__(self, conn):
        self.conn = conn
        self.ids: dict[str, int] = dict(conn.execute("SELECT token, token_id FROM screening_vocab"))
        self.next_id = (conn.execute("SELECT MAX(token_id) FROM screening_vocab").fetchone()[0] or 0) + 1
        self.df = Counter()
        self.new_tokens: list[tuple[int, str]] = []
        self.new_keys: list[tuple[str, int]] = []

    def id_of(self, token: str) -> int:
        """Return the token's id, adding it to the vocabulary with its keys if new."""
        tid = self.ids.get(token)
        if tid is None:
            tid = self.next_id
            self.next_id += 1
            self.ids[token] = tid
            self.new_tokens.append((tid, token))
            self.new_keys.extend((k, tid) for k in index_keys(token))
        return tid

    def flush(self) -> None:
        """Write the new tokens and their keys."""
        self.conn.executemany("INSERT INTO screening_vocab (token_id, token, df) VALUES (?, ?, 0)", self.new_tokens)
        self.conn.executemany("INSERT OR IGNORE INTO screening_vocab_keys (key, token_id) VALUES (?, ?)", self.new_keys)
        self.new_tokens.clear()
        self.new_keys.clear()


def _conn(db):
    """The sqlite3 connection of a sqlite_utils Database (or a connection itself)."""
    return getattr(db, "conn", db)


def remove_entries(db, list_name: str, entry_ids: Iterable[str] | None = None) -> int:
    """Remove the index rows of some entries of a list (all when ``entry_ids`` is None)."""
    conn = _conn(db)
    if entry_ids is None:
        conn.execute(
            "DELETE FROM screening_postings WHERE name_id IN (SELECT name_id FROM screening_names WHERE list_name = ?)",
            (list_name,),
        )
        n = conn.execute("DELETE FROM screening_names WHERE list_name = ?", (list_name,)).rowcount
        conn.execute("DELETE FROM screening_entries WHERE list_name = ?", (list_name,))
        conn.execute("DELETE FROM screening_doc_keys WHERE list_name = ?", (list_name,))
        return n
    removed = 0
    dec = Counter()
    for eid in entry_ids:
        rows = conn.execute(
            "SELECT name_id FROM screening_names WHERE list_name = ? AND entry_id = ?", (list_name, str(eid))
        ).fetchall()
        for (name_id,) in rows:
            for (tid,) in conn.execute("SELECT token_id FROM screening_postings WHERE name_id = ?", (name_id,)):
                dec[tid] += 1
        if rows:
            conn.executemany("DELETE FROM screening_postings WHERE name_id = ?", rows)
            conn.executemany("DELETE FROM screening_names WHERE name_id = ?", rows)
            removed += len(rows)
        conn.execute("DELETE FROM screening_entries WHERE list_name = ? AND entry_id = ?", (list_name, str(eid)))
        conn.execute("DELETE FROM screening_doc_keys WHERE list_name = ? AND entry_id = ?", (list_name, str(eid)))
    conn.executemany("UPDATE screening_vocab SET df = MAX(0, df - ?) WHERE token_id = ?", [(c, t) for t, c in dec.items()])
    return removed


def add_entries(db, list_name: str, entries: Iterable[Any], *, update_df: bool = True) -> int:
    """Index entries of a list (individuals only); return the number of names added."""
    conn = _conn(db)
    vocab = _Vocab(conn)
    next_id = (conn.execute("SELECT MAX(name_id) FROM screening_names").fetchone()[0] or 0) + 1
    added = 0
    entry_rows, doc_rows, name_rows, posting_rows = [], [], [], []

    def flush():
        """Write the batched rows."""
        vocab.flush()
        conn.executemany(
            "INSERT OR REPLACE INTO screening_entries (list_name, entry_id, features) VALUES (?, ?, ?)", entry_rows)
        conn.executemany(
            "INSERT OR IGNORE INTO screening_doc_keys (number, list_name, entry_id) VALUES (?, ?, ?)", doc_rows)
        conn.executemany(
            "INSERT INTO screening_names (name_id, list_name, entry_id, kind, weak, script, display, tokens,"
            " surname_count, consonantal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", name_rows)
        conn.executemany(
            "INSERT OR IGNORE INTO screening_postings (token_id, name_id, yob_lo, yob_hi) VALUES (?, ?, ?, ?)", posting_rows)
        for rows in (entry_rows, doc_rows, name_rows, posting_rows):
            rows.clear()

    for raw in entries:
        entry = _as_dict(raw)
        if (entry.get("entity_type") or "individual") != "individual":
            continue
        eid = str(entry["entry_id"])
        feats = entry_features(entry)
        entry_rows.append((list_name, eid, json.dumps(feats, separators=(",", ":"))))
        doc_rows.extend((k, list_name, eid) for d in feats["documents"] for k in doc_keys(d["number"]))
        yob_lo, yob_hi = birth_years(feats["dobs"])
        for form in entry_name_forms(entry):
            name_id = next_id
            next_id += 1
            name_rows.append((name_id, list_name, eid, form["kind"], int(form["kind"] == "weak_alias"), form["script"],
                              form["display"], " ".join(form["tokens"]), form["surname_count"], int(form["consonantal"])))
            tids = {vocab.id_of(t) for t in form["tokens"]}
            posting_rows.extend((tid, name_id, yob_lo, yob_hi) for tid in tids)
            vocab.df.update(tids)
            added += 1
        if len(posting_rows) > 20_000:
            flush()
    flush()
    if update_df:
        conn.executemany("UPDATE screening_vocab SET df = df + ? WHERE token_id = ?", [(c, t) for t, c in vocab.df.items()])
    return added


def recount(db) -> None:
    """Recompute every token's document frequency and the name total from the postings."""
    conn = _conn(db)
    conn.execute("UPDATE screening_vocab SET df = 0")
    conn.execute(
        "UPDATE screening_vocab SET df = c.n FROM (SELECT token_id, COUNT(*) AS n FROM screening_postings"
        " GROUP BY token_id) AS c WHERE c.token_id = screening_vocab.token_id"
    )
    _store_total(conn)


def _store_total(conn) -> None:
    """Remember how many names are indexed (used to tell common tokens)."""
    total = conn.execute("SELECT COUNT(*) FROM screening_names").fetchone()[0]
    conn.execute("INSERT OR REPLACE INTO screening_meta (key, value) VALUES ('total_names', ?)", (str(total),))


def index_entries(db, list_name: str, entries: Iterable[Any], *, replace: bool = True) -> int:
    """Replace the whole index of ``list_name`` with ``entries`` (used by tests and benchmarks)."""
    conn = _conn(db)
    if replace:
        remove_entries(conn, list_name, None)
    n = add_entries(conn, list_name, entries, update_df=False)
    recount(conn)
    return n


def reindex(db, list_name: str, entry_ids: Iterable[str] | None = None) -> int:
    """Bring the index of ``list_name`` in step with the store (``entry_ids`` None = whole list).

    Called by the lists store inside its transaction; entries that no longer exist are
    dropped from the index. Returns the number of names indexed.
    """
    from .source import load_entries  # the store's tables, read through one adapter

    conn = _conn(db)
    if entry_ids is None:
        remove_entries(conn, list_name, None)
        n = add_entries(conn, list_name, load_entries(conn, list_name, None), update_df=False)
        recount(conn)
    else:
        ids = [str(e) for e in entry_ids]
        remove_entries(conn, list_name, ids)
        n = add_entries(conn, list_name, load_entries(conn, list_name, ids))
        _store_total(conn)
    log.info("screening index of list %s updated: %d names", list_name, n)
    return n
