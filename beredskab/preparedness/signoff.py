"""Plan sign-off (the source plan's §6): every participant confirms, per plan version, that
they have read the plan and will take part. A new plan version asks everyone again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from beredskab.errors import NotFoundError
from beredskab.plan import Plan
from beredskab.preparedness import requests
from beredskab.preparedness.requests import SIGNOFF, Answered, Wording
from beredskab.storage import Database
from contacts.models import Person

if TYPE_CHECKING:
    from beredskab.app import App


@dataclass(frozen=True)
class SignoffRound:
    """What ``request_signoff`` did for a plan version."""

    version: str
    asked: tuple[str, ...]
    already_asked: tuple[str, ...]
    messages: int


@dataclass(frozen=True)
class SignoffLine:
    """One person's sign-off state for a plan version."""

    person: Person
    asked_at: datetime | None
    signed_at: datetime | None
    via: str | None


def signers(plan: Plan) -> tuple[Person, ...]:
    """Everyone holding a participant or leader role of any playbook, in directory order."""
    roles: set[str] = set()
    for playbook in plan.playbooks.playbooks:
        roles.update(playbook.participants)
        roles.add(playbook.leader_role)
    return plan.directory.with_any_role(roles)


def wording(person: Person, version: str) -> Wording:
    """The Danish sign-off request."""
    return Wording(
        subject=f"Beredskabsplanen (version {version}): bekræft at du har læst den",
        body=(
            f"Hej {person.name}. Beredskabsplanen er ny eller ændret (version {version}). "
            "Læs planen, og bekræft at du har læst den og deltager i beredskabet som beskrevet."
        ),
        sms=(
            f"Beredskabsplanen er ændret (version {version}). Svar JA, når du har læst den "
            "og deltager i beredskabet som beskrevet."
        ),
    )


async def request_signoff(*, app: App) -> SignoffRound:
    """Ask every signer who has not been asked for the running plan version yet."""
    version = app.plan.version
    asked: list[str] = []
    already: list[str] = []
    messages = 0
    async with app.db.transaction() as tx:
        existing = {
            r.person_id for r in await tx.preparedness.requests(kind=SIGNOFF, round_=version)
        }
        for person in signers(app.plan):
            if person.id in existing:
                already.append(person.id)
                continue
            request = await tx.preparedness.add_request(
                kind=SIGNOFF, round_=version, person_id=person.id, now=tx.now
            )
            messages += await requests.send(
                tx, app, request=request, person=person, wording=wording(person, version)
            )
            asked.append(person.id)
    app.outbox.wake()
    return SignoffRound(version, tuple(asked), tuple(already), messages)


async def record_signoff(
    *, db: Database, plan: Plan, person_id: str, version: str, via: str
) -> Answered:
    """Record that a person signed off a plan version (idempotent, audited).

    A sign-off without an earlier request (e.g. on paper, entered by the secretariat) is
    recorded as a request answered at once.
    """
    if plan.directory.person(person_id) is None:
        raise NotFoundError(f"no person '{person_id}' in the directory")
    async with db.transaction() as tx:
        found = await tx.preparedness.requests(kind=SIGNOFF, round_=version)
        request = next((r for r in found if r.person_id == person_id), None)
        if request is None:
            request = await tx.preparedness.add_request(
                kind=SIGNOFF, round_=version, person_id=person_id, now=tx.now
            )
        return await requests.answer(tx, request=request, via=via)


async def signoff_status(*, db: Database, plan: Plan) -> list[SignoffLine]:
    """Every signer's state for the running plan version."""
    async with db.transaction() as tx:
        found = await tx.preparedness.requests(kind=SIGNOFF, round_=plan.version)
    by_person = {r.person_id: r for r in found}
    lines = []
    for person in signers(plan):
        request = by_person.get(person.id)
        lines.append(
            SignoffLine(
                person=person,
                asked_at=request.asked_at if request else None,
                signed_at=request.answered_at if request else None,
                via=request.via if request else None,
            )
        )
    return lines
