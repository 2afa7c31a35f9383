"""The directory editor on the web (/kontaktliste): who may use it, edits, refusals, history,
and importing CSV and XLSX after a preview. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook
from sqlalchemy import text

from beredskab.directory import store
from beredskab.directory.document import contacts_of
from tests.beredskab.web.site import Site

LEADER = "karen-hald"
STAFF = "amira-hassan"
CHIEF = "maria-friis"
BASE = re.compile(r'name="base" value="(\d*)"')
CONFIRM = re.compile(r'action="/kontaktliste/import/(\d+)"')


def _person_form(site: Site, page: str, **changes: object) -> dict[str, object]:
    """The posted values of a person form as the page shows them, with ``changes``."""
    person = site.app.plan.directory.person(STAFF)
    assert person is not None
    base = BASE.search(page)
    assert base is not None
    form: dict[str, object] = {
        "base": base.group(1),
        "name": person.name,
        "title": person.title,
        "organisation": person.organisation,
        "phone": person.phone or "",
        "email": person.email or "",
        "language": "",
        "deputy": person.deputy or "",
        "zones": ", ".join(str(z) for z in person.zones),
        "roles": list(person.roles),
        "contacts": list(contacts_of(site.app.plan.directory.assignments, STAFF)),
    }
    form.update(changes)
    return form


async def _edit(site: Site, **changes: object) -> tuple[int, str]:
    page = await site.client.get(f"/kontaktliste/person/{STAFF}")
    assert page.status_code == 200, page.text
    form = _person_form(site, page.text, **changes)
    form["csrf"] = await site.csrf(f"/kontaktliste/person/{STAFF}")
    answer = await site.client.post(f"/kontaktliste/person/{STAFF}", data=form)
    return answer.status_code, answer.text


async def test_only_the_secretariat_leader_opens_the_directory(site: Site) -> None:
    await site.sign_in(STAFF)
    refused = await site.client.get("/kontaktliste")
    assert refused.status_code == 403
    assert "Kun sekretariatslederen" in refused.text
    csrf = await site.csrf("/")
    post = await site.client.post(
        f"/kontaktliste/person/{STAFF}", data={"csrf": csrf, "name": "Taken Over"}
    )
    assert post.status_code == 403
    assert await store.head(site.app.db) is None
    async with site.app.db.read() as tx:
        audit = await tx.audit.list()
    assert sorted(a.action for a in audit if not a.allowed) == ["directory.edit", "web.directory"]
    home = await site.client.get("/")
    assert 'href="/kontaktliste"' not in home.text


async def test_the_leader_edits_a_person_and_sees_the_history(site: Site) -> None:
    await site.sign_in(LEADER)
    listing = await site.client.get("/kontaktliste")
    assert listing.status_code == 200 and "Amira Hassan" in listing.text
    assert "I brug: filen" in listing.text

    status, _ = await _edit(site, phone="20 10 00 99", contacts=["varmemester-zone-1"])
    assert status == 303
    person = site.app.plan.directory.person(STAFF)
    assert person is not None and person.phone == "+4520100099"  # in use at once
    assert site.app.directory_revision == 1
    assert contacts_of(site.app.plan.directory.assignments, STAFF) == ("varmemester-zone-1",)

    history = await site.client.get(f"/kontaktliste/person/{STAFF}/historik")
    assert history.status_code == 200
    assert "+4520100016" in history.text and "+4520100099" in history.text
    assert LEADER in history.text


async def test_an_invalid_edit_is_refused_with_the_reason_and_stores_nothing(site: Site) -> None:
    await site.sign_in(LEADER)
    status, text = await _edit(site, phone="12", deputy="nobody-here")
    assert status == 400
    assert "&#39;12&#39; is not a valid phone number" in text
    assert "deputy &#39;nobody-here&#39; is not a person" in text
    assert await store.head(site.app.db) is None

    page = await site.client.get(f"/kontaktliste/person/{STAFF}")
    form = _person_form(site, page.text, name="Amira Stale")
    await _edit(site, name="Amira First")  # someone else's change meanwhile
    form["csrf"] = await site.csrf("/")
    stale = await site.client.post(f"/kontaktliste/person/{STAFF}", data=form)
    assert stale.status_code == 409
    assert "ændret af en anden" in stale.text
    person = site.app.plan.directory.person(STAFF)
    assert person is not None and person.name == "Amira First"


async def test_removing_a_person_a_playbook_needs_is_refused(site: Site) -> None:
    await site.sign_in(LEADER)
    page = await site.client.get(f"/kontaktliste/person/{CHIEF}")
    base = BASE.search(page.text)
    assert base is not None
    csrf = await site.csrf("/")
    unconfirmed = await site.client.post(
        f"/kontaktliste/person/{CHIEF}/fjern", data={"csrf": csrf, "base": base.group(1)}
    )
    assert unconfirmed.status_code == 400 and "Sæt flueben" in unconfirmed.text
    refused = await site.client.post(
        f"/kontaktliste/person/{CHIEF}/fjern",
        data={"csrf": csrf, "base": base.group(1), "bekraeft": "1"},
    )
    assert refused.status_code == 400
    assert "holds role &#39;projektchef&#39;" in refused.text
    assert site.app.plan.directory.person(CHIEF) is not None

    added = await site.client.post(
        "/kontaktliste/ny",
        data={
            "csrf": csrf,
            "base": base.group(1),
            "id": "ny-person",
            "name": "Ny Person",
            "phone": "20 10 00 77",
            "email": "ny-person@example.org",
            "roles": ["sekretariat"],
        },
    )
    assert added.status_code == 303, added.text
    assert site.app.plan.directory.person("ny-person") is not None
    gone = await site.client.post(
        "/kontaktliste/person/ny-person/fjern",
        data={"csrf": csrf, "base": "1", "bekraeft": "1"},
    )
    assert gone.status_code == 303, gone.text
    assert site.app.plan.directory.person("ny-person") is None


async def test_a_form_without_csrf_changes_nothing(site: Site) -> None:
    await site.sign_in(LEADER)
    answer = await site.client.post(f"/kontaktliste/person/{STAFF}", data={"name": "X"})
    assert answer.status_code == 403
    assert await store.head(site.app.db) is None


async def _upload(site: Site, name: str, content: bytes) -> tuple[int, str]:
    csrf = await site.csrf("/kontaktliste/import")
    answer = await site.client.post(
        "/kontaktliste/import", data={"csrf": csrf}, files={"fil": (name, content)}
    )
    return answer.status_code, answer.text


async def test_a_csv_import_is_previewed_then_applied_once(site: Site) -> None:
    await site.sign_in(LEADER)
    sheet = (await site.client.get("/kontaktliste/eksport.csv")).text
    assert sheet.startswith("id,name,title")
    changed = sheet.replace("Amira Hassan", "Amira Regneark")
    changed = "\n".join(line for line in changed.splitlines() if not line.startswith("hanne-vind,"))
    status, text = await _upload(site, "kontakter.csv", changed.encode())
    assert status == 200, text
    assert "Amira Regneark" in text and "hanne-vind" in text
    assert "0 tilføjet, 1 ændret, 1 fjernet" in text
    assert await store.head(site.app.db) is None  # nothing before the confirmation

    found = CONFIRM.search(text)
    assert found is not None
    csrf = await site.csrf("/")
    applied = await site.client.post(f"/kontaktliste/import/{found.group(1)}", data={"csrf": csrf})
    assert applied.status_code == 303
    person = site.app.plan.directory.person(STAFF)
    assert person is not None and person.name == "Amira Regneark"
    assert site.app.plan.directory.person("hanne-vind") is None
    again = await site.client.post(f"/kontaktliste/import/{found.group(1)}", data={"csrf": csrf})
    assert again.status_code == 409 and "allerede gemt" in again.text


async def test_an_import_lists_every_problem_by_row(site: Site) -> None:
    await site.sign_in(LEADER)
    sheet = (await site.client.get("/kontaktliste/eksport.csv")).text
    lines = sheet.splitlines()
    lines[2] = lines[2].replace("+4520100002", "123")  # row 3: vagtcentral-fiktiv
    lines.append("NY,,,,,,,,,,")
    status, text = await _upload(site, "kontakter.csv", "\n".join(lines).encode())
    assert status == 400
    assert "row 3.phone: &#39;123&#39; is not a valid phone number" in text
    assert f"row {len(lines)}.id" in text and f"row {len(lines)}.name" in text
    assert CONFIRM.search(text) is None

    status, text = await _upload(site, "kontakter.pdf", b"%PDF")
    assert status == 400 and "is not a .toml, .csv or .xlsx file" in text
    status, text = await _upload(site, "kontakter.xlsx", b"not a workbook")
    assert status == 400 and "not an Excel workbook" in text


async def test_an_xlsx_import_is_read_like_the_csv(site: Site) -> None:
    await site.sign_in(LEADER)
    exported = (await site.client.get("/kontaktliste/eksport.csv")).text
    rows = list(csv.reader(io.StringIO(exported)))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    header = rows[0]
    for row in rows:
        cells: list[object] = []
        for column, value in zip(header, row, strict=False):
            if column == "phone" and value.startswith("+45"):
                cells.append(int(value[3:]))  # a phone typed as a number
            else:
                cells.append(value.replace("Amira Hassan", "Amira Excel"))
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    status, text = await _upload(site, "kontakter.xlsx", out.getvalue())
    assert status == 200, text
    assert "0 tilføjet, 1 ændret, 0 fjernet" in text and "Amira Excel" in text


async def test_the_import_page_takes_a_file_larger_than_other_forms(site: Site) -> None:
    await site.sign_in(LEADER)
    sheet = (await site.client.get("/kontaktliste/eksport.csv")).text
    padded = sheet + "\n" * (site.app.settings.web.max_body_bytes + 1000)  # blank rows
    status, text = await _upload(site, "kontakter.csv", padded.encode())
    assert status == 200, text
    assert "Filen ændrer intet" in text and CONFIRM.search(text) is None
    csrf = await site.csrf("/")
    other = await site.client.post(
        "/kontaktliste/ny", data={"csrf": csrf, "name": "x" * site.app.settings.web.max_body_bytes}
    )
    assert other.status_code == 413

    status, text = await _upload(site, "", b"")
    assert status == 400 and "Vælg en fil" in text


async def test_only_the_leader_may_upload(site: Site) -> None:
    await site.sign_in(STAFF)
    csrf = await site.csrf("/")
    answer = await site.client.post(
        "/kontaktliste/import",
        data={"csrf": csrf},
        files={"fil": ("kontakter.csv", b"id,name\nx,X\n")},
    )
    assert answer.status_code == 403
    async with site.app.db.read() as tx:
        assert await tx.directory.pending_import(1) is None


async def test_a_stored_directory_that_no_longer_loads_is_said_plainly(site: Site) -> None:
    """A revision that stops loading after start (edited in the database, a stricter check
    after an upgrade): the pages answer 503 with the problem and the way out, never a 500,
    and the service keeps the plan it has."""
    await site.sign_in(LEADER)
    status, _ = await _edit(site, phone="20 10 00 99")
    assert status == 303
    async with site.app.db.engine.begin() as conn:
        await conn.execute(
            text("UPDATE directory_revisions SET document = :doc WHERE number = 1"),
            {"doc": '{"people": [{"id": "x"}]}'},
        )
    for path in ("/kontaktliste", "/kontaktliste/ny", f"/kontaktliste/person/{STAFF}"):
        answer = await site.client.get(path)
        assert answer.status_code == 503, (path, answer.text)
        assert "Kontaktlisten kan ikke læses" in answer.text
        assert "directory import FIL --apply" in answer.text
    person = site.app.plan.directory.person(STAFF)
    assert person is not None and person.phone == "+4520100099"  # the running plan is kept
