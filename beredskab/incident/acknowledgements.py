"""Acknowledgements: the one entry point every channel uses to confirm or decline, and the
confirmation a participant gives by working the incident.

Who counts as confirmed: whoever answered the alert (``record``) on any channel, the
activator (at activation), and any participant who takes an action in the incident
(``confirm_by_action``): finishing or skipping a step, writing in the log, drafting,
approving or sending a communication, changing a task, or opening the incident page signed
in. A confirmed person is never re-sent the alert, phoned, replaced by a deputy or listed as
missing: every timer reads the confirmation when it fires.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from beredskab.catalog.texts import Texts
from beredskab.errors import NotFoundError
from beredskab.incident import escalation, situation_log
from beredskab.incident.lookup import require_open
from beredskab.models import (
    Confirmation,
    ConfirmationStatus,
    EntryKind,
    Incident,
    IncidentStatus,
)
from beredskab.observability.logs import log_context
from beredskab.plan import Plan
from beredskab.security import access, audit
from beredskab.storage import Database, Tx
from beredskab.storage.chain import NewEntry
from contacts.models import Person

_t = Texts("incident")
"""Situation-log entries are written in Danish, the log's language."""


@dataclass(frozen=True)
class AckResult:
    """The confirmation after the call and whether this call changed it."""

    confirmation: Confirmation
    changed: bool
    deputy: str | None = None


async def record(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    person_id: str,
    via: str,
    decline: bool = False,
) -> AckResult:
    """Confirm (or decline) for a person; idempotent. A decline asks the deputy at once."""
    access.person(plan, person_id)  # an unknown person is refused before the transaction
    with log_context(incident=incident_id):
        async with db.transaction() as tx:
            return await record_in(
                tx,
                plan=plan,
                incident_id=incident_id,
                person_id=person_id,
                via=via,
                decline=decline,
            )


async def record_in(
    tx: Tx,
    *,
    plan: Plan,
    incident_id: int,
    person_id: str,
    via: str,
    decline: bool = False,
    known: tuple[Incident, Confirmation] | None = None,
) -> AckResult:
    """``record`` in the caller's transaction (an email link is spent in the same one; an
    SMS "OK" is answered and marked processed in it). A confirmation is refused (raises)
    only before anything is written, so a caller may answer the refusal in the same
    transaction; a decline may raise after writing (asking the deputy): use a savepoint.
    ``known``: the open incident and the person's confirmation, read in ``tx`` already."""
    person = access.person(plan, person_id)
    current: Confirmation | None
    if known is not None and known[0].status is IncidentStatus.ACTIVE:
        incident, current = known
    else:
        incident = await require_open(tx, incident_id)
        current = await tx.incidents.confirmation(incident_id, person.id)
    if current is None:
        raise NotFoundError(
            "{name} was not asked to confirm incident {nr}; nothing recorded",
            name=person.name,
            nr=incident_id,
        )
    if not decline:
        return (await confirm_many_in(tx, [Confirming(incident, person, current)], via=via))[0]
    changed = await tx.incidents.set_confirmation(
        incident_id,
        person.id,
        status=ConfirmationStatus.DECLINED,
        via=via,
        now=tx.now,
        only_from=[ConfirmationStatus.PENDING],
    )
    deputy_id: str | None = None
    if changed:
        await situation_log.append(
            tx,
            incident_id=incident_id,
            kind=EntryKind.DECLINED,
            actor=person.id,
            text=_t("log.ack.declined", name=person.name, via=via),
        )
        await audit.record(
            tx, actor=person.id, action="decline", channel=via, incident_id=incident_id
        )
        playbook = plan.playbook(incident.playbook_id)
        deputy = (
            await escalation.ask_deputy(
                tx,
                plan=plan,
                playbook=playbook,
                incident=incident,
                person=person,
                declined=True,
            )
            if playbook is not None
            else None
        )
        if deputy is not None:
            deputy_id = deputy.id
            await situation_log.append(
                tx,
                incident_id=incident_id,
                kind=EntryKind.NOTIFIED,
                actor="system",
                text=_t("log.ack.deputy_notified", deputy=deputy.name, name=person.name),
            )
    after = await _after(tx, current, changed, ConfirmationStatus.DECLINED, via)
    return AckResult(confirmation=after, changed=changed, deputy=deputy_id)


@dataclass(frozen=True)
class Confirming:
    """A confirmation to record: the open incident, the person, and the person's
    confirmation as read in the same transaction."""

    incident: Incident
    person: Person
    current: Confirmation


async def confirm_many_in(tx: Tx, answers: Sequence[Confirming], *, via: str) -> list[AckResult]:
    """Confirm for several people through ``via`` in the caller's transaction (``record_in``
    for each, in order), with one statement per incident for the confirmations and one for
    all their log entries and one for their audit rows, however many there are. A person
    answering twice is confirmed by the first answer; the second finds it done."""
    changed: set[tuple[int, str]] = set()
    people: dict[int, list[str]] = {}
    for answer in answers:
        people.setdefault(answer.incident.id, []).append(answer.person.id)
    for incident_id, ids in people.items():
        done = await tx.incidents.set_confirmations(
            incident_id,
            ids,
            status=ConfirmationStatus.CONFIRMED,
            via=via,
            now=tx.now,
            only_from=[ConfirmationStatus.PENDING, ConfirmationStatus.DECLINED],
        )
        changed.update((incident_id, person_id) for person_id in done)
    entries: list[NewEntry] = []
    rows: list[audit.Entry] = []
    results: list[AckResult] = []
    for answer in answers:
        incident_id, person = answer.incident.id, answer.person
        first = (incident_id, person.id) in changed
        changed.discard((incident_id, person.id))
        if first:
            text = _t("log.ack.confirmed", name=person.name, via=via)
            entries.append(NewEntry(incident_id, EntryKind.CONFIRMED, person.id, text))
            rows.append(audit.Entry(person.id, "ack", via, incident_id=incident_id))
        after = await _after(tx, answer.current, first, ConfirmationStatus.CONFIRMED, via)
        results.append(AckResult(confirmation=after, changed=first))
    await situation_log.append_many(tx, entries)
    await audit.record_many(tx, rows)
    return results


async def _after(
    tx: Tx, current: Confirmation, changed: bool, status: ConfirmationStatus, via: str
) -> Confirmation:
    """A confirmation after the update: what the update wrote (no second read), or, left as
    it was (perhaps by someone else's answer since the first read), read again."""
    if changed:
        return current.model_copy(update={"status": status, "via": via, "updated_at": tx.now})
    reread = await tx.incidents.confirmation(current.incident_id, current.person_id)
    assert reread is not None
    return reread


async def confirm_by_action(
    tx: Tx, *, incident_id: int, person: Person, via: str, action: str
) -> bool:
    """A participant who acts in an open incident has seen it: a pending confirmation
    becomes confirmed, with the log entry "<name> bekræftet ved at <action>"; True only the
    first time. Anyone not asked to confirm, already confirmed or having declined (their
    deputy is asked) is left as they are, and so is a closed incident.

    ``action`` is a Danish infinitive phrase ("godkende krisekommunikation 3"), from the
    caller's catalog domain (``action.*`` in ``incident``). Call it in
    the transaction of the action, after the actor's right to act was checked.
    """
    incident = await tx.incidents.get(incident_id)
    if incident is None or incident.status is not IncidentStatus.ACTIVE:
        return False
    current = await tx.incidents.confirmation(incident_id, person.id)
    if current is None or current.status is not ConfirmationStatus.PENDING:
        return False
    if not await tx.incidents.set_confirmation(
        incident_id,
        person.id,
        status=ConfirmationStatus.CONFIRMED,
        via=via,
        now=tx.now,
        only_from=[ConfirmationStatus.PENDING],
    ):
        return False
    await situation_log.append(
        tx,
        incident_id=incident_id,
        kind=EntryKind.CONFIRMED,
        actor=person.id,
        text=_t("log.ack.by_action", name=person.name, action=action, via=via),
    )
    await audit.record(
        tx,
        actor=person.id,
        action="ack.by-action",
        channel=via,
        incident_id=incident_id,
        detail=action,
    )
    return True
