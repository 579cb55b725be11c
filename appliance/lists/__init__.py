"""Watchlists and lost/stolen document lists: the model and the importers (pure parsing)."""

from .model import DateOfBirth, DocumentRecord, IdentityDocument, Name, WatchlistEntry

__all__ = ["DateOfBirth", "DocumentRecord", "IdentityDocument", "Name", "WatchlistEntry"]
