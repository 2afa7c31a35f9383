"""The resident keywords of the SMS grammar."""

from __future__ import annotations

import pytest

from beredskab.inbound import sms


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("TILMELD 2", sms.Subscribe(zone=2, language="da")),
        ("tilmeld 3 AR", sms.Subscribe(zone=3, language="ar")),
        ("SUBSCRIBE 1 so.", sms.Subscribe(zone=1, language="so")),
        ("Tilmeld  4  uk", sms.Subscribe(zone=4, language="uk")),
        ("STOP", sms.Unsubscribe()),
        ("stop.", sms.Unsubscribe()),
        ("Afmeld", sms.Unsubscribe()),
        ("UNSUBSCRIBE", sms.Unsubscribe()),
    ],
)
def test_resident_commands(body: str, expected: sms.Command) -> None:
    assert sms.parse(body) == expected


@pytest.mark.parametrize(
    "body", ["TILMELD", "TILMELD 5", "TILMELD 0", "TILMELD 2 xx", "TILMELD 2 ar x"]
)
def test_malformed_subscriptions_say_the_form(body: str) -> None:
    command = sms.parse(body)
    assert isinstance(command, sms.Malformed) and command.keyword == "TILMELD"
    assert "TILMELD <zone 1-4>" in command.message
