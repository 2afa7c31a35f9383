"""Incidents and their confirmation rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import Update, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from beredskab.models import (
    Confirmation,
    ConfirmationStatus,
    Incident,
    IncidentStatus,
)
from beredskab.storage.bulk import insert_many
from beredskab.storage.repositories.escalations import EscalationQueries
from beredskab.storage.repositories.escalations import EscalationStep as EscalationStep
from beredskab.storage.tables import confirmations, incidents


class OpenIncidentExists(Exception):
    """Another open incident holds the playbook's open slot (real or drill)."""


DRILL_SLOT = ":drill"
_LOOKUP_IN = 2000
"""Up to this many people, ``add_confirmations`` looks up only them; beyond, every row."""


def open_key(playbook_id: str, *, drill: bool) -> str:
    """The open slot of a playbook: one for a real incident, one for a drill."""
    return playbook_id + DRILL_SLOT if drill else playbook_id


class IncidentRepo(EscalationQueries):
    """Queries on incidents and confirmations (escalation moments: ``EscalationQueries``)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, incident_id: int) -> Incident | None:
        """The incident with this number."""
        row = (
            await self._conn.execute(select(incidents).where(incidents.c.id == incident_id))
        ).first()
        return Incident.model_validate(row) if row else None

    async def lock(self, incident_id: int) -> None:
        """Take the incident's row lock (PostgreSQL) so changes to it queue in one order."""
        await self._conn.execute(
            select(incidents.c.id).where(incidents.c.id == incident_id).with_for_update()
        )

    async def open_for_playbook(self, playbook_id: str, *, drill: bool) -> Incident | None:
        """The open real incident (or, with ``drill``, the open drill) of a playbook, if any."""
        stmt = select(incidents).where(incidents.c.open_key == open_key(playbook_id, drill=drill))
        row = (await self._conn.execute(stmt)).first()
        return Incident.model_validate(row) if row else None

    async def open_slots(self, playbook_id: str) -> tuple[Incident | None, Incident | None]:
        """The open real incident and the open drill of a playbook (one query)."""
        real, drill = open_key(playbook_id, drill=False), open_key(playbook_id, drill=True)
        stmt = select(incidents).where(incidents.c.open_key.in_([real, drill]))
        found = {
            row.open_key: Incident.model_validate(row) for row in await self._conn.execute(stmt)
        }
        return found.get(real), found.get(drill)

    async def recent(
        self,
        *,
        open_only: bool = False,
        status: IncidentStatus | None = None,
        limit: int = 20,
    ) -> list[Incident]:
        """Newest first; only open ones with ``open_only``, or only those with ``status``."""
        stmt = select(incidents).order_by(incidents.c.id.desc()).limit(limit)
        if open_only:
            status = IncidentStatus.ACTIVE
        if status is not None:
            stmt = stmt.where(incidents.c.status == status.value)
        return [Incident.model_validate(r) for r in (await self._conn.execute(stmt))]

    async def create(
        self,
        *,
        playbook_id: str,
        playbook_name: str,
        plan_version: str,
        title: str,
        description: str,
        zone: int | None,
        police_case: str | None,
        drill: bool,
        activated_by: str,
        activated_via: str,
        now: datetime,
    ) -> Incident:
        """Insert an open incident; raises ``OpenIncidentExists`` if the slot is taken (one
        statement: the slot's unique key turns a taken slot into no row, not an error)."""
        from sqlalchemy.dialects import postgresql, sqlite  # here: `status` loads neither

        dialect = postgresql if self._conn.dialect.name == "postgresql" else sqlite
        stmt = (
            dialect.insert(incidents)
            .values(
                playbook_id=playbook_id,
                playbook_name=playbook_name,
                plan_version=plan_version,
                title=title,
                description=description,
                zone=zone,
                police_case=police_case,
                drill=drill,
                status=IncidentStatus.ACTIVE.value,
                open_key=open_key(playbook_id, drill=drill),
                activated_by=activated_by,
                activated_via=activated_via,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=[incidents.c.open_key])
            .returning(incidents)
        )
        row = (await self._conn.execute(stmt)).first()
        if row is None:
            raise OpenIncidentExists(playbook_id)
        return Incident.model_validate(row)

    async def change_playbook(
        self,
        incident_id: int,
        *,
        playbook_id: str,
        playbook_name: str,
        police_case: str | None,
        drill: bool,
    ) -> None:
        """Move an open incident to another playbook (group 1 → 2)."""
        try:
            async with self._conn.begin_nested():
                await self._conn.execute(
                    update(incidents)
                    .where(incidents.c.id == incident_id)
                    .values(
                        playbook_id=playbook_id,
                        playbook_name=playbook_name,
                        open_key=open_key(playbook_id, drill=drill),
                        police_case=police_case,
                    )
                )
        except IntegrityError as exc:
            raise OpenIncidentExists(playbook_id) from exc

    async def set_facts(
        self,
        incident_id: int,
        *,
        title: str,
        description: str,
        zone: int | None,
        police_case: str | None,
    ) -> None:
        """Store corrected facts of an incident (``beredskab.incident.facts``)."""
        await self._conn.execute(
            update(incidents)
            .where(incidents.c.id == incident_id)
            .values(title=title, description=description, zone=zone, police_case=police_case)
        )

    async def close(self, incident_id: int, *, by: str, now: datetime) -> None:
        """Mark closed and free the playbook's open slot."""
        await self._conn.execute(
            update(incidents)
            .where(incidents.c.id == incident_id)
            .values(status=IncidentStatus.CLOSED.value, open_key=None, closed_at=now, closed_by=by)
        )

    async def add_confirmations(
        self,
        incident_id: int,
        person_ids: Sequence[str],
        *,
        reason: str,
        now: datetime,
        asked_for: str = "",
    ) -> list[str]:
        """Ask several people to confirm (one bulk insert); returns those newly asked.

        ``asked_for`` is the playbook whose activation request they get (see ``asked_for``).
        """
        wanted = list(dict.fromkeys(person_ids))
        if not wanted:
            return []
        stmt = select(confirmations.c.person_id).where(confirmations.c.incident_id == incident_id)
        if len(wanted) <= _LOOKUP_IN:  # a chunk of a large fan-out: look up only these people
            stmt = stmt.where(confirmations.c.person_id.in_(wanted))
        existing = set((await self._conn.execute(stmt)).scalars())
        new = [p for p in wanted if p not in existing]
        pending = ConfirmationStatus.PENDING.value
        await insert_many(
            self._conn,
            confirmations,
            ("incident_id", "person_id", "reason", "status", "updated_at", "asked_for"),
            [(incident_id, person_id, reason, pending, now, asked_for) for person_id in new],
        )
        return new

    async def add_confirmed(
        self,
        incident_id: int,
        person_id: str,
        *,
        reason: str,
        via: str,
        now: datetime,
        asked_for: str = "",
    ) -> None:
        """Put someone in a new incident already confirmed (its activator): one row."""
        await insert_many(
            self._conn,
            confirmations,
            ("incident_id", "person_id", "reason", "status", "via", "updated_at", "asked_for"),
            [
                (
                    incident_id,
                    person_id,
                    reason,
                    ConfirmationStatus.CONFIRMED.value,
                    via,
                    now,
                    asked_for,
                )
            ],
        )

    async def ask_for_playbook(
        self,
        incident_id: int,
        person_ids: Sequence[str],
        *,
        playbook_id: str,
        now: datetime,
        new_incident: bool = False,
    ) -> list[str]:
        """Ask participants for ``playbook_id``'s activation request (bulk); returns those
        to send it to, in the given order: people not in the incident yet (a new
        "participant" row), and people whose row is pending and got no activation request
        of any playbook yet (asked to confirm by a step, e.g. a callout, before a fan-out
        reached them). Someone who got one (another group's, at an upgrade) is left alone.
        ``new_incident``: nobody is in the incident yet (its activation), nothing to look up."""
        wanted = list(dict.fromkeys(person_ids))
        if not wanted:
            return []
        pending = ConfirmationStatus.PENDING.value
        if new_incident:
            await insert_many(
                self._conn,
                confirmations,
                ("incident_id", "person_id", "reason", "status", "updated_at", "asked_for"),
                [(incident_id, p, "participant", pending, now, playbook_id) for p in wanted],
            )
            return wanted
        stmt = select(
            confirmations.c.person_id, confirmations.c.status, confirmations.c.asked_for
        ).where(confirmations.c.incident_id == incident_id)
        if len(wanted) <= _LOOKUP_IN:
            stmt = stmt.where(confirmations.c.person_id.in_(wanted))
        existing = {r.person_id: r for r in await self._conn.execute(stmt)}
        new = [p for p in wanted if p not in existing]
        again = [
            p
            for p in wanted
            if p in existing and existing[p].status == pending and not existing[p].asked_for
        ]
        await insert_many(
            self._conn,
            confirmations,
            ("incident_id", "person_id", "reason", "status", "updated_at", "asked_for"),
            [(incident_id, p, "participant", pending, now, playbook_id) for p in new],
        )
        if again:
            await self._conn.execute(
                update(confirmations)
                .where(
                    confirmations.c.incident_id == incident_id,
                    confirmations.c.person_id.in_(again),
                )
                .values(asked_for=playbook_id)
            )
        chosen = {*new, *again}
        return [p for p in wanted if p in chosen]

    async def asked_for(self, incident_id: int) -> dict[str, set[str]]:
        """Per person asked to confirm: the playbooks whose activation request they got."""
        stmt = select(confirmations.c.person_id, confirmations.c.asked_for).where(
            confirmations.c.incident_id == incident_id
        )
        return {row.person_id: set(row.asked_for.split()) for row in await self._conn.execute(stmt)}

    async def mark_asked_for(
        self, incident_id: int, person_ids: Sequence[str], *, playbook_id: str
    ) -> None:
        """Remember that these people got ``playbook_id``'s activation request."""
        known = await self.asked_for(incident_id)
        for person_id in dict.fromkeys(person_ids):
            if person_id not in known or playbook_id in known[person_id]:
                continue
            value = " ".join(sorted({*known[person_id], playbook_id}))
            await self._conn.execute(
                update(confirmations)
                .where(
                    confirmations.c.incident_id == incident_id,
                    confirmations.c.person_id == person_id,
                )
                .values(asked_for=value)
            )

    async def set_police_case(self, incident_id: int, police_case: str) -> None:
        """Set the police journal number of an incident."""
        await self._conn.execute(
            update(incidents).where(incidents.c.id == incident_id).values(police_case=police_case)
        )

    async def confirmation(self, incident_id: int, person_id: str) -> Confirmation | None:
        """One person's confirmation row."""
        stmt = select(confirmations).where(
            confirmations.c.incident_id == incident_id, confirmations.c.person_id == person_id
        )
        row = (await self._conn.execute(stmt)).first()
        return Confirmation.model_validate(row) if row else None

    async def confirmations(self, incident_id: int) -> list[Confirmation]:
        """Everyone asked to confirm an incident, in the order they were asked."""
        stmt = (
            select(confirmations)
            .where(confirmations.c.incident_id == incident_id)
            .order_by(confirmations.c.person_id)
        )
        return [Confirmation.model_validate(r) for r in await self._conn.execute(stmt)]

    async def set_confirmation(
        self,
        incident_id: int,
        person_id: str,
        *,
        status: ConfirmationStatus,
        via: str,
        now: datetime,
        only_from: Sequence[ConfirmationStatus],
    ) -> bool:
        """Move a confirmation to ``status`` if it is in one of ``only_from``; True if changed."""
        changed = await self.set_confirmations(
            incident_id, [person_id], status=status, via=via, now=now, only_from=only_from
        )
        return bool(changed)

    async def set_confirmations(
        self,
        incident_id: int,
        person_ids: Sequence[str],
        *,
        status: ConfirmationStatus,
        via: str,
        now: datetime,
        only_from: Sequence[ConfirmationStatus],
    ) -> set[str]:
        """``set_confirmation`` for several people of one incident in one statement; the
        people whose confirmation changed."""
        stmt = _set_confirmation(tuple(s.value for s in only_from))
        params = {
            "incident": incident_id,
            "people": list(dict.fromkeys(person_ids)),
            "status": status.value,
            "via": via,
            "updated_at": now,
        }
        return {row.person_id for row in await self._conn.execute(stmt, params)}


@cache
def _set_confirmation(only_from: tuple[str, ...]) -> Update:
    """``set_confirmations``'s update, built once per ``only_from`` (parameters ``incident``,
    ``people`` (a list) and the values ``status``, ``via``, ``updated_at``)."""
    return (
        update(confirmations)
        .where(
            confirmations.c.incident_id == bindparam("incident"),
            confirmations.c.person_id.in_(bindparam("people", expanding=True)),
            confirmations.c.status.in_(only_from),
        )
        .returning(confirmations.c.person_id)
    )
