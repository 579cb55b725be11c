"""Errors of the web service, each with a stable ``error`` code and an HTTP status."""

from __future__ import annotations

from ..errors import ApplianceError


class WebError(ApplianceError):
    """An error answered to a client as JSON ``{"error": code, "message": ...}``."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None, **extra):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.extra = extra

    def to_dict(self) -> dict:
        """The JSON body of this error."""
        return {"error": self.code, "message": self.message, **self.extra}


class ValidationError(WebError):
    """The request body or a parameter is not acceptable."""

    status = 400
    code = "invalid_request"


class Unauthorized(WebError):
    """No valid credentials were given."""

    status = 401
    code = "unauthorized"


class Forbidden(WebError):
    """The credentials are valid but do not allow this."""

    status = 403
    code = "forbidden"


class NotFound(WebError):
    """The thing asked for does not exist."""

    status = 404
    code = "not_found"


class Conflict(WebError):
    """The request clashes with the current state."""

    status = 409
    code = "conflict"


class Locked(WebError):
    """The account is locked after too many failed logins."""

    status = 423
    code = "account_locked"


class TooManyRequests(WebError):
    """Too many attempts from this address; slow down."""

    status = 429
    code = "too_many_requests"


class Unavailable(WebError):
    """A part the request needs is not available right now."""

    status = 503
    code = "unavailable"


class AuditError(ApplianceError):
    """The audit log cannot be written or does not verify."""

    exit_code = 3
