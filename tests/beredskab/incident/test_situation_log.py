"""The situation log: append-only, hash-chained, corrections as new entries."""

from __future__ import annotations

import pytest

from beredskab.errors import NotAuthorisedError, NotFoundError
from beredskab.incident import activation, situation_log
from beredskab.models import EntryKind
from beredskab.plan import Plan
from beredskab.storage import Database
from tests.beredskab.helpers import CHIEF, POLICE, SSP


async def test_notes_chain_and_verify(db: Database, plan: Plan) -> None:
    nr = (
        await activation.activate(
            db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli", police_case="3700-1"
        )
    ).incident.id
    note = await situation_log.add_entry(
        db=db,
        plan=plan,
        incident_id=nr,
        actor_id=SSP,
        text="Unge samlet ved p-pladsen",
        channel="cli",
    )
    secret = await situation_log.add_entry(
        db=db,
        plan=plan,
        incident_id=nr,
        actor_id=CHIEF,
        text="Navn på mistænkt kendt",
        channel="cli",
        kind=EntryKind.DECISION,
        sensitive=True,
    )
    fix = await situation_log.add_entry(
        db=db,
        plan=plan,
        incident_id=nr,
        actor_id=SSP,
        text="Det var ved skolen, ikke p-pladsen",
        channel="cli",
        corrects=note.seq,
    )
    assert fix.kind is EntryKind.CORRECTION and fix.corrects == note.seq
    async with db.transaction() as tx:
        entries = await tx.log.list(nr)
        public = await tx.log.list(nr, include_sensitive=False)
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert secret.seq not in {e.seq for e in public}
    assert situation_log.verify(entries).ok
    # Any alteration, removal or reordering breaks the chain at that entry.
    altered = [e.model_copy(update={"text": "ændret"}) if e.seq == note.seq else e for e in entries]
    assert situation_log.verify(altered).first_bad_seq == note.seq
    removed = [e for e in entries if e.seq != note.seq]
    assert not situation_log.verify(removed).ok


async def test_correction_must_point_at_an_existing_entry(db: Database, plan: Plan) -> None:
    nr = (
        await activation.activate(
            db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli", police_case="3700-1"
        )
    ).incident.id
    with pytest.raises(NotFoundError, match="log entry 999"):
        await situation_log.add_entry(
            db=db, plan=plan, incident_id=nr, actor_id=SSP, text="x", channel="cli", corrects=999
        )


async def test_a_correction_names_the_entry_it_corrects(db: Database, plan: Plan) -> None:
    nr = (
        await activation.activate(
            db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli", police_case="3700-1"
        )
    ).incident.id
    async with db.transaction() as tx:
        before = len(await tx.log.list(nr))
    with pytest.raises(situation_log.UncitedCorrectionError, match="names the entry"):
        await situation_log.add_entry(
            db=db,
            plan=plan,
            incident_id=nr,
            actor_id=SSP,
            text="Det var ved skolen",
            channel="cli",
            kind=EntryKind.CORRECTION,
        )
    async with db.transaction() as tx:
        assert len(await tx.log.list(nr)) == before  # nothing written, nothing half-done


async def test_outsider_cannot_write_and_is_audited(db: Database, plan: Plan) -> None:
    nr = (
        await activation.activate(
            db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli", police_case="3700-1"
        )
    ).incident.id
    with pytest.raises(NotAuthorisedError):
        await situation_log.add_entry(
            db=db, plan=plan, incident_id=nr, actor_id="lise-krogh", text="hej", channel="cli"
        )
    async with db.transaction() as tx:
        refused = [a for a in await tx.audit.list(incident_id=nr) if not a.allowed]
    assert [a.actor for a in refused] == ["lise-krogh"]
