"""The benchmark's stand-ins really enforce the providers' limits: 429 (SMTP 421/451) above."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator
from email.message import EmailMessage

import aiohttp
import aiosmtplib
import pytest
import pytest_asyncio
from aiohttp import web

from benchmarks.limits import KeyedWindows, SlidingWindow, retry_after_seconds
from benchmarks.standins import Limits, StandIns
from tests.peers.smtp import PASSWORD, USERNAME
from tests.peers.twilio import ACCOUNT_SID, SERVICE_SID

LIMITS = Limits(
    latency=0.0,
    twilio_service_rate=3,
    twilio_number_rate=1,
    telegram_rate=4,
    telegram_chat_rate=1,
    smtp_connections=2,
    smtp_rate=1,
    slack=0.0,
)
MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


@pytest.mark.parametrize(
    ("rate", "times", "accepted"),
    [
        (3, [0.0, 0.1, 0.2, 0.3], [True, True, True, False]),
        (3, [0.0, 0.1, 0.2, 1.0], [True, True, True, True]),
        (1, [0.0, 0.5, 1.0], [True, False, True]),
        (0.5, [0.0, 1.0, 2.0], [True, False, True]),
    ],
)
def test_sliding_window_admits_at_most_the_rate_in_any_window(
    rate: float, times: list[float], accepted: list[bool]
) -> None:
    window = SlidingWindow(rate, slack=0.0)
    assert [window.admit(t) == 0 for t in times] == accepted


def test_a_refusal_says_how_long_to_wait_and_per_key_windows_are_apart() -> None:
    window = SlidingWindow(1, slack=0.0)
    assert window.admit(10.0) == 0
    assert window.admit(10.25) == pytest.approx(0.75)
    assert retry_after_seconds(0.75) == 1
    keyed = KeyedWindows(1, slack=0.0)
    assert keyed.admit("a", 0.0) == 0 and keyed.admit("b", 0.0) == 0
    assert keyed.admit("a", 0.5) > 0


@pytest_asyncio.fixture
async def prism_stand_in() -> AsyncIterator[str]:
    """What Prism answers to a message create: 201 with a body (Prism itself is slow to start)."""

    async def created(request: web.Request) -> web.Response:
        return web.json_response({"sid": "SM" + "0" * 32, "status": "queued"}, status=201)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", created)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture
async def stand_ins(prism_stand_in: str) -> AsyncIterator[StandIns]:
    running = StandIns(prism_stand_in, LIMITS)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def test_twilio_answers_429_above_the_messaging_service_and_long_code_rates(
    stand_ins: StandIns,
) -> None:
    url = stand_ins.twilio.base_url + MESSAGES
    async with aiohttp.ClientSession() as http:
        statuses = []
        for _ in range(4):
            form = {"MessagingServiceSid": SERVICE_SID, "To": "+4520300001", "Body": "x"}
            async with http.post(url, data=form) as response:
                statuses.append(response.status)
                body = await response.json()
        assert statuses == [201, 201, 201, 429]
        assert body["code"] == 20429
        numbers = []
        for _ in range(2):
            form = {"From": "+4570201234", "To": "+4520300001", "Body": "x"}
            async with http.post(url, data=form) as response:
                numbers.append(response.status)
        assert numbers == [201, 429]
    stats = stand_ins.stats()
    assert (stats["sms"], stats["sms_refused"], stats["refused"]) == (4, 2, 2)
    assert stats["first_channel"] == "sms"


async def test_telegram_answers_429_with_retry_after_above_30_per_second_and_1_per_chat(
    stand_ins: StandIns,
) -> None:
    api = stand_ins.telegram
    url = f"{api.base_url}/bot{api.token}/sendMessage"
    async with aiohttp.ClientSession() as http:

        async def send(chat: int) -> tuple[int, dict[str, object]]:
            async with http.post(url, json={"chat_id": chat, "text": "Alarm"}) as response:
                return response.status, await response.json()

        assert (await send(1))[0] == 200
        status, body = await send(1)  # the same chat within a second
        assert status == 429
        assert body["parameters"] == {"retry_after": 1}
        assert [(await send(chat))[0] for chat in (2, 3, 4, 5)] == [200, 200, 200, 429]
    stats = stand_ins.stats()
    assert (stats["telegram"], stats["telegram_refused_chat"], stats["telegram_refused"]) == (
        4,
        1,
        1,
    )


async def _banner(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    banner = await reader.readline()
    writer.close()
    return banner


async def test_smtp_refuses_connections_beyond_the_limit_with_421_and_mail_beyond_the_rate(
    stand_ins: StandIns,
) -> None:
    smtp = stand_ins.smtp
    held = [await asyncio.open_connection("127.0.0.1", smtp.port) for _ in range(2)]
    for reader, _ in held:
        assert (await reader.readline()).startswith(b"220 ")
    assert (await _banner(smtp.port)).startswith(b"421 ")
    for _, writer in held:
        writer.close()
        await writer.wait_closed()
    for _ in range(100):  # the server notices the closed connections
        if smtp.open == 0:
            break
        await asyncio.sleep(0.02)
    client = aiosmtplib.SMTP(
        hostname="127.0.0.1", port=smtp.port, tls_context=smtp.client_context()
    )
    await client.connect()
    await client.login(USERNAME, PASSWORD)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "b@example.org", "p@example.org", "x"
    message.set_content("Bekræft her: http://127.0.0.1:8080/a/abc.def\n")
    await client.send_message(message)
    with pytest.raises(aiosmtplib.SMTPDataError) as refused:
        await client.send_message(message)
    assert refused.value.code == 451
    await client.quit()
    stats = stand_ins.stats()
    assert (stats["email"], stats["email_refused_connections"], stats["email_refused_rate"]) == (
        1,
        1,
        1,
    )
    assert smtp.links.links == {"p@example.org": ["http://127.0.0.1:8080/a/abc.def"]}


def test_out_of_order_events_count_in_every_window_they_share() -> None:
    """Two requests judged the other way round from how they arrived still fill one window."""
    window = SlidingWindow(3, slack=0.0)
    assert [window.admit(t) == 0 for t in (0.5, 0.0, 0.9)] == [True, True, True]
    assert window.admit(0.2) > 0  # 0.0, 0.2, 0.5, 0.9: four within one second
    assert window.span(0.2) == pytest.approx(0.9)
    assert window.admit(1.2) == 0  # 0.5, 0.9, 1.2


async def test_a_send_counts_when_it_arrived_not_when_its_handler_ran(
    stand_ins: StandIns,
) -> None:
    """The stand-ins' loop is busy (blocked here) while a send arrives: the send is stamped
    with the kernel's arrival time, before the loop could run its handler."""
    api = stand_ins.telegram
    port = int(api.base_url.rsplit(":", 1)[1])
    body = json.dumps({"chat_id": 7, "text": "Alarm"}).encode()
    request = (
        f"POST /bot{api.token}/sendMessage HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + body
    written = threading.Event()
    answer: list[bytes] = []

    def post() -> None:
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(request)
            written.set()
            answer.append(sock.recv(65536))

    client = threading.Thread(target=post)
    client.start()
    written.wait(30)  # blocks the event loop: the request waits in the kernel meanwhile
    unblocked = time.monotonic()
    await asyncio.to_thread(client.join, 30)
    assert answer and answer[0].startswith(b"HTTP/1.1 200")
    stats = stand_ins.stats()
    assert stats["first"] < unblocked  # its arrival, not its handler's time
    assert stats["handler_lag_ms"]["max"] > 0


async def test_the_control_api_tells_the_first_request_of_each_channel_apart(
    stand_ins: StandIns,
) -> None:
    """G1's "first SMS" is the first SMS, not the first request of a faster channel."""
    api = stand_ins.telegram
    async with aiohttp.ClientSession() as http:
        wait_sms = asyncio.create_task(
            http.get(f"{stand_ins.control_url}/wait-first?channel=sms&timeout=60")
        )
        telegram = f"{api.base_url}/bot{api.token}/sendMessage"
        async with http.post(telegram, json={"chat_id": 1, "text": "Alarm"}) as response:
            assert response.status == 200
        after_telegram = time.monotonic()
        form = {"MessagingServiceSid": SERVICE_SID, "To": "+4520300001", "Body": "x"}
        for _ in range(2):
            async with http.post(stand_ins.twilio.base_url + MESSAGES, data=form) as response:
                assert response.status == 201
        async with await wait_sms as response:
            first = await response.json()
    assert first["channel"] == "telegram"
    assert first["first"] < after_telegram < first["channel_first"]
    assert stand_ins.stamp.firsts["sms"] == first["channel_first"]  # the first of the two SMS
