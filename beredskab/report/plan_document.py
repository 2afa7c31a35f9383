"""The plan (``PlanView`` from ``report.plan``) laid out as report sections, and rendered as
PDF, Markdown or standalone HTML with the situation report's renderers."""

from __future__ import annotations

from beredskab.report.html import render_html_data
from beredskab.report.markdown import render_markdown
from beredskab.report.pdf import render_pdf_data
from beredskab.report.plan import Format, PlanView, PlaybookView
from beredskab.report.sections import Paragraph, ReportData, Row, Section, Table


def _list(items: tuple[str, ...], empty: str) -> Table:
    return Table(("#", "Tekst"), tuple(Row((str(n), t)) for n, t in enumerate(items, 1)), empty)


def _sections(pb: PlaybookView) -> list[Section]:
    key = pb.id
    head = f"{pb.name}: "
    overview = (
        Paragraph(pb.description, lead="Beskrivelse:"),
        Paragraph(pb.crisis_definition, lead="Krisesituation:"),
        Paragraph(pb.condition, lead="Aktivering:"),
        Paragraph(", ".join(pb.activators), lead="Kan aktivere:"),
        Paragraph(
            "ja, politiets journalnummer registreres" if pb.police_case else "nej",
            lead="Politisag:",
        ),
        Paragraph(pb.leader, lead="Leder af beredskabsstaben:"),
        Paragraph(", ".join(pb.participants), lead="Deltagere:"),
        Paragraph(pb.escalation, lead="Svar og eskalering:"),
        *(Paragraph(note, lead="Note:") for note in pb.notes),
    )
    return [
        Section(f"{key}-oversigt", f"{pb.name} (gruppe {pb.number})", overview),
        Section(f"{key}-formaal", head + "Formål", (_list(pb.purpose, "Intet formål angivet."),)),
        Section(
            f"{key}-principper", head + "Principper", (_list(pb.principles, "Ingen principper."),)
        ),
        Section(
            f"{key}-pligter",
            head + "Pligter (§3)",
            (
                Table(
                    ("Rolle", "Pligt", "Art", "Kilde"),
                    tuple(Row((d.role, d.text, d.kind, d.source)) for d in pb.duties),
                    "Ingen pligter.",
                ),
            ),
        ),
        Section(
            f"{key}-trin",
            head + "Trin i rækkefølge",
            (
                Table(
                    ("#", "Trin", "Ansvarlig", "Frist", "Udløser", "Kilde"),
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
                    "Ingen trin.",
                ),
            ),
        ),
        Section(
            f"{key}-opsoegende",
            head + "Opsøgende målgrupper og hvem kontakter hvem",
            tuple(
                block
                for g in pb.groups
                for block in (
                    Paragraph(g.description, lead=f"{g.name}:"),
                    Table(
                        ("Medarbejder", "Kontakter", "Zone", "Organisation"),
                        tuple(Row((c.staff, c.target, c.zone, c.organisation)) for c in g.contacts),
                        "Ingen fast fordeling i kontaktlisten.",
                    ),
                )
            )
            or (Paragraph("Ingen opsøgende målgrupper."),),
        ),
        Section(
            f"{key}-kommunikation",
            head + "Kommunikation",
            (
                Table(
                    ("Målgruppe", "Ansvarlig", "Rådfører sig med", "Skabelon", "Formål"),
                    tuple(
                        Row((c.audience, c.responsible, c.consult or "-", c.template, c.purpose))
                        for c in pb.communication
                    ),
                    "Ingen kommunikationsregler.",
                ),
            ),
        ),
        Section(
            f"{key}-situationsbillede",
            head + pb.picture_title,
            (_list(pb.picture_headings, "Ingen overskrifter."),),
        ),
        Section(
            f"{key}-opfoelgning",
            head + "Opfølgning efter afblæsning",
            (
                Table(
                    ("Opfølgning", "Ansvarlig", "Hvornår"),
                    tuple(Row((f.text, f.role, f.after)) for f in pb.follow_up),
                    "Ingen opfølgning.",
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
        ("Rolle", "Beskrivelse", "Hvem"),
        tuple(Row((r.name, r.description, "\n".join(r.holders) or "ingen")) for r in view.roles),
        "Ingen roller.",
    )
    note = Paragraph(
        "Kontaktlisten ændres løbende og er ikke en del af den underskrevne planversion. "
        "Telefonnumre og e-mails står kun i kontaktlisten."
    )
    sections.append(Section("roller", "Roller i kontaktlisten og hvem der har dem", (note, roles)))
    fields = [("Planversion", view.version), ("Beredskabsgrupper", str(len(view.playbooks)))]
    if view.example_directory:
        fields.append(("Kontaktliste", "det fiktive eksempel (ikke rigtige personer)"))
    return ReportData(
        incident_id=0,
        title="Beredskabsplanen",
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
