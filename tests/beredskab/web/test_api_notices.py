"""The public notice page in the JSON API: publish (the leader only, 409 for what the rules
refuse), list, withdraw; the public page shows what the API published."""

from __future__ import annotations

from pathlib import Path

from beredskab import communications
from beredskab.incident import activation
from beredskab.plan import Plan
from playbooks.schema import TemplateKind
from tests.beredskab.helpers import CHIEF, STAFF
from tests.beredskab.web.api_support import audit_rows, client, log_of, service, token_for
from tests.conftest import TestClock


async def test_publish_list_and_withdraw_through_the_api(
    db_url: str, clock: TestClock, plan: Plan, tmp_path: Path
) -> None:
    async with service(db_url, clock, plan, tmp_path) as app:
        result = await activation.activate(
            db=app.db,
            plan=plan,
            playbook="1",
            actor_id=CHIEF,
            channel="cli",
            description="Brand i opgang 3",
            zone=2,
        )
        nr = result.incident.id
        item = await communications.draft(
            db=app.db,
            plan=plan,
            incident_id=nr,
            actor_id=STAFF,
            channel="web",
            audience="operations",
            template=TemplateKind.RESIDENT_INFORMATION,
        )
        board = await communications.draft(
            db=app.db,
            plan=plan,
            incident_id=nr,
            actor_id=STAFF,
            channel="web",
            audience="board",
        )
        chief, staff = await token_for(app, CHIEF, "chief"), await token_for(app, STAFF, "staff")
        publish = f"/api/v1/incidents/{nr}/communications/{item.id}/publish"
        async with client(app) as http:
            draft = await http.post(publish, headers=chief)
            assert draft.status_code == 409 and "only an approved one" in draft.json()["detail"]
            for cid in (item.id, board.id):
                await communications.approve(
                    db=app.db,
                    plan=plan,
                    incident_id=nr,
                    communication_id=cid,
                    actor_id=CHIEF,
                    channel="web",
                )
            refused = await http.post(publish, headers=staff)
            assert refused.status_code == 403
            other = await http.post(
                f"/api/v1/incidents/{nr}/communications/{board.id}/publish", headers=chief
            )
            assert other.status_code == 409
            assert "only a communication for residents" in other.json()["detail"]
            missing = await http.post(
                f"/api/v1/incidents/{nr}/communications/99999/publish", headers=chief
            )
            assert missing.status_code == 404
            published = await http.post(publish, headers=chief)
            assert published.status_code == 201, published.text
            notice = published.json()
            assert notice["communication_id"] == item.id and notice["kind"] == "notice"
            assert notice["published_by"] == CHIEF and notice["withdrawn_at"] is None
            again = await http.post(publish, headers=chief)
            assert again.status_code == 409

            public = await http.get("/info")
            assert item.subject in public.text and "Maria Friis" not in public.text

            listed = await http.get(f"/api/v1/incidents/{nr}/notices", headers=staff)
            assert [n["id"] for n in listed.json()] == [notice["id"]]
            withdraw = f"/api/v1/incidents/{nr}/notices/{notice['id']}/withdraw"
            bad = await http.post(withdraw, headers=chief, json={"note": "x" * 501})
            assert bad.status_code == 422
            assert (await http.post(withdraw, headers=staff, json={})).status_code == 403
            done = await http.post(withdraw, headers=chief, json={"note": "Forkert zone."})
            assert done.status_code == 200, done.text
            assert done.json()["withdrawn_note"] == "Forkert zone."
            assert (await http.post(withdraw, headers=chief, json={})).status_code == 409
            assert item.text not in (await http.get("/info")).text
        assert [a.allowed for a in await audit_rows(app, "notice.publish")] == [False, True]
        assert [a.channel for a in await audit_rows(app, "notice.withdraw")] == ["api", "api"]
        texts = [e.text for e in await log_of(app, nr)]
        assert any("offentliggjort på /info af Maria Friis" in t for t in texts)
        assert any("trukket tilbage af Maria Friis: " in t and "Forkert zone." in t for t in texts)
