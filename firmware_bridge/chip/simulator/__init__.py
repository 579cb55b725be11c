"""A virtual ePassport: the chip (pure APDU state machine), its personalisation, and vpcd I/O."""

from .card import EmrtdCard
from .personalise import ChipProfile, personalise

__all__ = ["ChipProfile", "EmrtdCard", "personalise"]
