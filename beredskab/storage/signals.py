"""Commit signals: wake whoever waits for work the moment a transaction that queued it commits.

A repository that writes work (a delivery due now, a timer) marks its transaction with a
*topic* (``Tx.signal``): ``deliveries.<channel>`` or ``timers``.
``Database.transaction`` fires the marked topics on the process's ``Signals`` hub after a
successful commit — never after a rollback — so no use case has to remember to wake anyone.

Other processes (a second instance, a CLI command) hear it too:

- PostgreSQL: the transaction runs ``pg_notify('beredskab', '<origin> <topics>')`` just before
  it commits; PostgreSQL delivers the notification only if the commit succeeds. Each `serve`
  LISTENs on a dedicated connection (``open_listener``, kept open by
  ``runtime.listener.Listener``).
- SQLite (one `serve` per database file): the committing process sends the same text as a
  datagram to the Unix socket ``<database file>.wake``, which `serve` binds.

A process ignores its own notifications (its hub already fired). A topic wakes waiters on the
topic itself, on its parent (``deliveries`` for ``deliveries.sms``) and, fired as a parent, on
all its children. While nothing listens (before the listener is up, or while PostgreSQL
restarts), ``listening`` is False and idle loops fall back to a modest poll
(``DEAF_POLL_SECONDS``), so nothing is missed; when listening resumes every topic fires once.

One signal comes *before* a transaction: ``sending_soon``, which a use case about to queue
messages that must leave at once (an activation) gives before it begins writing. It runs the
hooks registered with ``on_sending`` at once, in this process only; `serve`'s outbox
registers one that opens the providers' connections, so that they are open by the time the
first message is claimed (``notifier.warm``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

log = logging.getLogger(__name__)

CHANNEL = "beredskab"
"""The PostgreSQL notification channel; the payload is ``<origin> <topic> <topic>…``."""
DELIVERIES = "deliveries"
TIMERS = "timers"
FANOUTS = "fanouts"
"""A large send was started (``beredskab.incident.fanout``): queue the rest of it."""
DIRECTORY = "directory"
"""A new revision of the contact directory was stored (``beredskab.directory``): reload it."""
RESIDENTS = "residents"
"""A resident subscription ended, began or was erased, or an incident closed: what the
outbox's last look before a resident SMS knows is out of date (``outbox.freshness``)."""
ALL_TOPICS = (DELIVERIES, TIMERS, FANOUTS, DIRECTORY, RESIDENTS)
DEAF_POLL_SECONDS = 2.0
"""How long an idle loop sleeps at most while no cross-process signal can reach it."""
SOCKET_SUFFIX = ".wake"
OUTBOX_FIRST_TURNS = 8
"""On SQLite, how many turns of the event loop a background loop that a commit woke (the
timer loop, the fan-out runner, the outbox's fallback loop) lets pass before its first
statement (``outbox_first``)."""


def deliveries_topic(channel: str) -> str:
    """The topic of rows of one channel becoming due (``deliveries.sms``)."""
    return f"{DELIVERIES}.{channel}"


def _later_than_deliveries(sub: Subscription) -> bool:
    return not any(_related(DELIVERIES, topic) for topic in sub.topics)


def _related(a: str, b: str) -> bool:
    """True if one topic is the other or its parent."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


class Subscription:
    """One waiter's view of some topics: set when any of them fires."""

    def __init__(self, hub: Signals, topics: tuple[str, ...]) -> None:
        self._hub = hub
        self.topics = topics
        self.event = asyncio.Event()

    def clear(self) -> None:
        """Forget earlier signals (call before looking for work)."""
        self.event.clear()

    @property
    def fired(self) -> bool:
        """Whether a topic fired since the last ``clear``."""
        return self.event.is_set()

    def close(self) -> None:
        """Stop receiving signals."""
        self._hub.unsubscribe(self)


class Signals:
    """The in-process hub of one ``Database``: subscriptions per topic, fired after commits."""

    def __init__(self) -> None:
        self.origin = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        """This process's mark on the notifications it sends (it ignores its own)."""
        self._subs: dict[Subscription, None] = {}
        """In the order they subscribed: the order ``fire`` wakes them in."""
        self.listening = False
        """True while notifications from other processes reach this one."""
        self.fired = 0
        """How many topics were fired (for tests and metrics)."""
        self._sending: list[Callable[[], None]] = []

    def subscribe(self, *topics: str) -> Subscription:
        """A new subscription to ``topics``; ``close`` it when done."""
        sub = Subscription(self, topics)
        self._subs[sub] = None
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Remove a subscription (idempotent)."""
        self._subs.pop(sub, None)

    def fire(self, topics: Iterable[str]) -> None:
        """Wake every subscription related to one of ``topics``: the outbox's (``deliveries``)
        first, then the others, each in the order they subscribed (the order their waiters
        run in). A commit that queued messages and scheduled timers or a fan-out (an
        activation) thus lets the outbox claim its first messages before the timer loop and
        the fan-out runner have their look: on SQLite each look runs on the loop's thread
        for milliseconds, ahead of the first SMS."""
        names = list(topics)
        self.fired += len(names)
        woken = [s for s in self._subs if any(_related(t, x) for t in names for x in s.topics)]
        for sub in sorted(woken, key=_later_than_deliveries):  # stable: subscription order
            sub.event.set()

    def on_sending(self, hook: Callable[[], None]) -> Callable[[], None]:
        """Run ``hook`` on each ``sending_soon``; returns the function that removes it. The hook
        runs inside the caller's step, so it must only start work (create tasks), not do it."""
        self._sending.append(hook)
        return lambda: self._sending.remove(hook) if hook in self._sending else None

    def sending_soon(self) -> None:
        """Messages that must leave at once are about to be queued (a hint, before the
        transaction; never fails: a hook's error is logged)."""
        for hook in list(self._sending):
            try:
                hook()
            except Exception:
                log.exception("a sending_soon hook failed")

    def payload(self, topics: Iterable[str]) -> str:
        """The notification text for other processes."""
        return " ".join([self.origin, *sorted(topics)])

    def receive(self, payload: str) -> None:
        """A notification from another process (or our own, which is ignored)."""
        origin, *topics = payload.split()
        if origin != self.origin and topics:
            self.fire(topics)

    def max_nap(self, cap: float) -> float:
        """The longest an idle loop may sleep: ``cap`` while listening, else a modest poll."""
        return cap if self.listening else min(cap, DEAF_POLL_SECONDS)


async def outbox_first(dialect: str) -> None:
    """On SQLite, let the event loop turn ``OUTBOX_FIRST_TURNS`` times: a background loop
    that a commit woke calls this before it looks or writes. The same commit woke the outbox
    (first: ``Signals.fire``), whose claim and first sends must come before the loop's
    statements, which run on the loop's thread (``storage.inloop``) for milliseconds each —
    a fan-out's chunk of 500 people for tens of them. A woken waiter of ``wait`` runs again
    within three turns of the commit and a claim's sends start within a few more; counted in
    turns, not time, this holds on a loaded machine too. On PostgreSQL a statement gives the
    loop back while it waits for its round trip, and the claim's round trips interleave with
    the others'; there the fan-out's first chunks are small instead (``fanout.RAMP_FROM``)."""
    if dialect == "sqlite":
        for _turn in range(OUTBOX_FIRST_TURNS):
            await asyncio.sleep(0)


async def wait(sub: Subscription, stop: asyncio.Event, seconds: float) -> None:
    """Until ``sub`` fires, ``stop`` is set or ``seconds`` pass."""
    if sub.fired or stop.is_set() or seconds <= 0:
        return
    waiters = [asyncio.ensure_future(sub.event.wait()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def socket_path(database_file: Path) -> Path:
    """Where `serve` on a SQLite file listens for commit signals."""
    return database_file.with_name(database_file.name + SOCKET_SUFFIX)


def send_datagram(path: Path, payload: str) -> None:
    """Tell a `serve` on the same SQLite file (if one listens) what was committed; never
    blocks and never fails (no listener: nobody to wake)."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        sock.sendto(payload.encode()[:2048], str(path))


def _remove(path: Path) -> None:
    """Remove a socket file if it is there."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


class Listening:
    """An open channel from other processes; ``lost`` is set when it breaks."""

    def __init__(
        self,
        close: Callable[[], object],
        probe: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.lost = asyncio.Event()
        self._close = close
        self._probe = probe

    async def check(self) -> None:
        """Prove the channel still works (a PostgreSQL round trip); raises if it does not."""
        if self._probe is not None:
            await self._probe()

    async def aclose(self) -> None:
        """Stop listening."""
        result = self._close()
        if asyncio.iscoroutine(result):
            await result


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, hub: Signals, lost: Callable[[], None]) -> None:
        self._hub = hub
        self._lost = lost

    def datagram_received(self, data: bytes, addr: object) -> None:
        self._hub.receive(data.decode(errors="replace"))

    def error_received(self, exc: Exception) -> None:
        log.debug("commit signal socket error: %s", exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost()


async def listen_socket(hub: Signals, path: Path) -> Listening:
    """Bind the SQLite wake socket (replacing a stale one left by a dead process)."""
    _remove(path)
    holder: list[Listening] = []

    def lost() -> None:
        if holder:
            holder[0].lost.set()

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:  # bound here, not by ``local_addr``: uvloop takes that only as (host, port)
        sock.bind(str(path))
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: _Datagrams(hub, lost), sock=sock)
    except BaseException:
        sock.close()
        raise

    def close() -> None:
        transport.close()
        _remove(path)

    listening = Listening(close)
    holder.append(listening)
    return listening
