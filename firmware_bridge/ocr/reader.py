"""Reading an MRZ from an image: regions, recognition passes, check-digit selection.

The plan is cheap first: the best-looking region, recognised once in grayscale.
When the read's checks fail, further passes try other binarisations, scales, a
line-by-line recognition and other regions, stopping at the first read whose
checks all pass. Lines read in different passes are also combined, since one pass
often gets one line right and another pass the other.
"""

from __future__ import annotations

import contextlib
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
from .fusion import with_template
from .structure import LAYOUT, Candidate, ambiguous, candidates, evaluate
from .tess import engine

log = logging.getLogger(__name__)

#: Stop trying after this many recognition passes or this much CPU time (seconds, all orientations).
MAX_PASSES = 10
TIME_BUDGET_S = 1.5


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
    """Recognition passes, cheapest and likeliest first: (description, image, psm).

    Tesseract's errors change with the scale of the text, so most passes re-read the
    best region at another width; votes across them outvote one-off misreads.
    """
    regions = rg.rank(rg.passporteye_regions(gray) + rg.opencv_regions(gray), gray.shape)
    if not regions:
        regions = [rg.bottom_band(gray)]
    r0 = regions[0]

    def cut(r: rg.Region, width: int, grow: float = 0.0) -> np.ndarray:
        """A region cut out straight and contrast-stretched."""
        return pp.normalise(rg.extract(gray, r, width, grow_height=grow))

    yield f"{r0.source}#0:w800", cut(r0, 800), 6
    for i, r in enumerate(regions[1:3], 1):
        yield f"{r.source}#{i}:w800", cut(r, 800), 6
    yield f"{r0.source}#0:w700", cut(r0, 700), 6
    yield f"{r0.source}#0:w1000", cut(r0, 1000), 6
    yield f"{r0.source}#0:grown", cut(r0, 800, 0.5), 6
    yield f"{r0.source}#0:lines", cut(r0, 800), 7
    yield f"{r0.source}#0:w600", cut(r0, 600), 6
    yield f"{r0.source}#0:sharp", pp.sharpen(cut(r0, 900)), 6
    for i, r in enumerate(regions[1:3], 1):
        yield f"{r.source}#{i}:w700", cut(r, 700), 6
        yield f"{r.source}#{i}:grown", cut(r, 800, 0.5), 6
    yield f"{r0.source}#0:adaptive", pp.adaptive(cut(r0, 1000)), 6
    band = rg.bottom_band(gray)
    yield "bottom:w800", pp.normalise(rg.extract(gray, band, 800, margin=0.0)), 6


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


def _consensus(votes: dict[str, list[list[str]]]) -> Candidate | None:
    """Per-position majority over every read of one format; valid and clear-cut, or None."""
    from collections import Counter

    for fmt, reads in votes.items():
        if len(reads) < 3:
            continue
        lines = []
        for li in range(len(reads[0])):
            row = []
            for i in range(len(reads[0][li])):
                counts = Counter(r[li][i] for r in reads).most_common(2)
                if counts[0][1] < 2 or (len(counts) > 1 and counts[1][1] >= counts[0][1]):
                    return None
                row.append(counts[0][0])
            lines.append("".join(row))
        cand = evaluate(fmt, lines, name_confirmed=True)
        if cand.valid and cand.codes_known and not ambiguous(fmt, lines) and fmt not in _GLYPH_ONLY:
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


class _Evidence:
    """Valid reads seen so far, and the rule for trusting one.

    A read is trusted at once when it needed no correction and the glyph recogniser
    agrees with it wherever that recogniser is sure. Otherwise it is trusted when two
    different passes produced it and at least one of them read it as is (no check-digit
    search): searches over alternatives can land on a wrong reading whose check digit
    happens to pass, and two searches on similar crops can land on the same one.
    """

    def __init__(self) -> None:
        self.reads: dict[str, list[tuple[str, bool, bool]]] = {}

    def trusted(self, cand: Candidate, desc: str) -> str | None:
        """Record a valid ``cand`` from pass ``desc``; return how it is trusted, or None."""
        if cand.verified and not cand.corrected:
            return desc
        entries = self.reads.setdefault(cand.text, [])
        entries.append((desc, cand.corrected, cand.verified))
        passes = {d for d, _, _ in entries}
        direct = any(not corrected for _, corrected, _ in entries)
        glyph_ok = cand.fmt not in _GLYPH_ONLY or any(v for _, _, v in entries)
        needed = 3 if cand.twin_doubt else 2
        if len(passes) >= needed and direct and glyph_ok:
            return "+".join(sorted(passes))
        return None


def read_gray(gray: np.ndarray, *, max_passes: int = MAX_PASSES,
              time_budget_s: float = TIME_BUDGET_S, turn: bool = True) -> ImageRead:
    """Read the MRZ of an already decoded grayscale image (turned a quarter or half if need be)."""
    cpu_started = time.thread_time()
    result = _read_upright(gray, max_passes, time_budget_s, give_up_after=4 if turn else max_passes)
    if result.best_guess is not None or not turn:
        return result
    import cv2

    def left() -> float:
        """CPU seconds left of the one budget shared by every orientation."""
        return max(0.05, time_budget_s - (time.thread_time() - cpu_started))

    # nothing MRZ-like at all: the page may be sideways or upside down; look at each way
    # briefly, then read on in the one whose read passes the most checks
    spent = result.passes
    best_code, best_key = None, (-1,)
    for code in (cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE, cv2.ROTATE_180):
        if time.thread_time() - cpu_started > time_budget_s:
            break
        turned = _read_upright(cv2.rotate(gray, code), 2, left(), give_up_after=2)
        spent += turned.passes
        if turned.status == "ok":
            turned.passes = spent
            return turned
        if turned.best_guess is not None:
            key = (sum(bool(v) for v in turned.checks.values()),)
            if key > best_key:
                best_code, best_key = code, key
    if best_code is None:
        result.passes = spent
        return result
    more = _read_upright(cv2.rotate(gray, best_code), max_passes, left(), give_up_after=max_passes)
    more.passes += spent
    return more


def _read_upright(gray: np.ndarray, max_passes: int, time_budget_s: float, give_up_after: int) -> ImageRead:
    """Recognition passes over one orientation; stops early when nothing MRZ-like turns up."""
    started = time.perf_counter()
    cpu_started = time.thread_time()  # the budget counts work, not waiting on a busy machine
    best: Candidate | None = None
    seen: dict[str, list[list[str]]] = {}
    evidence = _Evidence()
    found: Candidate | None = None
    passes = 0
    where = None
    for desc, image, psm in _passes(gray):
        if passes >= max_passes or (passes and time.thread_time() - cpu_started > time_budget_s):
            break
        if passes >= give_up_after and best is None:
            break
        passes += 1
        cands = candidates(_recognise(image, psm))
        if cands and glyphs.templates() is not None:
            cands = _with_glyphs(image, cands)
        log.debug("pass %s: %d candidate(s)", desc, len(cands))
        for cand in cands:
            if best is None or cand.score() > best.score():
                best = cand
            if cand.valid and not cand.ambiguous and (where := evidence.trusted(cand, desc)):
                found = cand
                break
        if found:
            break
        if cands and cands[0].name_clean:
            seen.setdefault(cands[0].fmt, []).append(cands[0].lines)
            voted = _consensus(seen)
            if voted is not None:
                found, where = voted, f"vote of {len(seen[voted.fmt])} reads"
                break
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    if found is not None:
        return ImageRead("ok", found.text, found.text, _parse(found.text), elapsed, found.fmt,
                         dict(found.checks), passes, where)
    guess = best.text if best is not None else None
    document = _parse(guess)
    if document is not None:
        # the guess may even pass the engine's checks (a doubtful name, or a confusable
        # character no check digit can see): it is still not a read anyone may act on
        document = {**document, "valid": False, "status": "read_error",
                    "errors": list(document.get("errors") or []) + ["image read not confirmed; check the document by hand"]}
    return ImageRead("read_error", None, guess, document, elapsed,
                     best.fmt if best else None, dict(best.checks) if best else {}, passes, None)


def _one_blas_thread():
    """A context keeping BLAS to one thread while reading (its spinning helper threads
    would double the CPU a read costs on a busy box for no gain on these small products)."""
    global _BLAS
    if _BLAS is None:
        try:
            from threadpoolctl import ThreadpoolController

            _BLAS = ThreadpoolController()
        except Exception:  # noqa: BLE001 - optional: comes with scikit-learn (PassportEye)
            _BLAS = False
    if _BLAS is False:
        return contextlib.nullcontext()
    return _BLAS.limit(limits=1, user_api="blas")


_BLAS = None


def read_mrz_image(source: str | os.PathLike | bytes) -> ImageRead:
    """Read the MRZ of an image file or image bytes; raises ImageError for unusable files."""
    started = time.perf_counter()
    gray, label = load(source)
    with _one_blas_thread():
        result = read_gray(gray)
    result.elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    log.info("image read: %s in %.0f ms (%d pass(es))", result.status, result.elapsed_ms, result.passes)
    return result
