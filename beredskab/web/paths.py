"""Path parameters that only match what can exist: ``{name:id}`` is an id, 1..2^31-1.

A path whose id is not ASCII digits or is out of range matches no route, so it is a plain
404 on every page and API call, the same on SQLite and PostgreSQL, and never reaches the
database. Route modules import ``ID`` so the convertor is registered before their paths are
compiled.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

from beredskab.boundary.bounds import ID_REGEX


class IdConvertor(Convertor[int]):
    """``{name:id}``: ASCII digits, 1..MAX_ID."""

    regex = ID_REGEX

    def convert(self, value: str) -> int:
        """The id."""
        return int(value)

    def to_string(self, value: int) -> str:
        """The id as written in a path."""
        return str(value)


register_url_convertor("id", IdConvertor())
ID = "id"
"""The convertor's name, as in ``/incidents/{incident_id:id}``."""
