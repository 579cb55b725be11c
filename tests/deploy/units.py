"""Helpers for the deployment tests: read unit files and rewrite them for this checkout."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SYSTEMD_DIR = ROOT / "systemd"
VENV_BIN = ROOT / ".venv" / "bin"
INSTALLED_BINS = ("/opt/border-appliance/venv/bin/", "/opt/screening-hub/venv/bin/")

#: Services that keep running (the exposure limit applies to them); the rest are oneshots.
LONG_RUNNING = (
    "border-appliance-web.service",
    "firmware-bridge.service",
    "firmware-bridge@lane1.service",
    "border-appliance-sync-loop.service",
    "screening-hub.service",
)


def unit_files() -> list[Path]:
    """Every unit shipped in systemd/."""
    return sorted(p for p in SYSTEMD_DIR.iterdir() if p.suffix in (".service", ".timer", ".target", ".socket", ".path"))


def rewrite(text: str) -> str:
    """A unit's text with the installed venv paths pointing at this checkout's .venv."""
    for prefix in INSTALLED_BINS:
        text = text.replace(prefix, f"{VENV_BIN}/")
    return text


def rewritten_copy(dest: Path) -> Path:
    """Copy every unit into ``dest`` with rewritten paths; return ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for unit in unit_files():
        (dest / unit.name).write_text(rewrite(unit.read_text()))
    return dest


def directives(path: Path, section: str = "Service") -> list[tuple[str, str]]:
    """(key, value) pairs of one section, in order, continuation lines joined."""
    out: list[tuple[str, str]] = []
    current = None
    pending = ""
    for raw in path.read_text().splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line.startswith(("#", ";")):
            continue
        m = re.match(r"^\[(.+)\]$", line)
        if m:
            current = m.group(1)
            continue
        if current == section and "=" in line:
            key, value = line.split("=", 1)
            out.append((key.strip(), value.strip()))
    return out


def service_command(path: Path, *, instance: str = "", env_overrides: dict | None = None) -> tuple[list[str], dict[str, str]]:
    """The ExecStart argv (rewritten to this checkout) and the Environment= of a service."""
    env: dict[str, str] = {}
    exec_start = None
    for key, value in directives(path):
        if key == "Environment":
            for item in shlex.split(value):
                k, _, v = item.partition("=")
                env[k] = v
        elif key == "ExecStart":
            exec_start = value
    assert exec_start, f"{path.name} has no ExecStart"
    env.update(env_overrides or {})
    exec_start = exec_start.replace("%i", instance).replace("%I", instance)
    exec_start = re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), ""), exec_start)
    argv = shlex.split(rewrite(exec_start.lstrip("-@:+!")))
    return argv, env


def have_systemd_analyze() -> bool:
    """True when systemd-analyze is installed."""
    return shutil.which("systemd-analyze") is not None
