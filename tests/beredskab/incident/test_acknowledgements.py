"""Acknowledgements: idempotent, audited, declines go to the deputy."""

from __future__ import annotations

import pytest

from beredskab.errors import InvalidStateError, NotFoundError
from beredskab.incident import acknowledgements, activation, standdown
from beredskab.models import ConfirmationStatus, EntryKind
from beredskab.plan import Plan
from beredskab.storage import Database
from tests.beredskab.helpers import CHIEF, POLICE, SSP, deliveries


async def _incident(db: Database, plan: Plan) -> int:
    result = await activation.activate(
        db=db, plan=plan, playbook="2", actor_id=POLICE, channel="sms", police_case="3700-1"
    )
    return result.incident.id


async def test_ack_is_recorded_once_however_often_it_arrives(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    first = await acknowledgements.record(
        db=db, plan=plan, incident_id=nr, person_id=SSP, via="sms"
    )
    again = await acknowledgements.record(
        db=db, plan=plan, incident_id=nr, person_id=SSP, via="telegram"
    )
    assert first.changed and not again.changed
    assert again.confirmation.status is ConfirmationStatus.CONFIRMED
    assert again.confirmation.via == "sms"
    async with db.transaction() as tx:
        log = await tx.log.list(nr)
        audit = await tx.audit.list(incident_id=nr)
    assert [e.text for e in log if e.kind is EntryKind.CONFIRMED] == [
        "Sara Lund bekræftede via sms."
    ]
    assert [(a.actor, a.action) for a in audit if a.action == "ack"] == [(SSP, "ack")]


async def test_person_not_asked_cannot_ack(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    with pytest.raises(NotFoundError, match="was not asked to confirm"):
        await acknowledgements.record(
            db=db, plan=plan, incident_id=nr, person_id="rasmus-toft", via="sms"
        )


async def test_decline_asks_the_deputy_at_once(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    person = plan.directory.person(CHIEF)
    assert person is not None and person.deputy
    result = await acknowledgements.record(
        db=db, plan=plan, incident_id=nr, person_id=CHIEF, via="cli", decline=True
    )
    assert result.deputy == person.deputy
    assert result.confirmation.status is ConfirmationStatus.DECLINED
    rows = await deliveries(db, nr)
    assert {
        d.channel.value for d in rows if d.person_id == person.deputy and d.template == "activation"
    }
    async with db.transaction() as tx:
        deputy_row = await tx.incidents.confirmation(nr, person.deputy)
    assert deputy_row is not None and deputy_row.reason == f"deputy:{CHIEF}"
    # Changing one's mind later still counts as confirmed.
    later = await acknowledgements.record(
        db=db, plan=plan, incident_id=nr, person_id=CHIEF, via="cli"
    )
    assert later.changed and later.confirmation.status is ConfirmationStatus.CONFIRMED


async def test_closed_incident_takes_no_acks(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    await standdown.close(db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")
    with pytest.raises(InvalidStateError, match="closed"):
        await acknowledgements.record(db=db, plan=plan, incident_id=nr, person_id=SSP, via="sms")


async def test_the_deputys_alert_names_the_activator(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    person = plan.directory.person(CHIEF)
    assert person is not None and person.deputy
    await acknowledgements.record(
        db=db, plan=plan, incident_id=nr, person_id=CHIEF, via="cli", decline=True
    )
    alerts = [
        d
        for d in await deliveries(db, nr)
        if d.person_id == person.deputy and d.channel.value == "email"
    ]
    assert alerts and all("Kim Holm" in d.text and POLICE not in d.text for d in alerts)
