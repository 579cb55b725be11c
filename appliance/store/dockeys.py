"""Lookup keys of document numbers: compact, exact-match keys with the variants real data needs.

A stored number N (normalised to A-Z0-9) of issuing state S and type T becomes one key row
``(state, num, pfx, kind)``:

* ``pfx`` is N's leading letters when a digit follows them ('K348486' -> 'K'), ``num`` the
  rest ('348486'), so a lookup with or without the letter prefix finds it;
* ``num`` is stored as an integer when it is all digits without a leading zero (4 bytes for
  nine digits), else as text;
* ``kind`` is ``type_code * 2 + variant``: variant 0 is the full number, variant 1 an extra
  row for numbers longer than nine characters, keyed by the first nine (what a TD3 MRZ prints).

In keyed-hash mode ``num`` is the first 8 bytes of HMAC-SHA256(key, state ':' rest) as a
signed integer and ``pfx`` a 16-bit HMAC tag of the prefix (0 when there is none).
"""

from __future__ import annotations

import functools
import hmac
from typing import NamedTuple

from ..lists.docnumbers import MRZ_NUMBER_LENGTH, normalize_number, split_prefix, state_code, type_code


def encode_num(rest: str):
    """Plain-mode encoding of the part after the prefix: int when lossless, else text."""
    if rest.isdigit() and rest[0] != "0" and len(rest) <= 18:
        return int(rest)
    return rest


class Hasher:
    """Keyed hashing of document numbers (None key = plain mode)."""

    def __init__(self, key: bytes | None):
        self.key = key
        self._pfx: dict[str, int] = {}

    @property
    def hashed(self) -> bool:
        """True in keyed-hash mode."""
        return self.key is not None

    def num(self, state: str, rest: str):
        """Key value of ``rest`` for ``state``."""
        if self.key is None:
            return encode_num(rest)
        digest = hmac.digest(self.key, f"{state}:{rest}".encode(), "sha256")
        return int.from_bytes(digest[:8], "big", signed=True)

    def pfx(self, prefix: str):
        """Key value of a letter prefix ('' or 0 when there is none)."""
        if self.key is None:
            return prefix
        if not prefix:
            return 0
        tag = self._pfx.get(prefix)
        if tag is not None:
            return tag
        digest = hmac.digest(self.key, f"p:{prefix}".encode(), "sha256")
        tag = self._pfx[prefix] = int.from_bytes(digest[:2], "big") or 1
        return tag


PLAIN = Hasher(None)


def record_keys(state: str, doc_type: str, number: str, hasher: Hasher = PLAIN) -> list[tuple]:
    """Key rows ``(state_code, num, pfx, kind, tail)`` for one stored document."""
    n = normalize_number(number)
    if not n:
        return []
    return keys_of(n, state, state_code(state), type_code(doc_type) * 2, hasher)


def _split(n: str) -> tuple[str, str]:
    """split_prefix with a fast path for numbers that start with a digit."""
    if n[0] <= "9":
        return "", n
    return split_prefix(n)


def keys_of(n: str, state: str, sc: int, tc2: int, hasher: Hasher) -> list[tuple]:
    """Key rows for a normalised number ``n`` (``sc`` state code, ``tc2`` type code times two)."""
    prefix, rest = _split(n)
    if hasher.key is None:
        num = int(rest) if (rest[0] != "0" and rest.isdigit() and len(rest) <= 18) else rest
        rows = [(sc, num, prefix, tc2, None)]
    else:
        rows = [(sc, hasher.num(state, rest), hasher.pfx(prefix), tc2, None)]
    if len(n) > MRZ_NUMBER_LENGTH:
        p9, r9 = _split(n[:MRZ_NUMBER_LENGTH])
        tail = None if hasher.hashed else n[MRZ_NUMBER_LENGTH:]
        rows.append((sc, hasher.num(state, r9), hasher.pfx(p9), tc2 + 1, tail))
    return rows


class Probe(NamedTuple):
    """One exact-key lookup of a query and how to judge the rows it returns."""

    state: str
    state_code: int
    num: object
    pfx: object
    mode: str  # "full": the query itself; "first9": the first nine characters of a longer query


def probes(state: str, number: str, hasher: Hasher = PLAIN) -> list[Probe]:
    """The key lookups for a query: its state and the unknown state, full and first-nine forms."""
    n = normalize_number(number)
    if not n:
        return []
    out = []
    prefix, rest = split_prefix(n)
    for s in ((state, "") if state else ("",)):
        sc = _state_code(s)
        out.append(Probe(s, sc, hasher.num(s, rest), hasher.pfx(prefix), "full"))
        if len(n) > MRZ_NUMBER_LENGTH:
            p9, r9 = split_prefix(n[:MRZ_NUMBER_LENGTH])
            out.append(Probe(s, sc, hasher.num(s, r9), hasher.pfx(p9), "first9"))
    return out


_state_code = functools.lru_cache(maxsize=1024)(state_code)


def row_matches(probe: Probe, query: str, row_pfx, row_kind: int, doc_type: str | None) -> str | None:
    """How a key row matches the probe ('exact', 'no_prefix', 'first9'), or None when it does not."""
    n = normalize_number(query)
    variant = row_kind & 1
    row_type = row_kind >> 1
    if doc_type and row_type and row_type != type_code(doc_type):
        return None
    empty_row = row_pfx in ("", 0)
    empty_query = probe.pfx in ("", 0)
    if row_pfx != probe.pfx and not (empty_row or empty_query):
        return None
    how = "exact" if row_pfx == probe.pfx else "no_prefix"
    if probe.mode == "full":
        if variant == 0:
            return how
        # a stored long number's first nine characters: the query is what a TD3 MRZ holds
        if len(n) == MRZ_NUMBER_LENGTH or (empty_query and not empty_row):
            return "first9"
        return None
    # probe.mode == "first9": a longer query, stored number is the MRZ-truncated form
    return "first9" if variant == 0 else None
