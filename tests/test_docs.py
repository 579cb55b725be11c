"""Docs tests: every setting and every command is documented."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import click
import pytest

from appliance.config import SCHEMA
from appliance.config.docs import render

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

#: console script -> module holding its click group
CONSOLE_SCRIPTS = {
    "appliance": "appliance.cli",
    "firmware-bridge": "firmware_bridge.cli",
    "screening-hub": "sync.hub.cli",
}


def all_docs_text() -> str:
    parts = [(ROOT / "README.md").read_text(encoding="utf-8")]
    parts += [p.read_text(encoding="utf-8") for p in sorted(DOCS.rglob("*.md"))]
    return re.sub(r"\s+", " ", "\n".join(parts))


def test_every_option_has_a_one_line_doc():
    for section in SCHEMA.values():
        assert section.doc
        for opt in section.options:
            assert opt.doc and "\n" not in opt.doc, f"{section.name}.{opt.name} has no doc"


def test_configuration_reference_is_up_to_date():
    current = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert current == render(), "run: python -m appliance.config.docs > docs/configuration.md"


def root_group(module_name: str) -> click.Group | None:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    groups = [v for v in vars(module).values() if isinstance(v, click.Group)]
    if not groups:
        return None
    return max(groups, key=lambda g: len(g.list_commands(click.Context(g))))


def command_paths(prog: str, group: click.Group):
    ctx = click.Context(group, info_name=prog)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if cmd is None or getattr(cmd, "hidden", False):
            continue
        path = f"{prog} {name}"
        yield path
        if isinstance(cmd, click.Group):
            yield from command_paths(path, cmd)


@pytest.mark.parametrize("prog", sorted(CONSOLE_SCRIPTS))
def test_every_command_is_documented(prog):
    group = root_group(CONSOLE_SCRIPTS[prog])
    if group is None:
        pytest.skip(f"{prog} is not part of this build")
    text = all_docs_text()
    missing = [p for p in command_paths(prog, group) if p not in text]
    assert not missing, f"undocumented commands (write them in docs/): {missing}"
