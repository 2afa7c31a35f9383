"""The situation report as PDF (fpdf2, built-in Helvetica with Windows-1252 encoding).

The core fonts need no font files and cover Danish (æøåÆØÅ), dashes and quotes; anything
else (arrows, emoji) is replaced before it reaches the page.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, TableCellFillMode, XPos, YPos
from fpdf.fonts import FontFace

from beredskab.report.blocks import Paragraph, ReportData, Table, drill_mark, texts

FONT = "helvetica"
ENCODING = "cp1252"
_REPLACE = str.maketrans({"→": "->", "←": "<-", "✓": "OK", "•": "-", "\u00a0": " "})
GREY = (232, 232, 232)
SENSITIVE_FILL = (253, 236, 236)
RED = (127, 29, 29)
GREEN = (22, 101, 52)
BLACK = (17, 17, 17)
LINE = 4.2
PADDING = 1.2
MAX_LINES = 45
"""A table row never holds more wrapped lines than this; longer text continues in the next row
(fpdf2 cannot split one row across pages)."""


def _safe(text: str) -> str:
    """Text the core fonts can show: what Windows-1252 lacks becomes "?"."""
    return text.translate(_REPLACE).encode(ENCODING, "replace").decode(ENCODING)


class _Document(FPDF):
    """A4 portrait with the drill marker in every page header and "Side X af Y" below."""

    def __init__(self, data: ReportData) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.core_fonts_encoding = ENCODING
        self.report = data
        self.set_margins(left=15, top=14, right=15)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(_safe(data.title))
        self.set_author("beredskab")
        self.set_creator("beredskab")

    def header(self) -> None:
        self.set_font(FONT, "", 8)
        self.set_text_color(*BLACK)
        running = f"{self.report.title}{drill_mark() if self.report.drill else ''}"
        self.cell(0, 5, _safe(running) if self.page_no() > 1 else "", new_x=XPos.LMARGIN)
        if self.report.drill:
            self.set_font(FONT, "B", 10)
            self.set_text_color(*RED)
            self.set_draw_color(*RED)
            mark = _safe(texts("drill"))
            width = self.get_string_width(mark) + 6
            self.set_x(self.w - self.r_margin - width)
            self.cell(width, 6, mark, border=1, align="C")
            self.set_text_color(*BLACK)
            self.set_draw_color(0, 0, 0)
        self.ln(9)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, _safe(texts("generated", time=self.report.generated_at)), align="L")
        self.set_x(self.l_margin)
        page = texts("page", page=self.page_no(), pages=self.str_alias_nb_pages)
        self.cell(0, 5, _safe(page), align="R")
        self.set_text_color(*BLACK)


def _heading(pdf: _Document, title: str) -> None:
    if pdf.will_page_break(40):  # keep a heading with the start of its table
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FONT, "B", 12.5)
    pdf.cell(0, 7, _safe(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(60, 60, 60)
    pdf.set_line_width(0.4)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    pdf.ln(2)


def _lines(pdf: _Document, text: str, width: float) -> list[str]:
    """``text`` wrapped as fpdf2 wraps it, a little narrower than the cell so it never rewraps."""
    lines = pdf.multi_cell(
        width - 2 * PADDING - 1, LINE, text, dry_run=True, output=MethodReturnValue.LINES
    )
    assert isinstance(lines, list)
    return [str(line) for line in lines]


def _widths(pdf: _Document, header: list[str], rows: list[list[str]]) -> tuple[float, ...]:
    """Column widths in mm from the content, as a browser lays out an automatic table.

    Each column gets at least its longest word (a heading in bold), so words are wrapped whole;
    what is left of the page goes to the columns in proportion to how much wider than that
    their longest line would like to be. Only when the longest words alone are wider than the
    page do columns shrink below them (and fpdf2 then breaks such a word).
    """
    slack = 2 * PADDING + 1 + 2 * pdf.c_margin + 0.3  # padding, _lines' margin, fpdf2's margin
    least: list[float] = []
    most: list[float] = []
    for column, title in enumerate(header):
        pdf.set_font(FONT, "B", 8.5)
        low = max((pdf.get_string_width(w) for w in title.split()), default=0.0)
        high = max((pdf.get_string_width(line) for line in title.splitlines()), default=0.0)
        pdf.set_font(FONT, "", 8.5)
        for row in rows:
            text = row[column]
            low = max(low, *(pdf.get_string_width(w) for w in text.split()), 0.0)
            high = max(high, *(pdf.get_string_width(line) for line in text.splitlines()), 0.0)
        least.append(low + slack)
        most.append(max(high, low) + slack)
    room = pdf.epw
    if sum(most) <= room:  # everything fits on one line: share the rest by natural width
        return tuple(w * room / sum(most) for w in most)
    if sum(least) >= room:  # even the longest words do not fit: shrink them alike
        return tuple(w * room / sum(least) for w in least)
    spare = room - sum(least)
    wants = [high - low for low, high in zip(least, most, strict=True)]
    return tuple(low + spare * want / sum(wants) for low, want in zip(least, wants, strict=True))


def _chunks(pdf: _Document, cells: list[str], widths: tuple[float, ...]) -> list[list[str]]:
    """The cells of one row as one or more rows of at most ``MAX_LINES`` wrapped lines."""
    wrapped = [_lines(pdf, text, width) for text, width in zip(cells, widths, strict=True)]
    if max(len(lines) for lines in wrapped) <= MAX_LINES:
        return [cells]
    count = max(-(-len(lines) // MAX_LINES) for lines in wrapped)
    return [
        ["\n".join(lines[n * MAX_LINES : (n + 1) * MAX_LINES]) for lines in wrapped]
        for n in range(count)
    ]


def _table(pdf: _Document, table: Table) -> None:
    if not table.rows:
        pdf.set_font(FONT, "I", 9)
        pdf.multi_cell(0, 5, _safe(table.empty), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
        return
    header = [_safe(c) for c in table.columns]
    rows = []
    for row in table.rows:
        cells = [_safe(c) for c in row.cells]
        if row.sensitive:
            cells[-1] = f"[{_safe(texts('sensitive'))}] {cells[-1]}"
        rows.append(cells)
    widths = _widths(pdf, header, rows)
    pdf.set_font(FONT, "", 8.5)
    with pdf.table(
        col_widths=widths,
        text_align="LEFT",
        line_height=LINE,
        padding=(1, PADDING),
        headings_style=FontFace(emphasis="BOLD", fill_color=GREY),
        cell_fill_mode=TableCellFillMode.NONE,
        repeat_headings=1,
    ) as out:
        out.row(header)
        for row, cells in zip(table.rows, rows, strict=True):
            style = FontFace(fill_color=SENSITIVE_FILL) if row.sensitive else None
            for part in _chunks(pdf, cells, widths):
                out.row(part, style=style)
    pdf.ln(2)


def _paragraph(pdf: _Document, paragraph: Paragraph) -> None:
    colour = {"ok": GREEN, "alert": RED}.get(paragraph.tone, BLACK)
    pdf.set_text_color(*colour)
    if paragraph.lead:
        pdf.set_font(FONT, "B", 10)
        pdf.write(5, _safe(paragraph.lead) + " ")
    pdf.set_font(FONT, "B" if paragraph.tone == "alert" else "", 10)
    pdf.write(5, _safe(paragraph.text))
    pdf.set_text_color(*BLACK)
    pdf.ln(7)


def render_pdf_data(data: ReportData) -> bytes:
    """Lay out prepared report data as a PDF document."""
    pdf = _Document(data)
    pdf.add_page()
    pdf.set_font(FONT, "B", 18)
    pdf.cell(0, 9, _safe(data.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if data.drill:
        pdf.set_font(FONT, "B", 11)
        pdf.set_fill_color(255, 243, 196)
        pdf.set_text_color(*RED)
        pdf.cell(
            0,
            8,
            _safe(texts("drill_banner")),
            border=1,
            fill=True,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.set_text_color(*BLACK)
        pdf.set_fill_color(255, 255, 255)
    pdf.ln(2)
    pdf.set_font(FONT, "", 10)
    with pdf.table(
        col_widths=(28, 72),
        text_align="LEFT",
        first_row_as_headings=False,
        borders_layout="NONE",
        line_height=5,
        padding=(0.6, 1),
    ) as header:
        for label, value in data.fields:
            row = header.row()
            row.cell(_safe(label), style=FontFace(emphasis="BOLD"))
            row.cell(_safe(value))
    for section in data.sections:
        _heading(pdf, section.title)
        for block in section.blocks:
            if isinstance(block, Table):
                _table(pdf, block)
            else:
                _paragraph(pdf, block)
    return bytes(pdf.output())
