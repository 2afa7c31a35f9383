"""/kommunikation: compose, approve and send a crisis communication to chosen audiences from
Telegram, through the local Bot API; buttons carry opaque per-person tokens and the rules
(the leader approves, valid audiences, sent once) answer in plain words."""

from __future__ import annotations

from beredskab.incident import activation
from beredskab.residents import subscriptions
from tests.beredskab.bot.conftest import CHIEF_USER, STAFF_USER, Harness, alerted, labels
from tests.beredskab.helpers import CHIEF, deliveries


async def _activate(harness: Harness) -> int:
    result = await activation.activate(
        db=harness.app.db,
        plan=harness.app.plan,
        playbook="1",
        actor_id=CHIEF,
        channel="sms",
        zone=2,
    )
    return result.incident.id


async def test_staff_draft_the_leader_approves_and_sends_with_buttons(harness: Harness) -> None:
    await harness.link(CHIEF_USER, STAFF_USER)
    async with harness.app.db.transaction() as tx:
        await subscriptions.subscribe(
            tx, phone="+4520994001", zone=2, language="ar", channel=subscriptions.SMS
        )
    nr = await _activate(harness)
    drafted = await harness.say(STAFF_USER, f"/kommunikation {nr} ny beboere foreninger")
    assert drafted.text.startswith("Udkast #1 til residents,associations er skrevet.")
    assert labels(drafted) == []  # staff may not approve: no button
    edited = await harness.say(
        STAFF_USER, f"/kommunikation {nr} tekst 1 Vandskade | Vandet er lukket i opgang 3."
    )
    assert edited.text == "Udkast #1 er rettet."

    listed = await harness.say(CHIEF_USER, f"/kommunikation {nr}")
    assert listed.text.startswith("#1 til residents,associations (draft): Vandskade")
    assert "Vandet er lukket i opgang 3." in listed.text and labels(listed) == ["Godkend"]
    before = len(harness.api.sent_to(CHIEF_USER))
    await harness.press_label(listed, "Godkend")
    approved = await harness.next_message(CHIEF_USER, before)
    assert approved.text == "#1 er godkendt." and labels(approved) == ["Send"]
    before = len(harness.api.sent_to(CHIEF_USER))
    await harness.press_label(approved, "Send")
    sent = await harness.next_message(CHIEF_USER, before)
    assert sent.text == "#1 er sendt: 2 modtagere i kontaktlisten, 1 tilmeldte beboere."
    rows = [
        d for d in await deliveries(harness.app.db, nr) if d.notification.startswith(f"{nr}:c1:")
    ]
    resident = next(d for d in rows if d.address == "+4520994001")
    assert resident.text.startswith("Vandet er lukket i opgang 3.")  # Danish: the Arabic is older
    assert resident.text.endswith("لإلغاء الاشتراك أرسل STOP.")

    again = await harness.say(CHIEF_USER, f"/kommunikation {nr} send 1")
    assert "kun en godkendt meddelelse sendes" in again.text


async def test_bad_audiences_and_a_stale_button_are_answered(harness: Harness) -> None:
    await harness.link(CHIEF_USER, STAFF_USER)
    nr = await _activate(harness)
    unknown = await harness.say(STAFF_USER, f"/kommunikation {nr} ny fjernsyn")
    assert "modtagergruppe 'fjernsyn'" in unknown.text
    usage = await harness.say(STAFF_USER, "/kommunikation x")
    assert usage.text.startswith("Skriv /kommunikation [nr]")
    press = await harness.say(STAFF_USER, f"/kommunikation {nr} ny presse")
    assert press.text.startswith("Udkast #1 til press er skrevet.")
    listed = await harness.say(CHIEF_USER, f"/kommunikation {nr}")
    answer = await harness.press_label(listed, "Godkend")
    assert alerted(answer) and "bestyrelsen er hørt" in str(answer.get("text"))
    refused = await harness.say(STAFF_USER, f"/kommunikation {nr} godkend 1")
    assert "ikke" in refused.text.lower()
