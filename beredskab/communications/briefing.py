"""A briefing from the situation picture: a crisis-communication draft for the board or the
partners made of the picture's non-sensitive headings, which the leader then approves and
sends through the usual flow (``beredskab.communications``).

Sensitive headings never enter the draft: the text is built here, from the picture as it
stands, leaving out every heading marked sensitive and every empty one.
"""

from __future__ import annotations

from beredskab import communications
from beredskab.catalog.texts import Texts
from beredskab.delivery.notifications import incident_values, render
from beredskab.errors import InvalidStateError, NotFoundError
from beredskab.i18n import clock
from beredskab.incident import situation_log
from beredskab.incident.lookup import playbook_of, require_open
from beredskab.incident.picture import Picture, state
from beredskab.models import EntryKind
from beredskab.plan import Plan
from beredskab.security import access, audit
from beredskab.storage import Database
from beredskab.storage.repositories.communications import Communication

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""

__all__ = ["briefing_text", "draft"]


def briefing_text(picture: Picture) -> str:
    """The briefing's text: the picture's non-sensitive headings that have text."""
    shown = [h for h in picture.headings if h.text and not h.sensitive]
    when = clock(picture.updated_at, now=picture.updated_at) if picture.updated_at else ""
    lines = [
        _t(
            "briefing.heading",
            title=picture.title,
            nr=picture.incident_id,
            version=picture.version,
            when=when,
        )
    ]
    for h in shown:
        lines += ["", h.title, h.text]
    return "\n".join(lines)


async def draft(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    actor_id: str,
    channel: str,
    audience: str,
) -> Communication:
    """Draft a briefing for ``audience`` (board, operations, partners) from the picture; the
    roles that draft crisis communication may do this (a refusal is audited)."""
    actor = access.person(plan, actor_id)
    chosen = communications.AUDIENCES.get(audience)
    if chosen is None:
        raise NotFoundError(
            "no audience '{audience}'; choose one of: {choices}",
            audience=audience[:40],
            choices=", ".join(communications.AUDIENCES),
        )
    async with access.audited(db), db.transaction() as tx:
        incident = await require_open(tx, incident_id)
        playbook = playbook_of(plan, incident)
        access.require_role(
            actor,
            communications.drafters(playbook),
            action="communication.draft",
            channel=channel,
            what="draft a briefing from the situation picture",
            incident_id=incident_id,
        )
        picture = state(
            incident_id=incident_id,
            playbook=playbook,
            history=await tx.picture.history(incident_id),
        )
        if not any(h.text and not h.sensitive for h in picture.headings):
            raise InvalidStateError(
                "the situation picture has no text outside its sensitive headings; "
                "write the picture first"
            )
        text = briefing_text(picture)
        if len(text) > communications.MAX_TEXT:
            raise InvalidStateError(
                "the briefing would have {n} characters and a communication may have {max} "
                "(it is also sent by SMS); shorten the picture's texts",
                n=len(text),
                max=communications.MAX_TEXT,
            )
        values = incident_values(incident, directory=plan.directory, at=tx.now)
        template = playbook.template(chosen.template, "da")[0]
        subject = render(template.subject, {**values, "navn": ""})
        item = await tx.communications.add(
            incident_id=incident_id,
            audience=chosen.id,
            template=chosen.template.value,
            subject=subject[: communications.MAX_SUBJECT],
            text=text,
            drafted_by=actor.id,
            now=tx.now,
        )
        await situation_log.append(
            tx,
            incident_id=incident_id,
            kind=EntryKind.NOTE,
            actor=actor.id,
            text=_t(
                "log.briefing.drafted",
                number=item.id,
                audience=chosen.name,
                version=picture.version,
                name=actor.name,
            ),
        )
        await audit.record(
            tx,
            actor=actor.id,
            action="communication.draft",
            channel=channel,
            incident_id=incident_id,
            detail=f"communication {item.id} from picture version {picture.version}",
        )
    return item
