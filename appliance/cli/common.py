"""What every ``appliance`` command shares: ``--data-dir`` at every level and one answer for a missing data directory.

``--data-dir`` may be given to the root command, to a command group or to the command itself
(``appliance --data-dir D lists show``, ``appliance lists --data-dir D show`` and
``appliance lists show --data-dir D`` are the same); the innermost one wins, then
``$APPLIANCE_DATA_DIR``, then ``appliance.data_dir`` of the configuration.

Only ``appliance init`` (and ``appliance restore``, onto a fresh box) creates a data
directory; every other command answers a missing one with the same message and exit
status 2 (:data:`EXIT_NO_DATA_DIR`), so a mistyped path never leaves an empty appliance behind.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import ApplianceError

#: Exit status of every command when the data directory does not exist (or holds no appliance).
EXIT_NO_DATA_DIR = 2
#: Where a group keeps its --data-dir for the commands below it (click context meta).
DATA_DIR_META = "appliance.data_dir"
_META = DATA_DIR_META


class DataDirMissing(ApplianceError):
    """The data directory does not exist, or holds no appliance database."""

    exit_code = EXIT_NO_DATA_DIR


def missing(path: Path) -> DataDirMissing:
    """The one error for a data directory that is not there."""
    return DataDirMissing(f"data directory {path} does not exist or was never initialised: run "
                          f"`appliance init --data-dir {path}` first, or pass --data-dir / set APPLIANCE_DATA_DIR")


def existing_data_dir(data_dir, *, need_database: bool = False) -> Path:
    """The resolved data directory; raise :class:`DataDirMissing` when it (or its database) does not exist."""
    from ..config import resolve_data_dir
    from ..store.db import database_path

    path = resolve_data_dir(data_dir)
    if not path.is_dir() or (need_database and not database_path(path).exists()):
        raise missing(path)
    return path


def _remember(ctx: click.Context, param, value):
    """A group's --data-dir: kept for the commands below it."""
    if value is not None:
        ctx.meta[_META] = value
    return value


def _inherit(ctx: click.Context, param, value):
    """A command's --data-dir: its own, else the one given to a group above it."""
    return value if value is not None else ctx.meta.get(_META)


def _option(callback, expose: bool):
    return click.option(
        "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None, callback=callback, expose_value=expose,
        help="Data directory (default: $APPLIANCE_DATA_DIR, then the configured appliance.data_dir).",
    )


def data_dir_option(f):
    """``--data-dir`` of a command (falls back to one given to its group or the root command)."""
    return _option(_inherit, True)(f)


def group_data_dir_option(f):
    """``--data-dir`` of a group or the root command, handed down to every command below it."""
    return _option(_remember, False)(f)
