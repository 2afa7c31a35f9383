"""Who may do what: actors are directory people, permissions follow their roles.

A refusal is raised as ``Refusal`` inside a use case's transaction; ``audited`` (entered
outside the transaction) writes the audit row after the rollback, so the refused change is
never written but the attempt always is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from beredskab.errors import NotAuthorisedError, NotFoundError, Phrase
from beredskab.models import Incident
from beredskab.plan import Plan
from beredskab.security import audit
from beredskab.storage import Database
from contacts.models import Person


class Refusal(NotAuthorisedError):
    """An action refused for lack of a role; carries what the audit row needs."""

    def __init__(
        self,
        message: str,
        /,
        *,
        actor: str,
        action: str,
        channel: str,
        incident_id: int | None,
        **values: object,
    ) -> None:
        super().__init__(message, **values)
        self.actor = actor
        self.action = action
        self.channel = channel
        self.incident_id = incident_id


@asynccontextmanager
async def audited(db: Database) -> AsyncIterator[None]:
    """Audit any ``Refusal`` raised inside, then let it propagate."""
    try:
        yield
    except Refusal as exc:
        await audit.refusal(
            db,
            actor=exc.actor,
            action=exc.action,
            channel=exc.channel,
            detail=str(exc),
            incident_id=exc.incident_id,
        )
        raise


def person(plan: Plan, person_id: str) -> Person:
    """The directory person acting; a clear error if the id is unknown."""
    found = plan.directory.person(person_id)
    if found is None:
        raise NotFoundError(
            "'{person}' is not in the contact directory; use a person id from `beredskab contacts`",
            person=person_id,
        )
    return found


def has_role(actor: Person, roles: Iterable[str]) -> bool:
    """True if the person holds at least one of the roles."""
    return bool(set(actor.roles).intersection(roles))


def require_role(
    actor: Person,
    roles: Iterable[str],
    *,
    action: str,
    channel: str,
    what: str | Phrase,
    incident_id: int | None = None,
) -> None:
    """Raise ``Refusal`` unless the actor holds one of the roles (each named once)."""
    allowed = tuple(dict.fromkeys(roles))
    if has_role(actor, allowed):
        return
    raise Refusal(
        "{name} ({person}) may not {what}; allowed roles: {roles}",
        name=actor.name,
        person=actor.id,
        what=what if isinstance(what, Phrase) else Phrase(what),
        roles=", ".join(allowed),
        actor=actor.id,
        action=action,
        channel=channel,
        incident_id=incident_id,
    )


def readiness_roles(plan: Plan) -> set[str]:
    """Who may read the readiness report (it lists every contact): the playbooks' leaders and
    the secretariat leader."""
    return {p.leader_role for p in plan.playbooks.playbooks} | {"sekretariatsleder"}


def _readers(plan: Plan, incident: Incident) -> list[str]:
    playbook = plan.playbook(incident.playbook_id)
    return [playbook.leader_role if playbook else "projektchef"]


def may_read_sensitive(*, plan: Plan, incident: Incident, person: Person) -> bool:
    """True if the person may read the incident's sensitive entries (the playbook's leader)."""
    return has_role(person, _readers(plan, incident))


async def authorise_sensitive(
    *,
    db: Database,
    plan: Plan,
    incident: Incident,
    actor_id: str,
    channel: str,
    detail: str = "report with sensitive entries",
) -> None:
    """Allow the playbook's leader role to read sensitive entries, and audit the read.

    Raises ``NotFoundError`` for an unknown person and ``Refusal`` (audited) for anyone
    without the role.
    """
    reader = person(plan, actor_id)
    async with audited(db):
        require_role(
            reader,
            _readers(plan, incident),
            action="report.sensitive",
            channel=channel,
            what="read sensitive log entries",
            incident_id=incident.id,
        )
    async with db.transaction() as tx:
        await audit.record(
            tx,
            actor=reader.id,
            action="report.sensitive",
            channel=channel,
            incident_id=incident.id,
            detail=detail,
        )
