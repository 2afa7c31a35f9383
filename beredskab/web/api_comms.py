"""JSON API: an incident's crisis communications with their languages side by side, as the
composer on the incident page shows them (state of each variant, SMS encoding and segments,
and the warnings: missing, older than the Danish text, too many segments); and composing,
approving and sending one to chosen audiences. Thin adapters over ``beredskab.communications``
(the rules: who drafts and approves, valid audiences, the press after the board, sent once)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from beredskab import communications
from beredskab.boundary import bounds
from beredskab.communications.languages import LanguageView, State, for_composer
from beredskab.errors import InvalidStateError
from beredskab.incident import need_to_know
from beredskab.incident.lookup import require
from beredskab.services import Services
from beredskab.storage.repositories.communications import Communication
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
from beredskab.web.api_notices import CommunicationId
from beredskab.web.api_schemas import _In

router = APIRouter(prefix="/api/v1", route_class=UseCaseErrors, responses=COMMON)

AudienceId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z]+$")]


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


async def _out(app: Services, incident_id: int, item: Communication) -> CommunicationOut:
    """One communication as the composer shows it."""
    async with app.db.read() as tx:
        incident = await require(tx, incident_id)
    return CommunicationOut.of(
        item,
        for_composer(
            plan=app.plan,
            incident=incident,
            playbook=app.plan.playbook(incident.playbook_id),
            item=item,
            max_segments=app.settings.sms.max_segments_warning,
        ),
    )


class DraftIn(_In):
    """The audiences (ids: board, operations, partners, residents, press, institutions,
    businesses, associations) and the template (by default the first audience's)."""

    audiences: list[AudienceId] = Field(min_length=1, max_length=8, examples=[["residents"]])
    template: str | None = Field(
        default=None, max_length=64, pattern=r"^[a-z_]+$", examples=["resident_information"]
    )


class TextIn(_In):
    """The Danish subject and text of a draft."""

    subject: str = Field(
        min_length=1, max_length=communications.MAX_SUBJECT, pattern=bounds.NUL_FREE_PATTERN
    )
    text: str = Field(
        min_length=1, max_length=communications.MAX_TEXT, pattern=bounds.NUL_FREE_PATTERN
    )


class ApproveIn(_In):
    """``publish``: also put it on the public notice page (a resident message)."""

    publish: bool = False


class SendOut(BaseModel):
    """The sent communication, the directory recipients it went to and the residents its
    SMS goes to (in chunks, at the provider's rate)."""

    communication: CommunicationOut
    recipients: list[str]
    unreachable: list[str]
    residents: int


@router.post(
    "/incidents/{incident_id:id}/communications",
    status_code=201,
    response_model=CommunicationOut,
    summary="Draft a crisis communication for one or more audiences",
    responses={**NOT_FOUND, **CONFLICT},
)
async def draft(
    request: Request, caller: Caller, incident_id: IncidentId, body: DraftIn
) -> CommunicationOut:
    """Staff and the leader draft; 404 for an unknown audience, 409 for a closed incident or
    a template that is not a crisis-communication template."""
    app = app_of(request)
    kind = next((t for t in communications.TEMPLATES if t.value == body.template), None)
    if body.template is not None and kind is None:
        raise InvalidStateError(
            "'{template}' is not a crisis-communication template", template=body.template
        )
    item = await communications.draft(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        actor_id=caller.person.id,
        channel=CHANNEL,
        audience=body.audiences,
        template=kind,
    )
    return await _out(app, incident_id, item)


@router.put(
    "/incidents/{incident_id:id}/communications/{communication_id:id}/text",
    response_model=CommunicationOut,
    summary="Edit a draft's Danish subject and text",
    responses={**NOT_FOUND, **CONFLICT},
)
async def edit(
    request: Request,
    caller: Caller,
    incident_id: IncidentId,
    communication_id: CommunicationId,
    body: TextIn,
) -> CommunicationOut:
    """409 once it is approved (an approved text is not edited)."""
    app = app_of(request)
    item = await communications.edit(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        communication_id=communication_id,
        actor_id=caller.person.id,
        channel=CHANNEL,
        subject=body.subject,
        text=body.text,
    )
    return await _out(app, incident_id, item)


@router.post(
    "/incidents/{incident_id:id}/communications/{communication_id:id}/approve",
    response_model=CommunicationOut,
    summary="Approve a draft (the leader only)",
    responses={**NOT_FOUND, **CONFLICT},
)
async def approve(
    request: Request,
    caller: Caller,
    incident_id: IncidentId,
    communication_id: CommunicationId,
    body: ApproveIn | None = None,
) -> CommunicationOut:
    """403 for anyone but the playbook's leader (audited); 409 if it is not a draft, or it
    is for the press and the board has not had the holding line yet."""
    app = app_of(request)
    item = await communications.approve(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        communication_id=communication_id,
        actor_id=caller.person.id,
        channel=CHANNEL,
        publish=body.publish if body is not None else False,
    )
    return await _out(app, incident_id, item)


@router.post(
    "/incidents/{incident_id:id}/communications/{communication_id:id}/send",
    response_model=SendOut,
    summary="Send an approved communication to its audiences, once",
    responses={**NOT_FOUND, **CONFLICT},
)
async def send(
    request: Request, caller: Caller, incident_id: IncidentId, communication_id: CommunicationId
) -> SendOut:
    """409 unless it is approved and not yet sent."""
    app = app_of(request)
    result = await communications.send(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        communication_id=communication_id,
        actor_id=caller.person.id,
        channel=CHANNEL,
    )
    return SendOut(
        communication=await _out(app, incident_id, result.communication),
        recipients=[r.id for r in result.recipients],
        unreachable=list(result.unreachable),
        residents=result.residents,
    )


@router.post(
    "/incidents/{incident_id:id}/communications/{communication_id:id}/discard",
    response_model=CommunicationOut,
    summary="Set aside a draft or an approved communication",
    responses={**NOT_FOUND, **CONFLICT},
)
async def discard(
    request: Request, caller: Caller, incident_id: IncidentId, communication_id: CommunicationId
) -> CommunicationOut:
    """409 once it is sent or discarded."""
    app = app_of(request)
    item = await communications.discard(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        communication_id=communication_id,
        actor_id=caller.person.id,
        channel=CHANNEL,
    )
    return await _out(app, incident_id, item)
