"""JSON API tokens: created by the CLI, stored hashed, refused when unknown or revoked; the
OpenAPI document with its bearer scheme."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from beredskab.app import App
from beredskab.cli import cli
from beredskab.plan import Plan
from beredskab.security import api_tokens
from beredskab.settings import load_settings
from beredskab.storage.tables import api_tokens as api_tokens_table
from tests.beredskab.helpers import CHIEF, SSP
from tests.beredskab.web.api_support import audit_rows, client, service, token_for
from tests.conftest import TestClock


@pytest.fixture
async def app(db_url: str, clock: TestClock, plan: Plan, tmp_path: Path) -> AsyncIterator[App]:
    async with service(db_url, clock, plan, tmp_path) as built:
        yield built


async def test_a_token_is_shown_once_and_stored_only_as_its_hash(app: App) -> None:
    created = await api_tokens.create(
        db=app.db, plan=app.plan, name="Alarmcentral", person_id=CHIEF
    )
    assert created.plaintext.startswith("bk_") and len(created.plaintext) == 46
    async with app.db.engine.connect() as conn:
        rows = [dict(r._mapping) for r in await conn.execute(select(api_tokens_table))]
    assert len(rows) == 1
    assert rows[0]["token_hash"] == hashlib.sha256(created.plaintext.encode()).hexdigest()
    assert all(created.plaintext not in str(value) for value in rows[0].values())
    listed = await api_tokens.list_tokens(db=app.db)
    assert [(t.name, t.person_id, t.prefix) for t in listed] == [
        ("Alarmcentral", CHIEF, created.plaintext[:10])
    ]
    [row] = await audit_rows(app, "api_token.create")
    assert "Alarmcentral" in row.detail and CHIEF in row.detail
    assert created.plaintext not in row.detail


async def test_missing_unknown_and_revoked_tokens_get_401_with_a_bearer_challenge(
    app: App,
) -> None:
    created = await api_tokens.create(db=app.db, plan=app.plan, name="gone", person_id=CHIEF)
    good = await token_for(app, SSP)
    await api_tokens.revoke(db=app.db, token_id=created.token.id)
    orphan = "bk_" + "o" * 43  # acts as someone since removed from the contact directory
    async with app.db.transaction() as tx:
        await tx.api_tokens.add(
            name="orphan",
            prefix=orphan[:10],
            token_hash=api_tokens.hash_token(orphan),
            person_id="former-staff",
            now=tx.now,
        )
    cases = [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer bk_not-a-token"},
        {"Authorization": f"Bearer {orphan}"},
        {"Authorization": f"Bearer {created.plaintext}"},
    ]
    async with client(app) as http:
        answers = [await http.get("/api/v1/incidents", headers=h) for h in cases]
        ok = await http.get("/api/v1/incidents", headers=good)
    for answer in answers:
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert isinstance(answer.json()["detail"], str)
    assert "no longer in the contact directory" in answers[-2].json()["detail"]
    assert "revoked" in answers[-1].json()["detail"]
    assert ok.status_code == 200 and ok.json() == []
    refused = await audit_rows(app, "api.auth")
    assert [(a.actor, a.allowed) for a in refused] == [
        ("127.0.0.1", False),  # an unknown token is counted per client address
        ("former-staff", False),
        (CHIEF, False),
    ]
    used = {t.name: t.last_used_at for t in await api_tokens.list_tokens(db=app.db)}
    assert used["test"] is not None and used["gone"] is None and used["orphan"] is None


def test_cli_creates_lists_and_revokes_tokens(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[service]\ndata_dir = "var"\n[console]\necho = false\n', encoding="utf-8")
    runner = CliRunner()
    created = runner.invoke(cli, ["-c", str(config), "token", "create", "Vagtplan", "--as", SSP])
    assert created.exit_code == 0, created.output
    plaintext = next(w for w in created.stdout.split() if w.startswith("bk_"))
    assert "vises ikke igen" in created.stderr and "not shown again" not in created.stderr
    listed = runner.invoke(cli, ["-c", str(config), "token", "list"])
    assert listed.exit_code == 0, listed.output
    assert "Vagtplan" in listed.stdout and plaintext[:10] in listed.stdout
    assert plaintext not in listed.stdout

    async def status_with_token() -> int:
        service = App.build(load_settings(config))
        try:
            async with client(service) as http:
                answer = await http.get(
                    "/api/v1/incidents", headers={"Authorization": f"Bearer {plaintext}"}
                )
            return answer.status_code
        finally:
            await service.aclose()

    assert asyncio.run(status_with_token()) == 200
    revoked = runner.invoke(cli, ["-c", str(config), "token", "revoke", "1"])
    assert revoked.exit_code == 0 and "er tilbagekaldt" in revoked.stdout
    assert asyncio.run(status_with_token()) == 401
    again = runner.invoke(cli, ["-c", str(config), "token", "revoke", "1"])
    assert again.exit_code == 1 and "allerede tilbagekaldt" in again.output
    listed = runner.invoke(cli, ["-c", str(config), "token", "list"])
    assert "tilbagekaldt" in listed.stdout
    unknown = runner.invoke(
        cli, ["-c", str(config), "--lang", "en", "token", "create", "x", "--as", "nobody"]
    )
    assert unknown.exit_code == 1 and "not in the contact directory" in unknown.output


# --- the OpenAPI document -------------------------------------------------------------------


async def test_openapi_lists_every_endpoint_with_the_bearer_scheme(app: App) -> None:
    async with client(app) as http:
        answer = await http.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    document = answer.json()
    scheme = document["components"]["securitySchemes"]["token"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    operations = {
        (method.upper(), path): spec
        for path, methods in document["paths"].items()
        for method, spec in methods.items()
    }
    expected = {
        ("GET", "/api/v1/incidents"),
        ("POST", "/api/v1/incidents"),
        ("GET", "/api/v1/incidents/{incident_id}"),
        ("POST", "/api/v1/incidents/{incident_id}/close"),
        ("POST", "/api/v1/incidents/{incident_id}/upgrade"),
        ("GET", "/api/v1/incidents/{incident_id}/confirmations"),
        ("POST", "/api/v1/incidents/{incident_id}/confirmations"),
        ("GET", "/api/v1/incidents/{incident_id}/log"),
        ("POST", "/api/v1/incidents/{incident_id}/log"),
        ("GET", "/api/v1/incidents/{incident_id}/steps"),
        ("POST", "/api/v1/incidents/{incident_id}/steps/{step_id}"),
        ("GET", "/api/v1/incidents/{incident_id}/tasks"),
        ("POST", "/api/v1/incidents/{incident_id}/tasks/{task_id}"),
        ("GET", "/api/v1/incidents/{incident_id}/picture"),
        ("PUT", "/api/v1/incidents/{incident_id}/picture"),
        ("POST", "/api/v1/incidents/{incident_id}/picture/briefing"),
        ("PATCH", "/api/v1/incidents/{incident_id}"),
        ("POST", "/api/v1/incidents/{incident_id}/tasks"),
        ("POST", "/api/v1/incidents/{incident_id}/tasks/{task_id}/reassign"),
        ("POST", "/api/v1/incidents/{incident_id}/convene"),
        ("GET", "/api/v1/incidents/{incident_id}/duties"),
        ("POST", "/api/v1/incidents/{incident_id}/duties/{duty_id}"),
        ("GET", "/api/v1/incidents/{incident_id}/communications"),
        ("POST", "/api/v1/incidents/{incident_id}/communications"),
        ("PUT", "/api/v1/incidents/{incident_id}/communications/{communication_id}/text"),
        ("POST", "/api/v1/incidents/{incident_id}/communications/{communication_id}/approve"),
        ("POST", "/api/v1/incidents/{incident_id}/communications/{communication_id}/send"),
        ("POST", "/api/v1/incidents/{incident_id}/communications/{communication_id}/discard"),
        ("POST", "/api/v1/incidents/{incident_id}/communications/{communication_id}/publish"),
        ("GET", "/api/v1/incidents/{incident_id}/notices"),
        ("POST", "/api/v1/incidents/{incident_id}/notices/{notice_id}/withdraw"),
    }
    assert set(operations) == expected
    for spec in operations.values():
        assert spec["security"] == [{"token": []}]
        assert {"401", "403", "422"} <= set(spec["responses"])
        assert {"200", "201"} & set(spec["responses"])
    detail = operations[("GET", "/api/v1/incidents/{incident_id}")]["responses"]["200"]
    assert detail["content"]["application/json"]["schema"]["$ref"].endswith("/IncidentDetail")
