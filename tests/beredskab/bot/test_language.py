"""A refused button press says why, rendered from the error's template in the user's
language."""

from __future__ import annotations

from beredskab.incident import activation, steps
from tests.beredskab.bot.conftest import CHIEF_USER, Harness, alerted
from tests.beredskab.helpers import CHIEF, POLICE


async def test_a_stale_step_button_names_the_reason_in_danish(harness: Harness) -> None:
    await harness.link(CHIEF_USER)
    result = await activation.activate(
        db=harness.app.db,
        plan=harness.app.plan,
        playbook="2",
        actor_id=POLICE,
        channel="sms",
        zone=1,
        police_case="3700-1",
    )
    chief = await harness.say(CHIEF_USER, f"/status {result.incident.id}")
    # Step 1 is finished elsewhere meanwhile; the button on the phone is then stale.
    await steps.finish(
        db=harness.app.db,
        plan=harness.app.plan,
        incident_id=result.incident.id,
        step_ref="1",
        actor_id=CHIEF,
        channel="cli",
    )
    before = len(harness.api.sent_to(CHIEF_USER))
    answer = await harness.press_label(chief, "Udført")
    assert alerted(answer), answer
    told = (await harness.next_message(CHIEF_USER, before)).text
    assert told.startswith("Det kan ikke lade sig gøre nu")
    assert told.endswith("\nTrin 1 er allerede udført.")
