"""Errors of list parsing and importing."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ApplianceError


class ListError(ApplianceError):
    """Root of list and import errors."""

    exit_code = 2


class UnknownFormat(ListError):
    """The import format is not one we read."""


class FileFormatError(ListError):
    """A whole file cannot be read (not found, truncated XML, wrong header, bad encoding)."""

    def __init__(self, file: str, line: int | None, reason: str):
        self.file, self.line, self.reason = file, line, reason
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class RejectedRow:
    """One input row that could not be used: where and why (never the row's personal data)."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class RowError(ListError):
    """A single row is invalid; raised inside a parser, collected as a RejectedRow."""


class TooManyErrors(ListError):
    """More rows were rejected than ``--max-errors`` allows; nothing was imported."""

    def __init__(self, rejected: list[RejectedRow], limit: int):
        self.rejected, self.limit = rejected, limit
        super().__init__(f"import rejected: {len(rejected)} bad row(s) (more than --max-errors {limit}); the store is unchanged")


class AllRowsRejected(ListError):
    """Every row was rejected (within ``--max-errors``): there is nothing to import; nothing changed."""

    def __init__(self, rejected: list[RejectedRow]):
        self.rejected = rejected
        super().__init__(f"import rejected: all {len(rejected)} row(s) were rejected, no records to import; "
                         "the store is unchanged")
