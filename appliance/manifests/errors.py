"""Errors of the manifests area (all under ``ApplianceError``)."""

from __future__ import annotations

from ..errors import ApplianceError


class ManifestError(ApplianceError):
    """Root of the manifests area's errors."""


class ManifestRefused(ManifestError):
    """A manifest file (or set of files) was refused: nothing of it was stored.

    ``problems`` is a list of ``{"line", "reason"}`` dicts (``line`` may be None when the
    problem is not tied to one place, e.g. a missing part of a multi-part message).
    """

    exit_code = 2

    def __init__(self, problems: list[dict]):
        self.problems = list(problems)
        first = self.problems[0] if self.problems else {"line": None, "reason": "refused"}
        where = f"line {first['line']}: " if first.get("line") else ""
        more = f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
        super().__init__(f"manifest refused: {where}{first['reason']}{more}")


class ManifestNotFound(ManifestError):
    """No manifest with that id."""

    exit_code = 2


class ManifestClosed(ManifestError):
    """The manifest is already closed."""

    exit_code = 2
