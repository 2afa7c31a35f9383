"""Child processes that never outlive the harness, and what /proc says about them.

Every child starts in a session (process group) of its own and is told by the kernel to die
with its parent (``PR_SET_PDEATHSIG``); ``Children.close`` ends each group with SIGTERM,
then SIGKILL. Use it as a context manager, so Ctrl-C and exceptions stop Prism, the
stand-ins, the service and the PostgreSQL cluster too.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PR_SET_PDEATHSIG = 1
_TICKS = os.sysconf("SC_CLK_TCK")


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the parent dies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Children:
    """The harness's child processes, each in its own process group."""

    def __init__(self) -> None:
        self._procs: list[subprocess.Popen[Any]] = []
        self._cleanups: list[Callable[[], None]] = []

    def __enter__(self) -> Children:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def popen(self, args: list[str], **kwargs: Any) -> subprocess.Popen[Any]:
        """Start ``args`` in a new session that dies with this process."""
        process: subprocess.Popen[Any] = subprocess.Popen(
            args, start_new_session=True, preexec_fn=_die_with_parent, **kwargs
        )
        self._procs.append(process)
        return process

    def on_close(self, cleanup: Callable[[], None]) -> None:
        """Run ``cleanup`` at close (after the processes are gone), last registered first."""
        self._cleanups.append(cleanup)

    def stop(self, process: subprocess.Popen[Any], timeout: float = 20.0) -> int | None:
        """SIGTERM to the process group, SIGKILL after ``timeout``; its exit code."""
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # anything it left in its group
        return process.returncode

    def close(self) -> None:
        """Stop every child (newest first), then run the cleanups."""
        while self._procs:
            self.stop(self._procs.pop())
        while self._cleanups:
            with contextlib.suppress(Exception):
                self._cleanups.pop()()


def terminate_raises() -> None:
    """SIGTERM (and SIGHUP) raise KeyboardInterrupt, so ``finally`` blocks run."""

    def handler(signum: int, frame: types.FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


def proc_stat(stat: Path) -> tuple[str, list[str], float]:
    """A ``/proc`` stat file: the command name, the fields after it, and utime + stime in
    seconds."""
    text = stat.read_text()
    fields = text.rsplit(")", 1)[1].split()
    name = text[text.index("(") + 1 : text.rindex(")")]
    return name, fields, (int(fields[11]) + int(fields[12])) / _TICKS


def _cpu(stat: Path) -> float:
    """utime + stime from a ``/proc`` stat file, in seconds."""
    return proc_stat(stat)[2]


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    return _cpu(Path(f"/proc/{pid}/stat"))


def system_seconds(pid: int) -> float:
    """stime alone: the kernel's work for the process (its system calls; on the loopback a
    socket write also runs the receiving end's TCP input in the writer's context)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[12]) / _TICKS


def loop_cpu_seconds(pid: int) -> float:
    """utime + stime of the process's main thread alone (the event loop's, in ``serve``): the
    thread that bounds a single-loop service, while its other threads run beside it on
    another core."""
    return _cpu(Path(f"/proc/{pid}/task/{pid}/stat"))


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb(pid: int) -> float:
    """The process's resident set now (VmRSS) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load_average() -> tuple[float, float, float]:
    """1, 5 and 15 minute load averages."""
    return os.getloadavg()


def git_commit() -> str:
    """The checked-out commit (with ``+dirty`` when the tree has changes)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def wait_until(condition: Callable[[], bool], *, within: float, what: str) -> None:
    """Poll an external process's readiness (a benchmark, not a test) until ``condition``."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.1)
