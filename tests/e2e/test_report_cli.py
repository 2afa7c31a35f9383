"""`beredskab report N --format html|pdf` through the real command line."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from pypdf import PdfReader

from tests.e2e.test_cli import CHIEF, POLICE, SSP, Cli


def _text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_report_as_pdf_and_html_files_and_pdf_on_stdout(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli(
        "activate",
        "gruppe-2",
        "--as",
        POLICE,
        "--description",
        "Brand i kælderen på Ærøvej",
        "--police-case",
        "3700-11111",
        "--no-deliver",
    )
    cli("log", "1", "--note", "Beboer på 3. sal mistænkt", "--as", CHIEF, "--sensitive")

    assert "Rapporten er skrevet til" in cli("report", "1", "--format", "pdf", "--output", "r.pdf")
    text = _text((tmp_path / "r.pdf").read_bytes())
    assert "Situationsrapport — hændelse 1" in text and "Brand i kælderen på Ærøvej" in text
    assert "3700-11111" in text and "Side 1 af" in text
    assert "Beboer på 3. sal" not in text and "[fortrolig post udeladt]" in text

    cli("report", "1", "-f", "html", "-o", "r.html", "--include-sensitive", "--as", CHIEF)
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Beboer på 3. sal mistænkt" in page
    assert "Afvist" in cli(
        "report", "1", "-f", "pdf", "-o", "x.pdf", "--include-sensitive", "--as", SSP, expect=3
    )
    assert not (tmp_path / "x.pdf").exists()

    # Without --output a PDF goes to stdout as bytes when stdout is not a terminal.
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEREDSKAB_")}
    command = [sys.executable, "-m", "beredskab", "--config", str(cli.config)]
    done = subprocess.run(
        [*command, "report", "1", "--format", "pdf"],
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Situationsrapport — hændelse 1" in _text(done.stdout)
