"""The benchmark harness's pieces: the table has every goal, the config is the shipped one
but for what the benchmark says it changes, and no child process outlives the harness."""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.__main__ import main, parse, repeats_for, report
from benchmarks.procs import Children, cpu_seconds, peak_rss_mb
from benchmarks.service import overrides_for, prepare, settings_diff, synthetic_directory
from benchmarks.table import GOALS, MET, MISSED, growth_rows, run_rows


def measured(people: int, *, db: str = "sqlite", refused: int = 0) -> dict[str, Any]:
    """One run's JSON as ``benchmarks.size`` writes it (the keys the table reads)."""
    g5 = {
        "concurrency": 16,
        "requests": 100,
        "per_second": 600.0,
        "p50_ms": 5.0,
        "p99_ms": 30.0,
        "errors": {},
        "applied_seconds": 0.4,
        "applied_per_second": 250.0,
    }
    return {
        "people": people,
        "db": db,
        "messages": 3 * people + 33,
        "settings_diff": [["twilio.rate_per_second", "1.0", "100.0"]],
        "rss_idle_mb": 120.0,
        "g1": {"samples_ms": [20.0, 30.0, 40.0], "p50_ms": 30.0, "p99_ms": 40.0},
        "g2": {
            "completion_s": 7.0,
            "ideal_s": 6.8,
            "ratio": 1.03,
            "bottleneck": "telegram",
            "ratio_per_channel": {"telegram": 1.03, "email": 2.9, "sms": 1.01},
        },
        "g3": {"ms_per_message": 0.2, "gross_ms_per_message": 0.5},
        "g3_idle": {"seconds": 10.0, "cpu_percent": 0.5},
        "g4": {"peak_rss_mb": 250.0},
        "g5": [g5, {**g5, "concurrency": 64, "p99_ms": 80.0}],
        "g6_plan_load_s": 0.1,
        "g6_activation": {"ms_per_person": 0.05, "all_queued_s": 0.5, "response_ms": 40.0},
        "g7": {"status_s": 0.3, "help_s": 0.2},
        "g7_busy": {"status_s": 0.4, "help_s": 0.2},
        "standins": {
            "refused": refused,
            "sms_refused": 0,
            "telegram_refused": refused,
            "telegram_refused_chat": 0,
            "email_refused_connections": 0,
            "email_refused_rate": 0,
        },
    }


def test_the_table_has_every_goal_row_with_its_verdict() -> None:
    rows = run_rows(measured(200, refused=2))
    assert [row.goal for row in rows] == list(GOALS)
    verdicts = {row.goal: row.verdict for row in rows}
    assert verdicts["G1 first provider request"] == MET
    assert verdicts["G2 provider 429s"] == MISSED
    assert verdicts["G5 inbound c=16"] == MET
    assert verdicts["G5 inbound c=64"] == MISSED  # p99 80 ms
    text = report(
        {
            "commit": "abc",
            "started": "s",
            "ended": "e",
            "load_start": (1.0, 2.0, 3.0),
            "load_end": (1.5, 2.0, 3.0),
            "limits": {"telegram_rate": 30},
        },
        [measured(200, refused=2), measured(5000)],
    )
    for goal in (*GOALS, "G6 growth"):
        assert f"| {goal} |" in text
    assert "load average (1/5/15 min): start 1.00/2.00/3.00, end 1.50/2.00/3.00" in text
    assert "twilio.rate_per_second: 1.0 → 100.0" in text
    assert "WARNING: the stand-ins answered 2 sends" in text
    # each channel against its own ideal: a slow channel shows even when it is not the bound
    assert "bound: telegram; per channel email 2.900, sms 1.010, telegram 1.030" in text


def test_a_failed_run_still_shows_every_goal_as_missed_and_growth_compares_sizes() -> None:
    rows = run_rows({"db": "postgresql", "people": 5000, "error": "boom"})
    assert [row.goal for row in rows] == list(GOALS)
    assert {row.verdict for row in rows} == {MISSED}
    small, large = measured(200), measured(5000)
    large["g6_activation"] = {**large["g6_activation"], "ms_per_person": 0.2}
    (growth,) = growth_rows([small, large])
    assert growth.verdict == MISSED and growth.measured.startswith("4.00")


def test_quick_mode_is_200_people_on_one_database() -> None:
    quick = parse(["--quick"])
    assert (quick.sizes, quick.db, quick.repeats) == ("200", "sqlite", 3)
    assert parse(["--quick", "--db", "postgresql"]).db == "postgresql"
    assert parse([]).sizes == "200,5000,20000"
    assert [repeats_for(n, None) for n in (200, 5000, 20000)] == [10, 3, 2]


def test_the_service_runs_the_shipped_config_but_for_where_things_are(tmp_path: Path) -> None:
    directory = synthetic_directory(3, tmp_path)
    stand_ins = {
        "twilio_url": "http://127.0.0.1:1",
        "smtp_port": 2,
        "ca_file": str(tmp_path / "ca.pem"),
        "telegram_url": "http://127.0.0.1:3",
        "telegram_token": "1:x",
    }
    overrides = overrides_for(
        port=4,
        database_url=None,
        directory=directory,
        stand_ins=stand_ins,
        sms_rate=100.0,
        extra={"outbox.workers": "3"},
    )
    setup = prepare(tmp_path, port=4, database_url=None, overrides=overrides)
    changed = {key for key, _, _ in settings_diff(setup)}
    assert changed == set(overrides) | {"service.data_dir"}
    assert "outbox.workers" in changed  # a --set is printed like every other difference
    assert setup.database_url.endswith("var/beredskab.sqlite3")


def test_children_end_with_their_whole_process_group(tmp_path: Path) -> None:
    with Children() as children:
        child = children.popen(
            [
                sys.executable,
                "-c",
                "import subprocess, time; subprocess.Popen(['sleep', '60']); time.sleep(60)",
            ]
        )
        assert cpu_seconds(child.pid) >= 0 and peak_rss_mb(child.pid) > 0
        group = os.getpgid(child.pid)
        assert group == child.pid != os.getpgid(0)
    assert child.returncode == -signal.SIGTERM
    with pytest.raises(ProcessLookupError):
        os.killpg(group, 0)  # the grandchild (sleep) is gone too


def test_results_of_separate_runs_merge_into_one_table(tmp_path: Path) -> None:
    def saved(name: str, started: str, load: list[float], run: dict[str, Any]) -> Path:
        meta = {
            "commit": "abc",
            "started": started,
            "ended": started,
            "load_start": load,
            "load_end": load,
            "limits": {},
        }
        path = tmp_path / name
        path.write_text(json.dumps({"meta": meta, "runs": [run]}), encoding="utf-8")
        return path

    first = saved("a.json", "2026-12-01T18:00", [1.0, 1.0, 1.0], measured(200))
    second = saved("b.json", "2026-12-01T18:30", [2.0, 2.0, 2.0], measured(200, db="postgresql"))
    out = tmp_path / "merged.json"
    assert main(["--merge", str(second), str(first), "--out", str(out)]) == 0
    merged = json.loads(out.read_text(encoding="utf-8"))
    assert [r["db"] for r in merged["runs"]] == ["postgresql", "sqlite"]
    assert "start 1.00/1.00/1.00, end 2.00/2.00/2.00" in merged["table"]
    assert (
        "| G1 first provider request | p50 ≤ 50 ms, p99 ≤ 200 ms | postgresql 200 |"
        in (merged["table"])
    )


BENCHMARKS = sorted(
    p.stem
    for p in (Path(__file__).parents[2] / "benchmarks").glob("*.py")
    if p.stem not in ("__init__", "__main__")
)


@pytest.mark.parametrize("module", BENCHMARKS)
def test_every_benchmark_module_imports(module: str) -> None:
    """A refactoring of one benchmark cannot leave another that no longer starts (mypy does
    not check benchmarks/)."""
    importlib.import_module(f"benchmarks.{module}")
