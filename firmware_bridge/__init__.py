"""Device side of the appliance: the ICAO 9303 MRZ engine, reader wire profiles and lanes.

Nothing in this package imports Flask or the appliance's store; the appliance uses it,
never the reverse (except that lanes read their settings from the appliance
configuration file through :mod:`appliance.config`).
"""

__version__ = "0.1.0"
