"""``appliance sync`` from a user's side: wrong arguments give one clear line, never a traceback."""

from __future__ import annotations

import logging

import pytest

from appliance.cli import cli, run


def appliance(capsys, *args) -> tuple[int, str]:
    """Run ``appliance ARGS`` through the real edge (``appliance.cli.run``); return (exit code, stderr)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        with pytest.raises(SystemExit) as exit_info:
            run(cli, list(args), prog_name="appliance")
    finally:  # the command configures logging on the captured stderr: leave none of it behind
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
    return exit_info.value.code, capsys.readouterr().err


@pytest.mark.parametrize("ack", ["9" * 30, "\u00b2", "-1", "one"])
def test_alarm_numbers_out_of_range_are_usage_errors(data_dir, capsys, ack):
    code, err = appliance(capsys, "sync", "alarms", "--ack", ack)
    assert code == 2 and "--ack takes an alarm number" in err and "Traceback" not in err


def test_sync_before_enrollment_and_bad_enroll_arguments(data_dir, capsys):
    code, err = appliance(capsys, "sync", "--once")
    assert code == 2 and "not enrolled" in err
    code, err = appliance(capsys, "sync", "enroll", "--hub", "ftp://hub", "--token", "enr_x", "--hub-key", "x")
    assert code != 0 and err.startswith("error: ") and "Traceback" not in err
    code, err = appliance(capsys, "sync", "enroll", "--hub", "http://[::1", "--token", "enr_x",
                          "--hub-key", "ed25519:rMbIIdCWxG1RELz4/xn2YctJAMbn0ZhakSB7+L1dGCI=")
    assert code == 3 and "is not a valid http:// or https:// address" in err and "Traceback" not in err
