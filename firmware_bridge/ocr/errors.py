"""Errors of the image reader."""

from __future__ import annotations

from ..errors import BridgeError


class ImageError(BridgeError):
    """The file is not a usable image (unreadable, corrupt, empty, too large, not an image)."""

    exit_code = 65


class OCREngineError(BridgeError):
    """Tesseract is missing or failed."""

    exit_code = 69
