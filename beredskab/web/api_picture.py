"""The situation picture in the JSON API: read it, save a new version, draft a briefing.

``PUT`` carries the version the caller read; a newer version saved meanwhile is a 409 that
names who saved it, and nothing is saved. Sensitive text is withheld unless the caller asks
for it and may read it (``report.authorise_sensitive``, audited), as for the log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, BeforeValidator, Field

from beredskab import report
from beredskab.boundary import bounds
from beredskab.communications import briefing
from beredskab.incident import need_to_know, picture
from beredskab.incident.lookup import require
from beredskab.web.api_common import (
    CHANNEL,
    COMMON,
    CONFLICT,
    NOT_FOUND,
    Caller,
    IncidentId,
    IncludeSensitive,
    UseCaseErrors,
    app_of,
    problem,
)
from beredskab.web.api_schemas import UtcDatetime, _In, _integral

router = APIRouter(prefix="/api/v1", route_class=UseCaseErrors, responses=COMMON)

PictureText = Annotated[str, Field(max_length=picture.MAX_TEXT, pattern=bounds.NUL_FREE_PATTERN)]


class HeadingOut(BaseModel):
    """One heading as it stands."""

    number: int = Field(description="1, 2, ... in the playbook's order")
    heading: str
    text: str | None = Field(description="Null when the heading is sensitive and withheld")
    sensitive: bool
    withheld: bool
    version: int | None = Field(description="The version that last wrote it; null: never")
    author: str | None = Field(description="Person id of who last wrote it")
    via: str | None
    updated_at: UtcDatetime | None


class RevisionOut(BaseModel):
    """One saved version: who, when, through which channel, which headings it changed."""

    version: int
    author: str
    via: str
    created_at: UtcDatetime
    headings: list[str]


class PictureOut(BaseModel):
    """The situation picture after its newest version, and its history."""

    incident_id: int
    title: str
    version: int = Field(description="The newest version (0: nothing written yet)")
    headings: list[HeadingOut]
    revisions: list[RevisionOut]

    @classmethod
    def of(cls, found: picture.Picture, *, reveal: bool) -> PictureOut:
        """From the domain picture; sensitive text only when ``reveal``."""
        return cls(
            incident_id=found.incident_id,
            title=found.title,
            version=found.version,
            headings=[
                HeadingOut(
                    number=n,
                    heading=h.title,
                    text=None if h.sensitive and not reveal else h.text,
                    sensitive=h.sensitive,
                    withheld=h.sensitive and not reveal,
                    version=h.version,
                    author=h.author,
                    via=h.via,
                    updated_at=h.at,
                )
                for n, h in enumerate(found.headings, start=1)
            ],
            revisions=[
                RevisionOut(
                    version=r.version,
                    author=r.author,
                    via=r.via,
                    created_at=r.created_at,
                    headings=[s.heading for s in r.sections],
                )
                for r in found.revisions
            ],
        )


class HeadingIn(_In):
    """A new text for one heading."""

    heading: str = Field(
        min_length=1,
        max_length=200,
        pattern=bounds.NUL_FREE_PATTERN,
        description='The heading\'s number ("1"), its text, or the start of exactly one',
    )
    text: PictureText
    sensitive: bool | None = Field(
        default=None, description="Mark sensitive; null keeps the heading's current mark"
    )


class PictureIn(_In):
    """A new version: the version read, and the headings to change."""

    version: Annotated[
        int,
        Field(ge=0, le=bounds.MAX_ID, description="The version you read (0: none)"),
        BeforeValidator(_integral),
    ]
    headings: list[HeadingIn] = Field(min_length=1, max_length=40)


class BriefingIn(_In):
    """Who the briefing goes to."""

    audience: Literal["board", "operations", "partners"]


class BriefingOut(BaseModel):
    """The draft made from the picture; the leader approves and sends it."""

    id: int
    audience: str
    status: str
    subject: str
    text: str
    drafted_by: str
    drafted_at: datetime


@router.get(
    "/incidents/{incident_id:id}/picture",
    response_model=PictureOut,
    summary="The situation picture",
    responses=NOT_FOUND,
)
async def read_picture(
    request: Request,
    caller: Caller,
    incident_id: IncidentId,
    include_sensitive: IncludeSensitive = False,
) -> PictureOut:
    """The newest version of every heading and the history of versions."""
    app = app_of(request)
    found = await picture.current(db=app.db, plan=app.plan, incident_id=incident_id)
    async with app.db.read() as tx:
        incident = await require(tx, incident_id)
        see = await need_to_know.read_lens(
            tx, plan=app.plan, person=caller.person, incident=incident
        )
    found = see.picture(found)  # the names in it: need to know
    if include_sensitive:
        await report.authorise_sensitive(
            db=app.db,
            plan=app.plan,
            incident=incident,
            actor_id=caller.person.id,
            channel=CHANNEL,
            detail=f"API situation picture version {found.version} "
            f"(token {caller.token.id} '{caller.token.name}')",
        )
    return PictureOut.of(found, reveal=include_sensitive)


@router.put(
    "/incidents/{incident_id:id}/picture",
    response_model=PictureOut,
    summary="Save a new version of the situation picture",
    responses={
        **NOT_FOUND,
        **problem(
            409,
            "A newer version was saved after the one you read, nothing changed, or "
            "the incident is closed",
        ),
    },
)
async def save_picture(
    request: Request, caller: Caller, incident_id: IncidentId, body: PictureIn
) -> PictureOut:
    """The incident's participants and the leader change one or more headings on top of the
    version they read. The answer withholds sensitive text (read it with GET)."""
    app = app_of(request)
    saved = await picture.revise(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        actor_id=caller.person.id,
        channel=CHANNEL,
        base_version=body.version,
        edits=[picture.Edit(h.heading, h.text, h.sensitive) for h in body.headings],
    )
    return PictureOut.of(saved, reveal=False)


@router.post(
    "/incidents/{incident_id:id}/picture/briefing",
    status_code=201,
    response_model=BriefingOut,
    summary="Draft a briefing from the situation picture",
    responses={**NOT_FOUND, **CONFLICT},
)
async def draft_briefing(
    request: Request, caller: Caller, incident_id: IncidentId, body: BriefingIn
) -> BriefingOut:
    """A crisis-communication draft for the audience made of the picture's non-sensitive
    headings; the leader approves and sends it as any other communication."""
    app = app_of(request)
    item = await briefing.draft(
        db=app.db,
        plan=app.plan,
        incident_id=incident_id,
        actor_id=caller.person.id,
        channel=CHANNEL,
        audience=body.audience,
    )
    return BriefingOut(
        id=item.id,
        audience=item.audience,
        status=item.status.value,
        subject=item.subject,
        text=item.text,
        drafted_by=item.drafted_by,
        drafted_at=item.drafted_at,
    )
