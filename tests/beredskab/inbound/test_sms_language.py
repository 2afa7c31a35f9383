"""An SMS command that a use case refuses is answered with the reason in the sender's
language, rendered from the error's template."""

from __future__ import annotations

import pytest

from beredskab.app import App
from beredskab.errors import BeredskabError, render
from beredskab.i18n import Language
from beredskab.inbound import sms_commands
from beredskab.inbound.sms_texts import text
from beredskab.incident import steps, tasks
from beredskab.models import TaskStatus
from tests.beredskab.helpers import CHIEF
from tests.beredskab.inbound.test_sms_commands import activate, app, last_reply, sms

__all__ = ["app"]


async def _refusal(app: App, nr: int, number: int, person_id: str) -> BeredskabError:
    """What the use case says to declining a finished task."""
    with pytest.raises(BeredskabError) as caught:
        await tasks.change(
            db=app.db,
            plan=app.plan,
            incident_id=nr,
            number=number,
            actor_id=person_id,
            status=TaskStatus.DECLINED,
            channel=sms_commands.CHANNEL,
        )
    return caught.value


@pytest.mark.parametrize("language", ["da", "en"])
async def test_a_refused_command_says_why_in_the_senders_language(
    app: App, language: Language
) -> None:
    nr = await activate(app)
    await steps.finish(
        db=app.db,
        plan=app.plan,
        incident_id=nr,
        step_ref="opsoegende-kontakt",
        actor_id=CHIEF,
        channel="cli",
    )
    async with app.db.transaction() as tx:
        mine = next(
            t
            for t in await tx.tasks.list(nr)
            if getattr(app.plan.directory.person(t.assignee), "language", "") == language
        )
    await sms(app, mine.assignee, f"OPGAVE {mine.number} UDFØRT Talt med formanden")
    error = await _refusal(app, nr, mine.number, mine.assignee)
    # The reply is rendered from the errors catalog: Danish differs from the template.
    danish = render(error, "da")
    assert danish != str(error)
    outcome = await sms(app, mine.assignee, f"OPGAVE {mine.number} NEJ")
    assert outcome.startswith("taskaction: ") and str(error) in outcome  # the log: English
    reason = danish if language == "da" else str(error)
    assert render(error, language) == reason
    assert await last_reply(app, mine.assignee) == text("failed", language, detail=reason)
