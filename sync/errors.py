"""Root exception of the sync package."""


class SyncError(Exception):
    """Root of every error raised by the hub, the sync client or the protocol code."""
