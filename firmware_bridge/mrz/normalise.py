"""Turn raw reader or OCR text into clean MRZ lines (pure; no I/O).

Accepted shapes: CR, LF or CRLF separated lines; one concatenated 72/88/90-character
string; stray spaces, lowercase and junk lines (normalised, with a warning); reader
padding with ``_`` after a complete line. Reject characters (``_ * ?``), illegal
characters and missing or short lines make a *read error*; input that has no MRZ-like
line at all raises :class:`NotAnMRZ`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import NotAnMRZ

#: Largest input worth looking at (an MRZ is at most 3x30 or 2x44 plus some junk lines).
MAX_INPUT_CHARS = 4096

MRZ_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
REJECT_CHARS = frozenset("_*?")

#: (line count, line width) -> format family; visas are told apart by their first letter.
GEOMETRIES = {(3, 30): "TD1", (2, 36): "TD2", (2, 44): "TD3"}
_CONCATENATED = {90: (3, 30), 72: (2, 36), 88: (2, 44)}
_WIDTHS = (30, 36, 44)

#: Punctuation that readers, OCR or copy-and-paste put around lines; never MRZ content.
_STRAY = "\"'`.,;:|!()[]{}\u00ab\u00bb\u2039\u203a\u201c\u201d\u2018\u2019"

_CONTROL = {i: None for i in range(32) if i not in (9, 10, 13)}
_CONTROL[127] = None
_CONTROL[0xFEFF] = None


@dataclass
class Normalised:
    """Clean lines plus what was done to get them."""

    lines: list[str]
    format: str | None
    warnings: list[str] = field(default_factory=list)
    read_errors: list[str] = field(default_factory=list)


def _family(lines: list[str]) -> str | None:
    """Return TD1/TD2/TD3/MRVA/MRVB for a complete geometry, else None."""
    fam = GEOMETRIES.get((len(lines), len(lines[0]))) if lines else None
    if fam is None or any(len(line) != len(lines[0]) for line in lines):
        return None
    if lines[0][:1] == "V" and fam in ("TD2", "TD3"):
        return "MRVB" if fam == "TD2" else "MRVA"
    return fam


def mrz_like(line: str) -> bool:
    """True when a cleaned line plausibly is (part of) an MRZ line rather than junk."""
    n = len(line)
    if n < 20 or n > 100:
        return False
    good = sum(1 for ch in line if ch in MRZ_CHARS or ch in REJECT_CHARS)
    if good < 0.8 * n:
        return False
    if "<" in line or any(ch in REJECT_CHARS for ch in line):
        return True
    run = best = 0
    for ch in line:
        run = run + 1 if ch.isdigit() else 0
        best = max(best, run)
    return best >= 6


def _clean_lines(text: str, warnings: list[str]) -> tuple[list[str], list[str]]:
    """Split into lines, drop control bytes, spaces and blank lines, upper-case.

    Returns the clean lines and, aligned with them, the same lines before upper-casing.
    """
    text = text.translate(_CONTROL)
    spaces = lower = stray = False
    out, originals = [], []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip(" \t")
        if line.strip(_STRAY) != line:
            stray = True
            line = line.strip(_STRAY).strip(" \t")
        if not line:
            continue
        if " " in line or "\t" in line:
            spaces = True
            line = line.replace(" ", "").replace("\t", "")
        original = line
        if line != line.upper():
            lower = True
            line = line.upper()
        out.append(line)
        originals.append(original if len(original) == len(line) else line)
    if stray:
        warnings.append("input normalised: punctuation around lines removed")
    if spaces:
        warnings.append("input normalised: spaces inside lines removed")
    if lower:
        warnings.append("input normalised: lowercase letters converted to uppercase")
    return out, originals


def _describe_geometry(lines: list[str]) -> str:
    """Explain, for a read error, why the lines do not make an MRZ."""
    lengths = [len(line) for line in lines]
    shown = "/".join(str(n) for n in lengths)
    if len(lines) == 1 and lengths[0] > 46:
        return (
            f"one line of {lengths[0]} characters was read; an MRZ is 2 or 3 lines of 30, 36 or 44 "
            "characters (or one string of 72, 88 or 90), re-scan"
        )
    if len(lines) == 1:
        return f"only one MRZ line was read ({lengths[0]} characters); lines are missing, re-scan"
    if len(lines) > 3:
        return f"{len(lines)} MRZ-like lines were read ({shown}); an MRZ has 2 or 3 lines, re-scan"
    if len(lines) == 2 and all(n == 30 for n in lengths):
        return "only two lines of a three-line (TD1) MRZ were read; re-scan"
    exact = [n for n in lengths if n in _WIDTHS]
    if len(lines) == 3:
        width = 30
    elif exact:
        width = exact[0]
    else:
        width = min(_WIDTHS, key=lambda w: abs(w - max(lengths)))
    bad = [f"line {i + 1} has {n} characters" for i, n in enumerate(lengths) if n != width]
    return f"{', '.join(bad)}; expected {len(lines)} lines of {width} ({shown} read), re-scan"


def _trim_overlong(cands: list[str], origs: list[str]) -> list[str] | None:
    """Cut trailing junk from over-long lines when the other lines give the width.

    Only excess that cannot be MRZ content is cut: characters that were not MRZ characters
    as typed (lowercase, punctuation). Extra fillers or letters may be a misread inside the
    line, so they stay a read error. Returns None when nothing fits.
    """
    widths = {3: (30,), 2: (36, 44)}.get(len(cands), ())
    for width in widths:
        if not all(len(c) >= width for c in cands):
            continue
        trimmed = []
        for clean, orig in zip(cands, origs):
            extra, extra_orig = clean[width:], orig[width:]
            if extra and any(ch in MRZ_CHARS for ch in extra_orig):
                break
            trimmed.append(clean[:width])
        else:
            if _family(trimmed) is not None:
                return trimmed
    return None


def _single_block(lines: list[str]) -> list[str] | None:
    """The one run of consecutive lines forming a complete MRZ, if exactly one exists."""
    blocks = []
    for count in (3, 2):
        for i in range(len(lines) - count + 1):
            window = lines[i:i + count]
            if _family(window) is not None:
                blocks.append(window)
    if len(blocks) != 1:
        return None
    return blocks[0]


def normalise(text) -> Normalised:
    """Return the clean MRZ lines of ``text`` or raise :class:`NotAnMRZ`."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text[: MAX_INPUT_CHARS + 1]).decode("utf-8", "replace")
    if not isinstance(text, str):
        raise NotAnMRZ(f"input is not text ({type(text).__name__})")
    if len(text) > MAX_INPUT_CHARS:
        raise NotAnMRZ(
            f"input is too large to be an MRZ (more than {MAX_INPUT_CHARS} characters)"
        )
    warnings: list[str] = []
    lines, originals = _clean_lines(text, warnings)
    if not lines:
        if text.strip():
            raise NotAnMRZ("no line looks like a machine readable zone")
        raise NotAnMRZ("empty input: no MRZ text was given")
    allowed = MRZ_CHARS | REJECT_CHARS
    if _family(lines) is not None and set("".join(lines)) <= allowed:
        keep = list(range(len(lines)))  # a complete MRZ geometry is an MRZ, however odd its content
    else:
        keep = [i for i, line in enumerate(lines) if mrz_like(line)]
    candidates = [lines[i] for i in keep]
    origs = [originals[i] for i in keep]
    if not candidates:
        if len(lines) == 1 and len(lines[0]) == 30 and lines[0][:2] in ("D1", "DL"):
            raise NotAnMRZ("this is a driving-licence code, not an ICAO 9303 travel-document MRZ")
        raise NotAnMRZ("no line looks like a machine readable zone")
    junk = len(lines) - len(candidates)
    if junk:
        warnings.append(f"input normalised: ignored {junk} line(s) that are not part of the MRZ")
    if len(candidates) == 1 and len(candidates[0]) in _CONCATENATED:
        count, width = _CONCATENATED[len(candidates[0])]
        one, orig = candidates[0], origs[0]
        candidates = [one[i * width:(i + 1) * width] for i in range(count)]
        origs = [orig[i * width:(i + 1) * width] for i in range(count)]
    if len(candidates) == 1 and len(candidates[0]) == 30 and candidates[0][:2] in ("D1", "DL"):
        raise NotAnMRZ("this is a driving-licence code, not an ICAO 9303 travel-document MRZ")

    stripped = [line.rstrip("_") for line in candidates]
    fmt = _family(stripped) if stripped != candidates else None
    if fmt is not None:
        candidates = stripped
        warnings.append("input normalised: reader padding '_' after the lines removed")
    else:
        fmt = _family(candidates)
    if fmt is None:
        trimmed = _trim_overlong(candidates, origs)
        if trimmed is not None:
            candidates, fmt = trimmed, _family(trimmed)
            warnings.append("input normalised: junk after the end of a line removed")
    if fmt is None and len(candidates) > 2:
        found = _single_block(candidates)
        if found is not None:
            extra = len(candidates) - len(found)
            candidates, fmt = found, _family(found)
            warnings.append(f"input normalised: ignored {extra} extra line(s) around the MRZ")
    result = Normalised(candidates, fmt, warnings)
    if fmt is None:
        result.read_errors.append(_describe_geometry(candidates))
        return result
    bad = []
    for li, line in enumerate(candidates, start=1):
        if set(line) <= MRZ_CHARS:
            continue
        for pos, ch in enumerate(line, start=1):
            if ch not in MRZ_CHARS:
                bad.append((li, pos, ch))
    if bad:
        rejects = [b for b in bad if b[2] in REJECT_CHARS]
        others = [b for b in bad if b[2] not in REJECT_CHARS]
        if rejects:
            where = ", ".join(f"line {li} position {pos}" for li, pos, _ in rejects[:5])
            more = f" and {len(rejects) - 5} more" if len(rejects) > 5 else ""
            result.read_errors.append(f"unreadable character(s) at {where}{more}; re-scan")
        if others:
            where = ", ".join(f"{ch!r} at line {li} position {pos}" for li, pos, ch in others[:5])
            result.read_errors.append(f"character(s) not allowed in an MRZ: {where}; re-scan")
    return result
