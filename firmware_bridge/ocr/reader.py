"""Reading an MRZ from an image: regions, recognition passes, check-digit selection.

The plan is cheap first: the best-looking region, recognised once in grayscale.
When the read's checks fail, further passes try other binarisations, scales, a
line-by-line recognition and other regions, stopping at the first read whose
checks all pass. Lines read in different passes are also combined, since one pass
often gets one line right and another pass the other.
"""

from __future__ import annotations

import itertools
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from . import preprocess as pp
from . import region as rg
from .loader import load
from . import glyphs
from .structure import LAYOUT, Candidate, candidates, evaluate, with_template
from .tess import engine

log = logging.getLogger(__name__)

#: Stop trying after this many recognition passes or this much time (seconds).
MAX_PASSES = 14
TIME_BUDGET_S = 4.0


@dataclass
class ImageRead:
    """Result of reading one image (see ``docs/architecture.md``)."""

    status: str  # "ok" or "read_error"
    mrz: str | None
    best_guess: str | None
    document: dict | None
    elapsed_ms: float
    format: str | None = None
    checks: dict = field(default_factory=dict)
    passes: int = 0
    region: str | None = None

    def to_dict(self) -> dict:
        """JSON-friendly form."""
        return {"status": self.status, "mrz": self.mrz, "best_guess": self.best_guess,
                "document": self.document, "elapsed_ms": self.elapsed_ms, "format": self.format,
                "checks": dict(self.checks), "passes": self.passes, "region": self.region}


#: visas: 8 or 16 optional characters no check digit covers, so only a glyph-confirmed read counts
_GLYPH_ONLY = ("MRVA", "MRVB")


def _passes(gray: np.ndarray) -> Iterator[tuple[str, np.ndarray, int]]:
    """Recognition passes in order of cost: (description, image, psm)."""
    regions = rg.rank(rg.passporteye_regions(gray) + rg.opencv_regions(gray), gray.shape)
    first = regions[:3]
    for i, r in enumerate(first):
        crop = pp.normalise(rg.extract(gray, r, 1000))
        yield f"{r.source}#{i}:gray", crop, 6
        if i == 0:
            yield f"{r.source}#{i}:otsu", pp.otsu(crop), 6
    for i, r in enumerate(first[:2]):
        crop = pp.normalise(rg.extract(gray, r, 1000))
        yield f"{r.source}#{i}:lines", crop, 7
        big = pp.normalise(rg.extract(gray, r, 1400, grow_height=0.1))
        yield f"{r.source}#{i}:sharp", pp.sharpen(big), 6
        yield f"{r.source}#{i}:adaptive", pp.adaptive(big), 6
        small = pp.normalise(rg.extract(gray, r, 700))
        yield f"{r.source}#{i}:small", small, 6
        grown = pp.normalise(rg.extract(gray, r, 1000, grow_height=0.5))
        yield f"{r.source}#{i}:grown", grown, 6
    for r in regions[3:5]:
        yield f"{r.source}:gray", pp.normalise(rg.extract(gray, r, 1000)), 6
    band = rg.bottom_band(gray)
    crop = pp.normalise(rg.extract(gray, band, 1000, margin=0.0))
    yield "bottom:gray", crop, 6
    yield "bottom:otsu", pp.otsu(crop), 6


def _recognise(image: np.ndarray, psm: int) -> str:
    """Run Tesseract: a block read (psm 6) or one read per text line (psm 7)."""
    tess = engine()
    if psm == 7:
        lines = [tess.recognise(img, 7).strip() for img in pp.line_images(image) if img.shape[0] >= 10]
        return "\n".join(x for x in lines if x)
    return tess.recognise(image, psm)


def _template_reads(image: np.ndarray, fmt: str) -> list | None:
    """OCR-B template reads of the format's lines in ``image``, or None when they cannot be cut."""
    count, width = LAYOUT[fmt]
    spans = pp.text_lines(image, max_lines=6)
    if len(spans) < count:
        return None
    best = None
    for i in range(len(spans) - count + 1):
        group = spans[i:i + count]
        heights = [b - a for a, b in group]
        spread = (max(heights) - min(heights)) / max(heights)
        key = (spread > 0.35, -i)  # uniform heights, then the lowest group
        if best is None or key < best[0]:
            best = (key, group)
    reads = []
    h = image.shape[0]
    for a, b in best[1]:
        pad = max(2, (b - a) // 4)
        read = glyphs.read_line(image[max(0, a - pad):min(h, b + pad)], width)
        if read is None:
            return None
        reads.append(read)
    return reads


def _with_glyphs(image: np.ndarray, cands: list[Candidate]) -> list[Candidate]:
    """Add the glyph recogniser's view to the best candidate of each plausible format."""
    out: list[Candidate] = []
    done = set()
    for cand in cands:
        if cand.fmt in done or len(done) >= 2:
            out.append(cand)
            continue
        done.add(cand.fmt)
        reads = _template_reads(image, cand.fmt)
        out.extend(with_template(cand, reads) if reads is not None else [cand])
    out.sort(key=lambda c: c.score(), reverse=True)
    return out


def _combine(seen: dict[str, list[list[str]]]) -> Candidate | None:
    """Try lines read in different passes together; a combination whose checks all pass wins."""
    for fmt, reads in seen.items():
        if len(reads) < 2:
            continue
        per_line = [list(dict.fromkeys(r[i] for r in reads)) for i in range(len(reads[0]))]
        if all(len(options) == 1 for options in per_line):
            continue
        for combo in itertools.islice(itertools.product(*per_line), 200):
            cand = evaluate(fmt, list(combo))
            if cand.valid and cand.codes_known:
                return cand
    return None


def _parse(text: str | None) -> dict | None:
    """The MRZ engine's dictionary for ``text`` (None if the engine is unavailable)."""
    if not text:
        return None
    try:
        from ..mrz import parse_mrz
    except ImportError:
        return None
    from ..errors import BridgeError

    try:
        return parse_mrz(text).to_dict()
    except BridgeError:
        return None


def read_gray(gray: np.ndarray, *, max_passes: int = MAX_PASSES,
              time_budget_s: float = TIME_BUDGET_S) -> ImageRead:
    """Read the MRZ of an already decoded grayscale image."""
    started = time.perf_counter()
    cpu_started = time.thread_time()  # the budget counts work, not waiting on a busy machine
    best: Candidate | None = None
    seen: dict[str, list[list[str]]] = {}
    found: Candidate | None = None
    passes = 0
    where = None
    unconfirmed: dict[str, str] = {}  # valid reads no glyph check confirmed: text -> pass
    for desc, image, psm in _passes(gray):
        if passes >= max_passes or (passes and time.thread_time() - cpu_started > time_budget_s):
            break
        passes += 1
        text = _recognise(image, psm)
        cands = candidates(text)
        if cands and glyphs.templates() is not None:
            cands = _with_glyphs(image, cands)
        log.debug("pass %s: %d candidate(s)", desc, len(cands))
        for cand in cands:
            if cand.valid and cand.verified and not cand.corrected:
                found, where = cand, desc  # read as is, and the glyph recogniser agrees
                break
            if cand.valid and cand.text in unconfirmed and (cand.verified or cand.fmt not in _GLYPH_ONLY):
                found, where = cand, f"{unconfirmed[cand.text]}+{desc}"  # two passes agree
                break
            if cand.valid and unconfirmed.setdefault(cand.text, desc) != desc:
                pass
            if best is None or cand.score() > best.score():
                best = cand
        if found:
            break
        if cands and cands[0].name_clean:
            top = cands[0]
            seen.setdefault(top.fmt, []).append(top.lines)
            combined = _combine(seen)
            if combined is not None and combined.text in unconfirmed and combined.fmt not in _GLYPH_ONLY:
                found, where = combined, f"{desc}+combined"
                break
            if combined is not None:
                unconfirmed.setdefault(combined.text, f"{desc}+combined")
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    if found is not None:
        return ImageRead("ok", found.text, found.text, _parse(found.text), elapsed, found.fmt,
                         dict(found.checks), passes, where)
    guess = best.text if best is not None else None
    return ImageRead("read_error", None, guess, _parse(guess), elapsed,
                     best.fmt if best else None, dict(best.checks) if best else {}, passes, None)


def read_mrz_image(source: str | os.PathLike | bytes) -> ImageRead:
    """Read the MRZ of an image file or image bytes; raises ImageError for unusable files."""
    started = time.perf_counter()
    gray, label = load(source)
    result = read_gray(gray)
    result.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    log.info("image read: %s in %.0f ms (%d pass(es))", result.status, result.elapsed_ms, result.passes)
    return result
