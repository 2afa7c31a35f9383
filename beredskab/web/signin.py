"""Passwordless sign-in for the mobile pages: a one-time code, then a session cookie.

``GET/POST /login`` asks for a phone number or email and sends a code; ``GET/POST
/login/kode`` takes the code and starts a new session (a fresh cookie each time, so a
session id planted before sign-in is worthless). The pages answer the same whether or not
the number is known. Forms before sign-in carry a double-submit token (cookie + field);
attempts are limited per client address (``signin_per_minute``, audited) and codes per
identifier and client address (see ``beredskab.security.signin``).
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from beredskab.i18n import Language
from beredskab.security import audit, signin
from beredskab.security.signin import CODE_DIGITS, SignInError
from beredskab.web.session import (
    LANG_COOKIE,
    Viewer,
    app_of,
    clear_session_cookie,
    optional_viewer,
    page,
    safe_next,
    set_session_cookie,
)
from notifier.ratelimit import KeyedTokenBucket

router = APIRouter()

PRE_COOKIE = "beredskab_pre"
CODE_COOKIE = "beredskab_code"
MAX_FIELD = 200
ANSWER_FLOOR_SECONDS = 0.05
"""The least time a code request takes to answer, known identifier or not."""


def _limiter(request: Request) -> KeyedTokenBucket[str]:
    limiter: KeyedTokenBucket[str] | None = getattr(request.app.state, "signin_limit", None)
    if limiter is None:
        per_minute = app_of(request).settings.web.signin_per_minute
        limiter = KeyedTokenBucket(per_minute / 60.0, burst=per_minute)
        request.app.state.signin_limit = limiter
    return limiter


def client(request: Request) -> str:
    """The client address the per-client throttles count (the proxy's, behind a proxy)."""
    return request.client.host if request.client else "unknown"


async def allowed(request: Request) -> bool:
    """Take one sign-in attempt from this client's allowance; False (audited) when used up."""
    bucket = _limiter(request).bucket(client(request))
    if bucket.reserve() > 0:
        bucket.refund()
        await audit.stranger(
            app_of(request).db,
            source=client(request),
            action="web.signin.slow_down",
            channel=signin.CHANNEL,
            detail=f"more than {app_of(request).settings.web.signin_per_minute} attempts a minute",
        )
        return False
    return True


async def answer_floor(started: float) -> None:
    """Answer a code request no sooner than ``ANSWER_FLOOR_SECONDS`` after ``started``.

    Queueing a real code takes a little longer than storing one for nobody; the floor hides
    that difference (both take well under it on a healthy service).
    """
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(0.0, started + ANSWER_FLOOR_SECONDS - loop.time()))


def pre_token(request: Request) -> str:
    token = request.cookies.get(PRE_COOKIE, "")
    return token if 20 <= len(token) <= 64 else secrets.token_urlsafe(24)


async def check_pre(request: Request, field: str) -> None:
    """403 (counted in the audit per client address) unless the form token matches its cookie."""
    cookie = request.cookies.get(PRE_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), field.encode()):
        await audit.stranger(
            app_of(request).db,
            source=client(request),
            action="web.signin.form_token",
            channel=signin.CHANNEL,
            detail=f"form token missing or wrong on {request.url.path}",
        )
        raise HTTPException(status_code=403, detail="form token missing or wrong; reload the page")


def _form_page(request: Request, name: str, *, status: int = 200, **context: Any) -> Response:
    token = pre_token(request)
    response = page(request, name, who=None, status=status, pre=token, **context)
    secure = app_of(request).settings.web.secure_cookies
    response.set_cookie(
        PRE_COOKIE, token, httponly=True, secure=secure, samesite="strict", path="/login"
    )
    return response


@router.get("/login")
async def login_form(
    request: Request,
    who: Annotated[Viewer | None, Depends(optional_viewer)],
    next: str | None = None,
    out: bool = False,
) -> Response:
    """Ask for a phone number or email."""
    if who is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _form_page(
        request, "login.html", next=safe_next(next), notice="signed_out" if out else ""
    )


@router.post("/login")
async def login_submit(
    request: Request,
    identifier: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    pre: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    next: Annotated[str, Form(max_length=MAX_FIELD)] = "/",
) -> Response:
    """Send a code if the number or address is known; the answer is the same either way."""
    await check_pre(request, pre)
    target = safe_next(next)
    if not await allowed(request):
        return _form_page(request, "login.html", status=429, next=target, error="signin_slow_down")
    app = app_of(request)
    started = asyncio.get_running_loop().time()
    try:
        sent = await signin.send_code(
            db=app.db,
            plan=app.plan,
            signer=app.signer,
            settings=app.settings.web,
            identifier=identifier,
            client=client(request),
        )
    except SignInError as exc:
        await answer_floor(started)
        return _form_page(
            request, "login.html", status=429, next=target, error=f"signin_{exc.problem.value}"
        )
    await answer_floor(started)
    if sent.person_id is not None:
        app.outbox.wake()
    # Unknown numbers get a pending code too (for nobody): nothing tells them apart.
    response = RedirectResponse(f"/login/kode?next={quote(target, safe='/')}", status_code=303)
    response.set_cookie(
        CODE_COOKIE,
        app.signer.sign(str(sent.code_id)),
        max_age=int(app.settings.web.code_minutes * 60),
        httponly=True,
        secure=app.settings.web.secure_cookies,
        samesite="strict",
        path="/login",
    )
    return response


def _pending_code(request: Request) -> int | None:
    signed = request.cookies.get(CODE_COOKIE, "")
    value = app_of(request).signer.verify(signed) if 0 < len(signed) <= 128 else None
    return int(value) if value is not None and value.isascii() and value.isdigit() else None


def _code_page(request: Request, *, next: str, status: int = 200, error: str = "") -> Response:
    settings = app_of(request).settings.web
    return _form_page(
        request,
        "login_code.html",
        status=status,
        next=next,
        error=error,
        digits=CODE_DIGITS,
        minutes=round(settings.code_minutes),
    )


@router.get("/login/kode")
async def code_form(request: Request, next: str | None = None) -> Response:
    """Ask for the code that was sent."""
    if request.cookies.get(CODE_COOKIE) is None:
        return RedirectResponse("/login", status_code=303)
    return _code_page(request, next=safe_next(next))


@router.post("/login/kode")
async def code_submit(
    request: Request,
    code: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    pre: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    next: Annotated[str, Form(max_length=MAX_FIELD)] = "/",
) -> Response:
    """Start a session for a correct code."""
    await check_pre(request, pre)
    target = safe_next(next)
    if not await allowed(request):
        return _code_page(request, next=target, status=429, error="signin_slow_down")
    app = app_of(request)
    code_id = _pending_code(request)
    if code_id is None:
        return _code_page(request, next=target, status=400, error="signin_wrong")
    try:
        grant = await signin.verify_code(
            db=app.db,
            plan=app.plan,
            signer=app.signer,
            settings=app.settings.web,
            code_id=code_id,
            code=code,
            client=client(request),
        )
    except SignInError as exc:
        return _code_page(request, next=target, status=400, error=f"signin_{exc.problem.value}")
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(
        response,
        secret=grant.secret,
        secure=app.settings.web.secure_cookies,
        max_age=int(app.settings.web.session_max_hours * 3600),
    )
    response.delete_cookie(CODE_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(
    request: Request,
    who: Annotated[Viewer | None, Depends(optional_viewer)],
    csrf: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    """End the session (the form carries the session's CSRF token)."""
    app = app_of(request)
    if who is not None:
        if not hmac.compare_digest(csrf.encode(), who.csrf.encode()):
            raise HTTPException(status_code=403, detail="CSRF token missing or wrong")
        await signin.sign_out(db=app.db, session=who.session)
    response = RedirectResponse("/login?out=1", status_code=303)
    clear_session_cookie(response, secure=app.settings.web.secure_cookies)
    return response


@router.post("/sprog")
async def switch_language(
    request: Request,
    who: Annotated[Viewer | None, Depends(optional_viewer)],
    lang: Annotated[str, Form(max_length=2)] = "da",
    csrf: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    """Switch the pages to Danish or English and go back to where the person was."""
    language: Language = "en" if lang == "en" else "da"
    app = app_of(request)
    if who is not None:
        if not hmac.compare_digest(csrf.encode(), who.csrf.encode()):
            raise HTTPException(status_code=403, detail="CSRF token missing or wrong")
        await signin.set_language(db=app.db, session=who.session, language=language)
    back = request.headers.get("referer", "/")
    host = f"{request.url.scheme}://{request.url.netloc}"
    target = safe_next(back[len(host) :] if back.startswith(host) else "/")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        LANG_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        secure=app.settings.web.secure_cookies,
        samesite="lax",
        path="/",
    )
    return response
