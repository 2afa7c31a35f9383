"""Plan sign-off (the source plan's §6): every participant confirms, per plan version, that
they have read the plan and will take part. A new plan version asks everyone again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from beredskab.errors import NotFoundError
from beredskab.i18n import t
from beredskab.plan import Plan
from beredskab.preparedness import requests
from beredskab.preparedness.requests import SIGNOFF, Answered, Wording
from beredskab.storage import Database
from contacts.models import Person

if TYPE_CHECKING:
    from beredskab.services import Services


@dataclass(frozen=True)
class SignoffRound:
    """What ``request_signoff`` did for a plan version: who was asked now, who had been asked
    before (``already_asked``; of them ``already_signed`` have answered), how many messages."""

    version: str
    asked: tuple[str, ...]
    already_asked: tuple[str, ...]
    messages: int
    already_signed: tuple[str, ...] = ()

    @property
    def pending(self) -> tuple[str, ...]:
        """Asked before and not answered yet."""
        return tuple(p for p in self.already_asked if p not in self.already_signed)


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


def wording(person: Person, version: str, *, plan_link: str) -> Wording:
    """The sign-off request in the person's language, with the link to the whole plan."""
    lang = person.language
    body = t("prep_signoff_body", lang, navn=person.name, version=version)
    sms = t("prep_signoff_sms", lang, version=version)
    return Wording(
        subject=t("prep_signoff_subject", lang, version=version),
        body=f"{body}\n\n{t('prep_plan_link', lang, link=plan_link)}",
        sms=f"{sms} {t('prep_plan_link_sms', lang, link=plan_link)}",
        language=lang,
    )


async def request_signoff(*, app: Services) -> SignoffRound:
    """Ask every signer who has not been asked for the running plan version yet.

    Those asked before are skipped, also when another request runs at the same time (the
    database keeps one request per person and version; the later transaction skips them).
    """
    version = app.plan.version
    asked: list[str] = []
    already: list[str] = []
    messages = 0
    async with app.db.transaction() as tx:
        existing = {
            r.person_id for r in await tx.preparedness.requests(kind=SIGNOFF, round_=version)
        }
        for person in signers(app.plan):
            request = None
            if person.id not in existing:
                request = await tx.preparedness.add_request_if_new(
                    kind=SIGNOFF, round_=version, person_id=person.id, now=tx.now
                )
            if request is None:
                already.append(person.id)
                continue
            messages += await requests.send(
                tx,
                app,
                request=request,
                person=person,
                wording=wording(person, version, plan_link=requests.plan_link(app)),
            )
            asked.append(person.id)
        signed = {
            r.person_id
            for r in await tx.preparedness.requests(kind=SIGNOFF, round_=version)
            if r.answered_at is not None
        }
    app.outbox.wake()
    return SignoffRound(
        version,
        tuple(asked),
        tuple(already),
        messages,
        already_signed=tuple(p for p in already if p in signed),
    )


async def record_signoff(
    *, db: Database, plan: Plan, person_id: str, version: str, via: str
) -> Answered:
    """Record that a person signed off a plan version (idempotent, audited).

    A sign-off without an earlier request (e.g. on paper, entered by the secretariat) is
    recorded as a request answered at once.
    """
    if plan.directory.person(person_id) is None:
        raise NotFoundError("no person '{person}' in the directory", person=person_id)
    async with db.transaction() as tx:
        request = await tx.preparedness.add_request_if_new(
            kind=SIGNOFF, round_=version, person_id=person_id, now=tx.now
        )
        if request is None:
            found = await tx.preparedness.requests(kind=SIGNOFF, round_=version)
            request = next(r for r in found if r.person_id == person_id)
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
