"""Files that are not usable images get a clear ImageError, never a crash, and stay untouched."""

from __future__ import annotations

import hashlib
import struct
import zlib

import pytest
from PIL import Image

from firmware_bridge.errors import BridgeError
from firmware_bridge.ocr import ImageError, read_mrz_image


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")


@pytest.fixture
def truncated_png(tmp_path):
    """A real PNG cut in half."""
    path = tmp_path / "cut.png"
    Image.new("RGB", (400, 300), (200, 50, 50)).save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


CASES = {
    "empty": (b"", "empty file"),
    "text": (b"P<UTOERIKSSON<<ANNA<MARIA\nthis is a text file\n", "not an image"),
    "huge": (_png_claiming(100_000, 100_000), "too large"),
    "garbage": (bytes(range(256)) * 40, "not an image"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file_is_a_clear_error_and_is_kept(tmp_path, name):
    data, message = CASES[name]
    path = tmp_path / f"{name}.png"
    path.write_bytes(data)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(ImageError, match=message) as info:
        read_mrz_image(path)
    assert isinstance(info.value, BridgeError)
    assert str(path) in str(info.value)
    assert path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_truncated_image(truncated_png):
    with pytest.raises(ImageError, match="corrupt or truncated|not an image"):
        read_mrz_image(truncated_png)
    assert truncated_png.exists()


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        read_mrz_image(tmp_path / "absent.jpg")
    with pytest.raises(ImageError, match="directory"):
        read_mrz_image(tmp_path)


def test_bytes_that_are_not_an_image():
    with pytest.raises(ImageError, match="image data: not an image"):
        read_mrz_image(b"%PDF-1.4 not really")


def test_an_image_without_an_mrz_is_a_read_error(tmp_path):
    path = tmp_path / "blank.png"
    Image.new("L", (640, 400), 235).save(path)
    read = read_mrz_image(path)
    assert read.status == "read_error" and read.mrz is None and read.document is None
