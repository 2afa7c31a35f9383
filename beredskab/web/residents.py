"""Residents on the web: the public sign-up page ``/tilmeld`` (no sign-in; the number is
proven by a code sent by SMS) and ``/beboere``, the subscriptions per zone and language for
everyone signed in, with the numbers for the secretariat leader only (audited).

The sign-up pages speak every resident language: ``/tilmeld?sprog=ar`` shows the form, the
consent text and the answers in Arabic (right to left), and the choice travels through the
code page in a hidden field (``sprog``); without it they follow the page language (Danish or
English). The consent version is the same in every language.

The sign-up forms carry the double-submit token of the sign-in forms (cookie + field) and
share their per-client attempt limit (``signin_per_minute``).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from beredskab.catalog.texts import Texts
from beredskab.residents import choices, consent, signup, subscriptions
from beredskab.security.access import Refusal
from beredskab.security.signin import CODE_DIGITS, SignInError
from beredskab.web.session import Viewer, app_of, language_of, page, viewer
from beredskab.web.signin import (
    MAX_FIELD,
    PRE_COOKIE,
    allowed,
    answer_floor,
    check_pre,
    client,
    pre_token,
)
from contacts.normalise import normalise_phone
from playbooks.languages import is_rtl

router = APIRouter()

PATH = "/tilmeld"
SIGNUP_COOKIE = "beredskab_signup"
LANGUAGE_NAMES = {
    "da": "Dansk",
    "en": "English",
    "ar": "العربية",
    "so": "Soomaali",
    "tr": "Türkçe",
    "ur": "اردو",
    "uk": "Українська",
}
"""Each resident language in its own name (the sign-up page's choice)."""

resident_texts = Texts("residents")
"""The pages' texts (``rt("key")`` in ``tilmeld*.html`` and ``beboere.html``)."""
SIGNUP_KEYS = resident_texts.mark(
    "signup_title",
    "signup_intro",
    "phone",
    "zone",
    "language",
    "consent_title",
    "consent_agree",
    "send_code",
    "code_title",
    "code_sent",
    "code",
    "subscribe",
    "new_code",
    "done_title",
    "done",
    "bad_phone",
    "bad_choice",
    "no_consent",
    "signin_wrong",
    "signin_expired",
    "signin_used",
    "signin_too-many",
    "signin_throttled",
    "signin_slow_down",
)
"""The sign-up pages' keys: in every resident language."""
STAFF_KEYS = resident_texts.mark(
    "residents_title",
    "total",
    "show_numbers",
    "numbers_title",
    "numbers_refused",
    "since",
    "nobody_yet",
)
"""The ``/beboere`` page's keys: Danish and English (it is for the signed-in staff).

The templates look keys up at run time (``rt(key)``): these name every one for the catalog
check."""


def _rt(lang: str) -> Any:
    def rt(key: str, **values: object) -> str:
        return resident_texts(key, lang, **values)

    return rt


def _chosen(sprog: str) -> str:
    """The resident language a sign-up page was asked in, or "" (the page language)."""
    return sprog if sprog in choices.LANGUAGES else ""


def _form(
    request: Request, name: str, *, sprog: str = "", status: int = 200, **context: Any
) -> Response:
    """A sign-up page in the resident language ``sprog`` (else the page language), with a
    fresh double-submit token (cookie scoped to ``/tilmeld``)."""
    token = pre_token(request)
    lang = _chosen(sprog) or language_of(request)
    response = page(
        request,
        name,
        who=None,
        status=status,
        pre=token,
        rt=_rt(lang),
        resident_lang=lang,
        rtl=is_rtl(lang),
        sprog=_chosen(sprog),
        zones=choices.ZONES,
        languages=LANGUAGE_NAMES,
        consent_text=consent.full(lang),
        version=consent.VERSION,
        digits=CODE_DIGITS,
        minutes=round(app_of(request).settings.web.code_minutes),
        **context,
    )
    secure = app_of(request).settings.web.secure_cookies
    response.set_cookie(
        PRE_COOKIE, token, httponly=True, secure=secure, samesite="strict", path=PATH
    )
    return response


Sprog = Annotated[str, Query(max_length=MAX_FIELD)]
SprogField = Annotated[str, Form(max_length=MAX_FIELD)]


@router.get(PATH)
async def signup_form(request: Request, sprog: Sprog = "") -> Response:
    """The sign-up form with the full consent text, in ``sprog`` if it is a resident language."""
    return _form(request, "tilmeld.html", sprog=sprog)


@router.post(PATH)
async def signup_submit(
    request: Request,
    phone: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    zone: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    language: Annotated[str, Form(max_length=MAX_FIELD)] = "da",
    consent_given: Annotated[str, Form(alias="samtykke", max_length=MAX_FIELD)] = "",
    pre: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    sprog: SprogField = "",
) -> Response:
    """Check the choices and send a code by SMS."""
    await check_pre(request, pre)
    if not await allowed(request):
        return _form(request, "tilmeld.html", sprog=sprog, status=429, error="signin_slow_down")
    number = normalise_phone(phone.strip()) if phone.strip() else None
    chosen = int(zone) if zone.isascii() and zone.isdigit() and len(zone) < 3 else 0
    if number is None:
        return _form(request, "tilmeld.html", sprog=sprog, status=400, error="bad_phone")
    if chosen not in choices.ZONES or language not in choices.LANGUAGES:
        return _form(request, "tilmeld.html", sprog=sprog, status=400, error="bad_choice")
    if not consent_given:
        return _form(request, "tilmeld.html", sprog=sprog, status=400, error="no_consent")
    app = app_of(request)
    started = asyncio.get_running_loop().time()
    try:
        code_id = await signup.send_code(
            db=app.db,
            signer=app.signer,
            settings=app.settings.web,
            phone=number,
            zone=chosen,
            language=language,
            client=client(request),
        )
    except SignInError as exc:
        await answer_floor(started)
        return _form(
            request,
            "tilmeld.html",
            sprog=sprog,
            status=429,
            error=f"signin_{exc.problem.value}",
        )
    await answer_floor(started)
    app.outbox.wake()
    again = f"?sprog={_chosen(sprog)}" if _chosen(sprog) else ""
    response = RedirectResponse(f"{PATH}/kode{again}", status_code=303)
    response.set_cookie(
        SIGNUP_COOKIE,
        app.signer.sign(str(code_id)),
        max_age=int(app.settings.web.code_minutes * 60),
        httponly=True,
        secure=app.settings.web.secure_cookies,
        samesite="strict",
        path=PATH,
    )
    return response


def _pending(request: Request) -> int | None:
    signed = request.cookies.get(SIGNUP_COOKIE, "")
    value = app_of(request).signer.verify(signed) if 0 < len(signed) <= 128 else None
    return int(value) if value is not None and value.isascii() and value.isdigit() else None


@router.get(f"{PATH}/kode")
async def code_form(request: Request, sprog: Sprog = "") -> Response:
    """Ask for the code that was sent."""
    if _pending(request) is None:
        again = f"?sprog={_chosen(sprog)}" if _chosen(sprog) else ""
        return RedirectResponse(f"{PATH}{again}", status_code=303)
    return _form(request, "tilmeld_kode.html", sprog=sprog)


@router.post(f"{PATH}/kode")
async def code_submit(
    request: Request,
    code: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    pre: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    sprog: SprogField = "",
) -> Response:
    """Subscribe for a correct code."""
    await check_pre(request, pre)
    if not await allowed(request):
        return _form(
            request, "tilmeld_kode.html", sprog=sprog, status=429, error="signin_slow_down"
        )
    code_id = _pending(request)
    if code_id is None:
        return _form(request, "tilmeld_kode.html", sprog=sprog, status=400, error="signin_wrong")
    app = app_of(request)
    try:
        added = await signup.verify(
            db=app.db,
            signer=app.signer,
            settings=app.settings.web,
            code_id=code_id,
            code=code,
            client=client(request),
        )
    except SignInError as exc:
        return _form(
            request,
            "tilmeld_kode.html",
            sprog=sprog,
            status=400,
            error=f"signin_{exc.problem.value}",
        )
    app.outbox.wake()
    response = _form(request, "tilmeld_done.html", sprog=sprog, zone=added.zone)
    response.delete_cookie(SIGNUP_COOKIE, path=PATH)
    return response


@router.get("/beboere")
async def residents_page(
    request: Request, who: Annotated[Viewer, Depends(viewer)], numre: bool = False
) -> Response:
    """Counts per zone and language; the numbers (audited) for the secretariat leader."""
    app = app_of(request)
    counts = await subscriptions.counts(db=app.db)
    found = None
    refused = False
    if numre:
        try:
            found = await subscriptions.numbers(
                db=app.db, plan=app.plan, actor_id=who.person.id, channel="web"
            )
        except Refusal:
            refused = True
    return page(
        request,
        "beboere.html",
        who=who,
        status=403 if refused else 200,
        rt=_rt(who.language),
        counts=counts,
        total=sum(c.count for c in counts),
        languages=LANGUAGE_NAMES,
        leader=who.may((subscriptions.NUMBERS_ROLE,)),
        numbers=found,
        refused=refused,
    )
