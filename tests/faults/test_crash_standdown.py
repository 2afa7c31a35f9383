"""kill -9 in the middle of a large stand-down's stream, then ``serve`` continues it.

A real ``beredskab close --no-deliver`` (which queues the stand-down messages after the first
chunk itself before it exits), on SQLite and on PostgreSQL, stands down an activation of
gruppe 1 sent to a generated fictional directory of 1,500 extra people, and is killed with
SIGKILL once at least one follow-up chunk has committed and before the last (the test steps
the closing process with SIGSTOP/SIGCONT and looks only while it is stopped). The real
``beredskab serve`` then starts, continues the stand-down from its cursor and delivers it
over SMS (``RecordingTwilio``).

Checked: everyone who was told of the incident has exactly one stand-down message (none
lost, none queued twice), each SMS reached Twilio exactly once, and the closing log entry
says what it said before the stand-down streamed.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from beredskab.incident import fanout, stand_down_messages
from beredskab.storage import Database
from beredskab.storage.repositories.fanouts import Fanout
from notifier.types import DeliveryStatus
from tests.e2e.service import service_env, start_service, wait_for, write_config
from tests.faults.support_delivery import big_directory, incident_rows, open_rows, sms_exactly_once
from tests.peers.smtp import SmtpPeer, smtp_peer
from tests.peers.twilio_recording import RecordingTwilio, recording_twilio
from tests.postgres import free_port

__all__ = ["recording_twilio", "smtp_peer"]

PEOPLE = 1500
"""Three follow-up chunks (``fanout.CHUNK``) after the closing transaction's first."""
CHIEF = "maria-friis"


@pytest.fixture
async def service_db(db_url: str) -> AsyncIterator[Database]:
    """The service's database (SQLite or PostgreSQL), opened by the test to look at it."""
    database = Database(db_url)
    yield database
    await database.dispose()


async def _stand_down(db: Database, nr: int) -> Fanout | None:
    async with db.read() as tx:  # an observer: never waits for (or delays) the writers
        found = [f for f in await tx.fanouts.for_incident(nr) if f.kind == stand_down_messages.KIND]
    return found[0] if found else None


async def _freeze(process: subprocess.Popen[str]) -> None:
    """Stop ``process`` (SIGSTOP) and wait until the kernel has stopped it (or it has
    exited), so the database shows where it stands for as long as the test looks. Stepped
    in short runs like this, it moves on only between the test's looks: a window two chunks
    wide is not skipped when the test itself is scheduled late on a loaded machine."""
    process.send_signal(signal.SIGSTOP)  # nothing if it has exited (and was reaped)
    if process.returncode is None:  # stopped or exited; left to be reaped by ``poll``
        flags = os.WSTOPPED | os.WEXITED | os.WNOWAIT
        await asyncio.to_thread(os.waitid, os.P_PID, process.pid, flags)


@pytest.mark.timeout(420)
async def test_kill_9_mid_stand_down_loses_and_duplicates_nothing(
    tmp_path: Path,
    recording_twilio: RecordingTwilio,
    smtp_peer: SmtpPeer,
    db_url: str,
    service_db: Database,
) -> None:
    twilio, db = recording_twilio, service_db
    directory = big_directory(PEOPLE, tmp_path)
    config = write_config(
        tmp_path,
        port=free_port(),
        twilio_url=twilio.base_url,
        smtp=smtp_peer,
        twilio="timeout_seconds = 30\n",
        extra=f'[database]\nurl = "{db_url}"\n',
    )
    text = config.read_text(encoding="utf-8")
    config.write_text(
        re.sub(r'^directory_file = ".*"$', f'directory_file = "{directory}"', text, flags=re.M),
        encoding="utf-8",
    )
    env = service_env()
    command = [sys.executable, "-m", "beredskab", "--config", str(config)]

    def cli(*args: str) -> str:
        done = subprocess.run(
            [*command, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=240
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    await asyncio.to_thread(cli, "activate", "gruppe-1", "--as", CHIEF, "--no-deliver")
    nr = 1
    told = {d.person_id for d in await incident_rows(db, nr)}
    assert len(told) > PEOPLE

    closing = subprocess.Popen(  # noqa: ASYNC220 (Popen returns at once; polled below)
        [*command, "close", str(nr), "--as", CHIEF, "--no-deliver"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        async with asyncio.timeout(240):
            while True:  # the close committed and at least one follow-up chunk after it
                await _freeze(closing)  # what we read now stays true until the kill
                state = await _stand_down(db, nr)
                if state is not None and state.done > fanout.FIRST_CHUNK:
                    break
                assert closing.poll() is None, closing.communicate()[0]
                closing.send_signal(signal.SIGCONT)
                await asyncio.sleep(0.005)
    finally:
        closing.send_signal(signal.SIGKILL)
        output, _ = await asyncio.to_thread(closing.communicate, timeout=20)
    assert closing.returncode == -signal.SIGKILL, output
    at_kill = await _stand_down(db, nr)
    assert at_kill is not None and at_kill.finished_at is None, "killed after the last chunk"
    assert fanout.FIRST_CHUNK < at_kill.done < at_kill.total

    service = await start_service(tmp_path, config, env, ready=lambda _: True)
    try:

        async def settled() -> bool:
            state = await _stand_down(db, nr)
            return state is not None and state.finished_at is not None and not await open_rows(db)

        await wait_for(settled, within=300)
    finally:
        await service.stop()

    rows = await incident_rows(db, nr)
    stand_downs = [d for d in rows if d.template == "stand_down"]
    per_person = Counter(d.person_id for d in stand_downs)
    assert set(per_person) == told, told - set(per_person)  # nobody lost
    assert set(per_person.values()) == {1}  # nobody queued twice
    assert {d.status for d in stand_downs} <= {DeliveryStatus.SENT, DeliveryStatus.DELIVERED}
    sent = [d for d in rows if d.status in (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)]
    sms_exactly_once(sent, twilio)
    done = await _stand_down(db, nr)
    assert done is not None
    assert (done.done, done.reached, done.messages, done.outcome) == (
        len(told),
        len(told),
        len(told),
        "done",
    )
    log = await asyncio.to_thread(cli, "log", str(nr))
    assert f"{len(told)} personer orienteret." in log
    assert f"Afblæsningen er sendt ud til alle: {len(told)} personer orienteret i alt" in log
