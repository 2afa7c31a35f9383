"""Link keys that outlive the process, against a real `beredskab serve` and the SMTP peer.

No ``link_secret`` is configured: the key is generated once under the data folder. A link sent
by a CLI command confirms in `serve`; a link `serve` sent confirms after `serve` restarts; after
`beredskab keys rotate link` an old link still confirms, and after an emergency rotation
(`--retire-now`) an old link is refused with its own page.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from beredskab.web.ack import CONFIRM, DECLINE
from tests.e2e.service import (
    Service,
    components_ok,
    directory,
    service_env,
    start_service,
    wait_for,
)
from tests.peers.smtp import USERNAME, SmtpPeer
from tests.postgres import free_port

POLICE = "kim-holm"
PERSON, DEPUTY = "henrik-moeller", "lise-krogh"
ADDRESS = {PERSON: "henrik-moeller@example.org", DEPUTY: "lise-krogh@example.org"}


def _config(root: Path, port: int, smtp: SmtpPeer) -> Path:
    config = root / "config.toml"
    config.write_text(
        f"""
[service]
data_dir = "var"
public_base_url = "http://127.0.0.1:{port}"
[plan]
directory_file = "{directory(root)}"
[web]
port = {port}
[smtp]
host = "127.0.0.1"
port = {smtp.port}
username = "{USERNAME}"
from_address = "beredskab@example.org"
ca_file = "{smtp.write_ca(root)}"
[console]
echo = false
""",
        encoding="utf-8",
    )
    return config


def _links(smtp: SmtpPeer, base: str) -> dict[str, list[str]]:
    """Every acknowledgement link received, by recipient, oldest first."""
    pattern = re.compile(re.escape(base) + r"/a/[A-Za-z0-9_\-.]+")
    found: dict[str, list[str]] = {}
    for mail in smtp.handler.received:
        plain = mail.message.get_body(("plain",))
        if plain is None:
            continue
        for link in pattern.findall(plain.get_content()):
            for rcpt in mail.rcpt_tos:
                found.setdefault(rcpt, []).append(link.rstrip("."))
    return found


def _people(root: Path) -> dict[str, str]:
    """Person id by email address, from the directory the service uses."""
    text = (root / "kontakter.toml").read_text(encoding="utf-8")
    return {p["email"]: p["id"] for p in tomllib.loads(text)["people"] if p.get("email")}


@dataclass
class Cli:
    """`beredskab` commands in a thread (the SMTP peer in this event loop keeps serving)."""

    root: Path
    config: Path
    env: dict[str, str]

    async def __call__(self, *args: str) -> str:
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "beredskab", "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.root,
            timeout=150,
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout


async def _answer(link: str, answer: str = CONFIRM) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(link, data={"svar": answer})


async def _start(root: Path, config: Path, env: dict[str, str]) -> Service:
    return await start_service(root, config, env, ready=lambda h: components_ok(h, "outbox"))


@pytest.mark.timeout(300)
async def test_links_survive_restarts_cli_senders_and_rotation(
    tmp_path: Path, smtp_peer: SmtpPeer
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = _config(tmp_path, port, smtp_peer)
    env = service_env()
    del env["BEREDSKAB_SECURITY__LINK_SECRET"]  # the key is generated once, under var/keys
    cli = Cli(tmp_path, config, env)
    assert "link: ikke lavet endnu" in await cli("keys", "show")

    # The first process is a CLI command: it makes the key and sends the emails itself.
    out = await cli("activate", "2", "--as", POLICE, "--police-case", "3700-1")
    assert "Hændelse 1 oprettet" in out
    by_cli = _links(smtp_peer, base)
    assert ADDRESS[PERSON] in by_cli
    people = _people(tmp_path)
    others = sorted(
        a for a in by_cli if a not in ADDRESS.values() and people.get(a) not in (None, POLICE)
    )
    assert len(others) >= 2, by_cli.keys()
    shown = await cli("keys", "show")
    assert "genereret" in shown and str(tmp_path / "var" / "keys" / "link.key") in shown

    service = await _start(tmp_path, config, env)
    try:
        # A link sent by the CLI command confirms in serve; declining asks the deputy, whose
        # email serve sends (and signs).
        declined = await _answer(by_cli[ADDRESS[PERSON]][0], DECLINE)
        assert declined.status_code == 200, declined.text
        await wait_for(lambda: ADDRESS[DEPUTY] in _links(smtp_peer, base), within=60)
    finally:
        await service.stop()

    service = await _start(tmp_path, config, env)  # a restart: a new process, the same key
    try:
        deputy_link = _links(smtp_peer, base)[ADDRESS[DEPUTY]][0]
        confirmed = await _answer(deputy_link)
        assert confirmed.status_code == 200 and "du har bekræftet" in confirmed.text

        # A rotation while serve runs: the old key stays accepted until its links expire.
        out = await service.acli("keys", "rotate", "link")
        assert "Ny linknøgle" in out and "forrige nøgle godtages til" in out
        confirmed = await _answer(by_cli[others[0]][0])
        assert confirmed.status_code == 200 and "du har bekræftet" in confirmed.text

        # An emergency rotation (a key leaked): links made with the old keys are refused,
        # with a page that says so, once serve has read the rotated key file.
        await service.acli("keys", "rotate", "link", "--retire-now")
        old = by_cli[others[1]][0]

        async def refused() -> bool:
            async with httpx.AsyncClient() as client:
                page = await client.get(old)
            return page.status_code == 410 and "Linket er ikke længere gyldigt" in page.text

        await wait_for(refused, within=30)
        answered = await _answer(old)
        assert answered.status_code == 410 and "nøgle, som er skiftet ud" in answered.text
        status = await service.status(1)
        states = {c["person_id"]: c["status"] for c in status["confirmations"]}
        assert states[DEPUTY] == states[people[others[0]]] == "confirmed"
        assert states[people[others[1]]] == "pending"  # the refused link changed nothing
    finally:
        await service.stop()
