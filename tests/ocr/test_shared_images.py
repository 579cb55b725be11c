"""A couple of the public sample images in ../shared (skipped when it is absent)."""

from __future__ import annotations

import pytest

from firmware_bridge.ocr import read_mrz_image

ICAO_TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
ICAO_TD2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6"


@pytest.mark.shared
@pytest.mark.parametrize("name, expected", [
    ("passporteye__passport-td2.png", ICAO_TD2),
    ("passporteye__passport-td3.png", ICAO_TD3),
])
def test_shared_specimen_is_read_exactly(shared_dir, name, expected):
    read = read_mrz_image(shared_dir / "corpus" / "images" / name)
    assert read.status == "ok", read.best_guess
    assert read.mrz == expected
    assert read.document["surname"] == "ERIKSSON" and read.document["given_names"] == "ANNA MARIA"


@pytest.mark.shared
def test_shared_image_with_wrong_check_digits_is_never_valid(shared_dir):
    """ICAO_Example2 prints an MRZ whose check digits are wrong ("BAD HASHSES")."""
    read = read_mrz_image(shared_dir / "corpus" / "images" / "arg0s1080__ICAO_Example2.png")
    assert read.status == "read_error"
    assert read.mrz is None
