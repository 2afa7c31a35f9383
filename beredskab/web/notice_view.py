"""What the incident page shows about the public notice page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from beredskab.storage.repositories.notices import Notice

if TYPE_CHECKING:
    from beredskab.services import Services


async def published(app: Services, incident_id: int) -> dict[int, Notice]:
    """The incident's communications that are on the public page, by communication id."""
    async with app.db.read() as tx:
        found = await tx.notices.of_incident(incident_id)
    return {n.communication_id: n for n in found if n.communication_id is not None}
