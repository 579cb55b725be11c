"""Named migrations of the screening engine's derived index tables."""

from sqlite_utils import Migrations

migrations = Migrations("appliance.screening")
