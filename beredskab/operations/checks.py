"""What every doctor check takes and gives: a ``Context`` in, one ``Check`` (a table row) out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from beredskab.operations.texts import say

if TYPE_CHECKING:
    from beredskab.i18n import Language
    from beredskab.settings import Settings

Status = Literal["pass", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    """One row of the doctor's table: the check's name, its status, what was found and, for
    a warning or failure, what to do."""

    name: str
    status: Status
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class Context:
    """What every check gets: the settings, the output language, the time limit (seconds)
    and where the settings came from."""

    settings: Settings
    language: Language
    seconds: float
    source: str

    def say(self, key: str, **values: object) -> str:
        """A text in the report's language."""
        return say(key, self.language, **values)
