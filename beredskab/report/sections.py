"""The situation report's content, prepared once and rendered as Markdown, HTML and PDF.

``build`` turns an ``Overview`` into ``ReportData``: a header and an ordered list of sections
made of tables and paragraphs, every value already a Danish display string (local time,
names instead of person ids, statuses in words). Renderers only lay it out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from beredskab.i18n import status as status_word
from beredskab.incident.duties import ticks as duty_ticks
from beredskab.incident.overview import Overview
from beredskab.models import Confirmation, ConfirmationStatus, LogEntry
from beredskab.report.blocks import (
    Paragraph,
    ReportData,
    Row,
    Section,
    Table,
    columns_of,
    drill_mark,
    duration,
    local_time,
    texts,
)
from beredskab.storage.repositories.communications import CommunicationStatus

_KIND_KEYS = texts.mark(
    "kind.activated",
    "kind.joined",
    "kind.upgraded",
    "kind.notified",
    "kind.delivery",
    "kind.confirmed",
    "kind.declined",
    "kind.step",
    "kind.task",
    "kind.note",
    "kind.decision",
    "kind.media",
    "kind.correction",
    "kind.duty",
    "kind.picture",
    "kind.closed",
)
_DELIVERY_KEYS = texts.mark(
    "delivery.queued",
    "delivery.sending",
    "delivery.sent",
    "delivery.delivered",
    "delivery.failed",
    "delivery.expired",
)
_AUDIENCE_KEYS = texts.mark(
    "audience.board",
    "audience.operations",
    "audience.partners",
    "audience.residents",
    "audience.press",
    "audience.institutions",
    "audience.businesses",
    "audience.associations",
)
_NameFn = Callable[[str | None], str]
"""Turns a person id into the name shown."""


def _word(prefix: str, value: str, known: tuple[str, ...]) -> str:
    """``value`` in words from the ``prefix`` keys, or as it is when the catalog has none."""
    key = f"{prefix}.{value}"
    return texts(key) if key in known else value


def build(
    view: Overview,
    *,
    names: dict[str, str],
    include_sensitive: bool,
    generated_at: datetime | None = None,
) -> ReportData:
    """Prepare the report's content; sensitive entries only when ``include_sensitive``.

    ``names`` maps ids to what is shown: people, and for roles and outreach groups their
    display names (``Plan.labels``); an id without a name is shown as it is.
    """

    def name(person_id: str | None) -> str:
        return "-" if not person_id else names.get(person_id, person_id)

    i = view.incident
    closed = (
        texts("field.closed_value", time=local_time(i.closed_at), name=name(i.closed_by))
        if i.closed_at
        else "-"
    )
    fields = (
        (
            texts("field.playbook"),
            texts(
                "field.playbook_value",
                name=i.playbook_name,
                id=i.playbook_id,
                version=i.plan_version,
            ),
        ),
        (texts("field.incident"), f"{i.id}{drill_mark() if i.drill else ''}"),
        (texts("field.title"), i.title),
        *(
            ((texts("field.description"), i.description),)
            if i.description.strip() not in ("", i.title)
            else ()
        ),
        (texts("field.zone"), str(i.zone) if i.zone else texts("whole_area")),
        (texts("field.police_case"), i.police_case or texts("field.police_case_none")),
        (
            texts("field.activated_by"),
            texts("field.activated_by_value", name=name(i.activated_by), via=i.activated_via),
        ),
        (texts("field.activated"), local_time(i.created_at)),
        (texts("field.status"), status_word("active" if i.status.value == "active" else "closed")),
        (texts("field.closed"), closed),
    )
    chain = view.chain
    verdict = (
        Paragraph(chain.message, lead=texts("chain.ok"), tone="ok")
        if chain.ok
        else Paragraph(chain.message, lead=texts("chain.failed"), tone="alert")
    )
    head = Paragraph(
        texts("chain.head", head=chain.head.short, nr=i.id)
        if chain.ok and chain.head
        else texts("chain.head_none"),
        lead=texts("chain.head_lead"),
    )
    when = generated_at or datetime.now(UTC)
    return ReportData(
        incident_id=i.id,
        title=texts("title", nr=i.id),
        drill=i.drill,
        fields=fields,
        sections=(
            Section(
                "tidslinje",
                texts("section.timeline"),
                (_timeline(view.log, name, include_sensitive),),
            ),
            Section(
                "situationsbillede",
                texts("section.picture"),
                _picture(view, name, include_sensitive),
            ),
            Section("bekraeftelser", texts("section.confirmations"), (_confirmations(view, name),)),
            Section("trin", texts("section.steps"), (_steps(view, name),)),
            Section("opgaver", texts("section.tasks"), (_tasks(view, name),)),
            Section("pligter", texts("section.duties"), (_duties(view, name),)),
            Section(
                "kommunikation", texts("section.communications"), (_communications(view, name),)
            ),
            Section("beskeder", texts("section.deliveries"), (_deliveries(view),)),
            Section(
                "evaluering",
                texts("section.drill_evaluation" if i.drill else "section.timings"),
                _timings(view, name),
            ),
            Section("kontrol", texts("section.chain"), (verdict, head)),
        ),
        chain_ok=chain.ok,
        generated_at=local_time(when),
    )


def _timeline(entries: list[LogEntry], name: _NameFn, include_sensitive: bool) -> Table:
    rows = []
    for e in entries:
        text = e.text if include_sensitive or not e.sensitive else texts("withheld")
        if e.corrects:
            text = texts("timeline.corrects", seq=e.corrects, text=text)
        kind = _word("kind", e.kind.value, _KIND_KEYS)
        cells = (str(e.seq), local_time(e.created_at), kind, name(e.actor), text)
        rows.append(Row(cells, sensitive=e.sensitive))
    columns = ("#", *columns_of("col.time", "col.kind", "col.by", "col.text"))
    return Table(columns, tuple(rows), texts("timeline.empty"))


def _reason(reason: str, name: _NameFn) -> str:
    kind, _, ref = reason.partition(":")
    if kind == "participant":
        return texts("reason.participant")
    if kind == "deputy":
        return texts("reason.deputy", name=name(ref))
    if kind == "step":
        return texts("reason.step", ref=ref)
    if kind == "convene":
        return texts("reason.convene", ref=ref)
    return reason


def _answered(c: Confirmation) -> bool:
    return c.status is not ConfirmationStatus.PENDING


def _confirmations(view: Overview, name: _NameFn) -> Table:
    rows = tuple(
        Row(
            (
                name(c.person_id),
                _reason(c.reason, name),
                status_word(c.status.value),
                c.via or "-",
                local_time(c.updated_at) if _answered(c) else "-",
            )
        )
        for c in view.confirmations
    )
    return Table(
        columns_of("col.person", "col.reason", "col.status", "col.via", "col.time"),
        rows,
        texts("confirmations.empty"),
    )


def _steps(view: Overview, name: _NameFn) -> Table:
    rows = tuple(
        Row(
            (
                str(s.position),
                s.title,
                name(s.owner_role),
                local_time(s.due_at),
                status_word(s.status.value),
                name(s.finished_by),
                local_time(s.finished_at),
                s.note or "",
            )
        )
        for s in view.steps
    )
    return Table(
        (
            "#",
            *columns_of(
                "col.step",
                "col.owner",
                "col.due",
                "col.status",
                "col.done_by",
                "col.done_at",
                "col.note",
            ),
        ),
        rows,
        texts("steps.empty"),
    )


def _tasks(view: Overview, name: _NameFn) -> Table:
    rows = tuple(
        Row(
            (
                str(t.number),
                name(t.assignee),
                t.title,
                name(t.group_id) if t.group_id else texts("tasks.chief"),
                str(t.zone) if t.zone else "-",
                status_word(t.status.value),
                t.outcome or "",
            )
        )
        for t in view.tasks
    )
    return Table(
        (
            "#",
            *columns_of(
                "col.staff", "col.contact", "col.group", "col.zone", "col.status", "col.result"
            ),
        ),
        rows,
        texts("tasks.empty"),
    )


def _duties(view: Overview, name: _NameFn) -> Table:
    """The leader's duty checklist as the log records it: the newest tick per duty."""
    rows = tuple(
        Row(
            (
                t.text,
                texts("duties.ticked" if t.done else "duties.unticked"),
                name(t.actor),
                local_time(t.at),
            )
        )
        for t in sorted(duty_ticks(view.log).values(), key=lambda t: t.seq)
    )
    return Table(
        columns_of("col.duty", "col.status", "col.by", "col.time"), rows, texts("duties.empty")
    )


def _communications(view: Overview, name: _NameFn) -> Table:
    sent = [c for c in view.communications if c.status is CommunicationStatus.SENT]
    rows = tuple(
        Row(
            (
                local_time(c.sent_at),
                ", ".join(_word("audience", a, _AUDIENCE_KEYS) for a in c.audience.split(",")),
                f"{c.subject}\n{c.text}",
                name(c.approved_by),
                "-" if c.recipients is None else str(c.recipients),
            )
        )
        for c in sent
    )
    return Table(
        columns_of("col.sent", "col.to", "col.subject_text", "col.approved_by", "col.recipients"),
        rows,
        texts("communications.empty"),
    )


def _deliveries(view: Overview) -> Table:
    counts = Counter((d.channel.value, d.status.value) for d in view.deliveries)
    rows = tuple(
        Row((channel, _word("delivery", status, _DELIVERY_KEYS), str(n)))
        for (channel, status), n in sorted(counts.items())
    )
    return Table(
        columns_of("col.channel", "col.status", "col.count"), rows, texts("deliveries.empty")
    )


def _timings(view: Overview, name: _NameFn) -> tuple[Table | Paragraph, ...]:
    """Response times and step durations (the drill evaluation for a drill)."""
    start = view.incident.created_at
    answered = sorted(
        (c for c in view.confirmations if c.status is ConfirmationStatus.CONFIRMED),
        key=lambda c: c.updated_at,
    )
    response = Table(
        columns_of("col.person", "col.time_to_confirm"),
        tuple(
            Row((name(c.person_id), duration((c.updated_at - start).total_seconds())))
            for c in answered
        ),
        texts("timings.empty_confirmed"),
    )
    never = [
        name(c.person_id) for c in view.confirmations if c.status is ConfirmationStatus.PENDING
    ]
    rows = []
    previous = start
    for s in sorted(view.steps, key=lambda s: s.finished_at or start):
        if s.finished_at is None:
            continue
        spent = duration((s.finished_at - previous).total_seconds())
        rows.append(Row((str(s.position), s.title, spent)))
        previous = s.finished_at
    durations = Table(
        ("#", *columns_of("col.step", "col.duration")), tuple(rows), texts("timings.empty_steps")
    )
    missing = Paragraph(", ".join(never) if never else texts("nobody"), lead=texts("timings.never"))
    return (response, missing, durations)


def _picture(
    view: Overview, name: _NameFn, include_sensitive: bool
) -> tuple[Table | Paragraph, ...]:
    from beredskab.report.picture import picture_blocks  # it builds on this module's types

    return picture_blocks(view.picture, name, include_sensitive)
