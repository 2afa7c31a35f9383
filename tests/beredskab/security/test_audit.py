"""The audit trail: refusals from strangers are counted per minute; what is written is bounded."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from beredskab.app import App
from beredskab.cli import cli
from beredskab.models import AuditEntry
from beredskab.plan import Plan
from beredskab.security import api_tokens, audit
from beredskab.security.api_tokens import TokenRefused
from beredskab.settings import load_settings
from beredskab.storage import Database
from tests.beredskab.helpers import CHIEF
from tests.conftest import TestClock


@pytest.fixture
async def clocked(db_url: str, clock: TestClock) -> AsyncIterator[Database]:
    database = Database(db_url, clock=clock)
    await database.upgrade()
    yield database
    await database.dispose()


async def _rows(db: Database) -> list[AuditEntry]:
    async with db.transaction() as tx:
        return await tx.audit.list(limit=1000)


async def test_refusals_in_one_minute_are_one_row_with_a_count(
    clocked: Database, clock: TestClock
) -> None:
    for n in range(25):
        await audit.stranger(
            clocked, source="192.0.2.1", action="webhook.twilio", channel="twilio", detail=f"#{n}"
        )
        clock.advance(seconds=2)  # 50 s: still the same minute (02:00:00 to 02:00:48)
    rows = await _rows(clocked)
    assert [(r.actor, r.action, r.count, r.allowed, r.detail) for r in rows] == [
        ("192.0.2.1", "webhook.twilio", 25, False, "#0")
    ]
    # The next minute is a new row; another source or another kind is its own row.
    clock.advance(seconds=12)
    for source, action in [("192.0.2.1", "webhook.twilio")] * 3 + [
        ("192.0.2.2", "webhook.twilio"),
        ("192.0.2.1", "webhook.telegram"),
    ]:
        await audit.stranger(clocked, source=source, action=action, channel="x", detail="")
    counts = [(r.actor, r.action, r.channel, r.count) for r in await _rows(clocked)]
    assert counts == [
        ("192.0.2.1", "webhook.twilio", "twilio", 25),
        ("192.0.2.1", "webhook.twilio", "x", 3),
        ("192.0.2.2", "webhook.twilio", "x", 1),
        ("192.0.2.1", "webhook.telegram", "x", 1),
    ]


async def test_concurrent_refusals_are_all_counted(clocked: Database) -> None:
    async def refuse() -> None:
        await audit.stranger(
            clocked, source="198.51.100.9", action="web.signin.slow_down", channel="web", detail=""
        )

    await asyncio.gather(*(refuse() for _ in range(40)))
    assert [r.count for r in await _rows(clocked)] == [40]


HOSTILE = [
    pytest.param("+45\x0020100001", "+4520100001", id="nul"),
    pytest.param("a\tb\nc\r\x1b[31md\x7f\u202eé", "a b c [31mdé", id="controls"),
    pytest.param("\ud800x", "x", id="lone-surrogate"),
    pytest.param("9" * 500, "9" * 64, id="500-chars"),
]


@pytest.mark.parametrize(("given", "stored"), HOSTILE)
async def test_hostile_text_is_cleaned_and_bounded_before_it_is_written(
    clocked: Database, given: str, stored: str
) -> None:
    await audit.stranger(
        clocked, source=given, action="webhook.twilio", channel="twilio", detail=""
    )
    async with clocked.transaction() as tx:
        await audit.record(tx, actor=given, action=given, channel=given, detail=given * 10)
    counted, recorded = await _rows(clocked)
    assert counted.actor == recorded.actor == stored
    assert recorded.action == stored and recorded.channel == stored[:32]
    assert len(recorded.detail) <= 1000 and "\x00" not in recorded.detail


async def test_an_empty_source_is_counted_as_unknown(clocked: Database) -> None:
    await audit.stranger(
        clocked, source="\x00\x01", action="webhook.twilio", channel="t", detail=""
    )
    assert [r.actor for r in await _rows(clocked)] == ["unknown"]


async def test_a_flood_of_bad_api_tokens_is_counted_not_repeated(
    clocked: Database, plan: Plan, clock: TestClock
) -> None:
    for n in range(30):
        with pytest.raises(TokenRefused):
            await api_tokens.authenticate(
                db=clocked,
                plan=plan,
                plaintext=f"bk_guess-{n}\x00",
                channel="api",
                client="192.0.2.9",
            )
    clock.advance(minutes=1)
    with pytest.raises(TokenRefused):
        await api_tokens.authenticate(db=clocked, plan=plan, plaintext="bk_x", channel="api")
    rows = [(r.actor, r.action, r.count) for r in await _rows(clocked)]
    assert rows == [("192.0.2.9", "api.auth", 30), ("unknown", "api.auth", 1)]


def test_clean_keeps_ordinary_text() -> None:
    assert (
        audit.clean("Kim Holm <kim@example.org> æøå 🚒", 100) == "Kim Holm <kim@example.org> æøå 🚒"
    )
    assert audit.clean("x" * 10_000_000, 5) == "xxxxx"


def test_the_cli_shows_counted_refusals_with_their_count(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[service]\ndata_dir = "var"\n[console]\necho = false\n', encoding="utf-8")

    async def fill() -> None:
        app = App.build(load_settings(config))
        try:
            await app.start()
            for _ in range(3):
                await audit.stranger(
                    app.db,
                    source="192.0.2.7",
                    action="webhook.twilio",
                    channel="twilio",
                    detail="x",
                )
            async with app.db.transaction() as tx:
                await audit.record(tx, actor=CHIEF, action="web.signin", channel="web")
        finally:
            await app.aclose()

    asyncio.run(fill())
    runner = CliRunner()
    shown = runner.invoke(cli, ["-c", str(config), "audit"])
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert len(lines) == 2
    assert "NEJ webhook.twilio ×3 twilio 192.0.2.7: x" in lines[0]
    assert "ok  web.signin web maria-friis" in lines[1]
    refused = runner.invoke(cli, ["-c", str(config), "audit", "--refused", "--json"])
    assert refused.exit_code == 0, refused.output
    rows = json.loads(refused.stdout)
    assert [(r["action"], r["count"], r["allowed"]) for r in rows] == [("webhook.twilio", 3, False)]
