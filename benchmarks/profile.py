"""Where the time went, printed under the table for each goal a run missed.

py-spy slows the process it records (measured: ``benchmarks.inbound`` at c=16 fell from
648–684 to 353–539 req/s with it attached), so no figure of the table is taken with it.
After every measurement of a run, if G3 or G5 was missed, ``benchmarks.size`` makes a
*profile pass*: the open incident is stood down, a new activation's fan-out is recorded
with py-spy on ``serve`` (non-blocking), and, if G5 was missed, the replies to it too; the
CPU of every process on the machine is read from ``/proc`` at the start and the end of each
phase. Under the table (``explain``), each goal missed gets:

- **G1**: the rounds' API answer beside their first provider request: the activation's
  transaction until the answer, the outbox's wake, claim and send after it.
- **G3, G5**: ``serve``'s samples by layer (``benchmarks.layers.split``: the service's own
  code, the web server, SQLAlchemy, the database driver and engine, the HTTP and SMTP
  clients, the provider SDKs, the event loop), and how the machine's cores were shared:
  ``serve`` and its event loop's thread alone (a loop near 100 % of a core is bound by the
  service's own CPU), the stand-ins with Prism, the PostgreSQL server, the harness with its
  load generator, py-spy, other processes, idle. For G5 also the measured CPU per reply and
  how busy the event loop was during the measurement itself (without py-spy).

Without py-spy (or where it may not read another process) the layer split says why it is
missing; the rest is printed all the same. ``--no-profile`` skips the pass.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.layers import split
from benchmarks.procs import Children, loop_cpu_seconds, proc_stat

SPY_RATE = 200
"""Samples per second: enough for a few seconds' phase, cheap for py-spy's own process."""
_TICKS = os.sysconf("SC_CLK_TCK")


class Spy:
    """py-spy recording one process (every thread, CPU samples only) into a raw stacks file."""

    def __init__(self, children: Children, pid: int, out: Path) -> None:
        self._children, self._pid, self._out = children, pid, out
        self._process: subprocess.Popen[bytes] | None = None
        self.error: str | None = None

    def start(self) -> None:
        """Attach; a missing py-spy is noted in ``error``, not raised."""
        binary = Path(sys.executable).with_name("py-spy")
        if not binary.exists():
            self.error = "py-spy is not installed (scripts/test installs it)"
            return
        command = [str(binary), "record", "--format", "raw", "--rate", str(SPY_RATE)]
        command += ["--threads", "--nonblocking", "--pid", str(self._pid)]
        command += ["--output", str(self._out)]
        self._process = self._children.popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def stop(self) -> dict[str, Any]:
        """Detach (py-spy writes its file on SIGINT); the split by layer, or ``error``."""
        process = self._process
        if process is None:
            return {"error": self.error or "not started"}
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            _out, err = process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            self._children.stop(process)
            return {"error": "py-spy did not stop within 120 s"}
        if not self._out.exists() or self._out.stat().st_size == 0:
            reason = (err or b"").decode(errors="replace").strip().splitlines()[-1:]
            return {"error": f"py-spy recorded nothing: {reason[0] if reason else 'no output'}"}
        return split(self._out)


@dataclass(frozen=True)
class Process:
    """One process's identity and CPU (utime + stime, seconds) at a moment."""

    pgid: int
    name: str
    cpu: float


@dataclass(frozen=True)
class Snapshot:
    """Every process's CPU and the machine's busy and total time (``/proc/stat``)."""

    processes: dict[int, Process]
    busy: float
    total: float
    loop: float
    """``serve``'s main thread (its event loop), when asked for."""


def snapshot(loop_pid: int | None = None) -> Snapshot:
    """The CPU of every process now (and of ``loop_pid``'s main thread)."""
    processes = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, fields, cpu = proc_stat(entry / "stat")
        except OSError:  # it ended meanwhile
            continue
        processes[int(entry.name)] = Process(int(fields[2]), name, cpu)
    times = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = times[3] + times[4]  # idle and iowait
    loop = 0.0
    if loop_pid is not None:
        with contextlib.suppress(OSError):
            loop = loop_cpu_seconds(loop_pid)
    return Snapshot(processes, (sum(times) - idle) / _TICKS, sum(times) / _TICKS, loop)


def shares(
    before: Snapshot, after: Snapshot, seconds: float, *, serve: int, stand_ins: int
) -> dict[str, float]:
    """How the machine's cores were used between two snapshots, in % of one core: ``serve``
    (and its event loop's thread), the stand-ins and Prism, PostgreSQL, this harness (with
    its load generator and CLI runs), other processes, and idle."""
    harness = os.getpgrp()
    used = dict.fromkeys(
        ("serve", "stand-ins and Prism", "PostgreSQL", "harness", "py-spy", "other processes"),
        0.0,
    )
    for pid, now in after.processes.items():
        was = before.processes.get(pid)
        delta = now.cpu - (was.cpu if was is not None else 0.0)
        if pid == serve:
            group = "serve"
        elif now.pgid == stand_ins or now.name == "node":
            group = "stand-ins and Prism"
        elif now.name == "postgres":
            group = "PostgreSQL"
        elif now.name == "py-spy":
            group = "py-spy"
        elif now.pgid == harness:
            group = "harness"
        else:
            group = "other processes"
        used[group] += delta
    out = {"serve": round(100 * used.pop("serve") / seconds, 1)}
    out["serve's event loop"] = round(100 * (after.loop - before.loop) / seconds, 1)
    out.update({k: round(100 * max(v, 0.0) / seconds, 1) for k, v in used.items()})
    cores = os.cpu_count() or 1
    idle = (after.total - before.total) - (after.busy - before.busy)
    out["idle"] = round(100 * idle / max(after.total - before.total, 1e-9) * cores, 1)
    return out


def layers_text(profile: dict[str, Any]) -> str:
    """``serve``'s samples by layer, largest first, as one clause."""
    spy = profile.get("layers") or {}
    if "error" in spy:
        return f"no layer split ({spy['error']})"
    shares = spy.get("layer_pct_of_busy", {}).items()
    top = ", ".join(f"{k} {v:.0f} %" for k, v in shares if v >= 0.5)
    waiting = spy.get("waiting_pct", 0.0)
    return (
        f"serve's CPU by layer ({spy.get('samples', 0):,} py-spy samples"
        + (f", {waiting:.0f} % of them waiting for a core" if waiting >= 1 else "")
        + f"): {top}"
    )


def machine_text(profile: dict[str, Any]) -> str:
    """How the cores were shared, as one clause (% of one core each)."""
    cores = profile.get("machine") or {}
    parts = [f"{k} {v:.0f} %" for k, v in cores.items() if v >= 0.5 or k == "idle"]
    return f"the machine's {os.cpu_count()} cores, in % of one: " + ", ".join(parts)


def explain(results: list[dict[str, Any]], missed: set[tuple[str, str]]) -> str:
    """For each (goal prefix, run label) in ``missed``: what the run's profiles show."""
    lines: list[str] = []
    for r in results:
        label = f"{r['db']} {r['people']:,}"
        profiles = r.get("profiles") or {}
        if ("G1", label) in missed and "answered_p50_ms" in r.get("g1", {}):
            g1 = r["g1"]
            lines.append(
                f"- G1 {label}: the API answered at p50 {g1['answered_p50_ms']:.0f} ms (the "
                f"activation's transaction committed), the first provider request came at "
                f"p50 {g1['p50_ms']:.0f} ms: the rest is the outbox's wake, claim and send."
            )
        if ("G3", label) in missed and "g3" in profiles:
            lines.append(
                f"- G3 {label}, profile pass (a second activation's fan-out): "
                f"{layers_text(profiles['g3'])}; {machine_text(profiles['g3'])}."
            )
        if ("G5", label) in missed and "g5" in profiles:
            measured = "; ".join(
                f"c={g['concurrency']} {g['cpu_ms_per_reply']:.2f} ms of serve's CPU per "
                f"reply, its event loop busy {g['loop_busy_pct']:.0f} % of a core"
                for g in r.get("g5", [])
                if g.get("cpu_ms_per_reply") is not None and g.get("loop_busy_pct") is not None
            )
            slowed = ", ".join(
                f"c={g['concurrency']} {g['per_second']:.0f} req/s"
                for g in profiles["g5"].get("figures", [])
            )
            lines.append(
                f"- G5 {label}: measured {measured or 'no CPU figures'}. Profile pass (the "
                f"replies to it, slowed by py-spy to {slowed or '?'}): "
                f"{layers_text(profiles['g5'])}; {machine_text(profiles['g5'])}."
            )
    if not lines:
        return ""
    return "Where the time went, for each goal missed (profiles of this run):\n" + "\n".join(lines)
