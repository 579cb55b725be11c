"""Booth terminal, technician console and JSON API (Flask)."""
