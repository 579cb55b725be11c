"""Fusing the two recognisers: Tesseract's read and the OCR-B glyph read of the same lines.

The glyph recogniser decides the fillers (Tesseract's English model reads ``<`` as ``K``),
must agree wherever it is sure on what no check digit covers (names, codes, sex, a visa's
optional data), and where the two disagree in a check-protected field the check digits
choose. Pure code, no I/O.
"""

from __future__ import annotations

import difflib
import itertools

from .structure import (
    _CHEVRON_LOOKALIKES,
    _TO_DIGIT,
    _TO_LETTER,
    CLASSES,
    NAME_FIELD,
    UNPROTECTED,
    Candidate,
    _alternative_fixes,
    _twin_fixes,
    ambiguous,
    evaluate,
    shape,
)


def names_agree(a: str, b: str) -> bool:
    """Two reads of a name field agree on every letter (differences only in fillers/look-alikes)."""
    if a == b:
        return True
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        left, right = a[i1:i2], b[j1:j2]
        if left.strip("<") or right.strip("<" + "".join(_CHEVRON_LOOKALIKES)):
            return False
    return True


def align(read: str, grid: str) -> str:
    """Fit ``read`` onto ``grid``'s positions: where lengths differ locally, ``grid`` fills in."""
    if len(read) == len(grid):
        return read
    out = []
    matcher = difflib.SequenceMatcher(None, read, grid, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            out.append(read[i1:i2])
        else:
            out.append(grid[j1:j2])
    return "".join(out)


def _confident_agreement(lines: list[str], tpl_lines: list[str], reads: list, fmt: str | None = None) -> bool:
    """The glyph recogniser agrees with ``lines`` wherever it is sure, and is sure of most cells.

    For a visa (``fmt`` MRVA or MRVB) it must also be sure of every optional-data cell,
    which no check digit covers: there it is the only witness.
    """
    optional = [(li, i) for li, i in UNPROTECTED.get(fmt or "", ()) if fmt in ("MRVA", "MRVB") and li == 1 and i > 20]
    for li, i in optional:
        alts = reads[li].alternatives[i]
        if alts[0][1] < 0.6 or (len(alts) > 1 and alts[0][1] - alts[1][1] < 0.05):
            return False
    sure = total = 0
    for line, tpl, read in zip(lines, tpl_lines, reads):
        for i, (ch, other) in enumerate(zip(line, tpl)):
            alts = read.alternatives[i]
            total += 1
            if alts[0][1] >= 0.5 and (len(alts) < 2 or alts[0][1] - alts[1][1] >= 0.04):
                sure += 1
                if ch != other:
                    return False
    return total > 0 and sure >= 0.6 * total


def _unambiguous(fmt: str, lines: list[str], other: list[str], name_confirmed: bool, reads: list) -> bool:
    """False when the other recogniser's characters also give a reading whose checks pass.

    Two substitutions can cancel out in a 7-3-1 check digit (``OO`` read as ``00``, or
    ``Z``->``2`` with ``J``->``U``), so a valid read is only trusted when no other
    combination of the two recognisers' characters is valid too.
    """
    diffs = [(li, i, b[i]) for li, (a, b) in enumerate(zip(lines, other))
             for i in range(len(a)) if a[i] != b[i] and CLASSES[fmt][li][i] != "A"
             and reads[li].alternatives[i][0][1] >= 0.5]
    if not diffs or len(diffs) > 10:  # none, or the template read is unreliable
        return True
    for k in range(1, len(diffs) + 1):
        for combo in itertools.combinations(diffs, k):
            trial = [list(x) for x in lines]
            for li, i, ch in combo:
                trial[li][i] = ch
            cand = evaluate(fmt, ["".join(x) for x in trial], name_confirmed)
            if cand.valid:
                return False
    return True


def _code_fields(fmt: str) -> list[tuple[int, int, int]]:
    """(line, start, end) of the document code, issuing state and nationality."""
    if fmt == "TD1":
        return [(0, 0, 2), (0, 2, 5), (1, 15, 18)]
    return [(0, 0, 2), (0, 2, 5), (1, 10, 13)]


def _code_ok(code: str, width: int) -> bool:
    """A plausible document code (2 characters) or state code (3)."""
    if width == 2:
        return code[:1] in "PIACV" and (code[1] == "<" or code[1].isalpha())
    try:
        from ..mrz.states import is_known
    except ImportError:  # pragma: no cover - engine table missing
        return code.replace("<", "").isalpha()
    try:
        return bool(is_known(code))
    except Exception:  # noqa: BLE001
        return code.replace("<", "").isalpha()


def _reconcile(fmt: str, lines: list[str], tpl_lines: list[str], reads: list) -> tuple[list[str], bool]:
    """Settle what check digits cannot: unprotected positions and ``<``/``K`` (same check value).

    Where the recognisers disagree there, a confident template cell wins if Tesseract's
    character is a known look-alike of it; any other disagreement makes the read doubtful.
    """
    rows = [list(x) for x in lines]
    agreed = True
    unprotected = set(UNPROTECTED[fmt])
    # Codes: a state code ICAO knows beats one it does not; a document code must start P/I/A/C/V.
    for li, start, end in _code_fields(fmt):
        mine, theirs = lines[li][start:end], tpl_lines[li][start:end]
        if mine == theirs:
            pass
        elif _code_ok(mine, end - start) and not _code_ok(theirs, end - start):
            pass
        elif _code_ok(theirs, end - start) and not _code_ok(mine, end - start):
            rows[li][start:end] = list(theirs)
        else:
            agreed = False
        unprotected -= {(li, i) for i in range(start, end)}
    for li, (a, b) in enumerate(zip(lines, tpl_lines)):
        for i, (ch, other) in enumerate(zip(a, b)):
            if ch == other:
                continue
            filler_pair = {ch, other} <= {"<", "K", "X"} and "<" in (ch, other)
            if not filler_pair and (li, i) not in unprotected:
                continue
            alts = reads[li].alternatives[i]
            sure = alts[0][0] == other and alts[0][1] >= 0.5 and (len(alts) < 2 or alts[0][1] - alts[1][1] >= 0.05)
            if not sure:
                agreed = False  # no second opinion on a character no check digit covers
                continue
            lookalike = filler_pair or _TO_DIGIT.get(ch) == other or _TO_LETTER.get(ch) == other \
                or _TO_DIGIT.get(other) == ch or _TO_LETTER.get(other) == ch
            if lookalike:
                rows[li][i] = other
            else:
                agreed = False
    return ["".join(r) for r in rows], agreed


def with_template(cand: Candidate, reads: list) -> list[Candidate]:
    """Candidates combining a Tesseract read with the OCR-B template read of the same lines.

    ``reads`` holds one :class:`~firmware_bridge.ocr.glyphs.LineRead` per line. The
    template read decides the name (where it is confident: it tells ``<`` from ``K``),
    and where the two recognisers disagree in a check-protected field the check
    digits choose.
    """
    fmt = cand.fmt
    name_line, start, end = NAME_FIELD[fmt]
    tpl_lines = shape(fmt, [r.text for r in reads])
    if cand.raw:
        # re-align Tesseract's own lines on the template's grid (it drops and adds fillers)
        aligned = shape(fmt, [align(raw, t.text) for raw, t in zip(cand.raw, reads)])
        redo = evaluate(fmt, aligned)
        redo.raw = cand.raw
        cand = redo
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
    row = tpl_lines[name_line]
    tpl_lines[name_line] = row[:start] + reads[name_line].best_of(start, end, letters) + row[end:]
    # the template decides fillers; the letters must be what Tesseract read too
    tess_name = cand.lines[name_line][start:end]
    tpl_name = tpl_lines[name_line][start:end]
    tpl_sure = reads[name_line].confident(start, end, letters, 0.45, 0.03)
    name_sure = tpl_sure and names_agree(tpl_name, tess_name)
    out = []
    if tpl_sure and tpl_name != tess_name:  # a confident template overrules Tesseract's fillers
        cand = Candidate(cand.fmt, list(cand.lines), dict(cand.checks), False, cand.corrected,
                         cand.codes_known)
    # 1. Tesseract's fields with the template's name
    hybrid = list(cand.lines)
    if name_sure:
        row = hybrid[name_line]
        hybrid[name_line] = row[:start] + tpl_name + row[end:]
    hybrid, agreed = _reconcile(fmt, hybrid, tpl_lines, reads)
    name_sure = name_sure and agreed
    merged = evaluate(fmt, hybrid, name_sure)
    merged.name_clean = merged.name_clean and name_sure
    merged.verified = name_sure and _confident_agreement(merged.lines, tpl_lines, reads, fmt)
    if merged.valid and not _unambiguous(fmt, hybrid, tpl_lines, name_sure, reads):
        merged.checks["recognisers_agree"] = False
    if not merged.valid and merged.name_clean:
        # where the two recognisers disagree, the check digits choose (confirmed later)
        alts = {(li, i): [other] for li, (a, b) in enumerate(zip(hybrid, tpl_lines))
                for i, (ch, other) in enumerate(zip(a, b)) if ch != other}
        if len(alts) > 8:
            alts = {}
        limit = 2 if fmt in ("TD1", "TD2", "TD3") else 1
        fixed = _alternative_fixes(fmt, hybrid, alts, limit, True) if alts else None
        if fixed is None:
            fixed = _twin_fixes(fmt, hybrid, True)
        if fixed is not None:
            # every changed character is what the glyph recogniser read: a read, not a guess
            changed = [(li, i) for li, (a, b) in enumerate(zip(hybrid, fixed.lines))
                       for i in range(len(a)) if a[i] != b[i]]
            fixed.corrected = not all(tpl_lines[li][i] == fixed.lines[li][i] for li, i in changed)
            merged = fixed
            merged.verified = _confident_agreement(merged.lines, tpl_lines, reads, fmt)
    out.append(merged)
    # 2. the template read alone (needs a second pass to confirm it)
    alone = evaluate(fmt, tpl_lines, name_sure)
    alone.name_clean = alone.name_clean and name_sure
    if not alone.valid and alone.name_clean:
        fixed = _twin_fixes(fmt, tpl_lines, True)
        if fixed is not None:
            alone = fixed
    out.append(alone)
    out.append(cand)
    for c in out:
        c.ambiguous = c.valid and ambiguous(fmt, c.lines, reads)
        c.twin_doubt = False
    out.sort(key=lambda c: c.score(), reverse=True)
    return out
