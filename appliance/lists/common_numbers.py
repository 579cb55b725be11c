"""The numbers a listed document is indexed under: each number found in the text, and the whole text."""

from __future__ import annotations

from .docnumbers import normalize_number
from .importers.common import extract_numbers


def document_numbers(text: str) -> list[str]:
    """Normalised numbers for a listed document's free-text number field (deduplicated, in order)."""
    out = [normalize_number(n) for n in extract_numbers(text)]
    out.append(normalize_number(text))
    return [n for n in dict.fromkeys(out) if n]
