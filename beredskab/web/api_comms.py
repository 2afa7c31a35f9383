"""JSON API: an incident's crisis communications with their languages side by side, as the
composer on the incident page shows them (state of each variant, SMS encoding and segments,
and the warnings: missing, older than the Danish text, too many segments)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from beredskab.communications.languages import LanguageView, State, for_composer
from beredskab.incidents import require
from beredskab.security import need_to_know
from beredskab.storage.repositories.communications import Communication
from beredskab.web.api_common import COMMON, NOT_FOUND, Caller, IncidentId, UseCaseErrors, app_of

router = APIRouter(prefix="/api/v1", route_class=UseCaseErrors, responses=COMMON)


class LanguageOut(BaseModel):
    """One language of a communication: Danish is the ``original``; a variant is ``current``,
    ``older`` (the Danish text changed since: its readers get Danish) or ``missing``."""

    language: str
    name: str
    rtl: bool
    state: State
    subject: str
    text: str
    encoding: str | None
    segments: int | None
    too_long: bool

    @classmethod
    def of(cls, view: LanguageView) -> LanguageOut:
        """The API form of one language."""
        return cls(
            language=view.language,
            name=view.name,
            rtl=view.rtl,
            state=view.state,
            subject=view.subject,
            text=view.text,
            encoding=view.segments.encoding if view.segments else None,
            segments=view.segments.count if view.segments else None,
            too_long=view.too_long,
        )


class CommunicationOut(BaseModel):
    """A crisis communication with its languages and what the composer warns about."""

    id: int
    audience: str
    template: str
    status: str
    drafted_by: str
    drafted_at: datetime
    approved_by: str | None
    sent_at: datetime | None
    recipients: int | None
    languages: list[LanguageOut]
    missing: list[str]
    """Languages it should have and does not: their readers get Danish."""
    older: list[str]
    """Variants older than the Danish text: their readers get Danish until saved again."""
    too_long: list[str]
    """Languages whose text needs more SMS segments than ``[sms] max_segments_warning``."""

    @classmethod
    def of(cls, item: Communication, views: tuple[LanguageView, ...]) -> CommunicationOut:
        """The API form of one communication."""
        return cls(
            id=item.id,
            audience=item.audience,
            template=item.template,
            status=item.status.value,
            drafted_by=item.drafted_by,
            drafted_at=item.drafted_at,
            approved_by=item.approved_by,
            sent_at=item.sent_at,
            recipients=item.recipients,
            languages=[LanguageOut.of(v) for v in views],
            missing=[v.language for v in views if v.state is State.MISSING],
            older=[v.language for v in views if v.state is State.OLDER],
            too_long=[v.language for v in views if v.too_long],
        )


@router.get(
    "/incidents/{incident_id:id}/communications",
    response_model=list[CommunicationOut],
    summary="Crisis communications and their languages",
    responses=NOT_FOUND,
)
async def list_communications(
    request: Request, caller: Caller, incident_id: IncidentId
) -> list[CommunicationOut]:
    """The incident's crisis communications, oldest first, each with Danish and its other
    languages side by side and the composer's warnings."""
    app = app_of(request)
    async with app.db.transaction() as tx:
        incident = await require(tx, incident_id)
        found = await tx.communications.list(incident_id)
        see = await need_to_know.read_lens(
            tx, plan=app.plan, person=caller.person, incident=incident
        )
    incident, found = see.incident(incident), [see.communication(c) for c in found]
    playbook = app.plan.playbook(incident.playbook_id)
    limit = app.settings.sms.max_segments_warning
    return [
        CommunicationOut.of(
            item,
            for_composer(
                plan=app.plan,
                incident=incident,
                playbook=playbook,
                item=item,
                max_segments=limit,
            ),
        )
        for item in found
    ]
