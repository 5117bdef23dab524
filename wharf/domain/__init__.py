"""Aggregates, their events and their rules. Nothing here knows about HTTP or SQL."""
