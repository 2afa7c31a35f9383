"""The plan as people read it: ``/plan`` (the whole plan and who has signed it, readable on a
phone and printable) and ``/plan.pdf``. Any signed-in person may read both: it is the plan
they are asked to sign."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from beredskab.i18n import LOCAL_TZ
from beredskab.preparedness.signoff import signoff_status
from beredskab.report import plan as plan_view
from beredskab.report import plan_document
from beredskab.web.session import HEADERS, Viewer, app_of, page, viewer

router = APIRouter()

PDF_NAME = "beredskabsplan-{version}.pdf"


@router.get("/plan")
async def plan_page(request: Request, who: Annotated[Viewer, Depends(viewer)]) -> Response:
    """The whole running plan, its version, and who has signed it."""
    app = app_of(request)
    lines = await signoff_status(db=app.db, plan=app.plan)
    return page(
        request,
        "plan.html",
        who=who,
        view=plan_view.build(app.plan),
        lines=lines,
        signed=sum(1 for line in lines if line.signed_at is not None),
        local=LOCAL_TZ,
    )


@router.get("/plan.pdf")
async def plan_pdf(request: Request, who: Annotated[Viewer, Depends(viewer)]) -> Response:
    """The whole running plan as a PDF document."""
    app = app_of(request)
    view = plan_view.build(app.plan)
    content = plan_document.render(view, plan_view.Format.PDF)
    headers = {
        **HEADERS,
        "Content-Disposition": f'inline; filename="{PDF_NAME.format(version=view.version)}"',
    }
    return Response(content, media_type="application/pdf", headers=headers)
