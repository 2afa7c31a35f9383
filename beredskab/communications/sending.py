"""Sending an approved crisis communication to its audiences, once, and the press rule.

The directory's recipients (board, operations, partners, press, institutions, businesses,
associations) get one message each in the sending transaction (email, falling back to SMS;
the press by email only). The subscribed residents of the incident's zone get an SMS each,
queued in chunks (``resident_send``). The log says who got it, in which languages, who got
Danish instead of their language, and — for the press — what was said.

The press rule (source plan §5: the project chief handles the media in consultation with the
board): a communication to the press is approved only after the media holding line has gone
to the board in this incident (the playbook's step, or a communication to the board).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass

from beredskab.communications import resident_send
from beredskab.communications.audiences import (
    BOARD_ROLE,
    PRESS,
    RESIDENTS,
    Recipient,
    audiences_of,
    everyone,
    names,
)
from beredskab.communications.languages import Chosen, drilled, fallback_note, named, text_for
from beredskab.communications.steps import communication_of, open_for, record
from beredskab.communications.texts import texts
from beredskab.errors import InvalidStateError
from beredskab.models import Incident
from beredskab.plan import Plan
from beredskab.security import access
from beredskab.storage import Database, Tx
from beredskab.storage.repositories.communications import Communication, CommunicationStatus
from beredskab.storage.repositories.deliveries import NewDelivery
from playbooks.languages import DANISH
from playbooks.schema import TemplateKind

PRESS_SAID = 600
"""How much of the text the log quotes of what was said to the press (the full text is the
communication's own)."""


@dataclass(frozen=True, slots=True)
class SendResult:
    """The sent communication and who it went to (``unreachable``: no email or phone;
    ``residents``: subscribers its resident message goes to, in chunks)."""

    communication: Communication
    recipients: tuple[Recipient, ...]
    unreachable: tuple[str, ...]
    residents: int = 0


def _delivery(
    item: Communication, incident: Incident, to: Recipient, chosen: Chosen, key: str
) -> NewDelivery:
    """The outbox row of one recipient: the text in their language (or Danish), drill-marked."""
    subject = drilled(chosen.subject, drill=incident.drill, language=chosen.language)
    text = drilled(chosen.text, drill=incident.drill, language=chosen.language)
    return NewDelivery(
        incident_id=incident.id,
        person_id=to.id,
        channel=to.channels[0][0],
        address=to.channels[0][1],
        template=item.template,
        subject=subject,
        text=text,
        short_text=text,
        notification=f"{key}{uuid.uuid4().hex[:12]}",
        policy="fallback",
        alternates="\n".join(f"{k.value} {a}" for k, a in to.channels[1:]),
    )


async def consulted(tx: Tx, plan: Plan, incident_id: int) -> bool:
    """True once the media holding line has gone to the board in this incident: queued to a
    board member (the playbook's step) or sent as a communication to the board."""
    board = [p.id for p in plan.directory.with_role(BOARD_ROLE)]
    if await tx.deliveries.reached_any(
        incident_id, board, template=TemplateKind.MEDIA_HOLDING_LINE.value
    ):
        return True
    return any(
        c.status is CommunicationStatus.SENT
        and "board" in c.audience.split(",")
        and c.template == TemplateKind.MEDIA_HOLDING_LINE.value
        for c in await tx.communications.list(incident_id)
    )


async def require_consulted(tx: Tx, plan: Plan, item: Communication) -> None:
    """Refuse to approve a communication to the press before the board was consulted."""
    if PRESS in item.audience.split(",") and not await consulted(tx, plan, item.incident_id):
        raise InvalidStateError(
            "the press gets the holding line only after the board has been consulted: send "
            "the media holding line to the board first (communication {communication})",
            communication=item.id,
        )


async def send(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    communication_id: int,
    actor_id: str,
    channel: str,
) -> SendResult:
    """Send an approved communication to everyone in its audiences, once."""
    actor = access.person(plan, actor_id)
    async with access.audited(db), db.transaction() as tx:
        incident, _ = await open_for(tx, plan, actor, incident_id, action="send", channel=channel)
        item = await communication_of(tx, incident_id, communication_id)
        chosen_audiences = audiences_of(item.audience)
        people = everyone(plan=plan, incident=incident, stored=item.audience)
        reached = tuple(r for r in people if r.channels)
        moved = await tx.communications.set_status(
            item.id,
            CommunicationStatus.SENT,
            expect=CommunicationStatus.APPROVED,
            sent_at=tx.now,
            recipients=len(reached),
        )
        if not moved:
            raise InvalidStateError(
                "communication {communication} is {status}; only an approved one is sent",
                communication=item.id,
                status=item.status,
            )
        chosen = {r.id: text_for(item, r.language) for r in reached}
        await tx.deliveries.enqueue(
            [
                _delivery(item, incident, r, chosen[r.id], f"{incident_id}:c{item.id}:")
                for r in reached
            ],
            now=tx.now,
        )
        subscribers = 0
        parts = []
        if any(a.id == RESIDENTS for a in chosen_audiences):
            subscribers, languages = await resident_send.start(tx, item=item, incident=incident)
            parts.append(resident_send.summary(item, incident.zone, languages))
            if subscribers:  # the residents' chunks say when they are all queued
                await tx.communications.update(item.id, recipients=len(reached) + subscribers)
        if people or not parts:
            parts.append(
                texts(
                    "log.sent_recipients",
                    count=len(reached),
                    names=", ".join(r.name for r in reached) or texts("nobody"),
                )
            )
        log = texts(
            "log.sent",
            nr=item.id,
            audience=names(item.audience),
            name=actor.name,
            parts="; ".join(parts),
        )
        missing = tuple(r.name for r in people if not r.channels)
        if missing:
            log += " " + texts("log.sent_unreachable", names=", ".join(missing))
        by_language = Counter(c.language for c in chosen.values())
        if set(by_language) - {DANISH}:
            spoken = ", ".join(f"{named([k])} {n}" for k, n in by_language.items())
            log += " " + texts("log.sent_languages", languages=spoken)
        note = fallback_note((r.language, r.name) for r in reached if chosen[r.id].fell_back)
        log += f" {note}" if note else ""
        if any(a.id == PRESS for a in chosen_audiences):
            said = item.text if len(item.text) <= PRESS_SAID else item.text[:PRESS_SAID] + " …"
            log += " " + texts("log.sent_press", subject=item.subject, said=said)
        await record(
            tx,
            incident_id=incident_id,
            actor=actor,
            action="send",
            channel=channel,
            item=item.id,
            text=log,
        )
        updated = await tx.communications.get(item.id)
    assert updated is not None
    return SendResult(
        communication=updated, recipients=reached, unreachable=missing, residents=subscribers
    )
