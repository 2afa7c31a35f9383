"""Machinery for the inbound and two-instance fault tests: `beredskab serve` processes whose
output goes to a file (a pipe nobody reads fills up during a long outage and blocks the
service), and signed inbound SMS."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from twilio.request_validator import RequestValidator

from tests.e2e.service import service_port, wait_for
from tests.peers.twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from tests.processes import track

Health = dict[str, Any]


@dataclass
class Serve:
    """A running `beredskab serve`; its output goes to ``log``."""

    root: Path
    config: Path
    env: dict[str, str]
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """Everything it printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.process.poll() is None

    async def health(self, client: httpx.AsyncClient) -> tuple[int, Health]:
        """(/healthz status, body); (0, {}) if it does not answer."""
        try:
            response = await client.get(f"{self.base_url}/healthz", timeout=10)
        except httpx.TransportError:
            return 0, {}
        return response.status_code, response.json()

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """A CLI command against the same config."""
        done = subprocess.run(
            [sys.executable, "-m", "beredskab", "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.root,
            input=stdin,
            timeout=60,
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    async def kill(self) -> None:
        """SIGKILL: nothing runs on the way out."""
        self.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(self.process.wait, 30)

    async def stop(self) -> int:
        """SIGTERM; returns the exit code (killed after 30 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                await asyncio.to_thread(self.process.wait, 30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                await asyncio.to_thread(self.process.wait, 30)
        return int(self.process.returncode)


def launch(root: Path, config: Path, env: dict[str, str], *, name: str = "serve") -> Serve:
    """Start `beredskab serve` (not waiting for it)."""
    log = root / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "beredskab", "--config", str(config), "serve"],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Serve(root, config, env, f"http://127.0.0.1:{service_port(config)}", track(process), log)


async def start_serve(
    root: Path,
    config: Path,
    env: dict[str, str],
    *,
    ready: Callable[[Health], bool] = lambda h: True,
    name: str = "serve",
) -> Serve:
    """Start `beredskab serve` and wait until /healthz is 200 and ``ready`` holds."""
    serve = launch(root, config, env, name=name)
    async with httpx.AsyncClient() as client:

        async def healthy() -> bool:
            assert serve.alive(), serve.output()
            status, health = await serve.health(client)
            return status == 200 and ready(health)

        try:
            await wait_for(healthy, within=60.0)
        except AssertionError:
            if serve.alive():
                serve.process.kill()
            await asyncio.to_thread(serve.process.wait)  # reap it
            raise
    return serve


async def post_sms(
    client: httpx.AsyncClient, base_url: str, sender: str, body: str, sid: str
) -> int:
    """An inbound SMS as Twilio posts it (signed with the auth token); the status code."""
    params = {"MessageSid": sid, "From": sender, "To": FROM_NUMBER, "Body": body}
    params["AccountSid"] = ACCOUNT_SID
    url = f"{base_url}/webhooks/twilio/sms"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    response = await client.post(
        url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30
    )
    return response.status_code
