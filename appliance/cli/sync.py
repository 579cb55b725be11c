"""``appliance sync``: enroll with the hub, run one exchange (``--once``) or keep syncing (``--loop``)."""

from __future__ import annotations

import json
import logging
import re
import signal
import sys
import threading

import click

from .common import DATA_DIR_META
from .common import data_dir_option, existing_data_dir

log = logging.getLogger(__name__)


def _open(data_dir):
    """(data dir, database, sync settings) for this box; the data directory must exist."""
    from sync.client.runner import SyncSettings

    from ..config import load_config
    from ..store.db import connect, database_path

    ddir = existing_data_dir(data_dir)
    config = load_config(data_dir=ddir)
    db = connect(database_path(ddir), busy_timeout_ms=config["store"]["busy_timeout_ms"])
    return ddir, db, SyncSettings.from_config(config["sync"], post=config["appliance"]["site_name"]), config


def _log_level(config) -> None:
    """Log at ``appliance.log_level`` (or lower if --debug asked for it) through the redacting handler."""
    level = min(getattr(logging, str(config["appliance"]["log_level"]), logging.INFO), logging.getLogger().level)
    try:
        from ..ops.logging import configure

        configure(level)
    except Exception:  # the deployment area's redacting logger is optional here
        logging.getLogger().setLevel(level)


@click.group(invoke_without_command=True)
@click.option("--once", is_flag=True, help="Run one exchange with the hub and exit (0 when it completed).")
@click.option("--loop", "run_loop", is_flag=True, help="Keep exchanging every sync.interval_seconds (for the service).")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="With --once: print the result as JSON.")
@click.pass_context
def sync(ctx, once: bool, run_loop: bool, data_dir, as_json: bool) -> None:
    """Exchange with the central hub: send encounters and hits, receive signed list updates."""
    if data_dir is not None:  # handed down to enroll, status and alarms
        ctx.meta[DATA_DIR_META] = data_dir
    if ctx.invoked_subcommand is not None:
        if once or run_loop:
            raise click.UsageError("--once/--loop cannot be combined with a subcommand")
        return
    if once == run_loop:
        if not once:
            click.echo(ctx.get_help())
            return
        raise click.UsageError("choose one of --once and --loop")
    from sync.client.runner import loop, sync_once

    ddir, db, settings, config = _open(data_dir)
    if run_loop or not sys.stderr.isatty():  # under systemd: link changes and updates go to the journal
        _log_level(config)
    if once:
        result = sync_once(db, ddir, settings)
        if as_json:
            click.echo(json.dumps(result, indent=2, sort_keys=True))
            return
        lists = ", ".join(f"{a['list']} v{a['version']}{' (snapshot)' if a['full'] else ''}" for a in result["applied"]) or "none"
        click.echo(f"sync complete: {result['records_sent']} records sent ({result['hits_sent']} hits), "
                   f"lists updated: {lists}; {result['queue_depth']} records still queued")
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log.info("sync loop started (every %s s)", settings.interval_seconds)
    loop(db, ddir, settings, stop)


@sync.command()
@click.option("--hub", "hub_url", required=True, help="Base URL of the hub, e.g. https://hub.example.org.")
@click.option("--token", required=True, help="One-time token from `screening-hub appliances add NAME`.")
@click.option("--hub-key", required=True, help="The hub's public key from `screening-hub keys show` (pinned).")
@data_dir_option
def enroll(hub_url: str, token: str, hub_key: str, data_dir) -> None:
    """Enroll this box with a hub and pin the hub's signing key."""
    from sync.client.enroll import enroll as do_enroll

    ddir, db, settings, _ = _open(data_dir)
    result = do_enroll(db, hub_url, token, hub_key, connect_timeout=settings.connect_timeout, read_timeout=settings.read_timeout)
    click.echo(f"enrolled with {result['hub_url']} as {result['appliance']} (hub key {result['hub_key_id']} pinned); "
               "run `appliance sync --once` to fetch the lists")


@sync.command()
@click.option("--json", "as_json", is_flag=True, help="Print the full summary as JSON.")
@data_dir_option
def status(as_json: bool, data_dir) -> None:
    """Show the link state, last success, lag, queue depth, lists held and alarms."""
    from sync.client.state import summary

    _, db, _, _ = _open(data_dir)
    s = summary(db)
    if as_json:
        click.echo(json.dumps(s, indent=2, sort_keys=True))
        return
    if not s["enrolled"]:
        click.echo("not enrolled (run `appliance sync enroll`)")
        return
    lag = f"{s['lag_seconds']} s ago" if s["lag_seconds"] is not None else "never"
    click.echo(f"hub {s['hub_url']} as {s['appliance']}: {s['state']}; last success {lag}; "
               f"{s['queue_depth']} records queued ({s['hits_pending']} hits)")
    if s["last_error"]:
        click.echo(f"last error: {s['last_error']}")
    for entry in s["lists"]:
        click.echo(f"  {entry['name']}: version {entry['version']}{' STALE' if entry['stale'] else ''} (fresh until {entry['fresh_until']})")
    for a in s["alarms"]:
        click.echo(f"  alarm #{a['id']} {a['kind']}{' (resolved)' if a['resolved_at'] else ''}: {a['detail']} (x{a['count']}, last {a['last_at']})")


@sync.command()
@click.option("--ack", "ack", default=None, help="Acknowledge alarm ID, or 'all'.")
@data_dir_option
def alarms(ack: str | None, data_dir) -> None:
    """List sync alarms (refused updates, rejected records) or acknowledge them."""
    from sync.client import state

    _, db, _, _ = _open(data_dir)
    if ack:
        if ack != "all" and not re.fullmatch(r"[0-9]{1,18}", ack):
            raise click.UsageError("--ack takes an alarm number or 'all'")
        n = state.acknowledge_alarms(db, None if ack == "all" else int(ack))
        click.echo(f"{n} alarm(s) acknowledged")
        return
    rows = state.alarms(db)
    if not rows:
        click.echo("no open alarms")
    for a in rows:
        click.echo(f"#{a['id']} {a['last_at']} {a['kind']}{' (resolved)' if a['resolved_at'] else ''}: {a['detail']} (x{a['count']})")
