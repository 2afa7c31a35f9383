"""Need to know on Telegram: /status shows the journal number and names to the incident's
participants and leaders only; /billede names no author to anyone else."""

from __future__ import annotations

from beredskab.incident import activation, picture
from beredskab.incident.need_to_know import HIDDEN_CASE
from beredskab.incident.picture import Edit
from tests.beredskab.bot.conftest import CHIEF_USER, OUTSIDER, SARA, Harness
from tests.beredskab.helpers import CHIEF, POLICE

JOURNAL = "3700-80260-00123-26"


async def _activate(harness: Harness) -> int:
    result = await activation.activate(
        db=harness.app.db,
        plan=harness.app.plan,
        playbook="2",
        actor_id=POLICE,
        channel="sms",
        police_case=JOURNAL,
    )
    return result.incident.id


async def test_status_shows_the_journal_number_to_participant_and_leader_only(
    harness: Harness,
) -> None:
    await harness.link(SARA, CHIEF_USER, OUTSIDER)
    nr = await _activate(harness)
    for user in (SARA, CHIEF_USER):
        seen = await harness.say(user, f"/status {nr}")
        assert f"Hændelse {nr}" in seen.text and JOURNAL in seen.text
    hidden = await harness.say(OUTSIDER, f"/status {nr}")
    assert f"Hændelse {nr}" in hidden.text
    assert JOURNAL not in hidden.text and HIDDEN_CASE in hidden.text


async def test_the_picture_names_its_author_to_the_staff_only(harness: Harness) -> None:
    await harness.link(CHIEF_USER, OUTSIDER)
    nr = await _activate(harness)
    await picture.revise(
        db=harness.app.db,
        plan=harness.app.plan,
        incident_id=nr,
        actor_id=CHIEF,
        channel="cli",
        base_version=0,
        edits=[Edit("1", "Maria Friis leder staben; journalnr. " + JOURNAL)],
    )
    seen = await harness.say(CHIEF_USER, f"/billede {nr}")
    assert "Maria Friis leder staben" in seen.text and JOURNAL in seen.text
    hidden = await harness.say(OUTSIDER, f"/billede {nr}")
    assert "leder staben" in hidden.text
    assert "Maria Friis" not in hidden.text and JOURNAL not in hidden.text
