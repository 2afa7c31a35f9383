"""Activation: authorisation, one open incident per playbook, notifications, upgrade."""

from __future__ import annotations

import asyncio

import pytest

from beredskab.errors import InvalidStateError, NotAuthorisedError, NotFoundError
from beredskab.incident import activation
from beredskab.models import ConfirmationStatus, EntryKind, StepStatus
from beredskab.plan import Plan
from beredskab.storage import Database
from tests.beredskab.helpers import CHIEF, POLICE, SSP, deliveries, expected_channels


async def test_group2_by_police_notifies_every_participant_on_every_channel(
    db: Database, plan: Plan
) -> None:
    result = await activation.activate(
        db=db,
        plan=plan,
        playbook="gruppe-2",
        actor_id=POLICE,
        channel="cli",
        description="Skud ved Korskærparken",
        zone=2,
        police_case="3700-1",
    )
    assert not result.joined
    playbook = plan.playbook("gruppe-2")
    assert playbook is not None
    participants = [p.id for p in plan.directory.with_any_role(playbook.participants)]
    rows = await deliveries(db, result.incident.id)
    activation_rows = {(d.person_id, d.channel.value) for d in rows if d.template == "activation"}
    others = [p for p in participants if p != POLICE]
    # everyone else on every channel, asked to reply; the activator gets one receipt
    assert activation_rows - {(POLICE, "sms")} == expected_channels(plan, others)
    receipt = [d for d in rows if d.person_id == POLICE]
    assert len(receipt) == 1 and receipt[0].actions == "" and "ikke svare" in receipt[0].text
    assert "Svar OK" not in receipt[0].short_text
    assert result.participants == len(participants)
    assert all("Skud" not in d.short_text or len(d.short_text) <= 160 for d in rows)
    async with db.transaction() as tx:
        confirmations = {
            c.person_id: c for c in await tx.incidents.confirmations(result.incident.id)
        }
        log = await tx.log.list(result.incident.id)
        steps = await tx.steps.list(result.incident.id)
    assert confirmations[POLICE].status is ConfirmationStatus.CONFIRMED  # the activator
    assert confirmations[SSP].status is ConfirmationStatus.PENDING
    assert log[0].kind is EntryKind.ACTIVATED and "3700-1" in log[0].text
    assert result.incident.plan_version == plan.version
    assert [s.status for s in steps][:2] == [StepStatus.ACTIVE, StepStatus.PENDING]


@pytest.mark.parametrize(
    ("playbook", "actor"),
    [("gruppe-2", SSP), ("gruppe-2", "amira-hassan"), ("gruppe-1", "kim-holm")],
)
async def test_activation_by_someone_without_the_role_is_refused_and_audited(
    db: Database, plan: Plan, playbook: str, actor: str
) -> None:
    with pytest.raises(NotAuthorisedError, match="may not activate"):
        await activation.activate(
            db=db, plan=plan, playbook=playbook, actor_id=actor, channel="cli"
        )
    async with db.transaction() as tx:
        assert await tx.incidents.recent() == []
        audit = await tx.audit.list()
    assert [(a.actor, a.action, a.allowed) for a in audit] == [(actor, "activate", False)]


async def test_unknown_person_and_playbook_get_clear_errors(db: Database, plan: Plan) -> None:
    with pytest.raises(NotFoundError, match="not in the contact directory"):
        await activation.activate(db=db, plan=plan, playbook="2", actor_id="nobody", channel="cli")
    with pytest.raises(NotFoundError, match="choose one of: gruppe-1"):
        await activation.activate(db=db, plan=plan, playbook="9", actor_id=POLICE, channel="cli")


async def test_second_activation_joins_the_open_incident(db: Database, plan: Plan) -> None:
    first = await activation.activate(
        db=db, plan=plan, playbook="2", actor_id=POLICE, channel="sms", police_case="3700-9"
    )
    again = await activation.activate(
        db=db, plan=plan, playbook="gruppe-2", actor_id=CHIEF, channel="cli"
    )
    assert again.joined and again.incident.id == first.incident.id
    assert again.messages == 0
    async with db.transaction() as tx:
        log = await tx.log.list(first.incident.id)
        chief = await tx.incidents.confirmation(first.incident.id, CHIEF)
        sweeps = [t for t in await tx.timers.for_incident(first.incident.id) if t.kind == "sweep"]
    assert log[-1].kind is EntryKind.JOINED and "Maria Friis" in log[-1].text
    # joining by activating again confirms: the escalation sweep finds nothing to do for her
    assert chief is not None and chief.status is ConfirmationStatus.CONFIRMED
    assert len(sweeps) == 1


async def test_simultaneous_activations_create_exactly_one_incident(
    db_url: str, plan: Plan
) -> None:
    # Separate engines, as two service instances would have.
    dbs = [Database(db_url) for _ in range(2)]
    await dbs[0].upgrade()
    try:
        results = await asyncio.gather(
            *(
                activation.activate(
                    db=d, plan=plan, playbook="2", actor_id=actor, channel="cli", police_case="1"
                )
                for d, actor in zip(dbs * 3, [POLICE, CHIEF] * 3, strict=True)
            )
        )
        assert len({r.incident.id for r in results}) == 1
        assert sum(not r.joined for r in results) == 1
        async with dbs[0].transaction() as tx:
            assert len(await tx.incidents.recent()) == 1
    finally:
        for d in dbs:
            await d.dispose()


async def test_closed_playbook_can_be_activated_again(db: Database, plan: Plan) -> None:
    from beredskab.incident import standdown

    first = await activation.activate(db=db, plan=plan, playbook="1", actor_id=CHIEF, channel="cli")
    await standdown.close(
        db=db, plan=plan, incident_id=first.incident.id, actor_id=CHIEF, channel="cli"
    )
    second = await activation.activate(
        db=db, plan=plan, playbook="1", actor_id=CHIEF, channel="cli"
    )
    assert not second.joined and second.incident.id != first.incident.id


async def test_drill_prefixes_every_message(db: Database, plan: Plan) -> None:
    result = await activation.activate(
        db=db, plan=plan, playbook="1", actor_id=CHIEF, channel="cli", drill=True
    )
    rows = await deliveries(db, result.incident.id)
    assert rows and all(
        d.subject.startswith("ØVELSE")
        and d.text.startswith("ØVELSE")
        and d.short_text.startswith("ØVELSE")
        for d in rows
    )


async def test_upgrade_group1_to_group2_adds_police_participants(db: Database, plan: Plan) -> None:
    first = await activation.activate(db=db, plan=plan, playbook="1", actor_id=CHIEF, channel="cli")
    upgraded = await activation.upgrade(
        db=db,
        plan=plan,
        incident_id=first.incident.id,
        to_playbook="2",
        actor_id=CHIEF,
        channel="cli",
        police_case="3700-2",
    )
    assert upgraded.incident.playbook_id == "gruppe-2"
    assert upgraded.incident.police_case == "3700-2"
    rows = await deliveries(db, first.incident.id)
    assert {d.person_id for d in rows if d.template == "activation"} >= {POLICE}
    async with db.transaction() as tx:
        assert (await tx.incidents.open_for_playbook("gruppe-1", drill=False)) is None
        log = await tx.log.list(first.incident.id)
    assert any(e.kind is EntryKind.UPGRADED for e in log)
    with pytest.raises(InvalidStateError, match="already runs gruppe-2"):
        await activation.upgrade(
            db=db,
            plan=plan,
            incident_id=first.incident.id,
            to_playbook="2",
            actor_id=POLICE,
            channel="cli",
            police_case="3700-2",
        )


async def test_upgrade_needs_a_group2_activator(db: Database, plan: Plan) -> None:
    first = await activation.activate(db=db, plan=plan, playbook="1", actor_id=SSP, channel="cli")
    with pytest.raises(NotAuthorisedError):
        await activation.upgrade(
            db=db,
            plan=plan,
            incident_id=first.incident.id,
            to_playbook="2",
            actor_id=SSP,
            channel="cli",
            police_case="3700-3",
        )
