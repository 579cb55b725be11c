"""Root exception of the sync package and its specific subclasses."""


class SyncError(Exception):
    """Root of every error raised by the hub, the sync client or the protocol code."""

    exit_code = 1


class ProtocolError(SyncError):
    """A message from the other side does not follow the protocol."""


class SignatureError(ProtocolError):
    """A signature does not verify against a pinned key."""


class ManifestRefused(ProtocolError):
    """A signed manifest is valid but must not be applied (expired, rollback, replay)."""

    def __init__(self, message: str, reason: str = "refused"):
        super().__init__(message)
        self.reason = reason


class PayloadError(ProtocolError):
    """A payload does not match its manifest (hash, size) or cannot be decoded."""


class HubUnreachable(SyncError):
    """The hub could not be reached or did not answer in time."""

    exit_code = 3


class HubRefused(SyncError):
    """The hub answered with an error (wrong credentials, bad request, ...)."""

    exit_code = 4


class NotEnrolled(SyncError):
    """The box has not been enrolled with a hub yet."""

    exit_code = 2


class HubConfigError(SyncError):
    """The hub's data directory, database or settings are not usable."""

    exit_code = 2
