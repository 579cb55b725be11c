"""Configuration from the console: show it, validate changes (unknown keys fail), test new ports, save."""

from __future__ import annotations

import logging
import os
import time
import tomllib
from pathlib import Path

import tomli_w

from ..config import SCHEMA, Config, ConfigError
from ..config.schema import validate
from .errors import Unavailable, ValidationError

log = logging.getLogger(__name__)

#: Settings whose values are never shown.
SECRET_OPTIONS = {("bridge", "token")}


def config_path(ctx) -> Path:
    """The file the configuration is read from and saved to."""
    return Path(ctx.config.path) if ctx.config.path else ctx.data_dir / "appliance.toml"


def _raw(ctx) -> dict:
    path = config_path(ctx)
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, OSError) as exc:
        raise ValidationError(f"{path}: cannot read the current file: {exc}", code="invalid_config") from None


def _mask(values: dict) -> dict:
    out = {}
    for section, opts in values.items():
        if isinstance(opts, dict):
            out[section] = {k: ("********" if (section, k) in SECRET_OPTIONS and v else v) for k, v in opts.items()}
        else:
            out[section] = opts
    return out


def describe(ctx) -> dict:
    """Current values (secrets masked), the file path, and each setting's type, range and doc."""
    schema = []
    for section in SCHEMA.values():
        for opt in section.options:
            schema.append({
                "key": f"{section.name}.{opt.name}", "section": section.name, "option": opt.name,
                "type": opt.type.__name__, "default": None if opt.required else (str(opt.default) if isinstance(opt.default, Path) else opt.default),
                "doc": opt.doc, "min": opt.min, "max": opt.max, "choices": list(opt.choices) if opt.choices else None,
                "repeated": section.repeated,
            })
    return {"path": str(config_path(ctx)), "settings": _mask(ctx.config.as_dict()), "schema": schema}


def _merge(raw: dict, changes: dict) -> dict:
    """Lay ``changes`` over the file's tables; a null value removes the key (or lane)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in raw.items()}
    for section, values in changes.items():
        if not isinstance(values, dict):
            raise ValidationError(f"[{section}] must be an object of settings", code="invalid_config")
        target = dict(out.get(section, {}))
        for key, value in values.items():
            if value is None:
                target.pop(key, None)
            elif SCHEMA.get(section) is not None and SCHEMA[section].repeated:
                if not isinstance(value, dict):
                    raise ValidationError(f"[{section}.{key}] must be an object of settings", code="invalid_config")
                lane = dict(target.get(key, {}))
                for k, v in value.items():
                    if v is None:
                        lane.pop(k, None)
                    else:
                        lane[k] = v
                target[key] = lane
            else:
                target[key] = value
        out[section] = target
    return out


def _changed(old: dict, new: dict) -> list[str]:
    keys = []
    for section in sorted(set(old) | set(new)):
        a, b = old.get(section, {}), new.get(section, {})
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                keys.append(f"{section}.{k}")
    return keys


def update(ctx, changes: dict) -> dict:
    """Validate and save changed settings; ports of new or changed lanes must answer first."""
    raw = _raw(ctx)
    merged = _merge(raw, changes)
    try:
        values = validate(merged, SCHEMA)
    except ConfigError as exc:
        raise ValidationError(str(exc), code="invalid_config") from None
    old_lanes = ctx.config.lanes
    tests = {}
    for name, lane in values.get("lanes", {}).items():
        port = lane.get("port")
        if port and (name not in old_lanes or old_lanes[name].get("port") != port or old_lanes[name].get("baud") != lane.get("baud")):
            result = test_port(lane, seconds=1.0)
            tests[name] = result
            if not result["ok"]:
                raise ValidationError(f"lanes.{name}.port: {result['detail']}; nothing was saved", code="port_test_failed", port_test=result)
    changed = _changed(raw, merged)
    path = config_path(ctx)
    if changed:
        tmp = path.with_suffix(".toml.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(tomli_w.dumps(merged), encoding="utf-8")
            _keep_mode(path, tmp)
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise Unavailable(f"{path}: cannot save the configuration: {exc.strerror}", code="config_not_writable") from None
        values["appliance"]["data_dir"] = ctx.config["appliance"]["data_dir"]
        ctx.config = Config(values, path)
        log.info("configuration changed: %s", ", ".join(changed))
    return {"path": str(path), "changed": changed, "port_tests": tests,
            "restart_needed": any(k.split(".")[0] in ("server", "lanes", "bridge") for k in changed)}


def test_port(settings: dict, seconds: float = 2.0) -> dict:
    """Open a serial port (URL or device path) with lane settings and read for ``seconds``."""
    import serial

    port = settings.get("port")
    if not isinstance(port, str) or not port:
        raise ValidationError("port is required", code="invalid_request")
    known = {o.name for o in SCHEMA["lanes"].options} | {"seconds"}
    unknown = set(settings) - known
    if unknown:
        raise ValidationError(f"unknown setting(s): {', '.join(sorted(unknown))}", code="invalid_config")
    try:
        lane = SCHEMA["lanes"].build("lanes.test", {k: v for k, v in settings.items() if k != "seconds"})
    except ConfigError as exc:
        raise ValidationError(str(exc), code="invalid_config") from None
    t0 = time.monotonic()
    try:
        ser = serial.serial_for_url(port, baudrate=lane["baud"], bytesize=lane["bytesize"], parity=lane["parity"],
                                    stopbits=lane["stopbits"], timeout=0.1, do_not_open=True)
        ser.dtr, ser.rts = lane["dtr"], lane["rts"]
        ser.open()
    except (serial.SerialException, OSError, ValueError) as exc:
        return {"ok": False, "port": port, "detail": f"cannot open: {exc}", "bytes": 0}
    got = 0
    try:
        while time.monotonic() - t0 < seconds:
            got += len(ser.read(4096))
    except (serial.SerialException, OSError) as exc:
        return {"ok": False, "port": port, "detail": f"read failed: {exc}", "bytes": got}
    finally:
        ser.close()
    detail = f"opened and read for {seconds:g} s: {got} bytes" + ("" if got else " (no document presented)")
    return {"ok": True, "port": port, "detail": detail, "bytes": got}


def _keep_mode(path, tmp) -> None:
    """Give the new file the old one's mode and group, so the bridge can still read it."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        os.chmod(tmp, 0o640)
        return
    os.chmod(tmp, st.st_mode & 0o7777)
    try:
        os.chown(tmp, -1, st.st_gid)
    except PermissionError:
        pass
