"""Who may scrape ``/metrics``: with a token, whoever sends it (loopback too needs it); without
one, only a direct request from this machine — not one a local reverse proxy forwards."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from beredskab.app import App
from beredskab.plan import Plan
from beredskab.settings import MetricsSettings
from beredskab.web import create_app
from tests.beredskab.observability.support import build
from tests.conftest import TestClock

TOKEN = "9d2c1f7e4b8a6350c1e2d3f4a5b6c7d8"
PROXY = {"X-Forwarded-For": "203.0.113.7"}


@pytest.fixture
async def service(clock: TestClock, plan: Plan, tmp_path: Path) -> AsyncIterator[App]:
    app = await build(f"sqlite+aiosqlite:///{tmp_path}/db.sqlite3", clock, plan, tmp_path)
    yield app
    await app.aclose()


async def _get(app: App, client: str, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(app), client=(client, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as http:
        return await http.get("/metrics", headers=headers)


def _with(app: App, **metrics: object) -> None:
    app.settings = app.settings.model_copy(update={"metrics": MetricsSettings(**metrics)})


@pytest.mark.parametrize(
    ("client", "headers", "status"),
    [
        ("127.0.0.1", {}, 200),
        ("::1", {}, 200),
        ("127.0.0.1", PROXY, 403),  # Caddy on this machine, forwarding from the internet
        ("127.0.0.1", {"Forwarded": "for=203.0.113.7"}, 403),
        ("127.0.0.1", {"X-Real-IP": "203.0.113.7"}, 403),
        ("203.0.113.7", {}, 403),
        ("10.0.0.5", {"Authorization": f"Bearer {TOKEN}"}, 403),  # no token is configured
    ],
)
async def test_without_a_token_only_direct_local_requests(
    service: App, client: str, headers: dict[str, str], status: int
) -> None:
    answer = await _get(service, client, headers)
    assert answer.status_code == status
    assert answer.headers["cache-control"] == "no-store"
    if status == 403:
        assert "[metrics] token" in answer.text and "beredskab_" not in answer.text


@pytest.mark.parametrize(
    ("client", "headers", "status"),
    [
        ("127.0.0.1", {}, 401),  # loopback needs the token too
        ("127.0.0.1", {"Authorization": "Bearer wrong"}, 401),
        ("127.0.0.1", {"Authorization": TOKEN}, 401),  # not a bearer credential
        ("203.0.113.7", {"Authorization": f"Basic {TOKEN}"}, 401),
        ("127.0.0.1", {"Authorization": f"Bearer {TOKEN}", **PROXY}, 200),  # through Caddy
        ("198.51.100.4", {"Authorization": f"bearer {TOKEN}"}, 200),
    ],
)
async def test_with_a_token_every_scrape_needs_it(
    service: App, client: str, headers: dict[str, str], status: int
) -> None:
    _with(service, token=SecretStr(TOKEN))
    answer = await _get(service, client, headers)
    assert answer.status_code == status
    if status == 401:
        assert answer.headers["www-authenticate"] == "Bearer"
        assert "beredskab_" not in answer.text
    else:
        assert "beredskab_component_up" in answer.text


async def test_switched_off_it_is_not_there(service: App) -> None:
    _with(service, enabled=False)
    assert (await _get(service, "127.0.0.1", {})).status_code == 404


async def test_an_empty_token_is_no_token(service: App) -> None:
    _with(service, token=SecretStr(""))
    assert (await _get(service, "127.0.0.1", {})).status_code == 200
    assert (await _get(service, "127.0.0.1", PROXY)).status_code == 403
