"""``appliance lists import``: parse a file set, reject bad rows, and replace a list all or nothing."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..lists.errors import FileFormatError, RejectedRow, TooManyErrors
from ..lists.importers import kind_of, open_reader
from . import docfiles
from .changes import apply_changes, hashing_default, switch_documents_file
from .errors import ListKindMismatch
from .hashing import hasher_for
from .lists import data_dir_of, get_list, now_iso, storage_in_use

log = logging.getLogger(__name__)


@dataclass
class ImportReport:
    """What an import did: the list's ``show`` object, records read, rejected rows, seconds taken."""

    list: dict
    records: int
    rejected: list[RejectedRow] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        """JSON-ready summary (rejected rows as file, line, reason)."""
        return {
            "list": self.list,
            "records": self.records,
            "rejected": [{"file": r.file, "line": r.line, "reason": r.reason} for r in self.rejected],
            "seconds": round(self.seconds, 3),
        }


def _guarded(items: Iterable, errors: list, max_errors: int):
    """Pass items through, aborting as soon as more than ``max_errors`` rows were rejected."""
    for item in items:
        if len(errors) > max_errors:
            raise TooManyErrors(list(errors), max_errors)
        yield item
    if len(errors) > max_errors:
        raise TooManyErrors(list(errors), max_errors)


def _bulk(reader, path: Path, hasher, errors: list, max_errors: int, progress, workers):
    """Bulk-build a documents list file with the chunked reader; None when the csv module is needed."""
    from ..lists.importers.documents_fast import NeedsCsvModule, absolute_lines

    for f in reader.files:
        reader.open_binary(f).close()  # a missing or unreadable file is a FileFormatError
    try:
        builder, rejected, too_many = docfiles.build_from_csv(path, reader.files, hasher, max_errors=max_errors,
                                                             progress=progress, workers=workers)
    except NeedsCsvModule:
        log.debug("quoted fields: reading %s with the csv module", reader.source)
        return None
    bases: dict = {}
    for file, start, line, reason in rejected:
        if (file, start) not in bases:
            bases[(file, start)] = absolute_lines(Path(file), start) if start else 0
        errors.append(RejectedRow(Path(file).name, bases[(file, start)] + line, reason))
    if too_many:
        if builder is not None:
            builder.abort()
        raise TooManyErrors(list(errors), max_errors)
    return builder


def import_list(db, name: str, format: str, files: Iterable[str | Path], *, max_errors: int = 0,
                progress: Callable[[int], None] | None = None, hashing: bool | None = None,
                version: str | None = None, on_total: Callable[[int], None] | None = None,
                workers: int | None = None) -> ImportReport:
    """Replace list ``name`` with the contents of ``files`` read as ``format``; nothing changes on error.

    Up to ``max_errors`` bad rows are skipped (and reported); one more aborts the import.
    The previous version stays in force until the new one commits. ``workers``: processes for a
    large documents list (default: the usable CPUs, at most four).
    """
    started = time.monotonic()
    kind = kind_of(format)
    name = name.strip()
    if not name:
        raise FileFormatError("--list", None, "the list needs a name")
    existing = get_list(db, name)
    if existing is not None and existing["kind"] != kind:
        raise ListKindMismatch(f"list {name!r} is a {existing['kind']} list; {format} gives a {kind} list")
    errors: list[RejectedRow] = []
    reader = open_reader(format, files, errors=errors, progress=progress)
    reader.max_errors = max_errors
    if on_total is not None:
        on_total(reader.total_bytes())
    data_dir = data_dir_of(db)
    docfiles.cleanup(data_dir, storage_in_use(db))
    if kind == "watchlist":
        entries = list(_guarded(reader.records(), errors, max_errors))
        if not entries:
            raise FileFormatError(reader.source, None, "no records in the file")
        shown = apply_changes(db, name, kind="watchlist", version=version or reader.version or now_iso(),
                              upserts=entries, full=True, published_at=reader.published_at,
                              source=reader.source, format=format)
        records = len(entries)
    else:
        hashed = hashing_default(db) if hashing is None else hashing
        hasher = hasher_for(data_dir, hashed, create=True)
        path = docfiles.new_path(data_dir, name)
        builder = _bulk(reader, path, hasher, errors, max_errors, progress, workers)
        try:
            if builder is None:  # quoted fields: the csv module's reader, in this process
                builder = docfiles.Builder(path, hasher)
                builder.add(reader.rows())
            if len(errors) > max_errors:  # pragma: no cover (the reader stops at the limit)
                raise TooManyErrors(list(errors), max_errors)
            final, records = builder.finish({"list": name, "version": version or now_iso()})
        except BaseException:
            if builder is not None:
                builder.abort()
            raise
        if records == 0:
            docfiles.remove_file(final)
            raise FileFormatError(reader.source, None, "no records in the file")
        shown = switch_documents_file(db, name, final, records, hashed, version=version or now_iso(),
                                      published_at=reader.published_at, source=reader.source, format=format,
                                      rejected=len(errors))
    report = ImportReport(shown, records, errors, time.monotonic() - started)
    log.info("imported list %s (%s): %d records, %d rejected", name, format, records, len(errors))
    return report
