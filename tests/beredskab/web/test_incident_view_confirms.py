"""A signed-in participant who opens the incident page has seen the alert: it confirms them
(SQLite and PostgreSQL)."""

from __future__ import annotations

from beredskab.incident import activation
from beredskab.models import ConfirmationStatus
from tests.beredskab.helpers import CHIEF
from tests.beredskab.web.site import Site

PARTICIPANT = "henrik-moeller"  # group 1 participant


async def _status(site: Site, nr: int) -> ConfirmationStatus | None:
    async with site.app.db.transaction() as tx:
        row = await tx.incidents.confirmation(nr, PARTICIPANT)
    return row.status if row else None


async def test_opening_the_incident_page_signed_in_confirms_once(site: Site) -> None:
    nr = (
        await activation.activate(
            db=site.app.db, plan=site.app.plan, playbook="1", actor_id=CHIEF, channel="cli"
        )
    ).incident.id
    anonymous = await site.client.get(f"/haendelse/{nr}")
    assert anonymous.status_code != 200
    assert await _status(site, nr) is ConfirmationStatus.PENDING  # nobody signed in: nothing

    await site.sign_in(PARTICIPANT)
    for _ in range(2):
        page = await site.client.get(f"/haendelse/{nr}")
        assert page.status_code == 200
    assert await _status(site, nr) is ConfirmationStatus.CONFIRMED
    async with site.app.db.transaction() as tx:
        entries = [e for e in await tx.log.list(nr) if "bekræftet ved at" in e.text]
    assert [(e.actor, e.text) for e in entries] == [
        (PARTICIPANT, "Henrik Møller bekræftet ved at åbne hændelsessiden (via web).")
    ]
    assert 'data-person="henrik-moeller" data-state="pending"' not in page.text
