"""The profiles printed under the table for each goal missed (``benchmarks.profile``): py-spy
records a real process, the machine's CPU is given to the right process, and only missed
goals are explained."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import profile
from benchmarks.__main__ import parse, report
from benchmarks.procs import Children, cpu_seconds
from tests.benchmarks.test_harness import measured

BUSY = "import time\nend = time.monotonic() + 120\nwhile time.monotonic() < end: pass\n"
"""A process that spins (in its own process group, as the stand-ins run)."""


def _until_cpu(pid: int, seconds: float) -> None:
    """Wait until ``pid`` has used ``seconds`` of CPU (a state, however loaded the machine)."""
    give_up = time.monotonic() + 120
    while cpu_seconds(pid) < seconds:
        assert time.monotonic() < give_up, "the busy process got no CPU"
        time.sleep(0.05)


def test_py_spy_records_a_busy_process_and_splits_its_samples(tmp_path: Path) -> None:
    with Children() as children:
        busy = children.popen([sys.executable, "-c", BUSY])
        spy = profile.Spy(children, busy.pid, tmp_path / "stacks.txt")
        spy.start()
        _until_cpu(busy.pid, 1.0)
        before = cpu_seconds(busy.pid)
        _until_cpu(busy.pid, before + 1.0)  # a second of its CPU while recorded
        split = spy.stop()
    assert "error" not in split, split
    assert split["samples"] > 0
    assert sum(split["layer_pct_of_busy"].values()) > 99  # every busy sample has a layer


def test_a_missing_py_spy_is_said_not_raised(tmp_path: Path) -> None:
    with Children() as children:
        spy = profile.Spy(children, os.getpid(), tmp_path / "stacks.txt")
        spy.error = "py-spy is not installed"
        assert spy.stop() == {"error": "py-spy is not installed"}


def test_the_cores_are_shared_out_to_the_process_that_used_them() -> None:
    with Children() as children:
        busy = children.popen([sys.executable, "-c", BUSY])  # its own process group
        _until_cpu(busy.pid, 0.2)
        before = profile.snapshot()
        began = time.monotonic()
        _until_cpu(busy.pid, cpu_seconds(busy.pid) + 0.5)
        after = profile.snapshot()
        seconds = time.monotonic() - began
        shares = profile.shares(before, after, seconds, serve=-1, stand_ins=busy.pid)
        used = after.processes[busy.pid].cpu - before.processes[busy.pid].cpu
    assert shares["stand-ins and Prism"] >= round(100 * used / seconds, 1) - 0.1
    assert shares["serve"] == 0.0
    assert set(shares) >= {"harness", "PostgreSQL", "py-spy", "other processes", "idle"}


def _profiled(run: dict[str, Any]) -> dict[str, Any]:
    layers = {
        "samples": 1200,
        "waiting_pct": 3.0,
        "layer_pct_of_busy": {"service": 40.0, "http client": 35.0, "event loop": 25.0},
    }
    machine = {"serve": 80.0, "stand-ins and Prism": 30.0, "harness": 5.0, "idle": 85.0}
    run["profiles"] = {
        "g3": {"layers": layers, "machine": machine},
        "g5": {
            "layers": {"error": "py-spy recorded nothing: permission denied"},
            "machine": {},
            "figures": [{"concurrency": 16, "per_second": 400.0}],
        },
    }
    run["g1"]["answered_p50_ms"] = 12.0
    for g5 in run["g5"]:
        g5.update(cpu_ms_per_reply=1.9, loop_busy_pct=97.0)
    return run


META = {
    "commit": "abc",
    "started": "s",
    "ended": "e",
    "load_start": (0.1, 0.1, 0.1),
    "load_end": (0.2, 0.1, 0.1),
    "limits": {},
}


def test_each_goal_missed_gets_its_profile_and_a_goal_met_none() -> None:
    run = _profiled(measured(200))
    run["g3"] = {"ms_per_message": 1.1, "gross_ms_per_message": 1.2}  # G3 missed
    text = report(META, [run])  # G5 c=64 is missed too (p99 80 ms); G1 is met
    assert "Where the time went, for each goal missed (profiles of this run):" in text
    assert (
        "- G3 sqlite 200, profile pass (a second activation's fan-out): serve's CPU by layer "
        "(1,200 py-spy samples, "
        "3 % of them waiting for a core): service 40 %, http client 35 %, event loop 25 %; "
        "the machine's" in text
    )
    assert "serve 80 %, stand-ins and Prism 30 %, harness 5 %, idle 85 %" in text
    assert (
        "- G5 sqlite 200: measured c=16 1.90 ms of serve's CPU per reply, its event loop busy "
        "97 % of a core; c=64 1.90 ms" in text
    )
    assert "Profile pass (the replies to it, slowed by py-spy to c=16 400 req/s)" in text
    assert "no layer split (py-spy recorded nothing: permission denied)" in text
    assert "- G1" not in text


def test_a_missed_first_request_is_split_at_the_api_answer() -> None:
    run = _profiled(measured(200))
    run["g1"].update(p50_ms=70.0, p99_ms=90.0)
    text = report(META, [run])
    assert (
        "- G1 sqlite 200: the API answered at p50 12 ms (the activation's transaction "
        "committed), the first provider request came at p50 70 ms" in text
    )


def test_nothing_is_explained_when_every_goal_is_met() -> None:
    run = _profiled(measured(200))
    run["g5"][1]["p99_ms"] = 40.0
    text = report(META, [run])
    assert "Where the time went" not in text


def test_the_profile_pass_is_on_unless_turned_off() -> None:
    assert parse([]).profile is True
    assert parse(["--no-profile"]).profile is False
