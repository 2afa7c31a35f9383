"""The public notice page /info and its Atom feed through the whole web app: no sign-in, no
personal data, ETag/Last-Modified with 304s, publishing from the incident page, withdrawal,
the all-clear at the stand-down, drills never."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import feedparser
import pytest
from httpx import ASGITransport, AsyncClient, Response

from beredskab.app import App
from beredskab.communications import notices
from beredskab.incident import activation, standdown
from beredskab.settings import PublicInfoSettings, WebSettings
from beredskab.web import create_app
from tests.beredskab.helpers import CHIEF, STAFF
from tests.beredskab.web.site import BASE, Site
from tests.beredskab.web.test_ack_links import settings_for
from tests.conftest import TestClock
from tests.peers.smtp import SmtpPeer

ATOM = "{http://www.w3.org/2005/Atom}"
AREA = "Boligområdet Nord"
JOURNAL = "0100-76543-00123-26"


@pytest.fixture
async def info(
    tmp_path: Path, smtp_peer: SmtpPeer, clock: TestClock, db_url: str
) -> AsyncIterator[Site]:
    """The service with its own public-page settings, and a browser on it."""
    settings = settings_for(tmp_path, smtp_peer, db_url).model_copy(
        update={
            "web": WebSettings(signin_per_minute=1000),
            "public_info": PublicInfoSettings(area_name=AREA, max_age_seconds=120, feed_entries=3),
        }
    )
    app = App.build(settings, clock=clock)
    await app.start()
    asgi = create_app(app)
    try:
        async with AsyncClient(transport=ASGITransport(app=asgi), base_url=BASE) as client:
            yield Site(app, client, smtp_peer, clock, web=asgi)
    finally:
        await app.aclose()


async def _incident(site: Site, *, drill: bool = False) -> int:
    result = await activation.activate(
        db=site.app.db,
        plan=site.app.plan,
        playbook="2",
        actor_id=CHIEF,
        channel="cli",
        description="Brand i opgang 3",
        zone=2,
        police_case=JOURNAL,
        drill=drill,
    )
    return result.incident.id


async def _post(site: Site, path: str, data: dict[str, str], *, page: str) -> Response:
    return await site.client.post(path, data={"csrf": await site.csrf(page), **data})


async def _draft(site: Site, nr: int) -> int:
    """Staff drafts the residents' information on the incident page; its id."""
    page = f"/haendelse/{nr}"
    answer = await _post(
        site,
        f"{page}/kommunikation",
        {"til": "operations", "skabelon": "resident_information"},
        page=page,
    )
    assert answer.headers["location"] == f"{page}?ok=comm_drafted#kommunikation"
    async with site.app.db.read() as tx:
        return max(c.id for c in await tx.communications.list(nr))


def _personal(site: Site) -> list[str]:
    """Everything that must never be on the public page or in its feed."""
    found = [JOURNAL]
    for person in site.app.plan.directory.people:
        found += [person.name, *(v for v in (person.phone, person.email) if v)]
        if person.phone:
            found.append(person.phone.removeprefix("+45"))
    return found


def _no_personal_data(site: Site, body: str) -> None:
    leaked = [value for value in _personal(site) if value in body]
    assert leaked == []


def _atom(body: bytes) -> ET.Element:
    """The feed as XML, with Atom 1.0's required elements checked by namespace."""
    root = ET.fromstring(body)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None, required
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    [self_link] = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link.get("href") == f"{BASE}/info/feed.atom"
    for entry in root.findall(f"{ATOM}entry"):
        for required in ("id", "title", "updated", "content"):
            assert entry.find(f"{ATOM}{required}") is not None, required
    return root


async def test_the_empty_page_says_so_plainly_without_sign_in(info: Site) -> None:
    page = await info.client.get("/info")
    assert page.status_code == 200, page.text
    assert "Ingen aktuelle meddelelser" in page.text and AREA in page.text
    assert "set-cookie" not in page.headers and 'name="csrf"' not in page.text
    assert page.headers["cache-control"] == "public, max-age=120"
    assert page.headers["etag"].startswith('"') and "last-modified" not in page.headers
    assert 'name="viewport"' in page.text and 'href="/info/feed.atom"' in page.text

    feed = await info.client.get("/info/feed.atom")
    assert feed.headers["content-type"] == "application/atom+xml; charset=utf-8"
    root = _atom(feed.content)
    assert root.findall(f"{ATOM}entry") == []
    parsed = feedparser.parse(feed.content)
    assert not parsed.bozo and parsed.version == "atom10"
    assert parsed.feed.title == f"Information til beboerne – {AREA}"
    assert (await info.client.head("/info")).status_code == 200


async def test_the_chief_publishes_from_the_incident_page_and_residents_read_it(
    info: Site,
) -> None:
    nr = await _incident(info)
    page = f"/haendelse/{nr}"
    await info.sign_in(STAFF)
    cid = await _draft(info, nr)
    board = (await info.client.get(page)).text
    assert f"{page}/info/kommunikation/{cid}/godkend" not in board  # staff does not approve
    refused = await _post(info, f"{page}/info/kommunikation/{cid}/godkend", {}, page=page)
    assert refused.headers["location"] == f"{page}?fejl=refused_action#kommunikation"
    await info.client.post("/logout", data={"csrf": await info.csrf(page)})

    await info.sign_in(CHIEF)
    board = (await info.client.get(page)).text
    assert "Godkend og offentliggør på /info" in board
    answer = await _post(info, f"{page}/info/kommunikation/{cid}/godkend", {}, page=page)
    assert answer.headers["location"] == f"{page}?ok=info_published#kommunikation"
    board = (await info.client.get(answer.headers["location"])).text
    assert "Meddelelsen er offentliggjort på /info." in board
    assert "Offentliggjort på /info" in board and "Træk tilbage fra /info" in board
    assert "offentliggjort på /info af Maria Friis" in board  # the situation log
    async with info.app.db.read() as tx:
        item = await tx.communications.get(cid)
    assert item is not None and item.status.value == "approved"

    resident = info.browser("198.51.100.7")  # no session
    public = await resident.client.get("/info")
    assert public.status_code == 200
    assert "Aktuelle meddelelser" in public.text and item.subject in public.text
    assert "Der er sket en hændelse i zone 2: Brand i opgang 3" in public.text
    assert "Offentliggjort <time" in public.text and "27. november 2026 kl. 03:00" in public.text
    _no_personal_data(info, public.text)

    feed = await resident.client.get("/info/feed.atom")
    _no_personal_data(info, feed.text)
    root = _atom(feed.content)
    [entry] = root.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == item.subject
    assert entry.findtext(f"{ATOM}updated") == "2026-11-27T02:00:00Z"
    parsed = feedparser.parse(feed.content)
    assert not parsed.bozo
    [read] = parsed.entries
    assert read.title == item.subject and read.content[0].value == item.text
    assert read.id.startswith(f"{BASE}/info#m") and read.updated_parsed[:5] == (2026, 11, 27, 2, 0)


async def test_unchanged_page_and_feed_answer_304_and_a_change_answers_200(info: Site) -> None:
    nr = await _incident(info)
    await info.sign_in(STAFF)
    cid = await _draft(info, nr)
    await info.client.post("/logout", data={"csrf": await info.csrf(f"/haendelse/{nr}")})
    await _approve_and_publish(info, nr, cid)
    for path in ("/info", "/info/feed.atom"):
        first = await info.client.get(path)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert parsedate_to_datetime(modified) == info.clock.now
        same = await info.client.get(path, headers={"If-None-Match": etag})
        assert (same.status_code, same.content) == (304, b"")
        assert same.headers["etag"] == etag and same.headers["last-modified"] == modified
        assert same.headers["cache-control"] == "public, max-age=120"
        listed = await info.client.get(path, headers={"If-None-Match": f'"x", W/{etag}'})
        assert listed.status_code == 304
        since = await info.client.get(path, headers={"If-Modified-Since": modified})
        assert since.status_code == 304
        older = format_datetime(parsedate_to_datetime(modified).replace(year=2025), usegmt=True)
        assert (
            await info.client.get(path, headers={"If-Modified-Since": older})
        ).status_code == 200
        # If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
        other = await info.client.get(
            path, headers={"If-None-Match": '"other"', "If-Modified-Since": modified}
        )
        assert other.status_code == 200 and other.content == first.content
    assert (await info.client.get("/info")).headers["etag"] != first.headers["etag"]

    old_page = await info.client.get("/info")
    info.clock.advance(minutes=5)
    async with info.app.db.read() as tx:
        [notice] = await tx.notices.of_incident(nr)
    await notices.withdraw(
        db=info.app.db,
        plan=info.app.plan,
        incident_id=nr,
        notice_id=notice.id,
        actor_id=CHIEF,
        channel="api",
        note="Oplysningerne var forkerte; ny meddelelse følger.",
    )
    changed = await info.client.get("/info", headers={"If-None-Match": old_page.headers["etag"]})
    assert changed.status_code == 200 and changed.headers["etag"] != old_page.headers["etag"]
    assert parsedate_to_datetime(changed.headers["last-modified"]) == info.clock.now
    stale = await info.client.get(
        "/info", headers={"If-Modified-Since": old_page.headers["last-modified"]}
    )
    assert stale.status_code == 200


async def _approve_and_publish(site: Site, nr: int, cid: int) -> None:
    await site.sign_in(CHIEF)
    page = f"/haendelse/{nr}"
    answer = await _post(site, f"{page}/info/kommunikation/{cid}/godkend", {}, page=page)
    assert answer.headers["location"] == f"{page}?ok=info_published#kommunikation"


async def test_a_withdrawal_and_the_all_clear_show_latest_first_with_their_times(
    info: Site,
) -> None:
    nr = await _incident(info)
    await info.sign_in(STAFF)
    cid = await _draft(info, nr)
    await info.client.post("/logout", data={"csrf": await info.csrf(f"/haendelse/{nr}")})
    await _approve_and_publish(info, nr, cid)
    async with info.app.db.read() as tx:
        [notice] = await tx.notices.of_incident(nr)
    page = f"/haendelse/{nr}"
    info.clock.advance(minutes=10)
    answer = await _post(
        info,
        f"{page}/info/{notice.id}/tilbagetraek",
        {"begrundelse": "Oplysningen om vandet var forkert."},
        page=page,
    )
    assert answer.headers["location"] == f"{page}?ok=info_withdrawn#kommunikation"
    assert "Trukket tilbage fra /info" in (await info.client.get(page)).text
    public = (await info.client.get("/info")).text
    assert f"<s>{notice.title}</s>" in public and "Trukket tilbage" in public
    assert "kl. 03:10" in public and "Oplysningen om vandet var forkert." in public
    assert notice.text not in public

    info.clock.advance(minutes=50)
    await standdown.close(
        db=info.app.db, plan=info.app.plan, incident_id=nr, actor_id=CHIEF, channel="web"
    )
    public = (await info.client.get("/info")).text
    assert "Ingen aktuelle meddelelser" in public
    assert "Seneste afblæsning: Beredskabet er afblæst" in public
    assert "27. november 2026 kl. 04:00" in public
    assert "beredskabet er afblæst kl. 04:00" in public
    _no_personal_data(info, public)

    feed = await info.client.get("/info/feed.atom")
    parsed = feedparser.parse(feed.content)
    assert not parsed.bozo
    assert [e.title for e in parsed.entries] == [
        "Beredskabet er afblæst",
        f"Trukket tilbage: {notice.title}",
    ]
    assert notice.text not in feed.text
    assert "Oplysningen om vandet var forkert." in parsed.entries[1].content[0].value
    assert parsed.entries[1].updated_parsed[:5] == (2026, 11, 27, 2, 10)
    _no_personal_data(info, feed.text)


async def test_a_drill_is_never_published_and_personal_data_is_refused(info: Site) -> None:
    drill = await _incident(info, drill=True)
    await info.sign_in(STAFF)
    drill_cid = await _draft(info, drill)
    await info.client.post("/logout", data={"csrf": await info.csrf(f"/haendelse/{drill}")})
    await info.sign_in(CHIEF)
    page = f"/haendelse/{drill}"
    board = (await info.client.get(page)).text
    assert "Øvelser offentliggøres aldrig på /info." in board
    assert f"/info/kommunikation/{drill_cid}/" not in board
    answer = await _post(info, f"{page}/info/kommunikation/{drill_cid}/godkend", {}, page=page)
    assert answer.headers["location"] == f"{page}?fejl=not_possible#kommunikation"
    assert "Ingen aktuelle meddelelser" in (await info.client.get("/info")).text

    nr = await _incident(info)
    page = f"/haendelse/{nr}"
    cid = await _draft(info, nr)  # the chief drafts too
    await _post(
        info,
        f"{page}/kommunikation/{cid}/ret",
        {"emne": "Brand i opgang 3", "tekst": "Spørgsmål? Ring til Maria Friis på 20 30 40 50."},
        page=page,
    )
    answer = await _post(info, f"{page}/info/kommunikation/{cid}/godkend", {}, page=page)
    assert answer.headers["location"] == f"{page}?fejl=info_personal_data#kommunikation"
    shown = (await info.client.get(answer.headers["location"])).text
    assert "Teksten indeholder personoplysninger" in shown
    assert "Ingen aktuelle meddelelser" in (await info.client.get("/info")).text
