"""A stand-in for the Bot API at the HTTP edge: it records every call and answers like
Telegram would, so tests drive the real Application and assert what was sent to whom."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

BOT_ID = 999_000_001
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Helper", "username": "helper_bot"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    message_id: int | None = None  # the id Telegram gave the message sent or edited
    # Uploaded files (sendPhoto, sendDocument): part name -> (file name, content).
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[str]:
        """callback_data of every inline button on the message."""
        markup = self.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if not isinstance(markup, dict):
            return []
        return [
            button.get("callback_data", "")
            for row in markup.get("inline_keyboard", [])
            for button in row
        ]

    @property
    def links(self) -> list[str]:
        """url of every inline URL button on the message."""
        markup = self.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if not isinstance(markup, dict):
            return []
        return [
            button["url"]
            for row in markup.get("inline_keyboard", [])
            for button in row
            if "url" in button
        ]


class BotApiStandIn(BaseRequest):
    """Telegram replaced at the HTTP edge, in process: nothing to open or close, and each
    call answered by `respond` (a subclass's), or by `answer` from the method's name and
    parameters alone (the benchmarks' stand-ins)."""

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        return await self.respond(url.rsplit("/", 1)[-1], request_data)

    async def respond(self, api: str, request_data: RequestData | None) -> tuple[int, bytes]:
        """The HTTP status and body Telegram would give to a call of `api`."""
        return self.answer(api, request_data.parameters if request_data else {})

    def answer(self, api: str, params: dict[str, Any]) -> tuple[int, bytes]:
        raise NotImplementedError


def answered(result: object) -> tuple[int, bytes]:
    """A successful Bot API answer carrying `result`."""
    return 200, json.dumps({"ok": True, "result": result}).encode()


@dataclass
class FakeTelegram(BotApiStandIn):
    """Records calls; answers sendMessage & co. with Telegram-shaped results."""

    calls: list[Call] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    # chat id -> how many of the next send* calls to it answer 429 (retry after `retry_after`)
    fail_next_429: dict[int, int] = field(default_factory=dict)
    retry_after: int = 1
    # (method, chat id or None for any chat) -> what the next such calls meet, in order:
    # "500" (Telegram's servers failing), "network" (the connection broke) or "429".
    failures: dict[tuple[str, int | None], list[str]] = field(default_factory=dict)
    failed: list[Call] = field(default_factory=list)  # calls that met one of those
    # What each message shows now, so that an edit changing nothing is refused as Telegram
    # refuses it (400 "message is not modified").
    shown: dict[tuple[int, int], tuple[str, Any]] = field(default_factory=dict)
    # What the next getUpdates returns (raw update dicts), as long polling would see it.
    updates: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    async def respond(self, api: str, request_data: RequestData | None) -> tuple[int, bytes]:
        params = dict(request_data.parameters) if request_data else {}
        call = Call(api, params)
        if request_data is not None and request_data.contains_files:
            for name, part in request_data.multipart_data.items():
                content = part[1] if isinstance(part[1], bytes) else part[1].read()
                call.files[name] = (str(part[0]), content)
        chat_id = call.chat_id
        if chat_id is not None and chat_id in self.blocked:
            return 403, _error(403, "Forbidden: bot was blocked by the user")
        for key in ((api, chat_id), (api, None)):
            if self.failures.get(key):
                self.failed.append(call)
                kind = self.failures[key].pop(0)
                if kind == "network":
                    raise NetworkError("httpx.ReadError: connection reset by peer")
                if kind == "500":
                    return 500, _error(500, "Internal Server Error")
                return 429, _error(
                    429,
                    f"Too Many Requests: retry after {self.retry_after}",
                    {"retry_after": self.retry_after},
                )
        if api.startswith("send") and self.fail_next_429.get(chat_id or 0, 0) > 0:
            self.fail_next_429[chat_id or 0] -= 1
            return 429, _error(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                {"retry_after": self.retry_after},
            )
        if call.method in ("editMessageText", "editMessageReplyMarkup") and self._unchanged(call):
            return 400, _error(
                400,
                "Bad Request: message is not modified: specified new "
                "message content and reply markup are exactly the same",
            )
        self.calls.append(call)
        await asyncio.sleep(0)
        result = self._result(call)
        if isinstance(result, dict) and "message_id" in result:
            call.message_id = result["message_id"]
            self.shown[(result["chat"]["id"], result["message_id"])] = (
                result.get("text", ""),
                result.get("reply_markup"),
            )
        return answered(result)

    def _unchanged(self, call: Call) -> bool:
        key = (call.chat_id or 0, int(call.params.get("message_id", 0)))
        if key not in self.shown:
            return False
        text, markup = self.shown[key]
        new_text = call.text if call.method == "editMessageText" else text
        new_markup = call.params.get("reply_markup") or None
        return (new_text, new_markup) == (text, markup or None)

    def _result(self, call: Call) -> Any:
        if call.method == "getMe":
            return {
                **BOT_USER,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if call.method.startswith("send"):
            return self._message(call, next(self._ids))
        if call.method.startswith("edit"):
            message = self._message(call, int(call.params.get("message_id", 0)))
            if call.method == "editMessageReplyMarkup":
                message["text"] = self.shown.get(
                    (call.chat_id or 0, message["message_id"]), ("", None)
                )[0]
            return message
        if call.method == "getUpdates":
            pending, self.updates[:] = list(self.updates), []
            return pending
        return True

    @staticmethod
    def _message(call: Call, message_id: int) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": call.chat_id or 0, "type": "private"},
            "from": BOT_USER,
            "text": call.text,
        }
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    def fail_next(self, method: str, *kinds: str, chat_id: int | None = None) -> None:
        """Make the next calls of `method` (to `chat_id`, or any) fail: "500", "network",
        "429", one per call, in order."""
        self.failures.setdefault((method, chat_id), []).extend(kinds)

    # --- what the tests ask -------------------------------------------------------------

    def sent_to(self, chat_id: int, method: str = "sendMessage") -> list[Call]:
        return [c for c in self.calls if c.method == method and c.chat_id == chat_id]

    def texts_to(self, chat_id: int) -> list[str]:
        """Everything a person could read: messages sent and edits to them."""
        return [
            c.text
            for c in self.calls
            if c.chat_id == chat_id and c.method in ("sendMessage", "editMessageText")
        ]

    def last_to(self, chat_id: int) -> Call:
        sent = self.sent_to(chat_id)
        assert sent, f"nothing was sent to {chat_id}"
        return sent[-1]

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def answers(self) -> list[Call]:
        return [c for c in self.calls if c.method == "answerCallbackQuery"]

    def clear(self) -> None:
        self.calls.clear()


def _error(code: int, description: str, parameters: dict[str, Any] | None = None) -> bytes:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return json.dumps(body).encode()


_UPDATE_IDS = itertools.count(1)


class People:
    """Builds the updates a person's Telegram client would send."""

    def __init__(self, bot: Any) -> None:
        self._bot = bot
        # One counter for the whole test run: like Telegram's, ids never repeat, also
        # across a restart of the application on the same database.
        self._update_ids = _UPDATE_IDS
        self._message_ids = itertools.count(1)

    def _user(self, user_id: int, name: str, language: str) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": language}

    def _message(self, user_id: int, name: str, language: str, **content: Any) -> Update:
        user = self._user(user_id, name, language)
        data = {
            "update_id": next(self._update_ids),
            "message": {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": name},
                "from": user,
                **content,
            },
        }
        return Update.de_json(data, self._bot)

    def text(self, user_id: int, text: str, name: str = "Sam", language: str = "en") -> Update:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._message(user_id, name, language, **content)

    def location(
        self, user_id: int, lat: float, lon: float, name: str = "Sam", language: str = "en"
    ) -> Update:
        return self._message(user_id, name, language, location={"latitude": lat, "longitude": lon})

    def photo(
        self,
        user_id: int,
        file_id: str,
        name: str = "Sam",
        language: str = "en",
        caption: str | None = None,
    ) -> Update:
        """A photo (Telegram sends several sizes; the last is the largest)."""
        sizes = [
            {"file_id": f"{file_id}-small", "file_unique_id": "s", "width": 90, "height": 90},
            {"file_id": file_id, "file_unique_id": "l", "width": 800, "height": 800},
        ]
        if caption is None:
            return self._message(user_id, name, language, photo=sizes)
        return self._message(user_id, name, language, photo=sizes, caption=caption)

    def voice(self, user_id: int, file_id: str, name: str = "Sam", language: str = "en") -> Update:
        """A voice note."""
        voice = {"file_id": file_id, "file_unique_id": "v", "duration": 3}
        return self._message(user_id, name, language, voice=voice)

    def membership(self, user_id: int, old: str, new: str) -> Update:
        """The bot's own membership in a private chat changed: blocked, or unblocked."""
        bot_member = {"user": BOT_USER, "until_date": 0}
        payload = {
            "update_id": next(self._update_ids),
            "my_chat_member": {
                "chat": {"id": user_id, "type": "private"},
                "from": self._user(user_id, "Sam", "en"),
                "date": int(time.time()),
                "old_chat_member": {"status": old, **bot_member},
                "new_chat_member": {"status": new, **bot_member},
            },
        }
        return Update.de_json(payload, self._bot)

    def press(
        self,
        user_id: int,
        data: str,
        message_id: int = 1,
        name: str = "Sam",
        language: str = "en",
    ) -> Update:
        user = self._user(user_id, name, language)
        payload = {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(next(self._update_ids)),
                "from": user,
                "chat_instance": str(user_id),
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": user_id, "type": "private"},
                    "from": BOT_USER,
                    "text": "…",
                },
            },
        }
        return Update.de_json(payload, self._bot)
