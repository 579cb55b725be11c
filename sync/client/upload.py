"""Outbox upload: batches with an idempotency key per record, hits first, retries with backoff."""

from __future__ import annotations

import logging
import time

from ..errors import HubRefused, HubUnreachable
from ..protocol.upload import box_header
from . import outbox, state
from .transport import HubSession

log = logging.getLogger(__name__)

#: Pauses between retries of one batch inside one run (seconds).
RETRY_DELAYS = (1.0, 2.0, 4.0)


def software_version() -> str | None:
    """This box's software version (sent to the hub's fleet page)."""
    try:
        from importlib.metadata import version

        return version("border-screening-appliance")
    except Exception:  # not installed as a distribution (a source checkout)
        return None


def lane_states(db) -> list[dict]:
    """The reader state of every lane the bridge reports (``lane_status``; empty when the box has none)."""
    try:
        rows = db.execute("SELECT lane, state, detail, reported_at FROM lane_status ORDER BY lane LIMIT 64").fetchall()
    except Exception:  # the booth's tables are not migrated on this database
        return []
    return [{"name": r[0], "state": r[1], "detail": (r[2] or "")[:300], "reported_at": r[3]} for r in rows]


def _send(session: HubSession, batch: list[dict], post: str = "") -> list[str]:
    body = {"records": [{k: r[k] for k in ("key", "kind", "priority", "payload", "created_at")} for r in batch],
            "box": box_header(post, software_version())}
    return session.post_json("/api/v1/records", body).get("acknowledged", [])


def _send_with_retries(session: HubSession, batch: list[dict], delays=RETRY_DELAYS, sleep=time.sleep, post: str = "") -> list[str]:
    for attempt in range(len(delays) + 1):
        try:
            return _send(session, batch, post)
        except HubUnreachable:
            if attempt == len(delays):
                raise
            sleep(delays[attempt])
    raise AssertionError("unreachable")  # pragma: no cover


def _isolate(db, session: HubSession, batch: list[dict], post: str = "") -> int:
    """The hub refused a batch: send its records one by one and set aside those refused alone."""
    sent = 0
    for rec in batch:
        try:
            acked = _send(session, [rec], post)
        except HubRefused as exc:
            if getattr(exc, "status", 400) in (401, 403):
                raise
            outbox.mark_rejected(db, rec["key"], str(exc))
            state.raise_alarm(db, "record_rejected", f"a {rec['kind']} record was refused by the hub: {getattr(exc, 'code', 'error')}")
            continue
        outbox.mark_delivered(db, acked)
        sent += len(acked)
    return sent


def upload(db, session: HubSession, *, batch_size: int, min_priority: int | None = None, max_batches: int = 10000,
           delays=RETRY_DELAYS, post: str = "") -> int:
    """Send pending records (only ``min_priority`` and up if given) until the outbox is empty; return how many."""
    sent = 0
    for _ in range(max_batches):
        batch = outbox.pending(db, batch_size, min_priority=min_priority)
        if not batch:
            break
        try:
            acked = _send_with_retries(session, batch, delays, post=post)
        except HubRefused as exc:
            if getattr(exc, "status", 400) in (401, 403):
                raise
            sent += _isolate(db, session, batch, post)
            continue
        except HubUnreachable as exc:
            outbox.mark_attempt(db, [r["key"] for r in batch], str(exc))
            raise
        outbox.mark_delivered(db, acked)
        missing = {r["key"] for r in batch} - set(acked)
        if missing:
            raise HubRefused(f"the hub did not acknowledge {len(missing)} records of a batch")
        sent += len(acked)
    if sent:
        log.info("uploaded %d records", sent)
    return sent
