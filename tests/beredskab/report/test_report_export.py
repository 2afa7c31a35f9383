"""The situation report as HTML and PDF: header, every section, drills, sensitive entries,
the hash-chain verdict, Danish letters intact and page numbers."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from beredskab import report
from beredskab.errors import NotAuthorisedError
from beredskab.i18n import LOCAL_TZ
from beredskab.incident import acknowledgements, activation, situation_log, standdown, steps, tasks
from beredskab.models import EntryKind, TaskStatus
from beredskab.plan import Plan
from beredskab.storage import Database
from beredskab.storage.repositories.communications import CommunicationStatus
from tests.beredskab.chain_tamper import tamper
from tests.beredskab.helpers import CHIEF, POLICE, SSP

SECRET = "Navn på mistænkt: Jønne Ærlig"
GENERATED = datetime(2026, 11, 27, 12, 30, tzinfo=UTC)
SECTIONS = {
    "tidslinje": "Tidslinje",
    "bekraeftelser": "Bekræftelser",
    "trin": "Trin",
    "opgaver": "Opgaver",
    "kommunikation": "Kommunikation sendt",
    "kontrol": "Kontrol af loggen (hash-kæde)",
}


async def _incident(
    db: Database, plan: Plan, *, drill: bool = False, notes: int = 0, long_note: str = ""
) -> int:
    """A whole incident: confirmations, every step, a task with a result, notes (one
    sensitive, one correction), a sent and a draft communication, stood down."""
    nr = (
        await activation.activate(
            db=db,
            plan=plan,
            playbook="2",
            actor_id=POLICE,
            channel="cli",
            description="Uro ved Søndergårdsparken",
            zone=2,
            police_case="3700-98765",
            drill=drill,
        )
    ).incident.id
    await acknowledgements.record(db=db, plan=plan, incident_id=nr, person_id=SSP, via="sms")
    for position in range(1, 6):
        await steps.finish(
            db=db,
            plan=plan,
            incident_id=nr,
            step_ref=str(position),
            actor_id=CHIEF,
            channel="cli",
            note=f"Trin {position} klaret på Ærøvej",
        )
    async with db.transaction() as tx:
        task = (await tx.tasks.list(nr))[0]
    for status, outcome in (
        (TaskStatus.ACCEPTED, None),
        (TaskStatus.DONE, "Varmemester orienteret"),
    ):
        await tasks.change(
            db=db,
            plan=plan,
            incident_id=nr,
            number=task.number,
            actor_id=task.assignee,
            status=status,
            channel="cli",
            outcome=outcome,
        )
    note = await situation_log.add_entry(
        db=db, plan=plan, incident_id=nr, actor_id=SSP, text="Unge ved p-pladsen", channel="cli"
    )
    await situation_log.add_entry(
        db=db,
        plan=plan,
        incident_id=nr,
        actor_id=CHIEF,
        text=SECRET,
        channel="cli",
        kind=EntryKind.DECISION,
        sensitive=True,
    )
    await situation_log.add_entry(
        db=db,
        plan=plan,
        incident_id=nr,
        actor_id=SSP,
        text="Det var ved skolen <b>ikke</b> p-pladsen",
        channel="cli",
        corrects=note.seq,
    )
    if long_note:
        await situation_log.add_entry(
            db=db, plan=plan, incident_id=nr, actor_id=SSP, text=long_note, channel="cli"
        )
    for n in range(notes):
        await situation_log.add_entry(
            db=db,
            plan=plan,
            incident_id=nr,
            actor_id=SSP,
            text=f"Runde {n}: rolig stemning i gården, beboere taler med SSP",
            channel="cli",
        )
    async with db.transaction() as tx:
        sent = await tx.communications.add(
            incident_id=nr,
            audience="board",
            template="board_orientation",
            subject="Orientering til bestyrelsen",
            text="Der har været uro i området; personalet er på stedet.",
            drafted_by=CHIEF,
            now=tx.now,
        )
        await tx.communications.set_status(
            sent.id,
            CommunicationStatus.SENT,
            approved_by=CHIEF,
            approved_at=tx.now,
            sent_at=tx.now,
            recipients=5,
        )
        await tx.communications.add(
            incident_id=nr,
            audience="partners",
            template="partner_information",
            subject="Kladde til partnere",
            text="Ikke sendt endnu.",
            drafted_by=CHIEF,
            now=tx.now,
        )
    await standdown.close(db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli")
    return nr


def _names(plan: Plan) -> dict[str, str]:
    return {p.id: p.name for p in plan.directory.people}


def _pdf_pages(content: bytes) -> list[str]:
    assert content.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def _local(value: datetime) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%d.%m.%Y %H:%M:%S")


async def test_html_has_the_header_and_every_section(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    view = await report.overview(db=db, incident_id=nr)
    page = report.render_html(
        view, names=_names(plan), include_sensitive=False, generated_at=GENERATED
    )
    i = view.incident
    assert i.closed_at is not None
    for expected in (
        f"Situationsrapport — hændelse {nr}",
        i.playbook_name,
        "3700-98765",
        "Kim Holm via cli",  # activated by, as a name
        _local(i.created_at),
        f"{_local(i.closed_at)} af Maria Friis",
        "Dannet 27.11.2026 13:30:00",  # generated, in Danish local time
    ):
        assert expected in page
    for key, title in SECTIONS.items():
        assert f'<section id="{key}">\n<h2>{title}</h2>' in page
    assert "Sara Lund</td>\n<td>deltager</td>\n<td>bekræftet</td>\n<td>sms</td>" in page
    assert "Trin 3 klaret på Ærøvej" in page and "Varmemester orienteret" in page
    assert "Orientering til bestyrelsen" in page and "bestyrelsen" in page
    assert "Kladde til partnere" not in page  # only communications that were sent
    fix = next(e for e in view.log if e.corrects)
    assert f"Retter post {fix.corrects}: Det var ved skolen &lt;b&gt;ikke&lt;/b&gt;" in page
    assert "<strong>OK:</strong>" in page and "kæden er ubrudt" in page
    assert "ØVELSE" not in page
    assert not re.search(r"https?://|<link|<script|src=", page)  # self-contained


async def test_sensitive_entries_only_for_those_allowed(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    view = await report.overview(db=db, incident_id=nr)
    names = _names(plan)
    public_html = report.render_html(view, names=names, include_sensitive=False)
    public_pdf = "\n".join(
        _pdf_pages(report.render_pdf(view, names=names, include_sensitive=False))
    )
    for public in (
        public_html,
        public_pdf,
        report.markdown(view, names=names, include_sensitive=False),
    ):
        assert "Jønne" not in public and "[fortrolig post udeladt]" in public
    allowed_html = report.render_html(view, names=names, include_sensitive=True)
    allowed_pdf = "\n".join(
        _pdf_pages(report.render_pdf(view, names=names, include_sensitive=True))
    )
    assert SECRET in allowed_html and '<span class="mark">Følsom</span>' + SECRET in allowed_html
    assert "[Følsom] Navn på mistænkt" in allowed_pdf and "Jønne Ærlig" in allowed_pdf
    # The rule itself: the playbook's leader may, anyone else is refused and audited.
    chief, ssp = plan.directory.person(CHIEF), plan.directory.person(SSP)
    assert chief is not None and ssp is not None
    assert report.may_read_sensitive(plan=plan, incident=view.incident, person=chief)
    assert not report.may_read_sensitive(plan=plan, incident=view.incident, person=ssp)
    await report.authorise_sensitive(
        db=db, plan=plan, incident=view.incident, actor_id=CHIEF, channel="web"
    )
    with pytest.raises(NotAuthorisedError):
        await report.authorise_sensitive(
            db=db, plan=plan, incident=view.incident, actor_id=SSP, channel="web"
        )
    async with db.transaction() as tx:
        reads = [a for a in await tx.audit.list(incident_id=nr) if a.action == "report.sensitive"]
    assert [(a.actor, a.allowed) for a in reads] == [(CHIEF, True), (SSP, False)]


async def test_pdf_reads_in_danish_with_page_numbers(db: Database, plan: Plan) -> None:
    # A note longer than a page continues over several table rows instead of failing.
    long_note = " ".join(f"ord{n}" for n in range(2500)) + " SLUTORD"
    nr = await _incident(db, plan, notes=25, long_note=long_note)
    view = await report.overview(db=db, incident_id=nr)
    content = report.render_pdf(
        view, names=_names(plan), include_sensitive=False, generated_at=GENERATED
    )
    pages = _pdf_pages(content)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Side {number} af {len(pages)}" in page
        assert "Dannet 27.11.2026 13:30:00" in page
    whole = "\n".join(pages)
    for expected in (
        f"Situationsrapport — hændelse {nr}",
        "Politiets journalnr.",
        "3700-98765",
        "Uro ved Søndergårdsparken",
        "Trin 1 klaret på Ærøvej",
        "Varmemester orienteret",
        "Orientering til bestyrelsen",
        "ord1234",
        "SLUTORD",
        "OK:",
        "kæden er ubrudt",
        *SECTIONS.values(),
    ):
        assert expected in whole, expected
    assert "ØVELSE" not in whole


async def test_a_drill_is_marked_on_every_page(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan, drill=True, notes=25)
    view = await report.overview(db=db, incident_id=nr)
    names = _names(plan)
    page = report.render_html(view, names=names, include_sensitive=False)
    assert "ØVELSE — dette er en øvelse" in page and "<h2>Øvelsesevaluering</h2>" in page
    pages = _pdf_pages(report.render_pdf(view, names=names, include_sensitive=False))
    assert len(pages) >= 2 and all("ØVELSE" in p for p in pages)
    assert "Øvelsesevaluering" in "\n".join(pages) and "Svarede aldrig:" in "\n".join(pages)


async def test_a_tampered_log_shows_where_the_chain_breaks(db: Database, plan: Plan) -> None:
    nr = await _incident(db, plan)
    await tamper(  # someone edits the database behind the service
        db, "UPDATE log_entries SET text = 'intet skete' WHERE incident_id = :nr AND seq = 3", nr=nr
    )
    view = await report.overview(db=db, incident_id=nr)
    names = _names(plan)
    page = report.render_html(view, names=names, include_sensitive=False)
    pdf = "\n".join(_pdf_pages(report.render_pdf(view, names=names, include_sensitive=False)))
    for shown in (page, pdf):
        assert "FEJL:" in shown and "Kæden er brudt ved post 3" in shown
        assert "kæden er ubrudt" not in shown
    assert '<p class="block alert">' in page
