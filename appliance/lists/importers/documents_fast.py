"""Bulk reading of documents-csv in big chunks: one regular expression per chunk instead of a CSV loop.

A documents-csv file of 10^8 rows is read as ~4 MB chunks cut at line ends. A chunk whose
every line has the plain shape (no quotes, upper-case codes, a canonical status, an ISO date or
none, a printable ASCII reference) is parsed by one ``re.findall`` in C, and its distinct
states and dates are checked once; any other chunk is read line by line with exactly the checks
of :class:`~.tabular.DocumentsCsvReader` (same reasons, same line numbers). A file with a double
quote or a bare carriage return cannot be cut at arbitrary line ends (a quoted field may hold a
line break): the scan then reports :class:`NeedsCsvModule` and the caller reads the files with
:meth:`DocumentsCsvReader.rows` instead.

The input can be split into contiguous byte ranges (:func:`split_ranges`) read by several
processes; rejected rows then carry the range's start offset and are renumbered by
:func:`absolute_lines`.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Callable, Iterator

from ..docnumbers import STATUS_CODES
from ..errors import FileFormatError
from .tabular import DOCUMENT_COLUMNS, DocumentsCsvReader

CHUNK_BYTES = 4 << 20

#: One plain line. Groups: state, type, prefix, digits (an integer without leading zero), other
#: rest, long number (over nine characters), "status,date", reference (stripped).
FAST_LINE = re.compile(
    r"^([A-Z]{1,3}),([A-Z]?),"
    r"(?:(?=[A-Z0-9]{1,9},)([A-Z]*(?=[0-9])|)([1-9][0-9]*(?=,)|)([A-Z0-9]*)|([A-Z0-9]{10,})),"
    r"((?:lost|stolen|stolen_blank|revoked|invalidated),(?:[0-9]{4}-[0-9]{2}-[0-9]{2})?)"
    r"(?:, *([!-+\--~](?:[ -+\--~]*[!-+\--~])?)? *)?$",
    re.M,
)
Segment = tuple  # (path, start, end) byte range of one file


class NeedsCsvModule(Exception):
    """The input has quoted fields or bare carriage returns: read it with the csv module."""


def split_ranges(files: list[Path], parts: int) -> list[list[Segment]]:
    """Cut the concatenated files into ``parts`` contiguous ranges of about equal size, at line ends."""
    sizes = [(Path(f), Path(f).stat().st_size) for f in files]
    total = sum(s for _, s in sizes)
    target = max(1, -(-total // max(1, parts)))
    ranges: list[list[Segment]] = [[]]
    filled = 0
    for path, size in sizes:
        start = 0
        with open(path, "rb") as fh:
            while start < size:
                room = target - filled
                if len(ranges) == parts or size - start <= room:
                    ranges[-1].append((path, start, size))
                    filled += size - start
                    break
                fh.seek(start + room)
                fh.readline()
                cut = min(size, fh.tell())
                ranges[-1].append((path, start, cut))
                ranges.append([])
                filled, start = 0, cut
    return [r for r in ranges if r]


def absolute_lines(path: Path, offset: int) -> int:
    """How many lines of ``path`` end before byte ``offset``."""
    count = 0
    with open(path, "rb") as fh:
        left = offset
        while left > 0:
            block = fh.read(min(left, 1 << 24))
            if not block:
                break
            count += block.count(b"\n")
            left -= len(block)
    return count


class ChunkScanner:
    """Read byte ranges of documents-csv files as validated batches.

    ``batches()`` yields ``("fast", matches, has_ref, by_line)`` for chunks parsed by
    :data:`FAST_LINE` (tuples of its groups; states, types and statuses are valid, dates have the
    ``YYYY-MM-DD`` shape but the consumer must check that each is a real day, and call
    ``by_line()`` for the chunk's rows and rejections when one is not) and
    ``("rows", tuples)`` of (state, type, number, status, reported_on, reference) for chunks read
    line by line. Rejected rows land in ``rejected`` as (path, segment start, line in segment,
    reason); more than ``max_errors`` of them stop the scan (``too_many`` is then True).
    """

    def __init__(self, max_errors: int | None = None, progress: Callable[[int], None] | None = None):
        self.max_errors = max_errors
        self.progress = progress
        self.rejected: list[tuple] = []
        self.too_many = False
        self.states: dict[str, str] = {}
        self._caches = ({}, {}, {s: s for s in STATUS_CODES if s != "listed_person"}, {"": True})

    def batches(self, segments: list[Segment]) -> Iterator[tuple]:
        """Validated batches of the segments, in order."""
        for path, start, end in segments:
            yield from self._segment(Path(path), start, end)
            if self.too_many:
                return

    def _segment(self, path: Path, start: int, end: int) -> Iterator[tuple]:
        line_base = 0  # lines of this segment before the current chunk
        with open(path, "rb") as fh:
            fh.seek(start)
            pos, rest, first = start, b"", start == 0
            while pos < end or rest:
                block = fh.read(min(CHUNK_BYTES, end - pos)) if pos < end else b""
                pos += len(block)
                data = rest + block
                if pos < end:
                    cut = data.rfind(b"\n") + 1
                    if cut == 0:
                        rest = data
                        continue
                    data, rest = data[:cut], data[cut:]
                else:
                    rest = b""
                    if data and not data.endswith(b"\n"):
                        data += b"\n"
                if first:
                    first = False
                    if data.startswith(b"\xef\xbb\xbf"):
                        data = data[3:]
                    data, skipped = self._header(path, data)
                    line_base += skipped
                text = data.decode("utf-8", errors="surrogateescape")
                if "\r" in text:
                    text = text.replace("\r\n", "\n")
                    if "\r" in text:
                        raise NeedsCsvModule(path.name)
                if '"' in text:
                    raise NeedsCsvModule(path.name)
                lines = text.count("\n")
                found = FAST_LINE.findall(text)
                if len(found) == lines:
                    yield "fast", found, text.count(",") != 4 * lines, functools.partial(
                        self._by_line, path, start, line_base, text)
                else:
                    yield "rows", self._by_line(path, start, line_base, text)
                line_base += lines
                if self.progress is not None:
                    self.progress(len(block))
                if self.too_many:
                    return

    def _header(self, path: Path, data: bytes) -> tuple[bytes, int]:
        """Drop leading blank lines and a header row (checking its columns); returns (data, lines dropped)."""
        skipped = 0
        while data.startswith((b"\n", b"\r\n")):
            data = data[data.index(b"\n") + 1:]
            skipped += 1
        end = data.find(b"\n")
        head = (data if end < 0 else data[:end]).decode("utf-8", errors="surrogateescape").rstrip("\r")
        fields = head.split(",")
        if fields and fields[0].strip().lower() == "issuing_state" and '"' not in head:
            names = tuple(x.strip().lower() for x in fields)
            if names not in (DOCUMENT_COLUMNS, DOCUMENT_COLUMNS[:5]):
                raise FileFormatError(path.name, skipped + 1, "wrong columns: expected " + ",".join(DOCUMENT_COLUMNS))
            return (b"" if end < 0 else data[end + 1:]), skipped + 1
        return data, skipped

    def _by_line(self, path: Path, start: int, line_base: int, text: str) -> list[tuple]:
        """A chunk with unusual lines: each line checked like DocumentsCsvReader.rows (same reasons)."""
        out = []
        states, types, statuses, dates = self._caches
        check = DocumentsCsvReader._check_slow
        for i, raw in enumerate(text.split("\n")[:-1], line_base + 1):
            if self.too_many:
                break
            if not raw or raw == "\x1a":
                continue
            f = raw.split(",")
            n = len(f)
            if n == 6:
                ref = f[5].strip() or None
            elif n == 5:
                ref = None
            else:
                self._reject(path, start, i, f"expected 5 or 6 columns, found {n}")
                continue
            reason = check(f, states, types, statuses, dates)
            if reason:
                self._reject(path, start, i, reason)
                continue
            out.append((states[f[0]], types[f[1]], f[2], statuses[f[3]], (f[4].strip() or None), ref))
        return out

    def _reject(self, path: Path, start: int, line: int, reason: str) -> None:
        self.rejected.append((str(path), start, line, reason))
        if self.max_errors is not None and len(self.rejected) > self.max_errors:
            self.too_many = True
