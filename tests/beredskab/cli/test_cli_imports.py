"""The command line starts at once: what a command imports is checked, not timed.

Each case runs the CLI in a fresh interpreter and lists the modules it ended with.
`--help` must not load the app, the database, pydantic or any provider; `status` reads the
database alone (no app, no plan, no ORM) and imports only its own command module and the one
repository it reads, and no command that only reads loads a web, bot, provider, report or
spreadsheet library.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import typing
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import typer

from beredskab import report
from beredskab.cli import COMMANDS, MODULES, command_name, load, views
from beredskab.cli import plan as plan_cli
from beredskab.report import plan as plan_view

PROBE = """
import json, sys
sys.argv = ["beredskab", *json.loads(sys.argv[1])]
from beredskab.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
models = sys.modules.get("beredskab.models")
built = sorted(
    name for name, kind in vars(models).items()
    if getattr(kind, "__pydantic_complete__", False) and kind.__module__ == models.__name__
) if models else []
print(json.dumps({"code": code, "modules": sorted(sys.modules), "built": built}))
"""

pytestmark = pytest.mark.timeout(240)  # each case starts a fresh interpreter; slow under load

NEVER = ("fastapi", "starlette", "uvicorn", "aiogram", "twilio", "aiosmtpd", "aiosmtplib")
NEVER += ("reportlab", "openpyxl", "fpdf", "PIL", "fontTools", "jinja2", "apscheduler")
NOT_FOR_HELP = ("beredskab.app", "beredskab.storage", "sqlalchemy", "alembic", "pydantic_settings")
NOT_FOR_HELP += ("beredskab.settings", "contacts", "playbooks", "notifier", "phonenumbers")
NOT_FOR_HELP += ("asyncio", "ssl")  # no event loop: a command imports asyncio when it runs one


def _run(args: list[str], cwd: Path) -> tuple[object, set[str]]:
    code, modules, _ = _probe(args, cwd)
    return code, modules


def _probe(args: list[str], cwd: Path) -> tuple[object, set[str], list[str]]:
    """The exit code, the modules (and their top-level packages) and the domain models whose
    validators were built (``beredskab.models``: built when first used)."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    modules = {m.split(".")[0] for m in result["modules"]} | set(result["modules"])
    return result["code"], modules, result["built"]


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text('[service]\ndata_dir = "var"\n[console]\necho = false\n', encoding="utf-8")
    return config


@pytest.mark.parametrize("args", [["--help"], ["plan", "--help"], ["report", "--help"]])
def test_help_loads_no_app_and_no_library_behind_it(tmp_path: Path, args: list[str]) -> None:
    code, modules = _run(args, tmp_path)
    assert code == 0
    assert "beredskab.cli" in modules
    assert sorted(modules.intersection(NEVER + NOT_FOR_HELP)) == []
    if args == ["--help"]:  # a command's own help: typer validates its options with pydantic
        assert "pydantic" not in modules
        assert {f"beredskab.cli.{m}" for m in MODULES} <= modules  # it lists every command


NOT_FOR_STATUS = ("beredskab.app", "beredskab.plan", "playbooks", "contacts", "phonenumbers")
NOT_FOR_STATUS += ("email_validator", "sqlalchemy.orm", "alembic", "beredskab.delivery.outbox")
NOT_FOR_STATUS += (
    "beredskab.incident.situation_log",
    "beredskab.inbound.inbox",
    "beredskab.report",
)
NOT_FOR_STATUS += ("sqlalchemy.dialects.postgresql",)  # on SQLite
NOT_FOR_STATUS += (  # serve's supervision: the runtime package imports none of it itself
    "beredskab.runtime.supervisor",
    "beredskab.runtime.backoff",
    "beredskab.runtime.health",
)
STATUS_CLI = {"beredskab.cli.common", "beredskab.cli.texts", "beredskab.cli.views"}
STATUS_CLI |= {"beredskab.cli.chain"}  # views' --head option
STATUS_REPOSITORIES = {"incidents", "escalations", "preparedness"}  # its tables: metadata


def test_status_reads_the_database_alone(tmp_path: Path) -> None:
    """`status` lists incidents: no app, no plan, no ORM; Alembic only for a first upgrade."""
    config = _config(tmp_path)
    code, modules = _run(["-c", str(config), "status"], tmp_path)
    assert code == 0
    assert "sqlalchemy" in modules and "alembic" in modules  # a new database: migrated first
    assert sorted(modules.intersection(NEVER)) == []
    code, modules, built = _probe(["-c", str(config), "status"], tmp_path)  # newest schema
    assert code == 0
    assert set(built) <= {"Incident"}  # the one model it returns (none here: no incidents)
    assert "sqlalchemy" in modules and "beredskab.storage.repositories" in modules
    assert sorted(modules.intersection(NEVER + NOT_FOR_STATUS)) == []
    assert {m for m in modules if m.startswith("beredskab.cli.")} == STATUS_CLI
    prefix = "beredskab.storage.repositories."
    assert {m.removeprefix(prefix) for m in modules if m.startswith(prefix)} == STATUS_REPOSITORIES


def test_status_of_one_incident_loads_no_web_bot_provider_or_report_library(
    tmp_path: Path,
) -> None:
    """`status NR` names people, so it loads the plan and the app, but nothing that sends."""
    config = _config(tmp_path)
    code, modules = _run(["-c", str(config), "status", "1"], tmp_path)
    assert code == 1  # no incident 1 yet: the command ran to its query
    assert "beredskab.app" in modules and "sqlalchemy" in modules
    assert sorted(modules.intersection(NEVER)) == []


def test_status_with_every_provider_configured_builds_none_of_them(tmp_path: Path) -> None:
    """A command that does not send builds no channel, so no provider SDK is imported."""
    example = (files("contacts") / "examples" / "fredericia.toml").read_text(encoding="utf-8")
    directory = tmp_path / "kontakter.toml"
    directory.write_text(re.sub(r"(?m)^example = true", "example = false", example), "utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[service]\ndata_dir = "var"\n[plan]\ndirectory_file = "{directory}"\n'
        f'[twilio]\naccount_sid = "AC{"0" * 32}"\nauth_token = "t"\nfrom_number = "+4520000000"\n'
        '[smtp]\nhost = "127.0.0.1"\nfrom_address = "b@example.org"\n'
        '[telegram]\nbot_token = "1:x"\n[security]\nlink_secret = "' + "s" * 40 + '"\n',
        encoding="utf-8",
    )
    code, modules = _run(["-c", str(config), "status"], tmp_path)
    assert code == 0
    assert sorted(modules.intersection(NEVER)) == []


def test_format_choices_match_the_report_formats() -> None:
    """The CLI names the formats itself, so `--help` need not import the report package."""
    assert typing.get_args(plan_cli.PlanFormat) == tuple(f.value for f in plan_view.Format)
    assert typing.get_args(views.ReportFormat) == tuple(f.value for f in report.Format)


def _modules_of(command: Any) -> set[str]:
    """The modules defining the leaf commands under a click command (typer keeps the
    callback's module on its wrapper)."""
    if hasattr(command, "commands"):
        return {m for sub in command.commands.values() for m in _modules_of(sub)}
    return {command.callback.__module__.removeprefix("beredskab.cli.")}


def test_each_command_names_the_modules_that_define_it() -> None:
    """``main`` imports only ``COMMANDS[name]`` for a command: every command (and every
    command of a group) must be defined in the modules listed for it."""
    tree = typer.main.get_command(load())
    found = {name: _modules_of(command) for name, command in tree.commands.items()}
    assert found == {name: set(modules) for name, modules in COMMANDS.items()}
    assert {m for modules in COMMANDS.values() for m in modules} == set(MODULES)


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["status"], "status"),
        (["-c", "x.toml", "status", "1"], "status"),
        (["--config", "x.toml", "--lang", "en", "-v", "plan", "check"], "plan"),
        (["--config=x.toml", "--lang=en", "--verbose", "report", "1"], "report"),
        (["-cx.toml", "db", "upgrade"], "db"),
        (["status", "--config", "x.toml"], "status"),
        (["--help"], None),
        (["-c", "x.toml", "--help", "status"], None),
        (["-vc", "x.toml", "status"], None),  # not read: every module is loaded
        ([], None),
        (["-c"], None),
    ],
)
def test_the_command_is_read_past_the_top_level_options(args: list[str], name: str | None) -> None:
    assert command_name(args) == name


def test_a_command_not_listed_loads_every_module(tmp_path: Path) -> None:
    """An unknown command is reported by the whole command line (with its suggestions)."""
    code, modules = _run(["-c", str(_config(tmp_path)), "statsu"], tmp_path)
    assert code == 2
    assert {f"beredskab.cli.{m}" for m in MODULES} <= modules


GC_PROBE = """
import asyncio, gc, json, sys
seen = []
real_run = asyncio.run
def run(main, **kwargs):
    seen.append(gc.isenabled())  # as the command's event loop starts
    return real_run(main, **kwargs)
asyncio.run = run
sys.argv = ["beredskab", *json.loads(sys.argv[1])]
from beredskab.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps({"in_loop": seen, "after": gc.isenabled(), "frozen": gc.get_freeze_count()}))
"""


@pytest.mark.parametrize("args", [["--help"], ["status"], ["status", "--json"]])
def test_the_collector_is_off_only_while_a_command_loads(tmp_path: Path, args: list[str]) -> None:
    """``main`` holds garbage collection off while the command loads; it is on again (with
    what was loaded frozen) when the event loop starts, and after a command without one."""
    done = subprocess.run(
        [sys.executable, "-c", GC_PROBE, json.dumps(["-c", str(_config(tmp_path)), *args])],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["after"] is True
    assert result["in_loop"] == ([] if args == ["--help"] else [True])
    assert result["frozen"] > (0 if args == ["--help"] else 10_000)


FROZEN_AT_EXIT = """
import atexit, gc, sys
atexit.register(lambda: print("frozen", gc.get_freeze_count()))  # runs after main's (LIFO)
sys.argv = ["beredskab", "--help"]
from beredskab.cli import main
try:
    main()
except SystemExit:
    pass
"""


def test_what_a_command_loaded_is_frozen_before_the_exit_collection(tmp_path: Path) -> None:
    """The interpreter's full collection at exit skips what the command loaded (``main``)."""
    done = subprocess.run(
        [sys.executable, "-c", FROZEN_AT_EXIT],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    label, count = done.stdout.strip().splitlines()[-1].split()
    assert label == "frozen" and int(count) > 10_000
