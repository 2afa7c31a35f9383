"""The SMTP and Telegram test peers in their own process, with provider latency.

Run by ``benchmarks/fanout.py``: prints one JSON line with the addresses, then serves until
its standard input closes, and finally prints how many messages each peer received.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path

from tests.peers.smtp import SmtpPeer
from tests.peers.telegram_api import FakeBotApi


async def main(latency: float) -> None:
    smtp = SmtpPeer()
    smtp.handler.latency = latency
    telegram = FakeBotApi()
    telegram.latency = latency
    await smtp.start()
    await telegram.start()
    await smtp.probe()
    await telegram.probe()
    ca = smtp.write_ca(Path(tempfile.mkdtemp(prefix="bench-ca-")))
    print(
        json.dumps(
            {
                "smtp_port": smtp.port,
                "ca_file": str(ca),
                "telegram_url": telegram.base_url,
                "telegram_token": telegram.token,
            }
        ),
        flush=True,
    )
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes our stdin
    print(json.dumps({"emails": len(smtp.handler.received), "telegrams": len(telegram.sent)}))
    await telegram.stop()
    await smtp.stop()


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 0.1))
