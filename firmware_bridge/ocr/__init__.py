"""MRZ from images: PassportEye's region detection plus the MRZ's own structure.

``read_mrz_image(source)`` returns an :class:`ImageRead`; an unusable file raises
:class:`ImageError`. See ``docs/ocr.md``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # Tesseract's OpenMP threads only fight on 2 cores

from .errors import ImageError, OCREngineError  # noqa: E402
from .reader import ImageRead, read_gray, read_mrz_image  # noqa: E402

__all__ = ["ImageError", "ImageRead", "OCREngineError", "read_gray", "read_mrz_image"]
