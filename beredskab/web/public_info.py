"""The public notice page ``/info`` and its Atom feed ``/info/feed.atom``: no sign-in, no
personal data, cache-friendly.

Both answer from one small query first (``NoticeRepo.state``: the newest entry, how many are
withdrawn, the last change): that gives the ``ETag`` and ``Last-Modified``, and a client (or a
cache in front) that already has this version gets ``304 Not Modified`` without the page
being read or rendered. ``Cache-Control: public, max-age=…`` comes from
``[public_info] max_age_seconds``. What the page shows and the rules behind it:
``beredskab.communications.notices``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import APIRouter, Request, Response

from beredskab.i18n import LOCAL_TZ, Language
from beredskab.settings import PublicInfoSettings
from beredskab.storage.repositories.notices import Notice, NoticeKind, NoticeState
from beredskab.web import public_atom
from beredskab.web.session import app_of, templates
from beredskab.web.texts import text

router = APIRouter()

PAGE_LIMIT = 50
"""At most this many current notices on the page (the feed has its own setting)."""
VERSION = "1"
"""Part of every ETag: change it when the page's or the feed's layout changes."""
ATOM_TYPE = "application/atom+xml; charset=utf-8"
LANGUAGE: Language = "da"
"""The public page and its feed are Danish."""
MONTHS = text.mark(
    "month_1",
    "month_2",
    "month_3",
    "month_4",
    "month_5",
    "month_6",
    "month_7",
    "month_8",
    "month_9",
    "month_10",
    "month_11",
    "month_12",
)
_SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
}


def when(value: datetime) -> str:
    """A moment as a resident reads it, in full: "1. december 2026 kl. 14:05"."""
    local = value.astimezone(LOCAL_TZ)
    month = text(MONTHS[local.month - 1], LANGUAGE)
    return text(
        "info_when", LANGUAGE, day=local.day, month=month, year=local.year, time=f"{local:%H:%M}"
    )


def _etag(kind: str, state: NoticeState, settings: PublicInfoSettings) -> str:
    changed = state.changed_at.isoformat() if state.changed_at else "-"
    key = f"{VERSION}|{kind}|{state.last_id}|{state.withdrawn}|{changed}|{settings!r}"
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def _fresh(request: Request, etag: str, changed_at: datetime | None) -> bool:
    """True if the client's copy is this version (RFC 9110 §13: If-None-Match first, then
    If-Modified-Since)."""
    tags = request.headers.get("if-none-match")
    if tags is not None:
        wanted = {t.strip().removeprefix("W/") for t in tags.split(",")}
        return "*" in wanted or etag in wanted
    since = request.headers.get("if-modified-since")
    if since is None or changed_at is None:
        return False
    try:
        client = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False
    if client.tzinfo is None:
        return False
    return changed_at.replace(microsecond=0) <= client


def _headers(etag: str, state: NoticeState, settings: PublicInfoSettings) -> dict[str, str]:
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={settings.max_age_seconds}",
        **_SECURITY,
    }
    if state.changed_at is not None:
        headers["Last-Modified"] = format_datetime(state.changed_at.astimezone(UTC), usegmt=True)
    return headers


@dataclass(frozen=True, slots=True)
class Shown:
    """One notice as the page shows it."""

    notice: Notice
    published: str
    withdrawn: str | None


def _shown(notice: Notice) -> Shown:
    withdrawn = when(notice.withdrawn_at) if notice.withdrawn_at else None
    return Shown(notice=notice, published=when(notice.published_at), withdrawn=withdrawn)


def _tr(key: str, **values: object) -> str:
    return text(key, LANGUAGE, **values)


@router.api_route("/info", methods=["GET", "HEAD"])
async def page(request: Request) -> Response:
    """The current notices, newest first; when there are none, says so and shows the latest
    all-clear."""
    app = app_of(request)
    settings = app.settings.public_info
    async with app.db.read() as tx:
        state = await tx.notices.state()
        etag = _etag("html", state, settings)
        headers = _headers(etag, state, settings)
        if _fresh(request, etag, state.changed_at):
            return Response(status_code=304, headers=headers)
        current = await tx.notices.current()
        cleared = [] if current else await tx.notices.latest(limit=1, kind=NoticeKind.ALL_CLEAR)
    return templates.TemplateResponse(
        request,
        "info.html",
        {
            "area": settings.area_name,
            "current": [_shown(n) for n in current[:PAGE_LIMIT]],
            "all_clear": _shown(cleared[0]) if cleared else None,
            "updated": when(state.changed_at) if state.changed_at else None,
            "tr": _tr,
        },
        headers=headers,
    )


@router.api_route("/info/feed.atom", methods=["GET", "HEAD"])
async def feed(request: Request) -> Response:
    """The newest notices as an Atom 1.0 feed."""
    app = app_of(request)
    settings = app.settings.public_info
    async with app.db.read() as tx:
        state = await tx.notices.state()
        base = app.settings.service.public_base_url.rstrip("/")
        etag = _etag(f"atom {base}", state, settings)
        headers = _headers(etag, state, settings)
        if _fresh(request, etag, state.changed_at):
            return Response(status_code=304, headers=headers)
        entries = await tx.notices.latest(limit=settings.feed_entries)
    body = public_atom.feed(
        entries,
        base=base,
        title=text("info_feed_title", LANGUAGE, area=settings.area_name),
        author=settings.area_name,
        updated=state.changed_at,
        when={n.id: when(n.withdrawn_at) for n in entries if n.withdrawn_at},
    )
    return Response(body, media_type=ATOM_TYPE, headers=headers)
