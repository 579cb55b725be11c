"""Bounded candidate search over the derived key tables (no full scans, no per-query keys of the list).

A query token finds vocabulary tokens through its keys (exact, one-letter deletions,
skeleton, spelling group, folded spelling; a truncated last token by prefix). Tokens
found in few names bring their names in as candidates; very common tokens (MUHAMMAD,
ALI, KHAN) are only used to confirm, or, when a query has nothing rarer, as a pair
that both must hold. At most ``max_candidates`` names are returned, best-supported first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .names import query_keys
from .score import MATCHED, token_similarity

_CHUNK = 900
#: query parts found in more names than this (and COMMON_SHARE of all names) only confirm
COMMON_CAP = 1000
COMMON_SHARE = 0.0005
#: most names of a very common part, fitting the birth years, checked for the second part
PAIR_SCAN_LIMIT = 20_000


@dataclass
class Candidate:
    """A listed name found for a query, with how many query tokens brought it in."""

    name_id: int
    list_name: str
    entry_id: str
    kind: str
    display: str
    tokens: list[str]
    surname_count: int | None
    consonantal: bool
    hits: int = 0


def _in_chunks(conn, sql: str, values: list, extra: tuple = ()) -> list[tuple]:
    """Run ``sql`` with an IN (...) list in chunks; ``{}`` in sql marks the placeholders."""
    out: list[tuple] = []
    for i in range(0, len(values), _CHUNK):
        chunk = values[i : i + _CHUNK]
        out.extend(conn.execute(sql.format(",".join("?" * len(chunk))), (*extra, *chunk)).fetchall())
    return out


def total_names(conn) -> int:
    """How many names the index holds."""
    row = conn.execute("SELECT value FROM screening_meta WHERE key = 'total_names'").fetchone()
    return int(row[0]) if row else 0


def match_vocabulary(conn, tokens: list[str], truncated: bool) -> list[dict[int, tuple[str, int, float]]]:
    """For each query token, the vocabulary tokens it may be: {token_id: (token, df, similarity)}."""
    key_owner: dict[str, set[int]] = defaultdict(set)
    for i, tok in enumerate(tokens):
        for k in query_keys(tok):
            key_owner[k].add(i)
    found: dict[int, set[int]] = defaultdict(set)  # token_id -> query token indexes
    for key, tid in _in_chunks(conn, "SELECT key, token_id FROM screening_vocab_keys WHERE key IN ({})", list(key_owner)):
        found[tid].update(key_owner[key])
    if truncated and tokens and len(tokens[-1]) >= 2:
        last = tokens[-1]
        hi = last[:-1] + chr(ord(last[-1]) + 1)
        for (tid,) in conn.execute(
            "SELECT token_id FROM screening_vocab WHERE token >= ? AND token < ? LIMIT 300", (last, hi)
        ):
            found[tid].add(len(tokens) - 1)
    result: list[dict[int, tuple[str, int, float]]] = [dict() for _ in tokens]
    if not found:
        return result
    rows = _in_chunks(conn, "SELECT token_id, token, df FROM screening_vocab WHERE token_id IN ({})", list(found))
    last = len(tokens) - 1
    for tid, token, df in rows:
        if df <= 0:
            continue
        for i in found[tid]:
            prefix = truncated and i == last
            sim = max(
                token_similarity(tokens[i], token, prefix, False)[0],
                token_similarity(tokens[i], token, prefix, True)[0],
            )
            if sim >= MATCHED:
                result[i][tid] = (token, df, sim)
    return result


def find_candidates(conn, tokens: list[str], truncated: bool, max_candidates: int,
                    birth_years: list[int] | None = None) -> tuple[list[Candidate], dict[str, int]]:
    """Candidate names for query ``tokens`` (at most ``max_candidates``) and the df of every token seen.

    Names must share two query parts (one for a one-part query); among many, those whose listed
    birth years fit ``birth_years`` (within a year) come first.
    """
    matches = match_vocabulary(conn, tokens, truncated)
    df_of = {tok: df for m in matches for tok, df, _ in m.values()}
    sizes = [sum(df for _, df, _ in m.values()) for m in matches]
    informative = sum(1 for s in sizes if s > 0)
    if not informative:
        return [], df_of
    cap = max(COMMON_CAP, int(total_names(conn) * COMMON_SHARE))
    usable = sorted((i for i, s in enumerate(sizes) if 0 < s <= cap), key=lambda i: sizes[i])
    very_common = sorted((i for i, s in enumerate(sizes) if s > cap), key=lambda i: sizes[i])
    need = 1 if len(tokens) == 1 else 2
    years = sorted(set(birth_years or []))[:2]
    if years:
        fits = " OR ".join("(p.yob_lo - 1 <= ? AND p.yob_hi + 1 >= ?)" for _ in years)
        tight = " OR ".join("(p.yob_lo <= ? AND p.yob_hi >= ? AND p.yob_hi - p.yob_lo <= 2)" for _ in years)
        year_params = [y for y in years for _ in (0, 1)]
    else:
        fits, tight, year_params = "1", "0", []
    if usable:
        pairs = [(tid, i) for i in usable for tid in matches[i]]
        sql = (
            f"WITH q(token_id, qi) AS (VALUES {','.join('(?,?)' * 1 for _ in pairs)})"
            f" SELECT p.name_id, COUNT(DISTINCT q.qi) AS h, MAX(({fits}) + 2 * ({tight})) AS d"
            " FROM q JOIN screening_postings p ON p.token_id = q.token_id"
            " GROUP BY p.name_id HAVING h >= ? ORDER BY h DESC, d DESC LIMIT ?"
        )
        params = [x for pair in pairs for x in pair] + year_params * 2 + [max(1, need - len(very_common)), max_candidates]
        ranked = conn.execute(sql, params).fetchall()
    elif len(very_common) >= 2:
        # nothing but very common parts: names must hold the two least common together and, as
        # such a name needs a date of birth to match at all, fit the birth years
        a, b = very_common[0], very_common[1]
        ids_a, ids_b = list(matches[a]), list(matches[b])
        fit_a = conn.execute(
            f"SELECT DISTINCT p.name_id FROM screening_postings p WHERE p.token_id IN ({','.join('?' * len(ids_a))})"
            f" AND ({fits}) LIMIT ?",
            (*ids_a, *year_params, PAIR_SCAN_LIMIT),
        ).fetchall()
        both = _in_chunks(
            conn,
            f"SELECT DISTINCT name_id FROM screening_postings WHERE token_id IN ({','.join('?' * len(ids_b))})"
            " AND name_id IN ({})",
            [r[0] for r in fit_a], tuple(ids_b),
        )
        ranked = [(r[0], 2, 1) for r in both[:max_candidates]]
    else:
        ranked = []
    if not ranked:
        return [], df_of
    # a name sharing two parts fewer than the best-supported one is not the person
    best = ranked[0][1]
    hits = {r[0]: r[1] for r in ranked if r[1] >= best - 1}
    rows = _in_chunks(
        conn,
        "SELECT name_id, list_name, entry_id, kind, display, tokens, surname_count, consonantal"
        " FROM screening_names WHERE name_id IN ({})",
        list(hits),
    )
    out = [Candidate(r[0], r[1], r[2], r[3], r[4], r[5].split(), r[6], bool(r[7]), hits[r[0]]) for r in rows]
    return out, df_of


def names_of_entries(conn, keys: list[tuple[str, str]]) -> list[Candidate]:
    """Every indexed name of the given (list, entry_id) pairs (used for document matches)."""
    out = []
    for list_name, entry_id in keys:
        for r in conn.execute(
            "SELECT name_id, list_name, entry_id, kind, display, tokens, surname_count, consonantal"
            " FROM screening_names WHERE list_name = ? AND entry_id = ?",
            (list_name, entry_id),
        ):
            out.append(Candidate(r[0], r[1], r[2], r[3], r[4], r[5].split(), r[6], bool(r[7])))
    return out


def entries_by_document(conn, number: str) -> list[tuple[str, str]]:
    """(list, entry_id) of listed persons holding a document with this number (or its first 9)."""
    num = "".join(ch for ch in (number or "").upper() if ch.isalnum())
    if len(num) < 5:
        return []
    keys = {num, num[:9]}
    return [tuple(r) for r in _in_chunks(
        conn, "SELECT DISTINCT list_name, entry_id FROM screening_doc_keys WHERE number IN ({})", list(keys))]


def load_features(conn, keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The JSON features of some entries, keyed by (list, entry_id)."""
    by_list: dict[str, list[str]] = defaultdict(list)
    for list_name, entry_id in keys:
        by_list[list_name].append(entry_id)
    out = {}
    for list_name, ids in by_list.items():
        for eid, feats in _in_chunks(
            conn, "SELECT entry_id, features FROM screening_entries WHERE list_name = ? AND entry_id IN ({})",
            ids, (list_name,),
        ):
            out[(list_name, eid)] = feats
    return out
