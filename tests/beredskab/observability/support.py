"""A service on the console channel and the test clock, with an SMS channel that refuses every
number the way Twilio does; and reading ``/metrics`` with prometheus_client's own parser."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from prometheus_client.parser import text_string_to_metric_families

from beredskab.app import App
from beredskab.delivery.outbox import Outbox
from beredskab.observability.metrics import Metrics
from beredskab.plan import Plan
from beredskab.settings import ConsoleSettings, ServiceSettings, Settings, WebSettings
from beredskab.storage import Database
from notifier.base import Channel
from notifier.channels.console import ConsoleChannel
from notifier.errors import PermanentDeliveryError
from notifier.types import ChannelKind, Message, Receipt, Recipient
from tests.conftest import TestClock

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


class RefusingSms:
    """Twilio's answer to a number it cannot send to, quoting the number (as Twilio does)."""

    name: ClassVar[str] = "refusing-sms"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset({ChannelKind.SMS})

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        """Always refuse."""
        raise PermanentDeliveryError(
            f"Twilio 400 (code 21211): The 'To' number {recipient.address} is not a valid "
            "phone number."
        )

    async def aclose(self) -> None:
        """Nothing to close."""


async def build(db_url: str, clock: TestClock, plan: Plan, data_dir: Path, *, port: int = 0) -> App:
    """The service, migrated, its metrics counting from the test clock's now."""
    settings = Settings(
        service=ServiceSettings(data_dir=data_dir),
        console=ConsoleSettings(outbox_file=data_dir / "outbox.jsonl", echo=False),
        web=WebSettings(host="127.0.0.1", port=port),
    )
    db = Database(db_url, clock=clock)
    console = ConsoleChannel(settings.outbox_file, echo=None)
    channels: dict[ChannelKind, Channel] = {kind: console for kind in ChannelKind}
    channels[ChannelKind.SMS] = RefusingSms()
    metrics = Metrics()
    outbox = Outbox(db=db, channels=channels, settings=settings.outbox, metrics=metrics)
    app = App(
        settings=settings, plan=plan, db=db, channels=channels, outbox=outbox, metrics=metrics
    )
    await app.start()
    return app


def parse(text: str) -> Samples:
    """Every sample of a scrape: (name, labels) → value."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    """One sample's value, None when the scrape does not carry it."""
    return samples.get((name, frozenset(labels.items())))


def names(samples: Samples) -> set[str]:
    """The names of every sample in a scrape."""
    return {name for name, _ in samples}
