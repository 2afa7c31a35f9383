"""Statistics over incidents: how many per playbook, how fast people confirmed, how many steps
were done. Drills are kept out (or, when asked for, counted alone), so an exercise never
flatters or spoils the figures for real incidents."""

from __future__ import annotations

import math
import statistics as stats
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from beredskab.catalog.texts import Texts
from beredskab.i18n import LOCAL_TZ
from beredskab.models import ConfirmationStatus, Incident, StepStatus
from beredskab.plan import Plan
from beredskab.storage import Database, Tx

_t = Texts("incident")
"""Texts for people and the situation log (which is written in Danish)."""

PARTICIPANT = "participant"
_PAGE = 200


@dataclass(frozen=True)
class Durations:
    """How many values, their median and 90th percentile (nearest rank), in seconds."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Durations:
        """Summarise a list of durations (empty: no median, no p90)."""
        if not seconds:
            return cls(0, None, None)
        ordered = sorted(seconds)
        rank = math.ceil(0.9 * len(ordered))  # nearest-rank: 1-based
        return cls(len(ordered), float(stats.median(ordered)), ordered[rank - 1])


@dataclass(frozen=True)
class PlaybookStatistics:
    """The figures for one playbook.

    ``first_confirmation``: from activation to the first confirmation by someone other than
    the activator. ``all_confirmed``: from activation until every participant had confirmed,
    over the incidents where they all did (``incidents`` minus those is how many never got
    there). ``steps_done`` of ``steps_total`` over all its incidents.
    """

    playbook_id: str
    name: str
    incidents: int
    first_confirmation: Durations
    all_confirmed: Durations
    steps_done: int
    steps_total: int


@dataclass(frozen=True)
class Statistics:
    """Statistics for a period: real incidents, or (``drills``) only drills."""

    since: datetime | None
    drills: bool
    generated_at: datetime
    playbooks: tuple[PlaybookStatistics, ...]

    @property
    def incidents(self) -> int:
        """Incidents counted, over every playbook."""
        return sum(p.incidents for p in self.playbooks)


@dataclass(frozen=True)
class _Timings:
    first_confirmation: float | None
    all_confirmed: float | None
    steps_done: int
    steps_total: int


async def _incidents_since(tx: Tx, since: datetime | None) -> list[Incident]:
    """Every incident activated at or after ``since`` (all when None), newest first."""
    limit = _PAGE
    while True:
        found = await tx.incidents.recent(limit=limit)
        if len(found) < limit or (since is not None and found[-1].created_at < since):
            break
        limit *= 4
    return [i for i in found if since is None or i.created_at >= since]


async def _timings(tx: Tx, incident: Incident) -> _Timings:
    start = incident.created_at
    confirmations = await tx.incidents.confirmations(incident.id)
    answered = [
        (c.updated_at - start).total_seconds()
        for c in confirmations
        if c.status is ConfirmationStatus.CONFIRMED and c.person_id != incident.activated_by
    ]
    participants = [c for c in confirmations if c.reason == PARTICIPANT]
    everyone = all(c.status is ConfirmationStatus.CONFIRMED for c in participants)
    last = max(((c.updated_at - start).total_seconds() for c in participants), default=0.0)
    steps = await tx.steps.list(incident.id)
    return _Timings(
        first_confirmation=min(answered) if answered else None,
        all_confirmed=last if participants and everyone else None,
        steps_done=sum(s.status is StepStatus.DONE for s in steps),
        steps_total=len(steps),
    )


async def incident_statistics(
    *, db: Database, plan: Plan, since: datetime | None = None, drills: bool = False
) -> Statistics:
    """Per playbook: incidents activated since ``since``, confirmation times and steps done.

    Drills are left out; with ``drills`` only drills are counted. Every playbook of the plan
    is listed (with zero incidents too), then any older playbook that incidents ran under.
    """
    async with db.transaction() as tx:
        now = tx.now
        chosen = [i for i in await _incidents_since(tx, since) if i.drill == drills]
        timings = [(i, await _timings(tx, i)) for i in chosen]
    names = {p.id: p.name for p in plan.playbooks.playbooks}
    for incident in sorted(chosen, key=lambda i: i.id):
        names.setdefault(incident.playbook_id, incident.playbook_name)
    playbooks = []
    for playbook_id, name in names.items():
        mine = [t for i, t in timings if i.playbook_id == playbook_id]
        playbooks.append(
            PlaybookStatistics(
                playbook_id=playbook_id,
                name=name,
                incidents=len(mine),
                first_confirmation=Durations.of(
                    [t.first_confirmation for t in mine if t.first_confirmation is not None]
                ),
                all_confirmed=Durations.of(
                    [t.all_confirmed for t in mine if t.all_confirmed is not None]
                ),
                steps_done=sum(t.steps_done for t in mine),
                steps_total=sum(t.steps_total for t in mine),
            )
        )
    return Statistics(since=since, drills=drills, generated_at=now, playbooks=tuple(playbooks))


def _minutes(seconds: float | None, language: str) -> str:
    if seconds is None:
        return "-"
    return _t(
        "stats.duration", language, minutes=int(seconds // 60), seconds=f"{int(seconds % 60):02d}"
    )


def _count(n: int, language: str) -> str:
    return _t("stats.incidents", language, count=n)


def _spread(durations: Durations, language: str) -> str:
    return _t(
        "stats.spread",
        language,
        median=_minutes(durations.median, language),
        p90=_minutes(durations.p90, language),
    )


def render(result: Statistics, language: str = "da") -> str:
    """The statistics as text (Danish unless ``language`` says otherwise), one block per
    playbook."""
    since = (
        _t("stats.since", language, date=f"{result.since.astimezone(LOCAL_TZ):%d.%m.%Y}")
        if result.since
        else _t("stats.all_time", language)
    )
    kind = _t("stats.drills_only" if result.drills else "stats.no_drills", language)
    out = [
        _t(
            "stats.heading",
            language,
            since=since,
            kind=kind,
            incidents=_count(result.incidents, language),
        )
    ]
    for p in result.playbooks:
        out.append("")
        out.append(
            _t(
                "stats.playbook",
                language,
                name=p.name,
                id=p.playbook_id,
                incidents=_count(p.incidents, language),
            )
        )
        if not p.incidents:
            continue
        first, everyone = p.first_confirmation, p.all_confirmed
        out.append(
            _t(
                "stats.first",
                language,
                spread=_spread(first, language),
                incidents=_count(first.count, language),
            )
        )
        out.append(
            _t(
                "stats.everyone",
                language,
                spread=_spread(everyone, language),
                count=everyone.count,
                incidents=_count(p.incidents, language),
            )
        )
        out.append(_t("stats.steps", language, done=p.steps_done, total=p.steps_total))
    return "\n".join(out)
