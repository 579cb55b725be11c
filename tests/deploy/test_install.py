"""scripts/install-appliance and scripts/install-hub into throwaway roots, checked file by file."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from .units import ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which("systemctl") and shutil.which("systemd-sysusers")),
                       reason="systemctl and systemd-sysusers are needed"),
]

UNIT_DIR = "usr/local/lib/systemd/system"
WANTS = "etc/systemd/system"
APPLIANCE_UNITS = sorted(p.name for p in (ROOT / "systemd").iterdir() if not p.name.startswith("screening-hub"))


SOURCE: Path | None = None


@pytest.fixture(scope="module", autouse=True)
def source(tmp_path_factory) -> Path:
    """A frozen copy of the checkout (others may edit it while the tests run); installs come from it."""
    global SOURCE
    src = tmp_path_factory.mktemp("source")
    subprocess.run(f"tar -C {ROOT} --exclude=./.git --exclude=./.venv --exclude='*.egg-info' --exclude=./build "
                   f"--exclude=__pycache__ --exclude=.pytest_cache -cf - . | tar -C {src} -xf -",
                   shell=True, check=True, timeout=120)
    SOURCE = src
    yield src
    SOURCE = None


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory) -> Path:
    """Where the first install's wheel is kept for the hub's install (offline, quick)."""
    return tmp_path_factory.mktemp("wheelhouse")


@pytest.fixture(scope="module")
def appliance_root(tmp_path_factory, wheelhouse):
    """One installation of the appliance into a throwaway root, built from this checkout's source."""
    root = tmp_path_factory.mktemp("root")
    install(root)
    for wheel in (root / "opt/border-appliance/wheels").glob("*.whl"):
        shutil.copy(wheel, wheelhouse)
    return root


def install(root: Path, *args: str, script: str = "install-appliance") -> subprocess.CompletedProcess:
    """Run an install script into ``root`` (no dependencies: the venv is checked, not used)."""
    out = subprocess.run(
        [str(SOURCE / "scripts" / script), "--root", str(root), "--no-deps", "--no-venv-pip", "--python", sys.executable, *args],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return out


def ids(root: Path, name: str, db: str = "passwd") -> int | None:
    """Numeric id of a user (or group) in the root's /etc files."""
    for line in (root / "etc" / db).read_text().splitlines():
        f = line.split(":")
        if f[0] == name:
            return int(f[2])
    return None


def members(root: Path, group: str) -> set[str]:
    for line in (root / "etc" / "group").read_text().splitlines():
        f = line.split(":")
        if f[0] == group:
            return set(filter(None, f[3].split(",")))
    return set()


def tree(root: Path) -> dict[str, tuple]:
    """Every path outside the venv's site-packages: (type, mode, uid, gid, sha256)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        dirnames[:] = [d for d in dirnames if not (rel_dir.as_posix().endswith("venv") and d == "lib")]
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = p.relative_to(root).as_posix()
            st = p.lstat()
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", oct(st.st_mode & 0o7777), st.st_uid, st.st_gid)
            else:
                digest = "" if rel.endswith(("INSTALLED", ".pwd.lock")) else hashlib.sha256(p.read_bytes()).hexdigest()
                out[rel] = ("file", oct(st.st_mode & 0o7777), st.st_uid, st.st_gid, digest)
    return out


def mode(root: Path, rel: str) -> tuple[int, int, int]:
    st = (root / rel).stat()
    return stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid


def test_users_and_groups(appliance_root):
    """Dedicated system users; the bridge is in dialout (readers) and border-appliance (config)."""
    r = appliance_root
    assert ids(r, "border-appliance") is not None and ids(r, "border-bridge") is not None
    assert members(r, "dialout") == {"border-bridge"}
    assert members(r, "border-appliance") == {"border-bridge"}
    for line in (r / "etc/passwd").read_text().splitlines():
        assert line.endswith(":/usr/sbin/nologin")
    assert (r / "usr/local/lib/sysusers.d/border-appliance.conf").is_file()


def test_files_in_place(appliance_root):
    """venv, docs, config, data, units and udev rules, each with its owner and mode."""
    r = appliance_root
    ba, bb = ids(r, "border-appliance"), ids(r, "border-bridge")
    bag = ids(r, "border-appliance", "group")
    venv = r / "opt/border-appliance/venv"
    for exe in ("appliance", "firmware-bridge", "python"):
        assert os.access(venv / "bin" / exe, os.X_OK), exe
    assert (venv / "bin/appliance").read_text().splitlines()[0] == "#!/opt/border-appliance/venv/bin/python"
    assert str(r) not in (venv / "bin/activate").read_text()
    assert (r / "opt/border-appliance/docs/deployment.md").read_text() == (SOURCE / "docs/deployment.md").read_text()
    assert "component=appliance" in (r / "opt/border-appliance/INSTALLED").read_text()
    assert [w.name for w in (r / "opt/border-appliance/wheels").iterdir()] == ["border_screening_appliance-0.1.0-py3-none-any.whl"]
    assert (r / "opt/border-appliance/.installed-from").read_text().startswith("source ")
    # the console saves settings (web service, group border-appliance); new files keep the group
    assert mode(r, "etc/border-appliance") == (0o2770, 0, bag)
    assert mode(r, "etc/border-appliance/appliance.toml") == (0o660, 0, bag)
    assert mode(r, "etc/border-appliance/bridge.token") == (0o640, 0, ids(r, "border-bridge", "group"))
    assert mode(r, "var/lib/border-appliance") == (0o700, ba, bag)
    assert mode(r, "var/lib/border-appliance-bridge")[:2] == (0o700, bb)
    assert mode(r, "var/backups/border-appliance") == (0o700, ba, bag)
    for unit in APPLIANCE_UNITS:
        assert (r / UNIT_DIR / unit).read_bytes() == (SOURCE / "systemd" / unit).read_bytes(), unit
        assert mode(r, f"{UNIT_DIR}/{unit}") == (0o644, 0, 0)
    assert not (r / UNIT_DIR / "screening-hub.service").exists()
    assert (r / "etc/udev/rules.d/60-mrz-readers.rules").read_bytes() == (SOURCE / "udev/60-mrz-readers.rules").read_bytes()
    assert "Generated by" in (r / "etc/udev/rules.d/61-mrz-lanes.rules").read_text()


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv to act as the users")
def test_a_setting_saved_by_the_console_stays_readable_to_the_bridge(appliance_root):
    """As the web service (its user and UMask=) the configuration is replaced the way the console
    saves it; the bridge (through the border-appliance group) still reads it, other users do not."""
    from .units import directives

    r = appliance_root
    # a copy of the installed folder (owners and modes kept) where the users can reach it
    # (pytest's own tmp dirs are private to root)
    box = Path(tempfile.mkdtemp(prefix="console-save-", dir="/tmp"))
    os.chmod(box, 0o755)
    subprocess.run(["cp", "-a", str(r / "etc/border-appliance"), str(box)], check=True, timeout=30)
    cfg = box / "border-appliance/appliance.toml"
    saved = cfg.read_bytes()
    umask = dict(directives(ROOT / "systemd/border-appliance-web.service"))["UMask"]
    ba, bb, bag = ids(r, "border-appliance"), ids(r, "border-bridge"), ids(r, "border-appliance", "group")
    save = ("import os, pathlib, sys; p = pathlib.Path(sys.argv[1]); t = p.with_suffix('.toml.tmp'); "
            "t.write_bytes(p.read_bytes()); os.replace(t, p)")
    try:
        subprocess.run(["setpriv", f"--reuid={ba}", f"--regid={bag}", "--clear-groups", "sh", "-c",
                        f'umask {umask}; exec /usr/bin/python3 -c "$0" "$1"', save, str(cfg)], check=True, timeout=30)
        assert mode(box, "border-appliance/appliance.toml") == (0o640, ba, bag)
        as_bridge = subprocess.run(["setpriv", f"--reuid={bb}", f"--regid={bb}", f"--groups={bag}", "cat", str(cfg)],
                                   capture_output=True, timeout=30)
        assert as_bridge.returncode == 0 and as_bridge.stdout == saved
        other = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "cat", str(cfg)],
                               capture_output=True, timeout=30)
        assert other.returncode != 0
    finally:
        shutil.rmtree(box)


def test_installed_units_verify_inside_the_root(appliance_root, tmp_path):
    """`systemd-analyze verify --root` on the installed units: their ExecStart binaries exist in the root."""
    if not shutil.which("systemd-analyze") or not Path("/lib/systemd/system/sysinit.target").exists():
        pytest.skip("systemd-analyze and the system's units are needed")
    r = appliance_root
    system = r / "usr/lib/systemd/system"
    if not system.exists():  # the base system a real root would have
        shutil.copytree("/lib/systemd/system", system, symlinks=True)
    units = sorted(str(p) for p in (r / UNIT_DIR).iterdir())
    out = subprocess.run(["systemd-analyze", "verify", f"--root={r}", *units], capture_output=True, text=True,
                         cwd=r, timeout=60)
    assert out.returncode == 0 and not out.stderr.strip(), out.stderr
    shutil.rmtree(system)


def test_default_configuration_is_valid(appliance_root):
    """The configuration the installer writes loads without error and points at the installed paths."""
    from appliance.config import load_config

    cfg = load_config(appliance_root / "etc/border-appliance/appliance.toml")
    assert str(cfg["appliance"]["data_dir"]) == "/var/lib/border-appliance"
    assert str(cfg["bridge"]["token_file"]) == "/etc/border-appliance/bridge.token"


def test_units_enabled(appliance_root):
    """The target is wanted at boot and pulls the web service, the bridge, the sync loop and the timers."""
    r = appliance_root
    wants = sorted(p.name for p in (r / WANTS / "border-appliance.target.wants").iterdir())
    assert wants == ["border-appliance-backup.timer", "border-appliance-purge.timer", "border-appliance-sync-loop.service",
                     "border-appliance-web.service", "firmware-bridge.service"]
    assert (r / WANTS / "multi-user.target.wants/border-appliance.target").is_symlink()
    out = subprocess.run(["systemctl", f"--root={r}", "is-enabled", "border-appliance-sync.timer",
                          "firmware-bridge-lanes.target"], capture_output=True, text=True)
    assert out.stdout.split() == ["disabled", "disabled"]


def test_reinstall_is_idempotent_and_keeps_the_configuration(appliance_root):
    """A second run changes nothing, and a technician's configuration survives it."""
    r = appliance_root
    cfg = r / "etc/border-appliance/appliance.toml"
    cfg.write_text(cfg.read_text().replace('site_name = "Border post"', 'site_name = "North gate"'))
    before = tree(r)
    install(r)
    after = tree(r)
    assert before == after, {k: (before.get(k), after.get(k)) for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert 'site_name = "North gate"' in cfg.read_text()


def test_per_lane_timer_and_watch_dir_modes(appliance_root):
    """--per-lane enables one bridge instance per lane; --sync timer swaps the loop; image lanes' folders
    become writable for the bridge through a drop-in; and all of it back."""
    r = appliance_root
    cfg = r / "etc/border-appliance/appliance.toml"
    saved = cfg.read_text()
    cfg.write_text(saved + '[lanes.north]\nport = "/dev/serial/by-id/usb-Access_IS_OCR315-if00"\n'
                   '[lanes.south-gate]\nport = "/dev/mrz-south-gate"\n'
                   '[lanes.pages]\nwatch_dir = "/srv/scans/pages"\n[lanes.home]\nwatch_dir = "/home/clerk/scans"\n'
                   '[lanes.west]\nport = "/dev/serial/by-id/usb-FTDI-if00"\n')
    (r / "srv/scans/pages").mkdir(parents=True)
    try:
        out = install(r, "--per-lane", "--sync", "timer")
        lanes = sorted(p.name for p in (r / WANTS / "firmware-bridge-lanes.target.wants").iterdir())
        assert lanes == ["firmware-bridge@home.service", "firmware-bridge@north.service", "firmware-bridge@pages.service",
                         "firmware-bridge@south\\x2dgate.service", "firmware-bridge@west.service"]  # systemd-escape
        assert "is not valid" not in out.stdout
        wants = sorted(p.name for p in (r / WANTS / "border-appliance.target.wants").iterdir())
        assert "firmware-bridge.service" not in wants and "border-appliance-sync-loop.service" not in wants
        assert {"firmware-bridge-lanes.target", "border-appliance-sync.timer"} <= set(wants)
        assert "lane udev rules not generated" in out.stdout and "say which reader" in out.stdout  # south
        for unit in ("firmware-bridge.service", "firmware-bridge@.service"):
            dropin = r / WANTS / f"{unit}.d/50-watch-dirs.conf"
            lines = dropin.read_text().splitlines()
            assert lines[1:] == ["[Service]", "ReadWritePaths=-/srv/scans/pages", "ReadWritePaths=-/home/clerk/scans"]
            assert mode(r, f"{WANTS}/{unit}.d/50-watch-dirs.conf") == (0o644, 0, 0)
        assert "watch_dir /home/clerk/scans is hidden from the bridge" in out.stdout
        assert "watch_dir /home/clerk/scans does not exist" in out.stdout
        assert "/srv/scans/pages does not exist" not in out.stdout
    finally:
        cfg.write_text(saved)
        shutil.rmtree(r / "srv")
    install(r)  # back to one bridge for all lanes, the loop, no drop-ins
    assert not list((r / WANTS / "firmware-bridge-lanes.target.wants").glob("*"))
    wants = sorted(p.name for p in (r / WANTS / "border-appliance.target.wants").iterdir())
    assert "firmware-bridge.service" in wants and "border-appliance-sync-loop.service" in wants
    assert "border-appliance-sync.timer" not in wants
    assert not (r / WANTS / "firmware-bridge.service.d").exists()


def test_an_invalid_configuration_is_reported_at_install(appliance_root):
    """A lane name the appliance API refuses (or any bad setting) is reported by the installer."""
    r = appliance_root
    cfg = r / "etc/border-appliance/appliance.toml"
    saved = cfg.read_text()
    cfg.write_text(saved + '[lanes."west gate"]\nport = "/dev/serial/by-id/usb-FTDI-if00"\n')
    try:
        out = install(r)
        assert "appliance.toml is not valid, the services will not start" in out.stdout
        assert "[lanes.west gate]: unusable name" in out.stdout
    finally:
        cfg.write_text(saved)


def test_uninstall_keeps_data_unless_purged(appliance_root):
    """--uninstall removes programs, units and rules but keeps config and data; --purge-data removes all."""
    r = appliance_root
    (r / "var/lib/border-appliance/appliance.db").write_bytes(b"precious")
    install(r, "--uninstall")
    assert not (r / "opt/border-appliance").exists()
    assert not list((r / UNIT_DIR).iterdir())
    assert not list((r / "etc/udev/rules.d").iterdir())
    assert not (r / "usr/local/lib/sysusers.d/border-appliance.conf").exists()
    assert not [p for p in (r / WANTS).rglob("*") if p.is_symlink()]
    assert (r / "var/lib/border-appliance/appliance.db").read_bytes() == b"precious"
    assert (r / "etc/border-appliance/appliance.toml").is_file()
    assert ids(r, "border-appliance") is not None
    install(r, "--uninstall", "--purge-data")
    assert not (r / "var/lib/border-appliance").exists() and not (r / "etc/border-appliance").exists()
    assert not (r / "var/backups/border-appliance").exists()
    assert ids(r, "border-appliance") is None and ids(r, "border-bridge") is None
    assert members(r, "dialout") == set()


def test_hub_install_and_uninstall(tmp_path, wheelhouse):
    """install-hub: its user, venv, environment file, data directory and enabled service."""
    r = tmp_path / "hub"
    install(r, "--wheelhouse", str(wheelhouse), script="install-hub")
    hub = ids(r, "screening-hub")
    assert hub is not None
    assert os.access(r / "opt/screening-hub/venv/bin/screening-hub", os.X_OK)
    assert mode(r, "etc/screening-hub/hub.env") == (0o640, 0, ids(r, "screening-hub", "group"))
    assert mode(r, "var/lib/screening-hub")[:2] == (0o700, hub)
    assert (r / UNIT_DIR / "screening-hub.service").read_bytes() == (SOURCE / "systemd/screening-hub.service").read_bytes()
    assert (r / WANTS / "multi-user.target.wants/screening-hub.service").is_symlink()
    assert not (r / UNIT_DIR / "border-appliance-web.service").exists()
    install(r, "--uninstall", script="install-hub")
    assert not (r / "opt/screening-hub").exists() and (r / "var/lib/screening-hub").is_dir()


def test_bad_options_are_refused(tmp_path):
    """Unknown options and --purge-data without --uninstall fail with a message."""
    (tmp_path / "file").write_text("")
    for args in (["--bogus"], ["--purge-data"], ["--sync", "sometimes"], ["--sync"], ["--component", "x"],
                 ["--wheelhouse", str(tmp_path / "none")], ["--python", str(tmp_path / "nopython")],
                 ["--python", str(tmp_path / "file")]):
        out = subprocess.run([str(ROOT / "scripts/install-appliance"), "--root", str(tmp_path / "r"), *args],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 1 and "install: error:" in out.stderr, args
        assert not (tmp_path / "r").exists(), args  # nothing half-done
    out = subprocess.run([str(ROOT / "scripts/install-appliance"), "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "--purge-data" in out.stdout
