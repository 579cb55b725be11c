"""A second recogniser: OCR-B template matching on the MRZ's fixed character grid.

MRZ lines are monospaced with a known number of characters. A line is levelled (its
baseline fitted to the full-height glyphs), its grid's pitch and phase are chosen where
the cell boundaries cross the least ink, and each cell, allowed to slide a little, is
compared by normalised cross-correlation with the 37 OCR-B glyphs rendered from the
font, cut the same way (digit top to baseline, one advance wide). This recogniser is what tells a filler
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
    probe = Image.new("L", (advance + 20, 140), 0)
    ImageDraw.Draw(probe).text((10, 10), "0", fill=255, font=font)
    rows = np.flatnonzero(np.asarray(probe).max(axis=1) > 64)
    top, bottom = int(rows[0]), int(rows[-1]) + 1  # digit top to baseline (digits are the tallest)
    weights = []
    for kernel in (None, "thin", "bold"):
        cells = []
        for ch in CHARSET:
            canvas = Image.new("L", (advance + 20, 140), 0)
            ImageDraw.Draw(canvas).text((10, 10), ch, fill=255, font=font)
            arr = np.asarray(canvas, dtype=np.uint8)
            if kernel == "thin":
                arr = cv2.erode(arr, np.ones((5, 5), np.uint8))
            elif kernel == "bold":
                arr = cv2.dilate(arr, np.ones((7, 7), np.uint8))
            cell = arr[top:bottom, 10:10 + advance].astype(np.float32)
            cells.append(_normalise(cell).ravel())
        weights.append(np.stack(cells))
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
    """Ink that is text: thin background lines opened away, blobs outside the text band dropped.

    A glyph touched by a guilloche line can reach the strip's edge, so a blob touching the
    top or bottom is kept when most of its ink lies in the band where the text rows are.
    """
    ink = cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    h = ink.shape[0]
    profile = ink.mean(axis=1)
    band = profile >= 0.3 * profile.max() if profile.max() > 0 else np.zeros(h, dtype=bool)
    keep = np.zeros(count, dtype=bool)
    for i in range(1, count):
        x, y, w, hh, area = stats[i]
        if area < 3 or w > h * 2.5 or x == 0 or x + w >= ink.shape[1]:
            continue  # specks, rules, and the page edge at the strip's sides
        if (y == 0 and y + hh >= h) or hh > 1.5 * max(1, band.sum()):
            continue
        if y == 0 or y + hh >= h:
            mask = labels[y:y + hh, x:x + w] == i
            inside = mask[band[y:y + hh]].sum()
            if inside < 0.6 * area:
                continue
        keep[i] = True
    return keep[labels]


#: OCR-B proportions: digit height over the pitch, and digit height over capital height
_DIGIT_RATIO = 77 / 72.3
_DIGIT_OVER_LETTER = 77 / 70


def _cap_band(ink: np.ndarray) -> tuple[int, int, float] | None:
    """(top, baseline, tallest glyph height) of a line, from its full-height glyphs."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    if count < 3:
        return None
    tops, heights = stats[1:, 1], stats[1:, 3]
    h90 = float(np.percentile(heights, 90))
    tall = heights >= 0.8 * h90
    if tall.sum() < 2:
        return None
    top = int(np.median(tops[tall]))
    bottom = int(np.percentile(tops[tall] + heights[tall], 90))  # fillers stop above the baseline
    return (top, bottom, h90) if bottom - top >= 3 else None


def _baseline_slope(ink: np.ndarray) -> float:
    """Slope (rows per column) of the line's baseline, fitted to its full-height glyphs."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    if count < 6:
        return 0.0
    st = stats[1:]
    tall = st[:, 3] >= 0.8 * np.percentile(st[:, 3], 90)
    if tall.sum() < 5:
        return 0.0
    xs = st[tall, 0] + st[tall, 2] / 2.0
    ys = (st[tall, 1] + st[tall, 3]).astype(float)
    slope, icpt = np.polyfit(xs, ys, 1)
    resid = np.abs(ys - (slope * xs + icpt))
    good = resid <= max(1.5, np.percentile(resid, 70))  # fillers end above the baseline: drop them
    if good.sum() >= 5:
        slope = np.polyfit(xs[good], ys[good], 1)[0]
    return float(np.clip(slope, -0.05, 0.05))


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


def _cell_scores(inkf: np.ndarray, pitch: float, x0: float, cells, matrix: np.ndarray,
                 classes: int) -> np.ndarray:
    """cells x characters similarity; each cell's window may slide a little to fit its glyph."""
    width = max(2, int(round(pitch)))
    slack = max(1, int(round(pitch * 0.15)))
    off = slack + width
    padded = np.pad(inkf, ((0, 0), (off, off)))
    windows = []
    for i in cells:
        a = int(round(x0 + i * pitch)) + off
        for s in range(-slack, slack + 1):
            start = min(max(0, a + s), padded.shape[1] - width)
            windows.append(_normalise(padded[:, start:start + width]).ravel())
    raw = np.stack(windows) @ matrix.T
    per = raw.reshape(len(windows), -1, classes).max(axis=1)
    return per.reshape(len(cells), 2 * slack + 1, classes).max(axis=1)


def read_line(line_img: np.ndarray, length: int) -> LineRead | None:
    """Read a straight, cropped MRZ line of ``length`` characters (dark text on light)."""
    tpl = templates()
    if tpl is None or line_img.size == 0:
        return None
    charset, matrix = tpl
    ink = _text_ink(otsu(line_img) < 128)
    slope = _baseline_slope(ink)
    if abs(slope) * ink.shape[1] >= 1.0:  # a slightly tilted line: shear it level
        shear = np.array([[1.0, 0.0, 0.0], [-slope, 1.0, slope * ink.shape[1] / 2]], dtype=np.float32)
        level = cv2.warpAffine(line_img, shear, (line_img.shape[1], line_img.shape[0]),
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        ink = _text_ink(otsu(level) < 128)
    band = _cap_band(ink)
    if band is None:
        return None
    top, bottom, tallest = band
    found = _glyph_columns(ink[top:bottom])
    if found is None:
        return None
    left, right, c_first, c_last = found
    pitch, x0 = _grid(ink[top:bottom].astype(np.float32).sum(axis=0), left, right, length, c_first, c_last)
    # the template cell runs from the digits' top (OCR-B digits stand taller than capitals)
    # to the baseline: try a few heights over the typical glyph, keep the best-fitting one
    # (judged on every third cell, then the whole line is read at the best height)
    best_top, fit = None, -np.inf
    sample = range(0, length, 3)
    for factor in (1.0, 1.05, 1.1, 1.15):
        cell_top = max(0, int(round(bottom - (bottom - top) * factor)))
        if bottom - cell_top < 3:
            continue
        trial = _cell_scores(ink[cell_top:bottom].astype(np.float32), pitch, x0, sample, matrix, len(charset))
        quality = float(trial.max(axis=1).mean())
        if quality > fit:
            best_top, fit = cell_top, quality
    scores = None if best_top is None else _cell_scores(
        ink[best_top:bottom].astype(np.float32), pitch, x0, range(length), matrix, len(charset))
    if scores is None:
        return None
    text, best, alternatives = [], [], []
    for row in scores:
        order = np.argsort(-row)[:3]
        alternatives.append([(charset[j], float(row[j])) for j in order])
        text.append(charset[order[0]])
        best.append(float(row[order[0]]))
    return LineRead("".join(text), best, alternatives, scores)
