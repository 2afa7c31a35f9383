"""Crisis communication: draft from a template, the leader approves, send to one group once."""

from __future__ import annotations

import pytest

from beredskab import communications
from beredskab.errors import InvalidStateError, NotAuthorisedError, NotFoundError
from beredskab.incident import activation, standdown
from beredskab.models import EntryKind
from beredskab.plan import Plan
from beredskab.storage import Database
from beredskab.storage.repositories.communications import CommunicationStatus
from notifier.types import ChannelKind
from playbooks.schema import TemplateKind
from tests.beredskab.helpers import CHIEF, SSP, STAFF, deliveries

SECRETARIAT_LEADER = "karen-hald"


async def _incident(db: Database, plan: Plan, *, zone: int | None = 1, drill: bool = False) -> int:
    result = await activation.activate(
        db=db,
        plan=plan,
        playbook="1",
        actor_id=CHIEF,
        channel="cli",
        description="Brand i opgang 3",
        zone=zone,
        drill=drill,
    )
    return result.incident.id


async def _approve(db: Database, plan: Plan, nr: int, cid: int) -> None:
    await communications.approve(
        db=db, plan=plan, incident_id=nr, communication_id=cid, actor_id=CHIEF, channel="web"
    )


async def _send(db: Database, plan: Plan, nr: int, cid: int, actor: str) -> None:
    await communications.send(
        db=db, plan=plan, incident_id=nr, communication_id=cid, actor_id=actor, channel="web"
    )


async def _approved(db: Database, plan: Plan, nr: int, audience: str) -> int:
    item = await communications.draft(
        db=db, plan=plan, incident_id=nr, actor_id=STAFF, channel="web", audience=audience
    )
    await communications.approve(
        db=db, plan=plan, incident_id=nr, communication_id=item.id, actor_id=CHIEF, channel="web"
    )
    return item.id


async def test_a_draft_is_the_template_filled_with_the_incidents_values(
    db: Database, plan: Plan
) -> None:
    nr = await _incident(db, plan)
    item = await communications.draft(
        db=db, plan=plan, incident_id=nr, actor_id=STAFF, channel="web", audience="partners"
    )
    assert item.status is CommunicationStatus.DRAFT
    assert item.template == TemplateKind.PARTNER_INFORMATION.value
    assert item.subject == "Orientering til samarbejdspartnere: Brand i opgang 3"
    assert "Beredskabsgruppe 1 er aktiveret" in item.text and "zone 1" in item.text
    assert "{" not in item.subject + item.text
    async with db.transaction() as tx:
        last = (await tx.log.list(nr))[-1]
    assert last.actor == STAFF and "udkast" in last.text and "samarbejdspartnerne" in last.text


async def test_a_drill_draft_and_its_messages_say_ovelse(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan, drill=True)
    item = await communications.draft(
        db=db, plan=plan, incident_id=nr, actor_id=STAFF, channel="web", audience="board"
    )
    assert item.subject.startswith("ØVELSE: ") and item.text.startswith("ØVELSE: ")
    # An edit that drops the marking does not send an unmarked drill message.
    await communications.edit(
        db=db,
        plan=plan,
        incident_id=nr,
        communication_id=item.id,
        actor_id=STAFF,
        channel="web",
        subject="Orientering",
        text="Ingen fare for beboerne.",
    )
    await communications.approve(
        db=db, plan=plan, incident_id=nr, communication_id=item.id, actor_id=CHIEF, channel="web"
    )
    await communications.send(
        db=db, plan=plan, incident_id=nr, communication_id=item.id, actor_id=CHIEF, channel="web"
    )
    sent = [d for d in await deliveries(db, nr) if d.notification.startswith(f"{nr}:c{item.id}:")]
    assert sent
    for row in sent:
        assert row.subject == "ØVELSE: Orientering"
        assert row.text == row.short_text == "ØVELSE: Ingen fare for beboerne."


async def test_only_the_leader_approves_and_a_refusal_is_audited(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    item = await communications.draft(
        db=db, plan=plan, incident_id=nr, actor_id=STAFF, channel="web", audience="board"
    )
    for person in (STAFF, SECRETARIAT_LEADER, SSP):
        with pytest.raises(NotAuthorisedError):
            await communications.approve(
                db=db,
                plan=plan,
                incident_id=nr,
                communication_id=item.id,
                actor_id=person,
                channel="web",
            )
    async with db.transaction() as tx:
        refused = [a for a in await tx.audit.list(incident_id=nr) if not a.allowed]
        still = await tx.communications.get(item.id)
    assert [(a.actor, a.action) for a in refused] == [
        (STAFF, "communication.approve"),
        (SECRETARIAT_LEADER, "communication.approve"),
        (SSP, "communication.approve"),
    ]
    assert still is not None and still.status is CommunicationStatus.DRAFT
    approved = await communications.approve(
        db=db, plan=plan, incident_id=nr, communication_id=item.id, actor_id=CHIEF, channel="web"
    )
    assert approved.status is CommunicationStatus.APPROVED and approved.approved_by == CHIEF
    async with db.transaction() as tx:
        last = (await tx.log.list(nr))[-1]
    assert last.kind is EntryKind.DECISION and "godkendt af Maria Friis" in last.text


async def test_people_outside_the_plans_roles_cannot_draft(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    with pytest.raises(NotAuthorisedError):
        await communications.draft(
            db=db, plan=plan, incident_id=nr, actor_id=SSP, channel="web", audience="board"
        )
    with pytest.raises(NotFoundError):
        await communications.draft(
            db=db, plan=plan, incident_id=nr, actor_id=STAFF, channel="web", audience="tv"
        )


async def test_only_a_draft_is_edited_and_an_edit_is_checked(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    item = await communications.draft(
        db=db, plan=plan, incident_id=nr, actor_id=STAFF, channel="web", audience="operations"
    )

    async def edit(text: str) -> None:
        await communications.edit(
            db=db,
            plan=plan,
            incident_id=nr,
            communication_id=item.id,
            actor_id=STAFF,
            channel="web",
            subject="Vandskade i opgang 3",
            text=text,
        )

    await edit("Der er lukket for vandet i opgang 3 til kl. 14.")
    with pytest.raises(InvalidStateError):
        await edit("")
    with pytest.raises(InvalidStateError):
        await edit("x" * (communications.MAX_TEXT + 1))
    await communications.approve(
        db=db, plan=plan, incident_id=nr, communication_id=item.id, actor_id=CHIEF, channel="web"
    )
    with pytest.raises(InvalidStateError):
        await edit("Ændret efter godkendelse")
    async with db.transaction() as tx:
        stored = await tx.communications.get(item.id)
    assert stored is not None
    assert stored.text == "Der er lukket for vandet i opgang 3 til kl. 14."


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ("board", {"birgit-dahl", "anders-bak", "nadia-frost", "peter-skov", "hanne-vind"}),
        ("operations", {"varmemester-zone-1"}),
        (
            "partners",
            {"partner-zone-1", "partner-boligorganisationer", "partner-kommune"},
        ),
    ],
)
async def test_sending_reaches_the_group_once_by_email_or_the_channel_they_have(
    db: Database, plan: Plan, audience: str, expected: set[str]
) -> None:
    nr = await _incident(db, plan, zone=1)
    cid = await _approved(db, plan, nr, audience)
    result = await communications.send(
        db=db, plan=plan, incident_id=nr, communication_id=cid, actor_id=STAFF, channel="web"
    )
    assert result.communication.status is CommunicationStatus.SENT
    assert result.communication.recipients == len(expected)
    rows = [d for d in await deliveries(db, nr) if d.notification.startswith(f"{nr}:c{cid}:")]
    assert {d.person_id for d in rows} == expected
    for row in rows:
        person = plan.directory.person(row.person_id)
        target = plan.directory.target(row.person_id)
        email = person.email if person else target.email if target else None
        assert row.channel is (ChannelKind.EMAIL if email else ChannelKind.SMS)
        assert row.policy == "fallback" and row.text == result.communication.text
    async with db.transaction() as tx:
        last = (await tx.log.list(nr))[-1]
    assert f"sendt til {communications.AUDIENCES[audience].name}" in last.text
    noun = "modtager" if len(expected) == 1 else "modtagere"
    assert f" {len(expected)} {noun} (" in last.text
    with pytest.raises(InvalidStateError):
        await communications.send(
            db=db, plan=plan, incident_id=nr, communication_id=cid, actor_id=STAFF, channel="web"
        )
    again = [d for d in await deliveries(db, nr) if d.notification.startswith(f"{nr}:c{cid}:")]
    assert len(again) == len(rows)


async def test_a_draft_is_not_sent_and_a_closed_incident_sends_nothing(
    db: Database, plan: Plan
) -> None:
    nr = await _incident(db, plan)
    item = await communications.draft(
        db=db, plan=plan, incident_id=nr, actor_id=STAFF, channel="web", audience="board"
    )
    with pytest.raises(InvalidStateError):
        await communications.send(
            db=db,
            plan=plan,
            incident_id=nr,
            communication_id=item.id,
            actor_id=CHIEF,
            channel="web",
        )
    await communications.approve(
        db=db, plan=plan, incident_id=nr, communication_id=item.id, actor_id=CHIEF, channel="web"
    )
    await standdown.close(db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")
    with pytest.raises(InvalidStateError):
        await communications.send(
            db=db,
            plan=plan,
            incident_id=nr,
            communication_id=item.id,
            actor_id=CHIEF,
            channel="web",
        )


async def test_a_discarded_draft_can_no_longer_be_approved(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    item = await communications.draft(
        db=db, plan=plan, incident_id=nr, actor_id=STAFF, channel="web", audience="board"
    )
    gone = await communications.discard(
        db=db, plan=plan, incident_id=nr, communication_id=item.id, actor_id=STAFF, channel="web"
    )
    assert gone.status is CommunicationStatus.DISCARDED
    with pytest.raises(InvalidStateError):
        await communications.approve(
            db=db,
            plan=plan,
            incident_id=nr,
            communication_id=item.id,
            actor_id=CHIEF,
            channel="web",
        )
