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
"""

from __future__ import annotations

from collections.abc import Sequence


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
        super().__init__(f"the plan has {len(problems)} problem(s):\n" + "\n".join(problems))
        self.problems = tuple(problems)


class NotFoundError(BeredskabError):
    """The named incident, step, task or person does not exist."""


class NotAuthorisedError(BeredskabError):
    """The actor may not do this."""


class InvalidStateError(BeredskabError):
    """The action does not fit the current state."""
