"""Buttons on alerts: acknowledge once, decline asks the deputy, foreign or forged presses fail."""

from __future__ import annotations

import pytest

from beredskab.boundary.action_tokens import ActionRef, Use, label
from beredskab.incident import activation
from beredskab.models import ActionToken, ConfirmationStatus, EntryKind
from beredskab.storage.repositories.people import PeopleRepo
from tests.beredskab.bot.conftest import OMAR, SARA, STRANGER, Harness, alerted, button
from tests.beredskab.helpers import POLICE
from tests.peers.telegram_api import SentMessage


async def _alert(harness: Harness, user: int) -> tuple[int, SentMessage]:
    """Group 2 activated by the police; the alert with buttons in ``user``'s chat."""
    result = await activation.activate(
        db=harness.app.db,
        plan=harness.app.plan,
        playbook="2",
        actor_id=POLICE,
        channel="sms",
        police_case="3700-1",
    )
    await harness.app.outbox.drain()
    [alert] = [m for m in harness.api.sent_to(user) if m.button_data]
    return result.incident.id, alert


async def _status(harness: Harness, nr: int, person: str) -> ConfirmationStatus | None:
    async with harness.app.db.transaction() as tx:
        found = await tx.incidents.confirmation(nr, person)
    return found.status if found else None


async def test_modtaget_confirms_once_however_often_it_is_pressed(harness: Harness) -> None:
    await harness.link(SARA)
    nr, alert = await _alert(harness, SARA)
    ack = button(alert, label("ack", "da"))
    first = await harness.api.press_button(alert, ack)
    second = await harness.api.press_button(alert, ack)  # before the first is handled
    await harness.api.wait_for(lambda: len(harness.api.answered_callbacks) == 2)
    assert {c["callback_query_id"] for c in harness.api.answered_callbacks} == {first, second}
    assert await _status(harness, nr, "sara-lund") is ConfirmationStatus.CONFIRMED
    confirmed = [e for e in await harness.log(nr) if e.kind is EntryKind.CONFIRMED]
    assert [e.text for e in confirmed] == ["Sara Lund bekræftede via telegram."]
    await harness.api.wait_for(lambda: alert.text.endswith("✅ Modtaget"))
    assert alert.reply_markup is None
    token = await _derived(harness, ack)
    assert token is not None and token.used_at is not None
    async with harness.app.db.transaction() as tx:
        assert await tx.people.token(ack) is None  # nothing was stored for the alert


async def _derived(harness: Harness, data: str) -> ActionToken | None:
    """What a derived button stands for, read from its delivery (with its recorded use)."""
    ref = harness.app.signer.actions.verify(Use.BUTTON, data)
    assert ref is not None
    async with harness.app.db.transaction() as tx:
        return await tx.people.derived_token(
            "", delivery_id=ref.delivery_id, action=ref.action, channel="telegram"
        )


async def test_kan_ikke_when_the_deputy_is_already_a_participant(harness: Harness) -> None:
    await harness.link(SARA, OMAR)  # Omar Nielsen, Sara's deputy, is in group 2 himself
    nr, alert = await _alert(harness, SARA)
    answer = await harness.press_label(alert, "Kan ikke")  # the SSP role's deputy stands in
    assert alerted(answer) and "Lise Krogh" in answer["text"]
    assert await _status(harness, nr, "sara-lund") is ConfirmationStatus.DECLINED
    await harness.api.wait_for(lambda: alert.text.endswith("❌ Kan ikke"))
    assert alert.reply_markup is None
    # Omar cannot either: Sara is called herself, and Lise already stands in for her.
    [omar_alert] = [m for m in harness.api.sent_to(OMAR) if m.button_data]
    answer = await harness.press_label(omar_alert, "Kan ikke")
    assert alerted(answer) and "Ingen stedfortræder kunne spørges" in answer["text"]
    assert await _status(harness, nr, "omar-nielsen") is ConfirmationStatus.DECLINED


async def test_kan_ikke_asks_the_deputy_at_once(harness: Harness) -> None:
    # Karen Hald (sekretariatsleder) is the chief's deputy and no participant of group 2.
    await harness.link(SARA)
    async with harness.app.db.transaction() as tx:
        await tx.people.link_telegram("maria-friis", user_id=9003, chat_id=9003, now=tx.now)
        await tx.people.link_telegram("karen-hald", user_id=9006, chat_id=9006, now=tx.now)
    nr, alert = await _alert(harness, 9003)
    answer = await harness.press_label(alert, "Kan ikke")
    assert "Karen Hald" in answer["text"]
    async with harness.app.db.transaction() as tx:
        deputy = await tx.incidents.confirmation(nr, "karen-hald")
    assert deputy is not None and deputy.reason == "deputy:maria-friis"
    await harness.app.outbox.drain()
    [deputy_alert] = [m for m in harness.api.sent_to(9006) if m.button_data]
    assert "Beredskabsgruppe 2" in deputy_alert.text


async def test_a_button_pressed_by_another_user_is_refused_and_audited(harness: Harness) -> None:
    await harness.link(SARA, OMAR)
    nr, alert = await _alert(harness, SARA)
    ack = button(alert, "Modtaget")
    answer = await harness.press(alert, ack, user=OMAR)
    assert alerted(answer) and "anden person" in answer["text"]
    stranger = await harness.press(alert, ack, user=STRANGER)
    assert "ikke tilknyttet" in stranger["text"]
    assert await _status(harness, nr, "sara-lund") is ConfirmationStatus.PENDING
    assert await _status(harness, nr, "omar-nielsen") is ConfirmationStatus.PENDING
    token = await _derived(harness, ack)
    assert token is not None and token.used_at is None
    refusals = [a for a in await harness.audit() if not a.allowed]
    assert sorted((a.actor, a.action, a.incident_id) for a in refusals) == [
        ("omar-nielsen", "telegram.button.ack", nr),
        (f"telegram:{STRANGER}", "telegram.button", None),
    ]
    assert alert.reply_markup is not None  # Sara's buttons still work
    await harness.press(alert, ack)
    assert await _status(harness, nr, "sara-lund") is ConfirmationStatus.CONFIRMED


@pytest.mark.parametrize("forge", ["flip", "unknown", "long", "dialogue"])
async def test_forged_callback_data_is_refused_and_changes_nothing(
    harness: Harness, forge: str
) -> None:
    await harness.link(SARA)
    nr, alert = await _alert(harness, SARA)
    real = button(alert, "Modtaget")
    forged = {
        "flip": real[:-1] + ("A" if real[-1] != "A" else "B"),
        "unknown": "ack",
        "long": "x" * 64,
        "dialogue": "akt:confirm:",
    }[forge]
    alert.reply_markup["inline_keyboard"][0][0]["callback_data"] = forged  # type: ignore[index]
    answer = await harness.press(alert, forged)
    assert alerted(answer)
    assert "ugyldig" in answer["text"] or "afsluttet eller annulleret" in answer["text"]
    assert await _status(harness, nr, "sara-lund") is ConfirmationStatus.PENDING
    assert not [e for e in await harness.log(nr) if e.kind is EntryKind.CONFIRMED]
    if forge != "dialogue":
        [refusal] = [a for a in await harness.audit() if not a.allowed]
        assert refusal.actor == "sara-lund" and refusal.action == "telegram.button.unknown"


async def test_forged_derived_data_is_refused_without_a_database_lookup(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await harness.link(SARA)
    nr, alert = await _alert(harness, SARA)
    real = button(alert, "Modtaget")
    looked_up: list[str] = []

    async def derived_token(self: PeopleRepo, token: str, **_: object) -> None:
        looked_up.append(token)

    async def token(self: PeopleRepo, token: str) -> None:
        looked_up.append(token)

    monkeypatch.setattr(PeopleRepo, "derived_token", derived_token)
    monkeypatch.setattr(PeopleRepo, "token", token)
    ref = harness.app.signer.actions.verify(Use.BUTTON, real)
    assert ref is not None
    foreign = real.replace(f"{ref.delivery_id}.", f"{ref.delivery_id + 1}.", 1)
    for forged in (real[:-1] + ("A" if real[-1] != "A" else "B"), foreign, "x" * 64):
        alert.reply_markup["inline_keyboard"][0][0]["callback_data"] = forged  # type: ignore[index]
        answer = await harness.press(alert, forged)
        assert alerted(answer) and "ugyldig" in answer["text"]
    assert looked_up == []
    monkeypatch.undo()
    assert await _status(harness, nr, "sara-lund") is ConfirmationStatus.PENDING


async def test_a_button_stored_before_the_upgrade_still_works(harness: Harness) -> None:
    await harness.link(SARA)
    nr, alert = await _alert(harness, SARA)
    ref = harness.app.signer.actions.verify(Use.BUTTON, button(alert, "Modtaget"))
    assert isinstance(ref, ActionRef)
    async with harness.app.db.transaction() as tx:
        await tx.people.add_tokens(
            [
                ActionToken(
                    token="stored-before-0014",
                    delivery_id=ref.delivery_id,
                    incident_id=nr,
                    person_id="sara-lund",
                    action="ack",
                    label="Modtaget",
                    created_at=tx.now,
                    used_at=None,
                )
            ]
        )
    stored = "stored-before-0014"
    alert.reply_markup["inline_keyboard"][0][0]["callback_data"] = stored  # type: ignore[index]
    await harness.press(alert, stored)
    assert await _status(harness, nr, "sara-lund") is ConfirmationStatus.CONFIRMED
    async with harness.app.db.transaction() as tx:
        token = await tx.people.token(stored)
    assert token is not None and token.used_at is not None
