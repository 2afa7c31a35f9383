"""The SMS grammar: every command, its aliases, sloppy typing, and the right-form messages."""

from __future__ import annotations

import pytest

from beredskab.inbound.sms import (
    USAGE,
    Ack,
    Activate,
    Close,
    Command,
    Decline,
    Help,
    Log,
    Malformed,
    Status,
    TaskAction,
    Unknown,
    parse,
    usage,
)
from beredskab.inbound.sms_texts import text
from beredskab.models import TaskStatus

CASES: list[tuple[str, Command]] = [
    ("AKTIVER 2 1234", Activate("2", "1234")),
    ("aktiver 2 1234 Uro ved torvet", Activate("2", "1234", "Uro ved torvet")),
    ("  Aktiver   1\n4711  brand i\nopgang 3  ", Activate("1", "4711", "brand i opgang 3")),
    ("ACTIVATE gruppe-2 98765432 fight", Activate("gruppe-2", "98765432", "fight")),
    ("AKTIVER GRUPPE 2 1234 slagsmål.", Activate("2", "1234", "slagsmål.")),
    ("AKTIVER 2 1234.", Activate("2", "1234")),
    (
        "AKTIVER 2 1234 JOURNAL 3700-55 skud ved torvet",
        Activate("2", "1234", "skud ved torvet", police_case="3700-55"),
    ),
    ("aktiver 2 1234 journalnr 3700-55.", Activate("2", "1234", police_case="3700-55")),
    ("ACTIVATE 2 1234 CASE 3700-1 fight", Activate("2", "1234", "fight", police_case="3700-1")),
    ("AKTIVER 2 1234 afventer skud", Activate("2", "1234", "skud", police_case_pending=True)),
    ("ACTIVATE 2 1234 PENDING", Activate("2", "1234", police_case_pending=True)),
    ("OK", Ack()),
    ("ok.", Ack()),
    ("Ok 4", Ack(4)),
    ("OK #4!", Ack(4)),
    ("OK, modtaget", Ack()),
    ("ok tak", Ack()),
    ("NEJ", Decline()),
    ("nej 7", Decline(7)),
    ("KAN IKKE", Decline()),
    ("kan  ikke 3", Decline(3)),
    ("No 3", Decline(3)),
    ("STATUS", Status()),
    ("status 12?", Status(12)),
    ("LOG Politiet er ankommet.", Log("Politiet er ankommet.")),
    ("log  to   linjer\nher", Log("to linjer her")),
    ("OPGAVE 3 OK", TaskAction(3, TaskStatus.ACCEPTED)),
    ("opgave 3 udført Talt med formanden", TaskAction(3, TaskStatus.DONE, "Talt med formanden")),
    ("OPGAVE 3 UDFØRT", TaskAction(3, TaskStatus.DONE)),
    ("Opgave 3 udfoert.", TaskAction(3, TaskStatus.DONE)),
    ("OPGAVE 5 NEJ syg", TaskAction(5, TaskStatus.DECLINED, "syg")),
    ("TASK 2 done spoke to them", TaskAction(2, TaskStatus.DONE, "spoke to them")),
    ("task 2 no", TaskAction(2, TaskStatus.DECLINED)),
    ("AFSLUT 4 1234", Close(4, "1234")),
    ("close 4 1234.", Close(4, "1234")),
    ("HJÆLP", Help()),
    ("hjælp!", Help()),
    ("HJAELP", Help()),
    ("help", Help()),
    ("?", Help()),
    ("ＯＫ　４", Ack(4)),  # full-width characters from some phone keyboards
]


@pytest.mark.parametrize(("body", "expected"), CASES, ids=[c[0] for c in CASES])
def test_commands(body: str, expected: Command) -> None:
    assert parse(body) == expected


MALFORMED: list[tuple[str, str]] = [
    ("AKTIVER", "AKTIVER"),
    ("AKTIVER 2", "AKTIVER"),
    ("AKTIVER 2 uro ved torvet", "AKTIVER"),
    ("AKTIVER 2 1234 JOURNAL", "AKTIVER"),  # the number is missing
    ("activate 2", "AKTIVER"),
    ("OPGAVE", "OPGAVE"),
    ("OPGAVE x", "OPGAVE"),
    ("OPGAVE 3", "OPGAVE"),
    ("OPGAVE tre OK", "OPGAVE"),
    ("OPGAVE 3 måske", "OPGAVE"),
    ("AFSLUT", "AFSLUT"),
    ("AFSLUT 4", "AFSLUT"),
    ("AFSLUT fire 1234", "AFSLUT"),
    ("AFSLUT 4 12a4", "AFSLUT"),
    ("AFSLUT 4 1234 nu", "AFSLUT"),
    ("LOG", "LOG"),
    ("LOG  .", "LOG"),
    ("STATUS fire", "STATUS"),
    ("STATUS 4 5", "STATUS"),
    ("OK 12345678901", "OK"),
    ("AKTIVER 2 ٤٧١١", "AKTIVER"),  # only 0-9 make a PIN
]


@pytest.mark.parametrize(("body", "keyword"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_commands_say_the_right_form(body: str, keyword: str) -> None:
    command = parse(body)
    assert isinstance(command, Malformed)
    assert command.keyword == keyword
    assert (command.message, command.message_en) == (usage(keyword, "da"), usage(keyword, "en"))
    assert command.message.startswith("Skriv ") and command.message_en.startswith("Send ")


@pytest.mark.parametrize("body", ["", "   \n ", "Hej Maria", "AKTIVERE 2 1234", "JAA", "OKAY"])
def test_anything_else_is_unknown_with_a_hint(body: str) -> None:
    command = parse(body)
    assert isinstance(command, Unknown)
    assert "HJÆLP" in text("unknown_command") and "HELP" in text("unknown_command", "en")


def test_the_pin_never_appears_in_a_repr() -> None:
    assert "4711" not in repr(parse("AKTIVER 2 4711 uro"))
    assert "4711" not in repr(parse("AFSLUT 3 4711"))


def test_usage_messages_fit_one_sms() -> None:
    assert len(USAGE) == 9
    assert all(len(text(key, language)) <= 160 for key in USAGE for language in ("da", "en"))
