"""The production files in deploy/: the systemd unit passes `systemd-analyze verify` without a
warning and keeps its hardening; the Caddyfile and the secrets example name what the service
really uses."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from beredskab.settings import Settings

DEPLOY = Path(__file__).parents[2] / "deploy"
REQUIRE_ENV = "BEREDSKAB_REQUIRE_SYSTEMD"
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "PrivateTmp": "yes",
    "ReadWritePaths": "/var/lib/beredskab",
    "User": "beredskab",
    "Restart": "on-failure",
    "EnvironmentFile": "/etc/beredskab/secrets.env",
}


def _unit() -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (DEPLOY / "beredskab.service").read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def test_the_unit_is_hardened() -> None:
    unit = _unit()
    for key, value in HARDENING.items():
        assert value in unit.get(key, []), key
    assert unit["ExecStart"] == ["/opt/beredskab/venv/bin/beredskab serve"]
    assert unit["CapabilityBoundingSet"] == [""]


UNITS = ("beredskab.service", "beredskab-backup.service", "beredskab-backup.timer")


def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(
                f"{REQUIRE_ENV} is set but systemd-analyze is missing (apt install systemd)"
            )
        pytest.skip("systemd-analyze is not installed")
    script = Path(sys.executable).parent / "beredskab"  # the ExecStart must exist to verify
    assert script.exists(), script
    for name in UNITS:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace("/opt/beredskab/venv/bin/beredskab", str(script)))
    done = subprocess.run(
        [tool, "verify", *(str(tmp_path / name) for name in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    ours = [line for line in (done.stdout + done.stderr).splitlines() if "beredskab" in line]
    assert done.returncode == 0 and ours == [], done.stdout + done.stderr


def test_the_backup_units_command_backs_up_the_database_and_the_keys(tmp_path: Path) -> None:
    """The backup unit's ExecStart, unescaped as systemd does ($$ and %%), run on a data
    folder in tmp_path: a checked copy of the database and the key files beside it."""
    [line] = [
        line
        for line in (DEPLOY / "beredskab-backup.service").read_text("utf-8").splitlines()
        if line.startswith("ExecStart=")
    ]
    command = line.removeprefix("ExecStart=").replace("$$", "$").replace("%%", "%")
    data = tmp_path / "data"
    command = command.replace("/var/lib/beredskab", str(data)).replace(
        "/opt/beredskab/venv/bin/beredskab", str(Path(sys.executable).parent / "beredskab")
    )
    config = tmp_path / "config.toml"
    config.write_text("[console]\necho = false\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEREDSKAB_")}
    env.update(BEREDSKAB_CONFIG=str(config), BEREDSKAB_SERVICE__DATA_DIR=str(data))
    made = subprocess.run(
        [sys.executable, "-m", "beredskab", "status"], env=env, capture_output=True, timeout=60
    )
    assert made.returncode == 0, made.stderr
    (data / "backups").mkdir(mode=0o700)  # ExecStartPre
    assert command.startswith("/bin/sh -c '") and command.endswith("'")
    done = subprocess.run(
        ["/bin/sh", "-c", command.removeprefix("/bin/sh -c '")[:-1]],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [copy] = (data / "backups").glob("beredskab-*Z.sqlite3")
    [keys] = (data / "backups").glob("keys-*Z")
    assert copy.name.removeprefix("beredskab-").removesuffix(".sqlite3") == keys.name[5:]
    assert sorted(p.name for p in keys.iterdir() if not p.name.startswith(".")) == ["log.key"]
    assert "integrity_check" in done.stdout


def test_systemd_analyze_would_catch_a_mistake(tmp_path: Path) -> None:
    """The check above can fail: a misspelt hardening key is reported."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed")
    text = (DEPLOY / "beredskab.service").read_text(encoding="utf-8")
    text = text.replace("/opt/beredskab/venv/bin/beredskab", "/bin/true")
    unit = tmp_path / "beredskab.service"
    unit.write_text(text.replace("ProtectSystem=strict", "ProtectSystm=strict"), "utf-8")
    done = subprocess.run([tool, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert "ProtectSystm" in done.stdout + done.stderr


def test_the_caddyfile_proxies_every_webhook_and_the_public_page() -> None:
    caddy = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    webhooks = Path(__file__).parents[2] / "beredskab" / "web" / "webhooks.py"
    paths = re.findall(r'@router\.post\("(/webhooks/[^"]+)"\)', webhooks.read_text("utf-8"))
    assert len(paths) >= 4
    for path in paths:
        assert path in caddy or path.rsplit("/", 1)[0] + "/*" in caddy, path
    assert "@public path /info /info/*" in caddy
    assert "reverse_proxy 127.0.0.1:8080" in caddy and "Strict-Transport-Security" in caddy


def test_the_secrets_example_names_only_real_settings() -> None:
    names = re.findall(
        r"^#? ?BEREDSKAB_([A-Z_]+)__([A-Z_]+)=",
        (DEPLOY / "secrets.env.example").read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    assert len(names) >= 8
    for section, key in names:
        model = Settings.model_fields[section.lower()].annotation
        assert model is not None and key.lower() in model.model_fields, (section, key)
