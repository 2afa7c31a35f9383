"""A consistent copy of a SQLite database while the service runs (SQLite's online backup API).

``backup_sqlite`` copies every page in one step of ``sqlite3.Connection.backup``: that step
reads inside one read transaction, so the copy is a snapshot of one moment, and in WAL mode
it does not block the service's writers (nor do they disturb it). The copy is written to a
private temporary file next to the target (mode 0600: it holds personal data), checked with
``PRAGMA integrity_check``, switched to the rollback journal (a single self-contained file)
and renamed into place, so the target is complete or absent. PostgreSQL is backed up with
``pg_dump`` (README: Running it in production).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from beredskab.errors import ConfigError, InvalidStateError


@dataclass(frozen=True)
class Backup:
    """A finished backup: where it is and how large."""

    path: Path
    bytes: int


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL; None for another database (PostgreSQL)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise ConfigError("an in-memory SQLite database cannot be backed up")
    return Path(parsed.database)


def backup_sqlite(source: Path, target: Path) -> Backup:
    """Copy the SQLite database ``source`` to the new file ``target`` (not overwritten)."""
    if not source.is_file():
        raise ConfigError(
            "there is no database at {path}; check [service] data_dir and --config", path=source
        )
    if target.exists():
        raise InvalidStateError(
            "{path} exists already; choose a new file name (a backup never overwrites)",
            path=target,
        )
    folder = target.parent if str(target.parent) else Path()
    if not folder.is_dir():
        raise ConfigError("the folder {path} does not exist", path=folder)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)  # mkstemp made it 0600; SQLite opens it by name
    try:
        with closing(sqlite3.connect(source)) as src:
            src.execute("PRAGMA busy_timeout = 30000")
            with closing(sqlite3.connect(temporary)) as copy:
                src.backup(copy, pages=-1)  # one step: a snapshot of one moment
                copy.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it
                [(verdict,)] = copy.execute("PRAGMA integrity_check").fetchall()
                if verdict != "ok":
                    raise InvalidStateError(
                        "the copy of {path} failed SQLite's integrity check: {verdict}",
                        path=source,
                        verdict=verdict,
                    )
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.link(temporary, target)  # fails rather than replace a file made meanwhile
    except FileExistsError:
        raise InvalidStateError(
            "{path} exists already; choose a new file name (a backup never overwrites)",
            path=target,
        ) from None
    except sqlite3.Error as error:
        raise InvalidStateError(
            "the backup of {path} failed: {reason}", path=source, reason=str(error)
        ) from error
    finally:
        os.unlink(temporary)
    return Backup(target, target.stat().st_size)
