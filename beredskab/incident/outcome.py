"""What an activation or upgrade produced, and the small pieces both use."""

from __future__ import annotations

from dataclasses import dataclass

from beredskab.errors import InvalidStateError, NotFoundError
from beredskab.i18n import Language, t
from beredskab.models import ConfirmationStatus, Incident
from beredskab.plan import Plan
from beredskab.storage import Tx
from contacts.models import Person
from playbooks.schema import Playbook


class RealIncidentOpen(InvalidStateError):
    """A drill was started while a real incident of the same playbook is open."""


@dataclass(frozen=True)
class ActivationResult:
    """The incident, whether this activation joined an open one, and what was queued.

    ``participants`` counts everyone the activation notifies, ``messages`` what its own
    transaction queued; ``pending`` of the participants are handed to a fan-out that queues
    their messages in chunks right after (a large activation: ``incident.fanout``).
    ``halted`` is the drill a real activation stopped; ``asked`` names who got the activation
    request (at an upgrade: the new playbook's participants not asked for it before).
    """

    incident: Incident
    joined: bool
    participants: int
    messages: int
    halted: Incident | None = None
    asked: tuple[str, ...] = ()
    police_case_missing: bool = False
    pending: int = 0


def summary(result: ActivationResult, language: Language = "da") -> str:
    """What the activator is told: opened or joined, the number, whether it is a drill, how
    many are notified (and, in a large activation, that the rest are being queued), a halted
    drill and a missing journal number."""
    i = result.incident
    t.mark(
        "activated",
        "activated_drill",
        "activated_streaming",
        "activated_drill_streaming",
        "joined",
        "joined_drill",
    )
    key = ("joined" if result.joined else "activated") + ("_drill" if i.drill else "")
    if result.pending and not result.joined:
        key += "_streaming"
    values = {
        "participants": result.participants,
        "messages": result.messages,
        "first": result.participants - result.pending,
        "pending": result.pending,
    }
    lines = [t(key, language, nr=i.id, gruppe=i.playbook_name, **values)]
    if result.halted is not None:
        lines.append(t("drill_halted", language, drill=result.halted.id))
    if result.police_case_missing:
        lines.append(t("police_case_pending", language, nr=i.id))
    return "\n".join(lines)


def resolve_playbook(plan: Plan, ref: str) -> Playbook:
    """A playbook by id, number or name, or a clear error listing the choices."""
    playbook = plan.playbook(ref)
    if playbook is None:
        choices = ", ".join(f"{p.id} ({p.number})" for p in plan.playbooks.playbooks)
        raise NotFoundError(
            "no playbook '{ref}'; choose one of: {choices}", ref=ref, choices=choices
        )
    return playbook


async def queued(tx: Tx, incident_id: int) -> int:
    """How many outbox rows an incident has (so counts add up whoever queued them)."""
    return sum((await tx.deliveries.channel_counts(incident_id)).values())


async def confirm_actor(
    tx: Tx, *, incident: Incident, actor: Person, reason: str, via: str
) -> None:
    """The one who activates (or joins by activating again) is in the incident, confirmed.

    ``reason`` is only used for a new row: "participant", or "activator"/"joined" for someone
    outside the playbook's participants."""
    await tx.incidents.add_confirmations(incident.id, [actor.id], reason=reason, now=tx.now)
    await tx.incidents.set_confirmation(
        incident.id,
        actor.id,
        status=ConfirmationStatus.CONFIRMED,
        via=via,
        now=tx.now,
        only_from=[ConfirmationStatus.PENDING, ConfirmationStatus.DECLINED],
    )
