"""Correcting an open incident's facts after activation: police journal number, zone and
description.

Who may: the playbook's leader role, the person who activated the incident, the roles that
may activate a playbook with a police case (the police liaison), and the secretariat. Each
changed fact is one ``correction`` entry in the situation log naming the old and the new
value, and the change is audited, in the same transaction. A playbook without a police case
(group 1) refuses a journal number and says to upgrade instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from beredskab.boundary import bounds
from beredskab.boundary.bounds import InputRefusedError
from beredskab.catalog.texts import Texts
from beredskab.errors import InvalidStateError, Phrase
from beredskab.i18n import Language, t
from beredskab.incident import activation, police_case, situation_log
from beredskab.incident.lookup import playbook_of, require_open
from beredskab.models import EntryKind, Incident
from beredskab.plan import Plan
from beredskab.security import access, audit
from beredskab.storage import Database
from contacts.models import Person
from playbooks.schema import Playbook

SECRETARIAT_ROLES = ("sekretariat", "sekretariatsleder")
"""The secretariat: they keep the record straight for every incident."""
ZONES = range(1, 5)

POLICE_CASE = "police_case"
ZONE = "zone"
DESCRIPTION = "description"
FACTS = (POLICE_CASE, ZONE, DESCRIPTION)
"""The facts that can be corrected, in the order their log entries are written."""

_t = Texts("incident")
"""The log's texts, in Danish (labels and ``_CHANGED`` are read back from the log by
``markers``: never change their Danish text)."""
_t.mark("fact.police_case", "fact.zone", "fact.description")


def _label(fact: str) -> str:
    return _t(f"fact.{fact}")


_CHANGED = _t("log.facts.changed")


def markers(fact: str) -> tuple[str, ...]:
    """The wording of the log entries that state ``fact`` after activation (corrections)."""
    own = f"{_label(fact)}{_CHANGED}"
    return (own, police_case.REGISTERED) if fact == POLICE_CASE else (own,)


class NoPoliceCaseError(InvalidStateError):
    """The incident's playbook has no police case (group 1): upgrade it to record one."""


@dataclass(frozen=True)
class FactsResult:
    """The incident after the correction and which facts changed (empty: nothing changed)."""

    incident: Incident
    changed: tuple[str, ...]


def editor_roles(playbook: Playbook | None) -> tuple[str, ...]:
    """The roles that may correct an incident of this playbook (besides its activator)."""
    leader = playbook.leader_role if playbook else "projektchef"
    police = playbook.activation.roles if playbook and playbook.police_case else ()
    return tuple(dict.fromkeys((leader, *police, *SECRETARIAT_ROLES)))


def may_correct(plan: Plan, incident: Incident, person: Person) -> bool:
    """Whether ``person`` may correct the incident's facts (the use case checks again)."""
    if incident.activated_by == person.id:
        return True
    return access.has_role(person, editor_roles(plan.playbook(incident.playbook_id)))


def _shown(fact: str, value: object) -> str:
    """A fact's value as the log shows it."""
    if value is None or value == "":
        return _t("value.whole_area" if fact == ZONE else "value.not_given")
    return f"'{value}'" if fact != ZONE else str(value)


def _upgrade_hint(plan: Plan, playbook: Playbook) -> str:
    """The playbook with a police case to upgrade to, by id (for the refusal's hint)."""
    target = next(
        (p for p in plan.playbooks.playbooks if p.police_case and p.number > playbook.number),
        None,
    )
    return target.id if target else "a playbook with a police case"


def _checked(
    police_case: str | None, zone: int | None, description: str | None
) -> tuple[str | None, int | None, str | None]:
    """The given values trimmed and within bounds (as at activation)."""
    if police_case is not None:
        bounds.text(police_case, field="the police case", max_chars=bounds.POLICE_CASE_CHARS)
        police_case = police_case.strip()
        if not police_case:
            raise InputRefusedError("the police journal number is empty; write the number")
    if zone is not None and zone not in ZONES:
        raise InputRefusedError("zone must be 1-4, not {zone}", zone=zone)
    if description is not None:
        bounds.text(description, field="the description")
        description = description.replace("\r\n", "\n").strip()  # a form sends CRLF
        if not description:
            raise InputRefusedError("the description is empty; write what happened")
    return police_case, zone, description


async def set_facts(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    actor_id: str,
    channel: str,
    police_case: str | None = None,
    zone: int | None = None,
    description: str | None = None,
) -> FactsResult:
    """Correct an open incident's journal number, zone or description (None: unchanged;
    none given: nothing changes, after the same checks)."""
    police_case, zone, description = _checked(police_case, zone, description)
    actor = access.person(plan, actor_id)
    async with access.audited(db), db.transaction() as tx:
        if bounds.valid_id(incident_id):
            await tx.incidents.lock(incident_id)
        incident = await require_open(tx, incident_id)
        playbook = playbook_of(plan, incident)
        if incident.activated_by != actor.id:
            access.require_role(
                actor,
                editor_roles(playbook),
                action="incident.correct",
                channel=channel,
                what=Phrase("correct the facts of incident {nr}", nr=incident_id),
                incident_id=incident_id,
            )
        if police_case is not None and not playbook.police_case:
            raise NoPoliceCaseError(
                "incident {nr} runs {playbook}, which has no police case; to record a police "
                "journal number, upgrade the incident to {target} with the number",
                nr=incident_id,
                playbook=playbook.id,
                target=_upgrade_hint(plan, playbook),
            )
        new_case = incident.police_case if police_case is None else police_case
        new_zone = incident.zone if zone is None else zone
        new_description = incident.description if description is None else description
        old: dict[str, object] = {
            POLICE_CASE: incident.police_case,
            ZONE: incident.zone,
            DESCRIPTION: incident.description,
        }
        new: dict[str, object] = {
            POLICE_CASE: new_case,
            ZONE: new_zone,
            DESCRIPTION: new_description,
        }
        changed = tuple(f for f in FACTS if new[f] != old[f])
        if not changed:
            return FactsResult(incident=incident, changed=())
        title = incident.title
        if DESCRIPTION in changed:  # the title is the description's first line
            title = activation._title(playbook, new_description)
        await tx.incidents.set_facts(
            incident_id,
            title=title,
            description=new_description,
            zone=new_zone,
            police_case=new_case,
        )
        for fact in changed:
            corrected = await situation_log.stating(tx, incident_id, markers(fact))
            await situation_log.append(
                tx,
                incident_id=incident_id,
                kind=EntryKind.CORRECTION,
                actor=actor.id,
                text=_t(
                    "log.facts.corrected",
                    name=actor.name,
                    channel=channel,
                    fact=_label(fact),
                    changed=_CHANGED,
                    old=_shown(fact, old[fact]),
                    new=_shown(fact, new[fact]),
                ),
                corrects=corrected,
            )
        await audit.record(
            tx,
            actor=actor.id,
            action="incident.correct",
            channel=channel,
            incident_id=incident_id,
            detail=", ".join(changed),
        )
        updated = await require_open(tx, incident_id)
    return FactsResult(incident=updated, changed=changed)


def description_beyond_title(incident: Incident) -> str:
    """What the description says beyond the title (the title is its first line): '' when
    nothing, so views print no text twice."""
    lines = incident.description.strip().splitlines()
    if lines and lines[0].strip() == incident.title:
        lines = lines[1:]
    return "\n".join(lines).strip()


def facts_line(
    plan: Plan, incident: Incident, language: Language = "da", *, sep: str = " · "
) -> str:
    """Zone and police journal number in one line for status views: "Zone: 2 · Journalnr.:
    3700-55"; a playbook with a police case and no number says "journalnr. mangler"."""
    zone = str(incident.zone) if incident.zone else t("status_whole_area", language)
    parts = [t("status_zone", language, zone=zone)]
    playbook = plan.playbook(incident.playbook_id)
    if incident.police_case:
        parts.append(t("status_police_case", language, case=incident.police_case))
    elif playbook is not None and playbook.police_case:
        parts.append(t("status_police_case_missing", language))
    return sep.join(parts)
