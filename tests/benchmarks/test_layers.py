"""``benchmarks.layers`` gives each py-spy sample to the right layer."""

from __future__ import annotations

from pathlib import Path

from benchmarks.layers import _CALL, _TAKE, SQLITE, WAITING, split

LOOP = "thread (1): MainThread;run (asyncio/base_events.py:607)"
WORKER = "thread (2): Thread-1 (_connection_worker_thread);run (threading.py:975)"
OUTBOX = "beredskab/delivery/outbox"


def test_samples_go_to_the_innermost_known_layer(tmp_path: Path) -> None:
    stacks = tmp_path / "stacks.txt"
    stacks.write_text(
        "\n".join(
            [
                f"{LOOP};EpollSelector.select (selectors.py:468) 50",
                f"{WORKER};_connection_worker_thread (aiosqlite/{_CALL} 20",
                f"{WORKER};_connection_worker_thread (aiosqlite/core.py:1);get (queue.py:1) 10",
                f"{LOOP};_round ({OUTBOX}/__init__.py:1);execute (sqlalchemy/x.py:1) 10",
                f"{LOOP};send ({OUTBOX}/sending.py:1);write (aiohttp/http_writer.py:1) 5",
                f"{LOOP};_round (beredskab/delivery/outbox/__init__.py:1) 5",
            ]
        )
        + "\n"
    )
    result = split(stacks)
    assert result["samples"] == 100
    assert result["waiting_pct"] == 50.0  # a runnable loop in epoll waits for a core
    assert result["layer_pct_of_busy"] == {
        SQLITE: 40.0,
        "aiosqlite hand-offs": 20.0,
        "sqlalchemy": 20.0,
        "http client": 10.0,
        "service": 10.0,
    }
    assert WAITING not in result["layer_pct_of_busy"]
    assert result["component_pct"]["outbox"] == 20.0


def test_a_driver_thread_waiting_for_a_statement_is_idle_and_the_inloop_run_is_sqlite(
    tmp_path: Path,
) -> None:
    """py-spy records aiosqlite's worker blocked on its queue as busy; it is waiting for a
    statement and counts nowhere. ``storage.inloop``'s ``_run`` is SQLite's work (C)."""
    stacks = tmp_path / "stacks.txt"
    stacks.write_text(
        "\n".join(
            [
                f"{WORKER};_connection_worker_thread (aiosqlite/{_TAKE} 70",
                f"{LOOP};execute (sqlalchemy/x.py:1);_run (beredskab/storage/inloop.py:1) 20",
                f"{LOOP};_round ({OUTBOX}/__init__.py:1) 10",
            ]
        )
        + "\n"
    )
    result = split(stacks)
    assert result["samples"] == 30
    assert result["idle_driver_samples"] == 70
    assert result["layer_pct_of_busy"] == {SQLITE: 66.7, "service": 33.3}
