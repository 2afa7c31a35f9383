"""The local channel: appends each message as one JSON line to a file and echoes it."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import ClassVar, TextIO

from notifier.types import ChannelKind, DeliveryStatus, Message, Receipt, Recipient


class ConsoleChannel:
    """Delivers every channel kind to a JSON-lines file (the embedded default and dry runs).

    Each line holds ``incident`` (the message topic), ``person``, ``channel``, ``to``,
    ``text``, ``link`` (a personal acknowledgement link, if any), ``buttons`` and
    ``key``. SMS and voice get the short text, the rest the full text.
    """

    name: ClassVar[str] = "console"
    kinds: ClassVar[frozenset[ChannelKind]] = frozenset(ChannelKind)

    def __init__(self, path: Path, *, echo: TextIO | None = sys.stdout) -> None:
        self._path = path
        self._echo = echo
        self._lock = asyncio.Lock()

    async def send(self, recipient: Recipient, message: Message) -> Receipt:
        """Append the message to the outbox file."""
        short = recipient.kind in (ChannelKind.SMS, ChannelKind.VOICE)
        line = json.dumps(
            {
                "incident": message.topic,
                "person": recipient.person_id,
                "channel": recipient.kind.value,
                "to": recipient.address,
                "subject": message.subject,
                "text": message.short_text if short else message.text,
                "link": message.link,
                "buttons": [button.label for button in message.buttons],
                "key": message.key,
            },
            ensure_ascii=False,
        )
        async with self._lock:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            with self._path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
            if self._echo is not None:
                print(line, file=self._echo, flush=True)
        return Receipt(provider_id=f"console:{message.key}", status=DeliveryStatus.DELIVERED)

    async def aclose(self) -> None:
        """Nothing to release."""
