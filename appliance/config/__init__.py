"""Typed, range-checked configuration, declared once (see :mod:`.sections`)."""

from .schema import Config, ConfigError, Option, Section, load_config, resolve_data_dir
from .sections import SCHEMA

__all__ = ["Config", "ConfigError", "Option", "Section", "SCHEMA", "load_config", "resolve_data_dir"]
