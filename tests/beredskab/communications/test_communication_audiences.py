"""A crisis communication picks its audiences (README: Crisis communications): the directory's
groups by zone, the press after the board, the subscribed residents of the zone; unknown or
no audiences are refused; sent once (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from beredskab import communications
from beredskab.errors import InvalidStateError, NotFoundError
from beredskab.incident import activation
from beredskab.plan import Plan
from beredskab.residents import subscriptions
from beredskab.storage import Database
from notifier.types import ChannelKind
from playbooks.schema import TemplateKind
from tests.beredskab.helpers import CHIEF, STAFF, deliveries, log_texts


async def _incident(db: Database, plan: Plan, zone: int = 2) -> int:
    result = await activation.activate(
        db=db, plan=plan, playbook="1", actor_id=CHIEF, channel="cli", zone=zone
    )
    return result.incident.id


async def _approve_and_send(db: Database, plan: Plan, nr: int, item: int) -> None:
    for step in (communications.approve, communications.send):
        await step(
            db=db, plan=plan, incident_id=nr, communication_id=item, actor_id=CHIEF, channel="cli"
        )


async def test_audiences_are_stored_in_order_and_checked(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    item = await communications.draft(
        db=db,
        plan=plan,
        incident_id=nr,
        actor_id=STAFF,
        channel="cli",
        audience=["press", "residents", "press"],
    )
    assert item.audience == "residents,press"
    assert item.template == TemplateKind.RESIDENT_INFORMATION.value  # the first audience's
    assert communications.names(item.audience) == "de tilmeldte beboere og pressen"
    with pytest.raises(NotFoundError, match="no audience 'tv'"):
        await communications.draft(
            db=db, plan=plan, incident_id=nr, actor_id=STAFF, channel="cli", audience=["tv"]
        )
    with pytest.raises(InvalidStateError, match="at least one audience"):
        await communications.draft(
            db=db, plan=plan, incident_id=nr, actor_id=STAFF, channel="cli", audience=[]
        )
    everyone = ",".join(communications.AUDIENCES)
    wide = await communications.draft(
        db=db, plan=plan, incident_id=nr, actor_id=STAFF, channel="cli", audience=everyone
    )
    assert wide.audience == everyone and len(everyone) > 64  # kept whole (migration 0027)
    async with db.read() as tx:
        assert [c.audience for c in await tx.communications.list(nr)][-1] == everyone


async def test_institutions_businesses_and_associations_of_the_zone(
    db: Database, plan: Plan
) -> None:
    nr = await _incident(db, plan, zone=2)
    item = await communications.draft(
        db=db,
        plan=plan,
        incident_id=nr,
        actor_id=STAFF,
        channel="cli",
        audience=["institutions", "businesses", "associations"],
    )
    await _approve_and_send(db, plan, nr, item.id)
    rows = [d for d in await deliveries(db, nr) if d.template == item.template]
    # zone 2's entries and the area-wide ones; not zone 1's nursery nor zone 3's kiosk
    assert {(d.person_id, d.channel) for d in rows} == {
        ("institution-skole-zone-2", ChannelKind.EMAIL),
        ("institution-sundhedshus", ChannelKind.EMAIL),
        ("virksomhed-butikscenter-zone-2", ChannelKind.EMAIL),
        ("forening-idraet", ChannelKind.EMAIL),
        ("forening-kulturforening-zone-2", ChannelKind.EMAIL),
    }
    arabic = next(d for d in rows if d.person_id == "forening-kulturforening-zone-2")
    assert arabic.language == "da"  # partner information has no Arabic variant: Danish
    sent = (await log_texts(db, nr))[-1]
    assert sent.startswith(
        f"Krisekommunikation {item.id} sendt til institutionerne, virksomhederne og "
        "foreningerne af Maria Friis: 5 modtagere"
    )
    assert "fik dansk i stedet for arabisk" in sent


async def test_the_press_gets_the_holding_line_by_email_after_the_board(
    db: Database, plan: Plan
) -> None:
    nr = await _incident(db, plan)
    press = await communications.draft(
        db=db, plan=plan, incident_id=nr, actor_id=STAFF, channel="cli", audience="press"
    )
    assert press.template == TemplateKind.MEDIA_HOLDING_LINE.value
    with pytest.raises(InvalidStateError, match="after the board has been consulted"):
        await communications.approve(
            db=db,
            plan=plan,
            incident_id=nr,
            communication_id=press.id,
            actor_id=CHIEF,
            channel="cli",
        )
    board = await communications.draft(
        db=db,
        plan=plan,
        incident_id=nr,
        actor_id=STAFF,
        channel="cli",
        audience="board",
        template=TemplateKind.MEDIA_HOLDING_LINE,
    )
    await _approve_and_send(db, plan, nr, board.id)
    await _approve_and_send(db, plan, nr, press.id)
    rows = [d for d in await deliveries(db, nr) if d.person_id.startswith("presse-")]
    assert {(d.address, d.channel, d.alternates) for d in rows} == {
        ("nyheder@lokalavis.example.org", ChannelKind.EMAIL, ""),  # it has a phone: not used
        ("vagt@regionalradio.example.org", ChannelKind.EMAIL, ""),
        ("desk@regionaltv.example.org", ChannelKind.EMAIL, ""),
    }
    said = (await log_texts(db, nr))[-1]
    assert said.startswith(f"Krisekommunikation {press.id} sendt til pressen af Maria Friis")
    assert "Lokalavisen, nyhedsredaktionen (fiktiv)" in said
    assert f"Sagt til pressen: »{press.subject}« {press.text[:40]}" in said
    with pytest.raises(InvalidStateError, match="only an approved one is sent"):
        await communications.send(
            db=db,
            plan=plan,
            incident_id=nr,
            communication_id=press.id,
            actor_id=CHIEF,
            channel="cli",
        )


async def test_a_resident_message_goes_to_the_zones_subscribers_in_their_language(
    db: Database, plan: Plan
) -> None:
    async with db.transaction() as tx:
        for phone, zone, language in (
            ("+4520999101", 2, "da"),
            ("+4520999102", 2, "ar"),
            ("+4520999103", 2, "so"),
            ("+4520999104", 3, "da"),
            ("+4520999105", 2, "uk"),
        ):
            await subscriptions.subscribe(
                tx, phone=phone, zone=zone, language=language, channel=subscriptions.SMS
            )
    nr = await _incident(db, plan, zone=2)
    item = await communications.draft(
        db=db, plan=plan, incident_id=nr, actor_id=STAFF, channel="cli", audience="residents"
    )
    await _approve_and_send(db, plan, nr, item.id)
    rows = {d.address: d for d in await deliveries(db, nr) if d.person_id.startswith("resident:")}
    assert set(rows) == {"+4520999101", "+4520999102", "+4520999103", "+4520999105"}
    assert {d.channel for d in rows.values()} == {ChannelKind.SMS}
    assert rows["+4520999101"].text.endswith("\nAfmeld: svar STOP.")
    assert rows["+4520999102"].language == "ar" and "STOP" in rows["+4520999102"].text
    assert rows["+4520999103"].text.endswith("Si aad uga baxdo, u dir STOP.")
    sent = (await log_texts(db, nr))[-1]
    assert "4 tilmeldte beboere i zone 2" in sent and "+4520" not in sent  # counts, no numbers
    async with db.read() as tx:
        stored = await tx.communications.get(item.id)
    assert stored is not None and stored.recipients == 4

    # the Danish text edited after translation: the variants are older, their readers get
    # Danish, and the log says which languages
    again = await communications.draft(
        db=db, plan=plan, incident_id=nr, actor_id=STAFF, channel="cli", audience="residents"
    )
    await communications.edit(
        db=db,
        plan=plan,
        incident_id=nr,
        communication_id=again.id,
        actor_id=STAFF,
        channel="cli",
        subject=again.subject,
        text=again.text + " Mødested: Infohuset.",
    )
    await _approve_and_send(db, plan, nr, again.id)
    second = [
        d for d in await deliveries(db, nr) if d.notification.startswith(f"{nr}:c{again.id}:")
    ]
    arabic = next(d for d in second if d.address == "+4520999102")
    assert arabic.language == "da" and "Infohuset" in arabic.text
    assert arabic.text.endswith("لإلغاء الاشتراك أرسل STOP.")  # how to stop: in their language
    assert (
        "får dansk i stedet for (ingen opdateret udgave): arabisk (1)"
        in (await log_texts(db, nr))[-1]
    )
