"""A second recogniser: OCR-B template matching on the MRZ's fixed character grid.

MRZ lines are monospaced with a known number of characters, so once a line's first
and last glyph are found every character cell is known. Each cell is compared with
the 37 OCR-B glyphs rendered from the font. This recogniser is what tells a filler
chevron ``<`` from a ``K`` (Tesseract's English model often cannot), and it gives
per-character alternatives for the check digits to choose from.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass

import cv2
import numpy as np

from .preprocess import otsu

log = logging.getLogger(__name__)

CHARSET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
FONT_PATHS = (
    os.environ.get("MRZ_OCRB_FONT", ""),
    "/usr/share/fonts/opentype/ocr-b/OCRB.otf",
    "/usr/share/fonts/truetype/ocr-b/OCRB.ttf",
)
_CELL = (18, 26)  # width, height of the normalised cell


def font_path() -> str | None:
    """Path of an OCR-B font file, or None when none is installed."""
    for path in FONT_PATHS:
        if path and os.path.exists(path):
            return path
    return None


def _normalise(cell: np.ndarray) -> np.ndarray:
    """Resize a cell (ink = high values) to the standard size; zero mean, unit norm."""
    img = cv2.resize(cell.astype(np.float32), _CELL, interpolation=cv2.INTER_AREA)
    img = cv2.GaussianBlur(img, (3, 3), 0)
    img -= img.mean()
    norm = float(np.linalg.norm(img))
    return img / norm if norm > 1e-6 else img


@functools.lru_cache(maxsize=1)
def templates() -> tuple[str, np.ndarray] | None:
    """The OCR-B glyphs as a (charset, matrix) pair, one normalised cell per row."""
    path = font_path()
    if path is None:
        return None
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(path, 100)
    advance = round(font.getlength("0"))
    top, bottom = font.getbbox("0")[1], font.getbbox("0")[3]
    weights = []
    for kernel in (None, "thin", "bold"):
        rows = []
        for ch in CHARSET:
            canvas = Image.new("L", (advance + 20, 140), 0)
            ImageDraw.Draw(canvas).text((10, 10), ch, fill=255, font=font)
            arr = np.asarray(canvas, dtype=np.uint8)
            if kernel == "thin":
                arr = cv2.erode(arr, np.ones((5, 5), np.uint8))
            elif kernel == "bold":
                arr = cv2.dilate(arr, np.ones((7, 7), np.uint8))
            cell = arr[10 + top:10 + bottom, 10:10 + advance].astype(np.float32)
            cols = np.flatnonzero(cell.max(axis=0) > 64)
            if cols.size:  # centre the glyph's ink in its cell, as read_line does for the image
                shift = int(round(advance / 2 - (cols[0] + cols[-1]) / 2))
                cell = np.roll(cell, shift, axis=1)
            rows.append(_normalise(cell).ravel())
        weights.append(np.stack(rows))
    # one row per (weight, character); scores are folded per character by taking the best weight
    return CHARSET, np.concatenate(weights)


@dataclass
class LineRead:
    """One line read cell by cell: best text, and each cell's ranked alternatives."""

    text: str
    scores: list[float]
    alternatives: list[list[tuple[str, float]]]
    matrix: np.ndarray  # cells x CHARSET similarity

    def best_of(self, start: int, end: int, allowed: str) -> str:
        """Best reading of cells [start, end) restricted to the ``allowed`` characters."""
        idx = [CHARSET.index(c) for c in allowed]
        sub = self.matrix[start:end, idx]
        return "".join(allowed[j] for j in sub.argmax(axis=1))

    def confident(self, start: int, end: int, allowed: str = CHARSET, min_score: float = 0.5,
                  min_margin: float = 0.05) -> bool:
        """True when every cell in [start, end) has a clear winner among ``allowed``."""
        idx = [CHARSET.index(c) for c in allowed]
        sub = np.sort(self.matrix[start:end, idx], axis=1)
        if sub.size == 0:
            return False
        return bool((sub[:, -1] >= min_score).all() and (sub[:, -1] - sub[:, -2] >= min_margin).all())


def _glyph_columns(ink: np.ndarray) -> tuple[int, int, int, int] | None:
    """(left edge, right edge, first glyph centre, last glyph centre) of the ink in a line."""
    cols = ink.any(axis=0)
    xs = np.flatnonzero(cols)
    if xs.size < 4:
        return None
    left, right = int(xs[0]), int(xs[-1])
    # first / last glyph: the run of ink columns (allowing 1-px gaps) at each end
    gaps = np.flatnonzero(~cols[left:right + 1]) + left

    def run_end(start: int, step: int) -> int:
        """Walk from ``start`` while columns hold ink."""
        x = start
        while 0 <= x + step < len(cols) and (cols[x + step] or (0 <= x + 2 * step < len(cols)
                                                                  and cols[x + 2 * step])):
            x += step
        return x

    del gaps
    first_end = run_end(left, 1)
    last_start = run_end(right, -1)
    return left, right, (left + first_end) // 2, (last_start + right) // 2


def _text_ink(ink: np.ndarray) -> np.ndarray:
    """Drop ink that is not text: blobs touching the strip's top or bottom (card edges, other lines)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    h = ink.shape[0]
    keep = np.zeros(count, dtype=bool)
    for i in range(1, count):
        x, y, w, hh, area = stats[i]
        if y == 0 or y + hh >= h:
            continue
        if area < 3 or w > h * 2.5:
            continue
        keep[i] = True
    return keep[labels]


def _grid(col: np.ndarray, left: int, right: int, length: int, c_first: float, c_last: float) -> tuple[float, float]:
    """Pitch and left edge of the character grid: the cell boundaries fall where the column
    projection has the least ink (MRZ characters are monospaced, ``length`` per line)."""
    wp = (right - left + 1) / length
    pitches = [wp * f for f in np.linspace(0.92, 1.08, 33)]
    if length > 1 and c_last > c_first:
        cp = (c_last - c_first) / (length - 1)
        if abs(cp - wp) < 0.12 * wp:
            pitches += [cp * f for f in np.linspace(0.98, 1.02, 9)]
    n = len(col)
    padded = np.concatenate([col, [0.0]])
    best = (np.inf, wp, float(left))
    k = np.arange(length + 1)
    for p in pitches:
        for x0 in np.arange(left - 0.45 * p, left + 0.2 * p, 0.5):
            xs = np.clip(np.round(x0 + k * p).astype(int), 0, n)
            if x0 + length * p < right - 0.2 * p:
                continue  # the grid must cover the line's ink
            cost = padded[xs].sum() / (k.size)
            if cost < best[0]:
                best = (cost, p, x0)
    return best[1], best[2]


def read_line(line_img: np.ndarray, length: int) -> LineRead | None:
    """Read a straight, cropped MRZ line of ``length`` characters (dark text on light)."""
    tpl = templates()
    if tpl is None or line_img.size == 0:
        return None
    charset, matrix = tpl
    ink = _text_ink(otsu(line_img) < 128)
    rows = np.flatnonzero(ink.mean(axis=1) > 0.02)
    if rows.size < 3:
        return None
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    ink = ink[top:bottom]
    found = _glyph_columns(ink)
    if found is None:
        return None
    left, right, c_first, c_last = found
    inkf = ink.astype(np.float32)
    col = inkf.sum(axis=0)
    pitch, x0 = _grid(col, left, right, length, c_first, c_last)
    width = max(2, int(round(pitch)))
    slack = max(1, int(round(pitch * 0.18)))
    padded = np.pad(inkf, ((0, 0), (slack + width, slack + width)))
    off = slack + width
    windows, owners = [], []
    for i in range(length):
        a = int(round(x0 + i * pitch)) + off
        for s in range(-slack, slack + 1):
            windows.append(_normalise(padded[:, a + s:a + s + width]).ravel())
            owners.append(i)
    raw = np.stack(windows) @ matrix.T
    per = raw.reshape(len(windows), -1, len(charset)).max(axis=1)
    per = per.reshape(length, 2 * slack + 1, len(charset))
    scores = per.max(axis=1)
    text, best, alternatives = [], [], []
    for row in scores:
        order = np.argsort(-row)[:3]
        alternatives.append([(charset[j], float(row[j])) for j in order])
        text.append(charset[order[0]])
        best.append(float(row[order[0]]))
    return LineRead("".join(text), best, alternatives, scores)
