"""The shutdown budget and the deadline that ends a process something still holds."""

from __future__ import annotations

import subprocess
import sys
import time

from beredskab.runtime.shutdown import Budget

STUCK = """
import threading
from beredskab.runtime.shutdown import Deadline

Deadline(0.5).arm()
threading.Event().wait()  # the main thread is stuck for good (a driver call, a join)
"""


def test_the_budget_leaves_room_inside_shutdown_seconds() -> None:
    budget = Budget(10)
    assert (budget.grace, budget.cancel_wait, budget.close) == (6.0, 1.5, 1.5)
    assert budget.grace + budget.cancel_wait + budget.close < budget.total


def test_the_deadline_ends_a_stuck_process_with_one_line() -> None:
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-c", STUCK], capture_output=True, text=True, timeout=30)
    took = time.monotonic() - began
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "beredskab: shutdown did not finish within 0.5 s; exiting now "
        "(unfinished deliveries stay leased and are sent after the restart)"
    ]
    assert took < 20, took
