"""A resident message through the real Twilio peer (Prism): residents subscribe by SMS in
Danish, Arabic and Somali, the chief's message reaches zone 2's subscribers in their language
(Arabic as UCS-2, Somali and Danish as GSM-7), each with how to stop; a STOP that arrives while
the send is going out stops the rest for that number, whether its SMS was already queued or
still waiting in the fan-out (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import ClassVar

import pytest

from beredskab import communications
from beredskab.app import App
from beredskab.communications import resident_send
from beredskab.delivery import after_close
from beredskab.delivery.outbox import Outbox
from beredskab.inbound.inbox import HANDLERS
from beredskab.incident import activation, fanout
from beredskab.plan import Plan
from beredskab.residents import consent, subscriptions
from beredskab.settings import ConsoleSettings, OutboxSettings, ServiceSettings, Settings
from beredskab.storage import Database
from notifier.base import Channel
from notifier.channels.console import ConsoleChannel
from notifier.channels.sms import TwilioConfig, TwilioSmsChannel
from notifier.types import ChannelKind, DeliveryStatus, Message, Receipt, Recipient
from playbooks.gsm import non_gsm
from tests.beredskab.helpers import CHIEF, STAFF, deliveries, log_texts
from tests.conftest import TestClock
from tests.peers.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    PrismHttpClient,
    PrismServer,
    form,
)

TWILIO = TwilioConfig(
    account_sid=ACCOUNT_SID,
    auth_token=AUTH_TOKEN,
    from_number=FROM_NUMBER,
    status_callback_base="http://127.0.0.1:8080",
    timeout=30.0,
)
DANISH, ARABIC, SOMALI, ZONE_3 = "+4520998001", "+4520998002", "+4520998003", "+4520998004"


class Gate:
    """The SMS channel with a hook run inside the first provider request (a STOP arriving
    while the send is going out)."""

    name: ClassVar[str] = "gate"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset({ChannelKind.SMS})

    def __init__(self, inner: TwilioSmsChannel) -> None:
        self.inner = inner
        self.during_first: Callable[[], Awaitable[None]] | None = None

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        """Run the hook once, then hand the message to Twilio."""
        hook, self.during_first = self.during_first, None
        if hook is not None:
            await hook()
        return await self.inner.send(recipient, message)

    async def aclose(self) -> None:
        """Close the Twilio client."""
        await self.inner.aclose()


@pytest.fixture
async def service(
    db_url: str, clock: TestClock, plan: Plan, tmp_path: Path, prism: PrismServer
) -> AsyncIterator[tuple[App, PrismHttpClient, Gate]]:
    """The service with SMS through Twilio to Prism, one SMS in flight at a time (the rest
    on the console channel)."""
    settings = Settings(
        service=ServiceSettings(data_dir=tmp_path),
        console=ConsoleSettings(outbox_file=tmp_path / "outbox.jsonl", echo=False),
        outbox=OutboxSettings(max_in_flight=1),
    )
    db = Database(db_url, clock=clock)
    await db.upgrade()
    console = ConsoleChannel(settings.outbox_file, echo=None)
    http = PrismHttpClient(prism.base_url)
    gate = Gate(TwilioSmsChannel(TWILIO, http_client=http))
    channels: dict[ChannelKind, Channel] = {kind: console for kind in ChannelKind}
    channels[ChannelKind.SMS] = gate
    outbox = Outbox(db=db, channels=channels, settings=settings.outbox)
    app = App(settings=settings, plan=plan, db=db, channels=channels, outbox=outbox)
    yield app, http, gate
    await app.aclose()


_sids = iter(range(10**6))


async def _text(app: App, phone: str, body: str) -> str:
    """An SMS from ``phone`` as Twilio's webhook delivers it; the inbox's outcome."""
    payload = {"MessageSid": f"SM{next(_sids):032d}", "From": phone, "Body": body}
    return await HANDLERS["twilio-sms"](app, payload)


def _bodies(http: PrismHttpClient, since: int = 0) -> dict[str, list[str]]:
    """The SMS bodies Prism got, per number."""
    found: dict[str, list[str]] = {}
    for request in http.sent[since:]:
        if request.method == "POST":
            data = form(request)
            found.setdefault(str(data.get("To", "")), []).append(str(data.get("Body", "")))
    return found


async def _open(app: App, zone: int = 2) -> int:
    """The chief opens an incident in ``zone``; its alerts go out first."""
    incident = await activation.activate(
        db=app.db, plan=app.plan, playbook="1", actor_id=CHIEF, channel="cli", zone=zone
    )
    await app.outbox.drain()
    return incident.incident.id


async def _resident_message(app: App, nr: int) -> int:
    """Staff draft a resident message, the chief approves it, staff send it; its id."""
    item = await communications.draft(
        db=app.db,
        plan=app.plan,
        incident_id=nr,
        actor_id=STAFF,
        channel="web",
        audience="residents",
    )
    await communications.approve(
        db=app.db,
        plan=app.plan,
        incident_id=nr,
        communication_id=item.id,
        actor_id=CHIEF,
        channel="web",
    )
    await communications.send(
        db=app.db,
        plan=app.plan,
        incident_id=nr,
        communication_id=item.id,
        actor_id=STAFF,
        channel="web",
    )
    return item.id


async def test_zone_2_gets_it_in_danish_arabic_and_somali(
    service: tuple[App, PrismHttpClient, Gate],
) -> None:
    app, http, _ = service
    for phone, body in (
        (DANISH, "TILMELD 2"),
        (ARABIC, "tilmeld 2 ar"),
        (SOMALI, "SUBSCRIBE 2 so"),
        (ZONE_3, "TILMELD 3"),
    ):
        assert (await _text(app, phone, body)).startswith("resident: subscribed")
    nr = await _open(app)
    before = len(http.sent)
    item = await _resident_message(app, nr)
    await app.outbox.drain()
    got = _bodies(http, before)
    assert set(got) == {DANISH, ARABIC, SOMALI}  # zone 3 gets nothing
    assert all(len(bodies) == 1 for bodies in got.values())
    danish, arabic, somali = got[DANISH][0], got[ARABIC][0], got[SOMALI][0]
    assert danish.endswith(consent.stop_hint("da")) and not non_gsm(danish)
    assert arabic.startswith("أعزاءنا السكان") and arabic.endswith(consent.stop_hint("ar"))
    assert non_gsm(arabic)  # UCS-2
    assert somali.startswith("Dadka deegaanka ee sharafta leh") and not non_gsm(somali)
    assert somali.endswith(consent.stop_hint("so"))
    rows = [d for d in await deliveries(app.db, nr) if d.notification.startswith(f"{nr}:c{item}:")]
    assert {d.status for d in rows} == {DeliveryStatus.SENT} and len(rows) == 3
    log = "\n".join(await log_texts(app.db, nr))
    assert "3 tilmeldte beboere i zone 2" in log and DANISH not in log


async def test_a_stop_during_the_send_stops_the_rest_for_that_number(
    service: tuple[App, PrismHttpClient, Gate],
) -> None:
    """60 subscribers: 25 queued by the send, 35 by the fan-out. One resident among the
    first 25 and one among the rest answer STOP while the first SMS is with Twilio."""
    app, http, gate = service
    numbers = [f"+45209970{i:02d}" for i in range(60)]
    async with app.db.transaction() as tx:
        for i, phone in enumerate(numbers):
            language = ("da", "ar", "so")[i % 3]
            await subscriptions.subscribe(
                tx, phone=phone, zone=2, language=language, channel=subscriptions.SMS
            )
    queued_stopper, later_stopper = numbers[5], numbers[40]

    async def stop_both() -> None:
        for phone in (queued_stopper, later_stopper):
            assert await _text(app, phone, "STOP") == "resident: stopped"

    nr = await _open(app)
    before = len(http.sent)
    gate.during_first = stop_both
    item = await _resident_message(app, nr)
    async with app.db.read() as tx:
        [running] = await tx.fanouts.for_incident(nr)
    assert (running.kind, running.done, running.total) == (resident_send.KIND, 25, 60)
    await app.outbox.drain()  # the first 25; the STOPs arrive during the first request
    assert gate.during_first is None
    await fanout.continue_due(app.db, app.plan, kinds=app.fanouts.kinds)  # as serve's runner
    await app.outbox.drain()
    got = _bodies(http, before)
    assert got[queued_stopper] == [consent.sms("stopped", "so")]  # only the answer to STOP
    assert got[later_stopper] == [consent.sms("stopped", "ar")]
    others = [p for p in numbers if p not in (queued_stopper, later_stopper)]
    assert all(len(got.get(p, [])) == 1 for p in others)
    assert all(got[p][0].endswith("STOP.") or got[p][0].endswith("STOP") for p in others)
    rows = [d for d in await deliveries(app.db, nr) if d.notification.startswith(f"{nr}:c{item}:")]
    by_address = {d.address: d for d in rows}
    stopped = by_address[queued_stopper]  # queued before the STOP: expired by the last check
    assert (stopped.status, stopped.error) == (DeliveryStatus.EXPIRED, after_close.UNSUBSCRIBED)
    assert later_stopper not in by_address  # the fan-out's chunk left it out
    assert len(rows) == 59
    assert sum(d.status is DeliveryStatus.SENT for d in rows) == 58
    log = "\n".join(await log_texts(app.db, nr))
    assert "1 besked til beboere ikke sendt, fordi de har afmeldt sig (STOP)" in log
    assert "lagt i kø til 59 tilmeldte beboere" in log  # 25 by the send, 34 by the fan-out
    assert queued_stopper not in log and later_stopper not in log
