"""The command line speaks one language: Danish by default, English by ``[service] language``
or ``--lang en``; errors are rendered from their template, times are Danish local time."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from beredskab.cli import cli
from beredskab.i18n import clock
from beredskab.models import LogEntry
from beredskab.storage import Database
from tests.beredskab.helpers import CHIEF, SSP

ENGLISH = frozenset(
    [
        "the",
        "was",
        "not",
        "is",
        "may",
        "has",
        "no",
        "nothing",
        "allowed",
        "asked",
        "roles",
        "there",
        "incident",
        "step",
        "error",
        "refused",
        "confirmed",
        "participants",
        "notified",
        "messages",
        "queued",
    ]
)
"""Words that give an English sentence away (none of them is Danish)."""
NOT_ASKED = "mikkel-juhl"
"""A staff member group 1 does not ask to confirm."""


def _config(tmp_path: Path, language: str | None = None) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    config = tmp_path / "config.toml"
    service = f'language = "{language}"\n' if language else ""
    config.write_text(
        f'[service]\ndata_dir = "var"\n{service}[console]\necho = false\n', encoding="utf-8"
    )
    return config


def _run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-c", str(config), *args])


def _english_words(text: str) -> set[str]:
    return ENGLISH & set(re.findall(r"[a-zæøå]+", text.lower()))


def _activate(config: Path, *lang: str) -> Result:
    done = _run(
        config, *lang, "activate", "1", "--as", CHIEF, "--description", "Brand", "--no-deliver"
    )
    assert done.exit_code == 0, done.output
    return done


def test_danish_by_default_for_messages_and_errors(tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert _activate(config).output.startswith(
        "Hændelse 1 oprettet: Beredskabsgruppe 1 (rigtig hændelse"
    )
    status = _run(config, "status", "1")
    assert status.exit_code == 0, status.output
    assert "Bekræftet: 1/" in status.output and "Aktiveret " in status.output
    assert not _english_words(status.output), status.output

    failures = {
        "refused": _run(config, "step", "done", "1", "1", "--as", SSP, "--no-deliver"),
        "no incident": _run(config, "ack", "99", "--as", CHIEF, "--no-deliver"),
        "no person": _run(config, "log", "1", "--note", "x", "--as", "nobody"),
        "no token": _run(config, "token", "revoke", "7"),
        "bad kind": _run(config, "log", "1", "--note", "x", "--as", CHIEF, "--kind", "gossip"),
    }
    assert failures["refused"].exit_code == 3
    assert failures["refused"].output.startswith("Afvist: Sara Lund (sara-lund) må ikke afslutte")
    assert failures["no incident"].output == (
        "Fejl: der er ingen hændelse nummer 99; se `beredskab status`\n"
    )
    for name, result in failures.items():
        assert result.exit_code in (1, 3), (name, result.output)
        assert not _english_words(result.output), (name, result.output)


def test_ack_by_someone_not_asked_is_all_danish(tmp_path: Path) -> None:
    config = _config(tmp_path)
    _activate(config)
    result = _run(config, "ack", "1", "--as", NOT_ASKED, "--no-deliver")
    assert result.exit_code == 1 and result.output.startswith("Fejl: ")
    assert not _english_words(result.output), result.output


def test_english_by_config(tmp_path: Path) -> None:
    config = _config(tmp_path, "en")
    assert _activate(config).output.startswith(
        "Incident 1 opened: Beredskabsgruppe 1 (real incident"
    )
    status = _run(config, "status", "1")
    assert "Confirmed: 1/" in status.output and "Activated " in status.output
    assert "Bekræftet" not in status.output and "aktiv " not in status.output
    missing = _run(config, "ack", "99", "--as", CHIEF, "--no-deliver")
    assert missing.output == "Error: there is no incident number 99; see `beredskab status`\n"
    refused = _run(config, "step", "done", "1", "1", "--as", SSP, "--no-deliver")
    assert refused.exit_code == 3
    assert refused.output.startswith("Refused: Sara Lund (sara-lund) may not finish step 1;")


def test_lang_option_overrides_the_config(tmp_path: Path) -> None:
    english = _config(tmp_path, "en")
    assert _activate(english, "--lang", "da").output.startswith("Hændelse 1 oprettet")
    missing = _run(english, "--lang", "da", "ack", "99", "--as", CHIEF, "--no-deliver")
    assert missing.output.startswith("Fejl: der er ingen hændelse nummer 99")
    danish = _config(tmp_path / "da")
    missing = _run(danish, "--lang", "en", "ack", "99", "--as", CHIEF, "--no-deliver")
    assert missing.output.startswith("Error: there is no incident number 99")
    # an error before the settings are read: in the --lang language, else Danish
    absent = tmp_path / "absent.toml"
    assert _run(absent, "status").output.startswith("Fejl: konfigurationsfilen ")
    assert _run(absent, "--lang", "en", "status").output.startswith("Error: config file ")
    wrong = _run(danish, "--lang", "fr", "status")
    assert wrong.exit_code == 2 and "--lang" in wrong.output


def _log(data_dir: Path) -> list[LogEntry]:
    async def read() -> list[LogEntry]:
        database = Database(f"sqlite+aiosqlite:///{data_dir / 'beredskab.sqlite3'}")
        try:
            async with database.transaction() as tx:
                return await tx.log.list(1)
        finally:
            await database.dispose()

    return asyncio.run(read())


def test_log_and_status_show_danish_local_time(tmp_path: Path) -> None:
    config = _config(tmp_path)
    _activate(config)
    listed = _run(config, "log", "1")
    assert listed.exit_code == 0, listed.output
    entries = _log(tmp_path / "var")
    assert entries
    now = datetime.now(entries[0].created_at.tzinfo)
    for entry, line in zip(entries, listed.output.splitlines(), strict=True):
        shown = clock(entry.created_at, now=now, seconds=True)
        assert shown in line, (shown, line)
        assert f"{entry.created_at:%H:%M:%S}" not in line  # not UTC (Copenhagen is ahead)
    status = _run(config, "status", "1")
    assert f"Aktiveret {clock(entries[0].created_at, now=now)} af Maria Friis" in status.output
