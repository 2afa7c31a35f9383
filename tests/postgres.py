"""A throwaway PostgreSQL cluster for tests, started from the installed binaries."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

REQUIRE_ENV = "BEREDSKAB_REQUIRE_POSTGRES"


def find_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl, if PostgreSQL is installed."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(Path(found).resolve().parent)
    return next(
        (
            c
            for c in candidates
            if all((c / tool).exists() for tool in ("initdb", "pg_ctl", "createdb"))
        ),
        None,
    )


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb refuses to run as root: run the server as the postgres user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@dataclass
class Cluster:
    """A throwaway cluster that a test may stop, start and restart on the same port."""

    bindir: Path
    root: Path
    port: int
    durable: bool = False
    """Flush each commit to disk, as a production server does (PostgreSQL's defaults). Tests
    run with ``fsync=off`` (faster, and a test never survives an OS crash); the benchmarks
    run durable, so a commit costs what it costs in production."""

    @property
    def data(self) -> Path:
        """The data directory."""
        return self.root / "data"

    @property
    def url(self) -> str:
        """SQLAlchemy URL base without a database name."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}"

    def init(self) -> None:
        """initdb (trust authentication, UTF8)."""
        cmd = [str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres"]
        subprocess.run(
            _as_postgres([*cmd, "-A", "trust", "-E", "UTF8", "--no-sync"]),
            check=True,
            capture_output=True,
        )

    def _options(self) -> str:
        """The server's command-line settings."""
        flush = "" if self.durable else " -c fsync=off"
        return (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1{flush} "
            "-c max_connections=100"
        )

    def _ctl(self, *args: str, check: bool = True) -> None:
        subprocess.run(
            _as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.data), *args]),
            check=check,
            capture_output=True,
        )

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        self._ctl(
            "-w",
            "-t",
            "60",
            "-l",
            str(self.root / "log"),
            "-o",
            self._options(),
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop (``fast``: roll back open transactions and disconnect every client)."""
        self._ctl("-w", "-t", "60", "-m", mode, "stop")

    def restart(self, mode: str = "fast") -> None:
        """``pg_ctl restart``: stop and start again on the same port."""
        self._ctl(
            "-w",
            "-t",
            "60",
            "-m",
            mode,
            "-l",
            str(self.root / "log"),
            "-o",
            self._options(),
            "restart",
        )

    def pids(self) -> list[int]:
        """The postmaster and every process it started (backends, checkpointer, …)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == postmaster:
                children.append(int(stat.parent.name))
        return [postmaster, *children]

    def freeze(self) -> None:
        """SIGSTOP the whole cluster: connections stay open and nothing answers (a hang)."""
        self._signal(signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT: the cluster answers again."""
        self._signal(signal.SIGCONT)

    def _signal(self, signum: int) -> None:
        """Send ``signum`` to every process of the cluster; one that has ended between listing
        and signalling (a backend whose client went away) needs none."""
        for pid in self.pids():
            with suppress(ProcessLookupError):
                os.kill(pid, signum)


@contextmanager
def running_cluster(*, durable: bool = False) -> Iterator[Cluster]:
    """Start a cluster on a free port; stopped and removed afterwards (``durable``: see
    ``Cluster.durable``)."""
    bindir = find_bindir()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL binaries (initdb, pg_ctl) not found")
    root = Path(tempfile.mkdtemp(prefix="beredskab-pg-"))
    os.chmod(root, 0o777)
    pg = Cluster(bindir, root, free_port(), durable=durable)
    try:
        pg.init()
        pg.start()
        yield pg
    finally:
        if (pg.data / "postmaster.pid").exists():
            pg.thaw()  # a test that froze it and failed must not leave it stopped
        pg._ctl("-m", "immediate", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def cluster(*, durable: bool = False) -> Iterator[str]:
    """Start a cluster on a free port; yields a SQLAlchemy URL base without database name."""
    with running_cluster(durable=durable) as pg:
        yield pg.url


def _tool(server_url: str, name: str) -> list[str]:
    """The command line of one of PostgreSQL's client programs, for the cluster at
    ``server_url`` (as the superuser)."""
    bindir = find_bindir()
    assert bindir is not None
    port = server_url.rsplit(":", 1)[1]
    return [str(bindir / name), "-h", "127.0.0.1", "-p", port, "-U", "postgres"]


def create_database(server_url: str, name: str) -> None:
    """Create an empty database in a running test cluster."""
    subprocess.run([*_tool(server_url, "createdb"), name], check=True, capture_output=True)


def drop_database(server_url: str, name: str) -> None:
    """Drop a test's database when it is done (``--force`` ends what is still connected), so
    the session's cluster does not grow to gigabytes that take minutes to delete at the end.
    Best effort: a cluster a failed test left frozen or stopped is removed whole later."""
    command = [*_tool(server_url, "dropdb"), "--force", name]
    with suppress(subprocess.TimeoutExpired):
        subprocess.run(command, check=False, capture_output=True, timeout=30)
