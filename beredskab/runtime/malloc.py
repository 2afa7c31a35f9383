"""Fewer C heaps for ``serve``: glibc's malloc gives each thread that allocates its own arena.

``serve`` allocates from several threads (``to_thread`` workers for the inbound spool and
DNS; before SQLite ran on the loop's thread, aiosqlite's connection threads too), and glibc
then keeps up to eight arenas per core, each holding freed memory of its own: at 20,000
people that was ~60 MB of resident memory no Python object used any more
(benchmarks/memory.py, README "Performance"). Two arenas keep that memory where the next
allocation finds it. Python's own small objects are not affected (pymalloc).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

M_ARENA_MAX = -8
"""``mallopt`` parameter number of ``M_ARENA_MAX`` (glibc's malloc.h)."""


def limit_arenas(arenas: int = 2) -> bool:
    """Cap glibc's malloc arenas for this process (call before threads start); False where
    the C library is not glibc or refuses, which changes nothing else."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    done = bool(mallopt(M_ARENA_MAX, arenas))
    if not done:
        log.debug("mallopt(M_ARENA_MAX) refused")
    return done
