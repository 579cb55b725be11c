"""Named migrations of users, tokens, scans, dispositions and the audit log."""

from sqlite_utils import Migrations

migrations = Migrations("appliance.web")
