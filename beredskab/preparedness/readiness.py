"""The readiness report: is the plan ready to run at 3 a.m.? Per role the people and their
deputies; per person the channels, PIN, last verification and sign-off; the single points of
failure and data older than ``STALE_DAYS``."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from beredskab.catalog.texts import Texts
from beredskab.i18n import LOCAL_TZ, Language, clock
from beredskab.incident import stand_in
from beredskab.plan import Plan
from beredskab.preparedness.requests import SIGNOFF, VERIFY
from beredskab.storage import Database

STALE_DAYS = 180
texts = Texts("preparedness")
"""The readiness report's words (Danish; English in the catalog)."""


@dataclass(frozen=True)
class PersonReadiness:
    """One person's state."""

    id: str
    name: str
    roles: tuple[str, ...]
    deputy: str | None
    phone: bool
    email: bool
    telegram: bool
    activator: bool
    pin: bool
    verified_at: datetime | None
    signed_off: bool

    @property
    def channels(self) -> int:
        """How many channels reach the person."""
        return self.phone + self.email + self.telegram


@dataclass(frozen=True)
class RoleReadiness:
    """Who holds a role, and their deputies."""

    id: str
    name: str
    people: tuple[str, ...]
    deputies: tuple[str, ...]


@dataclass(frozen=True)
class CalledDeputy:
    """A person whose own deputy is called by a playbook that calls the person too, so the
    deputy cannot stand in there; ``stand_in`` is who is asked instead (None: nobody)."""

    person: str
    deputy: str
    playbook: str
    stand_in: str | None


@dataclass(frozen=True)
class Readiness:
    """The whole report."""

    plan_version: str
    generated_at: datetime
    roles: tuple[RoleReadiness, ...]
    people: tuple[PersonReadiness, ...]
    single_holder_roles: tuple[str, ...]
    called_deputies: tuple[CalledDeputy, ...]
    """Deputies called by the same playbook as the person they stand in for."""
    all_deputies_roles: tuple[str, ...]
    """Roles whose every holder is someone else's deputy."""
    one_channel: tuple[str, ...]
    activators_without_pin: tuple[str, ...]
    stale: tuple[str, ...]
    not_signed: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (lists; datetimes as ISO 8601 UTC)."""
        data: dict[str, Any] = json.loads(json.dumps(asdict(self), default=_iso))
        return data


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


async def readiness(*, db: Database, plan: Plan) -> Readiness:
    """Build the report from the plan and the database."""
    directory = plan.directory
    activation_roles = {r for p in plan.playbooks.playbooks for r in p.activation.roles}
    ids = [p.id for p in directory.people]
    async with db.transaction() as tx:
        now = tx.now
        chats = await tx.people.telegram_chats(ids)
        with_pin = await tx.pins.people_with_pin()
        verified = await tx.preparedness.last_answered(VERIFY, ids)
        signed = {
            r.person_id
            for r in await tx.preparedness.requests(kind=SIGNOFF, round_=plan.version)
            if r.answered_at is not None
        }
    people = tuple(
        PersonReadiness(
            id=p.id,
            name=p.name,
            roles=p.roles,
            deputy=p.deputy,
            phone=bool(p.phone),
            email=bool(p.email),
            telegram=p.id in chats,
            activator=bool(activation_roles.intersection(p.roles)),
            pin=p.id in with_pin,
            verified_at=verified.get(p.id),
            signed_off=p.id in signed,
        )
        for p in directory.people
    )
    roles = []
    for role in directory.roles:
        holders = directory.with_role(role.id)
        deputies = tuple(dict.fromkeys(h.deputy for h in holders if h.deputy))
        roles.append(RoleReadiness(role.id, role.name, tuple(h.id for h in holders), deputies))
    deputies_of_others = {p.deputy for p in directory.people if p.deputy}
    stale_before = now - timedelta(days=STALE_DAYS)
    role_ids = {r for p in plan.playbooks.playbooks for r in (*p.participants, p.leader_role)}
    return Readiness(
        plan_version=plan.version,
        generated_at=now,
        roles=tuple(roles),
        people=people,
        single_holder_roles=tuple(r.id for r in roles if len(r.people) == 1),
        called_deputies=_called_deputies(plan),
        all_deputies_roles=tuple(
            r.id for r in roles if r.people and deputies_of_others.issuperset(r.people)
        ),
        one_channel=tuple(p.id for p in people if p.channels <= 1),
        activators_without_pin=tuple(p.id for p in people if p.activator and not p.pin),
        stale=tuple(p.id for p in people if p.verified_at is None or p.verified_at < stale_before),
        not_signed=tuple(
            p.id for p in people if role_ids.intersection(p.roles) and not p.signed_off
        ),
    )


def _called_deputies(plan: Plan) -> tuple[CalledDeputy, ...]:
    """Per playbook, the people it calls whose deputy it calls too, and who stands in."""
    out = []
    for playbook in plan.playbooks.playbooks:
        for person in plan.directory.with_any_role(playbook.participants):
            deputy = plan.directory.person(person.deputy) if person.deputy else None
            if deputy is None or not stand_in.called(playbook, deputy):
                continue
            free = next(
                (
                    p.id
                    for p, _ in stand_in.candidates(plan.directory, playbook, person)
                    if not stand_in.called(playbook, p)
                ),
                None,
            )
            out.append(CalledDeputy(person.id, deputy.id, playbook.id, free))
    return tuple(out)


def render(report: Readiness, plan: Plan, language: Language = "da") -> str:
    """The report as text (Danish unless ``language`` says "en"), grouped."""

    def say(key: str, /, **values: object) -> str:
        return texts(key, language, **values)

    def yes(value: bool) -> str:
        return say("yes" if value else "no")

    def name(person_id: str) -> str:
        person = plan.directory.person(person_id)
        return f"{person.name} ({person_id})" if person else person_id

    def names(person_ids: tuple[str, ...]) -> str:
        return ", ".join(name(p) for p in person_ids) or say("none")

    def group(playbook_id: str) -> str:
        playbook = plan.playbook(playbook_id)
        return say("group", number=playbook.number) if playbook else playbook_id

    def called(c: CalledDeputy) -> str:
        who = say("called.stand_in", name=name(c.stand_in)) if c.stand_in else say("called.nobody")
        return f"    {name(c.person)} -> {name(c.deputy)} ({group(c.playbook)}): {who}"

    at = clock(report.generated_at, now=None, language=language)
    out = [say("title", version=report.plan_version, at=at), "", say("roles")]
    for role in report.roles:
        out.append(f"  {role.name} ({role.id}): {names(role.people)}")
        if role.deputies:
            out.append("    " + say("deputies", names=names(role.deputies)))
    out += ["", say("people")]
    for p in report.people:
        verified = (
            p.verified_at.astimezone(LOCAL_TZ).strftime("%d.%m.%Y")
            if p.verified_at
            else say("never")
        )
        pin = ", " + say("pin", pin=yes(p.pin)) if p.activator else ""
        line = say(
            "person",
            name=f"{p.name} ({p.id})",
            phone=yes(p.phone),
            email=yes(p.email),
            telegram=yes(p.telegram),
            pin=pin,
            verified=verified,
            signed=yes(p.signed_off),
        )
        out.append(f"  {line}")
    out += [
        "",
        say("single_points"),
        "  " + say("single_holder", roles=", ".join(report.single_holder_roles) or say("none")),
        "  " + say("called") + ("" if report.called_deputies else " " + say("none")),
        *(called(c) for c in report.called_deputies),
        "  " + say("all_deputies", roles=", ".join(report.all_deputies_roles) or say("none")),
        "  " + say("one_channel", names=names(report.one_channel)),
        "  " + say("no_pin", names=names(report.activators_without_pin)),
        "",
        say("stale", days=STALE_DAYS),
        f"  {names(report.stale)}",
        "",
        say("not_signed", version=report.plan_version),
        f"  {names(report.not_signed)}",
    ]
    return "\n".join(out)
