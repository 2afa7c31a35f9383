"""The channel pool: each send goes to a free member."""

from __future__ import annotations

import asyncio

from notifier.pool import ChannelPool
from notifier.types import ChannelKind, DeliveryStatus, Message, Receipt, Recipient

MESSAGE = Message(key="k-1", subject="Alarm", text="Mød op.", short_text="Mød op.")


def to(address: str) -> Recipient:
    return Recipient(person_id=address, kind=ChannelKind.EMAIL, address=address)


class _Slow:
    """A pool member whose sends take as long as the test says."""

    name = "slow"
    kinds = frozenset({ChannelKind.EMAIL})

    def __init__(self, number: int) -> None:
        self.number = number
        self.sending = 0
        self.peak = 0
        self.release: dict[str, asyncio.Event] = {}

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        self.sending += 1
        self.peak = max(self.peak, self.sending)
        try:
            await self.release.setdefault(recipient.address, asyncio.Event()).wait()
        finally:
            self.sending -= 1
        return Receipt(provider_id=f"{self.number}:{recipient.address}", status=DeliveryStatus.SENT)

    async def aclose(self) -> None:
        return None


async def test_pool_sends_through_a_free_member_never_behind_a_busy_one() -> None:
    members = [_Slow(i) for i in range(3)]
    pool = ChannelPool(members)
    events: dict[str, asyncio.Event] = {}
    for member in members:
        member.release = events  # one event per address, shared
    sends = [asyncio.create_task(pool.send(to(f"p{i}@x.example"), MESSAGE)) for i in range(3)]
    await asyncio.sleep(0)
    assert pool.free == 0
    # the second send ends first; the fourth must go to the member that finished
    events.setdefault("p1@x.example", asyncio.Event()).set()
    second = await sends[1]
    fourth = asyncio.create_task(pool.send(to("p3@x.example"), MESSAGE))
    await asyncio.sleep(0)
    assert [m.sending for m in members] == [1, 1, 1]  # no member has two at once
    for address in ("p0@x.example", "p2@x.example", "p3@x.example"):
        events.setdefault(address, asyncio.Event()).set()
    results = await asyncio.gather(*sends, fourth)
    assert results[3].provider_id.split(":")[0] == second.provider_id.split(":")[0]
    assert all(m.peak == 1 for m in members)
    assert pool.free == 3
