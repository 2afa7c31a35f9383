"""The situation report: one incident read once, prepared once, rendered as Markdown, HTML or PDF.

``overview`` reads the incident; ``build`` prepares its sections (``sections.py``); the
renderers lay those out. ``authorise_sensitive`` is the one rule for who may read sensitive
log entries, shared by every interface.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from beredskab.incident.overview import Overview, overview
from beredskab.models import Incident
from beredskab.plan import Plan
from beredskab.report.blocks import ReportData
from beredskab.report.markdown import render_markdown
from beredskab.report.sections import build
from beredskab.security import access, audit
from beredskab.storage import Database
from contacts.models import Person

__all__ = [
    "Format",
    "Overview",
    "ReportData",
    "authorise_sensitive",
    "build",
    "markdown",
    "may_read_sensitive",
    "overview",
    "render",
    "render_html",
    "render_pdf",
]


class Format(StrEnum):
    """The formats the report comes in."""

    MARKDOWN = "markdown"
    HTML = "html"
    PDF = "pdf"


def markdown(view: Overview, *, names: dict[str, str], include_sensitive: bool) -> str:
    """The Danish situation report as Markdown."""
    return render_markdown(build(view, names=names, include_sensitive=include_sensitive))


def render_html(
    view: Overview,
    *,
    names: dict[str, str],
    include_sensitive: bool,
    generated_at: datetime | None = None,
) -> str:
    """The Danish situation report as one self-contained, printable HTML page."""
    from beredskab.report.html import render_html_data  # jinja2: only when rendering

    data = build(view, names=names, include_sensitive=include_sensitive, generated_at=generated_at)
    return render_html_data(data)


def render_pdf(
    view: Overview,
    *,
    names: dict[str, str],
    include_sensitive: bool,
    generated_at: datetime | None = None,
) -> bytes:
    """The Danish situation report as a PDF document."""
    from beredskab.report.pdf import render_pdf_data  # fpdf, Pillow, fontTools: only for a PDF

    data = build(view, names=names, include_sensitive=include_sensitive, generated_at=generated_at)
    return render_pdf_data(data)


def render(
    view: Overview,
    *,
    fmt: Format,
    names: dict[str, str],
    include_sensitive: bool,
    generated_at: datetime | None = None,
) -> bytes:
    """The report in ``fmt`` as bytes (text formats UTF-8 encoded)."""
    data = build(view, names=names, include_sensitive=include_sensitive, generated_at=generated_at)
    if fmt is Format.PDF:
        from beredskab.report.pdf import render_pdf_data

        return render_pdf_data(data)
    if fmt is Format.HTML:
        from beredskab.report.html import render_html_data

        return render_html_data(data).encode("utf-8")
    text = render_markdown(data)
    return text.encode("utf-8")


def _readers(plan: Plan, incident: Incident) -> list[str]:
    playbook = plan.playbook(incident.playbook_id)
    return [playbook.leader_role if playbook else "projektchef"]


def may_read_sensitive(*, plan: Plan, incident: Incident, person: Person) -> bool:
    """True if the person may read the incident's sensitive entries (the playbook's leader)."""
    return access.has_role(person, _readers(plan, incident))


async def authorise_sensitive(
    *,
    db: Database,
    plan: Plan,
    incident: Incident,
    actor_id: str,
    channel: str,
    detail: str = "report with sensitive entries",
) -> None:
    """Allow the playbook's leader role to read sensitive entries, and audit the read.

    Raises ``NotFoundError`` for an unknown person and ``Refusal`` (audited) for anyone
    without the role.
    """
    reader = access.person(plan, actor_id)
    async with access.audited(db):
        access.require_role(
            reader,
            _readers(plan, incident),
            action="report.sensitive",
            channel=channel,
            what="read sensitive log entries",
            incident_id=incident.id,
        )
    async with db.transaction() as tx:
        await audit.record(
            tx,
            actor=reader.id,
            action="report.sensitive",
            channel=channel,
            incident_id=incident.id,
            detail=detail,
        )
