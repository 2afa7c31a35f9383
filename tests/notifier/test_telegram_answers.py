"""How a ``sendMessage`` answer is read without aiogram's models: the same classification
as aiogram's response check followed by the old ``map_error``."""

from __future__ import annotations

import json

import pytest

from notifier.channels.telegram import keyboard, sent_message
from notifier.errors import PermanentDeliveryError, TransientDeliveryError, UnknownOutcomeError
from notifier.types import Button


def answer(ok: bool, **fields: object) -> bytes:
    return json.dumps({"ok": ok, **fields}).encode()


def test_an_accepted_message_gives_chat_and_message_id() -> None:
    body = answer(True, result={"message_id": 17, "date": 1, "chat": {"id": -100, "type": "x"}})
    assert sent_message(200, body) == (-100, 17)


@pytest.mark.parametrize(
    ("status", "body", "expected", "retry_after"),
    [
        (
            429,
            answer(False, description="Too Many Requests", parameters={"retry_after": 3}),
            TransientDeliveryError,
            3.0,
        ),
        (
            400,
            answer(
                False, description="Bad Request: migrated", parameters={"migrate_to_chat_id": -1001}
            ),
            PermanentDeliveryError,
            None,
        ),
        (
            403,
            answer(False, description="Forbidden: bot was blocked"),
            PermanentDeliveryError,
            None,
        ),
        (401, answer(False, description="Unauthorized"), PermanentDeliveryError, None),
        (
            400,
            answer(False, description="Bad Request: chat not found"),
            PermanentDeliveryError,
            None,
        ),
        (404, answer(False, description="Not Found"), PermanentDeliveryError, None),
        (413, answer(False, description="Request Entity Too Large"), PermanentDeliveryError, None),
        (500, answer(False, description="Internal Server Error"), TransientDeliveryError, None),
        (502, answer(False, description="Bad Gateway"), TransientDeliveryError, None),
        (409, answer(False, description="Conflict"), TransientDeliveryError, None),
        (200, answer(False, description="odd"), TransientDeliveryError, None),
        (200, b"<html>proxy error</html>", UnknownOutcomeError, None),
        (200, answer(True, result={"chat": {}}), UnknownOutcomeError, None),
        (502, b'{"no": "ok field"}', UnknownOutcomeError, None),
    ],
)
def test_refusals_are_classified_as_aiogram_did(
    status: int, body: bytes, expected: type[Exception], retry_after: float | None
) -> None:
    with pytest.raises(expected) as raised:
        sent_message(status, body)
    assert type(raised.value) is expected
    if retry_after is not None:
        assert isinstance(raised.value, TransientDeliveryError)
        assert raised.value.retry_after == retry_after


def test_keyboard_is_one_button_per_row() -> None:
    assert keyboard(()) is None
    assert keyboard((Button("Modtaget ✅", "ack:1"), Button("Kan ikke", "no:1"))) == {
        "inline_keyboard": [
            [{"text": "Modtaget ✅", "callback_data": "ack:1"}],
            [{"text": "Kan ikke", "callback_data": "no:1"}],
        ]
    }
