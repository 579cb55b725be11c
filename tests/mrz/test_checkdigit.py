"""Check-digit vectors from ICAO Doc 9303 Part 3 Appendix A and invalid inputs."""

from __future__ import annotations

import pytest

from firmware_bridge.mrz import check_digit
from firmware_bridge.mrz.checkdigit import char_value, verifies


@pytest.mark.parametrize("field,digit", [
    ("520727", "3"),
    ("AB2134<<<", "5"),
    ("HA672242<658022549601086<<<<<<<<<<<<<<0", "8"),
    ("D231458907<<<<<<<<<<<<<<<34071279507122<<<<<<<<<<<", "2"),
    ("HA672242<658022549601086<<<<<<<0", "8"),
    ("L898902C3", "6"),
    ("740812", "2"),
    ("<<<<<<", "0"),
    ("", "0"),
])
def test_icao_vectors(field, digit):
    assert check_digit(field) == digit
    assert verifies(field, digit)


@pytest.mark.parametrize("field", ["0000 0", "abc", "L898>02", "É"])
def test_characters_outside_the_mrz_set_fail(field):
    with pytest.raises(ValueError):
        check_digit(field)
    assert not verifies(field, "0")


@pytest.mark.parametrize("digit", ["<", "A", "", "10", " "])
def test_non_digit_check_never_verifies(digit):
    assert not verifies("520727", digit)


def test_char_values():
    assert [char_value(c) for c in "09AZ<"] == [0, 9, 10, 35, 0]
    with pytest.raises(ValueError):
        char_value("a")
