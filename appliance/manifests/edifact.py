"""UN/EDIFACT syntax for PAXLST: service string advice, segments, interchange and message envelopes.

The character-level syntax (separators, release character) is pydifact's tokenizer; this
module adds what an importer needs on top: the UNA advice checked, each segment's number
and line in the file, the character set the UNB declares, and the UNB/UNG/UNH...UNT/UNE/UNZ
envelope checked so that a truncated transmission is refused instead of half-read.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from pydifact.control.characters import Characters
from pydifact.exceptions import EDISyntaxError
from pydifact.token import Token
from pydifact.tokenizer import Tokenizer

from .model import Problems

log = logging.getLogger(__name__)

DEFAULT_ADVICE = ":+.? '"
#: UNB syntax identifier -> Python codec (ISO 9735 character repertoires)
CODECS = {"UNOA": "ascii", "UNOB": "ascii", "UNOC": "latin-1", "UNOD": "iso8859-2", "UNOE": "iso8859-5",
          "UNOF": "iso8859-7", "UNOG": "iso8859-3", "UNOH": "iso8859-4", "UNOI": "iso8859-6",
          "UNOJ": "iso8859-8", "UNOK": "iso8859-9", "UNOW": "utf-8", "UNOY": "utf-8"}
_SYNTAX = re.compile(rb"UNB.(UNO[A-Z])")
_START = re.compile(r"(?:^|(?<=\s))(UNA|UNB|UNH)")


@dataclass
class Segment:
    """One segment: tag, elements (each a list of components), its number and line in the file."""

    tag: str
    elements: list[list[str]]
    number: int
    line: int | None

    def get(self, element: int, component: int = 0) -> str:
        """A component's text (stripped), or '' when absent."""
        if element >= len(self.elements):
            return ""
        comps = self.elements[element]
        return comps[component].strip() if component < len(comps) else ""

    def where(self) -> str:
        """'segment N (TAG)' for messages."""
        return f"segment {self.number} ({self.tag})"


@dataclass
class Message:
    """One UNH...UNT message with its header data and body segments."""

    unh: Segment
    body: list[Segment] = field(default_factory=list)
    unt: Segment | None = None
    group_sender: str = ""

    @property
    def reference(self) -> str:
        """Message reference number (UNH 0062)."""
        return self.unh.get(0)

    @property
    def type(self) -> str:
        """Message type (PAXLST)."""
        return self.unh.get(1, 0).upper()

    @property
    def version(self) -> str:
        """Directory, e.g. 'D02B' or 'D05B'."""
        return (self.unh.get(1, 1) + self.unh.get(1, 2)).upper()

    @property
    def common_reference(self) -> str:
        """Common access reference (UNH 0068) relating the parts of one list."""
        return self.unh.get(2)

    @property
    def part(self) -> tuple[int | None, str]:
        """(sequence of transfers, 'C'/'F'/'') from UNH S010."""
        raw, flag = self.unh.get(3, 0), self.unh.get(3, 1).upper()
        return (int(raw) if raw.isdigit() else None), flag


@dataclass
class Interchange:
    """The messages of one file, with the sender and the notes gathered while reading."""

    messages: list[Message]
    sender: str = ""
    reference: str = ""
    syntax: str = ""
    warnings: list[str] = field(default_factory=list)


def decode(data: bytes, problems: Problems, warnings: list[str]) -> str | None:
    """Text of the file in the character set its UNB declares (UTF-8 when it declares none)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    m = _SYNTAX.search(data[:4096])
    syntax = m.group(1).decode() if m else ""
    codec = CODECS.get(syntax, "utf-8")
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        if codec == "ascii":  # UNOA/UNOB declared but accented letters sent: common, read them as UTF-8
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                warnings.append(f"the file declares {syntax} (ASCII) but holds UTF-8 letters; read as UTF-8")
                return text
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                pass
            else:
                warnings.append(f"the file declares {syntax} (ASCII) but holds 8-bit letters; read as Windows-1252")
                return text
        line = data[: exc.start].count(b"\n") + 1
        problems.add(line, f"not valid {codec} text as the interchange declares ({syntax or 'no UNB'})")
        return None


def _advice(text: str, problems: Problems) -> tuple[str, str] | None:
    """(service characters, text after UNA) — the UNA advice honoured, or the defaults."""
    if not text.startswith("UNA"):
        return DEFAULT_ADVICE, text
    chars = text[3:9]
    if len(chars) < 6:
        problems.add(1, "UNA service string advice is shorter than six characters")
        return None
    comp, data, _dec, release, _rep, term = chars
    used = [comp, data, term] + ([release] if release != " " else [])
    if len(set(used)) != len(used) or any(c.isalnum() for c in used):
        problems.add(1, f"UNA service string advice {chars!r} is malformed (separators must differ and not be letters or digits)")
        return None
    return chars, text[9:]


def _lines(text: str, chars: Characters, offset_line: int) -> list[int]:
    """Line number where each segment starts, scanning as the tokenizer does."""
    release, term = chars.escape_character, chars.segment_terminator
    starts, i, n, line = [], 0, len(text), offset_line
    skip = (" ", "\r", "\n")
    while i < n:
        while i < n and text[i] in skip and text[i] != term:
            line += text[i] == "\n"
            i += 1
        if i >= n:
            break
        starts.append(line)
        while i < n and text[i] != term:
            if text[i] == release and release != " ":
                i += 1
            if i < n:
                line += text[i] == "\n"
            i += 1
        i += 1
    return starts


def segments(text: str, problems: Problems, warnings: list[str]) -> list[Segment]:
    """Every segment of the file (UNA applied), numbered from 1, with its line."""
    skipped = ""
    m = _START.search(text)
    if m and m.start() > 0:
        skipped, text = text[: m.start()], text[m.start():]
        if skipped.strip():
            warnings.append(f"{len(skipped.strip())} characters before the interchange were ignored (transmission envelope)")
    if not text.strip():
        problems.add(None, "the file is empty")
        return []
    got = _advice(text, problems)
    if got is None:
        return []
    advice, body = got
    base = 1 if body is not text else 0  # the UNA advice counts as segment 1, as the guides number it
    first_line = skipped.count("\n") + 1 + (text[: len(text) - len(body)].count("\n"))
    chars = Characters.from_str(advice)
    if chars.escape_character == " ":  # a space in the release position means "no release character"
        chars.escape_character = "\x00"
    lines = _lines(body, chars, first_line)
    if chars.segment_terminator not in "\r\n":  # wrapped lines (telex) are not part of the data
        body = body.replace("\r", "").replace("\n", "")
    out: list[Segment] = []
    current: list[list[str]] = [[""]]
    try:
        for tok in Tokenizer().get_tokens(body, chars):
            if tok.type == Token.Type.CONTENT:
                current[-1][-1] += tok.value
            elif tok.type == Token.Type.COMPONENT_SEPARATOR:
                current[-1].append("")
            elif tok.type == Token.Type.DATA_SEPARATOR:
                current.append([""])
            else:  # terminator
                i = len(out)
                tag = current[0][0].strip().upper()
                out.append(Segment(tag, current[1:], base + i + 1, lines[i] if i < len(lines) else None))
                current = [[""]]
    except EDISyntaxError as exc:
        number = base + len(out) + 1
        line = lines[len(out)] if len(out) < len(lines) else None
        reason = "the file ends inside a segment (no segment terminator): truncated?" \
            if "Unexpected end" in str(exc) else f"syntax error: {exc.__class__.__name__}: {str(exc).split(':', 1)[-1].strip()}"
        problems.add(line, f"segment {number}: {reason}")
        return out
    if any(part.strip() for comps in current for part in comps):
        number = base + len(out) + 1
        problems.add(lines[len(out)] if len(out) < len(lines) else None,
                     f"segment {number}: the file ends inside a segment (no segment terminator): truncated?")
    for seg in out:
        if not re.fullmatch(r"[A-Z][A-Z0-9]{2}", seg.tag):
            problems.add(seg.line, f"segment {seg.number}: {seg.tag[:10]!r} is not a segment tag")
    return out


def interchange(data: bytes, problems: Problems) -> Interchange | None:
    """Read a file's interchange: envelope checked, messages split; problems recorded."""
    warnings: list[str] = []
    text = decode(data, problems, warnings)
    if text is None:
        return None
    segs = segments(text, problems, warnings)
    if problems:
        return None
    ic = Interchange([], warnings=warnings)
    unb = next((s for s in segs if s.tag == "UNB"), None)
    if unb is None:
        warnings.append("no UNB interchange header: read as bare messages")
    else:
        ic.sender, ic.reference, ic.syntax = unb.get(1), unb.get(4), unb.get(0).upper()
    current: Message | None = None
    group_sender, unz_seen, messages_in_group = "", False, 0
    for seg in segs:
        if unz_seen:
            problems.add(seg.line, f"{seg.where()}: data after the interchange trailer UNZ")
            break
        if seg.tag == "UNH":
            if current is not None:
                problems.add(seg.line, f"{seg.where()}: a new message starts before message "
                                       f"{current.reference!r} ended (no UNT): truncated?")
                return None
            current = Message(seg, group_sender=group_sender)
        elif seg.tag == "UNT":
            if current is None:
                problems.add(seg.line, f"{seg.where()}: message trailer without a message header UNH")
                continue
            if seg.get(1) != current.reference:
                problems.add(seg.line, f"{seg.where()}: trailer reference {seg.get(1)!r} does not match "
                                       f"the header's {current.reference!r}")
            count = len(current.body) + 2
            if seg.get(0).isdigit() and int(seg.get(0)) != count:
                warnings.append(f"{seg.where()}: the trailer counts {seg.get(0)} segments, the message has {count}")
            current.unt = seg
            ic.messages.append(current)
            messages_in_group += 1
            current = None
        elif seg.tag in ("UNB", "UNA"):
            if seg is not unb:
                problems.add(seg.line, f"{seg.where()}: a second interchange header in one file")
        elif seg.tag == "UNG":
            group_sender, messages_in_group = seg.get(1), 0
        elif seg.tag == "UNE":
            if seg.get(0).isdigit() and int(seg.get(0)) != messages_in_group:
                warnings.append(f"{seg.where()}: the group trailer counts {seg.get(0)} messages, "
                                f"the group has {messages_in_group}")
        elif seg.tag == "UNZ":
            unz_seen = True
            if current is not None:
                problems.add(seg.line, f"{seg.where()}: the interchange ends inside message "
                                       f"{current.reference!r} (no UNT): truncated?")
                current = None
            if unb is not None and seg.get(1) and seg.get(1) != ic.reference:
                warnings.append(f"{seg.where()}: interchange reference {seg.get(1)!r} differs from UNB's {ic.reference!r}")
        elif current is not None:
            current.body.append(seg)
        else:
            problems.add(seg.line, f"{seg.where()}: segment outside any message (UNH...UNT)")
    if current is not None:
        problems.add(None, f"the file ends inside message {current.reference!r} (no UNT): truncated?")
    elif unb is not None and not unz_seen and not problems:
        problems.add(None, "the interchange has no trailer UNZ: the file is truncated?")
    if not ic.messages and not problems:
        problems.add(None, "the file holds no message (UNH...UNT)")
    return None if problems else ic
