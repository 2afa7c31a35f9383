"""/billede: the situation picture from Telegram, one heading at a time, saved only on the
button; a version saved meanwhile refuses the save; sensitive text never shown in the chat."""

from __future__ import annotations

from beredskab.incident import picture
from beredskab.models import EntryKind
from tests.beredskab.bot.conftest import CHIEF_USER, OUTSIDER, SARA, Harness, labels
from tests.beredskab.incident.test_picture import SENSITIVE, incident
from tests.peers.telegram_api import SentMessage


async def _press_then_read(
    harness: Harness, user: int, message: SentMessage, label: str
) -> SentMessage:
    before = len(harness.api.sent_to(user))
    await harness.press_label(message, label)
    return await harness.next_message(user, before)


async def _current(harness: Harness, nr: int) -> picture.Picture:
    return await picture.current(db=harness.app.db, plan=harness.app.plan, incident_id=nr)


async def test_a_participant_writes_one_heading_and_confirms(harness: Harness) -> None:
    nr = await incident(harness.app.db, harness.app.plan)
    await harness.link(SARA)
    shown = await harness.say(SARA, f"/billede {nr}")
    assert f"hændelse {nr}: version 0" in shown.text and "Vælg den overskrift" in shown.text
    assert labels(shown)[0] == "1. Hvad er sket?" and labels(shown)[-1] == "Annuller"
    assert len(labels(shown)) == 10
    ask = await _press_then_read(harness, SARA, shown, "1. Hvad er sket?")
    assert "Skriv den nye tekst til «Hvad er sket?»" in ask.text
    summary = await harness.say(SARA, "Brand i kælderen, ingen tilskadekomne")
    assert "Brand i kælderen" in summary.text and labels(summary) == ["Gem", "Annuller"]
    assert (await _current(harness, nr)).version == 0  # nothing before the button
    done = await _press_then_read(harness, SARA, summary, "Gem")
    assert done.text == f"Gemt: situationsbilledet for hændelse {nr} er nu version 1."
    now = await _current(harness, nr)
    assert now.headings[0].text == "Brand i kælderen, ingen tilskadekomne"
    assert now.revisions[0].author == "sara-lund" and now.revisions[0].via == "telegram"
    assert [e.kind for e in await harness.log(nr)].count(EntryKind.PICTURE) == 1
    # The next /billede shows the text and the new version.
    again = await harness.say(SARA, "/billede")
    assert "version 1" in again.text and "Brand i kælderen" in again.text


async def test_a_save_on_a_stale_version_is_refused(harness: Harness) -> None:
    nr = await incident(harness.app.db, harness.app.plan)
    await harness.link(SARA)
    shown = await harness.say(SARA, f"/billede {nr}")
    await _press_then_read(harness, SARA, shown, "1. Hvad er sket?")
    summary = await harness.say(SARA, "Saras udgave")
    await picture.revise(
        db=harness.app.db,
        plan=harness.app.plan,
        incident_id=nr,
        actor_id="maria-friis",
        channel="web",
        base_version=0,
        edits=[picture.Edit("1", "Marias udgave")],
    )
    refused = await _press_then_read(harness, SARA, summary, "Gem")
    assert refused.text.startswith("Ikke gemt: Maria Friis har gemt version 1 imens.")
    now = await _current(harness, nr)
    assert now.version == 1 and now.headings[0].text == "Marias udgave"


async def test_sensitive_text_never_appears_in_the_chat(harness: Harness) -> None:
    nr = await incident(harness.app.db, harness.app.plan)
    await harness.link(CHIEF_USER)
    shown = await harness.say(CHIEF_USER, f"/billede {nr}")
    ask = await _press_then_read(harness, CHIEF_USER, shown, "7. Følsomme")
    assert "Nu står der" not in ask.text
    summary = await harness.say(CHIEF_USER, "Navnet på den anholdte")
    assert "Navnet" not in summary.text and "vises ikke i chatten" in summary.text
    await _press_then_read(harness, CHIEF_USER, summary, "Gem")
    assert (await _current(harness, nr)).headings[6].text == "Navnet på den anholdte"
    again = await harness.say(CHIEF_USER, f"/billede {nr}")
    assert "Navnet" not in again.text and "[følsomt" in again.text
    ask = await _press_then_read(harness, CHIEF_USER, again, "7. Følsomme")
    assert "Navnet" not in ask.text
    chat = [m.text for m in harness.api.sent_to(CHIEF_USER)]
    assert not any("Navnet" in text for text in chat)
    assert SENSITIVE.startswith("Følsomme")


async def test_outsiders_read_but_get_no_buttons(harness: Harness) -> None:
    nr = await incident(harness.app.db, harness.app.plan)
    await harness.link(OUTSIDER)
    shown = await harness.say(OUTSIDER, f"/billede {nr}")
    assert "Kun beredskabsstaben" in shown.text and labels(shown) == []
    assert "Skriv /billede" in (await harness.say(OUTSIDER, "/billede x")).text


async def test_cancel_saves_nothing(harness: Harness) -> None:
    nr = await incident(harness.app.db, harness.app.plan)
    await harness.link(SARA)
    shown = await harness.say(SARA, f"/billede {nr}")
    await _press_then_read(harness, SARA, shown, "2. Hvor")
    summary = await harness.say(SARA, "Zone 1")
    answer = await harness.press_label(summary, "Annuller")
    assert answer.get("text") == "Intet gemt."
    assert (await _current(harness, nr)).version == 0
