"""`serve` freezes what it loaded once it is ready, so the collector's full passes during an
incident scan only what the incident makes (``cli.common.settle_gc``).

Left unfrozen, the web app, the providers' libraries and the plan (~200,000 objects at
5,000 people) were scanned by every full collection: 100-150 ms with every request and send
held, every 10-20 s of a fan-out. The test runs the real `serve` in a fresh interpreter,
stops it once it is ready and reads the collector's generations."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.service import service_env
from tests.postgres import free_port

pytestmark = pytest.mark.timeout(240)  # a fresh interpreter imports everything; slow under load

READY = "beredskab ready:"
PROBE = """
import gc, json, sys
sys.argv = ["beredskab", "--lang", "en", "--config", sys.argv[1], "serve"]
from beredskab.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps({
    "oldest": len(gc.get_objects(2)),
    "frozen": gc.get_freeze_count(),
    "sms_handlers": "beredskab.inbound.sms_answers" in sys.modules,
}))
"""


async def _serve_until_ready(root: Path) -> dict[str, object]:
    config = root / "config.toml"
    config.write_text('[service]\ndata_dir = "var"\n[console]\necho = false\n', encoding="utf-8")
    env = {**service_env(), "BEREDSKAB_WEB__PORT": str(free_port())}
    for name in ("TWILIO__AUTH_TOKEN", "SMTP__PASSWORD"):  # console channels: no provider
        env.pop(f"BEREDSKAB_{name}")
    process = subprocess.Popen(  # noqa: ASYNC220 (returns at once; read in a thread below)
        [sys.executable, "-c", PROBE, str(config)],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    seen: list[str] = []
    try:
        async with asyncio.timeout(120):
            while not seen or not seen[-1].startswith(READY):
                line = await asyncio.to_thread(process.stdout.readline)
                assert line, f"serve ended before it was ready: {''.join(seen)}"
                seen.append(line)
    finally:
        process.terminate()
        output, _ = await asyncio.to_thread(process.communicate, timeout=60)
    assert process.returncode == 0, "".join(seen) + output
    result: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return result


async def test_what_serve_loaded_is_frozen_once_it_is_ready(tmp_path: Path) -> None:
    heap = await _serve_until_ready(tmp_path)

    assert isinstance(heap["frozen"], int) and isinstance(heap["oldest"], int)
    # Without the freeze, 118,000 objects stayed in the oldest generation beside the 138,000
    # frozen by the CLI: every full collection scanned them.
    assert heap["oldest"] < heap["frozen"] // 20  # a full collection scans what serving made
    assert heap["sms_handlers"] is True  # the first SMS reply imports nothing
