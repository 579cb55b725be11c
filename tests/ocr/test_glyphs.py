"""The OCR-B glyph recogniser on lines rendered from the font: grid, baseline and cell fit."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from firmware_bridge.ocr import glyphs

pytestmark = pytest.mark.skipif(glyphs.font_path() is None, reason="OCR-B font (fonts-ocr-b) not installed")

NAME = "VAN<DER<BERG<<ERIK<<<<<<<<<<<<"
DATA = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"


def _line(text: str, pitch: float, tilt_deg: float = 0.0, hatch: bool = False) -> np.ndarray:
    """``text`` drawn at ``pitch`` pixels per character, dark on light, optionally tilted."""
    font = ImageFont.truetype(glyphs.font_path(), round(pitch * 100 / 72.3))
    width, height = int(pitch * (len(text) + 4)), int(pitch * 2.2)
    img = Image.new("L", (width, height), 235)
    draw = ImageDraw.Draw(img)
    if hatch:  # faint diagonal background lines, as on a document's security print
        for x in range(0, width + height, 7):
            draw.line([(x, 0), (x - height, height)], fill=205, width=1)
    for j, ch in enumerate(text):
        draw.text((2 * pitch + j * pitch, pitch * 0.3), ch, fill=20, font=font)
    if tilt_deg:
        img = img.rotate(tilt_deg, resample=Image.Resampling.BICUBIC, fillcolor=235)
    return np.asarray(img)


@pytest.mark.parametrize("pitch", [14, 21, 30])
@pytest.mark.parametrize("text", [NAME, DATA])
def test_clean_lines_are_read_exactly(text, pitch):
    read = glyphs.read_line(_line(text, pitch), len(text))
    assert read is not None
    assert read.text == text
    assert len(read.alternatives) == len(text)


def test_small_print_is_right_within_each_position_class():
    # at 11 px per character OCR-B's 0 and O differ by a pixel; the position's class settles it
    read = glyphs.read_line(_line(DATA, 11), len(DATA))
    assert read is not None
    assert read.best_of(13, 20, "0123456789") == "7408122"
    assert read.best_of(10, 13, "ABCDEFGHIJKLMNOPQRSTUVWXYZ<") == "UTO"
    assert sum(a != b for a, b in zip(read.text, DATA)) <= 6


def test_tilted_line_on_a_patterned_background():
    read = glyphs.read_line(_line(DATA, 18, tilt_deg=0.8, hatch=True), len(DATA))
    assert read is not None
    wrong = sum(a != b for a, b in zip(read.text, DATA))
    assert wrong <= 1, read.text


def test_fillers_are_told_from_k():
    read = glyphs.read_line(_line("K<K<<KK<<<", 20), 10)
    assert read is not None and read.text == "K<K<<KK<<<"


def test_blank_or_tiny_input_gives_none():
    assert glyphs.read_line(np.full((30, 300), 240, np.uint8), 30) is None
    assert glyphs.read_line(np.zeros((0, 0), np.uint8), 30) is None
