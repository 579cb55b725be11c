"""The ``firmware-bridge`` command: lanes, the virtual scanner and technician tools.

Errors of this package (and configuration errors) become one-line messages here; no
traceback reaches the user. SIGINT and SIGTERM end long-running commands with exit 0.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading

import click

from .errors import BridgeError
from .profiles import PROFILES

log = logging.getLogger(__name__)
BAUDS = ("1200", "2400", "4800", "9600", "19200", "38400", "57600", "115200", "230400")


def _configure_logging(level: str) -> None:
    fmt = "%(asctime)s %(levelname)s %(name)s: %(message)s" if sys.stderr.isatty() else "%(levelname)s %(name)s: %(message)s"
    try:
        from appliance.ops.logging import configure  # redacting, journal-friendly (deployment area)
    except ImportError:
        configure = None
    if configure is not None:
        try:
            configure(level)
            return
        except Exception:  # fall back to plain logging below
            pass
    logging.basicConfig(level=getattr(logging, level, logging.INFO), format=fmt, stream=sys.stderr)


def _load_config(ctx: click.Context):
    from appliance.config import load_config

    return load_config(ctx.obj.get("config"))


@click.group()
@click.version_option(package_name="border-screening-appliance")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None, help="Configuration file (default: $APPLIANCE_CONFIG, <data_dir>/appliance.toml, /etc/border-appliance/appliance.toml).")
@click.option("--debug", is_flag=True, help="Log at DEBUG level (may show personal data).")
@click.option("--quiet", is_flag=True, help="Log warnings and errors only.")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, debug: bool, quiet: bool) -> None:
    """Scanner bridge: read MRZ readers and image scanners, deliver reads to the appliance."""
    ctx.ensure_object(dict)
    ctx.obj["config"] = config_path
    _configure_logging("DEBUG" if debug else "WARNING" if quiet else "INFO")


def _serial_options(f):
    """Options shared by listen and doctor for line settings."""
    f = click.option("--rts/--no-rts", default=None, help="Assert RTS (default: lane setting, else on).")(f)
    f = click.option("--dtr/--no-dtr", default=None, help="Assert DTR (default: lane setting, else on).")(f)
    f = click.option("--stopbits", type=click.Choice(["1", "1.5", "2"]), default=None, help="Stop bits.")(f)
    f = click.option("--parity", type=click.Choice(["N", "E", "O", "M", "S"]), default=None, help="Parity.")(f)
    f = click.option("--bytesize", type=click.Choice(["5", "6", "7", "8"]), default=None, help="Data bits.")(f)
    f = click.option("--baud", type=click.Choice(BAUDS), default=None, help="Baud rate (default 9600).")(f)
    f = click.option("--profile", type=click.Choice(PROFILES), default=None, help="Wire profile (default auto).")(f)
    return f


def _overrides(**opts) -> dict:
    """Lane settings given on the command line."""
    out = {}
    if opts.get("profile"):
        out["profile"] = opts["profile"]
    if opts.get("baud"):
        out["baud"] = int(opts["baud"])
    if opts.get("bytesize"):
        out["bytesize"] = int(opts["bytesize"])
    if opts.get("parity"):
        out["parity"] = opts["parity"]
    if opts.get("stopbits"):
        out["stopbits"] = float(opts["stopbits"])
    for key in ("dtr", "rts"):
        if opts.get(key) is not None:
            out[key] = opts[key]
    return out


def _serve(bridge) -> None:
    from .service import stop_on_signal, wait_for

    with stop_on_signal(getattr(bridge.sink, "closed", None)) as done:
        try:
            bridge.start()
            wait_for(done)
        finally:
            bridge.stop()
    if getattr(bridge.sink, "closed", None) is not None and bridge.sink.closed.is_set():
        # the reader of our output left (a pipe into `head`): exit quietly, like other Unix tools
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


@cli.command()
@click.option("--port", required=True, help="Serial URL or device path (/dev/serial/by-id/..., loop://, socket://host:port).")
@_serial_options
@click.option("--lane", default="cli", show_default=True, help="Lane name put in each read (its configured settings are the base).")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print one JSON object per read instead of delivering to the appliance.")
@click.option("--raw-log", is_flag=True, help="Log raw wire bytes (masked) at DEBUG.")
@click.pass_context
def listen(ctx, port, lane, to_stdout, raw_log, **serial_opts):
    """Read one reader on PORT and print (--stdout) or deliver every read until interrupted."""
    from .service import Bridge

    config = _load_config(ctx)
    settings = {k: v for k, v in config.lanes.get(lane, {}).items() if k != "watch_dir"}
    settings.update(_overrides(**serial_opts))
    settings["port"] = port
    if raw_log:
        config["bridge"]["raw_log"] = True
    _serve(Bridge(config, lanes={lane: settings}, stdout=to_stdout, only_these_lanes=True))


@cli.command()
@click.option("--lane", "lanes", multiple=True, help="Serve only this lane (repeatable); e.g. one systemd instance per lane.")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print reads as JSON lines instead of delivering them.")
@click.pass_context
def run(ctx, lanes, to_stdout):
    """Serve the lanes of the configuration file (all of them, or --lane NAME) until stopped."""
    from .service import Bridge, select_lanes

    config = _load_config(ctx)
    _serve(Bridge(config, lanes=select_lanes(config, list(lanes)), stdout=to_stdout, only_these_lanes=bool(lanes)))


@cli.command()
@click.option("--profile", type=click.Choice(PROFILES), default="lines", show_default=True, help="Wire format to send.")
@click.option("--documents", type=click.Path(dir_okay=False), default=None, help="MRZs to send: .jsonl with an \"mrz\" key, or text with blank lines between documents.")
@click.option("--generate", type=click.IntRange(1, 1_000_000), default=None, help="Send N fictitious valid documents of every format.")
@click.option("--interval", type=click.FloatRange(0.0, 3600.0), default=2.0, show_default=True, help="Seconds between documents.")
@click.option("--faults", default="", help="Comma-separated faults: garble,split,reject,duplicate,disconnect.")
@click.option("--fault-rate", type=click.FloatRange(0.0, 1.0), default=0.3, show_default=True, help="Share of documents each fault hits.")
@click.option("--loop/--once", default=None, help="Repeat the documents forever (default: loop when neither --documents nor --generate is given).")
@click.option("--link", type=click.Path(dir_okay=False), default=None, help="Path of the stable link to create (default: a temporary folder).")
@click.option("--seed", type=int, default=None, help="Random seed for generated documents and faults.")
def simulate(profile, documents, generate, interval, faults, fault_rate, loop, link, seed):
    """Create a pseudo-terminal that behaves like an MRZ reader; print its path."""
    from .service import stop_on_signal, wait_for
    from .simulate import VirtualScanner, load_documents

    docs = load_documents(documents) if documents else None
    if loop is None:
        loop = not documents and not generate
    if not documents and not generate:
        generate = 10
    fault_list = tuple(f.strip() for f in faults.split(",") if f.strip())
    scanner = VirtualScanner(profile, docs, generate, interval, fault_list, link=link, loop=loop, fault_rate=fault_rate, seed=seed)
    with stop_on_signal() as done:
        try:
            path = scanner.start()
            click.echo(path)
            sys.stdout.flush()
            click.echo(
                f"virtual {profile} scanner on {path} (pseudo-terminal {scanner.pty_path}); "
                f"{len(scanner.documents)} document(s) every {interval:g} s{', looping' if loop else ''}"
                f"{'; faults ' + ','.join(fault_list) if fault_list else ''}. Ctrl-C to stop.",
                err=True,
            )
            wait_for(done)
        finally:
            scanner.stop()


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def ports(as_json):
    """List serial ports with their stable by-id path, VID:PID and description."""
    from .transport import list_ports

    found = list_ports()
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    if not found:
        click.echo("no serial ports found (a reader in keyboard/HID mode does not show up as a serial port)")
        return
    click.echo(f"{'DEVICE':<16} {'VID:PID':<10} {'DESCRIPTION':<32} BY-ID PATH (use this in lanes.<name>.port)")
    for p in found:
        click.echo(f"{p['device']:<16} {p['vid_pid'] or '-':<10} {(p['description'] or '-')[:32]:<32} {p['by_id'] or '-'}")
    if not any(p["vid_pid"] or p["by_id"] for p in found):
        click.echo("only the machine's built-in serial ports were found: no USB reader is connected in serial mode.\n"
                   "Plug the reader in (check `dmesg` for it), and make sure it is in serial/virtual-COM mode, not\n"
                   "keyboard (HID) mode; then run `firmware-bridge ports` again.")


@cli.command()
@click.argument("port")
@_serial_options
@click.option("--timeout", type=click.FloatRange(1, 3600), default=30.0, show_default=True, help="Seconds to wait for a scan.")
@click.option("--show-raw", is_flag=True, help="Show MRZ characters unmasked (personal data on screen).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def doctor(ctx, port, timeout, show_raw, as_json, **serial_opts):
    """Open PORT, wait for one scan and explain what arrived (profile, timing, hex dump)."""
    from .doctor import diagnose, render
    from .lanes import lane_settings
    from .transport import SerialSettings

    settings = lane_settings("doctor", {"port": port, **_overrides(**serial_opts)})
    click.echo(f"opening {port} ...", err=True)
    report = diagnose(
        port,
        SerialSettings.from_lane(settings),
        profile=settings["profile"],
        timeout=timeout,
        frame_timeout=settings["frame_timeout_ms"] / 1000,
        show_raw=show_raw,
        on_open=lambda: click.echo(f"port open: scan a document now (waiting up to {timeout:g} s) ...", err=True),
    )
    click.echo(json.dumps(report, indent=2) if as_json else render(report))
    ctx.exit(report["exit_code"])


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--lane", required=True, help="Lane name put in each read.")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print reads as JSON lines instead of delivering them.")
@click.option("--once", is_flag=True, help="Process the files present now, then exit.")
@click.option("--poll", type=click.FloatRange(0.1, 60), default=0.5, show_default=True, help="Seconds between folder scans.")
@click.pass_context
def watch(ctx, directory, lane, to_stdout, once, poll):
    """Read MRZs from image files dropped into DIRECTORY; move them to done/ or failed/."""
    from .service import Bridge

    if once and not os.path.isdir(directory):  # a typo must not create a folder and report "0 files"
        raise BridgeError(f"{directory}: no such folder (without --once the bridge creates it and waits for files)")
    config = _load_config(ctx)
    bridge = Bridge(config, lanes={lane: {"watch_dir": directory}}, stdout=to_stdout, only_these_lanes=True)
    watcher = bridge.watchers[0]
    watcher.poll = poll
    if once:
        watcher.prepare()
        if bridge.deliverer:
            bridge.deliverer.start()
        try:
            n = watcher.scan_once(settle=False)
            if bridge.deliverer and not bridge.deliverer.drain(10):
                click.echo("appliance unreachable: reads stay queued for `firmware-bridge run`", err=True)
        finally:
            bridge.stop()
        click.echo(f"{n} file(s) processed, {watcher.failed} moved to failed/", err=True)
        return
    _serve(bridge)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--requeue-rejected", is_flag=True, help="Put reads the appliance refused back into the queue.")
@click.pass_context
def queue(ctx, as_json, requeue_rejected):
    """Show the delivery queue: reads waiting for the appliance, and refused ones."""
    from .queue import DeliveryQueue
    from .service import queue_dir

    config = _load_config(ctx)
    q = DeliveryQueue(queue_dir(config), config["bridge"]["queue_max"])
    try:
        if requeue_rejected:
            click.echo(f"{q.requeue_rejected()} read(s) put back in the queue", err=True)
        stats = q.stats()
    finally:
        q.close()
    if as_json:
        click.echo(json.dumps(stats, indent=2))
        return
    click.echo(f"queue:    {stats['path']}")
    click.echo(f"pending:  {stats['pending']} of at most {stats['max']}" + (f" (oldest {stats['oldest_pending_at']})" if stats["pending"] else ""))
    click.echo(f"rejected: {stats['rejected']}")
    for r in stats["rejected_reasons"]:
        click.echo(f"          {r['count']} x HTTP {r['status_code']} {r['reason']}")


from .chip.cli import chip as _chip_group  # noqa: E402 - the group registers after the base commands

cli.add_command(_chip_group)


def _stop_early(signum, frame) -> None:
    """SIGINT/SIGTERM before a command is serving (still starting up): stop now, successfully."""
    raise SystemExit(0)


def main(args=None) -> None:
    """Entry point of the ``firmware-bridge`` console script."""
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):  # as early as possible: start-up takes a while on a busy box
            signal.signal(sig, _stop_early)
    try:
        from appliance.errors import ApplianceError
    except ImportError:  # pragma: no cover
        ApplianceError = BridgeError  # noqa: N806
    try:
        rv = cli.main(args=args, prog_name="firmware-bridge", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        sys.exit(0)  # interrupted: a normal way to stop the bridge
    except (BridgeError, ApplianceError) as exc:
        click.echo(f"error: {exc}", err=True)
        code = getattr(exc, "exit_code", 1)
        sys.exit(code if isinstance(code, int) else 1)
    except Exception as exc:  # the edge: no traceback reaches a user
        log.debug("unexpected error", exc_info=True)
        click.echo(f"internal error ({type(exc).__name__}); run with --debug for details", err=True)
        sys.exit(70)
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
