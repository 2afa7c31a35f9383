"""The mobile pages: the incident list and the activation form (with a confirmation step)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from beredskab.errors import BeredskabError, NotAuthorisedError, render
from beredskab.i18n import clock
from beredskab.incident import activation, need_to_know
from beredskab.incident import police_case as journal
from beredskab.models import ConfirmationStatus, Incident, IncidentStatus
from beredskab.plan import Plan
from beredskab.security import access
from beredskab.web.session import Viewer, app_of, checked_form, page, viewer
from contacts.models import Person
from playbooks.schema import Playbook

router = APIRouter()

CHANNEL = "web"
RECENT = 20
MAX_DESCRIPTION = 1000
MAX_POLICE_CASE = 64


@dataclass(frozen=True, slots=True)
class IncidentLine:
    """One incident in the list with its confirmation count."""

    incident: Incident
    activated_at: str
    activated_by: str
    confirmed: int
    total: int


def activatable(plan: Plan, person: Person) -> list[Playbook]:
    """The playbooks this person may activate."""
    return [p for p in plan.playbooks.playbooks if access.has_role(person, p.activation.roles)]


@router.get("/")
async def incidents(request: Request, who: Annotated[Viewer, Depends(viewer)]) -> Response:
    """Open incidents first, then the recently closed; drills are marked."""
    app = app_of(request)
    lines: list[IncidentLine] = []
    async with app.db.transaction() as tx:
        for found in await tx.incidents.recent(limit=RECENT):
            confirmations = await tx.incidents.confirmations(found.id)
            lens = await need_to_know.read_lens(
                tx, plan=app.plan, person=who.person, incident=found
            )
            incident = lens.incident(found)  # journal no. and activator: need to know
            activator = app.plan.directory.person(incident.activated_by)
            lines.append(
                IncidentLine(
                    incident=incident,
                    activated_at=clock(incident.created_at, now=tx.now, language=who.language),
                    activated_by=activator.name if activator else incident.activated_by,
                    confirmed=sum(c.status is ConfirmationStatus.CONFIRMED for c in confirmations),
                    total=len(confirmations),
                )
            )
    open_lines = [x for x in lines if x.incident.status is IncidentStatus.ACTIVE]
    closed_lines = [x for x in lines if x.incident.status is not IncidentStatus.ACTIVE]
    return page(
        request,
        "incidents.html",
        who=who,
        open_lines=open_lines,
        closed_lines=closed_lines,
        can_activate=bool(activatable(app.plan, who.person)),
    )


@dataclass(frozen=True, slots=True)
class Draft:
    """What the activation form holds, checked."""

    playbook: str
    description: str
    zone: str
    police_case: str
    drill: bool
    police_case_pending: bool = False

    @classmethod
    def of(cls, form: FormData) -> Draft:
        """Read the form fields (missing ones are empty)."""

        def field(name: str, limit: int) -> str:
            value = form.get(name)
            return value.strip()[:limit] if isinstance(value, str) else ""

        return cls(
            playbook=field("playbook", 64),
            description=field("description", MAX_DESCRIPTION),
            zone=field("zone", 2),
            police_case=field("police_case", MAX_POLICE_CASE),
            drill=form.get("drill") in ("1", "on", "true"),
            police_case_pending=form.get("police_case_pending") in ("1", "on", "true"),
        )

    def problems(self, choices: list[Playbook]) -> list[str]:
        """Text keys of what is missing or wrong."""
        chosen = next((p for p in choices if p.id == self.playbook), None)
        found: list[str] = []
        if chosen is None:
            found.append("bad_group")
        if not self.description:
            found.append("missing_description")
        if self.zone not in ("", "1", "2", "3", "4"):
            found.append("bad_zone")
        if chosen is not None:  # the use case's own police-case rule
            try:
                journal.check(
                    chosen,
                    police_case=self.police_case or None,
                    pending=self.police_case_pending,
                    drill=self.drill,
                )
            except journal.NoPoliceCase:
                found.append("police_case_group1")
            except journal.PoliceCaseRequired:
                found.append("missing_police_case")
        return found


def _form(
    request: Request,
    who: Viewer,
    draft: Draft | None,
    *,
    errors: list[str],
    status: int = 200,
    running: Incident | None = None,
) -> Response:
    choices = activatable(app_of(request).plan, who.person)
    return page(
        request,
        "activate.html",
        who=who,
        status=status,
        choices=choices,
        draft=draft,
        errors=errors,
        running=running,
    )


def _checked(request: Request, who: Viewer, form: FormData) -> Draft | Response:
    """The posted draft, or the form again (400) saying what is missing or wrong."""
    draft = Draft.of(form)
    errors = draft.problems(activatable(app_of(request).plan, who.person))
    return _form(request, who, draft, errors=errors, status=400) if errors else draft


@router.get("/aktiver")
async def activate_form(
    request: Request, who: Annotated[Viewer, Depends(viewer)], drill: bool = False
) -> Response:
    """The activation form, with only the groups this person may activate."""
    choices = activatable(app_of(request).plan, who.person)
    draft = Draft(
        playbook=choices[0].id if len(choices) == 1 else "",
        description="",
        zone="",
        police_case="",
        drill=drill,
    )
    return _form(request, who, draft, errors=[], status=200 if choices else 403)


@router.post("/aktiver")
async def activate_review(
    request: Request,
    who: Annotated[Viewer, Depends(viewer)],
    form: Annotated[FormData, Depends(checked_form)],
) -> Response:
    """Check the form and show what will happen; nothing is activated yet."""
    app = app_of(request)
    draft = _checked(request, who, form)
    if isinstance(draft, Response):
        return draft
    chosen = next(p for p in activatable(app.plan, who.person) if p.id == draft.playbook)
    async with app.db.transaction() as tx:
        open_incident = await tx.incidents.open_for_playbook(chosen.id, drill=draft.drill)
        other = await tx.incidents.open_for_playbook(chosen.id, drill=not draft.drill)
    if draft.drill and other is not None and open_incident is None:
        return _form(request, who, draft, errors=["drill_refused"], status=409, running=other)
    return page(
        request,
        "activate_confirm.html",
        who=who,
        draft=draft,
        playbook=chosen,
        participants=len(app.plan.directory.with_any_role(chosen.participants)),
        open_incident=open_incident,
        halts=other if open_incident is None and not draft.drill else None,
    )


@router.post("/aktiver/ret")
async def activate_change(
    request: Request,
    who: Annotated[Viewer, Depends(viewer)],
    form: Annotated[FormData, Depends(checked_form)],
) -> Response:
    """Back from the confirmation to the form, with what was entered."""
    return _form(request, who, Draft.of(form), errors=[])


@router.post("/aktiver/bekraeft")
async def activate_confirmed(
    request: Request,
    who: Annotated[Viewer, Depends(viewer)],
    form: Annotated[FormData, Depends(checked_form)],
) -> Response:
    """Activate (or join the open incident of the group) and go to the incident page."""
    app = app_of(request)
    draft = _checked(request, who, form)
    if isinstance(draft, Response):
        return draft
    try:
        result = await activation.activate(
            db=app.db,
            plan=app.plan,
            playbook=draft.playbook,
            actor_id=who.person.id,
            channel=CHANNEL,
            description=draft.description,
            zone=int(draft.zone) if draft.zone else None,
            police_case=draft.police_case or None,
            police_case_pending=draft.police_case_pending,
            drill=draft.drill,
        )
    except NotAuthorisedError:
        return _form(request, who, draft, errors=["activate_none"], status=403)
    except activation.RealIncidentOpen as exc:
        async with app.db.transaction() as tx:
            running = await tx.incidents.get(int(str(exc.values["nr"])))
        return _form(request, who, draft, errors=["drill_refused"], status=409, running=running)
    except journal.PoliceCaseRequired:
        return _form(request, who, draft, errors=["missing_police_case"], status=400)
    except journal.NoPoliceCase:
        return _form(request, who, draft, errors=["police_case_group1"], status=400)
    except BeredskabError as exc:
        return page(
            request,
            "problem.html",
            who=who,
            status=400,
            title_key="error_title",
            text=render(exc, who.language),
        )
    return RedirectResponse(f"/haendelse/{result.incident.id}?ok={notice(result)}", status_code=303)


def notice(result: activation.ActivationResult) -> str:
    """The incident page's notice after an activation: opened or joined, drill or real."""
    kind = "joined" if result.joined else "opened"
    if result.incident.drill:
        return kind + "_drill"
    if result.halted is not None:
        return kind + "_halted"
    return kind + ("_pending" if result.police_case_missing else "")
