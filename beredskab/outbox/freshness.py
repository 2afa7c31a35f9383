"""The last look before a send: must this row still go out (``incident.after_close``)?

Asked by the sender when a row's turn has come, right before the channel is called. An
incident seen open less than ``OPEN_RECHECK_SECONDS`` ago is not read again (a fan-out of
thousands reads it about once a second); a closed one is never read again.
"""

from __future__ import annotations

import time
from datetime import datetime

from beredskab.incident import after_close
from beredskab.models import Delivery, Incident
from beredskab.storage import Database

OPEN_RECHECK_SECONDS = 1.0
"""How long an incident seen open is taken to be still open."""


class LastCheck:
    """Why a row whose turn has come must not be sent after all, with a per-incident cache."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._closed_at: dict[int, datetime] = {}
        self._open_seen: dict[int, float] = {}

    def saw(self, incident: Incident) -> None:
        """An incident just read by the caller (the claim's own check): no need to read it
        again before its rows' sends for the next ``OPEN_RECHECK_SECONDS``."""
        if incident.closed_at is not None:
            self._closed_at[incident.id] = incident.closed_at
        else:
            self._open_seen[incident.id] = time.monotonic()

    async def __call__(self, delivery: Delivery) -> str | None:
        """The reason (``after_close``) or None when the row may go out."""
        incident_id = delivery.incident_id
        if incident_id is None:
            return None
        closed_at = self._closed_at.get(incident_id)
        if closed_at is not None and not after_close.re_asks(delivery):
            return after_close.CLOSED if delivery.created_at < closed_at else None
        seen = self._open_seen.get(incident_id)
        if (
            closed_at is None
            and seen is not None
            and time.monotonic() - seen < OPEN_RECHECK_SECONDS
            and not after_close.re_asks(delivery)
        ):
            return None
        async with self._db.read() as tx:
            incident = await tx.incidents.get(incident_id)
            confirmation = (
                await tx.incidents.confirmation(incident_id, delivery.person_id)
                if after_close.re_asks(delivery)
                else None
            )
        if incident is not None and incident.closed_at is not None:
            self._closed_at[incident_id] = incident.closed_at
        else:
            self._open_seen[incident_id] = time.monotonic()
        return after_close.stale_reason(delivery, incident, confirmation)
