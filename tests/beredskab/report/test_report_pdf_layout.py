"""The PDF's tables size their columns from the content and wrap words whole: a narrow
column never breaks "Samarbejdspartnere" into "Samarbejdspart nere"."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from beredskab.plan import Plan
from beredskab.report import plan as plan_report
from beredskab.report.blocks import ReportData, Row, Section, Table
from beredskab.report.markdown import render_markdown
from beredskab.report.pdf import render_pdf_data
from beredskab.report.plan_document import document

LONG_WORDS = ("Samarbejdspartnere", "afdelingsbestyrelse", "Områdesekretariatet")


def _text(content: bytes) -> str:
    """The PDF's text with every run of whitespace (line ends included) as one space."""
    pages = PdfReader(io.BytesIO(content)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


def _report(*tables: Table) -> ReportData:
    return ReportData(
        incident_id=1,
        title="Situationsrapport",
        drill=False,
        fields=(),
        sections=(Section(key="t", title="Opgaver", blocks=tables),),
        chain_ok=True,
        generated_at="1.12.2026 12:00",
    )


def test_long_words_in_narrow_columns_stay_whole() -> None:
    tasks = Table(
        ("#", "Medarbejder", "Kontakt", "Gruppe", "Zone", "Status", "Resultat"),
        tuple(
            Row(
                (
                    str(n),
                    "Sara Jensen",
                    "Formand for afdelingsbestyrelse i zone 2",
                    "Samarbejdspartnere",
                    "2",
                    "udført",
                    "Talt med formanden; " + "roen er ved at vende tilbage " * 6,
                )
            )
            for n in range(1, 4)
        ),
        "Ingen opgaver.",
    )
    sent = Table(
        ("Sendt", "Til", "Emne og tekst", "Godkendt af", "Modtagere"),
        (
            Row(
                (
                    "1.12.2026 21:04",
                    "afdelingsbestyrelse",
                    "Orientering " * 40,
                    "Områdesekretariatet",
                    "12",
                )
            ),
        ),
        "Intet sendt.",
    )
    text = _text(render_pdf_data(_report(tasks, sent)))
    for word in LONG_WORDS:
        assert word in text, word
    assert "Samarbejdspart nere" not in text and "afdeli ngsbestyrelse" not in text
    assert "roen er ved at vende tilbage" in text


def test_a_table_wider_than_the_page_still_renders_every_word() -> None:
    # The longest words alone are wider than the page: columns shrink alike, nothing is lost.
    table = Table(
        tuple(f"Kolonne{n}" for n in range(12)),
        (Row(tuple("Beboerrådgivningssekretariatet" for _ in range(12))),),
        "-",
    )
    text = _text(render_pdf_data(_report(table))).replace(" ", "")
    assert text.count("Beboerrådgivningssekretariatet") == 12


def test_the_plan_document_breaks_no_word(plan: Plan) -> None:
    data = document(plan_report.build(plan))
    text = _text(render_pdf_data(data))
    words = set(re.findall(r"[A-Za-zÆØÅæøå]{4,}", render_markdown(data)))
    assert words and not sorted(w for w in words if w not in text)
