"""Named migrations of the lists and documents store."""

from sqlite_utils import Migrations

migrations = Migrations("appliance.store")
