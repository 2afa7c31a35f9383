"""Services a test starts are reaped when it ends, whether it passed or failed.

A test that fails while its `beredskab serve` runs must not leave the process (and its
open pipe) behind for the next test: the process would keep a port and the database busy,
and its pipe, closed by the garbage collector during a later test, would fail that test
with a ResourceWarning. ``track`` registers a process; the autouse fixture in
``tests/conftest.py`` calls ``reap`` after every test.
"""

from __future__ import annotations

import subprocess
from typing import Any

_running: list[subprocess.Popen[Any]] = []


def track(process: subprocess.Popen[Any]) -> subprocess.Popen[Any]:
    """Reap this process when the current test ends; returns it."""
    _running.append(process)
    return process


def reap() -> None:
    """Kill every tracked process still running and close its pipes."""
    while _running:
        process = _running.pop()
        if process.poll() is None:
            process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                stream.close()
