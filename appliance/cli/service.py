"""``appliance init|serve|demo|users|tokens|audit|purge|status``: the booth and console service."""

from __future__ import annotations

import getpass
import sys
import json
import logging
import signal
import threading
import os
from pathlib import Path

import click

from ..errors import ApplianceError

log = logging.getLogger(__name__)

from .common import data_dir_option, existing_data_dir, group_data_dir_option, missing


class ServiceError(ApplianceError):
    """A service command cannot do what was asked."""


def _cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no passwd entry in a container
        return f"cli:uid{os.getuid()}"


def open_appliance(data_dir: Path | None, *, create: bool = False):
    """Open a data directory with its configuration (for commands outside the web service).

    Only ``appliance init`` creates one (``create=True``); every other command refuses a
    directory without a database, so a typo never leaves a fresh, empty appliance behind.
    """
    from ..config import load_config
    from ..store.db import database_path
    from ..web.context import Appliance

    config = load_config(data_dir=data_dir)
    path = Path(config["appliance"]["data_dir"])
    if not create and not database_path(path).exists():
        raise missing(path)
    try:
        return Appliance(config, path)
    except PermissionError as exc:
        raise ServiceError(f"cannot open {path}: permission denied ({exc.filename}); run as the service user") from None


def read_from(data_dir: Path | None, query):
    """Open the data directory, return ``query(reader)`` and close it again."""
    app = open_appliance(data_dir)
    try:
        return query(app)
    finally:
        app.close()


def _echo_json(obj) -> None:
    click.echo(json.dumps(obj, indent=2, sort_keys=True, default=str))


# -- init ----------------------------------------------------------------------------------
def initialise(data_dir: Path | None, admin_user: str = "admin", admin_password: str | None = None) -> tuple[object, str | None]:
    """Create the data directory, database, keys and the first admin; return (appliance, generated password)."""
    from ..web import accounts
    from ..web.context import load_secret

    app = open_appliance(data_dir, create=True)
    load_secret(app.data_dir)
    generated = None
    with app.write() as db:
        has_users = db.execute("SELECT count(*) FROM users").fetchone()[0] > 0
        if not has_users:
            if admin_password is None:
                admin_password = generated = accounts.generate_password()
            accounts.create_user(db, admin_user, admin_password, "admin")
            app.audit.append(db, _cli_actor(), "init", f"user:{admin_user}", {"data_dir": str(app.data_dir)})
    return app, generated


@click.command("init")
@data_dir_option
@click.option("--admin-user", default="admin", show_default=True, help="Name of the first administrator.")
@click.option("--admin-password", help="Password of the first administrator (generated and printed once when left out).")
def init(data_dir, admin_user, admin_password):
    """Create the data directory, database, secret keys and the first admin."""
    app, generated = initialise(data_dir, admin_user, admin_password)
    try:
        users = app.reader().execute("SELECT count(*) FROM users").fetchone()[0]
        click.echo(f"data directory: {app.data_dir}")
        click.echo(f"database: {app.db_path}")
        if generated:
            click.echo(f"administrator: {admin_user}")
            click.echo(f"password (shown once): {generated}")
        elif admin_password:
            click.echo(f"administrator: {admin_user}")
        else:
            click.echo(f"already initialised ({users} user(s)); nothing changed")
        click.echo(next_steps(app.data_dir))
    finally:
        app.close()


def next_steps(data_dir: Path) -> str:
    """What to do after ``appliance init``, with this data directory filled in."""
    d = f" --data-dir {data_dir}"
    return "\n".join([
        "next steps:",
        f"  1. people:  appliance users add NAME --role officer|supervisor|technician{d}",
        f"  2. lists:   appliance lists import --list NAME --format FORMAT FILE...{d}",
        f"              (or enroll with a hub: appliance sync enroll --hub URL --token T --hub-key K{d})",
        f"  3. readers: add [lanes.NAME] to {data_dir / 'appliance.toml'} (find ports with `firmware-bridge ports`),",
        f"              then a bridge token: appliance tokens create --role bridge --lane NAME{d}",
        f"  4. serve:   appliance serve{d}   (booth screens at /booth, console at /console)",
        f"  check:      appliance status{d}",
    ])


# -- serve ---------------------------------------------------------------------------------
@click.command("serve")
@data_dir_option
@click.option("--host", help="Address to listen on (default: server.host).")
@click.option("--port", type=click.IntRange(0, 65535), help="TCP port (default: server.port; 0 picks a free one).")
@click.option("--threads", type=click.IntRange(2, 256), help="Worker threads (default: server.threads).")
def serve(data_dir, host, port, threads):
    """Run the booth and console service with waitress (production WSGI server)."""
    from ..ops import sdnotify
    from ..ops.logging import configure
    from ..web import create_app

    from ..config import load_config

    data_dir = existing_data_dir(data_dir)  # only `appliance init` makes a data directory
    logging_level = "DEBUG" if logging.getLogger().level == logging.DEBUG else load_config(data_dir=data_dir)["appliance"]["log_level"]
    configure(logging_level)
    app = create_app({"DATA_DIR": data_dir} if data_dir else None)
    ctx = app.extensions["appliance"]
    server_cfg = ctx.config["server"]
    ctx.warm_up()
    if ctx.reader().execute("SELECT count(*) FROM users").fetchone()[0] == 0:
        click.echo(f"warning: {ctx.data_dir} has no users, so nobody can log in; run `appliance init` first", err=True)
    run_server(app, host or server_cfg["host"], server_cfg["port"] if port is None else port, threads or server_cfg["threads"],
               on_ready=lambda url: (sdnotify.ready(f"serving on {url}"), click.echo(f"serving on {url}"), sys.stdout.flush()),
               watchdog=sdnotify.Watchdog(lambda: _healthy(ctx)))


def _healthy(ctx) -> bool:
    """Watchdog check: the database answers."""
    try:
        ctx.reader().execute("SELECT 1").fetchone()
        return True
    except Exception:  # noqa: BLE001
        return False


def stop_server(server, timeout: float = 3.0, *, loop_running: bool = True) -> None:
    """Stop a waitress server: close the listener and every open connection, end worker threads.

    The sockets are closed inside the server's own loop thread (through its trigger), so the
    loop never ``select()``s on a descriptor another thread has just closed; when the loop is
    not running they are closed here.
    """
    import threading

    closed = threading.Event()

    def close_all() -> None:
        for channel in list(getattr(server, "_map", {}).values()):
            try:
                channel.close()
            except OSError:
                pass
        try:
            server.close()
        except OSError:
            pass
        closed.set()

    trigger = getattr(server, "trigger", None) if loop_running else None
    try:
        if trigger is None:
            raise OSError
        trigger.pull_trigger(close_all)
    except OSError:
        close_all()
    if not closed.wait(timeout):
        close_all()
    server.task_dispatcher.shutdown(timeout=timeout)


def run_server(app, host: str, port: int, threads: int, *, on_ready=None, watchdog=None) -> None:
    """Serve ``app`` with waitress until interrupted; close the appliance afterwards."""
    import waitress

    from ..ops import sdnotify

    try:
        server = waitress.create_server(app, host=host, port=port, threads=threads, channel_timeout=120,
                                        ident="border-appliance", clear_untrusted_proxy_headers=True)
    except OSError as exc:
        raise ServiceError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    url = f"http://{host if ':' not in host else '[' + host + ']'}:{server.effective_port}"
    if on_ready:
        on_ready(url)
    if watchdog is not None:
        watchdog.start()
    previous = _stop_on_sigterm()
    try:
        server.run()
    except (KeyboardInterrupt, _Terminate):
        pass
    finally:
        sdnotify.stopping()
        if watchdog is not None:
            watchdog.stop()
        app.extensions["appliance"].events.close()
        _streams_ended(app)
        stop_server(server, loop_running=False)
        app.extensions["appliance"].close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _streams_ended(app) -> None:
    """Give the booth screens' event streams a moment to end, so none writes to a closed server."""
    from ..web.system import wait_for_streams

    wait_for_streams(app.extensions["appliance"])


class _Terminate(BaseException):
    """Raised in the main thread by SIGTERM so the server shuts down cleanly."""


def _stop_on_sigterm():
    """Make SIGTERM end ``server.run()`` like Ctrl-C; return the previous handler (or None)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum, frame):
        raise _Terminate()

    return signal.signal(signal.SIGTERM, handler)


# -- demo ----------------------------------------------------------------------------------
@click.command("demo")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-data"), show_default=True,
              help="Demo data directory (wiped and recreated on each start).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--lanes", "lane_count", type=click.IntRange(1, 20), default=2, show_default=True, help="Lanes fed by virtual scanners.")
@click.option("--interval", type=click.FloatRange(0.5, 3600), default=8.0, show_default=True, help="Seconds between documents per lane.")
def demo(data_dir, host, port, lane_count, interval):
    """Start a demo appliance with fictitious lists and virtual scanners on http://127.0.0.1:8080."""
    from ..demo.runner import run_demo

    run_demo(data_dir, host=host, port=port, lane_count=lane_count, interval=interval, echo=click.echo)


# -- users ---------------------------------------------------------------------------------
@click.group("users")
@group_data_dir_option
def users():
    """Manage the people who log in (officer, supervisor, technician, admin)."""


@users.command("add")
@data_dir_option
@click.argument("username")
@click.option("--role", type=click.Choice(["officer", "supervisor", "technician", "admin"]), required=True)
@click.option("--password", help="Password (generated and printed once when left out).")
def users_add(data_dir, username, role, password):
    """Add a person with a role."""
    from ..web import accounts

    app = open_appliance(data_dir)
    try:
        generated = None
        if password is None:
            password = generated = accounts.generate_password()
        with app.write() as db:
            accounts.create_user(db, username, password, role)
            app.audit.append(db, _cli_actor(), "user.add", f"user:{username}", {"role": role})
        click.echo(f"added {username} ({role})")
        if generated:
            click.echo(f"password (shown once): {generated}")
    finally:
        app.close()


@users.command("list")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def users_list(data_dir, as_json):
    """List every person with role and state."""
    from ..web import accounts

    rows = read_from(data_dir, lambda app: accounts.list_users(app.reader()))
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("no users yet; add one with `appliance users add NAME --role ROLE`")
    for u in rows:
        state = "disabled" if u["disabled"] else ("locked" if u["locked_until"] else "active")
        click.echo(f"{u['username']:<24} {u['role']:<11} {state:<9} last login {u['last_login_at'] or '-'}")


def _set_disabled(data_dir, username: str, disabled: bool) -> None:
    from ..web import accounts

    app = open_appliance(data_dir)
    try:
        with app.write() as db:
            accounts.set_disabled(db, username, disabled)
            app.audit.append(db, _cli_actor(), "user.disable" if disabled else "user.enable", f"user:{username}", {})
            admins = db.execute("SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0").fetchone()[0]
    finally:
        app.close()
    click.echo(f"{username} {'disabled' if disabled else 'enabled'}")
    if disabled and not admins:
        click.echo(f"note: no active administrator is left; `appliance users enable {username}` undoes this", err=True)


@users.command("disable")
@data_dir_option
@click.argument("username")
def users_disable(data_dir, username):
    """Disable a person (their sessions end at once)."""
    _set_disabled(data_dir, username, True)


@users.command("enable")
@data_dir_option
@click.argument("username")
def users_enable(data_dir, username):
    """Enable a person again and clear any lockout."""
    _set_disabled(data_dir, username, False)


@users.command("password")
@data_dir_option
@click.argument("username")
@click.option("--password", help="New password (generated and printed once when left out).")
def users_password(data_dir, username, password):
    """Set a new password (ends the person's sessions)."""
    from ..web import accounts

    app = open_appliance(data_dir)
    generated = None
    if password is None:
        password = generated = accounts.generate_password()
    try:
        with app.write() as db:
            accounts.set_password(db, username, password)
            app.audit.append(db, _cli_actor(), "user.password", f"user:{username}", {})
    finally:
        app.close()
    click.echo(f"password of {username} changed")
    if generated:
        click.echo(f"password (shown once): {generated}")


# -- tokens --------------------------------------------------------------------------------
@click.group("tokens")
@group_data_dir_option
def tokens():
    """Manage API tokens of bridges and booth terminals."""


@tokens.command("create")
@data_dir_option
@click.option("--role", type=click.Choice(["bridge", "terminal"]), required=True)
@click.option("--lane", "lanes", multiple=True, required=True, help="Lane the token may use (repeat; '*' for all).")
@click.option("--label", default="", help="Free text naming the device.")
@click.option("--json", "as_json", is_flag=True, help='Print {"token": ...} as JSON.')
def tokens_create(data_dir, role, lanes, label, as_json):
    """Create a token and print it (it is stored only as a hash)."""
    from ..web import accounts
    from ..web.scans import valid_lane

    for lane in lanes:
        if lane != "*":
            try:
                valid_lane(lane)
            except ApplianceError:
                raise ServiceError(f"--lane {lane!r}: a lane name is 1-64 letters, digits, dot, dash or underscore (or '*' for all)") from None
    app = open_appliance(data_dir)
    try:
        unknown = sorted(set(lanes) - set(app.config.lanes) - {"*"})
        if unknown and not as_json:
            click.echo(f"note: lane(s) {', '.join(unknown)} not configured on this box (yet)", err=True)
        with app.write() as db:
            raw, tok = accounts.create_token(db, role, list(lanes), label=label, created_by=_cli_actor())
            app.audit.append(db, _cli_actor(), "token.create", f"token:{tok['id']}", {"role": role, "lanes": tok["lanes"]})
    finally:
        app.close()
    if as_json:
        _echo_json({"token": raw, **tok})
    else:
        click.echo(raw)


@tokens.command("list")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def tokens_list(data_dir, as_json):
    """List token records (never the tokens)."""
    from ..web import accounts

    rows = read_from(data_dir, lambda app: accounts.list_tokens(app.reader()))
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("no tokens yet; create one with `appliance tokens create --role bridge --lane NAME`")
    for t in rows:
        click.echo(f"{t['id']:>4} {t['prefix']}… {t['role']:<8} lanes={','.join(t['lanes']):<16} "
                   f"{'active' if t['active'] else 'revoked':<8} last used {t['last_used_at'] or '-'} {t['label']}")


@tokens.command("revoke")
@data_dir_option
@click.argument("token_id", type=int)
def tokens_revoke(data_dir, token_id):
    """Revoke a token by id."""
    from ..web import accounts

    app = open_appliance(data_dir)
    try:
        with app.write() as db:
            before = accounts.get_token(db, token_id)
            if before["revoked_at"] is None:
                accounts.revoke_token(db, token_id)
                app.audit.append(db, _cli_actor(), "token.revoke", f"token:{token_id}", {})
    finally:
        app.close()
    if before["revoked_at"] is None:
        click.echo(f"token {token_id} revoked")
    else:
        click.echo(f"token {token_id} was already revoked at {before['revoked_at']}; nothing changed")


# -- audit ---------------------------------------------------------------------------------
@click.group("audit")
@group_data_dir_option
def audit():
    """Inspect and verify the hash-chained audit log."""


@audit.command("verify")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def audit_verify(data_dir, as_json):
    """Recompute the chain; exit 3 when a record was edited, inserted or deleted."""
    from ..web.errors import AuditError

    report = read_from(data_dir, lambda app: app.audit.verify(app.reader()))
    if as_json:
        _echo_json(report.to_dict())
    else:
        for note in report.notes:
            click.echo(f"note: {note}")
        for problem in report.problems:
            click.echo(f"PROBLEM: {problem}")
    if not report.ok:
        raise AuditError(f"audit log does NOT verify: {len(report.problems)} problem(s) in {report.count} records")
    if not as_json:
        click.echo(f"audit log verifies: {report.count} records, chain intact")


@audit.command("show")
@data_dir_option
@click.option("--limit", type=click.IntRange(1, 100000), default=50, show_default=True)
@click.option("--action", help="Only actions starting with this (e.g. login, hitcard).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def audit_show(data_dir, limit, action, as_json):
    """Print the newest audit records."""
    from ..web.audit import recent

    rows = read_from(data_dir, lambda app: recent(app.reader(), limit, action))
    if as_json:
        _echo_json(rows)
        return
    for r in reversed(rows):
        click.echo(f"{r['seq']:>6} {r['ts'][:19]} {r['actor']:<20} {r['action']:<20} {r['target']} {json.dumps(r['detail'], sort_keys=True)}")


# -- purge and status ----------------------------------------------------------------------
@click.command("purge")
@data_dir_option
@click.option("--days", type=click.IntRange(1, 3650), help="Keep this many days (default: retention.encounter_days).")
@click.option("--dry-run", is_flag=True, help="Only count what would be purged.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def purge(data_dir, days, dry_run, as_json):
    """Delete encounters older than the retention period that the hub already has (audited)."""
    from ..web.retention import purge as do_purge

    app = open_appliance(data_dir)
    try:
        result = do_purge(app, _cli_actor(), days=days, dry_run=dry_run)
    finally:
        app.close()
    if as_json:
        _echo_json(result)
    elif dry_run:
        click.echo(f"would purge {result['would_purge']} encounter(s) older than {result['cutoff']}; "
                   f"{result['kept_undelivered']} kept (not yet delivered)")
    else:
        click.echo(f"purged {result['purged']} encounter(s) older than {result['cutoff']}; "
                   f"{result['kept_undelivered']} kept (not yet delivered)")


@click.command("status")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(data_dir, as_json):
    """Lanes, lists, sync queue, disk, memory and clock of this box."""
    from ..web.system import status as get_status

    app = open_appliance(data_dir)
    try:
        info = get_status(app)
    finally:
        app.close()
    if as_json:
        _echo_json(info)
        return
    m = info["machine"]
    click.echo(f"{info['site_name']} · appliance {info['version']} · database {info['health']['database']}")
    click.echo(f"clock {m['clock']['utc']} (NTP {'synchronised' if m['clock']['ntp_synchronized'] else 'not synchronised'})")
    click.echo(f"disk {m['disk']['used_pct']} % used, {m['disk']['free'] // 2**20} MiB free; "
               f"memory {(m['memory']['available'] or 0) // 2**20} MiB available")
    click.echo(f"sync queue {info['sync']['outbox_depth']} record(s), {info['sync']['outbox_priority_depth']} hit(s)")
    click.echo("lanes:" if info["lanes"] else "lanes: none")
    for lane in info["lanes"]:
        click.echo(f"  {lane['name']:<12} reader {lane['state']}{' (silent)' if lane.get('silent') else ''}, "
                   f"{lane['scans_24h']} scan(s) in 24 h")
    click.echo("lists:" if info["lists"] else "lists: none loaded")
    for item in info["lists"]:
        minutes = item.get("age_minutes")
        age = "unknown" if minutes is None else (f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min")
        limit = f"fresh until {item['fresh_until']}" if item.get("fresh_until") else f"stale after {item.get('stale_after_hours'):g} h"
        state = "EMPTY" if item.get("empty") else ("STALE" if item.get("stale") else "current")
        click.echo(f"  {item.get('name'):<20} {item.get('kind')} version {item.get('version')}, age {age} ({limit}): {state}")
    if info.get("stale"):
        click.echo(f"STALE lists: {', '.join(info['stale_lists'])}: no traveller can be CLEAR until they are updated")
    if info.get("needs_decision"):
        click.echo(f"waiting for an officer's decision: {info['needs_decision']} scan(s)")
    counts = ", ".join(f"{k} {v}" for k, v in sorted(info["scans_24h"].items())) or "none"
    click.echo(f"scans in 24 h: {counts}")
