"""docs/bridge.md documents every firmware-bridge command, option and bridge setting."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from appliance.config.sections import BRIDGE, LANES
from firmware_bridge.cli import cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "bridge.md"
TEXT = re.sub(r"\s+", " ", DOC.read_text(encoding="utf-8"))


def commands():
    ctx = click.Context(cli, info_name="firmware-bridge")
    for name in cli.list_commands(ctx):
        yield name, cli.get_command(ctx, name)


@pytest.mark.parametrize("name,command", list(commands()), ids=[n for n, _ in commands()])
def test_command_and_its_options_are_documented(name, command):
    assert f"firmware-bridge {name}" in TEXT
    for param in command.params:
        for opt in param.opts + param.secondary_opts:
            if opt.startswith("--") and opt != "--help":
                assert opt in TEXT, f"firmware-bridge {name} {opt} is not in docs/bridge.md"


def test_global_options_are_documented():
    for param in cli.params:
        for opt in param.opts:
            if opt.startswith("--") and opt not in ("--help", "--version"):
                assert opt in TEXT


@pytest.mark.parametrize("section", [BRIDGE, LANES], ids=["bridge", "lanes"])
def test_every_setting_is_documented(section):
    missing = [f"{section.name}.{o.name}" for o in section.options if f"`{section.name}.{o.name}`" not in TEXT]
    assert not missing, f"undocumented settings: {missing}"


def test_every_profile_is_documented():
    from firmware_bridge.profiles import PROFILES

    for name in PROFILES:
        assert f"| `{name}` |" in TEXT
