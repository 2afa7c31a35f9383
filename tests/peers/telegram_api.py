"""A stateful local Telegram Bot API server for tests, spoken to by the real aiogram client.

Point aiogram at it with ``TelegramAPIServer.from_base(api.base_url)``. It keeps chats,
sent messages, callback queries and an update queue; ``getUpdates`` long-polls for real.
Tests inject user messages, contact shares and button presses, and Telegram-shaped errors
(429 with ``retry_after``, 403 "bot was blocked by the user") per chat or for the next calls.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest_asyncio
from aiohttp import web

TEST_BOT_TOKEN = "424242:AAF-beredskab-test-token-0123456789ab"
TEST_BOT_USERNAME = "beredskab_test_bot"

Json = dict[str, Any]
Handler = Callable[[Json], Awaitable[Any]]


@dataclass(eq=False)
class ApiError(Exception):
    """A Telegram error response: ``{"ok": false, "error_code": ..., "description": ...}``."""

    error_code: int
    description: str
    retry_after: int | None = None

    @classmethod
    def too_many_requests(cls, retry_after: int = 3) -> ApiError:
        """429 flood control."""
        return cls(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    @classmethod
    def blocked(cls) -> ApiError:
        """403: the user blocked the bot."""
        return cls(403, "Forbidden: bot was blocked by the user")

    @classmethod
    def bad_request(cls, what: str) -> ApiError:
        """400 with Telegram's prefix."""
        return cls(400, f"Bad Request: {what}")

    def body(self) -> Json:
        """The JSON body Telegram sends for this error."""
        payload: Json = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            payload["parameters"] = {"retry_after": self.retry_after}
        return payload


@dataclass
class _Failure:
    error: ApiError
    times: int
    methods: frozenset[str] | None


@dataclass
class Call:
    """One request the server received: lower-cased method name and decoded parameters."""

    method: str
    params: Json


@dataclass
class SentMessage:
    """A message the bot sent (or its latest edited state)."""

    message_id: int
    chat_id: int
    text: str
    reply_markup: Json | None
    date: int
    history: list[str] = field(default_factory=list)

    @property
    def button_data(self) -> list[str]:
        """callback_data of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


class FakeBotApi:
    """The Bot API server. Start with ``await api.start()``; ``base_url`` is then set."""

    def __init__(self, token: str = TEST_BOT_TOKEN, username: str = TEST_BOT_USERNAME) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.username = username
        self.calls: list[Call] = []
        self.sent: list[SentMessage] = []
        self.answered_callbacks: list[Json] = []
        self.webhook: Json | None = None
        self.commands: list[Json] = []
        self._messages: dict[tuple[int, int], SentMessage] = {}
        self._message_ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._open_callbacks: set[str] = set()
        self._updates: list[Json] = []
        self._changed = asyncio.Condition()
        self._chat_failures: dict[int, ApiError] = {}
        self._failures: list[_Failure] = []
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.latency = 0.0  # seconds added to every sendMessage (benchmarks)
        self.resets = 0
        self._resets_left = 0
        self._reset_recorded = True
        self._reset_every = 1
        self._reset_seen = 0
        self._handlers: dict[str, Handler] = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "answercallbackquery": self._answer_callback_query,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "setmycommands": self._set_my_commands,
            "deletemycommands": self._delete_my_commands,
            "sendchataction": self._ok_true,
        }

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free 127.0.0.1 port."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        """Wake long polls and stop listening."""
        self._closing = True
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def probe(self) -> None:
        """Readiness probe: ``getMe`` over HTTP answers with *this* bot."""
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.base_url}/bot{self.token}/getMe") as response,
        ):
            body = await response.json()
        if not (body.get("ok") and body["result"]["username"] == self.username):
            raise RuntimeError(f"not our fake Bot API at {self.base_url}: {body!r}")

    # -- failure injection --------------------------------------------------------------------

    def fail_chat(self, chat_id: int, error: ApiError) -> None:
        """Every call addressed to ``chat_id`` fails with ``error`` until cleared."""
        self._chat_failures[chat_id] = error

    def clear_chat_failure(self, chat_id: int) -> None:
        """Undo ``fail_chat``."""
        self._chat_failures.pop(chat_id, None)

    def fail_next(self, error: ApiError, times: int = 1, methods: set[str] | None = None) -> None:
        """The next ``times`` calls (of ``methods``, default: any) fail with ``error``."""
        wanted = frozenset(m.lower() for m in methods) if methods is not None else None
        self._failures.append(_Failure(error, times, wanted))

    def reset(self, n: int, *, recorded: bool = True, every: int = 1) -> None:
        """Close the connection without an answer on ``n`` of the next sendMessage calls (one
        in ``every``), after sending the message (``recorded``: it is in the chat, the bot
        cannot know) or before."""
        self._resets_left, self._reset_recorded = n, recorded
        self._reset_every, self._reset_seen = every, 0

    def _resetting(self, method: str) -> bool:
        if method != "sendmessage" or self._resets_left <= 0:
            return False
        self._reset_seen += 1
        if self._reset_seen % self._reset_every:
            return False
        self._resets_left -= 1
        self.resets += 1
        return True

    def _injected_failure(self, method: str, params: Json) -> ApiError | None:
        chat = params.get("chat_id")
        if chat is not None and int(chat) in self._chat_failures:
            return self._chat_failures[int(chat)]
        for failure in self._failures:
            if failure.methods is None or method in failure.methods:
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return failure.error
        return None

    # -- what users do ------------------------------------------------------------------------

    @staticmethod
    def _user(user_id: int, first_name: str) -> Json:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "da"}

    @staticmethod
    def _private_chat(user_id: int, first_name: str) -> Json:
        return {"id": user_id, "type": "private", "first_name": first_name}

    async def _push(self, kind: str, payload: Json) -> Json:
        update = {"update_id": next(self._update_ids), kind: payload}
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        return update

    async def inject_message(
        self,
        user_id: int,
        text: str,
        first_name: str = "Test",
        *,
        reply_to: SentMessage | None = None,
    ) -> Json:
        """A user writes ``text`` to the bot in their private chat (as a reply to one of the
        bot's messages when ``reply_to`` is given); returns the update."""
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._private_chat(user_id, first_name),
            "from": self._user(user_id, first_name),
            "text": text,
        }
        if reply_to is not None:
            message["reply_to_message"] = self._message_json(reply_to)
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self._push("message", message)

    async def inject_contact(
        self,
        user_id: int,
        phone_number: str,
        first_name: str = "Test",
        *,
        own: bool = True,
    ) -> Json:
        """A user shares a contact (their own unless ``own`` is false); returns the update."""
        contact: Json = {"phone_number": phone_number, "first_name": first_name}
        if own:
            contact["user_id"] = user_id
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._private_chat(user_id, first_name),
            "from": self._user(user_id, first_name),
            "contact": contact,
        }
        return await self._push("message", message)

    async def press_button(
        self, message: SentMessage, data: str, user_id: int | None = None, first_name: str = "Test"
    ) -> str:
        """A user presses the inline button carrying ``data``; returns the callback query id."""
        if data not in message.button_data:
            raise ValueError(f"message {message.message_id} has no button {data!r}")
        presser = message.chat_id if user_id is None else user_id
        query_id = f"cb{next(self._callback_ids)}"
        self._open_callbacks.add(query_id)
        await self._push(
            "callback_query",
            {
                "id": query_id,
                "from": self._user(presser, first_name),
                "message": self._message_json(message),
                "chat_instance": f"ci{message.chat_id}",
                "data": data,
            },
        )
        return query_id

    async def wait_for_sent(self, count: int, within: float = 60.0) -> list[SentMessage]:
        """Wait until at least ``count`` messages were sent; returns all sent messages."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: len(self.sent) >= count)
        return list(self.sent)

    async def wait_for(self, condition: Callable[[], bool], within: float = 60.0) -> None:
        """Wait until ``condition()`` holds; checked after every answered API call."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(condition)

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        """Messages sent to one chat, oldest first."""
        return [m for m in self.sent if m.chat_id == chat_id]

    # -- HTTP ---------------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        method = request.match_info["method"].lower()
        params = await self._params(request)
        self.calls.append(Call(method, params))
        handler = self._handlers.get(method)
        if handler is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        if self.latency and method == "sendmessage":
            await asyncio.sleep(self.latency)
        if self._resetting(method):
            if self._reset_recorded:
                await handler(params)
                async with self._changed:
                    self._changed.notify_all()
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=204)  # never written: the socket is gone
        failure = self._injected_failure(method, params)
        if failure is None:
            try:
                result = await handler(params)
            except ApiError as error:
                failure = error
        if failure is not None:
            return web.json_response(failure.body(), status=failure.error_code)
        async with self._changed:
            self._changed.notify_all()
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    async def _params(request: web.Request) -> Json:
        params: Json = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
            return params
        form = await request.post()
        for key, value in form.items():
            if not isinstance(value, str):
                continue
            try:
                params[key] = json.loads(value) if value[:1] in "[{" else value
            except json.JSONDecodeError:
                params[key] = value
        return params

    def _message_json(self, message: SentMessage) -> Json:
        chat: Json = (
            {"id": message.chat_id, "type": "private", "first_name": "Test"}
            if message.chat_id > 0
            else {"id": message.chat_id, "type": "supergroup", "title": "Beredskab"}
        )
        body: Json = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": chat,
            "from": {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": "Beredskab",
                "username": self.username,
            },
            "text": message.text,
        }
        if message.history:
            body["edit_date"] = int(time.time())
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            body["reply_markup"] = message.reply_markup  # Telegram echoes inline keyboards only
        return body

    def _find(self, params: Json) -> SentMessage:
        try:
            key = (int(params["chat_id"]), int(params["message_id"]))
        except (KeyError, ValueError) as error:
            raise ApiError.bad_request("chat_id and message_id are required") from error
        found = self._messages.get(key)
        if found is None:
            raise ApiError.bad_request("message to edit not found")
        return found

    # -- methods ------------------------------------------------------------------------------

    async def _ok_true(self, params: Json) -> bool:
        return True

    async def _get_me(self, params: Json) -> Json:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Beredskab",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _get_updates(self, params: Json) -> list[Json]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset", 0))
        timeout = float(params.get("timeout", 0))
        limit = int(params.get("limit", 100))
        async with self._changed:
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and timeout > 0 and not self._closing:
                try:
                    async with asyncio.timeout(timeout):
                        await self._changed.wait_for(lambda: bool(self._updates) or self._closing)
                except TimeoutError:
                    pass
            return list(self._updates[:limit])

    async def _send_message(self, params: Json) -> Json:
        text = str(params.get("text", ""))
        if "chat_id" not in params:
            raise ApiError.bad_request("chat_id is empty")
        if not text.strip():
            raise ApiError.bad_request("message text is empty")
        if len(text) > 4096:
            raise ApiError.bad_request("message is too long")
        message = SentMessage(
            message_id=next(self._message_ids),
            chat_id=int(params["chat_id"]),
            text=text,
            reply_markup=params.get("reply_markup"),
            date=int(time.time()),
        )
        self.sent.append(message)
        self._messages[(message.chat_id, message.message_id)] = message
        return self._message_json(message)

    async def _edit_message_text(self, params: Json) -> Json:
        message = self._find(params)
        text = str(params.get("text", ""))
        markup = params.get("reply_markup")
        if text == message.text and markup == message.reply_markup:
            raise ApiError.bad_request(
                "message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message"
            )
        message.history.append(message.text)
        message.text = text
        message.reply_markup = markup
        return self._message_json(message)

    async def _edit_message_reply_markup(self, params: Json) -> Json:
        message = self._find(params)
        markup = params.get("reply_markup")
        if markup == message.reply_markup:
            raise ApiError.bad_request("message is not modified")
        message.history.append(message.text)
        message.reply_markup = markup
        return self._message_json(message)

    async def _answer_callback_query(self, params: Json) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._open_callbacks:
            raise ApiError.bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._open_callbacks.discard(query_id)
        self.answered_callbacks.append(params)
        return True

    async def _set_webhook(self, params: Json) -> bool:
        url = str(params.get("url", ""))
        if not url:
            self.webhook = None
            return True
        if not url.startswith("https://"):
            raise ApiError.bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = params
        return True

    async def _delete_webhook(self, params: Json) -> bool:
        self.webhook = None
        if str(params.get("drop_pending_updates", "")).lower() == "true":
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: Json) -> Json:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _set_my_commands(self, params: Json) -> bool:
        self.commands = list(params.get("commands", []))
        return True

    async def _delete_my_commands(self, params: Json) -> bool:
        self.commands = []
        return True


@pytest_asyncio.fixture
async def fake_bot_api() -> AsyncIterator[FakeBotApi]:
    """A started, probed ``FakeBotApi`` on a free 127.0.0.1 port."""
    api = FakeBotApi()
    await api.start()
    try:
        await api.probe()
        yield api
    finally:
        await api.stop()
