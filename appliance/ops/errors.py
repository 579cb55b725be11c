"""Errors of the operations tools (backup, restore, rule generation)."""

from ..errors import ApplianceError


class OpsError(ApplianceError):
    """Root of the operations errors."""

    exit_code = 1


class BackupError(OpsError):
    """A backup could not be written or a backup file could not be restored."""


class PassphraseError(BackupError):
    """The passphrase is missing, empty or does not open the backup."""

    exit_code = 3
