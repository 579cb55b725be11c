"""Hub settings: ``<data dir>/hub.toml`` written by ``screening-hub init``, overridden by the environment.

The settings are declared once, with the box's, in ``appliance/config/sections.py``
(``HUB_SCHEMA``: the ``[hub]``, ``[console]`` and ``[notify]`` tables) and documented in the
generated configuration reference.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import tomli_w

from appliance.config.schema import ConfigError, validate
from appliance.config.sections import HUB_SCHEMA

from .errors import HubConfigError

ENV_DATA_DIR = "SCREENING_HUB_DATA_DIR"
ENV_DATABASE = "SCREENING_HUB_DATABASE"
DEFAULT_DATA_DIR = Path("/var/lib/screening-hub")
SETTINGS_FILE = "hub.toml"
NOTIFY_DECISIONS = ("HIT", "POSSIBLE_MATCH")


def _defaults(section: str) -> dict:
    return validate({}, HUB_SCHEMA)[section]


@dataclass(frozen=True)
class HubSettings:
    """Validated hub settings (``[hub]`` as attributes, ``[console]`` and ``[notify]`` as dicts)."""

    data_dir: Path
    database: str = ""
    manifest_ttl_hours: float = 168.0
    enrollment_token_hours: float = 72.0
    max_body_mb: float = 16.0
    max_batch_records: int = 5000
    full_snapshot_ratio: float = 0.5
    payload_cache_mb: int = 256
    threads: int = 16
    console: dict = field(default_factory=lambda: _defaults("console"))
    notify: dict = field(default_factory=lambda: _defaults("notify"))

    @property
    def database_url(self) -> str:
        """The database URL; SQLite ``hub.db`` in the data directory when none is set."""
        return self.database or str(self.data_dir / "hub.db")

    @property
    def keys_dir(self) -> Path:
        """Folder of the private signing keys (and the audit and session keys)."""
        return self.data_dir / "keys"

    def hub_values(self) -> dict:
        """The ``[hub]`` table as a dict."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("data_dir", "console", "notify")}

    def to_toml(self) -> str:
        """The ``hub.toml`` text for these settings."""
        doc = {"hub": self.hub_values(), "console": dict(self.console), "notify": dict(self.notify)}
        return "# screening-hub settings (see docs/hub.md and docs/configuration.md)\n" + tomli_w.dumps(doc)

    def secret(self, name: str) -> str:
        """``notify.<name>`` or the content of ``notify.<name>_file`` (a file wins over an empty value)."""
        value = self.notify.get(name, "")
        path = self.notify.get(f"{name}_file", "")
        if path:
            try:
                value = Path(path).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise HubConfigError(f"notify.{name}_file: cannot read {path}: {exc.strerror}") from None
        return value


def resolve_data_dir(data_dir: str | os.PathLike | None) -> Path:
    """The data directory: the argument, else ``$SCREENING_HUB_DATA_DIR``, else /var/lib/screening-hub."""
    if data_dir:
        return Path(data_dir)
    if os.environ.get(ENV_DATA_DIR):
        return Path(os.environ[ENV_DATA_DIR])
    return DEFAULT_DATA_DIR


def _check_notify(path: Path, notify: dict) -> None:
    for key in ("decisions", "lists", "mail_to"):
        if not all(isinstance(v, str) and v for v in notify[key]):
            raise HubConfigError(f"{path}: notify.{key}: expected a list of non-empty strings")
    bad = [d for d in notify["decisions"] if d not in NOTIFY_DECISIONS]
    if bad:
        raise HubConfigError(f"{path}: notify.decisions: {bad[0]!r} is not one of {', '.join(NOTIFY_DECISIONS)}")
    url = notify["webhook_url"]
    if url and not url.startswith(("http://", "https://")):
        raise HubConfigError(f"{path}: notify.webhook_url must start with http:// or https://")
    if url and not (notify["webhook_secret"] or notify["webhook_secret_file"]):
        raise HubConfigError(f"{path}: notify.webhook_url needs notify.webhook_secret or notify.webhook_secret_file")
    if notify["smtp_host"] and not notify["mail_to"]:
        raise HubConfigError(f"{path}: notify.smtp_host is set but notify.mail_to names no recipient")


def settings_from(d: Path, doc: dict, path: Path | None = None) -> HubSettings:
    """Validate a parsed ``hub.toml`` document into settings for data directory ``d``."""
    where = path or d / SETTINGS_FILE
    try:
        values = validate(doc, HUB_SCHEMA)
    except ConfigError as exc:
        raise HubConfigError(f"{where}: {exc}") from None
    _check_notify(where, values["notify"])
    return HubSettings(data_dir=d, **values["hub"], console=values["console"], notify=values["notify"])


def load_settings(data_dir: str | os.PathLike | None = None, database: str | None = None, *, must_exist: bool = True) -> HubSettings:
    """Read ``hub.toml`` from the data directory and apply ``--database`` / ``$SCREENING_HUB_DATABASE``."""
    d = resolve_data_dir(data_dir)
    path = d / SETTINGS_FILE
    doc: dict = {}
    if path.is_file():
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise HubConfigError(f"{path}: not valid TOML: {exc}") from None
    elif must_exist:
        raise HubConfigError(f"{d} is not a hub data directory (run `screening-hub init --data-dir {d}`)")
    settings = settings_from(d, doc, path)
    override = database or os.environ.get(ENV_DATABASE)
    if override:
        settings = replace(settings, database=override)
    return settings
