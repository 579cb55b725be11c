"""systemd units: they verify, they are hardened, and no unit can take another down."""

from __future__ import annotations

import re
import subprocess

import pytest

from .units import LONG_RUNNING, SYSTEMD_DIR, directives, have_systemd_analyze, rewritten_copy, unit_files

pytestmark = pytest.mark.skipif(not have_systemd_analyze(), reason="systemd-analyze is not installed")

MAX_EXPOSURE = 2.5


@pytest.fixture(scope="module")
def unit_dir(tmp_path_factory):
    """The units with their ExecStart binaries pointing at this checkout's .venv."""
    return rewritten_copy(tmp_path_factory.mktemp("units"))


def test_every_unit_verifies(unit_dir):
    """`systemd-analyze verify` accepts every unit (and the template as an instance)."""
    units = [str(unit_dir / p.name) for p in unit_files()]
    units.append(str(unit_dir / "firmware-bridge@lane1.service"))
    (unit_dir / "firmware-bridge@lane1.service").symlink_to(unit_dir / "firmware-bridge@.service")
    out = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, cwd=unit_dir, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip() == "", out.stderr


def test_verify_catches_a_missing_binary(tmp_path):
    """The verification is real: an ExecStart that does not exist fails it."""
    bad = tmp_path / "broken.service"
    bad.write_text("[Service]\nExecStart=/nonexistent/appliance serve\n")
    out = subprocess.run(["systemd-analyze", "verify", str(bad)], capture_output=True, text=True, timeout=60)
    assert "is not executable" in out.stderr


@pytest.mark.parametrize("unit", LONG_RUNNING)
def test_long_running_services_are_hardened(unit_dir, unit):
    """Exposure of every long-running service is at most 2.5 (`systemd-analyze security`)."""
    out = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", "--no-pager", str(unit_dir / unit)],
        capture_output=True, text=True, cwd=unit_dir, timeout=60,
    )
    m = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)", out.stdout + out.stderr)
    assert m, out.stdout + out.stderr
    assert float(m.group(1)) <= MAX_EXPOSURE, out.stdout


def test_all_services_run_unprivileged_with_a_sandbox():
    """Every service has a dedicated user, an empty capability set and the core sandbox."""
    for unit in SYSTEMD_DIR.glob("*.service"):
        d = dict(directives(unit))
        assert d.get("User") in ("border-appliance", "border-bridge", "screening-hub"), unit.name
        for key, value in {
            "CapabilityBoundingSet": "", "NoNewPrivileges": "yes", "ProtectSystem": "strict",
            "ProtectHome": "yes", "PrivateTmp": "yes", "LockPersonality": "yes",
            "MemoryDenyWriteExecute": "yes", "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
        }.items():
            assert d.get(key) == value, f"{unit.name}: {key}={d.get(key)!r}"
        assert "ReadWritePaths" in d and d.get("RestrictAddressFamilies"), unit.name
        assert any(k == "SystemCallFilter" for k, _ in directives(unit)), unit.name


def test_bridge_reaches_serial_devices_only():
    """The bridge: dialout, serial device classes only, loopback network only."""
    for name in ("firmware-bridge.service", "firmware-bridge@.service"):
        pairs = directives(SYSTEMD_DIR / name)
        d = dict(pairs)
        assert d["SupplementaryGroups"] == "dialout"
        assert d["DevicePolicy"] == "closed"
        allowed = [v for k, v in pairs if k == "DeviceAllow"]
        assert allowed and all(v.startswith("char-tty") for v in allowed), allowed
        assert d["IPAddressDeny"] == "any" and d["IPAddressAllow"] == "localhost"
    for unit in SYSTEMD_DIR.glob("*.service"):
        if unit.name.startswith("firmware-bridge"):
            continue
        pairs = directives(unit)
        if unit.name == "border-appliance-web.service":  # the console's "Test port": serial devices only
            assert dict(pairs)["SupplementaryGroups"] == "dialout" and dict(pairs)["DevicePolicy"] == "closed"
            assert [v for k, v in pairs if k == "DeviceAllow"] == [v for k, v in directives(SYSTEMD_DIR / "firmware-bridge.service") if k == "DeviceAllow"]
        else:
            assert dict(pairs).get("PrivateDevices") == "yes", unit.name


def test_read_write_paths_match_what_each_service_writes():
    """The web service may save the console's settings; the bridge only its queue; the rest their data."""
    rw = {u.name: " ".join(v for k, v in directives(u) if k == "ReadWritePaths").split() for u in SYSTEMD_DIR.glob("*.service")}
    assert rw["border-appliance-web.service"] == ["/var/lib/border-appliance", "-/etc/border-appliance"]
    for name in ("firmware-bridge.service", "firmware-bridge@.service"):
        env = [v for k, v in directives(SYSTEMD_DIR / name) if k == "Environment"]
        assert rw[name] == ["/var/lib/border-appliance-bridge"], name  # <data dir>/bridge-queue; watch_dir: drop-in
        assert "APPLIANCE_DATA_DIR=/var/lib/border-appliance-bridge" in env, name
    assert rw["border-appliance-backup.service"] == ["/var/lib/border-appliance", "/var/backups/border-appliance"]
    for name in ("border-appliance-sync.service", "border-appliance-sync-loop.service", "border-appliance-purge.service"):
        assert rw[name] == ["/var/lib/border-appliance"], name
    assert rw["screening-hub.service"] == ["/var/lib/screening-hub"]


def test_sync_units_never_stop_each_other():
    """A manual `appliance sync --once` run never stops the loop (the exchange lock keeps them apart)."""
    for unit in unit_files():
        assert not [v for k, v in directives(unit, "Unit") if k == "Conflicts" and "sync" in v], unit.name


def test_no_unit_can_stop_another():
    """No Requires=/BindsTo=/Requisite= between our units: a crash never stops another unit."""
    ours = {p.name for p in unit_files()}
    for unit in unit_files():
        for key, value in directives(unit, "Unit"):
            if key in ("Requires", "BindsTo", "Requisite"):
                assert not (set(value.split()) & ours), f"{unit.name}: {key}={value}"


def test_web_service_is_notify_with_a_watchdog():
    """The web service tells systemd when it is ready and is restarted when it hangs."""
    d = dict(directives(SYSTEMD_DIR / "border-appliance-web.service"))
    assert d["Type"] == "notify" and d["NotifyAccess"] == "main"
    assert int(d["WatchdogSec"]) > 0
    assert d["Restart"] == "always"


def test_timers_point_at_oneshot_services():
    """The sync, purge and backup timers start oneshot services that exist."""
    for timer in ("border-appliance-sync.timer", "border-appliance-purge.timer", "border-appliance-backup.timer"):
        service = SYSTEMD_DIR / timer.replace(".timer", ".service")
        assert dict(directives(service))["Type"] == "oneshot"
        assert directives(SYSTEMD_DIR / timer, "Timer")
