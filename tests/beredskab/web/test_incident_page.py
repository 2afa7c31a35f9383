"""The live incident page: boards, actions by role, sensitive entries, live updates.

Pages are read over ASGI as a signed-in browser; the live stream is read from a real uvicorn
server on 127.0.0.1, because the ASGI test transport buffers a response until it ends.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from httpx import AsyncClient, Response

from beredskab.delivery import receipts
from beredskab.incident import acknowledgements, activation, steps
from beredskab.models import AuditEntry, LogEntry, StepStatus
from beredskab.settings import WebSettings
from beredskab.web import create_app
from beredskab.web.server import WebServer
from beredskab.web.session import COOKIE
from notifier.types import ChannelKind
from tests.beredskab.helpers import CHIEF, SSP, STAFF, deliveries
from tests.beredskab.web.site import Site
from tests.postgres import free_port

PARTICIPANT = "henrik-moeller"  # group 1 participant, phone and email
LOST = "omar-nielsen"  # group 1 participant whose every message fails in one test
ZONE_2_STAFF = "mikkel-juhl"


async def _activate(site: Site, *, zone: int | None = 1, drill: bool = False) -> int:
    result = await activation.activate(
        db=site.app.db,
        plan=site.app.plan,
        playbook="1",
        actor_id=CHIEF,
        channel="cli",
        description="Brand i opgang",
        zone=zone,
        drill=drill,
    )
    return result.incident.id


def section(html: str, name: str) -> str:
    """One board of the page (sections do not nest)."""
    start = html.index(f'<section class="card" id="{name}"')
    return html[start : html.index("</section>", start)]


def states(html: str) -> dict[str, str]:
    """Person id → state on the confirmation board."""
    found = re.findall(
        r'data-person="([^"]+)" data-state="([^"]+)"', section(html, "bekraeftelser")
    )
    return dict(found)


def person_block(html: str, person_id: str) -> str:
    board = section(html, "bekraeftelser")
    start = board.index(f'data-person="{person_id}"')
    return board[start : board.index("</ul>", start)]


def channel_line(kind: str, word: str, status: str) -> str:
    return f'<span>{kind}:</span> <span class="status-{status}">{word}</span>'


async def _log(site: Site, nr: int) -> list[LogEntry]:
    async with site.app.db.transaction() as tx:
        return await tx.log.list(nr)


async def _audit(site: Site, nr: int) -> list[AuditEntry]:
    async with site.app.db.transaction() as tx:
        return await tx.audit.list(incident_id=nr)


async def _post(site: Site, path: str, data: dict[str, str], *, page: str) -> Response:
    token = await site.csrf(page)
    return await site.client.post(path, data={"csrf": token, **data})


async def test_the_board_shows_each_persons_state_and_each_channels_delivery(site: Site) -> None:
    nr = await _activate(site)
    rows = await deliveries(site.app.db, nr)
    [lost_sms] = [d for d in rows if d.person_id == LOST and d.channel is ChannelKind.SMS]
    await receipts.apply_twilio_status(
        db=site.app.db, delivery_id=lost_sms.id, message_sid=None, status="undelivered"
    )
    site.smtp.handler.rcpt_reply = "550 5.1.1 Mailbox unavailable"
    await site.app.outbox.drain()
    site.smtp.handler.rcpt_reply = None
    await acknowledgements.record(
        db=site.app.db, plan=site.app.plan, incident_id=nr, person_id=SSP, via="sms"
    )

    await site.sign_in(CHIEF)
    html = (await site.client.get(f"/haendelse/{nr}")).text

    board = states(html)
    assert board[SSP] == "confirmed" and board[CHIEF] == "confirmed"
    assert board[PARTICIPANT] == "pending"
    assert board[LOST] == "unreachable"
    assert "Ikke nået" in person_block(html, LOST)
    assert "Svarede via SMS" in person_block(html, SSP)
    # Each channel's newest message and how far it got: SMS delivered, email refused.
    henrik = person_block(html, PARTICIPANT)
    assert channel_line("SMS", "leveret", "delivered") in henrik
    assert channel_line("E-mail", "fejlet", "failed") in henrik
    lost = person_block(html, LOST)
    assert channel_line("SMS", "fejlet", "failed") in lost
    assert channel_line("E-mail", "fejlet", "failed") in lost
    assert "2 af 10 har bekræftet" in section(html, "status")
    # Without JavaScript: a refresh link and the noscript note; the script is external.
    assert f'href="/haendelse/{nr}">Opdater</a>' in html
    assert "<noscript>" in html and '<script src="/static/live.js"' in html
    assert f'href="/haendelse/{nr}/rapport.pdf"' in html
    assert f'href="/haendelse/{nr}/rapport.html"' in html


async def test_not_signed_in_is_sent_to_sign_in(site: Site) -> None:
    nr = await _activate(site)
    for path in (f"/haendelse/{nr}", f"/haendelse/{nr}/dele", f"/haendelse/{nr}/live"):
        answer = await site.client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login?next=/haendelse/")
    answer = await site.client.post(f"/haendelse/{nr}/trin/1", data={"note": "x"})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    assert (await _log(site, nr))[-1].kind.value != "step"


async def test_a_missing_csrf_token_is_refused_and_changes_nothing(site: Site) -> None:
    nr = await _activate(site)
    await site.sign_in(CHIEF)
    before = await _log(site, nr)
    for token in ({}, {"csrf": "forged"}):
        answer = await site.client.post(f"/haendelse/{nr}/trin/1", data={"note": "x", **token})
        assert answer.status_code == 403
        answer = await site.client.post(f"/haendelse/{nr}/log", data={"tekst": "x", **token})
        assert answer.status_code == 403
    async with site.app.db.transaction() as tx:
        assert (await tx.steps.list(nr))[0].status is StepStatus.ACTIVE
    assert await _log(site, nr) == before


async def test_the_chief_marks_a_step_done_with_a_note(site: Site) -> None:
    nr = await _activate(site)
    await site.sign_in(CHIEF)
    answer = await _post(
        site,
        f"/haendelse/{nr}/trin/1",
        {"note": "Bestyrelsen ringet op"},
        page=f"/haendelse/{nr}",
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/haendelse/{nr}?ok=step_done#trin"
    html = (await site.client.get(answer.headers["location"])).text
    assert "Trinnet er markeret udført." in html
    first = section(html, "trin").split("</li>")[0]
    assert "Udført" in first and "Af Maria Friis" in first
    assert "Note: Bestyrelsen ringet op" in first
    assert "Aktuelt" in section(html, "trin").split("</li>")[1]  # the next step is current
    assert "Note: Bestyrelsen ringet op" in section(html, "log")


async def test_staff_without_the_owner_role_see_no_step_form_and_are_refused(site: Site) -> None:
    nr = await _activate(site)
    await site.sign_in(STAFF)
    html = (await site.client.get(f"/haendelse/{nr}")).text
    assert f'action="/haendelse/{nr}/trin/' not in html
    assert f'href="/haendelse/{nr}/afblaes"' not in html
    answer = await _post(site, f"/haendelse/{nr}/trin/1", {}, page=f"/haendelse/{nr}")
    assert answer.headers["location"] == f"/haendelse/{nr}?fejl=refused_action#trin"
    refusals = [a for a in await _audit(site, nr) if not a.allowed]
    assert [(a.actor, a.action, a.channel) for a in refusals] == [(STAFF, "step.done", "web")]


async def _outreach(site: Site, nr: int) -> None:
    """The chief reaches the outreach step: its tasks are created from the standing list."""
    async with site.app.db.transaction() as tx:
        position = next(
            s.position for s in await tx.steps.list(nr) if s.step_id == "opsoegende-kontakt"
        )
    await steps.finish(
        db=site.app.db,
        plan=site.app.plan,
        incident_id=nr,
        step_ref=str(position),
        actor_id=CHIEF,
        channel="cli",
    )


async def test_the_outreach_board_shows_who_contacts_whom_and_the_outcome(site: Site) -> None:
    nr = await _activate(site, zone=1)
    await _outreach(site, nr)
    async with site.app.db.transaction() as tx:
        mine = [t for t in await tx.tasks.list(nr) if t.assignee == STAFF]
        others = [t for t in await tx.tasks.list(nr) if t.assignee != STAFF]
    assert mine and others
    task = mine[0]
    await site.sign_in(STAFF)
    page = f"/haendelse/{nr}"
    html = (await site.client.get(page)).text
    board = section(html, "opgaver")
    assert f"Amira Hassan → {task.target_name}" in board
    assert f'action="/haendelse/{nr}/opgave/{task.number}"' in board
    assert f'action="/haendelse/{nr}/opgave/{others[0].number}"' not in board  # not hers
    assert "/videre" not in board  # only the chief hands tasks on

    answer = await _post(site, f"{page}/opgave/{task.number}", {"handling": "accept"}, page=page)
    assert answer.headers["location"] == f"{page}?ok=task_accepted#opgaver"
    answer = await _post(
        site,
        f"{page}/opgave/{task.number}",
        {"handling": "done", "resultat": "Varmemesteren er orienteret"},
        page=page,
    )
    assert answer.headers["location"] == f"{page}?ok=task_done#opgaver"
    board = section((await site.client.get(page)).text, "opgaver")
    line = board[board.index(f"<strong>{task.number}.</strong>") :].split("</li>")[0]
    assert "Udført" in line and "Resultat: Varmemesteren er orienteret" in line

    answer = await _post(site, f"{page}/opgave/{others[0].number}", {"handling": "done"}, page=page)
    assert answer.headers["location"] == f"{page}?fejl=refused_action#opgaver"


async def test_the_chief_hands_a_declined_task_on(site: Site) -> None:
    nr = await _activate(site, zone=1)
    await _outreach(site, nr)
    async with site.app.db.transaction() as tx:
        task = next(t for t in await tx.tasks.list(nr) if t.assignee == STAFF)
    await site.sign_in(STAFF)
    page = f"/haendelse/{nr}"
    declined = await _post(site, f"{page}/opgave/{task.number}", {"handling": "decline"}, page=page)
    assert declined.headers["location"] == f"{page}?ok=task_declined_offered#opgaver"
    notice = (await site.client.get(declined.headers["location"])).text
    assert "Opgaven er afvist og tilbudt den næste i kontaktlisten" in notice
    await site.client.post("/logout", data={"csrf": await site.csrf(page)})
    await site.sign_in(CHIEF)
    html = (await site.client.get(page)).text
    assert f'action="{page}/opgave/{task.number}/videre"' in section(html, "opgaver")
    answer = await _post(
        site, f"{page}/opgave/{task.number}/videre", {"til": ZONE_2_STAFF}, page=page
    )
    assert answer.headers["location"] == f"{page}?ok=task_reassigned#opgaver"
    board = section((await site.client.get(page)).text, "opgaver")
    assert f"Mikkel Juhl → {task.target_name}" in board


async def test_sensitive_entries_reach_only_the_chief_and_each_read_is_audited(
    site: Site,
) -> None:
    nr = await _activate(site)
    page = f"/haendelse/{nr}"
    await site.sign_in(CHIEF)
    answer = await _post(
        site, f"{page}/log", {"tekst": "Presse ringer til beboerne", "slags": "note"}, page=page
    )
    assert answer.headers["location"] == f"{page}?ok=note_added#log"
    await _post(
        site,
        f"{page}/log",
        {"tekst": "Navn på mistænkt: Jens", "slags": "decision", "fortrolig": "1"},
        page=page,
    )
    entries = await _log(site, nr)
    assert [(e.kind.value, e.sensitive) for e in entries[-2:]] == [
        ("note", False),
        ("decision", True),
    ]
    chief_view = (await site.client.get(page)).text
    assert "Navn på mistænkt: Jens" in section(chief_view, "log")
    assert "Fortrolig" in section(chief_view, "log")
    reads = [a for a in await _audit(site, nr) if a.action == "report.sensitive"]
    assert reads and all(a.actor == CHIEF and a.channel == "web" and a.allowed for a in reads)
    await site.client.post("/logout", data={"csrf": await site.csrf(page)})

    await site.sign_in(STAFF)
    before = len(await _audit(site, nr))
    for path in (page, f"{page}/dele"):
        html = (await site.client.get(path)).text
        assert "Presse ringer til beboerne" in html
        assert "mistænkt" not in html and "Jens" not in html
        assert "1 fortrolig post vises kun for beredskabets leder." in html
    # Staff reads are not sensitive reads: nothing to audit, and nothing refused either.
    assert len(await _audit(site, nr)) == before


async def test_a_correction_from_the_page_names_the_entry_it_corrects(site: Site) -> None:
    nr = await _activate(site)
    page = f"/haendelse/{nr}"
    await site.sign_in(CHIEF)
    note = {"tekst": "Unge ved p-pladsen", "slags": "note"}
    await _post(site, f"{page}/log", note, page=page)
    noted = (await _log(site, nr))[-1]
    fix = {"tekst": "Det var ved skolen", "slags": "correction"}
    uncited = await _post(site, f"{page}/log", fix, page=page)
    assert uncited.headers["location"] == f"{page}?fejl=uncited_correction#log"
    shown = (await site.client.get(uncited.headers["location"])).text
    assert "En rettelse skal sige, hvilken post den retter" in shown
    garbled = await _post(site, f"{page}/log", {**fix, "retter": "syv"}, page=page)
    assert garbled.headers["location"] == f"{page}?fejl=bad_entry_number#ny-post"
    assert (await _log(site, nr))[-1] == noted  # nothing written by either refusal
    cited = await _post(site, f"{page}/log", {**fix, "retter": f"#{noted.seq}"}, page=page)
    assert cited.headers["location"] == f"{page}?ok=note_added#log"
    entry = (await _log(site, nr))[-1]
    assert (entry.kind.value, entry.corrects) == ("correction", noted.seq)
    log = section((await site.client.get(page)).text, "log")
    assert f'<a href="#post-{noted.seq}">retter post {noted.seq}</a>' in log
    assert f'id="post-{noted.seq}"' in log


async def test_upgrade_from_group_1_to_2_asks_for_the_journal_number_first(site: Site) -> None:
    nr = await _activate(site)
    page = f"/haendelse/{nr}"
    await site.sign_in(CHIEF)
    assert f'href="{page}/opgrader"' in (await site.client.get(page)).text
    form = await site.client.get(f"{page}/opgrader")
    assert "Beredskabsgruppe 2" in form.text and 'name="journalnr"' in form.text
    token = await site.csrf(f"{page}/opgrader")
    missing = await site.client.post(f"{page}/opgrader", data={"csrf": token, "til": "gruppe-2"})
    assert missing.status_code == 400 and "Skriv politiets journalnummer" in missing.text
    assert 'name="afventer"' in form.text
    async with site.app.db.transaction() as tx:
        incident = await tx.incidents.get(nr)
    assert incident is not None and incident.playbook_id == "gruppe-1"

    answer = await site.client.post(
        f"{page}/opgrader", data={"csrf": token, "til": "gruppe-2", "journalnr": "3700-42"}
    )
    assert answer.headers["location"] == f"{page}?ok=upgraded_to"
    html = (await site.client.get(page)).text
    assert f"Hændelse {nr}: Beredskabsgruppe 2" in html
    assert "Journalnr. 3700-42" in html
    assert states(html)["kim-holm"] == "pending"  # the police joins
    assert states(html)[SSP] == "pending"  # a group-1 participant asked for group 2 too
    await site.app.outbox.drain()
    police = [m for m in site.smtp.handler.received if m.rcpt_tos == ["kim-holm@example.org"]]
    assert police, "the police contact was not told"
    log = section(html, "log")
    assert "bedt om at bekræfte" in log and "Kim Holm" in log


async def test_an_upgrade_on_the_web_with_the_number_pending_shows_it_missing(
    site: Site,
) -> None:
    nr = await _activate(site)
    page = f"/haendelse/{nr}"
    await site.sign_in(CHIEF)
    token = await site.csrf(f"{page}/opgrader")
    answer = await site.client.post(
        f"{page}/opgrader", data={"csrf": token, "til": "gruppe-2", "afventer": "1"}
    )
    assert answer.headers["location"] == f"{page}?ok=upgraded_to"
    html = (await site.client.get(page)).text
    assert f"Hændelse {nr}: Beredskabsgruppe 2" in html and "journalnr. mangler" in html


async def test_staff_cannot_upgrade_and_the_attempt_is_audited(site: Site) -> None:
    nr = await _activate(site)
    page = f"/haendelse/{nr}"
    await site.sign_in(STAFF)
    form = await site.client.get(f"{page}/opgrader")
    assert "Du kan ikke opgradere denne hændelse." in form.text
    token = await site.csrf(page)
    answer = await site.client.post(
        f"{page}/opgrader", data={"csrf": token, "til": "gruppe-2", "journalnr": "1"}
    )
    assert answer.status_code == 400  # no group to choose from for this person
    async with site.app.db.transaction() as tx:
        incident = await tx.incidents.get(nr)
    assert incident is not None and incident.playbook_id == "gruppe-1"


async def test_stand_down_asks_are_you_sure_then_tells_everyone(site: Site) -> None:
    nr = await _activate(site)
    page = f"/haendelse/{nr}"
    await site.app.outbox.drain()
    await site.sign_in(CHIEF)
    sure = await site.client.get(f"{page}/afblaes")
    assert "Er du sikker?" in sure.text and 'name="bekraeft" value="1"' in sure.text
    token = await site.csrf(f"{page}/afblaes")
    unconfirmed = await site.client.post(f"{page}/afblaes", data={"csrf": token})
    assert unconfirmed.headers["location"] == f"{page}/afblaes"
    async with site.app.db.transaction() as tx:
        incident = await tx.incidents.get(nr)
    assert incident is not None and incident.status.value == "active"

    answer = await site.client.post(
        f"{page}/afblaes", data={"csrf": token, "bekraeft": "1", "note": "Roligt igen"}
    )
    assert answer.headers["location"] == f"{page}?ok=stood_down"
    html = (await site.client.get(answer.headers["location"])).text
    assert "Beredskabet er afblæst." in html and "Afsluttet" in section(html, "status")
    assert "Afblæst af Maria Friis" in html
    assert f'href="{page}/afblaes"' not in html
    assert "Note: Roligt igen" in section(html, "log")
    await site.app.outbox.drain()
    told = {d.person_id for d in await deliveries(site.app.db, nr) if d.template == "stand_down"}
    assert {PARTICIPANT, SSP, CHIEF} <= told


async def test_staff_cannot_stand_down(site: Site) -> None:
    nr = await _activate(site)
    page = f"/haendelse/{nr}"
    await site.sign_in(STAFF)
    assert "Du kan ikke afblæse denne hændelse." in (await site.client.get(f"{page}/afblaes")).text
    answer = await _post(site, f"{page}/afblaes", {"bekraeft": "1"}, page=page)
    assert answer.headers["location"] == f"{page}?fejl=refused_action"
    async with site.app.db.transaction() as tx:
        incident = await tx.incidents.get(nr)
    assert incident is not None and incident.status.value == "active"
    assert [a.action for a in await _audit(site, nr) if not a.allowed] == ["close"]


def _session(site: Site) -> dict[str, str]:
    """The signed-in browser's session cookie, for a client on another host name."""
    return {"Cookie": f"{COOKIE}={site.client.cookies[COOKIE]}"}


@asynccontextmanager
async def serving(site: Site) -> AsyncIterator[tuple[AsyncClient, WebServer]]:
    """The service's own web server on a free 127.0.0.1 port, and a client with the cookies."""
    web = WebSettings(signin_per_minute=1000, host="127.0.0.1", port=free_port())
    site.app.settings = site.app.settings.model_copy(update={"web": web})
    server = WebServer(site.app)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:  # noqa: ASYNC110 - WebServer offers only this flag
                await asyncio.sleep(0.01)
        async with AsyncClient(
            base_url=f"http://127.0.0.1:{web.port}", headers=_session(site), timeout=10
        ) as client:
            yield client, server
    finally:
        server.stop()
        async with asyncio.timeout(10):
            await task


async def _next_state(lines: AsyncIterator[str]) -> dict[str, object]:
    """The data of the next ``state`` event in the stream."""
    event = ""
    async for line in lines:
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event == "state":
            data: dict[str, object] = json.loads(line.removeprefix("data: "))
            return data
    raise AssertionError("the stream ended without a state event")


async def test_a_confirmation_reaches_the_stream_and_the_fragments(site: Site) -> None:
    nr = await _activate(site)
    await site.sign_in(CHIEF)
    async with serving(site) as (client, _), asyncio.timeout(15):
        async with client.stream("GET", f"/haendelse/{nr}/live") as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.aiter_lines()
            first = await _next_state(lines)
            await acknowledgements.record(
                db=site.app.db, plan=site.app.plan, incident_id=nr, person_id=PARTICIPANT, via="sms"
            )
            second = await _next_state(lines)
        assert second["version"] != first["version"]
        assert second["confirmed"] == first["confirmed"] + 1  # type: ignore[operator]
        parts = await client.get(f"/haendelse/{nr}/dele")
    assert parts.status_code == 200 and "<html" not in parts.text
    assert states(parts.text)[PARTICIPANT] == "confirmed"
    assert 'id="trin"' in parts.text and 'id="log"' in parts.text


async def test_the_stream_ends_when_the_server_stops(site: Site) -> None:
    nr = await _activate(site)
    await site.sign_in(CHIEF)
    events: list[str] = []
    async with (
        serving(site) as (client, server),
        asyncio.timeout(15),
        client.stream("GET", f"/haendelse/{nr}/live") as stream,
    ):
        lines = stream.aiter_lines()
        await _next_state(lines)
        server.stop()
        events = [line async for line in lines if line.startswith("event: ")]
    assert events == ["event: bye"]


async def test_the_stream_stops_polling_when_the_browser_goes_away(site: Site) -> None:
    nr = await _activate(site)
    await site.sign_in(CHIEF)
    sock = socket.create_server(("127.0.0.1", 0))  # listening before uvicorn takes it over
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(site.app), lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    async with asyncio.timeout(15):
        async with (
            AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=_session(site)) as client,
            client.stream("GET", f"/haendelse/{nr}/live") as stream,
        ):
            await _next_state(stream.aiter_lines())
        # Only uvicorn is asked to exit, the stream gets no stop signal: uvicorn waits for
        # open requests, so this ends in time only if the stream noticed the browser left.
        server.should_exit = True
        await task


async def test_the_stream_of_an_unknown_incident_is_404(site: Site) -> None:
    await site.sign_in(CHIEF)
    assert (await site.client.get("/haendelse/999/live")).status_code == 404
    missing = await site.client.get("/haendelse/999")
    assert missing.status_code == 404 and "Der er ingen hændelse med det nummer." in missing.text


async def test_a_drill_is_marked_and_english_readers_get_english(site: Site) -> None:
    nr = await _activate(site, drill=True)
    await site.sign_in("daniel-okafor")  # language "en" in the directory; the toggle decides
    page = f"/haendelse/{nr}"
    await site.client.post("/sprog", data={"csrf": await site.csrf(page), "lang": "en"})
    html = (await site.client.get(page)).text
    assert '<span class="drill">DRILL</span>' in html
    assert "Confirmations" in html and "Situation log" in html and "Refresh" in html


async def test_crisis_communication_is_drafted_approved_by_the_chief_and_sent(
    site: Site,
) -> None:
    nr = await _activate(site)
    page = f"/haendelse/{nr}"
    await site.sign_in(STAFF)
    answer = await _post(
        site, f"{page}/kommunikation", {"til": "board", "skabelon": "board_orientation"}, page=page
    )
    assert answer.headers["location"] == f"{page}?ok=comm_drafted#kommunikation"
    async with site.app.db.transaction() as tx:
        [item] = await tx.communications.list(nr)
    board = section((await site.client.get(page)).text, "kommunikation")
    assert "Orientering til bestyrelsen: Brand i opgang" in board
    assert "Venter på projektchefens godkendelse." in board
    assert f"{page}/kommunikation/{item.id}/godkend" not in board
    letter = "Kære bestyrelse. Branden er slukket; ingen kom til skade."
    answer = await _post(
        site,
        f"{page}/kommunikation/{item.id}/ret",
        {"emne": "Brand i opgang 3", "tekst": letter},
        page=page,
    )
    assert answer.headers["location"] == f"{page}?ok=comm_saved#kommunikation"
    refused = await _post(site, f"{page}/kommunikation/{item.id}/godkend", {}, page=page)
    assert refused.headers["location"] == f"{page}?fejl=refused_action#kommunikation"
    assert [(a.actor, a.action) for a in await _audit(site, nr) if not a.allowed] == [
        (STAFF, "communication.approve")
    ]
    await site.client.post("/logout", data={"csrf": await site.csrf(page)})

    await site.sign_in(CHIEF)
    board = section((await site.client.get(page)).text, "kommunikation")
    assert letter in board and f"{page}/kommunikation/{item.id}/godkend" in board
    answer = await _post(site, f"{page}/kommunikation/{item.id}/godkend", {}, page=page)
    assert answer.headers["location"] == f"{page}?ok=comm_approved#kommunikation"
    board = section((await site.client.get(page)).text, "kommunikation")
    assert "Send til Bestyrelsen (5)" in board
    answer = await _post(site, f"{page}/kommunikation/{item.id}/send", {}, page=page)
    assert answer.headers["location"] == f"{page}?ok=comm_sent#kommunikation"

    await site.app.outbox.drain()
    members = {p.email for p in site.app.plan.directory.with_role("bestyrelse")}
    got = {
        m.rcpt_tos[0]
        for m in site.smtp.handler.received
        if m.message["Subject"] == "Brand i opgang 3"
        and letter in str(m.message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    }
    assert got == members
    html = (await site.client.get(page)).text
    assert "Sendt kl." in section(html, "kommunikation") and "til 5 modtagere" in html
    assert "Krisekommunikation 1 sendt til bestyrelsen af Maria Friis: 5 modtagere" in section(
        html, "log"
    )


async def test_out_of_bounds_form_input_and_ids_are_4xx_and_change_nothing(site: Site) -> None:
    nr = await _activate(site)
    page = f"/haendelse/{nr}"
    await site.sign_in(CHIEF)
    before = await _log(site, nr)
    for data in ({"tekst": "nul \x00 her"}, {"tekst": "x", "x" * 65: "1"}, {"tekst": "y" * 4001}):
        answer = await _post(site, f"{page}/log", data, page=page)
        assert answer.status_code == 400, data
    for path in ("/haendelse/2147483648", "/haendelse/%C2%B2", "/haendelse/0/dele"):
        assert (await site.client.get(path)).status_code == 404, path
    answer = await _post(site, f"{page}/opgave/99999999999", {"handling": "ok"}, page=page)
    assert answer.status_code == 404
    assert await _log(site, nr) == before


async def test_a_communication_is_drafted_for_several_audiences(site: Site) -> None:
    nr = await _activate(site)
    page = f"/haendelse/{nr}"
    await site.sign_in(STAFF)
    board = section((await site.client.get(page)).text, "kommunikation")
    assert 'name="til" value="residents"' in board and 'name="til" value="press"' in board
    token = await site.csrf(page)
    answer = await site.client.post(
        f"{page}/kommunikation", data={"csrf": token, "til": ["press", "residents"]}
    )
    assert answer.headers["location"] == f"{page}?ok=comm_drafted#kommunikation"
    async with site.app.db.transaction() as tx:
        [item] = await tx.communications.list(nr)
    assert (item.audience, item.template) == ("residents,press", "resident_information")
    board = section((await site.client.get(page)).text, "kommunikation")
    assert "Tilmeldte beboere, Pressen" in board
    token = await site.csrf(page)
    unknown = await site.client.post(
        f"{page}/kommunikation", data={"csrf": token, "til": ["press", "tv"]}
    )
    assert unknown.headers["location"] == f"{page}?fejl=missing_choice#kommunikation"
