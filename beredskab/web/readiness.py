"""The readiness page: roles, channels, PINs, verification, sign-off and weak spots."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from beredskab.i18n import LOCAL_TZ, clock
from beredskab.preparedness.readiness import STALE_DAYS, readiness
from beredskab.security import access, audit
from beredskab.web.session import Viewer, app_of, page, viewer

router = APIRouter()

CHANNEL = "web"


@router.get("/parathed")
async def readiness_page(request: Request, who: Annotated[Viewer, Depends(viewer)]) -> Response:
    """The readiness report: roles, channels, PINs, verification, sign-off, weak spots."""
    app = app_of(request)
    allowed = access.readiness_roles(app.plan)
    if not access.has_role(who.person, allowed):
        await audit.refusal(
            app.db,
            actor=who.person.id,
            action="web.readiness",
            channel=CHANNEL,
            detail=f"allowed roles: {', '.join(sorted(allowed))}",
        )
        return page(request, "readiness.html", who=who, status=403, report=None)
    report = await readiness(db=app.db, plan=app.plan)

    def name(person_id: str) -> str:
        person = app.plan.directory.person(person_id)
        return person.name if person else person_id

    def group_number(playbook_id: str) -> str:
        playbook = app.plan.playbook(playbook_id)
        return str(playbook.number) if playbook else playbook_id

    return page(
        request,
        "readiness.html",
        who=who,
        report=report,
        person_name=name,
        group_number=group_number,
        stale_days=STALE_DAYS,
        at=clock(report.generated_at, now=report.generated_at, language=who.language),
        local=LOCAL_TZ,
    )
