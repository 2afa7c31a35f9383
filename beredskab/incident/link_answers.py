"""Answering through a personal acknowledgement link (``delivery.links`` signs and checks
them): what a link would confirm (``inspect``, read only: mail scanners follow links) and
using it once (``answer``), which records the confirmation through the one entry point."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from beredskab.boundary.action_tokens import (
    Ref,
    TokenContext,
    resolve_in_context,
    resolve_many_in_context,
    spend,
    spend_many,
)
from beredskab.delivery.links import ACTION, LinkError, LinkSigner, Problem, verified
from beredskab.errors import InvalidStateError, NotFoundError
from beredskab.incident import acknowledgements
from beredskab.incident.acknowledgements import AckResult, Confirming
from beredskab.models import ActionToken, Confirmation, Incident, IncidentStatus
from beredskab.plan import Plan
from beredskab.storage import Database, Tx
from contacts.models import Person
from notifier.types import ChannelKind

EMAIL = ChannelKind.EMAIL
"""The channel whose deliveries carry the links."""


@dataclass(frozen=True)
class LinkView:
    """What a valid link confirms: the incident and the person it was sent to."""

    token: ActionToken
    incident: Incident
    person_name: str
    confirmation: Confirmation | None = None
    """The person's confirmation when the link was checked."""


@dataclass(frozen=True)
class LinkAnswer:
    """The outcome of answering through a link."""

    view: LinkView
    result: AckResult
    declined: bool


async def _check(tx: Tx, plan: Plan, ref: Ref, hours: float) -> LinkView:
    found = await resolve_in_context(tx, ref, channel=ChannelKind.EMAIL)
    return _view(tx, plan, found, hours)


def _view(tx: Tx, plan: Plan, found: TokenContext | None, hours: float) -> LinkView:
    """What a resolved link confirms, or the ``LinkError`` that refuses it."""
    if found is None:
        raise LinkError(Problem.UNKNOWN)
    token, incident = found.token, found.incident
    if token.action != ACTION or token.incident_id is None or incident is None:
        raise LinkError(Problem.UNKNOWN)
    if token.used_at is not None:
        raise LinkError(Problem.USED)
    if incident.status is not IncidentStatus.ACTIVE:
        raise LinkError(Problem.CLOSED)
    if tx.now >= token.created_at + timedelta(hours=hours):
        raise LinkError(Problem.EXPIRED)
    confirmation = found.confirmation
    if confirmation is None:
        raise LinkError(Problem.UNKNOWN)  # not (or no longer) asked to confirm
    person = plan.directory.person(token.person_id)
    return LinkView(token, incident, person.name if person else token.person_id, confirmation)


def _answerable(
    tx: Tx, plan: Plan, found: TokenContext | None, hours: float
) -> tuple[LinkView, Person]:
    """What a link to be answered confirms and the person answering, or the ``LinkError``
    that refuses it; a person who left the directory in a plan reload cannot answer (the
    link stays unspent)."""
    view = _view(tx, plan, found, hours)
    person = plan.directory.person(view.token.person_id)
    if person is None:
        raise LinkError(Problem.UNKNOWN)
    return view, person


async def inspect(
    *, db: Database, plan: Plan, signer: LinkSigner, signed: str, hours: float
) -> LinkView:
    """What a link would confirm; reads only (mail scanners follow links)."""
    ref = verified(signer, signed)
    async with db.read() as tx:  # no write lock: a page view must not queue behind writers
        return await _check(tx, plan, ref, hours)


async def answer(
    *,
    db: Database,
    plan: Plan,
    signer: LinkSigner,
    signed: str,
    hours: float,
    decline: bool = False,
) -> LinkAnswer:
    """Use a link once: confirm (or decline) for the person it was sent to.

    One transaction checks the link, spends it and records the answer through the one entry
    point (with its log entry and audit row), so two answers through one link cannot both
    count, and a refused answer leaves the link unspent. (``serve`` answers concurrent
    POSTs several to a transaction: ``inbound.link_batch``.)
    """
    ref = verified(signer, signed)
    async with db.transaction() as tx:
        return await answer_in(tx, plan=plan, ref=ref, hours=hours, decline=decline)


async def answer_in(
    tx: Tx, *, plan: Plan, ref: Ref, hours: float, decline: bool = False
) -> LinkAnswer:
    """``answer`` in the caller's transaction, for a link whose signature was checked
    (``verified``). A confirmation is refused (raises ``LinkError``) only before anything is
    written, so other answers may share the transaction (``confirm_many_in`` of one); a
    decline may raise after writing (asking the deputy): run it in a savepoint."""
    if not decline:
        outcome = (await confirm_many_in(tx, plan=plan, links=[(ref, hours)]))[0]
        if isinstance(outcome, LinkError):
            raise outcome
        return outcome
    found = await resolve_in_context(tx, ref, channel=EMAIL)
    view, _ = _answerable(tx, plan, found, hours)
    if not await spend(tx, ref):
        raise LinkError(Problem.USED)
    try:
        result = await acknowledgements.record_in(
            tx,
            plan=plan,
            incident_id=view.incident.id,
            person_id=view.token.person_id,
            via="email",
            decline=True,
            known=(view.incident, view.confirmation) if view.confirmation else None,
        )
    except InvalidStateError as exc:  # not open any more
        raise LinkError(Problem.CLOSED) from exc
    except NotFoundError as exc:  # the person left the directory in a plan reload
        raise LinkError(Problem.UNKNOWN) from exc
    return LinkAnswer(view=view, result=result, declined=True)


async def confirm_many_in(
    tx: Tx, *, plan: Plan, links: Sequence[tuple[Ref, float]]
) -> list[LinkAnswer | LinkError]:
    """Confirm through several links (each checked with ``verified``, with its validity in
    hours) in the caller's transaction, as ``answer_in`` would one after the other: each
    link's answer, or the ``LinkError`` that refused it before anything of it was written.
    Reading, spending and recording take a few statements whatever the number of links
    (``acknowledgements.confirm_many_in``); a link given twice is spent by the first."""
    found = await resolve_many_in_context(tx, [ref for ref, _ in links], channel=EMAIL)
    checked: list[tuple[LinkView, Person] | LinkError] = []
    for ref, hours in links:
        try:
            checked.append(_answerable(tx, plan, found[ref], hours))
        except LinkError as refusal:
            checked.append(refusal)
    wanted = [
        ref for (ref, _), c in zip(links, checked, strict=True) if not isinstance(c, LinkError)
    ]
    spent = await spend_many(tx, wanted)
    confirming: list[Confirming] = []
    for i, ((ref, _), outcome) in enumerate(zip(links, checked, strict=True)):
        if isinstance(outcome, LinkError):
            continue
        if ref not in spent:
            checked[i] = LinkError(Problem.USED)
            continue
        spent.discard(ref)  # the same link again in this call finds it used
        view, person = outcome
        assert view.confirmation is not None  # ``_view`` refuses a link without one
        confirming.append(Confirming(view.incident, person, view.confirmation))
    results = iter(await acknowledgements.confirm_many_in(tx, confirming, via="email"))
    return [
        outcome
        if isinstance(outcome, LinkError)
        else LinkAnswer(view=outcome[0], result=next(results), declined=False)
        for outcome in checked
    ]
