"""``serve`` caps glibc's malloc arenas (``beredskab.runtime.malloc``)."""

from __future__ import annotations

import ctypes.util
import subprocess
import sys

import pytest

from beredskab.runtime import malloc


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's mallopt")
def test_limit_arenas_is_accepted_by_glibc() -> None:
    # a fresh interpreter, so this test process's allocator is left as it is
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from beredskab.runtime.malloc import limit_arenas as f; print(f())",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "True"


def test_without_a_c_library_nothing_happens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    assert malloc.limit_arenas() is False
