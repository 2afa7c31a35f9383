"""Contact verification campaigns: everyone in the directory is shown the contact details we
hold and asked to confirm them; unanswered requests are repeated; the secretariat leader gets
the result."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from beredskab.delivery.notifications import person_channels
from beredskab.errors import InvalidStateError, NotFoundError
from beredskab.i18n import LOCAL_TZ, Language, t
from beredskab.plan import Plan
from beredskab.preparedness import requests, signoff
from beredskab.preparedness.requests import SIGNOFF, VERIFY, Answered, Wording
from beredskab.storage import Database, Tx
from beredskab.storage.repositories.deliveries import NewDelivery
from beredskab.storage.repositories.preparedness import Campaign
from contacts.models import Person

if TYPE_CHECKING:
    from beredskab.services import Services

SECRETARIAT_LEADER = "sekretariatsleder"
REPORT_TEMPLATE = "verify-report"


@dataclass(frozen=True)
class CampaignReport:
    """Who confirmed their contact details in a campaign, and who did not."""

    campaign: Campaign
    confirmed: tuple[tuple[Person, datetime, str], ...]
    missing: tuple[Person, ...]
    sent_to: tuple[str, ...] = ()

    def text(self, language: Language = "da") -> str:
        """The summary for the secretariat leader (Danish unless ``language`` says "en")."""
        started = self.campaign.started_at.astimezone(LOCAL_TZ).strftime("%d.%m.%Y")
        state = "prep_report_ended" if self.campaign.ended_at else "prep_report_running"
        lines = [
            t(
                "prep_report_summary",
                language,
                nr=self.campaign.id,
                started=started,
                state=t(state, language),
                confirmed=len(self.confirmed),
                missing=len(self.missing),
            )
        ]
        if self.missing:
            names = ", ".join(p.name for p in self.missing)
            lines.append(t("prep_report_missing", language, names=names))
        if self.confirmed:
            names = ", ".join(p.name for p, _, _ in self.confirmed)
            lines.append(t("prep_report_confirmed", language, names=names))
        return "\n".join(lines)


def wording(person: Person, *, telegram: bool, plan_link: str) -> Wording:
    """The verification request in the person's language, showing what we hold (the email
    and chat text also link to the whole plan)."""
    lang = person.language
    none = t("prep_none", lang)
    held = {
        "phone": person.phone or none,
        "email": person.email or none,
        "telegram": t("prep_yes" if telegram else "prep_no", lang),
    }
    return Wording(
        subject=t("prep_verify_subject", lang),
        body=t("prep_verify_body", lang, navn=person.name, **held)
        + "\n\n"
        + t("prep_plan_link", lang, link=plan_link),
        sms=t("prep_verify_sms", lang, **held),
        language=lang,
    )


async def start_verification(*, app: Services, actor: str) -> tuple[Campaign, int]:
    """Open a campaign and ask everyone in the directory; returns it and the message count."""
    messages = 0
    async with app.db.transaction() as tx:
        newest = await tx.preparedness.campaign()
        if newest is not None and newest.ended_at is None:
            raise InvalidStateError(
                "verification campaign {campaign} is still running; "
                "end it first (beredskab verify end)",
                campaign=newest.id,
            )
        campaign = await tx.preparedness.start_campaign(by=actor, now=tx.now)
        people = app.plan.directory.people
        chats = await tx.people.telegram_chats(p.id for p in people)
        for person in people:
            request = await tx.preparedness.add_request(
                kind=VERIFY, round_=str(campaign.id), person_id=person.id, now=tx.now
            )
            text = wording(person, telegram=person.id in chats, plan_link=requests.plan_link(app))
            messages += await requests.send(tx, app, request=request, person=person, wording=text)
    app.outbox.wake()
    return campaign, messages


async def verification_due(*, app: Services) -> bool:
    """Whether the configured interval has passed since the newest campaign started."""
    every = timedelta(days=app.settings.preparedness.verification_every_days)
    async with app.db.transaction() as tx:
        newest = await tx.preparedness.campaign()
        return newest is None or (
            newest.ended_at is not None and tx.now - newest.started_at >= every
        )


async def start_due_verification(*, app: Services, actor: str = "schedule") -> Campaign | None:
    """Start a campaign when one is due (for the scheduler); None when not due."""
    if not await verification_due(app=app):
        return None
    campaign, _ = await start_verification(app=app, actor=actor)
    return campaign


async def record_verification(
    *, db: Database, plan: Plan, person_id: str, campaign_id: int, via: str
) -> Answered:
    """Record that a person confirmed their contact details in a campaign (idempotent)."""
    async with db.transaction() as tx:
        found = await tx.preparedness.requests(kind=VERIFY, round_=str(campaign_id))
        request = next((r for r in found if r.person_id == person_id), None)
        if request is None or plan.directory.person(person_id) is None:
            raise NotFoundError(
                "{person} was not asked in verification campaign {campaign}",
                person=person_id,
                campaign=campaign_id,
            )
        return await requests.answer(tx, request=request, via=via)


async def remind_unanswered(*, app: Services) -> int:
    """Send again every open request (running plan version, open campaigns) last sent at
    least ``verification_reminder_hours`` ago; returns how many people were reminded."""
    hours = app.settings.preparedness.verification_reminder_hours
    reminded = 0
    async with app.db.transaction() as tx:
        due = tx.now - timedelta(hours=hours)
        chats: dict[str, int] | None = None
        for kind in (SIGNOFF, VERIFY):
            for request in await tx.preparedness.requests(kind=kind, open_only=True):
                person = app.plan.directory.person(request.person_id)
                if person is None or request.sent_at > due:
                    continue
                if not await requests.is_current(tx, app, request):
                    continue
                if kind == SIGNOFF:
                    text = signoff.wording(person, request.round, plan_link=requests.plan_link(app))
                else:
                    if chats is None:
                        chats = await tx.people.telegram_chats(
                            p.id for p in app.plan.directory.people
                        )
                    text = wording(
                        person, telegram=person.id in chats, plan_link=requests.plan_link(app)
                    )
                await requests.send(
                    tx, app, request=request, person=person, wording=text.reminder()
                )
                await tx.preparedness.mark_sent(request.id, now=tx.now)
                reminded += 1
    app.outbox.wake()
    return reminded


async def campaign_report(
    *, app: Services, campaign_id: int | None = None, send: bool = False, end: bool = False
) -> CampaignReport:
    """The result of a campaign (the newest by default); ``end`` closes it, and ``send`` or
    ``end`` sends the summary to the secretariat leader."""
    async with app.db.transaction() as tx:
        campaign = await tx.preparedness.campaign(campaign_id)
        if campaign is None:
            raise NotFoundError("no verification campaign yet (start one: beredskab verify start)")
        if end:
            await tx.preparedness.end_campaign(campaign.id, now=tx.now)
            campaign = await tx.preparedness.campaign(campaign.id)
            assert campaign is not None
        found = await tx.preparedness.requests(kind=VERIFY, round_=str(campaign.id))
        confirmed: list[tuple[Person, datetime, str]] = []
        missing: list[Person] = []
        for request in found:
            person = app.plan.directory.person(request.person_id)
            if person is None:
                continue
            if request.answered_at is not None:
                confirmed.append((person, request.answered_at, request.via or ""))
            else:
                missing.append(person)
        report = CampaignReport(campaign, tuple(confirmed), tuple(missing))
        if send or end:
            leaders = app.plan.directory.with_role(SECRETARIAT_LEADER)
            await _send_report(tx, report, leaders)
            report = CampaignReport(
                campaign, report.confirmed, report.missing, tuple(p.id for p in leaders)
            )
    app.outbox.wake()
    return report


async def _send_report(tx: Tx, report: CampaignReport, leaders: tuple[Person, ...]) -> None:
    chats = await tx.people.telegram_chats(p.id for p in leaders)
    items: list[NewDelivery] = []
    for person in leaders:
        channels = person_channels(person, chats.get(person.id))
        if not channels:
            continue
        (channel, address), rest = channels[0], channels[1:]
        text = report.text(person.language)
        items.append(
            NewDelivery(
                incident_id=None,
                person_id=person.id,
                channel=channel,
                address=address,
                template=REPORT_TEMPLATE,
                subject=t("prep_report_subject", person.language, nr=report.campaign.id),
                text=text,
                short_text=text,
                notification=f"verify-report:{report.campaign.id}:{uuid.uuid4().hex[:10]}",
                policy="fallback",
                alternates="\n".join(f"{k.value} {a}" for k, a in rest),
                language=person.language,
            )
        )
    await tx.deliveries.enqueue(items, now=tx.now)
