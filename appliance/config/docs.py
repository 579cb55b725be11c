"""Render the configuration reference (docs/configuration.md) from the schema.

Run ``python -m appliance.config.docs > docs/configuration.md`` after changing a setting;
the docs test fails while the file is out of date.
"""

from __future__ import annotations

from pathlib import Path

from .sections import HUB_SCHEMA, SCHEMA


def _default(opt) -> str:
    """Show an option's default the way it is written in TOML."""
    if opt.required:
        return "(required)"
    value = opt.default
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, Path)):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return repr(value)


def _range(opt) -> str:
    """Describe an option's allowed values."""
    if opt.choices is not None:
        return ", ".join(
            f'"{c}"' if isinstance(c, str) else ("true" if c is True else "false" if c is False else repr(c))
            for c in opt.choices
        )
    lo = "" if opt.min is None else repr(opt.min)
    hi = "" if opt.max is None else repr(opt.max)
    if lo or hi:
        return f"{lo} .. {hi}"
    return ""


def _tables(schema) -> list[str]:
    """One Markdown table per section of ``schema``."""
    out: list[str] = []
    for section in schema.values():
        header = f"[{section.name}.<name>]" if section.repeated else f"[{section.name}]"
        out += [f"## `{header}`", "", section.doc, ""]
        if section.repeated and section.instance_rule:
            out += [f"Names: {section.instance_rule}.", ""]
        out += ["| setting | type | default | allowed | meaning |", "| --- | --- | --- | --- | --- |"]
        for opt in section.options:
            out.append(
                f"| `{section.name}.{opt.name}` | {opt.type.__name__} | `{_default(opt)}` | {_range(opt)} | {opt.doc} |"
            )
        out.append("")
    return out


def render() -> str:
    """Return the Markdown configuration reference."""
    out = [
        "# Configuration reference",
        "",
        "The appliance, the firmware bridge and the sync client read one TOML file: `--config`,",
        "else `$APPLIANCE_CONFIG`, else `<data dir>/appliance.toml`, else",
        "`/etc/border-appliance/appliance.toml`; with no file every default applies. Every",
        "setting is typed and range-checked, and an unknown section or key is a typo that stops",
        "start-up with a message naming it.",
        "",
        "This page is generated from `appliance/config/sections.py` by",
        "`python -m appliance.config.docs > docs/configuration.md`.",
        "",
    ]
    out += _tables(SCHEMA)
    out += [
        "# Hub settings (`hub.toml`)",
        "",
        "The central hub (`screening-hub`) reads `<hub data dir>/hub.toml`, written with every",
        "default by `screening-hub init`. The same rules apply: typed, range-checked, and an",
        "unknown section or key stops every `screening-hub` command.",
        "",
    ]
    out += _tables(HUB_SCHEMA)
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
