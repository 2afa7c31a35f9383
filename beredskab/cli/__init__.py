"""The `beredskab` command line. Each command is a thin adapter over one use case.

The console script (``main``) imports only the modules that define the command it runs
(``COMMANDS``), so typer builds that command and not all sixty: `beredskab status` imports
``views`` alone. `--help`, no command, an unknown one or an option this module does not know
before the command's name load every module, as ``from beredskab.cli import cli`` does.
``tests/beredskab/cli/test_cli_imports.py`` checks ``COMMANDS`` against the modules' commands.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import typer

from beredskab.cli import common

if TYPE_CHECKING:
    from collections.abc import Callable

MODULES = (
    "backup",
    "chain",
    "comms",
    "directory",
    "doctor",
    "incident",
    "keys",
    "person",
    "picture",
    "pins",
    "plan",
    "preparedness",
    "residents",
    "service",
    "stats",
    "test_message",
    "tokens",
    "trail",
    "views",
    "work",
)
"""Every command module, in the order `--help` lists their commands."""

COMMANDS: dict[str, tuple[str, ...]] = {
    "activate": ("incident",),
    "ack": ("incident",),
    "audit": ("trail",),
    "backup": ("backup",),
    "close": ("incident",),
    "comms": ("comms",),
    "contacts": ("service",),
    "convene": ("work",),
    "db": ("service",),
    "directory": ("directory",),
    "doctor": ("doctor",),
    "drill": ("incident",),
    "duty": ("plan",),
    "incident": ("incident",),
    "keys": ("keys",),
    "log": ("chain", "work"),
    "person": ("person",),
    "picture": ("picture",),
    "pin": ("pins",),
    "plan": ("plan", "service"),
    "readiness": ("preparedness",),
    "report": ("views",),
    "residents": ("residents",),
    "serve": ("service",),
    "signoff": ("preparedness",),
    "stats": ("stats",),
    "status": ("views",),
    "step": ("work",),
    "task": ("work",),
    "test-message": ("test_message",),
    "token": ("tokens",),
    "upgrade": ("incident",),
    "verify": ("preparedness",),
}
"""Each top-level command (or group) → the modules whose commands it holds."""

_WITH_VALUE = ("-c", "--config", "--lang")
_FLAGS = ("-v", "--verbose")


def command_name(args: Sequence[str]) -> str | None:
    """The command a command line runs, read past the top-level options; None when it runs
    none (`--help`) or this cannot tell (an option it does not know)."""
    rest = iter(args)
    for arg in rest:
        if arg in _WITH_VALUE:
            next(rest, None)  # the option's value
            continue
        joined = arg.startswith(("--config=", "--lang=")) or arg.startswith("-c")  # -cFILE
        if joined or arg in _FLAGS:
            continue
        return None if arg.startswith("-") or not arg else arg
    return None


def load(name: str | None = None) -> typer.Typer:
    """The command line with the modules of command ``name`` imported (all of them for
    None or a name not in ``COMMANDS``)."""
    for module in COMMANDS.get(name or "", MODULES):
        importlib.import_module(f"{__name__}.{module}")
    return common.cli


def __getattr__(name: str) -> typer.Typer:
    """``cli``: the whole command line (every command module imported)."""
    if name == "cli":
        return load()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _entry() -> Callable[[], object]:
    """What ``main`` runs: the command line, with the modules the command needs (a ``cli``
    set on this module, e.g. by a test, is run as it is)."""
    own = globals().get("cli")
    return own if own is not None else load(command_name(sys.argv[1:]))


def main() -> None:
    """Entry point of the console script: a problem that escaped a command (a configuration or
    driver problem from another library, a file that cannot be written, a database that does
    not answer) is one line, never a traceback (``common.fail_plainly``).

    The garbage collector is off while the command loads (``common.hold_gc``) and on again,
    with what was loaded frozen, once its event loop starts (``common.release_gc``) or it
    ends. At exit everything is frozen, so the interpreter's full collection on exit skips
    tens of thousands of library objects that die with the process anyway (6 % of
    `beredskab status`'s instructions, a fifth of its CPU time at load 5 on 2 cores).
    """
    common.hold_gc()
    try:
        _entry()()
    except Exception as exc:
        try:
            common.fail_plainly(exc)  # a bug is raised again, with its traceback
        except typer.Exit as done:
            raise SystemExit(done.exit_code) from None
    finally:
        common.release_gc()
        atexit.unregister(gc.freeze)  # registered once, however often main runs in a process
        atexit.register(gc.freeze)


__all__ = ["COMMANDS", "MODULES", "cli", "command_name", "load", "main"]
