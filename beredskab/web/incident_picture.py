"""The situation picture on the incident page: save a new version, draft a briefing from it.

``POST /haendelse/{id}/situationsbillede`` carries every heading the viewer may write (one
form), the version they read, and a sensitive mark per heading; only the headings that
changed become the revision. When someone else saved meanwhile, nothing is saved and the
viewer gets a page with their own text beside the newest version, to save again on top of it.
``POST /haendelse/{id}/situationsbillede/orientering`` drafts a briefing for an audience from
the non-sensitive headings; the leader approves and sends it on the communication board.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from starlette.datastructures import FormData

from beredskab import communications
from beredskab.boundary import bounds
from beredskab.communications import briefing
from beredskab.errors import InvalidStateError, NotAuthorisedError, NotFoundError
from beredskab.incident import picture
from beredskab.web import incident_view
from beredskab.web.incident_actions import Form, Who, act, back, field
from beredskab.web.incident_view import CHANNEL
from beredskab.web.session import app_of, page

router = APIRouter()

ANCHOR = "situationsbillede"
MAX_HEADINGS = 40
"""Headings one form may carry (a playbook has nine)."""


@dataclass(frozen=True, slots=True)
class Typed:
    """What the viewer typed for one heading, shown again when their save came too late."""

    number: int
    title: str
    text: str
    sensitive: bool
    saved_text: str
    saved_by: str


def _edits(form: FormData) -> list[picture.Edit]:
    """One edit per heading in the form (``overskrift-N``, ``tekst-N``, ``foelsom-N``)."""
    edits = []
    for number in range(1, MAX_HEADINGS + 1):
        title = field(form, f"overskrift-{number}", 201)
        if not title:
            continue
        text = form.get(f"tekst-{number}")
        edits.append(
            picture.Edit(
                heading=title,
                text=text if isinstance(text, str) else "",
                sensitive=field(form, f"foelsom-{number}", 4) == "1",
            )
        )
    return edits


@router.post("/haendelse/{incident_id:id}/situationsbillede")
async def save(request: Request, who: Who, form: Form, incident_id: int) -> Response:
    """Save the headings that changed as a new version of the picture."""
    app = app_of(request)
    version = bounds.parse_id(field(form, "version", 12)) or 0
    edits = _edits(form)
    if not edits:
        return back(incident_id, problem="missing_choice", anchor=ANCHOR)
    try:
        await picture.revise(
            db=app.db,
            plan=app.plan,
            incident_id=incident_id,
            actor_id=who.person.id,
            channel=CHANNEL,
            base_version=version,
            edits=edits,
        )
    except picture.StalePictureError as stale:
        return await _conflict(request, who, incident_id, edits, str(stale))
    except picture.NothingChangedError:
        return back(incident_id, problem="picture_unchanged", anchor=ANCHOR)
    except NotAuthorisedError:
        return back(incident_id, problem="refused_action", anchor=ANCHOR)
    except NotFoundError:
        return back(incident_id, problem="missing_item", anchor=ANCHOR)
    except (InvalidStateError, bounds.InputRefusedError):
        return back(incident_id, problem="not_possible", anchor=ANCHOR)
    return back(incident_id, ok="picture_saved", anchor=ANCHOR)


async def _conflict(
    request: Request, who: Who, incident_id: int, edits: list[picture.Edit], message: str
) -> Response:
    """The viewer's texts beside the newest version, with a form to save on top of it."""
    view = await incident_view.build(
        app=app_of(request), person=who.person, incident_id=incident_id
    )
    assert view.picture is not None
    rows = {h.title: h for h in view.picture.headings}
    typed = []
    for edit in edits:
        saved = rows.get(edit.heading)
        if saved is None or not saved.may_edit:
            continue
        typed.append(
            Typed(
                number=saved.number,
                title=saved.title,
                text=edit.text.strip(),
                sensitive=bool(edit.sensitive) or saved.declared_sensitive,
                saved_text=saved.text,
                saved_by=saved.author,
            )
        )
    return page(
        request,
        "incident_picture_conflict.html",
        who=who,
        v=view,
        typed=typed,
        message=message,
        status=409,
    )


@router.post("/haendelse/{incident_id:id}/situationsbillede/orientering")
async def brief(request: Request, who: Who, form: Form, incident_id: int) -> Response:
    """Draft a briefing for the chosen audience from the picture's non-sensitive headings."""
    app = app_of(request)
    audience = field(form, "til", 32)
    if audience not in communications.AUDIENCES:
        return back(incident_id, problem="missing_choice", anchor=ANCHOR)

    async def run() -> str:
        await briefing.draft(
            db=app.db,
            plan=app.plan,
            incident_id=incident_id,
            actor_id=who.person.id,
            channel=CHANNEL,
            audience=audience,
        )
        return "comm_drafted"

    return await act(request, incident_id, "kommunikation", run)
