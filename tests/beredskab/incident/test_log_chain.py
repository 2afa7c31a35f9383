"""Tamper evidence: the keyed chain, its head, the seal over old entries and the triggers."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError

from beredskab import report
from beredskab.errors import InvalidStateError
from beredskab.incident import activation, situation_log
from beredskab.incident.situation_log import Head
from beredskab.models import EntryKind, LogEntry
from beredskab.plan import Plan
from beredskab.storage import Database, chain
from beredskab.storage.migrate import upgrade
from beredskab.storage.tables import incidents, log_entries
from tests.beredskab.chain_tamper import tamper
from tests.beredskab.helpers import CHIEF, POLICE, SSP

KEY = b"k" * 32
OTHER_KEY = b"x" * 32


@pytest.fixture
async def keyed(db_url: str) -> AsyncIterator[Database]:
    """A migrated database whose log is chained with ``KEY``."""
    database = Database(db_url, log_key=KEY)
    await database.upgrade()
    yield database
    await database.dispose()


async def _incident(db: Database, plan: Plan, notes: int = 2) -> int:
    nr = (
        await activation.activate(
            db=db, plan=plan, playbook="2", actor_id=POLICE, channel="cli", police_case="3700-1"
        )
    ).incident.id
    for n in range(notes):
        await situation_log.add_entry(
            db=db, plan=plan, incident_id=nr, actor_id=SSP, text=f"Note {n}", channel="cli"
        )
    return nr


async def _entries(db: Database, nr: int) -> list[LogEntry]:
    async with db.read() as tx:
        return await tx.log.list(nr)


async def _rewrite(db: Database, nr: int, *, scheme: str, key: bytes | None) -> None:
    """Edit entry 2 and recompute the whole chain by ``scheme`` (with ``key`` if keyed)."""
    prev = chain.GENESIS
    for entry in await _entries(db, nr):
        changed = entry.model_copy(
            update={
                "text": "Intet skete" if entry.seq == 2 else entry.text,
                "prev_hash": prev,
                "scheme": scheme,
            }
        )
        digest = chain.entry_hash(changed, key=key)
        await tamper(
            db,
            "UPDATE log_entries SET text = :text, prev_hash = :prev, hash = :hash, scheme = :scheme"
            " WHERE incident_id = :nr AND seq = :seq",
            text=changed.text,
            prev=prev,
            hash=digest,
            scheme=scheme,
            nr=nr,
            seq=entry.seq,
        )
        prev = digest


async def test_new_entries_are_keyed_and_verify_only_with_their_key(
    keyed: Database, plan: Plan
) -> None:
    nr = await _incident(keyed, plan)
    entries = await _entries(keyed, nr)
    assert {e.scheme for e in entries} == {chain.KEYED}
    check = await situation_log.check(db=keyed, incident_id=nr)
    assert check.ok and check.keyed and check.head == Head.of(entries[-1])
    assert check.message == f"{len(entries)} poster, kæden er ubrudt."
    assert check.said("en") == f"{len(entries)} entries, the chain is intact."
    assert not situation_log.verify(entries, key=OTHER_KEY).ok  # same rows, the wrong key


@pytest.mark.parametrize(
    ("scheme", "key"),
    [
        (chain.UNKEYED, None),  # the old rule, the scheme column set to match
        (chain.KEYED, None),  # the old rule's hashes left under the keyed scheme
        (chain.KEYED, OTHER_KEY),  # HMAC with a key that is not the service's
    ],
)
async def test_an_edited_and_recomputed_chain_is_detected(
    keyed: Database, plan: Plan, scheme: str, key: bytes | None
) -> None:
    nr = await _incident(keyed, plan)
    if scheme == chain.KEYED and key is None:
        # the pre-0012 rule: plain SHA-256 over the same payload
        prev = chain.GENESIS
        for entry in await _entries(keyed, nr):
            legacy = entry.model_copy(update={"prev_hash": prev, "scheme": chain.UNKEYED})
            digest = chain.entry_hash(legacy)
            await tamper(
                keyed,
                "UPDATE log_entries SET prev_hash = :prev, hash = :hash"
                " WHERE incident_id = :nr AND seq = :seq",
                prev=prev,
                hash=digest,
                nr=nr,
                seq=entry.seq,
            )
            prev = digest
    else:
        await _rewrite(keyed, nr, scheme=scheme, key=key)
    check = await situation_log.check(db=keyed, incident_id=nr)
    assert not check.ok and check.first_bad_seq == 1
    assert check.message.startswith("Kæden er brudt ved post 1")
    assert check.said("en").startswith("The chain is broken at entry 1")
    view = await report.overview(db=keyed, incident_id=nr)
    shown = report.markdown(view, names=plan.labels(), include_sensitive=False)
    assert "FEJL:" in shown and "Kæden er brudt ved post 1" in shown
    assert "kæden er ubrudt" not in shown and "**Kædehoved:** intet at gemme" in shown


async def test_a_deleted_tail_is_detected_with_the_head(keyed: Database, plan: Plan) -> None:
    nr = await _incident(keyed, plan, notes=3)
    head = (await situation_log.check(db=keyed, incident_id=nr)).head
    assert head is not None and head.count >= 4
    await tamper(
        keyed, "DELETE FROM log_entries WHERE incident_id = :nr AND seq >= :seq", nr=nr, seq=3
    )
    assert (await situation_log.check(db=keyed, incident_id=nr)).ok  # invisible without a head
    short = Head.parse(head.short)
    check = await situation_log.check(db=keyed, incident_id=nr, head=short)
    assert not check.ok and check.missing_after == 2
    assert check.message.startswith(
        f"Der mangler poster efter post 2: hovedet sagde {head.count} poster"
    )
    # refilled to the same length: the entry the head names now has another hash
    for n in range(head.count - 2):
        await situation_log.add_entry(
            db=keyed, plan=plan, incident_id=nr, actor_id=SSP, text=f"Ny {n}", channel="cli"
        )
    refilled = await situation_log.check(db=keyed, incident_id=nr, head=short)
    assert not refilled.ok and refilled.entries == head.count
    assert "passer ikke med hovedet" in refilled.message


async def test_a_head_from_before_still_holds_as_the_log_grows(keyed: Database, plan: Plan) -> None:
    nr = await _incident(keyed, plan, notes=1)
    head = (await situation_log.check(db=keyed, incident_id=nr)).head
    assert head is not None
    await situation_log.add_entry(
        db=keyed, plan=plan, incident_id=nr, actor_id=CHIEF, text="Senere", channel="cli"
    )
    check = await situation_log.check(db=keyed, incident_id=nr, head=Head.parse(head.short))
    assert check.ok and f"passer med hovedet {head.short}" in check.message
    view = await report.overview(db=keyed, incident_id=nr, head=head)
    shown = report.markdown(view, names=plan.labels(), include_sensitive=False)
    assert check.head is not None and f"Kædehoved:** {check.head.short}" in shown
    html = report.render_html(view, names=plan.labels(), include_sensitive=False)
    assert f"<strong>Kædehoved:</strong> {check.head.short}" in html
    pdf = report.render_pdf(view, names=plan.labels(), include_sensitive=False)
    printed = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert f"verify {nr} --head {check.head.short}" in printed.replace("\n", " ")


@pytest.mark.parametrize("given", ["", "12", "x:abcdef12", "3:abc", "3:ghijklmn", "0:abcdef12"])
def test_a_malformed_head_is_refused(given: str) -> None:
    with pytest.raises(InvalidStateError, match="COUNT:HASH"):
        Head.parse(given)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE log_entries SET text = 'x' WHERE incident_id = :nr",
        "DELETE FROM log_entries WHERE incident_id = :nr",
    ],
)
async def test_the_database_refuses_updates_and_deletes(
    keyed: Database, plan: Plan, statement: str
) -> None:
    nr = await _incident(keyed, plan, notes=0)
    with pytest.raises(DBAPIError, match="log_entries is append-only"):
        async with keyed.engine.begin() as conn:
            await conn.execute(text(statement), {"nr": nr})
    assert (await situation_log.check(db=keyed, incident_id=nr)).ok


async def test_old_unkeyed_entries_are_sealed_by_the_upgrade(db_url: str, plan: Plan) -> None:
    db = Database(db_url, log_key=KEY)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(upgrade, log_key=KEY, revision="0008")
            nr = await _legacy_incident(conn)
        await db.upgrade()  # 0012 seals the old chain with the key
        old = await _entries(db, nr)
        assert {e.scheme for e in old} == {chain.UNKEYED}
        check = await situation_log.check(db=db, incident_id=nr)
        assert check.ok and not check.keyed and "forseglet" in check.message
        async with db.transaction() as tx:  # new entries on an old chain are keyed
            await situation_log.append(
                tx, incident_id=nr, kind=EntryKind.NOTE, actor=CHIEF, text="Efter opgraderingen"
            )
        assert (await _entries(db, nr))[-1].scheme == chain.KEYED
        assert (await situation_log.check(db=db, incident_id=nr)).ok
        # recomputing the old part under the old rule breaks the seal
        await _rewrite_legacy_prefix(db, nr, len(old))
        broken = await situation_log.check(db=db, incident_id=nr)
        assert not broken.ok and broken.first_bad_seq == 1
    finally:
        await db.dispose()


async def test_without_its_seal_an_old_chain_does_not_verify(db_url: str) -> None:
    db = Database(db_url, log_key=KEY)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(upgrade, log_key=KEY, revision="0008")
            nr = await _legacy_incident(conn)
        await db.upgrade()
        assert (await situation_log.check(db=db, incident_id=nr)).ok
        async with db.engine.begin() as conn:
            await conn.execute(text("DELETE FROM log_seals WHERE incident_id = :nr"), {"nr": nr})
        check = await situation_log.check(db=db, incident_id=nr)
        assert not check.ok and check.first_bad_seq == 1
    finally:
        await db.dispose()


async def _legacy_incident(conn: object) -> int:
    """An incident with three entries chained by the old, unkeyed rule (schema 0008)."""
    from sqlalchemy.ext.asyncio import AsyncConnection

    assert isinstance(conn, AsyncConnection)
    at = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    row = await conn.execute(
        insert(incidents)
        .values(
            playbook_id="gruppe-2",
            playbook_name="Beredskabsgruppe 2",
            plan_version="old",
            title="Før opgraderingen",
            description="",
            drill=False,
            status="closed",
            activated_by=POLICE,
            activated_via="cli",
            created_at=at,
        )
        .returning(incidents.c.id)
    )
    nr = int(row.scalar_one())
    prev = chain.GENESIS
    for seq, words in enumerate(("Aktiveret", "Note", "Afsluttet"), start=1):
        entry = LogEntry(
            incident_id=nr,
            seq=seq,
            kind=EntryKind.NOTE,
            actor=CHIEF,
            text=words,
            sensitive=False,
            corrects=None,
            created_at=at,
            prev_hash=prev,
            hash="",
            scheme=chain.UNKEYED,
        )
        digest = chain.entry_hash(entry)
        values = entry.model_dump(exclude={"scheme"})
        values.update(kind=entry.kind.value, hash=digest)
        await conn.execute(insert(log_entries).values(**values))
        prev = digest
    return nr


async def _rewrite_legacy_prefix(db: Database, nr: int, count: int) -> None:
    entries = await _entries(db, nr)
    prev = chain.GENESIS
    for entry in entries[:count]:
        changed = entry.model_copy(
            update={"text": "Intet" if entry.seq == 2 else entry.text, "prev_hash": prev}
        )
        digest = chain.entry_hash(changed)
        await tamper(
            db,
            "UPDATE log_entries SET text = :text, prev_hash = :prev, hash = :hash"
            " WHERE incident_id = :nr AND seq = :seq",
            text=changed.text,
            prev=prev,
            hash=digest,
            nr=nr,
            seq=entry.seq,
        )
        prev = digest
    # the first keyed entry is left as it was: the old part no longer matches the seal


async def test_a_start_with_another_key_is_announced(
    keyed: Database, plan: Plan, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert await chain.key_in_use(db=keyed)  # an empty log says nothing
    nr = await _incident(keyed, plan, notes=1)
    assert await chain.key_in_use(db=keyed)
    other = Database(db_url, log_key=OTHER_KEY)
    try:
        with caplog.at_level(logging.WARNING, logger="beredskab.incident.situation_log"):
            assert not await chain.key_in_use(db=other)
    finally:
        await other.dispose()
    [warning] = [r.getMessage() for r in caplog.records]
    assert f"incident {nr}" in warning and "does not verify with this log key" in warning
