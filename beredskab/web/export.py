"""The situation report as HTML and PDF for signed-in people.

``/haendelse/{nr}/rapport.html`` and ``/haendelse/{nr}/rapport.pdf`` leave sensitive entries
out; with ``?foelsomme=1`` they are included for the playbook's leader (the read is audited)
and refused (403, audited) for everyone else. ``?head=COUNT:HASH`` checks the log against a
chain head kept from before (400 when it is malformed).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from beredskab import report
from beredskab.errors import InvalidStateError, NotAuthorisedError, NotFoundError
from beredskab.incident import need_to_know, situation_log
from beredskab.web.session import HEADERS, Viewer, app_of, page, viewer
from beredskab.web.texts import text

router = APIRouter()

CHANNEL = "web"
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
"""The report page is self-contained with inline styles (so it prints and saves as one file)."""


async def _export(
    request: Request,
    who: Viewer,
    nr: int,
    fmt: report.Format,
    sensitive: bool,
    head: str | None = None,
) -> Response:
    app = app_of(request)
    try:  # ?head=COUNT:HASH checks the log against a head kept earlier (README: Tamper evidence)
        expected = situation_log.Head.parse(head) if head is not None else None
    except InvalidStateError as exc:
        return page(
            request, "problem.html", who=who, status=400, title_key="error_title", text=str(exc)
        )
    try:
        view = await report.overview(db=app.db, incident_id=nr, head=expected)
        if sensitive:
            await report.authorise_sensitive(
                db=app.db,
                plan=app.plan,
                incident=view.incident,
                actor_id=who.person.id,
                channel=CHANNEL,
                detail=f"{fmt.value} report with sensitive entries",
            )
    except NotFoundError:
        return page(request, "problem.html", who=who, status=404, title_key="not_found", text="")
    except NotAuthorisedError:
        return page(
            request,
            "problem.html",
            who=who,
            status=403,
            title_key="refused",
            text=report_refusal(who.language),
        )
    view = need_to_know.redact(app.plan, who.person, view)  # names and journal no.
    content = report.render(view, fmt=fmt, names=app.plan.labels(), include_sensitive=sensitive)
    suffix = "-foelsom" if sensitive else ""
    filename = f"situationsrapport-{nr}{suffix}.{'pdf' if fmt is report.Format.PDF else 'html'}"
    headers = {**HEADERS, "Content-Security-Policy": REPORT_CSP}
    if fmt is report.Format.PDF:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return Response(content, media_type="application/pdf", headers=headers)
    headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return Response(content, media_type="text/html; charset=utf-8", headers=headers)


def report_refusal(language: str) -> str:
    """Why the report with sensitive entries was refused."""
    return text("report_refused", language)


@router.get("/haendelse/{nr:id}/rapport.html")
async def report_html(
    request: Request,
    nr: int,
    who: Annotated[Viewer, Depends(viewer)],
    foelsomme: bool = False,
    head: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The printable HTML report."""
    return await _export(request, who, nr, report.Format.HTML, foelsomme, head)


@router.get("/haendelse/{nr:id}/rapport.pdf")
async def report_pdf(
    request: Request,
    nr: int,
    who: Annotated[Viewer, Depends(viewer)],
    foelsomme: bool = False,
    head: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The PDF report, as a download."""
    return await _export(request, who, nr, report.Format.PDF, foelsomme, head)
