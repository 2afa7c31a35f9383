"""`beredskab directory import|export|history` on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from typer.testing import CliRunner

from beredskab.cli import cli
from tests.beredskab.directory.support import STAFF, example_text


def _config(tmp_path: Path, db_url: str) -> list[str]:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[service]\ndata_dir = "var"\n[database]\nurl = "{db_url}"\n[console]\necho = false\n',
        encoding="utf-8",
    )
    return ["-c", str(config)]


def test_import_previews_then_applies_and_export_round_trips(tmp_path: Path, db_url: str) -> None:
    runner = CliRunner()
    base = _config(tmp_path, db_url)
    source = tmp_path / "kontakter.toml"
    source.write_text(example_text().replace('"Amira Hassan"', '"Amira Import"'), "utf-8")

    preview = runner.invoke(cli, [*base, "directory", "import", str(source)])
    assert preview.exit_code == 0, preview.output
    assert "~ person amira-hassan (name)" in preview.output
    assert "Intet er gemt" in preview.output

    applied = runner.invoke(cli, [*base, "directory", "import", str(source), "--apply"])
    assert applied.exit_code == 0, applied.output
    assert "revision 1" in applied.output

    checked = runner.invoke(cli, [*base, "directory", "check"])
    assert checked.exit_code == 0, checked.output
    assert "databasens revision 1" in checked.output and "passer til planen" in checked.output

    exported = tmp_path / "eksport.toml"
    done = runner.invoke(cli, [*base, "directory", "export", "-o", str(exported)])
    assert done.exit_code == 0, done.output
    assert '"Amira Import"' in exported.read_text("utf-8")
    again = runner.invoke(cli, [*base, "directory", "import", str(exported), "--apply"])
    assert again.exit_code == 0, again.output
    assert "Ingen ændringer" in again.output  # the export says exactly what is stored

    sheet = runner.invoke(cli, [*base, "directory", "export", "--format", "csv"])
    assert sheet.exit_code == 0, sheet.output
    rows = list(csv.DictReader(io.StringIO(sheet.output)))
    amira = next(r for r in rows if r["id"] == STAFF)
    assert amira["name"] == "Amira Import" and amira["phone"].startswith("+45")

    history = runner.invoke(cli, ["--lang", "en", *base, "directory", "history", STAFF])
    assert history.exit_code == 0, history.output
    assert re.search(r"revision 1 .* cli \(cli\) · changed: name", history.output)


def test_a_bad_import_is_refused_with_every_problem_and_stores_nothing(
    tmp_path: Path, db_url: str
) -> None:
    runner = CliRunner()
    base = _config(tmp_path, db_url)
    source = tmp_path / "kontakter.toml"
    text = example_text().replace('phone = "+45 20 10 00 01"', 'phone = "12"')
    text = text.replace('deputy = "emil-rask"', 'deputy = "nobody-here"')
    source.write_text(text, "utf-8")
    refused = runner.invoke(cli, [*base, "directory", "import", str(source), "--apply"])
    assert refused.exit_code == 1
    assert "people[0].phone: '12' is not a valid phone number" in refused.output
    assert refused.output.count("deputy 'nobody-here' is not a person") >= 2
    assert "afvist" in refused.output
    source.write_text(example_text().replace('roles = ["projektchef"]', "roles = []"), "utf-8")
    refused = runner.invoke(cli, [*base, "directory", "import", str(source), "--apply"])
    assert refused.exit_code == 1
    assert "nobody in kontakter.toml holds role 'projektchef'" in refused.output
    history = runner.invoke(cli, [*base, "directory", "history", STAFF])
    assert "Ingen ændringer" in history.output

    broken = tmp_path / "broken.toml"
    broken.write_text("name = \n", "utf-8")
    syntax = runner.invoke(cli, [*base, "directory", "import", str(broken)])
    assert syntax.exit_code == 1 and "TOML syntax error" in syntax.output
    missing = runner.invoke(cli, [*base, "directory", "import", str(tmp_path / "none.csv")])
    assert missing.exit_code == 1 and "none.csv" in missing.output
    assert "Traceback" not in missing.output


def test_a_spreadsheet_import_names_rows(tmp_path: Path, db_url: str) -> None:
    from openpyxl import Workbook

    runner = CliRunner()
    base = _config(tmp_path, db_url)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "name", "phone", "email", "roles"])
    sheet.append(["kim-holm", "Kim Holm", 20100001, "kim-holm@example.org", "politi"])
    sheet.append(["bad-phone", "Bad Phone", 123, "bad@example.org", "sekretariat"])
    path = tmp_path / "kontakter.xlsx"
    book.save(path)
    refused = runner.invoke(cli, ["--lang", "en", *base, "directory", "import", str(path)])
    assert refused.exit_code == 1
    assert "kontakter.xlsx: row 3.phone: '123' is not a valid phone number" in refused.output
    assert "refused" in refused.output and "Traceback" not in refused.output
