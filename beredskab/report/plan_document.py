"""The plan (``PlanView`` from ``report.plan``) laid out as report sections, and rendered as
PDF, Markdown or standalone HTML with the situation report's renderers."""

from __future__ import annotations

from beredskab.report.blocks import (
    Paragraph,
    ReportData,
    Row,
    Section,
    Table,
    columns_of,
    texts,
)
from beredskab.report.html import render_html_data
from beredskab.report.markdown import render_markdown
from beredskab.report.pdf import render_pdf_data
from beredskab.report.plan import Format, PlanView, PlaybookView


def _list(items: tuple[str, ...], empty: str) -> Table:
    rows = tuple(Row((str(n), t)) for n, t in enumerate(items, 1))
    return Table(("#", *columns_of("col.text")), rows, empty)


def _sections(pb: PlaybookView) -> list[Section]:
    key = pb.id
    head = f"{pb.name}: "
    overview = (
        Paragraph(pb.description, lead=texts("plan.lead.description")),
        Paragraph(pb.crisis_definition, lead=texts("plan.lead.crisis")),
        Paragraph(pb.condition, lead=texts("plan.lead.activation")),
        Paragraph(", ".join(pb.activators), lead=texts("plan.lead.activators")),
        Paragraph(
            texts("plan.police_case.yes" if pb.police_case else "plan.police_case.no"),
            lead=texts("plan.lead.police_case"),
        ),
        Paragraph(pb.leader, lead=texts("plan.lead.leader")),
        Paragraph(", ".join(pb.participants), lead=texts("plan.lead.participants")),
        Paragraph(pb.escalation, lead=texts("plan.lead.escalation")),
        *(Paragraph(note, lead=texts("plan.lead.note")) for note in pb.notes),
    )
    return [
        Section(
            f"{key}-oversigt",
            texts("plan.section.overview", name=pb.name, number=pb.number),
            overview,
        ),
        Section(
            f"{key}-formaal",
            head + texts("plan.section.purpose"),
            (_list(pb.purpose, texts("plan.purpose.empty")),),
        ),
        Section(
            f"{key}-principper",
            head + texts("plan.section.principles"),
            (_list(pb.principles, texts("plan.principles.empty")),),
        ),
        Section(
            f"{key}-pligter",
            head + texts("plan.section.duties"),
            (
                Table(
                    columns_of("col.role", "col.duty", "col.duty_kind", "col.source"),
                    tuple(Row((d.role, d.text, d.kind, d.source)) for d in pb.duties),
                    texts("plan.duties.empty"),
                ),
            ),
        ),
        Section(
            f"{key}-trin",
            head + texts("plan.section.steps"),
            (
                Table(
                    (
                        "#",
                        *columns_of(
                            "col.step", "col.owner", "col.due", "col.triggers", "col.source"
                        ),
                    ),
                    tuple(
                        Row(
                            (
                                str(s.position),
                                f"{s.title}\n{s.description}",
                                s.owner,
                                s.due,
                                "\n".join(s.triggers) or "-",
                                s.source,
                            )
                        )
                        for s in pb.steps
                    ),
                    texts("steps.empty"),
                ),
            ),
        ),
        Section(
            f"{key}-opsoegende",
            head + texts("plan.section.outreach"),
            tuple(
                block
                for g in pb.groups
                for block in (
                    Paragraph(g.description, lead=f"{g.name}:"),
                    Table(
                        columns_of("col.staff", "col.contacts", "col.zone", "col.organisation"),
                        tuple(Row((c.staff, c.target, c.zone, c.organisation)) for c in g.contacts),
                        texts("plan.outreach.no_contacts"),
                    ),
                )
            )
            or (Paragraph(texts("plan.outreach.empty")),),
        ),
        Section(
            f"{key}-kommunikation",
            head + texts("plan.section.communication"),
            (
                Table(
                    columns_of(
                        "col.audience", "col.owner", "col.consults", "col.template", "col.purpose"
                    ),
                    tuple(
                        Row((c.audience, c.responsible, c.consult or "-", c.template, c.purpose))
                        for c in pb.communication
                    ),
                    texts("plan.communication.empty"),
                ),
            ),
        ),
        Section(
            f"{key}-situationsbillede",
            head + pb.picture_title,
            (_list(pb.picture_headings, texts("plan.picture.empty")),),
        ),
        Section(
            f"{key}-opfoelgning",
            head + texts("plan.section.follow_up"),
            (
                Table(
                    columns_of("col.follow_up", "col.owner", "col.when"),
                    tuple(Row((f.text, f.role, f.after)) for f in pb.follow_up),
                    texts("plan.follow_up.empty"),
                ),
            ),
        ),
    ]


def document(view: PlanView) -> ReportData:
    """The plan laid out as report sections (for PDF, Markdown and standalone HTML)."""
    sections: list[Section] = []
    for pb in view.playbooks:
        sections += _sections(pb)
    roles = Table(
        columns_of("col.role", "col.description", "col.who"),
        tuple(
            Row((r.name, r.description, "\n".join(r.holders) or texts("nobody")))
            for r in view.roles
        ),
        texts("plan.roles.empty"),
    )
    note = Paragraph(texts("plan.roles.note"))
    sections.append(Section("roller", texts("plan.section.roles"), (note, roles)))
    fields = [
        (texts("plan.field.version"), view.version),
        (texts("plan.field.playbooks"), str(len(view.playbooks))),
    ]
    if view.example_directory:
        fields.append((texts("plan.field.directory"), texts("plan.field.example")))
    return ReportData(
        incident_id=0,
        title=texts("plan.title"),
        drill=False,
        fields=tuple(fields),
        sections=tuple(sections),
        chain_ok=True,
        generated_at=view.generated_at,
    )


def render(view: PlanView, fmt: Format) -> bytes:
    """The plan in ``fmt`` as bytes (text formats UTF-8 encoded)."""
    data = document(view)
    if fmt is Format.PDF:
        return render_pdf_data(data)
    text = render_html_data(data) if fmt is Format.HTML else render_markdown(data)
    return text.encode("utf-8")
