"""The communications repository: drafts, status changes that happen once, listing by status."""

from __future__ import annotations

from beredskab.incident import activation
from beredskab.plan import Plan
from beredskab.storage import Database
from beredskab.storage.repositories.communications import CommunicationStatus
from tests.beredskab.helpers import CHIEF, POLICE


async def test_a_draft_is_approved_and_sent_once(db: Database, plan: Plan) -> None:
    nr = (
        await activation.activate(
            db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli", police_case="3700-1"
        )
    ).incident.id
    async with db.transaction() as tx:
        draft = await tx.communications.add(
            incident_id=nr,
            audience="board",
            template="board_orientation",
            subject="Orientering",
            text="Uro i området.",
            drafted_by=CHIEF,
            now=tx.now,
        )
        other = await tx.communications.add(
            incident_id=nr,
            audience="partners",
            template="partner_information",
            subject="Til partnere",
            text="Kladde.",
            drafted_by=CHIEF,
            now=tx.now,
        )
    assert draft.status is CommunicationStatus.DRAFT and draft.drafted_at is not None
    assert draft.approved_by is None and draft.sent_at is None and draft.recipients is None
    async with db.transaction() as tx:
        approve = {"approved_by": CHIEF, "approved_at": tx.now}
        first = await tx.communications.set_status(
            draft.id, CommunicationStatus.APPROVED, expect=CommunicationStatus.DRAFT, **approve
        )
        again = await tx.communications.set_status(
            draft.id, CommunicationStatus.APPROVED, expect=CommunicationStatus.DRAFT, **approve
        )
        await tx.communications.set_status(
            draft.id, CommunicationStatus.SENT, sent_at=tx.now, recipients=4
        )
        await tx.communications.update(other.id, text="Rettet kladde.")
    assert (first, again) == (True, False)
    async with db.transaction() as tx:
        sent = await tx.communications.list(nr, status=CommunicationStatus.SENT)
        everything = await tx.communications.list(nr)
        edited = await tx.communications.get(other.id)
        missing = await tx.communications.get(other.id + 100)
    assert [(c.id, c.approved_by, c.recipients) for c in sent] == [(draft.id, CHIEF, 4)]
    assert sent[0].sent_at is not None and sent[0].sent_at.tzinfo is not None
    assert [c.id for c in everything] == [draft.id, other.id]
    assert edited is not None and edited.text == "Rettet kladde." and missing is None
