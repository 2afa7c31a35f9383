"""People whose directory language is "en" get preparedness requests, reminders and replies
in English; everyone else keeps Danish."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

from beredskab import preparedness
from beredskab.app import App
from beredskab.models import Delivery
from beredskab.plan import load_plan
from beredskab.preparedness import requests
from notifier.types import ChannelKind
from tests.beredskab.inbound.test_sms_commands import last_reply
from tests.beredskab.inbound.test_sms_commands import sms as send_sms
from tests.beredskab.preparedness.test_preparedness import CHIEF, app, sent
from tests.conftest import TestClock

__all__ = ["app"]

ENGLISH = "kim-holm"
"""A sign-off participant, made English in the directory below."""
DANIEL = "daniel-okafor"
"""English in the example directory."""
DANISH = CHIEF


def _with_english_police(root: Path) -> Path:
    text = (files("contacts") / "examples" / "fredericia.toml").read_text(encoding="utf-8")
    text = re.sub(
        r'(id = "kim-holm"\n(?:.+\n)*?)(deputy = )', r'\1language = "en"\n\2', text, count=1
    )
    path = root / "kontakter.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _rows(rows: list[Delivery], person: str) -> dict[ChannelKind, str]:
    return {d.channel: f"{d.subject}\n{d.text}" for d in rows if d.person_id == person}


async def test_signoff_and_its_reminder_in_the_persons_language(
    app: App, clock: TestClock, tmp_path: Path
) -> None:
    app.plan = load_plan(playbooks_dir=None, directory_file=_with_english_police(tmp_path))
    english = app.plan.directory.person(ENGLISH)
    assert english is not None and english.language == "en"
    await preparedness.request_signoff(app=app)
    rows = await sent(app, requests.SIGNOFF)

    mine = _rows(rows, ENGLISH)
    assert set(mine) == {ChannelKind.SMS, ChannelKind.EMAIL}
    assert "The preparedness plan has changed" in mine[ChannelKind.SMS]
    assert "Reply YES" in mine[ChannelKind.SMS]
    assert mine[ChannelKind.EMAIL].startswith("The preparedness plan (version ")
    assert "Confirm here: https://b.example.dk/p/" in mine[ChannelKind.EMAIL]
    assert "Bekræft her" not in mine[ChannelKind.EMAIL]
    assert "Beredskabsplanen er ændret" in _rows(rows, DANISH)[ChannelKind.SMS]

    clock.advance(hours=app.settings.preparedness.verification_reminder_hours + 1)
    await preparedness.remind_unanswered(app=app)
    reminders = [d for d in await sent(app, requests.SIGNOFF) if d.id > max(r.id for r in rows)]
    assert _rows(reminders, ENGLISH)[ChannelKind.SMS].startswith("Reminder: The preparedness")
    assert _rows(reminders, DANISH)[ChannelKind.SMS].startswith("Påmindelse: Beredskabsplanen")

    assert await send_sms(app, ENGLISH, "YES") == f"yes: signoff {app.plan.version}"
    assert (await last_reply(app, ENGLISH)).startswith("Thank you, Kim Holm. Your confirmation")
    assert await send_sms(app, ENGLISH, "YES") == "yes: nothing open"
    assert await last_reply(app, ENGLISH) == "There is nothing to confirm with YES right now."


async def test_verification_request_reply_and_report_in_english(app: App) -> None:
    daniel = app.plan.directory.person(DANIEL)
    assert daniel is not None and daniel.language == "en"
    campaign, _ = await preparedness.start_verification(app=app, actor="cli")
    mine = _rows(await sent(app, requests.VERIFY), DANIEL)
    assert mine[ChannelKind.SMS] == (
        "Preparedness: are your contact details right?\n"
        "The crisis team has: phone +4520100018, email daniel-okafor@example.org, "
        "Telegram no. Correct? Reply YES. Wrong? Contact the secretariat."
    )
    assert (
        "Phone: +4520100018\nEmail: daniel-okafor@example.org\nTelegram linked: no"
        in (mine[ChannelKind.EMAIL])
    )
    danish = _rows(await sent(app, requests.VERIFY), DANISH)
    assert "Telefon: " in danish[ChannelKind.EMAIL] and "Svar JA" in danish[ChannelKind.SMS]

    assert await send_sms(app, DANIEL, "yes") == f"yes: verify {campaign.id}"
    assert await last_reply(app, DANIEL) == (
        "Thank you, Daniel Okafor. Your contact details are confirmed."
    )

    report = await preparedness.campaign_report(app=app)
    assert report.text("en").startswith(f"Contact details check no. {campaign.id} (started ")
    assert "Confirmed: Daniel Okafor." in report.text("en")
    assert "Bekræftet: Daniel Okafor." in report.text()
