"""Link POSTs arriving together share a transaction (``inbound.link_batch``), and each
answer stays its own: a used link is refused, a decline asks the deputy, a failing answer
fails alone, and nothing is answered before its transaction committed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event

from beredskab.app import App
from beredskab.delivery.links import LinkError, Problem, verified
from beredskab.inbound import link_batch
from beredskab.incident import activation, link_answers
from beredskab.models import ConfirmationStatus
from beredskab.web import ack
from notifier.types import ChannelKind
from tests.beredskab.helpers import POLICE, deliveries
from tests.beredskab.web.test_ack_links import (
    BASE,
    DEPUTY,
    PERSON,
    Service,
    _path,
    _post,
    settings_for,
    web_for,
)
from tests.conftest import TestClock
from tests.peers.smtp import SmtpPeer


@pytest.fixture
async def service(
    tmp_path: Path, smtp_peer: SmtpPeer, clock: TestClock, db_url: str
) -> AsyncIterator[Service]:
    app = App.build(settings_for(tmp_path, smtp_peer, db_url), clock=clock)
    await app.start()
    result = await activation.activate(
        db=app.db, plan=app.plan, playbook="2", actor_id=POLICE, channel="sms", police_case="3700-1"
    )
    await app.outbox.drain()
    async with AsyncClient(transport=ASGITransport(app=web_for(app)), base_url=BASE) as client:
        yield Service(app, client, smtp_peer, clock, result.incident.id)
    await app.aclose()


async def _emailed(service: Service) -> list[str]:
    """Everyone who got an activation email (with a link), PERSON and the deputy aside."""
    rows = await deliveries(service.app.db, service.incident_id)
    return sorted(
        {
            d.person_id
            for d in rows
            if d.channel is ChannelKind.EMAIL
            and d.template == "activation"
            and d.person_id not in (PERSON, DEPUTY)
        }
    )


def _count_transactions(service: Service, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    opened: list[int] = []
    db = service.app.db
    transaction = db.transaction

    def counted() -> Any:
        opened.append(1)
        return transaction()

    monkeypatch.setattr(db, "transaction", counted)
    return opened


async def test_answers_at_once_share_transactions_and_each_counts_once(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await _emailed(service)
    assert len(people) >= 3
    person_links = {p: await service.link(p) for p in people}
    decline_link = await service.link(PERSON)
    first = person_links[people[0]]
    _, log_before, audit_before = await service.state(people[0])
    opened = _count_transactions(service, monkeypatch)
    answers = await asyncio.gather(
        *(_post(service, link) for link in person_links.values()),
        _post(service, first),  # the same link twice in one group: used the second time
        _post(service, decline_link, ack.DECLINE),
    )
    monkeypatch.undo()
    codes = [a.status_code for a in answers]
    assert codes[: len(people)] == [200] * len(people)
    assert codes[len(people)] == 410 and "allerede brugt" in answers[len(people)].text
    assert codes[-1] == 200 and "Lise Krogh" in answers[-1].text
    assert len(opened) < len(answers)  # gathered, not one transaction each
    for person in people:
        assert (await service.state(person))[0] is ConfirmationStatus.CONFIRMED
    status, log, audit_count = await service.state(PERSON)
    assert status is ConfirmationStatus.DECLINED
    assert (await service.state(DEPUTY))[0] is ConfirmationStatus.PENDING
    added = [e.text for e in log[len(log_before) :]]
    assert sum("bekræftede via email" in t for t in added) == len(people)
    assert sum("kunne ikke" in t or "Stedfortræder" in t for t in added) >= 1
    assert audit_count == audit_before + len(people) + 1  # one row per answer, none for 410


async def test_a_failing_answer_fails_alone_and_leaves_its_link_unspent(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await _emailed(service)
    person_links = {p: await service.link(p) for p in people}
    broken = people[1]
    real = link_answers.confirm_many_in

    async def failing(tx: Any, **kwargs: Any) -> list[link_answers.LinkAnswer | LinkError]:
        found = await real(tx, **kwargs)
        for outcome in found:
            if not isinstance(outcome, LinkError) and outcome.view.token.person_id == broken:
                raise RuntimeError("a bug in one answer")
        return found

    monkeypatch.setattr(link_batch, "confirm_many_in", failing)
    monkeypatch.setattr(link_answers, "confirm_many_in", failing)
    answers = await asyncio.gather(
        *(_post(service, link) for link in person_links.values()), return_exceptions=True
    )
    monkeypatch.undo()
    for person, outcome in zip(people, answers, strict=True):
        if person == broken:
            assert isinstance(outcome, RuntimeError)
            assert (await service.state(person))[0] is ConfirmationStatus.PENDING
            token = await service.token(person_links[person])
            assert token is not None and token.used_at is None
        else:
            assert not isinstance(outcome, BaseException) and outcome.status_code == 200
            assert (await service.state(person))[0] is ConfirmationStatus.CONFIRMED
    again = await _post(service, person_links[broken])  # the link still works, once
    assert again.status_code == 200
    assert (await service.state(broken))[0] is ConfirmationStatus.CONFIRMED


async def test_an_outage_fails_the_waiting_answers_and_the_next_go_through(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    people = await _emailed(service)
    person_links = [await service.link(p) for p in people[:3]]
    db = service.app.db
    transaction = db.transaction

    def down() -> Any:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(db, "transaction", down)
    failed = await asyncio.gather(
        *(_post(service, link) for link in person_links), return_exceptions=True
    )
    assert all(isinstance(f, sqlite3.OperationalError) for f in failed)
    monkeypatch.setattr(db, "transaction", transaction)
    for link in person_links:
        assert (await _post(service, link)).status_code == 200
    page = await service.client.get(_path(person_links[0]))
    assert page.status_code == 410


@contextmanager
def _statements(service: Service) -> Iterator[list[str]]:
    """The SQL statements run while the block runs."""
    seen: list[str] = []
    engine = service.app.db.engine.sync_engine

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def _confirm(
    service: Service, links: list[str]
) -> tuple[list[link_answers.LinkAnswer | LinkError], int]:
    """``confirm_many_in`` of ``links`` in one transaction: the outcomes, and the statements
    the transaction ran."""
    app = service.app
    hours = app.settings.security.link_hours
    refs = [(verified(app.signer, _path(link).removeprefix("/a/")), hours) for link in links]
    with _statements(service) as seen:
        async with app.db.transaction() as tx:
            outcomes = await link_answers.confirm_many_in(tx, plan=app.plan, links=refs)
    return outcomes, len(seen)


async def test_a_group_of_confirmations_takes_the_statements_of_one(service: Service) -> None:
    people = await _emailed(service)
    assert len(people) >= 4
    person_links = [await service.link(p) for p in people]
    _, log_before, audit_before = await service.state(people[0])
    [alone], statements_of_one = await _confirm(service, person_links[:1])
    outcomes, statements_of_many = await _confirm(service, person_links[1:])
    assert statements_of_many == statements_of_one  # not one more per answer
    for outcome in [alone, *outcomes]:
        assert isinstance(outcome, link_answers.LinkAnswer) and outcome.result.changed
        assert outcome.result.confirmation.status is ConfirmationStatus.CONFIRMED
    for person in people:
        assert (await service.state(person))[0] is ConfirmationStatus.CONFIRMED
    _, log, audit_count = await service.state(people[0])
    added = log[len(log_before) :]
    assert sorted(e.actor for e in added) == sorted(people)  # one entry each, chained
    assert [e.seq for e in added] == list(range(len(log_before) + 1, len(log) + 1))
    assert audit_count == audit_before + len(people)


async def test_a_group_answers_as_its_links_would_one_after_the_other(service: Service) -> None:
    first, second, used = (await _emailed(service))[:3]
    links = {p: await service.link(p) for p in (first, second, used)}
    assert (await _post(service, links[used])).status_code == 200
    _, log_before, audit_before = await service.state(first)
    outcomes, _ = await _confirm(service, [links[first], links[first], links[used], links[second]])
    assert isinstance(outcomes[0], link_answers.LinkAnswer) and outcomes[0].result.changed
    assert isinstance(outcomes[1], LinkError) and outcomes[1].problem is Problem.USED
    assert isinstance(outcomes[2], LinkError) and outcomes[2].problem is Problem.USED
    assert isinstance(outcomes[3], link_answers.LinkAnswer) and outcomes[3].result.changed
    _, log, audit_count = await service.state(first)
    assert sorted(e.actor for e in log[len(log_before) :]) == sorted([first, second])
    assert audit_count == audit_before + 2
    again = await _post(service, links[first])  # spent by the group
    assert again.status_code == 410
