"""The public notice page's use cases: publish at approval (the leader, resident texts, no
personal data, never a drill), withdraw, and the all-clear at the stand-down."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from beredskab import communications
from beredskab.communications import notices
from beredskab.errors import InvalidStateError, NotAuthorisedError, NotFoundError
from beredskab.incident import activation, situation_log, standdown
from beredskab.models import Incident, IncidentStatus
from beredskab.plan import Plan
from beredskab.storage import Database
from beredskab.storage.repositories.communications import CommunicationStatus
from beredskab.storage.repositories.notices import NoticeKind
from playbooks.schema import TemplateKind
from tests.beredskab.helpers import CHIEF, STAFF

JOURNAL = "0100-76543-00123-26"


async def _incident(
    db: Database, plan: Plan, *, drill: bool = False, playbook: str = "1", zone: int = 2
) -> int:
    result = await activation.activate(
        db=db,
        plan=plan,
        playbook=playbook,
        actor_id=CHIEF,
        channel="cli",
        description="Brand i opgang 3",
        zone=zone,
        drill=drill,
        police_case=JOURNAL if playbook == "2" else None,
    )
    return result.incident.id


async def _resident_draft(db: Database, plan: Plan, nr: int, text: str | None = None) -> int:
    item = await communications.draft(
        db=db,
        plan=plan,
        incident_id=nr,
        actor_id=STAFF,
        channel="web",
        audience="operations",
        template=TemplateKind.RESIDENT_INFORMATION,
    )
    if text is not None:
        await communications.edit(
            db=db,
            plan=plan,
            incident_id=nr,
            communication_id=item.id,
            actor_id=STAFF,
            channel="web",
            subject="Brand i opgang 3",
            text=text,
        )
    return item.id


async def _approve(db: Database, plan: Plan, nr: int, cid: int, *, publish: bool) -> None:
    await communications.approve(
        db=db,
        plan=plan,
        incident_id=nr,
        communication_id=cid,
        actor_id=CHIEF,
        channel="api",
        publish=publish,
    )


async def test_the_leader_publishes_at_approval_logged_and_audited(
    db: Database, plan: Plan
) -> None:
    nr = await _incident(db, plan)
    cid = await _resident_draft(db, plan, nr)
    await _approve(db, plan, nr, cid, publish=True)
    async with db.read() as tx:
        [notice] = await tx.notices.of_incident(nr)
        item = await tx.communications.get(cid)
        log = await tx.log.list(nr)
        audit = await tx.audit.list(incident_id=nr)
    assert item is not None and item.status is CommunicationStatus.APPROVED
    assert notice.kind is NoticeKind.NOTICE and notice.communication_id == cid
    assert (notice.title, notice.text) == (item.subject, item.text)
    assert notice.published_by == CHIEF and notice.withdrawn_at is None
    assert f"Krisekommunikation {cid} offentliggjort på /info af Maria Friis" in log[-1].text
    assert ("notice.publish", "api", True) in [(a.action, a.channel, a.allowed) for a in audit]


async def test_approving_without_the_choice_publishes_nothing_and_later_publish_can(
    db: Database, plan: Plan
) -> None:
    nr = await _incident(db, plan)
    cid = await _resident_draft(db, plan, nr)
    await _approve(db, plan, nr, cid, publish=False)
    async with db.read() as tx:
        assert await tx.notices.of_incident(nr) == []
    notice = await notices.publish(
        db=db, plan=plan, incident_id=nr, communication_id=cid, actor_id=CHIEF, channel="cli"
    )
    assert notice.communication_id == cid
    with pytest.raises(InvalidStateError, match="already on the public page"):
        await notices.publish(
            db=db, plan=plan, incident_id=nr, communication_id=cid, actor_id=CHIEF, channel="cli"
        )


async def test_only_the_leader_publishes_and_a_refusal_is_audited(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    cid = await _resident_draft(db, plan, nr)
    await _approve(db, plan, nr, cid, publish=False)
    with pytest.raises(NotAuthorisedError):
        await notices.publish(
            db=db, plan=plan, incident_id=nr, communication_id=cid, actor_id=STAFF, channel="web"
        )
    async with db.read() as tx:
        audit = await tx.audit.list(incident_id=nr)
        assert await tx.notices.of_incident(nr) == []
    assert (STAFF, "notice.publish", False) in [(a.actor, a.action, a.allowed) for a in audit]


async def test_a_drill_never_publishes_and_its_approval_does_not_happen_either(
    db: Database, plan: Plan
) -> None:
    nr = await _incident(db, plan, drill=True)
    cid = await _resident_draft(db, plan, nr)
    with pytest.raises(InvalidStateError, match="drill is never published"):
        await _approve(db, plan, nr, cid, publish=True)
    async with db.read() as tx:
        item = await tx.communications.get(cid)
        assert await tx.notices.of_incident(nr) == []
    assert item is not None and item.status is CommunicationStatus.DRAFT
    await _approve(db, plan, nr, cid, publish=False)
    with pytest.raises(InvalidStateError, match="drill is never published"):
        await notices.publish(
            db=db, plan=plan, incident_id=nr, communication_id=cid, actor_id=CHIEF, channel="cli"
        )
    await standdown.close(db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")
    async with db.read() as tx:
        assert await tx.notices.latest(limit=10) == []


async def test_only_a_text_for_residents_goes_on_the_page(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    item = await communications.draft(
        db=db, plan=plan, incident_id=nr, actor_id=STAFF, channel="web", audience="board"
    )
    with pytest.raises(InvalidStateError, match="only a communication for residents"):
        await _approve(db, plan, nr, item.id, publish=True)
    async with db.read() as tx:
        assert await tx.notices.of_incident(nr) == []


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("Ring til Maria Friis, hvis du har spørgsmål.", "a name from the contact directory"),
        ("Ring til Maria på 20 10 00 13.", "a phone number"),  # the chief's (fictional) number
        ("Ring til os på +4520100013.", "a phone number"),
        ("Skriv til Maria-Friis@example.org.", "an email address"),
        ("Ring til varmemesteren på 20 10 01 01.", "a phone number"),  # an outreach target's
        ("Ring til Borgerservice på 72 10 60 00 eller skriv til info@example.dk.", None),
        ("Politiets journalnummer er 0100-12345-00001-26.", "a police journal number"),
        ("Der er sket en brand. Hold vinduerne lukkede.", None),
        ("Beboermøde den 01.12.2026 kl. 19.00 i fælleshuset; ring 112 ved fare.", None),
    ],
)
async def test_personal_data_is_refused(
    db: Database, plan: Plan, text: str, what: str | None
) -> None:
    nr = await _incident(db, plan)
    cid = await _resident_draft(db, plan, nr, text=text)
    if what is None:
        await _approve(db, plan, nr, cid, publish=True)
        async with db.read() as tx:
            assert len(await tx.notices.of_incident(nr)) == 1
        return
    with pytest.raises(notices.PersonalDataError) as refused:
        await _approve(db, plan, nr, cid, publish=True)
    assert str(refused.value.values["what"]) == what
    async with db.read() as tx:
        assert await tx.notices.of_incident(nr) == []
        item = await tx.communications.get(cid)
    assert item is not None and item.status is CommunicationStatus.DRAFT


async def test_the_incidents_journal_number_and_sensitive_log_text_are_refused(
    db: Database, plan: Plan
) -> None:
    nr = await _incident(db, plan, playbook="2")
    secret = "Den mistænkte bor i opgang 5 på tredje sal"
    await situation_log.add_entry(
        db=db,
        plan=plan,
        incident_id=nr,
        actor_id=CHIEF,
        text=secret,
        channel="web",
        sensitive=True,
    )
    for text, what in (
        (f"Sagen har nummer {JOURNAL}.", "a police journal number"),
        (f"Vi ved nu: {secret}.", "text from a sensitive log entry"),
    ):
        cid = await _resident_draft(db, plan, nr, text=text)
        with pytest.raises(notices.PersonalDataError) as refused:
            await _approve(db, plan, nr, cid, publish=True)
        assert str(refused.value.values["what"]) == what


async def test_a_withdrawal_marks_the_notice_once_and_is_logged(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    cid = await _resident_draft(db, plan, nr)
    await _approve(db, plan, nr, cid, publish=True)
    async with db.read() as tx:
        [notice] = await tx.notices.of_incident(nr)
        before = await tx.notices.state()
    with pytest.raises(NotAuthorisedError):
        await notices.withdraw(
            db=db, plan=plan, incident_id=nr, notice_id=notice.id, actor_id=STAFF, channel="web"
        )
    with pytest.raises(notices.PersonalDataError):
        await notices.withdraw(
            db=db,
            plan=plan,
            incident_id=nr,
            notice_id=notice.id,
            actor_id=CHIEF,
            channel="web",
            note="Spørg Maria Friis",
        )
    withdrawn = await notices.withdraw(
        db=db,
        plan=plan,
        incident_id=nr,
        notice_id=notice.id,
        actor_id=CHIEF,
        channel="web",
        note="Oplysningen om vandet var forkert.",
    )
    assert withdrawn.withdrawn_at is not None and withdrawn.withdrawn_by == CHIEF
    assert withdrawn.withdrawn_note == "Oplysningen om vandet var forkert."
    with pytest.raises(InvalidStateError, match="already withdrawn"):
        await notices.withdraw(
            db=db, plan=plan, incident_id=nr, notice_id=notice.id, actor_id=CHIEF, channel="web"
        )
    with pytest.raises(NotFoundError):
        await notices.withdraw(
            db=db,
            plan=plan,
            incident_id=nr,
            notice_id=notice.id + 99,
            actor_id=CHIEF,
            channel="web",
        )
    async with db.read() as tx:
        after = await tx.notices.state()
        log = await tx.log.list(nr)
    assert (after.last_id, after.withdrawn) == (before.last_id, 1)
    assert after.changed_at == withdrawn.withdrawn_at
    assert "trukket tilbage af Maria Friis" in log[-1].text


async def test_the_stand_down_publishes_an_all_clear_only_after_published_notices(
    db: Database, plan: Plan
) -> None:
    quiet = await _incident(db, plan, playbook="1")
    await standdown.close(db=db, plan=plan, incident_id=quiet, actor_id=CHIEF, channel="cli")
    async with db.read() as tx:
        assert await tx.notices.latest(limit=10) == []

    nr = await _incident(db, plan, playbook="1")
    cid = await _resident_draft(db, plan, nr)
    await _approve(db, plan, nr, cid, publish=True)
    async with db.read() as tx:
        assert [n.communication_id for n in await tx.notices.current()] == [cid]
    await standdown.close(db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="sms")
    async with db.read() as tx:
        current = await tx.notices.current()
        [clear] = await tx.notices.latest(limit=1, kind=NoticeKind.ALL_CLEAR)
        log = await tx.log.list(nr)
        audit = await tx.audit.list(incident_id=nr)
    assert current == []
    assert clear.incident_id == nr and clear.title == "Beredskabet er afblæst"
    assert clear.text.startswith("Hændelsen i zone 2 er afsluttet, og beredskabet er afblæst kl.")
    assert "{" not in clear.text
    assert notices.personal_data(clear.text, plan=plan, incident=_stub(plan)) is None
    assert "Afblæsningen offentliggjort på /info" in log[-2].text  # before the closing entry
    assert ("notice.all_clear", "sms") in [(a.action, a.channel) for a in audit]


def _stub(plan: Plan) -> Incident:
    """An incident for ``personal_data`` with no journal number."""
    now = datetime.now(UTC)
    return Incident(
        id=1,
        playbook_id="1",
        playbook_name="x",
        plan_version="v",
        title="t",
        description="d",
        zone=2,
        police_case=None,
        drill=False,
        status=IncidentStatus.ACTIVE,
        activated_by=CHIEF,
        activated_via="cli",
        created_at=now,
        closed_at=None,
        closed_by=None,
    )


async def test_the_page_state_changes_with_every_publication(db: Database, plan: Plan) -> None:
    async with db.read() as tx:
        empty = await tx.notices.state()
    assert (empty.last_id, empty.withdrawn, empty.changed_at) == (0, 0, None)
    nr = await _incident(db, plan)
    first = await _resident_draft(db, plan, nr)
    await _approve(db, plan, nr, first, publish=True)
    second = await _resident_draft(db, plan, nr)
    await _approve(db, plan, nr, second, publish=True)
    async with db.read() as tx:
        state = await tx.notices.state()
        newest = await tx.notices.latest(limit=5)
    assert [n.communication_id for n in newest] == [second, first]
    assert state.last_id == newest[0].id and state.changed_at == newest[0].published_at


async def test_two_publications_of_one_text_at_once_publish_it_once(
    db: Database, plan: Plan
) -> None:
    nr = await _incident(db, plan)
    cid = await _resident_draft(db, plan, nr)
    await _approve(db, plan, nr, cid, publish=False)
    results = await asyncio.gather(
        *(
            notices.publish(
                db=db,
                plan=plan,
                incident_id=nr,
                communication_id=cid,
                actor_id=CHIEF,
                channel=channel,
            )
            for channel in ("web", "api")
        ),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], InvalidStateError), results
    async with db.read() as tx:
        assert len(await tx.notices.of_incident(nr)) == 1
