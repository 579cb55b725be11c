"""Importers: pure parsing of list files into WatchlistEntry / DocumentRecord objects.

``read_records(format, files)`` is the entry point (the hub reuses it); ``open_reader`` gives
the reader object with the list's own metadata (published date, version) and kind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..errors import RejectedRow, UnknownFormat
from ..model import DocumentRecord, WatchlistEntry
from .base import Reader

FORMATS = {
    "un-xml": "un_xml:UNXmlReader",
    "ofac-csv": "ofac:OfacReader",
    "csv": "tabular:WatchlistCsvReader",
    "ndjson": "tabular:WatchlistNdjsonReader",
    "documents-csv": "tabular:DocumentsCsvReader",
}


def open_reader(
    format: str,
    files: Iterable[str | Path],
    *,
    errors: list[RejectedRow] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Reader:
    """The reader for ``format`` over ``files`` (rejected rows go to ``errors`` if given, else raise)."""
    import importlib

    spec = FORMATS.get(format)
    if spec is None:
        raise UnknownFormat(f"unknown format {format!r} (known: {', '.join(FORMATS)})")
    module_name, cls_name = spec.split(":")
    cls = getattr(importlib.import_module(f"{__name__}.{module_name}"), cls_name)
    return cls([Path(f) for f in files], errors=errors, progress=progress)


def read_records(
    format: str,
    files: Iterable[str | Path],
    *,
    errors: list[RejectedRow] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[WatchlistEntry | DocumentRecord]:
    """Yield the records of ``files`` read as ``format``.

    A bad row raises :class:`~appliance.lists.errors.FileFormatError` unless ``errors`` is a
    list, in which case it is appended there as a RejectedRow and reading goes on. A file that
    cannot be read at all (truncated XML, wrong columns) always raises.
    """
    return open_reader(format, files, errors=errors, progress=progress).records()


def kind_of(format: str) -> str:
    """'watchlist' or 'documents' for an import format."""
    if format not in FORMATS:
        raise UnknownFormat(f"unknown format {format!r} (known: {', '.join(FORMATS)})")
    return "documents" if format == "documents-csv" else "watchlist"


__all__ = ["FORMATS", "kind_of", "open_reader", "read_records"]
