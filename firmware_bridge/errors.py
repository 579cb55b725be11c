"""Root exception of the firmware_bridge package."""


class BridgeError(Exception):
    """Root of every error raised by firmware_bridge."""
