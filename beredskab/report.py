"""Reading an incident as a whole: the status overview and the Markdown situation report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from beredskab.i18n import status as status_word
from beredskab.incidents import require
from beredskab.models import Confirmation, Delivery, Incident, LogEntry, Step, Task
from beredskab.notifications import LOCAL_TZ
from beredskab.situation_log import ChainCheck, verify
from beredskab.storage import Database


@dataclass(frozen=True)
class Overview:
    """Everything known about one incident."""

    incident: Incident
    confirmations: list[Confirmation]
    steps: list[Step]
    tasks: list[Task]
    log: list[LogEntry]
    deliveries: list[Delivery]
    chain: ChainCheck


async def overview(*, db: Database, incident_id: int) -> Overview:
    """Read an incident with its confirmations, steps, tasks, log and deliveries."""
    async with db.transaction() as tx:
        incident = await require(tx, incident_id)
        log = await tx.log.list(incident_id)
        return Overview(
            incident=incident,
            confirmations=await tx.incidents.confirmations(incident_id),
            steps=await tx.steps.list(incident_id),
            tasks=await tx.tasks.list(incident_id),
            log=log,
            deliveries=await tx.deliveries.for_incident(incident_id),
            chain=verify(log),
        )


def _t(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).strftime("%d-%m-%Y %H:%M:%S")
    return "-" if value is None else str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(view: Overview, *, names: dict[str, str], include_sensitive: bool) -> str:
    """The Danish situation report as Markdown."""
    i = view.incident
    out = [
        f"# Situationsrapport — hændelse {i.id}{' (ØVELSE)' if i.drill else ''}",
        "",
        f"- **Beredskab:** {i.playbook_name} (`{i.playbook_id}`), planversion `{i.plan_version}`",
        f"- **Titel:** {i.title}",
        f"- **Aktiveret af:** {names.get(i.activated_by, i.activated_by)} via {i.activated_via}, "
        f"{_t(i.created_at)}",
        f"- **Zone:** {i.zone or 'hele området'}",
        f"- **Politiets journalnr.:** {i.police_case or 'ikke oplyst'}",
        f"- **Status:** {'aktiv' if i.status.value == 'active' else 'afsluttet'}"
        + (
            f", afsluttet {_t(i.closed_at)} af {names.get(i.closed_by or '', i.closed_by)}"
            if i.closed_at
            else ""
        ),
        "",
        "## Bekræftelser",
        "",
        "| Person | Årsag | Status | Via | Tidspunkt |",
        "|---|---|---|---|---|",
    ]
    for c in view.confirmations:
        out.append(
            f"| {_cell(names.get(c.person_id, c.person_id))} | {c.reason} | "
            f"{status_word(c.status.value)} | {c.via or '-'} | {_t(c.updated_at)} |"
        )
    out += [
        "",
        "## Trin",
        "",
        "| # | Trin | Ansvarlig | Frist | Status | Udført af | Note |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in view.steps:
        out.append(
            f"| {s.position} | {_cell(s.title)} | {s.owner_role} | {_t(s.due_at)} | "
            f"{status_word(s.status.value)} | "
            f"{names.get(s.finished_by or '', s.finished_by or '-')} | "
            f"{_cell(s.note or '')} |"
        )
    out += [
        "",
        "## Opsøgende opgaver",
        "",
        "| # | Medarbejder | Kontakt | Gruppe | Zone | Status | Resultat |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in view.tasks:
        out.append(
            f"| {t.number} | {_cell(names.get(t.assignee, t.assignee))} | {_cell(t.target_name)} | "
            f"{t.group_id} | {t.zone or '-'} | {status_word(t.status.value)} | "
            f"{_cell(t.outcome or '')} |"
        )
    counts: dict[str, int] = {}
    for d in view.deliveries:
        key = f"{d.channel.value}/{d.status.value}"
        counts[key] = counts.get(key, 0) + 1
    out += ["", "## Beskeder", ""]
    out += [f"- {key}: {n}" for key, n in sorted(counts.items())] or ["- ingen"]
    out += ["", "## Tidslinje", ""]
    for e in view.log:
        text = e.text if include_sensitive or not e.sensitive else "[fortrolig post udeladt]"
        flag = " (fortrolig)" if e.sensitive else ""
        fix = f" (retter post {e.corrects})" if e.corrects else ""
        out.append(
            f"{e.seq}. {_t(e.created_at)} — {e.kind.value}{flag}{fix} — "
            f"{names.get(e.actor, e.actor)}: {text}"
        )
    out += _timings(view, names)
    chain = view.chain
    verdict = (
        f"OK: {chain.entries} poster, kæden er ubrudt."
        if chain.ok
        else f"FEJL: kæden er brudt ved post {chain.first_bad_seq}."
    )
    out += ["", "## Kontrol af loggen (hash-kæde)", "", verdict, ""]
    return "\n".join(out)


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


def _timings(view: Overview, names: dict[str, str]) -> list[str]:
    """Response times and step durations (the drill evaluation for a drill)."""
    start = view.incident.created_at
    title = "Øvelsesevaluering" if view.incident.drill else "Svartider og trin"
    out = ["", f"## {title}", "", "| Person | Tid til bekræftelse |", "|---|---|"]
    answered = sorted(
        (c for c in view.confirmations if c.status.value == "confirmed"),
        key=lambda c: c.updated_at,
    )
    for c in answered:
        seconds = (c.updated_at - start).total_seconds()
        out.append(f"| {_cell(names.get(c.person_id, c.person_id))} | {_minutes(seconds)} |")
    never = [
        names.get(c.person_id, c.person_id)
        for c in view.confirmations
        if c.status.value == "pending"
    ]
    out += ["", f"**Svarede aldrig:** {', '.join(never) if never else 'ingen'}", ""]
    out += ["| # | Trin | Varighed |", "|---|---|---|"]
    previous = start
    for s in sorted(view.steps, key=lambda s: s.finished_at or start):
        if s.finished_at is None:
            continue
        duration = _minutes((s.finished_at - previous).total_seconds())
        out.append(f"| {s.position} | {_cell(s.title)} | {duration} |")
        previous = s.finished_at
    return out
