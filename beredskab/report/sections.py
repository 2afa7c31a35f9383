"""The situation report's content, prepared once and rendered as Markdown, HTML and PDF.

``build`` turns an ``Overview`` into ``ReportData``: a header and an ordered list of sections
made of tables and paragraphs, every value already a Danish display string (local time,
names instead of person ids, statuses in words). Renderers only lay it out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar, Literal

from beredskab.i18n import clock
from beredskab.i18n import status as status_word
from beredskab.incident.duties import ticks as duty_ticks
from beredskab.models import Confirmation, ConfirmationStatus, EntryKind, LogEntry
from beredskab.report.overview import Overview
from beredskab.storage.repositories.communications import CommunicationStatus

SENSITIVE = "Følsom"
"""The mark on a sensitive timeline entry shown to someone allowed to read it."""
WITHHELD = "[fortrolig post udeladt]"
"""The text shown instead of a sensitive entry to everyone else."""

KIND = {
    EntryKind.ACTIVATED: "aktiveret",
    EntryKind.JOINED: "tilsluttet",
    EntryKind.UPGRADED: "opgraderet",
    EntryKind.NOTIFIED: "underrettet",
    EntryKind.DELIVERY: "levering",
    EntryKind.CONFIRMED: "bekræftet",
    EntryKind.DECLINED: "afvist",
    EntryKind.STEP: "trin",
    EntryKind.TASK: "opgave",
    EntryKind.NOTE: "notat",
    EntryKind.DECISION: "beslutning",
    EntryKind.MEDIA: "medier",
    EntryKind.CORRECTION: "rettelse",
    EntryKind.DUTY: "pligt",
    EntryKind.PICTURE: "situationsbillede",
    EntryKind.CLOSED: "afsluttet",
}
DELIVERY_STATUS = {
    "queued": "i kø",
    "sending": "sendes",
    "sent": "sendt",
    "delivered": "leveret",
    "failed": "fejlet",
    "expired": "udløbet",
}
_NameFn = Callable[[str | None], str]
"""Turns a person id into the name shown."""

AUDIENCE = {
    "board": "bestyrelsen",
    "operations": "driften",
    "partners": "samarbejdspartnere",
    "residents": "tilmeldte beboere",
    "press": "pressen",
    "institutions": "institutioner",
    "businesses": "virksomheder",
    "associations": "foreninger",
}


def local_time(value: datetime | None) -> str:
    """A UTC time as Danish local time, always with the date (a report is read later; see
    ``i18n.clock``), or "-"."""
    if value is None:
        return "-"
    return clock(value, now=None, seconds=True)


def duration(seconds: float) -> str:
    """Seconds as "3 min 05 s"."""
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


@dataclass(frozen=True)
class Row:
    """One table row; a sensitive row is marked ``SENSITIVE`` by every renderer."""

    cells: tuple[str, ...]
    sensitive: bool = False


@dataclass(frozen=True)
class Table:
    """A table with Danish column titles; the PDF sizes its columns from the content."""

    kind: ClassVar[str] = "table"
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    empty: str


@dataclass(frozen=True)
class Paragraph:
    """A line of text with an optional bold lead; ``tone`` "ok" or "alert" for a verdict."""

    kind: ClassVar[str] = "paragraph"
    text: str
    lead: str = ""
    tone: Literal["", "ok", "alert"] = ""


@dataclass(frozen=True)
class Section:
    """A titled part of the report; ``key`` is a stable anchor (HTML id)."""

    key: str
    title: str
    blocks: tuple[Table | Paragraph, ...]


@dataclass(frozen=True)
class ReportData:
    """The whole report, ready to lay out."""

    incident_id: int
    title: str
    drill: bool
    fields: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    chain_ok: bool
    generated_at: str


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
    closed = f"{local_time(i.closed_at)} af {name(i.closed_by)}" if i.closed_at else "-"
    fields = (
        ("Beredskab", f"{i.playbook_name} ({i.playbook_id}), planversion {i.plan_version}"),
        ("Hændelse", f"{i.id}{' (ØVELSE)' if i.drill else ''}"),
        ("Titel", i.title),
        *((("Beskrivelse", i.description),) if i.description.strip() not in ("", i.title) else ()),
        ("Zone", str(i.zone) if i.zone else "hele området"),
        ("Politiets journalnr.", i.police_case or "ikke oplyst"),
        ("Aktiveret af", f"{name(i.activated_by)} via {i.activated_via}"),
        ("Aktiveret", local_time(i.created_at)),
        ("Status", "aktiv" if i.status.value == "active" else "afsluttet"),
        ("Afsluttet", closed),
    )
    chain = view.chain
    verdict = (
        Paragraph(chain.message, lead="OK:", tone="ok")
        if chain.ok
        else Paragraph(chain.message, lead="FEJL:", tone="alert")
    )
    head = Paragraph(
        f"{chain.head.short} (antal poster og hash for den sidste). Gem det; kontrol senere: "
        f"beredskab log verify {i.id} --head {chain.head.short}"
        if chain.ok and chain.head
        else "intet at gemme, før bruddet er undersøgt.",
        lead="Kædehoved:",
    )
    when = generated_at or datetime.now(UTC)
    return ReportData(
        incident_id=i.id,
        title=f"Situationsrapport — hændelse {i.id}",
        drill=i.drill,
        fields=fields,
        sections=(
            Section("tidslinje", "Tidslinje", (_timeline(view.log, name, include_sensitive),)),
            Section(
                "situationsbillede", "Situationsbillede", _picture(view, name, include_sensitive)
            ),
            Section("bekraeftelser", "Bekræftelser", (_confirmations(view, name),)),
            Section("trin", "Trin", (_steps(view, name),)),
            Section("opgaver", "Opgaver", (_tasks(view, name),)),
            Section("pligter", "Pligter (§3) afkrydset af lederen", (_duties(view, name),)),
            Section("kommunikation", "Kommunikation sendt", (_communications(view, name),)),
            Section("beskeder", "Beskeder", (_deliveries(view),)),
            Section(
                "evaluering",
                "Øvelsesevaluering" if i.drill else "Svartider og trin",
                _timings(view, name),
            ),
            Section("kontrol", "Kontrol af loggen (hash-kæde)", (verdict, head)),
        ),
        chain_ok=chain.ok,
        generated_at=local_time(when),
    )


def _timeline(entries: list[LogEntry], name: _NameFn, include_sensitive: bool) -> Table:
    rows = []
    for e in entries:
        text = e.text if include_sensitive or not e.sensitive else WITHHELD
        if e.corrects:
            text = f"Retter post {e.corrects}: {text}"
        cells = (str(e.seq), local_time(e.created_at), KIND[e.kind], name(e.actor), text)
        rows.append(Row(cells, sensitive=e.sensitive))
    return Table(("#", "Tidspunkt", "Type", "Af", "Tekst"), tuple(rows), "Ingen poster.")


def _reason(reason: str, name: _NameFn) -> str:
    kind, _, ref = reason.partition(":")
    if kind == "participant":
        return "deltager"
    if kind == "deputy":
        return f"stedfortræder for {name(ref)}"
    if kind == "step":
        return f"trin {ref}"
    if kind == "convene":
        return f"indkaldt ({ref})"
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
        ("Person", "Årsag", "Status", "Via", "Tidspunkt"),
        rows,
        "Ingen er bedt om at bekræfte.",
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
        ("#", "Trin", "Ansvarlig", "Frist", "Status", "Udført af", "Udført", "Note"),
        rows,
        "Ingen trin.",
    )


def _tasks(view: Overview, name: _NameFn) -> Table:
    rows = tuple(
        Row(
            (
                str(t.number),
                name(t.assignee),
                t.title,
                name(t.group_id) if t.group_id else "Projektchefens",
                str(t.zone) if t.zone else "-",
                status_word(t.status.value),
                t.outcome or "",
            )
        )
        for t in view.tasks
    )
    return Table(
        ("#", "Medarbejder", "Kontakt", "Gruppe", "Zone", "Status", "Resultat"),
        rows,
        "Ingen opgaver.",
    )


def _duties(view: Overview, name: _NameFn) -> Table:
    """The leader's duty checklist as the log records it: the newest tick per duty."""
    rows = tuple(
        Row(
            (
                t.text,
                "afkrydset" if t.done else "afkrydsning fjernet",
                name(t.actor),
                local_time(t.at),
            )
        )
        for t in sorted(duty_ticks(view.log).values(), key=lambda t: t.seq)
    )
    return Table(("Pligt", "Status", "Af", "Tidspunkt"), rows, "Ingen pligter afkrydset.")


def _communications(view: Overview, name: _NameFn) -> Table:
    sent = [c for c in view.communications if c.status is CommunicationStatus.SENT]
    rows = tuple(
        Row(
            (
                local_time(c.sent_at),
                ", ".join(AUDIENCE.get(a, a) for a in c.audience.split(",")),
                f"{c.subject}\n{c.text}",
                name(c.approved_by),
                "-" if c.recipients is None else str(c.recipients),
            )
        )
        for c in sent
    )
    return Table(
        ("Sendt", "Til", "Emne og tekst", "Godkendt af", "Modtagere"),
        rows,
        "Ingen kommunikation sendt.",
    )


def _deliveries(view: Overview) -> Table:
    counts = Counter((d.channel.value, d.status.value) for d in view.deliveries)
    rows = tuple(
        Row((channel, DELIVERY_STATUS.get(status, status), str(n)))
        for (channel, status), n in sorted(counts.items())
    )
    return Table(("Kanal", "Status", "Antal"), rows, "Ingen beskeder.")


def _timings(view: Overview, name: _NameFn) -> tuple[Table | Paragraph, ...]:
    """Response times and step durations (the drill evaluation for a drill)."""
    start = view.incident.created_at
    answered = sorted(
        (c for c in view.confirmations if c.status is ConfirmationStatus.CONFIRMED),
        key=lambda c: c.updated_at,
    )
    response = Table(
        ("Person", "Tid til bekræftelse"),
        tuple(
            Row((name(c.person_id), duration((c.updated_at - start).total_seconds())))
            for c in answered
        ),
        "Ingen har bekræftet.",
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
    durations = Table(("#", "Trin", "Varighed"), tuple(rows), "Ingen trin afsluttet.")
    missing = Paragraph(", ".join(never) if never else "ingen", lead="Svarede aldrig:")
    return (response, missing, durations)


def _picture(
    view: Overview, name: _NameFn, include_sensitive: bool
) -> tuple[Table | Paragraph, ...]:
    from beredskab.report.picture import picture_blocks  # it builds on this module's types

    return picture_blocks(view.picture, name, include_sensitive)
