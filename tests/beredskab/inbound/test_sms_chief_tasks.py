"""SMS for the chief's tasks and convened meetings: `OPGAVE <nr> UDFØRT <resultat>` needs the
outcome (the reply says how), and a convened TOT member's `OK <nr>` confirms them."""

from __future__ import annotations

from beredskab.app import App
from beredskab.incident import activation, chief_tasks, convene
from beredskab.models import ConfirmationStatus, TaskStatus
from tests.beredskab.helpers import CHIEF, STAFF
from tests.beredskab.inbound.test_sms_commands import app, last_reply, sms

__all__ = ["app"]


async def _incident(app: App) -> int:
    result = await activation.activate(
        db=app.db, plan=app.plan, playbook="1", actor_id=CHIEF, channel="cli", zone=1
    )
    return result.incident.id


async def test_a_task_is_done_by_sms_only_with_an_outcome(app: App) -> None:
    nr = await _incident(app)
    task = await chief_tasks.create(
        db=app.db,
        plan=app.plan,
        incident_id=nr,
        actor_id=CHIEF,
        assignee_id=STAFF,
        text="Hent nøglen til fælleshuset",
        channel="web",
    )
    n = task.number
    assert await sms(app, STAFF, f"OPGAVE {n} OK") == f"task {n} of incident {nr}: accepted"
    assert await last_reply(app, STAFF) == (
        f"Opgave {n} (Hent nøglen til fælleshuset), hændelse {nr}: påtaget."
    )
    assert await sms(app, STAFF, f"OPGAVE {n} UDFØRT") == "task: outcome missing"
    assert await last_reply(app, STAFF) == (
        f"Skriv resultatet: OPGAVE {n} UDFØRT <resultat>, eller OPGAVE {n} UDFØRT - hvis der "
        "intet er at sige."
    )
    async with app.db.transaction() as tx:
        still = await tx.tasks.get(nr, n)
    assert still is not None and still.status is TaskStatus.ACCEPTED
    assert await sms(app, STAFF, f"OPGAVE {n} UDFØRT -") == f"task {n} of incident {nr}: done"
    async with app.db.transaction() as tx:
        done = await tx.tasks.get(nr, n)
    assert done is not None and done.status is TaskStatus.DONE and done.outcome == "-"


async def test_a_convened_member_confirms_with_ok(app: App) -> None:
    nr = await _incident(app)
    await convene.convene(
        db=app.db, plan=app.plan, incident_id=nr, actor_id=CHIEF, meeting_id="tot", channel="web"
    )
    await sms(app, "jonas-bech", f"OK {nr}")
    async with app.db.transaction() as tx:
        row = await tx.incidents.confirmation(nr, "jonas-bech")
        other = await tx.incidents.confirmation(nr, "hanne-storm")
    assert row is not None and row.status is ConfirmationStatus.CONFIRMED
    assert other is not None and other.status is ConfirmationStatus.PENDING
