"""A config or driver problem is one plain line with the fix, from every command, through
the real console script: exit 2, nothing on stdout, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from beredskab.errors import ConfigError
from beredskab.runtime.config_discovery import driver_problems, plain
from notifier.errors import ChannelConfigError

pytestmark = pytest.mark.timeout(240)  # fresh interpreters; slow under load

SCRIPT = Path(sys.executable).parent / "beredskab"
COMMANDS = [
    ["status"],
    ["status", "1"],
    ["activate", "1", "--as", "maria-friis", "--description", "Brand"],
    ["db", "upgrade"],
    ["plan", "check"],
    ["serve"],
]


def _beredskab(
    root: Path, config: str, args: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    path = root / "config.toml"
    path.write_text(f'[service]\ndata_dir = "var"\n{config}', encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BEREDSKAB_")}
    assert SCRIPT.exists(), SCRIPT
    return subprocess.run(
        [str(SCRIPT), *args, "--config", str(path)],  # --config after the command
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        cwd=root,
        timeout=120,
    )


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


SMTP = '[smtp]\nhost = "127.0.0.1"\nfrom_address = "beredskab@example.org"\nusername = "b"\n'


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_smtp_username_without_password(tmp_path: Path, args: list[str]) -> None:
    line = _one_line(_beredskab(tmp_path, SMTP, args))
    assert line == (
        f"Fejl: {tmp_path / 'config.toml'}: [smtp]: username and password go together: set "
        "password too (the password as BEREDSKAB_SMTP__PASSWORD), or neither"
    )
    assert not (tmp_path / "var").exists()


BLOCK_ASYNCPG = "import sys\nsys.modules['asyncpg'] = None  # as if it were not installed\n"
POSTGRES = '[database]\nurl = "postgresql+asyncpg://beredskab@127.0.0.1:9/beredskab"\n'


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_postgresql_without_asyncpg(tmp_path: Path, args: list[str]) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCK_ASYNCPG, encoding="utf-8")
    done = _beredskab(tmp_path, POSTGRES, args, env={"PYTHONPATH": str(site)})
    line = _one_line(done)
    assert line == (
        "Fejl: [database] url kræver driveren asyncpg, som ikke er installeret; installér den "
        f"med: {sys.executable} -m pip install 'asyncpg>=0.29'"
    )


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            f'[twilio]\naccount_sid = "AC{"0" * 32}"\nfrom_number = "+4520000000"\n',
            "[twilio]: auth_token is missing; set BEREDSKAB_TWILIO__AUTH_TOKEN",
        ),
        ('[web]\nport = "otte"\n', "[web] port: Input should be a valid integer"),
        ('[database]\nurl = "postgres://db/beredskab"\n', "url skal begynde med postgresql+"),
        ('[database]\nurl = "mysql+aiomysql://db/b"\n', "mysql understøttes ikke"),
        (  # a PostgreSQL password left set for a SQLite database (its URL would break)
            '[database]\npassword = "hemmelig"\n',
            "[database]: password is for PostgreSQL, but the database is SQLite",
        ),
    ],
)
def test_other_config_problems_are_one_line_too(tmp_path: Path, config: str, expected: str) -> None:
    for args in (["status"], ["plan", "check"]):
        assert expected in _one_line(_beredskab(tmp_path, config, args))


def test_plan_check_reports_each_config_problem_on_its_own_line(tmp_path: Path) -> None:
    done = _beredskab(tmp_path, "[outbox]\nworkers = 0\nworkerz = 2\n", ["plan", "check"])
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "planen er OK" not in done.stdout + done.stderr
    config = tmp_path / "config.toml"
    assert done.stderr.splitlines() == [
        f"Fejl: {config}: [outbox] workers: Input should be greater than or equal to 1 (got 0)",
        f"Fejl: {config}: [outbox] workerz: unknown setting (see config.example.toml for the "
        "names)",
    ]


def test_plan_check_refuses_live_providers_with_the_example_directory(tmp_path: Path) -> None:
    live = SMTP + 'password = "p"\n'
    line = _one_line(_beredskab(tmp_path, live, ["plan", "check"]))
    assert "opdigtede eksempel-kontaktliste" in line and "[plan] directory_file" in line


def test_a_valid_config_passes_plan_check(tmp_path: Path) -> None:
    done = _beredskab(tmp_path, "", ["plan", "check"])
    assert done.returncode == 0, done.stderr
    assert f"konfigurationen er OK: {tmp_path / 'config.toml'}" in done.stdout
    assert "planen er OK" in done.stdout and done.stderr == ""


def test_errors_from_other_libraries_that_are_config_problems() -> None:
    channel = plain(ChannelConfigError("twilio messaging_service_sid must be 'MG' + 32 hex"))
    assert isinstance(channel, ConfigError) and "messaging_service_sid" in str(channel)
    missing = ModuleNotFoundError("No module named 'asyncpg'", name="asyncpg")
    assert "asyncpg driver, which is not installed" in str(plain(missing))
    assert plain(ModuleNotFoundError("No module named 'x'", name="x")) is None
    assert plain(ValueError("a bug")) is None
    assert driver_problems("sqlite+aiosqlite:///var/b.sqlite3") == []
    assert driver_problems("postgresql+asyncpg://db/b") == []


def test_the_entry_point_turns_a_stray_config_error_into_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the settings cannot see and a library raises late (a channel's own check, a
    driver import) still ends as one line and exit 2; any other error keeps its traceback."""
    import beredskab.cli
    from beredskab.cli import common

    fresh = common._State()
    fresh.lang = "da"  # as --lang da would: no settings to read
    monkeypatch.setattr(common, "_state", fresh)

    def channel_refuses() -> None:
        raise ChannelConfigError("set both smtp username and password, or neither")

    monkeypatch.setattr(beredskab.cli, "cli", channel_refuses)
    with pytest.raises(SystemExit) as exited:
        beredskab.cli.main()
    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        "Fejl: kanalindstillinger: set both smtp username and password, or neither\n"
    )

    def driver_missing() -> None:
        raise ModuleNotFoundError("No module named 'asyncpg'", name="asyncpg")

    monkeypatch.setattr(beredskab.cli, "cli", driver_missing)
    with pytest.raises(SystemExit) as exited:
        beredskab.cli.main()
    assert exited.value.code == 2
    assert "driveren asyncpg, som ikke er installeret" in capsys.readouterr().err

    def a_bug() -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(beredskab.cli, "cli", a_bug)
    with pytest.raises(KeyError):
        beredskab.cli.main()


@pytest.mark.parametrize("args", COMMANDS[:4], ids=" ".join)
def test_a_database_that_does_not_answer_is_one_line(tmp_path: Path, args: list[str]) -> None:
    """Nothing listens on port 9: the command says so and how to fix it, no traceback
    (`serve` instead waits for the database, `plan check` needs none)."""
    done = _beredskab(tmp_path, POSTGRES, args)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stdout == ""
    *before, line = done.stderr.splitlines()  # before: the first run's new-key warnings
    assert all("generated a new key" in b for b in before), before
    assert line.startswith("Fejl: databasen svarer ikke (")
    assert "Connect call failed ('127.0.0.1', 9)" in line
    assert line.endswith("Tjek [database] url i konfigurationen, og at databaseserveren kører")


def test_a_file_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    """`report -o` into a folder that does not exist: the path and why, exit 1."""
    activate = ["activate", "1", "--as", "maria-friis", "--description", "Brand", "--no-deliver"]
    assert _beredskab(tmp_path, "", activate).returncode == 0
    target = tmp_path / "no-such-folder" / "rapport.md"
    done = _beredskab(tmp_path, "", ["report", "1", "--output", str(target)])
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr.splitlines()[-1] == f"Fejl: {target}: No such file or directory"
    assert not target.parent.exists()
