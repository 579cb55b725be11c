"""List updates on the box: signed index, manifest checks, resumable verified download, one-transaction apply."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from pathlib import Path

from ..errors import HubRefused, HubUnreachable, ManifestRefused, PayloadError, ProtocolError, SignatureError, SyncError
from appliance.errors import ApplianceError

from ..protocol.manifest import check_index, check_manifest
from ..protocol.payload import open_payload
from . import keyring, state
from .transport import HubSession

log = logging.getLogger(__name__)


#: A partial download of another payload untouched for this long is deleted.
STALE_PART_SECONDS = 3 * 24 * 3600


class UpdateRefused(SyncError):
    """An update offered by the hub was refused (recorded as an alarm)."""

    exit_code = 5


def store_version(db, list_name: str) -> int:
    """The version of ``list_name`` in the box's list store (0 if absent or not a hub version)."""
    try:
        row = db.execute("SELECT version FROM lists WHERE name = ?", [list_name]).fetchone()
    except Exception:  # the list store is not migrated on this box
        return 0
    if not row or row[0] is None:
        return 0
    text = str(row[0])
    return int(text) if text.isascii() and text.isdigit() else 0


def floor_version(db, list_name: str) -> int:
    """The newest version this box ever applied from the hub (replay floor)."""
    row = db.execute("SELECT version FROM sync_lists WHERE list_name = ?", [list_name]).fetchone()
    return int(row[0]) if row else 0


def _verified_index(db, session: HubSession) -> dict:
    doc = session.get_json("/api/v1/lists")
    ring = keyring.keyring(db)
    if isinstance(doc, dict) and doc.get("key_id") not in ring:
        # the hub may have rotated its key: follow rotations the pinned key signed
        try:
            keyring.update_from_hub(db, session.get_json("/api/v1/keys"))
        except (SignatureError, ProtocolError) as exc:
            state.raise_alarm(db, "key_rotation", f"hub key change refused: {exc}")
            raise UpdateRefused(f"hub key change refused: {exc}") from None
        ring = keyring.keyring(db)
    try:
        return check_index(doc, ring)
    except SignatureError as exc:
        state.raise_alarm(db, "bad_signature", f"list index: {exc}")
        raise UpdateRefused(f"the hub's list index is not signed by the pinned key: {exc}") from None
    except ManifestRefused as exc:
        state.raise_alarm(db, exc.reason, f"list index: {exc}")
        raise UpdateRefused(str(exc)) from None
    except ProtocolError as exc:
        state.raise_alarm(db, "malformed", f"list index: {exc}")
        raise UpdateRefused(str(exc)) from None


def download(session: HubSession, data_dir: Path, sha256: str, size: int) -> bytes:
    """Fetch a payload into ``<data_dir>/sync/downloads`` resuming a partial file; verify size and hash."""
    folder = Path(data_dir) / "sync" / "downloads"
    try:
        return _download(session, folder, sha256, size)
    except OSError as exc:  # disk full, read-only or unwritable data directory: say so, keep what we have
        raise SyncError(f"cannot store the list download in {folder}: {exc.strerror or exc}") from None


def _download(session: HubSession, folder: Path, sha256: str, size: int) -> bytes:
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f"{sha256}.part"
    for other in folder.glob("*.part"):  # partial downloads of superseded payloads
        try:
            if other != part and time.time() - other.stat().st_mtime > STALE_PART_SECONDS:
                other.unlink(missing_ok=True)
        except OSError:
            pass
    have = part.stat().st_size if part.exists() else 0
    if have > size:
        part.unlink()
        have = 0
    if have < size:
        if have:
            log.info("resuming download of %s at byte %d of %d", sha256[:12], have, size)
        status, chunks = session.stream(f"/api/v1/payloads/{sha256}", start=have)
        mode = "ab" if status == 206 else "wb"
        if status != 206:
            have = 0
        with open(part, mode) as fh:
            try:
                for chunk in chunks:
                    if have + len(chunk) > size:
                        fh.close()
                        part.unlink(missing_ok=True)
                        raise PayloadError(f"payload {sha256[:12]} is longer than its manifest says ({size} bytes)")
                    fh.write(chunk)
                    have += len(chunk)
            finally:
                if not fh.closed:
                    fh.flush()
                    os.fsync(fh.fileno())
        if have < size:
            raise HubUnreachable(f"download stopped at byte {have} of {size}; it will resume")
    data = part.read_bytes()
    if len(data) != size or hashlib.sha256(data).hexdigest() != sha256:
        part.unlink(missing_ok=True)
        raise PayloadError(f"payload does not match the SHA-256 in its signed manifest ({sha256[:12]}...)")
    return data


def _removal(kind: str, key: str):
    """Turn a hub record key into what the list store removes by."""
    if key.startswith("doc:"):
        state_, dtype, number = key[4:].split(":", 2)
        return {"issuing_state": state_, "document_type": dtype, "document_number": number}
    if key.startswith("id:"):
        return key[3:]
    return key


def _apply(db, body: dict, data: bytes, source: str) -> None:
    """Apply a verified payload in one transaction, inflating it as the store consumes it."""
    from appliance.lists.model import DocumentRecord, WatchlistEntry
    from appliance.store.changes import apply_changes

    header, removals, upserts = open_payload(data)
    if (header.get("list"), header.get("version"), header.get("base_version"), header.get("full")) != (
        body["list"], body["version"], body["base_version"], body["full"]
    ) or len(removals) != body["removals"]:
        raise PayloadError("payload header or counts do not match the signed manifest")
    cls = DocumentRecord if body["kind"] == "documents" else WatchlistEntry

    def objects():
        n = 0
        for rec in upserts:
            try:
                yield cls.from_dict(rec)
            except (TypeError, ValueError, KeyError) as exc:
                raise PayloadError(f"payload record does not fit the {body['kind']} model: {type(exc).__name__}") from None
            n += 1
        if n != body["upserts"]:  # raised inside apply_changes: its transaction rolls back
            raise PayloadError("payload holds a different number of records than its signed manifest")

    name = body["list"]
    log.info("applying %s version %d (%s, %d upserts, %d removals)", name, body["version"],
             "snapshot" if body["full"] else f"delta from {body['base_version']}", body["upserts"], len(removals))
    # apply_changes owns its transaction: the list store moves from the old version to the new one
    # atomically. The bookkeeping below may lag after a crash; the store's version is authoritative.
    apply_changes(
        db, name, kind=body["kind"], version=str(body["version"]), upserts=objects(),
        removals=[_removal(body["kind"], k) for k in removals], full=bool(body["full"]),
        published_at=body["created"], source=source, format=body["format"],
    )
    record_held(db, name, body["version"], key_id=body["key_id"], sha=body["payload_sha256"],
                created=body["created"], fresh_until=body["expires"])


def record_held(db, name: str, version: int, *, key_id=None, sha=None, created=None, fresh_until=None) -> None:
    """Remember the newest hub version applied to a list (the replay floor) and how long it is fresh."""
    with db.conn:
        db.execute(
            "INSERT INTO sync_lists (list_name, version, key_id, payload_sha256, created, fresh_until, applied_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (list_name) DO UPDATE SET version = excluded.version, "
            "key_id = coalesce(excluded.key_id, key_id), payload_sha256 = coalesce(excluded.payload_sha256, payload_sha256), "
            "created = coalesce(excluded.created, created), fresh_until = coalesce(excluded.fresh_until, fresh_until), "
            "applied_at = excluded.applied_at",
            [name, version, key_id, sha, created, fresh_until, state.now_iso()],
        )


def update_list(db, session: HubSession, data_dir: Path, name: str, source: str) -> dict | None:
    """Bring one list to the hub's newest version; return the applied manifest body or None if current."""
    held = store_version(db, name)
    floor = floor_version(db, name)
    doc = session.get_json(f"/api/v1/lists/{name}/update", **{"from": str(held)})
    if doc is None:
        if held > floor:  # applied before a crash cut the bookkeeping short
            record_held(db, name, held)
        return None
    try:
        body = check_manifest(doc, keyring.keyring(db), list_name=name, held_version=held)
        if body["version"] < floor:
            raise ManifestRefused(f"{name} version {body['version']} is older than version {floor} already applied (replay refused)", "rollback")
    except SignatureError as exc:
        state.raise_alarm(db, "bad_signature", f"manifest refused: {exc}", name)
        raise UpdateRefused(f"{name}: manifest refused: {exc}") from None
    except ManifestRefused as exc:
        state.raise_alarm(db, exc.reason, str(exc), name)
        raise UpdateRefused(f"{name}: {exc}") from None
    except ProtocolError as exc:
        state.raise_alarm(db, "malformed", f"manifest refused: {exc}", name)
        raise UpdateRefused(f"{name}: manifest refused: {exc}") from None
    try:
        data = download(session, data_dir, body["payload_sha256"], body["payload_size"])
        _apply(db, body, data, source)
    except PayloadError as exc:
        state.raise_alarm(db, "payload_mismatch", str(exc), name)
        raise UpdateRefused(f"{name}: {exc}") from None
    except ApplianceError as exc:  # the list store refused the change set (rolled back)
        state.raise_alarm(db, "apply_failed", f"the list store refused the update: {exc}", name)
        raise UpdateRefused(f"{name}: the list store refused the update: {exc}") from None
    (Path(data_dir) / "sync" / "downloads" / f"{body['payload_sha256']}.part").unlink(missing_ok=True)
    state.resolve_alarms(db, name)
    log.info("%s is now at version %d", name, body["version"])
    return body


def sync_lists(db, session: HubSession, data_dir: Path) -> dict:
    """Check the signed index and update every list that moved; refusals are alarms, other lists go on."""
    index = _verified_index(db, session)
    source = f"hub {session.base_url}"
    applied, current, refused = [], [], []
    for item in index["lists"]:
        name = item["name"]
        held = store_version(db, name)
        if item["version"] == held and floor_version(db, name) == held:
            record_held(db, name, held, fresh_until=index["expires"])
            current.append(name)
            continue
        if item["version"] < held:
            state.raise_alarm(db, "rollback", f"hub offers version {item['version']}, the box holds {held}", name)
            refused.append(f"{name}: hub offers an older version than the box holds")
            continue
        try:
            body = update_list(db, session, data_dir, name, source)
        except UpdateRefused as exc:
            refused.append(str(exc))
            continue
        except HubRefused as exc:
            state.raise_alarm(db, "malformed", f"the hub refused the update request: {exc}", name)
            refused.append(f"{name}: {exc}")
            continue
        if body:
            applied.append({"list": name, "version": body["version"], "full": body["full"]})
        else:
            current.append(name)
    return {"applied": applied, "current": current, "refused": refused, "index_expires": index["expires"]}
