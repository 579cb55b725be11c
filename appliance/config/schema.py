"""Configuration framework: options declared once, typed, range-checked; unknown keys fail.

The file is TOML. Plain sections (``[screening]``) hold options; a *repeated* section
(``[lanes.<name>]``) holds one table per named instance.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..errors import ApplianceError

DEFAULT_DATA_DIR = Path("/var/lib/border-appliance")
DEFAULT_CONFIG_FILE = Path("/etc/border-appliance/appliance.toml")
_MISSING = object()


class ConfigError(ApplianceError):
    """The configuration file or a value in it is not acceptable."""


@dataclass(frozen=True)
class Option:
    """One setting: name, type, default, allowed range or choices, and its documentation."""

    name: str
    type: type
    default: Any = _MISSING
    doc: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple | None = None

    @property
    def required(self) -> bool:
        """True when the option has no default."""
        return self.default is _MISSING

    def convert(self, where: str, value: Any) -> Any:
        """Check and convert a raw value; raise ConfigError naming ``where``."""
        t = self.type
        if t is bool:
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: expected true or false, got {value!r}")
        elif t is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{where}: expected a whole number, got {value!r}")
        elif t is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{where}: expected a number, got {value!r}")
            value = float(value)
        elif t is str or t is Path:
            if not isinstance(value, str):
                raise ConfigError(f"{where}: expected a string, got {value!r}")
            if t is Path and value:
                value = Path(value)
        elif t is list:
            if not isinstance(value, list):
                raise ConfigError(f"{where}: expected a list, got {value!r}")
        if self.choices is not None and value not in self.choices:
            allowed = ", ".join(repr(c) for c in self.choices)
            raise ConfigError(f"{where}: {value!r} is not one of {allowed}")
        if self.min is not None and value < self.min:
            raise ConfigError(f"{where}: {value!r} is below the minimum {self.min}")
        if self.max is not None and value > self.max:
            raise ConfigError(f"{where}: {value!r} is above the maximum {self.max}")
        return value


@dataclass(frozen=True)
class Section:
    """A group of options; ``repeated`` sections hold one table per named instance."""

    name: str
    doc: str
    options: tuple[Option, ...]
    repeated: bool = False
    #: For repeated sections: the pattern an instance name must match in full.
    instance_pattern: str | None = None
    instance_rule: str = ""
    _by_name: dict = field(default_factory=dict, compare=False, repr=False)

    def option(self, name: str) -> Option | None:
        """Return the option called ``name`` or None."""
        if not self._by_name:
            self._by_name.update({o.name: o for o in self.options})
        return self._by_name.get(name)

    def build(self, where: str, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Validate one table of this section and fill in defaults."""
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where}: expected a table")
        out: dict[str, Any] = {}
        for key, value in raw.items():
            opt = self.option(key)
            if opt is None:
                known = ", ".join(o.name for o in self.options)
                raise ConfigError(f"{where}.{key}: unknown setting (known: {known})")
            out[key] = opt.convert(f"{where}.{key}", value)
        for opt in self.options:
            if opt.name not in out:
                if opt.required:
                    raise ConfigError(f"{where}.{opt.name}: required setting is missing")
                out[opt.name] = opt.default
        return out


class Config:
    """Validated configuration: ``config.section('screening')['hit_threshold']``, ``config.lanes``."""

    def __init__(self, values: dict[str, Any], path: Path | None = None):
        self._values = values
        self.path = path

    def section(self, name: str) -> dict[str, Any]:
        """Return the validated values of a plain section."""
        return self._values[name]

    def __getitem__(self, name: str) -> dict[str, Any]:
        return self._values[name]

    @property
    def lanes(self) -> dict[str, dict[str, Any]]:
        """Configured lanes by name."""
        return self._values.get("lanes", {})

    def as_dict(self) -> dict[str, Any]:
        """A plain, TOML-serialisable copy (paths as strings)."""

        def plain(v):
            if isinstance(v, Path):
                return str(v)
            if isinstance(v, dict):
                return {k: plain(x) for k, x in v.items()}
            return v

        return plain(self._values)


def validate(raw: Mapping[str, Any], schema: Mapping[str, Section]) -> dict[str, Any]:
    """Validate a parsed TOML document against ``schema``; unknown sections and keys fail."""
    values: dict[str, Any] = {}
    for key in raw:
        if key not in schema:
            known = ", ".join(schema)
            raise ConfigError(f"[{key}]: unknown section (known: {known})")
    for name, section in schema.items():
        table = raw.get(name, {})
        if section.repeated:
            if not isinstance(table, Mapping):
                raise ConfigError(f"[{name}]: expected tables like [{name}.<name>]")
            for inst in table:
                if section.instance_pattern and not re.fullmatch(section.instance_pattern, inst):
                    raise ConfigError(f"[{name}.{inst}]: unusable name ({section.instance_rule or section.instance_pattern})")
            values[name] = {
                inst: section.build(f"{name}.{inst}", sub) for inst, sub in table.items()
            }
        else:
            values[name] = section.build(name, table)
    return values


def load_config(
    path: str | os.PathLike | None = None,
    *,
    data_dir: str | os.PathLike | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Load and validate the configuration file.

    The file is ``path``, else ``$APPLIANCE_CONFIG``, else ``<data_dir>/appliance.toml``
    (data_dir from the argument or ``$APPLIANCE_DATA_DIR``), else
    ``/etc/border-appliance/appliance.toml``; with none present, every default applies.
    ``overrides`` is a mapping of section -> values laid over the file (for tests).
    """
    from .sections import SCHEMA

    candidates: list[Path] = []
    explicit = path or os.environ.get("APPLIANCE_CONFIG")
    if explicit:
        candidates.append(Path(explicit))
    else:
        dd = data_dir or os.environ.get("APPLIANCE_DATA_DIR")
        if dd:
            candidates.append(Path(dd) / "appliance.toml")
        candidates.append(DEFAULT_CONFIG_FILE)
    raw: dict[str, Any] = {}
    found: Path | None = None
    for cand in candidates:
        if cand.is_file():
            try:
                raw = tomllib.loads(cand.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{cand}: not valid TOML: {exc}") from None
            except OSError as exc:
                raise ConfigError(f"{cand}: cannot read: {exc.strerror}") from None
            found = cand
            break
        if explicit:
            raise ConfigError(f"{cand}: configuration file not found")
    if overrides:
        raw = {**raw}
        for sect, vals in overrides.items():
            merged = dict(raw.get(sect, {}))
            merged.update(vals)
            raw[sect] = merged
    values = validate(raw, SCHEMA)
    if data_dir:
        values["appliance"]["data_dir"] = Path(data_dir)
    elif os.environ.get("APPLIANCE_DATA_DIR"):
        values["appliance"]["data_dir"] = Path(os.environ["APPLIANCE_DATA_DIR"])
    elif not values["appliance"]["data_dir"]:
        values["appliance"]["data_dir"] = DEFAULT_DATA_DIR
    return Config(values, found)


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """Data directory: the argument, then ``$APPLIANCE_DATA_DIR``, then the configured path."""
    if data_dir:
        return Path(data_dir)
    if os.environ.get("APPLIANCE_DATA_DIR"):
        return Path(os.environ["APPLIANCE_DATA_DIR"])
    return Path(load_config()["appliance"]["data_dir"])
