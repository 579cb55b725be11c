"""Wire profiles: one small module per reader family, pure bytes-in / frames-out code.

Each module defines ``NAME``, ``encode(lines) -> bytes`` (what that reader sends, used by
the virtual scanner and the tests) and ``DECODER`` (a :class:`~.base.Decoder` subclass).
Adding a profile is one module plus one line in ``_MODULES``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ..errors import ProfileError
from .base import Decoder, Frame

_MODULES = {
    "lines": "lines",
    "access-is": "access_is",
    "desko-cute": "desko_cute",
    "rte": "rte",
    "idbox": "idbox",
    "auto": "auto",
}
#: Every profile name, in documentation order.
PROFILES = tuple(_MODULES)

__all__ = ["Decoder", "Frame", "PROFILES", "decoder_for", "encode", "profile_module"]


def profile_module(name: str) -> ModuleType:
    """Return the module of profile ``name``; raise ProfileError for an unknown one."""
    try:
        module = _MODULES[name]
    except KeyError:
        raise ProfileError(f"unknown profile {name!r} (known: {', '.join(PROFILES)})") from None
    return importlib.import_module(f"{__name__}.{module}")


def decoder_for(name: str, *, frame_timeout: float = 0.2) -> Decoder:
    """A fresh stream decoder for profile ``name``."""
    return profile_module(name).DECODER(frame_timeout=frame_timeout)


def encode(name: str, lines: list[str]) -> bytes:
    """Bytes a reader of profile ``name`` sends for a document made of ``lines``."""
    return profile_module(name).encode(lines)
