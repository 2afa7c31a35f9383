"""`beredskab plan show` in every format and `beredskab duty` (the leader's checklist)."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from typer.testing import CliRunner

from beredskab.cli import cli
from tests.beredskab.helpers import CHIEF, STAFF


def _config(tmp_path: Path) -> list[str]:
    config = tmp_path / "config.toml"
    config.write_text('[service]\ndata_dir = "var"\n[console]\necho = false\n', encoding="utf-8")
    return ["-c", str(config)]


def test_plan_show_as_markdown_html_and_pdf(tmp_path: Path) -> None:
    runner = CliRunner()
    base = _config(tmp_path)
    markdown = runner.invoke(cli, [*base, "plan", "show"])
    assert markdown.exit_code == 0, markdown.output
    assert markdown.output.startswith("# Beredskabsplanen")
    assert "## Beredskabsgruppe 2: Pligter (§3)" in markdown.output
    assert "@" not in markdown.output

    page = tmp_path / "plan.html"
    html = runner.invoke(cli, [*base, "plan", "show", "--format", "html", "-o", str(page)])
    assert html.exit_code == 0, html.output
    assert "<h2>Beredskabsgruppe 1: Trin i rækkefølge</h2>" in page.read_text(encoding="utf-8")

    pdf = tmp_path / "plan.pdf"
    done = runner.invoke(cli, [*base, "plan", "show", "-f", "pdf", "--output", str(pdf)])
    assert done.exit_code == 0, done.output
    assert "er skrevet til" in done.output
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    assert "Opfølgning efter afblæsning" in text and "Side 1 af" in text

    refused = runner.invoke(cli, [*base, "plan", "show", "-f", "pdf"])
    assert refused.exit_code == 1 and "--output" in refused.output
    bad = runner.invoke(cli, [*base, "plan", "show", "-f", "docx"])
    assert bad.exit_code == 2


def test_duty_ticks_and_unticks_from_the_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    base = _config(tmp_path)
    opened = runner.invoke(
        cli, [*base, "activate", "1", "--as", CHIEF, "--description", "Brand", "--no-deliver"]
    )
    assert opened.exit_code == 0, opened.output
    duty = "civile-netvaerk"
    ticked = runner.invoke(cli, [*base, "duty", "1", duty, "--as", CHIEF])
    assert ticked.exit_code == 0, ticked.output
    assert f"pligten {duty} er afkrydset" in ticked.output
    again = runner.invoke(cli, [*base, "duty", "1", duty, "--as", CHIEF])
    assert "intet ændret" in again.output
    undone = runner.invoke(cli, [*base, "duty", "1", duty, "--as", CHIEF, "--undo"])
    assert "afkrydsningen" in undone.output and "er fjernet" in undone.output
    refused = runner.invoke(cli, [*base, "duty", "1", duty, "--as", STAFF])
    assert refused.exit_code == 3
    unknown = runner.invoke(cli, [*base, "duty", "1", "ingen", "--as", CHIEF])
    assert unknown.exit_code == 1 and duty in unknown.output
