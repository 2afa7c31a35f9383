"""The leader ticks and unticks the playbook's duties on the incident page (a form POST
that calls ``incident.duties.set_duty`` and goes back to the page)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from beredskab.incident import duties
from beredskab.web.incident_actions import Form, Who, act, field
from beredskab.web.incident_view import CHANNEL
from beredskab.web.session import app_of

router = APIRouter()

ANCHOR = "pligter"


@router.post("/haendelse/{incident_id:id}/pligt/{duty_id}")
async def set_duty(
    request: Request, who: Who, form: Form, incident_id: int, duty_id: str
) -> Response:
    """Tick (``done=1``) or untick (``done=0``) a duty."""
    app = app_of(request)
    done = field(form, "done", 1) == "1"

    async def run() -> str:
        await duties.set_duty(
            db=app.db,
            plan=app.plan,
            incident_id=incident_id,
            duty_id=duty_id[:64],
            done=done,
            actor_id=who.person.id,
            channel=CHANNEL,
        )
        return "duty_ticked" if done else "duty_unticked"

    return await act(request, incident_id, ANCHOR, run)
