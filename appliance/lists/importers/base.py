"""What every reader shares: file opening, strict UTF-8 lines, progress, rejected rows."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Callable, Iterator

from ..errors import AllRowsRejected, FileFormatError, RejectedRow, RowError, TooManyErrors

log = logging.getLogger(__name__)

PROGRESS_EVERY = 1 << 16  # bytes between progress callbacks


class Reader:
    """Base class: subclasses implement :meth:`records`; metadata lands in the attributes."""

    kind = "watchlist"
    format = ""

    def __init__(self, files: list[Path], *, errors: list[RejectedRow] | None = None,
                 progress: Callable[[int], None] | None = None):
        if not files:
            raise FileFormatError("(no file)", None, "no input file given")
        self.files = files
        self.errors = errors
        self.progress = progress
        self.published_at: str | None = None
        self.version: str | None = None
        self.source: str = ", ".join(f.name for f in files)
        self._pending_progress = 0
        self._reported_bytes = 0
        #: stop reading as soon as more rows than this were rejected (None: no limit)
        self.max_errors: int | None = None

    def records(self) -> Iterator:
        """Yield parsed records."""
        raise NotImplementedError

    def total_bytes(self) -> int:
        """Sum of the input file sizes (for a progress bar)."""
        return sum(f.stat().st_size for f in self.files if f.exists())

    def reject(self, file: Path, line: int, reason: str) -> None:
        """Record (or raise) one bad row."""
        row = RejectedRow(file.name, line, reason)
        log.debug("rejected %s", row)
        if self.errors is None:
            raise FileFormatError(file.name, line, reason)
        self.errors.append(row)
        if self.max_errors is not None and len(self.errors) > self.max_errors:
            raise TooManyErrors(list(self.errors), self.max_errors)

    def first_time(self, file: Path, line: int, entry_id: str) -> bool:
        """False (and the row rejected) when ``entry_id`` was already read; entry ids must be unique in a list."""
        seen = self.__dict__.setdefault("_seen_ids", {})
        first = seen.get(entry_id)
        if first is None:
            seen[entry_id] = (file.name, line)
            return True
        self.reject(file, line, f"duplicate entry_id (first at {first[0]}:{first[1]})")
        return False

    def check_some_accepted(self) -> None:
        """At the end of a watchlist import (``max_errors`` set): AllRowsRejected when rows were rejected and none kept.

        Plain ``read_records(errors=[])`` callers just get the rejected rows collected.
        """
        if self.max_errors is not None and self.errors and not self.__dict__.get("_seen_ids"):
            raise AllRowsRejected(list(self.errors))

    def advance(self, nbytes: int) -> None:
        """Report progress in bytes, batched."""
        if self.progress is None:
            return
        self._pending_progress += nbytes
        if self._pending_progress >= PROGRESS_EVERY:
            self.progress(self._pending_progress)
            self._pending_progress = 0

    def flush_progress(self) -> None:
        """Report what is left of the progress."""
        if self.progress is not None and self._pending_progress:
            self.progress(self._pending_progress)
            self._pending_progress = 0

    def open_binary(self, path: Path) -> io.BufferedReader:
        """Open an input file, turning OS errors into FileFormatError."""
        try:
            return open(path, "rb")
        except OSError as exc:
            raise FileFormatError(str(path), None, f"cannot read: {exc.strerror}") from None

    def lines(self, path: Path) -> Iterator[tuple[int, str]]:
        """(line number, text) of a file; non-UTF-8 bytes become surrogates (see :func:`bad_text`)."""
        with self.open_binary(path) as fh:
            for n, raw in enumerate(fh, 1):
                self.advance(len(raw))
                if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                yield n, raw.decode("utf-8", errors="surrogateescape")
        self.flush_progress()


def bad_text(*values: str) -> bool:
    """True when any value holds bytes that were not valid UTF-8 (decoded as surrogates)."""
    for v in values:
        if v and not v.isascii():
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def csv_rows(reader: "Reader", path: Path) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, fields) of every non-empty CSV row; bad UTF-8 shows in :func:`bad_text`."""
    import csv

    with reader.open_binary(path) as fh:
        text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="surrogateescape", newline="")
        rows = csv.reader(text)
        start = 1
        seen = 0
        try:
            for fields in rows:
                line, start = start, rows.line_num + 1
                if rows.line_num - seen >= 4096 and reader.progress is not None:
                    seen = rows.line_num
                    reader.advance(fh.tell() - reader._reported_bytes)
                    reader._reported_bytes = fh.tell()
                if not fields or fields == [""] or fields == ["\x1a"]:
                    continue
                yield line, fields
        except csv.Error as exc:
            raise FileFormatError(path.name, rows.line_num, f"CSV error: {exc}") from None
        if reader.progress is not None:
            reader.advance(fh.tell() - reader._reported_bytes)
            reader._reported_bytes = 0
    reader.flush_progress()


def parse_row(reader: Reader, path: Path, line: int, fn, *args):
    """Call ``fn(*args)``; a RowError or ValueError becomes a rejected row (returns None)."""
    try:
        return fn(*args)
    except (RowError, ValueError) as exc:
        reader.reject(path, line, str(exc) or type(exc).__name__)
        return None
