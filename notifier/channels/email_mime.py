"""An email built once per notification and personalised per recipient by substitution.

Building and flattening an ``EmailMessage`` per recipient (header parsing, content-manager
heuristics, the generator) was three quarters of the SMTP channel's CPU. A ``Composer``
instead renders, once per distinct (subject, text, language, with/without link), the
encoded headers and the body text around the link; per recipient it only fills in ``To``,
``Date``, ``Message-ID`` and the link and base64-encodes the two parts. The link goes into
the base64 bodies (HTML-escaped in the HTML part), so it can never reach the headers; an
address that is not a plain ``local@domain`` is rejected here and left to the generic
``EmailMessage`` path.
"""

from __future__ import annotations

import base64
import html
import re
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.utils import format_datetime, formataddr
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notifier.channels.email import SmtpConfig
    from notifier.types import Message

ACK_INTRO = "Kvittér for modtagelsen her:"
ACK_LABEL = "Kvittér for modtagelsen"
CACHE_SIZE = 64
"""Distinct notifications whose rendered parts are kept (one incident's fan-out is one)."""

# A dot-atom local part and domain (non-ASCII allowed: SMTPUTF8): no whitespace, controls,
# quotes, angle brackets or other specials, so ``To: <address>`` is the header verbatim.
_ATEXT = r"[^\s<>\"(),.:;@\[\]\\\x00-\x1f\x7f]+"
_PLAIN_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@{_ATEXT}(?:\.{_ATEXT})*")
_CRLF = "\r\n"


def plain_address(address: str) -> bool:
    """True when ``address`` is a bare ``local@domain`` that can stand in a header as is."""
    return _PLAIN_ADDRESS.fullmatch(address) is not None


def _header(name: str, value: str) -> str:
    """One header line as ``EmailMessage`` + the SMTP policy would write it (RFC 2047 for
    non-ASCII text, folded at 78). Raises ``ValueError`` on CR/LF in ``value``."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"header {name} may not contain line breaks")
    folded: str = policy.SMTP.header_factory(name, value).fold(policy=policy.SMTP)
    return folded


def _b64(text: str) -> str:
    """UTF-8 ``text`` in canonical form (CRLF line ends, one after the last line, as
    ``set_content`` makes it) as base64 lines of 76 characters, CRLF-terminated."""
    canonical = b"\r\n".join(text.encode("utf-8").splitlines()) + b"\r\n"
    return base64.encodebytes(canonical).decode("ascii").replace("\n", _CRLF)


@dataclass(frozen=True, slots=True)
class _Rendered:
    """The parts of one notification's email that are the same for every recipient."""

    top: str  # From and Subject
    bottom: str  # Auto-Submitted … up to the first part's body
    plain_head: str
    html_head: str
    html_tail: str
    middle: str  # between the plain and the HTML body
    end: str
    has_link: bool


class Composer:
    """Renders the MIME text of each recipient's email; one per SMTP pool (thread-unsafe,
    used from one event loop)."""

    def __init__(self, config: SmtpConfig) -> None:
        self.sender = config.from_address
        self.domain = config.domain
        self._from = _header("From", formataddr((config.from_name, config.from_address)))
        self._cache: OrderedDict[tuple[str, str, str, bool], _Rendered] = OrderedDict()
        self._date_second = -1
        self._date = ""

    def _rendered(self, message: Message, language: str) -> _Rendered:
        key = (message.subject, message.text, language, bool(message.link))
        rendered = self._cache.get(key)
        if rendered is not None:
            self._cache.move_to_end(key)
            return rendered
        rendered = self._render(message, language)
        self._cache[key] = rendered
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return rendered

    def _render(self, message: Message, language: str) -> _Rendered:
        boundary = f"=_bk_{secrets.token_hex(10)}"  # "_" never occurs in base64
        part = (
            f'--{boundary}{_CRLF}Content-Type: text/{{}}; charset="utf-8"{_CRLF}'
            f"Content-Transfer-Encoding: base64{_CRLF}{_CRLF}"
        )
        paragraphs = "".join(
            "<p>{}</p>".format(html.escape(text).replace("\n", "<br>"))
            for text in message.text.strip().split("\n\n")
        )
        title = html.escape(message.subject)
        return _Rendered(
            top=self._from + _header("Subject", message.subject),
            bottom=(
                f"Auto-Submitted: auto-generated{_CRLF}"
                + _header("Content-Language", language)
                + f"MIME-Version: 1.0{_CRLF}"
                f'Content-Type: multipart/alternative; boundary="{boundary}"{_CRLF}{_CRLF}'
                + part.format("plain")
            ),
            plain_head=message.text.rstrip(),
            html_head=(
                '<!DOCTYPE html><html lang="da"><head><meta charset="utf-8">'
                f"<title>{title}</title></head><body>{paragraphs}"
            ),
            html_tail="</body></html>\n",
            middle=part.format("html"),
            end=f"--{boundary}--{_CRLF}",
            has_link=bool(message.link),
        )

    def _now(self) -> str:
        second = int(time.time())
        if second != self._date_second:
            self._date_second = second
            self._date = format_datetime(datetime.fromtimestamp(second, UTC))
        return self._date

    def compose(self, address: str, message: Message, language: str, msgid: str) -> bytes:
        """The whole message for one recipient, CRLF line ends, 7-bit except a non-ASCII
        address (which needs SMTPUTF8). ``address`` must satisfy ``plain_address``."""
        if not plain_address(address):
            raise ValueError(f"{address!r} is not a plain email address")
        rendered = self._rendered(message, language)
        plain, rich = rendered.plain_head, rendered.html_head
        if rendered.has_link and message.link:
            plain += f"\n\n{ACK_INTRO}\n{message.link}"
            href = html.escape(message.link, quote=True)
            rich += f'<p><a href="{href}">{ACK_LABEL}</a></p>'
        text = "".join(
            (
                rendered.top,
                f"To: {address}{_CRLF}Date: {self._now()}{_CRLF}Message-ID: {msgid}{_CRLF}",
                rendered.bottom,
                _b64(plain + "\n"),
                rendered.middle,
                _b64(rich + rendered.html_tail),
                rendered.end,
            )
        )
        return text.encode("utf-8")
