"""Root exception of the appliance package; edges turn these into user messages."""


class ApplianceError(Exception):
    """Root of every error the appliance raises on purpose."""
