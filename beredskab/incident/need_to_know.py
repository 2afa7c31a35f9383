"""Need to know: who may see an incident's police journal number and the names in it.

One rule for every interface (web pages, JSON API, Telegram, SMS, reports): the journal
number and the names of the people in an incident are shown only to its **participants**
(whoever activated it, was asked to confirm for any reason — the same people the situation
picture counts as its staff —, holds one of the playbook's participant roles or was given a
task) and its **leaders** (the playbook's leader role, and whoever may correct
its facts: the secretariat, and the police for a police case). Anyone else who is
signed in sees the incident through a ``Lens`` that replaces them: the journal number by
``***``, each person asked to confirm by a stable alias ``deltager-N`` (their place in the
incident's list of confirmations), everyone else by ``skjult``, and the same names and
numbers inside free text (log entries, the situation picture, task notes). Free text is
scrubbed by the directory's names and the shape of a journal number, so it is best effort;
the structured fields are exact. The CLI is operator-local (whoever runs it can read the
database) and shows everything; the public ``/info`` page never shows either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

from beredskab.incident import facts
from beredskab.incident.overview import Overview
from beredskab.incident.picture import Picture
from beredskab.models import Confirmation, Delivery, Incident, LogEntry, Step, Task
from beredskab.plan import Plan
from beredskab.security import access
from beredskab.storage import Tx
from beredskab.storage.repositories.communications import Communication
from beredskab.storage.repositories.picture import PictureRevision
from contacts.models import Person

HIDDEN_CASE = "***"
"""What an outsider sees instead of the police journal number."""
HIDDEN_NAME = "skjult"
"""What an outsider sees instead of a person who was not asked to confirm."""
ALIAS = "deltager-{n}"
"""An outsider's name for the n-th person asked to confirm (the same on every interface)."""

_JOURNAL_LIKE = re.compile(r"\b(?!\d{4}-\d{2}-\d{2}\b)\d{3,}(?:-\d+)+\b")
"""Digits joined by dashes, as a journal number is written (3700-80260-00123-26); an ISO
date is not one."""
_MIN_NAME = 3
"""Names shorter than this are not scrubbed from free text (they would hit ordinary words)."""


def leader_roles(plan: Plan, incident: Incident) -> set[str]:
    """The roles that lead an incident: the playbook's leader role."""
    playbook = plan.playbook(incident.playbook_id)
    return {playbook.leader_role if playbook else "projektchef"}


def is_participant(
    plan: Plan,
    person: Person,
    incident: Incident,
    *,
    confirmations: Iterable[Confirmation],
    tasks: Iterable[Task] = (),
) -> bool:
    """True if the person activated the incident, was asked to confirm it, holds one of its
    playbook's participant roles or was given one of its tasks."""
    if person.id == incident.activated_by:
        return True
    if any(c.person_id == person.id for c in confirmations):
        return True
    playbook = plan.playbook(incident.playbook_id)
    if playbook is not None and access.has_role(person, playbook.participants):
        return True
    return any(t.assignee == person.id for t in tasks)


def may_see_case(
    plan: Plan,
    person: Person,
    incident: Incident,
    *,
    confirmations: Iterable[Confirmation],
    tasks: Iterable[Task] = (),
) -> bool:
    """The need-to-know rule: the incident's participants and leaders see its journal number
    and the names of the people in it; nobody else does. Whoever may correct the incident's
    facts (its record keepers: the secretariat, and the police for a police case) counts as a
    leader: they cannot correct a journal number they may not see."""
    if access.has_role(person, leader_roles(plan, incident)):
        return True
    if facts.may_correct(plan, incident, person):
        return True
    return is_participant(plan, person, incident, confirmations=confirmations, tasks=tasks)


@dataclass(frozen=True, slots=True)
class Lens:
    """How one viewer sees one incident: everything (``full``), or with the journal number
    and the names replaced. Every method returns its argument unchanged when ``full``."""

    full: bool
    aliases: Mapping[str, str]
    """Replacement by person id (``deltager-N``); anyone else is ``HIDDEN_NAME``."""
    names: tuple[tuple[str, str], ...] = ()
    """(directory name, replacement), longest name first, for free text."""
    cases: tuple[str, ...] = ()
    """The journal numbers to mask in free text (besides anything shaped like one)."""

    def who(self, person_id: str | None) -> str | None:
        """A person id as the viewer may see it (None and "system" stay)."""
        if self.full or person_id is None or person_id in ("", "system"):
            return person_id
        return self.aliases.get(person_id, HIDDEN_NAME)

    def _who(self, person_id: str) -> str:
        return self.who(person_id) or person_id

    def text(self, value: str) -> str:
        """Free text with the names and journal numbers the viewer may not see replaced."""
        if self.full or not value:
            return value
        for case in self.cases:
            value = value.replace(case, HIDDEN_CASE)
        value = _JOURNAL_LIKE.sub(HIDDEN_CASE, value)
        for name, alias in self.names:
            value = value.replace(name, alias)
        return value

    def incident(self, incident: Incident) -> Incident:
        """The incident with the journal number and the activator and closer replaced."""
        if self.full:
            return incident
        return incident.model_copy(
            update={
                "police_case": HIDDEN_CASE if incident.police_case else None,
                "activated_by": self._who(incident.activated_by),
                "closed_by": self.who(incident.closed_by),
                "title": self.text(incident.title),
                "description": self.text(incident.description),
            }
        )

    def confirmation(self, confirmation: Confirmation) -> Confirmation:
        """A confirmation with the person replaced (and a deputy named in its reason)."""
        if self.full:
            return confirmation
        kind, sep, ref = confirmation.reason.partition(":")
        reason = f"{kind}:{self._who(ref)}" if sep and kind == "deputy" else confirmation.reason
        return confirmation.model_copy(
            update={"person_id": self._who(confirmation.person_id), "reason": reason}
        )

    def task(self, task: Task) -> Task:
        """A task with the assignee, the giver and those who declined it replaced."""
        if self.full:
            return task
        declined = " ".join(self._who(p) for p in task.decliners) or None
        return task.model_copy(
            update={
                "assignee": self._who(task.assignee),
                "created_by": self.who(task.created_by),
                "declined_by": declined,
                "outcome": self.text(task.outcome) if task.outcome else task.outcome,
                "text": self.text(task.text) if task.text else task.text,
            }
        )

    def step(self, step: Step) -> Step:
        """A step with who finished it replaced."""
        if self.full:
            return step
        note = self.text(step.note) if step.note else step.note
        return step.model_copy(update={"finished_by": self.who(step.finished_by), "note": note})

    def entry(self, entry: LogEntry) -> LogEntry:
        """A log entry with its actor and the names and numbers in its text replaced."""
        if self.full:
            return entry
        return entry.model_copy(
            update={"actor": self._who(entry.actor), "text": self.text(entry.text)}
        )

    def delivery(self, delivery: Delivery) -> Delivery:
        """A delivery with the person, the address and the message text replaced."""
        if self.full:
            return delivery
        return delivery.model_copy(
            update={
                "person_id": self._who(delivery.person_id),
                "address": HIDDEN_CASE,
                "alternates": "",
                "text": self.text(delivery.text),
                "short_text": self.text(delivery.short_text),
                "subject": self.text(delivery.subject),
            }
        )

    def communication(self, item: Communication) -> Communication:
        """A communication with who drafted and approved it replaced (its text is written for
        an audience outside the incident, and those who may edit it see it whole)."""
        if self.full:
            return item
        return replace(
            item,
            drafted_by=self._who(item.drafted_by),
            approved_by=self.who(item.approved_by),
        )

    def revision(self, revision: PictureRevision) -> PictureRevision:
        """A situation-picture revision with its author and text replaced."""
        if self.full:
            return revision
        return replace(
            revision,
            author=self._who(revision.author),
            sections=tuple(replace(s, text=self.text(s.text)) for s in revision.sections),
        )

    def picture(self, found: Picture) -> Picture:
        """The situation picture with its authors and texts replaced."""
        if self.full:
            return found
        return replace(
            found,
            headings=tuple(
                replace(h, author=self.who(h.author), text=self.text(h.text))
                for h in found.headings
            ),
            revisions=tuple(self.revision(r) for r in found.revisions),
        )

    def overview(self, view: Overview) -> Overview:
        """The whole incident as the viewer may see it (the chain check is kept as read)."""
        if self.full:
            return view
        return replace(
            view,
            incident=self.incident(view.incident),
            confirmations=[self.confirmation(c) for c in view.confirmations],
            steps=[self.step(s) for s in view.steps],
            tasks=[self.task(t) for t in view.tasks],
            log=[self.entry(e) for e in view.log],
            deliveries=[self.delivery(d) for d in view.deliveries],
            communications=[self.communication(c) for c in view.communications],
            picture=[self.revision(r) for r in view.picture],
        )


FULL = Lens(full=True, aliases=MappingProxyType({}))
"""The lens that hides nothing (participants, leaders and the operator's CLI)."""


def lens(
    plan: Plan,
    person: Person,
    incident: Incident,
    *,
    confirmations: Sequence[Confirmation],
    tasks: Iterable[Task] = (),
) -> Lens:
    """The lens through which ``person`` sees ``incident`` (``FULL`` if they may see the case)."""
    if may_see_case(plan, person, incident, confirmations=confirmations, tasks=tasks):
        return FULL
    aliases = {c.person_id: ALIAS.format(n=n) for n, c in enumerate(confirmations, start=1)}
    names = sorted(
        (
            (p.name, aliases.get(p.id, HIDDEN_NAME))
            for p in plan.directory.people
            if len(p.name) >= _MIN_NAME
        ),
        key=lambda pair: -len(pair[0]),
    )
    cases = (incident.police_case,) if incident.police_case else ()
    return Lens(full=False, aliases=aliases, names=tuple(names), cases=cases)


def for_overview(plan: Plan, person: Person, view: Overview) -> Lens:
    """The viewer's lens on an incident already read as a whole."""
    return lens(plan, person, view.incident, confirmations=view.confirmations, tasks=view.tasks)


def redact(plan: Plan, person: Person, view: Overview) -> Overview:
    """The incident as ``person`` may see it (see the module docstring)."""
    return for_overview(plan, person, view).overview(view)


async def read_lens(tx: Tx, *, plan: Plan, person: Person, incident: Incident) -> Lens:
    """The viewer's lens, reading the incident's confirmations and tasks in ``tx``."""
    return lens(
        plan,
        person,
        incident,
        confirmations=await tx.incidents.confirmations(incident.id),
        tasks=await tx.tasks.list(incident.id),
    )
