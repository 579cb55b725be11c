"""The ``appliance`` command. Each command group lives in its own module, loaded lazily."""

from __future__ import annotations

import importlib
import logging
import sys

import click

from ..errors import ApplianceError
from .common import group_data_dir_option

#: command name -> "module:attribute" (relative to appliance.cli)
COMMANDS = {
    "mrz": "mrz:mrz",
    "lists": "lists:lists",
    "documents": "lists:documents",
    "screen": "screen:screen",
    "init": "service:init",
    "serve": "service:serve",
    "demo": "service:demo",
    "users": "service:users",
    "tokens": "service:tokens",
    "audit": "service:audit",
    "purge": "service:purge",
    "status": "service:status",
    "sync": "sync:sync",
    "backup": "ops:backup",
    "restore": "ops:restore",
    "trust": "trust:trust",
    "manifests": "manifests:manifests",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported only when used."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, package: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._lazy = dict(lazy or {})
        self._package = package

    def list_commands(self, ctx):
        """All command names, eager and lazy."""
        names = set(super().list_commands(ctx)) | set(self._lazy)
        return sorted(n for n in names if self.get_command(ctx, n) is not None)

    def get_command(self, ctx, cmd_name):
        """Import and return a command on first use."""
        if cmd_name in self._lazy:
            module_name, attr = self._lazy[cmd_name].split(":")
            full = f"{self._package}.{module_name}"
            try:
                module = importlib.import_module(full)
            except ModuleNotFoundError as exc:
                if exc.name == full:  # that command group is not part of this build
                    return None
                raise
            return getattr(module, attr, None)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, lazy=COMMANDS, package=__name__)
@click.version_option(package_name="border-screening-appliance")
@click.option("--debug", is_flag=True, help="Log at DEBUG level (may show personal data).")
@group_data_dir_option
def cli(debug: bool) -> None:
    """Border screening appliance: read travel documents, check lists, give verdicts."""
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def run(group: click.Group, args=None, prog_name: str | None = None) -> None:
    """Run a click group, turning package errors into one-line messages (no traceback)."""
    try:
        rv = group.main(args=args, prog_name=prog_name, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the edge: no traceback reaches a user
        code = getattr(exc, "exit_code", None)
        if _is_package_error(exc):
            click.echo(f"error: {exc}", err=True)
            sys.exit(code if isinstance(code, int) else 1)
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        click.echo(f"internal error ({type(exc).__name__}); run with --debug for details", err=True)
        sys.exit(70)
    sys.exit(rv if isinstance(rv, int) else 0)


def _is_package_error(exc: BaseException) -> bool:
    """True for the root exceptions of this project's packages."""
    if isinstance(exc, ApplianceError):
        return True
    try:
        from firmware_bridge.errors import BridgeError
        from sync.errors import SyncError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, (BridgeError, SyncError))


def main(args=None) -> None:
    """Entry point of the ``appliance`` console script."""
    run(cli, args, prog_name="appliance")
