"""schemathesis (from PyPI) against ``/api/v1``, every check, on SQLite and PostgreSQL: the
OpenAPI document states every status the API answers and the API never answers 5xx.

The service runs under uvicorn on 127.0.0.1 in the test's event loop; schemathesis runs as
its own CLI process (``st run``) against the served OpenAPI document, authenticated with an
API token of the chief (who may do everything), with one open incident so generated ids
meet real rows. Bounded by examples per operation so a run takes a few minutes at most.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from pathlib import Path

import httpx
import pytest

from beredskab.plan import Plan
from tests.beredskab.helpers import CHIEF
from tests.beredskab.web.api_support import service, token_for
from tests.conftest import TestClock
from tests.faults.support_input import served

MAX_EXAMPLES = int(os.environ.get("BEREDSKAB_SCHEMATHESIS_EXAMPLES", "40"))
SEED = 20261201


def _st() -> str:
    found = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    assert found, "schemathesis is not installed (pip install -e '.[test]')"
    return found


@pytest.mark.timeout(600)
async def test_schemathesis_finds_nothing(
    db_url: str, clock: TestClock, plan: Plan, tmp_path: Path
) -> None:
    async with service(db_url, clock, plan, tmp_path) as app, served(app) as base:
        headers = await token_for(app, CHIEF, name="schemathesis")
        async with httpx.AsyncClient(base_url=base) as http:
            opened = await http.post(
                "/api/v1/incidents", json={"playbook": "gruppe-1"}, headers=headers
            )
            assert opened.status_code == 201, opened.text
        report = tmp_path / "schemathesis.json"
        process = await asyncio.create_subprocess_exec(
            _st(),
            "run",
            f"{base}/api/v1/openapi.json",
            "--checks=all",
            f"--header=Authorization: {headers['Authorization']}",
            f"--max-examples={MAX_EXAMPLES}",
            f"--seed={SEED}",
            "--workers=1",
            "--request-timeout=60",
            "--no-shrink",
            "--report=json",
            f"--report-json-path={report}",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, "NO_COLOR": "1"},
            cwd=tmp_path,
        )
        output, _ = await process.communicate()
    text = output.decode(errors="replace")
    assert report.exists(), text[-6000:]
    summary = json.loads(report.read_text(encoding="utf-8"))
    cases = summary["test_cases"]
    backend = db_url.split(":")[0].split("+")[0]
    print(text[-3000:])
    print(
        f"faults: schemathesis {backend}: operations={summary['operations']['tested']} "
        f"cases={cases['generated']} failures={cases['unique_failures']} "
        f"errors={len(summary['errors'])} time={summary['running_time']:.0f}s"
    )
    assert process.returncode == 0, text[-6000:]
    assert summary["failures"] == [] and summary["errors"] == []
    assert cases["generated"] >= 500
