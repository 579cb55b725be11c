"""The configuration framework: typed, range-checked, unknown keys fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance.config import ConfigError, load_config, resolve_data_dir


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "appliance.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_without_a_file(data_dir):
    cfg = load_config()
    assert cfg.path is None
    assert cfg["screening"]["hit_threshold"] == 0.90
    assert cfg["appliance"]["data_dir"] == data_dir
    assert cfg.lanes == {}


def test_file_in_data_dir_is_read_and_lanes_get_defaults(data_dir):
    write(data_dir, '[lanes.north]\nport = "loop://"\nprofile = "rte"\n[server]\nport = 9000\n')
    cfg = load_config()
    assert cfg.path == data_dir / "appliance.toml"
    assert cfg["server"]["port"] == 9000
    assert cfg.lanes["north"]["profile"] == "rte"
    assert cfg.lanes["north"]["baud"] == 9600


@pytest.mark.parametrize(
    "text, message",
    [
        ("[screening]\nhit_treshold = 0.9\n", "screening.hit_treshold: unknown setting"),
        ("[screeening]\n", "[screeening]: unknown section"),
        ("[server]\nport = 70000\n", "above the maximum"),
        ("[server]\nport = \"80\"\n", "expected a whole number"),
        ("[lanes.a]\nprofile = \"zebra\"\n", "is not one of"),
        ("[lanes.a]\nbaud = 9601\n", "is not one of"),
        ("[security]\nlogin_max_failures = 0\n", "below the minimum"),
        ("[server\nport = 1\n", "not valid TOML"),
        ("[screening]\nexpired_is_invalid = 1\n", "expected true or false"),
        ('[lanes."north gate"]\nport = "loop://"\n', "[lanes.north gate]: unusable name"),
        ("[lanes._x]\n", "unusable name"),
    ],
)
def test_bad_files_fail_at_start_up_with_the_key_named(tmp_path, text, message):
    with pytest.raises(ConfigError, match=None) as info:
        load_config(write(tmp_path, text))
    assert message in str(info.value)


def test_explicit_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_non_utf8_file_is_a_clear_error(tmp_path):
    p = tmp_path / "appliance.toml"
    p.write_bytes(b"[server]\nhost = \"\xff\xfe\"\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(p)


def test_data_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.delenv("APPLIANCE_CONFIG", raising=False)
    monkeypatch.setenv("APPLIANCE_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir(tmp_path / "flag") == tmp_path / "flag"
    assert resolve_data_dir() == tmp_path / "env"
    cfg_file = write(tmp_path, f'[appliance]\ndata_dir = "{tmp_path / "conf"}"\n')
    monkeypatch.delenv("APPLIANCE_DATA_DIR")
    monkeypatch.setenv("APPLIANCE_CONFIG", str(cfg_file))
    assert resolve_data_dir() == tmp_path / "conf"


def test_as_dict_round_trips_through_toml(data_dir):
    import tomli_w

    cfg = load_config(overrides={"lanes": {"a": {"port": "loop://"}}})
    text = tomli_w.dumps(cfg.as_dict())
    again = load_config(write(data_dir, text))
    assert again.as_dict() == cfg.as_dict()
