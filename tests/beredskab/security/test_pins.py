"""PINs: argon2 hashes, failures per number, doubling lockouts, audit and the chief told."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher, Type
from typer.testing import CliRunner

from beredskab.cli import cli
from beredskab.errors import InvalidStateError, NotFoundError
from beredskab.models import AuditEntry, Delivery
from beredskab.plan import Plan
from beredskab.security import pins
from beredskab.security.pins import PinCheck, PinStatus
from beredskab.settings import SecuritySettings
from beredskab.storage import Database
from tests.beredskab.helpers import CHIEF, POLICE
from tests.conftest import TestClock

CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
"""Fast hashing for tests only; production uses ``pins.DEFAULT_HASHER``."""
DEFAULT_VERIFY = PasswordHasher()
SECURITY = SecuritySettings()
PIN = "4711"


@pytest.fixture
async def cdb(db_url: str, clock: TestClock) -> AsyncIterator[Database]:
    """A migrated database on the test clock."""
    database = Database(db_url, clock=clock)
    await database.upgrade()
    yield database
    await database.dispose()


def phone(plan: Plan, person_id: str) -> str:
    person = plan.directory.person(person_id)
    assert person is not None and person.phone
    return person.phone


async def attempt(db: Database, plan: Plan, pin: str, person_id: str = POLICE) -> PinCheck:
    async with db.transaction() as tx:
        return await pins.check(
            tx,
            person_id=person_id,
            phone=phone(plan, person_id),
            pin=pin,
            settings=SECURITY,
            plan=plan,
            hasher=CHEAP,
        )


async def audit_rows(db: Database) -> list[AuditEntry]:
    async with db.transaction() as tx:
        return await tx.audit.list(limit=10_000)


async def chief_messages(db: Database, plan: Plan) -> list[Delivery]:
    """Outbox rows to the chief's number (these tests queue fewer than 100 rows)."""
    async with db.transaction() as tx:
        rows = [await tx.deliveries.get(i) for i in range(1, 100)]
    return [d for d in rows if d is not None and d.address == phone(plan, CHIEF)]


async def set_police_pin(db: Database, plan: Plan) -> None:
    await pins.set_pin(db=db, plan=plan, person_id=POLICE, pin=PIN, hasher=CHEAP)


def test_production_hasher_is_memory_hard() -> None:
    assert pins.DEFAULT_HASHER.type is Type.ID
    assert pins.DEFAULT_HASHER.memory_cost >= 64 * 1024


@pytest.mark.parametrize("bad", ["123", "123456789", "12a4", "", " 1234", "１２３４"])
async def test_set_pin_refuses_anything_but_4_to_8_digits(
    cdb: Database, plan: Plan, bad: str
) -> None:
    with pytest.raises(InvalidStateError, match="4 to 8 digits"):
        await pins.set_pin(db=cdb, plan=plan, person_id=POLICE, pin=bad, hasher=CHEAP)
    async with cdb.transaction() as tx:
        assert await tx.pins.hash_for(POLICE) is None


async def test_set_pin_stores_an_argon2_hash_and_is_audited(cdb: Database, plan: Plan) -> None:
    await set_police_pin(cdb, plan)
    async with cdb.transaction() as tx:
        stored = await tx.pins.hash_for(POLICE)
    assert stored is not None and stored.startswith("$argon2id$") and PIN not in stored
    assert [(a.action, a.detail) for a in await audit_rows(cdb)] == [
        ("pin.set", f"PIN set for {POLICE}")
    ]
    with pytest.raises(NotFoundError):
        await pins.set_pin(db=cdb, plan=plan, person_id="nobody", pin=PIN, hasher=CHEAP)


async def test_no_pin_set_is_refused_without_counting_a_failure(cdb: Database, plan: Plan) -> None:
    result = await attempt(cdb, plan, PIN)
    assert result.status is PinStatus.NO_PIN
    async with cdb.transaction() as tx:
        assert await tx.pins.failures_since(phone(plan, POLICE), tx.now - timedelta(hours=1)) == 0


async def test_wrong_pins_count_down_are_audited_and_the_right_one_clears_them(
    cdb: Database, plan: Plan
) -> None:
    await set_police_pin(cdb, plan)
    results = [await attempt(cdb, plan, "0000") for _ in range(3)]
    assert [(r.status, r.remaining) for r in results] == [(PinStatus.WRONG, n) for n in (4, 3, 2)]
    wrong = [a for a in await audit_rows(cdb) if a.action == "pin.wrong"]
    assert len(wrong) == 3 and not any(a.allowed for a in wrong)
    assert (await attempt(cdb, plan, PIN)).ok
    async with cdb.transaction() as tx:
        assert await tx.pins.failures_since(phone(plan, POLICE), tx.now - timedelta(hours=1)) == 0
    # After the right PIN the count starts again.
    assert (await attempt(cdb, plan, "0000")).remaining == 4


async def test_failures_outside_the_window_do_not_count(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    await set_police_pin(cdb, plan)
    for _ in range(4):
        await attempt(cdb, plan, "0000")
    clock.advance(minutes=16)
    result = await attempt(cdb, plan, "0000")
    assert result.status is PinStatus.WRONG and result.remaining == 4


async def test_five_wrong_pins_lock_the_number_audit_it_and_tell_the_chief(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    await set_police_pin(cdb, plan)
    results = [await attempt(cdb, plan, "0000") for _ in range(5)]
    last = results[-1]
    assert last.status is PinStatus.LOCKED and last.locked_now
    assert last.until == clock.now + timedelta(minutes=15)
    # Even the right PIN is refused while locked, and that attempt is audited too.
    still = await attempt(cdb, plan, PIN)
    assert still.status is PinStatus.LOCKED and not still.locked_now
    actions = [a.action for a in await audit_rows(cdb) if not a.allowed]
    assert actions == ["pin.wrong"] * 5 + ["pin.lockout", "pin.locked"]
    told = await chief_messages(cdb, plan)
    assert len(told) == 1
    assert "Kim Holm" in told[0].text and "låst til" in told[0].text
    assert told[0].template == "reply" and told[0].channel.value == "sms"
    # Another person's number is not locked.
    await pins.set_pin(db=cdb, plan=plan, person_id=CHIEF, pin="8642", hasher=CHEAP)
    assert (await attempt(cdb, plan, "8642", person_id=CHIEF)).ok
    # When the lockout ends the right PIN works again.
    clock.advance(minutes=15, seconds=1)
    assert (await attempt(cdb, plan, PIN)).ok


async def test_lockouts_double_up_to_the_cap(cdb: Database, plan: Plan, clock: TestClock) -> None:
    await set_police_pin(cdb, plan)
    lengths: list[timedelta] = []
    for _ in range(9):
        for _ in range(5):
            result = await attempt(cdb, plan, "0000")
        assert result.until is not None and result.locked_now
        lengths.append(result.until - clock.now)
        clock.now = result.until + timedelta(seconds=1)
    assert lengths == [timedelta(minutes=15 * 2**n) for n in range(7)] + [timedelta(hours=24)] * 2
    assert len(await chief_messages(cdb, plan)) == 9


async def test_lockout_level_starts_again_after_a_long_quiet_spell(
    cdb: Database, plan: Plan, clock: TestClock
) -> None:
    await set_police_pin(cdb, plan)
    for _ in range(5):
        first = await attempt(cdb, plan, "0000")
    assert first.until is not None
    clock.now = first.until + timedelta(hours=25)
    for _ in range(5):
        again = await attempt(cdb, plan, "0000")
    assert again.until == clock.now + timedelta(minutes=15)


@pytest.mark.parametrize(
    ("level", "minutes"), [(0, 15), (1, 30), (2, 60), (6, 960), (7, 1440), (60, 1440)]
)
def test_lockout_duration(level: int, minutes: int) -> None:
    assert pins.lockout_duration(level, SECURITY) == timedelta(minutes=minutes)


def _stored_hash(data_dir: Path) -> str | None:
    async def read() -> str | None:
        database = Database(f"sqlite+aiosqlite:///{data_dir / 'beredskab.sqlite3'}")
        try:
            async with database.transaction() as tx:
                return await tx.pins.hash_for(POLICE)
        finally:
            await database.dispose()

    return asyncio.run(read())


def test_cli_pin_set_from_stdin_and_from_a_hidden_prompt(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[service]\ndata_dir = "var"\n[console]\necho = false\n', encoding="utf-8")
    runner = CliRunner()
    done = runner.invoke(cli, ["-c", str(config), "pin", "set", POLICE, "--pin-stdin"], "2468\n")
    assert done.exit_code == 0, done.output
    first = _stored_hash(tmp_path / "var")
    assert first is not None and DEFAULT_VERIFY.verify(first, "2468")
    prompted = runner.invoke(cli, ["-c", str(config), "pin", "set", POLICE], "13579\n13579\n")
    assert prompted.exit_code == 0, prompted.output
    assert "13579" not in prompted.output
    second = _stored_hash(tmp_path / "var")
    assert second is not None and DEFAULT_VERIFY.verify(second, "13579")
    bad = runner.invoke(cli, ["-c", str(config), "pin", "set", POLICE, "--pin-stdin"], "12\n")
    assert bad.exit_code == 1 and "4 til 8 cifre" in bad.output
    unknown = runner.invoke(
        cli, ["-c", str(config), "pin", "set", "nobody", "--pin-stdin"], "1234\n"
    )
    assert unknown.exit_code == 1 and "ikke i kontaktlisten" in unknown.output
