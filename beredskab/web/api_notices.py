"""The public notice page in the JSON API: list an incident's notices, publish an approved
resident communication, withdraw a notice. Thin adapters over
``beredskab.communications.notices`` (the rules: the leader only, texts for residents, no
personal data, never a drill)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from beredskab.boundary import bounds
from beredskab.communications import notices
from beredskab.incident.lookup import require
from beredskab.storage.repositories.notices import Notice
from beredskab.web.api_common import (
    CHANNEL,
    COMMON,
    CONFLICT,
    NOT_FOUND,
    Caller,
    IncidentId,
    UseCaseErrors,
    app_of,
)
from beredskab.web.api_schemas import UtcDatetime, _In

router = APIRouter(prefix="/api/v1", route_class=UseCaseErrors, responses=COMMON)

CommunicationId = Annotated[
    int, Path(ge=1, le=bounds.MAX_ID, description="The communication's id", examples=[1])
]
NoticeId = Annotated[
    int, Path(ge=1, le=bounds.MAX_ID, description="The public notice's id", examples=[1])
]


class NoticeOut(BaseModel):
    """One entry on the public page ``/info``."""

    id: int
    incident_id: int
    communication_id: int | None = Field(description="Null for the stand-down's all-clear")
    kind: str = Field(description="notice or all_clear")
    title: str
    text: str
    published_by: str = Field(description="Person id (never shown on the public page)")
    published_at: UtcDatetime
    withdrawn_at: UtcDatetime | None
    withdrawn_note: str | None

    @classmethod
    def of(cls, notice: Notice) -> NoticeOut:
        """From the stored notice."""
        return cls(
            id=notice.id,
            incident_id=notice.incident_id,
            communication_id=notice.communication_id,
            kind=notice.kind.value,
            title=notice.title,
            text=notice.text,
            published_by=notice.published_by,
            published_at=notice.published_at,
            withdrawn_at=notice.withdrawn_at,
            withdrawn_note=notice.withdrawn_note,
        )


class WithdrawIn(_In):
    """Why the notice is withdrawn (shown publicly; no personal data)."""

    note: str = Field(default="", max_length=notices.MAX_NOTE, pattern=bounds.NUL_FREE_PATTERN)


@router.get(
    "/incidents/{incident_id:id}/notices",
    response_model=list[NoticeOut],
    summary="The incident's entries on the public notice page",
    responses=NOT_FOUND,
)
async def list_notices(
    request: Request, caller: Caller, incident_id: IncidentId
) -> list[NoticeOut]:
    """Published notices and the all-clear, oldest first, withdrawn ones included."""
    app = app_of(request)
    async with app.db.read() as tx:
        await require(tx, incident_id)
        found = await tx.notices.of_incident(incident_id)
    return [NoticeOut.of(n) for n in found]


@router.post(
    "/incidents/{incident_id:id}/communications/{communication_id:id}/publish",
    status_code=201,
    response_model=NoticeOut,
    summary="Publish an approved resident communication on the public page",
    responses={**NOT_FOUND, **CONFLICT},
)
async def publish(
    request: Request, caller: Caller, incident_id: IncidentId, communication_id: CommunicationId
) -> NoticeOut:
    """The leader only; 409 for a drill, another template, a draft, one already published or
    a text with personal data."""
    app = app_of(request)
    notice = await notices.publish(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        communication_id=communication_id,
        actor_id=caller.person.id,
        channel=CHANNEL,
    )
    return NoticeOut.of(notice)


@router.post(
    "/incidents/{incident_id:id}/notices/{notice_id:id}/withdraw",
    response_model=NoticeOut,
    summary="Withdraw a notice from the public page",
    responses={**NOT_FOUND, **CONFLICT},
)
async def withdraw(
    request: Request, caller: Caller, incident_id: IncidentId, notice_id: NoticeId, body: WithdrawIn
) -> NoticeOut:
    """The leader only; the page keeps its title and time, marked withdrawn with the note."""
    app = app_of(request)
    notice = await notices.withdraw(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        notice_id=notice_id,
        actor_id=caller.person.id,
        channel=CHANNEL,
        note=body.note,
    )
    return NoticeOut.of(notice)
