"""``appliance mrz read-image FILE... [--json]``."""

from __future__ import annotations

import json

from click.testing import CliRunner

from appliance.cli import cli


def test_read_image_json_one_object_per_file(imagegen, tmp_path):
    doc = imagegen.make("TD3", 1, "clean")
    good = tmp_path / "passport.png"
    doc.image.save(good)
    bad = tmp_path / "notes.txt"
    bad.write_text("not an image\n")
    result = CliRunner().invoke(cli, ["mrz", "read-image", "--json", str(good), str(bad)])
    assert result.exit_code == 65, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(lines) == 2
    first, second = lines
    assert first["file"] == str(good) and first["valid"] is True and first["status"] == "valid"
    assert first["mrz"] == doc.mrz and first["elapsed_ms"] > 0
    assert first["surname"] == doc.fields["surname"]
    assert set(first) >= {"valid", "status", "format", "document_number", "checks", "warnings", "errors"}
    assert second == {"file": str(bad), "valid": False, "status": "error",
                      "error": f"{bad}: not an image (or an unsupported image format)"}
    assert bad.exists()


def test_read_image_text_output(imagegen, tmp_path):
    doc = imagegen.make("TD2", 1, "clean")
    good = tmp_path / "card.png"
    doc.image.save(good)
    result = CliRunner().invoke(cli, ["mrz", "read-image", str(good)])
    assert result.exit_code == 0, result.output
    assert f"{good}: VALID TD2" in result.stdout
    for line in doc.mrz.split("\n"):
        assert line in result.stdout


def test_read_image_missing_file_is_an_error_not_a_traceback(tmp_path):
    result = CliRunner().invoke(cli, ["mrz", "read-image", str(tmp_path / "nope.jpg")])
    assert result.exit_code == 65
    assert "no such file" in result.stderr
    assert "Traceback" not in result.output
