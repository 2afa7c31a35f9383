"""`serve` freezes what it loaded once it is ready, so the collector's full passes during an
incident scan only what the incident makes (``cli.common.settle_gc``).

Left unfrozen, the web app, the providers' libraries and the plan (~200,000 objects at
5,000 people) were scanned by every full collection: 100-150 ms with every request and send
held, every 10-20 s of a fan-out. The test runs the real `serve` in a fresh interpreter,
stops it once it is ready and reads the collector's generations."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.e2e.service import service_env, until_ready
from tests.postgres import free_port

pytestmark = pytest.mark.timeout(240)  # a fresh interpreter imports everything; slow under load

PROBE = """
import gc, json, pkgutil, sys
sys.argv = ["beredskab", "--lang", "en", "--config", sys.argv[1], "serve"]
from beredskab.cli import main, service
ready = {}
settle = service.settle_gc
def settle_gc():  # what was done for the first activation and reply once serve was ready
    from beredskab import models
    from beredskab.incident import asking
    from beredskab.storage import repositories
    ready["unbuilt"] = [m.__name__ for m in models._Model.__subclasses__()
                        if not m.__pydantic_complete__]
    ready["unimported"] = [m.name for m in pkgutil.iter_modules(repositories.__path__)
                           if f"beredskab.storage.repositories.{m.name}" not in sys.modules]
    ready["ranked"] = sorted(len(rankings) for rankings in asking._ORDERS.values())
    settle()
service.settle_gc = settle_gc
try:
    main()
except SystemExit:
    pass
print(json.dumps({
    "oldest": len(gc.get_objects(2)),
    "frozen": gc.get_freeze_count(),
    "sms_handlers": "beredskab.inbound.sms_answers" in sys.modules,
    **ready,
}))
"""


async def _serve_until_ready(root: Path) -> dict[str, object]:
    config = root / "config.toml"
    config.write_text('[service]\ndata_dir = "var"\n[console]\necho = false\n', encoding="utf-8")
    env = {**service_env(), "BEREDSKAB_WEB__PORT": str(free_port())}
    for name in ("TWILIO__AUTH_TOKEN", "SMTP__PASSWORD"):  # console channels: no provider
        env.pop(f"BEREDSKAB_{name}")
    _, output = await until_ready([sys.executable, "-c", PROBE, str(config)], root, env)
    result: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return result


async def test_what_serve_loaded_is_frozen_once_it_is_ready(tmp_path: Path) -> None:
    heap = await _serve_until_ready(tmp_path)

    assert isinstance(heap["frozen"], int) and isinstance(heap["oldest"], int)
    # Without the freeze, 118,000 objects stayed in the oldest generation beside the 138,000
    # frozen by the CLI: every full collection scanned them.
    assert heap["oldest"] < heap["frozen"] // 20  # a full collection scans what serving made
    assert heap["sms_handlers"] is True  # the first SMS reply imports nothing


async def test_serve_does_what_the_first_activation_would_do_on_first_use(
    tmp_path: Path,
) -> None:
    """Once ready, `serve` has built the models' validators, imported every repository and
    ranked each playbook's asking order (``App.warm_up``): at 5,000 people the first
    activation after a start paid about 20 ms for these, on top of the others' 15-20 ms."""
    ready = await _serve_until_ready(tmp_path)

    assert ready["unbuilt"] == []
    assert ready["unimported"] == []
    assert ready["ranked"] == [2]  # the bundled plan's two playbooks, one directory
