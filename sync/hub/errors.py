"""Errors of the hub; API errors carry an HTTP status and a stable code."""

from ..errors import HubConfigError, SyncError

__all__ = ["ApiError", "HubConfigError", "PublishError"]


class ApiError(SyncError):
    """A request the hub refuses: ``status`` (4xx) and a stable ``code`` for the JSON body."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class PublishError(SyncError):
    """A list cannot be published (bad input files, unknown format, empty list)."""
