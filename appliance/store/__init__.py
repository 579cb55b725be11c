"""Local SQLite store: one database file, named migrations, lists and documents."""
