"""An API call's token check is a read: ``last_used_at`` is written at most once a minute, so
an activation through the API waits for no other write transaction first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import event

from beredskab.app import App
from beredskab.plan import Plan
from beredskab.security import api_tokens
from tests.beredskab.helpers import CHIEF
from tests.beredskab.web.api_support import client, service
from tests.conftest import TestClock


@pytest.fixture
async def app(db_url: str, clock: TestClock, plan: Plan, tmp_path: Path) -> AsyncIterator[App]:
    async with service(db_url, clock, plan, tmp_path) as built:
        yield built


async def _last_used(app: App) -> object:
    [token] = await api_tokens.list_tokens(db=app.db)
    return token.last_used_at


async def test_last_use_is_written_at_most_once_a_minute(app: App, clock: TestClock) -> None:
    created = await api_tokens.create(db=app.db, plan=app.plan, name="vagt", person_id=CHIEF)
    headers = {"Authorization": f"Bearer {created.plaintext}"}
    updates: list[str] = []

    def seen(_c: object, _cur: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE API_TOKENS"):
            updates.append(statement)

    event.listen(app.db.engine.sync_engine, "before_cursor_execute", seen)
    async with client(app) as http:
        assert (await http.get("/api/v1/incidents", headers=headers)).status_code == 200
        first = await _last_used(app)
        assert first == clock.now and len(updates) == 1
        clock.advance(seconds=api_tokens.TOUCH_SECONDS - 1)
        assert (await http.get("/api/v1/incidents", headers=headers)).status_code == 200
        assert await _last_used(app) == first and len(updates) == 1  # a read only
        clock.advance(seconds=1)
        assert (await http.get("/api/v1/incidents", headers=headers)).status_code == 200
        assert await _last_used(app) == clock.now and len(updates) == 2
        await api_tokens.revoke(db=app.db, token_id=created.token.id)
        clock.advance(seconds=1)  # revoked within the minute: refused at once all the same
        assert (await http.get("/api/v1/incidents", headers=headers)).status_code == 401
