"""Operations: sd_notify, redacting logs, backup and restore, udev rules for readers."""

from .errors import BackupError, OpsError, PassphraseError

__all__ = ["BackupError", "OpsError", "PassphraseError"]
