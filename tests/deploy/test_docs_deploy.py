"""docs/deployment.md names every unit, installer option, installed path and metric."""

from __future__ import annotations

import re

from .conftest import ScanWriter
from .units import ROOT, unit_files

DOC = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")


def test_every_unit_is_documented():
    """Each file in systemd/ appears in the deployment guide."""
    missing = [u.name for u in unit_files() if f"`{u.name}`" not in DOC]
    assert not missing, missing


def test_every_installer_option_is_documented():
    """Each option in the installers' usage text appears in the guide."""
    for script in ("install-appliance", "install-hub"):
        header = (ROOT / "scripts" / script).read_text().split("set -euo pipefail")[0]
        options = set(re.findall(r"(--[a-z][a-z-]+)", header)) - {"--component", "--help"}
        missing = [o for o in sorted(options) if f"`{o}" not in DOC and f" {o}`" not in DOC]
        assert not missing, (script, missing)


def test_every_installed_path_is_documented():
    """Each absolute path the installer and the units use appears in the guide."""
    text = (ROOT / "scripts" / "install-appliance").read_text()
    text += "".join(u.read_text() for u in unit_files())
    paths = set(re.findall(r"(?<![\w$])(/(?:etc|opt|var|usr/local)/[\w./-]+[\w])", text))
    system = {"/etc/group", "/etc/passwd", "/etc/os-release"}  # read, not installed
    wants = "/etc/systemd/system/*.wants/"  # documented as the folders of enable links
    missing = [p for p in sorted(paths - system) if p not in DOC and not (p == "/etc/systemd/system" and wants in DOC)]
    assert not missing, missing


def test_every_metric_is_documented(data_dir):
    """Each metric family a scrape returns is described in the guide."""
    from prometheus_client.parser import text_string_to_metric_families

    from .test_metrics import make_app

    writer = ScanWriter(data_dir)
    app = make_app(data_dir, {"lanes": {"lane1": {"port": "/dev/mrz-lane1"}}})
    try:
        writer.write_one(1)
        body = app.test_client().get("/metrics").data.decode()
    finally:
        app.extensions["appliance"].close()
        writer.stop()
    names = {f.name for f in text_string_to_metric_families(body)}
    missing = [n for n in sorted(names) if n not in DOC and f"{n}_total" not in DOC]
    assert not missing, missing
