"""Journal-friendly structured logging that keeps personal data out of everything above DEBUG.

``configure(level)`` installs one handler on the root logger. Under systemd (stderr is the
journal stream) each line starts with a ``<N>`` syslog priority so ``journalctl -p`` works,
and carries no timestamp (the journal adds one); in a terminal lines get a UTC timestamp.
Extra fields passed with ``log.info(..., extra={...})`` are appended as ``key=value``.

Every record above DEBUG goes through :class:`RedactingFilter`: MRZ text, and the values
of keys that hold names, document numbers or dates of birth, become ``[redacted]``. Code
that wants to log a personal value at DEBUG and hide it above wraps it in :class:`Personal`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import sys
from typing import Any, TextIO

REDACTED = "[redacted]"

#: MRZ-like text: a run as long as an MRZ line (30, 36 or 44) of the MRZ alphabet, a run
#: with a filler pair (also with the reject characters _ and * of partial reads), or a
#: code with a filler inside (``UTO<D231458907``).
_MRZ_CHARS = r"A-Z0-9<_*"
_MRZ_RE = re.compile(
    rf"(?<![A-Za-z0-9<_*])(?:[A-Z0-9<]{{28,}}|[{_MRZ_CHARS}]*<<[{_MRZ_CHARS}]*|[A-Z0-9]+<[A-Z0-9<]{{4,}})"
    rf"(?![A-Za-z0-9<_*])"
)
#: Keys whose values are personal data (names, numbers, birth dates, MRZ text).
PERSONAL_KEYS = (
    "mrz", "mrz_text", "raw_mrz", "best_guess",
    "surname", "surnames", "given_names", "given_name", "first_name", "last_name",
    "name", "names", "full_name", "primary_name", "holder", "holder_name", "aliases", "alias",
    "document_number", "document_no", "doc_number", "number", "passport_number",
    "birth_date", "date_of_birth", "dob", "birth", "born",
)
_KEY_RE = re.compile(
    r"""(?<![A-Za-z0-9_])(?P<q>["']?)(?P<key>"""
    + "|".join(sorted((re.escape(k) for k in PERSONAL_KEYS), key=len, reverse=True))
    + r""")(?P=q)(?P<sep>\s*[=:]\s*|\s+)"""
    r"""(?P<val>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\[[^\]]*\]|\([^)]*\)|[^\s,;}\])]+)""",
    re.IGNORECASE,
)
#: Keys holding a person's name: an unquoted value runs on over the following capitalised
#: words (``name=Ivan Fictitious Traveller lane=lane1``, ``name=national version 3``).
NAME_KEYS = ("surname", "surnames", "given_names", "given_name", "first_name", "last_name", "name", "names",
             "full_name", "primary_name", "holder", "holder_name", "alias", "traveller")
_WORD = r"""[^\s,;}\])=\["'(]+"""
_NAME_RE = re.compile(
    r"""(?<![A-Za-z0-9_])(?P<key>""" + "|".join(sorted(NAME_KEYS, key=len, reverse=True))
    + rf""")(?P<sep>\s*[=:]\s*)(?P<val>{_WORD}(?:[ ](?![^\s=]*=)(?-i:[A-Z][A-Za-z'-]*)(?![^\s,;}}\])]))*)""",
    re.IGNORECASE,
)
#: A date next to a word for birth: ``born 12 August 1974``, ``DOB 1974-08-12``, ``birth date: 740812``.
_DATE = r"(?:\d{4}-\d{2}-\d{2}|\d{1,2}[ ./-](?:\d{1,2}|[A-Za-z]{3,9})[ ./-]\d{2,4}|[A-Za-z]{3,9} \d{4}|\d{6}|\d{4})"
_BIRTH_RE = re.compile(
    r"(?<![A-Za-z0-9_])(?P<key>born(?: on)?|d\.?o\.?b\.?|birth[ _-]?date|date[ _-]of[ _-]birth|birth)"
    rf"(?P<sep>\s*[=:]?\s*)(?P<val>{_DATE})(?![0-9])",
    re.IGNORECASE,
)
#: A document number in prose (``passport L898902C3``, ``document no. 123456789``) or in a
#: ``STATE:NUMBER`` / ``STATE/NUMBER`` document key (``UTO:L898902C3``): a token with a digit.
_DOCNUM_RE = re.compile(
    r"(?<![A-Za-z0-9_])(?P<key>(?i:document|passport|travel document|id card|doc)(?:\s+(?i:no\.?|number|nr\.?|#))?"
    r"|[A-Z]{3})(?P<sep>\s*[:=#/]\s*|\s+)(?P<val>(?=[A-Z<]*[0-9])[A-Z0-9<]{5,15})(?![A-Za-z0-9<])"
)
#: The standard attributes of a LogRecord; anything else was passed with ``extra``.
_STANDARD_ATTRS = set(vars(logging.LogRecord("x", 0, "x", 0, "", (), None))) | {"message", "asctime", "taskName"}
_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}
_HANDLER_MARK = "_appliance_ops_handler"


class Personal:
    """A personal value: shown in DEBUG logs, replaced by ``[redacted]`` above DEBUG."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def __str__(self) -> str:
        return str(self.value)

    def __repr__(self) -> str:
        return repr(self.value)


def redact(text: str) -> str:
    """Replace MRZ text and values of personal keys in ``text`` with ``[redacted]``."""
    if not text:
        return text

    def _key(m: re.Match) -> str:
        sep = m.group("sep")
        if not sep.strip() and (m.group("key").lower() not in ("born", "mrz") or m.group("val") in ("on", REDACTED)):
            return m.group(0)  # "name lane1" is prose, only "born 1974" / "mrz P<..." are values
        return f"{m.group('q')}{m.group('key')}{m.group('q')}{sep}{REDACTED}"

    def _value(m: re.Match) -> str:
        return f"{m.group('key')}{m.group('sep')}{REDACTED}"

    text = _NAME_RE.sub(_value, text)
    text = _BIRTH_RE.sub(_value, text)
    text = _KEY_RE.sub(_key, text)
    text = _DOCNUM_RE.sub(_docnum, text)
    return _MRZ_RE.sub(REDACTED, text)


def _docnum(m: re.Match) -> str:
    """A document number after a document word, or after a three-letter state and : or /."""
    if m.group("key").isupper() and len(m.group("key")) == 3 and m.group("sep") not in (":", "/"):
        return m.group(0)  # "UTO L898..." without a separator is prose, not a document key
    return f"{m.group('key')}{m.group('sep')}{REDACTED}"


def _scrub_args(args: Any) -> Any:
    """Replace Personal values in log arguments."""
    if isinstance(args, dict):
        return {k: REDACTED if isinstance(v, Personal) else v for k, v in args.items()}
    if isinstance(args, tuple):
        return tuple(REDACTED if isinstance(a, Personal) else a for a in args)
    return args


class RedactingFilter(logging.Filter):
    """Redacts personal data from every record above DEBUG (message, extras and traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        if record.levelno <= logging.DEBUG:
            return True
        if record.args:
            record.args = _scrub_args(record.args)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: log the template, never the arguments
            message = f"{record.msg} [unformattable arguments]"
        record.msg = redact(str(message))
        record.args = None
        for key, value in list(vars(record).items()):
            if key in _STANDARD_ATTRS:
                continue
            if isinstance(value, Personal) or key.lower() in PERSONAL_KEYS:
                setattr(record, key, REDACTED)
            elif isinstance(value, str):
                setattr(record, key, redact(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class StructuredFormatter(logging.Formatter):
    """``<prio>LEVEL logger: message key=value`` for the journal, timestamped for terminals."""

    def __init__(self, journal: bool):
        super().__init__()
        self.journal = journal

    def format(self, record: logging.LogRecord) -> str:
        """Render one record as a single structured line (tracebacks follow, indented)."""
        message = record.getMessage()
        extras = [
            f"{k}={_quote(v)}" for k, v in vars(record).items()
            if k not in _STANDARD_ATTRS and not k.startswith("_")
        ]
        line = f"{record.levelname} {record.name}: {message}"
        if extras:
            line += " " + " ".join(extras)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line += "\n" + record.exc_text
        if record.stack_info:
            line += "\n" + record.stack_info
        if self.journal:
            prio = _PRIORITY.get(record.levelno, 6 if record.levelno < logging.WARNING else 3)
            # journald splits on newlines: keep continuation lines at the same priority
            return "\n".join(f"<{prio}>{part}" for part in line.split("\n"))
        stamp = dt.datetime.fromtimestamp(record.created, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        return f"{stamp}Z {line}"


def _quote(value: Any) -> str:
    """A logfmt value: quoted when it holds spaces or quotes."""
    text = str(value)
    if not text or any(c in text for c in ' "=\n'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return text


def journal_attached(stream: TextIO | None = None) -> bool:
    """True when ``stream`` (stderr by default) is connected to the systemd journal."""
    value = os.environ.get("JOURNAL_STREAM", "")
    if not value or ":" not in value:
        return False
    stream = stream or sys.stderr
    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    dev, _, ino = value.partition(":")
    return dev.isdigit() and ino.isdigit() and (st.st_dev, st.st_ino) == (int(dev), int(ino))


def configure(level: str | int = "INFO", *, stream: TextIO | None = None, journal: bool | None = None) -> logging.Handler:
    """Install the redacting, journal-friendly handler on the root logger; return it.

    Calling it again replaces the handler it installed before (handlers added by others,
    such as pytest's, are left alone).
    """
    if isinstance(level, str):
        numeric = logging.getLevelName(level.upper())
        if not isinstance(numeric, int):
            raise ValueError(f"unknown log level {level!r}")
        level = numeric
    stream = stream or sys.stderr
    if journal is None:
        journal = journal_attached(stream)
    root = logging.getLogger()
    for old in list(root.handlers):
        console = type(old) is logging.StreamHandler and old.stream in (sys.stderr, sys.stdout, stream)
        if getattr(old, _HANDLER_MARK, False) or console:
            root.removeHandler(old)  # ours from before, or basicConfig's: replaced below
        elif not any(isinstance(f, RedactingFilter) for f in old.filters):
            old.addFilter(RedactingFilter())  # whatever else listens must not see personal data
    handler = logging.StreamHandler(stream)
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(StructuredFormatter(journal))
    handler.addFilter(RedactingFilter())
    handler.setLevel(level)
    root.addHandler(handler)
    root.setLevel(level)
    return handler
