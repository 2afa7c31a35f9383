"""Fault test: two `beredskab serve` processes on one PostgreSQL database with the local
Telegram Bot API stand-in.

Checked: exactly one instance long-polls Telegram (never two getUpdates in flight); a fan-out
is delivered once (every Telegram and SMS delivery reaches the provider exactly once); after
SIGKILL of the leader the other instance takes polling over within 10 s, and every update
sent during the switch is handled exactly once. Also: a second `serve` on the same SQLite
file is refused at startup with a one-line message.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from beredskab.delivery.receipts import parse_delivery_key
from beredskab.models import DeliveryStatus
from beredskab.storage import Database
from notifier.types import ChannelKind
from tests.beredskab.bot.conftest import USERS
from tests.e2e.service import service_env, wait_for, write_config
from tests.faults.support_inbound import Serve, launch, post_sms, start_serve
from tests.peers.smtp import SmtpPeer
from tests.peers.telegram_api import TEST_BOT_TOKEN, FakeBotApi
from tests.peers.twilio_recording import RecordingTwilio, recording_twilio
from tests.postgres import REQUIRE_ENV, create_database, free_port

__all__ = ["recording_twilio"]

POLICE, POLICE_PHONE, PIN = "kim-holm", "+4520100001", "4711"
SWITCH_LIMIT = 10.0


class Polls:
    """Wraps the stand-in's getUpdates: when each call came and how many were in flight."""

    def __init__(self, api: FakeBotApi) -> None:
        self.started: list[float] = []
        self.in_flight = 0
        self.most_in_flight = 0
        inner = api._handlers["getupdates"]

        async def counted(params: dict[str, Any]) -> Any:
            self.started.append(time.monotonic())
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                return await inner(params)
            finally:
                self.in_flight -= 1

        api._handlers["getupdates"] = counted

    def since(self, moment: float) -> list[float]:
        """Calls that started after ``moment``."""
        return [t for t in self.started if t > moment]


async def _leader(serve: Serve, client: httpx.AsyncClient) -> bool:
    status, health = await serve.health(client)
    return status == 200 and health.get("leader") is True


async def _deliveries_done(db: Database) -> bool:
    async with db.transaction() as tx:
        rows = await tx.deliveries.for_incident(1)
    return bool(rows) and all(
        r.status not in (DeliveryStatus.QUEUED, DeliveryStatus.SENDING) for r in rows
    )


async def _inbox_done(db: Database) -> bool:
    async with db.transaction() as tx:
        return not await tx.inbox.pending()


@pytest.fixture
async def pg_url(pg_server: str | None) -> AsyncIterator[str]:
    if pg_server is None:  # the session fixture already fails when PostgreSQL is required
        pytest.skip(f"PostgreSQL binaries not installed (set {REQUIRE_ENV}=1 to fail instead)")
    create_database(pg_server, "two_instances")
    yield f"{pg_server}/two_instances"


@pytest.mark.timeout(300)
async def test_two_instances_one_poller_and_the_leader_killed(
    tmp_path: Path,
    pg_url: str,
    fake_bot_api: FakeBotApi,
    recording_twilio: RecordingTwilio,
    smtp_peer: SmtpPeer,
) -> None:
    polls = Polls(fake_bot_api)
    env = service_env(bot_token=TEST_BOT_TOKEN)
    serves: list[Serve] = []
    db = Database(pg_url)
    try:
        for name in ("a", "b"):
            root = tmp_path / name
            root.mkdir()
            config = write_config(
                root,
                port=free_port(),
                twilio_url=recording_twilio.base_url,
                smtp=smtp_peer,
                telegram_url=fake_bot_api.base_url,
                extra=f'[database]\nurl = "{pg_url}"\n',
            )
            serves.append(await start_serve(root, config, env, name=name))
        first, second = serves
        async with httpx.AsyncClient() as client:
            await wait_for(lambda: _leader(first, client), within=60)
            assert not await _leader(second, client)
            async with db.transaction() as tx:
                for user, person in USERS.items():
                    await tx.people.link_telegram(person, user_id=user, chat_id=user, now=tx.now)

            # A fan-out, activated through the follower: every delivery reaches its provider once.
            await asyncio.to_thread(
                first.cli, "pin", "set", POLICE, "--pin-stdin", stdin=PIN + "\n"
            )
            status = await post_sms(
                client,
                second.base_url,
                POLICE_PHONE,
                f"AKTIVER 2 {PIN} JOURNAL 3700-1 Brand",
                "SM" + "b" * 32,
            )
            assert status == 200
            await wait_for(lambda: _deliveries_done(db), within=120)
            async with db.transaction() as tx:
                rows = await tx.deliveries.for_incident(1)
            telegram = [r for r in rows if r.channel is ChannelKind.TELEGRAM]
            sms = [r for r in rows if r.channel is ChannelKind.SMS]
            assert telegram and sms
            delivered = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)
            assert all(r.status in delivered for r in telegram), [
                (r.address, r.status, r.error) for r in telegram
            ]
            sent_to = Counter(m.chat_id for m in fake_bot_api.sent)
            assert sent_to == Counter(int(r.address) for r in telegram)  # 0 lost, 0 duplicated
            texted = Counter(
                parse_delivery_key(m.status_callback.rsplit("delivery=", 1)[-1])
                for m in recording_twilio.messages
            )
            assert {r.id: texted[r.id] for r in sms} == dict.fromkeys((r.id for r in sms), 1)
            assert polls.most_in_flight == 1  # one poller, though two instances run

            # Updates before the switch are handled once by the leader.
            users = list(USERS)
            before = {u: help_replies(fake_bot_api, u) for u in users}
            for user in users:
                await fake_bot_api.inject_message(user, "/hjaelp")
            await wait_for(lambda: all(help_replies(fake_bot_api, u) > before[u] for u in users))
            # ... and marked handled: a kill between an answer and its mark would handle that
            # update again after the switch (at least once across a crash mid-handling, as the
            # README says), which is not what this test counts.
            await wait_for(lambda: _inbox_done(db), within=60)

            # SIGKILL the leader; updates keep coming during the switch.
            await first.kill()
            killed_at = time.monotonic()
            switch_updates = 0
            while not polls.since(killed_at) or switch_updates < 3 * len(users):
                for user in users:
                    await fake_bot_api.inject_message(user, "/hjaelp")
                    switch_updates += 1
                assert time.monotonic() - killed_at < 60, "nobody took polling over"
                await asyncio.sleep(0.5)  # the users' pace, not a wait for state
            switch = polls.since(killed_at)[0] - killed_at
            await wait_for(lambda: _leader(second, client), within=30)

            expected = {u: before[u] + 1 + switch_updates // len(users) for u in users}
            await wait_for(lambda: all(help_replies(fake_bot_api, u) >= expected[u] for u in users))
            await wait_for(lambda: _inbox_done(db), within=60)
            async with db.engine.connect() as conn:
                stored = (
                    await conn.execute(
                        text("SELECT count(*) FROM inbound WHERE source = 'telegram'")
                    )
                ).scalar()
            got = {u: help_replies(fake_bot_api, u) for u in users}
            duplicated = sum(got[u] - expected[u] for u in users)
            assert got == expected  # every update handled exactly once
            assert stored == len(users) + switch_updates
        print(
            f"faults: two-instances: telegram_fanout={len(telegram)} sms_fanout={len(sms)} "
            f"lost=0 dup=0 pollers_at_once={polls.most_in_flight} switch={switch:.1f}s "
            f"updates_during_switch={switch_updates} handled_once={switch_updates} "
            f"duplicated={duplicated}"
        )
        assert switch < SWITCH_LIMIT
        assert second.alive()
    finally:
        await db.dispose()
        for serve in serves:
            if serve.alive():
                await serve.stop()


async def test_a_second_serve_on_the_same_sqlite_file_is_refused(
    tmp_path: Path, recording_twilio: RecordingTwilio, smtp_peer: SmtpPeer
) -> None:
    env = service_env()
    first_root, second_root = tmp_path / "first", tmp_path / "second"
    first_root.mkdir()
    second_root.mkdir()
    database = first_root / "var" / "beredskab.sqlite3"
    configs = [
        write_config(
            root,
            port=free_port(),
            twilio_url=recording_twilio.base_url,
            smtp=smtp_peer,
            extra=f'[database]\nurl = "sqlite+aiosqlite:///{database}"\n',
        )
        for root in (first_root, second_root)
    ]
    first = await start_serve(first_root, configs[0], env)
    try:
        second = launch(second_root, configs[1], env)
        code = await asyncio.to_thread(second.process.wait, 60)
        output = second.output().strip()
        assert code != 0
        [message] = [line for line in output.splitlines() if "kører allerede" in line]
        assert str(database) in message and f"pid {first.process.pid}" in message
        assert first.alive()
        print(f"faults: sqlite second serve refused: exit={code} message={message!r}")
    finally:
        assert await first.stop() == 0


HELP_LINE = "\n/hjaelp"
"""A line of the bot's help, in Danish and English (no other answer has it)."""


def help_replies(api: FakeBotApi, user: int) -> int:
    """How many answers to /hjaelp the user got (other messages, such as a step reminder for
    the incident's leader, may arrive meanwhile and are not counted)."""
    return sum(1 for m in api.sent_to(user) if HELP_LINE in m.text)
