"""The result of parsing an MRZ (``MRZResult``) and its JSON form."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

#: The exact keys of ``MRZResult.to_dict()`` (the CLI's JSON contract), in order.
RESULT_KEYS = (
    "valid",
    "status",
    "format",
    "document_code",
    "issuing_state",
    "surname",
    "given_names",
    "document_number",
    "nationality",
    "birth_date",
    "expiry_date",
    "sex",
    "optional_data",
    "optional_data_2",
    "checks",
    "name_truncated",
    "corrections",
    "warnings",
    "errors",
)

STATUSES = ("valid", "invalid", "read_error")


@dataclass
class MRZResult:
    """A parsed MRZ. Attributes are named like the JSON keys; dates are ISO strings or None.

    Besides the contract keys it carries ``lines`` (the normalised, corrected lines),
    ``check_digits`` (the check-digit characters as read, by check name) and
    ``document_number_check_variant`` ("standard" or "filler_included" for extended TD1/TD2
    numbers whose check digit only verifies with the ``<`` included).
    """

    valid: bool = False
    status: str = "read_error"
    format: str | None = None
    document_code: str = ""
    issuing_state: str = ""
    surname: str = ""
    given_names: str = ""
    document_number: str = ""
    nationality: str = ""
    birth_date: str | None = None
    expiry_date: str | None = None
    sex: str = ""
    optional_data: str = ""
    optional_data_2: str = ""
    checks: dict[str, bool] = field(default_factory=dict)
    name_truncated: bool = False
    corrections: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lines: tuple[str, ...] = ()
    check_digits: dict[str, str] = field(default_factory=dict)
    document_number_check_variant: str | None = None

    def to_dict(self) -> dict:
        """Return the JSON object with exactly the contract keys (a deep copy)."""
        return {key: copy.deepcopy(getattr(self, key)) for key in RESULT_KEYS}

    @property
    def read_error(self) -> bool:
        """True when the reader should be asked to re-scan."""
        return self.status == "read_error"

    def __repr__(self) -> str:  # keep personal data out of accidental log lines
        return f"MRZResult(status={self.status!r}, format={self.format!r})"
