"""aiogram (~130 MB, seconds of imports) is loaded only when Telegram is configured, and then
only for the bot's dispatcher: the Telegram channel's sends do not need it.

Each case runs in a fresh interpreter, since this test process has long imported aiogram.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SERVE = textwrap.dedent(
    """
    import asyncio, json, sys
    from pathlib import Path

    from beredskab.app import App
    from beredskab.settings import load_settings

    async def main(config: str) -> None:
        app = App.build(load_settings(Path(config)))
        stop = asyncio.Event()
        serving = asyncio.create_task(app.serve(stop))
        async with asyncio.timeout(60):
            while (status := app.board.get("outbox")) is None or status.state != "ok":
                await asyncio.sleep(0.05)
        served = "aiogram" in sys.modules
        stop.set()
        await serving
        await app.aclose()
        print(json.dumps({"serving": served}))

    asyncio.run(main(sys.argv[1]))
    """
)

CHANNELS = textwrap.dedent(
    """
    import asyncio, json, sys
    from pathlib import Path

    import beredskab.app, beredskab.cli, beredskab.web.server
    from beredskab.runtime.channels import build_channels
    from beredskab.settings import load_settings
    from notifier.types import ChannelKind

    async def main(config: str) -> None:
        channels = build_channels(load_settings(Path(config)))
        seen = {"built": "aiogram" in sys.modules}
        telegram = channels[ChannelKind.TELEGRAM]
        if telegram.name == "telegram":
            telegram.bot  # what the dispatcher asks for
            seen["bot"] = "aiogram" in sys.modules
        for channel in {id(c): c for c in channels.values()}.values():
            await channel.aclose()
        print(json.dumps(seen))

    asyncio.run(main(sys.argv[1]))
    """
)

PROVIDERS = """
[twilio]
account_sid = "AC5ef872f6da5a21de157d80997a64bd33"
auth_token = "secret"
from_number = "+4570201234"
[smtp]
host = "127.0.0.1"
from_address = "beredskab@example.org"
"""
TELEGRAM = '[telegram]\nbot_token = "424242:AAF-test"\n'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _config(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[service]\ndata_dir = "{tmp_path / "var"}"\n'
        f'[web]\nhost = "127.0.0.1"\nport = {_free_port()}\n{extra}',
        encoding="utf-8",
    )
    return path


def _run(script: str, config: Path) -> dict[str, bool]:
    done = subprocess.run(
        [sys.executable, "-c", script, str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, bool] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_serve_without_telegram_never_imports_aiogram(tmp_path: Path) -> None:
    assert _run(SERVE, _config(tmp_path, "")) == {"serving": False}


def test_live_channels_without_telegram_do_not_import_aiogram(tmp_path: Path) -> None:
    assert _run(CHANNELS, _config(tmp_path, PROVIDERS)) == {"built": False}


def test_the_telegram_channel_imports_aiogram_only_for_the_bot(tmp_path: Path) -> None:
    assert _run(CHANNELS, _config(tmp_path, PROVIDERS + TELEGRAM)) == {
        "built": False,
        "bot": True,
    }
