"""Preprocessing of a cut-out MRZ band before recognition (OCR-B friendly)."""

from __future__ import annotations

import cv2
import numpy as np


def normalise(img: np.ndarray) -> np.ndarray:
    """Stretch contrast to the full range (robust to glare and faint print)."""
    lo, hi = np.percentile(img, (2, 98))
    if hi - lo < 8:
        return img
    out = (img.astype(np.float32) - lo) * (255.0 / (hi - lo))
    return np.clip(out, 0, 255).astype(np.uint8)


def otsu(img: np.ndarray) -> np.ndarray:
    """Global Otsu binarisation after a light blur."""
    blur = cv2.GaussianBlur(img, (3, 3), 0)
    _, out = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return out


def adaptive(img: np.ndarray) -> np.ndarray:
    """Local (adaptive) binarisation: copes with glare and uneven light."""
    h = img.shape[0]
    block = max(15, (h // 6) | 1)
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 16)).apply(img)
    return cv2.adaptiveThreshold(clahe, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 12)


def sharpen(img: np.ndarray) -> np.ndarray:
    """Unsharp mask, for blurred captures."""
    blur = cv2.GaussianBlur(img, (0, 0), 2.0)
    return cv2.addWeighted(img, 1.8, blur, -0.8, 0)


def glyph_ink(ink: np.ndarray) -> np.ndarray:
    """Keep only glyph-sized ink blobs (drops background patterns, edges and specks)."""
    h, w = ink.shape
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    widths, heights, areas = stats[:, 2], stats[:, 3], stats[:, 4]
    keep = (heights >= 4) & (heights <= 0.7 * h) & (widths <= 0.12 * w) & (areas >= 6)
    keep[0] = False
    return keep[labels]


def text_lines(img: np.ndarray, max_lines: int = 4) -> list[tuple[int, int]]:
    """Row spans of the text lines in a straight band (horizontal ink projection)."""
    binary = glyph_ink(otsu(img) < 128)
    profile = binary.mean(axis=1)
    if profile.max() <= 0:
        return []
    on = profile > max(0.04, profile.max() * 0.25)
    spans, start = [], None
    for y, flag in enumerate(on):
        if flag and start is None:
            start = y
        elif not flag and start is not None:
            spans.append((start, y))
            start = None
    if start is not None:
        spans.append((start, len(on)))
    if not spans:
        return []
    tallest = max(b - a for a, b in spans)
    spans = [(a, b) for a, b in spans if b - a >= tallest * 0.45]
    spans.sort(key=lambda s: -(s[1] - s[0]) * profile[s[0]:s[1]].mean())
    spans = sorted(spans[:max_lines])
    return spans


def line_images(img: np.ndarray) -> list[np.ndarray]:
    """Each text line of a band, padded, for single-line recognition."""
    out = []
    h = img.shape[0]
    for a, b in text_lines(img):
        pad = max(3, (b - a) // 3)
        out.append(img[max(0, a - pad):min(h, b + pad), :])
    return out
