"""One exchange with the hub (``appliance sync --once``) and the loop around it (``--loop``)."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import HubRefused, HubUnreachable, NotEnrolled, SyncError
from . import outbox, state
from .transport import HubSession
from .updates import UpdateRefused, store_version, sync_lists
from ..protocol.upload import box_header
from .upload import RETRY_DELAYS, lane_states, software_version, upload

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncSettings:
    """The ``[sync]`` settings the client uses."""

    hub_url: str = ""
    interval_seconds: float = 300
    batch_size: int = 500
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_backoff_seconds: float = 900.0
    hit_poll_seconds: float = 2.0
    #: the post's name (``appliance.site_name``), sent to the hub with uploads and check-ins
    post: str = ""

    @classmethod
    def from_config(cls, section: dict, **extra) -> "SyncSettings":
        """Build from the validated ``[sync]`` config section (unknown keys ignored) and ``extra`` fields."""
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in {**section, **extra}.items() if k in names})


def open_session(db, settings: SyncSettings) -> HubSession:
    """A session to the enrolled hub with this box's credential."""
    credential = state.get(db, "credential")
    url = settings.hub_url or state.get(db, "hub_url")
    if not credential or not url:
        raise NotEnrolled("this box is not enrolled with a hub (run `appliance sync enroll --hub URL --token TOKEN --hub-key KEY`)")
    return HubSession(url, credential, connect_timeout=settings.connect_timeout, read_timeout=settings.read_timeout)


def _checkin(db, session: HubSession, post: str = "") -> None:
    rows = db.execute("SELECT list_name FROM sync_lists").fetchall()
    body = {
        "lists": {r[0]: store_version(db, r[0]) for r in rows},
        "queue_depth": outbox.depth(db),
        "alarms": [f"{a['kind']}: {a['list'] or ''} {a['detail']}"[:500] for a in state.alarms(db, limit=20) if not a["resolved_at"]],
        **box_header(post, software_version()),
        "lanes": lane_states(db),
    }
    session.post_json("/api/v1/checkin", body)


class SyncBusy(SyncError):
    """Another exchange is running on this box."""

    exit_code = 6


@contextmanager
def exchange_lock(data_dir: str | Path):
    """Hold ``<data dir>/sync/exchange.lock`` so two exchanges never run at once (timer and a technician)."""
    folder = Path(data_dir) / "sync"
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / "exchange.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncBusy("another sync with the hub is running on this box; try again when it has finished") from None
        yield
    finally:
        os.close(fd)


def sync_once(db, data_dir: str | Path, settings: SyncSettings, *, delays=RETRY_DELAYS, session: HubSession | None = None) -> dict:
    """Push hits, update lists, upload the rest, check in. Raise a SyncError unless all of it completed."""
    with exchange_lock(data_dir):
        return _exchange(db, data_dir, settings, delays, session)


def _exchange(db, data_dir, settings: SyncSettings, delays, session: HubSession | None) -> dict:
    own = session is None
    session = session or open_session(db, settings)
    try:
        session.get_json("/healthz")  # first contact fails fast; retries are for a link that was up
        hits = upload(db, session, batch_size=settings.batch_size, min_priority=outbox.PRIORITY_HIT, delays=delays, post=settings.post)
        lists = sync_lists(db, session, Path(data_dir))
        sent = upload(db, session, batch_size=settings.batch_size, delays=delays, post=settings.post)
        _checkin(db, session, settings.post)
    except HubUnreachable as exc:
        state.set_link(db, False, str(exc))
        raise
    except HubRefused as exc:
        state.put(db, last_attempt=state.now_iso(), last_error=str(exc))
        raise
    except UpdateRefused:
        state.set_link(db, True)
        raise
    finally:
        if own:
            session.close()
    state.set_link(db, True)
    result = {"hits_sent": hits, "records_sent": hits + sent, "queue_depth": outbox.depth(db), **lists}
    if lists["refused"]:
        raise UpdateRefused("exchange completed, but updates were refused: " + "; ".join(lists["refused"]))
    return result


def push_hits(db, settings: SyncSettings, *, session: HubSession | None = None) -> int:
    """Send pending hits now (the loop calls this as soon as a hit is queued)."""
    own = session is None
    session = session or open_session(db, settings)
    try:
        sent = upload(db, session, batch_size=settings.batch_size, min_priority=outbox.PRIORITY_HIT, delays=(), post=settings.post)
    except HubUnreachable as exc:
        state.set_link(db, False, str(exc))
        raise
    finally:
        if own:
            session.close()
    state.set_link(db, True)
    return sent


def backoff(failures: int, settings: SyncSettings) -> float:
    """Pause after ``failures`` consecutive failures: doubling from 5 s up to ``max_backoff_seconds``."""
    return min(settings.max_backoff_seconds, 5.0 * (2 ** max(failures - 1, 0)))


def loop(db, data_dir: str | Path, settings: SyncSettings, stop: threading.Event | None = None) -> None:
    """Exchange every ``interval_seconds``; back off while the hub is unreachable; push hits at once."""
    stop = stop or threading.Event()
    session = open_session(db, settings)  # one session (and connection pool) for the life of the loop
    try:
        _loop(db, data_dir, settings, stop, session)
    finally:
        session.close()


def _loop(db, data_dir, settings: SyncSettings, stop: threading.Event, session: HubSession) -> None:
    failures = 0
    while not stop.is_set():
        try:
            result = sync_once(db, data_dir, settings, session=session)
            failures = 0
            log.debug("sync done: %s", result)
            wait = settings.interval_seconds
        except HubUnreachable:
            failures += 1
            wait = backoff(failures, settings)
        except NotEnrolled:
            raise
        except SyncError as exc:
            log.error("sync failed: %s", exc)
            wait = settings.interval_seconds
        except Exception as exc:  # e.g. the box database busy or full: the loop must live on
            log.error("sync failed unexpectedly (%s); trying again in %s s", type(exc).__name__, settings.interval_seconds)
            log.debug("sync failure", exc_info=True)
            wait = settings.interval_seconds
        deadline = time.monotonic() + wait
        next_hit_try = 0.0
        while not stop.is_set() and time.monotonic() < deadline:
            stop.wait(min(settings.hit_poll_seconds, max(deadline - time.monotonic(), 0)))
            if stop.is_set() or time.monotonic() < next_hit_try:
                continue
            if outbox.pending_hits(db):
                try:
                    with exchange_lock(data_dir):
                        push_hits(db, settings, session=session)
                    failures = 0
                except HubUnreachable:
                    next_hit_try = time.monotonic() + min(backoff(failures + 1, settings), 60.0)
                except SyncError as exc:
                    log.error("pushing hits failed: %s", exc)
                    next_hit_try = time.monotonic() + 60.0
                except Exception as exc:  # as above: log, wait, go on
                    log.error("pushing hits failed unexpectedly (%s)", type(exc).__name__)
                    log.debug("hit push failure", exc_info=True)
                    next_hit_try = time.monotonic() + 60.0
