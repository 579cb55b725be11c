"""Connection state of a lane, as an enum with listeners (OctoPrint's seam)."""

from __future__ import annotations

import enum
import logging
import threading
from typing import Callable

log = logging.getLogger(__name__)


class ConnectionState(str, enum.Enum):
    """What the appliance and the console are told about a reader."""

    STOPPED = "stopped"
    DISCONNECTED = "disconnected"
    CONNECTED = "connected"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


Listener = Callable[[dict], None]


class StateHolder:
    """Holds a state and its detail; tells every listener about each change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self.state = ConnectionState.STOPPED
        self.detail = ""

    def add_listener(self, fn: Listener) -> None:
        """Call ``fn(status_dict)`` on every state change."""
        with self._lock:
            self._listeners.append(fn)

    def remove_listener(self, fn: Listener) -> None:
        """Stop calling ``fn``."""
        with self._lock:
            if fn in self._listeners:
                self._listeners.remove(fn)

    def set_state(self, state: ConnectionState, detail: str = "") -> bool:
        """Change state; notify listeners when state or detail changed. True if it changed."""
        with self._lock:
            if state == self.state and detail == self.detail:
                return False
            self.state, self.detail = state, detail
            listeners = list(self._listeners)
        status = self.status()
        for fn in listeners:
            try:
                fn(status)
            except Exception as exc:  # a listener must not take the lane down
                log.error("state listener failed (%s)", type(exc).__name__)
                log.debug("state listener failure", exc_info=True)
        return True

    def status(self) -> dict:
        """The status dict sent to listeners (subclasses add more)."""
        return {"state": self.state.value, "detail": self.detail}
