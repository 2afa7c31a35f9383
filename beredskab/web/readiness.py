"""The readiness and plan pages: plan version, sign-off per person, the readiness report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from beredskab import access, audit
from beredskab.i18n import LOCAL_TZ, clock
from beredskab.preparedness.readiness import STALE_DAYS, readiness
from beredskab.preparedness.signoff import signoff_status
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

    return page(
        request,
        "readiness.html",
        who=who,
        report=report,
        person_name=name,
        stale_days=STALE_DAYS,
        at=clock(report.generated_at, now=report.generated_at, language=who.language),
        local=LOCAL_TZ,
    )


@router.get("/plan")
async def plan_page(request: Request, who: Annotated[Viewer, Depends(viewer)]) -> Response:
    """The running plan: its version, the playbooks in short, and who has signed it."""
    app = app_of(request)
    lines = await signoff_status(db=app.db, plan=app.plan)
    return page(
        request,
        "plan.html",
        who=who,
        plan=app.plan,
        playbooks=app.plan.playbooks.playbooks,
        lines=lines,
        signed=sum(1 for line in lines if line.signed_at is not None),
        local=LOCAL_TZ,
        role_name=lambda role_id: r.name if (r := app.plan.directory.role(role_id)) else role_id,
    )
