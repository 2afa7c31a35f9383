"""The situation picture: versioned revisions by the beredskabsstab, stale saves refused,
sensitive headings kept out of briefings and away from those who may not read them."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import ValidationError

from beredskab import communications, report
from beredskab.communications import briefing
from beredskab.errors import InvalidStateError, NotAuthorisedError, NotFoundError
from beredskab.incident import activation, picture, standdown
from beredskab.models import EntryKind
from beredskab.plan import Plan
from beredskab.storage import Database
from playbooks.schema import SituationPicture
from tests.beredskab.helpers import CHIEF, SSP, STAFF

OUTSIDER = "lise-krogh"
"""In the directory with no role: not asked to confirm a group-1 incident, not its leader."""
WHAT = "Hvad er sket?"
SENSITIVE = "Følsomme oplysninger (kun i beredskabsstaben, markeres som følsomme)"


async def incident(db: Database, plan: Plan, *, drill: bool = False) -> int:
    """A group-1 incident activated by the chief (SSP is asked to confirm)."""
    result = await activation.activate(
        db=db,
        plan=plan,
        playbook="1",
        actor_id=CHIEF,
        channel="cli",
        description="Brand i opgang 3",
        zone=1,
        drill=drill,
    )
    return result.incident.id


async def revise(
    db: Database, plan: Plan, nr: int, actor: str, base: int, *edits: picture.Edit
) -> picture.Picture:
    return await picture.revise(
        db=db,
        plan=plan,
        incident_id=nr,
        actor_id=actor,
        channel="web",
        base_version=base,
        edits=edits,
    )


async def test_a_revision_is_versioned_logged_and_audited(db: Database, plan: Plan) -> None:
    nr = await incident(db, plan)
    empty = await picture.current(db=db, plan=plan, incident_id=nr)
    assert empty.version == 0 and len(empty.headings) == 9
    assert all(h.text == "" for h in empty.headings)
    assert [h.declared_sensitive for h in empty.headings].count(True) == 1

    first = await revise(
        db, plan, nr, SSP, 0, picture.Edit("1", "Brand i kælder"), picture.Edit("hvor", "Zone 1")
    )
    assert first.version == 1
    assert first.headings[0].text == "Brand i kælder" and first.headings[0].author == SSP
    assert first.headings[1].title.startswith("Hvor?") and first.headings[1].text == "Zone 1"

    second = await revise(db, plan, nr, CHIEF, 1, picture.Edit(WHAT, "Brand slukket"))
    assert second.version == 2 and second.headings[0].text == "Brand slukket"
    assert second.headings[1].version == 1  # untouched headings keep their revision
    assert [r.author for r in second.revisions] == [SSP, CHIEF]

    async with db.transaction() as tx:
        log = await tx.log.list(nr)
        rows = await tx.audit.list(incident_id=nr)
    entries = [e for e in log if e.kind is EntryKind.PICTURE]
    assert [e.actor for e in entries] == [SSP, CHIEF]
    assert "version 1" in entries[0].text and "Brand i kælder" in entries[0].text
    assert second.revisions[1].log_seq == entries[1].seq
    assert sum(r.action == "picture.revise" and r.allowed for r in rows) == 2


async def test_a_stale_revision_is_refused_and_names_who_saved(db: Database, plan: Plan) -> None:
    nr = await incident(db, plan)
    await revise(db, plan, nr, SSP, 0, picture.Edit("1", "Sara skrev"))
    with pytest.raises(picture.StalePictureError) as refused:
        await revise(db, plan, nr, CHIEF, 0, picture.Edit("1", "Maria skrev"))
    assert "Sara Lund" in str(refused.value) and "version 1" in str(refused.value)
    assert refused.value.template.startswith("the situation picture was changed by {name}")
    now = await picture.current(db=db, plan=plan, incident_id=nr)
    assert now.version == 1 and now.headings[0].text == "Sara skrev"


async def test_a_version_given_before_anything_is_written_is_refused_not_a_crash(
    db: Database, plan: Plan
) -> None:
    nr = await incident(db, plan)
    with pytest.raises(picture.StalePictureError) as refused:  # found by schemathesis: a 500
        await revise(db, plan, nr, SSP, 2_147_483_646, picture.Edit("1", "tidligt"))
    assert "not been written yet" in str(refused.value)
    assert (await picture.current(db=db, plan=plan, incident_id=nr)).version == 0


async def test_concurrent_saves_on_one_version_keep_exactly_one(db: Database, plan: Plan) -> None:
    nr = await incident(db, plan)
    results = await asyncio.gather(
        *(revise(db, plan, nr, who, 0, picture.Edit("1", f"af {who}")) for who in (SSP, CHIEF)),
        return_exceptions=True,
    )
    saved = [r for r in results if isinstance(r, picture.Picture)]
    stale = [r for r in results if isinstance(r, picture.StalePictureError)]
    assert len(saved) == 1 and len(stale) == 1, results
    now = await picture.current(db=db, plan=plan, incident_id=nr)
    assert now.version == 1 and now.headings[0].text == saved[0].headings[0].text


async def test_only_the_beredskabsstab_writes_and_refusals_are_audited(
    db: Database, plan: Plan
) -> None:
    nr = await incident(db, plan)
    with pytest.raises(NotAuthorisedError, match="only its participants and the leader"):
        await revise(db, plan, nr, OUTSIDER, 0, picture.Edit("1", "Udefra"))
    async with db.transaction() as tx:
        rows = await tx.audit.list(incident_id=nr)
    assert any(r.action == "picture.revise" and not r.allowed and r.actor == OUTSIDER for r in rows)
    assert (await picture.current(db=db, plan=plan, incident_id=nr)).version == 0


@pytest.mark.parametrize(
    ("edits", "error", "match"),
    [
        ((), InvalidStateError, "at least one heading"),
        ((picture.Edit("99", "x"),), NotFoundError, "no single heading"),
        ((picture.Edit("H", "x"),), NotFoundError, "no single heading"),  # Hvad/Hvor/Hvem
        ((picture.Edit("1", "x"), picture.Edit(WHAT, "y")), InvalidStateError, "given twice"),
        ((picture.Edit("1", "x" * 4001),), Exception, "longer than 4000"),
        ((picture.Edit("1", "a\x00b"),), Exception, "NUL"),
        ((picture.Edit("1", ""),), InvalidStateError, "nothing changed"),
    ],
)
async def test_bad_revisions_are_refused_clearly(
    db: Database,
    plan: Plan,
    edits: tuple[picture.Edit, ...],
    error: type[Exception],
    match: str,
) -> None:
    nr = await incident(db, plan)
    with pytest.raises(error, match=match):
        await revise(db, plan, nr, SSP, 0, *edits)


async def test_a_closed_incidents_picture_is_not_changed(db: Database, plan: Plan) -> None:
    nr = await incident(db, plan)
    await standdown.close(db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")
    with pytest.raises(InvalidStateError, match="closed"):
        await revise(db, plan, nr, CHIEF, 0, picture.Edit("1", "for sent"))


async def test_sensitive_headings_stay_sensitive_and_out_of_the_open_log(
    db: Database, plan: Plan
) -> None:
    nr = await incident(db, plan)
    # The playbook's sensitive heading cannot be unmarked; any other can be marked.
    saved = await revise(
        db,
        plan,
        nr,
        CHIEF,
        0,
        picture.Edit(SENSITIVE, "Navn på offer: X", sensitive=False),
        picture.Edit("3", "Familien i nr. 5", sensitive=True),
        picture.Edit("1", "Brand"),
    )
    assert [h.sensitive for h in saved.headings][:3] == [False, False, True]
    assert saved.headings[6].sensitive
    async with db.transaction() as tx:
        log = await tx.log.list(nr)
    open_entries = [e for e in log if e.kind is EntryKind.PICTURE and not e.sensitive]
    secret = [e for e in log if e.kind is EntryKind.PICTURE and e.sensitive]
    assert len(open_entries) == 1 and len(secret) == 1
    assert "Navn på offer" not in open_entries[0].text and "Familien" not in open_entries[0].text
    assert "Navn på offer" in secret[0].text and "Familien i nr. 5" in secret[0].text
    # Changing only the mark is a change; leaving it out keeps the mark.
    unmarked = await revise(db, plan, nr, CHIEF, 1, picture.Edit("3", "Familien i nr. 5", False))
    assert not unmarked.headings[2].sensitive
    kept = await revise(db, plan, nr, CHIEF, 2, picture.Edit(SENSITIVE, "Opdateret"))
    assert kept.headings[6].sensitive and kept.version == 3


async def test_a_briefing_leaves_out_sensitive_and_empty_headings(db: Database, plan: Plan) -> None:
    nr = await incident(db, plan)
    with pytest.raises(InvalidStateError, match="write the picture first"):
        await briefing.draft(
            db=db, plan=plan, incident_id=nr, actor_id=STAFF, channel="web", audience="board"
        )
    await revise(
        db,
        plan,
        nr,
        CHIEF,
        0,
        picture.Edit("1", "Brand i kælder"),
        picture.Edit("3", "Familien i nr. 5", sensitive=True),
        picture.Edit(SENSITIVE, "Navn på offer"),
    )
    item = await briefing.draft(
        db=db, plan=plan, incident_id=nr, actor_id=STAFF, channel="web", audience="board"
    )
    assert item.audience == "board" and item.status.value == "draft"
    assert "Brand i kælder" in item.text and WHAT in item.text
    assert "Familien" not in item.text and "Navn på offer" not in item.text
    assert "Hvor?" not in item.text  # empty headings are left out
    # The leader approves and sends it as any other communication.
    await communications.approve(
        db=db, plan=plan, incident_id=nr, communication_id=item.id, actor_id=CHIEF, channel="web"
    )
    sent = await communications.send(
        db=db, plan=plan, incident_id=nr, communication_id=item.id, actor_id=STAFF, channel="web"
    )
    assert sent.recipients
    with pytest.raises(NotAuthorisedError):
        await briefing.draft(
            db=db, plan=plan, incident_id=nr, actor_id=OUTSIDER, channel="web", audience="board"
        )
    with pytest.raises(NotFoundError, match="no audience"):  # the press is an audience now
        await briefing.draft(
            db=db, plan=plan, incident_id=nr, actor_id=STAFF, channel="web", audience="tv"
        )


async def test_a_too_long_briefing_is_refused(db: Database, plan: Plan) -> None:
    nr = await incident(db, plan)
    await revise(
        db, plan, nr, CHIEF, 0, picture.Edit("1", "x" * 1000), picture.Edit("2", "y" * 700)
    )
    with pytest.raises(InvalidStateError, match="shorten"):
        await briefing.draft(
            db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="web", audience="partners"
        )


async def test_the_report_has_the_latest_version_and_its_history(db: Database, plan: Plan) -> None:
    nr = await incident(db, plan)
    await revise(db, plan, nr, SSP, 0, picture.Edit("1", "Brand i kælder"))
    await revise(
        db, plan, nr, CHIEF, 1, picture.Edit("1", "Brand slukket"), picture.Edit(SENSITIVE, "Navn")
    )
    view = await report.overview(db=db, incident_id=nr)
    names = {p.id: p.name for p in plan.directory.people}
    public = report.markdown(view, names=names, include_sensitive=False)
    leader = report.markdown(view, names=names, include_sensitive=True)
    part = public.split("Situationsbillede", 1)[1]
    assert "Brand slukket" in part and "version 2" in part and "Maria Friis" in part
    assert "Sara Lund" in part  # the history names both authors
    assert "Navn" not in part.split("Historik")[0].replace("Navn på", "")
    assert "[fortrolig post udeladt]" in part
    assert "| Navn |" in leader or " Navn " in leader.split("Situationsbillede", 1)[1]
    html = report.render_html(view, names=names, include_sensitive=False)
    assert "Brand slukket" in html and "Situationsbillede" in html
    pdf = report.render_pdf(view, names=names, include_sensitive=True)
    assert pdf.startswith(b"%PDF")


def test_a_playbooks_sensitive_headings_must_be_its_own_and_unique() -> None:
    with pytest.raises(ValidationError, match="names no heading"):
        SituationPicture(title="S", headings=("Hvad?",), sensitive=("Hvem?",))
    with pytest.raises(ValidationError, match="listed twice"):
        SituationPicture(title="S", headings=("Hvad?", "Hvad?"))
    assert SituationPicture(title="S", headings=("Hvad?",), sensitive=("Hvad?",)).sensitive
