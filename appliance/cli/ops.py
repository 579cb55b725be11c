"""``appliance backup`` and ``appliance restore``: online, optionally encrypted, backups."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..ops.errors import BackupError, PassphraseError
from .common import data_dir_option, existing_data_dir


def _read_passphrase(source: str) -> str:
    """The passphrase: the first line of a file, or of standard input for ``-``."""
    try:
        if source == "-":
            text = sys.stdin.readline()
        else:
            with open(source, encoding="utf-8") as fh:
                text = fh.readline()
    except FileNotFoundError:
        raise PassphraseError(f"{source}: passphrase file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise PassphraseError(f"{source}: cannot read the passphrase file ({reason})") from None
    text = text.rstrip("\r\n")
    if not text:
        raise PassphraseError(f"{source}: the passphrase file is empty")
    return text


def _data_dir(option: str | None) -> Path:
    from ..config import resolve_data_dir

    return resolve_data_dir(option)


def _config_path() -> Path | None:
    from ..config import ConfigError, load_config

    try:
        return load_config().path
    except ConfigError:
        return None  # a broken configuration must not prevent a backup of the data


def _lists_text(lists: dict[str, int]) -> str:
    """``2 documents lists (5000 records)``."""
    text = _plural(len(lists), "documents list")
    return text + (f" ({_plural(sum(lists.values()), 'record')})" if lists else "")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--passphrase-file", metavar="F", help="Encrypt with the passphrase in file F ('-' reads standard input).")
@click.option("--encrypt", is_flag=True, help="Encrypt, asking for the passphrase on the terminal.")
@click.option("--keep", type=click.IntRange(1, 10000), help="When FILE is a directory: keep only the newest N backups there.")
@click.option("--without-lists", is_flag=True,
              help="Leave the documents list files out (a quick backup; the hub resends them after a restore).")
@data_dir_option
def backup(file: Path, passphrase_file: str | None, encrypt: bool, keep: int | None, without_lists: bool,
           data_dir) -> None:
    """Write an online backup of the database, documents lists, keys and configuration to FILE (or into a directory)."""
    from ..ops.backup import create_backup, prune_backups, timestamped_name

    folder = None
    if file.is_dir():
        folder, file = file, file / timestamped_name()
    elif keep is not None:
        raise BackupError(f"--keep needs FILE to be a directory; {file} is not one")
    passphrase = None
    if passphrase_file:
        passphrase = _read_passphrase(passphrase_file)
    elif encrypt:
        if not sys.stdin.isatty():
            raise PassphraseError("--encrypt asks on a terminal; use --passphrase-file when scripted")
        passphrase = click.prompt("Backup passphrase", hide_input=True, confirmation_prompt=True)
    summary = create_backup(existing_data_dir(data_dir, need_database=True), file, passphrase=passphrase, config_path=_config_path(),
                            with_lists=not without_lists)
    scans = summary.tables.get("scans")
    what = _plural(len(summary.tables), "table") + (f" ({_plural(scans, 'scan')})" if scans is not None else "")
    click.echo(f"backup written to {file}: {what}, {_lists_text(summary.lists)}, {_plural(len(summary.files), 'file')}"
               f"{', encrypted' if summary.encrypted else ''}")
    if without_lists:
        left = f" ({', '.join(summary.lists_left_out)})" if summary.lists_left_out else ""
        click.echo(f"documents lists not included (--without-lists){left}: after a restore the sync client "
                   "fetches them from the hub, or import them again")
    for warning in summary.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not summary.encrypted:
        click.echo("note: the backup is not encrypted and holds personal data and keys; keep it safe", err=True)
    if folder is not None and keep is not None:
        for old in prune_backups(folder, keep):
            click.echo(f"removed the old backup {old}")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--passphrase-file", metavar="F", help="Passphrase of an encrypted backup ('-' reads standard input).")
@data_dir_option
def restore(file: Path, passphrase_file: str | None, data_dir) -> None:
    """Restore FILE into the data directory (the current database is kept aside first)."""
    from ..ops.backup import backup_kind, restore_backup

    passphrase = None
    if passphrase_file:
        passphrase = _read_passphrase(passphrase_file)
    elif backup_kind(file) == "encrypted":
        if not sys.stdin.isatty():
            raise PassphraseError(f"{file} is encrypted: give its passphrase with --passphrase-file")
        passphrase = click.prompt("Backup passphrase", hide_input=True)
    target = _data_dir(data_dir)
    try:
        summary = restore_backup(file, target, passphrase=passphrase)
    except PermissionError as exc:
        raise BackupError(f"cannot write into {target}: {exc.strerror} (run as the service user or root)") from None
    scans = summary.tables.get("scans")
    click.echo(f"restored {file} into {target}: {_plural(len(summary.tables), 'table')}"
               + (f" ({_plural(scans, 'scan')})" if scans is not None else "")
               + f", {_lists_text(summary.lists)}, {_plural(len(summary.files), 'file')}")
    if not summary.lists_included:
        click.echo("documents lists were not in the backup" + ("" if summary.lists_left_out or summary.lists_kept
                                                              else " (there were none to restore)"))
    if summary.lists_kept:
        click.echo(f"kept the list files already on this box for: {', '.join(summary.lists_kept)}")
    if summary.lists_left_out:
        click.echo(f"documents lists without their file: {', '.join(summary.lists_left_out)}; checks against them "
                   "fail until the sync client fetches them (appliance sync --once) or they are imported again "
                   "(appliance lists import)")
    for warning in summary.warnings:
        click.echo(f"warning: {warning}", err=True)
    if summary.safety_copy:
        click.echo(f"the database as it was before is kept at {summary.safety_copy}")
    if summary.config_copy:
        click.echo(f"the configuration from the backup is at {summary.config_copy}; compare it with the one in use")
    click.echo("restart the services to drop cached state: systemctl restart border-appliance.target")
