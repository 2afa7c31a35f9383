"""`beredskab comms`: compose, approve and send a crisis communication to chosen audiences
from the real command line; the use case's rules give clear errors and exit codes (SQLite
and PostgreSQL)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from beredskab.residents import subscriptions
from beredskab.storage import Database
from tests.e2e.test_cli import Cli

CHIEF, STAFF = "maria-friis", "amira-hassan"
RESIDENTS = [f"+45209950{i:02d}" for i in range(30)]


async def _subscribe(url: str) -> None:
    db = Database(url)
    try:
        await db.upgrade()
        async with db.transaction() as tx:
            for i, phone in enumerate(RESIDENTS):
                await subscriptions.subscribe(
                    tx,
                    phone=phone,
                    zone=2,
                    language=("da", "ar", "so")[i % 3],
                    channel=subscriptions.SMS,
                )
    finally:
        await db.dispose()


@pytest.mark.timeout(240)  # a dozen CLI processes
def test_residents_and_press_from_the_command_line(tmp_path: Path, db_url: str) -> None:
    cli = Cli(tmp_path, f'[database]\nurl = "{db_url}"\n')
    assert "Hændelse 1 oprettet" in cli("activate", "gruppe-1", "--as", CHIEF, "--zone", "2")
    asyncio.run(_subscribe(db_url))
    drafted = cli("comms", "draft", "1", "--to", "press", "--to", "residents", "--as", STAFF)
    assert "Udkast 1 til residents,press skrevet (resident_information)." in drafted
    assert "Afvist" in cli("comms", "approve", "1", "1", "--as", STAFF, expect=3)
    early = cli("comms", "approve", "1", "1", "--as", CHIEF, expect=1)
    assert "når bestyrelsen er hørt" in early
    board = cli(
        "comms", "draft", "1", "--to", "board", "--template", "media_holding_line", "--as", STAFF
    )
    assert "Udkast 2 til board skrevet (media_holding_line)." in board
    cli("comms", "approve", "1", "2", "--as", CHIEF)
    cli("comms", "send", "1", "2", "--as", STAFF)
    assert "godkendt" in cli("comms", "approve", "1", "1", "--as", CHIEF)
    sent = cli("comms", "send", "1", "1", "--as", STAFF)
    assert "3 modtagere i kontaktlisten, 30 tilmeldte beboere" in sent
    lines = cli.lines()
    residents = [m for m in lines if m["to"] in RESIDENTS]
    assert sorted(m["to"] for m in residents) == sorted(RESIDENTS)  # each once, all 30
    assert all(m["channel"] == "sms" and "STOP" in m["text"] for m in residents)
    press = [m for m in lines if m["to"].split("@")[-1].startswith(("lokalavis", "regional"))]
    assert sorted((m["to"], m["channel"]) for m in press) == [
        ("desk@regionaltv.example.org", "email"),
        ("nyheder@lokalavis.example.org", "email"),
        ("vagt@regionalradio.example.org", "email"),
    ]
    again = cli("comms", "send", "1", "1", "--as", STAFF, expect=1)
    assert "kun en godkendt meddelelse sendes" in again
    listed = cli("comms", "list", "1")
    assert "1  sent" in listed and "2  sent" in listed
    assert "modtagergruppe 'tv'" in cli(
        "comms", "draft", "1", "--to", "tv", "--as", STAFF, expect=1
    )
    assert "Ukendt skabelon 'nope'" in cli(
        "comms", "draft", "1", "--to", "press", "--template", "nope", "--as", STAFF, expect=2
    )
