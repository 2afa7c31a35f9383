"""A resident message: every live subscription of the incident's zone, in chunks.

``communications.send`` calls ``start`` in the transaction that marks the communication sent:
it queues the first ``FIRST_CHUNK`` residents itself and hands the rest to a fan-out of kind
``KIND`` (``incident.fanout``; its ``communication_id`` names the communication), whose
follow-up transactions call ``chunk`` for the next ones behind the durable cursor. So a
message to 20,000 subscribers commits at once and goes out at the provider's rate.

Each resident gets the variant in their language when it is current (else Danish, and the log
says so: ``languages.text_for``) and, in every message, how to stop (``consent.stop_hint``).
A number that stops is left out of every chunk queued after, and the outbox's last check
before each provider request (``outbox.freshness``, ``after_close.UNSUBSCRIBED``) expires the
messages already queued for it. Only counts go to the log, never numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from beredskab.communications.languages import drilled, named, text_for
from beredskab.communications.texts import texts
from beredskab.delivery.after_close import RESIDENT_PREFIX
from beredskab.incident.fanout import Chunk, Kind, Stop
from beredskab.models import Incident
from beredskab.plan import Plan
from beredskab.residents import consent
from beredskab.storage import Tx
from beredskab.storage.repositories.communications import Communication, CommunicationStatus
from beredskab.storage.repositories.deliveries import NewDelivery
from beredskab.storage.repositories.fanouts import Fanout
from beredskab.storage.repositories.residents import Subscription
from notifier.types import ChannelKind
from playbooks.languages import DANISH

KIND = "residents"
"""The fan-out kind of a resident message."""
MAX_SMS = 1600
"""Twilio's longest message body (characters)."""
FIRST_CHUNK = 25
"""Residents the sending transaction queues itself; the rest go in the fan-out's chunks."""


class Gone(Exception):
    """The communication of a resident fan-out cannot go on (``why``: a Danish clause)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True, slots=True)
class Queued:
    """What a batch of resident messages queued: per language sent, and per language wanted
    whose readers got Danish (no current variant)."""

    by_language: Counter[str]
    fell_back: Counter[str]

    @property
    def count(self) -> int:
        """Messages queued."""
        return sum(self.by_language.values())


def message(item: Communication, incident: Incident, subscription: Subscription) -> NewDelivery:
    """One resident's SMS: their language's text (or Danish), drill-marked, and how to stop."""
    chosen = text_for(item, subscription.language)
    hint = consent.stop_hint(subscription.language)
    text = drilled(chosen.text, drill=incident.drill, language=chosen.language)
    text = f"{text[: MAX_SMS - len(hint) - 1]}\n{hint}"  # the hint always fits
    return NewDelivery(
        incident_id=incident.id,
        person_id=f"{RESIDENT_PREFIX}{subscription.id}",
        channel=ChannelKind.SMS,
        address=subscription.phone,
        template=item.template,
        subject=drilled(chosen.subject, drill=incident.drill, language=chosen.language),
        text=text,
        short_text=text,
        notification=f"{incident.id}:c{item.id}:r{subscription.id}",
        language=chosen.language,
    )


async def queue(
    tx: Tx, item: Communication, incident: Incident, subscriptions: Sequence[Subscription]
) -> Queued:
    """Queue one SMS per subscription, in the caller's transaction."""
    rows = [message(item, incident, s) for s in subscriptions]
    if rows:
        await tx.deliveries.enqueue(rows, now=tx.now)
    return Queued(
        Counter(r.language for r in rows),
        Counter(
            s.language for s, r in zip(subscriptions, rows, strict=True) if r.language != s.language
        ),
    )


async def start(tx: Tx, *, item: Communication, incident: Incident) -> tuple[int, Counter[str]]:
    """Queue the first residents of the incident's zone (every zone when it has none) and
    hand the rest to a fan-out; returns (subscribers, subscribers per language)."""
    ids = await tx.residents.live_ids(zone=incident.zone)
    first = await tx.residents.live_by_ids(ids[:FIRST_CHUNK])
    queued = await queue(tx, item, incident, first)
    if len(ids) > FIRST_CHUNK:
        await tx.fanouts.start(
            incident_id=incident.id,
            kind=KIND,
            playbook_id=incident.playbook_id,
            template=item.template,
            communication_id=item.id,
            recipients=[str(i) for i in ids],
            done=FIRST_CHUNK,
            reached=queued.count,
            messages=queued.count,
            now=tx.now,
        )
    languages: Counter[str] = Counter()
    for count in await tx.residents.counts():
        if incident.zone is None or count.zone == incident.zone:
            languages[count.language] += count.count
    return len(ids), languages


async def chunk(tx: Tx, incident: Incident, fanout: Fanout, ids: Sequence[str]) -> int:
    """Queue the next residents of a fan-out (those still subscribed); messages queued.
    Raises ``Gone`` when its communication is no longer a sent one."""
    found = fanout.communication_id
    item = await tx.communications.get(found) if found is not None else None
    if item is None or item.status is not CommunicationStatus.SENT:
        raise Gone(texts("residents.not_sent", nr=found))
    live = await tx.residents.live_by_ids([int(i) for i in ids if i.isdigit()])
    queued = await queue(tx, item, incident, live)
    return queued.count


def summary(item: Communication, zone: int | None, languages: Counter[str]) -> str:
    """For the send's log entry: how many residents get it in which language, and which
    languages' readers get Danish (no current variant)."""
    where = texts("residents.zone", zone=zone) if zone is not None else texts("residents.all_zones")
    total = sum(languages.values())
    text = texts("residents.count", count=total, where=where)
    if total > FIRST_CHUNK:
        text += f" ({texts('residents.first', first=FIRST_CHUNK)})"
    if set(languages) - {DANISH}:
        named_counts = ", ".join(f"{named([code])} {n}" for code, n in sorted(languages.items()))
        text += "; " + texts("residents.languages", languages=named_counts)
    fell = [
        f"{named([code])} ({n})"
        for code, n in sorted(languages.items())
        if text_for(item, code).fell_back
    ]
    if fell:
        text += "; " + texts("residents.fell_back", languages=", ".join(fell))
    return text


def finished_text(fanout: Fanout) -> str:
    """The log entry when a resident fan-out has queued everyone."""
    return texts(
        "residents.finished",
        nr=fanout.communication_id,
        count=fanout.messages,
        chunks=fanout.chunks,
    )


def stopped_text(fanout: Fanout, why: str) -> str:
    """The log entry when a resident fan-out stops early."""
    return texts("residents.stopped", nr=fanout.communication_id, count=fanout.messages, why=why)


async def _fanout_chunk(
    tx: Tx, plan: Plan, incident: Incident, fanout: Fanout, ids: Sequence[str]
) -> Chunk:
    """Queue the resident message to the next subscribers, as a fan-out's chunk."""
    try:
        queued = await chunk(tx, incident, fanout, ids)
    except Gone as gone:
        raise Stop(gone.why) from None
    return Chunk(queued, queued)


FANOUT = Kind(_fanout_chunk, finished_text, stopped_text)
"""The resident send as a kind of fan-out; the composition root adds it to the kinds that
``serve``'s runner and the commands continue (``app.FANOUT_KINDS``)."""
