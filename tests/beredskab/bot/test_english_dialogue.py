"""The /aktiver dialogue in English, for a police officer whose directory language is "en"."""

from __future__ import annotations

from pathlib import Path

import pytest

from beredskab.models import Incident
from beredskab.plan import Plan, load_plan
from contacts.loader import BUNDLED_EXAMPLE
from tests.beredskab.bot.conftest import POLICE_USER, Harness, labels
from tests.peers.telegram_api import SentMessage

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    """The bundled plan, with Kim Holm (politi) reading English."""
    text = (ROOT / BUNDLED_EXAMPLE).read_text(encoding="utf-8")
    marker = 'id = "kim-holm"\n'
    assert marker in text
    directory = tmp_path / "directory.toml"
    directory.write_text(text.replace(marker, marker + 'language = "en"\n'), encoding="utf-8")
    return load_plan(playbooks_dir=None, directory_file=directory)


async def _press_then_read(harness: Harness, message: SentMessage, label: str) -> SentMessage:
    before = len(harness.api.sent_to(POLICE_USER))
    await harness.press_label(message, label)
    return await harness.next_message(POLICE_USER, before)


async def _incidents(harness: Harness) -> list[Incident]:
    async with harness.app.db.transaction() as tx:
        return await tx.incidents.recent()


async def test_activation_dialogue_in_english(harness: Harness) -> None:
    await harness.link(POLICE_USER)
    choose = await harness.say(POLICE_USER, "/aktiver")
    assert choose.text == "Which crisis group do you want to activate?"
    assert labels(choose) == ["Beredskabsgruppe 2", "Cancel"]
    ask = await _press_then_read(harness, choose, "Beredskabsgruppe 2")
    assert ask.text == "Beredskabsgruppe 2. Briefly describe what has happened (one message)."
    zones = await harness.say(POLICE_USER, "Fire in a container")
    assert zones.text == "Which zone?"
    assert labels(zones) == ["Zone 1", "Zone 2", "Zone 3", "Zone 4", "The whole area", "Cancel"]
    ask_case = await _press_then_read(harness, zones, "The whole area")
    assert ask_case.text.startswith("The police case number?")
    assert labels(ask_case) == ["Comes later", "Cancel"]
    summary = await _press_then_read(harness, ask_case, "Comes later")
    assert summary.text.splitlines() == [
        "You are about to activate Beredskabsgruppe 2.",
        "Description: Fire in a container",
        "Zone: the whole area",
        "Police case no.: comes later (you will be reminded)",
        "All participants will be notified at once.",
    ]
    assert labels(summary) == ["Confirm activation", "Cancel"]
    assert await _incidents(harness) == []
    done = await _press_then_read(harness, summary, "Confirm activation")
    [incident] = await _incidents(harness)
    assert done.text.startswith(
        f"Incident {incident.id} opened: Beredskabsgruppe 2 (real incident, not a drill)."
    )
    assert "The police case number is missing" in done.text

    again = await harness.say(POLICE_USER, "/ovelse")
    assert again.text == "Which crisis group do you want to drill?"
    cancelled = await _press_then_read(harness, again, "Cancel")
    assert cancelled.text == "The activation is cancelled. Nothing was sent."
