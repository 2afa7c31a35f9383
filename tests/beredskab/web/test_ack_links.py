"""Personal acknowledgement links: from the activation email (real SMTP peer) to the page.

The service is built by ``App.build`` from settings that point at the aiosmtpd peer, so the
link in the received email comes through the real wiring (outbox, signer, public base URL).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from pydantic import SecretStr

from beredskab.app import App
from beredskab.boundary.action_tokens import ActionRef, Use
from beredskab.boundary.keys import KeyStore
from beredskab.delivery import links
from beredskab.inbound.link_batch import LinkAnswers
from beredskab.incident import activation, standdown
from beredskab.models import ActionToken, AuditEntry, ConfirmationStatus, LogEntry
from beredskab.settings import (
    ConsoleSettings,
    DatabaseSettings,
    PlanSettings,
    SecuritySettings,
    ServiceSettings,
    Settings,
    SmtpSettings,
)
from beredskab.web import ack
from notifier.types import ChannelKind
from tests.beredskab.helpers import CHIEF, POLICE, deliveries
from tests.conftest import TestClock
from tests.peers.smtp import PASSWORD, USERNAME, SmtpPeer

BASE = "https://beredskab.example.dk"
LINK = re.compile(re.escape(BASE) + r"/a/[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)+")
PERSON = "henrik-moeller"  # group 2 participant; deputy lise-krogh is not a participant
DEPUTY = "lise-krogh"


@dataclass
class Service:
    """The built service, its web client, and the incident activated for the test."""

    app: App
    client: AsyncClient
    smtp: SmtpPeer
    clock: TestClock
    incident_id: int

    async def link(self, person_id: str) -> str:
        """The acknowledgement link in the plain-text activation email the person received."""
        rows = await deliveries(self.app.db, self.incident_id)
        [row] = [
            d
            for d in rows
            if (d.person_id, d.channel, d.template) == (person_id, ChannelKind.EMAIL, "activation")
        ]
        [mail] = [
            m for m in self.smtp.handler.received if m.message["Message-ID"] == row.provider_id
        ]
        assert mail.rcpt_tos == [row.address]
        plain = mail.message.get_body(("plain",))
        assert plain is not None
        [found] = LINK.findall(plain.get_content())
        return str(found)

    async def state(self, person_id: str) -> tuple[ConfirmationStatus, list[LogEntry], int]:
        """Confirmation status, situation log, number of audit rows."""
        async with self.app.db.transaction() as tx:
            confirmation = await tx.incidents.confirmation(self.incident_id, person_id)
            log = await tx.log.list(self.incident_id)
            audit = await tx.audit.list(incident_id=self.incident_id)
        assert confirmation is not None
        return confirmation.status, log, len(audit)

    async def token(self, link: str) -> ActionToken | None:
        """What a derived link stands for, read from its delivery (with its recorded use)."""
        ref = self.app.signer.actions.verify(Use.LINK, link.rsplit("/", 1)[1])
        assert ref is not None
        async with self.app.db.transaction() as tx:
            return await tx.people.derived_token(
                "", delivery_id=ref.delivery_id, action=ref.action, channel="email"
            )

    async def audit(self) -> list[AuditEntry]:
        async with self.app.db.transaction() as tx:
            return await tx.audit.list(incident_id=self.incident_id)


def _directory(tmp_path: Path) -> Path:
    """The fictional directory, unmarked as example so it may be used with a real SMTP peer."""
    source = Path(__file__).parents[3] / "contacts" / "examples" / "fredericia.toml"
    text, count = re.subn(
        r"^example = true$", "example = false", source.read_text(encoding="utf-8"), flags=re.M
    )
    assert count == 1
    path = tmp_path / "directory.toml"
    path.write_text(text, encoding="utf-8")
    return path


def settings_for(tmp_path: Path, smtp: SmtpPeer, db_url: str) -> Settings:
    """Settings for the SMTP peer: signed links under BASE."""
    return Settings(
        service=ServiceSettings(data_dir=tmp_path, public_base_url=BASE + "/"),
        database=DatabaseSettings(url=db_url),
        plan=PlanSettings(directory_file=_directory(tmp_path)),
        console=ConsoleSettings(echo=False),
        smtp=SmtpSettings(
            host=smtp.host,
            port=smtp.port,
            username=USERNAME,
            password=SecretStr(PASSWORD),
            from_address="beredskab@example.org",
            ca_file=smtp.write_ca(tmp_path),
            connections=1,
        ),
        security=SecuritySettings(link_secret=SecretStr("k" * 32), link_hours=24),
    )


def web_for(app: App) -> FastAPI:
    """What the app factory does for this router."""
    web = FastAPI()
    web.state.beredskab = app
    web.state.link_answers = LinkAnswers(app.db)
    web.include_router(ack.router)
    return web


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
    transport = ASGITransport(app=web_for(app))
    async with AsyncClient(transport=transport, base_url=BASE) as client:
        yield Service(app, client, smtp_peer, clock, result.incident.id)
    await app.aclose()


def _path(link: str) -> str:
    return link.removeprefix(BASE)


async def _post(service: Service, link: str, answer: str = ack.CONFIRM) -> Response:
    return await service.client.post(_path(link), data={"svar": answer})


async def test_every_activation_email_carries_its_own_link(service: Service) -> None:
    rows = await deliveries(service.app.db, service.incident_id)
    emails = [d for d in rows if d.channel is ChannelKind.EMAIL and d.template == "activation"]
    assert emails and all(d.provider_id for d in emails)
    links: set[str] = set()
    for row in emails:
        link = await service.link(row.person_id)
        [mail] = [
            m for m in service.smtp.handler.received if m.message["Message-ID"] == row.provider_id
        ]
        html = mail.message.get_body(("html",))
        assert html is not None and f'href="{link}"' in html.get_content()
        ref = service.app.signer.actions.verify(Use.LINK, link.rsplit("/", 1)[1])
        assert ref == ActionRef(row.id, "ack")
        token = await service.token(link)
        assert token is not None
        assert (token.delivery_id, token.person_id, token.action) == (row.id, row.person_id, "ack")
        links.add(link)
    assert len(links) == len(emails)
    # Derived, not stored: the activation stored no token at all.
    async with service.app.db.transaction() as tx:
        assert await tx.people.tokens_for_many([d.id for d in rows]) == {}


async def test_get_and_head_show_the_page_and_change_nothing(service: Service) -> None:
    link = await service.link(PERSON)
    before = await service.state(PERSON)
    page = await service.client.get(_path(link))
    head = await service.client.head(_path(link))
    assert page.status_code == 200 and head.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    text = page.text
    assert f"nr. {service.incident_id}" in text
    assert "Beredskabsgruppe 2" in text and "Henrik Møller" in text
    assert f'action="{link.rsplit("/", 1)[1]}"' in text
    assert f'value="{ack.CONFIRM}"' in text and "Bekræft" in text
    assert f'value="{ack.DECLINE}"' in text and "Kan ikke deltage" in text
    assert await service.state(PERSON) == before
    assert before[0] is ConfirmationStatus.PENDING
    token = await service.token(link)
    assert token is not None and token.used_at is None


async def test_post_confirms_once(service: Service) -> None:
    link = await service.link(PERSON)
    _, log_before, audit_before = await service.state(PERSON)
    first = await _post(service, link)
    assert first.status_code == 200
    assert "du har bekræftet" in first.text
    status, log, audit_count = await service.state(PERSON)
    assert status is ConfirmationStatus.CONFIRMED
    async with service.app.db.transaction() as tx:
        confirmation = await tx.incidents.confirmation(service.incident_id, PERSON)
    assert confirmation is not None and confirmation.via == "email"
    assert [e.text for e in log[len(log_before) :]] == ["Henrik Møller bekræftede via email."]
    assert audit_count == audit_before + 1
    newest = max(await service.audit(), key=lambda a: a.id)
    assert (newest.actor, newest.action, newest.channel) == (PERSON, "ack", "email")

    again = await _post(service, link)
    assert again.status_code == 410
    assert "Linket er allerede brugt" in again.text
    decline = await _post(service, link, ack.DECLINE)
    assert decline.status_code == 410
    shown = await service.client.get(_path(link))
    assert shown.status_code == 410 and "allerede brugt" in shown.text
    assert await service.state(PERSON) == (status, log, audit_count)
    token = await service.token(link)
    assert token is not None and token.used_at is not None


async def test_two_answers_at_once_count_once(service: Service) -> None:
    link = await service.link(PERSON)
    _, log_before, _ = await service.state(PERSON)
    answers = await asyncio.gather(_post(service, link), _post(service, link, ack.DECLINE))
    assert sorted(a.status_code for a in answers) == [200, 410]
    status, log, _ = await service.state(PERSON)
    assert status in (ConfirmationStatus.CONFIRMED, ConfirmationStatus.DECLINED)
    assert len(log) - len(log_before) in (1, 2)  # a decline adds the deputy's entry
    assert sum("via email" in e.text for e in log[len(log_before) :]) == 1


async def test_a_post_is_one_transaction(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    link = await service.link(PERSON)
    opened: list[str] = []
    db = service.app.db
    transaction, read = db.transaction, db.read

    def counted_transaction() -> Any:
        opened.append("write")
        return transaction()

    def counted_read() -> Any:
        opened.append("read")
        return read()

    monkeypatch.setattr(db, "transaction", counted_transaction)
    monkeypatch.setattr(db, "read", counted_read)
    response = await _post(service, link)
    monkeypatch.undo()
    assert response.status_code == 200 and "du har bekræftet" in response.text
    assert opened == ["write"]
    status, log, _ = await service.state(PERSON)
    assert status is ConfirmationStatus.CONFIRMED
    assert log[-1].text == "Henrik Møller bekræftede via email."


async def test_a_link_stored_before_the_upgrade_still_works_once(service: Service) -> None:
    rows = await deliveries(service.app.db, service.incident_id)
    [row] = [d for d in rows if (d.person_id, d.channel) == (PERSON, ChannelKind.EMAIL)]
    async with service.app.db.transaction() as tx:
        await tx.people.add_tokens(
            [
                ActionToken(
                    token="stored-before-0014",
                    delivery_id=row.id,
                    incident_id=service.incident_id,
                    person_id=PERSON,
                    action="ack",
                    label="Modtaget",
                    created_at=tx.now,
                    used_at=None,
                )
            ]
        )
    old = links.url(BASE, service.app.signer, "stored-before-0014")
    assert (await service.client.get(_path(old))).status_code == 200
    first = await _post(service, old)
    assert first.status_code == 200 and "du har bekræftet" in first.text
    again = await _post(service, old)
    assert again.status_code == 410 and "allerede brugt" in again.text
    async with service.app.db.transaction() as tx:
        stored = await tx.people.token("stored-before-0014")
    assert stored is not None and stored.used_at is not None


def _tampered(link: str) -> list[str]:
    token = link.rsplit("/", 1)[1]
    value, mac = token.rsplit(".", 1)
    flip = {"A": "B"}.get(mac[0], "A")
    delivery = value.split(".")[0]
    return [
        f"{value}.{flip}{mac[1:]}",  # altered signature
        f"{value[:-1]}d.{mac}",  # altered action
        f"{int(delivery) + 1}{value.removeprefix(delivery)}.{mac}",  # another delivery
        f"{value}.{mac[:-2]}",  # cut off
        value,  # no signature
        f"{value}.",
        f".{mac}",
        f"{value}.{mac}.{mac}",
        f"{value}.{mac}{'A' * 200}",  # too long
    ]


async def test_tampered_links_are_refused_without_asking_the_database(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = await service.link(PERSON)
    before = await service.state(PERSON)

    def no_database() -> None:
        raise AssertionError("the database was asked about a tampered link")

    monkeypatch.setattr(service.app.db, "transaction", no_database)
    for token in _tampered(link):
        for response in (
            await service.client.get(f"/a/{token}"),
            await service.client.post(f"/a/{token}", data={"svar": ack.CONFIRM}),
        ):
            assert response.status_code == 400, token
            assert "Linket er ugyldigt" in response.text
    monkeypatch.undo()
    assert await service.state(PERSON) == before


async def test_a_signed_but_unknown_token_is_not_found(service: Service) -> None:
    rows = await deliveries(service.app.db, service.incident_id)
    [sms] = [d for d in rows if (d.person_id, d.channel) == (PERSON, ChannelKind.SMS)]
    keys = service.app.signer.actions
    for token in (
        service.app.signer.sign("does-not-exist"),  # a stored token that is not there
        keys.token(Use.LINK, 10**9, "ack"),  # no such delivery (e.g. another database)
        keys.token(Use.LINK, sms.id, "ack"),  # not an email
    ):
        response = await service.client.post(f"/a/{token}", data={"svar": ack.CONFIRM})
        assert response.status_code == 404, token
        assert "Linket findes ikke" in response.text


async def test_post_without_an_answer_changes_nothing(service: Service) -> None:
    link = await service.link(PERSON)
    before = await service.state(PERSON)
    for data in ({}, {"svar": "ja"}):
        response = await service.client.post(_path(link), data=data)
        assert response.status_code == 400
    assert await service.state(PERSON) == before
    assert (await _post(service, link)).status_code == 200  # the link still works


@pytest.mark.parametrize(("hours", "expected"), [(23.99, 200), (24.0, 410), (30.0, 410)])
async def test_links_expire_after_link_hours(service: Service, hours: float, expected: int) -> None:
    link = await service.link(PERSON)
    before = await service.state(PERSON)
    service.clock.advance(hours=hours)
    shown = await service.client.get(_path(link))
    assert shown.status_code == expected
    if expected == 410:
        assert "Linket er udløbet" in shown.text
        answered = await _post(service, link)
        assert answered.status_code == 410 and "udløbet" in answered.text
        assert await service.state(PERSON) == before


async def test_links_die_at_stand_down(service: Service) -> None:
    link = await service.link(PERSON)
    await standdown.close(
        db=service.app.db,
        plan=service.app.plan,
        incident_id=service.incident_id,
        actor_id=CHIEF,
        channel="cli",
    )
    await service.app.outbox.drain()
    before = await service.state(PERSON)
    for response in (
        await service.client.get(_path(link)),
        await _post(service, link),
    ):
        assert response.status_code == 410
        assert "Hændelsen er afsluttet" in response.text
    assert await service.state(PERSON) == before
    assert before[0] is ConfirmationStatus.PENDING


async def test_decline_asks_the_deputy_with_a_link_of_their_own(service: Service) -> None:
    link = await service.link(PERSON)
    response = await _post(service, link, ack.DECLINE)
    assert response.status_code == 200
    assert "ikke kan deltage" in response.text and "Lise Krogh" in response.text
    status, log, _ = await service.state(PERSON)
    assert status is ConfirmationStatus.DECLINED
    assert any("Stedfortræder Lise Krogh" in e.text for e in log)
    deputy_status, _, _ = await service.state(DEPUTY)
    assert deputy_status is ConfirmationStatus.PENDING
    await service.app.outbox.drain()
    deputy_link = await service.link(DEPUTY)
    assert deputy_link != link
    page = await service.client.get(_path(deputy_link))
    assert page.status_code == 200 and "Lise Krogh" in page.text
    assert (await _post(service, deputy_link)).status_code == 200
    assert (await service.state(DEPUTY))[0] is ConfirmationStatus.CONFIRMED


async def test_a_link_sent_by_one_process_works_in_another(
    tmp_path: Path, smtp_peer: SmtpPeer, clock: TestClock, db_url: str
) -> None:
    """No link_secret: the key generated in <data_dir>/keys/link.key is shared, so a link sent
    by a CLI command's App is answered by `serve`'s App (and a button likewise)."""
    configured = settings_for(tmp_path, smtp_peer, db_url)
    settings = configured.model_copy(update={"security": SecuritySettings(link_hours=24)})
    cli = App.build(settings, clock=clock)
    await cli.start()
    result = await activation.activate(
        db=cli.db, plan=cli.plan, playbook="2", actor_id=POLICE, channel="cli", police_case="1-2"
    )
    await cli.outbox.drain()
    button = cli.signer.actions.token(Use.BUTTON, 1, "ack")
    await cli.aclose()
    assert (tmp_path / "keys" / "link.key").exists()
    serve = App.build(settings, clock=clock)
    try:
        assert serve.signer.actions.verify(Use.BUTTON, button) == ActionRef(1, "ack")
        async with AsyncClient(transport=ASGITransport(app=web_for(serve)), base_url=BASE) as c:
            service = Service(serve, c, smtp_peer, clock, result.incident.id)
            link = await service.link(PERSON)
            answered = await _post(service, link)
            assert answered.status_code == 200 and "du har bekræftet" in answered.text
            assert (await service.state(PERSON))[0] is ConfirmationStatus.CONFIRMED
    finally:
        await serve.aclose()


async def test_after_a_rotation_old_links_confirm_until_the_old_key_retires(
    tmp_path: Path, smtp_peer: SmtpPeer, clock: TestClock, db_url: str
) -> None:
    """The generated link key is rotated after the emails went out (`beredskab keys rotate
    link`, by the test clock): the old links still confirm until the old key retires
    (link_hours later, when they have expired anyway); a retired key's link gets its own page
    and changes nothing."""
    configured = settings_for(tmp_path, smtp_peer, db_url)
    settings = configured.model_copy(update={"security": SecuritySettings(link_hours=24)})
    sender = App.build(settings, clock=clock)
    await sender.start()
    result = await activation.activate(
        db=sender.db,
        plan=sender.plan,
        playbook="2",
        actor_id=POLICE,
        channel="cli",
        police_case="1-2",
    )
    await sender.outbox.drain()
    await sender.aclose()
    KeyStore(tmp_path / "keys").rotate("link", keep=timedelta(hours=24), now=clock.now)
    serve = App.build(settings, clock=clock)
    try:
        async with AsyncClient(transport=ASGITransport(app=web_for(serve)), base_url=BASE) as c:
            service = Service(serve, c, smtp_peer, clock, result.incident.id)
            assert (await _post(service, await service.link(PERSON))).status_code == 200
            assert (await service.state(PERSON))[0] is ConfirmationStatus.CONFIRMED
            late = await service.link(CHIEF)
            before = await service.state(CHIEF)
            clock.advance(hours=24)
            page = await c.get(_path(late))
            assert page.status_code == 410 and "Linket er ikke længere gyldigt" in page.text
            answered = await _post(service, late)
            assert answered.status_code == 410 and "skiftet ud" in answered.text
            assert await service.state(CHIEF) == before
    finally:
        await serve.aclose()
