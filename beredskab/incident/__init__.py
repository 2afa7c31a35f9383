"""Incident-domain use cases (the target grouping of DESIGN §2)."""
