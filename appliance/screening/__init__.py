"""Screening engine: MRZ-aware watchlist matching and lost/stolen document checks."""
