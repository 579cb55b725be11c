"""The hub's shared objects: settings, database, the current signing key and a payload cache."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict

from ..protocol.canonical import iso, parse_iso, utcnow
from ..protocol.keys import HubKey
from ..protocol.manifest import INDEX_TYPE, build_manifest, sign_document
from . import keys, lists, schema
from .db import HubDatabase
from .settings import HubSettings

KEY_RECHECK_SECONDS = 2.0


class Hub:
    """Everything a request handler or a CLI command needs, created once per process."""

    def __init__(self, settings: HubSettings, db: HubDatabase | None = None):
        self.settings = settings
        self.db = db or HubDatabase(settings.database_url)
        self._key: HubKey | None = None
        self._key_checked = 0.0
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cache_bytes = 0
        self._audit = None
        self.feed = None
        self.notifier = None

    @property
    def audit(self):
        """The hash-chained audit log (its key is ``keys/audit.key``)."""
        if self._audit is None:
            from .audit import AuditLog, load_key

            self._audit = AuditLog(load_key(self.settings.keys_dir), self.db.dialect)
        return self._audit

    def notify_rules(self) -> dict:
        """The ``[notify]`` settings as the intake uses them (with the console's public address)."""
        return {**self.settings.notify, "_public_url": self.settings.console["public_url"]}

    def start_workers(self) -> None:
        """Start this process's live feed poller and notification worker (``screening-hub serve``)."""
        from .feed import Feed
        from .notify import Notifier

        if self.feed is None:
            self.feed = Feed(self.db, self.settings.console["feed_poll_seconds"])
            self.feed.last = self.feed.head()
            self.feed.start()
        if self.notifier is None:
            self.notifier = Notifier(self.db, self.settings)
            self.notifier.start()

    def wake(self) -> None:
        """Something was stored here: let the feed and the notifier look at once."""
        if self.feed is not None:
            self.feed.wake()
        if self.notifier is not None:
            self.notifier.wake()

    def stop_workers(self) -> None:
        """Stop the feed and the notifier (their threads)."""
        if self.feed is not None:
            self.feed.stop()
            self.feed = None
        if self.notifier is not None:
            self.notifier.stop()
            self.notifier = None

    def check(self) -> None:
        """Fail with a clear message unless the database is initialised and the key is present."""
        schema.check(self.db)
        self.signing_key()

    @property
    def ttl(self) -> dt.timedelta:
        """How long a signed manifest or index stays valid."""
        return dt.timedelta(hours=self.settings.manifest_ttl_hours)

    def signing_key(self) -> HubKey:
        """The active key; re-read from the database every few seconds to follow rotations."""
        with self._lock:
            if self._key is None or time.monotonic() - self._key_checked > KEY_RECHECK_SECONDS:
                key_id = keys.active_key_id(self.db)
                if self._key is None or self._key.key_id != key_id:
                    self._key = keys.load_key(self.settings, key_id)
                self._key_checked = time.monotonic()
            return self._key

    def signed_index(self, appliance: str) -> dict:
        """The signed list of lists and their newest versions."""
        now = utcnow()
        body = {
            "type": INDEX_TYPE,
            "appliance": appliance,
            "lists": [{"name": s["name"], "kind": s["kind"], "format": s["format"], "version": s["version"]}
                      for s in lists.list_summaries(self.db)],
            "created": iso(now),
            "expires": iso(now + self.ttl),
        }
        return sign_document(body, self.signing_key())

    def manifest(self, list_name: str, from_version: int) -> dict | None:
        """The signed manifest taking a box from ``from_version`` to the newest, or None if current."""
        meta = lists.payload_for(self.db, list_name, from_version, self.settings.full_snapshot_ratio)
        if meta is None:
            return None
        return build_manifest(
            list_name=list_name, kind=meta["kind"], fmt=meta["format"], version=meta["version"],
            base_version=meta["base_version"], full=meta["full"], payload_sha256=meta["sha256"],
            payload_size=meta["size"], record_count=meta["record_count"], upserts=meta["upserts"],
            removals=meta["removals"], created=parse_iso(meta["created"]), ttl=self.ttl, key=self.signing_key(),
        )

    def payload(self, sha256: str) -> bytes | None:
        """Payload bytes by hash, from the in-memory cache when possible."""
        with self._lock:
            data = self._cache.get(sha256)
            if data is not None:
                self._cache.move_to_end(sha256)
                return data
        data = lists.payload_bytes(self.db, sha256)
        if data is None:
            return None
        limit = self.settings.payload_cache_mb * 1024 * 1024
        if len(data) <= limit:
            with self._lock:
                if sha256 not in self._cache:
                    self._cache[sha256] = data
                    self._cache_bytes += len(data)
                while self._cache_bytes > limit and self._cache:
                    _, old = self._cache.popitem(last=False)
                    self._cache_bytes -= len(old)
        return data

    def close(self) -> None:
        """Stop the workers and release database connections."""
        self.stop_workers()
        self.db.close()
