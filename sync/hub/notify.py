"""Delivery of hit notifications: a signed webhook and e-mail, from a queue in the hub database.

A notification is queued in the transaction that stores its hit (one per hit and channel, so
a re-sent record never notifies twice) and survives hub restarts. Every hub process runs a
worker that claims due notifications with a short lease (a conditional UPDATE, so two
replicas never send the same one at the same time), delivers, and marks them delivered on a
2xx answer. Anything else is retried after a pause drawn uniformly from 0 to
``min(retry_max_seconds, retry_base_seconds * 2**attempt)`` ("full jitter"), without end: a
receiver that is down for a day gets its hits when it is back. A crash between the
receiver's 2xx and the hub's record of it can repeat a delivery, so every body carries an
``id`` (idempotency key) that stays the same across retries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import smtplib
import ssl
import threading
import uuid
from email.message import EmailMessage

import requests

from ..protocol.canonical import iso, utcnow
from .intake import now_ms

log = logging.getLogger(__name__)

#: A claimed notification is another replica's for this long beyond its send timeouts (a process
#: killed mid-delivery holds it no longer; a process that stops cleanly releases it at once).
LEASE_MARGIN_SECONDS = 10
USER_AGENT = "screening-hub-notify/1"


def signature(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value: ``sha256=`` and the hex HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def retry_delay(attempt: int, base: float, cap: float, rnd: random.Random | None = None) -> float:
    """Full-jitter backoff: uniform in [0, min(cap, base * 2**attempt)]."""
    return (rnd or random).uniform(0, min(cap, base * (2 ** min(attempt, 40))))


def email_message(body: dict, sender: str, recipients: list[str]) -> EmailMessage:
    """The e-mail for one hit: references (and names when the webhook body has them), a link to the desk."""
    msg = EmailMessage()
    decision = "HIT" if body.get("decision") == "HIT" else "POSSIBLE MATCH"
    msg["Subject"] = f"[screening-hub] {decision} at {body.get('post')} lane {body.get('lane')} (hit {body.get('hit_id')})"
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Message-ID"] = f"<{body['id']}@screening-hub>"
    lines = [f"{decision} screened at {body.get('post')} (box {body.get('appliance')}, lane {body.get('lane')}).",
             f"Read at {body.get('read_at')}, received by the hub at {body.get('received_at')}.", ""]
    traveller = body.get("traveller")
    if traveller:
        lines.append("Traveller: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in traveller.items()))
    for m in body.get("matches", []):
        name = f" ({m['name']})" if m.get("name") else ""
        lines.append(f"Match: list {m.get('list')}, entry {m.get('entry_id')}, score {m.get('score')}{name}")
    lines += ["", f"Open it on the hit desk: {body['url']}" if body.get("url") else f"Hit number on the hit desk: {body.get('hit_id')}",
              f"Notification id: {body['id']}"]
    msg.set_content("\n".join(lines) + "\n")
    return msg


class DeliveryFailed(Exception):
    """One delivery attempt failed (the message says why, without personal data)."""


class Notifier:
    """Claims and delivers due notifications; :meth:`start` runs it in a thread."""

    def __init__(self, db, settings, *, poll_seconds: float = 1.0):
        self.db = db
        self.settings = settings
        self.notify = settings.notify
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._session = requests.Session()
        self._rnd = random.Random()
        self.owner = uuid.uuid4().hex
        self.lease_seconds = 2 * self.notify["timeout_seconds"] + LEASE_MARGIN_SECONDS

    def _claim(self, limit: int = 20) -> list[tuple]:
        now = iso(utcnow())
        with self.db.tx() as cur:
            due = cur.execute(
                "SELECT id FROM notifications WHERE state = 'pending' AND next_at <= ? AND (lease_until IS NULL OR lease_until < ?) "
                "ORDER BY next_at, id LIMIT ?", [now_ms(), now, limit]).fetchall()
        claimed = []
        lease = iso(utcnow() + dt.timedelta(seconds=self.lease_seconds))
        for (nid,) in due:
            with self.db.tx(write=True) as cur:
                cur.execute("UPDATE notifications SET lease_until = ?, lease_owner = ?, attempts = attempts + 1 WHERE id = ? "
                            "AND state = 'pending' AND (lease_until IS NULL OR lease_until < ?)", [lease, self.owner, nid, now])
                if cur.rowcount != 1:
                    continue  # another replica took it
                row = cur.execute("SELECT id, channel, event_id, body, attempts FROM notifications WHERE id = ?", [nid]).fetchone()
            claimed.append(row)
        return claimed

    def run_once(self) -> int:
        """Deliver every notification that is due now; return how many were delivered."""
        delivered = 0
        for nid, channel, event_id, body, attempts in self._claim():
            try:
                if channel == "webhook":
                    self._webhook(body)
                elif channel == "email":
                    self._email(json.loads(body))
                else:
                    raise DeliveryFailed(f"unknown channel {channel}")
            except Exception as exc:  # DeliveryFailed, or e.g. an unreadable secret file: retry later, say why
                if not isinstance(exc, DeliveryFailed):
                    exc = DeliveryFailed(f"{type(exc).__name__}: {exc}"[:200])
                pause = retry_delay(int(attempts) - 1, self.notify["retry_base_seconds"], self.notify["retry_max_seconds"], self._rnd)
                when = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=pause)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
                with self.db.tx(write=True) as cur:
                    cur.execute("UPDATE notifications SET next_at = ?, lease_until = NULL, lease_owner = NULL, last_error = ? WHERE id = ?",
                                [when, str(exc)[:300], nid])
                log.warning("%s notification %s: attempt %s failed (%s); next try in %.1f s", channel, event_id, attempts, exc, pause)
                continue
            with self.db.tx(write=True) as cur:
                cur.execute("UPDATE notifications SET state = 'delivered', delivered_at = ?, lease_until = NULL, lease_owner = NULL, last_error = NULL "
                            "WHERE id = ?", [now_ms(), nid])
            log.info("%s notification %s delivered (attempt %s)", channel, event_id, attempts)
            delivered += 1
        return delivered

    def _webhook(self, body: str) -> None:
        url = self.notify["webhook_url"]
        if not url:
            raise DeliveryFailed("notify.webhook_url is not set on this hub")
        data = body.encode("utf-8")
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                   "X-Hub-Signature-256": signature(self.settings.secret("webhook_secret"), data),
                   "X-Hub-Event": "hit", "X-Hub-Delivery": json.loads(body)["id"]}
        try:
            resp = self._session.post(url, data=data, headers=headers, timeout=self.notify["timeout_seconds"], allow_redirects=False)
        except requests.RequestException as exc:
            raise DeliveryFailed(f"cannot reach the webhook receiver: {type(exc).__name__}") from None
        if not 200 <= resp.status_code < 300:
            raise DeliveryFailed(f"the webhook receiver answered {resp.status_code}")

    def _email(self, body: dict) -> None:
        n = self.notify
        if not n["smtp_host"]:
            raise DeliveryFailed("notify.smtp_host is not set on this hub")
        msg = email_message(body, n["mail_from"], list(n["mail_to"]))
        try:
            with smtplib.SMTP(n["smtp_host"], n["smtp_port"], timeout=n["timeout_seconds"]) as smtp:
                if n["smtp_starttls"]:
                    smtp.starttls(context=ssl.create_default_context())
                if n["smtp_user"]:
                    smtp.login(n["smtp_user"], self.settings.secret("smtp_password"))
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"the SMTP relay refused or is unreachable: {type(exc).__name__}") from None

    def wake(self) -> None:
        """Look for due notifications now."""
        self._wake.set()

    def start(self) -> None:
        """Deliver in a daemon thread until :meth:`stop`."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hub-notify", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        failing = False
        while not self._stop.is_set():
            try:
                self.run_once()
                failing = False
            except Exception as exc:  # database away: log once, keep trying
                if not failing:
                    log.warning("notification worker cannot reach the database: %s", type(exc).__name__)
                    log.debug("notification worker failure", exc_info=True)
                failing = True
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def stop(self) -> None:
        """Stop the worker thread and release what it had claimed, so another process can send it now."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(self.notify["timeout_seconds"] + 5)
            self._thread = None
        try:
            with self.db.tx(write=True) as cur:
                cur.execute("UPDATE notifications SET lease_until = NULL, lease_owner = NULL WHERE lease_owner = ? AND state = 'pending'",
                            [self.owner])
        except Exception as exc:  # the database is gone too: the lease simply runs out
            log.info("could not release notification leases: %s", type(exc).__name__)
        self._session.close()


def pending(db) -> list[dict]:
    """Notifications not delivered yet (for the console and `screening-hub notify status`)."""
    with db.tx() as cur:
        rows = cur.execute("SELECT id, hit_id, channel, event_id, attempts, next_at, last_error, created_at FROM notifications "
                           "WHERE state = 'pending' ORDER BY id").fetchall()
    keys = ("id", "hit_id", "channel", "event_id", "attempts", "next_at", "last_error", "created_at")
    return [dict(zip(keys, r)) for r in rows]

