"""Small helpers for use-case tests."""

from __future__ import annotations

from typing import Any, ClassVar

from beredskab.incident.fanout import RAMP_FROM
from beredskab.models import Delivery
from beredskab.plan import Plan
from beredskab.storage import Database
from notifier.types import ChannelKind, Message, Receipt, Recipient

POLICE = "kim-holm"
CHIEF = "maria-friis"
SSP = "sara-lund"
STAFF = "amira-hassan"


async def activate_2(db: Database, plan: Plan) -> int:
    """Group 2 activated by the police (journal number 3700-1); the incident's number."""
    from beredskab.incident import activation

    result = await activation.activate(
        db=db, plan=plan, playbook="2", actor_id=POLICE, channel="sms", police_case="3700-1"
    )
    return result.incident.id


async def log_texts(db: Database, incident_id: int) -> list[str]:
    """The texts of an incident's situation log, in order."""
    async with db.transaction() as tx:
        return [e.text for e in await tx.log.list(incident_id)]


async def deliveries(db: Database, incident_id: int) -> list[Delivery]:
    """Every outbox row of an incident."""
    async with db.transaction() as tx:
        return await tx.deliveries.for_incident(incident_id)


def expected_channels(plan: Plan, person_ids: list[str]) -> set[tuple[str, str]]:
    """(person, channel) pairs for people on each channel they have in the directory."""
    pairs: set[tuple[str, str]] = set()
    for pid in person_ids:
        person = plan.directory.person(pid)
        assert person is not None
        if person.phone:
            pairs.add((pid, "sms"))
        if person.email:
            pairs.add((pid, "email"))
    return pairs


def ramped(total: int, chunk: int) -> list[int]:
    """The chunk sizes ``continue_due`` works ``total`` recipients in: from ``RAMP_FROM``,
    each twice the one before, up to ``chunk``."""
    sizes: list[int] = []
    size = min(chunk, RAMP_FROM)
    while total > 0:
        sizes.append(min(size, total))
        total -= size
        size = min(chunk, size * 2)
    return sizes


class RecordingChannel:
    """A channel that sends nothing: it appends its kind to a list shared by every channel,
    so a test sees which channel sent, in which order, among whatever else it notes there."""

    name: ClassVar[str] = "recording"

    def __init__(self, kind: ChannelKind, sent: list[Any]) -> None:
        self.kinds = frozenset({kind})
        self.kind, self.sent = kind, sent

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        self.sent.append(self.kind)
        return Receipt(provider_id=f"p-{message.key}")

    async def aclose(self) -> None:
        return None
