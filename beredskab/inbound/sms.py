"""The SMS command grammar: an inbound SMS body becomes one typed command. Pure, no I/O.

Danish keywords with English aliases, case-insensitive, tolerant of extra spaces, newlines
and trailing punctuation::

    AKTIVER <1|2|playbook id> <PIN> [JOURNAL <journalnr> | AFVENTER] [beskrivelse]
                                 ACTIVATE … [CASE <number> | PENDING] [description]
    OK [kode]                                         (acknowledge)
    NEJ [kode] / KAN IKKE [kode]                      NO (decline)
    JA                                                YES (sign-off, contact check)
    STATUS [nr]
    LOG <tekst>
    OPGAVE <nr> OK|UDFØRT|NEJ [resultat]              TASK <nr> OK|DONE|NO [outcome]
    JOURNAL <nr> <journalnr>                          CASE (police journal number)
    AFSLUT <nr> <PIN>                                 CLOSE
    HJÆLP                                             HELP, HJAELP
    TILMELD <zone> [sprog]                            SUBSCRIBE (residents, any number)
    STOP / AFMELD                                     UNSUBSCRIBE (residents, any number)

Anything else is ``Unknown``; a known keyword with wrong arguments is ``Malformed``, whose
message says the right form. What to answer (the usage, the hint) is in the ``sms`` catalog
domain; the parser itself only names it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from beredskab.i18n import Language
from beredskab.inbound.sms_texts import text
from beredskab.models import TaskStatus
from beredskab.residents import choices

_TRAILING = ".,;:!?"
_NUMBER = re.compile(r"#?([0-9]{1,9})")
_PIN = re.compile(r"[0-9]{1,16}")


@dataclass(frozen=True)
class Activate:
    """Open (or join) an incident of a playbook; the PIN is the second factor."""

    playbook: str
    pin: str = field(repr=False)
    description: str = ""
    police_case: str = ""
    """The police journal number after ``JOURNAL`` (group 2)."""
    police_case_pending: bool = False
    """``AFVENTER``: the journal number comes later (group 2)."""


@dataclass(frozen=True)
class Ack:
    """Confirm the latest open request to this number, or the one of incident ``code``."""

    code: int | None = None


@dataclass(frozen=True)
class Decline:
    """Cannot take part: the latest open request, or the one of incident ``code``."""

    code: int | None = None


@dataclass(frozen=True)
class Yes:
    """Answer the newest open plan sign-off or contact verification request to this number."""


@dataclass(frozen=True)
class Status:
    """A short overview of one incident (or the newest open one)."""

    incident: int | None = None


@dataclass(frozen=True)
class Log:
    """Add a note to the situation log."""

    text: str


@dataclass(frozen=True)
class TaskAction:
    """Accept, finish (with outcome) or decline outreach task ``number``."""

    number: int
    status: TaskStatus
    outcome: str = ""


@dataclass(frozen=True)
class Journal:
    """Set or correct the police journal number of incident ``incident``."""

    incident: int
    police_case: str


@dataclass(frozen=True)
class Close:
    """Stand an incident down; the PIN is the second factor."""

    incident: int
    pin: str = field(repr=False)


@dataclass(frozen=True)
class Help:
    """List the commands."""


@dataclass(frozen=True)
class Subscribe:
    """A resident subscribes to resident messages of ``zone`` in ``language``."""

    zone: int
    language: str = "da"


@dataclass(frozen=True)
class Unsubscribe:
    """A resident stops resident messages."""


@dataclass(frozen=True)
class Unknown:
    """Not a command; the answer (``sms`` text ``unknown_command``) says to send HJÆLP."""


@dataclass(frozen=True)
class Malformed:
    """A known command with wrong arguments; ``message`` gives the right form."""

    keyword: str

    @property
    def message(self) -> str:
        """The right form, in Danish."""
        return usage(self.keyword, "da")

    @property
    def message_en(self) -> str:
        """The right form, in English."""
        return usage(self.keyword, "en")


Command = (
    Activate
    | Ack
    | Decline
    | Yes
    | Status
    | Log
    | TaskAction
    | Journal
    | Close
    | Help
    | Subscribe
    | Unsubscribe
    | Unknown
    | Malformed
)

USAGE = text.mark(
    "usage_aktiver",
    "usage_ok",
    "usage_nej",
    "usage_status",
    "usage_log",
    "usage_opgave",
    "usage_journal",
    "usage_afslut",
    "usage_tilmeld",
)
"""The ``sms`` texts that give a keyword's right form: ``usage_<keyword>``."""


def usage(keyword: str, language: Language = "da") -> str:
    """The right form of a keyword's command (``AKTIVER``, ``TILMELD`` …), one SMS."""
    return text(f"usage_{keyword.lower()}", language)


_KEYWORDS: dict[str, str] = {
    "aktiver": "AKTIVER",
    "aktivér": "AKTIVER",
    "activate": "AKTIVER",
    "ok": "OK",
    "nej": "NEJ",
    "no": "NEJ",
    "ja": "JA",
    "yes": "JA",
    "status": "STATUS",
    "log": "LOG",
    "opgave": "OPGAVE",
    "task": "OPGAVE",
    "journal": "JOURNAL",
    "journalnr": "JOURNAL",
    "case": "JOURNAL",
    "afslut": "AFSLUT",
    "close": "AFSLUT",
    "hjælp": "HJÆLP",
    "hjaelp": "HJÆLP",
    "hjalp": "HJÆLP",
    "help": "HJÆLP",
    "?": "HJÆLP",
    "tilmeld": "TILMELD",
    "subscribe": "TILMELD",
    "stop": "STOP",
    "stopall": "STOP",
    "afmeld": "STOP",
    "unsubscribe": "STOP",
}

RESIDENT_ZONES = frozenset(choices.ZONES)
RESIDENT_LANGUAGES = choices.LANGUAGES
"""``TILMELD <zone> [sprog]``: the zones and language codes a resident may choose."""

_TASK_WORDS: dict[str, TaskStatus] = {
    "ok": TaskStatus.ACCEPTED,
    "udført": TaskStatus.DONE,
    "udfoert": TaskStatus.DONE,
    "udfort": TaskStatus.DONE,
    "done": TaskStatus.DONE,
    "nej": TaskStatus.DECLINED,
    "no": TaskStatus.DECLINED,
}


def _word(token: str) -> str:
    """A token as a keyword: case-folded, trailing punctuation removed."""
    return token.rstrip(_TRAILING).casefold() or token.casefold()


def _number(token: str) -> int | None:
    match = _NUMBER.fullmatch(token.rstrip(_TRAILING))
    return int(match.group(1)) if match else None


def _pin(token: str) -> str | None:
    value = token.rstrip(_TRAILING)
    return value if _PIN.fullmatch(value) else None


def _malformed(keyword: str) -> Malformed:
    return Malformed(keyword=keyword)


def parse(body: str) -> Command:
    """Parse one SMS body into a command."""
    tokens = unicodedata.normalize("NFKC", body).split()
    if not tokens:
        return Unknown()
    first = _word(tokens[0])
    if first == "kan" and len(tokens) > 1 and _word(tokens[1]) == "ikke":
        keyword, args = "NEJ", tokens[2:]
    elif first in _KEYWORDS:
        keyword, args = _KEYWORDS[first], tokens[1:]
    else:
        return Unknown()
    match keyword:
        case "AKTIVER":
            return _activate(args)
        case "OK" | "NEJ":
            return _reply(keyword, args)
        case "JA":
            return Yes()
        case "STATUS":
            if not args:
                return Status()
            number = _number(args[0])
            return Status(number) if number is not None and len(args) == 1 else _malformed(keyword)
        case "LOG":
            text = " ".join(args)
            return Log(text) if text.strip(_TRAILING + " ") else _malformed(keyword)
        case "OPGAVE":
            return _task(args)
        case "JOURNAL":
            number = _number(args[0]) if args else None
            case = " ".join(args[1:]).rstrip(_TRAILING)
            if number is None or not case:
                return _malformed(keyword)
            return Journal(incident=number, police_case=case)
        case "AFSLUT":
            number = _number(args[0]) if args else None
            pin = _pin(args[1]) if len(args) == 2 else None
            if number is None or pin is None:
                return _malformed(keyword)
            return Close(incident=number, pin=pin)
        case "TILMELD":
            return _subscribe(args)
        case "STOP":
            return Unsubscribe()
        case _:
            return Help()


def _subscribe(args: list[str]) -> Command:
    zone = _number(args[0]) if args else None
    language = _word(args[1]) if len(args) > 1 else "da"
    if zone not in RESIDENT_ZONES or language not in RESIDENT_LANGUAGES or len(args) > 2:
        return _malformed("TILMELD")
    return Subscribe(zone=zone, language=language)


def _activate(args: list[str]) -> Command:
    # "AKTIVER GRUPPE 2 ..." reads as "AKTIVER 2 ...".
    if len(args) > 1 and _word(args[0]) in {"gruppe", "group"} and _number(args[1]) is not None:
        args = args[1:]
    if len(args) < 2:
        return _malformed("AKTIVER")
    pin = _pin(args[1])
    if pin is None:
        return _malformed("AKTIVER")
    rest, case, pending = args[2:], "", False
    if rest and _word(rest[0]) in _CASE_WORDS:
        if len(rest) < 2 or not rest[1].rstrip(_TRAILING):
            return _malformed("AKTIVER")
        case, rest = rest[1].rstrip(_TRAILING), rest[2:]
    elif rest and _word(rest[0]) in _PENDING_WORDS:
        pending, rest = True, rest[1:]
    return Activate(
        playbook=_word(args[0]).lstrip("#"),
        pin=pin,
        description=" ".join(rest),
        police_case=case,
        police_case_pending=pending,
    )


_CASE_WORDS = frozenset({"journal", "journalnr", "case"})
"""``AKTIVER 2 <PIN> JOURNAL <nr> …``: the police journal number follows."""
_PENDING_WORDS = frozenset({"afventer", "pending"})
"""``AKTIVER 2 <PIN> AFVENTER …``: the journal number comes later."""


def _reply(keyword: str, args: list[str]) -> Command:
    # "OK 4" names the incident; "OK, modtaget" or "Ok tak" is a plain OK.
    code = _number(args[0]) if args else None
    if args and code is None and args[0].lstrip("#").rstrip(_TRAILING).isdigit():
        return _malformed(keyword)
    return Ack(code) if keyword == "OK" else Decline(code)


def _task(args: list[str]) -> Command:
    if len(args) < 2:
        return _malformed("OPGAVE")
    number = _number(args[0])
    status = _TASK_WORDS.get(_word(args[1]))
    if number is None or status is None:
        return _malformed("OPGAVE")
    return TaskAction(number=number, status=status, outcome=" ".join(args[2:]))
