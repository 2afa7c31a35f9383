"""Who is looking at a mobile page: the session cookie, CSRF and page rendering.

Every page takes ``viewer: Viewer = Depends(viewer)``; every form POST takes
``form: Form = Depends(checked_form)``, which refuses a missing or wrong CSRF token (403).
Pages render through ``page(...)`` so every response carries the same security headers and
the viewer's language.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from beredskab import i18n
from beredskab.boundary import bounds
from beredskab.i18n import Language
from beredskab.security import signin
from beredskab.security.access import has_role
from beredskab.storage.repositories.web import WebSession
from beredskab.web import paths as _paths  # noqa: F401 (registers the {name:id} convertor)
from beredskab.web import texts
from contacts.models import Person

if TYPE_CHECKING:
    from beredskab.services import Services

MAX_FORM_FIELDS = 50
"""More fields than any page's form has."""
COOKIE = "beredskab_session"
LANG_COOKIE = "beredskab_lang"
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


class SignInRequired(Exception):
    """Raised by ``viewer`` without a live session; answered with a redirect to /login."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person behind a request."""

    session: WebSession
    person: Person
    language: Language

    @property
    def csrf(self) -> str:
        """The token every form of this session must carry."""
        return self.session.csrf

    def may(self, roles: Iterable[str]) -> bool:
        """True if the person holds one of the roles."""
        return has_role(self.person, roles)


def app_of(request: Request) -> Services:
    """The running service behind the web app."""
    app: Services = request.app.state.beredskab
    return app


def language_of(request: Request) -> Language:
    """The page language before sign-in: the language cookie, else ``[service] language``."""
    chosen = request.cookies.get(LANG_COOKIE)
    return i18n.language(chosen, app_of(request).settings.service.language)


async def optional_viewer(request: Request) -> Viewer | None:
    """The signed-in person, or None."""
    secret = request.cookies.get(COOKIE)
    if not secret or len(secret) > 128:
        return None
    app = app_of(request)
    found = await signin.resume(db=app.db, plan=app.plan, settings=app.settings.web, secret=secret)
    if found is None:
        return None
    session, person = found
    language: Language = "en" if session.language == "en" else "da"
    return Viewer(session=session, person=person, language=language)


async def viewer(
    request: Request, found: Annotated[Viewer | None, Depends(optional_viewer)]
) -> Viewer:
    """The signed-in person; without a live session the browser is sent to /login."""
    if found is None:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        raise SignInRequired(target)
    return found


async def checked_form(request: Request, who: Annotated[Viewer, Depends(viewer)]) -> FormData:
    """The posted form, after checking its CSRF token against the session's; 400 for a field
    the database could not store (NUL, invalid Unicode, or far longer than any field)."""
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    token = form.get("csrf")
    if not isinstance(token, str) or not hmac.compare_digest(token.encode(), who.csrf.encode()):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong; reload the page")
    for name, value in form.multi_items():
        problem = bounds.refusal(name, max_chars=64) or bounds.refusal(
            str(value), max_chars=bounds.FIELD_CHARS
        )
        if problem is not None:
            raise HTTPException(status_code=400, detail=f"a form field is {problem}")
    return form


def login_redirect(target: str) -> str:
    """The sign-in URL that returns to ``target`` afterwards."""
    return "/login?next=" + quote(target, safe="/")


def safe_next(target: str | None) -> str:
    """A local path to continue to after sign-in (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def page(
    request: Request,
    name: str,
    *,
    who: Viewer | None,
    status: int = 200,
    language: Language | None = None,
    **context: Any,
) -> Response:
    """Render a page template with the viewer, their language and the security headers."""
    lang: Language = language or (who.language if who else language_of(request))

    def tr(key: str, language: Language | None = None, /, **values: object) -> str:
        """A page text in the page's language (or ``language``: the plan's words are Danish)."""
        return texts.text(key, language or lang, **values)

    return templates.TemplateResponse(
        request,
        name,
        {"viewer": who, "lang": lang, "tr": tr, **context},
        status_code=status,
        headers=HEADERS,
    )


def set_session_cookie(response: Response, *, secret: str, secure: bool, max_age: int) -> None:
    """Put a new session's secret into the cookie (HttpOnly, SameSite=Lax)."""
    response.set_cookie(
        COOKIE,
        secret,
        max_age=max_age,
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    """Remove the session cookie from the browser."""
    response.delete_cookie(COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
