"""The all-clear on the public notice page (``/info``), published by the stand-down in its own
transaction when the incident had published notices (``communications.notices``)."""

from __future__ import annotations

from beredskab.catalog.texts import Texts
from beredskab.i18n import clock
from beredskab.incident import situation_log
from beredskab.models import EntryKind, Incident
from beredskab.security import audit
from beredskab.storage import Tx
from beredskab.storage.repositories.notices import Notice, NoticeKind
from contacts.models import Person

_t = Texts("communications")
"""The notice page's words (Danish: the residents' default language)."""


async def publish(tx: Tx, *, incident: Incident, actor: Person, channel: str) -> Notice | None:
    """At the stand-down, in its transaction: publish the all-clear if the incident had
    published notices (never for a drill, which never has any)."""
    if incident.drill:
        return None
    published = await tx.notices.of_incident(incident.id)
    if not any(n.kind is NoticeKind.NOTICE for n in published):
        return None
    # The all-clear is Danish (the residents' default language); the zone and the stand-down's
    # local time are filled in, nothing else about the incident.
    zone = _t("all_clear.zone", zone=incident.zone) if incident.zone else _t("all_clear.area")
    title = _t("all_clear.title")
    notice = await tx.notices.add(
        incident_id=incident.id,
        kind=NoticeKind.ALL_CLEAR,
        title=title,
        text=_t("all_clear.text", zone=zone, tid=clock(tx.now, now=tx.now)),
        published_by=actor.id,
        now=tx.now,
    )
    await situation_log.append(
        tx,
        incident_id=incident.id,
        kind=EntryKind.NOTE,
        actor=actor.id,
        text=_t("notice.all_clear_logged", title=title),
    )
    await audit.record(
        tx,
        actor=actor.id,
        action="notice.all_clear",
        channel=channel,
        incident_id=incident.id,
        detail=f"notice {notice.id}",
    )
    return notice
