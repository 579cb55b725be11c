"""The central hub: ``screening-hub`` (Flask + waitress) on SQLite or PostgreSQL."""
