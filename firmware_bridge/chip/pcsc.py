"""PC/SC access through pyscard: find a reader, connect to the card, exchange APDUs.

Every pyscard failure becomes a :class:`ChipError` subclass with a plain message: no PC/SC
service, no reader, no card (``ChipAbsent``) or a card that left mid-read (``CardRemoved``).
"""

from __future__ import annotations

import logging

from .errors import CardRemoved, ChipAbsent, ReaderError

log = logging.getLogger(__name__)


def _smartcard():
    try:
        from smartcard import Exceptions, System
        from smartcard.CardConnection import CardConnection
    except ImportError as exc:  # pragma: no cover - the chip extra is not installed
        raise ReaderError("chip reading needs pyscard (pip install 'border-screening-appliance[chip]')") from exc
    return Exceptions, System, CardConnection


def list_readers() -> list[str]:
    """Names of the PC/SC readers, in the order PC/SC gives them."""
    exceptions, system, _ = _smartcard()
    try:
        return [str(r) for r in system.readers()]
    except exceptions.EstablishContextException as exc:
        raise ReaderError(f"the PC/SC service (pcscd) is not running: {exc}") from None
    except Exception as exc:  # pyscard raises several kinds for a broken service
        raise ReaderError(f"PC/SC readers cannot be listed: {exc}") from None


def extended_length_from_atr(atr: bytes) -> bool:
    """Whether the ATR's historical bytes announce extended Lc/Le (card capabilities, tag 0x73)."""
    if len(atr) < 2:
        return False
    t0 = atr[1]
    pos, y, k = 2, t0 >> 4, t0 & 0x0F
    tck = False
    while True:  # skip interface bytes
        pos += bin(y).count("1") - (1 if y & 0x8 else 0)
        if y & 0x8:
            if pos >= len(atr):
                return False
            td = atr[pos]
            pos += 1
            tck = tck or (td & 0x0F) != 0
            y = td >> 4
        else:
            break
    hist = atr[pos:pos + k]
    if not hist or hist[0] != 0x80:
        return False
    i = 1
    while i < len(hist):
        tag, length = hist[i] >> 4, hist[i] & 0x0F
        value = hist[i + 1:i + 1 + length]
        if tag == 0x7 and len(value) >= 3:
            return bool(value[2] & 0x40)
        i += 1 + length
    return False


class PcscTransport:
    """One connection to the card in a PC/SC reader."""

    def __init__(self, reader: str | None = None):
        self.requested = reader
        self.name: str | None = None
        self.connection = None
        self.atr = b""

    def open(self) -> "PcscTransport":
        """Connect to the card in the named (or first) reader."""
        exceptions, system, card_connection = _smartcard()
        names = list_readers()
        if not names:
            raise ReaderError("no PC/SC reader is connected")
        if self.requested:
            matches = [n for n in names if n == self.requested] or [n for n in names if n.startswith(self.requested)]
            if not matches:
                raise ReaderError(f"no PC/SC reader named {self.requested!r} (readers: {', '.join(names)})")
            self.name = matches[0]
        else:
            self.name = names[0]
        reader = next(r for r in system.readers() if str(r) == self.name)
        try:
            self.connection = reader.createConnection()
            self.connection.connect(card_connection.T1_protocol | card_connection.T0_protocol)
            self.atr = bytes(self.connection.getATR())
        except exceptions.NoCardException:
            raise ChipAbsent(f"no chip in the field of reader {self.name!r}") from None
        except exceptions.CardConnectionException as exc:
            msg = str(exc).lower()
            if "no smart card" in msg or "not present" in msg or "removed" in msg or "unresponsive" in msg:
                raise ChipAbsent(f"no chip in the field of reader {self.name!r}") from None
            raise ReaderError(f"cannot connect to the chip in {self.name!r}: {exc}") from None
        log.debug("connected to %s, ATR %s", self.name, self.atr.hex())
        return self

    def transmit(self, apdu: bytes) -> bytes:
        """Send one APDU and return the response bytes (data + SW)."""
        exceptions, _, _ = _smartcard()
        if self.connection is None:
            raise CardRemoved("the card connection is closed")
        try:
            data, sw1, sw2 = self.connection.transmit(list(apdu))
        except exceptions.CardConnectionException as exc:
            raise CardRemoved(f"the chip left the reader's field during the read ({exc})") from None
        return bytes(data) + bytes([sw1, sw2])

    def close(self) -> None:
        """Disconnect (ignoring a card that is already gone)."""
        if self.connection is not None:
            try:
                self.connection.disconnect()
            except Exception:  # the card or the service may already be gone
                pass
            self.connection = None
