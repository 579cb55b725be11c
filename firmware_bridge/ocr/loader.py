"""Turning a file or bytes into a grayscale image, refusing anything unusable.

Every failure becomes an :class:`ImageError` with a message a person can act on;
the file itself is only read, never moved or changed.
"""

from __future__ import annotations

import io
import logging
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ImageError

log = logging.getLogger(__name__)

#: Files larger than this are refused before decoding.
MAX_FILE_BYTES = 40 * 1024 * 1024
#: Images with more pixels than this (or a side longer than MAX_SIDE) are refused.
MAX_PIXELS = 60_000_000
MAX_SIDE = 20_000
#: Images wider than this are scaled down before detection (speed; an MRZ stays legible).
WORK_WIDTH = 2000


def read_source(source: str | os.PathLike | bytes | bytearray) -> tuple[bytes, str]:
    """Bytes of ``source`` and a label for messages (the file name, or "image data")."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        label = "image data"
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        label = str(path)
        try:
            size = path.stat().st_size
            if path.is_dir():
                raise ImageError(f"{label}: is a directory, not an image file")
            if size > MAX_FILE_BYTES:
                raise ImageError(f"{label}: file too large ({size // (1024 * 1024)} MB; "
                                 f"the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB)")
            data = path.read_bytes()
        except FileNotFoundError:
            raise ImageError(f"{label}: no such file") from None
        except PermissionError:
            raise ImageError(f"{label}: permission denied") from None
        except IsADirectoryError:
            raise ImageError(f"{label}: is a directory, not an image file") from None
        except OSError as exc:
            raise ImageError(f"{label}: cannot be read ({exc.strerror or exc})") from None
    else:
        raise ImageError(f"unsupported image source of type {type(source).__name__}")
    if not data:
        raise ImageError(f"{label}: empty file")
    if len(data) > MAX_FILE_BYTES:
        raise ImageError(f"{label}: too large ({len(data) // (1024 * 1024)} MB)")
    return data, label


def decode(data: bytes, label: str = "image data") -> np.ndarray:
    """Decode image bytes to an 8-bit grayscale array (EXIF orientation applied)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError:
            raise ImageError(f"{label}: image dimensions are too large") from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise ImageError(f"{label}: not an image (or an unsupported image format)") from None
        w, h = img.size
        if w <= 0 or h <= 0:
            raise ImageError(f"{label}: image has no pixels")
        if w * h > MAX_PIXELS or max(w, h) > MAX_SIDE:
            raise ImageError(f"{label}: image dimensions {w}x{h} are too large "
                             f"(limit {MAX_PIXELS // 1_000_000} megapixels)")
        if min(w, h) < 16:
            raise ImageError(f"{label}: image is too small ({w}x{h}) to hold an MRZ")
        if img.format == "JPEG" and w > 2 * WORK_WIDTH:
            img.draft("L", (WORK_WIDTH, round(h * WORK_WIDTH / w)))  # decode at 1/2, 1/4 or 1/8 size
        try:
            img.load()
            img = ImageOps.exif_transpose(img)
            gray = _to_gray(img)
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
            raise ImageError(f"{label}: corrupt or truncated image") from None
    if gray.shape[1] > WORK_WIDTH:
        import cv2

        scale = WORK_WIDTH / gray.shape[1]
        gray = cv2.resize(gray, (WORK_WIDTH, max(1, round(gray.shape[0] * scale))),
                          interpolation=cv2.INTER_AREA)
    return gray


def _to_gray(img: Image.Image) -> np.ndarray:
    """Any PIL mode to uint8 grayscale; transparency is laid on white."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        arr = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
        return arr.astype(np.uint8)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        ground = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(ground, rgba)
    return np.asarray(img.convert("L"), dtype=np.uint8)


def load(source: str | os.PathLike | bytes) -> tuple[np.ndarray, str]:
    """Read and decode ``source``; returns (grayscale array, label)."""
    data, label = read_source(source)
    return decode(data, label), label
