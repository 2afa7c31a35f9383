"""Persistence: SQLAlchemy 2 (async) on SQLite or PostgreSQL. Nothing outside imports sqlalchemy."""

from beredskab.storage.db import Database, Tx

__all__ = ["Database", "Tx"]
