"""What every reader shares: file opening, strict UTF-8 lines, progress, rejected rows."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Callable, Iterator

from ..errors import FileFormatError, RejectedRow, RowError

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
    """True when any value holds bytes that were not valid UTF-8."""
    for v in values:
        if v and any("\udc80" <= ch <= "\udcff" for ch in v):
            return True
    return False


def parse_row(reader: Reader, path: Path, line: int, fn, *args):
    """Call ``fn(*args)``; a RowError or ValueError becomes a rejected row (returns None)."""
    try:
        return fn(*args)
    except (RowError, ValueError) as exc:
        reader.reject(path, line, str(exc) or type(exc).__name__)
        return None
