"""An activation opens the providers' connections before it writes: the use case gives
``Signals.sending_soon`` before its transaction, and a running outbox answers it by warming
its channels, the most urgent first (``notifier.warm``)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import ClassVar

import pytest

from beredskab.delivery.outbox import Outbox
from beredskab.errors import BeredskabError
from beredskab.incident import activation
from beredskab.plan import Plan
from beredskab.settings import OutboxSettings
from beredskab.storage import Database
from beredskab.storage.signals import Signals
from notifier.types import ChannelKind, Message, Receipt, Recipient
from tests.beredskab.helpers import CHIEF, RecordingChannel
from tests.faults.support_delivery import wait_until


class Warming(RecordingChannel):
    """Records its warm-ups in the list its sends go to."""

    name: ClassVar[str] = "warming"

    def __init__(self, kind: ChannelKind, events: list[str]) -> None:
        super().__init__(kind, [])
        self.events = events

    def warm(self) -> None:
        self.events.append(f"warm {self.kind.value}")

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        self.events.append(f"send {self.kind.value}")
        return await super().send(recipient, message)


async def test_the_running_outbox_warms_its_channels_most_urgent_first(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/warm.sqlite3")
    await db.upgrade()
    events: list[str] = []
    channels = {
        ChannelKind.EMAIL: RecordingChannel(ChannelKind.EMAIL, []),  # cannot be warmed: skipped
        ChannelKind.TELEGRAM: Warming(ChannelKind.TELEGRAM, events),
        ChannelKind.SMS: Warming(ChannelKind.SMS, events),
        ChannelKind.VOICE: Warming(ChannelKind.VOICE, events),
    }
    settings = OutboxSettings(workers=1, max_idle_seconds=3600)
    outbox = Outbox(db=db, channels=channels, settings=settings)
    db.signals.sending_soon()  # before the outbox runs: nobody to warm
    assert events == []
    stop = asyncio.Event()
    running = asyncio.create_task(outbox.run(stop))
    try:
        await wait_until(lambda: all(outbox.asleep(k) == 1 for k in channels), within=60)
        db.signals.sending_soon()
        assert events == ["warm sms", "warm voice", "warm telegram"]  # at once, in order
    finally:
        stop.set()
        await running
        await db.dispose()
    db.signals.sending_soon()  # a stopped outbox is no longer warmed
    assert len(events) == 3


async def test_an_activation_warms_before_its_transaction(db: Database, plan: Plan) -> None:
    seen: list[int] = []

    def hook() -> None:
        seen.append(db.signals.fired)  # the commit signals fired so far

    db.signals.on_sending(hook)
    before = db.signals.fired
    await activation.activate(
        db=db, plan=plan, playbook="gruppe-1", actor_id=CHIEF, channel="cli", description="Brand"
    )
    assert seen == [before]  # once, before the activation's commit fired anything
    assert db.signals.fired > before
    with pytest.raises(BeredskabError):
        await activation.activate(
            db=db, plan=plan, playbook="no-such", actor_id=CHIEF, channel="cli"
        )
    assert len(seen) == 1  # a refused activation warms nothing


def test_a_failing_hook_is_logged_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub = Signals()
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("no network")

    remove = hub.on_sending(broken)
    hub.on_sending(lambda: ran.append("second"))
    with caplog.at_level(logging.ERROR):
        hub.sending_soon()
    assert ran == ["second"]
    assert "sending_soon hook failed" in caplog.text
    remove()
    remove()  # idempotent
    caplog.clear()
    hub.sending_soon()
    assert ran == ["second", "second"]
    assert caplog.text == ""
