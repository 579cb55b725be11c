"""The appliance service: local store, lists, screening engine, booth and console."""

__version__ = "0.1.0"
