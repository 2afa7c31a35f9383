"""/start binds a chat to a directory person through the shared contact; others are refused."""

from __future__ import annotations

import pytest

from beredskab.bot.common import UNBOUND
from tests.beredskab.bot.conftest import SARA, STRANGER, Harness
from tests.peers.telegram_api import SentMessage


async def _bound(harness: Harness, user: int) -> str | None:
    async with harness.app.db.transaction() as tx:
        return await tx.people.person_for_telegram_user(user)


async def _share(harness: Harness, user: int, phone: str, *, own: bool = True) -> SentMessage:
    before = len(harness.api.sent_to(user))
    await harness.api.inject_contact(user, phone, own=own)
    return await harness.next_message(user, before)


async def test_start_offers_telegrams_share_contact_button(harness: Harness) -> None:
    reply = await harness.say(SARA, "/start")
    [[share]] = (reply.reply_markup or {})["keyboard"]
    assert share["request_contact"] is True
    assert "telefonnummer" in reply.text
    assert await _bound(harness, SARA) is None


@pytest.mark.parametrize("phone", ["4520100003", "+4520100003", "+45 20 10 00 03"])
async def test_own_contact_with_a_directory_number_binds_the_chat(
    harness: Harness, phone: str
) -> None:
    await harness.say(SARA, "/start")
    reply = await _share(harness, SARA, phone)
    assert "Sara Lund" in reply.text and "tilknyttet" in reply.text
    assert (reply.reply_markup or {}).get("remove_keyboard") is True
    assert await _bound(harness, SARA) == "sara-lund"
    async with harness.app.db.transaction() as tx:
        assert await tx.people.telegram_chats(["sara-lund"]) == {"sara-lund": SARA}
    [link] = [a for a in await harness.audit() if a.action == "telegram.link"]
    assert link.allowed and link.actor == "sara-lund"
    # Bound now: commands work instead of the generic answer.
    assert (await harness.say(SARA, "/hjaelp")).text.startswith("Beredskabet på Telegram")


@pytest.mark.parametrize(
    ("phone", "own", "expected"),
    [
        ("4599999999", True, "står ikke i beredskabets kontaktliste"),
        ("12", True, "står ikke i beredskabets kontaktliste"),
        ("4520100003", False, "Del dit eget telefonnummer"),  # someone else's contact card
    ],
)
async def test_other_contacts_are_refused_politely_and_audited(
    harness: Harness, phone: str, own: bool, expected: str
) -> None:
    reply = await _share(harness, STRANGER, phone, own=own)
    assert expected in reply.text
    assert await _bound(harness, STRANGER) is None
    [refusal] = [a for a in await harness.audit() if a.action == "telegram.link"]
    assert not refusal.allowed and refusal.actor == f"telegram:{STRANGER}"
    assert phone not in refusal.detail


@pytest.mark.parametrize("text", ["/status", "/aktiver", "hej", "/opgaver", "/log noget"])
async def test_unbound_users_get_one_generic_answer(harness: Harness, text: str) -> None:
    reply = await harness.say(STRANGER, text)
    assert reply.text == UNBOUND
    assert reply.reply_markup is None
    async with harness.app.db.transaction() as tx:
        assert await tx.incidents.recent() == []
