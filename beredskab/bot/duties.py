"""/pligter (the leader's §3 duty checklist of an incident) and /pligt (tick or untick one),
thin adapters over ``incident.duties``. Registered before ``commands``, whose catch-all
answers anything unknown."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from beredskab.bot.common import CHANNEL, pick_incident
from beredskab.bot.texts import t
from beredskab.boundary import bounds
from beredskab.i18n import Language, clock
from beredskab.incident import duties, need_to_know
from contacts.models import Person

if TYPE_CHECKING:
    from beredskab.services import Services

UNDO = frozenset({"fortryd", "fjern", "undo"})


def _args(message: Message) -> list[str]:
    return (message.text or "").split()[1:]


async def show(message: Message, app: Services, person: Person, language: Language) -> None:
    """The checklist of an incident (or the only open one), numbered for /pligt."""
    args = _args(message)
    nr = bounds.parse_id(args[0].lstrip("#")) if args else None
    if len(args) > 1 or (args and nr is None):
        await message.answer(t("duties.usage_list", language))
        return
    picked = await pick_incident(app, nr, language)
    if isinstance(picked, str):
        await message.answer(picked)
        return
    async with app.db.transaction() as tx:
        log = await tx.log.list(picked.id)
        see = await need_to_know.read_lens(tx, plan=app.plan, person=person, incident=picked)
    states = duties.checklist(app.plan.playbook(picked.playbook_id), log)
    names = {p.id: p.name for p in app.plan.directory.people}
    roles = {r.id: r.name for r in app.plan.directory.roles}
    lines = [
        t(
            "duties.head",
            language,
            nr=picked.id,
            done=sum(s.done for s in states),
            total=len(states),
        )
    ]
    for n, s in enumerate(states, start=1):
        mark = "[x]" if s.done else "[ ]"
        line = f"{n}. {mark} {roles.get(s.duty.role, s.duty.role)}: {' '.join(s.duty.text.split())}"
        if s.done and s.tick is not None:
            at = clock(s.tick.at, now=datetime.now(UTC), language=language)
            actor = see.who(s.tick.actor) or s.tick.actor  # need to know
            by = names.get(actor, actor)
            line += f" ({t('duties.done_by', language, time=at, name=by)})"
        lines.append(line)
    lines.append(t("duties.usage_tick", language, nr=picked.id))
    await message.answer("\n".join(lines)[:4096])


async def tick(message: Message, app: Services, person: Person, language: Language) -> None:
    """/pligt <incident> <duty no. or id> [fortryd]: the leader ticks or unticks a duty."""
    args = _args(message)
    nr = bounds.parse_id(args[0].lstrip("#")) if args else None
    undo = len(args) == 3 and args[2].casefold() in UNDO
    if nr is None or len(args) not in (2, 3) or (len(args) == 3 and not undo):
        await message.answer(t("duties.usage_tick", language, nr=nr or 1))
        return
    picked = await pick_incident(app, nr, language)
    if isinstance(picked, str):
        await message.answer(picked)
        return
    playbook = app.plan.playbook(picked.playbook_id)
    listed = playbook.duties if playbook else ()
    ref = args[1][:64]
    position = bounds.parse_id(ref)
    if position is not None and not 1 <= position <= len(listed):
        await message.answer(t("duties.no_duty", language, nr=nr, ref=ref, count=len(listed)))
        return
    duty_id = listed[position - 1].id if position is not None else ref
    change = await duties.set_duty(
        db=app.db,
        plan=app.plan,
        incident_id=nr,
        duty_id=duty_id,
        done=not undo,
        actor_id=person.id,
        channel=CHANNEL,
    )
    n = next((i for i, d in enumerate(listed, start=1) if d.id == change.state.duty.id), ref)
    text = t("duties.ticked" if change.state.done else "duties.unticked", language, n=n, nr=nr)
    await message.answer(text + ("" if change.changed else t("duties.unchanged", language)))


def build() -> Router:
    """This module's router, new for each dispatcher."""
    router = Router(name=__name__)
    router.message.register(show, Command("pligter", "duties"))
    router.message.register(tick, Command("pligt", "duty"))
    return router
