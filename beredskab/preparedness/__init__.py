"""Preparedness between incidents: plan sign-off, contact verification campaigns and the
readiness report. Requests go out through the outbox; answers come by SMS ``JA``, Telegram
button or email link page, each recorded through one function per kind."""

from __future__ import annotations

from beredskab.preparedness.signoff import record_signoff, request_signoff, signoff_status
from beredskab.preparedness.verification import (
    campaign_report,
    record_verification,
    remind_unanswered,
    start_due_verification,
    start_verification,
    verification_due,
)

__all__ = [
    "campaign_report",
    "record_signoff",
    "record_verification",
    "remind_unanswered",
    "request_signoff",
    "signoff_status",
    "start_due_verification",
    "start_verification",
    "verification_due",
]
