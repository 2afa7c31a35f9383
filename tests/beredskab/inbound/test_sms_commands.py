"""Inbound SMS commands end to end through the use cases, with replies through the outbox."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from beredskab.app import App
from beredskab.delivery.outbox import Outbox
from beredskab.inbound import sms_commands
from beredskab.incident import standdown, steps
from beredskab.models import ConfirmationStatus, Delivery, EntryKind, IncidentStatus, TaskStatus
from beredskab.plan import Plan
from beredskab.security import pins
from beredskab.settings import ConsoleSettings, ServiceSettings, Settings
from beredskab.storage import Database
from notifier.base import Channel
from notifier.channels.console import ConsoleChannel
from notifier.types import ChannelKind
from tests.beredskab.helpers import CHIEF, POLICE, SSP, STAFF
from tests.conftest import TestClock

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
"""Fast hashing for tests only; production uses ``pins.DEFAULT_HASHER``."""
PIN = "4711"
POLICE_DESK = "vagtcentral-fiktiv"  # asked in group 2 only
ENGLISH = "daniel-okafor"
NO_ROLE = "lise-krogh"


@pytest.fixture
async def app(db_url: str, clock: TestClock, plan: Plan, tmp_path: Path) -> AsyncIterator[App]:
    """The service on the console channel and the test clock."""
    settings = Settings(
        service=ServiceSettings(data_dir=tmp_path),
        console=ConsoleSettings(outbox_file=tmp_path / "outbox.jsonl", echo=False),
    )
    db = Database(db_url, clock=clock)
    await db.upgrade()
    console = ConsoleChannel(settings.outbox_file, echo=None)
    channels: dict[ChannelKind, Channel] = {kind: console for kind in ChannelKind}
    outbox = Outbox(db=db, channels=channels, settings=settings.outbox)
    service = App(settings=settings, plan=plan, db=db, channels=channels, outbox=outbox)
    yield service
    await service.aclose()


def phone(plan: Plan, person_id: str) -> str:
    person = plan.directory.person(person_id)
    assert person is not None and person.phone
    return person.phone


async def sms(app: App, person_id: str, body: str) -> str:
    """Send ``body`` from the person's phone."""
    return await sms_commands.handle(
        app=app, sender=phone(app.plan, person_id), body=body, hasher=CHEAP
    )


async def replies_to(app: App, person_id: str) -> list[Delivery]:
    async with app.db.transaction() as tx:
        rows = await tx.deliveries.to_address(phone(app.plan, person_id), limit=2000)
    return [d for d in rows if d.template in ("reply", "reply-passive")]


async def last_reply(app: App, person_id: str) -> str:
    rows = await replies_to(app, person_id)
    assert rows, f"no reply to {person_id}"
    return rows[-1].text


async def set_pin(app: App, person_id: str, pin: str = PIN) -> None:
    await pins.set_pin(db=app.db, plan=app.plan, person_id=person_id, pin=pin, hasher=CHEAP)


async def open_incidents(app: App) -> list[int]:
    async with app.db.transaction() as tx:
        return [i.id for i in await tx.incidents.recent(open_only=True)]


async def activate(app: App, group: str = "2", person_id: str = POLICE) -> int:
    await set_pin(app, person_id)
    case = " JOURNAL 3700-1" if group == "2" else ""
    outcome = await sms(app, person_id, f"AKTIVER {group} {PIN}{case} Uro ved torvet")
    assert "opened" in outcome or "joined" in outcome, outcome
    return (await open_incidents(app))[0]


async def test_unknown_number_gets_no_reply_and_changes_nothing(app: App) -> None:
    for body in ("AKTIVER 2 1234 uro", "OK", "HJÆLP", "blah"):
        outcome = await sms_commands.handle(app=app, sender="+4599999999", body=body)
        assert outcome == "unknown number"
    async with app.db.transaction() as tx:
        assert await tx.deliveries.to_address("+4599999999") == []
        assert await tx.incidents.recent() == []
        assert await tx.audit.list() == []
        assert await tx.pins.failures_since("+4599999999", tx.now - timedelta(hours=1)) == 0


async def test_activate_by_sms_with_pin(app: App, plan: Plan) -> None:
    await set_pin(app, POLICE)
    outcome = await sms(app, POLICE, "aktiver 2 4711 journal 3700-12 Uro ved torvet")
    async with app.db.transaction() as tx:
        (incident,) = await tx.incidents.recent()
        notified = await tx.incidents.confirmations(incident.id)
    assert incident.activated_via == "sms" and incident.activated_by == POLICE
    assert incident.description == "Uro ved torvet" and incident.police_case == "3700-12"
    participants = sum(c.reason in ("participant", "activator") for c in notified)
    assert outcome == f"activate: incident {incident.id} opened, {participants} notified"
    reply = await replies_to(app, POLICE)
    assert [r.template for r in reply] == ["reply"]
    assert reply[0].text == (
        f"Hændelse {incident.id} oprettet: Beredskabsgruppe 2. {participants} underrettet. "
        f"Svar STATUS {incident.id} for overblik."
    )
    assert len(reply[0].text) <= 160 and reply[0].channel is ChannelKind.SMS
    # A second activation joins the open incident.
    await set_pin(app, CHIEF, "8642")
    assert await sms(app, CHIEF, "ACTIVATE 2 8642") == f"activate: joined incident {incident.id}"
    assert await last_reply(app, CHIEF) == (
        f"Beredskabsgruppe 2 er allerede aktiv som hændelse {incident.id}; "
        "du er tilføjet og bekræftet."
    )
    assert await open_incidents(app) == [incident.id]


async def test_group_2_by_sms_needs_journal_or_afventer(app: App) -> None:
    await set_pin(app, POLICE)
    assert await sms(app, POLICE, f"AKTIVER 2 {PIN} uro") == "activate: no journal number"
    reply = await last_reply(app, POLICE)
    assert reply.startswith("Gruppe 2 kræver journalnr.: AKTIVER 2 <PIN> JOURNAL <nr>")
    assert len(reply) <= 160 and await open_incidents(app) == []
    await set_pin(app, CHIEF, "8642")
    outcome = await sms(app, CHIEF, "AKTIVER 1 8642 JOURNAL 3700-1 uro")
    assert outcome == "activate: journal number for group 1"
    assert (await last_reply(app, CHIEF)).startswith("Gruppe 1 har ingen politisag.")
    assert await open_incidents(app) == []
    outcome = await sms(app, POLICE, f"AKTIVER 2 {PIN} AFVENTER uro ved torvet")
    (nr,) = await open_incidents(app)
    assert outcome.startswith(f"activate: incident {nr} opened")
    reply = await last_reply(app, POLICE)
    assert reply.endswith(f"Journalnr. mangler: send JOURNAL {nr} <journalnr>.")
    assert len(reply) <= 160
    async with app.db.transaction() as tx:
        incident = await tx.incidents.get(nr)
    assert incident is not None and incident.description == "uro ved torvet"
    assert not incident.police_case
    # a join by SMS that carries the number sets the missing one
    assert (
        await sms(app, CHIEF, "AKTIVER 2 8642 JOURNAL 3700-42") == f"activate: joined incident {nr}"
    )
    async with app.db.transaction() as tx:
        incident = await tx.incidents.get(nr)
    assert incident is not None and incident.police_case == "3700-42"


async def test_a_real_activation_by_sms_halts_the_drill(app: App, plan: Plan) -> None:
    from beredskab.incident import activation

    drill = await activation.activate(
        db=app.db, plan=plan, playbook="2", actor_id=CHIEF, channel="cli", drill=True
    )
    await set_pin(app, POLICE)
    outcome = await sms(app, POLICE, f"AKTIVER 2 {PIN} JOURNAL 3700-55 RIGTIG skud")
    real = [n for n in await open_incidents(app) if n != drill.incident.id]
    assert len(real) == 1 and await open_incidents(app) == real
    assert outcome == (
        f"activate: incident {real[0]} opened, 10 notified, drill {drill.incident.id} halted"
    )
    reply = await last_reply(app, POLICE)
    assert f"Øvelse {drill.incident.id} er afbrudt." in reply and len(reply) <= 160


async def test_activate_without_or_with_a_wrong_pin_opens_nothing(app: App) -> None:
    await set_pin(app, POLICE)
    assert await sms(app, POLICE, "AKTIVER 2") == "malformed AKTIVER"
    assert await sms(app, POLICE, "AKTIVER 2 uro ved torvet") == "malformed AKTIVER"
    assert (await last_reply(app, POLICE)).startswith("Skriv AKTIVER <gruppe> <PIN>")
    assert await sms(app, POLICE, "AKTIVER 2 0000 uro") == "pin: wrong"
    assert await last_reply(app, POLICE) == "Forkert PIN. 4 forsøg tilbage."
    assert await open_incidents(app) == []
    async with app.db.transaction() as tx:
        audit = await tx.audit.list()
    assert [(a.actor, a.action, a.allowed) for a in audit if a.action.startswith("pin.w")] == [
        (POLICE, "pin.wrong", False)
    ]
    assert {r.template for r in await replies_to(app, POLICE)} == {"reply-passive"}


async def test_activate_without_a_pin_set_or_the_role(app: App) -> None:
    assert await sms(app, POLICE, "AKTIVER 2 4711") == "pin: none set"
    assert "Bed sekretariatet" in await last_reply(app, POLICE)
    await set_pin(app, STAFF)
    assert await sms(app, STAFF, "AKTIVER 2 4711") == "activate: refused"
    assert await last_reply(app, STAFF) == (
        "Afvist: din rolle må ikke aktivere Beredskabsgruppe 2. Intet aktiveret."
    )
    assert await sms(app, STAFF, "AKTIVER 7 4711") == "activate: unknown group"
    assert await open_incidents(app) == []
    async with app.db.transaction() as tx:
        refusals = [a for a in await tx.audit.list() if a.action == "activate"]
    assert [(a.actor, a.allowed) for a in refusals] == [(STAFF, False)]


async def test_lockout_refuses_even_the_right_pin_and_tells_the_chief(
    app: App, clock: TestClock
) -> None:
    await set_pin(app, POLICE)
    outcomes = [await sms(app, POLICE, "AKTIVER 2 0000") for _ in range(5)]
    assert outcomes == ["pin: wrong"] * 4 + ["pin: locked now"]
    assert await last_reply(app, POLICE) == (
        "SMS med PIN er låst til 03:15 efter for mange forkerte PIN. "
        "Brug Telegram eller ring til projektchefen."
    )
    assert await sms(app, POLICE, f"AKTIVER 2 {PIN}") == "pin: locked"
    assert await sms(app, POLICE, f"AFSLUT 1 {PIN}") == "close: no incident 1"
    assert await open_incidents(app) == []
    chief = await replies_to(app, CHIEF)
    assert len(chief) == 1 and "Kim Holm" in chief[0].text and chief[0].template == "reply"
    # Only the number is locked: the same person acts on other channels (the use case).
    clock.advance(minutes=15, seconds=1)
    assert (await sms(app, POLICE, f"AKTIVER 2 {PIN} AFVENTER")).startswith("activate: incident")


async def test_a_thousand_wrong_pins_stay_locked_with_one_notice_per_lockout(
    app: App, clock: TestClock
) -> None:
    await set_pin(app, POLICE)
    for _ in range(1000):
        await sms(app, POLICE, "AKTIVER 2 0000")
        clock.advance(seconds=3)  # 50 minutes in all: lockouts of 15, then 30, then 60 min
    async with app.db.transaction() as tx:
        audit = await tx.audit.list(limit=5000)
        lockout = await tx.pins.lockout(phone(app.plan, POLICE))
    actions = [a.action for a in audit]
    assert actions.count("pin.wrong") == 15
    assert actions.count("pin.lockout") == 3
    assert actions.count("pin.locked") == 1000 - 15
    assert not any(a.allowed for a in audit if a.action != "pin.set")
    assert lockout is not None and lockout.level == 2
    assert len(await replies_to(app, CHIEF)) == 3
    # Passive replies to the number stay within the hourly limit.
    assert len(await replies_to(app, POLICE)) == app.settings.security.passive_replies_per_hour
    assert await open_incidents(app) == []


async def test_ok_acknowledges_the_latest_open_request_to_that_number(app: App) -> None:
    first = await activate(app, "1", CHIEF)
    second = await activate(app, "2", POLICE)
    assert await sms(app, SSP, "OK") == f"ack: incident {second}"
    assert await last_reply(app, SSP) == f"Bekræftet: hændelse {second}."
    assert await sms(app, SSP, "ok.") == f"ack: incident {first}"
    assert await sms(app, SSP, "OK") == "ack: nothing open"
    assert await last_reply(app, SSP) == "Der er intet at bekræfte fra dette nummer lige nu."
    assert await sms(app, SSP, f"OK {second}") == "ack: unchanged"
    assert await last_reply(app, SSP) == (
        f"Intet ændret: din status for hændelse {second} er bekræftet."
    )
    async with app.db.transaction() as tx:
        for nr in (first, second):
            row = await tx.incidents.confirmation(nr, SSP)
            assert row is not None and row.status is ConfirmationStatus.CONFIRMED
            assert row.via == "sms"


async def test_ok_with_a_code_acts_only_on_what_was_sent_to_that_number(app: App) -> None:
    first = await activate(app, "1", CHIEF)
    second = await activate(app, "2", POLICE)
    assert await sms(app, POLICE_DESK, f"OK {first}") == f"ack: incident {first} not sent here"
    assert await last_reply(app, POLICE_DESK) == (
        f"Hændelse {first} har ikke bedt dette nummer om svar. Intet registreret."
    )
    assert await sms(app, POLICE_DESK, "OK 99") == "ack: incident 99 not sent here"
    async with app.db.transaction() as tx:
        assert await tx.incidents.confirmation(first, POLICE_DESK) is None
        assert [a for a in await tx.audit.list() if a.actor == POLICE_DESK] == []
    assert await sms(app, POLICE_DESK, f"OK #{second}") == f"ack: incident {second}"
    # Someone never asked has nothing to confirm.
    assert await sms(app, NO_ROLE, "OK") == "ack: nothing open"


async def test_decline_asks_the_deputy_at_once(app: App, plan: Plan) -> None:
    nr = await activate(app)
    person = plan.directory.person(CHIEF)
    deputy = plan.directory.person(person.deputy if person and person.deputy else "")
    assert deputy is not None
    assert await sms(app, CHIEF, "KAN IKKE") == f"decline: incident {nr}, deputy {deputy.id} asked"
    assert await last_reply(app, CHIEF) == (
        f"Noteret: du kan ikke deltage i hændelse {nr}. Din stedfortræder {deputy.name} "
        "er bedt om at tage over."
    )
    async with app.db.transaction() as tx:
        row = await tx.incidents.confirmation(nr, CHIEF)
        asked = await tx.incidents.confirmation(nr, deputy.id)
    assert row is not None and row.status is ConfirmationStatus.DECLINED
    assert asked is not None and asked.reason == f"deputy:{CHIEF}"
    assert await sms(app, CHIEF, "NEJ") == "decline: nothing open"
    # SSP's deputy (Omar) is a participant himself: the SSP role's deputy stands in.
    assert await sms(app, SSP, f"nej {nr}") == f"decline: incident {nr}, deputy lise-krogh asked"
    assert await last_reply(app, SSP) == (
        f"Noteret: du kan ikke deltage i hændelse {nr}. Din stedfortræder Lise Krogh "
        "er bedt om at tage over."
    )
    # Omar's deputy (Sara) has declined and Lise stands in for her: nobody new is asked.
    assert await sms(app, "omar-nielsen", f"nej {nr}") == f"decline: incident {nr}"
    assert await last_reply(app, "omar-nielsen") == f"Noteret: du kan ikke deltage i hændelse {nr}."


async def test_status_with_and_without_number(app: App) -> None:
    assert await sms(app, SSP, "STATUS") == "status: no open incident"
    assert await last_reply(app, SSP) == "Ingen aktive hændelser."
    nr = await activate(app)
    await sms(app, SSP, "OK")
    assert await sms(app, SSP, "status") == f"status: incident {nr}"
    text = await last_reply(app, SSP)
    async with app.db.transaction() as tx:
        asked = len(await tx.incidents.confirmations(nr))
        step_count = len(await tx.steps.list(nr))
    assert text == (
        f"Hændelse {nr} (Beredskabsgruppe 2) aktiv. Zone: hele området, Journalnr.: 3700-1. "
        f"Bekræftet 2/{asked}, kan ikke 0. "
        f"Trin 0/{step_count}. Opgaver udført 0/0."
    )
    assert len(text) <= 160
    assert await sms(app, SSP, f"STATUS {nr}") == f"status: incident {nr}"
    assert await sms(app, SSP, "STATUS 99") == "status: no incident 99"
    assert await last_reply(app, SSP) == "Hændelse 99 findes ikke."


async def test_log_adds_an_entry_or_is_refused(app: App) -> None:
    nr = await activate(app)
    outcome = await sms(app, SSP, "LOG Politiet er ankommet.")
    async with app.db.transaction() as tx:
        entry = (await tx.log.list(nr))[-1]
    assert outcome == f"log: incident {nr} entry {entry.seq}"
    assert (entry.kind, entry.actor, entry.text) == (
        EntryKind.NOTE,
        SSP,
        "Politiet er ankommet.",
    )
    assert await last_reply(app, SSP) == f"Logført i hændelse {nr} (post {entry.seq})."
    assert await sms(app, NO_ROLE, "LOG jeg har hørt noget") == "log: refused"
    assert await last_reply(app, NO_ROLE) == (
        f"Afvist: du deltager ikke i hændelse {nr} og kan ikke skrive i loggen."
    )
    async with app.db.transaction() as tx:
        assert (await tx.log.list(nr))[-1] == entry


async def test_task_accept_done_and_decline(app: App) -> None:
    nr = await activate(app)
    await steps.finish(
        db=app.db,
        plan=app.plan,
        incident_id=nr,
        step_ref="opsoegende-kontakt",
        actor_id=CHIEF,
        channel="cli",
    )
    async with app.db.transaction() as tx:
        all_tasks = await tx.tasks.list(nr)
    danish = [
        t
        for t in all_tasks
        if getattr(app.plan.directory.person(t.assignee), "language", "") == "da"
    ]
    first, second = danish[0], danish[1]
    me = first.assignee
    assert await sms(app, me, f"OPGAVE {first.number} OK") == (
        f"task {first.number} of incident {nr}: accepted"
    )
    assert await last_reply(app, me) == (
        f"Opgave {first.number} ({first.target_name}), hændelse {nr}: påtaget."
    )
    assert await sms(app, me, f"opgave {first.number} ok") == (
        f"task {first.number} of incident {nr}: accepted"
    )
    assert await last_reply(app, me) == f"Opgave {first.number} var allerede påtaget; intet ændret."
    await sms(app, me, f"OPGAVE {first.number} UDFØRT Talt med formanden")
    await sms(app, second.assignee, f"TASK {second.number} NO syg")
    async with app.db.transaction() as tx:
        done = await tx.tasks.get(nr, first.number)
        declined = await tx.tasks.get(nr, second.number)
    assert done is not None and done.status is TaskStatus.DONE
    assert done.outcome == "Talt med formanden"
    assert declined is not None and declined.status is TaskStatus.ASSIGNED  # offered on
    assert declined.decliners == (second.assignee,) and declined.assignee != second.assignee
    assert await last_reply(app, second.assignee) == (
        f"Opgave {second.number} ({second.target_name}), hændelse {nr}: afvist."
    )
    assert await sms(app, me, "OPGAVE 999 OK") == "task: not found"
    assert await sms(app, me, "OPGAVE x") == "malformed OPGAVE"
    assert (await last_reply(app, me)).startswith("Skriv OPGAVE <nr> OK")


async def test_close_needs_the_pin(app: App) -> None:
    nr = await activate(app)
    await set_pin(app, CHIEF, "8642")
    assert await sms(app, CHIEF, f"AFSLUT {nr} 1111") == "pin: wrong"
    assert await open_incidents(app) == [nr]
    assert await sms(app, CHIEF, f"AFSLUT {nr}") == "malformed AFSLUT"
    assert await sms(app, CHIEF, f"afslut {nr} 8642") == f"close: incident {nr} closed"
    text = await last_reply(app, CHIEF)
    assert text.startswith(f"Hændelse {nr} er afblæst.")
    async with app.db.transaction() as tx:
        incident = await tx.incidents.get(nr)
    assert incident is not None and incident.status is IncidentStatus.CLOSED
    assert incident.closed_by == CHIEF
    assert await sms(app, CHIEF, f"AFSLUT {nr} 8642") == f"close: incident {nr} already closed"


async def test_close_by_someone_without_the_role_is_refused(app: App) -> None:
    nr = await activate(app)
    await set_pin(app, SSP)
    assert await sms(app, SSP, f"AFSLUT {nr} {PIN}") == "close: refused"
    assert await last_reply(app, SSP) == f"Afvist: din rolle må ikke afblæse hændelse {nr}."
    assert await open_incidents(app) == [nr]


async def test_help_unknown_and_english(app: App) -> None:
    assert await sms(app, SSP, "HJÆLP") == "help"
    assert (await last_reply(app, SSP)).startswith("AKTIVER <gruppe> <PIN>")
    assert await sms(app, SSP, "Hej Maria") == "unknown command"
    assert await last_reply(app, SSP) == "Ukendt kommando. Skriv HJÆLP for at se kommandoerne."
    assert await sms(app, ENGLISH, "help") == "help"
    assert (await last_reply(app, ENGLISH)).startswith("ACTIVATE <group> <PIN>")
    assert await sms(app, ENGLISH, "STATUS") == "status: no open incident"
    assert await last_reply(app, ENGLISH) == "No active incidents."
    assert all(len(r.text) <= 160 for r in await replies_to(app, SSP))


async def test_passive_replies_are_limited_per_number(app: App, clock: TestClock) -> None:
    limit = app.settings.security.passive_replies_per_hour
    outcomes = [await sms(app, SSP, "HJÆLP") for _ in range(limit + 2)]
    assert outcomes == ["help"] * limit + ["help (reply suppressed: passive limit)"] * 2
    assert len(await replies_to(app, SSP)) == limit
    # Another number has its own budget, and the limit is per hour.
    assert await sms(app, STAFF, "HJÆLP") == "help"
    clock.advance(hours=1, seconds=1)
    assert await sms(app, SSP, "HJÆLP") == "help"
    # Replies that report a change are never suppressed.
    nr = await activate(app)
    assert await sms(app, SSP, "OK") == f"ack: incident {nr}"
    assert await last_reply(app, SSP) == f"Bekræftet: hændelse {nr}."


async def test_replies_are_delivered_by_the_outbox(app: App, tmp_path: Path) -> None:
    nr = await activate(app)
    await sms(app, SSP, "OK")
    await app.outbox.drain()
    lines = [json.loads(line) for line in app.settings.outbox_file.read_text().splitlines()]
    to_ssp = [line for line in lines if phone(app.plan, SSP) in json.dumps(line)]
    assert any(
        f"Bekræftet: hændelse {nr}." in json.dumps(line, ensure_ascii=False) for line in to_ssp
    )
    rows = await replies_to(app, SSP)
    assert [r.status.value for r in rows] == ["delivered"]  # the console channel delivers at once


async def test_closed_incident_leaves_nothing_to_confirm(app: App) -> None:
    nr = await activate(app)
    await standdown.close(db=app.db, plan=app.plan, incident_id=nr, actor_id=CHIEF, channel="cli")
    assert await sms(app, SSP, "OK") == "ack: nothing open"
    assert await sms(app, SSP, f"OK {nr}") == f"ack: incident {nr} closed"
    assert await last_reply(app, SSP) == f"Hændelse {nr} er allerede afblæst."
    async with app.db.transaction() as tx:
        row = await tx.incidents.confirmation(nr, SSP)
    assert row is not None and row.status is ConfirmationStatus.PENDING
