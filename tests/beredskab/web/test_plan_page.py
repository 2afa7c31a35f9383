"""/plan and /plan.pdf: the whole plan for any signed-in person, on a phone, in print and as
PDF, without anyone's phone number or email address."""

from __future__ import annotations

import html
import io
import re

from pypdf import PdfReader

from beredskab.plan import Plan
from beredskab.report import plan as plan_view
from beredskab.report import plan_document
from tests.beredskab.helpers import STAFF
from tests.beredskab.web.site import Site

PAGE_NUMBER = re.compile(r"Side (\d+) af (\d+)")


def _contact_data(plan: Plan) -> list[str]:
    """Every phone number (as written and as national digits) and email in the directory."""
    found: list[str] = []
    items = [*plan.directory.people, *plan.directory.data.targets]
    for item in items:
        if item.phone:
            digits = re.sub(r"\D", "", item.phone)
            found += [item.phone, digits[-8:], " ".join(re.findall("..", digits[-8:]))]
        if item.email:
            found.append(item.email)
    assert found
    return found


def _expected(plan: Plan) -> list[str]:
    """Texts the whole plan must show: one of each kind of content, from every playbook."""
    out: list[str] = []
    labels = plan.labels()
    for pb in plan.playbooks.playbooks:
        out += [pb.name, pb.purpose[0], pb.principles[0], pb.situation_picture.headings[-1]]
        out.append(" ".join(pb.crisis_definition.split())[:60])
        out += [d.text.strip() for d in pb.duties]
        out += [s.title for s in pb.steps]
        out += [labels[s.owner_role] for s in pb.steps]
        out += [g.name for g in pb.outreach_groups]
        out += [c.audience for c in pb.communication]
        out += [f.text for f in pb.follow_up]
    return out


async def test_a_signed_in_person_reads_the_whole_plan(site: Site) -> None:
    plan = site.app.plan
    await site.sign_in(STAFF)
    answer = await site.client.get("/plan")
    assert answer.status_code == 200
    text = html.unescape(answer.text)
    for expected in _expected(plan):
        assert expected in text, expected
    # Duties with their kind and source; steps with deadline and what they trigger.
    assert "efter behov" in text and "(§3)" in text
    assert "Frist: 15 min efter aktivering" in text
    assert "Sender orienteringen af bestyrelsen til" in text
    # Who contacts whom, as the directory has it, in sentences.
    assert "Amira Hassan kontakter Varmemester, zone 1 (fiktiv) (zone 1)" in text
    # Roles and who holds them.
    roles = text.split('id="roles-h"', 1)[1].split('id="signoff-h"', 1)[0]
    assert "Politiets kontaktperson" in roles and "Kim Holm" in roles
    for secret in _contact_data(plan):
        assert secret not in text, secret
    assert "@" not in text


async def test_the_page_fits_a_phone_and_prints(site: Site) -> None:
    await site.sign_in(STAFF)
    page = (await site.client.get("/plan")).text
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page
    assert '<link rel="stylesheet" href="/static/plan.css">' in page
    assert '<a class="button secondary" href="/plan.pdf">' in page
    css = await site.client.get("/static/plan.css")
    assert css.status_code == 200
    printed = css.text.split("@media print", 1)[1]
    assert "header.top" in printed and "display: none" in printed
    assert "break-before: page" in printed


async def test_the_plan_needs_a_signed_in_person(site: Site) -> None:
    for path in ("/plan", "/plan.pdf"):
        answer = await site.client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/login?next={path}"


async def test_the_plan_as_pdf_reads_back_whole(site: Site) -> None:
    plan = site.app.plan
    await site.sign_in(STAFF)
    answer = await site.client.get("/plan.pdf")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert f"beredskabsplan-{plan.version}.pdf" in answer.headers["content-disposition"]
    reader = PdfReader(io.BytesIO(answer.content))
    pages = [p.extract_text() for p in reader.pages]
    assert len(pages) > 3
    numbers = [PAGE_NUMBER.search(p) for p in pages]
    assert [m.groups() for m in numbers if m] == [
        (str(n), str(len(pages))) for n in range(1, len(pages) + 1)
    ]
    flat = " ".join(" ".join(pages).split())
    for danish in ("Områdesekretariatet", "Formål", "Pligter (§3)", "Opfølgning efter afblæsning"):
        assert danish in flat, danish
    assert f"Planversion {plan.version}" in flat
    for expected in (pb.name for pb in plan.playbooks.playbooks):
        assert expected in flat
    for duty in plan.playbooks.playbooks[0].duties[:3]:
        assert " ".join(duty.text.split())[:40] in flat
    for secret in _contact_data(plan):
        assert secret not in flat, secret


def test_markdown_and_html_come_from_the_same_preparation(site: Site) -> None:
    view = plan_view.build(site.app.plan)
    markdown = plan_document.render(view, plan_view.Format.MARKDOWN).decode()
    standalone = html.unescape(plan_document.render(view, plan_view.Format.HTML).decode())
    for text in (markdown, standalone):
        assert "Planversion" in text and view.version in text
        assert "Pligter (§3)" in text and "Roller i kontaktlisten" in text
        for pb in view.playbooks:
            assert pb.steps[-1].title in text
