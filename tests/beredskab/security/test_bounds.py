"""Bounds on inbound values: ASCII ids in range, storable text, and the use cases refusing
what the database could not store, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest

from beredskab.boundary import bounds
from beredskab.delivery import receipts
from beredskab.errors import NotFoundError
from beredskab.incident import activation, situation_log, steps, tasks
from beredskab.models import TaskStatus
from beredskab.plan import Plan
from beredskab.storage import Database
from beredskab.storage.limits import column_length
from tests.beredskab.helpers import CHIEF


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("42", 42),
        ("0042", 42),
        ("2147483647", 2147483647),
        ("2147483648", None),
        ("99999999999999999999", None),
        ("0", None),
        ("-1", None),
        ("²", None),
        ("١٢", None),
        ("4²", None),
        (" 4", None),
        ("4\n", None),
        ("", None),
        ("1_000", None),
    ],
)
def test_only_ascii_ids_in_range_are_ids(text: str, expected: int | None) -> None:
    assert bounds.parse_id(text) == expected
    assert receipts.parse_delivery_key(f"delivery-{text}") == expected


@pytest.mark.parametrize(
    "number", [1, 9, 10, 99, 2**31 - 1, 2**31, 1999999999, 2147483639, 2147483650, 10**10]
)
def test_the_path_regex_matches_exactly_the_ids(number: int) -> None:
    assert bool(re.fullmatch(bounds.ID_REGEX, str(number))) == bounds.valid_id(number)


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        ("plain text\nwith lines\tand tabs", False),
        ("Æblegrød ✓ 🚨", False),
        ("x" * 4000, False),
        ("x" * 4001, True),
        ("nul\x00", True),
        ("lone \ud800", True),
    ],
)
def test_text_is_refused_only_when_it_cannot_be_stored(value: str, refused: bool) -> None:
    assert (bounds.refusal(value, max_chars=bounds.TEXT_CHARS) is not None) is refused
    if refused:
        with pytest.raises(bounds.InputRefusedError, match=r"^the entry (is longer|contains)"):
            bounds.text(value, field="the entry", max_chars=bounds.TEXT_CHARS)


def test_lengths_come_from_the_columns() -> None:
    assert (bounds.PHONE_CHARS, bounds.PROVIDER_ID_CHARS, bounds.PLAYBOOK_ID_CHARS) == (32, 128, 64)
    with pytest.raises(ValueError, match="not a string column"):
        column_length("incidents", "description")


async def test_use_cases_refuse_unstorable_input_on_both_databases(
    db: Database, plan: Plan
) -> None:
    opened = await activation.activate(
        db=db, plan=plan, playbook="1", actor_id=CHIEF, channel="test", description="øvelse"
    )
    nr = opened.incident.id
    common = {"db": db, "plan": plan, "actor_id": CHIEF, "channel": "test"}
    with pytest.raises(bounds.InputRefusedError):
        await situation_log.add_entry(**common, incident_id=nr, text="nul \x00")
    with pytest.raises(bounds.InputRefusedError):
        await activation.activate(**common, playbook="2", description="a" * 50_001)
    with pytest.raises(bounds.InputRefusedError):
        await steps.finish(**common, incident_id=nr, step_ref="1", note="\x00")
    for huge in (2**31, 2**63, 2**64):
        with pytest.raises(NotFoundError):
            await situation_log.add_entry(**common, incident_id=huge, text="x")
        with pytest.raises(NotFoundError):
            await situation_log.add_entry(**common, incident_id=nr, text="x", corrects=huge)
        with pytest.raises(NotFoundError):
            await tasks.change(**common, incident_id=nr, number=huge, status=TaskStatus.ACCEPTED)
    async with db.transaction() as tx:
        assert [e.text for e in await tx.log.list(nr) if "\x00" in e.text] == []
        assert [i.id for i in await tx.incidents.recent(status=None, limit=10)] == [nr]


@pytest.mark.parametrize(
    ("document", "refused"),
    [
        ({"update_id": 1, "message": {"text": "hej", "entities": [{"type": "bold"}]}}, False),
        ({"update_id": 1, "message": {"text": "nul \x00"}}, True),
        ({"update_id": 1, "nul\x00key": 1}, True),
        ([[["deep", ["lone \ud800"]]]], True),
        ({"text": "x" * 101}, True),
        (7, False),
    ],
)
def test_json_documents_are_checked_in_every_key_and_string(
    document: object, refused: bool
) -> None:
    assert (bounds.json_refusal(document, max_chars=100) is not None) is refused
