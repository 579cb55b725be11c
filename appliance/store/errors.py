"""Errors of the local store."""

from ..errors import ApplianceError


class StoreError(ApplianceError):
    """Root of store errors."""

    exit_code = 2


class ListNotFound(StoreError):
    """No list of that name is on the box."""

    exit_code = 1


class ListKindMismatch(StoreError):
    """A change set or import of one kind aimed at a list of the other kind."""


class HashKeyError(StoreError):
    """The document hashing key is missing or unreadable."""


class ListUnavailable(StoreError):
    """A documents list's file is missing or unreadable: its documents cannot be checked."""
