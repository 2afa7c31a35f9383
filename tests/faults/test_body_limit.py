"""Body limits hold for chunked bodies: a 50 MB chunked POST without authentication gets 413
as soon as it passes ``[web] max_body_bytes``, and the server's memory does not grow with it.

In-process, the middleware is fed a chunked body and must stop reading right after the
limit and answer 413 without calling the app. Against a real server, the service runs in its
own process (``tests.faults.support_input``) so its memory can be read from /proc; the client
streams the body chunk by chunk over a raw socket and stops when the answer arrives or the
server closes the connection. (A server that stops reading and closes may reset the
connection before the client reads the 413, as any server without a lingering close does;
either way it has stopped reading long before 50 MB.)
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest
from starlette.types import Message

from beredskab.web.limits import BodyLimit

BODY_BYTES = 50 * 1024 * 1024
CHUNK = 64 * 1024
LIMIT = 65536


def _memory_kib(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


async def test_the_limit_stops_reading_a_chunked_body_and_answers_413() -> None:
    read = 0
    sent: list[Message] = []
    called = False

    async def receive() -> Message:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": b"a" * CHUNK, "more_body": read < 800}

    async def send(message: Message) -> None:
        sent.append(message)

    async def app(scope: object, receive: object, send: object) -> None:
        nonlocal called
        called = True

    scope = {"type": "http", "method": "POST", "path": "/", "headers": []}
    await BodyLimit(app, max_bytes=LIMIT)(scope, receive, send)
    assert not called
    assert read == LIMIT // CHUNK + 1  # one chunk past the limit, not 800 (50 MB)
    assert sent[0]["status"] == 413 and b"too large" in sent[1]["body"]


async def _warm_up(port: int) -> None:
    """One small chunked POST under the limit, answered in full."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /webhooks/twilio/sms HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\n"
        b"5\r\nBody=\r\n0\r\n\r\n"
    )
    await writer.drain()
    assert (await reader.read()).startswith(b"HTTP/1.1 403")
    writer.close()


async def _chunked_post(port: int, path: str) -> tuple[bytes, int]:
    """Stream a chunked body of up to BODY_BYTES; the response head (or ``b"reset"``) and
    the bytes sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n\r\n".encode()
    )
    answer = asyncio.create_task(reader.read(4096))
    sent = 0
    chunk = f"{CHUNK:x}\r\n".encode() + b"a" * CHUNK + b"\r\n"
    try:
        while sent < BODY_BYTES and not answer.done():
            writer.write(chunk)
            await writer.drain()
            sent += CHUNK
        if not answer.done():
            writer.write(b"0\r\n\r\n")
            await writer.drain()
    except ConnectionError:
        pass  # the server answered and closed: what we hoped
    try:
        head = await asyncio.wait_for(answer, timeout=60)
    except ConnectionResetError:
        head = b"reset"
    writer.close()
    return head, sent


@pytest.mark.timeout(180)
async def test_chunked_body_past_the_limit_is_413_with_bounded_memory(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[service]\ndata_dir = "var"\n[web]\nmax_body_bytes = {LIMIT}\n', encoding="utf-8"
    )
    port_file = tmp_path / "port"
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.faults.support_input", str(config), str(port_file)
    )
    try:
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text(encoding="utf-8"):
            assert server.returncode is None and time.monotonic() < deadline, "no server"
            await asyncio.sleep(0.1)
        port = int(port_file.read_text(encoding="utf-8"))
        await _warm_up(port)  # the first request's imports and caches are not the body's
        before = _memory_kib(server.pid)
        heads = []
        sent_each = []
        for _ in range(3):
            head, sent = await _chunked_post(port, "/webhooks/twilio/sms")
            heads.append(head.split(b"\r\n", 1)[0])
            sent_each.append(sent)
        after = _memory_kib(server.pid)
    finally:
        server.terminate()
        await server.wait()
    growth = (after["VmHWM"] - before["VmHWM"]) / 1024
    print(
        f"faults: chunked body limit: 3 POSTs of up to {BODY_BYTES // 2**20} MB, "
        f"sent={[round(n / 2**20, 1) for n in sent_each]} MB, answers={heads}, "
        f"rss {before['VmRSS'] / 1024:.0f}->{after['VmRSS'] / 1024:.0f} MB, "
        f"peak growth={growth:.1f} MB"
    )
    assert all(h.startswith(b"HTTP/1.1 413") or h == b"reset" for h in heads), heads
    assert all(sent < BODY_BYTES for sent in sent_each), "the server read the whole body"
    assert growth < 16, f"the server's peak memory grew by {growth:.1f} MB"
