"""`scripts/run` installs into .venv only when something changed (pyproject.toml, the Python,
a missing command, a failed install), then checks the plan and serves.

The script runs for real in a copy of the repository layout; `python3` on its PATH is a
stand-in whose venv holds a `pip` and a `beredskab` that only record how they were called.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PYTHON3 = """#!/bin/sh
# stand-in python3: "-m venv DIR" makes DIR/bin/pip; "-c CODE" prints the version
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
    mkdir -p "$3/bin"
    cp "$FAKE_BIN/pip" "$3/bin/pip"
    exit 0
fi
if [ "$1" = "-c" ]; then echo "$FAKE_VERSION"; exit 0; fi
exit 99
"""

PIP = """#!/bin/sh
echo "pip $*" >> "$LOG"
[ -n "$PIP_FAILS" ] && exit 1
case "$*" in
    *"install --quiet -e ."*) cp "$FAKE_BIN/beredskab" "$(dirname "$0")/beredskab" ;;
esac
exit 0
"""

BEREDSKAB = """#!/bin/sh
echo "beredskab $*" >> "$LOG"
"""


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A folder laid out like the repository, with scripts/run and pyproject.toml."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / "run", repo / "scripts" / "run")
    shutil.copy2(ROOT / "pyproject.toml", repo / "pyproject.toml")
    fake = tmp_path / "bin"
    fake.mkdir()
    for name, body in (("python3", PYTHON3), ("pip", PIP), ("beredskab", BEREDSKAB)):
        (fake / name).write_text(body, encoding="utf-8")
        (fake / name).chmod(0o755)
    return repo


def _run(repo: Path, **env: str) -> tuple[int, list[str]]:
    log = repo.parent / "calls.log"
    log.unlink(missing_ok=True)
    fake = repo.parent / "bin"
    done = subprocess.run(
        [str(repo / "scripts" / "run"), "--extra"],
        env={
            "PATH": f"{fake}:{os.environ['PATH']}",
            "FAKE_BIN": str(fake),
            "FAKE_VERSION": "3.11.9",
            "LOG": str(log),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    calls = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return done.returncode, calls


SERVE = [
    "beredskab --config config.example.toml plan check",
    "beredskab --config config.example.toml serve --extra",
]
INSTALL = ["pip install --quiet --upgrade pip", "pip install --quiet -e ."]


def test_installs_once_and_again_only_when_something_changed(clone: Path) -> None:
    assert _run(clone) == (0, [*INSTALL, *SERVE])  # a fresh clone
    assert _run(clone) == (0, SERVE)  # nothing changed: straight to the service
    with (clone / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write("\n# a new dependency\n")
    assert _run(clone) == (0, [*INSTALL, *SERVE])
    assert _run(clone) == (0, SERVE)
    assert _run(clone, FAKE_VERSION="3.12.1") == (0, [*INSTALL, *SERVE])  # another Python
    (clone / ".venv" / "bin" / "beredskab").unlink()
    assert _run(clone, FAKE_VERSION="3.12.1") == (0, [*INSTALL, *SERVE])
    (clone / ".venv" / ".beredskab-install").unlink()  # the documented way to force it
    assert _run(clone, FAKE_VERSION="3.12.1") == (0, [*INSTALL, *SERVE])


def test_a_failed_install_is_tried_again_next_time(clone: Path) -> None:
    assert _run(clone) == (0, [*INSTALL, *SERVE])
    with (clone / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write("\n# changed\n")
    code, calls = _run(clone, PIP_FAILS="1")
    assert code != 0 and calls == INSTALL[:1]  # stops at the failure, serves nothing
    assert not (clone / ".venv" / ".beredskab-install").exists()
    assert _run(clone) == (0, [*INSTALL, *SERVE])
