"""The situation report as Markdown."""

from __future__ import annotations

from beredskab.report.blocks import Paragraph, ReportData, Row, Table, drill_mark, texts


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip() or " "


def _row(row: Row) -> str:
    cells = list(row.cells)
    if row.sensitive:
        cells[-1] = f"**{texts('sensitive')}:** {cells[-1]}"
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _table(table: Table) -> list[str]:
    if not table.rows:
        return [f"_{table.empty}_"]
    return [
        "| " + " | ".join(table.columns) + " |",
        "|" + "---|" * len(table.columns),
        *(_row(r) for r in table.rows),
    ]


def _paragraph(paragraph: Paragraph) -> list[str]:
    lead = f"**{paragraph.lead}** " if paragraph.lead else ""
    return [f"{lead}{paragraph.text}"]


def render_markdown(data: ReportData) -> str:
    """Lay out prepared report data as Markdown."""
    out = [f"# {data.title}{drill_mark() if data.drill else ''}", ""]
    out += [f"- **{label}:** {value}" for label, value in data.fields]
    out += ["", f"_{texts('generated', time=data.generated_at)}._"]
    for section in data.sections:
        out += ["", f"## {section.title}"]
        for block in section.blocks:
            out.append("")
            out += _table(block) if isinstance(block, Table) else _paragraph(block)
    out.append("")
    return "\n".join(out)
