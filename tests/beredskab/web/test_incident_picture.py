"""The situation picture on the incident page: the beredskabsstab writes it in one form, a
stale save shows both texts and saves nothing, sensitive headings reach only the chief, the
live fingerprint moves, and a briefing goes through the approved-communication flow."""

from __future__ import annotations

import re

from httpx import Response

from beredskab import communications
from beredskab.incident import picture
from beredskab.models import EntryKind
from beredskab.storage.repositories.communications import CommunicationStatus
from tests.beredskab.helpers import CHIEF, SSP, STAFF
from tests.beredskab.incident.test_picture import SENSITIVE, incident
from tests.beredskab.web.site import Site
from tests.beredskab.web.test_incident_page import section

OUTSIDER = "lise-krogh"


def _form(html: str) -> dict[str, str]:
    """The picture form's fields as the page rendered them (hidden, textareas, checkboxes)."""
    board = section(html, "situationsbillede")
    fields = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', board))
    for name, text in re.findall(r'name="(tekst-\d+)" maxlength="4000">([^<]*)</textarea>', board):
        fields[name] = text
    for name in re.findall(r'name="(foelsom-\d+)" value="1" checked', board):
        fields[name] = "1"
    return fields


async def _page(site: Site, nr: int) -> str:
    answer = await site.client.get(f"/haendelse/{nr}")
    assert answer.status_code == 200
    return answer.text


async def _save(site: Site, nr: int, fields: dict[str, str]) -> Response:
    return await site.client.post(f"/haendelse/{nr}/situationsbillede", data=fields)


async def test_a_participant_writes_the_picture_and_everyone_sees_the_latest(site: Site) -> None:
    nr = await incident(site.app.db, site.app.plan)
    await site.sign_in(SSP)
    html = await _page(site, nr)
    board = section(html, "situationsbillede")
    assert "Situationsbillede" in board and "ikke skrevet endnu" in board
    fields = _form(html)
    assert fields["version"] == "0" and fields["overskrift-1"] == "Hvad er sket?"
    assert len([k for k in fields if k.startswith("overskrift-")]) == 9
    async with site.app.db.read() as tx:
        before = await tx.live.state(nr)
    answer = await _save(site, nr, {**fields, "tekst-1": "Brand i kælderen", "tekst-2": "Zone 1"})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/haendelse/{nr}?ok=picture_saved#situationsbillede"
    async with site.app.db.read() as tx:
        after = await tx.live.state(nr)
    assert before is not None and after is not None and after.version != before.version
    parts = (await site.client.get(f"/haendelse/{nr}/dele")).text
    board = section(parts, "situationsbillede")
    assert "Brand i kælderen" in board and "Version 1, senest skrevet af Sara Lund" in board
    saved = await picture.current(db=site.app.db, plan=site.app.plan, incident_id=nr)
    assert saved.version == 1 and saved.revisions[0].via == "web"
    assert [s.heading for s in saved.revisions[0].sections] == [
        "Hvad er sket?",
        "Hvor? (zone, område, adresse)",
    ]
    # Sending the same form again changes nothing and says so.
    again = await _save(site, nr, _form(await _page(site, nr)))
    assert again.headers["location"].endswith("?fejl=picture_unchanged#situationsbillede")


async def test_a_stale_save_saves_nothing_and_shows_both_texts(site: Site) -> None:
    nr = await incident(site.app.db, site.app.plan)
    await site.sign_in(SSP)
    stale = _form(await _page(site, nr))
    await picture.revise(
        db=site.app.db,
        plan=site.app.plan,
        incident_id=nr,
        actor_id=CHIEF,
        channel="telegram",
        base_version=0,
        edits=[picture.Edit("1", "Marias tekst")],
    )
    answer = await _save(site, nr, {**stale, "tekst-1": "Saras tekst"})
    assert answer.status_code == 409
    assert "Maria Friis gemte version 1" in answer.text
    assert "Marias tekst" in answer.text and "Saras tekst" in answer.text
    assert 'name="version" value="1"' in answer.text
    now = await picture.current(db=site.app.db, plan=site.app.plan, incident_id=nr)
    assert now.version == 1 and now.headings[0].text == "Marias tekst"
    # Saving from the conflict page on top of version 1 is a deliberate new version.
    fields = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', answer.text))
    fields["tekst-1"] = "Saras tekst"
    assert (await _save(site, nr, fields)).status_code == 303
    now = await picture.current(db=site.app.db, plan=site.app.plan, incident_id=nr)
    assert now.version == 2 and now.headings[0].text == "Saras tekst"


async def test_sensitive_headings_reach_only_the_chief(site: Site) -> None:
    nr = await incident(site.app.db, site.app.plan)
    await picture.revise(
        db=site.app.db,
        plan=site.app.plan,
        incident_id=nr,
        actor_id=CHIEF,
        channel="web",
        base_version=0,
        edits=[picture.Edit(SENSITIVE, "Navnet på den anholdte"), picture.Edit("1", "Uro")],
    )
    await site.sign_in(SSP)
    html = await _page(site, nr)
    board = section(html, "situationsbillede")
    assert "Navnet på den anholdte" not in html and "Uro" in board
    assert "vises kun for dem, der må læse følsomme" in board
    fields = _form(html)
    assert "tekst-7" not in fields  # no field to overwrite what they cannot read
    # A crafted post is refused by the use case and audited.
    crafted = {**fields, "overskrift-7": SENSITIVE, "tekst-7": "overskrevet"}
    answer = await _save(site, nr, crafted)
    assert answer.headers["location"].endswith("?fejl=refused_action#situationsbillede")
    async with site.app.db.read() as tx:
        rows = await tx.audit.list(incident_id=nr)
    assert any(r.action == "picture.revise" and not r.allowed and r.actor == SSP for r in rows)

    chief = site.browser("10.0.0.2")
    await chief.sign_in(CHIEF)
    board = section((await chief.client.get(f"/haendelse/{nr}")).text, "situationsbillede")
    assert "Navnet på den anholdte" in board
    async with site.app.db.read() as tx:
        rows = await tx.audit.list(incident_id=nr)
    assert any(r.action == "report.sensitive" and r.actor == CHIEF for r in rows)


async def test_outsiders_see_the_picture_but_get_no_form(site: Site) -> None:
    nr = await incident(site.app.db, site.app.plan)
    await site.sign_in(OUTSIDER)
    html = await _page(site, nr)
    assert 'id="situationsbillede"' in html and '/situationsbillede"' not in html
    token = await site.csrf(f"/haendelse/{nr}")
    answer = await _save(
        site,
        nr,
        {"csrf": token, "version": "0", "overskrift-1": "Hvad er sket?", "tekst-1": "Udefra"},
    )
    assert answer.headers["location"].endswith("?fejl=refused_action#situationsbillede")
    missing_csrf = await _save(site, nr, {"version": "0", "overskrift-1": "1", "tekst-1": "x"})
    assert missing_csrf.status_code == 403
    assert (await picture.current(db=site.app.db, plan=site.app.plan, incident_id=nr)).version == 0


async def test_a_briefing_from_the_picture_is_approved_and_sent_as_today(site: Site) -> None:
    nr = await incident(site.app.db, site.app.plan)
    await picture.revise(
        db=site.app.db,
        plan=site.app.plan,
        incident_id=nr,
        actor_id=CHIEF,
        channel="web",
        base_version=0,
        edits=[picture.Edit("1", "Brand i kælderen"), picture.Edit(SENSITIVE, "Navn")],
    )
    await site.sign_in(STAFF)
    html = await _page(site, nr)
    assert "Send som orientering" in section(html, "situationsbillede")
    token = await site.csrf(f"/haendelse/{nr}")
    answer = await site.client.post(
        f"/haendelse/{nr}/situationsbillede/orientering", data={"csrf": token, "til": "board"}
    )
    assert answer.headers["location"] == f"/haendelse/{nr}?ok=comm_drafted#kommunikation"
    async with site.app.db.read() as tx:
        [item] = await tx.communications.list(nr)
        log = await tx.log.list(nr)
    assert item.status is CommunicationStatus.DRAFT and "Brand i kælderen" in item.text
    assert "Navn" not in item.text
    assert any(e.kind is EntryKind.NOTE and "situationsbilledet version 1" in e.text for e in log)
    await communications.approve(
        db=site.app.db,
        plan=site.app.plan,
        incident_id=nr,
        communication_id=item.id,
        actor_id=CHIEF,
        channel="web",
    )
    sent = await communications.send(
        db=site.app.db,
        plan=site.app.plan,
        incident_id=nr,
        communication_id=item.id,
        actor_id=STAFF,
        channel="web",
    )
    assert sent.recipients
    await site.app.outbox.drain()
    bodies = []
    for mail in site.smtp.handler.received:
        body = mail.message.get_body(("plain",))
        assert body is not None
        bodies.append(body.get_content())
    briefed = [b for b in bodies if "Brand i kælderen" in b]
    assert briefed and not any("Navn" in b for b in briefed)
