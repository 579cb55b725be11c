"""The box's trust store for passport chips: CSCA certificates and CRLs, in the database and on disk.

The database table ``trust_anchors`` is the record (what, from where, when); the directory
``<data_dir>/trust`` is what ``firmware-bridge chip read`` loads (one DER file per anchor),
rewritten after every import. Parsing and master-list verification are the chip reader's
(:mod:`firmware_bridge.chip.trust`); an import is all or nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from sqlite_utils import Migrations

from ..errors import ApplianceError

log = logging.getLogger(__name__)
migrations = Migrations("appliance.trust")
TRUST_DIRNAME = "trust"


class TrustImportError(ApplianceError):
    """A trust file is not a usable CSCA certificate, CRL or verified master list."""


@migrations(name="0001_trust_anchors")
def m0001_trust_anchors(db):
    """CSCA certificates and CRLs trusted for passive authentication."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS trust_anchors (
            sha256 TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('csca', 'crl')),
            country TEXT,
            subject TEXT NOT NULL,
            not_before TEXT,
            not_after TEXT,
            der BLOB NOT NULL,
            source TEXT NOT NULL,
            imported_at TEXT NOT NULL
        )"""
    )


def trust_dir(data_dir) -> Path:
    """The directory ``chip read`` loads by default."""
    return Path(data_dir) / TRUST_DIRNAME


def _rows_from_file(path: Path, known) -> list[dict]:
    from firmware_bridge.chip.errors import ChipError
    from firmware_bridge.chip.trust import TrustStore, describe, parse_master_list

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TrustImportError(f"{path.name}: {exc.strerror}") from None
    store = TrustStore()
    try:
        if path.suffix.lower() == ".ml":  # a list signed under an already trusted CSCA verifies too
            for cert in parse_master_list(data, known)[0]:
                store.add_certificate(cert)
        else:
            store.add_file(path.name, data)
    except ChipError as exc:
        raise TrustImportError(f"{path.name}: {exc}") from None
    kind = "master list" if path.suffix.lower() == ".ml" else "file"
    rows = []
    for cert in store.cscas:
        basic = cert.basic_constraints_value
        if basic is None or not basic.native.get("ca"):
            raise TrustImportError(f"{path.name}: {cert.subject.human_friendly} is not a CA certificate (a CSCA is)")
        info = describe(cert)
        rows.append({"sha256": info["sha256"], "kind": "csca", "country": info["country"], "subject": info["subject"],
                     "not_before": info["not_before"], "not_after": info["not_after"], "der": cert.dump(),
                     "source": f"{kind} {path.name}"})
    import hashlib

    for obj in store.crls:
        tbs = obj["tbs_cert_list"]
        nxt = tbs["next_update"].native
        rows.append({"sha256": hashlib.sha256(obj.dump()).hexdigest(), "kind": "crl",
                     "country": obj.issuer.native.get("country_name", ""), "subject": obj.issuer.human_friendly,
                     "not_before": tbs["this_update"].native.isoformat(), "not_after": nxt.isoformat() if nxt else None,
                     "der": obj.dump(), "source": f"{kind} {path.name}"})
    if not rows:
        raise TrustImportError(f"{path.name}: holds no certificate or CRL")
    return rows


def import_files(db, data_dir, paths) -> dict:
    """Import CSCA certificates (PEM/DER), CRLs and ICAO master lists; all files or none."""
    from firmware_bridge.chip.trust import load_certificate

    known = [load_certificate(r["der"]) for r in db.query("SELECT der FROM trust_anchors WHERE kind = 'csca'")]
    rows: list[dict] = []
    for p in paths:
        new = _rows_from_file(Path(p), known + [load_certificate(r["der"]) for r in rows if r["kind"] == "csca"])
        rows += new
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    added = 0
    with db.conn:
        for row in rows:
            exists = db.execute("SELECT 1 FROM trust_anchors WHERE sha256 = ?", [row["sha256"]]).fetchone()
            if exists:
                continue
            db["trust_anchors"].insert({**row, "imported_at": now})
            added += 1
    export(db, data_dir)
    log.info("trust store: %d new anchor(s) from %d file(s)", added, len(paths))
    return {"files": len(paths), "found": len(rows), "added": added,
            "cscas": sum(1 for r in rows if r["kind"] == "csca"), "crls": sum(1 for r in rows if r["kind"] == "crl")}


def export(db, data_dir) -> Path:
    """Write the trust directory from the table (one DER file per anchor; stale files removed)."""
    directory = trust_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    wanted = {}
    for row in db.query("SELECT sha256, kind, der FROM trust_anchors"):
        name = f"{row['kind']}-{row['sha256'][:24]}.{'der' if row['kind'] == 'csca' else 'crl'}"
        wanted[name] = row["der"]
    for name, der in wanted.items():
        target = directory / name
        if not target.exists():
            tmp = directory / f".{name}.tmp"
            tmp.write_bytes(der)
            os.replace(tmp, target)
    for existing in directory.iterdir():
        if existing.is_file() and existing.name not in wanted and existing.suffix in (".der", ".crl"):
            existing.unlink()
    return directory


def show(db) -> list[dict]:
    """The trust anchors, for ``appliance trust show --json``."""
    return [dict(r) for r in db.query(
        "SELECT kind, country, subject, not_before, not_after, sha256, source, imported_at FROM trust_anchors "
        "ORDER BY kind, country, subject")]
