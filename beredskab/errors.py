"""Errors raised by the beredskab use cases. Messages tell the user what to do next.

BeredskabError
├── ConfigError          (settings or plan files cannot be used)
├── PlanInvalidError     (playbooks/directory fail validation; carries every problem)
├── NotFoundError        (no such incident, step, task or person)
├── NotAuthorisedError   (the actor's roles do not allow the action; audited)
├── InvalidStateError    (the action does not fit the current state, e.g. closed incident)
│   └── incident.facts.NoPoliceCaseError (a journal number for a playbook without a police case)
├── signin.SignInError   (a web sign-in code was wrong, expired, used or throttled)
└── api_tokens.TokenRefused (an API token is unknown, revoked or acts for nobody)

``render(exc, language)`` gives the text in Danish or English: the English template is the
message id of its Danish translation in the ``errors`` catalog domain
(``beredskab/locale/<language>/LC_MESSAGES/errors.po``; the English catalog holds the template
itself). Enum values shown inside an error are the catalog's ``word:Class.value`` (or
``word:value``). A test checks that every template raised in ``beredskab`` is in the catalog.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import TYPE_CHECKING

from beredskab.catalog.texts import Texts

if TYPE_CHECKING:
    from beredskab.i18n import Language


texts = Texts("errors")
"""Error templates (msgid = the English template) and the words for enum values in them."""

_WORDS = texts.mark(
    "word:pending",
    "word:active",
    "word:done",
    "word:skipped",
    "word:assigned",
    "word:accepted",
    "word:declined",
    "word:cancelled",
    "word:confirmed",
    "word:closed",
    "word:draft",
    "word:approved",
    "word:sent",
    "word:discarded",
    "word:Problem.invalid",
    "word:Problem.unknown",
    "word:Problem.used",
    "word:Problem.expired",
    "word:Problem.closed",
    "word:Problem.retired",
    "word:SignInProblem.wrong",
    "word:SignInProblem.expired",
    "word:SignInProblem.used",
    "word:SignInProblem.too-many",
    "word:SignInProblem.throttled",
    "word:Refusal.invalid",
    "word:Refusal.unknown",
    "word:Refusal.foreign",
    "word:Refusal.used",
    "word:Refusal.stale",
)
"""Enum values shown in words inside an error: ``word:Class.value`` first, then ``word:value``."""


class BeredskabError(Exception):
    """Base of every error raised by beredskab.

    Raise with an English message template and its values, never an f-string:
    ``NotFoundError("incident {nr} does not exist", nr=nr)``. ``str(exc)`` is the English
    text; the interfaces render it in the reader's language from the template.
    """

    def __init__(self, message: str = "", /, **values: object) -> None:
        self.template = message
        self.values = values
        super().__init__(message.format(**values) if values else message)


class ConfigError(BeredskabError):
    """The configuration cannot be used as given."""


class PlanInvalidError(BeredskabError):
    """The plan files failed validation; ``problems`` lists every problem as text."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(
            "the plan has {count} problem(s):\n{problems}",
            count=len(problems),
            problems="\n".join(problems),
        )
        self.problems = tuple(problems)


class NotFoundError(BeredskabError):
    """The named incident, step, task or person does not exist."""


class NotAuthorisedError(BeredskabError):
    """The actor may not do this."""


class InvalidStateError(BeredskabError):
    """The action does not fit the current state."""


class Phrase:
    """A part of a message with its own template and values, translated with the message
    (e.g. what an actor may not do): ``Phrase("finish step {position}", position=3)``."""

    def __init__(self, template: str, /, **values: object) -> None:
        self.template = template
        self.values = values

    def __str__(self) -> str:
        return self.template.format(**self.values) if self.values else self.template

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def render(exc: BaseException, language: Language) -> str:
    """The error as the reader reads it: Danish from the catalog, else the English text.

    Values that are enum members (a status, a problem code) are translated too; a template
    missing from the catalog, or one that does not fit its values, falls back to English.
    """
    if language != "da" or not isinstance(exc, BeredskabError) or not exc.template:
        return str(exc)
    return _translated(exc.template, exc.values) or str(exc)


def _translated(template: str, values: dict[str, object]) -> str | None:
    """The Danish text of ``template`` with ``values``, or None when the catalog lacks it."""
    if not texts.has(template, "da"):
        return None
    shown: dict[str, object] = {}
    for key, value in values.items():
        if isinstance(value, Phrase):
            shown[key] = _translated(value.template, value.values) or str(value)
        elif isinstance(value, Enum):
            shown[key] = _word(f"{type(value).__name__}.{value.value}", str(value.value))
        else:
            shown[key] = value
    try:
        return texts.raw(template, "da").format(**shown)
    except (KeyError, IndexError, ValueError):
        return None


def _word(qualified: str, bare: str) -> str:
    """An enum value in Danish words: the class's own word, the shared one, or the value."""
    for key in (f"word:{qualified}", f"word:{bare}"):
        if key in _WORDS:
            return texts.raw(key, "da")
    return bare
