"""Body limits hold for chunked bodies: a 50 MB chunked POST without authentication gets 413
as soon as it passes ``[web] max_body_bytes``, and the server's memory does not grow with it.

The service runs in its own process (``tests.faults.support_input``) so its memory can be
read from /proc; the client streams the body chunk by chunk over a raw socket and stops
when the answer arrives or the server closes the connection.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest

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


async def _chunked_post(port: int, path: str) -> tuple[bytes, int]:
    """Stream a chunked body of up to BODY_BYTES; the response head and the bytes sent."""
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
    head = await asyncio.wait_for(answer, timeout=60)
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
        before = _memory_kib(server.pid)
        heads = []
        total_sent = 0
        for _ in range(3):
            head, sent = await _chunked_post(port, "/webhooks/twilio/sms")
            heads.append(head.split(b"\r\n", 1)[0])
            total_sent += sent
        after = _memory_kib(server.pid)
    finally:
        server.terminate()
        await server.wait()
    growth = (after["VmHWM"] - before["VmHWM"]) / 1024
    print(
        f"faults: chunked body limit: 3 POSTs of up to {BODY_BYTES // 2**20} MB, "
        f"sent={total_sent / 2**20:.1f} MB, answers={heads}, "
        f"rss {before['VmRSS'] / 1024:.0f}->{after['VmRSS'] / 1024:.0f} MB, "
        f"peak growth={growth:.1f} MB"
    )
    assert all(h.startswith(b"HTTP/1.1 413") for h in heads), heads
    assert growth < 16, f"the server's peak memory grew by {growth:.1f} MB"
