"""``screening-hub`` commands of the web console: users, audit verify, notify status."""

from __future__ import annotations

import click

from . import accounts
from .cli import _echo_json, cli, hub_options, open_hub


@cli.group("users")
def users_group() -> None:
    """People who use the hub's web console (hit desk, fleet, lists)."""


def _password(password: str | None) -> str:
    if password:
        return password
    return click.prompt("password", hide_input=True, confirmation_prompt=True)


@users_group.command("add")
@hub_options
@click.argument("username")
@click.option("--role", type=click.Choice(accounts.ROLES), required=True, help="operator, analyst or admin.")
@click.option("--password", default=None, help="The password (asked for when omitted; at least 10 characters).")
def users_add(data_dir, database, username, role, password) -> None:
    """Add a console user (the first admin is made this way)."""
    hub = open_hub(data_dir, database)
    pw = _password(password)
    with hub.db.tx(write=True) as cur:
        user = accounts.create_user(cur, username, pw, role)
        hub.audit.append(cur, "cli", "user.add", f"user:{username}", {"role": role})
    click.echo(f"user {user['username']} added ({user['role']})")


@users_group.command("list")
@hub_options
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def users_list(data_dir, database, as_json) -> None:
    """Every console user with role and state."""
    hub = open_hub(data_dir, database)
    with hub.db.tx() as cur:
        rows = accounts.list_users(cur)
    if as_json:
        _echo_json(rows)
        return
    for u in rows:
        click.echo(f"{u['username']:<24} {u['role']:<9} {'disabled' if u['disabled'] else 'active':<9} last login {u['last_login_at'] or 'never'}")


@users_group.command("disable")
@hub_options
@click.argument("username")
def users_disable(data_dir, database, username) -> None:
    """Disable a console user and end their sessions."""
    hub = open_hub(data_dir, database)
    with hub.db.tx(write=True) as cur:
        accounts.set_disabled(cur, username, True)
        hub.audit.append(cur, "cli", "user.disable", f"user:{username}", {})
    click.echo(f"{username} disabled")


@users_group.command("enable")
@hub_options
@click.argument("username")
def users_enable(data_dir, database, username) -> None:
    """Enable a console user again (clears a lockout)."""
    hub = open_hub(data_dir, database)
    with hub.db.tx(write=True) as cur:
        accounts.set_disabled(cur, username, False)
        hub.audit.append(cur, "cli", "user.enable", f"user:{username}", {})
    click.echo(f"{username} enabled")


@users_group.command("password")
@hub_options
@click.argument("username")
@click.option("--password", default=None, help="The new password (asked for when omitted).")
def users_password(data_dir, database, username, password) -> None:
    """Set a console user's password (ends their sessions)."""
    hub = open_hub(data_dir, database)
    pw = _password(password)
    with hub.db.tx(write=True) as cur:
        accounts.set_password(cur, username, pw)
        hub.audit.append(cur, "cli", "user.password", f"user:{username}", {})
    click.echo(f"password of {username} changed; their sessions have ended")


@cli.group("audit")
def audit_group() -> None:
    """The hub's hash-chained audit log."""


@audit_group.command("verify")
@hub_options
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def audit_verify(data_dir, database, as_json) -> None:
    """Recompute the audit chain; exit 3 when a record was edited, inserted or deleted."""
    hub = open_hub(data_dir, database)
    report = hub.audit.verify(hub.db)
    if as_json:
        _echo_json(report.to_dict())
    elif report.ok:
        click.echo(f"audit log intact: {report.count} records")
    else:
        for problem in report.problems:
            click.echo(problem)
    if not report.ok:
        raise SystemExit(3)


@cli.group("notify")
def notify_group() -> None:
    """Hit notifications (webhook, e-mail)."""


@notify_group.command("status")
@hub_options
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def notify_status(data_dir, database, as_json) -> None:
    """Notifications not delivered yet, with their attempts and last error."""
    from .notify import pending

    hub = open_hub(data_dir, database)
    rows = pending(hub.db)
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("every notification has been delivered")
    for r in rows:
        click.echo(f"hit {r['hit_id']} {r['channel']:<8} {r['attempts']} attempt(s), next {r['next_at']}: {r['last_error'] or 'waiting'}")
