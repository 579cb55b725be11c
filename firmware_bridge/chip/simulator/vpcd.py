"""Present a virtual chip to PC/SC through vsmartcard's vpcd reader driver (a separate program).

The driver (Debian package ``vsmartcard-vpcd``, loaded by ``pcscd``) listens on TCP 35963 for
reader slot 0 and 35964 for slot 1. A card is a client of that socket; every message is a
2-byte big-endian length and a payload. One-byte payloads are reader events (0 power off,
1 power on, 2 reset, 4 "send your ATR"); longer ones are command APDUs answered with the
response APDU. Closing the socket removes the card.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

from ..errors import ChipError

log = logging.getLogger(__name__)
VPCD_PORT = 35963
POWER_OFF, POWER_ON, RESET, GET_ATR = 0, 1, 2, 4


class VpcdError(ChipError):
    """The vpcd reader driver cannot be reached (pcscd not running, or vsmartcard-vpcd missing)."""


def _quickack(sock: socket.socket) -> None:
    """Acknowledge at once: the driver writes length and payload separately, and a delayed ACK
    would hold its second write back by 40 ms (Nagle) on every APDU."""
    if hasattr(socket, "TCP_QUICKACK"):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        except OSError:
            pass


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        _quickack(sock)
        part = sock.recv(n - len(buf))
        if not part:
            return None
        buf += part
    return buf


class VirtualCardSlot:
    """Inserts ``card`` into a vpcd reader slot until stopped (or until a fault removes it)."""

    def __init__(self, card, *, host: str = "127.0.0.1", port: int = VPCD_PORT, remove_after: int | None = None,
                 connect_timeout: float = 15.0):
        self.card, self.host, self.port = card, host, port
        self.remove_after = remove_after
        self.connect_timeout = connect_timeout
        self.apdus = 0
        self.powered = threading.Event()
        self.removed = threading.Event()
        self._stop = threading.Event()
        self._sock: socket.socket | None = None

    def connect(self) -> None:
        """Connect to the driver (retrying while pcscd starts); VpcdError when it never answers."""
        deadline = time.monotonic() + self.connect_timeout
        while True:
            try:
                self._sock = socket.create_connection((self.host, self.port), timeout=2)
                self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._sock.settimeout(0.5)
                return
            except OSError as exc:
                if time.monotonic() > deadline or self._stop.is_set():
                    raise VpcdError(f"no virtual reader on {self.host}:{self.port} ({exc}): is pcscd running with "
                                    "the vsmartcard-vpcd driver?") from None
                time.sleep(0.2)

    def serve(self) -> None:
        """Answer the driver until stopped, the socket closes, or the removal fault fires."""
        sock = self._sock
        if sock is None:
            self.connect()
            sock = self._sock
        try:
            while not self._stop.is_set():
                try:
                    head = _recv_exact(sock, 2)
                except socket.timeout:
                    continue
                if head is None:
                    log.info("the virtual reader closed the connection")
                    return
                length = int.from_bytes(head, "big")
                sock.settimeout(5)
                payload = _recv_exact(sock, length) if length else b""
                sock.settimeout(0.5)
                if payload is None:
                    return
                if len(payload) == 1:
                    self._control(sock, payload[0])
                    continue
                self.apdus += 1
                if self.remove_after is not None and self.apdus > self.remove_after:
                    log.info("fault: card removed after %d APDUs", self.remove_after)
                    return
                response = self.card.transmit(payload)
                sock.sendall(len(response).to_bytes(2, "big") + response)
        except OSError as exc:
            if not self._stop.is_set():  # closing the socket to stop is not news
                log.info("virtual reader connection lost: %s", exc)
        finally:
            self.removed.set()
            self.close()

    def _control(self, sock: socket.socket, code: int) -> None:
        if code in (POWER_OFF, POWER_ON, RESET):
            self.card.reset()
        elif code == GET_ATR:
            sock.sendall(len(self.card.atr).to_bytes(2, "big") + self.card.atr)
            self.powered.set()

    def stop(self) -> None:
        """Remove the card and stop serving."""
        self._stop.set()
        self.close()

    def close(self) -> None:
        """Close the socket (the reader sees the card removed)."""
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None
