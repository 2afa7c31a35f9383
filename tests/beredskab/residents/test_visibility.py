"""Who sees what: everyone signed in sees counts per zone and language; only the secretariat
leader sees the numbers, and every read and refusal is audited. Web page and CLI."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from beredskab.app import App
from beredskab.cli import cli
from beredskab.residents import counts, numbers, subscriptions
from beredskab.security.access import Refusal
from beredskab.storage import Database
from tests.beredskab.helpers import CHIEF
from tests.beredskab.web.site import Site, site

__all__ = ["site"]

LEADER = "karen-hald"
"""The secretariat leader of the example directory."""
NUMBERS = {
    "+4520999011": (1, "da"),
    "+4520999012": (2, "ar"),
    "+4520999013": (2, "ar"),
    "+4520999014": (2, "so"),
}


async def _subscribe_all(db: Database) -> None:
    async with db.transaction() as tx:
        for phone, (zone, language) in NUMBERS.items():
            await subscriptions.subscribe(
                tx, phone=phone, zone=zone, language=language, channel="sms"
            )
        await subscriptions.stop(tx, phone="+4520999014")


async def _audit(app: App) -> Counter[tuple[str, str, bool]]:
    found: Counter[tuple[str, str, bool]] = Counter()
    async with app.db.read() as tx:
        for entry in await tx.audit.list():
            found[(entry.actor, entry.action, entry.allowed)] += 1
    return found


async def test_counts_and_numbers_by_role(site: Site) -> None:
    app = site.app
    await _subscribe_all(app.db)
    assert [(c.zone, c.language, c.count) for c in await counts(db=app.db)] == [
        (1, "da", 1),
        (2, "ar", 2),
    ]
    found = await numbers(db=app.db, plan=app.plan, actor_id=LEADER, channel="cli", zone=2)
    assert sorted(s.phone for s in found) == ["+4520999012", "+4520999013"]
    with pytest.raises(Refusal):
        await numbers(db=app.db, plan=app.plan, actor_id=CHIEF, channel="cli")
    audited = await _audit(app)
    assert audited[(LEADER, "residents.numbers", True)] == 1
    assert audited[(CHIEF, "residents.numbers", False)] == 1


async def test_the_page_shows_counts_to_everyone_and_numbers_to_the_leader(site: Site) -> None:
    await _subscribe_all(site.app.db)
    await site.sign_in(CHIEF)
    page = await site.client.get("/beboere")
    assert page.status_code == 200 and "العربية" in page.text and "I alt: 3" in page.text
    assert "+4520999012" not in page.text and "Vis numre" not in page.text
    refused = await site.client.get("/beboere?numre=1")
    assert refused.status_code == 403 and "+4520999012" not in refused.text
    assert (CHIEF, "residents.numbers", False) in await _audit(site.app)

    site.client.cookies.clear()
    await site.sign_in(LEADER)
    page = await site.client.get("/beboere")
    assert "Vis numre" in page.text and "+4520999012" not in page.text
    shown = await site.client.get("/beboere?numre=1")
    assert shown.status_code == 200
    assert all(p in shown.text for p in ("+4520999011", "+4520999012", "+4520999013"))
    assert "+4520999014" not in shown.text  # stopped
    assert (LEADER, "residents.numbers", True) in await _audit(site.app)


def test_cli_counts_and_numbers(db_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[service]\ndata_dir = "var"\n[database]\nurl = "{db_url}"\n[console]\necho = false\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    empty = runner.invoke(cli, ["-c", str(config), "--lang", "en", "residents"])
    assert empty.exit_code == 0, empty.output
    assert "No residents have subscribed." in empty.output

    async def fill() -> None:
        db = Database(db_url)
        await _subscribe_all(db)
        await db.dispose()

    asyncio.run(fill())
    shown = runner.invoke(cli, ["-c", str(config), "--lang", "en", "residents"])
    assert shown.exit_code == 0, shown.output
    assert "zone 2  ar: 2" in shown.output and "Total: 3" in shown.output
    assert "+4520" not in shown.output
    refused = runner.invoke(cli, ["-c", str(config), "residents", "--numbers", "--as", CHIEF])
    assert refused.exit_code == 3 and "+4520" not in refused.output
    listed = runner.invoke(
        cli, ["-c", str(config), "residents", "--numbers", "--as", LEADER, "--zone", "2"]
    )
    assert listed.exit_code == 0, listed.output
    assert "+4520999012" in listed.output and "+4520999011" not in listed.output
    assert runner.invoke(cli, ["-c", str(config), "residents", "--numbers"]).exit_code == 2

    async def audited() -> list[tuple[str, bool]]:
        db = Database(db_url)
        async with db.read() as tx:
            rows = [
                (a.actor, a.allowed)
                for a in await tx.audit.list()
                if a.action == "residents.numbers"
            ]
        await db.dispose()
        return rows

    assert sorted(asyncio.run(audited())) == [(LEADER, True), (CHIEF, False)]
