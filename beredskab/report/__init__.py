"""The situation report: one incident read once, prepared once, rendered as Markdown, HTML or PDF.

``overview`` (``incident.overview``) reads the incident; ``build`` prepares its sections
(``sections.py``); the renderers lay those out. Who may read sensitive log entries is one
rule, shared by every interface: ``security.access.authorise_sensitive`` (re-exported here).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from beredskab.incident.overview import Overview, overview
from beredskab.report.blocks import ReportData
from beredskab.report.markdown import render_markdown
from beredskab.report.sections import build
from beredskab.security.access import authorise_sensitive, may_read_sensitive

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
