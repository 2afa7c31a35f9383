"""Editing a language variant of a crisis-communication draft.

Saving a variant records the fingerprint of the Danish text as it stands, so the variant is
current again (until the Danish text is edited); an empty variant is removed, and its readers
get Danish.
"""

from __future__ import annotations

from beredskab.communications.languages import source_of
from beredskab.communications.steps import checked, communication_of, open_for, record
from beredskab.communications.texts import texts
from beredskab.errors import InvalidStateError
from beredskab.plan import Plan
from beredskab.security import access
from beredskab.storage import Database
from beredskab.storage.repositories.communications import (
    Communication,
    CommunicationStatus,
    Variant,
)
from playbooks.languages import DANISH, LANGUAGES


async def edit_variant(
    *,
    db: Database,
    plan: Plan,
    incident_id: int,
    communication_id: int,
    actor_id: str,
    channel: str,
    language: str,
    subject: str,
    text: str,
) -> Communication:
    """Save (or, when subject and text are empty, remove) a draft's variant in ``language``."""
    actor = access.person(plan, actor_id)
    known = LANGUAGES.get(language)
    if known is None or language == DANISH:
        raise InvalidStateError(
            "'{language}' is not a language for a variant; choose one of: {choices}",
            language=language,
            choices=", ".join(c for c in LANGUAGES if c != DANISH),
        )
    remove = not subject.strip() and not text.strip()
    if not remove:
        subject, text = checked(subject, text)
    async with access.audited(db), db.transaction() as tx:
        await open_for(tx, plan, actor, incident_id, action="translate", channel=channel)
        item = await communication_of(tx, incident_id, communication_id)
        if item.status is not CommunicationStatus.DRAFT:
            raise InvalidStateError(
                "communication {communication} is {status}, not a draft",
                communication=item.id,
                status=item.status,
            )
        if remove:
            await tx.communications.remove_variant(item.id, language)
            done = "log.variant_removed"
        else:
            source = source_of(item)
            await tx.communications.set_variants(
                item.id, [Variant(language, subject, text, source)]
            )
            done = "log.variant_edited"
        await record(
            tx,
            incident_id=incident_id,
            actor=actor,
            action="translate",
            channel=channel,
            item=item.id,
            text=texts(done, nr=item.id, language=known.da, name=actor.name),
        )
        updated = await tx.communications.get(item.id)
    assert updated is not None
    return updated
