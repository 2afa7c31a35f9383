"""The incident and one person's confirmation, read in the same query as what an answer came
through (the SMS an "OK" answers, the email behind an acknowledgement link): their columns
labelled apart in the joined row, and the models rebuilt from it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Label, Row

from beredskab.models import Confirmation, Incident
from beredskab.storage.tables import confirmations, incidents

_INCIDENT = "incident__"
_CONFIRMATION = "confirmation__"

INCIDENT_COLUMNS: tuple[Label[Any], ...] = tuple(
    c.label(f"{_INCIDENT}{c.name}") for c in incidents.c
)
"""Every column of ``incidents``, labelled for a joined row (``incident_of``)."""
CONFIRMATION_COLUMNS: tuple[Label[Any], ...] = tuple(
    c.label(f"{_CONFIRMATION}{c.name}") for c in confirmations.c
)
"""Every column of ``confirmations``, labelled for a joined row (``confirmation_of``)."""


def incident_of(row: Row[Any]) -> Incident | None:
    """The incident in a row selected with ``INCIDENT_COLUMNS`` (None: an outer join found
    none)."""
    found = row._mapping
    if found[f"{_INCIDENT}id"] is None:
        return None
    return Incident.model_validate({c.name: found[f"{_INCIDENT}{c.name}"] for c in incidents.c})


def confirmation_of(row: Row[Any]) -> Confirmation | None:
    """The confirmation in a row selected with ``CONFIRMATION_COLUMNS`` (None: an outer join
    found none)."""
    found = row._mapping
    if found[f"{_CONFIRMATION}person_id"] is None:
        return None
    return Confirmation.model_validate(
        {c.name: found[f"{_CONFIRMATION}{c.name}"] for c in confirmations.c}
    )
