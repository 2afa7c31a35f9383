"""Upgrading and standing down an incident from its page: each asks "are you sure?" on a
page of its own first (a summary without log entries), then calls the use case and goes back
to the incident page with a notice, like every other action (``incident_actions``).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from beredskab import report
from beredskab.errors import NotFoundError
from beredskab.incident import activation, need_to_know, standdown
from beredskab.incident import police_case as journal
from beredskab.models import ConfirmationStatus, Incident
from beredskab.web import incident_view
from beredskab.web.incident_actions import MAX_NOTE, MAX_POLICE_CASE, Form, Who, act, field
from beredskab.web.incident_view import CHANNEL, OPEN_TASK
from beredskab.web.session import Viewer, app_of, page

router = APIRouter()


@dataclass(frozen=True, slots=True)
class Summary:
    """What the "are you sure?" pages show (no log entries: nothing sensitive is read)."""

    incident: Incident
    powers: incident_view.Powers
    confirmed: int
    total: int
    open_tasks: int


async def _summary(request: Request, who: Viewer, incident_id: int) -> Summary | None:
    app = app_of(request)
    try:
        view = await report.overview(db=app.db, incident_id=incident_id)
    except NotFoundError:
        return None
    involved = any(c.person_id == who.person.id for c in view.confirmations)
    may = incident_view.powers(app.plan, view.incident, who.person, involved=involved)
    view = need_to_know.redact(app.plan, who.person, view)  # journal no.: need to know
    return Summary(
        incident=view.incident,
        powers=may,
        confirmed=sum(c.status is ConfirmationStatus.CONFIRMED for c in view.confirmations),
        total=len(view.confirmations),
        open_tasks=sum(t.status in OPEN_TASK for t in view.tasks),
    )


@router.get("/haendelse/{incident_id:id}/opgrader")
async def upgrade_form(request: Request, who: Who, incident_id: int) -> Response:
    """Ask which group to upgrade to and the police journal number, then "are you sure?"."""
    found = await _summary(request, who, incident_id)
    if found is None:
        return page(request, "incident_missing.html", who=who, status=404)
    return page(request, "incident_upgrade.html", who=who, s=found, error="")


@router.post("/haendelse/{incident_id:id}/opgrader")
async def upgrade(request: Request, who: Who, form: Form, incident_id: int) -> Response:
    """Upgrade the incident (group 1 → 2); every new participant is notified."""
    app = app_of(request)
    found = await _summary(request, who, incident_id)
    if found is None:
        return page(request, "incident_missing.html", who=who, status=404)
    target = next((p for p in found.powers.upgrade_to if p.id == field(form, "til", 64)), None)
    police_case = field(form, "journalnr", MAX_POLICE_CASE) or None
    pending = field(form, "afventer", 4) == "1"
    error = ""
    if target is None:
        error = "missing_choice"
    else:  # the use case's own rule, checked here to show the form again
        try:
            journal.check(
                target,
                police_case=police_case,
                pending=pending or bool(found.incident.police_case),
                drill=found.incident.drill,
            )
        except journal.NoPoliceCase:
            error = "police_case_group1"
        except journal.PoliceCaseRequired:
            error = "missing_police_case"
    if error:
        return page(request, "incident_upgrade.html", who=who, s=found, status=400, error=error)
    assert target is not None

    async def run() -> str:
        await activation.upgrade(
            db=app.db,
            plan=app.plan,
            incident_id=incident_id,
            to_playbook=target.id,
            actor_id=who.person.id,
            channel=CHANNEL,
            police_case=police_case,
            police_case_pending=pending,
        )
        return "upgraded_to"

    return await act(request, incident_id, "", run)


@router.get("/haendelse/{incident_id:id}/afblaes")
async def close_form(request: Request, who: Who, incident_id: int) -> Response:
    """Ask "are you sure?" before standing the incident down."""
    found = await _summary(request, who, incident_id)
    if found is None:
        return page(request, "incident_missing.html", who=who, status=404)
    return page(request, "incident_close.html", who=who, s=found)


@router.post("/haendelse/{incident_id:id}/afblaes")
async def close(request: Request, who: Who, form: Form, incident_id: int) -> Response:
    """Stand the incident down; everyone notified is told. Needs the confirmation page."""
    app = app_of(request)
    if field(form, "bekraeft", 4) != "1":
        return RedirectResponse(f"/haendelse/{incident_id}/afblaes", status_code=303)
    note = field(form, "note", MAX_NOTE)

    async def run() -> str:
        await standdown.close(
            db=app.db,
            plan=app.plan,
            incident_id=incident_id,
            actor_id=who.person.id,
            channel=CHANNEL,
            note=note,
        )
        return "stood_down"

    return await act(request, incident_id, "", run)
