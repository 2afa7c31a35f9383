"""What every JSON API endpoint shares: token auth, the error mapping, documented problems.

A call carries ``Authorization: Bearer <token>``; the token acts as one directory person
(``beredskab.security.api_tokens``). Use-case errors become ``{"detail": ...}``: 403 refused by role
(the use case audits it), 404 not found, 409 does not fit the current state, 422 a value out
of bounds. Every status an endpoint can answer is declared for the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import HTTPException, Path, Query, Request, Response, Security
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from beredskab.boundary import bounds
from beredskab.boundary.bounds import InputRefusedError
from beredskab.errors import BeredskabError, InvalidStateError, NotAuthorisedError, NotFoundError
from beredskab.security import api_tokens
from beredskab.web import paths as _paths  # noqa: F401 (registers the {name:id} convertor)
from beredskab.web.api_schemas import Problem

if TYPE_CHECKING:
    from beredskab.services import Services

CHANNEL = "api"
"""The channel name the use cases, the situation log and the audit trail record."""

Responses = dict[int | str, dict[str, Any]]

_STATUS: dict[type[BeredskabError], int] = {
    NotAuthorisedError: 403,
    NotFoundError: 404,
    InvalidStateError: 409,
    InputRefusedError: 422,
}


class UseCaseErrors(APIRoute):
    """Turns the use cases' errors into ``{"detail": ...}`` with the matching status."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, wrapped."""
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except BeredskabError as exc:
                status = next((s for t, s in _STATUS.items() if isinstance(exc, t)), 400)
                raise HTTPException(status_code=status, detail=str(exc)) from exc

        return handle


def problem(status: int, text: str) -> Responses:
    """An error response for the OpenAPI document."""
    return {status: {"model": Problem, "description": text}}


COMMON: Responses = {
    **problem(400, "The request could not be read (e.g. a body that is not JSON)"),
    **problem(401, "Missing, unknown or revoked token"),
    **problem(403, "The token's person may not do this (audited)"),
    **problem(404, "No such incident, step or task, or an id out of range (1 to 2^31-1)"),
    **problem(413, "The request body is larger than [web] max_body_bytes"),
    **problem(422, "A value out of bounds: malformed, too long, NUL, or not in its range"),
    **problem(503, "The database does not answer; try again"),
}
"""Every endpoint's errors (FastAPI's own 422 carries a list of problems in ``detail``)."""
NOT_FOUND = problem(404, "No such incident, step or task, or an id out of range (1 to 2^31-1)")
UNKNOWN_PLAYBOOK = problem(404, "No such playbook (by id, number or name)")
CONFLICT = problem(409, "Does not fit the current state, e.g. the incident is closed")

IncidentId = Annotated[
    int,
    Path(ge=1, le=bounds.MAX_ID, description="The incident's number", examples=[1]),
]
TaskNumber = Annotated[
    int, Path(ge=1, le=bounds.MAX_ID, description="The task's number in the incident", examples=[1])
]
IncludeSensitive = Annotated[
    bool, Query(description="Include sensitive text (the leader role only; audited)")
]
"""``?include_sensitive=true``: the leader asks for sensitive text (see ``report``)."""
StepRef = Annotated[
    str,
    Path(
        max_length=bounds.PLAYBOOK_ID_CHARS,
        pattern=bounds.NUL_FREE_PATTERN,
        description="The step's position (1, 2, ...) or its id",
        examples=["1"],
    ),
]
"""Path parameters: ids in 1..2^31-1 (the ``{name:id}`` convertor makes anything else a 404)."""

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    bearerFormat="bk_<43 characters>",
    description="An API token from `beredskab token create NAME --as PERSON`.",
)


def app_of(request: Request) -> Services:
    """The running service."""
    app: Services = request.app.state.beredskab
    return app


def names(app: Services) -> dict[str, str]:
    """Directory names by person id."""
    return {p.id: p.name for p in app.plan.directory.people}


async def _caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> api_tokens.Caller:
    """The person the presented token acts as; 401 with a Bearer challenge otherwise."""
    if credentials is None:
        raise HTTPException(
            status_code=401,
            detail="send the API token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    app = app_of(request)
    try:
        return await api_tokens.authenticate(
            db=app.db,
            plan=app.plan,
            plaintext=credentials.credentials,
            channel=CHANNEL,
            client=request.client.host if request.client else "unknown",
        )
    except api_tokens.TokenRefused as exc:
        raise HTTPException(
            status_code=401,
            detail=str(exc),
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from exc


Caller = Annotated[api_tokens.Caller, Security(_caller)]
"""An endpoint parameter: the authenticated caller (the token and the person it acts as)."""
