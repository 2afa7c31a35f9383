"""The live incident page: the page itself, its board fragments and the live event stream.

``GET /haendelse/{id}`` renders everything; ``GET /haendelse/{id}/dele`` renders only the
boards that change, for ``live.js`` to swap in; ``GET /haendelse/{id}/live`` is a stream of
server-sent events, one whenever the incident's state fingerprint changes. The page works
without JavaScript: the "Opdater" link reloads it, and every action is a plain form POST
(``incident_actions``) that redirects back here with a short notice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse

from beredskab.errors import NotFoundError
from beredskab.incident.acknowledgements import confirm_by_action
from beredskab.services import Services
from beredskab.web import incident_view
from beredskab.web.session import HEADERS, Viewer, app_of, page, viewer
from beredskab.web.texts import text

router = APIRouter()

POLL_SECONDS = 1.0
"""How often a live stream reads the incident's fingerprint (one short read transaction)."""
STREAM_SECONDS = 300.0
"""A stream ends after this long; the browser reconnects (and the session is checked again)."""
PING_SECONDS = 15.0
"""A comment line this often keeps proxies from closing a quiet stream."""

NOTICES = frozenset(
    {
        "acked",
        "declined_ack",
        "step_done",
        "step_skipped",
        "task_accepted",
        "task_done",
        "task_declined",
        "task_declined_offered",
        "task_reassigned",
        "task_given",
        "convened",
        "note_added",
        "upgraded_to",
        "opened",
        "opened_drill",
        "opened_halted",
        "opened_pending",
        "joined",
        "joined_drill",
        "joined_pending",
        "stood_down",
        "comm_drafted",
        "comm_saved",
        "comm_approved",
        "comm_sent",
        "comm_discarded",
        "duty_ticked",
        "duty_unticked",
        "picture_saved",
    }
)
PROBLEMS = frozenset(
    {
        "refused_action",
        "not_possible",
        "missing_item",
        "empty_text",
        "missing_choice",
        "outcome_needed",
        "refused_input",
        "picture_unchanged",
    }
)
NOTICES |= {"facts_changed", "facts_unchanged"}  # correcting facts (incident_actions)
PROBLEMS |= {"bad_zone", "bad_facts", "no_police_case"}
NOTICES |= {"info_published", "info_withdrawn"}  # the public page (incident_notices)
PROBLEMS |= {"info_personal_data"}
PROBLEMS |= {"uncited_correction", "bad_entry_number"}  # the log form's corrections
NOTICE_KEYS = (
    *text.mark("done_acked", "done_declined_ack", "done_step_done", "done_step_skipped"),
    *text.mark("done_task_accepted", "done_task_done", "done_task_declined"),
    *text.mark("done_task_declined_offered", "done_task_reassigned", "done_task_given"),
    *text.mark("done_convened", "done_note_added", "done_upgraded_to", "done_opened"),
    *text.mark("done_opened_drill", "done_opened_halted", "done_opened_pending", "done_joined"),
    *text.mark("done_joined_drill", "done_joined_pending", "done_stood_down"),
    *text.mark("done_comm_drafted", "done_comm_saved", "done_comm_approved", "done_comm_sent"),
    *text.mark("done_comm_discarded", "done_comm_variant_saved", "done_duty_ticked"),
    *text.mark("done_duty_unticked", "done_picture_saved", "done_facts_changed"),
    *text.mark("done_facts_unchanged", "done_info_published", "done_info_withdrawn"),
)
"""``tr("done_" + notice)`` on the incident page."""
PROBLEM_KEYS = (
    *text.mark("problem_refused_action", "problem_not_possible", "problem_missing_item"),
    *text.mark("problem_empty_text", "problem_missing_choice", "problem_outcome_needed"),
    *text.mark("problem_refused_input", "problem_picture_unchanged", "problem_bad_zone"),
    *text.mark("problem_bad_facts", "problem_no_police_case", "problem_info_personal_data"),
    *text.mark("problem_uncited_correction", "problem_bad_entry_number"),
    *text.mark("problem_missing_police_case", "problem_police_case_group1"),
)
"""``tr("problem_" + problem)`` on the incident page and the upgrade form."""


def _notice(value: str | None, allowed: frozenset[str]) -> str:
    """Only known notice keys are shown: a crafted link cannot put words on the page."""
    return value if value in allowed else ""


async def _view(request: Request, who: Viewer, incident_id: int) -> incident_view.IncidentView:
    return await incident_view.build(
        app=app_of(request), person=who.person, incident_id=incident_id, lang=who.language
    )


def _missing(request: Request, who: Viewer) -> Response:
    return page(request, "incident_missing.html", who=who, status=404)


@router.get("/haendelse/{incident_id:id}")
async def incident_page(
    request: Request,
    who: Annotated[Viewer, Depends(viewer)],
    incident_id: int,
    ok: str | None = None,
    fejl: str | None = None,
) -> Response:
    """The whole incident page."""
    # The fingerprint is read before the boards: a change in between makes the live script
    # fetch the boards again instead of missing it.
    async with app_of(request).db.transaction() as tx:
        await confirm_by_action(
            tx,
            incident_id=incident_id,
            person=who.person,
            via="web",
            action=text("log_action_opened_page", "da"),
        )
        state = await tx.live.state(incident_id)
    try:
        view = await _view(request, who, incident_id)
    except NotFoundError:
        return _missing(request, who)
    return page(
        request,
        "incident.html",
        who=who,
        v=view,
        version=state.version if state else "",
        notice=_notice(ok, NOTICES),
        problem=_notice(fejl, PROBLEMS),
    )


@router.get("/haendelse/{incident_id:id}/dele")
async def incident_parts(
    request: Request, who: Annotated[Viewer, Depends(viewer)], incident_id: int
) -> Response:
    """Only the boards that change, as HTML sections with ids, for ``live.js``."""
    try:
        view = await _view(request, who, incident_id)
    except NotFoundError:
        return _missing(request, who)
    return page(request, "incident_parts.html", who=who, v=view)


def _event(name: str, data: dict[str, object]) -> str:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def _changes(request: Request, app: Services, incident_id: int) -> AsyncIterator[str]:
    """Server-sent events: ``state`` whenever the fingerprint changes, then ``bye``.

    Each poll is its own short read transaction; nothing is held open between polls. The
    stream ends when the client goes away, when the server stops, or after
    ``STREAM_SECONDS`` (the client then reconnects).
    """
    loop = asyncio.get_running_loop()
    stopping: asyncio.Event = request.app.state.stopping
    ends = loop.time() + STREAM_SECONDS
    last_version = ""
    last_write = loop.time()
    yield "retry: 2000\n\n"
    while not stopping.is_set() and loop.time() < ends:
        if await request.is_disconnected():
            return
        async with app.db.transaction() as tx:
            state = await tx.live.state(incident_id)
        if state is None:
            yield _event("gone", {})
            return
        if state.version != last_version:
            last_version, last_write = state.version, loop.time()
            yield _event(
                "state",
                {
                    "version": state.version,
                    "status": state.status,
                    "confirmed": state.confirmed,
                    "total": state.total,
                },
            )
        elif loop.time() - last_write >= PING_SECONDS:
            last_write = loop.time()
            yield ": ping\n\n"
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), POLL_SECONDS)
    yield _event("bye", {})


@router.get("/haendelse/{incident_id:id}/live")
async def incident_live(
    request: Request, who: Annotated[Viewer, Depends(viewer)], incident_id: int
) -> Response:
    """A stream of server-sent events telling the page when to fetch its boards again."""
    app = app_of(request)
    async with app.db.transaction() as tx:
        found = await tx.live.state(incident_id)
    if found is None:
        return Response(status_code=404, headers=HEADERS)
    headers = {**HEADERS, "X-Accel-Buffering": "no"}
    return StreamingResponse(
        _changes(request, app, incident_id), media_type="text/event-stream", headers=headers
    )
