"""The ``screening-hub`` command: init, keys, serve, lists, appliances, records."""

from __future__ import annotations

import functools
import json
import logging
import signal
from pathlib import Path

import click

from . import appliances as appl
from . import keys as hub_keys
from . import lists as hub_lists
from . import records as hub_records
from . import schema
from .errors import HubConfigError, PublishError
from .service import Hub
from .settings import ENV_DATA_DIR, ENV_DATABASE, SETTINGS_FILE, load_settings

log = logging.getLogger(__name__)


def hub_options(fn):
    """Add ``--data-dir`` and ``--database`` (with their environment variables) to a command."""

    @click.option("--database", envvar=ENV_DATABASE, default=None,
                  help="Database URL: a SQLite file path or postgresql://... (env SCREENING_HUB_DATABASE).")
    @click.option("--data-dir", envvar=ENV_DATA_DIR, default=None, type=click.Path(file_okay=False),
                  help="Hub data directory (env SCREENING_HUB_DATA_DIR; default /var/lib/screening-hub).")
    @functools.wraps(fn)
    def wrapper(*args, data_dir, database, **kwargs):
        return fn(*args, data_dir=data_dir, database=database, **kwargs)

    return wrapper


def open_hub(data_dir, database) -> Hub:
    """Load settings and open an initialised hub."""
    hub = Hub(load_settings(data_dir, database))
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(hub.close)
    schema.check(hub.db)
    return hub


def _echo_json(value) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=True))


@click.group()
@click.option("--debug", is_flag=True, help="Log at DEBUG level.")
def cli(debug: bool) -> None:
    """Central hub of the border screening fleet: publishes signed lists, receives encounters."""
    from appliance.ops.logging import configure

    configure("DEBUG" if debug else "WARNING")


@cli.command()
@hub_options
def init(data_dir, database) -> None:
    """Create the hub's data directory, database and first signing key (safe to re-run)."""
    settings = load_settings(data_dir, database, must_exist=False)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / SETTINGS_FILE
    if path.exists() and database:
        raise HubConfigError(f"{path} exists; edit hub.database there to change the database")
    hub = Hub(settings)
    click.get_current_context().call_on_close(hub.close)
    schema.create(hub.db)
    key = hub_keys.ensure_key(settings, hub.db)
    if not path.exists():  # written last: a failed init (database down) can simply be re-run
        path.write_text(settings.to_toml(), encoding="utf-8")
    click.echo(f"hub data directory: {settings.data_dir}")
    click.echo(f"database: {hub.db!r}")
    click.echo(f"hub public key (pin it on every box with `appliance sync enroll --hub-key`):\n{key.public.text}")


@cli.group()
def keys() -> None:
    """The hub's Ed25519 signing keys."""


@keys.command("show")
@hub_options
@click.option("--json", "as_json", is_flag=True, help="Every key the hub has used, as JSON.")
def keys_show(data_dir, database, as_json) -> None:
    """Print the active public key, the value a box pins at enrollment."""
    hub = open_hub(data_dir, database)
    rows = hub_keys.public_keys(hub.db)
    if as_json:
        _echo_json(rows)
        return
    active = [r for r in rows if r["active"]]
    if not active:
        raise HubConfigError("the hub has no signing key (run `screening-hub init`)")
    click.echo(active[0]["public_key"])


@keys.command("rotate")
@hub_options
def keys_rotate(data_dir, database) -> None:
    """Replace the signing key; the old key signs the hand-over, so boxes follow on their own."""
    hub = open_hub(data_dir, database)
    new, _ = hub_keys.rotate(hub.settings, hub.db)
    click.echo(f"new hub public key (boxes move to it at their next sync):\n{new.public.text}")
    click.echo(f"copy {hub.settings.keys_dir}/{new.key_id}.pem to every hub replica before they serve")


@cli.command()
@hub_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8443, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--threads", default=None, type=click.IntRange(1, 512), help="Worker threads (default hub.threads).")
def serve(data_dir, database, host, port, threads) -> None:
    """Serve the hub API with waitress (put TLS in front of it)."""
    import waitress

    from .app import create_app

    logging.getLogger().setLevel(logging.INFO)
    hub = open_hub(data_dir, database)
    hub.check()
    app = create_app(hub_obj=hub)
    hub.start_workers()
    try:
        server = waitress.create_server(
            app, host=host, port=port, threads=threads or hub.settings.threads, ident="screening-hub",
            max_request_body_size=app.config["MAX_CONTENT_LENGTH"] + 1024, channel_timeout=120, connection_limit=2000,
        )
    except OSError as exc:
        raise HubConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    click.echo(f"screening-hub serving on http://{host}:{port}", err=True)

    def _terminate(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)  # systemd and replicas stop cleanly: claimed notifications are released
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        hub.stop_workers()


@cli.group("lists")
def lists_group() -> None:
    """Lists the hub publishes to the fleet."""


def _printable(text: str, limit: int = 400) -> str:
    """A message safe for a terminal: control and undecodable characters shown as '?', cut at ``limit``."""
    clean = "".join(ch if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF else "?" for ch in text)
    return clean if len(clean) <= limit else clean[: limit - 3] + "..."


def read_list_files(fmt: str, files: tuple[str, ...]) -> tuple[str, list[dict]]:
    """Parse files with the box's own importers; return (kind, record dicts)."""
    try:
        from appliance.lists.importers import kind_of, read_records
    except ImportError:
        raise PublishError("the list importers (appliance.lists.importers) are not installed") from None
    from appliance.errors import ApplianceError

    try:
        kind = kind_of(fmt)
        out = [rec.to_dict() for rec in read_records(fmt, [Path(f) for f in files])]
    except ApplianceError as exc:
        raise PublishError(_printable(str(exc))) from None
    if not out:
        raise PublishError("the files hold no records; refusing to publish an empty list")
    return kind, out


@lists_group.command("publish")
@hub_options
@click.option("--list", "list_name", required=True, help="List name (the name boxes show).")
@click.option("--format", "fmt", required=True, help="Importer format, as for `appliance lists import`.")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def lists_publish(data_dir, database, list_name, fmt, files, as_json) -> None:
    """Import FILES as the new content of a list and make a new version."""
    hub = open_hub(data_dir, database)
    hub_lists.check_list_name(list_name)
    kind, recs = read_list_files(fmt, files)
    source = ", ".join(Path(f).name for f in files)
    summary = hub_lists.publish(hub.db, list_name, kind=kind, fmt=fmt, records=recs, source=source)
    summary["payloads"] = [{"base_version": p["base_version"], "bytes": p["size"], "full": p["full"]}
                           for p in hub_lists.prebuild(hub.db, list_name, hub.settings.full_snapshot_ratio)]
    if as_json:
        _echo_json(summary)
    else:
        click.echo(f"{list_name} version {summary['version']}: {summary['records']} records "
                   f"({summary['upserts']} added or changed, {summary['removals']} removed)")


@lists_group.command("show")
@hub_options
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def lists_show(data_dir, database, as_json) -> None:
    """Show every list with its newest version."""
    hub = open_hub(data_dir, database)
    rows = hub_lists.list_summaries(hub.db)
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("no lists published yet (use `screening-hub lists publish`)")
    for r in rows:
        click.echo(f"{r['name']:<24} {r['kind']:<10} v{r['version']:<6} {r['records']:>9} records  {r['created']}")


@lists_group.command("history")
@hub_options
@click.option("--list", "list_name", required=True, help="List name.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def lists_history(data_dir, database, list_name, as_json) -> None:
    """Every version of a list: when, how many records added, changed or removed, from which files."""
    hub = open_hub(data_dir, database)
    rows = hub_lists.versions(hub.db, list_name)
    if not rows:
        raise PublishError(f"the hub has no list {list_name!r}")
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        click.echo(f"v{r['version']:<6} {r['created_at']}  {r['record_count']:>9} records  "
                   f"+/~{r['upserts']} -{r['removals']}  {r['source']}")


@cli.group("appliances")
def appliances_group() -> None:
    """Boxes enrolled with this hub."""


@appliances_group.command("add")
@hub_options
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help='Print {"name", "token"} as JSON.')
def appliances_add(data_dir, database, name, as_json) -> None:
    """Register a box and print its one-time enrollment token (re-run to issue a new token)."""
    hub = open_hub(data_dir, database)
    result = appl.add(hub.db, name, token_hours=hub.settings.enrollment_token_hours)
    if as_json:
        click.echo(json.dumps({"name": result["name"], "token": result["token"], "expires": result["expires"]}))
    else:
        click.echo(f"enrollment token for {name} (valid once, until {result['expires']}):\n{result['token']}")


@appliances_group.command("list")
@hub_options
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def appliances_list(data_dir, database, as_json) -> None:
    """Every box: last seen, list versions held, queue depth, records and hits received."""
    hub = open_hub(data_dir, database)
    rows = appl.list_all(hub.db)
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("no appliances yet (use `screening-hub appliances add NAME`)")
    for r in rows:
        state = "disabled" if r["disabled"] else ("enrolled" if r["enrolled"] else "token issued")
        held = ", ".join(f"{k} v{v}" for k, v in sorted(r["lists"].items())) or "-"
        click.echo(f"{r['name']:<20} {state:<12} last seen {r['last_seen'] or 'never':<21} lists {held}; "
                   f"queue {r['queue_depth'] if r['queue_depth'] is not None else '-'}; {r['records']} records, {r['hits']} hits"
                   + (f"; alarms: {'; '.join(r['alarms'])}" if r["alarms"] else ""))


@appliances_group.command("disable")
@hub_options
@click.argument("name")
def appliances_disable(data_dir, database, name) -> None:
    """Refuse a box's credential (a lost or stolen box)."""
    hub = open_hub(data_dir, database)
    if not appl.set_disabled(hub.db, name, True):
        raise HubConfigError(f"no appliance called {name!r}")
    click.echo(f"{name} disabled")


@appliances_group.command("enable")
@hub_options
@click.argument("name")
def appliances_enable(data_dir, database, name) -> None:
    """Accept a disabled box's credential again."""
    hub = open_hub(data_dir, database)
    if not appl.set_disabled(hub.db, name, False):
        raise HubConfigError(f"no appliance called {name!r}")
    click.echo(f"{name} enabled")


@cli.group("records")
def records_group() -> None:
    """Encounters and hits received from the boxes."""


@records_group.command("list")
@hub_options
@click.option("--appliance", default=None, help="Only this box.")
@click.option("--hits", is_flag=True, help="Only hits.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100000))
@click.option("--json", "as_json", is_flag=True, help="Print as JSON (includes the record payloads).")
def records_list(data_dir, database, appliance, hits, limit, as_json) -> None:
    """Show the newest records received, hits first if asked."""
    hub = open_hub(data_dir, database)
    rows = hub_records.query(hub.db, appliance=appliance, hits_only=hits, limit=limit)
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        click.echo(f"{r['received_at']}  {r['appliance']:<16} {r['kind']:<12} {'HIT ' if r['priority'] >= 10 else ''}{r['key']}")


from . import cli_console  # noqa: E402,F401 - registers the console's commands (users, audit, notify)


def main(args=None) -> None:
    """Entry point of the ``screening-hub`` console script."""
    from appliance.cli import run

    run(cli, args, prog_name="screening-hub")
