"""``beredskab person export ID``: everything stored about one person, as JSON (GDPR art. 15).

The directory entry; the messages sent to them (with addresses) and their confirmations; log
entries they wrote or that name them; their tasks and finished steps; incidents they
activated or closed; communications, notices and picture revisions they wrote; audit rows
about them; their Telegram binding, web sign-ins and codes, API tokens (without the secrets);
whether a PIN is set (never the hash); preparedness requests; and a resident subscription of
their number. The export is audited (without the data).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from beredskab.plan import Plan
from beredskab.security import audit
from beredskab.storage import Database

ACTOR = "operator"
CHANNEL = "cli"
TEXT_CHANNELS = ("sms", "voice", "email")
"""Delivery channels whose address is a number or an email (a chat id is only an id)."""
MIN_NEEDLE = 4
"""Shorter names or numbers are not searched for in free text."""


def needles(
    plan: Plan,
    person_id: str,
    *,
    names: Sequence[str],
    phones: Sequence[str],
    emails: Sequence[str],
) -> list[str]:
    """What identifies the person in free text: their name, numbers and emails (from the
    directory when they are still in it, and as given)."""
    found = [*names, *phones, *emails]
    person = plan.directory.person(person_id)
    if person is not None:
        found += [person.name, *(v for v in (person.phone, person.email) if v)]
    return sorted({n.strip() for n in found if len(n.strip()) >= MIN_NEEDLE}, key=lambda n: -len(n))


async def export(
    *,
    db: Database,
    plan: Plan,
    person_id: str,
    names: Sequence[str] = (),
    phones: Sequence[str] = (),
    emails: Sequence[str] = (),
) -> dict[str, Any]:
    """Everything stored about ``person_id`` as a JSON-ready dict."""
    person = plan.directory.person(person_id)
    search = needles(plan, person_id, names=names, phones=phones, emails=emails)
    numbers = [*phones, *([person.phone] if person and person.phone else [])]
    async with db.transaction() as tx:
        rows = await tx.privacy.person_rows(person_id)
        numbers += [
            d["address"]
            for d in rows["deliveries"]
            if d["channel"] in ("sms", "voice") and d["address"]
        ]
        mentions = await tx.privacy.log_mentions(search)
        pin_set = await tx.privacy.pin_set_at(person_id)
        subscriptions = await tx.privacy.resident(sorted(set(numbers)))
        await audit.record(
            tx,
            actor=ACTOR,
            action="person.export",
            channel=CHANNEL,
            detail=f"export of {person_id} (GDPR art. 15)",
        )
        exported_at = tx.now
    seen = {(e["incident_id"], e["seq"]) for e in rows["log_entries"]}
    log = rows.pop("log_entries") + [
        e for e in mentions if (e["incident_id"], e["seq"]) not in seen
    ]
    log.sort(key=lambda e: (e["incident_id"], e["seq"]))
    rows.pop("pins")
    sign_ins = {
        k: rows.pop(k) for k in ("telegram_links", "web_sessions", "web_codes", "api_tokens")
    }
    return {
        "person_id": person_id,
        "exported_at": exported_at.isoformat(),
        "directory": person.model_dump(mode="json") if person is not None else None,
        "pin": "set" if pin_set is not None else "not set",
        "pin_set_at": pin_set.isoformat() if pin_set is not None else None,
        "log_entries": log,
        **rows,
        "sign_ins": sign_ins,
        "resident_subscriptions": subscriptions,
        "searched_for": search,
    }
