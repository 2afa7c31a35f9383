"""Persistence: SQLAlchemy 2 (async) on SQLite or PostgreSQL: tables, migrations, repositories,
commit signals, and the situation log's hash chain (``chain``). Nothing outside imports
sqlalchemy."""

from beredskab.storage.db import Database, Tx
from beredskab.storage.transient import is_transient

__all__ = ["Database", "Tx", "is_transient"]
