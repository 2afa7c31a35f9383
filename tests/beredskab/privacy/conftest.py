"""The service on the console channel with a clock the retention tests can move."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from beredskab.app import App
from beredskab.incident import activation, situation_log, standdown
from beredskab.plan import Plan
from tests.beredskab.helpers import CHIEF, POLICE, SSP
from tests.beredskab.web.api_support import service
from tests.conftest import TestClock

JOURNAL = "3700-80260-00123-26"


@pytest.fixture
async def app(db_url: str, clock: TestClock, plan: Plan, tmp_path: Path) -> AsyncIterator[App]:
    async with service(db_url, clock, plan, tmp_path) as built:
        yield built


async def incident(app: App, *, close: bool, note: str = "Samlet ved skolen") -> int:
    """Group 2 activated by the police, a note by the SSP, stood down by the chief if
    ``close``; the incident's number."""
    nr = (
        await activation.activate(
            db=app.db,
            plan=app.plan,
            playbook="2",
            actor_id=POLICE,
            channel="cli",
            police_case=JOURNAL,
        )
    ).incident.id
    await situation_log.add_entry(
        db=app.db, plan=app.plan, incident_id=nr, actor_id=SSP, text=note, channel="cli"
    )
    if close:
        await standdown.close(
            db=app.db, plan=app.plan, incident_id=nr, actor_id=CHIEF, channel="cli"
        )
    return nr
