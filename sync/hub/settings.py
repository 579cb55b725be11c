"""Hub settings: ``<data dir>/hub.toml`` written by ``screening-hub init``, overridden by the environment.

Settings (all in the ``[hub]`` table of hub.toml):
``hub.database``, ``hub.manifest_ttl_hours``, ``hub.enrollment_token_hours``,
``hub.max_body_mb``, ``hub.max_batch_records``, ``hub.full_snapshot_ratio``,
``hub.payload_cache_mb``, ``hub.threads``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from .errors import HubConfigError

ENV_DATA_DIR = "SCREENING_HUB_DATA_DIR"
ENV_DATABASE = "SCREENING_HUB_DATABASE"
DEFAULT_DATA_DIR = Path("/var/lib/screening-hub")
SETTINGS_FILE = "hub.toml"

#: name -> (type, minimum, maximum)
_LIMITS = {
    "manifest_ttl_hours": (float, 0.01, 8760.0),
    "enrollment_token_hours": (float, 0.01, 8760.0),
    "max_body_mb": (float, 0.01, 1024.0),
    "max_batch_records": (int, 1, 100000),
    "full_snapshot_ratio": (float, 0.0, 1.0),
    "payload_cache_mb": (int, 0, 65536),
    "threads": (int, 1, 512),
}


@dataclass(frozen=True)
class HubSettings:
    """Validated hub settings."""

    data_dir: Path
    database: str = ""
    manifest_ttl_hours: float = 168.0
    enrollment_token_hours: float = 72.0
    max_body_mb: float = 16.0
    max_batch_records: int = 5000
    full_snapshot_ratio: float = 0.5
    payload_cache_mb: int = 256
    threads: int = 16

    @property
    def database_url(self) -> str:
        """The database URL; SQLite ``hub.db`` in the data directory when none is set."""
        return self.database or str(self.data_dir / "hub.db")

    @property
    def keys_dir(self) -> Path:
        """Folder of the private signing keys."""
        return self.data_dir / "keys"

    def to_toml(self) -> str:
        """The ``hub.toml`` text for these settings."""
        lines = ["# screening-hub settings (see docs/hub.md)", "[hub]"]
        for f in fields(self):
            if f.name == "data_dir":
                continue
            value = getattr(self, f.name)
            lines.append(f'{f.name} = "{value}"' if isinstance(value, str) else f"{f.name} = {value!r}")
        return "\n".join(lines) + "\n"


def resolve_data_dir(data_dir: str | os.PathLike | None) -> Path:
    """The data directory: the argument, else ``$SCREENING_HUB_DATA_DIR``, else /var/lib/screening-hub."""
    if data_dir:
        return Path(data_dir)
    if os.environ.get(ENV_DATA_DIR):
        return Path(os.environ[ENV_DATA_DIR])
    return DEFAULT_DATA_DIR


def load_settings(data_dir: str | os.PathLike | None = None, database: str | None = None, *, must_exist: bool = True) -> HubSettings:
    """Read ``hub.toml`` from the data directory and apply ``--database`` / ``$SCREENING_HUB_DATABASE``."""
    d = resolve_data_dir(data_dir)
    path = d / SETTINGS_FILE
    raw: dict = {}
    if path.is_file():
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise HubConfigError(f"{path}: not valid TOML: {exc}") from None
        unknown = set(doc) - {"hub"}
        if unknown:
            raise HubConfigError(f"{path}: unknown section [{sorted(unknown)[0]}] (only [hub])")
        raw = dict(doc.get("hub", {}))
    elif must_exist:
        raise HubConfigError(f"{d} is not a hub data directory (run `screening-hub init --data-dir {d}`)")
    values: dict = {}
    for key, value in raw.items():
        if key == "database":
            if not isinstance(value, str):
                raise HubConfigError(f"{path}: hub.database must be a string")
            values[key] = value
            continue
        if key not in _LIMITS:
            raise HubConfigError(f"{path}: hub.{key}: unknown setting (known: database, {', '.join(_LIMITS)})")
        typ, lo, hi = _LIMITS[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (typ is int and not isinstance(value, int)):
            raise HubConfigError(f"{path}: hub.{key}: expected a {'whole number' if typ is int else 'number'}")
        if not lo <= value <= hi:
            raise HubConfigError(f"{path}: hub.{key}: {value!r} is outside {lo} .. {hi}")
        values[key] = typ(value)
    settings = HubSettings(data_dir=d, **values)
    override = database or os.environ.get(ENV_DATABASE)
    if override:
        settings = replace(settings, database=override)
    return settings
