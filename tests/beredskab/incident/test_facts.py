"""Correcting an incident's facts (journal number, zone, description): the use case on SQLite
and PostgreSQL, then SMS JOURNAL and the CLI `incident set`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from beredskab import report
from beredskab.app import App
from beredskab.boundary.bounds import InputRefusedError
from beredskab.cli import cli
from beredskab.errors import InvalidStateError, NotAuthorisedError, NotFoundError
from beredskab.i18n import fill, plural
from beredskab.incident import activation, facts, situation_log, standdown
from beredskab.models import AuditEntry, EntryKind, Incident, LogEntry
from beredskab.plan import Plan
from beredskab.security import access
from beredskab.settings import load_settings
from beredskab.storage import Database
from tests.beredskab.helpers import CHIEF, POLICE, SSP, STAFF
from tests.beredskab.inbound.test_sms_commands import last_reply, sms
from tests.beredskab.web.api_support import service
from tests.conftest import TestClock

SECRETARIAT_HEAD = "karen-hald"
NO_ROLE = "lise-krogh"
POLICE_DESK = "vagtcentral-fiktiv"


async def _open(db: Database, plan: Plan, playbook: str = "2", actor: str = POLICE) -> Incident:
    result = await activation.activate(
        db=db,
        plan=plan,
        playbook=playbook,
        actor_id=actor,
        channel="cli",
        description="Skud ved torvet",
        zone=1,
        police_case_pending=playbook in ("2", "gruppe-2"),  # the number is set afterwards
    )
    return result.incident


async def _log(db: Database, nr: int) -> list[LogEntry]:
    async with db.transaction() as tx:
        return await tx.log.list(nr)


async def _audit(db: Database, nr: int, action: str) -> list[AuditEntry]:
    async with db.transaction() as tx:
        return [a for a in await tx.audit.list(incident_id=nr) if a.action == action]


async def test_each_changed_fact_is_one_correction_entry_and_one_audit(
    db: Database, plan: Plan
) -> None:
    incident = await _open(db, plan)
    result = await facts.set_facts(
        db=db,
        plan=plan,
        incident_id=incident.id,
        actor_id=CHIEF,
        channel="cli",
        police_case=" 3700-80260-00123-26 ",
        zone=3,
        description="Skud ved torvet\r\nTo sårede",
    )
    assert result.changed == ("police_case", "zone", "description")
    updated = result.incident
    assert (updated.police_case, updated.zone) == ("3700-80260-00123-26", 3)
    assert (
        updated.description == "Skud ved torvet\nTo sårede" and updated.title == "Skud ved torvet"
    )
    corrections = [e for e in await _log(db, incident.id) if e.kind is EntryKind.CORRECTION]
    assert [e.text for e in corrections] == [
        "Rettelse af Maria Friis via cli: Politiets journalnr. ændret fra ikke oplyst til "
        "'3700-80260-00123-26'.",
        "Rettelse af Maria Friis via cli: Zone ændret fra 1 til 3.",
        "Rettelse af Maria Friis via cli: Beskrivelse ændret fra 'Skud ved torvet' til "
        "'Skud ved torvet\nTo sårede'.",
    ]
    assert all(e.actor == CHIEF for e in corrections)
    log = await _log(db, incident.id)
    activated = next(e for e in log if e.kind is EntryKind.ACTIVATED)
    assert [e.corrects for e in corrections] == [activated.seq] * 3  # it stated the facts
    [row] = await _audit(db, incident.id, "incident.correct")
    assert row.allowed and row.actor == CHIEF and row.detail == "police_case, zone, description"
    assert situation_log.verify(await _log(db, incident.id)).ok
    # The same again changes nothing and writes nothing.
    again = await facts.set_facts(
        db=db, plan=plan, incident_id=incident.id, actor_id=CHIEF, channel="cli", zone=3
    )
    assert again.changed == () and again.incident == updated
    assert len(await _audit(db, incident.id, "incident.correct")) == 1
    nothing = await facts.set_facts(
        db=db, plan=plan, incident_id=incident.id, actor_id=CHIEF, channel="api"
    )
    assert nothing.changed == () and nothing.incident == updated
    with pytest.raises(NotAuthorisedError):  # checked all the same
        await facts.set_facts(
            db=db, plan=plan, incident_id=incident.id, actor_id=SSP, channel="api"
        )
    assert len([e for e in await _log(db, incident.id) if e.kind is EntryKind.CORRECTION]) == 3


async def test_a_second_correction_of_a_fact_names_the_first(db: Database, plan: Plan) -> None:
    incident = await _open(db, plan)
    for zone in (3, 4):
        await facts.set_facts(
            db=db, plan=plan, incident_id=incident.id, actor_id=CHIEF, channel="cli", zone=zone
        )
    await facts.set_facts(
        db=db,
        plan=plan,
        incident_id=incident.id,
        actor_id=CHIEF,
        channel="cli",
        description="Brand i kælderen",
    )
    log = await _log(db, incident.id)
    activated = next(e for e in log if e.kind is EntryKind.ACTIVATED)
    first, second, described = [e for e in log if e.kind is EntryKind.CORRECTION]
    assert "Zone ændret fra 1 til 3" in first.text and first.corrects == activated.seq
    assert "Zone ændret fra 3 til 4" in second.text and second.corrects == first.seq
    assert "Beskrivelse" in described.text and described.corrects == activated.seq


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        (CHIEF, True),  # the playbook's leader role
        (POLICE, True),  # the activator
        (POLICE_DESK, True),  # the police liaison role that may activate group 2
        (STAFF, True),  # the secretariat
        (SECRETARIAT_HEAD, True),
        (SSP, False),  # a participant, but not one who keeps the facts
        (NO_ROLE, False),
    ],
)
async def test_who_may_correct_and_refusals_are_audited(
    db: Database, plan: Plan, actor: str, allowed: bool
) -> None:
    incident = await _open(db, plan)
    call = facts.set_facts(
        db=db, plan=plan, incident_id=incident.id, actor_id=actor, channel="api", zone=2
    )
    if allowed:
        assert (await call).changed == ("zone",)
        return
    with pytest.raises(NotAuthorisedError) as refused:
        await call
    assert "allowed roles: projektchef, politi, sekretariat, sekretariatsleder" in str(
        refused.value
    )
    [row] = await _audit(db, incident.id, "incident.correct")
    assert not row.allowed and row.actor == actor and row.channel == "api"
    async with db.transaction() as tx:
        unchanged = await tx.incidents.get(incident.id)
    assert unchanged is not None and unchanged.zone == 1


async def test_group_1_activator_may_correct_but_not_record_a_journal_number(
    db: Database, plan: Plan
) -> None:
    incident = await _open(db, plan, playbook="1", actor="henrik-moeller")
    changed = await facts.set_facts(
        db=db,
        plan=plan,
        incident_id=incident.id,
        actor_id="henrik-moeller",
        channel="cli",
        description="Brand i kælder",
    )
    assert changed.changed == ("description",) and changed.incident.title == "Brand i kælder"
    with pytest.raises(facts.NoPoliceCaseError, match="upgrade the incident to gruppe-2"):
        await facts.set_facts(
            db=db,
            plan=plan,
            incident_id=incident.id,
            actor_id=CHIEF,
            channel="cli",
            police_case="3700-1",
        )
    async with db.transaction() as tx:
        stored = await tx.incidents.get(incident.id)
    assert stored is not None and stored.police_case is None


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"zone": 0}, InputRefusedError),
        ({"zone": 5}, InputRefusedError),
        ({"police_case": "   "}, InputRefusedError),
        ({"police_case": "x" * 65}, InputRefusedError),
        ({"police_case": "37\x0000"}, InputRefusedError),
        ({"description": " \n "}, InputRefusedError),
        ({"description": "\ud800"}, InputRefusedError),
    ],
)
async def test_bounds_as_at_activation(
    db: Database, plan: Plan, values: dict[str, object], error: type[Exception]
) -> None:
    incident = await _open(db, plan)
    with pytest.raises(error):
        await facts.set_facts(
            db=db,
            plan=plan,
            incident_id=incident.id,
            actor_id=CHIEF,
            channel="cli",
            **values,  # type: ignore[arg-type]
        )
    assert not await _audit(db, incident.id, "incident.correct")


async def test_closed_and_unknown_incidents(db: Database, plan: Plan) -> None:
    incident = await _open(db, plan)
    await standdown.close(db=db, plan=plan, incident_id=incident.id, actor_id=CHIEF, channel="cli")
    with pytest.raises(InvalidStateError, match="closed"):
        await facts.set_facts(
            db=db, plan=plan, incident_id=incident.id, actor_id=CHIEF, channel="cli", zone=2
        )
    for nr in (99, 2**31, -1):
        with pytest.raises(NotFoundError):
            await facts.set_facts(
                db=db, plan=plan, incident_id=nr, actor_id=CHIEF, channel="cli", zone=2
            )


async def test_facts_line_names_a_missing_journal_number(db: Database, plan: Plan) -> None:
    incident = await _open(db, plan)
    assert facts.facts_line(plan, incident) == "Zone: 1 · journalnr. mangler"
    assert facts.facts_line(plan, incident, "en", sep=", ") == "Zone: 1, journal no. missing"
    group_1 = await _open(db, plan, playbook="1", actor=CHIEF)
    assert facts.facts_line(plan, group_1) == "Zone: 1"


def test_refusals_name_each_role_once(plan: Plan) -> None:
    ssp = access.person(plan, SSP)
    with pytest.raises(access.Refusal) as refused:
        access.require_role(
            ssp,
            ["projektchef", "politi", "projektchef"],
            action="close",
            channel="cli",
            what="stand down incident 1",
        )
    assert str(refused.value).endswith("allowed roles: projektchef, politi")
    assert refused.value.template.startswith("{name} ({person}) may not {what}")


def test_plural_helper() -> None:
    assert plural(1, "modtager", "modtagere") == "1 modtager"
    assert plural(0, "modtager", "modtagere") == "0 modtagere"
    assert fill("{n:besked|beskeder} i kø, nr. {nr}", n=1, nr=3) == "1 besked i kø, nr. 3"
    assert fill("{n:message|messages}", n=2) == "2 messages"


# --- SMS ------------------------------------------------------------------------------------


@pytest.fixture
async def sms_app(db_url: str, clock: TestClock, plan: Plan, tmp_path: Path) -> AsyncIterator[App]:
    """The service on the console channel, as the SMS tests use it."""
    async with service(db_url, clock, plan, tmp_path) as built:
        yield built


async def test_sms_journal_sets_and_corrects_the_journal_number(sms_app: App) -> None:
    app = sms_app
    incident = await _open(app.db, app.plan)
    nr = incident.id
    assert "journalnr. mangler" in await _status(app)
    outcome = await sms(app, POLICE, f"JOURNAL {nr} 3700-80260-00123-26")
    assert outcome == f"journal: incident {nr} set"
    reply = await last_reply(app, POLICE)
    assert reply == f"Hændelse {nr}: politiets journalnr. er nu 3700-80260-00123-26. " + (
        "Rettelsen står i loggen."
    )
    await sms(app, POLICE, f"journal {nr} 3700-80260-00123-26.")
    assert "intet ændret" in await last_reply(app, POLICE)
    assert "Journalnr.: 3700-80260-00123-26" in await _status(app)
    corrections = [e for e in await _log(app.db, nr) if e.kind is EntryKind.CORRECTION]
    assert [(e.actor, e.text.split(": ", 1)[0]) for e in corrections] == [
        (POLICE, "Rettelse af Kim Holm via sms")
    ]
    assert [a.channel for a in await _audit(app.db, nr, "incident.correct")] == ["sms"]
    # A participant without the right is refused (and audited); the English alias works.
    assert await sms(app, SSP, f"CASE {nr} 1") == "journal: refused"
    assert "Afvist" in await last_reply(app, SSP)
    refusals = [a for a in await _audit(app.db, nr, "incident.correct") if a.actor == SSP]
    assert [a.allowed for a in refusals] == [False]
    assert await sms(app, POLICE, "JOURNAL 777 1") == "journal: no incident 777"
    assert await sms(app, POLICE, "JOURNAL") == "malformed JOURNAL"
    assert "JOURNAL <nr> <journalnr>" in await last_reply(app, POLICE)


async def test_sms_journal_on_group_1_says_to_upgrade(sms_app: App) -> None:
    app = sms_app
    incident = await _open(app.db, app.plan, playbook="1", actor=CHIEF)
    await sms(app, CHIEF, f"JOURNAL {incident.id} 3700-1")
    reply = await last_reply(app, CHIEF)
    assert "uden politisag" in reply and "Opgradér til gruppe 2" in reply and len(reply) <= 160
    await sms(app, CHIEF, "HJÆLP")
    assert "JOURNAL <nr> <j.nr>" in await last_reply(app, CHIEF)


async def _status(app: App) -> str:
    await sms(app, POLICE, "STATUS")
    text = await last_reply(app, POLICE)
    assert len(text) <= 160
    return text


# --- CLI ------------------------------------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[service]\ndata_dir = "var"\n[console]\necho = false\n', encoding="utf-8")
    return path


async def _cli_incident(config: Path) -> int:
    app = App.build(load_settings(config))
    try:
        await app.start()
        return (await _open(app.db, app.plan)).id
    finally:
        await app.aclose()


def test_cli_incident_set_and_status(config: Path) -> None:
    nr = asyncio.run(_cli_incident(config))
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        done = runner.invoke(cli, ["-c", str(config), *args])
        return done.exit_code, done.output

    code, out = run("status", str(nr))
    assert code == 0 and "Zone: 1 · journalnr. mangler" in out
    assert out.count("Skud ved torvet") == 1
    code, out = run(
        "incident", "set", str(nr), "--police-case", "3700-5", "--zone", "2", "--as", STAFF
    )
    assert code == 0, out
    assert (
        out.strip()
        == f"Hændelse {nr} rettet: politiets journalnummer, zone. Rettelsen står i loggen."
    )
    code, out = run("incident", "set", str(nr), "--zone", "2", "--as", STAFF)
    assert code == 0 and "intet ændret" in out
    code, out = run("status", str(nr))
    assert "Zone: 2 · Journalnr.: 3700-5" in out
    code, out = run("incident", "set", str(nr), "--zone", "2", "--as", SSP)
    assert code == 3 and "roller der må: projektchef, politi, sekretariat, sekretariatsleder" in out
    code, out = run("incident", "set", str(nr), "--zone", "9", "--as", CHIEF)
    assert code == 1 and "zonen skal være 1-4" in out
    code, out = run("incident", "set", str(nr), "--as", CHIEF)
    assert code == 1 and "angiv mindst én af --police-case, --zone og --description" in out


# --- wording: nothing printed twice -----------------------------------------------------------


@pytest.mark.parametrize("description", ["Skud ved torvet", "Skud ved torvet\nTo sårede"])
async def test_the_activation_message_says_the_description_once(
    db: Database, plan: Plan, description: str
) -> None:
    result = await activation.activate(
        db=db,
        plan=plan,
        playbook="2",
        actor_id=POLICE,
        channel="cli",
        description=description,
        police_case="3700-1",
    )
    async with db.transaction() as tx:
        sent = await tx.deliveries.for_incident(result.incident.id)
    emails = [d for d in sent if d.template == "activation" and d.channel.value == "email"]
    assert emails
    for email in emails:
        assert email.text.count("Skud ved torvet") == 1, email.text
        assert ("To sårede" in email.text) is ("To sårede" in description)
    overview = await report.overview(db=db, incident_id=result.incident.id)
    fields = dict(report.sections.build(overview, names={}, include_sensitive=False).fields)
    assert fields["Titel"] == "Skud ved torvet"
    assert fields.get("Beskrivelse") == (description if "\n" in description else None)
