"""Root exception of the firmware_bridge package, and the bridge's specific errors."""


class BridgeError(Exception):
    """Root of every error raised by firmware_bridge."""

    exit_code = 1


class PortError(BridgeError):
    """A serial port could not be opened or used (absent, busy, no permission)."""

    def __init__(self, message: str, *, reason: str = "error"):
        super().__init__(message)
        #: "absent", "permission", "busy", "settings" or "error"
        self.reason = reason


class ProfileError(BridgeError):
    """An unknown wire profile or unusable profile settings."""


class LaneError(BridgeError):
    """A lane is unknown or its settings cannot be used."""


class DeliveryError(BridgeError):
    """Reads cannot be handed to the appliance (configuration or queue problem)."""


class QueueFullError(DeliveryError):
    """The on-disk delivery queue holds bridge.queue_max reads already."""


class SimulatorError(BridgeError):
    """The virtual scanner cannot start or was given unusable documents."""
