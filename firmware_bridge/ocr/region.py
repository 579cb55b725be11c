"""Finding the MRZ in a page image and cutting it out straight.

Two detectors propose regions: PassportEye's box locator (Boone's morphological method
at a 250-pixel working width, then PassportEye's merging of parallel boxes, which finds
the MRZ band on most scans) and an OpenCV
variant at a larger working width with a line-shaped closing, which finds it on
hand-held photos and small MRZ bands. Both return :class:`Region` objects in
full-image pixel coordinates; :func:`extract` rotates one straight and crops it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Region:
    """A rotated rectangle around (part of) an MRZ, in image pixels."""

    cx: float
    cy: float
    width: float
    height: float
    angle: float  # degrees; direction of the text lines (0 = horizontal, positive = clockwise)
    source: str

    def key(self) -> tuple:
        """Rounded geometry, to drop near-duplicate regions."""
        return (round(self.cx / 12), round(self.cy / 12), round(self.width / 24),
                round(self.height / 12), round(self.angle))


def _normalise_angle(angle: float, width: float, height: float) -> tuple[float, float, float]:
    """Make ``width`` the long side and the angle lie in (-45, 45]."""
    if height > width:
        width, height = height, width
        angle += 90.0
    while angle > 45:
        angle -= 180 if angle > 135 else 90
        if angle <= 45 and angle > -45:
            break
    while angle <= -45:
        angle += 90
    return angle, width, height


def passporteye_regions(gray: np.ndarray, max_width: int = 250) -> list[Region]:
    """Candidate MRZ boxes from PassportEye's detector (no OCR is run)."""
    from passporteye.mrz.image import MRZBoxLocator
    from skimage import filters

    h, w = gray.shape
    scale = min(1.0, max_width / float(w))
    small = cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA) if scale < 1 else gray
    small = small.astype(np.float64) / 255.0
    # PassportEye's BooneTransform (black top-hat, vertical Sobel, closing, Otsu), done with
    # OpenCV: the same pixels, without skimage's deprecation warnings
    square = np.ones((5, 5), np.uint8)
    tophat = cv2.morphologyEx(small, cv2.MORPH_BLACKHAT, square)
    closed = cv2.morphologyEx(np.abs(filters.sobel_v(tophat)), cv2.MORPH_CLOSE, square)
    if closed.max() <= closed.min():
        return []
    boxes = MRZBoxLocator()(closed > filters.threshold_otsu(closed))
    out = []
    for box in boxes:
        # PassportEye's boxes use (row, col) centres and angles from the vertical axis.
        dy, dx = math.cos(box.angle), math.sin(box.angle)
        angle = math.degrees(math.atan2(dy, dx))
        angle, width, height = _normalise_angle(angle, box.width / scale, box.height / scale)
        out.append(Region(box.center[1] / scale, box.center[0] / scale, width, height, angle,
                          "passporteye"))
    return out


def opencv_regions(gray: np.ndarray, work_width: int = 600) -> list[Region]:
    """Candidate MRZ boxes from dark text lines merged horizontally (OpenCV)."""
    h, w = gray.shape
    scale = work_width / float(w)
    small = cv2.resize(gray, (work_width, max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    sh, sw = small.shape
    k = max(3, round(sw / 60))
    blackhat = cv2.morphologyEx(small, cv2.MORPH_BLACKHAT,
                                cv2.getStructuringElement(cv2.MORPH_RECT, (k * 2 + 1, k)))
    grad = np.absolute(cv2.Sobel(blackhat, cv2.CV_32F, 1, 0, ksize=-1))
    grad = cv2.normalize(grad, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    grad = cv2.morphologyEx(grad, cv2.MORPH_CLOSE,
                            cv2.getStructuringElement(cv2.MORPH_RECT, (k * 2 + 1, max(3, k // 2))))
    _, binary = cv2.threshold(grad, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    binary = cv2.morphologyEx(binary, cv2.MORPH_CLOSE,
                              cv2.getStructuringElement(cv2.MORPH_RECT, (k * 3, k * 2)))
    binary = cv2.erode(binary, None, iterations=2)
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for c in contours:
        (cx, cy), (bw, bh), angle = cv2.minAreaRect(c)
        angle, bw, bh = _normalise_angle(angle, bw, bh)
        if bh <= 0 or bw < 0.3 * sw or bw / bh < 4:
            continue
        out.append(Region(cx / scale, cy / scale, bw / scale, bh / scale, angle, "opencv"))
    out.sort(key=lambda r: -r.width * r.height)
    return out[:4]


def rank(regions: list[Region], shape: tuple[int, int]) -> list[Region]:
    """Order regions by how MRZ-like they are (wide, long, low on the page); drop duplicates."""
    h, w = shape
    seen, out = set(), []

    def score(r: Region) -> float:
        """Bigger is more MRZ-like."""
        aspect = r.width / max(r.height, 1.0)
        shape_ok = 1.0 if 4 <= aspect <= 30 else 0.4
        return (r.width / w) * shape_ok * (0.6 + 0.4 * r.cy / h) * (1.0 if abs(r.angle) < 20 else 0.5)

    for r in sorted(regions, key=score, reverse=True):
        if r.key() not in seen:
            seen.add(r.key())
            out.append(r)
    return out


def extract(gray: np.ndarray, region: Region, out_width: int = 1000, margin: float = 0.08,
            grow_height: float = 0.0) -> np.ndarray:
    """Cut ``region`` out of ``gray`` rotated straight, scaled to ``out_width`` pixels wide."""
    mw = region.width * margin * 1.5 + 6
    mh = region.height * (margin + grow_height) + 4
    src_w, src_h = region.width + 2 * mw, region.height + 2 * mh
    scale = out_width / src_w
    out_h = max(8, round(src_h * scale))
    theta = math.radians(region.angle)
    cos, sin = math.cos(theta) * scale, math.sin(theta) * scale
    # Map output (u, v) to source: p = c + R(theta) * ((u, v) - (W/2, H/2)) / scale.
    # We build the inverse (source -> output) for warpAffine.
    m = np.array([[cos, sin, 0.0], [-sin, cos, 0.0]])
    m[0, 2] = out_width / 2 - (cos * region.cx + sin * region.cy)
    m[1, 2] = out_h / 2 - (-sin * region.cx + cos * region.cy)
    interp = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
    return cv2.warpAffine(gray, m, (out_width, out_h), flags=interp, borderMode=cv2.BORDER_REPLICATE)


def bottom_band(gray: np.ndarray, fraction: float = 0.3) -> Region:
    """A last-resort region: the bottom of the page, where an MRZ normally is."""
    h, w = gray.shape
    band = h * fraction
    return Region(w / 2, h - band / 2, w * 0.98, band, 0.0, "bottom")
