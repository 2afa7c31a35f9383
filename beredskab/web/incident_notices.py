"""The public notice page from the incident page: approve and publish, publish an approved
communication, withdraw a published notice.

Plain form POSTs under ``/haendelse/{id}/info/...`` over ``communications.approve(publish=
True)``, ``notices.publish`` and ``notices.withdraw`` (every rule lives there), each
redirecting back to the communication board with a notice.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from beredskab import communications
from beredskab.communications import notices
from beredskab.web.incident_actions import Form, Who, act, back, field
from beredskab.web.incident_view import CHANNEL
from beredskab.web.session import app_of

router = APIRouter()

ANCHOR = "kommunikation"
PERSONAL_DATA = "!info_personal_data"


@router.post("/haendelse/{incident_id:id}/info/kommunikation/{communication_id:id}/{step}")
async def publish(
    request: Request, who: Who, form: Form, incident_id: int, communication_id: int, step: str
) -> Response:
    """Approve and publish a draft (``godkend``), or publish an approved one
    (``offentliggoer``)."""
    if step not in ("godkend", "offentliggoer"):
        return back(incident_id, problem="missing_choice", anchor=ANCHOR)
    app = app_of(request)

    async def run() -> str:
        try:
            if step == "godkend":
                await communications.approve(
                    db=app.db,
                    plan=app.plan,
                    incident_id=incident_id,
                    communication_id=communication_id,
                    actor_id=who.person.id,
                    channel=CHANNEL,
                    publish=True,
                )
            else:
                await notices.publish(
                    db=app.db,
                    plan=app.plan,
                    incident_id=incident_id,
                    communication_id=communication_id,
                    actor_id=who.person.id,
                    channel=CHANNEL,
                )
        except notices.PersonalDataError:
            return PERSONAL_DATA
        return "info_published"

    return await act(request, incident_id, ANCHOR, run)


@router.post("/haendelse/{incident_id:id}/info/{notice_id:id}/tilbagetraek")
async def withdraw(
    request: Request, who: Who, form: Form, incident_id: int, notice_id: int
) -> Response:
    """Withdraw a published notice, with a short public reason."""
    app = app_of(request)
    note = field(form, "begrundelse", notices.MAX_NOTE + 1)

    async def run() -> str:
        try:
            await notices.withdraw(
                db=app.db,
                plan=app.plan,
                incident_id=incident_id,
                notice_id=notice_id,
                actor_id=who.person.id,
                channel=CHANNEL,
                note=note,
            )
        except notices.PersonalDataError:
            return PERSONAL_DATA
        return "info_withdrawn"

    return await act(request, incident_id, ANCHOR, run)
