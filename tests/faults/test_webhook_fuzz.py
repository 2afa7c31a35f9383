"""A webhook fuzz on SQLite and PostgreSQL: thousands of hostile requests, unsigned and
correctly signed, to every provider webhook. Not one answer is 5xx, and nothing changes but
inbox and audit rows, also after the inbox has processed every stored event.

Hostile means: over-long values, NUL, invalid UTF-8, Unicode digits, huge ids, missing and
duplicated fields, wrong content types, JSON that is not an update. Senders are never in the
directory (an unknown number changes nothing), so every accepted event is garbage too.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from twilio.request_validator import RequestValidator

from beredskab.app import App
from beredskab.delivery.outbox import Outbox
from beredskab.plan import Plan
from beredskab.settings import load_settings
from beredskab.storage import Database
from beredskab.web import create_app
from notifier.base import Channel
from notifier.channels.console import ConsoleChannel
from notifier.channels.telegram import TelegramChannel
from notifier.types import ChannelKind
from tests.faults.support_input import inbox_outcomes, row_counts
from tests.peers.telegram_api import TEST_BOT_TOKEN, FakeBotApi

REQUESTS = 5000
TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
SECRET = "s3cret-token"
BASE = "https://beredskab.example.org"
SEED = 9

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "+45\x0020100001",
    "x" * 65,
    "9" * 129,
    "S" * 300,
    "é" * 2000,
    "z" * 5000,
    "²",
    "١٢٣",
    "+4520100001²",
    str(2**31),
    str(2**63),
    str(2**64 + 7),
    "-1",
    "0",
    "1e309",
    "NaN",
    "delivery-²",
    "delivery-99999999999999999999",
    "delivery-2147483648",
    "delivery-0",
    "delivery--1",
    "<Response><Dial>+4599999999</Dial></Response>",
    "'; DROP TABLE incidents; --",
    "\u202egnp.exe",
    "🚨" * 40,
    "line\r\nInjected: header",
    "%00",
    "\\u0000",
]
UNKNOWN_SENDERS = ["+4599999999", "+4400000000", "+15005550006", "whatsapp:+4599999998"]
BODIES = ["", "hej", "OK ²", "STATUS 99999999999", "LOG \x00", "AKTIVER 9 0000", "x" * 1600]
TWILIO_PATHS = ["/webhooks/twilio/sms", "/webhooks/twilio/status", "/webhooks/twilio/voice/gather"]


def _twilio_fields(rng: random.Random, path: str) -> list[tuple[str, str]]:
    base: dict[str, str] = {
        "MessageSid": "SM" + "".join(rng.choices("0123456789abcdef", k=32)),
        "AccountSid": "AC" + "0" * 32,
        "From": rng.choice(UNKNOWN_SENDERS),
        "To": "+4570201234",
    }
    if path.endswith("/sms"):
        base["Body"] = rng.choice(BODIES)
    elif path.endswith("/status"):
        base["MessageStatus"] = rng.choice(["delivered", "failed", "sent", "read", "bogus"])
    else:
        base["CallSid"] = "CA" + "".join(rng.choices("0123456789abcdef", k=32))
        base["Digits"] = rng.choice(["1", "2", "", "²", "1" * 40])
    for key in rng.sample(sorted(base), k=rng.randint(0, 3)):
        base[key] = rng.choice(HOSTILE)
    for key in rng.sample(sorted(base), k=rng.randint(0, 1)):
        del base[key]
    if rng.random() < 0.1:
        base[rng.choice(HOSTILE[5:10]) or "k"] = rng.choice(HOSTILE)
    fields = list(base.items())
    if rng.random() < 0.15 and fields:
        key, _ = rng.choice(fields)
        fields.append((key, rng.choice(HOSTILE)))  # a duplicated key
    return fields


def _signed(path_and_query: str, fields: list[tuple[str, str]]) -> dict[str, str]:
    signature = RequestValidator(TOKEN).compute_signature(BASE + path_and_query, dict(fields))
    return {"X-Twilio-Signature": signature}


def _twilio_request(rng: random.Random) -> tuple[str, dict[str, Any], str]:
    path = rng.choice(TWILIO_PATHS)
    query = ""
    if not path.endswith("/sms") and rng.random() < 0.8:
        query = "?" + str(httpx.QueryParams({"delivery": rng.choice([*HOSTILE, "delivery-1"])}))
    fields = _twilio_fields(rng, path)
    signed = rng.random() < 0.5
    headers = _signed(path + query, fields) if signed else {}
    style = rng.random()
    if style < 0.8:
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        request: dict[str, Any] = {"content": urlencode(fields), "headers": {**headers, **form}}
    elif style < 0.88:
        request = {"json": dict(fields), "headers": headers}
    elif style < 0.94:
        raw = b"From=%ff%fe&Body=%ED%A0%80&MessageSid=SM1&MessageSid=" + b"\xff" * rng.randint(
            1, 50
        )
        request = {
            "content": raw,
            "headers": {**headers, "Content-Type": "application/x-www-form-urlencoded"},
        }
    else:
        request = {
            "files": {"Body": ("x.txt", b"\x00" * 100)},
            "data": dict(fields),
            "headers": headers,
        }
    return path + query, request, "signed" if signed else "unsigned"


def _update(rng: random.Random) -> Any:
    update_id: Any = rng.choice(
        [rng.randint(1, 2**31), 2**63, 2**64, -5, 1.5, "²", "12", True, None, [1], {"a": 1}]
    )
    message = {
        "message_id": rng.choice([1, 2**70, "x"]),
        "date": 0,
        "chat": {"id": rng.choice([5, 2**80]), "type": "private"},
        "from": {"id": rng.choice([7, -1, 2**80]), "is_bot": False, "first_name": "x"},
        "text": rng.choice(HOSTILE + BODIES),
    }
    return rng.choice(
        [
            {"update_id": update_id, "message": message},
            {"update_id": update_id},
            {"update_id": rng.randint(1, 2**40), "message": {"text": "\x00"}},
            [update_id],
            update_id,
            {"update_id": rng.randint(1, 2**40), "nested": json.loads("[" * 50 + "]" * 50)},
        ]
    )


def _telegram_request(rng: random.Random) -> tuple[str, dict[str, Any], str]:
    good = rng.random() < 0.6
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET if good else rng.choice(HOSTILE[:6])}
    style = rng.random()
    if style < 0.7:
        body = json.dumps(_update(rng)).encode()
    elif style < 0.8:
        body = b"[" * 5000  # deeper than the JSON parser recurses, within the body limit
    elif style < 0.9:
        body = b'{"update_id": NaN, "x": Infinity}' if rng.random() < 0.5 else b"\xff\xfe{"
    else:
        body = json.dumps({"update_id": 1, "text": "\ud800"}).encode()  # escaped lone surrogate
    content_type = rng.choice(
        ["application/json", "text/plain", "application/x-www-form-urlencoded"]
    )
    request = {"content": body, "headers": {**headers, "Content-Type": content_type}}
    return "/webhooks/telegram", request, "signed" if good else "unsigned"


@pytest.fixture
async def app(
    db_url: str,
    plan: Plan,
    fake_bot_api: FakeBotApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[App]:
    """The service with signed Twilio webhooks and the Telegram bot on the local Bot API
    (so stored updates are processed by the real dispatcher); built directly, since the
    example directory is refused with live providers."""
    monkeypatch.setenv("BEREDSKAB_TWILIO__AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("BEREDSKAB_TELEGRAM__WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("BEREDSKAB_TELEGRAM__BOT_TOKEN", TEST_BOT_TOKEN)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[service]\ndata_dir = "var"\npublic_base_url = "{BASE}"\n[web]\nmax_body_bytes = 65536\n',
        encoding="utf-8",
    )
    settings = load_settings(config)
    db = Database(db_url)
    await db.upgrade()
    telegram = TelegramChannel.from_token(TEST_BOT_TOKEN, api_base_url=fake_bot_api.base_url)
    console = ConsoleChannel(tmp_path / "outbox.jsonl", echo=None)
    channels: dict[ChannelKind, Channel] = {kind: console for kind in ChannelKind}
    channels[ChannelKind.TELEGRAM] = telegram
    outbox = Outbox(db=db, channels=channels, settings=settings.outbox)
    built = App(settings=settings, plan=plan, db=db, channels=channels, outbox=outbox)
    assert built.telegram_bot() is not None
    yield built
    await built.aclose()


@pytest.mark.timeout(900)
async def test_hostile_webhooks_get_no_5xx_and_change_nothing(app: App, db_url: str) -> None:
    rng = random.Random(SEED)
    before = await row_counts(app)
    statuses: Counter[tuple[str, int]] = Counter()
    server_errors: list[str] = []
    transport = httpx.ASGITransport(app=create_app(app))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        for _ in range(REQUESTS):
            make = _telegram_request if rng.random() < 0.25 else _twilio_request
            target, request, kind = make(rng)
            answer = await client.post(target, **request)
            statuses[(kind, answer.status_code)] += 1
            if answer.status_code >= 500:
                server_errors.append(f"{target} {request!r:.300} -> {answer.status_code}")
    processed = 0
    while batch := await app.inbox.process_pending():
        processed += batch
    async with app.db.transaction() as tx:
        left = await tx.inbox.pending(limit=10)
    outcomes = await inbox_outcomes(app)
    crashed = [o for o in outcomes if o.startswith("error")]
    after = await row_counts(app)
    backend = db_url.split(":")[0].split("+")[0]
    print(
        f"faults: webhook fuzz {backend}: requests={REQUESTS} 5xx={len(server_errors)} "
        f"processed={processed} crashed={len(crashed)} statuses={dict(sorted(statuses.items()))}"
    )
    print("faults: webhook fuzz outcomes:", Counter(o.split(":")[0][:40] for o in outcomes))
    assert server_errors == [], server_errors[:5]
    assert sum(n for (kind, code), n in statuses.items() if kind == "signed" and code == 200) > 100
    assert left == []
    assert crashed == [], Counter(crashed).most_common(5)
    assert after == before
