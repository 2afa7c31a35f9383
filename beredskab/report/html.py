"""The situation report as one self-contained, printable HTML page."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from beredskab.report.blocks import ReportData, texts

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"
TEMPLATE = "report.html"


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html_data(data: ReportData) -> str:
    """Lay out prepared report data as HTML (inline CSS, no external resources)."""
    template = _environment().get_template(TEMPLATE)
    return template.render(report=data, sensitive_mark=texts("sensitive"), rp=_danish)


def _danish(key: str, /, **values: object) -> str:
    """A report text in Danish, the report's language (``rp("key")`` in the template)."""
    return texts(key, "da", **values)
